//! Errors of building and verifying signatures, each with a stable `SIGN_*` code.

use crate::SignerError;

/// Why a signature could not be made or was not accepted.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SignError {
    /// The input uses BER indefinite lengths (some signers stream CMS); only DER is accepted.
    #[error("the CMS uses BER indefinite lengths; only DER is accepted")]
    BerIndefiniteLength,
    /// The input is not well-formed DER at the named place.
    #[error("malformed CMS or certificate: {0}")]
    Malformed(&'static str),
    /// The ContentInfo is not a SignedData.
    #[error("the CMS is not a SignedData")]
    NotSignedData,
    /// The SignedData has no SignerInfo.
    #[error("the SignedData has no signer")]
    NoSigners,
    /// Detached signature, but no content was given (or attached content AND different content).
    #[error("the signed content is detached and was not supplied")]
    ContentMissing,
    /// The signer did not use signed attributes (CAdES requires them).
    #[error("signer {signer}: no signed attributes")]
    SignedAttributesMissing {
        /// Index of the SignerInfo.
        signer: usize,
    },
    /// contentType attribute missing or different from the encapsulated content type.
    #[error("signer {signer}: content-type attribute missing or wrong")]
    ContentTypeMismatch {
        /// Index of the SignerInfo.
        signer: usize,
    },
    /// The content's digest differs from the messageDigest attribute: the document was changed.
    #[error("signer {signer}: the document does not match the signature (digest differs)")]
    DigestMismatch {
        /// Index of the SignerInfo.
        signer: usize,
    },
    /// The signature value does not verify with the certificate's public key.
    #[error("signer {signer}: the signature value is invalid")]
    BadSignature {
        /// Index of the SignerInfo.
        signer: usize,
    },
    /// Algorithm not among RSA PKCS#1 v1.5 / RSA-PSS (SHA-256), ECDSA P-256/SHA-256, P-384/SHA-384.
    #[error("unsupported algorithm: {0}")]
    UnsupportedAlgorithm(String),
    /// The SignedData carries more SignerInfos than the verifier accepts; refused before any
    /// signature is checked (each one costs a public-key operation).
    #[error("the CMS carries {count} signers; at most {max} are accepted")]
    TooManySigners {
        /// SignerInfos in the SignedData.
        count: usize,
        /// The verifier's limit.
        max: usize,
    },
    /// The signer's certificate is not in the SignedData.
    #[error("signer {signer}: its certificate is not included")]
    SignerCertificateMissing {
        /// Index of the SignerInfo.
        signer: usize,
    },
    /// ESS signing-certificate(-v2) attribute names another certificate.
    #[error("signer {signer}: the signing-certificate attribute does not match the certificate")]
    SigningCertificateMismatch {
        /// Index of the SignerInfo.
        signer: usize,
    },
    /// ESS signing-certificate(-v2) attribute required (CAdES-BES) but absent.
    #[error("signer {signer}: no signing-certificate attribute (not CAdES-BES)")]
    SigningCertificateMissing {
        /// Index of the SignerInfo.
        signer: usize,
    },
    /// The claimed signingTime lies in the future (beyond the allowed clock skew).
    #[error("signer {signer}: the signing time lies in the future")]
    SigningTimeInFuture {
        /// Index of the SignerInfo.
        signer: usize,
    },
    /// A signingTime is required (live verification with a signing-time window) but absent.
    #[error("signer {signer}: no signing time")]
    SigningTimeMissing {
        /// Index of the SignerInfo.
        signer: usize,
    },
    /// The claimed signingTime is further from the verifier's clock than its window allows.
    #[error(
        "signer {signer}: the signing time is {skew_seconds} s from the verifier's clock (window {window_seconds} s)"
    )]
    SigningTimeOutsideWindow {
        /// Index of the SignerInfo.
        signer: usize,
        /// signingTime minus the verifier's clock, seconds (negative: in the past).
        skew_seconds: i64,
        /// The allowed distance, seconds.
        window_seconds: u64,
    },
    /// No chain from the certificate to a trusted CA.
    #[error("certificate of {subject} is not issued by a trusted CA")]
    Untrusted {
        /// Subject CN.
        subject: String,
    },
    /// The certificate had expired at the time checked (signing time, or now for live checks).
    #[error("certificate of {subject} had expired at the time checked")]
    CertificateExpired {
        /// Subject CN.
        subject: String,
    },
    /// The certificate was not yet valid at the time checked (signing time, or now for live checks).
    #[error("certificate of {subject} was not yet valid at the time checked")]
    CertificateNotYetValid {
        /// Subject CN.
        subject: String,
    },
    /// The certificate lacks the required extended key usage (or key usage).
    #[error("certificate of {subject} is not for {required}")]
    WrongKeyPurpose {
        /// Subject CN.
        subject: String,
        /// What was required.
        required: &'static str,
    },
    /// The certificate is on the CRL.
    #[error("certificate {serial} of {subject} is revoked")]
    Revoked {
        /// Subject CN.
        subject: String,
        /// Serial, hex.
        serial: String,
    },
    /// A CRL is malformed or not signed by a trusted CA.
    #[error("the CRL is invalid: {0}")]
    CrlInvalid(&'static str),
    /// The CRL's nextUpdate has passed.
    #[error("the CRL is out of date")]
    CrlExpired,
    /// CRLs were given, but none is from the certificate's issuer.
    #[error("no CRL of the issuer of {subject}")]
    RevocationUnknown {
        /// Subject CN.
        subject: String,
    },
    /// The signer (token) failed.
    #[error("signing failed: {0}")]
    Signer(#[from] SignerError),
    /// The token returned a signature that does not verify with its own certificate.
    #[error("the token returned a signature that does not match its certificate")]
    SignerSelfCheck,
    /// The signer's certificate cannot be used (unparsable, key/algorithm mismatch).
    #[error("the signer's certificate cannot be used: {0}")]
    SignerCertificate(&'static str),
    /// A software key could not be read.
    #[error("cannot read the key: {0}")]
    Key(&'static str),
    /// Encoding the CMS failed.
    #[error("cannot encode the CMS: {0}")]
    Encode(String),
}

sio_error::coded! {
    SignError, default FixInput, extras {
        fn card_state(&self) -> Option<sio_error::CardState> {
            match self {
                Self::Signer(SignerError::Removed) => Some(sio_error::CardState::Removed),
                Self::Signer(SignerError::NotAuthenticated) => {
                    Some(sio_error::CardState::NotAuthenticated)
                }
                Self::Signer(SignerError::ServiceGone) => Some(sio_error::CardState::ServiceGone),
                _ => None,
            }
        }
    };
    Self::BerIndefiniteLength => "SIGN_BER_UNSUPPORTED",
    Self::Malformed(_) => "SIGN_MALFORMED",
    Self::NotSignedData => "SIGN_NOT_SIGNED_DATA",
    Self::NoSigners => "SIGN_NO_SIGNERS",
    Self::ContentMissing => "SIGN_CONTENT_MISSING",
    Self::SignedAttributesMissing { .. } => "SIGN_SIGNED_ATTRS_MISSING",
    Self::ContentTypeMismatch { .. } => "SIGN_CONTENT_TYPE_MISMATCH" [DoNotTrust],
    Self::DigestMismatch { .. } => "SIGN_DIGEST_MISMATCH" [DoNotTrust],
    Self::BadSignature { .. } => "SIGN_BAD_SIGNATURE" [DoNotTrust],
    Self::UnsupportedAlgorithm(_) => "SIGN_UNSUPPORTED_ALGORITHM",
    Self::TooManySigners { .. } => "SIGN_TOO_MANY_SIGNERS" [DoNotTrust],
    Self::SignerCertificateMissing { .. } => "SIGN_SIGNER_CERT_MISSING",
    Self::SigningCertificateMismatch { .. } => "SIGN_ESS_CERT_MISMATCH" [DoNotTrust],
    Self::SigningCertificateMissing { .. } => "SIGN_ESS_CERT_MISSING",
    Self::SigningTimeInFuture { .. } => "SIGN_SIGNING_TIME_IN_FUTURE" [FixClock],
    Self::SigningTimeMissing { .. } => "SIGN_SIGNING_TIME_MISSING",
    Self::SigningTimeOutsideWindow { .. } => "SIGN_SIGNING_TIME_OUTSIDE_WINDOW" [FixClock],
    Self::Untrusted { .. } => "SIGN_UNTRUSTED" [DoNotTrust],
    Self::CertificateExpired { .. } => "SIGN_CERT_EXPIRED" [IssuingOffice],
    Self::CertificateNotYetValid { .. } => "SIGN_CERT_NOT_YET_VALID" [FixClock],
    Self::WrongKeyPurpose { .. } => "SIGN_WRONG_KEY_PURPOSE",
    Self::Revoked { .. } => "SIGN_CERT_REVOKED" [IssuingOffice],
    Self::CrlInvalid(_) => "SIGN_CRL_INVALID" [Administrator],
    Self::CrlExpired => "SIGN_CRL_EXPIRED" [Administrator],
    Self::RevocationUnknown { .. } => "SIGN_REVOCATION_UNKNOWN" [Administrator],
    Self::Signer(SignerError::NotAuthenticated) => "SIGN_TOKEN_NOT_AUTHENTICATED" [RetryPin],
    // One fault, one code: the card (or token) leaving is `TOKEN_CARD_REMOVED` whether the
    // token layer or the signature met it (issue 20).
    Self::Signer(SignerError::Removed) => "TOKEN_CARD_REMOVED" [CheckDevice],
    // Likewise the smart card service going away, before or during the exchange (issue 20).
    Self::Signer(SignerError::ServiceGone) => "TOKEN_NO_SERVICE" [Administrator],
    Self::Signer(SignerError::UnsupportedAlgorithm(_)) => "SIGN_TOKEN_UNSUPPORTED_ALGORITHM",
    Self::Signer(_) => "SIGN_TOKEN_FAILURE" [CheckDevice],
    Self::SignerSelfCheck => "SIGN_TOKEN_BAD_SIGNATURE" [Helpdesk],
    Self::SignerCertificate(_) => "SIGN_SIGNER_CERT_INVALID" [IssuingOffice],
    Self::Key(_) => "SIGN_KEY_INVALID",
    Self::Encode(_) => "SIGN_ENCODE" [Helpdesk],
}

/// Every code sio-sign can return, one list per error enum (the failure-code catalogue check).
pub const CODES: &[&[&str]] = &[<SignError as sio_error::CodeList>::CODES];

impl From<der::Error> for SignError {
    fn from(e: der::Error) -> Self {
        Self::Encode(e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use sio_error::{CardState, Coded};

    use super::{SignError, SignerError};

    /// What the app locks on (issue 20): the card left, forgot its PIN, or the smart-card service
    /// went away in the middle of the signature — each a card state of its own, and the code the
    /// officer sees for a service gone is the one of a service that is down.
    #[test]
    fn card_faults_carry_their_card_state() {
        for (cause, state, code) in [
            (
                SignerError::Removed,
                CardState::Removed,
                "TOKEN_CARD_REMOVED",
            ),
            (
                SignerError::ServiceGone,
                CardState::ServiceGone,
                "TOKEN_NO_SERVICE",
            ),
        ] {
            let e = SignError::Signer(cause);
            assert_eq!(e.card_state(), Some(state));
            assert_eq!(Coded::code(&e), code);
        }
        assert_eq!(
            SignError::Signer(SignerError::NotAuthenticated).card_state(),
            Some(CardState::NotAuthenticated)
        );
    }
}
