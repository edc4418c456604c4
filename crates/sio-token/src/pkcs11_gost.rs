//! GOST R 34.10-2012 keys on PKCS#11 tokens: the constants, which signature algorithm a token key
//! gets, the mechanism that signs, and the signature layout.
//!
//! ## Sources of the constants
//! - PKCS#11 v2.40 (and 3.0) base values, as in OpenSC `src/pkcs11/pkcs11.h`, p11-kit's
//!   `pkcs11.h` and NSS `pkcs11t.h` (Debian: `/usr/include/p11-kit-1/p11-kit/pkcs11.h`,
//!   `/usr/include/nss/pkcs11t.h`): `CKK_GOSTR3410` = 0x30, `CKA_GOSTR3410_PARAMS` = 0x250,
//!   `CKM_GOSTR3410` = 0x1201.
//! - TC26 "Guidelines: the PKCS#11 extensions for implementing the GOST R 34.10-2012 and
//!   GOST R 34.11-2012 Russian standards" (vendor block `NSSCK_VENDOR_PKCS11_RU_TEAM` =
//!   `CKK_VENDOR_DEFINED | 0x54321000` = 0xD4321000), as OpenSC `src/pkcs11/pkcs11.h`
//!   (`CKK_GOSTR3410_512 = CK_VENDOR_PKCS11_RU_TEAM_TK26 | 0x003`), opencryptoki's `pkcs11.h`
//!   (`CRYPTOKI_RU_TEAM_TC26_VENDOR_DEFINED` block) and Aktiv's `rtpkcs11t.h` define them:
//!   `CKK_GOSTR3410_512` = |0x003, `CKM_GOSTR3410_512` = |0x006,
//!   `CKM_GOSTR3410_WITH_GOSTR3411_12_256` = |0x008, `CKM_GOSTR3410_WITH_GOSTR3411_12_512` = |0x009
//!   (|0x007 is `CKM_GOSTR3410_12_DERIVE`, not a signature), `CKM_GOSTR3411_12_256` = |0x012,
//!   `CKM_GOSTR3411_12_512` = |0x013.
//!
//! ## Signature layout
//! PKCS#11 v2.40 Current Mechanisms, "GOST R 34.10-2001" (the 2012 mechanisms of the TC26
//! extensions keep it, with 64-byte halves for 512-bit keys): the signature is `s‖r`, each half
//! big-endian, the same octets RFC 4491 §2.2.2 / RFC 9215 put in a CMS `SignatureValue` and what a
//! [`sio_sign::Signer`] returns for GOST. The conversion is therefore a length check; it is kept
//! as a function so a module that deviates has one place to be handled.
//!
//! ## Hashing
//! `CKM_GOSTR3410` / `CKM_GOSTR3410_512` sign a digest given by the caller: the Streebog digest
//! as the `streebog` crate (and OpenSSL's gost engine, and `CKM_GOSTR3411_12_*`) output it, passed
//! unchanged. `cryptoki` 0.12 can name only vendor-defined mechanisms it does not know
//! (`MechanismType::new_vendor_defined` refuses values below `CKM_VENDOR_DEFINED`), so the
//! standard `CKM_GOSTR3410` (0x1201) cannot be issued through it; 256-bit keys are signed with
//! `CKM_GOSTR3410_WITH_GOSTR3411_12_256` (the token hashes with Streebog-256), 512-bit keys with
//! the raw `CKM_GOSTR3410_512` over a Streebog-512 digest made here.

use const_oid::ObjectIdentifier;
use der::Decode;
use sio_sign::SignatureAlgorithm;

use crate::TokenError;

