//! A software GOST R 34.10-2012 key (tests, the test PKI) and the signer built on it. Like
//! [`crate::soft::SoftwareSigner`] it reports [`Carrier::Software`], which login refuses: on a
//! workstation a GOST key lives on the token and is reached through PKCS#11.

use std::fmt;

use der::Encode;
use sio_gost::{GostArc, GostCurve, GostError, Streebog};
use zeroize::Zeroizing;

use crate::algs::KeyType;
use crate::cert::ParsedCert;
use crate::{Carrier, SignError, SignatureAlgorithm, Signer, SignerError, tlv};

/// A GOST private key in memory (big-endian scalar, zeroized on drop).
pub struct GostKey {
    curve: GostCurve,
    arc: GostArc,
    d: Zeroizing<Vec<u8>>,
    public: Vec<u8>,
}

impl fmt::Debug for GostKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GostKey")
            .field("curve", &self.curve)
            .field("arc", &self.arc)
            .field("d", &"<redacted>")
            .finish_non_exhaustive()
    }
}

fn gost_err(e: GostError) -> SignError {
    match e {
        GostError::Random => SignError::Key("the random number generator failed"),
        _ => SignError::Key("not a valid GOST key"),
    }
}

impl GostKey {
    /// A fresh random key on `curve`; `arc` chooses the OIDs its certificates and signatures use.
    pub fn generate(curve: GostCurve, arc: GostArc) -> Result<Self, SignError> {
        let (d, public) = sio_gost::generate(curve).map_err(gost_err)?;
        Ok(Self {
            curve,
            arc,
            d,
            public,
        })
    }

    /// A key from its scalar `d` (big-endian, `0 < d < q`).
    pub fn from_scalar(
        curve: GostCurve,
        arc: GostArc,
        d: Zeroizing<Vec<u8>>,
    ) -> Result<Self, SignError> {
        let public = sio_gost::public_key(curve, &d).map_err(gost_err)?;
        Ok(Self {
            curve,
            arc,
            d,
            public,
        })
    }

    /// The curve.
    pub fn curve(&self) -> GostCurve {
        self.curve
    }

    /// The signature algorithm of this key.
    pub fn algorithm(&self) -> SignatureAlgorithm {
        if self.curve.size() == 32 {
            SignatureAlgorithm::Gost2012_256
        } else {
            SignatureAlgorithm::Gost2012_512
        }
    }

    /// DER of the key's AlgorithmIdentifier: `{ key OID, SEQUENCE { paramSet, digest } }`
    /// (TC26, the form OpenSSL's gost engine writes) or `{ key OID, SEQUENCE { paramSet } }` (KZ).
    fn key_algorithm_der(&self) -> Result<Vec<u8>, SignError> {
        let set = sio_gost::oid::param_set_oid(self.curve, self.arc)
            .ok_or(SignError::Key("this curve has no OID in the key's arc"))?;
        let mut params = set.to_der()?;
        if self.arc == GostArc::Tc26 {
            let digest = sio_gost::oid::digest_oid(Streebog::of(self.curve), GostArc::Tc26);
            params.extend(digest.to_der()?);
        }
        let mut body = sio_gost::oid::key_oid(self.curve, self.arc).to_der()?;
        body.extend(tlv::encode(0x30, &params));
        Ok(tlv::encode(0x30, &body))
    }

    /// DER SubjectPublicKeyInfo (public key `X‖Y` little-endian in an OCTET STRING, RFC 4491).
    pub fn spki_der(&self) -> Result<Vec<u8>, SignError> {
        let mut bits = vec![0u8];
        bits.extend(tlv::encode(0x04, &self.public));
        let mut body = self.key_algorithm_der()?;
        body.extend(tlv::encode(0x03, &bits));
        Ok(tlv::encode(0x30, &body))
    }

    /// DER AlgorithmIdentifier for certificates and CRLs this key signs
    /// (id-tc26-signwithdigest-gost3410-12-256/512 or the Kazakh 1.2.398.3.10.1.1.2.3.x; no parameters).
    pub fn x509_signature_algorithm_der(&self) -> Result<Vec<u8>, SignError> {
        let oid = sio_gost::oid::sign_oid(self.curve, self.arc);
        Ok(tlv::encode(0x30, &oid.to_der()?))
    }

    /// Sign `message` (hashed here with Streebog): `s‖r`, each big-endian.
    pub fn sign(&self, message: &[u8]) -> Result<Vec<u8>, SignError> {
        sio_gost::sign(self.curve, &self.d, message).map_err(gost_err)
    }

    /// PKCS#8 "PRIVATE KEY" PEM as OpenSSL's gost engine writes it (privateKey = the scalar,
    /// little-endian). For test fixtures only: a real key never leaves its token.
    pub fn to_pkcs8_pem(&self) -> Result<Zeroizing<String>, SignError> {
        let mut le = Zeroizing::new(self.d.to_vec());
        le.reverse();
        let mut body = vec![0x02, 0x01, 0x00];
        body.extend(self.key_algorithm_der()?);
        body.extend(tlv::encode(0x04, &le));
        let der = Zeroizing::new(tlv::encode(0x30, &body));
        der::pem::encode_string("PRIVATE KEY", der::pem::LineEnding::LF, &der)
            .map(Zeroizing::new)
            .map_err(|_| SignError::Key("PEM encoding"))
    }

