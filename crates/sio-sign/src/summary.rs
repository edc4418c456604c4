//! THE certificate summary of the product: the parts of an X.509 certificate that are shown and
//! checked (NCA RK subject layout), for a signer found in a CMS, a TLS client certificate and the
//! certificates on a token alike. sio-token re-exports it as `CertificateInfo`.
//!
//! NCA RK (the national certification authority of Kazakhstan) writes the holder's ИИН into the
//! subject SERIALNUMBER as `IIN` + 12 digits and the organisation's БИН into OU as `BIN` + 12
//! digits; a number whose check digit is wrong (sio-core) is not shown as an identity.

use std::fmt;
use std::time::SystemTime;

use const_oid::ObjectIdentifier as Oid;
use der::{Decode, Tag, Tagged};
use x509_cert::Certificate;
use x509_cert::ext::pkix::ExtendedKeyUsage;
use x509_cert::name::Name;

use crate::SignError;
use crate::algs::{self, KeyType};

const CN: Oid = Oid::new_unwrap("2.5.4.3");
const SURNAME: Oid = Oid::new_unwrap("2.5.4.4");
const SERIAL_NUMBER: Oid = Oid::new_unwrap("2.5.4.5");
const GIVEN_NAME: Oid = Oid::new_unwrap("2.5.4.42");
const O: Oid = Oid::new_unwrap("2.5.4.10");
const OU: Oid = Oid::new_unwrap("2.5.4.11");
const EMAIL: Oid = Oid::new_unwrap("1.2.840.113549.1.9.1");
const EXT_EKU: Oid = Oid::new_unwrap("2.5.29.37");
pub(crate) const KP_CLIENT_AUTH: Oid = Oid::new_unwrap("1.3.6.1.5.5.7.3.2");
pub(crate) const KP_EMAIL_PROTECTION: Oid = Oid::new_unwrap("1.3.6.1.5.5.7.3.4");

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
    /// GOST R 34.10-2012, 256-bit (any known parameter set, either OID arc).
    Gost2012_256,
    /// GOST R 34.10-2012, 512-bit.
    Gost2012_512,
    /// Anything else (other curves, unknown GOST parameter sets).
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

/// The parts of a certificate the product shows and checks. Holds the DER it came from.
#[derive(Clone, PartialEq, Eq)]
pub struct CertSummary {
    der: Vec<u8>,
    /// CN, "SURNAME NAME".
    pub common_name: Option<String>,
    /// SURNAME (2.5.4.4).
    pub surname: Option<String>,
    /// GIVENNAME (2.5.4.42; NCA RK puts the patronymic here).
    pub given_name: Option<String>,
    /// ИИН from SERIALNUMBER=IIN… (12 digits, check digit verified).
    pub iin: Option<String>,
    /// БИН from OU=BIN… (12 digits, check digit verified).
    pub bin: Option<String>,
    /// O.
    pub organisation: Option<String>,
    /// emailAddress.
    pub email: Option<String>,
    /// Certificate serial, upper-case hex.
    pub serial_hex: String,
    /// Issuer CN.
    pub issuer_common_name: Option<String>,
    /// Issuer, RFC 4514 form.
    pub issuer: String,
    /// Subject, RFC 4514 form.
    pub subject: String,
    /// Start of validity.
    pub not_before: SystemTime,
    /// End of validity.
    pub not_after: SystemTime,
    /// Allowed uses. Without an EKU extension the key is unrestricted (RFC 5280 §4.2.1.12): both
    /// true; an EKU extension that does not decode allows neither.
    pub purposes: Purposes,
    /// The key type.
    pub key: KeyKind,
}

impl fmt::Debug for CertSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CertSummary")
            .field("subject", &self.subject)
            .field("issuer", &self.issuer)
            .field("serial_hex", &self.serial_hex)
            .field("not_after", &self.not_after_rfc3339())
            .field("key", &self.key)
            .finish_non_exhaustive()
    }
}

/// An attribute value as text (the string types X.520 allows; BMPString as UTF-16).
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

fn attributes(name: &Name, oid: Oid) -> impl Iterator<Item = String> + '_ {
    name.0
        .iter()
        .flat_map(|rdn| rdn.0.iter())
        .filter(move |atv| atv.oid == oid)
        .filter_map(|atv| attribute_string(&atv.value))
}

/// The first value of attribute `oid` in `name`, as text.
pub(crate) fn attr(name: &Name, oid: Oid) -> Option<String> {
    attributes(name, oid).next()
}

/// The number after an NCA RK subject prefix (`IIN…`, `BIN…`), if it is 12 digits with a valid
/// check digit.
fn subject_number<T>(
    name: &Name,
    oid: Oid,
    prefix: &str,
    parse: fn(&str) -> Result<T, sio_core::CoreError>,
) -> Option<String> {
    attributes(name, oid).find_map(|v| {
        let digits = v.strip_prefix(prefix)?;
        parse(digits).ok().map(|_| digits.to_owned())
    })
}

#[derive(der::Sequence)]
struct RsaPublicKey<'a> {
    modulus: der::asn1::UintRef<'a>,
    exponent: der::asn1::UintRef<'a>,
}

