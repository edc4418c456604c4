//! The PIV card application (NIST SP 800-73-4) over any [`CardBackend`].
//!
//! A session starts [`Unverified`]: it can read certificates and ask how many PIN tries are left.
//! [`PivSession::verify_pin`] turns it into a [`Verified`] session, the only kind that hands out a
//! [`PivSigner`]. Slot 9C ("digital signature") has the PIN-always policy: its signer takes the PIN
//! itself, presents it right before the one signature, and drops it.

use std::fmt;
use std::marker::PhantomData;

use sio_sign::{Carrier, SignatureAlgorithm, Signer, SignerError};

use crate::apdu::{Command, Ins, StatusWord};
use crate::backend::{CardBackend, CardTransaction};
use crate::cert::{CertificateInfo, KeyKind};
use crate::pin::Pin;
use crate::{TokenError, encoding, tlv};

/// The PIV application identifier without version (SP 800-73-4 §2.2), enough for SELECT.
pub const PIV_AID: [u8; 9] = [0xA0, 0x00, 0x00, 0x03, 0x08, 0x00, 0x00, 0x10, 0x00];
/// Key reference of the PIV Card Application PIN.
const PIN_REF: u8 = 0x80;

/// The key slots this client uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum PivSlot {
    /// 9A, PIV Authentication: used for login.
    Authentication,
    /// 9C, Digital Signature: used to sign requests; the PIN is checked before every use.
    Signature,
}

impl PivSlot {
    /// Key reference (9A / 9C).
    pub fn key_reference(self) -> u8 {
        match self {
            Self::Authentication => 0x9A,
            Self::Signature => 0x9C,
        }
    }

    /// BER-TLV tag of the certificate data object (5FC105 / 5FC10A).
    pub fn certificate_tag(self) -> [u8; 3] {
        match self {
            Self::Authentication => [0x5F, 0xC1, 0x05],
            Self::Signature => [0x5F, 0xC1, 0x0A],
        }
    }

    /// Whether the key needs the PIN right before each use (SP 800-73-4 §3.2.3, "PIN Always").
    pub fn pin_always(self) -> bool {
        matches!(self, Self::Signature)
    }
}

impl fmt::Display for PivSlot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PIV slot {:02X}", self.key_reference())
    }
}

/// Marker: the PIN has not been verified in this session.
#[derive(Debug)]
pub struct Unverified;
/// Marker: the PIN was verified in this session.
#[derive(Debug)]
pub struct Verified;

/// What the card says about the PIN.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum PinStatus {
    /// The PIN is verified in the current card session.
    Verified,
    /// Not verified; this many tries before it blocks.
    TriesLeft(u8),
    /// Blocked: no tries left.
    Blocked,
}

/// A failed PIN check: the error and the session, still unverified, to try again.
pub struct Rejected<T> {
    /// The session, unchanged (boxed: sessions are large and errors travel often).
    pub session: Box<T>,
    /// Why the PIN was not accepted.
    pub error: TokenError,
}

impl<T> Rejected<T> {
    /// The session back, to try again.
    pub fn into_session(self) -> T {
        *self.session
    }
}

impl<T> fmt::Debug for Rejected<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Rejected")
            .field("error", &self.error)
            .finish_non_exhaustive()
    }
}

/// A PIV application session over a card backend.
pub struct PivSession<B: CardBackend, S = Unverified> {
    backend: B,
    _state: PhantomData<S>,
}

impl<B: CardBackend, S> fmt::Debug for PivSession<B, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "PivSession<{}>",
            std::any::type_name::<S>()
                .rsplit("::")
                .next()
                .unwrap_or("?")
        )
    }
}

fn select(tx: &mut dyn CardTransaction) -> Result<(), TokenError> {
    let cmd = Command::new(Ins::Select, 0x04, 0x00)
        .data(PIV_AID.to_vec())
        .ne(256);
    let r = tx.exchange(&cmd, "select PIV")?;
    match r.status() {
        StatusWord::Success => Ok(()),
        StatusWord::FileNotFound
        | StatusWord::FunctionNotSupported
        | StatusWord::InsNotSupported => {
            Err(TokenError::ApplicationNotFound { application: "PIV" })
        }
        s => Err(TokenError::status("select PIV", s)),
    }
}

