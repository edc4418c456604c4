//! THE one table of GOST object identifiers: key algorithms, signature algorithms, Streebog
//! digests and curve parameter sets, in the TC26 arc and the Kazakh arc of NCA RK.
//!
//! TC26 arc: R 1323565.1.024-2019, RFC 9215 §2, RFC 7836; CryptoPro sets: RFC 4357 §10.8.
//! Kazakh arc (1.2.398.3.10 = pki.gov.kz): ncanode's KalkanUtil (GOST3410_256_2015 =
//! 1.2.398.3.10.1.1.2.3.1, GOST3410_512_2015 = 1.2.398.3.10.1.1.2.3.2, TSP hashes
//! 1.2.398.3.10.1.3.2/.3.3 "GOST3411-2015-256/512"), public NCA RK verifiers built on
//! BouncyCastle (key algorithms 1.2.398.3.10.1.1.2.1/.2.2 with parameter sets
//! 1.2.398.3.10.1.1.2.1.1 = TC26 256 paramSetA and 1.2.398.3.10.1.1.2.2.1 = TC26 512 paramSetA),
//! and NCA RK sample certificates ("GOST R 34.10-2015 with GOST R 34.11-2015 (512 bit)
//! (1.2.398.3.10.1.1.2.3.2)"). The curves and formulas are those of GOST R 34.10-2012.

use const_oid::ObjectIdentifier as Oid;

use crate::{GostCurve, Streebog};

/// id-tc26-gost3410-12-256 (public key; OpenSSL's gost engine also writes it as the CMS
/// signatureAlgorithm, as RFC 4490 §3.2 prescribes for GOST).
pub const TC26_KEY_256: Oid = Oid::new_unwrap("1.2.643.7.1.1.1.1");
/// id-tc26-gost3410-12-512.
pub const TC26_KEY_512: Oid = Oid::new_unwrap("1.2.643.7.1.1.1.2");
/// id-tc26-gost3411-12-256 (Streebog-256).
pub const TC26_STREEBOG_256: Oid = Oid::new_unwrap("1.2.643.7.1.1.2.2");
/// id-tc26-gost3411-12-512 (Streebog-512).
pub const TC26_STREEBOG_512: Oid = Oid::new_unwrap("1.2.643.7.1.1.2.3");
/// id-tc26-signwithdigest-gost3410-12-256.
pub const TC26_SIGN_256: Oid = Oid::new_unwrap("1.2.643.7.1.1.3.2");
/// id-tc26-signwithdigest-gost3410-12-512.
pub const TC26_SIGN_512: Oid = Oid::new_unwrap("1.2.643.7.1.1.3.3");
/// GOST 34.10-2015 256-bit public key, Kazakh arc.
pub const KZ_KEY_256: Oid = Oid::new_unwrap("1.2.398.3.10.1.1.2.1");
/// GOST 34.10-2015 512-bit public key, Kazakh arc.
pub const KZ_KEY_512: Oid = Oid::new_unwrap("1.2.398.3.10.1.1.2.2");
/// GOST 34.11-2015 256 (Streebog-256), Kazakh arc.
pub const KZ_STREEBOG_256: Oid = Oid::new_unwrap("1.2.398.3.10.1.3.2");
/// GOST 34.11-2015 512 (Streebog-512), Kazakh arc.
pub const KZ_STREEBOG_512: Oid = Oid::new_unwrap("1.2.398.3.10.1.3.3");
/// GOST 34.10-2015 with GOST 34.11-2015 256, Kazakh arc.
pub const KZ_SIGN_256: Oid = Oid::new_unwrap("1.2.398.3.10.1.1.2.3.1");
/// GOST 34.10-2015 with GOST 34.11-2015 512, Kazakh arc.
pub const KZ_SIGN_512: Oid = Oid::new_unwrap("1.2.398.3.10.1.1.2.3.2");

/// Which OID arc a GOST key (and everything signed with it) uses. Exhaustive on purpose: every
/// writer matches on it, and a third arc must be decided at each of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum GostArc {
    /// 1.2.643.7.1 (TC26; OpenSSL, CryptoPro, PKCS#11).
    Tc26,
    /// 1.2.398.3.10 (NCA RK, KalkanCrypt).
    Kz,
}

