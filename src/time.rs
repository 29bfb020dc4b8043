//! Timestamps: stored as UTC `NaiveDateTime`, shown as RFC 3339 with `Z`.

use chrono::{DateTime, NaiveDateTime, SubsecRound, Utc};

/// The current time in UTC, to the second: what the API shows and stores,
/// so that a value read back equals the value written.
pub fn now() -> NaiveDateTime {
    Utc::now().naive_utc().trunc_subsecs(0)
}

/// A stored timestamp as the API shows it.
pub fn utc(at: NaiveDateTime) -> DateTime<Utc> {
    at.and_utc()
}