/// Parse a PIV certificate container (SP 800-73-4 Part 1 Appendix A): `53 { 70 cert, 71 info, FE }`.
/// Returns the DER certificate. A gzip-compressed certificate (CertInfo bit 0) is refused.
pub fn parse_certificate_object(bytes: &[u8]) -> Result<Vec<u8>, &'static str> {
    let (outer, _) = tlv::parse_one(bytes)?;
    if outer.tag != 0x53 {
        return Err("not a PIV data object (tag 53 expected)");
    }
    let inner = tlv::parse_all(outer.value)?;
    let cert = inner
        .iter()
        .find(|t| t.tag == 0x70)
        .ok_or("no certificate (tag 70) in the object")?;
    if let Some(info) = inner.iter().find(|t| t.tag == 0x71) {
        if info.value.first().is_some_and(|b| b & 0x01 != 0) {
            return Err("the certificate is stored compressed, which is not supported");
        }
    }
    if cert.value.is_empty() {
        return Err("empty certificate");
    }
    Ok(cert.value.to_vec())
}

/// Parse the GENERAL AUTHENTICATE answer `7C { 82 signature }`.
pub fn parse_signature_response(bytes: &[u8]) -> Result<Vec<u8>, &'static str> {
    let (outer, _) = tlv::parse_one(bytes)?;
    if outer.tag != 0x7C {
        return Err("not a dynamic authentication template (tag 7C expected)");
    }
    match tlv::find(outer.value, 0x82)? {
        Some(sig) if !sig.is_empty() => Ok(sig.to_vec()),
        _ => Err("no response (tag 82) in the template"),
    }
}

fn pin_status(tx: &mut dyn CardTransaction) -> Result<PinStatus, TokenError> {
    let r = tx.exchange(&Command::new(Ins::Verify, 0x00, PIN_REF), "read PIN status")?;
    match r.status() {
        StatusWord::Success => Ok(PinStatus::Verified),
        StatusWord::WrongPin { tries_left: 0 } | StatusWord::PinBlocked => Ok(PinStatus::Blocked),
        StatusWord::WrongPin { tries_left } => Ok(PinStatus::TriesLeft(tries_left)),
        s => Err(TokenError::status("read PIN status", s)),
    }
}

fn verify(tx: &mut dyn CardTransaction, pin: Pin) -> Result<(), TokenError> {
    let block = pin.piv_block()?;
    drop(pin);
    let cmd = Command::new(Ins::Verify, 0x00, PIN_REF).data(block.to_vec());
    drop(block);
    tx.exchange(&cmd, "verify PIN")?
        .success("verify PIN")
        .map(drop)
}

/// The 16 bytes of CHANGE REFERENCE DATA / RESET RETRY COUNTER: two 8-byte FF-padded blocks.
fn reference_pair(first: &Pin, second: &Pin) -> Result<zeroize::Zeroizing<Vec<u8>>, TokenError> {
    let (a, b) = (first.piv_block()?, second.piv_block()?);
    let mut data = zeroize::Zeroizing::new(Vec::with_capacity(16));
    data.extend_from_slice(&a);
    data.extend_from_slice(&b);
    Ok(data)
}

fn verify_on_pad(tx: &mut dyn CardTransaction) -> Result<(), TokenError> {
    let template = Command::new(Ins::Verify, 0x00, PIN_REF)
        .data(vec![0xFF; 8])
        .to_bytes();
    let raw = tx.verify_pin_on_pad(&template)?;
    let r = crate::apdu::Response::try_from(raw.as_slice())
        .map_err(|e| TokenError::bad("verify PIN on pad", e.to_string()))?;
    r.success("verify PIN on pad").map(drop)
}

impl PivSession<crate::reader::PcscCard, Unverified> {
    /// Connect to the card in `reader` and select its PIV application.
    pub fn connect(ctx: &mut crate::reader::PcscContext, reader: &str) -> Result<Self, TokenError> {
        Self::open(ctx.connect(reader)?)
    }
}

impl<B: CardBackend> PivSession<B, Unverified> {
    /// Select the PIV application on the card.
    pub fn open(mut backend: B) -> Result<Self, TokenError> {
        {
            let mut tx = backend.transaction()?;
            select(tx.as_mut())?;
        }
        Ok(Self {
            backend,
            _state: PhantomData,
        })
    }

    /// Verify the PIN. On failure the session comes back unverified with the error
    /// ([`TokenError::WrongPin`] carries the tries left). The PIN is dropped either way.
    pub fn verify_pin(mut self, pin: Pin) -> Result<PivSession<B, Verified>, Rejected<Self>> {
        let result = self.backend.transaction().and_then(|mut tx| {
            select(tx.as_mut())?;
            verify(tx.as_mut(), pin)
        });
        match result {
            Ok(()) => {
                self.backend.pin_verified();
                Ok(PivSession {
                    backend: self.backend,
                    _state: PhantomData,
                })
            }
            Err(error) => Err(Rejected {
                session: Box::new(self),
                error,
            }),
        }
    }

