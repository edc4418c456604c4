//! Astana time and the deadlines of the Rules.
//!
//! All recorded times are Astana time (2015 rule 29). Kazakhstan has been on one zone, UTC+5,
//! since 1 March 2024; before that Astana was UTC+6. The offset is never hard-coded: it comes
//! from the IANA database (zone `Asia/Almaty`, which covers Astana; tzdata 2024a or newer, bundled
//! by `chrono-tz`), so past dates keep their historical offset.
//!
//! Deadlines:
//! - transfer to another post or unit: the user applies within 24 hours of the order being signed
//!   (rule 14 as of 2024);
//! - dismissal or suspension: the responsible official applies within 24 hours of the order
//!   (rule 15 as of 2024);
//! - absence for more than two months: the user files a block of their own account (consent
//!   §11.2, Appendix 6 as of 2024).

use chrono::{DateTime, Duration, LocalResult, Months, NaiveDate, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use crate::error::CoreError;

/// The time zone of Astana.
pub const ASTANA: Tz = chrono_tz::Asia::Almaty;

/// A UTC instant in Astana time.
pub fn to_astana(t: DateTime<Utc>) -> DateTime<Tz> {
    t.with_timezone(&ASTANA)
}

/// Format an instant as Astana wall time with its offset, e.g. `2026-11-23 15:35:00 +05:00`.
pub fn format_astana(t: DateTime<Utc>) -> String {
    to_astana(t).format("%Y-%m-%d %H:%M:%S %:z").to_string()
}

/// The instant of an Astana wall-clock time (as an officer enters an order's date and time).
///
/// Where the wall time occurred twice (the hour before midnight of 1 March 2024, when clocks went
/// back from UTC+6 to UTC+5), the earlier instant is taken: the deadline it starts is then never
/// later than the rule allows. A wall time that never occurred is refused.
pub fn from_astana(local: NaiveDateTime) -> Result<DateTime<Utc>, CoreError> {
    match ASTANA.from_local_datetime(&local) {
        LocalResult::Single(t) => Ok(t.with_timezone(&Utc)),
        LocalResult::Ambiguous(earlier, _) => Ok(earlier.with_timezone(&Utc)),
        LocalResult::None => Err(CoreError::NonexistentLocalTime),
    }
}

/// Today's date in Astana (for checks against the calendar, e.g. a court year in the future).
pub fn astana_today(now: DateTime<Utc>) -> NaiveDate {
    to_astana(now).date_naive()
}

/// The application deadlines of the Rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeadlineRule {
    /// Transfer to another post or unit: 24 hours from the order (rule 14 as of 2024).
    Transfer,
    /// Dismissal or suspension: 24 hours from the order (rule 15 as of 2024).
    DismissalOrSuspension,
}

impl DeadlineRule {
    /// The time allowed after the order is signed.
    pub fn window(self) -> Duration {
        match self {
            DeadlineRule::Transfer | DeadlineRule::DismissalOrSuspension => Duration::hours(24),
        }
    }

    /// The act and rule, for display next to a timer.
    pub fn citation(self) -> &'static str {
        match self {
            DeadlineRule::Transfer => "Order 88/2024, rule 14",
            DeadlineRule::DismissalOrSuspension => "Order 88/2024, rule 15",
        }
    }

    /// The instant by which the application is due.
    pub fn due(self, order_signed_at: DateTime<Utc>) -> DateTime<Utc> {
        order_signed_at + self.window()
    }
}

/// The operator's decision on an HR application: "within a day from the moment the application
/// is received" (2015 Rules r.14, ru «в течение суток с момента поступления Заявки», kk «сұрау
/// түскен сәттен бастап бір тәулік ішінде»). «Сутки» / «тәулік» is a period of 24 hours, not a
/// working day: weekends and public holidays do not extend it. The acts of 2023–2026 do not
/// restate the operator's deadline, so the 2015 rule is the one that applies (SPEC.md).
pub const OPERATOR_DECISION_WINDOW_HOURS: i64 = 24;

/// When the operator's decision on an application received at `received` is due (2015 r.14).
pub fn operator_decision_due(received: DateTime<Utc>) -> DateTime<Utc> {
    received + Duration::hours(OPERATOR_DECISION_WINDOW_HOURS)
}

/// Where a deadline stands at a given instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeadlineState {
    /// Still open, with the time left.
    Open {
        /// Time left until due.
        left: Duration,
    },
    /// Missed, by how much.
    Overdue {
        /// Time past due.
        by: Duration,
    },
}

impl DeadlineState {
    /// The state of a deadline `due` at `now`. Exactly at `due` it is still open, with zero left.
    pub fn at(due: DateTime<Utc>, now: DateTime<Utc>) -> DeadlineState {
        if now <= due {
            DeadlineState::Open { left: due - now }
        } else {
            DeadlineState::Overdue { by: now - due }
        }
    }
}

