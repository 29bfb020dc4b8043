//! Group commit for votes: votes that arrive while a transaction is being
//! written wait for the next one and then go in together, one transaction
//! for all of them ([`cast_all`]), instead of queueing for the write lock
//! (SQLite) or the article's row lock (PostgreSQL) one by one. Each vote
//! is answered only after the transaction that holds it has
//! committed, so an acknowledged vote is as durable as it was alone. When a
//! shared transaction fails, nothing of it is kept and each of its votes is
//! written again alone, so that one bad vote fails by itself.
//!
//! The votes of one transaction touch many of the same pages (the
//! counters' score and hot-rank indexes, the votes table's), which are then written to
//! the WAL once per transaction rather than once per vote, and on
//! PostgreSQL a batch costs a handful of round trips and one commit
//! whatever its size. On PostgreSQL an instance has two writers, each on a
//! connection of its own and each with the votes of its half of the
//! articles, so that one batch is built while the other's statements and
//! commit are on the database, which has cores for both, and the votes on
//! one hot article still go in together; like the writers of several
//! instances, they lock the articles' counters in id order and wait for each other
//! under READ COMMITTED. SQLite writes one transaction at a time whoever
//! asks, so it has one writer.

use std::hash::{DefaultHasher, Hash, Hasher};
use std::sync::{Arc, mpsc};

use tokio::sync::oneshot;

use super::cast::{Ballot, Cast, cast_all};
use crate::effects::{AfterCommit, Effects};
use crate::error::ApiError;
use crate::store::{self, Conn, DbPool, Isolation};

/// Most votes in one transaction: bounds how long the write lock is held.
const MOST_PER_TRANSACTION: usize = 512;
/// The writer's page cache: the counters' score and hot-rank indexes and
/// the upper levels of every tree it updates stay in it between batches,
/// where a pooled connection's 1 MiB made it read them back from the file.
const WRITER_CACHE_KIB: u32 = 8 * 1024;
/// Writers on PostgreSQL: a second one takes 64 voters spread over 100,000
/// articles from 4,153–5,253 to 7,156–7,476 votes/s (three 10 s windows
/// each, 2 cores, BENCHMARKS.md 23); sharing one queue instead of halving
/// the articles, the two would halve a hot article's votes/s (11,143
/// against 21,031) by queueing on its row. A third would only wait for
/// cores.
const POSTGRES_WRITERS: usize = 2;

struct Waiting {
    ballot: Ballot,
    answer: oneshot::Sender<Result<Option<Cast>, ApiError>>,
}

/// The queues in front of the threads that write votes, one per writer.
pub struct VoteWriter {
    queues: Vec<mpsc::Sender<Waiting>>,
}

impl VoteWriter {
    /// Starts the writing threads, which announce what each transaction
    /// changed as `instance` ([`Effects::announce`]) and hand it to
    /// `after_commit` once committed, before answering its votes; they end
    /// when the writer is dropped.
    pub fn start(pool: DbPool, after_commit: Arc<AfterCommit>, instance: Arc<str>) -> std::io::Result<Self> {
        let writers = if pool.is_postgres() { POSTGRES_WRITERS } else { 1 };
        let mut queues = Vec::with_capacity(writers);
        for _ in 0..writers {
            let (queue, ballots) = mpsc::channel();
            let (pool, after_commit, instance) = (pool.clone(), after_commit.clone(), instance.clone());
            std::thread::Builder::new()
                .name("newsroom-votes".into())
                .spawn(move || write_all(&pool, &after_commit, &instance, &ballots))?;
            queues.push(queue);
        }
        Ok(Self { queues })
    }

    /// Casts `ballot` once it is committed; `None` when the article is not
    /// there to vote on.
    pub async fn cast(&self, ballot: Ballot) -> Result<Option<Cast>, ApiError> {
        let (answer, answered) = oneshot::channel();
        // An article's votes go to one writer, so that a reader's votes on
        // it are written in the order they came and a hot article's go in
        // together.
        let mut hasher = DefaultHasher::new();
        ballot.article.hash(&mut hasher);
        let writer = usize::try_from(hasher.finish()).unwrap_or_default() % self.queues.len().max(1);
        self.queues
            .get(writer)
            .ok_or_else(|| ApiError::Internal("the vote writer has stopped".into()))?
            .send(Waiting { ballot, answer })
            .map_err(|_| ApiError::Internal("the vote writer has stopped".into()))?;
        answered.await.map_err(|_| ApiError::Internal("the vote writer dropped a vote".into()))?
    }
}

fn write_all(pool: &DbPool, after_commit: &AfterCommit, instance: &str, queue: &mpsc::Receiver<Waiting>) {
    let mut writer: Option<Conn> = None;
    while let Ok(first) = queue.recv() {
        let mut batch = vec![first];
        batch.extend(queue.try_iter().take(MOST_PER_TRANSACTION - 1));
        let conn = match &mut writer {
            Some(conn) => conn,
            None => match pool.dedicated(WRITER_CACHE_KIB) {
                Ok(conn) => writer.insert(conn),
                Err(error) => {
                    tracing::error!(error = %error, "cannot open the vote writer's connection");
                    for waiting in batch {
                        let _ = waiting
                            .answer
                            .send(Err(ApiError::Unavailable(format!("the vote writer has no connection: {error}"))));
                    }
                    continue;
                }
            },
        };
        let (ballots, answers): (Vec<Ballot>, Vec<_>) =
            batch.into_iter().map(|waiting| (waiting.ballot, waiting.answer)).unzip();
        match write(conn, instance, &ballots) {
            Ok((casts, effects)) => {
                after_commit.apply(effects);
                for (answer, cast) in answers.into_iter().zip(casts) {
                    // A client that went away no longer waits for its answer.
                    let _ = answer.send(Ok(cast));
                }
            }
            // One bad vote (its voter deleted meanwhile, say) must not sink
            // the others: each goes again in a transaction of its own.
            Err(error) => {
                tracing::warn!(error = %error, votes = ballots.len(), "a batch of votes failed; writing them one by one");
                for (ballot, answer) in ballots.iter().zip(answers) {
                    let alone = write(conn, instance, std::slice::from_ref(ballot)).map(|(mut casts, effects)| {
                        after_commit.apply(effects);
                        casts.pop().flatten()
                    });
                    let _ = answer.send(alone.map_err(|error| ApiError::from(error).settled()));
                }
                // A broken connection is opened afresh for the next batch.
                writer = None;
            }
        }
    }
}

/// Casts `ballots` in one transaction, announced as `instance`.
fn write(conn: &mut Conn, instance: &str, ballots: &[Ballot]) -> diesel::QueryResult<(Vec<Option<Cast>>, Effects)> {
    store::write_on_as(conn, Isolation::ReadCommitted, |conn| {
        let mut effects = Effects::new();
        let casts = cast_all(conn, &mut effects, ballots)?;
        effects.announce(conn, instance)?;
        Ok((casts, effects))
    })
}