    /// Verify the PIN on the reader's PIN pad (the PIN never passes through this process).
    pub fn verify_pin_on_pad(mut self) -> Result<PivSession<B, Verified>, Rejected<Self>> {
        let result = self.backend.transaction().and_then(|mut tx| {
            select(tx.as_mut())?;
            verify_on_pad(tx.as_mut())
        });
        match result {
            Ok(()) => {
                self.backend.pin_verified();
                Ok(PivSession {
                    backend: self.backend,
                    _state: PhantomData,
                })
            }
            Err(error) => Err(Rejected {
                session: Box::new(self),
                error,
            }),
        }
    }
}

impl<B: CardBackend, S> PivSession<B, S> {
    /// Read the certificate of `slot`.
    pub fn certificate(&mut self, slot: PivSlot) -> Result<CertificateInfo, TokenError> {
        let mut tx = self.backend.transaction()?;
        select(tx.as_mut())?;
        let cmd = Command::new(Ins::GetData, 0x3F, 0xFF)
            .data(tlv::encode(0x5C, &slot.certificate_tag()))
            .ne(256);
        let r = tx.exchange(&cmd, "read certificate")?;
        match r.status() {
            StatusWord::Success => {}
            StatusWord::FileNotFound | StatusWord::ReferenceNotFound => {
                return Err(TokenError::NoCertificate {
                    location: slot.to_string(),
                });
            }
            s => return Err(TokenError::status("read certificate", s)),
        }
        let der = parse_certificate_object(r.data())
            .map_err(|d| TokenError::bad("read certificate", d))?;
        crate::cert::parse(&der)
    }

    /// How many PIN tries are left (VERIFY without data, SP 800-73-4 §3.2.1). Does not use a try.
    pub fn pin_status(&mut self) -> Result<PinStatus, TokenError> {
        let mut tx = self.backend.transaction()?;
        select(tx.as_mut())?;
        pin_status(tx.as_mut())
    }

    /// Change the PIN: CHANGE REFERENCE DATA (SP 800-73-4 Part 2 §3.2.2) with the current PIN and
    /// the new one, each 6 to 8 characters padded with FF. Both formats are checked before the card
    /// is asked, so a malformed new PIN uses no try. A wrong current PIN uses one
    /// ([`TokenError::WrongPin`] carries the tries left; [`TokenError::PinBlocked`] at zero). Both
    /// PINs are dropped here.
    pub fn change_pin(&mut self, current: Pin, new: Pin) -> Result<(), TokenError> {
        let data = reference_pair(&current, &new)?;
        drop((current, new));
        let mut tx = self.backend.transaction()?;
        select(tx.as_mut())?;
        let cmd = Command::new(Ins::ChangeReferenceData, 0x00, PIN_REF).data(data.to_vec());
        drop(data);
        let r = tx.exchange(&cmd, "change PIN")?;
        match r.status() {
            // Some cards answer a wrong current PIN with 63 00 (no counter): the counter is read.
            StatusWord::WarningChanged(0) => Err(match pin_status(tx.as_mut())? {
                PinStatus::Blocked => TokenError::PinBlocked,
                PinStatus::TriesLeft(n) => TokenError::WrongPin {
                    tries_left: Some(n),
                },
                _ => TokenError::WrongPin { tries_left: None },
            }),
            _ => r.success("change PIN").map(drop),
        }
    }

    /// Unblock the PIN with the PUK and set a new PIN: RESET RETRY COUNTER (SP 800-73-4 Part 2
    /// §3.2.3), the PUK and the new PIN each 6 to 8 characters padded with FF. Works whether or
    /// not the PIN is blocked; the PIN's counter is back to full after. A wrong PUK uses one of the
    /// PUK's tries ([`TokenError::WrongPin`] with the PUK's tries left; [`TokenError::PinBlocked`]
    /// once the PUK itself is blocked: only the certificate issuer helps then). Both are dropped.
    pub fn unblock_pin(&mut self, puk: Pin, new: Pin) -> Result<(), TokenError> {
        let data = reference_pair(&puk, &new)?;
        drop((puk, new));
        let mut tx = self.backend.transaction()?;
        select(tx.as_mut())?;
        let cmd = Command::new(Ins::ResetRetryCounter, 0x00, PIN_REF).data(data.to_vec());
        drop(data);
        let r = tx.exchange(&cmd, "unblock PIN")?;
        match r.status() {
            // A wrong PUK answered with 63 00: the PUK's counter cannot be read in PIV.
            StatusWord::WarningChanged(0) => Err(TokenError::WrongPin { tries_left: None }),
            _ => r.success("unblock PIN").map(drop),
        }
    }