/// `CKK_VENDOR_DEFINED` (PKCS#11).
pub const CKK_VENDOR_DEFINED: u64 = 0x8000_0000;
/// `NSSCK_VENDOR_PKCS11_RU_TEAM` = `CKK_VENDOR_DEFINED | 0x54321000` (TC26 extensions).
pub const NSSCK_VENDOR_PKCS11_RU_TEAM: u64 = CKK_VENDOR_DEFINED | 0x5432_1000;
/// `CKK_GOSTR3410` (PKCS#11 v2.40): GOST R 34.10-2001 and 2012 256-bit keys.
pub const CKK_GOSTR3410: u64 = 0x30;
/// `CKK_GOSTR3410_512` (TC26 extensions): GOST R 34.10-2012 512-bit keys.
pub const CKK_GOSTR3410_512: u64 = NSSCK_VENDOR_PKCS11_RU_TEAM | 0x003;
/// `CKA_GOSTR3410_PARAMS` (PKCS#11 v2.40): DER OID of the key's parameter set.
pub const CKA_GOSTR3410_PARAMS: u64 = 0x250;
/// `CKM_GOSTR3410` (PKCS#11 v2.40): raw sign of a 32-byte digest.
pub const CKM_GOSTR3410: u64 = 0x1201;
/// `CKM_GOSTR3410_512` (TC26 extensions): raw sign of a 64-byte digest.
pub const CKM_GOSTR3410_512: u64 = NSSCK_VENDOR_PKCS11_RU_TEAM | 0x006;
/// `CKM_GOSTR3410_WITH_GOSTR3411_12_256` (TC26 extensions): Streebog-256 on the token, then sign.
pub const CKM_GOSTR3410_WITH_GOSTR3411_12_256: u64 = NSSCK_VENDOR_PKCS11_RU_TEAM | 0x008;
/// `CKM_GOSTR3410_WITH_GOSTR3411_12_512` (TC26 extensions): Streebog-512 on the token, then sign.
pub const CKM_GOSTR3410_WITH_GOSTR3411_12_512: u64 = NSSCK_VENDOR_PKCS11_RU_TEAM | 0x009;
/// `CKM_GOSTR3411_12_256` (TC26 extensions): Streebog-256 digest.
pub const CKM_GOSTR3411_12_256: u64 = NSSCK_VENDOR_PKCS11_RU_TEAM | 0x012;
/// `CKM_GOSTR3411_12_512` (TC26 extensions): Streebog-512 digest.
pub const CKM_GOSTR3411_12_512: u64 = NSSCK_VENDOR_PKCS11_RU_TEAM | 0x013;

/// The signature algorithm of a token key from its `CKA_KEY_TYPE` and its parameter set (the DER
/// OID of `CKA_GOSTR3410_PARAMS`, or of the certificate's key parameters). `None` when the key
/// type is not GOST; an error when it is GOST but the parameters do not fit it.
pub fn gost_algorithm(
    key_type: u64,
    params_der: &[u8],
) -> Option<Result<SignatureAlgorithm, TokenError>> {
    let (alg, size) = match key_type {
        CKK_GOSTR3410 => (SignatureAlgorithm::Gost2012_256, 32),
        CKK_GOSTR3410_512 => (SignatureAlgorithm::Gost2012_512, 64),
        _ => return None,
    };
    // The parameter set must name a curve of the key type's size (sio-gost's one OID table).
    let result = match ObjectIdentifier::from_der(params_der) {
        Ok(oid) if sio_gost::oid::curve_of(&oid).is_some_and(|c| c.size() == size) => Ok(alg),
        Ok(oid) => Err(TokenError::UnsupportedKey {
            detail: format!("GOST key type {key_type:#x} with parameter set {oid}"),
        }),
        Err(_) => Err(TokenError::UnsupportedKey {
            detail: format!("GOST key type {key_type:#x} without a readable parameter set"),
        }),
    };
    Some(result)
}

/// What a GOST key signs with: the mechanism and whether this process hashes first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GostMechanism {
    /// The PKCS#11 mechanism value.
    pub mechanism: u64,
    /// `true`: C_Sign gets the Streebog digest; `false`: it gets the message.
    pub host_hash: bool,
}

/// The mechanism for `algorithm` (see the module documentation for why 256-bit keys use the
/// hashing mechanism); `None` for a non-GOST algorithm.
pub fn gost_mechanism(algorithm: SignatureAlgorithm) -> Option<GostMechanism> {
    match algorithm {
        SignatureAlgorithm::Gost2012_256 => Some(GostMechanism {
            mechanism: CKM_GOSTR3410_WITH_GOSTR3411_12_256,
            host_hash: false,
        }),
        SignatureAlgorithm::Gost2012_512 => Some(GostMechanism {
            mechanism: CKM_GOSTR3410_512,
            host_hash: true,
        }),
        _ => None,
    }
}

