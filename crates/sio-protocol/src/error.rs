//! The error body every endpoint returns on failure, and the protocol's own errors.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// The body of every non-2xx response: a stable machine code and a human message.
///
/// The UI matches on `code` only (see docs/failure-codes.md); `message` is for people.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema, TS)]
pub struct ErrorBody {
    /// Stable machine code, e.g. `GW_ACCOUNT_LOCKED`.
    pub code: String,
    /// Human-readable explanation in English.
    pub message: String,
    /// For lockouts and cool-downs: until when (gateway time, Astana, RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub until: Option<String>,
}

impl ErrorBody {
    /// The body of a coded error: its code and, for lockouts and cool-downs, `until` (from the
    /// error or the coded error it wraps, [`sio_error::Summary`]); `message` is what people read
    /// (the caller decides how much of the error to tell).
    pub fn of<E: sio_error::Coded + ?Sized>(e: &E, message: impl Into<String>) -> Self {
        let summary = sio_error::Summary::of(e);
        Self {
            code: summary.code.to_owned(),
            message: message.into(),
            until: summary.until,
        }
    }

    /// A body with a code and a message.
    pub fn new(code: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            code: code.into(),
            message: message.into(),
            until: None,
        }
    }
}

/// Errors decoding a protocol message (before any gateway rule is applied).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ProtocolError {
    /// The body is not JSON, or not the JSON this endpoint expects.
    #[error("malformed message: {0}")]
    MalformedJson(String),
    /// A signed document has no canonical form.
    #[error(transparent)]
    Canonical(#[from] crate::canonical::CanonicalError),
    /// The `cms` member is not valid base64.
    #[error("the CMS signature is not valid base64")]
    BadBase64,
    /// The document's `doc` member names a different document type or version.
    #[error("expected a document of type {expected}")]
    WrongDocumentType {
        /// The type the endpoint accepts.
        expected: &'static str,
    },
}

sio_error::coded! {
    ProtocolError, default FixInput;
    Self::MalformedJson(_) => "PROTO_MALFORMED_JSON",
    Self::Canonical(e) => e.code(),
    Self::BadBase64 => "PROTO_BAD_BASE64",
    Self::WrongDocumentType { .. } => "PROTO_WRONG_DOCUMENT_TYPE",
}

sio_error::coded! {
    crate::canonical::CanonicalError, default FixInput;
    Self::NonIntegerNumber(_) => "PROTO_NON_INTEGER_NUMBER",
    Self::NotJson(_) => "PROTO_MALFORMED_JSON",
}

/// Every code sio-protocol's errors can return, one list per error enum (the failure-code
/// catalogue check).
pub const CODES: &[&[&str]] = &[
    <ProtocolError as sio_error::CodeList>::CODES,
    <crate::canonical::CanonicalError as sio_error::CodeList>::CODES,
];
