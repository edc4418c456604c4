//! The certificate on a token, parsed for display and for the login decision.
//!
//! NCA RK (the national certification authority of Kazakhstan) writes the holder's ИИН into the
//! subject SERIALNUMBER as `IIN` + 12 digits and the organisation's БИН into OU as `BIN` + 12 digits.
//! An expired or not-yet-valid certificate is shown ([`CertificateInfo`]) but cannot become a
//! [`UsableCertificate`].

use std::fmt;
use std::time::SystemTime;

use const_oid::ObjectIdentifier;
use der::{Decode, Tag, Tagged};
use x509_cert::Certificate;
use x509_cert::ext::pkix::ExtendedKeyUsage;
use x509_cert::name::Name;

use crate::TokenError;

const CN: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.3");
const SURNAME: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.4");
const SERIAL_NUMBER: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.5");
const ORGANIZATION: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.10");
const ORGANIZATIONAL_UNIT: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.11");
const GIVEN_NAME: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.42");
const EXT_KEY_USAGE: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.37");
const KP_CLIENT_AUTH: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.3.2");
const KP_EMAIL_PROTECTION: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.3.4");
const RSA_ENCRYPTION: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");
const EC_PUBLIC_KEY: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");
const P256: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.3.1.7");
const P384: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.132.0.34");

pub use sio_core::{Bin, Iin};

/// The number after an NCA RK subject prefix (`IIN…`, `BIN…`), if it is 12 digits with a valid
/// check digit. A malformed number is not shown as an identity.
fn subject_number<T>(
    value: &str,
    prefix: &str,
    parse: fn(&str) -> Result<T, sio_core::CoreError>,
) -> Option<T> {
    value.strip_prefix(prefix).and_then(|d| parse(d).ok())
}

/// What the key of a certificate is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum KeyKind {
    /// RSA with a modulus of `bits` bits.
    Rsa {
        /// Modulus size.
        bits: usize,
    },
    /// ECDSA on P-256.
    EcP256,
    /// ECDSA on P-384.
    EcP384,
    /// Anything else (GOST, other curves).
    Other,
}

/// What the certificate may be used for, from its extended key usage.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Purposes {
    /// id-kp-clientAuth: login (authentication certificate).
    pub authentication: bool,
    /// id-kp-emailProtection: signing documents (signature certificate).
    pub signing: bool,
}

/// Where a time lies relative to a certificate's validity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Validity {
    /// Within notBefore..=notAfter.
    Valid,
    /// Before notBefore.
    NotYetValid,
    /// After notAfter.
    Expired,
}

/// A parsed certificate, for display. Holds the DER it came from.
#[derive(Clone, PartialEq, Eq)]
pub struct CertificateInfo {
    der: Vec<u8>,
    /// Subject CN.
    pub common_name: Option<String>,
    /// Subject SURNAME.
    pub surname: Option<String>,
    /// Subject GIVENNAME (NCA RK puts the patronymic here).
    pub given_name: Option<String>,
    /// ИИН from SERIALNUMBER `IIN…` (only with a valid check digit).
    pub iin: Option<Iin>,
    /// Subject O.
    pub organisation: Option<String>,
    /// БИН from OU `BIN…` (only with a valid check digit).
    pub bin: Option<Bin>,
    /// Issuer, RFC 4514 form.
    pub issuer: String,
    /// Subject, RFC 4514 form.
    pub subject: String,
    /// Serial number, upper-case hex.
    pub serial_hex: String,
    /// notBefore, RFC 3339.
    pub not_before: String,
    /// notAfter, RFC 3339.
    pub not_after: String,
    not_before_time: SystemTime,
    not_after_time: SystemTime,
    /// Allowed uses. Without an EKU extension the key is unrestricted (RFC 5280 §4.2.1.12): both true.
    pub purposes: Purposes,
    /// The key type.
    pub key: KeyKind,
}

impl fmt::Debug for CertificateInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CertificateInfo")
            .field("subject", &self.subject)
            .field("issuer", &self.issuer)
            .field("not_after", &self.not_after)
            .field("key", &self.key)
            .finish_non_exhaustive()
    }
}

fn attribute_string(value: &der::Any) -> Option<String> {
    let bytes = value.value();
    match value.tag() {
        Tag::Utf8String
        | Tag::PrintableString
        | Tag::Ia5String
        | Tag::TeletexString
        | Tag::VisibleString => String::from_utf8(bytes.to_vec()).ok(),
        Tag::BmpString => {
            let units: Vec<u16> = bytes
                .chunks_exact(2)
                .map(|c| u16::from_be_bytes([c[0], c[1]]))
                .collect();
            String::from_utf16(&units).ok()
        }
        _ => None,
    }
}