/// Curve parameter-set OIDs and the curve each names; for each (curve, arc) the first row is the
/// one written (TC26 sets before the older CryptoPro names).
const PARAM_SETS: &[(Oid, GostCurve, GostArc)] = &[
    (
        Oid::new_unwrap("1.2.643.7.1.2.1.1.1"),
        GostCurve::Tc26_256A,
        GostArc::Tc26,
    ),
    (
        Oid::new_unwrap("1.2.643.7.1.2.1.1.2"),
        GostCurve::Tc26_256B,
        GostArc::Tc26,
    ),
    (
        Oid::new_unwrap("1.2.643.7.1.2.1.1.3"),
        GostCurve::Tc26_256C,
        GostArc::Tc26,
    ),
    (
        Oid::new_unwrap("1.2.643.7.1.2.1.1.4"),
        GostCurve::Tc26_256D,
        GostArc::Tc26,
    ),
    (
        Oid::new_unwrap("1.2.643.7.1.2.1.2.0"),
        GostCurve::Test512,
        GostArc::Tc26,
    ),
    (
        Oid::new_unwrap("1.2.643.7.1.2.1.2.1"),
        GostCurve::Tc26_512A,
        GostArc::Tc26,
    ),
    (
        Oid::new_unwrap("1.2.643.7.1.2.1.2.2"),
        GostCurve::Tc26_512B,
        GostArc::Tc26,
    ),
    (
        Oid::new_unwrap("1.2.643.7.1.2.1.2.3"),
        GostCurve::Tc26_512C,
        GostArc::Tc26,
    ),
    (
        Oid::new_unwrap("1.2.643.2.2.35.0"),
        GostCurve::Test256,
        GostArc::Tc26,
    ),
    (
        Oid::new_unwrap("1.2.643.2.2.35.1"),
        GostCurve::Tc26_256B,
        GostArc::Tc26,
    ),
    (
        Oid::new_unwrap("1.2.643.2.2.35.2"),
        GostCurve::Tc26_256C,
        GostArc::Tc26,
    ),
    (
        Oid::new_unwrap("1.2.643.2.2.35.3"),
        GostCurve::Tc26_256D,
        GostArc::Tc26,
    ),
    (
        Oid::new_unwrap("1.2.643.2.2.36.0"),
        GostCurve::Tc26_256B,
        GostArc::Tc26,
    ),
    (
        Oid::new_unwrap("1.2.643.2.2.36.1"),
        GostCurve::Tc26_256D,
        GostArc::Tc26,
    ),
    (
        Oid::new_unwrap("1.2.398.3.10.1.1.2.1.1"),
        GostCurve::Tc26_256A,
        GostArc::Kz,
    ),
    (
        Oid::new_unwrap("1.2.398.3.10.1.1.2.2.1"),
        GostCurve::Tc26_512A,
        GostArc::Kz,
    ),
];

/// The curve a parameter-set OID names (either arc).
pub fn curve_of(param_set: &Oid) -> Option<GostCurve> {
    PARAM_SETS
        .iter()
        .find(|(o, _, _)| o == param_set)
        .map(|(_, c, _)| *c)
}

/// The parameter-set OID to write for `curve` in `arc` (None: the arc has no OID for it).
pub fn param_set_oid(curve: GostCurve, arc: GostArc) -> Option<Oid> {
    PARAM_SETS
        .iter()
        .find(|(_, c, a)| *c == curve && *a == arc)
        .map(|(o, _, _)| *o)
}

/// A public-key algorithm OID: its arc and key size in bytes (32 or 64); None if not GOST.
pub fn key_algorithm(oid: &Oid) -> Option<(GostArc, usize)> {
    match *oid {
        TC26_KEY_256 => Some((GostArc::Tc26, 32)),
        TC26_KEY_512 => Some((GostArc::Tc26, 64)),
        KZ_KEY_256 => Some((GostArc::Kz, 32)),
        KZ_KEY_512 => Some((GostArc::Kz, 64)),
        _ => None,
    }
}

