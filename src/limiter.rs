//! [`Limiter`]: at most `max` events per key in any `window`, the one shape of
//! every in-process limit (requests per client IP, reset mails per IP, votes
//! per user). The limits every instance must share count the same way in
//! the database ([`crate::auth::attempts`]).
//!
//! It is GCRA, the algorithm of `governor`: each key has a theoretical arrival
//! time (TAT) that every event pushes `window / max` further, so a key may
//! spend its whole allowance at once and then earns it back evenly. Unlike
//! `governor`, it can be asked whether an event *would* pass without spending
//! it, its keys are fixed-size, and its map is bounded: past `capacity` keys
//! the one nearest to a full allowance again (the oldest) goes first, so no
//! stream of new keys can grow memory without bound.

use std::collections::{BTreeSet, HashMap};
use std::hash::Hash;
use std::net::IpAddr;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use crate::error::ApiError;

/// The key of a client address: an IPv6 client usually holds a whole /64, so
/// that is what one client is; an IPv4 address is one client.
pub fn client_key(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(_) => ip,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let network = u128::from(v6) & !(u128::from(u64::MAX));
                IpAddr::V6(network.into())
            }
        },
    }
}

/// An event that does not fit, and how long until one would.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limited {
    pub retry_after_secs: u64,
}

impl From<Limited> for ApiError {
    fn from(limited: Limited) -> Self {
        Self::RateLimited { retry_after_secs: limited.retry_after_secs }
    }
}

/// What is left of a key's allowance after an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Allowance {
    /// Events that may still happen at once.
    pub remaining: u32,
    /// Until the whole allowance is back.
    pub reset: Duration,
}

struct Keys<K> {
    /// Each key's theoretical arrival time; a key whose TAT has passed has its
    /// whole allowance and needs no entry.
    tat: HashMap<K, Instant>,
    /// The same entries ordered by TAT, to drop the oldest first.
    by_tat: BTreeSet<(Instant, K)>,
}

/// At most `max` events in any `window`, as GCRA counts them: what a key has
/// spent is its backlog, how far its TAT is ahead of now.
#[derive(Debug, Clone, Copy)]
pub struct Rate {
    max: u32,
    window: Duration,
    /// `window / max`: how long one event's allowance takes to come back.
    interval: Duration,
}

impl Rate {
    /// `max` (at least 1) events per `window`.
    pub fn new(max: u32, window: Duration) -> Self {
        let max = max.max(1);
        Self { max, window, interval: window / max }
    }

    /// The backlog after one more event on top of `backlog`, if it fits.
    pub fn spend(&self, backlog: Duration) -> Result<Duration, Limited> {
        let next = backlog + self.interval;
        if next > self.window {
            let wait = next - self.window;
            let retry_after_secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
            return Err(Limited { retry_after_secs: retry_after_secs.max(1) });
        }
        Ok(next)
    }

    /// What is left with `backlog` spent.
    pub fn allowance(&self, backlog: Duration) -> Allowance {
        let spent = backlog.as_nanos().div_ceil(self.interval.as_nanos().max(1));
        let remaining = u128::from(self.max).saturating_sub(spent);
        Allowance { remaining: u32::try_from(remaining).unwrap_or(0), reset: backlog }
    }
}

/// At most `max` events per key in any `window`.
pub struct Limiter<K> {
    rate: Rate,
    capacity: usize,
    keys: Mutex<Keys<K>>,
}

/// Keys one limit tracks at most: about 2 MiB when full.
pub const KEYS_PER_LIMIT: usize = 20_000;

impl<K: Copy + Eq + Ord + Hash> Limiter<K> {
    /// A limit of `max` (at least 1) events per `window`, tracking at most
    /// `capacity` keys.
    pub fn new(max: u32, window: Duration, capacity: usize) -> Self {
        Self {
            rate: Rate::new(max, window),
            capacity: capacity.max(1),
            keys: Mutex::new(Keys { tat: HashMap::new(), by_tat: BTreeSet::new() }),
        }
    }

    /// A configurable limit: `None` when `max` is 0, which means no limit.
    pub fn unless_zero(max: u32, window: Duration) -> Option<Self> {
        (max > 0).then(|| Self::new(max, window, KEYS_PER_LIMIT))
    }

    pub fn max(&self) -> u32 {
        self.rate.max
    }

    pub fn window(&self) -> Duration {
        self.rate.window
    }

    /// The TAT of `key` when an event happens at `now`, if the event fits.
    fn next_tat(&self, keys: &Keys<K>, key: &K, now: Instant) -> Result<Instant, Limited> {
        let backlog = keys.tat.get(key).map_or(Duration::ZERO, |tat| tat.saturating_duration_since(now));
        Ok(now + self.rate.spend(backlog)?)
    }

    /// 429 when one more event for `key` would not fit; spends nothing.
    pub fn check(&self, key: &K) -> Result<(), Limited> {
        let keys = self.keys.lock().unwrap_or_else(PoisonError::into_inner);
        self.next_tat(&keys, key, Instant::now()).map(|_| ())
    }

