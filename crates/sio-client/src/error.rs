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
    /// The user's token could not be opened, or refused (PIN, certificate validity, card gone).
    #[error(transparent)]
    Token(#[from] sio_token::TokenError),
    /// The certificate in the token's authentication slot may not log in: not an authentication
    /// certificate (EKU clientAuth, keyUsage digitalSignature), no ИИН, or a key in software
    /// (rule 18 as of Order 88/2024).
    #[error("this certificate cannot log in: {0}")]
    CertNotForLogin(String),
    /// The local stores (vault, journal, outbox) could not be opened.
    #[error(transparent)]
    Stores(Box<crate::stores::StoreError>),
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
            ClientError::Token(e) => e.code(),
            ClientError::CertNotForLogin(_) => "CLIENT_CERT_NOT_FOR_LOGIN",
            ClientError::Stores(e) => e.code(),
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
    // The connection refused, reset or closed by the peer with no TLS error of its own (a gateway
    // that is down, killed mid-exchange, or a relay in front of it with nothing behind): the
    // gateway is unreachable, whatever step of the handshake the close met ("tls handshake
    // eof"). A certificate or alert problem is a `rustls::Error` and stays `CLIENT_TLS`.
    let mut closed = false;
    let mut src: Option<&(dyn std::error::Error + 'static)> = Some(&e);
    while let Some(s) = src {
        if s.downcast_ref::<rustls::Error>().is_some() {
            tls = true;
        }
        if let Some(io) = s.downcast_ref::<std::io::Error>() {
            use std::io::ErrorKind as K;
            closed |= matches!(
                io.kind(),
                K::UnexpectedEof
                    | K::ConnectionRefused
                    | K::ConnectionReset
                    | K::ConnectionAborted
                    | K::BrokenPipe
                    | K::NotConnected
            );
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
    // The same closes as the connector words them when they come as text only.
    closed |= [
        "tls handshake eof",
        "peer closed connection",
        "connection reset",
        "connection refused",
        "broken pipe",
    ]
    .iter()
    .any(|t| chain.contains(t));
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
        (
            crate::identity::CARD_SERVICE_GONE,
            sio_sign::SignerError::ServiceGone,
        ),
    ] {
        if chain.contains(text) {
            return ClientError::Sign(cause.into());
        }
    }
    if closed && !tls && !chain.contains("alert") && !chain.contains("certificate") {
        return ClientError::Unreachable(chain);
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

// The one error contract (sio-error): every error of this crate is `Coded`. The codes stay in the
// inherent `code()` matches (a refusal of the gateway carries the gateway's code, which this crate
// did not choose); the wrapped errors give their remedy and typed extras through `wrapped()`.

use sio_error::{Coded, Remedy};

impl Coded for ClientError {
    fn code(&self) -> &str {
        ClientError::code(self)
    }

    fn remedy(&self) -> Remedy {
        if let Some(inner) = Coded::wrapped(self) {
            return inner.remedy();
        }
        match self {
            ClientError::CaInvalid(_) | ClientError::IdentityInvalid(_) => Remedy::Administrator,
            ClientError::Unreachable(_) | ClientError::Timeout => Remedy::RetryLater,
            ClientError::Tls(_) | ClientError::Redirect => Remedy::DoNotTrust,
            ClientError::ClockSkew { .. } => Remedy::FixClock,
            ClientError::CertNotForLogin(_) => Remedy::CheckDevice,
            ClientError::Gateway { body, .. } if body.until.is_some() => Remedy::Wait,
            e if e.is_transient() => Remedy::RetryLater,
            _ => Remedy::Helpdesk,
        }
    }

    fn wrapped(&self) -> Option<&dyn Coded> {
        match self {
            ClientError::Policy(e) => Some(e),
            ClientError::Sign(e) => Some(e),
            ClientError::Fingerprint(e) => Some(e),
            ClientError::Face(e) => Some(e),
            ClientError::Token(e) => Some(e),
            ClientError::Stores(e) => Some(&**e),
            _ => None,
        }
    }

    fn until(&self) -> Option<String> {
        match self {
            ClientError::Gateway { body, .. } => body.until.clone(),
            _ => None,
        }
    }
}

impl Coded for crate::requests::RequestError {
    fn code(&self) -> &str {
        crate::requests::RequestError::code(self)
    }

    fn remedy(&self) -> Remedy {
        use crate::requests::RequestError as E;
        match (Coded::wrapped(self), self) {
            (Some(inner), _) => inner.remedy(),
            (None, E::ResultTimeout(_)) => Remedy::Wait,
            (None, E::NotResignable(_)) => Remedy::Nothing,
            (None, _) => Remedy::Helpdesk,
        }
    }

    fn wrapped(&self) -> Option<&dyn Coded> {
        use crate::requests::RequestError as E;
        match self {
            E::Rule(e) => Some(e),
            E::Client(e) => Some(e),
            E::Token(e) => Some(e),
            E::Outbox(e) => Some(&**e),
            E::Vault(e) => Some(e),
            E::Sign(e) => Some(e),
            _ => None,
        }
    }
}

impl Coded for crate::hr::HrError {
    fn code(&self) -> &str {
        crate::hr::HrError::code(self)
    }

    fn remedy(&self) -> Remedy {
        use crate::hr::HrError as E;
        match (Coded::wrapped(self), self) {
            (Some(inner), _) => inner.remedy(),
            (None, E::HeadNotSigning) => Remedy::CheckDevice,
            (None, E::Store { .. }) => Remedy::Administrator,
            (None, _) => Remedy::FixInput,
        }
    }

    fn wrapped(&self) -> Option<&dyn Coded> {
        use crate::hr::HrError as E;
        match self {
            E::Identifier { source, .. } => Some(source),
            E::Sign(e) => Some(e),
            E::Client(e) => Some(e),
            _ => None,
        }
    }
}

impl Coded for crate::outbox::OutboxError {
    fn code(&self) -> &str {
        crate::outbox::OutboxError::code(self)
    }

    fn remedy(&self) -> Remedy {
        use crate::outbox::OutboxError as E;
        match self {
            E::Key(e) => e.remedy(),
            E::Damaged(_) => Remedy::DoNotTrust,
            _ => Remedy::Administrator,
        }
    }

    fn wrapped(&self) -> Option<&dyn Coded> {
        match self {
            crate::outbox::OutboxError::Key(e) => Some(e),
            _ => None,
        }
    }
}

impl Coded for crate::stores::StoreError {
    fn code(&self) -> &str {
        crate::stores::StoreError::code(self)
    }

    fn remedy(&self) -> Remedy {
        Coded::wrapped(self).map_or(Remedy::Administrator, |inner| inner.remedy())
    }

    fn wrapped(&self) -> Option<&dyn Coded> {
        use crate::stores::StoreError as E;
        match self {
            E::Vault(e) => Some(e),
            E::Journal(e) => Some(e),
            E::Outbox(e) => Some(e),
            _ => None,
        }
    }
}

/// The `CLIENT_*` codes of this crate's errors (the failure-code catalogue check). The enums keep
/// their hand-written `code()` matches (a gateway refusal's code is not this crate's), so this list
/// is checked the other way by the catalogue test: every `CLIENT_*` literal of the sources must be
/// in it.
pub const CODES: &[&[&str]] = &[
    &[
        "CLIENT_CA_INVALID",
        "CLIENT_IDENTITY_INVALID",
        "CLIENT_UNREACHABLE",
        "CLIENT_TLS",
        "CLIENT_TIMEOUT",
        "CLIENT_REDIRECT_REFUSED",
        "CLIENT_BAD_RESPONSE",
        "CLIENT_CLOCK_SKEW",
        "CLIENT_DOCUMENT_CANONICAL",
        "CLIENT_CERT_NOT_FOR_LOGIN",
    ],
    &[
        "CLIENT_REQUEST_CANONICAL",
        "CLIENT_RESULT_TIMEOUT",
        "CLIENT_NOT_RESIGNABLE",
    ],
    &[
        "CLIENT_HR_FIELD_MISSING",
        "CLIENT_HR_CONFIRMATIONS",
        "CLIENT_HR_BLOCKING_REASON",
        "CLIENT_HR_ORDER_TIME",
        "CLIENT_HR_HEAD_NOT_SIGNING",
        "CLIENT_HR_HEAD_MISMATCH",
        "CLIENT_HR_OWN_TRANSFER",
        "CLIENT_HR_STORE",
        "CLIENT_HR_REFUSAL_SIGNATURE",
    ],
    &[
        "CLIENT_OUTBOX_IO",
        "CLIENT_OUTBOX_KEY",
        "CLIENT_OUTBOX_DAMAGED",
    ],
];
