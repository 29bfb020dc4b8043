//! Who may see and change an article: the public sees what is published and
//! due; its author also the rest of their own, editors everything.
//! Contributors write drafts and submit them for review; only an author (of
//! their own articles) or an editor publishes, schedules or archives, and once
//! a contributor's article is published, editors alone change it.

use crate::store::Conn;
use chrono::NaiveDateTime;

use super::db::{self, ArticleRef, ArticleRow, ArticleStatus};
use crate::auth::AuthUser;
use crate::error::ApiError;
use crate::time;
use crate::users::Role;

/// Whether `user` (or an anonymous reader) may see `article`.
pub fn can_see(user: Option<&AuthUser>, article: &ArticleRow, now: NaiveDateTime) -> bool {
    article.is_public(now)
        || user.is_some_and(|user| {
            user.role >= Role::Editor || (user.role >= Role::Contributor && article.author_id == Some(user.id))
        })
}

/// Whether `user` may read the revisions of `article`: its author, editors.
pub fn can_review_history(user: &AuthUser, article: &ArticleRow) -> bool {
    user.role >= Role::Editor || article.author_id == Some(user.id)
}

fn can_edit(user: &AuthUser, article: &ArticleRow) -> bool {
    let own = article.author_id == Some(user.id);
    match user.role {
        Role::Editor | Role::Admin => true,
        Role::Author => own,
        Role::Contributor => own && matches!(article.status, ArticleStatus::Draft | ArticleStatus::Pending),
        Role::Reader => false,
    }
}

/// 404 for what the caller may not see, 403 for what they may see but not change.
fn ensure_editable(user: &AuthUser, article: &ArticleRow) -> Result<(), ApiError> {
    if can_edit(user, article) {
        Ok(())
    } else if user.role == Role::Contributor && article.author_id == Some(user.id) {
        Err(ApiError::forbidden("Once it is published, editors change a contributor's article."))
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

/// 403 when `user` may not give an article `status`: a contributor keeps it a
/// draft or submits it for review.
pub fn ensure_may_set_status(user: &AuthUser, status: ArticleStatus) -> Result<(), ApiError> {
    match (user.role, status) {
        (Role::Contributor, ArticleStatus::Draft | ArticleStatus::Pending) => Ok(()),
        (Role::Contributor, _) => Err(ApiError::forbidden(
            "Contributors write drafts and submit them for review (status pending); an author or editor publishes.",
        )),
        _ => Ok(()),
    }
}
