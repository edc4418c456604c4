//! The one error shape every command answers with: `{code, message, tries_left?, until?,
//! remedy?}`, the code from docs/failure-codes.md.
//!
//! Any error of the workspace becomes an [`ErrorBody`] through ONE conversion: it is
//! [`sio_error::Coded`], and [`ErrorBody::of`] (also `From`, so `?` works) takes its code, its
//! what-to-do class and the typed extras (PIN tries left, lockout end) from it and the errors it
//! wraps ([`sio_error::Summary`]). The app's own codes are the table [`AppCode`].

use serde::{Deserialize, Serialize};
use sio_error::{Coded, Remedy, Summary};

/// An error as the UI sees it (`ErrorInfo` in ui/src/lib/backend/index.ts).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error, ts_rs::TS)]
#[error("{message} ({code})")]
#[ts(rename = "ErrorInfo", optional_fields)]
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
    /// What to do, as a coarse class ([`Remedy::key`], e.g. `retry_pin`). The UI's localized
    /// text is looked up by `code` first (`errors.<CODE>`); the class is the fallback for a code
    /// without a text of its own.
    #[serde(default, skip_serializing_if = "Option::is_none", with = "remedy_key")]
    #[ts(as = "Option<String>")]
    pub remedy: Option<Remedy>,
    /// What the failure says about the session's card (typed, for the app's own decisions; not
    /// sent to the UI).
    #[serde(skip)]
    #[ts(skip)]
    pub card: Option<sio_error::CardState>,
}

impl ErrorBody {
    /// An error with a code and a message (no what-to-do class: prefer [`ErrorBody::of`] or
    /// [`ErrorBody::app`]).
    pub fn new(code: impl Into<String>, message: impl Into<String>) -> Self {
        ErrorBody {
            code: code.into(),
            message: message.into(),
            tries_left: None,
            until: None,
            remedy: None,
            card: None,
        }
    }

    /// The one conversion of any coded error: its code, its what-to-do class, its message, and
    /// the typed extras of it or of the errors it wraps (PIN tries left, lockout end).
    pub fn of<E: Coded + ?Sized>(e: &E) -> Self {
        let s = Summary::of(e);
        ErrorBody {
            code: s.code.to_owned(),
            message: e.to_string(),
            tries_left: s.tries_left,
            until: s.until,
            remedy: Some(s.remedy),
            card: s.card,
        }
    }

    /// An error with one of the app's own codes.
    pub fn app(code: AppCode, message: impl Into<String>) -> Self {
        ErrorBody {
            remedy: Some(code.remedy()),
            ..ErrorBody::new(code.code(), message)
        }
    }
}

/// Any coded error into the body (`?` in every command). A blanket impl: `ErrorBody` itself is
/// not [`Coded`], and no other `From` impl may be added for it (coherence) — wrap other errors
/// in a coded enum, or use [`ErrorBody::app`].
impl<E: Coded> From<E> for ErrorBody {
    fn from(e: E) -> Self {
        ErrorBody::of(&e)
    }
}

/// The app's own codes (`APP_*`, docs/failure-codes.md "Desktop application").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum AppCode {
    /// The action needs a session and nobody is logged in.
    NotLoggedIn,
    /// The session is locked.
    SessionLocked,
    /// The second factor or the consent is still due.
    LoginIncomplete,
    /// This login step is not due now.
    WrongStage,
    /// The chosen certificate is not the authentication certificate.
    CertNotForLogin,
    /// The token in the reader is not the session's.
    OtherToken,
    /// The request form is incomplete or malformed.
    DraftInvalid,
    /// The request has structural warnings the user has not confirmed.
    WarningsUnconfirmed,
    /// The consent text changed since it was shown.
    ConsentChanged,
    /// The HR application form is incomplete or malformed.
    ApplicationInvalid,
    /// The HR application needs a second signature.
    CosignatureRequired,
    /// The second signer's reader holds the user's own card.
    CosignerSameToken,
    /// The second signer's token belongs to someone else.
    CosignerWrongPerson,
    /// The second signer's token left its reader.
    CosignerRemoved,
    /// The policy allows no export directory.
    ExportDisabled,
    /// The result was viewed and crypto-erased.
    ResultShredded,
    /// The result must be open to be attached.
    ResultNotOpen,
    /// The data directory cannot be created or written.
    DataDir,
    /// The diagnosis file could not be written.
    DiagnosisNotSaved,
    /// The interface sent malformed arguments.
    BadArguments,
    /// The interface asked for an unknown command.
    UnknownCommand,
    /// An unexpected failure inside the application.
    Internal,
}

sio_error::coded! {
    table AppCode, default Helpdesk;
    Self::NotLoggedIn => "APP_NOT_LOGGED_IN" [LogIn],
    Self::SessionLocked => "APP_SESSION_LOCKED" [LogIn],
    Self::LoginIncomplete => "APP_LOGIN_INCOMPLETE" [LogIn],
    Self::WrongStage => "APP_WRONG_STAGE" [LogIn],
    Self::CertNotForLogin => "APP_CERT_NOT_FOR_LOGIN" [CheckDevice],
    Self::OtherToken => "APP_OTHER_TOKEN" [CheckDevice],
    Self::DraftInvalid => "APP_DRAFT_INVALID" [FixInput],
    Self::WarningsUnconfirmed => "APP_WARNINGS_UNCONFIRMED" [FixInput],
    Self::ConsentChanged => "APP_CONSENT_CHANGED" [LogIn],
    Self::ApplicationInvalid => "APP_APPLICATION_INVALID" [FixInput],
    Self::CosignatureRequired => "APP_COSIGNATURE_REQUIRED" [CheckDevice],
    Self::CosignerSameToken => "APP_COSIGNER_SAME_TOKEN" [CheckDevice],
    Self::CosignerWrongPerson => "APP_COSIGNER_WRONG_PERSON" [CheckDevice],
    Self::CosignerRemoved => "APP_COSIGNER_REMOVED" [CheckDevice],
    Self::ExportDisabled => "APP_EXPORT_DISABLED" [Administrator],
    Self::ResultShredded => "APP_RESULT_SHREDDED" [Nothing],
    Self::ResultNotOpen => "APP_RESULT_NOT_OPEN" [FixInput],
    Self::DataDir => "APP_DATA_DIR" [Administrator],
    Self::DiagnosisNotSaved => "APP_DIAGNOSIS_NOT_SAVED" [Administrator],
    Self::BadArguments => "APP_BAD_ARGUMENTS",
    Self::UnknownCommand => "APP_UNKNOWN_COMMAND",
    Self::Internal => "APP_INTERNAL",
}

