//! Articles in the database: rows, visibility, look-ups, slugs, tags, and
//! writes that keep the search index and hot rank in step. Lists are in
//! [`list`].

mod list;
mod reads;
mod rows;
mod writes;

pub use list::{Cursor, ListQuery, Scope, Sort, list, related};
pub use reads::{
    TagRef, author_names, body, due_unannounced, reload, resolve, resolve_public, slug_available_for, tags_of,
    unique_slug,
};
pub use rows::{
    ArticleBody, ArticleChanges, ArticleRef, ArticleRow, ArticleStatus, NewArticle, NotDeleted, PubliclyVisible,
    VoteCounts, WithTally, not_deleted, publicly_visible, with_tally,
};
pub use writes::{claim_announcement, insert, insert_many, link_tags, name_new, rename, set_tags, soft_delete, update};
