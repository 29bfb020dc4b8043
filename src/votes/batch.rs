//! Group commit for votes on SQLite: votes that arrive while a transaction is
//! being written wait for the next one and then go in together, one
//! transaction for all of them, instead of queueing for the write lock one by
//! one. Each vote is answered only after the transaction that holds it has
//! committed, so an acknowledged vote is as durable as it was alone. When a
//! shared transaction fails, nothing of it is kept and each of its votes is
//! written again alone, so that one bad vote fails by itself.
//!
//! The votes of one transaction touch many of the same pages (the articles'
//! score and hot-rank indexes, the votes table's), which are then written to
//! the WAL once per transaction rather than once per vote. On PostgreSQL,
//! where the database arbitrates concurrent writers itself, each vote keeps
//! its own transaction.

use std::sync::{Arc, mpsc};

use tokio::sync::oneshot;

use super::db::{self, Cast};
use super::tally::VoteValue;
use crate::articles::db::ArticleRef;
use crate::effects::{AfterCommit, Effects};
use crate::error::ApiError;
use crate::store::{self, Conn, DbPool};

/// Most votes in one transaction: bounds how long the write lock is held.
const MOST_PER_TRANSACTION: usize = 512;
/// The writer's page cache: the articles' score and hot-rank indexes and
/// the upper levels of every tree it updates stay in it between batches,
/// where a pooled connection's 1 MiB made it read them back from the file.
const WRITER_CACHE_KIB: u32 = 8 * 1024;

struct Ballot {
    user_id: i32,
    article: ArticleRef,
    vote: Option<VoteValue>,
    answer: oneshot::Sender<Result<Option<Cast>, ApiError>>,
}

/// The queue in front of the thread that writes votes.
pub struct VoteWriter {
    queue: mpsc::Sender<Ballot>,
}

impl VoteWriter {
    /// Starts the writing thread, which hands what each committed
    /// transaction changed to `after_commit` before answering its votes; it
    /// ends when the writer is dropped.
    pub fn start(pool: DbPool, after_commit: Arc<AfterCommit>) -> std::io::Result<Self> {
        let (queue, ballots) = mpsc::channel();
        std::thread::Builder::new()
            .name("newsroom-votes".into())
            .spawn(move || write_all(&pool, &after_commit, &ballots))?;
        Ok(Self { queue })
    }

    /// Casts `vote` (`None` withdraws) once it is committed; `None` when the
    /// article is not there to vote on.
    pub async fn cast(
        &self,
        user_id: i32,
        article: ArticleRef,
        vote: Option<VoteValue>,
    ) -> Result<Option<Cast>, ApiError> {
        let (answer, answered) = oneshot::channel();
        self.queue
            .send(Ballot { user_id, article, vote, answer })
            .map_err(|_| ApiError::Internal("the vote writer has stopped".into()))?;
        answered.await.map_err(|_| ApiError::Internal("the vote writer dropped a vote".into()))?
    }
}

fn write_all(pool: &DbPool, after_commit: &AfterCommit, ballots: &mpsc::Receiver<Ballot>) {
    let mut writer: Option<Conn> = None;
    while let Ok(first) = ballots.recv() {
        let mut batch = vec![first];
        batch.extend(ballots.try_iter().take(MOST_PER_TRANSACTION - 1));
        let conn = match &mut writer {
            Some(conn) => conn,
            None => match pool.dedicated(WRITER_CACHE_KIB) {
                Ok(conn) => writer.insert(conn),
                Err(error) => {
                    tracing::error!(error = %error, "cannot open the vote writer's connection");
                    for ballot in batch {
                        let _ = ballot
                            .answer
                            .send(Err(ApiError::Unavailable(format!("the vote writer has no connection: {error}"))));
                    }
                    continue;
                }
            },
        };
        let together = store::write_on(conn, |conn| {
            let mut effects = Effects::new();
            let casts = batch
                .iter()
                .map(|ballot| db::cast(conn, &mut effects, ballot.user_id, &ballot.article, ballot.vote))
                .collect::<Result<Vec<_>, _>>()?;
            Ok::<_, diesel::result::Error>((casts, effects))
        });
        match together {
            Ok((casts, effects)) => {
                after_commit.apply(effects);
                for (ballot, cast) in batch.into_iter().zip(casts) {
                    // A client that went away no longer waits for its answer.
                    let _ = ballot.answer.send(Ok(cast));
                }
            }
            // One bad vote (its voter deleted meanwhile, say) must not sink
            // the others: each goes again in a transaction of its own.
            Err(error) => {
                tracing::warn!(error = %error, votes = batch.len(), "a batch of votes failed; writing them one by one");
                for ballot in batch {
                    let alone = store::write_on(conn, |conn| {
                        let mut effects = Effects::new();
                        db::cast(conn, &mut effects, ballot.user_id, &ballot.article, ballot.vote)
                            .map(|cast| (cast, effects))
                    });
                    let answer = alone.map(|(cast, effects)| {
                        after_commit.apply(effects);
                        cast
                    });
                    let _ = ballot.answer.send(answer.map_err(|error| ApiError::from(error).settled()));
                }
                // A broken connection is opened afresh for the next batch.
                writer = None;
            }
        }
    }
}
