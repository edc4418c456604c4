//! GOST R 34.10-2012 (= GOST R 34.10-2015 in Kazakhstan, ГОСТ 34.10-2015 interstate) signatures
//! over the standard's curves, in pure Rust on `crypto-bigint` Montgomery arithmetic.
//!
//! Curves are kept in short Weierstrass form `y² = x³ + ax + b (mod p)` (the twisted Edwards sets
//! TC26 256-A and 512-C are given by TC26 in that form too). Points use homogeneous projective
//! coordinates and the complete addition formula of Renes–Costello–Batina (2016, Algorithm 1,
//! arbitrary `a`): no special cases (identity, doubling) and so one code path for the
//! constant-time signer and the verifier. Curve parameters: R 1323565.1.024-2019 / RFC 7836 /
//! RFC 4357 (as also listed by pygost's `gost3410.py`).
//!
//! Signature (GOST R 34.10-2012 §6.1/§6.2): `e = α mod q` (`e = 1` if zero) where `α` is the
//! hash as an integer; `C = kP`, `r = x_C mod q`, `s = (rd + ke) mod q`. Verification:
//! `v = e⁻¹`, `z1 = sv`, `z2 = -rv`, `C = z1·P + z2·Q`, accept iff `x_C mod q == r`.
//!
//! Byte orders (documented once, used everywhere):
//! - the Streebog output bytes of `streebog`/OpenSSL are the little-endian form of the
//!   standard's hash value, so `α` = little-endian integer of the digest bytes (pygost:
//!   "digest[::-1]"; checked against OpenSSL's gost engine in tests/gost_openssl.rs);
//! - public key in SubjectPublicKeyInfo: OCTET STRING of `X‖Y`, each little-endian (RFC 4491 §2.3.2,
//!   RFC 9215 §4.3);
//! - signature value: `s‖r`, each big-endian (RFC 4491 §2.2.2, RFC 9215; what OpenSSL's gost engine
//!   writes in CMS and X.509). Some Kazakh implementations store the whole buffer byte-reversed
//!   (`r‖s` each little-endian); [`verify`] accepts that form as well, [`sign`] never produces it.

use crypto_bigint::modular::runtime_mod::{DynResidue, DynResidueParams};
use crypto_bigint::subtle::{ConditionallySelectable, ConstantTimeEq};
use crypto_bigint::{Limb, U256, U512, Uint, Word};
use zeroize::Zeroize;

use crate::error::GostError;
use crate::fast as gost_pm;
use std::sync::OnceLock;

/// A named parameter set (curve).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum GostCurve {
    /// id-GostR3410-2001-TestParamSet 1.2.643.2.2.35.0 (the standard's 256-bit example, A.1).
    Test256,
    /// id-tc26-gost-3410-12-256-paramSetA 1.2.643.7.1.2.1.1.1 (twisted Edwards, cofactor 4).
    Tc26_256A,
    /// id-tc26-gost-3410-12-256-paramSetB = CryptoPro-A 1.2.643.2.2.35.1 (= XchA 1.2.643.2.2.36.0).
    Tc26_256B,
    /// id-tc26-gost-3410-12-256-paramSetC = CryptoPro-B 1.2.643.2.2.35.2.
    Tc26_256C,
    /// id-tc26-gost-3410-12-256-paramSetD = CryptoPro-C 1.2.643.2.2.35.3 (= XchB 1.2.643.2.2.36.1).
    Tc26_256D,
    /// id-tc26-gost-3410-12-512-paramSetTest 1.2.643.7.1.2.1.2.0 (the standard's 512-bit example, A.2).
    Test512,
    /// id-tc26-gost-3410-12-512-paramSetA 1.2.643.7.1.2.1.2.1.
    Tc26_512A,
    /// id-tc26-gost-3410-12-512-paramSetB 1.2.643.7.1.2.1.2.2.
    Tc26_512B,
    /// id-tc26-gost-3410-12-512-paramSetC 1.2.643.7.1.2.1.2.3 (twisted Edwards, cofactor 4).
    Tc26_512C,
}

struct Def {
    p: &'static str,
    q: &'static str,
    a: &'static str,
    b: &'static str,
    x: &'static str,
    y: &'static str,
}

impl GostCurve {
    /// Every parameter set, in declaration order.
    pub const ALL: [GostCurve; 9] = [
        Self::Test256,
        Self::Tc26_256A,
        Self::Tc26_256B,
        Self::Tc26_256C,
        Self::Tc26_256D,
        Self::Test512,
        Self::Tc26_512A,
        Self::Tc26_512B,
        Self::Tc26_512C,
    ];

    /// Coordinate (and scalar) size in bytes: 32 or 64.
    pub fn size(self) -> usize {
        match self {
            Self::Test256
            | Self::Tc26_256A
            | Self::Tc26_256B
            | Self::Tc26_256C
            | Self::Tc26_256D => 32,
            _ => 64,
        }
    }

