//! Readers, certificates and PINs on PIV tokens over PC/SC, in the UI's shapes.

use sio_client::CardTrouble;
use sio_client::token::token_trouble;
use sio_token::{PcscCard, PcscContext, Pin, PinStatus as PivPin, PivSession, PivSlot, TokenError};

use crate::error::{ErrorBody, app};
use crate::model::{CertUsage, CertificateInfo, PinStatus, ReaderInfo};

/// Certificate id of the authentication key (PIV slot 9A).
pub(crate) const AUTH_ID: &str = "9a";
/// Certificate id of the signing key (PIV slot 9C).
pub(crate) const SIGN_ID: &str = "9c";

fn open(reader: &str) -> Result<PivSession<PcscCard>, TokenError> {
    sio_client::token::connect(Some(reader)).map(|(_, piv)| piv)
}

/// Every reader, whether it holds a card, and the token's label when it can be read.
pub(crate) fn readers() -> Result<Vec<ReaderInfo>, ErrorBody> {
    let mut ctx = PcscContext::establish()?;
    let mut out = Vec::new();
    for r in ctx.readers()? {
        let card_present = r.atr.is_some();
        let token_label = card_present.then(|| label(&mut ctx, &r.name)).flatten();
        out.push(ReaderInfo {
            name: r.name,
            card_present,
            token_label,
        });
    }
    Ok(out)
}

fn label(ctx: &mut PcscContext, reader: &str) -> Option<String> {
    let card = ctx.connect(reader).ok()?;
    let mut piv = PivSession::open(card).ok()?;
    let cert = piv.certificate(PivSlot::Authentication).ok()?;
    Some(format!("PIV — {}", cert.common_name?))
}

/// The certificates on the token in `reader`: authentication (9A) and signing (9C).
pub(crate) fn certificates(reader: &str) -> Result<Vec<CertificateInfo>, ErrorBody> {
    let mut piv = open(reader)?;
    let mut out = Vec::new();
    for (slot, id, usage) in [
        (PivSlot::Authentication, AUTH_ID, CertUsage::Auth),
        (PivSlot::Signature, SIGN_ID, CertUsage::Sign),
    ] {
        let c = match piv.certificate(slot) {
            Ok(c) => c,
            Err(TokenError::NoCertificate { .. }) => continue,
            Err(e) => return Err(e.into()),
        };
        out.push(CertificateInfo {
            id: id.to_owned(),
            subject: c.common_name.clone().unwrap_or_else(|| c.subject.clone()),
            iin: c.iin.clone().unwrap_or_default(),
            organisation: c.organisation.clone(),
            issuer: c.issuer.clone(),
            not_before: c.not_before_rfc3339(),
            not_after: c.not_after_rfc3339(),
            usage,
        });
    }
    if out.is_empty() {
        return Err(app(
            "TOKEN_NO_CERTIFICATE",
            "the token holds no certificate in slot 9A or 9C",
        ));
    }
    Ok(out)
}

/// The PIN retry counter of the token in `reader`.
pub(crate) fn pin_status(reader: &str) -> Result<PinStatus, ErrorBody> {
    let mut piv = open(reader)?;
    Ok(match piv.pin_status()? {
        PivPin::Blocked => PinStatus {
            tries_left: 0,
            blocked: true,
        },
        PivPin::TriesLeft(n) => PinStatus {
            tries_left: n,
            blocked: n == 0,
        },
        // Verified in this card session: the counter was reset by the last right PIN. PIV's
        // default counter is 3 (the card does not say while verified).
        _ => PinStatus {
            tries_left: 3,
            blocked: false,
        },
    })
}

/// The second signer's token in another reader (the head's, or the applicant's when the user is
/// the head): the session on it and the IIN its signing certificate (slot 9C) names. No PIN is
/// presented yet: the caller checks the person first.
pub(crate) fn cosigner(reader: &str) -> Result<(PivSession<PcscCard>, String), ErrorBody> {
    let mut piv = open(reader).map_err(cosigner_token)?;
    let cert = piv
        .certificate(PivSlot::Signature)
        .map_err(cosigner_token)?;
    let iin = cert.iin.map(|i| i.to_string()).ok_or_else(|| {
        app(
            "APP_COSIGNER_WRONG_PERSON",
            format!("the signing certificate of the token in {reader} names no IIN"),
        )
    })?;
    Ok((piv, iin))
}

/// The second signer's PIN, verified on their token: a wrong one answers with that token's tries
/// left.
pub(crate) fn verify_cosigner(
    piv: PivSession<PcscCard>,
    pin: &sio_protocol::Secret,
) -> Result<PivSession<PcscCard, sio_token::Verified>, ErrorBody> {
    piv.verify_pin(self::pin(pin)?)
        .map_err(|r| cosigner_token(r.error))
}

/// The second signer's [`sio_sign::Signer`], remembering whether it failed: its failures are
/// said as the second token's, never as the session card's.
pub(crate) struct Cosigning<S> {
    inner: S,
    pub(crate) failed: bool,
}

impl<S: sio_sign::Signer> Cosigning<S> {
    pub(crate) fn new(inner: S) -> Self {
        Self {
            inner,
            failed: false,
        }
    }
}

impl<S: sio_sign::Signer> sio_sign::Signer for Cosigning<S> {
    fn certificate_der(&self) -> &[u8] {
        self.inner.certificate_der()
    }

    fn algorithm(&self) -> sio_sign::SignatureAlgorithm {
        self.inner.algorithm()
    }

    fn carrier(&self) -> sio_sign::Carrier {
        self.inner.carrier()
    }

    fn sign(&mut self, message: &[u8]) -> Result<Vec<u8>, sio_sign::SignerError> {
        let r = self.inner.sign(message);
        self.failed |= r.is_err();
        r
    }
}

/// A failure of the second signer's token (`trouble` is what it means for the card): said as
/// such, and a removal there is not the session's card leaving (`APP_COSIGNER_REMOVED` instead
/// of `TOKEN_CARD_REMOVED`).
pub(crate) fn cosigner_card(trouble: Option<CardTrouble>, e: ErrorBody) -> ErrorBody {
    if trouble == Some(CardTrouble::Removed) {
        return app(
            "APP_COSIGNER_REMOVED",
            "the second signer's token left its reader; nothing was signed",
        );
    }
    ErrorBody {
        message: format!("second signer's token: {}", e.message),
        // Not the session's card: the session does not lock for it.
        card: None,
        ..e
    }
}

/// A failure of the second signer's token, from the token's own error.
pub(crate) fn cosigner_token(e: TokenError) -> ErrorBody {
    cosigner_card(token_trouble(&e), e.into())
}

/// A signature with a PIN-always key failed because the card refused the PIN: say so with the
/// tries left (the signer only knows "not authenticated").
pub(crate) fn explain_pin_failure(reader: &str, e: ErrorBody) -> ErrorBody {
    if e.tries_left.is_some() {
        return e;
    }
    match pin_status(reader) {
        Ok(s) if s.blocked => sio_token::TokenError::PinBlocked.into(),
        Ok(s) => sio_token::TokenError::WrongPin {
            tries_left: Some(s.tries_left),
        }
        .into(),
        Err(_) => e,
    }
}

/// A PIN from the UI into the token's secret type (checked for form).
pub(crate) fn pin(secret: &sio_protocol::Secret) -> Result<Pin, ErrorBody> {
    Ok(Pin::new(secret.expose().to_owned())?)
}
