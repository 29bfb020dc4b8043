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
/// requires at least `min` characters and no control characters.
pub fn single_line(raw: &str, min: usize, max: usize) -> Result<String, String> {
    let value = raw.trim();
    if value.chars().any(char::is_control) {
        return Err("must not contain control characters or line breaks".into());
    }
    within(raw, value, min, max)
}

/// Like [`single_line`], but line breaks and tabs are allowed.
pub fn multi_line(raw: &str, min: usize, max: usize) -> Result<String, String> {
    let value = raw.trim();
    if value.chars().any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t')) {
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
}