/// Streebog digest of `message` for `algorithm` (256 or 512 bits), as C_Sign takes it.
pub(crate) fn streebog_digest(algorithm: SignatureAlgorithm, message: &[u8]) -> Vec<u8> {
    match algorithm {
        SignatureAlgorithm::Gost2012_512 => sio_gost::Streebog::Bits512.digest(message),
        _ => sio_gost::Streebog::Bits256.digest(message),
    }
}

fn half(algorithm: SignatureAlgorithm) -> usize {
    if algorithm == SignatureAlgorithm::Gost2012_512 {
        64
    } else {
        32
    }
}

/// The token's GOST signature (`s‖r`, big-endian halves; PKCS#11 v2.40) as a
/// [`sio_sign::Signer`] returns it (`s‖r`, RFC 4491 §2.2.2): checked for length.
pub fn token_signature_to_signer(
    algorithm: SignatureAlgorithm,
    raw: &[u8],
) -> Result<Vec<u8>, TokenError> {
    if raw.len() != 2 * half(algorithm) || raw.iter().all(|b| *b == 0) {
        return Err(TokenError::bad(
            "sign",
            "a GOST signature of the wrong length from the token",
        ));
    }
    Ok(raw.to_vec())
}

/// The inverse of [`token_signature_to_signer`]: a `Signer`'s GOST signature in the token's layout.
pub fn signer_signature_to_token(
    algorithm: SignatureAlgorithm,
    sig: &[u8],
) -> Result<Vec<u8>, TokenError> {
    if sig.len() != 2 * half(algorithm) {
        return Err(TokenError::bad(
            "sign",
            "a GOST signature of the wrong length",
        ));
    }
    Ok(sig.to_vec())
}

