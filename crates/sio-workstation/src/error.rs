//! Errors of the diagnosis itself (the findings are report items, not errors).

/// What can stop the diagnosis or the start guard.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WorkstationError {
    /// A policy or profile file could not be read.
    #[error("cannot read {path}: {source}")]
    ConfigRead {
        /// The file.
        path: String,
        /// Cause.
        #[source]
        source: std::io::Error,
    },
    /// A policy or profile file is not valid.
    #[error("{path} is not valid: {detail}")]
    ConfigInvalid {
        /// The file.
        path: String,
        /// What is wrong.
        detail: String,
    },
    /// The start guard found a way to other networks and the policy says refuse.
    #[error("this workstation has access to other networks: {findings}")]
    InternetAccess {
        /// What was found.
        findings: String,
    },
}

sio_error::coded! {
    WorkstationError, default Administrator;
    Self::ConfigRead { .. } => "WS_CONFIG_READ",
    Self::ConfigInvalid { .. } => "WS_CONFIG_INVALID",
    Self::InternetAccess { .. } => "WS_INTERNET_ACCESS",
}

/// The codes of the diagnosis's findings ([`crate::Item`]): report items, not errors, but
/// catalogued (docs/failure-codes.md, workstation diagnosis) and shown with their what-to-do text.
/// The failure-code catalogue test checks every `WS_*` literal of the sources against this list.
pub const FINDINGS: &[&str] = &[
    "WS_CPU_CLOCK",
    "WS_RAM",
    "WS_DISK_FREE",
    "WS_NIC_SPEED",
    "WS_PDF",
    "WS_PROFILE_BELOW_APPENDIX_4",
    "WS_AIRGAP_POLICY",
    "WS_AIRGAP_ROUTES",
    "WS_AIRGAP_INTERFACES",
    "WS_AIRGAP_PROXY",
    "WS_AIRGAP_DNS",
    "WS_AIRGAP_PROBE",
    "WS_PCSC_SERVICE",
    "WS_PCSC_READERS",
    "WS_TOKEN_RECOGNISED",
    "WS_PKCS11_MODULES",
    "WS_TOKEN_CERTIFICATES",
    "WS_CAMERA",
    "WS_FINGERPRINT",
    "WS_BIOMETRIC_DEVICE",
    "WS_CHANNEL_TLS",
    "WS_CLOCK_SKEW",
    "WS_VERSION_APP",
    "WS_VERSION_OS",
    "WS_VERSION_PCSC",
    "WS_VERSION_OPENSC",
];

/// Every code sio-workstation can return: its error enum's, then the findings' (the failure-code
/// catalogue check).
pub const CODES: &[&[&str]] = &[<WorkstationError as sio_error::CodeList>::CODES, FINDINGS];
