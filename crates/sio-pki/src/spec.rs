//! What to generate: CA, users, validity.

use std::time::{Duration, SystemTime};

use crate::PkiError;

/// The test arc under which role-policy OIDs are written into `certificatePolicies`:
/// `2.25.42354277291710988704455837689059041957` is a UUID OID (ITU-T X.667: anyone may mint one
/// from a random UUID), so it cannot collide with a real arc. Role `n` becomes `<arc>.1.<n>`.
/// These are NOT NCA RK policy OIDs; real certificates carry the CA's own policies.
pub const TEST_POLICY_ARC: &str = "2.25.42354277291710988704455837689059041957";
const TEST_POLICY_ARC_UUID: u128 = 42_354_277_291_710_988_704_455_837_689_059_041_957;

/// Key algorithm of a generated key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum KeyKind {
    /// RSA, 2048-bit modulus.
    Rsa2048,
    /// ECDSA on NIST P-256.
    EcdsaP256,
    /// ECDSA on NIST P-384.
    EcdsaP384,
    /// GOST R 34.10-2012, 256-bit (paramSet B = CryptoPro-A, TC26 OIDs). Users only: the CA and
    /// the gateway's TLS key stay RSA/ECDSA (rustls and the gateway's chain check need them).
    Gost2012_256,
    /// GOST R 34.10-2012, 512-bit (paramSet A, TC26 OIDs). Users only, like [`KeyKind::Gost2012_256`].
    Gost2012_512,
}

/// Which of the two NCA RK certificates of a person.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Usage {
    /// AUTH: logging in (EKU clientAuth, keyUsage digitalSignature).
    Auth,
    /// RSA/SIGN: signing documents (EKU emailProtection, keyUsage digitalSignature + nonRepudiation).
    Sign,
}

impl Usage {
    /// `auth` or `sign`, as used in file names.
    pub fn file_tag(self) -> &'static str {
        match self {
            Self::Auth => "auth",
            Self::Sign => "sign",
        }
    }
}

/// A validity window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Validity {
    /// Not valid before this instant.
    pub not_before: SystemTime,
    /// Not valid after this instant.
    pub not_after: SystemTime,
}

impl Validity {
    /// From one hour before `now` (clock skew) to `days` days after it.
    pub fn days_from(now: SystemTime, days: u32) -> Self {
        Self {
            not_before: now - Duration::from_secs(3600),
            not_after: now + Duration::from_secs(u64::from(days) * 86_400),
        }
    }
}

/// The root CA.
#[derive(Debug, Clone)]
pub struct CaSpec {
    /// Subject CN.
    pub common_name: String,
    /// Subject O.
    pub organisation: String,
    /// Key algorithm.
    pub key: KeyKind,
    /// Validity in days from now.
    pub validity_days: u32,
}

/// One person: gets an AUTH and a SIGN certificate, each with its own key.
#[derive(Debug, Clone)]
pub struct UserSpec {
    /// File id: `users/<id>.auth.cert.pem` etc. ASCII letters, digits, `-`, `_`.
    pub id: String,
    /// SURNAME (2.5.4.4), upper case as NCA RK writes it.
    pub surname: String,
    /// GIVENNAME (2.5.4.42).
    pub given_name: String,
    /// ИИН, 12 digits (written as SERIALNUMBER=IIN…).
    pub iin: String,
    /// Organisation name (O).
    pub organisation: String,
    /// БИН of the organisation, 12 digits (written as OU=BIN…).
    pub bin: String,
    /// Optional emailAddress.
    pub email: Option<String>,
    /// Key algorithm of both keys.
    pub key: KeyKind,
    /// Role numbers written as certificate policies under [`TEST_POLICY_ARC`] (empty: no extension).
    pub role_policies: Vec<u32>,
    /// Validity override (tests of expired / not yet valid certificates); default one year from now.
    pub validity: Option<Validity>,
}

impl UserSpec {
    pub(crate) fn check(&self) -> Result<(), PkiError> {
        let digits12 = |s: &str| s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit());
        if !digits12(&self.iin) {
            return Err(PkiError::InvalidSpec(format!(
                "IIN {:?} is not 12 digits",
                self.iin
            )));
        }
        if !digits12(&self.bin) {
            return Err(PkiError::InvalidSpec(format!(
                "BIN {:?} is not 12 digits",
                self.bin
            )));
        }
        if self.id.is_empty()
            || !self
                .id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        {
            return Err(PkiError::InvalidSpec(format!(
                "user id {:?} is not a file name",
                self.id
            )));
        }
        Ok(())
    }
}

