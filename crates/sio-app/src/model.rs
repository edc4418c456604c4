//! The shapes the UI's contract names that are not wire types of `sio-protocol`. Field names are
//! the UI's. Their TypeScript is generated (ts-rs) into `ui/src/lib/types/app.ts` with the
//! command table of [`crate::dispatch`]; the UI never declares them by hand.
//!
//! A few types here only describe, for TypeScript, a JSON value another crate builds
//! ([`CatalogueData`] for `sio_core::catalogue::Catalogue`, [`DiagnosisReport`] for
//! `sio_workstation::UiReport`, [`RequestDraft`] for `sio_core::RequestSpec`); the tests at the
//! end of this file prove each of them reads that value exactly.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use sio_protocol::{ApplicationStatus, Article, BasisKey, CaseReference, RequestDocument, Subject};
use ts_rs::TS;

use crate::error::ErrorBody;

/// A PC/SC reader (`ReaderInfo`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct ReaderInfo {
    /// Reader name as PC/SC reports it.
    pub name: String,
    /// Whether a card is in the reader.
    pub card_present: bool,
    /// Label of the token, when one is present and known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub token_label: Option<String>,
}

/// What a key on the token is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum CertUsage {
    /// Login (PIV slot 9A).
    Auth,
    /// Documents (PIV slot 9C).
    Sign,
}

/// A certificate on a token (`CertificateInfo`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct CertificateInfo {
    /// `9a` (authentication) or `9c` (signing).
    pub id: String,
    /// Subject common name.
    pub subject: String,
    /// ИИН from the subject's serial number.
    pub iin: String,
    /// Organisation, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub organisation: Option<String>,
    /// Issuer.
    pub issuer: String,
    /// Validity start.
    pub not_before: String,
    /// Validity end.
    pub not_after: String,
    /// What the key is for.
    pub usage: CertUsage,
}

/// PIN retry counter (`PinStatus`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct PinStatus {
    /// Tries left before the PIN blocks.
    pub tries_left: u8,
    /// Whether the PIN is blocked.
    pub blocked: bool,
}

/// The document exactly as it will be signed (`RequestPreview`).
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct RequestPreview {
    /// The document.
    pub document: RequestDocument,
    /// Its canonical bytes as UTF-8: what the signature covers.
    pub canonical: String,
    /// Structural warnings of the draft ([`sio_core::warnings`]): never refusals — the acts are
    /// silent on these forms (ИИН/БИН structure: Law No. 223-III of 12 Jan 2007) — but the user
    /// confirms each before signing.
    pub warnings: Vec<DraftWarning>,
}

/// One structural warning of a draft (`sio check` prints the same).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct DraftWarning {
    /// The stable code (docs/failure-codes.md, warnings), e.g. `CORE_WARN_IIN_MONTH`.
    pub code: String,
    /// The field it is about: `subject`, `erdr` or `year`.
    pub field: String,
    /// An English explanation (the UI shows its own kk/ru/en text by code).
    pub message: String,
}

/// Where a request stands (`OutboxStatus`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum OutboxStatus {
    /// Signed, not yet sent.
    Queued,
    /// On its way.
    Sent,
    /// Accepted; the result is being prepared.
    Accepted,
    /// Refused.
    Rejected,
    /// The result can be opened.
    ResultReady,
    /// The result was viewed and destroyed; it cannot be opened again.
    Shredded,
}

/// A request in the outbox (`OutboxItem`); also the payload of the `request_status` event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct OutboxItem {
    /// The request id.
    pub request_id: String,
    /// Service number.
    pub service: u8,
    /// Basis key.
    #[ts(as = "BasisKey")]
    pub basis: String,
    /// Short key of the case.
    pub case_key: String,
    /// Subject ИИН/БИН.
    pub subject_id: String,
    /// Status.
    pub status: OutboxStatus,
    /// 0..1.
    pub progress: f32,
    /// When queued.
    pub created_at: String,
    /// When the status last changed.
    pub updated_at: String,
    /// Why it was rejected.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub error: Option<ErrorBody>,
    /// Waiting more than one hour: the incident notice to the operator, to send or print
    /// (2015 rr.38–44).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub delay_notice: Option<String>,
}

/// Proof that the local copy of a result is gone (`ShredReport`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct ShredReport {
    /// The request.
    pub request_id: String,
    /// Whether the ciphertext and its key were destroyed (or no local copy existed).
    pub shredded: bool,
    /// When.
    pub at: String,
}

