//! Readers, certificates and PINs on PIV tokens over PC/SC, in the UI's shapes.

use std::sync::Arc;
use std::time::SystemTime;

use sio_client::CardKey;
use sio_token::{PcscCard, PcscContext, Pin, PinStatus as PivPin, PivSession, PivSlot, UsableAt};

use crate::error::{ErrorBody, app};
use crate::model::{CertUsage, CertificateInfo, PinStatus, ReaderInfo};

/// Certificate id of the authentication key (PIV slot 9A).
pub(crate) const AUTH_ID: &str = "9a";
/// Certificate id of the signing key (PIV slot 9C).
pub(crate) const SIGN_ID: &str = "9c";

fn open(reader: &str) -> Result<PivSession<PcscCard>, ErrorBody> {
    let mut ctx = PcscContext::establish()?;
    let card = ctx.connect(reader)?;
    Ok(PivSession::open(card)?)
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
            Err(e) if e.code() == "TOKEN_NO_CERTIFICATE" => continue,
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

/// Open the token in `reader`, check its authentication certificate, verify `pin`: the key that
/// signs the TLS handshake and the login.
pub(crate) fn login_key(reader: &str, pin: Pin) -> Result<Arc<CardKey<PcscCard>>, ErrorBody> {
    let mut piv = open(reader)?;
    let cert = piv.certificate(PivSlot::Authentication)?;
    let usable = cert.usable_at(SystemTime::now())?;
    if !usable.info().purposes.authentication {
        return Err(app(
            "APP_CERT_NOT_FOR_LOGIN",
            "the certificate in slot 9A is not an authentication certificate (EKU clientAuth)",
        ));
    }
    if matches!(piv.pin_status()?, PivPin::Blocked) {
        return Err(sio_token::TokenError::PinBlocked.into());
    }
    let verified = piv.verify_pin(pin).map_err(|r| ErrorBody::from(r.error))?;
    Ok(CardKey::new(verified, PivSlot::Authentication)?)
}

/// The second signer's token in another reader (the head's, or the applicant's when the user is
/// the head): the session on it and the IIN its signing certificate (slot 9C) names. No PIN is
/// presented yet: the caller checks the person first.
pub(crate) fn cosigner(reader: &str) -> Result<(PivSession<PcscCard>, String), ErrorBody> {
    let mut piv = open(reader).map_err(cosigner_card)?;
    let cert = piv
        .certificate(PivSlot::Signature)
        .map_err(|e| cosigner_card(e.into()))?;
    let iin = cert.iin.ok_or_else(|| {
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
        .map_err(|r| cosigner_card(r.error.into()))
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

/// A failure of the second signer's token: said as such, and a removal there is not the session's
/// card leaving (`APP_COSIGNER_REMOVED` instead of `TOKEN_CARD_REMOVED`).
pub(crate) fn cosigner_card(e: ErrorBody) -> ErrorBody {
    if matches!(e.code.as_str(), "TOKEN_CARD_REMOVED" | "SIGN_TOKEN_REMOVED") {
        return app(
            "APP_COSIGNER_REMOVED",
            "the second signer's token left its reader; nothing was signed",
        );
    }
    ErrorBody {
        message: format!("second signer's token: {}", e.message),
        ..e
    }
}

/// A signature with a PIN-always key failed: when the card refused the PIN, say so with the
/// tries left (the signer only knows "not authenticated").
pub(crate) fn explain_pin_failure(reader: &str, e: ErrorBody) -> ErrorBody {
    if e.code != "SIGN_TOKEN_NOT_AUTHENTICATED" && e.code != "TOKEN_NOT_AUTHENTICATED" {
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