fn attributes<'a>(name: &'a Name, oid: ObjectIdentifier) -> impl Iterator<Item = String> + 'a {
    name.0
        .iter()
        .flat_map(|rdn| rdn.0.iter())
        .filter(move |atv| atv.oid == oid)
        .filter_map(|atv| attribute_string(&atv.value))
}

#[derive(der::Sequence)]
struct RsaPublicKey<'a> {
    modulus: der::asn1::UintRef<'a>,
    exponent: der::asn1::UintRef<'a>,
}

fn key_kind(cert: &Certificate) -> KeyKind {
    let spki = &cert.tbs_certificate.subject_public_key_info;
    if spki.algorithm.oid == RSA_ENCRYPTION {
        let Some(raw) = spki.subject_public_key.as_bytes() else {
            return KeyKind::Other;
        };
        return match RsaPublicKey::from_der(raw) {
            Ok(k) => {
                let n = k.modulus.as_bytes();
                let lead = n.first().map_or(0, |b| b.leading_zeros() as usize);
                let _ = k.exponent;
                KeyKind::Rsa {
                    bits: n.len() * 8 - lead,
                }
            }
            Err(_) => KeyKind::Other,
        };
    }
    if spki.algorithm.oid == EC_PUBLIC_KEY {
        let curve = spki
            .algorithm
            .parameters
            .as_ref()
            .and_then(|p| p.decode_as::<ObjectIdentifier>().ok());
        return match curve {
            Some(c) if c == P256 => KeyKind::EcP256,
            Some(c) if c == P384 => KeyKind::EcP384,
            _ => KeyKind::Other,
        };
    }
    KeyKind::Other
}

impl CertificateInfo {
    /// Parse a DER certificate.
    pub fn from_der(der: &[u8]) -> Result<Self, TokenError> {
        let cert = Certificate::from_der(der).map_err(|e| TokenError::Certificate {
            detail: e.to_string(),
        })?;
        let tbs = &cert.tbs_certificate;
        let subject = &tbs.subject;
        let first = |oid| attributes(subject, oid).next();
        let iin =
            attributes(subject, SERIAL_NUMBER).find_map(|s| subject_number(&s, "IIN", Iin::parse));
        let bin = attributes(subject, ORGANIZATIONAL_UNIT)
            .find_map(|s| subject_number(&s, "BIN", Bin::parse));
        let mut purposes = Purposes {
            authentication: true,
            signing: true,
        };
        for ext in tbs.extensions.iter().flatten() {
            if ext.extn_id == EXT_KEY_USAGE {
                let eku = ExtendedKeyUsage::from_der(ext.extn_value.as_bytes()).map_err(|e| {
                    TokenError::Certificate {
                        detail: format!("extended key usage: {e}"),
                    }
                })?;
                purposes = Purposes {
                    authentication: eku.0.contains(&KP_CLIENT_AUTH),
                    signing: eku.0.contains(&KP_EMAIL_PROTECTION),
                };
            }
        }
        let validity = &tbs.validity;
        Ok(Self {
            der: der.to_vec(),
            common_name: first(CN),
            surname: first(SURNAME),
            given_name: first(GIVEN_NAME),
            iin,
            organisation: first(ORGANIZATION),
            bin,
            issuer: tbs.issuer.to_string(),
            subject: subject.to_string(),
            serial_hex: hex::encode_upper(tbs.serial_number.as_bytes()),
            not_before: validity.not_before.to_date_time().to_string(),
            not_after: validity.not_after.to_date_time().to_string(),
            not_before_time: validity.not_before.to_system_time(),
            not_after_time: validity.not_after.to_system_time(),
            purposes,
            key: key_kind(&cert),
        })
    }

    /// The DER the certificate was parsed from.
    pub fn der(&self) -> &[u8] {
        &self.der
    }

    /// Validity at `now`.
    pub fn validity_at(&self, now: SystemTime) -> Validity {
        if now < self.not_before_time {
            Validity::NotYetValid
        } else if now > self.not_after_time {
            Validity::Expired
        } else {
            Validity::Valid
        }
    }

    /// The certificate as usable for an operation at `now`, or why not.
    pub fn usable_at(self, now: SystemTime) -> Result<UsableCertificate, TokenError> {
        match self.validity_at(now) {
            Validity::Valid => Ok(UsableCertificate(self)),
            Validity::Expired => Err(TokenError::CertificateExpired {
                not_after: self.not_after,
            }),
            Validity::NotYetValid => Err(TokenError::CertificateNotYetValid {
                not_before: self.not_before,
            }),
        }
    }
}

/// A certificate that was within its validity when checked; only [`CertificateInfo::usable_at`]
/// makes one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsableCertificate(CertificateInfo);

impl UsableCertificate {
    /// The parsed certificate.
    pub fn info(&self) -> &CertificateInfo {
        &self.0
    }
}
