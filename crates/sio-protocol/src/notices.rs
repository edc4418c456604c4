//! Notices to users (`GET /v1/notices`): planned technical works published in advance (2015
//! Rules r.44, ru «Уведомления о времени запланированных технических работ … публикуются на
//! портале СИО ПСО»; r.38: access is round the clock save the downtime of emergencies and of
//! planned works published on the portal) and the emergencies still open (r.41–43).

use chrono::{DateTime, FixedOffset};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// A planned technical work (an outage, a change, an update…), current or upcoming.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema, TS)]
pub struct PlannedWork {
    /// The operator's id of the notice.
    pub id: u32,
    /// Start (Astana time).
    pub starts_at: DateTime<FixedOffset>,
    /// End (Astana time).
    pub ends_at: DateTime<FixedOffset>,
    /// What is done and what it affects, in Russian.
    pub description_ru: String,
    /// The same in Kazakh.
    pub description_kk: String,
}

/// An emergency the operator recorded and has not closed (Appendix 7 journal, r.43).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema, TS)]
pub struct OpenEmergency {
    /// The journal entry's id.
    pub id: u32,
    /// Since when (Astana time).
    pub started_at: DateTime<FixedOffset>,
    /// The cause as recorded.
    pub cause: String,
}

/// Answer of `GET /v1/notices`: what users are told now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema, TS)]
pub struct Notices {
    /// Planned works not yet over, soonest first (cancelled ones are not listed).
    pub planned_works: Vec<PlannedWork>,
    /// Open emergencies, newest first.
    pub emergencies: Vec<OpenEmergency>,
}
