//! The gateway's refusals the client acts on, parsed ONCE from the code on the wire.
//!
//! A gateway error arrives as `{code, message}` text; [`GatewayRefusal::parse`] is the one place
//! that reads the code, and every decision of the client, the app and the command line matches
//! the variants. Codes the client only shows are [`GatewayRefusal::Other`].

use crate::error::ClientError;
use crate::requests::RequestError;

/// A refusal of the gateway the client reacts to.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum GatewayRefusal {
    /// `GW_CLOCK_SKEW`: the document's signing time is outside the gateway's window (a request
    /// that waited too long in the outbox); it may be signed again under the same id.
    ClockSkew,
    /// `GW_RESULT_NOT_READY`: the result is not there yet; ask again later.
    ResultNotReady,
    /// `GW_NO_SESSION`: no session (ended, expired, or never opened).
    NoSession,
    /// `GW_SESSION_IDLE`: the session was idle too long and is locked at the gateway.
    SessionIdle,
    /// `GW_SESSION_CERT_MISMATCH`: the call came over a channel authenticated by another card.
    SessionCertMismatch,
    /// Any other code: shown to the user, not acted on.
    Other(String),
}

impl GatewayRefusal {
    /// The refusal a wire code names.
    pub fn parse(code: &str) -> Self {
        match code {
            "GW_CLOCK_SKEW" => Self::ClockSkew,
            "GW_RESULT_NOT_READY" => Self::ResultNotReady,
            "GW_NO_SESSION" => Self::NoSession,
            "GW_SESSION_IDLE" => Self::SessionIdle,
            "GW_SESSION_CERT_MISMATCH" => Self::SessionCertMismatch,
            other => Self::Other(other.to_owned()),
        }
    }

    /// Whether the refusal is about the session, not the document: a request refused so is
    /// sent again once the session is back.
    pub fn is_about_the_session(&self) -> bool {
        matches!(
            self,
            Self::NoSession | Self::SessionIdle | Self::SessionCertMismatch
        )
    }
}

impl ClientError {
    /// The gateway's refusal, when the gateway refused the call.
    pub fn refusal(&self) -> Option<GatewayRefusal> {
        match self {
            ClientError::Gateway { body, .. } => Some(GatewayRefusal::parse(&body.code)),
            _ => None,
        }
    }
}

impl RequestError {
    /// The gateway's refusal, when the gateway refused the call.
    pub fn refusal(&self) -> Option<GatewayRefusal> {
        match self {
            RequestError::Client(e) => e.refusal(),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_the_client_acts_on_are_parsed_once() {
        assert_eq!(
            GatewayRefusal::parse("GW_CLOCK_SKEW"),
            GatewayRefusal::ClockSkew
        );
        assert_eq!(
            GatewayRefusal::parse("GW_RESULT_NOT_READY"),
            GatewayRefusal::ResultNotReady
        );
        assert!(GatewayRefusal::parse("GW_SESSION_IDLE").is_about_the_session());
        assert_eq!(
            GatewayRefusal::parse("GW_FORBIDDEN"),
            GatewayRefusal::Other("GW_FORBIDDEN".into())
        );
        assert!(!GatewayRefusal::parse("GW_FORBIDDEN").is_about_the_session());
    }
}
