//! WordPress text as newsroom keeps it: slugs, one-line and multi-line
//! fields, and bodies (HTML to Markdown, within the API's limits).

use super::wxr::Item;
use crate::articles::{fields, markdown, nesting, slug};

/// A WordPress slug as newsroom keeps it: percent-decoded (Arabic slugs stay
/// Arabic) and in newsroom's slug form; `None` when nothing usable is left.
pub(super) fn decoded_slug(raw: &str) -> Option<String> {
    let decoded = percent_encoding::percent_decode_str(raw.trim()).decode_utf8().ok()?;
    // WordPress keeps underscores and emoji, and allows 200 characters;
    // ours are letters and digits between dashes, at most 100.
    Some(slug::slugify(&decoded)).filter(|slug| !slug.is_empty() && !slug::is_numeric(slug))
}

/// One line of text as the API's one-line fields take it: control
/// characters (tabs and line breaks among them) become spaces, the ends are
/// trimmed, and it is cut to `max` characters; `None` when nothing is left.
pub(super) fn one_line(text: &str, max: usize) -> Option<String> {
    let text: String = text.chars().map(|c| if c.is_control() { ' ' } else { c }).collect();
    clipped(&text, max)
}

/// Text as the API's multi-line fields take it: no control characters but
/// line breaks and tabs.
pub(super) fn lines(text: &str) -> String {
    text.chars().filter(|c| !c.is_control() || matches!(c, '\n' | '\r' | '\t')).collect()
}

/// `text` cut to `max` characters on a character boundary; `None` when empty.
pub(super) fn clipped(text: &str, max: usize) -> Option<String> {
    let text = text.trim();
    (!text.is_empty()).then(|| text.chars().take(max).collect::<String>().trim_end().to_owned())
}

/// The text of an HTML excerpt, without its markup.
pub(super) fn plain_text(html: &str) -> String {
    markdown_of(html).map(|markdown| markdown::excerpt(&markdown)).unwrap_or_default()
}

/// Why a body was not imported, to finish "posts whose body …": it nests
/// too deeply to convert or render.
pub(super) fn too_deep() -> String {
    format!("nests HTML more than {} elements deep", markdown::MAX_HTML_DEPTH)
}

/// The body of a post or page in Markdown, within what an article may hold,
/// or why it cannot be (to finish "posts whose body …").
pub(super) fn markdown_body(item: &Item) -> Result<String, String> {
    let too_long = || format!("is over the {} characters an article may have", fields::MAX_BODY_CHARS);
    if item.oversized {
        return Err(too_long());
    }
    let markdown = markdown_of(&item.content).ok_or_else(too_deep)?;
    if markdown.chars().count() > fields::MAX_BODY_CHARS {
        return Err(too_long());
    }
    Ok(markdown)
}

/// A post's HTML as Markdown. Gutenberg's block comments go; a classic post
/// written without `<p>` tags gets its blank lines back as paragraphs, as
/// WordPress's own `wpautop` shows it. `None` when the HTML nests too deeply
/// to convert: the converter recurses once per level.
fn markdown_of(html: &str) -> Option<String> {
    if !nesting::within(html, markdown::MAX_HTML_DEPTH) {
        return None;
    }
    let mut content = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(start) = rest.find("<!-- wp:").or_else(|| rest.find("<!-- /wp:")) {
        content.push_str(rest.get(..start).unwrap_or_default());
        rest = rest
            .get(start..)
            .and_then(|tail| tail.find("-->").map(|end| tail.get(end + 3..).unwrap_or_default()))
            .unwrap_or_default();
    }
    content.push_str(rest);
    let blocks = [
        "<p",
        "<div",
        "<h1",
        "<h2",
        "<h3",
        "<h4",
        "<h5",
        "<h6",
        "<ul",
        "<ol",
        "<blockquote",
        "<pre",
        "<table",
        "<figure",
    ];
    let lowered = content.to_lowercase();
    let html = if blocks.iter().any(|tag| lowered.contains(tag)) {
        content
    } else {
        content
            .replace("\r\n", "\n")
            .split("\n\n")
            .map(str::trim)
            .filter(|paragraph| !paragraph.is_empty())
            .map(|paragraph| format!("<p>{}</p>", paragraph.replace('\n', "<br />")))
            .collect::<Vec<_>>()
            .join("\n")
    };
    // CommonMark's `- item` and fenced code, as the API's writers use.
    let options = htmd::options::Options {
        bullet_list_marker: htmd::options::BulletListMarker::Dash,
        ul_bullet_spacing: 1,
        ol_number_spacing: 1,
        ..htmd::options::Options::default()
    };
    let converter = htmd::HtmlToMarkdown::builder().options(options).build();
    Some(lines(converter.convert(&html).unwrap_or_default().trim()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classic_posts_get_their_paragraphs_and_block_comments_go() {
        assert_eq!(
            markdown_of("One line\nand the next.\n\nA second paragraph.").unwrap(),
            "One line  \nand the next.\n\nA second paragraph."
        );
        let gutenberg = "<!-- wp:heading -->\n<h2>Title</h2>\n<!-- /wp:heading -->\n<!-- wp:paragraph -->\n<p>Text <a href=\"https://x.example/\">link</a>.</p>\n<!-- /wp:paragraph -->";
        assert_eq!(markdown_of(gutenberg).unwrap(), "## Title\n\nText [link](https://x.example/).");
    }

    #[test]
    fn one_line_fields_lose_their_control_characters_and_excess() {
        assert_eq!(one_line("Title\twith\u{85}controls \n", 200), Some("Title with controls".to_owned()));
        assert_eq!(one_line(&"é".repeat(300), 200).map(|title| title.chars().count()), Some(200));
        assert_eq!(one_line("\u{0}\t", 200), None);
        assert_eq!(lines("a\u{0}b\n\tc\u{9f}"), "ab\n\tc");
    }

    #[test]
    fn slugs_are_percent_decoded_and_put_in_newsroom_form() {
        assert_eq!(decoded_slug("%d9%84%d9%8a%d8%a8%d9%8a%d8%a7"), Some("ليبيا".to_owned()));
        assert_eq!(decoded_slug("hello-world"), Some("hello-world".to_owned()));
        assert_eq!(decoded_slug("hello_world-utf8-%f0%9f%92%ab-test"), Some("hello-world-utf8-test".to_owned()));
        assert_eq!(decoded_slug("Has Spaces"), Some("has-spaces".to_owned()));
        assert_eq!(decoded_slug(&"a".repeat(200)), Some("a".repeat(100)));
        assert_eq!(decoded_slug("1647"), None, "WordPress names untitled posts by their id");
        assert_eq!(decoded_slug("%ff%fe"), None);
        assert_eq!(decoded_slug(""), None);
    }
}