/// A result open in the viewer was destroyed because its viewing time ran out (event
/// `result_expired`; the policy's `results.shred_after_view_minutes`, 2015 r.52).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct ResultExpired {
    /// The request whose result it was.
    pub request_id: String,
    /// When it was destroyed (RFC 3339, Astana time).
    pub at: String,
}

/// Receipt of an export to case materials (`ExportReceipt`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct ExportReceipt {
    /// The request.
    pub request_id: String,
    /// Where the signed export was written.
    pub path: String,
    /// SHA-256 of the exported bytes.
    pub sha256: String,
    /// When.
    pub at: String,
}

/// An HR application for the list (`ApplicationItem`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct ApplicationItem {
    /// The gateway's status.
    #[serde(flatten)]
    pub status: ApplicationStatus,
    /// The applicant's name.
    pub applicant_name: String,
    /// When the order was signed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub order_signed_at: Option<String>,
    /// A refusal whose operator's signature does not verify against the pinned CA
    /// (`CLIENT_HR_REFUSAL_SIGNATURE`; 2015 rule 14: a refusal is signed): its reasons are then
    /// not shown.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub refusal_error: Option<ErrorBody>,
}

/// A service allowed for role × basis (`AllowedServiceInfo`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct AllowedServiceInfo {
    /// Service number.
    pub service: u64,
    /// `full`, `truncated` or `articles`.
    #[ts(as = "AccessMark")]
    pub mark: String,
}

/// A form of case reference and its fields (`CaseFormInfo`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct CaseFormInfo {
    /// The form (`criminal_case`, …).
    #[ts(type = "CaseReference[\"kind\"]")]
    pub form: String,
    /// Its fields in display order.
    pub fields: Vec<String>,
}

/// Languages of the interface.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Language {
    /// Kazakh.
    Kk,
    /// Russian.
    Ru,
    /// English.
    En,
}

/// Settings the user may change (`Settings`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Settings {
    /// Language of the interface.
    pub language: Language,
}

/// Versions for the About screen (`AboutInfo`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct AboutInfo {
    /// This application.
    pub app_version: String,
    /// The protocol.
    pub protocol_version: String,
    /// The rules engine.
    pub core_version: String,
    /// The legal acts the catalogue encodes.
    pub catalogue_version: String,
    /// The gateway of the policy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub gateway: Option<String>,
}

/// The second signature of an HR application: another person's token in another reader, and
/// its PIN (the head's; the applicant's when the user is the head).
#[derive(Debug, Deserialize, TS)]
pub struct Cosigner {
    /// The reader holding the second signer's token.
    pub reader: String,
    /// That token's PIN, for this one signature.
    pub pin: sio_protocol::Secret,
}

/// Why a session is locked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum LockReason {
    /// Idle past the policy's minutes.
    Idle,
    /// The card left the reader.
    CardRemoved,
    /// The card forgot the verified PIN (reset by another program): the PIN unlocks.
    CardReset,
    /// The smart-card service (pcscd) went away during a signature or a handshake: the card's
    /// PIN verification is gone with it; the PIN unlocks once the service is back.
    CardServiceGone,
    /// The user asked.
    User,
}

/// Insertion or removal of a card (event `card`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct CardEvent {
    /// `inserted` or `removed`.
    pub kind: CardEventKind,
    /// The reader.
    pub reader: String,
}

/// Kind of [`CardEvent`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum CardEventKind {
    /// A card was inserted.
    Inserted,
    /// A card was removed.
    Removed,
}

/// Session state change (event `session`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum SessionEvent {
    /// Locked.
    Locked {
        /// Why.
        reason: LockReason,
    },
    /// Unlocked.
    Unlocked,
    /// Ended by the gateway's hard limit.
    Expired,
}

/// How a service may be used on a basis (Order 88/2024 Appendix 2 marks).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum AccessMark {
    /// The full answer.
    Full,
    /// A truncated answer.
    Truncated,
    /// Only for the listed Criminal Code articles.
    Articles,
}

/// A basis in the catalogue (`sio_core::catalogue::BasisEntry`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct CatalogueBasis {
    /// Stable key.
    pub key: BasisKey,
    /// Column number in the tables.
    pub column: u8,
    /// Russian name.
    pub name_ru: String,
    /// Kazakh name.
    pub name_kk: String,
    /// English name.
    pub name_en: String,
}

/// A role in the catalogue (`sio_core::catalogue::RoleEntry`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct CatalogueRole {
    /// Row number (Appendix 1).
    pub no: u8,
    /// Russian name as in the seed.
    pub name_ru: String,
    /// Kazakh name.
    pub name_kk: String,
    /// Whether the Kazakh name is a translation (not from the 2015 Kazakh text).
    pub name_kk_translated: bool,
    /// English name.
    pub name_en: String,
    /// Keys of the bases marked "+".
    pub bases: Vec<BasisKey>,
}