/// Everything [`crate::generate`] makes.
#[derive(Debug, Clone)]
pub struct PkiSpec {
    /// The root CA.
    pub ca: CaSpec,
    /// DNS names / IP addresses of the gateway's TLS certificate.
    pub gateway_hosts: Vec<String>,
    /// Validity of the gateway certificate, days.
    pub leaf_validity_days: u32,
    /// Users.
    pub users: Vec<UserSpec>,
}

impl PkiSpec {
    /// A CA and gateway certificate, no users.
    pub fn empty() -> Self {
        Self {
            ca: CaSpec {
                common_name: "NCA RK TEST ROOT (not a real CA)".into(),
                organisation: "SIO PSO test PKI".into(),
                key: KeyKind::EcdsaP256,
                validity_days: 3650,
            },
            gateway_hosts: vec!["localhost".into(), "127.0.0.1".into()],
            leaf_validity_days: 365,
            users: Vec::new(),
        }
    }

    /// The demo set: three officers of two bodies, one per key type (RSA-2048, P-256, P-384).
    /// `investigator` and `head` work for the same body (the head co-signs HR applications).
    pub fn demo() -> Self {
        let police = "ДЕПАРТАМЕНТ ПОЛИЦИИ ГОРОДА АСТАНЫ (TEST)";
        let prosecutor = "ПРОКУРАТУРА ГОРОДА АСТАНЫ (TEST)";
        let user = |id: &str,
                    surname: &str,
                    given: &str,
                    iin: &str,
                    org: &str,
                    bin: &str,
                    key,
                    roles: &[u32]| UserSpec {
            id: id.into(),
            surname: surname.into(),
            given_name: given.into(),
            iin: iin.into(),
            organisation: org.into(),
            bin: bin.into(),
            email: Some(format!("{id}@example.invalid")),
            key,
            role_policies: roles.to_vec(),
            validity: None,
        };
        Self {
            users: vec![
                user(
                    "investigator",
                    "ИВАНОВ",
                    "АЛЕКСЕЙ",
                    "850415300121",
                    police,
                    "040340001233",
                    KeyKind::Rsa2048,
                    &[1],
                ),
                user(
                    "head",
                    "СЕРІКОВА",
                    "АЙГЕРІМ",
                    "901120400238",
                    police,
                    "040340001233",
                    KeyKind::EcdsaP256,
                    &[2],
                ),
                user(
                    "prosecutor",
                    "ЖУМАБЕКОВ",
                    "ДАНИЯР",
                    "780302300344",
                    prosecutor,
                    "050540000125",
                    KeyKind::EcdsaP384,
                    &[3],
                ),
            ],
            ..Self::empty()
        }
    }
}

/// The `certificatePolicies` extension (2.5.29.32, not critical) with one policy per role.
pub(crate) fn certificate_policies(roles: &[u32]) -> rcgen::CustomExtension {
    let mut infos = Vec::new();
    for role in roles {
        let mut oid = Vec::new();
        oid.extend(base128(2 * 40 + 25));
        oid.extend(base128(TEST_POLICY_ARC_UUID));
        oid.extend(base128(1));
        oid.extend(base128(u128::from(*role)));
        let oid_tlv = tlv(0x06, &oid);
        infos.extend(tlv(0x30, &oid_tlv)); // PolicyInformation ::= SEQUENCE { policyIdentifier }
    }
    rcgen::CustomExtension::from_oid_content(&[2, 5, 29, 32], tlv(0x30, &infos))
}

fn base128(mut v: u128) -> Vec<u8> {
    let mut out = vec![(v & 0x7f) as u8];
    v >>= 7;
    while v > 0 {
        out.push(((v & 0x7f) as u8) | 0x80);
        v >>= 7;
    }
    out.reverse();
    out
}

fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    let len = content.len();
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes = len.to_be_bytes();
        let skip = bytes.iter().take_while(|b| **b == 0).count();
        out.push(0x80 | (bytes.len() - skip) as u8);
        out.extend(&bytes[skip..]);
    }
    out.extend(content);
    out
}
