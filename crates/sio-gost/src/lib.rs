//! GOST R 34.10-2012 signatures and GOST R 34.11-2012 (Streebog) for АРМ СИО ПСО, in one place:
//! the curves, sign/verify, Streebog, the one OID table and key recognition. sio-sign (CMS,
//! X.509), sio-token (PKCS#11 GOST keys) and sio-pki (GOST user certificates) build on it.
//!
//! In Kazakhstan the same algorithms are GOST R 34.10-2015 / 34.11-2015 (СТ РК ГОСТ Р 34.10-2015,
//! interstate ГОСТ 34.10-2018); NCA RK names them under its own OID arc ([`oid`]).
//!
//! ```text
//!  SPKI DER ──► PublicKey::from_spki_der ──► PublicKey { curve, arc, X‖Y } ──► verify(msg, sig)
//!  AlgorithmIdentifier ──► key_params ──► KeyParams { curve, arc }
//!  d (scalar) ──► public_key / sign(curve, d, msg)        Streebog::Bits256/512 .digest(msg)
//!  oid:: key / signature / digest / parameter-set OIDs of both arcs (TC26, NCA RK)
//! ```
//!
//! Byte orders: the public key is `X‖Y` with little-endian halves (RFC 4491 §2.3.2); a signature
//! is `s‖r` with big-endian halves (RFC 4491 §2.2.2, RFC 9215, OpenSSL's gost engine, PKCS#11);
//! verification also accepts the whole buffer byte-reversed (some Kazakh implementations).

mod curve;
mod error;
mod fast;
mod key;
pub mod oid;

pub use curve::GostCurve;
pub use error::GostError;
pub use key::{KeyParams, PublicKey, key_params, param_set, param_set_der, public_xy};
pub use oid::GostArc;

use zeroize::Zeroizing;

/// Streebog (GOST R 34.11-2012) output size.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Streebog {
    /// Streebog-256 (32 bytes), with 256-bit keys.
    Bits256,
    /// Streebog-512 (64 bytes), with 512-bit keys.
    Bits512,
}

impl Streebog {
    /// The digest that goes with `curve` (GOST R 34.10-2012 §5: 256-bit keys hash with
    /// Streebog-256, 512-bit keys with Streebog-512).
    pub fn of(curve: GostCurve) -> Self {
        if curve.size() == 32 {
            Self::Bits256
        } else {
            Self::Bits512
        }
    }

    /// Output length in bytes.
    pub fn output_len(self) -> usize {
        match self {
            Self::Bits256 => 32,
            Self::Bits512 => 64,
        }
    }

    /// Streebog of `data`, as the bytes the hash function outputs (the little-endian form of the
    /// standard's hash value; what OpenSSL's gost engine and PKCS#11 `CKM_GOSTR3411_12_*` output).
    pub fn digest(self, data: &[u8]) -> Vec<u8> {
        use streebog::Digest as _;
        match self {
            Self::Bits256 => streebog::Streebog256::digest(data).to_vec(),
            Self::Bits512 => streebog::Streebog512::digest(data).to_vec(),
        }
    }
}

/// Fill `buf` from the system's random number generator.
fn fill_random(buf: &mut [u8]) -> Result<(), GostError> {
    ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), buf)
        .map_err(|_| GostError::Random)
}

/// The public key `X‖Y` (little-endian halves) of private key `d` (big-endian, `0 < d < q`).
pub fn public_key(curve: GostCurve, d: &[u8]) -> Result<Vec<u8>, GostError> {
    curve::public_key(curve, d)
}

/// A fresh random private key on `curve`: `(d big-endian, public X‖Y)`.
pub fn generate(curve: GostCurve) -> Result<(Zeroizing<Vec<u8>>, Vec<u8>), GostError> {
    for _ in 0..16 {
        let mut d = Zeroizing::new(vec![0u8; curve.size()]);
        fill_random(&mut d)?;
        if let Ok(public) = curve::public_key(curve, &d) {
            return Ok((d, public));
        }
    }
    Err(GostError::Random)
}

