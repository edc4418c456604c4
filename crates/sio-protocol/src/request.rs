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

/// Basis of a request; the same keys as `sio_core::Basis` (`Basis::key`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema, TS)]
#[serde(rename_all = "snake_case")]
pub enum BasisKey {
    /// 1: criminal case.
    Criminal,
    /// 2: administrative case / administrative offence case heard by a court.
    AdminCourt,
    /// 3: administrative offence case of КПСиСУ.
    AdminOffence,
    /// 4: civil case.
    CivilCourt,
    /// 5: enforcement proceedings.
    Enforcement,
    /// 6: wanted-person case.
    Wanted,
}

impl BasisKey {
    /// The wire key (`criminal`, `admin_court`, …), parsed by `sio_core::Basis::from_str`.
    pub fn key(self) -> &'static str {
        match self {
            Self::Criminal => "criminal",
            Self::AdminCourt => "admin_court",
            Self::AdminOffence => "admin_offence",
            Self::CivilCourt => "civil_court",
            Self::Enforcement => "enforcement",
            Self::Wanted => "wanted",
        }
    }
}

/// The reference to the case a request is made in: the JSON shape of `sio_core::CaseReference`,
/// which validates each field and decides which kind fits which basis.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema, TS)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum CaseReference {
    /// Criminal case: the number assigned by ЕРДР (2015 r.21).
    CriminalCase {
        /// ЕРДР number.
        erdr: String,
    },
    /// Executing an investigative or a prosecutor's instruction (2024 r.22).
    Instruction {
        /// ЕРДР number of the case.
        erdr: String,
        /// Outgoing number of the instruction.
        instruction_no: String,
    },
    /// International legal assistance (2015 r.22 part 2); access as for a criminal case.
    LegalAssistance {
        /// Outgoing number of the request.
        request_no: String,
        /// The requesting body.
        requesting_body: String,
        /// Outgoing number of the cover letter of the RK authority.
        cover_letter_no: String,
    },
    /// Administrative case / administrative offence case in court (2026 r.25).
    AdminCourt {
        /// Case number in the courts' information system.
        number: String,
        /// Accounting year.
        year: u16,
        /// The court that took the decision.
        court: String,
    },
    /// Administrative offence case in КПСиСУ's system (2015 r.23).
    AdminOffence {
        /// Case number.
        number: String,
    },
    /// Civil case in court (2026 r.25).
    CivilCourt {
        /// Case number in the courts' information system.
        number: String,
        /// Accounting year.
        year: u16,
        /// The court that took the decision.
        court: String,
    },
    /// Enforcement proceedings (2015 r.27): the end-to-end number from АИС ОИП.
    Enforcement {
        /// End-to-end number.
        number: String,
    },
    /// Wanted-person case (2015 r.26): the number assigned by АИС СУ.
    Wanted {
        /// Case number.
        number: String,
    },
}

/// Whom a request is about (rule 20): the JSON shape of `sio_core::Subject`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema, TS)]
#[serde(tag = "kind", content = "id", rename_all = "snake_case")]
pub enum Subject {
    /// An individual, by ИИН (12 digits with a check digit).
    Individual(String),
    /// A legal entity, by БИН (12 digits with a check digit).
    LegalEntity(String),
}

