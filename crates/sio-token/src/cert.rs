//! The certificate on a token: the product's one certificate summary (`sio_sign::CertSummary`,
//! re-exported here as [`CertificateInfo`]) and the login decision on it.
//!
//! An expired or not-yet-valid certificate is shown ([`CertificateInfo`]) but cannot become a
//! [`UsableCertificate`].

use std::time::SystemTime;

pub use sio_core::{Bin, Iin};
pub use sio_sign::CertSummary as CertificateInfo;
pub use sio_sign::{KeyKind, Purposes, Validity};

use crate::TokenError;

/// Parse a DER certificate read from a token (`TOKEN_CERT_INVALID` when it does not parse).
pub fn parse(der: &[u8]) -> Result<CertificateInfo, TokenError> {
    CertificateInfo::from_der(der).map_err(|e| TokenError::Certificate {
        detail: e.to_string(),
    })
}

/// The login decision on a token's certificate: usable at a time, or why not.
pub trait UsableAt {
    /// The certificate as usable for an operation at `now`, or why not
    /// (`TOKEN_CERT_EXPIRED`, `TOKEN_CERT_NOT_YET_VALID`).
    fn usable_at(self, now: SystemTime) -> Result<UsableCertificate, TokenError>;
}

impl UsableAt for CertificateInfo {
    fn usable_at(self, now: SystemTime) -> Result<UsableCertificate, TokenError> {
        match self.validity_at(now) {
            Validity::Valid => Ok(UsableCertificate(self)),
            Validity::Expired => Err(TokenError::CertificateExpired {
                not_after: self.not_after_rfc3339(),
            }),
            Validity::NotYetValid => Err(TokenError::CertificateNotYetValid {
                not_before: self.not_before_rfc3339(),
            }),
        }
    }
}

/// A certificate that was within its validity when checked; only [`UsableAt::usable_at`] makes
/// one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsableCertificate(CertificateInfo);

impl UsableCertificate {
    /// The parsed certificate.
    pub fn info(&self) -> &CertificateInfo {
        &self.0
    }
}
