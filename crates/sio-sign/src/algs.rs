//! Algorithm identifiers and their mapping to `ring` verification algorithms.

use const_oid::ObjectIdentifier as Oid;
use der::{Decode, Encode, Tagged, asn1::Null};
use ring::signature as rs;
use spki::{AlgorithmIdentifierOwned, SubjectPublicKeyInfoOwned};

use sio_gost::{GostArc, GostCurve, Streebog};

use crate::{SignError, SignatureAlgorithm};

pub(crate) const RSA_ENCRYPTION: Oid = Oid::new_unwrap("1.2.840.113549.1.1.1");
pub(crate) const SHA256_WITH_RSA: Oid = Oid::new_unwrap("1.2.840.113549.1.1.11");
pub(crate) const SHA384_WITH_RSA: Oid = Oid::new_unwrap("1.2.840.113549.1.1.12");
pub(crate) const SHA512_WITH_RSA: Oid = Oid::new_unwrap("1.2.840.113549.1.1.13");
pub(crate) const RSASSA_PSS: Oid = Oid::new_unwrap("1.2.840.113549.1.1.10");
pub(crate) const MGF1: Oid = Oid::new_unwrap("1.2.840.113549.1.1.8");
pub(crate) const EC_PUBLIC_KEY: Oid = Oid::new_unwrap("1.2.840.10045.2.1");
pub(crate) const ECDSA_SHA256: Oid = Oid::new_unwrap("1.2.840.10045.4.3.2");
pub(crate) const ECDSA_SHA384: Oid = Oid::new_unwrap("1.2.840.10045.4.3.3");
pub(crate) const P256: Oid = Oid::new_unwrap("1.2.840.10045.3.1.7");
pub(crate) const P384: Oid = Oid::new_unwrap("1.3.132.0.34");
pub(crate) const SHA256: Oid = Oid::new_unwrap("2.16.840.1.101.3.4.2.1");
pub(crate) const SHA384: Oid = Oid::new_unwrap("2.16.840.1.101.3.4.2.2");
pub(crate) const SHA512: Oid = Oid::new_unwrap("2.16.840.1.101.3.4.2.3");

// The GOST OIDs of both arcs (TC26, NCA RK) live in sio-gost's one table.
use sio_gost::oid::{
    KZ_KEY_256, KZ_KEY_512, KZ_SIGN_256, KZ_SIGN_512, TC26_KEY_256, TC26_KEY_512, TC26_SIGN_256,
    TC26_SIGN_512,
};

/// A digest we compute.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Digest {
    Sha256,
    Sha384,
    Sha512,
    Streebog256,
    Streebog512,
}

impl Digest {
    pub(crate) fn from_oid(oid: Oid) -> Option<Self> {
        match oid {
            SHA256 => Some(Self::Sha256),
            SHA384 => Some(Self::Sha384),
            SHA512 => Some(Self::Sha512),
            _ => match sio_gost::oid::digest_of(&oid)? {
                Streebog::Bits256 => Some(Self::Streebog256),
                Streebog::Bits512 => Some(Self::Streebog512),
            },
        }
    }

    pub(crate) fn oid(self) -> Oid {
        match self {
            Self::Sha256 => SHA256,
            Self::Sha384 => SHA384,
            Self::Sha512 => SHA512,
            Self::Streebog256 => sio_gost::oid::digest_oid(Streebog::Bits256, GostArc::Tc26),
            Self::Streebog512 => sio_gost::oid::digest_oid(Streebog::Bits512, GostArc::Tc26),
        }
    }

    pub(crate) fn compute(self, data: &[u8]) -> Vec<u8> {
        let alg = match self {
            Self::Sha256 => &ring::digest::SHA256,
            Self::Sha384 => &ring::digest::SHA384,
            Self::Sha512 => &ring::digest::SHA512,
            Self::Streebog256 => return Streebog::Bits256.digest(data),
            Self::Streebog512 => return Streebog::Bits512.digest(data),
        };
        ring::digest::digest(alg, data).as_ref().to_vec()
    }