impl AppCode {
    /// Every code of the table, in table order.
    pub const ALL: &'static [AppCode] = &[
        AppCode::NotLoggedIn,
        AppCode::SessionLocked,
        AppCode::LoginIncomplete,
        AppCode::WrongStage,
        AppCode::CertNotForLogin,
        AppCode::OtherToken,
        AppCode::DraftInvalid,
        AppCode::WarningsUnconfirmed,
        AppCode::ConsentChanged,
        AppCode::ApplicationInvalid,
        AppCode::CosignatureRequired,
        AppCode::CosignerSameToken,
        AppCode::CosignerWrongPerson,
        AppCode::CosignerRemoved,
        AppCode::ExportDisabled,
        AppCode::ResultShredded,
        AppCode::ResultNotOpen,
        AppCode::DataDir,
        AppCode::DiagnosisNotSaved,
        AppCode::BadArguments,
        AppCode::UnknownCommand,
        AppCode::Internal,
    ];
}

/// Every code of sio-app's own table (the failure-code catalogue check).
pub const CODES: &[&[&str]] = &[<AppCode as sio_error::CodeList>::CODES];

/// Shorthand for an error with one of this crate's codes, given as its string (`APP_*`); the
/// what-to-do class comes from [`AppCode`]'s table. Prefer [`ErrorBody::app`].
pub(crate) fn app(code: &'static str, message: impl Into<String>) -> ErrorBody {
    match AppCode::ALL.iter().find(|c| c.code() == code) {
        Some(c) => ErrorBody::app(*c, message),
        None => ErrorBody::new(code, message),
    }
}

/// `remedy` on the wire: its `snake_case` key; a key this version does not know reads as none.
mod remedy_key {
    use serde::{Deserialize, Deserializer, Serializer};
    use sio_error::Remedy;

    pub(super) fn serialize<S: Serializer>(r: &Option<Remedy>, s: S) -> Result<S::Ok, S::Error> {
        match r {
            Some(r) => s.serialize_str(r.key()),
            None => s.serialize_none(),
        }
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Remedy>, D::Error> {
        Ok(Option::<String>::deserialize(d)?.and_then(|k| Remedy::from_key(&k)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sio_error::CodeList;

    #[test]
    fn the_app_table_lists_every_code_once_in_order() {
        let listed: Vec<&str> = AppCode::ALL.iter().map(|c| c.code()).collect();
        assert_eq!(listed, <AppCode as CodeList>::CODES);
        assert_eq!(app("APP_NOT_LOGGED_IN", "x").remedy, Some(Remedy::LogIn));
    }

    #[test]
    fn a_pin_error_carries_its_tries_and_class_through_wrappers() {
        let wrong = sio_token::TokenError::WrongPin {
            tries_left: Some(2),
        };
        let body = ErrorBody::from(sio_client::ClientError::Token(wrong));
        assert_eq!(body.code, "TOKEN_WRONG_PIN");
        assert_eq!(body.tries_left, Some(2));
        assert_eq!(body.remedy, Some(Remedy::RetryPin));
        let blocked = ErrorBody::from(sio_client::requests::RequestError::Token(
            sio_token::TokenError::PinBlocked,
        ));
        assert_eq!(
            (blocked.tries_left, blocked.remedy),
            (Some(0), Some(Remedy::IssuingOffice))
        );
    }

    #[test]
    fn a_gateway_lockout_carries_until_and_the_wire_shape_is_stable() {
        let mut refused = sio_protocol::ErrorBody::new("GW_ACCOUNT_LOCKED", "locked");
        refused.until = Some("2026-12-05T18:00:00+05:00".to_owned());
        let body = ErrorBody::from(sio_client::ClientError::Gateway {
            status: 429,
            body: refused,
        });
        assert_eq!(body.until.as_deref(), Some("2026-12-05T18:00:00+05:00"));
        assert_eq!(body.remedy, Some(Remedy::Wait));
        let json = serde_json::to_value(&body).unwrap_or_default();
        assert_eq!(json["remedy"], "wait");
        assert_eq!(json["code"], "GW_ACCOUNT_LOCKED");
        let back: ErrorBody =
            serde_json::from_value(json).unwrap_or_else(|_| ErrorBody::new("", ""));
        assert_eq!(back, body);
        // An older or newer peer: no remedy, or one this version does not know.
        let old: ErrorBody =
            serde_json::from_str(r#"{"code":"X_Y","message":"m","remedy":"new_kind"}"#)
                .unwrap_or_else(|_| ErrorBody::new("", ""));
        assert_eq!((old.code.as_str(), old.remedy), ("X_Y", None));
    }
}
