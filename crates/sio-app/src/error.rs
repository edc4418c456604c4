//! The one error shape every command answers with: `{code, message, tries_left?, until?}`, the
//! code from docs/failure-codes.md.

use serde::{Deserialize, Serialize};

/// An error as the UI sees it (`ErrorInfo` in ui/src/lib/backend/index.ts).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("{message} ({code})")]
pub struct ErrorBody {
    /// Stable code (docs/failure-codes.md).
    pub code: String,
    /// For people, in English.
    pub message: String,
    /// PIN tries left, for PIN errors.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tries_left: Option<u8>,
    /// For lockouts and cool-downs: until when (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub until: Option<String>,
}

impl ErrorBody {
    /// An error with a code and a message.
    pub fn new(code: impl Into<String>, message: impl Into<String>) -> Self {
        ErrorBody {
            code: code.into(),
            message: message.into(),
            tries_left: None,
            until: None,
        }
    }
}

/// Shorthand for an error with one of this crate's codes.
pub(crate) fn app(code: &'static str, message: impl Into<String>) -> ErrorBody {
    ErrorBody::new(code, message)
}

impl From<sio_token::TokenError> for ErrorBody {
    fn from(e: sio_token::TokenError) -> Self {
        let tries_left = match &e {
            sio_token::TokenError::WrongPin { tries_left } => *tries_left,
            sio_token::TokenError::PinBlocked => Some(0),
            _ => None,
        };
        ErrorBody {
            tries_left,
            ..ErrorBody::new(e.code(), e.to_string())
        }
    }
}

impl From<sio_client::ClientError> for ErrorBody {
    fn from(e: sio_client::ClientError) -> Self {
        let until = match &e {
            sio_client::ClientError::Gateway { body, .. } => body.until.clone(),
            _ => None,
        };
        ErrorBody {
            until,
            ..ErrorBody::new(e.code(), e.to_string())
        }
    }
}

impl From<sio_client::requests::RequestError> for ErrorBody {
    fn from(e: sio_client::requests::RequestError) -> Self {
        use sio_client::requests::RequestError;
        match e {
            RequestError::Client(c) => c.into(),
            RequestError::Token(t) => t.into(),
            other => ErrorBody::new(other.code(), other.to_string()),
        }
    }
}

impl From<sio_client::hr::HrError> for ErrorBody {
    fn from(e: sio_client::hr::HrError) -> Self {
        ErrorBody::new(e.code(), e.to_string())
    }
}

impl From<sio_client::outbox::OutboxError> for ErrorBody {
    fn from(e: sio_client::outbox::OutboxError) -> Self {
        ErrorBody::new(e.code(), e.to_string())
    }
}

impl From<sio_vault::VaultError> for ErrorBody {
    fn from(e: sio_vault::VaultError) -> Self {
        ErrorBody::new(e.code(), e.to_string())
    }
}

impl From<sio_vault::KeyStoreError> for ErrorBody {
    fn from(e: sio_vault::KeyStoreError) -> Self {
        ErrorBody::new(e.code(), e.to_string())
    }
}

impl From<sio_vault::JournalError> for ErrorBody {
    fn from(e: sio_vault::JournalError) -> Self {
        ErrorBody::new(e.code(), e.to_string())
    }
}

impl From<sio_policy::PolicyError> for ErrorBody {
    fn from(e: sio_policy::PolicyError) -> Self {
        ErrorBody::new(e.code(), e.to_string())
    }
}

impl From<sio_core::CoreError> for ErrorBody {
    fn from(e: sio_core::CoreError) -> Self {
        ErrorBody::new(e.code(), e.to_string())
    }
}

impl From<sio_sign::SignError> for ErrorBody {
    fn from(e: sio_sign::SignError) -> Self {
        ErrorBody::new(e.code(), e.to_string())
    }
}
