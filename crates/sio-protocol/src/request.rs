//! Requests for information (rule 20), their status and their results.

use chrono::{DateTime, FixedOffset};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use ts_rs::TS;
use uuid::Uuid;

use crate::signed::Document;

/// `doc` tag of [`RequestDocument`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema, TS)]
pub enum RequestDocType {
    /// Version 1.
    #[serde(rename = "sio.request/v1")]
    V1,
}

/// The reference to the case a request is made in; which kind fits which basis is a rule of
/// sio-core (SPEC "What a request carries, by basis").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema, TS)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum CaseReference {
    /// Criminal case: the number assigned by ЕРДР (2015 r.21).
    CriminalCase {
        /// ЕРДР number.
        erdr_number: String,
    },
    /// Executing an investigative or a prosecutor's instruction (2024 r.22).
    Instruction {
        /// Case number.
        case_number: String,
        /// Outgoing number of the instruction.
        instruction_number: String,
    },
    /// International legal assistance (2015 r.22 part 2); access as for a criminal case.
    InternationalAssistance {
        /// Outgoing number of the foreign request.
        request_number: String,
        /// The requesting body.
        requesting_body: String,
        /// Outgoing number of the cover letter of the RK authority.
        cover_letter_number: String,
    },
    /// Administrative offence case in КПСиСУ's system (2015 r.23).
    AdministrativeOffence {
        /// Case number assigned by КПСиСУ's system.
        case_number: String,
    },
    /// Court case: civil, administrative, administrative offence (2026 r.25).
    Court {
        /// Case number in the courts' information system.
        case_number: String,
        /// Accounting year.
        year: u16,
        /// The court that took the decision.
        court: String,
    },
    /// Wanted-person case (2015 r.26): the number assigned by АИС СУ.
    WantedPerson {
        /// АИС СУ number.
        case_number: String,
    },
    /// Enforcement proceedings (2015 r.27): the end-to-end number from АИС ОИП.
    Enforcement {
        /// АИС ОИП number.
        proceedings_number: String,
    },
}

impl CaseReference {
    /// The number under which the case registry knows the case.
    pub fn registry_number(&self) -> &str {
        match self {
            Self::CriminalCase { erdr_number } => erdr_number,
            Self::Instruction { case_number, .. }
            | Self::AdministrativeOffence { case_number }
            | Self::Court { case_number, .. }
            | Self::WantedPerson { case_number } => case_number,
            Self::InternationalAssistance { request_number, .. } => request_number,
            Self::Enforcement { proceedings_number } => proceedings_number,
        }
    }

    /// Snake-case name of the variant (`criminal_case`, `court`, …).
    pub fn kind(&self) -> &'static str {
        match self {
            Self::CriminalCase { .. } => "criminal_case",
            Self::Instruction { .. } => "instruction",
            Self::InternationalAssistance { .. } => "international_assistance",
            Self::AdministrativeOffence { .. } => "administrative_offence",
            Self::Court { .. } => "court",
            Self::WantedPerson { .. } => "wanted_person",
            Self::Enforcement { .. } => "enforcement",
        }
    }
}

/// Whom a request is about (rule 20).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema, TS)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Subject {
    /// An individual, by ИИН (12 digits with a check digit).
    Individual {
        /// ИИН.
        iin: String,
    },
    /// A legal entity, by БИН (12 digits with a check digit).
    LegalEntity {
        /// БИН.
        bin: String,
    },
}

/// A signed request for information.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema, TS)]
#[serde(deny_unknown_fields)]
pub struct RequestDocument {
    /// Always `sio.request/v1`.
    pub doc: RequestDocType,
    /// Chosen by the client (UUID v4). Sending the same document again returns the same
    /// request; another document under the same id is refused (`GW_REQUEST_ID_CONFLICT`).
    pub request_id: Uuid,
    /// ИИН of the signing user.
    pub user_iin: String,
    /// The user's role number (Order 34/2026 Appendix 1).
    pub role: u16,
    /// Basis number 1–6 (criminal, administrative, administrative КПСиСУ, civil, enforcement, wanted).
    pub basis: u8,
    /// Service number 1–93 (Order 88/2024 Appendix 2).
    pub service: u16,
    /// The case the request is made in.
    pub case: CaseReference,
    /// Whom the request is about.
    pub subject: Subject,
    /// Article of the Criminal Code, where the service is limited to certain articles
    /// (services 37–40, 70–74: Chapter 8, articles 214–249), e.g. `"216"` or `"216-2"`.
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub criminal_code_article: Option<String>,
    /// The client's clock when signing; must be within the gateway's window.
    pub signed_at: DateTime<FixedOffset>,
}

impl Document for RequestDocument {
    const DOC_TYPE: &'static str = "sio.request/v1";
}

/// Where a request stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema, TS)]
#[serde(rename_all = "snake_case")]
pub enum RequestState {
    /// Accepted; the result is being prepared.
    Processing,
    /// The result can be fetched.
    Ready,
}

/// The status of a request (also the answer to its submission).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema, TS)]
pub struct RequestStatus {
    /// The client-chosen id.
    pub request_id: Uuid,
    /// State.
    pub state: RequestState,
    /// Service number.
    pub service: u16,
    /// When the gateway accepted it (Astana time).
    pub submitted_at: DateTime<FixedOffset>,
    /// When the result became ready.
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ready_at: Option<DateTime<FixedOffset>>,
    /// Whether this answer is for a resubmission of an already known request.
    pub duplicate: bool,
}

/// A list of the user's own requests.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema, TS)]
pub struct RequestList {
    /// Newest first.
    pub requests: Vec<RequestStatus>,
}

/// A result as a table: the same data the PDF shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema, TS)]
pub struct ResultTable {
    /// Column titles.
    pub columns: Vec<String>,
    /// Rows, one string per column.
    pub rows: Vec<Vec<String>>,
}

/// The result of a request. Confidential: the client keeps it only while it is being viewed.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema, TS)]
pub struct ResultDelivery {
    /// The request.
    pub request_id: Uuid,
    /// Service number.
    pub service: u16,
    /// Title of the service.
    pub title: String,
    /// When the result was produced (Astana time).
    pub generated_at: DateTime<FixedOffset>,
    /// True for the truncated service (service 11 on bases 2–4: no amounts).
    pub truncated: bool,
    /// The data.
    pub table: ResultTable,
    /// The same data as a PDF document, base64.
    pub pdf_base64: String,
}

impl std::fmt::Debug for ResultDelivery {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ResultDelivery")
            .field("request_id", &self.request_id)
            .field("service", &self.service)
            .field("table", &"<redacted>")
            .finish_non_exhaustive()
    }
}