/// Sign `message` (hashed here with the curve's Streebog) with private key `d` (big-endian) and
/// a nonce from the system's random number generator: `s‖r`, each big-endian.
pub fn sign(curve: GostCurve, d: &[u8], message: &[u8]) -> Result<Vec<u8>, GostError> {
    sign_digest(curve, d, &Streebog::of(curve).digest(message))
}

/// Sign a Streebog `digest` (as the hash function outputs it) with private key `d`.
pub fn sign_digest(curve: GostCurve, d: &[u8], digest: &[u8]) -> Result<Vec<u8>, GostError> {
    curve::sign(curve, d, digest, &mut fill_random)
}

/// Verify `signature` (`s‖r` big-endian, or its byte-reversal) over `message` (hashed here with
/// the curve's Streebog) with the public key `X‖Y` (little-endian halves).
pub fn verify(
    curve: GostCurve,
    public_xy: &[u8],
    message: &[u8],
    signature: &[u8],
) -> Result<(), GostError> {
    verify_digest(
        curve,
        public_xy,
        &Streebog::of(curve).digest(message),
        signature,
    )
}

/// Verify `signature` over a Streebog `digest` (as the hash function outputs it).
pub fn verify_digest(
    curve: GostCurve,
    public_xy: &[u8],
    digest: &[u8],
    signature: &[u8],
) -> Result<(), GostError> {
    curve::verify(curve, public_xy, digest, signature)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Hex to bytes (test vectors).
    pub(crate) fn h(s: &str) -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("hex"))
            .collect()
    }

    /// GOST R 34.11-2012 example 1 (message M1), digest bytes in output order (RFC 6986 §10.1
    /// prints the same bytes; `openssl dgst -md_gost12_512` outputs them too).
    #[test]
    fn streebog_matches_the_standard() {
        let m1 = b"012345678901234567890123456789012345678901234567890123456789012";
        let d512 = h(
            "1B54D01A4AF5B9D5CC3D86D68D285462B19ABC2475222F35C085122BE4BA1FFA00AD30F8767B3A82384C6574F024C311E2A481332B08EF7F41797891C1646F48",
        );
        assert_eq!(Streebog::Bits512.digest(m1), d512);
        let d256 = h("9D151EEFD8590B89DAA6BA6CB74AF9275DD051026BB149A452FD84E5E57B5500");
        assert_eq!(Streebog::Bits256.digest(m1), d256);
        assert_eq!(Streebog::of(GostCurve::Tc26_256B).output_len(), 32);
        assert_eq!(Streebog::of(GostCurve::Tc26_512C).output_len(), 64);
    }

    #[test]
    fn generated_keys_sign_and_verify_through_the_public_api() {
        for curve in [GostCurve::Tc26_256B, GostCurve::Tc26_512A] {
            let (d, public) = generate(curve).expect("key");
            let sig = sign(curve, &d, b"message").expect("sign");
            verify(curve, &public, b"message", &sig).expect("verify");
            assert_eq!(
                verify(curve, &public, b"other", &sig),
                Err(GostError::BadSignature)
            );
            assert_eq!(
                verify(curve, &public, b"message", &sig[1..]),
                Err(GostError::SignatureMalformed)
            );
            let key = PublicKey::new(
                KeyParams {
                    curve,
                    arc: GostArc::Kz,
                },
                &public,
            )
            .expect("on the curve");
            key.verify(b"message", &sig).expect("verify");
        }
    }

    #[test]
    fn codes_are_listed() {
        for e in [
            GostError::KeyInvalid,
            GostError::SignatureMalformed,
            GostError::BadSignature,
            GostError::UnknownParameterSet,
            GostError::Random,
        ] {
            assert!(
                <GostError as sio_error::CodeList>::CODES.contains(&e.code()),
                "{e:?}"
            );
        }
    }
}
