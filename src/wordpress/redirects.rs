//! `import-wordpress --redirects FILE`: where each public post and page was
//! on the WordPress site and where it is now, as an nginx `map` file, so
//! that old links (and search engines' ranking of them) keep working.

use std::collections::HashMap;
use std::io::Write;
use std::path::Path;

use diesel::prelude::*;

use super::report::{Moved, MovedTo};
use crate::cli::CliResult;
use crate::config::Config;
use crate::feeds::page_url;
use crate::private;
use crate::schema::articles;
use crate::store::Conn;

/// Writes the map for `moved` into `path`, a new file; returns how many
/// addresses it holds.
pub fn write(conn: &mut Conn, config: &Config, moved: &[Moved], path: &Path) -> CliResult<usize> {
    let ids: Vec<i32> = moved
        .iter()
        .filter_map(|moved| match moved.to {
            MovedTo::Article(id) => Some(id),
            MovedTo::Page(_) => None,
        })
        .collect();
    let mut slugs = HashMap::new();
    for chunk in ids.chunks(10_000) {
        let rows: Vec<(i32, String)> =
            articles::table.filter(articles::id.eq_any(chunk)).select((articles::id, articles::slug)).load(conn)?;
        slugs.extend(rows);
    }
    let mut lines = Vec::new();
    for moved in moved {
        let Ok(old) = url::Url::parse(&moved.from) else { continue };
        let from = match old.query() {
            Some(query) => format!("{}?{query}", old.path()),
            None => old.path().to_owned(),
        };
        let to = match &moved.to {
            MovedTo::Article(id) => match slugs.get(id) {
                Some(slug) => config.article_url.of(*id, slug),
                None => continue,
            },
            MovedTo::Page(slug) => page_url(config, slug),
        };
        if from != "/" && to != moved.from {
            lines.push(format!("{} {};\n", quoted(&from), quoted(&to)));
        }
    }
    lines.sort();
    lines.dedup();
    let mut file =
        private::create_file(path).map_err(|e| format!("--redirects: cannot create {}: {e}", path.display()))?;
    file.write_all(HEADER.as_bytes())?;
    for line in &lines {
        file.write_all(line.as_bytes())?;
    }
    Ok(lines.len())
}

const HEADER: &str = "\
# Written by `newsroom import-wordpress --redirects`: the old WordPress
# address of each public post and page (its path, as browsers send it),
# then where it is now. In nginx, at the http level:
#   map $request_uri $newsroom_moved { include /etc/nginx/newsroom-redirects.map; }
# and in the old site's server block:
#   if ($newsroom_moved) { return 301 $newsroom_moved; }
";

/// A value nginx reads as one string whatever it holds.
fn quoted(value: &str) -> String {
    format!("\"{}\"", value.replace('\\', "\\\\").replace('"', "\\\""))
}