    fn def(self) -> Def {
        // Values from R 1323565.1.024-2019 (TC26), RFC 7836 appendix A, RFC 4357 §11.4 and
        // GOST R 34.10-2012 appendix A; cross-checked with pygost 5.x `CURVES`.
        match self {
            Self::Test256 => Def {
                p: "8000000000000000000000000000000000000000000000000000000000000431",
                q: "8000000000000000000000000000000150FE8A1892976154C59CFC193ACCF5B3",
                a: "0000000000000000000000000000000000000000000000000000000000000007",
                b: "5FBFF498AA938CE739B8E022FBAFEF40563F6E6A3472FC2A514C0CE9DAE23B7E",
                x: "0000000000000000000000000000000000000000000000000000000000000002",
                y: "08E2A8A0E65147D4BD6316030E16D19C85C97F0A9CA267122B96ABBCEA7E8FC8",
            },
            Self::Tc26_256A => Def {
                p: "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFD97",
                q: "400000000000000000000000000000000FD8CDDFC87B6635C115AF556C360C67",
                a: "C2173F1513981673AF4892C23035A27CE25E2013BF95AA33B22C656F277E7335",
                b: "295F9BAE7428ED9CCC20E7C359A9D41A22FCCD9108E17BF7BA9337A6F8AE9513",
                x: "91E38443A5E82C0D880923425712B2BB658B9196932E02C78B2582FE742DAA28",
                y: "32879423AB1A0375895786C4BB46E9565FDE0B5344766740AF268ADB32322E5C",
            },
            Self::Tc26_256B => Def {
                p: "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFD97",
                q: "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF6C611070995AD10045841B09B761B893",
                a: "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFD94",
                b: "00000000000000000000000000000000000000000000000000000000000000A6",
                x: "0000000000000000000000000000000000000000000000000000000000000001",
                y: "8D91E471E0989CDA27DF505A453F2B7635294F2DDF23E3B122ACC99C9E9F1E14",
            },
            Self::Tc26_256C => Def {
                p: "8000000000000000000000000000000000000000000000000000000000000C99",
                q: "800000000000000000000000000000015F700CFFF1A624E5E497161BCC8A198F",
                a: "8000000000000000000000000000000000000000000000000000000000000C96",
                b: "3E1AF419A269A5F866A7D3C25C3DF80AE979259373FF2B182F49D4CE7E1BBC8B",
                x: "0000000000000000000000000000000000000000000000000000000000000001",
                y: "3FA8124359F96680B83D1C3EB2C070E5C545C9858D03ECFB744BF8D717717EFC",
            },
            Self::Tc26_256D => Def {
                p: "9B9F605F5A858107AB1EC85E6B41C8AACF846E86789051D37998F7B9022D759B",
                q: "9B9F605F5A858107AB1EC85E6B41C8AA582CA3511EDDFB74F02F3A6598980BB9",
                a: "9B9F605F5A858107AB1EC85E6B41C8AACF846E86789051D37998F7B9022D7598",
                b: "000000000000000000000000000000000000000000000000000000000000805A",
                x: "0000000000000000000000000000000000000000000000000000000000000000",
                y: "41ECE55743711A8C3CBF3783CD08C0EE4D4DC440D4641A8F366E550DFDB3BB67",
            },
            Self::Test512 => Def {
                p: "4531ACD1FE0023C7550D267B6B2FEE80922B14B2FFB90F04D4EB7C09B5D2D15DF1D852741AF4704A0458047E80E4546D35B8336FAC224DD81664BBF528BE6373",
                q: "4531ACD1FE0023C7550D267B6B2FEE80922B14B2FFB90F04D4EB7C09B5D2D15DA82F2D7ECB1DBAC719905C5EECC423F1D86E25EDBE23C595D644AAF187E6E6DF",
                a: "00000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000007",
                b: "1CFF0806A31116DA29D8CFA54E57EB748BC5F377E49400FDD788B649ECA1AC4361834013B2AD7322480A89CA58E0CF74BC9E540C2ADD6897FAD0A3084F302ADC",
                x: "24D19CC64572EE30F396BF6EBBFD7A6C5213B3B3D7057CC825F91093A68CD762FD60611262CD838DC6B60AA7EEE804E28BC849977FAC33B4B530F1B120248A9A",
                y: "2BB312A43BD2CE6E0D020613C857ACDDCFBF061E91E5F2C3F32447C259F39B2C83AB156D77F1496BF7EB3351E1EE4E43DC1A18B91B24640B6DBB92CB1ADD371E",
            },
            Self::Tc26_512A => Def {
                p: "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFDC7",
                q: "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF27E69532F48D89116FF22B8D4E0560609B4B38ABFAD2B85DCACDB1411F10B275",
                a: "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFDC4",
                b: "E8C2505DEDFC86DDC1BD0B2B6667F1DA34B82574761CB0E879BD081CFD0B6265EE3CB090F30D27614CB4574010DA90DD862EF9D4EBEE4761503190785A71C760",
                x: "00000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000003",
                y: "7503CFE87A836AE3A61B8816E25450E6CE5E1C93ACF1ABC1778064FDCBEFA921DF1626BE4FD036E93D75E6A50E3A41E98028FE5FC235F5B889A589CB5215F2A4",
            },
            Self::Tc26_512B => Def {
                p: "8000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000006F",
                q: "800000000000000000000000000000000000000000000000000000000000000149A1EC142565A545ACFDB77BD9D40CFA8B996712101BEA0EC6346C54374F25BD",
                a: "8000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000006C",
                b: "687D1B459DC841457E3E06CF6F5E2517B97C7D614AF138BCBF85DC806C4B289F3E965D2DB1416D217F8B276FAD1AB69C50F78BEE1FA3106EFB8CCBC7C5140116",
                x: "00000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000002",
                y: "1A8F7EDA389B094C2C071E3647A8940F3C123B697578C213BE6DD9E6C8EC7335DCB228FD1EDF4A39152CBCAAF8C0398828041055F94CEEEC7E21340780FE41BD",
            },
            Self::Tc26_512C => Def {
                p: "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFDC7",
                q: "3FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFC98CDBA46506AB004C33A9FF5147502CC8EDA9E7A769A12694623CEF47F023ED",
                a: "DC9203E514A721875485A529D2C722FB187BC8980EB866644DE41C68E143064546E861C0E2C9EDD92ADE71F46FCF50FF2AD97F951FDA9F2A2EB6546F39689BD3",
                b: "B4C4EE28CEBC6C2C8AC12952CF37F16AC7EFB6A9F69F4B57FFDA2E4F0DE5ADE038CBC2FFF719D2C18DE0284B8BFEF3B52B8CC7A5F5BF0A3C8D2319A5312557E1",
                x: "E2E31EDFC23DE7BDEBE241CE593EF5DE2295B7A9CBAEF021D385F7074CEA043AA27272A7AE602BF2A7B9033DB9ED3610C6FB85487EAE97AAC5BC7928C1950148",
                y: "F5CE40D95B5EB899ABBCCFF5911CB8577939804D6527378B8C108C3D2090FF9BE18E2D33E3021ED2EF32D85822423B6304F726AA854BAE07D0396E9A9ADDC40F",
            },
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Field and curve arithmetic, generic over the limb count (256 or 512 bits).

type Fe<const L: usize> = DynResidue<L>;

/// Number of [`GostCurve`] variants (index = discriminant).
const CURVES: usize = 10;
/// Precomputed odd multiples of each curve's generator for the verifier (`None`: no fast path).
static G_TABLES_256: [OnceLock<Option<gost_pm::GTable<4>>>; CURVES] =
    [const { OnceLock::new() }; CURVES];
static G_TABLES_512: [OnceLock<Option<gost_pm::GTable<8>>>; CURVES] =
    [const { OnceLock::new() }; CURVES];

fn uint_from_be<const L: usize>(bytes: &[u8]) -> Option<Uint<L>> {
    let width = L * Limb::BYTES;
    if bytes.len() > width {
        return None;
    }
    let mut padded = vec![0u8; width];
    padded[width - bytes.len()..].copy_from_slice(bytes);
    let mut words = [0 as Word; L];
    for (i, w) in words.iter_mut().enumerate() {
        let end = width - i * Limb::BYTES;
        let mut chunk = [0u8; Limb::BYTES];
        chunk.copy_from_slice(&padded[end - Limb::BYTES..end]);
        *w = Word::from_be_bytes(chunk);
    }
    padded.zeroize();
    Some(Uint::from_words(words))
}

fn uint_to_be<const L: usize>(v: &Uint<L>, out: &mut [u8]) {
    let width = L * Limb::BYTES;
    debug_assert_eq!(out.len(), width);
    for (i, w) in v.as_words().iter().enumerate() {
        let end = width - i * Limb::BYTES;
        out[end - Limb::BYTES..end].copy_from_slice(&w.to_be_bytes());
    }
}

fn hex_uint<const L: usize>(hex: &str) -> Uint<L> {
    let bytes: Vec<u8> = (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap_or(0))
        .collect();
    uint_from_be(&bytes).unwrap_or(Uint::ZERO)
}

#[derive(Clone, Copy)]
struct Point<const L: usize> {
    x: Fe<L>,
    y: Fe<L>,
    z: Fe<L>,
}

impl<const L: usize> ConditionallySelectable for Point<L> {
    fn conditional_select(a: &Self, b: &Self, choice: crypto_bigint::subtle::Choice) -> Self {
        Self {
            x: Fe::conditional_select(&a.x, &b.x, choice),
            y: Fe::conditional_select(&a.y, &b.y, choice),
            z: Fe::conditional_select(&a.z, &b.z, choice),
        }
    }
}

struct Curve<const L: usize> {
    fp: DynResidueParams<L>,
    fq: DynResidueParams<L>,
    p: Uint<L>,
    q: Uint<L>,
    a: Fe<L>,
    b: Fe<L>,
    b3: Fe<L>,
    g: Point<L>,
    /// `a = -3 (mod p)` (TC26 512-A/B, 256-B/C/D): faster Jacobian doubling in the verifier.
    a_minus3: bool,
    /// Which parameter set.
    id: GostCurve,
}

impl<const L: usize> Curve<L> {
    fn new(c: GostCurve) -> Self {
        let d = c.def();
        let p = hex_uint::<L>(d.p);
        let q = hex_uint::<L>(d.q);
        let fp = DynResidueParams::new(&p);
        let fq = DynResidueParams::new(&q);
        let fe = |h: &str| Fe::new(&hex_uint::<L>(h), fp);
        let b = fe(d.b);
        let g = Point {
            x: fe(d.x),
            y: fe(d.y),
            z: Fe::one(fp),
        };
        let a = fe(d.a);
        let three = Fe::new(&Uint::from_u8(3), fp);
        Self {
            fp,
            fq,
            p,
            q,
            a,
            b,
            b3: b + b + b,
            g,
            a_minus3: (a + three).as_montgomery() == &Uint::ZERO,
            id: c,
        }
    }

    fn identity(&self) -> Point<L> {
        Point {
            x: Fe::zero(self.fp),
            y: Fe::one(self.fp),
            z: Fe::zero(self.fp),
        }
    }

    /// Complete addition, Renes–Costello–Batina 2016, Algorithm 1 (any `a`), written line for
    /// line as in the paper.
    #[allow(clippy::assign_op_pattern)]
    fn add(&self, p1: &Point<L>, p2: &Point<L>) -> Point<L> {
        let (x1, y1, z1) = (p1.x, p1.y, p1.z);
        let (x2, y2, z2) = (p2.x, p2.y, p2.z);
        let a = self.a;
        let b3 = self.b3;
        let mut t0 = x1 * x2;
        let mut t1 = y1 * y2;
        let mut t2 = z1 * z2;
        let mut t3 = x1 + y1;
        let mut t4 = x2 + y2;
        t3 = t3 * t4;
        t4 = t0 + t1;
        t3 = t3 - t4;
        t4 = x1 + z1;
        let mut t5 = x2 + z2;
        t4 = t4 * t5;
        t5 = t0 + t2;
        t4 = t4 - t5;
        t5 = y1 + z1;
        let mut x3 = y2 + z2;
        t5 = t5 * x3;
        x3 = t1 + t2;
        t5 = t5 - x3;
        let mut z3 = a * t4;
        x3 = b3 * t2;
        z3 = x3 + z3;
        x3 = t1 - z3;
        z3 = t1 + z3;
        let mut y3 = x3 * z3;
        t1 = t0 + t0;
        t1 = t1 + t0;
        t2 = a * t2;
        t4 = b3 * t4;
        t1 = t1 + t2;
        t2 = t0 - t2;
        t2 = a * t2;
        t4 = t4 + t2;
        t0 = t1 * t4;
        y3 = y3 + t0;
        t0 = t5 * t4;
        x3 = t3 * x3;
        x3 = x3 - t0;
        t0 = t3 * t1;
        z3 = z3 * t5;
        z3 = z3 + t0;
        Point {
            x: x3,
            y: y3,
            z: z3,
        }
    }

    fn double(&self, p: &Point<L>) -> Point<L> {
        self.add(p, p)
    }

    /// `[1..16)·p` for 4-bit windows (entry 0 is the identity).
    fn table(&self, p: &Point<L>) -> [Point<L>; 16] {
        let mut t = [self.identity(); 16];
        t[1] = *p;
        for i in 2..16 {
            t[i] = if i % 2 == 0 {
                self.double(&t[i / 2])
            } else {
                self.add(&t[i - 1], p)
            };
        }
        t
    }

    fn on_curve(&self, x: &Fe<L>, y: &Fe<L>) -> bool {
        let lhs = y.square();
        let rhs = x.square() * *x + self.a * *x + self.b;
        bool::from(lhs.as_montgomery().ct_eq(rhs.as_montgomery()))
    }

    /// Affine x coordinate as an integer (None for the identity).
    fn affine_x(&self, p: &Point<L>) -> Option<Uint<L>> {
        let (zinv, ok) = p.z.invert();
        if !bool::from(crypto_bigint::subtle::Choice::from(ok)) {
            return None;
        }
        Some((p.x * zinv).retrieve())
    }

    fn affine(&self, p: &Point<L>) -> Option<(Uint<L>, Uint<L>)> {
        let (zinv, ok) = p.z.invert();
        if !bool::from(crypto_bigint::subtle::Choice::from(ok)) {
            return None;
        }
        Some(((p.x * zinv).retrieve(), (p.y * zinv).retrieve()))
    }

    /// Constant-time `k·G` (fixed 4-bit windows, table scanned in full, always adding).
    fn mul_ct(&self, base: &Point<L>, k: &Uint<L>) -> Point<L> {
        let table = self.table(base);
        let mut acc = self.identity();
        let words = k.as_words();
        let nibbles = L * Limb::BITS / 4;
        for i in (0..nibbles).rev() {
            for _ in 0..4 {
                acc = self.double(&acc);
            }
            let w = words[i * 4 / Limb::BITS];
            let n = ((w >> ((i * 4) % Limb::BITS)) & 0xf) as u32;
            let mut pick = table[0];
            for (j, entry) in table.iter().enumerate() {
                pick.conditional_assign(entry, (j as u32).ct_eq(&n));
            }
            acc = self.add(&acc, &pick);
        }
        acc
    }

    /// Jacobian doubling (dbl-2007-bl; dbl-2001-b when `a = -3`), variable time. The identity
    /// (Z = 0) doubles to itself.
    fn jdouble(&self, p: &Point<L>) -> Point<L> {
        let xx = p.x.square();
        let yy = p.y.square();
        let yyyy = yy.square();
        let zz = p.z.square();
        let t = p.x + yy;
        let s = t.square() - xx - yyyy;
        let s = s + s;
        let m = if self.a_minus3 {
            let m = (p.x - zz) * (p.x + zz);
            m + m + m
        } else {
            xx + xx + xx + self.a * zz.square()
        };
        let x3 = m.square() - s - s;
        let y8 = yyyy + yyyy;
        let y8 = y8 + y8;
        let y8 = y8 + y8;
        let y3 = m * (s - x3) - y8;
        let z3 = (p.y + p.z).square() - yy - zz;
        Point {
            x: x3,
            y: y3,
            z: z3,
        }
    }

    fn is_zero(v: &Fe<L>) -> bool {
        v.as_montgomery() == &Uint::ZERO
    }

    /// Jacobian addition (add-2007-bl) with the special cases handled, variable time.
    fn jadd(&self, p1: &Point<L>, p2: &Point<L>) -> Point<L> {
        if Self::is_zero(&p1.z) {
            return *p2;
        }
        if Self::is_zero(&p2.z) {
            return *p1;
        }
        let z1z1 = p1.z.square();
        let z2z2 = p2.z.square();
        let u1 = p1.x * z2z2;
        let u2 = p2.x * z1z1;
        let s1 = p1.y * p2.z * z2z2;
        let s2 = p2.y * p1.z * z1z1;
        let h = u2 - u1;
        let r = s2 - s1;
        if Self::is_zero(&h) {
            return if Self::is_zero(&r) {
                self.jdouble(p1)
            } else {
                Point {
                    x: Fe::one(self.fp),
                    y: Fe::one(self.fp),
                    z: Fe::zero(self.fp),
                }
            };
        }
        let i = (h + h).square();
        let j = h * i;
        let r = r + r;
        let v = u1 * i;
        let x3 = r.square() - j - v - v;
        let sj = s1 * j;
        let y3 = r * (v - x3) - sj - sj;
        let z3 = ((p1.z + p2.z).square() - z1z1 - z2z2) * h;
        Point {
            x: x3,
            y: y3,
            z: z3,
        }
    }

    /// `[0..16)·p` in Jacobian coordinates.
    fn jtable(&self, p: &Point<L>) -> [Point<L>; 16] {
        let inf = Point {
            x: Fe::one(self.fp),
            y: Fe::one(self.fp),
            z: Fe::zero(self.fp),
        };
        let mut t = [inf; 16];
        t[1] = *p;
        for i in 2..16 {
            t[i] = if i % 2 == 0 {
                self.jdouble(&t[i / 2])
            } else {
                self.jadd(&t[i - 1], p)
            };
        }
        t
    }

    /// Variable-time `u1·G + u2·Q` (public data only): Jacobian coordinates, interleaved 4-bit
    /// windows. Returns the affine x of the result (None for the identity).
    fn mul2_vartime_x(&self, u1: &Uint<L>, q: &Point<L>, u2: &Uint<L>) -> Option<Uint<L>> {
        let tg = self.jtable(&self.g);
        let tq = self.jtable(q);
        let mut acc = Point {
            x: Fe::one(self.fp),
            y: Fe::one(self.fp),
            z: Fe::zero(self.fp),
        };
        let mut started = false;
        let (w1, w2) = (u1.as_words(), u2.as_words());
        let nibbles = L * Limb::BITS / 4;
        for i in (0..nibbles).rev() {
            if started {
                for _ in 0..4 {
                    acc = self.jdouble(&acc);
                }
            }
            let shift = (i * 4) % Limb::BITS;
            let n1 = ((w1[i * 4 / Limb::BITS] >> shift) & 0xf) as usize;
            let n2 = ((w2[i * 4 / Limb::BITS] >> shift) & 0xf) as usize;
            if n1 != 0 {
                acc = self.jadd(&acc, &tg[n1]);
                started = true;
            }
            if n2 != 0 {
                acc = self.jadd(&acc, &tq[n2]);
                started = true;
            }
        }
        let (zinv, ok) = acc.z.invert();
        if !bool::from(crypto_bigint::subtle::Choice::from(ok)) {
            return None;
        }
        Some((acc.x * zinv.square()).retrieve())
    }

    /// `u1·G + u2·Q` on the lean fast path (`gost_pm`), the generator's wNAF table computed once
    /// per curve. Outer `None`: no fast path for this curve (even or malformed prime).
    fn mul2_fast_x(
        &self,
        u1: &Uint<L>,
        qx: &Uint<L>,
        qy: &Uint<L>,
        u2: &Uint<L>,
    ) -> Option<Option<Uint<L>>> {
        let width = L * Limb::BYTES;
        let be = |v: &Uint<L>| {
            let mut out = vec![0u8; width];
            uint_to_be(v, &mut out);
            out
        };
        let bytes = |h: &str| -> Vec<u8> {
            (0..h.len())
                .step_by(2)
                .map(|i| u8::from_str_radix(&h[i..i + 2], 16).unwrap_or(0))
                .collect()
        };
        let d = self.id.def();
        let (p, a, gx, gy) = (bytes(d.p), bytes(d.a), bytes(d.x), bytes(d.y));
        let cb = gost_pm::CurveBytes {
            p: &p,
            a: &a,
            a_minus3: self.a_minus3,
            gx: &gx,
            gy: &gy,
        };
        let (u1, qx, qy, u2) = (be(u1), be(qx), be(qy), be(u2));
        let index = self.id as usize;
        let out = if width == 32 {
            let table = G_TABLES_256
                .get(index)?
                .get_or_init(|| gost_pm::GTable::new(&cb));
            gost_pm::mul2::<4>(&cb, table.as_ref()?, &u1, &qx, &qy, &u2)
        } else {
            let table = G_TABLES_512
                .get(index)?
                .get_or_init(|| gost_pm::GTable::new(&cb));
            gost_pm::mul2::<8>(&cb, table.as_ref()?, &u1, &qx, &qy, &u2)
        };
        let Some((x, z2)) = out else {
            return Some(None);
        };
        let x = Fe::new(&uint_from_be::<L>(&x)?, self.fp);
        let (zinv, ok) = Fe::new(&uint_from_be::<L>(&z2)?, self.fp).invert();
        if !bool::from(crypto_bigint::subtle::Choice::from(ok)) {
            return Some(None);
        }
        Some(Some((x * zinv).retrieve()))
    }

    /// `α mod q`, 0 → 1 (GOST R 34.10-2012 §6.1 step 2), from the digest bytes (little-endian).
    fn e_from_digest(&self, digest: &[u8]) -> Fe<L> {
        let mut be: Vec<u8> = digest.iter().rev().copied().collect();
        let alpha = uint_from_be::<L>(&be).unwrap_or(Uint::ZERO);
        be.zeroize();
        self.e_from_alpha(&alpha)
    }

    fn e_from_alpha(&self, alpha: &Uint<L>) -> Fe<L> {
        let e = Fe::new(alpha, self.fq);
        let zero = e.retrieve().ct_eq(&Uint::ZERO);
        Fe::conditional_select(&e, &Fe::one(self.fq), zero)
    }

    fn public_point(&self, qx: &Uint<L>, qy: &Uint<L>) -> Option<Point<L>> {
        if qx >= &self.p || qy >= &self.p {
            return None;
        }
        let x = Fe::new(qx, self.fp);
        let y = Fe::new(qy, self.fp);
        if !self.on_curve(&x, &y) {
            return None;
        }
        Some(Point {
            x,
            y,
            z: Fe::one(self.fp),
        })
    }

    fn verify(&self, qx: &Uint<L>, qy: &Uint<L>, e: Fe<L>, r: &Uint<L>, s: &Uint<L>) -> bool {
        let Some(qp) = self.public_point(qx, qy) else {
            return false;
        };
        if r == &Uint::ZERO || s == &Uint::ZERO || r >= &self.q || s >= &self.q {
            return false;
        }
        let (v, ok) = e.invert();
        if !bool::from(crypto_bigint::subtle::Choice::from(ok)) {
            return false;
        }
        let rr = Fe::new(r, self.fq);
        let ss = Fe::new(s, self.fq);
        let z1 = (ss * v).retrieve();
        let z2 = (-(rr * v)).retrieve();
        let x = match self.mul2_fast_x(&z1, qx, qy, &z2) {
            Some(x) => x,
            None => self.mul2_vartime_x(&z1, &qp, &z2),
        };
        let Some(x) = x else {
            return false;
        };
        Fe::new(&x, self.fq).retrieve() == *r
    }

    /// `(r, s)` for private key `d` and nonce `k` (both in `[1, q)`), constant time in `d` and `k`.
    fn sign_with_k(&self, d: &Uint<L>, e: Fe<L>, k: &Uint<L>) -> Option<(Uint<L>, Uint<L>)> {
        let c = self.mul_ct(&self.g, k);
        let x = self.affine_x(&c)?;
        let r = Fe::new(&x, self.fq);
        let dd = Fe::new(d, self.fq);
        let kk = Fe::new(k, self.fq);
        let s = r * dd + kk * e;
        let (r, s) = (r.retrieve(), s.retrieve());
        if r == Uint::ZERO || s == Uint::ZERO {
            return None;
        }
        Some((r, s))
    }
}

// ---------------------------------------------------------------------------------------------
// Byte-level API used by the CMS/X.509 layers.

fn with_curve<R>(
    curve: GostCurve,
    f256: impl FnOnce(&Curve<{ U256::LIMBS }>) -> R,
    f512: impl FnOnce(&Curve<{ U512::LIMBS }>) -> R,
) -> R {
    if curve.size() == 32 {
        f256(&curve_256(curve))
    } else {
        f512(&curve_512(curve))
    }
}

fn curve_256(c: GostCurve) -> Curve<{ U256::LIMBS }> {
    Curve::new(c)
}

fn curve_512(c: GostCurve) -> Curve<{ U512::LIMBS }> {
    Curve::new(c)
}

/// Split a public key `X‖Y` (each little-endian, as inside the SPKI OCTET STRING).
fn key_halves(curve: GostCurve, public_le: &[u8]) -> Result<(Vec<u8>, Vec<u8>), GostError> {
    let n = curve.size();
    if public_le.len() != 2 * n {
        return Err(GostError::KeyInvalid);
    }
    let x: Vec<u8> = public_le[..n].iter().rev().copied().collect();
    let y: Vec<u8> = public_le[n..].iter().rev().copied().collect();
    Ok((x, y))
}

/// The affine coordinates of a public key `X‖Y` (little-endian halves) that lies on the curve.
fn public_coordinates<const L: usize>(
    c: &Curve<L>,
    public_le: &[u8],
    curve: GostCurve,
) -> Result<(Uint<L>, Uint<L>), GostError> {
    let (x, y) = key_halves(curve, public_le)?;
    let qx = uint_from_be::<L>(&x).ok_or(GostError::KeyInvalid)?;
    let qy = uint_from_be::<L>(&y).ok_or(GostError::KeyInvalid)?;
    c.public_point(&qx, &qy).ok_or(GostError::KeyInvalid)?;
    Ok((qx, qy))
}

fn verify_generic<const L: usize>(
    c: &Curve<L>,
    public_le: &[u8],
    digest: &[u8],
    signature: &[u8],
    curve: GostCurve,
) -> Result<(), GostError> {
    let n = curve.size();
    if signature.len() != 2 * n {
        return Err(GostError::SignatureMalformed);
    }
    let (qx, qy) = public_coordinates(c, public_le, curve)?;
    let e = c.e_from_digest(digest);
    // s‖r big-endian (RFC 4491/RFC 9215, OpenSSL), then the byte-reversed form (r‖s little-endian).
    let s = uint_from_be::<L>(&signature[..n]).ok_or(GostError::SignatureMalformed)?;
    let r = uint_from_be::<L>(&signature[n..]).ok_or(GostError::SignatureMalformed)?;
    if c.verify(&qx, &qy, e, &r, &s) {
        return Ok(());
    }
    let reversed: Vec<u8> = signature.iter().rev().copied().collect();
    let s = uint_from_be::<L>(&reversed[..n]).ok_or(GostError::SignatureMalformed)?;
    let r = uint_from_be::<L>(&reversed[n..]).ok_or(GostError::SignatureMalformed)?;
    if c.verify(&qx, &qy, e, &r, &s) {
        return Ok(());
    }
    Err(GostError::BadSignature)
}

/// Verify `signature` (`s‖r` big-endian, or its byte-reversal) over a Streebog `digest` with the
/// public key `X‖Y` (little-endian halves, the content of the SPKI OCTET STRING).
pub(crate) fn verify(
    curve: GostCurve,
    public_le: &[u8],
    digest: &[u8],
    signature: &[u8],
) -> Result<(), GostError> {
    with_curve(
        curve,
        |c| verify_generic(c, public_le, digest, signature, curve),
        |c| verify_generic(c, public_le, digest, signature, curve),
    )
}

fn scalar_in_range<const L: usize>(c: &Curve<L>, v: &Uint<L>) -> bool {
    v != &Uint::ZERO && v < &c.q
}

fn public_generic<const L: usize>(
    c: &Curve<L>,
    d_be: &[u8],
    curve: GostCurve,
) -> Result<Vec<u8>, GostError> {
    let mut d = uint_from_be::<L>(d_be).ok_or(GostError::KeyInvalid)?;
    if !scalar_in_range(c, &d) {
        d.zeroize();
        return Err(GostError::KeyInvalid);
    }
    let qp = c.mul_ct(&c.g, &d);
    d.zeroize();
    let (x, y) = c.affine(&qp).ok_or(GostError::KeyInvalid)?;
    let n = curve.size();
    let mut out = vec![0u8; 2 * n];
    uint_to_be(&x, &mut out[..n]);
    uint_to_be(&y, &mut out[n..]);
    out[..n].reverse();
    out[n..].reverse();
    Ok(out)
}

/// The public key `X‖Y` (little-endian halves) of private key `d` (big-endian, `0 < d < q`).
pub(crate) fn public_key(curve: GostCurve, d_be: &[u8]) -> Result<Vec<u8>, GostError> {
    with_curve(
        curve,
        |c| public_generic(c, d_be, curve),
        |c| public_generic(c, d_be, curve),
    )
}

fn sign_generic<const L: usize>(
    c: &Curve<L>,
    d_be: &[u8],
    digest: &[u8],
    nonce: &mut dyn FnMut(&mut [u8]) -> Result<(), GostError>,
    curve: GostCurve,
) -> Result<Vec<u8>, GostError> {
    let n = curve.size();
    let mut d = uint_from_be::<L>(d_be).ok_or(GostError::KeyInvalid)?;
    if !scalar_in_range(c, &d) {
        d.zeroize();
        return Err(GostError::KeyInvalid);
    }
    let e = c.e_from_digest(digest);
    let mut buf = vec![0u8; n];
    // Rejection sampling: k uniform in [1, q) (reducing mod q would bias it where 2^bits is not
    // close to a multiple of q, e.g. 2^256 ≈ 1.6 q for CryptoPro-C). Every curve here has
    // q > 2^bits / 4, so 256 draws fail with probability < 1e-30.
    for _ in 0..256 {
        nonce(&mut buf)?;
        let mut kk = uint_from_be::<L>(&buf).ok_or(GostError::Random)?;
        // The slice, not the Vec: `Vec::zeroize` also empties it, and the next draw needs n bytes.
        buf.as_mut_slice().zeroize();
        if !scalar_in_range(c, &kk) {
            kk.zeroize();
            continue;
        }
        let result = c.sign_with_k(&d, e, &kk);
        kk.zeroize();
        if let Some((r, s)) = result {
            d.zeroize();
            let mut out = vec![0u8; 2 * n];
            uint_to_be(&s, &mut out[..n]);
            uint_to_be(&r, &mut out[n..]);
            return Ok(out);
        }
    }
    d.zeroize();
    Err(GostError::Random)
}

/// Sign a Streebog `digest` with private key `d` (big-endian); `nonce` fills random bytes.
/// Returns `s‖r` big-endian.
pub(crate) fn sign(
    curve: GostCurve,
    d_be: &[u8],
    digest: &[u8],
    nonce: &mut dyn FnMut(&mut [u8]) -> Result<(), GostError>,
) -> Result<Vec<u8>, GostError> {
    if curve.size() == 32 {
        sign_generic(&curve_256(curve), d_be, digest, nonce, curve)
    } else {
        sign_generic(&curve_512(curve), d_be, digest, nonce, curve)
    }
}

/// Is `public_le` (`X‖Y`, little-endian halves) a point on `curve`?
pub(crate) fn check_public(curve: GostCurve, public_le: &[u8]) -> Result<(), GostError> {
    with_curve(
        curve,
        |c| public_coordinates(c, public_le, curve).map(drop),
        |c| public_coordinates(c, public_le, curve).map(drop),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tests::h;

    fn rev(v: &[u8]) -> Vec<u8> {
        v.iter().rev().copied().collect()
    }

    #[test]
    fn fast_verify_path_matches_the_generic_one() {
        fn check<const L: usize>(c: &Curve<L>) {
            let mut seed = 0x9e37_79b9_7f4a_7c15u64;
            let mut next = |q: &Uint<L>| {
                let mut words = [0 as Word; L];
                for w in &mut words {
                    seed ^= seed << 13;
                    seed ^= seed >> 7;
                    seed ^= seed << 17;
                    *w = seed as Word;
                }
                Uint::<L>::from_words(words).wrapping_rem(q)
            };
            let d = next(&c.q);
            let q = c.affine(&c.mul_ct(&c.g, &d)).expect("Q");
            for _ in 0..4 {
                let (u1, u2) = (next(&c.q), next(&c.q));
                let fast = c.mul2_fast_x(&u1, &q.0, &q.1, &u2).expect("fast path");
                let qp = c.public_point(&q.0, &q.1).expect("on curve");
                assert!(fast == c.mul2_vartime_x(&u1, &qp, &u2), "{:?}", c.id);
            }
        }
        check(&curve_512(GostCurve::Tc26_512A));
        check(&curve_512(GostCurve::Tc26_512C));
        check(&curve_256(GostCurve::Tc26_256A));
        check(&curve_256(GostCurve::Tc26_256B));
        check(&curve_256(GostCurve::Tc26_256C));
        check(&curve_256(GostCurve::Tc26_256D));
        check(&curve_256(GostCurve::Test256));
        check(&curve_512(GostCurve::Tc26_512B));
        check(&curve_512(GostCurve::Test512));
    }

    #[test]
    fn generators_are_on_their_curves() {
        for c in [
            GostCurve::Test256,
            GostCurve::Tc26_256A,
            GostCurve::Tc26_256B,
            GostCurve::Tc26_256C,
            GostCurve::Tc26_256D,
        ] {
            let k = curve_256(c);
            assert!(k.on_curve(&k.g.x, &k.g.y), "{c:?}");
            // q·G is the identity.
            let inf = k.mul_ct(&k.g, &k.q);
            assert!(k.affine_x(&inf).is_none(), "{c:?}");
        }
        for c in [
            GostCurve::Test512,
            GostCurve::Tc26_512A,
            GostCurve::Tc26_512B,
            GostCurve::Tc26_512C,
        ] {
            let k = curve_512(c);
            assert!(k.on_curve(&k.g.x, &k.g.y), "{c:?}");
            let inf = k.mul_ct(&k.g, &k.q);
            assert!(k.affine_x(&inf).is_none(), "{c:?}");
        }
    }

    /// GOST R 34.10-2012, appendix A.1 (256-bit example): d, e, k → Q, r, s.
    #[test]
    fn standard_example_a1_256() {
        let d = h("7A929ADE789BB9BE10ED359DD39A72C11B60961F49397EEE1D19CE9891EC3B28");
        let e = h("2DFBC1B372D89A1188C09C52E0EEC61FCE52032AB1022E8E67ECE6672B043EE5");
        let k = h("77105C9B20BCD3122823C8CF6FCC7B956DE33814E95B7FE64FED924594DCEAB3");
        let r = h("41AA28D2F1AB148280CD9ED56FEDA41974053554A42767B83AD043FD39DC0493");
        let s = h("01456C64BA4642A1653C235A98A60249BCD6D3F746B631DF928014F6C5BF9C40");
        let qx = h("7F2B49E270DB6D90D8595BEC458B50C58585BA1D4E9B788F6689DBD8E56FD80B");
        let qy = h("26F1B489D6701DD185C8413A977B3CBBAF64D1C593D26627DFFB101A87FF77DA");
        let public = public_key(GostCurve::Test256, &d).expect("public");
        assert_eq!(public, [rev(&qx), rev(&qy)].concat());
        let mut kk = Some(k.clone());
        // The example's e is the integer α; our API takes digest bytes, i.e. α little-endian.
        let sig = sign(GostCurve::Test256, &d, &rev(&e), &mut |buf| {
            buf.copy_from_slice(&kk.take().ok_or(GostError::Random)?);
            Ok(())
        })
        .expect("sign");
        assert_eq!(sig, [s.clone(), r.clone()].concat());
        verify(GostCurve::Test256, &public, &rev(&e), &sig).expect("verify");
        // The byte-reversed encoding verifies as well; a changed digest does not.
        verify(GostCurve::Test256, &public, &rev(&e), &rev(&sig)).expect("reversed");
        let mut other = rev(&e);
        other[0] ^= 1;
        assert_eq!(
            verify(GostCurve::Test256, &public, &other, &sig),
            Err(GostError::BadSignature)
        );
    }

    /// GOST R 34.10-2012, appendix A.2 (512-bit example).
    #[test]
    fn standard_example_a2_512() {
        let d = h(
            "0BA6048AADAE241BA40936D47756D7C93091A0E8514669700EE7508E508B102072E8123B2200A0563322DAD2827E2714A2636B7BFD18AADFC62967821FA18DD4",
        );
        let e = h(
            "3754F3CFACC9E0615C4F4A7C4D8DAB531B09B6F9C170C533A71D147035B0C5917184EE536593F4414339976C647C5D5A407ADEDB1D560C4FC6777D2972075B8C",
        );
        let k = h(
            "0359E7F4B1410FEACC570456C6801496946312120B39D019D455986E364F365886748ED7A44B3E794434006011842286212273A6D14CF70EA3AF71BB1AE679F1",
        );
        let r = h(
            "2F86FA60A081091A23DD795E1E3C689EE512A3C82EE0DCC2643C78EEA8FCACD35492558486B20F1C9EC197C90699850260C93BCBCD9C5C3317E19344E173AE36",
        );
        let s = h(
            "1081B394696FFE8E6585E7A9362D26B6325F56778AADBC081C0BFBE933D52FF5823CE288E8C4F362526080DF7F70CE406A6EEB1F56919CB92A9853BDE73E5B4A",
        );
        let qx = h(
            "115DC5BC96760C7B48598D8AB9E740D4C4A85A65BE33C1815B5C320C854621DD5A515856D13314AF69BC5B924C8B4DDFF75C45415C1D9DD9DD33612CD530EFE1",
        );
        let qy = h(
            "37C7C90CD40B0F5621DC3AC1B751CFA0E2634FA0503B3D52639F5D7FB72AFD61EA199441D943FFE7F0C70A2759A3CDB84C114E1F9339FDF27F35ECA93677BEEC",
        );
        let public = public_key(GostCurve::Test512, &d).expect("public");
        assert_eq!(public, [rev(&qx), rev(&qy)].concat());
        let mut kk = Some(k.clone());
        let sig = sign(GostCurve::Test512, &d, &rev(&e), &mut |buf| {
            buf.copy_from_slice(&kk.take().ok_or(GostError::Random)?);
            Ok(())
        })
        .expect("sign");
        assert_eq!(sig, [s, r].concat());
        verify(GostCurve::Test512, &public, &rev(&e), &sig).expect("verify");
    }

    #[test]
    fn random_round_trips_on_every_curve() {
        let rng = ring::rand::SystemRandom::new();
        let mut fill = |buf: &mut [u8]| {
            ring::rand::SecureRandom::fill(&rng, buf).map_err(|_| GostError::Random)
        };
        for c in [
            GostCurve::Tc26_256A,
            GostCurve::Tc26_256B,
            GostCurve::Tc26_256C,
            GostCurve::Tc26_256D,
            GostCurve::Tc26_512A,
            GostCurve::Tc26_512B,
            GostCurve::Tc26_512C,
        ] {
            let n = c.size();
            let mut d = vec![0u8; n];
            fill(&mut d).expect("rng");
            d[0] &= 0x3f; // below q on every curve
            d[n - 1] |= 1;
            let public = public_key(c, &d).expect("public");
            let digest = crate::Streebog::of(c).digest(b"round trip");
            let sig = sign(c, &d, &digest, &mut fill).expect("sign");
            verify(c, &public, &digest, &sig).expect("verify");
            let mut bad = sig.clone();
            bad[n + 3] ^= 0x10;
            assert!(verify(c, &public, &digest, &bad).is_err(), "{c:?}");
        }
    }

    #[test]
    fn garbage_is_refused_without_panicking() {
        let c = GostCurve::Tc26_512A;
        assert_eq!(
            verify(c, &[0u8; 128], &[0u8; 64], &[0u8; 128]),
            Err(GostError::KeyInvalid)
        );
        assert_eq!(
            verify(c, &[1u8; 10], &[0u8; 64], &[0u8; 128]),
            Err(GostError::KeyInvalid)
        );
        assert_eq!(public_key(c, &[0u8; 64]), Err(GostError::KeyInvalid));
        assert_eq!(public_key(c, &[0xffu8; 64]), Err(GostError::KeyInvalid));
    }
}
