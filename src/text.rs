//! Checks shared by every free-text field: length in characters (not bytes)
//! and no control characters that would corrupt a log line or a header.

use crate::error::FieldError;

/// The name of a category or collection: 1 to 100 characters, one line.
pub fn name(raw: &str) -> Result<String, FieldError> {
    single_line(raw, 1, 100).map_err(|message| FieldError::new("name", message))
}

/// The description of a category or collection: up to 1,000 characters;
/// empty means none.
pub fn description(raw: &str) -> Result<Option<String>, FieldError> {
    multi_line(raw, 0, 1000)
        .map(|text| Some(text).filter(|text| !text.is_empty()))
        .map_err(|message| FieldError::new("description", message))
}

/// Requires at most `max` characters as sent (the limit the OpenAPI document
/// publishes, so a client's own validation agrees with ours), then trims and
/// requires at least `min` characters. Control characters are refused even
/// where trimming would remove them (a trailing tab or NEL), as the published
/// pattern says.
pub fn single_line(raw: &str, min: usize, max: usize) -> Result<String, String> {
    let value = raw.trim();
    if raw.chars().any(char::is_control) {
        return Err("must not contain control characters or line breaks".into());
    }
    within(raw, value, min, max)
}

/// Like [`single_line`], but line breaks and tabs are allowed.
pub fn multi_line(raw: &str, min: usize, max: usize) -> Result<String, String> {
    let value = raw.trim();
    if raw.chars().any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t')) {
        return Err("must not contain control characters".into());
    }
    within(raw, value, min, max)
}

fn within(raw: &str, trimmed: &str, min: usize, max: usize) -> Result<String, String> {
    if raw.chars().count() > max {
        Err(format!("must be at most {max} characters"))
    } else if trimmed.chars().count() < min {
        Err(if min == 1 { "must not be empty".into() } else { format!("must be at least {min} characters") })
    } else {
        Ok(trimmed.to_owned())
    }
}

/// Whether `text` could equal something stored. Nothing stored holds a NUL:
/// every check above refuses control characters, and PostgreSQL refuses NUL
/// outright, so a look-up for such text answers "nothing" without asking the
/// database (which, on PostgreSQL, would fail rather than find nothing).
pub fn can_match(text: &str) -> bool {
    !text.contains('\0')
}

/// The checks above (and those of slugs, emails and cover images) as JSON
/// Schema patterns, for the OpenAPI document. They are written for both
/// ECMA-262 and Python's `re`, which Schemathesis uses: no Unicode property
/// classes, and whitespace spelled out where the two disagree with Rust's.
pub mod patterns {
    /// One line, not blank: no control characters, something besides spaces.
    pub const ONE_LINE: &str = r"^[^\x00-\x1F\x7F-\x9F]*[^\s\x00-\x1F\x7F-\x9F][^\x00-\x1F\x7F-\x9F]*$";
    /// Lines, possibly blank: no control characters but tabs and line breaks.
    pub const MULTI_LINE: &str = r"^[^\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F]*$";
    /// Lines, not blank.
    pub const MULTI_LINE_NOT_EMPTY: &str =
        r"^[^\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F]*[^\s\x00-\x1F\x7F-\x9F][^\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F]*$";
    /// Lowercase ASCII letters, digits and visible non-ASCII characters (no
    /// C1 controls, spaces or invisible formatting) in dash-separated runs,
    /// not all digits: `articles::slug::parse` takes exactly these.
    pub const SLUG: &str = r"^(?![0-9]+$)(?:[a-z0-9]|[^\x00-\xA0\u1680\u2000-\u200F\u2028-\u202F\u205F-\u206F\u3000\uFEFF])+(?:-(?:[a-z0-9]|[^\x00-\xA0\u1680\u2000-\u200F\u2028-\u202F\u205F-\u206F\u3000\uFEFF])+)*$";
    /// `local@domain.tld`: no spaces or control characters, a local part of
    /// at most 64 characters, a domain of dot-separated labels; surrounding
    /// spaces are trimmed.
    pub const EMAIL: &str = r"^[\t\n\x0B\x0C\r \x85\xA0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]*[^\s\x00-\x1F\x7F-\x9F]{1,64}@[^\s@.\x00-\x1F\x7F-\x9F]+(?:\.[^\s@.\x00-\x1F\x7F-\x9F]+)+[\t\n\x0B\x0C\r \x85\xA0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]*$";
    /// An absolute http(s) URL with no spaces or control characters in it;
    /// surrounding spaces are trimmed.
    pub const HTTP_URL: &str = r"^[\t\n\x0B\x0C\r \x85\xA0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]*[Hh][Tt][Tt][Pp][Ss]?://[^\s\x00-\x1F\x7F-\x9F]+[\t\n\x0B\x0C\r \x85\xA0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]*$";
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lengths_count_characters() {
        assert_eq!(single_line("مرحبا", 1, 5).unwrap(), "مرحبا");
        assert_eq!(single_line(" مرحبا ", 1, 7).unwrap(), "مرحبا");
        assert!(single_line("مرحبا!", 1, 5).is_err());
    }

    #[test]
    fn the_maximum_applies_to_the_text_as_sent() {
        assert_eq!(single_line(&"a".repeat(5), 1, 5).unwrap(), "aaaaa");
        assert!(single_line(&format!(" {}", "a".repeat(5)), 1, 5).is_err());
        assert!(multi_line(&format!("{}\n", "a".repeat(5)), 1, 5).is_err());
    }

    #[test]
    fn control_characters_are_refused() {
        assert!(single_line("a\u{0}b", 1, 10).is_err());
        assert!(single_line("a\nb", 1, 10).is_err());
        assert_eq!(multi_line("a\nb", 1, 10).unwrap(), "a\nb");
        assert!(multi_line("a\u{7}b", 1, 10).is_err());
    }

    #[test]
    fn control_characters_are_refused_where_trimming_would_hide_them() {
        assert!(single_line("X\t", 1, 10).is_err());
        assert!(single_line("\nX", 1, 10).is_err());
        assert!(multi_line("X\u{85}", 1, 10).is_err());
        assert_eq!(multi_line("X\n", 1, 10).unwrap(), "X");
    }
}
