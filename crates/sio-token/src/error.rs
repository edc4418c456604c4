//! The one error type of the card stack, with stable machine codes.

use crate::apdu::StatusWord;

/// Everything that can go wrong between the application and a token.
///
/// Every variant has a stable code ([`TokenError::code`]) listed in `docs/failure-codes.md`.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TokenError {
    /// The PC/SC service (pcscd) is not running or went away.
    #[error("the smart card service is not running ({operation})")]
    NoService {
        /// What we were doing.
        operation: &'static str,
    },
    /// No reader is connected.
    #[error("no smart card reader is connected")]
    NoReader,
    /// The named reader does not exist (any more).
    #[error("reader {reader:?} is not connected")]
    ReaderNotFound {
        /// The reader name that was asked for.
        reader: String,
    },
    /// The reader is empty.
    #[error("no card in reader {reader:?}")]
    NoCard {
        /// The reader name.
        reader: String,
    },
    /// The card was removed or reset while we were talking to it.
    #[error("the card was removed or reset during {operation}")]
    CardRemoved {
        /// What we were doing.
        operation: &'static str,
    },
    /// Waiting for a reader or card event timed out.
    #[error("no reader or card event within the timeout")]
    Timeout,
    /// Any other PC/SC failure.
    #[error("PC/SC failure during {operation}: {source}")]
    Pcsc {
        /// What we were doing.
        operation: &'static str,
        /// The PC/SC error.
        #[source]
        source: pcsc::Error,
    },
    /// The card answered with a status word we cannot continue from.
    #[error("the card answered {status} to {operation}")]
    Card {
        /// What we were doing.
        operation: &'static str,
        /// The status word.
        status: StatusWord,
    },
    /// The card's answer does not follow the protocol (too short, bad TLV, ...).
    #[error("malformed answer from the card to {operation}: {detail}")]
    BadResponse {
        /// What we were doing.
        operation: &'static str,
        /// What was wrong.
        detail: String,
    },
    /// The card does not carry the application (for example no PIV applet).
    #[error("the card has no {application} application")]
    ApplicationNotFound {
        /// Application name.
        application: &'static str,
    },
    /// The PIN is not acceptable before it is even sent (length, characters).
    #[error("the PIN format is not accepted: {reason}")]
    PinFormat {
        /// Why.
        reason: &'static str,
    },
    /// The PIN was wrong. `tries_left` is `None` when the token does not say.
    #[error("wrong PIN ({})", tries_text(*tries_left))]
    WrongPin {
        /// Tries left before the PIN blocks, when known.
        tries_left: Option<u8>,
    },
    /// The PIN is blocked; it must be unblocked with the PUK at the issuing office.
    #[error("the PIN is blocked")]
    PinBlocked,
    /// The PUK given to unblock the PIN was wrong. `tries_left` is `None` when the token does
    /// not say.
    #[error("wrong PUK ({})", tries_text(*tries_left))]
    WrongPuk {
        /// Tries left before the PUK blocks, when known.
        tries_left: Option<u8>,
    },
    /// The PUK is blocked; only the certificate issuer can replace the card's PINs.
    #[error("the PUK is blocked")]
    PukBlocked,
    /// An operation needs the PIN verified first (or again, for a key that asks for it every time).
    #[error("the PIN must be verified before {operation}")]
    NotAuthenticated {
        /// What we were doing.
        operation: &'static str,
    },
    /// The PIN-pad reader reported a failure or cancel.
    #[error("PIN entry on the reader's PIN pad failed: {detail}")]
    PinPad {
        /// What happened.
        detail: String,
    },
    /// The slot or token holds no certificate.
    #[error("no certificate in {location}")]
    NoCertificate {
        /// Where we looked.
        location: String,
    },
    /// The certificate cannot be parsed.
    #[error("the certificate cannot be read: {detail}")]
    Certificate {
        /// What was wrong.
        detail: String,
    },
    /// The certificate has expired.
    #[error("the certificate expired on {not_after}")]
    CertificateExpired {
        /// End of validity (RFC 3339).
        not_after: String,
    },
    /// The certificate is not yet valid.
    #[error("the certificate is valid only from {not_before}")]
    CertificateNotYetValid {
        /// Start of validity (RFC 3339).
        not_before: String,
    },
    /// No private key matches the certificate.
    #[error("no private key for {location}")]
    KeyNotFound {
        /// Where we looked.
        location: String,
    },
    /// The key type or size is not one we can sign with.
    #[error("unsupported key: {detail}")]
    UnsupportedKey {
        /// What kind of key.
        detail: String,
    },
    /// The token (its PKCS#11 module) lacks the mechanism the key needs, e.g. GOST R 34.10-2012
    /// signing on a token without GOST support.
    #[error("the token does not offer {mechanism_name} ({mechanism:#x}), needed for {algorithm}")]
    MechanismMissing {
        /// The PKCS#11 mechanism value.
        mechanism: u64,
        /// Its name in PKCS#11 or the TC26 extensions.
        mechanism_name: &'static str,
        /// The signature algorithm it was needed for.
        algorithm: String,
    },
    /// A key held in a file (PKCS#12, PEM) was offered for login; only hardware tokens are admitted.
    #[error("a key file ({kind}) cannot be used for login; use a hardware token")]
    FileKeyRefused {
        /// What kind of file.
        kind: &'static str,
    },
    /// A key held in software (for example SoftHSM2) was offered where a hardware carrier is required.
    #[error("the key is held in software ({module}); a hardware token is required")]
    SoftwareKeyRefused {
        /// The module or token that holds it.
        module: String,
    },
    /// The PKCS#11 module could not be loaded or initialised.
    #[error("PKCS#11 module {path} cannot be loaded: {detail}")]
    Pkcs11Module {
        /// Module path.
        path: String,
        /// Loader or C_Initialize error.
        detail: String,
    },
    /// A PKCS#11 call failed.
    #[error("PKCS#11 failure during {operation}: {source}")]
    Pkcs11 {
        /// What we were doing.
        operation: &'static str,
        /// The cryptoki error.
        #[source]
        source: cryptoki::error::Error,
    },
    /// The ATR catalogue data file is malformed (a build defect).
    #[error("ATR catalogue line {line}: {detail}")]
    Catalogue {
        /// 1-based line number.
        line: usize,
        /// What is wrong.
        detail: String,
    },
}