/// The public-key algorithm OID of a key on `curve` in `arc`.
pub fn key_oid(curve: GostCurve, arc: GostArc) -> Oid {
    match (arc, curve.size()) {
        (GostArc::Tc26, 32) => TC26_KEY_256,
        (GostArc::Tc26, _) => TC26_KEY_512,
        (GostArc::Kz, 32) => KZ_KEY_256,
        (GostArc::Kz, _) => KZ_KEY_512,
    }
}

/// The signature-with-digest OID (certificates, CRLs; KalkanCrypt's CMS) for `curve` in `arc`.
pub fn sign_oid(curve: GostCurve, arc: GostArc) -> Oid {
    match (arc, curve.size()) {
        (GostArc::Tc26, 32) => TC26_SIGN_256,
        (GostArc::Tc26, _) => TC26_SIGN_512,
        (GostArc::Kz, 32) => KZ_SIGN_256,
        (GostArc::Kz, _) => KZ_SIGN_512,
    }
}

/// A GOST signature OID as a CMS SignerInfo or an X.509 signatureAlgorithm may carry it: the key
/// OID (RFC 4490 §3.2, OpenSSL) or the signature-with-digest OID, in either arc. Returns the key
/// size in bytes it goes with and whether it is a signature-with-digest OID; None if not GOST.
pub fn signature_algorithm(oid: &Oid) -> Option<(usize, bool)> {
    match *oid {
        TC26_KEY_256 | KZ_KEY_256 => Some((32, false)),
        TC26_KEY_512 | KZ_KEY_512 => Some((64, false)),
        TC26_SIGN_256 | KZ_SIGN_256 => Some((32, true)),
        TC26_SIGN_512 | KZ_SIGN_512 => Some((64, true)),
        _ => None,
    }
}

/// A Streebog digest OID (either arc).
pub fn digest_of(oid: &Oid) -> Option<Streebog> {
    match *oid {
        TC26_STREEBOG_256 | KZ_STREEBOG_256 => Some(Streebog::Bits256),
        TC26_STREEBOG_512 | KZ_STREEBOG_512 => Some(Streebog::Bits512),
        _ => None,
    }
}

/// The digest OID to write for `digest` in `arc`.
pub fn digest_oid(digest: Streebog, arc: GostArc) -> Oid {
    match (arc, digest) {
        (GostArc::Tc26, Streebog::Bits256) => TC26_STREEBOG_256,
        (GostArc::Tc26, Streebog::Bits512) => TC26_STREEBOG_512,
        (GostArc::Kz, Streebog::Bits256) => KZ_STREEBOG_256,
        (GostArc::Kz, Streebog::Bits512) => KZ_STREEBOG_512,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_curve_has_a_tc26_parameter_set_and_the_table_round_trips() {
        for curve in GostCurve::ALL {
            let oid = param_set_oid(curve, GostArc::Tc26).expect("TC26 OID");
            assert_eq!(curve_of(&oid), Some(curve), "{oid}");
        }
        assert_eq!(
            param_set_oid(GostCurve::Tc26_512A, GostArc::Kz),
            Some(Oid::new_unwrap("1.2.398.3.10.1.1.2.2.1"))
        );
        assert_eq!(param_set_oid(GostCurve::Tc26_256B, GostArc::Kz), None);
        // CryptoPro and exchange names read as the TC26 curves they are.
        assert_eq!(
            curve_of(&Oid::new_unwrap("1.2.643.2.2.36.0")),
            Some(GostCurve::Tc26_256B)
        );
        assert_eq!(curve_of(&Oid::new_unwrap("1.2.643.7.1.2.1.1.9")), None);
    }

    #[test]
    fn algorithm_oids_round_trip() {
        for curve in [GostCurve::Tc26_256A, GostCurve::Tc26_512A] {
            for arc in [GostArc::Tc26, GostArc::Kz] {
                assert_eq!(
                    key_algorithm(&key_oid(curve, arc)),
                    Some((arc, curve.size()))
                );
                assert_eq!(
                    signature_algorithm(&sign_oid(curve, arc)),
                    Some((curve.size(), true))
                );
                let d = Streebog::of(curve);
                assert_eq!(digest_of(&digest_oid(d, arc)), Some(d));
            }
        }
        assert_eq!(
            key_algorithm(&Oid::new_unwrap("1.2.840.113549.1.1.1")),
            None
        );
    }
}
