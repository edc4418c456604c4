//! Opening the user's token: THE one place where the card, its certificates and its PIN state
//! are checked before anything is signed — for the desktop app and the command line alike.
//!
//! [`open`] finds the card (the named reader, or the first one holding a card), reads the
//! authentication certificate (PIV slot 9A) and refuses, before the PIN is asked:
//! - a certificate outside its validity now (`TOKEN_CERT_EXPIRED`, `TOKEN_CERT_NOT_YET_VALID`);
//! - a certificate that is not for login: EKU clientAuth with keyUsage digitalSignature, and an
//!   ИИН in its subject (`CLIENT_CERT_NOT_FOR_LOGIN`);
//! - a blocked PIN (`TOKEN_PIN_BLOCKED`).
//!
//! A PIV card over PC/SC is a protected (hardware) carrier; a key file is refused for login by
//! [`sio_token::admit_source`] before this module is reached (rule 18 as of Order 88/2024), and
//! [`crate::session::log_in`] refuses a software signer again.
//!
//! [`signing_signer`] checks the signing certificate (slot 9C) the same way — validity now, EKU
//! emailProtection with keyUsage digitalSignature or nonRepudiation — before its PIN-always key
//! signs a document.

use std::sync::Arc;
use std::time::SystemTime;

use sio_sign::{KeyPurpose, Signer};
use sio_token::{
    CardBackend, CertificateInfo, PcscCard, PcscContext, Pin, PinStatus, PivSession, PivSlot,
    TokenError, UsableAt,
};

use crate::card::{CardKey, PinAlwaysSigner};
use crate::error::ClientError;

/// The verified authentication key of a PIV card over PC/SC: signs the TLS handshake and the
/// login; makes the PIN-always signers of the signing key.
pub type LoginKey = Arc<CardKey<PcscCard>>;

/// What a card failure means for the session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum CardTrouble {
    /// The card left its reader (or the reader went away): its PIN verification is gone.
    Removed,
    /// The card refused the PIN or wants it again.
    PinRefused,
}

/// What a token failure means for the session, if anything.
pub fn token_trouble(e: &TokenError) -> Option<CardTrouble> {
    match e {
        TokenError::CardRemoved { .. }
        | TokenError::NoCard { .. }
        | TokenError::ReaderNotFound { .. } => Some(CardTrouble::Removed),
        TokenError::NotAuthenticated { .. }
        | TokenError::WrongPin { .. }
        | TokenError::PinBlocked => Some(CardTrouble::PinRefused),
        _ => None,
    }
}

fn sign_trouble(e: &sio_sign::SignError) -> Option<CardTrouble> {
    match e {
        sio_sign::SignError::Signer(sio_sign::SignerError::Removed) => Some(CardTrouble::Removed),
        sio_sign::SignError::Signer(sio_sign::SignerError::NotAuthenticated) => {
            Some(CardTrouble::PinRefused)
        }
        _ => None,
    }
}

impl ClientError {
    /// What this failure means for the card the session runs on, if anything.
    pub fn card_trouble(&self) -> Option<CardTrouble> {
        match self {
            ClientError::Token(e) => token_trouble(e),
            ClientError::Sign(e) => sign_trouble(e),
            _ => None,
        }
    }
}

impl crate::requests::RequestError {
    /// What this failure means for the card the session runs on, if anything.
    pub fn card_trouble(&self) -> Option<CardTrouble> {
        use crate::requests::RequestError;
        match self {
            RequestError::Client(e) => e.card_trouble(),
            RequestError::Token(e) => token_trouble(e),
            RequestError::Sign(e) => sign_trouble(e),
            _ => None,
        }
    }
}

impl crate::hr::HrError {
    /// What this failure means for the card the session runs on, if anything.
    pub fn card_trouble(&self) -> Option<CardTrouble> {
        match self {
            crate::hr::HrError::Client(e) => e.card_trouble(),
            crate::hr::HrError::Sign(e) => sign_trouble(e),
            _ => None,
        }
    }
}