fn key_kind(cert: &Certificate) -> KeyKind {
    let spki = &cert.tbs_certificate.subject_public_key_info;
    match algs::key_type(spki) {
        Some(KeyType::Rsa) => {
            let Some(raw) = spki.subject_public_key.as_bytes() else {
                return KeyKind::Other;
            };
            match RsaPublicKey::from_der(raw) {
                Ok(k) => {
                    let n = k.modulus.as_bytes();
                    let lead = n.first().map_or(0, |b| b.leading_zeros() as usize);
                    let _ = k.exponent;
                    KeyKind::Rsa {
                        bits: n.len() * 8 - lead,
                    }
                }
                Err(_) => KeyKind::Other,
            }
        }
        Some(KeyType::P256) => KeyKind::EcP256,
        Some(KeyType::P384) => KeyKind::EcP384,
        Some(KeyType::Gost(c, _)) if c.size() == 32 => KeyKind::Gost2012_256,
        Some(KeyType::Gost(..)) => KeyKind::Gost2012_512,
        None => KeyKind::Other,
    }
}

fn purposes(cert: &Certificate) -> Purposes {
    let eku = cert
        .tbs_certificate
        .extensions
        .iter()
        .flatten()
        .find(|e| e.extn_id == EXT_EKU);
    let Some(ext) = eku else {
        return Purposes {
            authentication: true,
            signing: true,
        };
    };
    match ExtendedKeyUsage::from_der(ext.extn_value.as_bytes()) {
        Ok(eku) => Purposes {
            authentication: eku.0.contains(&KP_CLIENT_AUTH),
            signing: eku.0.contains(&KP_EMAIL_PROTECTION),
        },
        Err(_) => Purposes::default(),
    }
}

fn rfc3339(t: SystemTime) -> String {
    der::DateTime::from_system_time(t)
        .map(|d| d.to_string())
        .unwrap_or_default()
}

impl CertSummary {
    /// Summarise a DER certificate (any key type; [`KeyKind::Other`] for one we do not sign with).
    pub fn from_der(der: &[u8]) -> Result<Self, SignError> {
        let cert = Certificate::from_der(der).map_err(|_| SignError::Malformed("certificate"))?;
        Ok(Self::of(&cert, der))
    }

    pub(crate) fn of(cert: &Certificate, der: &[u8]) -> Self {
        let tbs = &cert.tbs_certificate;
        let s = &tbs.subject;
        Self {
            der: der.to_vec(),
            common_name: attr(s, CN),
            surname: attr(s, SURNAME),
            given_name: attr(s, GIVEN_NAME),
            iin: subject_number(s, SERIAL_NUMBER, "IIN", sio_core::Iin::parse),
            bin: subject_number(s, OU, "BIN", sio_core::Bin::parse),
            organisation: attr(s, O),
            email: attr(s, EMAIL),
            serial_hex: crate::cert::hex_upper(tbs.serial_number.as_bytes()),
            issuer_common_name: attr(&tbs.issuer, CN),
            issuer: tbs.issuer.to_string(),
            subject: s.to_string(),
            not_before: tbs.validity.not_before.to_system_time(),
            not_after: tbs.validity.not_after.to_system_time(),
            purposes: purposes(cert),
            key: key_kind(cert),
        }
    }

    /// The DER the certificate was parsed from.
    pub fn der(&self) -> &[u8] {
        &self.der
    }

    /// notBefore, RFC 3339 (UTC, `Z`).
    pub fn not_before_rfc3339(&self) -> String {
        rfc3339(self.not_before)
    }

    /// notAfter, RFC 3339 (UTC, `Z`).
    pub fn not_after_rfc3339(&self) -> String {
        rfc3339(self.not_after)
    }

    /// Validity at `now`.
    pub fn validity_at(&self, now: SystemTime) -> Validity {
        if now < self.not_before {
            Validity::NotYetValid
        } else if now > self.not_after {
            Validity::Expired
        } else {
            Validity::Valid
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name(der_rdns: &[(Oid, &str)]) -> Name {
        use std::str::FromStr;
        let text = der_rdns
            .iter()
            .map(|(oid, v)| format!("{oid}={v}"))
            .collect::<Vec<_>>()
            .join(",");
        Name::from_str(&text).expect("name")
    }

    /// An ИИН or БИН whose check digit is wrong is not shown as an identity (sio-core's rule);
    /// a valid one is shown without its prefix.
    #[test]
    fn subject_numbers_need_a_valid_check_digit() {
        let good = name(&[(SERIAL_NUMBER, "IIN880215300124"), (OU, "BIN940740000911")]);
        assert_eq!(
            subject_number(&good, SERIAL_NUMBER, "IIN", sio_core::Iin::parse).as_deref(),
            Some("880215300124")
        );
        assert_eq!(
            subject_number(&good, OU, "BIN", sio_core::Bin::parse).as_deref(),
            Some("940740000911")
        );
        let bad = name(&[(SERIAL_NUMBER, "IIN880215300125"), (OU, "BIN94074000091")]);
        assert_eq!(
            subject_number(&bad, SERIAL_NUMBER, "IIN", sio_core::Iin::parse),
            None
        );
        assert_eq!(subject_number(&bad, OU, "BIN", sio_core::Bin::parse), None);
    }
}