    /// AlgorithmIdentifier with absent parameters (RFC 5754).
    pub(crate) fn identifier(self) -> AlgorithmIdentifierOwned {
        AlgorithmIdentifierOwned {
            oid: self.oid(),
            parameters: None,
        }
    }
}

/// The digest that goes with a signature algorithm.
pub(crate) fn digest_of(alg: SignatureAlgorithm) -> Digest {
    match alg {
        SignatureAlgorithm::EcdsaP384Sha384 => Digest::Sha384,
        SignatureAlgorithm::Gost2012_256 => Digest::Streebog256,
        SignatureAlgorithm::Gost2012_512 => Digest::Streebog512,
        _ => Digest::Sha256,
    }
}

/// The digestAlgorithm identifier to write for a signer with this key (Streebog in the key's arc).
pub(crate) fn digest_identifier(d: Digest, key: KeyType) -> AlgorithmIdentifierOwned {
    let oid = match (d, key) {
        (Digest::Streebog256, KeyType::Gost(_, arc)) => {
            sio_gost::oid::digest_oid(Streebog::Bits256, arc)
        }
        (Digest::Streebog512, KeyType::Gost(_, arc)) => {
            sio_gost::oid::digest_oid(Streebog::Bits512, arc)
        }
        _ => d.oid(),
    };
    AlgorithmIdentifierOwned {
        oid,
        parameters: None,
    }
}

/// RSASSA-PSS-params for SHA-256, MGF1-SHA-256, salt 32, trailer 1 (default, omitted).
fn pss_sha256_params() -> Vec<u8> {
    // hashAlgorithm [0] { sha256 }, maskGenAlgorithm [1] { mgf1 { sha256 } }, saltLength [2] 32
    let sha256 = Digest::Sha256.identifier().to_der().unwrap_or_default();
    let mgf = AlgorithmIdentifierOwned {
        oid: MGF1,
        parameters: der::Any::from_der(&sha256).ok(),
    }
    .to_der()
    .unwrap_or_default();
    let mut body = crate::tlv::encode(0xa0, &sha256);
    body.extend(crate::tlv::encode(0xa1, &mgf));
    body.extend(crate::tlv::encode(0xa2, &[0x02, 0x01, 0x20]));
    crate::tlv::encode(0x30, &body)
}

/// The signatureAlgorithm written into a SignerInfo. GOST in the TC26 arc: the public-key OID
/// with NULL parameters, as OpenSSL's gost engine writes it (RFC 4490 §3.2); in the Kazakh arc:
/// the signature-with-digest OID KalkanCrypt writes.
pub(crate) fn signature_identifier(
    alg: SignatureAlgorithm,
    key: KeyType,
) -> Result<AlgorithmIdentifierOwned, SignError> {
    let arc = match key {
        KeyType::Gost(_, arc) => arc,
        _ => GostArc::Tc26,
    };
    Ok(match alg {
        SignatureAlgorithm::Gost2012_256 | SignatureAlgorithm::Gost2012_512 => {
            let big = alg == SignatureAlgorithm::Gost2012_512;
            match arc {
                GostArc::Tc26 => AlgorithmIdentifierOwned {
                    oid: if big { TC26_KEY_512 } else { TC26_KEY_256 },
                    parameters: Some(der::Any::encode_from(&Null)?),
                },
                GostArc::Kz => AlgorithmIdentifierOwned {
                    oid: if big { KZ_SIGN_512 } else { KZ_SIGN_256 },
                    parameters: None,
                },
            }
        }
        SignatureAlgorithm::RsaPkcs1Sha256 => AlgorithmIdentifierOwned {
            oid: SHA256_WITH_RSA,
            parameters: Some(der::Any::encode_from(&Null)?),
        },
        SignatureAlgorithm::RsaPssSha256 => AlgorithmIdentifierOwned {
            oid: RSASSA_PSS,
            parameters: Some(der::Any::from_der(&pss_sha256_params())?),
        },
        SignatureAlgorithm::EcdsaP256Sha256 => AlgorithmIdentifierOwned {
            oid: ECDSA_SHA256,
            parameters: None,
        },
        SignatureAlgorithm::EcdsaP384Sha384 => AlgorithmIdentifierOwned {
            oid: ECDSA_SHA384,
            parameters: None,
        },
    })
}

