//! Errors of the PKI generator.

use std::path::PathBuf;

/// Why a PKI operation failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PkiError {
    /// Reading or writing a file.
    #[error("cannot access {path}: {source}")]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// The certificate library refused.
    #[error("cannot {operation}: {detail}")]
    Certificate {
        /// What was being done.
        operation: &'static str,
        /// The library's words.
        detail: String,
    },
    /// Generating a key failed.
    #[error("cannot generate a key: {0}")]
    KeyGeneration(String),
    /// The spec is invalid (bad ИИН/БИН length, id, string type).
    #[error("invalid PKI spec: {0}")]
    InvalidSpec(String),
    /// The public key given for an external certificate is not a supported SPKI.
    #[error("the public key is not a DER or PEM SubjectPublicKeyInfo of RSA, P-256 or P-384")]
    BadPublicKey,
    /// A serial number is not hex.
    #[error("serial number {0:?} is not hex")]
    BadSerial(String),
    /// The state file `pki.json` is unreadable.
    #[error("the PKI state file is damaged: {0}")]
    State(String),
}

sio_error::coded! {
    PkiError, default FixInput;
    Self::Io { .. } => "PKI_IO",
    Self::Certificate { .. } => "PKI_CERTIFICATE" [Helpdesk],
    Self::KeyGeneration(_) => "PKI_KEYGEN" [Helpdesk],
    Self::InvalidSpec(_) => "PKI_INVALID_SPEC",
    Self::BadPublicKey => "PKI_BAD_PUBLIC_KEY",
    Self::BadSerial(_) => "PKI_BAD_SERIAL",
    Self::State(_) => "PKI_STATE",
}

/// Every code sio-pki can return, one list per error enum (the failure-code catalogue check).
pub const CODES: &[&[&str]] = &[<PkiError as sio_error::CodeList>::CODES];

impl PkiError {
    pub(crate) fn rcgen(operation: &'static str) -> impl Fn(rcgen::Error) -> Self {
        move |e| Self::Certificate {
            operation,
            detail: e.to_string(),
        }
    }
}
