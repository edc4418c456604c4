//! Wire types shared by the client and the gateway (protocol version 1, paths under `/v1/`),
//! the canonical form of signed documents, and the generated OpenAPI 3.1 document and
//! TypeScript declarations.
//!
//! Replay protection, end to end:
//! - **login**: the gateway's nonce is single use and lives [`NONCE_TTL_SECONDS`]; the signed
//!   [`LoginDocument`] binds it together with the certificate, the key carrier and the client's
//!   clock, which must be within [`CLOCK_WINDOW_SECONDS`] of the gateway's;
//! - **requests and applications**: the client chooses the id (UUID); the same signed document
//!   sent again returns the same request, never a duplicate; another document under a known id
//!   is refused; `signed_at` must be within [`CLOCK_WINDOW_SECONDS`] of the gateway's clock;
//! - every signed document names its type and version in `doc`, so a signature made for one
//!   purpose cannot be replayed for another.

pub mod application;
pub mod auth;
pub mod canonical;
pub mod error;
pub mod face;
pub mod fingerprint;
pub mod notices;
pub mod openapi;
pub mod report;
pub mod request;
pub mod signed;
pub mod typescript;

pub use application::{
    Applicant, ApplicationAction, ApplicationDocType, ApplicationDocument, ApplicationState,
    ApplicationStatus, BlockingReason, Confirmations, Contacts, Head, OPERATOR_SIGNER_CN,
    RefusalDocType, RefusalDocument, Workplace,
};
pub use auth::{
    BiometricModality, BiometricSample, ConsentDocType, ConsentDocument, ConsentFields,
    ConsentLanguage, ConsentText, KeyCarrier, LoginChallenge, LoginDocType, LoginDocument,
    OtpCheck, OtpSent, SecondFactor, Secret, SessionInfo, SessionStage, SessionUser, StaffList,
    StaffMember,
};
pub use canonical::{CanonicalError, canonical_bytes, canonical_json};
pub use error::{ErrorBody, ProtocolError};
pub use face::{FaceChallenge, FaceProof, FaceProofDocType, FaceStep};
pub use fingerprint::{
    Finger, FingerprintChallenge, FingerprintEnrolment, FingerprintEnrolmentDocType,
    FingerprintEnrolmentDocument, FingerprintResult, FingerprintVerdictDocType,
    FingerprintVerdictDocument,
};
pub use notices::{Notices, OpenEmergency, PlannedWork};
pub use report::{JournalEntry, Report, ReportQuery, ReportRow};
pub use request::{
    Article, BasisKey, CaseReference, ExportDocType, ExportDocument, ExportReceipt, RequestDocType,
    RequestDocument, RequestList, RequestState, RequestStatus, ResultDelivery, ResultTable,
    Subject,
};
pub use signed::{Document, ReceivedSigned, Signed};

/// Protocol version, the first segment of every path.
pub const VERSION: &str = "v1";

/// How long a login nonce is valid, seconds.
pub const NONCE_TTL_SECONDS: u32 = 300;

/// Allowed difference between a signed document's client time and the gateway's clock, seconds.
pub const CLOCK_WINDOW_SECONDS: u32 = 300;

/// Largest request body the gateway accepts, bytes.
pub const MAX_BODY_BYTES: usize = 256 * 1024;

/// Paths of the endpoints.
pub mod paths {
    /// `POST`: a fresh login challenge.
    pub const LOGIN_CHALLENGE: &str = "/v1/login/challenge";
    /// `POST` `Signed<LoginDocument>`: first factor.
    pub const LOGIN: &str = "/v1/login";
    /// `POST`: send an SMS code.
    pub const LOGIN_OTP: &str = "/v1/login/otp";
    /// `POST` `OtpCheck`: check the SMS code.
    pub const LOGIN_OTP_VERIFY: &str = "/v1/login/otp/verify";
    /// `POST` `BiometricSample`.
    pub const LOGIN_BIOMETRIC: &str = "/v1/login/biometric";
    /// `POST`: a liveness challenge for the Face ID second factor.
    pub const LOGIN_FACE_CHALLENGE: &str = "/v1/login/face/challenge";
    /// `POST` `Signed<FaceProof>`: the Face ID second factor.
    pub const LOGIN_FACE: &str = "/v1/login/face";
    /// `POST`: a single-use challenge for the fingerprint second factor.
    pub const LOGIN_FINGERPRINT_CHALLENGE: &str = "/v1/login/fingerprint/challenge";
    /// `POST` `Signed<FingerprintVerdictDocument>`: the fingerprint second factor.
    pub const LOGIN_FINGERPRINT: &str = "/v1/login/fingerprint";
    /// `POST`: refused (`GW_FINGERPRINT_ENROL_FORBIDDEN`, the helpdesk enrols with `sio gateway
    /// admin enroll-fingerprint`); `GET`: the user's enrolments.
    pub const FINGERPRINT_ENROLMENTS: &str = "/v1/fingerprint/enrolments";
    /// `GET`: the session; `DELETE`: log out.
    pub const SESSION: &str = "/v1/session";
    /// `POST` `Signed<LoginDocument>` with the bearer of an idle-locked session: unlock it.
    pub const SESSION_UNLOCK: &str = "/v1/session/unlock";
    /// `GET`: consent text; `POST` `Signed<ConsentDocument>`.
    pub const CONSENT: &str = "/v1/consent";
    /// `POST` `Signed<RequestDocument>`; `GET`: own requests.
    pub const REQUESTS: &str = "/v1/requests";
    /// `GET`: status of one request (`{id}`).
    pub const REQUEST: &str = "/v1/requests/{id}";
    /// `GET`: result of one request.
    pub const REQUEST_RESULT: &str = "/v1/requests/{id}/result";
    /// `POST` `Signed<ApplicationDocument>`.
    pub const APPLICATIONS: &str = "/v1/applications";
    /// `GET`: status of an application.
    pub const APPLICATION: &str = "/v1/applications/{id}";
    /// `POST` `Signed<ExportDocument>`: a result attached to case materials.
    pub const EXPORTS: &str = "/v1/exports";
    /// `GET ?from=&to=`: the body's requests (rule 10).
    pub const REPORTS: &str = "/v1/reports";
    /// `GET`: liveness and the gateway's clock (no session needed).
    pub const HEALTH: &str = "/v1/health";
    /// `GET`: planned works and open emergencies (2015 rr.38, 43, 44); any session.
    pub const NOTICES: &str = "/v1/notices";
    /// `GET`: the staff of the HR officer's body with each one's last login and the day a block
    /// of their own account was due after two months' absence (Appendix 6 §11.2); HR only.
    pub const STAFF: &str = "/v1/staff";
}

/// Answer of `GET /v1/health`.
#[derive(
    Debug,
    Clone,
    PartialEq,
    Eq,
    serde::Serialize,
    serde::Deserialize,
    schemars::JsonSchema,
    ts_rs::TS,
)]
pub struct Health {
    /// Always `ok`.
    pub status: String,
    /// Protocol version.
    pub version: String,
    /// The gateway's clock, Astana time.
    pub gateway_time: chrono::DateTime<chrono::FixedOffset>,
}