/// Key type of a SubjectPublicKeyInfo.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum KeyType {
    Rsa,
    P256,
    P384,
    Gost(GostCurve, GostArc),
}

pub(crate) fn key_type(spki: &SubjectPublicKeyInfoOwned) -> Option<KeyType> {
    if let Some(gost) = sio_gost::key_params(&spki.algorithm) {
        return gost.ok().map(|k| KeyType::Gost(k.curve, k.arc));
    }
    match spki.algorithm.oid {
        RSA_ENCRYPTION => Some(KeyType::Rsa),
        EC_PUBLIC_KEY => {
            let curve: Oid = spki.algorithm.parameters.as_ref()?.decode_as().ok()?;
            match curve {
                P256 => Some(KeyType::P256),
                P384 => Some(KeyType::P384),
                _ => None,
            }
        }
        _ => None,
    }
}

/// Is `params` RSASSA-PSS-params with SHA-256 / MGF1-SHA-256 / salt 32 / trailer 1?
fn is_pss_sha256(params: Option<&der::Any>) -> bool {
    let Some(params) = params else { return false };
    let Ok(raw) = params.to_der() else {
        return false;
    };
    let Ok(seq) = crate::tlv::read_one(&raw, 0x30, "PSS parameters") else {
        return false;
    };
    let Ok(fields) = crate::tlv::children(seq.value, "PSS parameters") else {
        return false;
    };
    let mut hash_ok = false;
    let mut mgf_ok = false;
    let mut salt_ok = false;
    let mut trailer_ok = true;
    let sha256_ok = |b: &[u8]| {
        AlgorithmIdentifierOwned::from_der(b).is_ok_and(|a| {
            a.oid == SHA256
                && a.parameters
                    .as_ref()
                    .is_none_or(|p| p.tag() == der::Tag::Null)
        })
    };
    for f in fields {
        match f.tag {
            0xa0 => hash_ok = sha256_ok(f.value),
            0xa1 => {
                mgf_ok = AlgorithmIdentifierOwned::from_der(f.value).is_ok_and(|a| {
                    a.oid == MGF1
                        && a.parameters
                            .as_ref()
                            .and_then(|p| p.to_der().ok())
                            .is_some_and(|p| sha256_ok(&p))
                })
            }
            0xa2 => salt_ok = f.value == [0x02, 0x01, 0x20],
            0xa3 => trailer_ok = f.value == [0x02, 0x01, 0x01],
            _ => return false,
        }
    }
    hash_ok && mgf_ok && salt_ok && trailer_ok
}

/// Parameters that are absent or NULL (hash and RSA PKCS#1 identifiers allow both).
pub(crate) fn null_or_absent(params: Option<&der::Any>) -> bool {
    params.is_none_or(|p| p.tag() == der::Tag::Null && p.value().is_empty())
}

