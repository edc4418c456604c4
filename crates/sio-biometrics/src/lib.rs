//! Biometric second factor (Rules of 2024, rule 18; Appendix 4: a biometric reader or a webcam on
//! every workstation).
//!
//! - [`face`]: frames from a camera or, in tests, from still images and recorded sequences;
//!   face detection, quality gates and the liveness challenge; embeddings on the gateway
//!   (feature `embed`). Matching happens on the gateway.
//! - [`fingerprint`]: the OS biometric stack — fprintd over D-Bus on Linux (the Windows
//!   Biometric Framework is the Windows path).

pub mod face;
pub mod fingerprint;

// The fingerprint reader's codes (its enum is in crate::fingerprint).
sio_error::coded! {
    crate::fingerprint::FingerprintError, default CheckDevice;
    Self::NoService(_) => "BIO_FP_NO_SERVICE" [Administrator],
    Self::NoDevice(_) => "BIO_FP_NO_DEVICE",
    Self::DeviceBusy(_) => "BIO_FP_DEVICE_BUSY",
    Self::PermissionDenied(_) => "BIO_FP_PERMISSION_DENIED" [Administrator],
    Self::NotEnrolled => "BIO_FP_NOT_ENROLLED" [Operator],
    Self::NoMatch => "BIO_FP_NO_MATCH" [FixInput],
    Self::Timeout(_) => "BIO_FP_TIMEOUT" [FixInput],
    Self::Disconnected => "BIO_FP_DISCONNECTED",
    Self::EnrollFailed(_) => "BIO_FP_ENROLL_FAILED" [FixInput],
    Self::DataFull => "BIO_FP_DATA_FULL" [Helpdesk],
    Self::Duplicate => "BIO_FP_DUPLICATE" [Nothing],
    Self::BadFinger(_) => "BIO_FP_BAD_FINGER" [FixInput],
    Self::Device(_) => "BIO_FP_DEVICE_ERROR",
    Self::Protocol(_) => "BIO_FP_PROTOCOL" [Helpdesk],
    Self::AgentUnavailable(_) => "BIO_FP_AGENT_UNAVAILABLE" [Administrator],
    Self::AgentForbidden(_) => "BIO_FP_AGENT_FORBIDDEN" [Administrator],
}

/// Every code sio-biometrics can return, one list per error enum (the failure-code catalogue
/// check).
pub const CODES: &[&[&str]] = &[
    <face::FaceError as sio_error::CodeList>::CODES,
    <fingerprint::FingerprintError as sio_error::CodeList>::CODES,
];