fn tries_text(tries: Option<u8>) -> String {
    match tries {
        Some(1) => "1 try left".to_owned(),
        Some(n) => format!("{n} tries left"),
        None => "tries left unknown".to_owned(),
    }
}

sio_error::coded! {
    TokenError, default CheckDevice, extras {
        fn tries_left(&self) -> Option<u8> {
            match self {
                Self::WrongPin { tries_left } | Self::WrongPuk { tries_left } => *tries_left,
                Self::PinBlocked | Self::PukBlocked => Some(0),
                _ => None,
            }
        }
        fn card_state(&self) -> Option<sio_error::CardState> {
            match self {
                Self::CardRemoved { .. } => Some(sio_error::CardState::Removed),
                Self::NotAuthenticated { .. } => Some(sio_error::CardState::NotAuthenticated),
                _ => None,
            }
        }
    };
    Self::NoService { .. } => "TOKEN_NO_SERVICE" [Administrator],
    Self::NoReader => "TOKEN_NO_READER",
    Self::ReaderNotFound { .. } => "TOKEN_READER_NOT_FOUND",
    Self::NoCard { .. } => "TOKEN_NO_CARD",
    Self::CardRemoved { .. } => "TOKEN_CARD_REMOVED",
    Self::Timeout => "TOKEN_TIMEOUT",
    Self::Pcsc { .. } => "TOKEN_PCSC",
    Self::Card { .. } => "TOKEN_CARD_STATUS",
    Self::BadResponse { .. } => "TOKEN_BAD_RESPONSE",
    Self::ApplicationNotFound { .. } => "TOKEN_APP_NOT_FOUND",
    Self::PinFormat { .. } => "TOKEN_PIN_FORMAT" [RetryPin],
    Self::WrongPin { .. } => "TOKEN_WRONG_PIN" [RetryPin],
    Self::PinBlocked => "TOKEN_PIN_BLOCKED" [IssuingOffice],
    Self::WrongPuk { .. } => "TOKEN_WRONG_PUK" [RetryPin],
    Self::PukBlocked => "TOKEN_PUK_BLOCKED" [IssuingOffice],
    Self::NotAuthenticated { .. } => "TOKEN_NOT_AUTHENTICATED" [RetryPin],
    Self::PinPad { .. } => "TOKEN_PINPAD" [RetryPin],
    Self::NoCertificate { .. } => "TOKEN_NO_CERTIFICATE" [IssuingOffice],
    Self::Certificate { .. } => "TOKEN_CERT_INVALID" [IssuingOffice],
    Self::CertificateExpired { .. } => "TOKEN_CERT_EXPIRED" [IssuingOffice],
    Self::CertificateNotYetValid { .. } => "TOKEN_CERT_NOT_YET_VALID" [FixClock],
    Self::KeyNotFound { .. } => "TOKEN_KEY_NOT_FOUND" [IssuingOffice],
    Self::UnsupportedKey { .. } => "TOKEN_UNSUPPORTED_KEY",
    Self::MechanismMissing { .. } => "TOKEN_MECHANISM_MISSING" [Administrator],
    Self::FileKeyRefused { .. } => "TOKEN_FILE_KEY_REFUSED",
    Self::SoftwareKeyRefused { .. } => "TOKEN_SOFTWARE_KEY_REFUSED",
    Self::Pkcs11Module { .. } => "TOKEN_PKCS11_MODULE" [Administrator],
    Self::Pkcs11 { .. } => "TOKEN_PKCS11",
    Self::Catalogue { .. } => "TOKEN_CATALOGUE" [Administrator],
}

