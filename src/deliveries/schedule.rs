//! When a failed delivery is tried again: Standard Webhooks' schedule
//! (5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h after the first attempt), about
//! 27 hours in all, scaled by `NEWSROOM_DELIVERY_FIRST_RETRY_MS` so that
//! tests can run it in seconds.

use std::time::Duration;

/// Each delay, as a multiple of the first.
const STEPS: [u32; 7] = [1, 60, 360, 1440, 3600, 7200, 7200];

/// Attempts in all: the first, and one after each delay.
pub const ATTEMPTS: i32 = STEPS.len() as i32 + 1;

/// The wait before the attempt after `attempts` failed ones; `None` once
/// every attempt has been made.
pub fn delay_after(attempts: i32, first: Duration) -> Option<Duration> {
    let step = usize::try_from(attempts.checked_sub(1)?).ok()?;
    STEPS.get(step).map(|times| first * *times)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_span_more_than_a_day_then_stop() {
        let first = Duration::from_secs(5);
        assert_eq!(delay_after(1, first), Some(Duration::from_secs(5)));
        assert_eq!(delay_after(2, first), Some(Duration::from_secs(300)));
        let total: Duration = (1..ATTEMPTS).filter_map(|attempts| delay_after(attempts, first)).sum();
        assert!(total > Duration::from_secs(24 * 3600), "{total:?}");
        assert_eq!(delay_after(ATTEMPTS, first), None);
        assert_eq!(delay_after(0, first), None);
    }
}
