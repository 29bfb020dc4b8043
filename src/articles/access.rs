//! Who may see and change an article: the public sees what is published and
//! due; authors also their own, editors everything.

use crate::store::Conn;
use chrono::NaiveDateTime;

use super::db::{self, ArticleRef, ArticleRow};
use crate::auth::AuthUser;
use crate::error::ApiError;
use crate::time;
use crate::users::Role;

/// Whether `user` (or an anonymous reader) may see `article`.
pub fn can_see(user: Option<&AuthUser>, article: &ArticleRow, now: NaiveDateTime) -> bool {
    article.is_public(now) || user.is_some_and(|user| can_edit(user, article))
}

fn can_edit(user: &AuthUser, article: &ArticleRow) -> bool {
    user.role >= Role::Editor || (user.role >= Role::Author && article.author_id == Some(user.id))
}

/// 404 for what the caller may not see, 403 for what they may see but not change.
fn ensure_editable(user: &AuthUser, article: &ArticleRow) -> Result<(), ApiError> {
    if can_edit(user, article) {
        Ok(())
    } else if can_see(Some(user), article, time::now()) {
        Err(ApiError::forbidden("Only the author and editors may change this article."))
    } else {
        Err(ApiError::NotFound)
    }
}

/// The article `article` names, if `user` may change it (404 or 403 if not).
pub fn editable(conn: &mut Conn, article: &ArticleRef, user: &AuthUser) -> Result<ArticleRow, ApiError> {
    let row = db::resolve(conn, article)?.ok_or(ApiError::NotFound)?;
    ensure_editable(user, &row)?;
    Ok(row)
}
