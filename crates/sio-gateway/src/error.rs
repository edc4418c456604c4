//! Errors of the gateway, each with a stable `GW_*` code and an HTTP status.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use sio_protocol::ErrorBody;

/// What went wrong while serving a call, or while starting the gateway.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum GwError {
    /// The body could not be decoded (malformed JSON, non-canonical numbers, bad base64).
    #[error("{0}")]
    Protocol(#[from] sio_protocol::ProtocolError),
    /// A domain rule refused the request (role × basis × service, ИИН/БИН, case fields).
    #[error("{0}")]
    Rule(#[from] sio_core::CoreError),
    /// The body is larger than the limit.
    #[error("the request body exceeds {0} bytes")]
    BodyTooLarge(usize),
    /// The body did not arrive in time.
    #[error("the request body did not arrive in time")]
    BodyTimeout,
    /// No route.
    #[error("no such endpoint")]
    NotFound,
    /// No `Authorization: Bearer` session, or an unknown, ended or expired one.
    #[error("no valid session: log in again")]
    NoSession,
    /// The session was idle for more than 15 minutes.
    #[error("the session was locked after 15 minutes without activity: log in again")]
    SessionIdle,
    /// The session belongs to another TLS client certificate.
    #[error("the session was opened over another client certificate")]
    SessionCertMismatch,
    /// A certificate of this session or connection (authentication, signing or TLS) is on the
    /// current CRL: the session is ended and its connections closed.
    #[error("the {0} certificate of this session is revoked: the session is ended")]
    CertRevoked(&'static str),
    /// A certificate of this session or connection no longer passes the check at the gateway's
    /// time (expired, not yet valid, no longer trusted, revocation status unknown).
    #[error("the {0} certificate of this session is not acceptable now: {1}")]
    SessionCertInvalid(&'static str, sio_sign::SignError),
    /// A connection over a limit: of this client certificate, of this address, or of the
    /// gateway; the message says which.
    #[error("{0}")]
    TooManyConnections(&'static str),
    /// The call needs a later stage of the session (second factor, consent).
    #[error("{0}")]
    WrongStage(&'static str),
    /// The consent has not been signed.
    #[error("sign the consent first: nothing else is allowed until it is signed")]
    ConsentRequired,
    /// Unknown, used or expired challenge.
    #[error("the login challenge is unknown, used or expired: request a new one")]
    ChallengeInvalid,
    /// The client's clock is off by more than the window.
    #[error(
        "the workstation clock differs from the gateway's by {skew_seconds} s (allowed {window} s): correct the clock"
    )]
    ClockSkew {
        /// Difference, seconds (client − gateway).
        skew_seconds: i64,
        /// Allowed difference.
        window: u32,
    },
    /// The login was signed with a key outside a protected carrier.
    #[error("login with a key file is not allowed: use the hardware token or smart card (rule 18)")]
    SoftwareCarrier,
    /// The authentication certificate does not attest a hardware carrier: none of its
    /// certificate policies is one the gateway's configuration lists for token-held keys.
    #[error(
        "the authentication certificate is not one for a key on a hardware token: log in with the smart card or token (rule 18)"
    )]
    CarrierNotHardware,
    /// The CMS does not verify, or its signer certificate is not acceptable (chain, validity,
    /// key purpose, revocation): sio-sign's `SIGN_*` code is passed through.
    #[error("signature check failed: {0}")]
    Sign(#[from] sio_sign::SignError),
    /// A certificate could not be read.
    #[error("the certificate is not acceptable: {0}")]
    BadCertificate(String),
    /// The CMS has another number of signers than the document needs.
    #[error("the document must carry {0} signature(s)")]
    SignerCount(usize),
    /// The document binds another certificate than the one that signed it or the TLS one.
    #[error("the signing certificate does not match the login: {0}")]
    CertificateMismatch(&'static str),
    /// No user with this ИИН.
    #[error("no account for this certificate: file a registration application")]
    UnknownUser,
    /// The account is blocked.
    #[error("the account is blocked")]
    AccountBlocked,
    /// The registration is not approved yet.
    #[error("the registration has not been approved yet")]
    AccountPending,
    /// Too many failed attempts.
    #[error("too many failed attempts: the account is locked until {}", sio_core::time::format_astana(*.0))]
    AccountLocked(DateTime<Utc>),
    /// The factor is not available for this account or not implemented.
    #[error("this second factor is not available")]
    FactorUnavailable,
    /// No SMS code is pending.
    #[error("no SMS code is pending: request one")]
    OtpMissing,
    /// Wrong code.
    #[error("the SMS code is wrong ({tries_left} tries left)")]
    OtpWrong {
        /// Tries left on this code.
        tries_left: u32,
    },
    /// Code expired or voided.
    #[error("the SMS code has expired or was voided: request a new one")]
    OtpExpired,
    /// A new code was requested too soon.
    #[error("wait before requesting another SMS code")]
    OtpCooldown(DateTime<Utc>),
    /// The consent document does not match the current text or user.
    #[error("the consent document does not match: {0}")]
    ConsentMismatch(&'static str),
    /// The signed document names another user.
    #[error("the document is signed by another user than the one it names")]
    SignerMismatch,
    /// The case is not in the user's proceedings (rule 5).
    #[error("the case is not in your proceedings (rule 5)")]
    CaseNotAssigned,
    /// The role in the document is not the user's role.
    #[error("the role in the request is not your role")]
    RoleMismatch,
    /// The user may not send requests (no role).
    #[error("your account may not send requests")]
    NoRequestRights,
    /// A request id is reused for another document.
    #[error("this request id is already used by another request")]
    RequestIdConflict,
    /// No such request (or not the caller's).
    #[error("no such request")]
    RequestNotFound,
    /// The result is not ready yet.
    #[error("the result is not ready yet")]
    ResultNotReady,
    /// An export notice is incomplete or refers to an undelivered result.
    #[error("the export notice is invalid: {0}")]
    ExportInvalid(&'static str),
    /// No rights for reports.
    #[error("reports access is granted by the operator on a motivated letter (rule 10)")]
    NoReportRights,
    /// Bad report period.
    #[error("the report period is invalid: {0}")]
    BadPeriod(&'static str),
    /// No HR rights.
    #[error("your account may not file HR applications")]
    NoHrRights,
    /// An application is incomplete or inconsistent.
    #[error("the application is invalid: {0}")]
    ApplicationInvalid(String),
    /// Missing head or applicant signature.
    #[error(
        "the application needs the signatures of the applicant (or responsible official) and of the head: {0}"
    )]
    ApplicationSignatures(&'static str),
    /// No such application.
    #[error("no such application")]
    ApplicationNotFound,
    /// The person is not staff of the filer's body by the gateway's records, or the document
    /// names another body than the records (HR acts on its own body only).
    #[error("the application concerns another body: {0}")]
    ApplicationOtherBody(&'static str),
    /// The co-signer is not marked by the operator as a head of the body concerned.
    #[error(
        "the co-signer is not registered as a head of this body: the operator marks heads (sio gateway admin head)"
    )]
    HeadNotRegistered,
    /// The operator asked to unblock an account that is not blocked.
    #[error("the account is not blocked")]
    AccountNotBlocked,
    /// Storage failure.
    #[error("storage failure during {op}: {source}")]
    Db {
        /// What was being done.
        op: &'static str,
        /// The SQLite error.
        source: rusqlite::Error,
    },
    /// The Face ID factor was refused (`GW_FACE_*`).
    #[error("{0}")]
    Face(crate::face::FaceRefused),
    /// The fingerprint factor or an enrolment was refused (`GW_FINGERPRINT_*`).
    #[error("{0}")]
    Fingerprint(crate::fingerprint::FingerprintRefused),
    /// An operator's command (`sio gateway admin …`) has an invalid argument: the message names
    /// the argument and what it must be. Nothing was changed.
    #[error("the operator's command has an invalid argument: {0}")]
    AdminInput(String),
    /// An emergency journal entry of a delay of one hour or less (2015 rr.41–42: the journal
    /// records delays of more than one hour); the delay in minutes. Nothing was recorded.
    #[error(
        "a delay of {0} minutes is not an emergency of the journal (more than one hour, 2015 rr.41–42); record it with --ongoing while it goes on"
    )]
    EmergencyUnderHour(i64),
    /// Configuration or start-up failure.
    #[error("cannot start the gateway: {0}")]
    Config(String),
    /// Internal failure (no details to the client).
    #[error("internal error")]
    Internal(String),
}

sio_error::coded! {
    GwError, default Helpdesk, extras {
        fn until(&self) -> Option<String> {
            match self {
                Self::AccountLocked(until) | Self::OtpCooldown(until) => {
                    Some(crate::clock::astana(*until).to_rfc3339())
                }
                _ => None,
            }
        }
    };
    Self::Protocol(e) => e.code(),
    Self::Rule(e) => e.code(),
    Self::BodyTooLarge(_) => "GW_BODY_TOO_LARGE" [FixInput],
    Self::BodyTimeout => "GW_BODY_TIMEOUT" [RetryLater],
    Self::NotFound => "GW_NOT_FOUND",
    Self::NoSession => "GW_NO_SESSION" [LogIn],
    Self::SessionIdle => "GW_SESSION_IDLE" [LogIn],
    Self::SessionCertMismatch => "GW_SESSION_CERT_MISMATCH" [LogIn],
    Self::CertRevoked(_) => "GW_CERT_REVOKED" [IssuingOffice],
    Self::SessionCertInvalid(..) => "GW_SESSION_CERT_INVALID" [IssuingOffice],
    Self::TooManyConnections(_) => "GW_TOO_MANY_CONNECTIONS" [RetryLater],
    Self::WrongStage(_) => "GW_WRONG_STAGE" [LogIn],
    Self::ConsentRequired => "GW_CONSENT_REQUIRED" [LogIn],
    Self::ChallengeInvalid => "GW_CHALLENGE_INVALID" [LogIn],
    Self::ClockSkew { .. } => "GW_CLOCK_SKEW" [FixClock],
    Self::SoftwareCarrier => "GW_SOFTWARE_CARRIER" [CheckDevice],
    Self::CarrierNotHardware => "GW_CARRIER_NOT_HARDWARE" [CheckDevice],
    Self::Sign(e) => e.code(),
    Self::BadCertificate(_) => "GW_BAD_CERTIFICATE" [IssuingOffice],
    Self::SignerCount(_) => "GW_SIGNER_COUNT",
    Self::CertificateMismatch(_) => "GW_CERT_MISMATCH" [CheckDevice],
    Self::UnknownUser => "GW_UNKNOWN_USER" [Operator],
    Self::AccountBlocked => "GW_ACCOUNT_BLOCKED" [Operator],
    Self::AccountPending => "GW_ACCOUNT_PENDING" [Operator],
    Self::AccountLocked(_) => "GW_ACCOUNT_LOCKED" [Wait],
    Self::FactorUnavailable => "GW_FACTOR_UNAVAILABLE" [Operator],
    Self::OtpMissing => "GW_OTP_MISSING" [FixInput],
    Self::OtpWrong { .. } => "GW_OTP_WRONG" [FixInput],
    Self::OtpExpired => "GW_OTP_EXPIRED" [FixInput],
    Self::OtpCooldown(_) => "GW_OTP_COOLDOWN" [Wait],
    Self::ConsentMismatch(_) => "GW_CONSENT_MISMATCH" [LogIn],
    Self::SignerMismatch => "GW_SIGNER_MISMATCH" [CheckDevice],
    Self::CaseNotAssigned => "GW_CASE_NOT_ASSIGNED" [FixInput],
    Self::RoleMismatch => "GW_ROLE_MISMATCH" [Operator],
    Self::NoRequestRights => "GW_NO_REQUEST_RIGHTS" [Operator],
    Self::RequestIdConflict => "GW_REQUEST_ID_CONFLICT",
    Self::RequestNotFound => "GW_REQUEST_NOT_FOUND" [Nothing],
    Self::ResultNotReady => "GW_RESULT_NOT_READY" [Wait],
    Self::ExportInvalid(_) => "GW_EXPORT_INVALID" [FixInput],
    Self::NoReportRights => "GW_NO_REPORT_RIGHTS" [Operator],
    Self::BadPeriod(_) => "GW_BAD_PERIOD" [FixInput],
    Self::NoHrRights => "GW_NO_HR_RIGHTS" [Operator],
    Self::ApplicationInvalid(_) => "GW_APPLICATION_INVALID" [FixInput],
    Self::ApplicationSignatures(_) => "GW_APPLICATION_SIGNATURES" [FixInput],
    Self::ApplicationNotFound => "GW_APPLICATION_NOT_FOUND" [Nothing],
    Self::ApplicationOtherBody(_) => "GW_APPLICATION_OTHER_BODY" [FixInput],
    Self::HeadNotRegistered => "GW_HEAD_NOT_REGISTERED" [Operator],
    Self::AccountNotBlocked => "GW_ACCOUNT_NOT_BLOCKED" [Nothing],
    Self::Face(e) => e.code(),
    Self::Fingerprint(e) => e.code(),
    Self::Db { .. } => "GW_STORAGE",
    Self::AdminInput(_) => "GW_ADMIN_INPUT" [FixInput],
    Self::EmergencyUnderHour(_) => "GW_EMERGENCY_UNDER_HOUR" [FixInput],
    Self::Config(_) => "GW_CONFIG" [Operator],
    Self::Internal(_) => "GW_INTERNAL",
}

sio_error::coded! {
    crate::face::FaceRefused, default FixInput;
    Self::NotEnrolled => "GW_FACE_NOT_ENROLLED" [Operator],
    Self::ChallengeInvalid => "GW_FACE_CHALLENGE_INVALID",
    Self::Sample(_) => "GW_FACE_SAMPLE_BAD",
    Self::Liveness(_) => "GW_FACE_LIVENESS",
    Self::NoMatch => "GW_FACE_NO_MATCH",
}

sio_error::coded! {
    crate::fingerprint::FingerprintRefused, default FixInput;
    Self::NotEnrolled => "GW_FINGERPRINT_NOT_ENROLLED" [Operator],
    Self::NotWorkstation => "GW_FINGERPRINT_NOT_WORKSTATION" [Operator],
    Self::EnrolForbidden => "GW_FINGERPRINT_ENROL_FORBIDDEN" [Operator],
    Self::ChallengeInvalid => "GW_FINGERPRINT_CHALLENGE_INVALID",
    Self::Invalid(_) => "GW_FINGERPRINT_INVALID" [Helpdesk],
    Self::WorkstationUntrusted(_) => "GW_FINGERPRINT_WORKSTATION_UNTRUSTED" [Operator],
    Self::NoMatch { .. } => "GW_FINGERPRINT_NO_MATCH",
}

sio_error::coded! {
    crate::backup::BackupError, default Administrator;
    Self::Io { .. } => "GW_BACKUP_IO",
    Self::NoDatabase(_) => "GW_BACKUP_NO_DATABASE" [FixInput],
    Self::NotGatewayDb { .. } => "GW_RESTORE_NOT_GATEWAY_DB" [FixInput],
    Self::SchemaVersion { .. } => "GW_RESTORE_SCHEMA_VERSION",
    Self::SchemaMismatch { .. } => "GW_RESTORE_SCHEMA_MISMATCH",
}

/// Every code the gateway's own errors can return, one list per error enum (the failure-code
/// catalogue check). Wrapped errors (`CORE_*`, `PROTO_*`, `SIGN_*`) are in their crates' lists.
pub const CODES: &[&[&str]] = &[
    <GwError as sio_error::CodeList>::CODES,
    <crate::face::FaceRefused as sio_error::CodeList>::CODES,
    <crate::fingerprint::FingerprintRefused as sio_error::CodeList>::CODES,
    <crate::backup::BackupError as sio_error::CodeList>::CODES,
];

impl GwError {
    /// HTTP status of the error.
    pub fn status(&self) -> StatusCode {
        match self {
            Self::Protocol(_) | Self::Rule(_) | Self::BadPeriod(_) => StatusCode::BAD_REQUEST,
            Self::Face(e) => e.status(),
            Self::Fingerprint(e) => e.status(),
            Self::ApplicationInvalid(_)
            | Self::ClockSkew { .. }
            | Self::ExportInvalid(_)
            | Self::AdminInput(_)
            | Self::EmergencyUnderHour(_) => StatusCode::BAD_REQUEST,
            Self::BodyTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            Self::BodyTimeout => StatusCode::REQUEST_TIMEOUT,
            Self::NotFound | Self::RequestNotFound | Self::ApplicationNotFound => {
                StatusCode::NOT_FOUND
            }
            Self::NoSession
            | Self::SessionIdle
            | Self::SessionCertMismatch
            | Self::CertRevoked(_)
            | Self::SessionCertInvalid(..) => StatusCode::UNAUTHORIZED,
            Self::TooManyConnections(_) => StatusCode::TOO_MANY_REQUESTS,
            Self::ChallengeInvalid
            | Self::SoftwareCarrier
            | Self::CarrierNotHardware
            | Self::Sign(_)
            | Self::BadCertificate(_)
            | Self::SignerCount(_)
            | Self::CertificateMismatch(_)
            | Self::UnknownUser
            | Self::OtpMissing
            | Self::OtpWrong { .. }
            | Self::OtpExpired
            | Self::SignerMismatch
            | Self::ApplicationSignatures(_) => StatusCode::UNAUTHORIZED,
            Self::AccountBlocked
            | Self::AccountPending
            | Self::WrongStage(_)
            | Self::ConsentRequired
            | Self::CaseNotAssigned
            | Self::RoleMismatch
            | Self::NoRequestRights
            | Self::NoReportRights
            | Self::NoHrRights
            | Self::ApplicationOtherBody(_)
            | Self::HeadNotRegistered
            | Self::ConsentMismatch(_)
            | Self::FactorUnavailable => StatusCode::FORBIDDEN,
            Self::AccountLocked(_) | Self::OtpCooldown(_) => StatusCode::TOO_MANY_REQUESTS,
            Self::RequestIdConflict | Self::ResultNotReady | Self::AccountNotBlocked => {
                StatusCode::CONFLICT
            }
            Self::Db { .. } | Self::Config(_) | Self::Internal(_) => {
                StatusCode::INTERNAL_SERVER_ERROR
            }
        }
    }

    /// The body sent to the client.
    pub fn body(&self) -> ErrorBody {
        let message = match self {
            Self::Db { .. } | Self::Internal(_) => {
                "internal error; the operator has the details".to_string()
            }
            other => other.to_string(),
        };
        // Code and `until` through the one conversion of any coded error (sio_error::Summary).
        ErrorBody::of(self, message)
    }

    pub(crate) fn db(op: &'static str) -> impl FnOnce(rusqlite::Error) -> GwError {
        move |source| GwError::Db { op, source }
    }
}

/// The code of a failed call, left in the response for the access journal.
#[derive(Debug, Clone)]
pub(crate) struct OutcomeCode(pub(crate) &'static str);

impl IntoResponse for GwError {
    fn into_response(self) -> Response {
        if matches!(self, Self::Db { .. } | Self::Internal(_)) {
            tracing::error!(code = self.code(), error = %self, "call failed");
        }
        let mut resp = (self.status(), axum::Json(self.body())).into_response();
        resp.extensions_mut().insert(OutcomeCode(self.code()));
        resp
    }
}
