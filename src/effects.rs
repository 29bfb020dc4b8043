//! What a committed write changed, and the one place that acts on it.
//!
//! A write records in its [`Effects`] what it changed that something outside
//! its transaction must follow: responses cached here and on the other
//! instances, live sessions, a reader's remembered votes, mail to send.
//! [`AfterCommit::apply`] acts on all of them once the transaction has
//! committed, and only then, so a write that rolls back leaves nothing
//! behind; [`crate::state::AppState::write`] and the vote writer are its
//! only callers. No handler clears a cache or ends a session by hand, and
//! the database functions that end sessions take the [`Effects`] to record
//! it in: none can commit such a change without its effect.
//!
//! What each backend needs is decided here alone: on SQLite this process
//! sees every write; on PostgreSQL, where other instances write too, what
//! they must follow is announced to them inside the transaction
//! ([`Effects::announce`], [`crate::cluster`]), so that they hear of it if
//! and only if it commits.

use std::sync::Arc;

use tokio::sync::Notify;

pub use crate::caches::{Caches, Change, News};
use crate::cluster;
use crate::deliveries::queue;
use crate::mail::{Mail, Recipient};
use crate::seal::Sealer;
use crate::store::Conn;
use crate::users::db::UserRow;
use crate::webhooks::events::Event;

/// One thing a write changed that must be followed after its commit.
pub enum Effect {
    /// Cached responses it made wrong.
    Changed(Change),
    /// The user's sessions ended, or their tokens may now do less (a new
    /// role, a disabled account): their next request is checked in the
    /// database.
    SessionsEnded(i32),
    /// A reader's vote on an article moved to `vote` (`None`: withdrawn).
    Voted { reader: i32, article: i32, vote: Option<i32> },
    /// A reader's votes went other than one by one (the account was deleted).
    VotesGone(i32),
    /// A mail, worded for the site and queued in the transaction
    /// ([`Effects::queue`]).
    Mail(Compose),
    /// A webhook event, queued in the transaction for every endpoint that wants it.
    Event(Event),
}

/// Writes a mail for the site it is given the name of (`None` when the
/// recipient's address cannot take mail).
pub type Compose = Box<dyn FnOnce(&str) -> Option<Mail> + Send>;

/// What one write changed, in order: made by the code that applies it
/// after the commit ([`crate::state::AppState::write`], the vote writer) and
/// by commands that run without a server.
#[derive(Default)]
#[must_use = "effects are applied after the commit, never dropped"]
pub struct Effects {
    list: Vec<Effect>,
    /// Deliveries written by [`Effects::queue`]: the dispatcher is woken for them.
    queued: usize,
}

impl Effects {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn changed(&mut self, change: Change) {
        self.list.push(Effect::Changed(change));
    }

    pub fn sessions_ended(&mut self, user_id: i32) {
        self.list.push(Effect::SessionsEnded(user_id));
    }

    /// A reader's vote moved: their remembered votes and the article's tally follow.
    pub fn voted(&mut self, reader: i32, article: i32, vote: Option<i32>) {
        self.list.push(Effect::Voted { reader, article, vote });
        self.changed(Change::Vote(article));
    }

    pub fn votes_gone(&mut self, reader: i32) {
        self.list.push(Effect::VotesGone(reader));
    }

    /// Sends `user` the mail `compose` writes for them, if their address is
    /// one a mail can go to.
    pub fn mail_to(&mut self, user: &UserRow, compose: impl FnOnce(&Recipient<'_>) -> Option<Mail> + Send + 'static) {
        let (email, display_name) = (user.email.clone(), user.display_name.clone());
        self.list.push(Effect::Mail(Box::new(move |site: &str| {
            compose(&Recipient { email: &email, display_name: &display_name, site })
        })));
    }

    /// Announces `event` to the webhooks that want it.
    pub fn event(&mut self, event: Event) {
        self.list.push(Effect::Event(event));
    }

    /// Drops the webhook events among them: for an import, which moves an
    /// archive in rather than publishing news.
    pub fn without_events(mut self) -> Self {
        self.list.retain(|effect| !matches!(effect, Effect::Event(_)));
        self
    }

    /// Writes the mail and events among them into the delivery queue, in
    /// the caller's transaction, so that they are sent if and only if it
    /// commits. Every write runs it before its commit.
    pub fn queue(&mut self, conn: &mut Conn, outgoing: Outgoing<'_>) -> diesel::QueryResult<()> {
        let (to_queue, rest): (Vec<Effect>, Vec<Effect>) = std::mem::take(&mut self.list)
            .into_iter()
            .partition(|effect| matches!(effect, Effect::Mail(_) | Effect::Event(_)));
        self.list = rest;
        for effect in to_queue {
            match effect {
                Effect::Mail(compose) => {
                    let sealer = outgoing.sealer.ok_or_else(|| {
                        diesel::result::Error::QueryBuilderError("queuing mail needs NEWSROOM_JWT_SECRET".into())
                    })?;
                    if let Some(mail) = compose(outgoing.site_name) {
                        queue::mail(conn, sealer, mail)?;
                        self.queued += 1;
                    }
                }
                Effect::Event(event) => self.queued += queue::event(conn, &event)?,
                _ => {}
            }
        }
        Ok(())
    }

    /// Tells the instances serving the same PostgreSQL database what they
    /// must follow of these effects, in the caller's transaction: they hear
    /// of it when it commits, and never of a write that rolled back.
    /// `sender` names this instance, whose own announcements it skips. Every
    /// write runs it before its commit; on SQLite it does nothing.
    pub fn announce(&self, conn: &mut Conn, sender: &str) -> diesel::QueryResult<()> {
        let news: Vec<News> = self
            .list
            .iter()
            .filter_map(|effect| match effect {
                Effect::Changed(change) => Some(News::Changed(*change)),
                Effect::SessionsEnded(user_id) => Some(News::SessionsEnded(*user_id)),
                Effect::Voted { reader, .. } | Effect::VotesGone(reader) => Some(News::VotesOf(*reader)),
                Effect::Mail(_) | Effect::Event(_) => None,
            })
            .collect();
        cluster::announce(conn, sender, &news)
    }
}

/// What queuing outgoing deliveries needs: the key mail is sealed with
/// (`None` for a command run without the server's secret, PostgreSQL with
/// `NEWSROOM_JWT_SECRET` unset, which may queue events, never mail) and the
/// name mail is signed with.
#[derive(Clone, Copy)]
pub struct Outgoing<'a> {
    pub sealer: Option<&'a Sealer>,
    pub site_name: &'a str,
}

/// The one place that acts on what committed writes changed.
pub struct AfterCommit {
    caches: Arc<Caches>,
    /// Wakes this instance's delivery dispatcher.
    deliveries: Arc<Notify>,
}

impl AfterCommit {
    pub fn new(caches: Arc<Caches>, deliveries: Arc<Notify>) -> Self {
        Self { caches, deliveries }
    }

    /// Acts on `effects` of a transaction that has committed.
    pub fn apply(&self, effects: Effects) {
        if effects.queued > 0 {
            self.deliveries.notify_one();
        }
        for effect in effects.list {
            match effect {
                Effect::Changed(change) => self.caches.clear(change),
                Effect::SessionsEnded(user_id) => self.caches.sessions_ended(user_id),
                Effect::Voted { reader, article, vote } => self.caches.voted(reader, article, vote),
                Effect::VotesGone(reader) => self.caches.votes_moved(reader),
                // Queued in the transaction, before this.
                Effect::Mail(_) | Effect::Event(_) => {}
            }
        }
    }
}