    /// Spends one event of `key`'s allowance, or answers 429 spending nothing.
    pub fn hit(&self, key: K) -> Result<Allowance, Limited> {
        let now = Instant::now();
        let mut keys = self.keys.lock().unwrap_or_else(PoisonError::into_inner);
        let next = self.next_tat(&keys, &key, now)?;
        if let Some(old) = keys.tat.insert(key, next) {
            keys.by_tat.remove(&(old, key));
        }
        keys.by_tat.insert((next, key));
        Self::drop_refilled(&mut keys, now);
        while keys.tat.len() > self.capacity {
            let Some((_, oldest)) = keys.by_tat.pop_first() else { break };
            keys.tat.remove(&oldest);
        }
        Ok(self.rate.allowance(next.saturating_duration_since(now)))
    }

    /// Gives `key` its whole allowance back (a successful login, say).
    pub fn forget(&self, key: &K) {
        let mut keys = self.keys.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(tat) = keys.tat.remove(key) {
            keys.by_tat.remove(&(tat, *key));
        }
    }

    /// Keys with an entry now (for tests and metrics).
    pub fn tracked(&self) -> usize {
        self.keys.lock().unwrap_or_else(PoisonError::into_inner).tat.len()
    }

    fn drop_refilled(keys: &mut Keys<K>, now: Instant) {
        while let Some(&(tat, key)) = keys.by_tat.first() {
            if tat > now {
                break;
            }
            keys.by_tat.pop_first();
            keys.tat.remove(&key);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limiter(max: u32, window: Duration, capacity: usize) -> Limiter<u32> {
        Limiter::new(max, window, capacity)
    }

    #[test]
    fn the_whole_allowance_may_be_spent_at_once_then_comes_back_evenly() {
        let limit = limiter(3, Duration::from_millis(300), 10);
        let remaining: Vec<u32> = (0..3).map(|_| limit.hit(1).unwrap().remaining).collect();
        assert_eq!(remaining, [2, 1, 0]);
        assert!(matches!(limit.hit(1), Err(Limited { retry_after_secs: 1 })));
        assert!(limit.check(&1).is_err());
        assert!(limit.hit(2).is_ok(), "keys are independent");
        std::thread::sleep(Duration::from_millis(110));
        assert!(limit.hit(1).is_ok(), "one interval later, one event fits again");
        assert!(limit.hit(1).is_err());
    }

    #[test]
    fn check_spends_nothing_and_forget_restores_everything() {
        let limit = limiter(1, Duration::from_secs(60), 10);
        assert!(limit.check(&1).is_ok());
        assert!(limit.check(&1).is_ok());
        assert!(limit.hit(1).is_ok());
        assert!(limit.hit(1).is_err());
        limit.forget(&1);
        assert!(limit.hit(1).is_ok());
    }

    #[test]
    fn retry_after_is_the_time_until_one_event_fits() {
        let limit = limiter(2, Duration::from_secs(60), 10);
        limit.hit(1).unwrap();
        limit.hit(1).unwrap();
        let Err(Limited { retry_after_secs }) = limit.hit(1) else { panic!("limited") };
        assert!((29..=30).contains(&retry_after_secs), "{retry_after_secs}");
    }

    #[test]
    fn the_map_is_bounded_and_drops_the_oldest_key_first() {
        let limit = limiter(1, Duration::from_secs(60), 3);
        for key in 0..1000 {
            limit.hit(key).unwrap();
        }
        assert_eq!(limit.tracked(), 3);
        assert!(limit.hit(999).is_err(), "the newest keys are kept");
        assert!(limit.hit(0).is_ok(), "the oldest went first");
    }

    #[test]
    fn keys_with_their_allowance_back_are_dropped() {
        let limit = limiter(5, Duration::from_millis(50), 100);
        limit.hit(1).unwrap();
        std::thread::sleep(Duration::from_millis(20));
        limit.hit(2).unwrap();
        assert_eq!(limit.tracked(), 1);
    }

    #[test]
    fn a_zero_limit_is_no_limit() {
        assert!(Limiter::<u32>::unless_zero(0, Duration::from_secs(1)).is_none());
        assert!(Limiter::<u32>::unless_zero(1, Duration::from_secs(1)).is_some());
    }

    #[test]
    fn an_ipv6_client_is_its_64_bit_network() {
        let a: IpAddr = "2001:db8:1:2:3:4:5:6".parse().unwrap();
        let b: IpAddr = "2001:db8:1:2:ffff::1".parse().unwrap();
        let other: IpAddr = "2001:db8:1:3::1".parse().unwrap();
        assert_eq!(client_key(a), client_key(b));
        assert_ne!(client_key(a), client_key(other));
        let v4: IpAddr = "192.0.2.1".parse().unwrap();
        assert_eq!(client_key(v4), v4);
        assert_eq!(client_key("::ffff:192.0.2.1".parse().unwrap()), v4);
    }
}