    /// Read a PKCS#8 GOST key (OpenSSL's gost engine: privateKey holds the little-endian scalar,
    /// or an OCTET STRING of it, or an INTEGER).
    pub fn from_pkcs8_pem(pem: &str) -> Result<Self, SignError> {
        let (label, der) =
            der::pem::decode_vec(pem.as_bytes()).map_err(|_| SignError::Key("not PEM"))?;
        let der = Zeroizing::new(der);
        if label != "PRIVATE KEY" {
            return Err(SignError::Key("not a PKCS#8 private key"));
        }
        let outer = tlv::read_one(&der, 0x30, "PKCS#8").map_err(|_| SignError::Key("PKCS#8"))?;
        let fields = tlv::children(outer.value, "PKCS#8").map_err(|_| SignError::Key("PKCS#8"))?;
        let (Some(alg), Some(pk)) = (fields.get(1), fields.get(2)) else {
            return Err(SignError::Key("PKCS#8"));
        };
        let algorithm = der::Decode::from_der(alg.raw).map_err(|_| SignError::Key("PKCS#8"))?;
        let Some(Ok(sio_gost::KeyParams { curve, arc })) = sio_gost::key_params(&algorithm) else {
            return Err(SignError::Key("not a GOST key"));
        };
        if pk.tag != 0x04 {
            return Err(SignError::Key("PKCS#8"));
        }
        let n = curve.size();
        let d: Zeroizing<Vec<u8>> = if pk.value.len() == n {
            Zeroizing::new(pk.value.iter().rev().copied().collect())
        } else {
            let inner = tlv::read(pk.value, "GOST private key")
                .map_err(|_| SignError::Key("GOST private key"))?
                .0;
            match inner.tag {
                0x04 => Zeroizing::new(inner.value.iter().rev().copied().collect()),
                0x02 => {
                    let v = inner.value;
                    let v = if v.len() > n && v[0] == 0 { &v[1..] } else { v };
                    Zeroizing::new(v.to_vec())
                }
                _ => return Err(SignError::Key("GOST private key")),
            }
        };
        Self::from_scalar(curve, arc, d)
    }
}

/// A GOST key in memory with its certificate; signs CMS like a token would.
pub struct GostSoftwareSigner {
    key: GostKey,
    cert_der: Vec<u8>,
}

impl fmt::Debug for GostSoftwareSigner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GostSoftwareSigner")
            .field("key", &self.key)
            .finish_non_exhaustive()
    }
}

impl GostSoftwareSigner {
    /// Pair `key` with its certificate (PEM or DER); fails if they do not match.
    pub fn new(key: GostKey, certificate: &[u8]) -> Result<Self, SignError> {
        let cert = ParsedCert::signer(certificate)?;
        let public = sio_gost::public_xy(cert.public_key());
        if !matches!(cert.key, KeyType::Gost(c, _) if c == key.curve)
            || public != Some(key.public.as_slice())
        {
            return Err(SignError::Key("the key does not belong to the certificate"));
        }
        Ok(Self {
            key,
            cert_der: cert.der,
        })
    }

    /// Load a PKCS#8 PEM GOST key and its certificate.
    pub fn from_pem(key_pem: &str, certificate: &[u8]) -> Result<Self, SignError> {
        Self::new(GostKey::from_pkcs8_pem(key_pem)?, certificate)
    }
}

impl Signer for GostSoftwareSigner {
    fn certificate_der(&self) -> &[u8] {
        &self.cert_der
    }

    fn algorithm(&self) -> SignatureAlgorithm {
        self.key.algorithm()
    }

    fn carrier(&self) -> Carrier {
        Carrier::Software
    }

    fn sign(&mut self, message: &[u8]) -> Result<Vec<u8>, SignerError> {
        self.key
            .sign(message)
            .map_err(|_| SignerError::Device("software GOST key failure".into()))
    }
}

/// Verify a GOST R 34.10-2012 `signature` (`s‖r` big-endian, or its byte-reversal) over
/// `message` (hashed with the curve's Streebog) with a public key `X‖Y` (little-endian halves, as
/// inside the certificate's OCTET STRING). For benchmarks and tools; CMS goes through
/// [`crate::Verifier`].
pub fn gost_verify(
    curve: GostCurve,
    public_xy_le: &[u8],
    message: &[u8],
    signature: &[u8],
) -> bool {
    sio_gost::verify(curve, public_xy_le, message, signature).is_ok()
}

impl GostKey {
    /// The public key `X‖Y` (little-endian halves).
    pub fn public_key(&self) -> &[u8] {
        &self.public
    }
}
