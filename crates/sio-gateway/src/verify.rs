//! Checking signed documents with sio-sign: chain to the CA, validity, key purpose (EKU), CRL,
//! CMS signature over the canonical bytes (detached).
//!
//! Time: the documents arrive live, so certificates must be valid at the gateway's clock (not at
//! the signingTime the signer claims), and the CMS signingTime must lie within the protocol's
//! clock window of it ([`sio_protocol::CLOCK_WINDOW_SECONDS`], both ways). A signingTime outside
//! the window is answered like any other clock difference, `GW_CLOCK_SKEW` (the client's outbox
//! signs a stale request again on that code).
//!
//! Documents with an id of their own (requests, exports, applications) are resent by the
//! client's outbox after a lost answer, possibly long after signing. They are verified first
//! without the window ([`Verifiers::identified`]); a resend byte for byte of a document the
//! gateway already holds gets the stored answer, and only a new document must pass the window
//! ([`Unwindowed::fresh`]).

use sio_sign::{KeyPurpose, VerifiedSignature, Verifier};

use crate::error::GwError;
use crate::tls::Trust;

/// Verifiers built from the current CA and CRL, one per key purpose.
#[derive(Debug, Clone)]
pub(crate) struct Verifiers {
    auth: Verifier,
    sign: Verifier,
    /// `sign` without the signingTime window, for documents looked up by their id first.
    sign_identified: Verifier,
}

/// The window of a live document's signingTime around the gateway's clock.
fn window() -> std::time::Duration {
    std::time::Duration::from_secs(u64::from(sio_protocol::CLOCK_WINDOW_SECONDS))
}

/// Signatures verified in every respect but the signingTime window: enough to recognise a
/// document the gateway already holds (same id, same bytes, same user), which gets its stored
/// answer; a new document must pass [`Unwindowed::fresh`] first.
#[derive(Debug)]
#[must_use = "a new document must pass `fresh` before it is acted on"]
pub(crate) struct Unwindowed(Vec<VerifiedSignature>);

impl Unwindowed {
    /// The verified signers (chain, validity now, CRL, key purpose, signature).
    pub(crate) fn signers(&self) -> &[VerifiedSignature] {
        &self.0
    }

    /// The signers, once every signingTime lies within the window (`GW_CLOCK_SKEW` otherwise).
    pub(crate) fn fresh(self) -> Result<Vec<VerifiedSignature>, GwError> {
        let now = std::time::SystemTime::now();
        for (i, s) in self.0.iter().enumerate() {
            sio_sign::check_signing_time(i, s.signing_time, now, window()).map_err(from_sign)?;
        }
        Ok(self.0)
    }
}

impl Verifiers {
    pub(crate) fn new(trust: &Trust) -> Result<Self, GwError> {
        let mut base = Verifier::new(&trust.ca_certs)
            .map_err(|e| GwError::Config(format!("CA for signature checks: {e}")))?
            .validity_at_now();
        for crl in &trust.crls {
            base = base
                .with_crl(crl)
                .map_err(|e| GwError::Config(format!("CRL for signature checks: {e}")))?;
        }
        // A stored document passed the window when it arrived; for a new one `fresh` judges the
        // signingTime both ways, so sio-sign's own future check is only a sanity bound here.
        let sign_identified = base
            .clone()
            .allow_clock_skew(std::time::Duration::from_secs(24 * 3600))
            .require_purpose(KeyPurpose::DocumentSigning);
        let base = base.signing_time_window(window());
        Ok(Self {
            auth: base.clone().require_purpose(KeyPurpose::Authentication),
            sign: base.require_purpose(KeyPurpose::DocumentSigning),
            sign_identified,
        })
    }

    /// Verify a login document: exactly one signer with an authentication certificate.
    pub(crate) fn login(&self, content: &[u8], cms: &[u8]) -> Result<VerifiedSignature, GwError> {
        let mut sigs = self.auth.verify(cms, Some(content)).map_err(from_sign)?;
        if sigs.len() != 1 {
            return Err(GwError::SignerCount(1));
        }
        sigs.pop().ok_or(GwError::SignerCount(1))
    }

    /// Verify a document signed with signing certificates; exactly `signers` must sign.
    pub(crate) fn document(
        &self,
        content: &[u8],
        cms: &[u8],
        signers: usize,
    ) -> Result<Vec<VerifiedSignature>, GwError> {
        count(
            self.sign.verify(cms, Some(content)).map_err(from_sign)?,
            signers..=signers,
        )
    }

    /// Verify a document that carries its own id (request, export, application) without the
    /// signingTime window, so that a resend of a stored one is recognised; see [`Unwindowed`].
    pub(crate) fn identified(
        &self,
        content: &[u8],
        cms: &[u8],
        signers: std::ops::RangeInclusive<usize>,
    ) -> Result<Unwindowed, GwError> {
        let sigs = self
            .sign_identified
            .verify(cms, Some(content))
            .map_err(from_sign)?;
        count(sigs, signers).map(Unwindowed)
    }
}

fn count(
    sigs: Vec<VerifiedSignature>,
    signers: std::ops::RangeInclusive<usize>,
) -> Result<Vec<VerifiedSignature>, GwError> {
    if !signers.contains(&sigs.len()) {
        return Err(GwError::SignerCount(*signers.end()));
    }
    Ok(sigs)
}

/// A signingTime outside the window is a clock difference (`GW_CLOCK_SKEW`); every other refusal
/// keeps sio-sign's `SIGN_*` code.
fn from_sign(e: sio_sign::SignError) -> GwError {
    match e {
        sio_sign::SignError::SigningTimeOutsideWindow {
            skew_seconds,
            window_seconds,
            ..
        } => GwError::ClockSkew {
            skew_seconds,
            window: u32::try_from(window_seconds).unwrap_or(u32::MAX),
        },
        other => GwError::Sign(other),
    }
}
