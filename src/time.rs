//! Timestamps: stored as UTC `NaiveDateTime`, shown as RFC 3339 with `Z`.

use chrono::{DateTime, Datelike, NaiveDateTime, SubsecRound, Utc};
use serde::{Deserialize, Deserializer};

/// The current time in UTC, to the second: what the API shows and stores,
/// so that a value read back equals the value written.
pub fn now() -> NaiveDateTime {
    Utc::now().naive_utc().trunc_subsecs(0)
}

/// A stored timestamp as the API shows it.
pub fn utc(at: NaiveDateTime) -> DateTime<Utc> {
    at.and_utc()
}

/// Whether both backends can store `at`: PostgreSQL's timestamps span 4713
/// BC to 294276 AD, chrono's reach a quarter million years either way; the
/// API keeps to years 1 through 9999, as RFC 3339 writes them.
pub fn storable(at: NaiveDateTime) -> bool {
    (1..=9999).contains(&at.year())
}

/// `deserialize_with` for a timestamp a client hands back (in a cursor): one
/// the API could not have written is refused, never sent to the database.
pub fn deserialize_storable<'de, D: Deserializer<'de>>(deserializer: D) -> Result<NaiveDateTime, D::Error> {
    let at = NaiveDateTime::deserialize(deserializer)?;
    if storable(at) { Ok(at) } else { Err(serde::de::Error::custom("a timestamp outside years 1-9999")) }
}

/// [`deserialize_storable`] for an optional timestamp.
pub fn deserialize_storable_option<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<NaiveDateTime>, D::Error> {
    match Option::<NaiveDateTime>::deserialize(deserializer)? {
        Some(at) if !storable(at) => Err(serde::de::Error::custom("a timestamp outside years 1-9999")),
        at => Ok(at),
    }
}
