//! Markdown bodies: rendering to sanitized HTML, the default excerpt, and the
//! reading time.
//!
//! Rendering costs time linear in the body: Markdown is rendered with its
//! nesting capped, and HTML written into the Markdown must not nest deeper
//! than [`MAX_HTML_DEPTH`] ([`super::nesting`] says why).

use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};

use super::nesting;
use crate::error::ApiError;

/// Longest default excerpt, in characters (the ellipsis included).
pub const EXCERPT_MAX_CHARS: usize = 300;

/// Silent reading speed used for `reading_time_minutes`.
const WORDS_PER_MINUTE: usize = 200;

fn options() -> Options {
    Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH | Options::ENABLE_FOOTNOTES
}

/// Deepest nesting of elements made from Markdown (quotes, lists, emphasis,
/// links…): deeper ones keep their text but not their element. No reader
/// tells level 33 of a block quote from level 32.
const MAX_MARKDOWN_DEPTH: usize = 32;

/// Deepest nesting of the HTML a body renders to, raw HTML included; deeper
/// is refused ([`TooDeep`]).
pub const MAX_HTML_DEPTH: usize = 100;

/// A body whose HTML nests deeper than [`MAX_HTML_DEPTH`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("nests HTML more than {MAX_HTML_DEPTH} elements deep")]
pub struct TooDeep;

impl From<TooDeep> for ApiError {
    fn from(too_deep: TooDeep) -> Self {
        Self::invalid_field("body", too_deep.to_string())
    }
}

/// Renders Markdown and sanitizes the HTML: no scripts, no event handlers, no
/// `javascript:` or other non-web URLs, and links get `rel="noopener
/// noreferrer nofollow"`. Raw HTML in the Markdown goes through the same
/// filter, once it is known not to nest too deeply for it.
pub fn render(markdown: &str) -> Result<String, TooDeep> {
    let mut html = String::with_capacity(markdown.len() * 3 / 2);
    let mut has_raw_html = false;
    let mut depth = 0usize;
    let events = Parser::new_ext(markdown, options()).filter(|event| match event {
        Event::Start(_) => {
            depth += 1;
            depth <= MAX_MARKDOWN_DEPTH
        }
        Event::End(_) => {
            depth = depth.saturating_sub(1);
            depth < MAX_MARKDOWN_DEPTH
        }
        Event::Html(_) | Event::InlineHtml(_) => {
            has_raw_html = true;
            true
        }
        _ => true,
    });
    pulldown_cmark::html::push_html(&mut html, events);
    if has_raw_html && !nesting::within(&html, MAX_HTML_DEPTH) {
        return Err(TooDeep);
    }
    Ok(ammonia::Builder::default()
        .link_rel(Some("noopener noreferrer nofollow"))
        .url_schemes(["http", "https", "mailto"].into())
        .clean(&html)
        .to_string())
}

/// The first paragraph as plain text, cut at [`EXCERPT_MAX_CHARS`] on a word
/// boundary.
pub fn excerpt(markdown: &str) -> String {
    let mut text = String::new();
    let mut in_paragraph = false;
    for event in Parser::new_ext(markdown, options()) {
        match event {
            Event::Start(Tag::Paragraph) => in_paragraph = true,
            Event::End(TagEnd::Paragraph) if in_paragraph && !text.trim().is_empty() => break,
            Event::End(TagEnd::Paragraph) => in_paragraph = false,
            Event::Text(t) | Event::Code(t) if in_paragraph => text.push_str(&t),
            Event::SoftBreak | Event::HardBreak if in_paragraph => text.push(' '),
            _ => {}
        }
    }
    shorten(text.split_whitespace().collect::<Vec<_>>().join(" "), EXCERPT_MAX_CHARS)
}

/// Cuts `text` to at most `max` characters at a word boundary, with "…".
fn shorten(text: String, max: usize) -> String {
    if text.chars().count() <= max {
        return text;
    }
    let mut kept = String::new();
    for word in text.split(' ') {
        // +1 for the space before the word, +1 for the ellipsis.
        let needed = kept.chars().count() + usize::from(!kept.is_empty()) + word.chars().count() + 1;
        if needed > max {
            break;
        }
        if !kept.is_empty() {
            kept.push(' ');
        }
        kept.push_str(word);
    }
    if kept.is_empty() {
        // One word longer than the limit: cut inside it.
        kept = text.chars().take(max - 1).collect();
    }
    kept.push('…');
    kept
}

