//! The run as a whole: the sizes, the order of the tables, progress and the report.

use std::time::Instant;

use diesel::prelude::*;
use rand::SeedableRng;
use rand::rngs::StdRng;

use super::tables::{bar, seed_articles, seed_categories, seed_collections, seed_tags, seed_users, seed_votes};
use crate::auth::password::{self, Password};
use crate::cli::CliResult;
use crate::config::Config;
use crate::schema::articles;
use crate::store;
use crate::time;

/// Every bench user's password (they share one hash: hashing 10,000 would take minutes).
pub const BENCH_PASSWORD: &str = "bench passphrase 2026";

/// How much to generate.
#[derive(Debug, Clone, Copy)]
pub struct BenchSizes {
    pub articles: usize,
    pub categories: usize,
    pub tags: usize,
    pub users: usize,
    pub votes: usize,
    pub collection_items: usize,
}

impl Default for BenchSizes {
    fn default() -> Self {
        Self {
            articles: 100_000,
            categories: 500,
            tags: 5_000,
            users: 10_000,
            votes: 1_000_000,
            collection_items: 50_000,
        }
    }
}

/// What a seeding run wrote.
#[derive(Debug)]
pub struct BenchReport {
    pub users: usize,
    pub categories: usize,
    pub tags: usize,
    pub articles: usize,
    pub votes: usize,
    pub collection_items: usize,
    pub seconds: f64,
}

/// Fills an empty database; refuses one that already has articles.
pub fn seed_bench(config: &Config, sizes: BenchSizes) -> CliResult<BenchReport> {
    let started = Instant::now();
    let pool = store::connect(&config.database, config.database_pool_size, store::COMMAND_TIMEOUT)?;
    store::migrate(&pool)?;
    let mut conn = pool.get()?;
    store::prepare_bulk_write(&mut conn)?;
    let existing: i64 = articles::table.count().get_result(&mut conn)?;
    if existing > 0 {
        return Err(format!(
            "the database ({:?}) already has {existing} articles; seed-bench needs an empty one",
            config.database
        )
        .into());
    }
    let password = Password::parse(BENCH_PASSWORD.to_owned(), "", config.password_min_length)?;
    let password_hash = password::hash_now(&password).map_err(|e| format!("argon2: {e}"))?;
    let mut rng = StdRng::seed_from_u64(2026);
    let now = time::now();

    let user_ids = seed_users(&mut conn, sizes.users, &password_hash, now)?;
    let writers: Vec<i32> = user_ids.iter().copied().take(100.min(user_ids.len())).collect();
    let category_ids = seed_categories(&mut conn, sizes.categories, now)?;
    let tag_ids = seed_tags(&mut conn, sizes.tags)?;
    let article_ids = seed_articles(&mut conn, &mut rng, sizes.articles, &category_ids, &tag_ids, &writers, now)?;
    let votes = seed_votes(&mut conn, &mut rng, sizes.votes, &user_ids, &article_ids, now)?;
    let items = seed_collections(&mut conn, &mut rng, sizes.collection_items, &user_ids, &article_ids, now)?;
    let refreshing = bar(1, "hot ranks");
    crate::articles::rank::refresh_all_hot_ranks(&mut conn)?;
    refreshing.finish();
    store::settle_after_bulk_load(&mut conn)?;
    Ok(BenchReport {
        users: user_ids.len(),
        categories: category_ids.len(),
        tags: tag_ids.len(),
        articles: article_ids.len(),
        votes,
        collection_items: items,
        seconds: started.elapsed().as_secs_f64(),
    })
}
