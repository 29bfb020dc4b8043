//! What a WordPress export holds, as the reader ([`super::wxr`]) hands it out.

use std::collections::HashMap;

/// A category of the export (`wp:category`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Category {
    pub term_id: String,
    pub nicename: String,
    pub parent: String,
    pub name: String,
    pub description: String,
}

/// An author of the export (`wp:author`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Author {
    pub login: String,
    pub email: String,
    pub display_name: String,
}

/// A term an item is filed under: `domain` is `category` or `post_tag`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Term {
    pub domain: String,
    pub nicename: String,
    pub name: String,
}

/// An `item`: a post, a page, an attachment, a menu entry…
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Item {
    pub title: String,
    /// Where WordPress showed it (its permalink).
    pub link: String,
    pub creator: String,
    pub content: String,
    pub excerpt: String,
    pub post_id: String,
    pub post_date: String,
    pub post_date_gmt: String,
    pub post_name: String,
    pub status: String,
    pub post_type: String,
    pub is_sticky: bool,
    /// WordPress shows the post only to readers who know its password.
    pub password_protected: bool,
    pub attachment_url: String,
    pub terms: Vec<Term>,
    pub meta: HashMap<String, String>,
    pub comments: usize,
    /// A field was longer than [`MAX_FIELD_BYTES`] and was not kept whole.
    pub oversized: bool,
    /// Where the item starts in the file (bytes), for messages.
    pub offset: u64,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Record {
    Category(Category),
    Tag { slug: String, name: String },
    Author(Author),
    Item(Box<Item>),
}
