//! Slugs: lowercase, Unicode letters and digits kept (an Arabic title gives an
//! Arabic slug), everything else collapsed to `-`, at most 100 characters, and
//! never all digits, so that `{article}` can be an id or a slug.

use crate::error::FieldError;

pub const MAX_CHARS: usize = 100;

/// The slug of a title or name; empty when nothing usable is left.
pub fn slugify(text: &str) -> String {
    let mut slug = String::new();
    let mut pending_dash = false;
    for c in text.chars().flat_map(char::to_lowercase) {
        if c.is_alphanumeric() {
            if pending_dash && !slug.is_empty() {
                slug.push('-');
            }
            pending_dash = false;
            slug.push(c);
        } else {
            pending_dash = true;
        }
    }
    truncate(&slug, MAX_CHARS)
}

/// Cuts a slug to `max` characters without leaving a trailing dash.
pub fn truncate(slug: &str, max: usize) -> String {
    slug.chars().take(max).collect::<String>().trim_end_matches('-').to_owned()
}

/// True for a slug that could be mistaken for an id.
pub fn is_numeric(slug: &str) -> bool {
    !slug.is_empty() && slug.chars().all(|c| c.is_ascii_digit())
}

/// `base` made unique with `-2`, `-3`…, keeping within [`MAX_CHARS`].
pub fn with_suffix(base: &str, n: u32) -> String {
    let suffix = format!("-{n}");
    format!("{}{suffix}", truncate(base, MAX_CHARS - suffix.len()))
}

/// The slug an article gets from its title: the title's slug, or
/// `article-{id}` when the title has no letters or digits or only digits.
pub fn for_title(title: &str, id: i32) -> String {
    let base = slugify(title);
    if base.is_empty() || is_numeric(&base) { format!("article-{id}") } else { base }
}

/// Non-ASCII characters no slug holds: C1 controls, spaces and invisible
/// formatting. `text::patterns::SLUG` leaves out the same.
const NOT_IN_SLUGS: [(char, char); 7] = [
    ('\u{80}', '\u{A0}'),
    ('\u{1680}', '\u{1680}'),
    ('\u{2000}', '\u{200F}'),
    ('\u{2028}', '\u{202F}'),
    ('\u{205F}', '\u{206F}'),
    ('\u{3000}', '\u{3000}'),
    ('\u{FEFF}', '\u{FEFF}'),
];

/// May `c` stand in a slug a client gives: a lowercase ASCII letter or a
/// digit, or any other visible character beyond ASCII (kept as sent: which
/// of those are "lowercase" a JSON Schema pattern cannot say).
fn slug_char(c: char) -> bool {
    c.is_ascii_lowercase()
        || c.is_ascii_digit()
        || (!c.is_ascii() && !NOT_IN_SLUGS.iter().any(|(first, last)| (*first..=*last).contains(&c)))
}

/// A slug given by a client: exactly what the OpenAPI document's pattern
/// admits (so no surrounding spaces either).
pub fn parse(raw: &str, field: &str) -> Result<String, FieldError> {
    let slug = raw;
    if slug.is_empty() || raw.chars().count() > MAX_CHARS {
        return Err(FieldError::new(field, format!("must be 1 to {MAX_CHARS} characters")));
    }
    if !slug.split('-').all(|run| !run.is_empty() && run.chars().all(slug_char)) {
        return Err(FieldError::new(
            field,
            "must be runs of lowercase ASCII letters, digits or visible non-ASCII characters, separated by single dashes",
        ));
    }
    if is_numeric(slug) {
        return Err(FieldError::new(field, "must not be all digits"));
    }
    Ok(slug.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles_become_slugs() {
        assert_eq!(slugify("Hello, World!"), "hello-world");
        assert_eq!(slugify("  Élections 2026 : le point  "), "élections-2026-le-point");
        assert_eq!(slugify("الانتخابات في ليبيا"), "الانتخابات-في-ليبيا");
        assert_eq!(slugify("!!!"), "");
        assert_eq!(slugify("ÄÖÜ"), "äöü");
    }

    #[test]
    fn a_given_slug_is_what_the_documented_pattern_admits() {
        for good in ["world", "élections-2026", "الانتخابات-في-ليبيا", "Élections", "a-☕"] {
            assert!(parse(good, "slug").is_ok(), "{good}");
        }
        for bad in ["World", "a--b", "-a", "a-", "a b", "a\u{a0}b", "a\u{200b}b", "a\u{85}", "2026", "a_b"] {
            assert!(parse(bad, "slug").is_err(), "{bad:?}");
        }
    }

    #[test]
    fn slugs_are_cut_to_100_characters_without_a_trailing_dash() {
        let slug = slugify(&format!("{} b", "a".repeat(99)));
        assert_eq!(slug, "a".repeat(99));
        assert_eq!(slugify(&"ب".repeat(150)).chars().count(), 100);
    }

    #[test]
    fn suffixes_keep_the_length() {
        assert_eq!(with_suffix("news", 2), "news-2");
        assert_eq!(with_suffix(&"a".repeat(100), 12).chars().count(), 100);
    }

    #[test]
    fn client_slugs_must_be_in_slug_form() {
        assert_eq!(parse("good-slug", "slug").unwrap(), "good-slug");
        assert_eq!(parse("خبر-عاجل", "slug").unwrap(), "خبر-عاجل");
        for bad in ["", "Bad", "two--dashes", "-lead", "trail-", "has space", "12345", &"a".repeat(101)] {
            assert!(parse(bad, "slug").is_err(), "{bad:?}");
        }
    }

    #[test]
    fn numeric_slugs_are_recognised() {
        assert!(is_numeric("2026"));
        assert!(!is_numeric("2026-budget"));
        assert!(!is_numeric("٢٠٢٦"), "Arabic-Indic digits are not an id");
    }
}
