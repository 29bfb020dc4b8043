//! Markdown bodies: rendering to sanitized HTML, the default excerpt, and the
//! reading time.

use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};

/// Longest default excerpt, in characters (the ellipsis included).
pub const EXCERPT_MAX_CHARS: usize = 300;

/// Silent reading speed used for `reading_time_minutes`.
const WORDS_PER_MINUTE: usize = 200;

fn options() -> Options {
    Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH | Options::ENABLE_FOOTNOTES
}

/// Renders Markdown and sanitizes the HTML: no scripts, no event handlers, no
/// `javascript:` or other non-web URLs, and links get `rel="noopener
/// noreferrer nofollow"`. Raw HTML in the Markdown goes through the same filter.
pub fn render(markdown: &str) -> String {
    let mut html = String::with_capacity(markdown.len() * 3 / 2);
    pulldown_cmark::html::push_html(&mut html, Parser::new_ext(markdown, options()));
    ammonia::Builder::default()
        .link_rel(Some("noopener noreferrer nofollow"))
        .url_schemes(["http", "https", "mailto"].into())
        .clean(&html)
        .to_string()
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

    #[test]
    fn renders_markdown() {
        assert_eq!(render("# Title\n\nSome *text*."), "<h1>Title</h1>\n<p>Some <em>text</em>.</p>\n");
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