/// A service in the catalogue (`sio_core::catalogue::ServiceEntry`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct CatalogueService {
    /// Row number (Appendix 2).
    pub no: u8,
    /// Russian name as in the seed.
    pub name_ru: String,
    /// Kazakh name.
    pub name_kk: String,
    /// Whether the Kazakh name is a translation (not from the 2015 Kazakh text).
    pub name_kk_translated: bool,
    /// English name.
    pub name_en: String,
    /// Basis → mark; absent bases are not allowed.
    #[ts(type = "Partial<Record<BasisKey, AccessMark>>")]
    pub access: BTreeMap<String, AccessMark>,
}

/// The role × basis × service tables, as `sio catalogue --json` prints them (`catalogue`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct CatalogueData {
    /// The six bases in column order.
    pub bases: Vec<CatalogueBasis>,
    /// The roles.
    pub roles: Vec<CatalogueRole>,
    /// The services.
    pub services: Vec<CatalogueService>,
}

/// Everything the user fills in to make a request (`sio_core::RequestSpec` on the wire); the
/// application adds ids, user and time, and signs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct RequestDraft {
    /// The user's role (Appendix 1).
    pub role: u64,
    /// The basis of the request.
    pub basis: BasisKey,
    /// The service (Appendix 2).
    pub service: u64,
    /// The case, with the fields its basis requires.
    pub case: CaseReference,
    /// The individual or legal entity the request is about.
    pub subject: Subject,
    /// The Criminal Code article of a criminal case, where the service needs one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub article: Option<Article>,
}

/// The outcome of one diagnosis row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum DiagnosisLevel {
    /// The requirement is met.
    Pass,
    /// Needs a look.
    Warn,
    /// The requirement is not met.
    Fail,
}

/// One row of the diagnosis page (`sio_workstation::ui::UiItem`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct DiagnosisItem {
    /// Stable id; the UI looks up its title and "what to do" text by it.
    pub id: String,
    /// Outcome.
    pub level: DiagnosisLevel,
    /// What was measured, e.g. "3.4 GHz", "2 readers", "TLS 1.3". Not translated.
    pub measured: String,
    /// Failure code of the worst check, when the row is not a pass.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub code: Option<String>,
}

/// The diagnosis report for the helpdesk (`diagnose`; `sio_workstation::UiReport`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct DiagnosisReport {
    /// When the checks ran.
    pub generated_at: String,
    /// The rows.
    pub items: Vec<DiagnosisItem>,
}

#[cfg(test)]
mod tests {
    use serde::Serialize;
    use serde::de::DeserializeOwned;
    use serde_json::{Value, json};

    use super::*;

    /// `value` reads as `T` (no member unknown to `T`) and writes back unchanged.
    fn describes<T: DeserializeOwned + Serialize>(value: &Value) {
        let typed: T = serde_json::from_value(value.clone()).expect("reads as the TS type");
        assert_eq!(&serde_json::to_value(typed).unwrap(), value);
    }

    #[test]
    fn catalogue_data_describes_the_catalogue() {
        let cat = serde_json::to_value(sio_core::catalogue::Catalogue::build()).unwrap();
        describes::<CatalogueData>(&cat);
    }

    #[test]
    fn diagnosis_report_describes_the_workstation_report() {
        use sio_workstation::report::Status;
        use sio_workstation::ui::UiItem;
        let report = sio_workstation::UiReport {
            generated_at: "2026-01-01T00:00:00Z".into(),
            items: [
                (Status::Pass, None),
                (Status::Warn, Some("WS_RAM")),
                (Status::Fail, Some("WS_CPU_CLOCK")),
            ]
            .into_iter()
            .map(|(level, code)| UiItem {
                id: "cpu".into(),
                level,
                measured: "3.4 GHz".into(),
                code: code.map(str::to_owned),
            })
            .collect(),
        };
        describes::<DiagnosisReport>(&serde_json::to_value(report).unwrap());
    }

    #[test]
    fn request_draft_describes_the_request_spec() {
        let draft = json!({
            "role": 3,
            "basis": "criminal",
            "service": 1,
            "case": {"kind": "criminal_case", "erdr": "241500031000123"},
            "subject": {"kind": "individual", "id": "900101300106"},
        });
        let spec: sio_core::RequestSpec = serde_json::from_value(draft.clone()).expect("a spec");
        let spec = serde_json::to_value(spec).unwrap();
        describes::<RequestDraft>(&spec);
    }
}