    /// Whether the reader has a PIN pad.
    pub fn has_pin_pad(&mut self) -> Result<bool, TokenError> {
        Ok(self.backend.transaction()?.has_pin_pad())
    }

    /// The backend (for example to read the ATR).
    pub fn backend(&self) -> &B {
        &self.backend
    }

    /// End the session and get the backend back.
    pub fn into_backend(self) -> B {
        self.backend
    }
}

impl<B: CardBackend> PivSession<B, Verified> {
    /// A signer for `slot`. Slot 9C needs the PIN again for every signature: use
    /// [`PivSession::signer_with_pin`] for it; this returns [`TokenError::NotAuthenticated`].
    pub fn signer(&mut self, slot: PivSlot) -> Result<PivSigner<'_, B>, TokenError> {
        if slot.pin_always() {
            return Err(TokenError::NotAuthenticated {
                operation: "signing with a PIN-always key",
            });
        }
        self.make_signer(slot, None)
    }

    /// A signer for `slot` that presents `pin` right before its first signature and then drops
    /// it; later signatures fail with `NotAuthenticated` on a PIN-always key.
    pub fn signer_with_pin(
        &mut self,
        slot: PivSlot,
        pin: Pin,
    ) -> Result<PivSigner<'_, B>, TokenError> {
        self.make_signer(slot, Some(pin))
    }

    fn make_signer(
        &mut self,
        slot: PivSlot,
        pin: Option<Pin>,
    ) -> Result<PivSigner<'_, B>, TokenError> {
        let cert = self.certificate(slot)?;
        let (algorithm, card_alg) = match cert.key {
            KeyKind::Rsa { bits: 1024 } => (SignatureAlgorithm::RsaPkcs1Sha256, 0x06),
            KeyKind::Rsa { bits: 2048 } => (SignatureAlgorithm::RsaPkcs1Sha256, 0x07),
            KeyKind::Rsa { bits: 3072 } => (SignatureAlgorithm::RsaPkcs1Sha256, 0x05),
            KeyKind::Rsa { bits: 4096 } => (SignatureAlgorithm::RsaPkcs1Sha256, 0x16),
            KeyKind::EcP256 => (SignatureAlgorithm::EcdsaP256Sha256, 0x11),
            KeyKind::EcP384 => (SignatureAlgorithm::EcdsaP384Sha384, 0x14),
            other => {
                return Err(TokenError::UnsupportedKey {
                    detail: format!("{other:?} in {slot}"),
                });
            }
        };
        Ok(PivSigner {
            session: self,
            slot,
            cert,
            algorithm,
            card_alg,
            pin,
        })
    }
}

/// A PIV key that signs through the card; made only from a [`Verified`] session.
pub struct PivSigner<'s, B: CardBackend> {
    session: &'s mut PivSession<B, Verified>,
    slot: PivSlot,
    cert: CertificateInfo,
    algorithm: SignatureAlgorithm,
    card_alg: u8,
    pin: Option<Pin>,
}

impl<B: CardBackend> fmt::Debug for PivSigner<'_, B> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PivSigner")
            .field("slot", &self.slot)
            .field("algorithm", &self.algorithm)
            .field("pin", &self.pin.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}

