//! A verified PIV card session shared by the TLS layer and the document signer.
//!
//! The authentication key (slot 9A) signs the TLS 1.3 handshake of the protected channel and the
//! login document; both go through one [`CardKey`] that owns the verified session behind a mutex,
//! so a handshake on a pooled connection and a document signature never interleave on the card.
//! The PIN is not kept: the card remembers its verification until it is reset or removed.

use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};

use sio_sign::{Carrier, SignatureAlgorithm, Signer, SignerError};
use sio_token::{CardBackend, Pin, PivSession, PivSlot, TokenError, Verified};

use crate::identity::TlsKey;

/// A key on a card whose PIN was verified, shareable between threads.
pub struct CardKey<B: CardBackend> {
    session: Mutex<PivSession<B, Verified>>,
    slot: PivSlot,
    certificate: Vec<u8>,
    algorithm: SignatureAlgorithm,
}

impl<B: CardBackend> fmt::Debug for CardKey<B> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CardKey")
            .field("slot", &self.slot)
            .field("algorithm", &self.algorithm)
            .finish_non_exhaustive()
    }
}

impl<B: CardBackend + Send + Sync> CardKey<B> {
    /// Wrap a verified session's key in `slot` (not a PIN-always slot). RSA keys sign with
    /// RSA-PSS, which TLS 1.3 requires and CMS accepts.
    pub fn new(
        mut session: PivSession<B, Verified>,
        slot: PivSlot,
    ) -> Result<Arc<Self>, TokenError> {
        let (certificate, algorithm) = {
            let signer = session.signer(slot)?;
            let signer = match signer.certificate().key {
                sio_token::KeyKind::Rsa { .. } => signer.with_pss()?,
                _ => signer,
            };
            (signer.certificate_der().to_vec(), signer.algorithm())
        };
        Ok(Arc::new(CardKey {
            session: Mutex::new(session),
            slot,
            certificate,
            algorithm,
        }))
    }

    /// DER of the key's certificate.
    pub fn certificate_der(&self) -> &[u8] {
        &self.certificate
    }

    fn sign_now(&self, message: &[u8]) -> Result<Vec<u8>, SignerError> {
        let mut session = self.session.lock().unwrap_or_else(PoisonError::into_inner);
        let signer = session.signer(self.slot).map_err(SignerError::from)?;
        let mut signer = if self.algorithm == SignatureAlgorithm::RsaPssSha256 {
            signer.with_pss().map_err(SignerError::from)?
        } else {
            signer
        };
        signer.sign(message)
    }

    /// A signer for a PIN-always key on the same card (slot 9C, the signing key): `pin` is
    /// presented right before its one signature and dropped.
    pub fn pin_always_signer(
        self: &Arc<Self>,
        slot: PivSlot,
        pin: Pin,
    ) -> Result<PinAlwaysSigner<B>, TokenError> {
        let (certificate, algorithm) = {
            let mut session = self.session.lock().unwrap_or_else(PoisonError::into_inner);
            let info = session.certificate(slot)?;
            let algorithm = match info.key {
                sio_token::KeyKind::Rsa { .. } => SignatureAlgorithm::RsaPkcs1Sha256,
                sio_token::KeyKind::EcP256 => SignatureAlgorithm::EcdsaP256Sha256,
                sio_token::KeyKind::EcP384 => SignatureAlgorithm::EcdsaP384Sha384,
                other => {
                    return Err(TokenError::UnsupportedKey {
                        detail: format!("{other:?} in {slot}"),
                    });
                }
            };
            (info.der().to_vec(), algorithm)
        };
        Ok(PinAlwaysSigner {
            key: self.clone(),
            slot,
            pin: Some(pin),
            certificate,
            algorithm,
        })
    }

    /// A [`Signer`] over this key for building CMS documents.
    pub fn signer(self: &Arc<Self>) -> CardKeySigner<B> {
        CardKeySigner(self.clone())
    }
}

impl<B: CardBackend + Send + Sync> TlsKey for CardKey<B> {
    fn algorithm(&self) -> SignatureAlgorithm {
        self.algorithm
    }

    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, SignerError> {
        self.sign_now(message)
    }
}

/// [`CardKey`] as a document [`Signer`].
#[derive(Debug)]
pub struct CardKeySigner<B: CardBackend>(Arc<CardKey<B>>);

