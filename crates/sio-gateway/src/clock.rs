//! Time: everything recorded is Astana time (2015 r.29); stored as RFC 3339 with the offset.

use chrono::{DateTime, FixedOffset, Utc};

/// Now.
pub(crate) fn now() -> DateTime<Utc> {
    Utc::now()
}

/// An instant in Astana time, with its offset (UTC+5), to the millisecond (as stored).
pub(crate) fn astana(t: DateTime<Utc>) -> DateTime<FixedOffset> {
    use chrono::SubsecRound as _;
    sio_core::time::to_astana(t).fixed_offset().trunc_subsecs(3)
}

/// Astana time as stored in the database and shown in listings.
pub(crate) fn stamp(t: DateTime<Utc>) -> String {
    astana(t).to_rfc3339_opts(chrono::SecondsFormat::Millis, false)
}

/// Parse a stored stamp.
pub(crate) fn parse(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}
