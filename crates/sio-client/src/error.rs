//! Errors of the protected channel, each with a stable code (docs/failure-codes.md).

use sio_protocol::ErrorBody;
use thiserror::Error;

/// Why a call over the protected channel failed.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum ClientError {
    /// The administrator's policy is missing or invalid.
    #[error(transparent)]
    Policy(#[from] sio_policy::PolicyError),
    /// The pinned CA file holds no usable certificate.
    #[error("the pinned gateway CA is not usable: {0}")]
    CaInvalid(String),
    /// The client certificate or key for mutual TLS is not usable.
    #[error("the client certificate for the protected channel is not usable: {0}")]
    IdentityInvalid(String),
    /// The gateway could not be reached (no route, refused, DNS).
    #[error("the gateway cannot be reached: {0}")]
    Unreachable(String),
    /// The TLS handshake failed: the gateway's certificate is not from the pinned CA, or the
    /// gateway refused our certificate.
    #[error("the protected channel could not be established (TLS): {0}")]
    Tls(String),
    /// No answer in time.
    #[error("the gateway did not answer in time")]
    Timeout,
    /// The gateway answered with a redirect; the channel never follows one.
    #[error("the gateway answered with a redirect, which the protected channel refuses")]
    Redirect,
    /// The gateway's answer is not what the protocol says.
    #[error("the gateway's answer is not understood: {0}")]
    BadResponse(String),
    /// This computer's clock differs from the gateway's by more than the signing window.
    #[error(
        "this computer's clock is {seconds} s off the gateway's; correct the time before logging in"
    )]
    ClockSkew {
        /// Client minus gateway, seconds.
        seconds: i64,
    },
    /// A document could not be put into its canonical form for signing.
    #[error("the document has no canonical form: {0}")]
    Canonical(String),
    /// Building or checking a signature failed.
    #[error(transparent)]
    Sign(#[from] sio_sign::SignError),
    /// The workstation's fingerprint reader or its OS stack failed (`BIO_FP_*`).
    #[error(transparent)]
    Fingerprint(#[from] sio_biometrics::fingerprint::FingerprintError),
    /// The camera, face detection, quality gates or liveness failed on the workstation (`BIO_*`).
    #[error(transparent)]
    Face(sio_biometrics::face::FaceError),
    /// The gateway refused the call, with its own code.
    #[error("{}", .body.message)]
    Gateway {
        /// HTTP status.
        status: u16,
        /// The gateway's `{code, message}`.
        body: ErrorBody,
    },
}

impl ClientError {
    /// The stable code: the gateway's own code for refusals, `CLIENT_*` for channel failures.
    pub fn code(&self) -> &str {
        match self {
            ClientError::Policy(e) => e.code(),
            ClientError::CaInvalid(_) => "CLIENT_CA_INVALID",
            ClientError::IdentityInvalid(_) => "CLIENT_IDENTITY_INVALID",
            ClientError::Unreachable(_) => "CLIENT_UNREACHABLE",
            ClientError::Tls(_) => "CLIENT_TLS",
            ClientError::Timeout => "CLIENT_TIMEOUT",
            ClientError::Redirect => "CLIENT_REDIRECT_REFUSED",
            ClientError::BadResponse(_) => "CLIENT_BAD_RESPONSE",
            ClientError::ClockSkew { .. } => "CLIENT_CLOCK_SKEW",
            ClientError::Canonical(_) => "CLIENT_DOCUMENT_CANONICAL",
            ClientError::Sign(e) => e.code(),
            ClientError::Fingerprint(e) => e.code(),
            ClientError::Face(e) => e.code(),
            ClientError::Gateway { body, .. } => &body.code,
        }
    }

    /// Whether trying again later may succeed (the channel was down or overloaded).
    pub fn is_transient(&self) -> bool {
        match self {
            ClientError::Unreachable(_) | ClientError::Timeout => true,
            ClientError::Gateway { status, .. } => matches!(status, 429 | 502 | 503 | 504),
            _ => false,
        }
    }
}

/// Classify a reqwest error by walking its causes.
pub(crate) fn from_reqwest(e: reqwest::Error) -> ClientError {
    if e.is_timeout() {
        return ClientError::Timeout;
    }
    if e.is_redirect() {
        return ClientError::Redirect;
    }
    let mut chain = String::new();
    let mut tls = false;
    let mut src: Option<&(dyn std::error::Error + 'static)> = Some(&e);
    while let Some(s) = src {
        if s.downcast_ref::<rustls::Error>().is_some() {
            tls = true;
        }
        let text = s.to_string();
        if !chain.contains(&text) {
            if !chain.is_empty() {
                chain.push_str(": ");
            }
            chain.push_str(&text);
        }
        src = s.source();
    }
    // The card under the handshake's signature: the session's PIN state or the card is gone.
    for (text, cause) in [
        (
            crate::identity::CARD_NOT_AUTHENTICATED,
            sio_sign::SignerError::NotAuthenticated,
        ),
        (
            crate::identity::CARD_REMOVED,
            sio_sign::SignerError::Removed,
        ),
    ] {
        if chain.contains(text) {
            return ClientError::Sign(cause.into());
        }
    }
    // A rustls alert from the peer arrives as an io::Error carrying the rustls error's text.
    if tls
        || chain.contains("certificate")
        || chain.contains("handshake")
        || chain.contains("alert")
    {
        ClientError::Tls(chain)
    } else if e.is_connect() || e.is_request() {
        ClientError::Unreachable(chain)
    } else if e.is_decode() || e.is_body() {
        ClientError::BadResponse(chain)
    } else {
        ClientError::Unreachable(chain)
    }
}
