//! The shapes the UI's contract names (ui/src/lib/backend/index.ts) that are not wire types of
//! `sio-protocol`. Field names are the UI's.

use serde::{Deserialize, Serialize};
use sio_protocol::{ApplicationStatus, RequestDocument};

use crate::error::ErrorBody;

/// A PC/SC reader (`ReaderInfo`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReaderInfo {
    /// Reader name as PC/SC reports it.
    pub name: String,
    /// Whether a card is in the reader.
    pub card_present: bool,
    /// Label of the token, when one is present and known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_label: Option<String>,
}

/// What a key on the token is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CertUsage {
    /// Login (PIV slot 9A).
    Auth,
    /// Documents (PIV slot 9C).
    Sign,
}

/// A certificate on a token (`CertificateInfo`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CertificateInfo {
    /// `9a` (authentication) or `9c` (signing).
    pub id: String,
    /// Subject common name.
    pub subject: String,
    /// ИИН from the subject's serial number.
    pub iin: String,
    /// Organisation, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PinStatus {
    /// Tries left before the PIN blocks.
    pub tries_left: u8,
    /// Whether the PIN is blocked.
    pub blocked: bool,
}

/// The document exactly as it will be signed (`RequestPreview`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RequestPreview {
    /// The document.
    pub document: RequestDocument,
    /// Its canonical bytes as UTF-8: what the signature covers.
    pub canonical: String,
}

/// Where a request stands (`OutboxStatus`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
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
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutboxItem {
    /// The request id.
    pub request_id: String,
    /// Service number.
    pub service: u8,
    /// Basis key.
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
    pub error: Option<ErrorBody>,
    /// Waiting more than one hour: the incident notice to the operator, to send or print
    /// (2015 rr.38–44).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delay_notice: Option<String>,
}

/// Proof that the local copy of a result is gone (`ShredReport`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShredReport {
    /// The request.
    pub request_id: String,
    /// Whether the ciphertext and its key were destroyed (or no local copy existed).
    pub shredded: bool,
    /// When.
    pub at: String,
}

/// Receipt of an export to case materials (`ExportReceipt`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApplicationItem {
    /// The gateway's status.
    #[serde(flatten)]
    pub status: ApplicationStatus,
    /// The applicant's name.
    pub applicant_name: String,
    /// When the order was signed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order_signed_at: Option<String>,
}

/// A service allowed for role × basis (`AllowedServiceInfo`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AllowedServiceInfo {
    /// Service number.
    pub service: u64,
    /// `full`, `truncated` or `articles`.
    pub mark: String,
}

/// A form of case reference and its fields (`CaseFormInfo`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseFormInfo {
    /// The form (`criminal_case`, …).
    pub form: String,
    /// Its fields in display order.
    pub fields: Vec<String>,
}

/// Languages of the interface.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Settings {
    /// Language of the interface.
    pub language: Language,
}

/// Versions for the About screen (`AboutInfo`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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
    pub gateway: Option<String>,
}

/// The second signature of an HR application: another person's token in another reader, and
/// its PIN (the head's; the applicant's when the user is the head).
#[derive(Debug, Deserialize)]
pub struct Cosigner {
    /// The reader holding the second signer's token.
    pub reader: String,
    /// That token's PIN, for this one signature.
    pub pin: sio_protocol::Secret,
}

/// Why a session is locked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LockReason {
    /// Idle past the policy's minutes.
    Idle,
    /// The card left the reader.
    CardRemoved,
    /// The card forgot the verified PIN (reset by another program): the PIN unlocks.
    CardReset,
    /// The user asked.
    User,
}

/// Insertion or removal of a card (event `card`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CardEvent {
    /// `inserted` or `removed`.
    pub kind: CardEventKind,
    /// The reader.
    pub reader: String,
}

/// Kind of [`CardEvent`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CardEventKind {
    /// A card was inserted.
    Inserted,
    /// A card was removed.
    Removed,
}

/// Session state change (event `session`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
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