/// A PIV session on the card in `reader`, or in the first reader holding a card.
pub fn connect(reader: Option<&str>) -> Result<(String, PivSession<PcscCard>), TokenError> {
    let mut ctx = PcscContext::establish()?;
    let name = match reader {
        Some(r) => r.to_owned(),
        None => ctx
            .readers()?
            .into_iter()
            .find(|r| r.atr.is_some())
            .map(|r| r.name)
            .ok_or(TokenError::NoCard {
                reader: "any reader".into(),
            })?,
    };
    let card = ctx.connect(&name)?;
    Ok((name, PivSession::open(card)?))
}

/// A token whose authentication certificate and PIN state passed every check; the PIN is next.
#[derive(Debug)]
pub struct OpenedToken {
    reader: String,
    piv: PivSession<PcscCard>,
    certificate: CertificateInfo,
    iin: String,
    tries_left: Option<u8>,
}

/// Open the token in `reader` (or the first reader holding a card) for login, with every check
/// of the module documentation.
pub fn open(reader: Option<&str>) -> Result<OpenedToken, ClientError> {
    let (reader, mut piv) = connect(reader)?;
    let certificate = piv.certificate(PivSlot::Authentication)?;
    let iin = check_login_certificate(&certificate, SystemTime::now())?;
    let tries_left = match piv.pin_status()? {
        PinStatus::Blocked | PinStatus::TriesLeft(0) => return Err(TokenError::PinBlocked.into()),
        PinStatus::TriesLeft(n) => Some(n),
        _ => None,
    };
    Ok(OpenedToken {
        reader,
        piv,
        certificate,
        iin,
        tries_left,
    })
}

/// The authentication certificate's checks: valid at `now`, for login, naming an ИИН. Returns
/// the ИИН.
pub fn check_login_certificate(
    certificate: &CertificateInfo,
    now: SystemTime,
) -> Result<String, ClientError> {
    let usable = certificate.clone().usable_at(now)?;
    if !usable.info().purposes.authentication {
        return Err(ClientError::CertNotForLogin(
            "the certificate in slot 9A is not an authentication certificate (EKU clientAuth)"
                .into(),
        ));
    }
    sio_sign::check_purpose(certificate.der(), KeyPurpose::Authentication)
        .map_err(|e| ClientError::CertNotForLogin(e.to_string()))?;
    certificate.iin.clone().ok_or_else(|| {
        ClientError::CertNotForLogin("the certificate in slot 9A names no ИИН".into())
    })
}

impl OpenedToken {
    /// The reader holding the card.
    pub fn reader(&self) -> &str {
        &self.reader
    }

    /// The authentication certificate (checked).
    pub fn certificate(&self) -> &CertificateInfo {
        &self.certificate
    }

    /// The holder's ИИН, from the authentication certificate.
    pub fn iin(&self) -> &str {
        &self.iin
    }

    /// PIN tries left, when the card says (not while a PIN is verified).
    pub fn tries_left(&self) -> Option<u8> {
        self.tries_left
    }

    /// Verify `pin` on the card: the authentication key, shareable by the TLS layer and the
    /// login signature. A wrong PIN answers `TOKEN_WRONG_PIN` with the tries left.
    pub fn verify(self, pin: Pin) -> Result<LoginKey, ClientError> {
        let verified = self.piv.verify_pin(pin).map_err(|r| r.error)?;
        Ok(CardKey::new(verified, PivSlot::Authentication)?)
    }
}

/// Open the token in `reader`, check it and verify `pin`: [`open`] then [`OpenedToken::verify`].
pub fn login_key(reader: Option<&str>, pin: Pin) -> Result<(LoginKey, String), ClientError> {
    let token = open(reader)?;
    let iin = token.iin.clone();
    Ok((token.verify(pin)?, iin))
}

/// A one-signature signer for the signing key (PIV slot 9C, PIN-always) of the card under `key`,
/// after its certificate's checks: valid now, EKU emailProtection with keyUsage digitalSignature
/// or nonRepudiation (the gateway verifies documents with this certificate).
pub fn signing_signer<B: CardBackend + Send + Sync>(
    key: &Arc<CardKey<B>>,
    pin: Pin,
) -> Result<PinAlwaysSigner<B>, ClientError> {
    let signer = key.pin_always_signer(PivSlot::Signature, pin)?;
    CertificateInfo::from_der(signer.certificate_der())?.usable_at(SystemTime::now())?;
    sio_sign::check_purpose(signer.certificate_der(), KeyPurpose::DocumentSigning)?;
    Ok(signer)
}