/// `s` and `r` (big-endian) of a token signature, for diagnostics and tests.
pub fn split_s_r(algorithm: SignatureAlgorithm, raw: &[u8]) -> Option<(&[u8], &[u8])> {
    let n = half(algorithm);
    (raw.len() == 2 * n).then(|| raw.split_at(n))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use sio_sign::soft::{GostKey, gost_verify};
    use sio_sign::{GostArc, GostCurve};

    fn oid_der(oid: &str) -> Vec<u8> {
        der::Encode::to_der(&ObjectIdentifier::new_unwrap(oid)).unwrap()
    }

    #[test]
    fn constants_match_pkcs11_and_tc26() {
        assert_eq!(NSSCK_VENDOR_PKCS11_RU_TEAM, 0xD432_1000);
        assert_eq!(CKK_GOSTR3410, 0x30);
        assert_eq!(CKK_GOSTR3410_512, 0xD432_1003);
        assert_eq!(CKA_GOSTR3410_PARAMS, 0x250);
        assert_eq!(CKM_GOSTR3410, 0x1201);
        assert_eq!(CKM_GOSTR3410_512, 0xD432_1006);
        assert_eq!(CKM_GOSTR3410_WITH_GOSTR3411_12_256, 0xD432_1008);
        assert_eq!(CKM_GOSTR3410_WITH_GOSTR3411_12_512, 0xD432_1009);
        assert_eq!(CKM_GOSTR3411_12_256, 0xD432_1012);
        assert_eq!(CKM_GOSTR3411_12_512, 0xD432_1013);
    }

    #[test]
    fn key_type_and_params_give_the_algorithm() {
        for oid in [
            "1.2.643.7.1.2.1.1.1",
            "1.2.643.7.1.2.1.1.4",
            "1.2.643.2.2.35.1",
            "1.2.643.2.2.36.0",
            "1.2.398.3.10.1.1.2.1.1",
        ] {
            let alg = gost_algorithm(CKK_GOSTR3410, &oid_der(oid))
                .unwrap()
                .unwrap();
            assert_eq!(alg, SignatureAlgorithm::Gost2012_256, "{oid}");
        }
        for oid in [
            "1.2.643.7.1.2.1.2.1",
            "1.2.643.7.1.2.1.2.3",
            "1.2.398.3.10.1.1.2.2.1",
        ] {
            let alg = gost_algorithm(CKK_GOSTR3410_512, &oid_der(oid))
                .unwrap()
                .unwrap();
            assert_eq!(alg, SignatureAlgorithm::Gost2012_512, "{oid}");
        }
        // A 512-bit parameter set on a 256-bit key type (and the reverse) is refused.
        let e = gost_algorithm(CKK_GOSTR3410, &oid_der("1.2.643.7.1.2.1.2.1"))
            .unwrap()
            .unwrap_err();
        assert_eq!(e.code(), "TOKEN_UNSUPPORTED_KEY");
        let e = gost_algorithm(CKK_GOSTR3410_512, &oid_der("1.2.643.2.2.35.1"))
            .unwrap()
            .unwrap_err();
        assert_eq!(e.code(), "TOKEN_UNSUPPORTED_KEY");
        // A parameter set in a GOST arc that names no curve we know.
        let e = gost_algorithm(CKK_GOSTR3410, &oid_der("1.2.643.7.1.2.1.1.9"))
            .unwrap()
            .unwrap_err();
        assert_eq!(e.code(), "TOKEN_UNSUPPORTED_KEY");
        let e = gost_algorithm(CKK_GOSTR3410, &[0x04, 0x01, 0x00])
            .unwrap()
            .unwrap_err();
        assert_eq!(e.code(), "TOKEN_UNSUPPORTED_KEY");
        // Not GOST: RSA (0), EC (3).
        assert!(gost_algorithm(0, &[]).is_none());
        assert!(gost_algorithm(3, &[]).is_none());
    }

    #[test]
    fn mechanisms_per_algorithm() {
        let m = gost_mechanism(SignatureAlgorithm::Gost2012_256).unwrap();
        assert_eq!(m.mechanism, CKM_GOSTR3410_WITH_GOSTR3411_12_256);
        assert!(!m.host_hash);
        let m = gost_mechanism(SignatureAlgorithm::Gost2012_512).unwrap();
        assert_eq!(m.mechanism, CKM_GOSTR3410_512);
        assert!(m.host_hash);
        assert_eq!(
            streebog_digest(SignatureAlgorithm::Gost2012_512, b"x").len(),
            64
        );
        assert!(gost_mechanism(SignatureAlgorithm::RsaPkcs1Sha256).is_none());
    }

    /// A signature from sio-sign's software GOST signer, put in the token's layout and back,
    /// still verifies with sio-sign.
    #[test]
    fn signature_layout_round_trip_verifies() {
        let message = b"SIO PSO test message";
        for (curve, alg) in [
            (GostCurve::Tc26_256A, SignatureAlgorithm::Gost2012_256),
            (GostCurve::Tc26_512A, SignatureAlgorithm::Gost2012_512),
        ] {
            let key = GostKey::generate(curve, GostArc::Tc26).unwrap();
            let sig = key.sign(message).unwrap();
            let token = signer_signature_to_token(alg, &sig).unwrap();
            let (s, r) = split_s_r(alg, &token).unwrap();
            assert_eq!(s, &sig[..sig.len() / 2], "s comes first");
            assert_eq!(r.len(), s.len());
            let back = token_signature_to_signer(alg, &token).unwrap();
            assert_eq!(back, sig);
            assert!(gost_verify(curve, key.public_key(), message, &back));
            assert!(!gost_verify(curve, key.public_key(), b"other", &back));
            // r‖s (the ECDSA order) must not verify: the layout matters.
            let mut swapped = r.to_vec();
            swapped.extend_from_slice(s);
            assert!(!gost_verify(curve, key.public_key(), message, &swapped));
        }
    }

    #[test]
    fn wrong_length_signatures_are_errors() {
        let e = token_signature_to_signer(SignatureAlgorithm::Gost2012_256, &[1; 128]).unwrap_err();
        assert_eq!(e.code(), "TOKEN_BAD_RESPONSE");
        let e = token_signature_to_signer(SignatureAlgorithm::Gost2012_512, &[1; 64]).unwrap_err();
        assert_eq!(e.code(), "TOKEN_BAD_RESPONSE");
        assert!(token_signature_to_signer(SignatureAlgorithm::Gost2012_256, &[0; 64]).is_err());
        assert!(signer_signature_to_token(SignatureAlgorithm::Gost2012_256, &[1; 63]).is_err());
    }
}
