//! `newsroom seed-demo`: demo content written for this project, so that a new
//! user sees a living API after two commands. Running it again adds nothing
//! twice, and the demo editor keeps the password the first run printed.

mod content;

use crate::store::Conn;
use chrono::Duration;
use rand::RngExt;

use crate::articles::db::{self as articles_db, ArticleRef, ArticleStatus};
use crate::articles::slug;
use crate::articles::write::{self, Draft, Text};
use crate::auth::password::{self, Password};
use crate::categories::{self, Tree};
use crate::cli::CliResult;
use crate::cluster;
use crate::config::Config;
use crate::effects::{Effects, Outgoing};
use crate::error::ApiError;
use crate::media::MediaUrls;
use crate::pages::{self, write::Page};
use crate::seal::Sealer;
use crate::store;
use crate::time;
use crate::users::write::NewAccount;
use crate::users::{self, Email, Role};
use content::{ARTICLES, CATEGORIES, PRIVACY_POLICY};

pub const EDITOR_EMAIL: &str = "editor@example.com";

/// What a seeding run did.
pub struct SeedReport {
    pub categories: usize,
    pub articles: usize,
    pub pages: usize,
    pub editor_email: &'static str,
    /// The demo editor's password, when this run created the account.
    pub editor_password: Option<String>,
}

/// Loads the demo content; safe to run again.
pub fn seed_demo(config: &Config) -> CliResult<SeedReport> {
    let pool = store::connect(&config.database, config.database_pool_size, store::COMMAND_TIMEOUT)?;
    store::migrate(&pool)?;
    let editor_password = demo_password();
    let password = Password::parse(editor_password.clone(), EDITOR_EMAIL, config.password_min_length)?;
    let password_hash = password::hash_now(&password).map_err(|e| format!("argon2: {e}"))?;
    let sealer = config.jwt_secret.as_ref().map(Sealer::derive).transpose()?;
    let media = MediaUrls::new(config.media.public_url.clone());
    let mut conn = pool.get()?;
    let report = crate::store::write_on(&mut conn, |conn| -> Result<_, ApiError> {
        let mut effects = Effects::new();
        let (editor_id, created) = find_or_create_editor(conn, &password_hash)?;
        let categories = seed_categories(conn, &mut effects)?;
        let articles = seed_articles(conn, &mut effects, &media, editor_id)?;
        let pages = seed_pages(conn, &mut effects, &media)?;
        effects.queue(conn, Outgoing { sealer: sealer.as_ref(), site_name: &config.site_name })?;
        effects.announce(conn, cluster::COMMAND)?;
        let report = SeedReport {
            categories,
            articles,
            pages,
            editor_email: EDITOR_EMAIL,
            editor_password: created.then(|| editor_password.clone()),
        };
        Ok(report)
    })?;
    Ok(report)
}

fn demo_password() -> String {
    let word: String = rand::rng().sample_iter(rand::distr::Alphanumeric).take(16).map(char::from).collect();
    format!("demo-{word}")
}

/// The demo editor's id, and whether this run created the account: one that
/// exists keeps its password, so that running the seed again locks nobody out.
fn find_or_create_editor(conn: &mut Conn, password_hash: &str) -> diesel::QueryResult<(i32, bool)> {
    let email = Email::parse(EDITOR_EMAIL).map_err(|e| diesel::result::Error::QueryBuilderError(e.into()))?;
    if let Some(existing) = users::db::find_by_email_key(conn, &email.key())? {
        return Ok((existing.id, false));
    }
    let account = NewAccount { email: &email, display_name: "Demo Editor", password_hash, role: Role::Editor };
    let created = users::write::create(conn, account)?.ok_or(diesel::result::Error::NotFound)?;
    Ok((created.id, true))
}

fn seed_categories(conn: &mut Conn, effects: &mut Effects) -> Result<usize, ApiError> {
    let mut added = 0;
    for (slug, name, parent, description) in CATEGORIES {
        let tree = Tree::load(conn)?;
        if tree.by_slug(slug).is_some() {
            continue;
        }
        let parent_id = parent.map(|parent| tree.parent_id(parent)).transpose()?;
        categories::write::create(
            conn,
            effects,
            categories::write::Draft { slug, name, description: Some(description), parent_id },
        )?;
        added += 1;
    }
    Ok(added)
}

/// The demo articles, through the same rules as the API's; an article whose
/// title's slug exists already was seeded before.
fn seed_articles(conn: &mut Conn, effects: &mut Effects, media: &MediaUrls, editor_id: i32) -> Result<usize, ApiError> {
    let mut added = 0;
    let tree = Tree::load(conn)?;
    let count = i64::try_from(ARTICLES.len()).unwrap_or(0);
    for ((title, category, tags, paragraphs), age) in ARTICLES.iter().zip((0..count).rev()) {
        if articles_db::resolve(conn, &ArticleRef::Slug(slug::slugify(title)))?.is_some() {
            continue;
        }
        let published_at = time::now() - Duration::hours(6 * age + 1);
        let draft = Draft {
            title: (*title).to_owned(),
            text: Text::new(paragraphs.join("\n\n"))?,
            excerpt: None,
            slug: None,
            category: Some((*category).to_owned()),
            tags: tags.iter().map(|tag| (*tag).to_owned()).collect(),
            status: ArticleStatus::Published,
            published_at: Some(published_at),
            cover: None,
            author_id: Some(editor_id),
            written_at: Some(published_at),
        };
        write::create(conn, effects, &tree, media, draft)?;
        added += 1;
    }
    Ok(added)
}

fn seed_pages(conn: &mut Conn, effects: &mut Effects, media: &MediaUrls) -> Result<usize, ApiError> {
    if pages::db::find(conn, "privacy-policy")?.is_some() {
        return Ok(0);
    }
    let page = Page::new("privacy-policy".into(), "Privacy policy".into(), PRIVACY_POLICY.into())?;
    pages::write::put(conn, effects, media, page, None)?;
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