/// Map a SignerInfo's (digestAlgorithm, signatureAlgorithm) and the key to one of ours.
pub(crate) fn cms_algorithm(
    digest: &AlgorithmIdentifierOwned,
    signature: &AlgorithmIdentifierOwned,
    key: KeyType,
) -> Result<SignatureAlgorithm, SignError> {
    let unsupported = || {
        SignError::UnsupportedAlgorithm(format!(
            "digest {} with signature {}",
            digest.oid, signature.oid
        ))
    };
    let d = Digest::from_oid(digest.oid).ok_or_else(unsupported)?;
    if !null_or_absent(digest.parameters.as_ref()) {
        return Err(unsupported());
    }
    // PKCS#1 identifiers carry NULL (or nothing); ECDSA identifiers carry nothing.
    let params_ok = match signature.oid {
        SHA256_WITH_RSA | RSA_ENCRYPTION => null_or_absent(signature.parameters.as_ref()),
        ECDSA_SHA256 | ECDSA_SHA384 => signature.parameters.is_none(),
        TC26_KEY_256 | TC26_KEY_512 | TC26_SIGN_256 | TC26_SIGN_512 | KZ_KEY_256 | KZ_KEY_512
        | KZ_SIGN_256 | KZ_SIGN_512 => null_or_absent(signature.parameters.as_ref()),
        _ => true,
    };
    if !params_ok {
        return Err(unsupported());
    }
    let alg = match (signature.oid, key, d) {
        (SHA256_WITH_RSA | RSA_ENCRYPTION, KeyType::Rsa, Digest::Sha256) => {
            SignatureAlgorithm::RsaPkcs1Sha256
        }
        (RSASSA_PSS, KeyType::Rsa, Digest::Sha256)
            if is_pss_sha256(signature.parameters.as_ref()) =>
        {
            SignatureAlgorithm::RsaPssSha256
        }
        (ECDSA_SHA256, KeyType::P256, Digest::Sha256) => SignatureAlgorithm::EcdsaP256Sha256,
        (ECDSA_SHA384, KeyType::P384, Digest::Sha384) => SignatureAlgorithm::EcdsaP384Sha384,
        // Either arc's identifiers are accepted with a key of either arc: NCA RK and TC26 name
        // the same algorithm.
        (
            TC26_KEY_256 | TC26_SIGN_256 | KZ_KEY_256 | KZ_SIGN_256,
            KeyType::Gost(c, _),
            Digest::Streebog256,
        ) if c.size() == 32 => SignatureAlgorithm::Gost2012_256,
        (
            TC26_KEY_512 | TC26_SIGN_512 | KZ_KEY_512 | KZ_SIGN_512,
            KeyType::Gost(c, _),
            Digest::Streebog512,
        ) if c.size() == 64 => SignatureAlgorithm::Gost2012_512,
        _ => return Err(unsupported()),
    };
    Ok(alg)
}

/// The ring verifier for one of our algorithms (None: GOST, verified by [`gost`]).
fn ring_for(alg: SignatureAlgorithm) -> Option<&'static dyn rs::VerificationAlgorithm> {
    Some(match alg {
        SignatureAlgorithm::RsaPkcs1Sha256 => &rs::RSA_PKCS1_2048_8192_SHA256,
        SignatureAlgorithm::RsaPssSha256 => &rs::RSA_PSS_2048_8192_SHA256,
        SignatureAlgorithm::EcdsaP256Sha256 => &rs::ECDSA_P256_SHA256_ASN1,
        SignatureAlgorithm::EcdsaP384Sha384 => &rs::ECDSA_P384_SHA384_ASN1,
        SignatureAlgorithm::Gost2012_256 | SignatureAlgorithm::Gost2012_512 => return None,
    })
}

/// A GOST signature over `message` (hashed with the curve's Streebog) by the SPKI public-key bits.
fn gost_verify(curve: GostCurve, public_key: &[u8], message: &[u8], sig: &[u8]) -> bool {
    sio_gost::public_xy(public_key)
        .is_some_and(|xy| sio_gost::verify(curve, xy, message, sig).is_ok())
}

/// Verify `sig` over `message` with algorithm `alg` and the SPKI public-key bits of `key`.
pub(crate) fn verify_signature(
    alg: SignatureAlgorithm,
    key: KeyType,
    public_key: &[u8],
    message: &[u8],
    sig: &[u8],
) -> bool {
    match (ring_for(alg), key) {
        (Some(ring_alg), _) => rs::UnparsedPublicKey::new(ring_alg, public_key)
            .verify(message, sig)
            .is_ok(),
        (None, KeyType::Gost(curve, _)) if key_fits(key, alg) => {
            gost_verify(curve, public_key, message, sig)
        }
        _ => false,
    }
}

