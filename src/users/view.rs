//! How other records name a user.

use serde::Serialize;
use utoipa::ToSchema;

/// The author as articles show them; null once the account is deleted.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AuthorRef {
    pub id: i32,
    #[schema(example = "Amal Haddad")]
    pub display_name: String,
}

impl AuthorRef {
    /// The user `id` named `name`, when both are known: an account that is
    /// gone leaves neither.
    pub fn of(id: Option<i32>, name: Option<String>) -> Option<Self> {
        Some(Self { id: id?, display_name: name? })
    }
}