impl<B: CardBackend + Send + Sync> Signer for CardKeySigner<B> {
    fn certificate_der(&self) -> &[u8] {
        &self.0.certificate
    }

    fn algorithm(&self) -> SignatureAlgorithm {
        self.0.algorithm
    }

    fn carrier(&self) -> Carrier {
        Carrier::Hardware
    }

    fn sign(&mut self, message: &[u8]) -> Result<Vec<u8>, SignerError> {
        self.0.sign_now(message)
    }
}

/// A one-signature signer for a PIN-always key (see [`CardKey::pin_always_signer`]).
pub struct PinAlwaysSigner<B: CardBackend> {
    key: Arc<CardKey<B>>,
    slot: PivSlot,
    pin: Option<Pin>,
    certificate: Vec<u8>,
    algorithm: SignatureAlgorithm,
}

impl<B: CardBackend> fmt::Debug for PinAlwaysSigner<B> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PinAlwaysSigner")
            .field("slot", &self.slot)
            .field("pin", &self.pin.as_ref().map(|_| "<redacted>"))
            .finish_non_exhaustive()
    }
}

impl<B: CardBackend + Send + Sync> Signer for PinAlwaysSigner<B> {
    fn certificate_der(&self) -> &[u8] {
        &self.certificate
    }

    fn algorithm(&self) -> SignatureAlgorithm {
        self.algorithm
    }

    fn carrier(&self) -> Carrier {
        Carrier::Hardware
    }

    fn sign(&mut self, message: &[u8]) -> Result<Vec<u8>, SignerError> {
        let pin = self.pin.take().ok_or(SignerError::NotAuthenticated)?;
        let mut session = self
            .key
            .session
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let mut signer = session
            .signer_with_pin(self.slot, pin)
            .map_err(SignerError::from)?;
        signer.sign(message)
    }
}

/// Watches one reader and tells when its card leaves: the session must lock at once (the card's
/// PIN verification is gone with it). Blocks in `SCardGetStatusChange` on a thread of its own; no
/// polling of the card.
#[derive(Debug)]
pub struct RemovalWatch {
    removed: Arc<std::sync::atomic::AtomicBool>,
    stop: Arc<std::sync::atomic::AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl RemovalWatch {
    /// Start watching `reader`. `on_removed` runs once, on the watcher's thread, when the card
    /// leaves (or the reader disappears).
    pub fn start(
        reader: &str,
        on_removed: impl FnOnce() + Send + 'static,
    ) -> Result<Self, TokenError> {
        use std::sync::atomic::{AtomicBool, Ordering};
        let mut ctx = sio_token::PcscContext::establish()?;
        let mut watch = sio_token::ReaderWatch::default();
        // The first call reports what is there now.
        ctx.wait_for_events(&mut watch, std::time::Duration::ZERO)?;
        let removed = Arc::new(AtomicBool::new(false));
        let stop = Arc::new(AtomicBool::new(false));
        let (r, s, reader) = (removed.clone(), stop.clone(), reader.to_owned());
        let thread = std::thread::spawn(move || {
            let mut on_removed = Some(on_removed);
            while !s.load(Ordering::Relaxed) {
                let events =
                    match ctx.wait_for_events(&mut watch, std::time::Duration::from_millis(500)) {
                        Ok(events) => events,
                        Err(e) => {
                            tracing::warn!(
                                code = e.code(),
                                "reader watch failed; treating the card as removed"
                            );
                            vec![sio_token::ReaderEvent::CardRemoved(reader.clone())]
                        }
                    };
                let gone = events.iter().any(|e| {
                    matches!(e, sio_token::ReaderEvent::CardRemoved(n) | sio_token::ReaderEvent::ReaderRemoved(n) if *n == reader)
                });
                if gone {
                    r.store(true, Ordering::SeqCst);
                    if let Some(f) = on_removed.take() {
                        f();
                    }
                    return;
                }
            }
        });
        Ok(RemovalWatch {
            removed,
            stop,
            thread: Some(thread),
        })
    }

    /// Whether the card has left.
    pub fn removed(&self) -> bool {
        self.removed.load(std::sync::atomic::Ordering::SeqCst)
    }
}

impl Drop for RemovalWatch {
    fn drop(&mut self) {
        self.stop.store(true, std::sync::atomic::Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}
