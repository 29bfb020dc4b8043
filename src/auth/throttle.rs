//! Per-account throttles (failed logins, reset mails), counted in fixed windows.
//!
//! Hand-written rather than `governor`: a failed-login throttle must ask "is this
//! account blocked?" before checking the password and count only failures
//! after, and governor can only test-and-consume. Counts live in this process;
//! behind a load balancer each instance throttles on its own, which still
//! bounds guessing to `instances × max` per window.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::error::ApiError;

/// Past this many tracked keys, expired windows are swept on the next write.
const SWEEP_AT: usize = 10_000;

#[derive(Debug, Clone, Copy)]
struct Window {
    started: Instant,
    count: u32,
}

/// At most `max` events per key in each `window`.
#[derive(Debug)]
pub struct Throttle {
    max: u32,
    window: Duration,
    windows: Mutex<HashMap<String, Window>>,
}

impl Throttle {
    pub fn new(max: u32, window: Duration) -> Self {
        Self { max, window, windows: Mutex::new(HashMap::new()) }
    }

    /// 429 when `key` has used up its window; records nothing.
    pub fn check(&self, key: &str) -> Result<(), ApiError> {
        let now = Instant::now();
        let windows = self.windows.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        match windows.get(key) {
            Some(window) if window.count >= self.max && now < window.started + self.window => {
                let left = (window.started + self.window).saturating_duration_since(now);
                Err(ApiError::RateLimited { retry_after_secs: left.as_secs().max(1) })
            }
            _ => Ok(()),
        }
    }

    /// Counts one event for `key`.
    pub fn record(&self, key: &str) {
        let now = Instant::now();
        let mut windows = self.windows.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if windows.len() >= SWEEP_AT {
            windows.retain(|_, window| now < window.started + self.window);
        }
        let window = windows.entry(key.to_owned()).or_insert(Window { started: now, count: 0 });
        if now >= window.started + self.window {
            *window = Window { started: now, count: 0 };
        }
        window.count = window.count.saturating_add(1);
    }

    /// Checks, then counts: for events that are limited whatever their outcome.
    pub fn hit(&self, key: &str) -> Result<(), ApiError> {
        self.check(key)?;
        self.record(key);
        Ok(())
    }

    /// Forgets `key`, e.g. after a successful login.
    pub fn clear(&self, key: &str) {
        self.windows.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).remove(key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_after_max_events_until_the_window_ends() {
        let throttle = Throttle::new(2, Duration::from_millis(50));
        throttle.record("a");
        throttle.record("a");
        assert!(matches!(throttle.check("a"), Err(ApiError::RateLimited { retry_after_secs: 1 })));
        assert!(throttle.check("b").is_ok(), "keys are independent");
        std::thread::sleep(Duration::from_millis(60));
        assert!(throttle.check("a").is_ok());
    }

    #[test]
    fn hit_counts_and_clear_forgets() {
        let throttle = Throttle::new(1, Duration::from_secs(60));
        assert!(throttle.hit("a").is_ok());
        assert!(throttle.hit("a").is_err());
        throttle.clear("a");
        assert!(throttle.hit("a").is_ok());
    }
}
