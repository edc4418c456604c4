//! A failure of a `sio` command: a stable code (docs/failure-codes.md) and a message. Any error of
//! the workspace becomes one through [`sio_error::Coded`]; the command line's own codes are the
//! table [`CliCode`].
//!
//! The failure-code catalogue test (tests/failure_codes.rs) includes this file, so it depends on
//! nothing of the binary.

use sio_error::Coded;

/// A failure with its stable code.
#[derive(Debug)]
pub(crate) struct Failure {
    pub(crate) code: String,
    pub(crate) message: String,
}

/// Any coded error into a failure (`?` in every command): its code and its message.
impl<E: Coded> From<E> for Failure {
    fn from(e: E) -> Self {
        Failure {
            code: Coded::code(&e).to_owned(),
            message: e.to_string(),
        }
    }
}

/// A failure with a code given as its string (one of [`CliCode`]'s, or a wrapped component's).
pub(crate) fn fail(code: &str, message: impl Into<String>) -> Failure {
    Failure {
        code: code.to_owned(),
        message: message.into(),
    }
}

/// The command line's own codes (docs/failure-codes.md, "Command line").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(dead_code)] // the table is the list of codes; commands name them by string today
pub(crate) enum CliCode {
    /// An answer (PIN, code) could not be read.
    Input,
    /// The account cannot use the chosen second factor.
    FactorNotAllowed,
    /// The second factor cannot be used from the command line.
    FactorUnavailable,
    /// The request given to `sio check` is malformed.
    RequestMalformed,
    /// `sio request view`: no such result in the vault.
    ResultNotFound,
    /// An output file could not be written.
    Output,
    /// `sio fingerprint enroll`: the user has not signed the consent yet.
    ConsentRequired,
    /// `sio request send`: structural warnings not confirmed with `--confirm-warnings`.
    WarningsUnconfirmed,
    /// `sio diagnose --out`: the report could not be written.
    ReportWrite,
    /// `sio gateway …` on a `sio` built without the reference gateway (the workstation's).
    GatewayNotInstalled,
}

sio_error::coded! {
    table CliCode, default FixInput;
    Self::Input => "CLI_INPUT",
    Self::FactorNotAllowed => "CLI_FACTOR_NOT_ALLOWED" [Operator],
    Self::FactorUnavailable => "CLI_FACTOR_UNAVAILABLE",
    Self::RequestMalformed => "CLI_REQUEST_MALFORMED",
    Self::ResultNotFound => "CLI_RESULT_NOT_FOUND" [Nothing],
    Self::Output => "CLI_OUTPUT",
    Self::ConsentRequired => "CLI_CONSENT_REQUIRED" [LogIn],
    Self::WarningsUnconfirmed => "CLI_WARNINGS_UNCONFIRMED",
    Self::ReportWrite => "WS_REPORT_WRITE",
    Self::GatewayNotInstalled => "CLI_GATEWAY_NOT_INSTALLED" [Administrator],
}
