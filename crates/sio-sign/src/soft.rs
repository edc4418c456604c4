//! A software signer: a PKCS#8 PEM key and its certificate. For tests and the reference gateway's
//! own needs. It reports [`Carrier::Software`], which the login layer refuses (Rule 18: a key file
//! such as .p12/.pem is not a protected carrier).

use std::fmt;

use ring::rand::SystemRandom;
use ring::signature::{self as rs, EcdsaKeyPair, RsaKeyPair};
use zeroize::Zeroizing;

use crate::algs::KeyType;
use crate::cert::ParsedCert;
use crate::{Carrier, SignError, SignatureAlgorithm, Signer, SignerError};

pub use crate::soft_gost::{GostKey, GostSoftwareSigner, gost_verify};

enum Key {
    Rsa(RsaKeyPair),
    Ecdsa(EcdsaKeyPair),
}

/// A private key in memory with its certificate.
pub struct SoftwareSigner {
    key: Key,
    cert_der: Vec<u8>,
    algorithm: SignatureAlgorithm,
    rng: SystemRandom,
}

impl fmt::Debug for SoftwareSigner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SoftwareSigner")
            .field("key", &"<redacted>")
            .field("algorithm", &self.algorithm)
            .finish_non_exhaustive()
    }
}

impl SoftwareSigner {
    /// Load a key ("PRIVATE KEY" PKCS#8, or "RSA PRIVATE KEY" PKCS#1) and its certificate (PEM or
    /// DER). RSA keys sign with PKCS#1 v1.5 unless [`SoftwareSigner::with_algorithm`] says PSS;
    /// ECDSA keys sign with the curve's hash. Fails if the key does not match the certificate.
    pub fn from_pem(key_pem: &str, certificate: &[u8]) -> Result<Self, SignError> {
        let cert = ParsedCert::signer(certificate)?;
        let (label, der) =
            der::pem::decode_vec(key_pem.as_bytes()).map_err(|_| SignError::Key("not PEM"))?;
        let der = Zeroizing::new(der);
        let rng = SystemRandom::new();
        let (key, algorithm, public): (Key, SignatureAlgorithm, Vec<u8>) = match (cert.key, label) {
            (KeyType::Rsa, "PRIVATE KEY") | (KeyType::Rsa, "RSA PRIVATE KEY") => {
                let k = if label == "PRIVATE KEY" {
                    RsaKeyPair::from_pkcs8(&der)
                } else {
                    RsaKeyPair::from_der(&der)
                }
                .map_err(|_| SignError::Key("not an RSA key"))?;
                let public = rs::KeyPair::public_key(&k).as_ref().to_vec();
                (Key::Rsa(k), SignatureAlgorithm::RsaPkcs1Sha256, public)
            }
            (KeyType::P256, "PRIVATE KEY") => {
                let k = EcdsaKeyPair::from_pkcs8(&rs::ECDSA_P256_SHA256_ASN1_SIGNING, &der, &rng)
                    .map_err(|_| SignError::Key("not a P-256 key"))?;
                let public = rs::KeyPair::public_key(&k).as_ref().to_vec();
                (Key::Ecdsa(k), SignatureAlgorithm::EcdsaP256Sha256, public)
            }
            (KeyType::P384, "PRIVATE KEY") => {
                let k = EcdsaKeyPair::from_pkcs8(&rs::ECDSA_P384_SHA384_ASN1_SIGNING, &der, &rng)
                    .map_err(|_| SignError::Key("not a P-384 key"))?;
                let public = rs::KeyPair::public_key(&k).as_ref().to_vec();
                (Key::Ecdsa(k), SignatureAlgorithm::EcdsaP384Sha384, public)
            }
            _ => return Err(SignError::Key("unsupported key format")),
        };
        if public != cert.public_key() {
            return Err(SignError::Key("the key does not belong to the certificate"));
        }
        Ok(Self {
            key,
            cert_der: cert.der.clone(),
            algorithm,
            rng,
        })
    }

    /// Choose RSA-PSS instead of PKCS#1 v1.5 (RSA keys only).
    pub fn with_algorithm(mut self, algorithm: SignatureAlgorithm) -> Result<Self, SignError> {
        let fits = match (&self.key, algorithm) {
            (
                Key::Rsa(_),
                SignatureAlgorithm::RsaPkcs1Sha256 | SignatureAlgorithm::RsaPssSha256,
            ) => true,
            (Key::Ecdsa(_), a) => a == self.algorithm,
            _ => false,
        };
        if !fits {
            return Err(SignError::Signer(SignerError::UnsupportedAlgorithm(
                algorithm,
            )));
        }
        self.algorithm = algorithm;
        Ok(self)
    }
}

impl Signer for SoftwareSigner {
    fn certificate_der(&self) -> &[u8] {
        &self.cert_der
    }

    fn algorithm(&self) -> SignatureAlgorithm {
        self.algorithm
    }

    fn carrier(&self) -> Carrier {
        Carrier::Software
    }

    fn sign(&mut self, message: &[u8]) -> Result<Vec<u8>, SignerError> {
        let device = |_| SignerError::Device("software key failure".into());
        match &self.key {
            Key::Rsa(k) => {
                let padding: &'static dyn rs::RsaEncoding = match self.algorithm {
                    SignatureAlgorithm::RsaPssSha256 => &rs::RSA_PSS_SHA256,
                    _ => &rs::RSA_PKCS1_SHA256,
                };
                let mut sig = vec![0u8; k.public().modulus_len()];
                k.sign(padding, &self.rng, message, &mut sig)
                    .map_err(device)?;
                Ok(sig)
            }
            Key::Ecdsa(k) => Ok(k
                .sign(&self.rng, message)
                .map_err(device)?
                .as_ref()
                .to_vec()),
        }
    }
}