/// Verify a certificate's or CRL's signature made by a CA key.
pub(crate) fn verify_x509(
    signature: &AlgorithmIdentifierOwned,
    key: KeyType,
    public_key: &[u8],
    tbs: &[u8],
    sig: &[u8],
) -> bool {
    if let KeyType::Gost(curve, _) = key {
        let fits = sio_gost::oid::signature_algorithm(&signature.oid) == Some((curve.size(), true));
        return fits
            && null_or_absent(signature.parameters.as_ref())
            && gost_verify(curve, public_key, tbs, sig);
    }
    ring_for_x509(signature, key).is_some_and(|alg| {
        rs::UnparsedPublicKey::new(alg, public_key)
            .verify(tbs, sig)
            .is_ok()
    })
}

/// The ring verifier for a certificate or CRL signature made by a CA key.
fn ring_for_x509(
    signature: &AlgorithmIdentifierOwned,
    key: KeyType,
) -> Option<&'static dyn rs::VerificationAlgorithm> {
    Some(match (signature.oid, key) {
        (SHA256_WITH_RSA, KeyType::Rsa) => &rs::RSA_PKCS1_2048_8192_SHA256,
        (SHA384_WITH_RSA, KeyType::Rsa) => &rs::RSA_PKCS1_2048_8192_SHA384,
        (SHA512_WITH_RSA, KeyType::Rsa) => &rs::RSA_PKCS1_2048_8192_SHA512,
        (RSASSA_PSS, KeyType::Rsa) if is_pss_sha256(signature.parameters.as_ref()) => {
            &rs::RSA_PSS_2048_8192_SHA256
        }
        (ECDSA_SHA256, KeyType::P256) => &rs::ECDSA_P256_SHA256_ASN1,
        (ECDSA_SHA384, KeyType::P256) => &rs::ECDSA_P256_SHA384_ASN1,
        (ECDSA_SHA256, KeyType::P384) => &rs::ECDSA_P384_SHA256_ASN1,
        (ECDSA_SHA384, KeyType::P384) => &rs::ECDSA_P384_SHA384_ASN1,
        _ => return None,
    })
}

/// Does a key of this type sign with `alg`?
pub(crate) fn key_fits(key: KeyType, alg: SignatureAlgorithm) -> bool {
    matches!(
        (key, alg),
        (
            KeyType::Rsa,
            SignatureAlgorithm::RsaPkcs1Sha256 | SignatureAlgorithm::RsaPssSha256
        ) | (KeyType::P256, SignatureAlgorithm::EcdsaP256Sha256)
            | (KeyType::P384, SignatureAlgorithm::EcdsaP384Sha384)
    ) || match (key, alg) {
        (KeyType::Gost(c, _), SignatureAlgorithm::Gost2012_256) => c.size() == 32,
        (KeyType::Gost(c, _), SignatureAlgorithm::Gost2012_512) => c.size() == 64,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pss_identifier_round_trips_through_the_checker() {
        let id = signature_identifier(SignatureAlgorithm::RsaPssSha256, KeyType::Rsa).expect("id");
        assert!(is_pss_sha256(id.parameters.as_ref()));
        let digest = Digest::Sha256.identifier();
        assert_eq!(
            cms_algorithm(&digest, &id, KeyType::Rsa).expect("alg"),
            SignatureAlgorithm::RsaPssSha256
        );
        // OpenSSL's encoding of the same parameters (sha256 with NULL parameters).
        let openssl = hex_literal(
            "3034a00f300d06096086480165030402010500a11c301a06092a864886f70d010108300d06096086480165030402010500a203020120",
        );
        let any = der::Any::from_der(&openssl).expect("any");
        assert!(is_pss_sha256(Some(&any)));
    }

    fn hex_literal(s: &str) -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("hex"))
            .collect()
    }
}
