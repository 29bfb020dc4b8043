//! A signed-in reader's own votes on the articles at hand: from what is
//! remembered of them ([`super::sets`]) when it can be believed, from the
//! database otherwise.

use std::collections::HashMap;
use std::sync::Arc;

use super::db::{all_of, votes_by};
use super::sets::{MOST_REMEMBERED_PER_READER, Voted};
use crate::error::ApiError;
use crate::state::AppState;
use crate::store;

fn pick(votes: &HashMap<i32, i32>, articles: &[i32]) -> HashMap<i32, i32> {
    articles.iter().filter_map(|article| Some((*article, *votes.get(article)?))).collect()
}

/// `reader`'s votes on `articles` (article id to 1 or -1).
pub async fn mine(state: &AppState, reader: i32, articles: &[i32]) -> Result<HashMap<i32, i32>, ApiError> {
    let sets = state.caches.my_votes();
    if let Some(voted) = sets.and_then(|sets| sets.current(reader)) {
        return Ok(pick(&voted.votes, articles));
    }
    let articles = articles.to_vec();
    let Some(sets) = sets else {
        return store::read(&state.pool, move |conn| votes_by(conn, reader, &articles)).await;
    };
    let changes = sets.changes.current(reader);
    let (all, asked) = store::read(&state.pool, move |conn| {
        let all = all_of(conn, reader, MOST_REMEMBERED_PER_READER + 1)?;
        let asked = if all.len() as i64 > MOST_REMEMBERED_PER_READER {
            votes_by(conn, reader, &articles)?
        } else {
            pick(&all, &articles)
        };
        diesel::QueryResult::Ok((all, asked))
    })
    .await?;
    if all.len() as i64 <= MOST_REMEMBERED_PER_READER {
        sets.readers.insert(reader, Arc::new(Voted { votes: all, changes }));
    }
    Ok(asked)
}
