//! The contract between the CMS layer and whatever holds the private key.

use std::fmt;

/// Signature algorithms the client and the gateway know.
///
/// An enum, not a flag: the RSA/ECDSA of older certificates and GOST R 34.10-2015 (256/512 with
/// Streebog), NCA RK's main key type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SignatureAlgorithm {
    /// RSA PKCS#1 v1.5 with SHA-256.
    RsaPkcs1Sha256,
    /// RSA-PSS with SHA-256, MGF1-SHA-256, salt length 32.
    RsaPssSha256,
    /// ECDSA on P-256 with SHA-256.
    EcdsaP256Sha256,
    /// ECDSA on P-384 with SHA-384.
    EcdsaP384Sha384,
    /// GOST R 34.10-2012 (34.10-2015) 256-bit with GOST R 34.11-2012 (Streebog-256).
    Gost2012_256,
    /// GOST R 34.10-2012 (34.10-2015) 512-bit with GOST R 34.11-2012 (Streebog-512).
    Gost2012_512,
}

/// Where the private key lives. Rule 18 (Order 88/2024) admits only a protected carrier for login.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Carrier {
    /// A smart card or USB token reached through PC/SC (PIV) or a PKCS#11 module of a hardware token.
    Hardware,
    /// A key held in software (PKCS#12/.p12, PEM, SoftHSM2). Refused for login.
    Software,
}

/// Why a signer could not sign. Implementations map their own errors onto these.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SignerError {
    /// The token refused: PIN not verified, security status not satisfied.
    #[error("the token requires PIN verification before signing")]
    NotAuthenticated,
    /// The card or token went away during the operation; no signature was produced.
    #[error("the token was removed or the reader disconnected")]
    Removed,
    /// The smart card service (pcscd) went away during the operation (stopped or killed in the
    /// middle of an exchange); no signature was produced.
    #[error("the smart card service (pcscd) went away during the operation")]
    ServiceGone,
    /// The key does not support the requested algorithm.
    #[error("the key cannot sign with {0:?}")]
    UnsupportedAlgorithm(SignatureAlgorithm),
    /// Any other device failure, with the device's own words.
    #[error("token failure: {0}")]
    Device(String),
}

/// Something that holds a private key and signs with it.
///
/// `Send + Sync`, as rustls's `SigningKey`/`Signer` are: a signer may be held across an `.await`
/// in a future that runs on any thread of the runtime (the desktop app's commands), so a card or
/// module handle that is not `Sync` keeps itself behind a mutex.
///
/// `sign` receives the message to be signed (for CMS: the DER of the signed attributes) and hashes
/// it as [`Signer::algorithm`] says; the card or module is asked only for the private-key operation.
pub trait Signer: Send + Sync {
    /// DER of the signer's X.509 certificate.
    fn certificate_der(&self) -> &[u8];
    /// The algorithm this signer produces.
    fn algorithm(&self) -> SignatureAlgorithm;
    /// Where the key lives.
    fn carrier(&self) -> Carrier;
    /// Sign `message`. RSA returns the signature block; ECDSA returns a DER `Ecdsa-Sig-Value`
    /// (SEQUENCE of r and s), converting from raw `r‖s` where a module returns that; GOST returns
    /// `s‖r`, each big-endian (RFC 4491 §2.2.2; 64 or 128 bytes).
    fn sign(&mut self, message: &[u8]) -> Result<Vec<u8>, SignerError>;
}

impl fmt::Display for SignatureAlgorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::RsaPkcs1Sha256 => "RSA PKCS#1 v1.5 / SHA-256",
            Self::RsaPssSha256 => "RSA-PSS / SHA-256",
            Self::EcdsaP256Sha256 => "ECDSA P-256 / SHA-256",
            Self::EcdsaP384Sha384 => "ECDSA P-384 / SHA-384",
            Self::Gost2012_256 => "GOST R 34.10-2015 256 / Streebog-256",
            Self::Gost2012_512 => "GOST R 34.10-2015 512 / Streebog-512",
        })
    }
}