/// Minutes to read the body at 200 words a minute, at least 1.
pub fn reading_time_minutes(markdown: &str) -> i32 {
    let words = Parser::new_ext(markdown, options())
        .filter_map(|event| match event {
            Event::Text(t) | Event::Code(t) => Some(t.split_whitespace().count()),
            _ => None,
        })
        .sum::<usize>();
    i32::try_from(words.div_ceil(WORDS_PER_MINUTE).max(1)).unwrap_or(i32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn render(markdown: &str) -> String {
        super::render(markdown).unwrap()
    }

    #[test]
    fn renders_markdown() {
        assert_eq!(render("# Title\n\nSome *text*."), "<h1>Title</h1>\n<p>Some <em>text</em>.</p>\n");
    }

    #[test]
    fn deep_markdown_keeps_its_text_within_the_depth_cap() {
        let html = render(&format!("{} deep", ">".repeat(50_000)));
        assert_eq!(html.matches("<blockquote>").count(), MAX_MARKDOWN_DEPTH);
        assert_eq!(html.matches("</blockquote>").count(), MAX_MARKDOWN_DEPTH);
        assert!(html.contains("deep"), "{html}");
        let lists = render(&format!("{}item", "- ".repeat(50_000)));
        assert!(lists.matches("<ul>").count() <= MAX_MARKDOWN_DEPTH);
        assert!(lists.contains("item"));
    }

    #[test]
    fn raw_html_nested_too_deeply_is_refused() {
        assert_eq!(super::render(&"<div>".repeat(MAX_HTML_DEPTH + 1)), Err(TooDeep));
        assert!(super::render(&"<div>".repeat(MAX_HTML_DEPTH - 1)).is_ok());
        let reopened: String = (0..1000).map(|i| format!("<p><b id={i}></p>")).collect();
        assert_eq!(super::render(&reopened), Err(TooDeep));
    }

    #[test]
    fn strips_scripts_handlers_and_javascript_urls() {
        let html = render(
            "<script>alert(1)</script>\n\n<img src=x onerror=alert(1)>\n\n[click](javascript:alert(1)) \
             <a href=\"JaVaScRiPt:alert(1)\">x</a> <iframe src=\"https://evil.example\"></iframe>",
        );
        let lower = html.to_lowercase();
        for forbidden in ["<script", "onerror", "javascript:", "<iframe", "alert(1)</script"] {
            assert!(!lower.contains(forbidden), "{forbidden} in {html}");
        }
    }

    #[test]
    fn links_are_marked_nofollow() {
        assert_eq!(
            render("[site](https://example.com)"),
            "<p><a href=\"https://example.com\" rel=\"noopener noreferrer nofollow\">site</a></p>\n"
        );
    }

    #[test]
    fn excerpt_is_the_first_paragraph_as_plain_text() {
        assert_eq!(excerpt("# Heading\n\nFirst *para*\nline two.\n\nSecond."), "First para line two.");
        assert_eq!(excerpt("مرحبا بالعالم.\n\nثانيا"), "مرحبا بالعالم.");
        assert_eq!(excerpt(""), "");
    }

    #[test]
    fn excerpt_is_cut_on_a_word_boundary() {
        let long = "word ".repeat(100);
        let cut = excerpt(&long);
        assert!(cut.chars().count() <= EXCERPT_MAX_CHARS);
        assert!(cut.ends_with("word…"), "{cut}");
        let one_word = "x".repeat(400);
        assert_eq!(excerpt(&one_word).chars().count(), EXCERPT_MAX_CHARS);
    }

    #[test]
    fn reading_time_counts_words() {
        assert_eq!(reading_time_minutes(""), 1);
        assert_eq!(reading_time_minutes(&"word ".repeat(200)), 1);
        assert_eq!(reading_time_minutes(&"word ".repeat(201)), 2);
    }
}
