//! Departmental control (rule 10): the "Reports" function, and journal entries.

use chrono::{DateTime, FixedOffset, NaiveDate};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use ts_rs::TS;
use uuid::Uuid;

/// Query of `GET /v1/reports`: all requests of the caller's body in a period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema, TS)]
pub struct ReportQuery {
    /// First day (Astana calendar), inclusive.
    pub from: NaiveDate,
    /// Last day, inclusive.
    pub to: NaiveDate,
}

/// One request in a report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema, TS)]
pub struct ReportRow {
    /// Request id.
    pub request_id: Uuid,
    /// ИИН of the user who sent it.
    pub user_iin: String,
    /// Name of that user.
    pub user_name: String,
    /// Service number.
    pub service: u8,
    /// Basis.
    pub basis: crate::request::BasisKey,
    /// Case number.
    pub case_number: String,
    /// The Criminal Code article the user declared with the request (State Revenue Committee
    /// services need a Chapter 8 one: 2024 r.2, Appendix 2 footnote 2); absent when none was.
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub article: Option<crate::request::Article>,
    /// When it was accepted (Astana time).
    pub submitted_at: DateTime<FixedOffset>,
}

/// A report for a body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema, TS)]
pub struct Report {
    /// БИН of the body.
    pub organisation_bin: String,
    /// Period start.
    pub from: NaiveDate,
    /// Period end.
    pub to: NaiveDate,
    /// When made.
    pub generated_at: DateTime<FixedOffset>,
    /// The requests, oldest first.
    pub rows: Vec<ReportRow>,
}

/// One access-journal record (2009 rules r.8 plus the outcome).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema, TS)]
pub struct JournalEntry {
    /// Date and time, Astana.
    pub at: DateTime<FixedOffset>,
    /// ИИН of the user, or empty before the user is known.
    pub user: String,
    /// Client IP address.
    pub ip: String,
    /// Logical part of the resource (the endpoint path without ids).
    pub resource: String,
    /// Operation.
    pub operation: String,
    /// `ok` or the error code.
    pub outcome: String,
}