impl<B: CardBackend> PivSigner<'_, B> {
    /// Use RSA-PSS (SHA-256, salt 32) instead of PKCS#1 v1.5; only for RSA keys.
    pub fn with_pss(mut self) -> Result<Self, TokenError> {
        if !matches!(self.cert.key, KeyKind::Rsa { .. }) {
            return Err(TokenError::UnsupportedKey {
                detail: "PSS needs an RSA key".into(),
            });
        }
        self.algorithm = SignatureAlgorithm::RsaPssSha256;
        Ok(self)
    }

    /// The parsed certificate of the key.
    pub fn certificate(&self) -> &CertificateInfo {
        &self.cert
    }

    /// Sign and report the card's failure as a [`TokenError`].
    pub fn sign_message(&mut self, message: &[u8]) -> Result<Vec<u8>, TokenError> {
        let hash = encoding::digest(self.algorithm, message);
        let input = match (self.algorithm, self.cert.key) {
            (SignatureAlgorithm::RsaPkcs1Sha256, KeyKind::Rsa { bits }) => {
                encoding::pkcs1v15_sha256(&hash, bits.div_ceil(8))
            }
            (SignatureAlgorithm::RsaPssSha256, KeyKind::Rsa { bits }) => {
                encoding::pss_sha256(&hash, bits)
            }
            (SignatureAlgorithm::EcdsaP256Sha256, KeyKind::EcP256)
            | (SignatureAlgorithm::EcdsaP384Sha384, KeyKind::EcP384) => Some(hash),
            _ => None,
        }
        .ok_or_else(|| TokenError::UnsupportedKey {
            detail: format!("{} with {:?}", self.algorithm, self.cert.key),
        })?;
        let pin = self.pin.take();
        if pin.is_none() && self.slot.pin_always() {
            return Err(TokenError::NotAuthenticated {
                operation: "signing with a PIN-always key",
            });
        }
        let mut tx = self.session.backend.transaction()?;
        select(tx.as_mut())?;
        let with_pin = pin.is_some();
        if let Some(pin) = pin {
            verify(tx.as_mut(), pin)?;
        }
        let template = tlv::encode(
            0x7C,
            &[tlv::encode(0x82, &[]), tlv::encode(0x81, &input)].concat(),
        );
        let cmd = Command::new(
            Ins::GeneralAuthenticate,
            self.card_alg,
            self.slot.key_reference(),
        )
        .data(template)
        .ne(256);
        // Marked verified below even when the signature fails: the card holds the PIN either way.
        let data = tx.exchange(&cmd, "sign").and_then(|r| r.success("sign"));
        drop(tx);
        if with_pin {
            self.session.backend.pin_verified();
        }
        parse_signature_response(&data?).map_err(|d| TokenError::bad("sign", d))
    }
}

impl<B: CardBackend + Send + Sync> Signer for PivSigner<'_, B> {
    fn certificate_der(&self) -> &[u8] {
        self.cert.der()
    }

    fn algorithm(&self) -> SignatureAlgorithm {
        self.algorithm
    }

    fn carrier(&self) -> Carrier {
        Carrier::Hardware
    }

    fn sign(&mut self, message: &[u8]) -> Result<Vec<u8>, SignerError> {
        self.sign_message(message).map_err(SignerError::from)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn certificate_object() {
        let obj = tlv::encode(
            0x53,
            &[
                tlv::encode(0x70, &[0x30, 0x00]),
                tlv::encode(0x71, &[0x00]),
                tlv::encode(0xFE, &[]),
            ]
            .concat(),
        );
        assert_eq!(parse_certificate_object(&obj), Ok(vec![0x30, 0x00]));
        let gz = tlv::encode(
            0x53,
            &[tlv::encode(0x70, &[0x1F, 0x8B]), tlv::encode(0x71, &[0x01])].concat(),
        );
        assert!(parse_certificate_object(&gz).is_err());
        assert!(parse_certificate_object(&[0x53, 0x00]).is_err());
        assert!(parse_certificate_object(&[0x54, 0x00]).is_err());
    }

    #[test]
    fn signature_template() {
        let r = tlv::encode(0x7C, &tlv::encode(0x82, &[1, 2, 3]));
        assert_eq!(parse_signature_response(&r), Ok(vec![1, 2, 3]));
        assert!(parse_signature_response(&[0x7C, 0x02, 0x82, 0x00]).is_err());
        assert!(parse_signature_response(&[0x7C, 0x05, 0x82]).is_err());
    }

    #[test]
    fn reference_pair_pads_both_and_refuses_bad_formats() {
        let pin = |s: &str| Pin::new(s.to_owned()).unwrap_or_else(|e| panic!("{e:?}"));
        let data =
            reference_pair(&pin("123456"), &pin("12345678")).unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(
            data.as_slice(),
            b"123456\xFF\xFF12345678".as_slice(),
            "two 8-byte blocks, FF-padded (SP 800-73-4 Part 2 §3.2.2)"
        );
        // A new PIN of 5 or 9 characters is refused before the card is asked (no try used).
        for bad in ["12345", "123456789"] {
            let e = reference_pair(&pin("123456"), &pin(bad)).err();
            assert!(
                matches!(e, Some(TokenError::PinFormat { .. })),
                "{bad}: {e:?}"
            );
        }
    }
}
