//! `newsroom seed-demo`: demo content written for this project, so that a new
//! user sees a living API after two commands. Running it again adds nothing
//! twice; it only gives the demo editor a fresh password.

mod content;

use crate::store::Conn;
use chrono::Duration;
use rand::RngExt;

use crate::articles::db::{self as articles_db, ArticleRef, ArticleStatus};
use crate::articles::write::{self, Draft, Text};
use crate::articles::{markdown, slug};
use crate::auth::password::{self, Password};
use crate::categories::{self, Tree, db::NewCategory};
use crate::cli::CliResult;
use crate::config::Config;
use crate::error::ApiError;
use crate::pages::{self, db::PageRow};
use crate::store;
use crate::time;
use crate::users::db::NewUser;
use crate::users::{Email, Role};
use content::{ARTICLES, CATEGORIES, PRIVACY_POLICY};

pub const EDITOR_EMAIL: &str = "editor@example.com";

/// What a seeding run did.
pub struct SeedReport {
    pub categories: usize,
    pub articles: usize,
    pub pages: usize,
    pub editor_email: &'static str,
    pub editor_password: String,
}

/// Loads the demo content; safe to run again.
pub fn seed_demo(config: &Config) -> CliResult<SeedReport> {
    let pool = store::connect(&config.database, config.database_pool_size)?;
    store::migrate(&pool)?;
    let editor_password = demo_password();
    let password = Password::parse(editor_password.clone(), EDITOR_EMAIL, config.password_min_length)?;
    let password_hash = password::hash_now(&password).map_err(|e| format!("argon2: {e}"))?;
    let mut conn = pool.get()?;
    let report = crate::store::write_on(&mut conn, |conn| -> Result<SeedReport, ApiError> {
        let editor_id = upsert_editor(conn, &password_hash)?;
        let categories = seed_categories(conn)?;
        let articles = seed_articles(conn, editor_id)?;
        let pages = seed_pages(conn)?;
        Ok(SeedReport {
            categories,
            articles,
            pages,
            editor_email: EDITOR_EMAIL,
            editor_password: editor_password.clone(),
        })
    })?;
    Ok(report)
}

fn demo_password() -> String {
    let word: String = rand::rng().sample_iter(rand::distr::Alphanumeric).take(16).map(char::from).collect();
    format!("demo-{word}")
}

fn upsert_editor(conn: &mut Conn, password_hash: &str) -> diesel::QueryResult<i32> {
    let email = Email::parse(EDITOR_EMAIL).map_err(|e| diesel::result::Error::QueryBuilderError(e.into()))?;
    if let Some(existing) = crate::users::db::find_by_email_key(conn, &email.key())? {
        crate::users::db::set_password(conn, existing.id, password_hash, None)?;
        return Ok(existing.id);
    }
    let now = time::now();
    let new = NewUser {
        email: email.as_ref(),
        email_key: &email.key(),
        display_name: "Demo Editor",
        password_hash,
        role: Role::Editor,
        created_at: now,
        updated_at: now,
    };
    crate::users::db::insert(conn, &new)?.map(|user| user.id).ok_or(diesel::result::Error::NotFound)
}

fn seed_categories(conn: &mut Conn) -> Result<usize, ApiError> {
    let mut added = 0;
    for (slug, name, parent, description) in CATEGORIES {
        let tree = Tree::load(conn)?;
        if tree.by_slug(slug).is_some() {
            continue;
        }
        let now = time::now();
        let new = NewCategory {
            slug,
            name,
            description: Some(description),
            parent_id: parent.map(|parent| tree.parent_id(parent)).transpose()?,
            created_at: now,
            updated_at: now,
        };
        categories::db::insert(conn, &new)?;
        added += 1;
    }
    Ok(added)
}

/// The demo articles, through the same rules as the API's; an article whose
/// title's slug exists already was seeded before.
fn seed_articles(conn: &mut Conn, editor_id: i32) -> Result<usize, ApiError> {
    let mut added = 0;
    let tree = Tree::load(conn)?;
    let count = i64::try_from(ARTICLES.len()).unwrap_or(0);
    for ((title, category, tags, paragraphs), age) in ARTICLES.iter().zip((0..count).rev()) {
        if articles_db::resolve(conn, &ArticleRef::Slug(slug::slugify(title)))?.is_some() {
            continue;
        }
        let draft = Draft {
            title: (*title).to_owned(),
            text: Text::new(paragraphs.join("\n\n"))?,
            excerpt: None,
            slug: None,
            category: Some((*category).to_owned()),
            tags: tags.iter().map(|tag| (*tag).to_owned()).collect(),
            status: ArticleStatus::Published,
            published_at: Some(time::now() - Duration::hours(6 * age + 1)),
            cover_image_url: None,
            author_id: Some(editor_id),
        };
        write::create(conn, &tree, draft)?;
        added += 1;
    }
    Ok(added)
}

fn seed_pages(conn: &mut Conn) -> Result<usize, ApiError> {
    if pages::db::find(conn, "privacy-policy")?.is_some() {
        return Ok(0);
    }
    let now = time::now();
    let page = PageRow {
        slug: "privacy-policy".into(),
        title: "Privacy policy".into(),
        body: PRIVACY_POLICY.into(),
        body_html: markdown::render(PRIVACY_POLICY)?,
        created_at: now,
        updated_at: now,
    };
    pages::db::put(conn, &page)?;
    Ok(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_content_is_sound() {
        assert!(ARTICLES.len() >= 30);
        let arabic =
            ARTICLES.iter().filter(|(title, ..)| title.chars().any(|c| ('\u{0600}'..='\u{06FF}').contains(&c)));
        assert!(arabic.count() >= 10);
        for (title, category, ..) in ARTICLES {
            assert!(!slug::slugify(title).is_empty());
            assert!(CATEGORIES.iter().any(|(slug, ..)| slug == category), "{category}");
        }
    }
}