/// Every code sio-token can return, one list per error enum (the failure-code catalogue check).
pub const CODES: &[&[&str]] = &[<TokenError as sio_error::CodeList>::CODES];

impl TokenError {
    /// Map a PC/SC error, recognising removal and a stopped service.
    pub(crate) fn pcsc(operation: &'static str, source: pcsc::Error) -> Self {
        use pcsc::Error as E;
        match source {
            // pcsc-lite's client reports the daemon's socket closing in the middle of an exchange
            // (pcscd killed) as SCARD_F_COMM_ERROR: the service went away (issue 20).
            E::NoService | E::ServiceStopped | E::CommError => Self::NoService { operation },
            E::RemovedCard
            | E::ResetCard
            | E::NoSmartcard
            | E::ReaderUnavailable
            | E::UnpoweredCard => Self::CardRemoved { operation },
            E::NoReadersAvailable => Self::NoReader,
            E::Timeout => Self::Timeout,
            source => Self::Pcsc { operation, source },
        }
    }

    /// Map a status word that ends an operation.
    pub(crate) fn status(operation: &'static str, status: StatusWord) -> Self {
        match status {
            StatusWord::WrongPin { tries_left: 0 } | StatusWord::PinBlocked => Self::PinBlocked,
            StatusWord::WrongPin { tries_left } => Self::WrongPin {
                tries_left: Some(tries_left),
            },
            StatusWord::SecurityStatusNotSatisfied => Self::NotAuthenticated { operation },
            status => Self::Card { operation, status },
        }
    }

    pub(crate) fn bad(operation: &'static str, detail: impl Into<String>) -> Self {
        Self::BadResponse {
            operation,
            detail: detail.into(),
        }
    }
}

impl From<TokenError> for sio_sign::SignerError {
    fn from(e: TokenError) -> Self {
        match e {
            TokenError::NotAuthenticated { .. }
            | TokenError::WrongPin { .. }
            | TokenError::PinBlocked => Self::NotAuthenticated,
            TokenError::CardRemoved { .. }
            | TokenError::NoCard { .. }
            | TokenError::ReaderNotFound { .. } => Self::Removed,
            TokenError::NoService { .. } => Self::ServiceGone,
            other => Self::Device(format!("{}: {other}", other.code())),
        }
    }
}
