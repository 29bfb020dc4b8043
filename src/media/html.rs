//! Images of the library in rendered bodies get what a browser needs to lay
//! the page out before they load and to fetch the size it shows: `width`,
//! `height`, `srcset`, `sizes` and `loading="lazy"`. Runs on HTML that has
//! been sanitized; the attributes it adds are made here, from the database.

use std::collections::HashMap;

use diesel::prelude::*;

use super::MediaUrls;
use super::db::MediaRow;
use crate::schema::media;
use crate::store::Conn;

/// `html` with every `<img>` whose `src` is a file of the library described
/// in full; other images and everything else are left as they are.
pub fn with_image_sizes(conn: &mut Conn, urls: &MediaUrls, html: &str) -> QueryResult<String> {
    let hashes: Vec<&str> = images(html).filter_map(|inside| hash_of(inside, urls)).collect();
    if hashes.is_empty() {
        return Ok(html.to_owned());
    }
    let rows: Vec<MediaRow> =
        media::table.filter(media::content_hash.eq_any(&hashes)).select(MediaRow::as_select()).load(conn)?;
    let by_hash: HashMap<&str, &MediaRow> = rows.iter().map(|row| (row.content_hash.as_str(), row)).collect();
    let mut out = String::with_capacity(html.len() + hashes.len() * 300);
    let mut rest = html;
    while let Some((before, after)) = rest.split_once("<img ") {
        out.push_str(before);
        let Some((inside, after_tag)) = after.split_once('>') else {
            out.push_str("<img ");
            rest = after;
            break;
        };
        match hash_of(inside, urls).and_then(|hash| by_hash.get(hash)) {
            Some(row) => out.push_str(&described(inside, row, urls)),
            None => {
                out.push_str("<img ");
                out.push_str(inside);
                out.push('>');
            }
        }
        rest = after_tag;
    }
    out.push_str(rest);
    Ok(out)
}

/// What is inside each `<img …>` tag of `html`.
fn images(html: &str) -> impl Iterator<Item = &str> {
    html.split("<img ").skip(1).filter_map(|after| after.split_once('>').map(|(inside, _)| inside))
}

/// The upload an image shows, when its `src` is a file of the library.
fn hash_of<'t>(inside: &'t str, urls: &MediaUrls) -> Option<&'t str> {
    let key = urls.key_of(attribute(inside, "src")?)?;
    key.split_once('/').map(|(hash, _)| hash)
}

/// The value of `name` in a tag as the sanitizer writes it (`name="…"`).
fn attribute<'t>(inside: &'t str, name: &str) -> Option<&'t str> {
    let pattern = format!("{name}=\"");
    let value = match inside.strip_prefix(&pattern) {
        Some(value) => value,
        None => inside.split_once(&format!(" {pattern}"))?.1,
    };
    value.split_once('"').map(|(value, _)| value)
}

fn described(inside: &str, row: &MediaRow, urls: &MediaUrls) -> String {
    let src = attribute(inside, "src").unwrap_or_default();
    // The body's own alt text, escaped by the sanitizer, else the library's.
    let alt = match attribute(inside, "alt") {
        Some(alt) if !alt.is_empty() => alt.to_owned(),
        _ => escape(row.alt.as_deref().unwrap_or_default()),
    };
    let mut candidates: Vec<(String, u32)> = row
        .variants()
        .into_iter()
        .filter(|file| file.content_type == row.content_type)
        .map(|file| (urls.of(&file.key), file.width))
        .collect();
    let width = u32::try_from(row.width).unwrap_or(0);
    candidates.push((urls.of(&row.file_key), width));
    let srcset: Vec<String> = candidates.iter().map(|(url, width)| format!("{url} {width}w")).collect();
    format!(
        "<img src=\"{src}\" alt=\"{}\" width=\"{}\" height=\"{}\" srcset=\"{}\" sizes=\"(max-width: {width}px) 100vw, {width}px\" loading=\"lazy\">",
        alt,
        row.width,
        row.height,
        srcset.join(", "),
    )
}

/// Text from the database, safe inside a double-quoted attribute.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('"', "&quot;").replace('<', "&lt;").replace('>', "&gt;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attributes_are_read_as_the_sanitizer_writes_them() {
        let inside = r#"src="https://news.example/media/x/original.jpg" alt="A &quot;harbour&quot;""#;
        assert_eq!(attribute(inside, "src"), Some("https://news.example/media/x/original.jpg"));
        assert_eq!(attribute(inside, "alt"), Some("A &quot;harbour&quot;"));
        assert_eq!(attribute(inside, "width"), None);
        let html = "<p>a<img src=\"1\">b<img alt=\"x\" src=\"2\"></p>";
        assert_eq!(images(html).filter_map(|inside| attribute(inside, "src")).collect::<Vec<_>>(), ["1", "2"]);
    }
}
