//! Checking signed documents with sio-sign: chain to the CA, validity, key purpose (EKU), CRL,
//! CMS signature over the canonical bytes (detached).

use sio_sign::{KeyPurpose, VerifiedSignature, Verifier};

use crate::error::GwError;
use crate::tls::Trust;

/// Verifiers built from the current CA and CRL, one per key purpose.
#[derive(Debug, Clone)]
pub(crate) struct Verifiers {
    auth: Verifier,
    sign: Verifier,
}

impl Verifiers {
    pub(crate) fn new(trust: &Trust) -> Result<Self, GwError> {
        let mut base = Verifier::new(&trust.ca_certs)
            .map_err(|e| GwError::Config(format!("CA for signature checks: {e}")))?;
        for crl in &trust.crls {
            base = base
                .with_crl(crl)
                .map_err(|e| GwError::Config(format!("CRL for signature checks: {e}")))?;
        }
        Ok(Self {
            auth: base.clone().require_purpose(KeyPurpose::Authentication),
            sign: base.require_purpose(KeyPurpose::DocumentSigning),
        })
    }

    /// Verify a login document: exactly one signer with an authentication certificate.
    pub(crate) fn login(&self, content: &[u8], cms: &[u8]) -> Result<VerifiedSignature, GwError> {
        let mut sigs = self.auth.verify(cms, Some(content))?;
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
        self.document_by(content, cms, signers..=signers)
    }

    /// Verify a document whose number of signers may vary within `signers`.
    pub(crate) fn document_by(
        &self,
        content: &[u8],
        cms: &[u8],
        signers: std::ops::RangeInclusive<usize>,
    ) -> Result<Vec<VerifiedSignature>, GwError> {
        let sigs = self.sign.verify(cms, Some(content))?;
        if !signers.contains(&sigs.len()) {
            return Err(GwError::SignerCount(*signers.end()));
        }
        Ok(sigs)
    }
}
