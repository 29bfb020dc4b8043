//! Parsed account fields: once a value is one of these types, it is valid.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::FieldError;
use crate::text;

/// An email address, trimmed; compared through its lowercased [`Email::key`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    /// The longest address there can be (RFC 5321), counted as sent.
    pub const MAX_LENGTH: usize = 254;

    /// Accepts `local@domain.tld` with no spaces or control characters, at most
    /// [`Email::MAX_LENGTH`] characters. Deliverability is the mail server's business.
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let email = raw.trim();
        let invalid = || FieldError::new("email", "is not a valid email address");
        if email.is_empty() || raw.chars().count() > Self::MAX_LENGTH {
            return Err(invalid());
        }
        if email.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(invalid());
        }
        let (local, domain) = email.rsplit_once('@').ok_or_else(invalid)?;
        let domain_ok = domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !domain.contains("..")
            && !domain.contains('@');
        if local.is_empty() || local.chars().count() > 64 || !domain_ok {
            return Err(invalid());
        }
        Ok(Self(email.to_owned()))
    }

    /// The form that uniqueness and look-ups use.
    pub fn key(&self) -> String {
        Self::key_of(&self.0)
    }

    /// The key of an address already stored, or otherwise known to be short.
    pub fn key_of(raw: &str) -> String {
        raw.trim().to_lowercase()
    }

    /// The look-up key of what a login sent: any text up to
    /// [`Email::MAX_LENGTH`] characters, valid or not, since an invalid
    /// address simply matches no account. Longer text is refused before it
    /// is looked up or counted anywhere.
    pub fn login_key(raw: &str) -> Result<String, FieldError> {
        if raw.chars().count() > Self::MAX_LENGTH {
            return Err(FieldError::new("email", format!("must be at most {} characters", Self::MAX_LENGTH)));
        }
        Ok(Self::key_of(raw))
    }
}

impl AsRef<str> for Email {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

/// A display name: at most 100 characters as sent, at least one after
/// trimming, no control characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DisplayName(String);

impl DisplayName {
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        text::single_line(raw, 1, 100).map(Self).map_err(|message| FieldError::new("display_name", message))
    }
}

impl AsRef<str> for DisplayName {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

/// A short biography: up to 2,000 characters; line breaks allowed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bio(String);

impl Bio {
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        text::multi_line(raw, 0, 2000).map(Self).map_err(|message| FieldError::new("bio", message))
    }
}

impl AsRef<str> for Bio {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

/// What a user may do. Each role includes the ones before it.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    ToSchema,
    diesel::AsExpression,
    diesel::FromSqlRow,
)]
#[diesel(sql_type = diesel::sql_types::Text)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Reads, votes, keeps collections (the default at registration).
    Reader,
    /// Also writes drafts and submits them for review; cannot publish, and
    /// cannot change an article once it is published.
    Contributor,
    /// Also publishes, schedules and edits their own articles.
    Author,
    /// Also edits all articles, categories and pages.
    Editor,
    /// Also manages users.
    Admin,
}

crate::store::text_enum!(Role {
    Reader => "reader",
    Contributor => "contributor",
    Author => "author",
    Editor => "editor",
    Admin => "admin",
});

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_trimmed_and_keyed_in_lowercase() {
        let email = Email::parse("  Reader@Example.COM ").unwrap();
        assert_eq!(email.as_ref(), "Reader@Example.COM");
        assert_eq!(email.key(), "reader@example.com");
        assert_eq!(Email::parse("Ünïcode@Exämple.org").unwrap().key(), "ünïcode@exämple.org");
    }

    #[test]
    fn malformed_emails_are_refused() {
        for bad in ["", "plain", "@example.com", "a@b", "a@.com", "a@com.", "a b@c.com", "a@b..com", "a\0@b.com"] {
            assert!(Email::parse(bad).is_err(), "{bad:?}");
        }
        assert!(Email::parse(&format!("{}@example.com", "a".repeat(65))).is_err());
    }

    #[test]
    fn display_names_are_single_lines() {
        assert_eq!(DisplayName::parse("  Amal  ").unwrap().as_ref(), "Amal");
        assert!(DisplayName::parse("   ").is_err());
        assert!(DisplayName::parse("two\nlines").is_err());
        assert!(DisplayName::parse(&"x".repeat(101)).is_err());
    }

    #[test]
    fn roles_round_trip() {
        for role in [Role::Reader, Role::Contributor, Role::Author, Role::Editor, Role::Admin] {
            assert_eq!(Role::parse(role.as_str()), Some(role));
        }
        assert_eq!(Role::parse("root"), None);
        assert!(Role::Admin > Role::Editor && Role::Editor > Role::Author && Role::Author > Role::Contributor);
        assert!(Role::Contributor > Role::Reader);
    }
}