/// A Criminal Code article with an optional part: the JSON shape of
/// `sio_core::CriminalCodeArticle`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema, TS)]
#[serde(deny_unknown_fields)]
pub struct Article {
    /// Article number.
    pub article: u16,
    /// Part (часть).
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub part: Option<u8>,
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
    pub role: u8,
    /// Basis.
    pub basis: BasisKey,
    /// Service number 1–93 (Order 88/2024 Appendix 2).
    pub service: u8,
    /// The case the request is made in.
    pub case: CaseReference,
    /// Whom the request is about.
    pub subject: Subject,
    /// Criminal Code article of the case, where the service is limited to certain articles
    /// (services 37–40, 70–74: Chapter 8, articles 214–249).
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub article: Option<Article>,
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
    pub service: u8,
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
    pub service: u8,
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

impl RequestDocument {
    /// The request as the rules see it, each field validated by sio-core (ИИН/БИН check digits,
    /// case-number forms, role and service numbers, the article). Call
    /// [`sio_core::RequestSpec::check`] on the result for the role × basis × service decision.
    pub fn to_spec(&self) -> Result<sio_core::RequestSpec, sio_core::CoreError> {
        use sio_core::case::{
            AccountingYear, BodyName, CaseNumber, CourtCase, ErdrNumber, OutgoingNumber,
        };
        use sio_core::{Basis, Bin, CriminalCodeArticle, Iin, RoleId, ServiceId};
        let court =
            |number: &str, year: u16, court: &str| -> Result<CourtCase, sio_core::CoreError> {
                Ok(CourtCase {
                    number: CaseNumber::new(number)?,
                    year: AccountingYear::new(year)?,
                    court: BodyName::new(court)?,
                })
            };
        let case = match &self.case {
            CaseReference::CriminalCase { erdr } => sio_core::CaseReference::CriminalCase {
                erdr: ErdrNumber::new(erdr)?,
            },
            CaseReference::Instruction {
                erdr,
                instruction_no,
            } => sio_core::CaseReference::Instruction {
                erdr: ErdrNumber::new(erdr)?,
                instruction_no: OutgoingNumber::new(instruction_no)?,
            },
            CaseReference::LegalAssistance {
                request_no,
                requesting_body,
                cover_letter_no,
            } => sio_core::CaseReference::LegalAssistance {
                request_no: OutgoingNumber::new(request_no)?,
                requesting_body: BodyName::new(requesting_body)?,
                cover_letter_no: OutgoingNumber::new(cover_letter_no)?,
            },
            CaseReference::AdminCourt {
                number,
                year,
                court: c,
            } => sio_core::CaseReference::AdminCourt(court(number, *year, c)?),
            CaseReference::CivilCourt {
                number,
                year,
                court: c,
            } => sio_core::CaseReference::CivilCourt(court(number, *year, c)?),
            CaseReference::AdminOffence { number } => sio_core::CaseReference::AdminOffence {
                number: CaseNumber::new(number)?,
            },
            CaseReference::Enforcement { number } => sio_core::CaseReference::Enforcement {
                number: CaseNumber::new(number)?,
            },
            CaseReference::Wanted { number } => sio_core::CaseReference::Wanted {
                number: CaseNumber::new(number)?,
            },
        };
        let subject = match &self.subject {
            Subject::Individual(iin) => sio_core::Subject::Individual(Iin::parse(iin)?),
            Subject::LegalEntity(bin) => sio_core::Subject::LegalEntity(Bin::parse(bin)?),
        };
        let article = self
            .article
            .map(|a| CriminalCodeArticle::new(a.article, a.part))
            .transpose()?;
        Ok(sio_core::RequestSpec {
            role: RoleId::new(self.role)?,
            basis: self.basis.key().parse::<Basis>()?,
            case,
            subject,
            service: ServiceId::new(self.service)?,
            article,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basis_keys_match_sio_core() {
        for b in sio_core::Basis::ALL {
            let wire: BasisKey =
                serde_json::from_value(serde_json::json!(b.key())).expect("known key");
            assert_eq!(wire.key(), b.key());
        }
    }

    #[test]
    fn wire_shapes_deserialize_as_sio_core_types() {
        let case = CaseReference::CivilCourt {
            number: "2-1234".into(),
            year: 2025,
            court: "Есильский районный суд г. Астаны".into(),
        };
        let core: sio_core::CaseReference =
            serde_json::from_value(serde_json::to_value(&case).expect("json")).expect("core shape");
        assert_eq!(core.basis(), sio_core::Basis::CivilCourt);
        let subject = Subject::Individual("900101300106".into());
        let _: sio_core::Subject =
            serde_json::from_value(serde_json::to_value(&subject).expect("json")).expect("core");
    }
}

/// `doc` tag of [`ExportDocument`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema, TS)]
pub enum ExportDocType {
    /// Version 1.
    #[serde(rename = "sio.export/v1")]
    V1,
}

/// Notice that a result was attached to case materials (rule 48 as of 2024): the lawful
/// exception to destroying the local copy. Signed by the user with the signing key; the gateway
/// records it beside the request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema, TS)]
#[serde(deny_unknown_fields)]
pub struct ExportDocument {
    /// Always `sio.export/v1`.
    pub doc: ExportDocType,
    /// Chosen by the client (UUID v4); idempotent.
    pub export_id: Uuid,
    /// The request whose result was exported.
    pub request_id: Uuid,
    /// ИИН of the signing user.
    pub user_iin: String,
    /// Why (e.g. the case-materials volume it was attached to).
    pub reason: String,
    /// SHA-256 of the exported bytes, lowercase hex.
    pub content_sha256: String,
    /// The client's clock when signing.
    pub signed_at: DateTime<FixedOffset>,
}

impl Document for ExportDocument {
    const DOC_TYPE: &'static str = "sio.export/v1";
}

/// The gateway's record of an export.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema, TS)]
pub struct ExportReceipt {
    /// The export.
    pub export_id: Uuid,
    /// The request.
    pub request_id: Uuid,
    /// When the gateway recorded it (Astana time).
    pub recorded_at: DateTime<FixedOffset>,
}
