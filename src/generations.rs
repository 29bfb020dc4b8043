//! Change counters for what is remembered per user ([`crate::auth::sessions`],
//! [`crate::votes::mine`]): an entry records the counter of its user when it
//! was read from the database, and is believed only while the counter has
//! not moved since. Users share counters in stripes, so memory stays fixed;
//! a change then also makes the other users of its stripe read once more.

use std::sync::atomic::{AtomicU64, Ordering};

const STRIPES: usize = 1024;

pub struct Generations([AtomicU64; STRIPES]);

impl Default for Generations {
    fn default() -> Self {
        Self(std::array::from_fn(|_| AtomicU64::new(0)))
    }
}

impl Generations {
    fn of(&self, user_id: i32) -> &AtomicU64 {
        let [first, ..] = &self.0;
        self.0.get(user_id.unsigned_abs() as usize % STRIPES).unwrap_or(first)
    }

    /// Taken before reading what is to be remembered.
    pub fn current(&self, user_id: i32) -> u64 {
        self.of(user_id).load(Ordering::SeqCst)
    }

    /// After changes that may have touched any user (announcements missed):
    /// nothing read before is believed.
    pub fn advance_all(&self) {
        for stripe in &self.0 {
            stripe.fetch_add(1, Ordering::SeqCst);
        }
    }

    /// After a committed change of `user_id`'s state; the new generation.
    pub fn advance(&self, user_id: i32) -> u64 {
        self.of(user_id).fetch_add(1, Ordering::SeqCst) + 1
    }
}
