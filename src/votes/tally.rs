//! A vote's value and an article's tally, as the API reads and shows them.

use serde::Serialize;
use utoipa::ToSchema;

use crate::error::ApiError;

/// A vote: up (1) or down (-1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VoteValue(i32);

impl VoteValue {
    /// Takes any JSON number: `1.0` is the integer 1 to JSON Schema, so it
    /// must be accepted as one.
    pub fn parse(raw: &serde_json::Number) -> Result<Self, ApiError> {
        match raw.as_f64() {
            Some(1.0) => Ok(Self(1)),
            Some(-1.0) => Ok(Self(-1)),
            _ => Err(ApiError::invalid_field("value", "must be 1 (up) or -1 (down)")),
        }
    }

    pub fn get(self) -> i32 {
        self.0
    }
}

/// The caller's vote and the article's tally.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Tally {
    /// The caller's vote; null when not voted.
    #[schema(value_type = Option<crate::articles::view::Vote>, required = true)]
    pub my_vote: Option<i32>,
    #[schema(example = 12)]
    pub up: i32,
    #[schema(example = 3)]
    pub down: i32,
    /// `up - down`.
    #[schema(example = 9)]
    pub score: i32,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plus_and_minus_one_are_votes() {
        let number = |json: &str| serde_json::from_str::<serde_json::Number>(json).unwrap();
        assert_eq!(VoteValue::parse(&number("1")).unwrap().get(), 1);
        assert_eq!(VoteValue::parse(&number("-1.0")).unwrap().get(), -1);
        for bad in ["0", "2", "-2", "1.5", "9223372036854775807", "1e300"] {
            assert!(VoteValue::parse(&number(bad)).is_err(), "{bad}");
        }
    }
}