/// The period of absence after which a user must file a block of their own account (consent
/// §11.2): more than two months.
pub const ABSENCE_MONTHS: u32 = 2;

/// The first day on which an absence that began on `first_day_absent` exceeds two months, i.e.
/// the day the user must have filed the block of their own account by (Astana calendar days).
pub fn absence_block_due(first_day_absent: NaiveDate) -> Option<NaiveDate> {
    first_day_absent.checked_add_months(Months::new(ABSENCE_MONTHS))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn local(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap()
    }
    fn utc(s: &str) -> DateTime<Utc> {
        Utc.from_utc_datetime(&local(s))
    }

    #[test]
    fn offset_is_plus_six_before_and_plus_five_after_2024_03_01() {
        assert_eq!(
            format_astana(utc("2024-02-29 12:00")),
            "2024-02-29 18:00:00 +06:00"
        );
        assert_eq!(
            format_astana(utc("2024-03-01 12:00")),
            "2024-03-01 17:00:00 +05:00"
        );
        assert_eq!(
            format_astana(utc("2015-12-22 06:00")),
            "2015-12-22 12:00:00 +06:00"
        );
        assert_eq!(
            format_astana(utc("2026-11-23 10:35")),
            "2026-11-23 15:35:00 +05:00"
        );
        // The switch itself: 2024-03-01 00:00 +06 = 2024-02-29 18:00 UTC.
        assert_eq!(
            format_astana(utc("2024-02-29 17:59")),
            "2024-02-29 23:59:00 +06:00"
        );
        assert_eq!(
            format_astana(utc("2024-02-29 18:00")),
            "2024-02-29 23:00:00 +05:00"
        );
    }

    #[test]
    fn wall_time_to_instant_across_the_switch() {
        assert_eq!(
            from_astana(local("2024-02-28 10:00")).unwrap(),
            utc("2024-02-28 04:00")
        );
        assert_eq!(
            from_astana(local("2024-03-02 10:00")).unwrap(),
            utc("2024-03-02 05:00")
        );
        // 23:30 on 29 Feb 2024 happened twice; the earlier (+06) is taken.
        assert_eq!(
            from_astana(local("2024-02-29 23:30")).unwrap(),
            utc("2024-02-29 17:30")
        );
    }

    /// 2015 r.14 «в течение суток с момента поступления Заявки»: 24 hours of elapsed time from
    /// receipt — a Friday evening's application is due on Saturday evening, and one received on
    /// the eve of Independence Day (16 December, a public holiday) is due on the holiday itself.
    #[test]
    fn the_operators_decision_is_due_a_day_after_receipt_weekends_and_holidays_included() {
        let friday = from_astana(local("2026-12-04 17:30")).unwrap();
        assert_eq!(
            format_astana(operator_decision_due(friday)),
            "2026-12-05 17:30:00 +05:00"
        );
        let eve = from_astana(local("2026-12-15 09:00")).unwrap();
        assert_eq!(
            format_astana(operator_decision_due(eve)),
            "2026-12-16 09:00:00 +05:00"
        );
    }

    #[test]
    fn twenty_four_hours_are_elapsed_time_even_across_the_switch() {
        let order = from_astana(local("2024-02-29 12:00")).unwrap();
        let due = DeadlineRule::DismissalOrSuspension.due(order);
        // 24 h after 12:00 +06 is 11:00 +05 the next day on the wall clock.
        assert_eq!(format_astana(due), "2024-03-01 11:00:00 +05:00");
        let order = from_astana(local("2026-11-23 09:00")).unwrap();
        let due = DeadlineRule::Transfer.due(order);
        assert_eq!(format_astana(due), "2026-11-24 09:00:00 +05:00");
        assert_eq!(
            DeadlineState::at(due, order + Duration::hours(20)),
            DeadlineState::Open {
                left: Duration::hours(4)
            }
        );
        assert_eq!(
            DeadlineState::at(due, due),
            DeadlineState::Open {
                left: Duration::zero()
            }
        );
        assert_eq!(
            DeadlineState::at(due, due + Duration::minutes(1)),
            DeadlineState::Overdue {
                by: Duration::minutes(1)
            }
        );
    }

    #[test]
    fn two_months_of_absence() {
        let d = |s| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        assert_eq!(absence_block_due(d("2026-01-15")), Some(d("2026-03-15")));
        // Month ends clamp: 31 Dec + 2 months = 28 Feb (29 in a leap year).
        assert_eq!(absence_block_due(d("2025-12-31")), Some(d("2026-02-28")));
        assert_eq!(absence_block_due(d("2023-12-31")), Some(d("2024-02-29")));
    }
}
