//! Who the client is on the TLS layer: the user's authentication key on the token, or the
//! workstation's certificate from the administrator's policy.

use std::fmt;
use std::sync::Arc;

use rustls::SignatureScheme;
use rustls::client::ResolvesClientCert;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::sign::{CertifiedKey, Signer as TlsSigner, SigningKey};
use sio_sign::{SignatureAlgorithm, SignerError};

use crate::error::ClientError;

/// A private key that can sign TLS 1.3 handshakes: shared, callable from the TLS stack's
/// threads. A verified token session wrapped in a mutex implements this.
pub trait TlsKey: Send + Sync + fmt::Debug {
    /// The algorithm the key signs with. TLS 1.3 accepts RSA-PSS and ECDSA, not PKCS#1 v1.5.
    fn algorithm(&self) -> SignatureAlgorithm;
    /// Sign `message` (the key hashes it as [`TlsKey::algorithm`] says).
    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, SignerError>;
}

/// The client's certificate for mutual TLS.
#[derive(Clone)]
pub enum ClientIdentity {
    /// A certificate and key from PEM (the workstation's, installed by the administrator).
    Pem {
        /// Certificate chain, leaf first.
        chain: Vec<CertificateDer<'static>>,
        /// The key; never leaves this process.
        key: Arc<PrivateKeyDer<'static>>,
    },
    /// The user's authentication certificate, the key on the token.
    Token {
        /// DER of the certificate.
        certificate: CertificateDer<'static>,
        /// The token key.
        key: Arc<dyn TlsKey>,
    },
}

impl fmt::Debug for ClientIdentity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ClientIdentity::Pem { chain, .. } => {
                write!(
                    f,
                    "ClientIdentity::Pem {{ certificates: {}, key: <redacted> }}",
                    chain.len()
                )
            }
            ClientIdentity::Token { key, .. } => write!(f, "ClientIdentity::Token({key:?})"),
        }
    }
}

impl ClientIdentity {
    /// A certificate chain and a PKCS#8/SEC1/PKCS#1 key from PEM bytes.
    pub fn from_pem(cert_pem: &[u8], key_pem: &[u8]) -> Result<Self, ClientError> {
        let chain = CertificateDer::pem_slice_iter(cert_pem)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| ClientError::IdentityInvalid(format!("certificate: {e}")))?;
        if chain.is_empty() {
            return Err(ClientError::IdentityInvalid(
                "no certificate in the PEM".into(),
            ));
        }
        let key = PrivateKeyDer::from_pem_slice(key_pem)
            .map_err(|e| ClientError::IdentityInvalid(format!("key: {e}")))?;
        Ok(ClientIdentity::Pem {
            chain,
            key: Arc::new(key),
        })
    }

    pub(crate) fn resolver(
        &self,
        provider: &rustls::crypto::CryptoProvider,
    ) -> Result<Arc<dyn ResolvesClientCert>, ClientError> {
        let certified = match self {
            ClientIdentity::Pem { chain, key } => {
                let signing = provider
                    .key_provider
                    .load_private_key(key.clone_key())
                    .map_err(|e| ClientError::IdentityInvalid(e.to_string()))?;
                CertifiedKey::new(chain.clone(), signing)
            }
            ClientIdentity::Token { certificate, key } => {
                let scheme = scheme_of(key.algorithm()).ok_or_else(|| {
                    ClientError::IdentityInvalid(format!(
                        "{} cannot authenticate TLS 1.3; the token's key must use RSA-PSS or ECDSA",
                        key.algorithm()
                    ))
                })?;
                let signing = Arc::new(TokenSigningKey {
                    key: key.clone(),
                    scheme,
                });
                CertifiedKey::new(vec![certificate.clone()], signing)
            }
        };
        Ok(Arc::new(Fixed(Arc::new(certified))))
    }
}

fn scheme_of(alg: SignatureAlgorithm) -> Option<SignatureScheme> {
    match alg {
        SignatureAlgorithm::RsaPssSha256 => Some(SignatureScheme::RSA_PSS_SHA256),
        SignatureAlgorithm::EcdsaP256Sha256 => Some(SignatureScheme::ECDSA_NISTP256_SHA256),
        SignatureAlgorithm::EcdsaP384Sha384 => Some(SignatureScheme::ECDSA_NISTP384_SHA384),
        _ => None,
    }
}

#[derive(Debug)]
struct Fixed(Arc<CertifiedKey>);

impl ResolvesClientCert for Fixed {
    fn resolve(&self, _hints: &[&[u8]], schemes: &[SignatureScheme]) -> Option<Arc<CertifiedKey>> {
        self.0.key.choose_scheme(schemes).map(|_| self.0.clone())
    }

    fn has_certs(&self) -> bool {
        true
    }
}

#[derive(Debug)]
struct TokenSigningKey {
    key: Arc<dyn TlsKey>,
    scheme: SignatureScheme,
}

impl SigningKey for TokenSigningKey {
    fn choose_scheme(&self, offered: &[SignatureScheme]) -> Option<Box<dyn TlsSigner>> {
        offered.contains(&self.scheme).then(|| {
            Box::new(TokenSigner {
                key: self.key.clone(),
                scheme: self.scheme,
            }) as Box<dyn TlsSigner>
        })
    }

    fn algorithm(&self) -> rustls::SignatureAlgorithm {
        match self.scheme {
            SignatureScheme::RSA_PSS_SHA256 => rustls::SignatureAlgorithm::RSA,
            _ => rustls::SignatureAlgorithm::ECDSA,
        }
    }
}

#[derive(Debug)]
struct TokenSigner {
    key: Arc<dyn TlsKey>,
    scheme: SignatureScheme,
}

/// What rustls carries (text only) when the card refused the handshake signature because its PIN
/// state is gone (reset by another program); `error::from_reqwest` turns it back into
/// `SIGN_TOKEN_NOT_AUTHENTICATED`.
pub(crate) const CARD_NOT_AUTHENTICATED: &str =
    "the card asks for the PIN again before signing the TLS handshake";
/// The same when the card left during the handshake (`TOKEN_CARD_REMOVED`).
pub(crate) const CARD_REMOVED: &str = "the card was removed while signing the TLS handshake";
/// The same when the smart card service went away during the handshake (`TOKEN_NO_SERVICE`).
pub(crate) const CARD_SERVICE_GONE: &str =
    "the smart card service went away while signing the TLS handshake";

impl TlsSigner for TokenSigner {
    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, rustls::Error> {
        self.key.sign(message).map_err(|e| {
            rustls::Error::General(match e {
                SignerError::NotAuthenticated => CARD_NOT_AUTHENTICATED.to_owned(),
                SignerError::Removed => CARD_REMOVED.to_owned(),
                SignerError::ServiceGone => CARD_SERVICE_GONE.to_owned(),
                e => format!("token signature for TLS failed: {e}"),
            })
        })
    }

    fn scheme(&self) -> SignatureScheme {
        self.scheme
    }
}
