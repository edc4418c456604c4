//! Certificates and CRLs: parsing with the original bytes kept, summaries, chain, EKU, revocation.

use std::time::SystemTime;

use const_oid::ObjectIdentifier as Oid;
use der::Decode;
use x509_cert::Certificate;
use x509_cert::crl::CertificateList;
use x509_cert::ext::pkix::{BasicConstraints, ExtendedKeyUsage, KeyUsage, KeyUsages};
use x509_cert::name::Name;

use crate::algs::{self, KeyType};
use crate::summary::{CertSummary, KP_CLIENT_AUTH, KP_EMAIL_PROTECTION, attr};
use crate::{SignError, tlv};

const CN: Oid = Oid::new_unwrap("2.5.4.3");
const EXT_KEY_USAGE: Oid = Oid::new_unwrap("2.5.29.15");
const EXT_EKU: Oid = Oid::new_unwrap("2.5.29.37");
const EXT_BASIC_CONSTRAINTS: Oid = Oid::new_unwrap("2.5.29.19");

/// What a certificate must be for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum KeyPurpose {
    /// Login: EKU clientAuth and keyUsage digitalSignature (NCA RK "AUTH" certificate).
    Authentication,
    /// Documents: EKU emailProtection and keyUsage digitalSignature or nonRepudiation (NCA RK "RSA"/signing certificate).
    DocumentSigning,
}

impl KeyPurpose {
    fn name(self) -> &'static str {
        match self {
            Self::Authentication => "authentication (clientAuth)",
            Self::DocumentSigning => "document signing (emailProtection)",
        }
    }
}

/// A certificate with its original DER.
#[derive(Debug, Clone)]
pub(crate) struct ParsedCert {
    pub(crate) der: Vec<u8>,
    pub(crate) cert: Certificate,
    pub(crate) key: KeyType,
    tbs_range: (usize, usize),
}

impl ParsedCert {
    pub(crate) fn parse(der: &[u8]) -> Result<Self, SignError> {
        let outer = tlv::read_one(der, 0x30, "certificate")?;
        let (tbs, _) = tlv::read(outer.value, "certificate")?;
        let start = der.len() - outer.value.len();
        let cert = Certificate::from_der(der).map_err(|_| SignError::Malformed("certificate"))?;
        let key = algs::key_type(&cert.tbs_certificate.subject_public_key_info)
            .ok_or_else(|| SignError::UnsupportedAlgorithm("certificate public key".into()))?;
        Ok(Self {
            der: der.to_vec(),
            cert,
            key,
            tbs_range: (start, start + tbs.raw.len()),
        })
    }

    /// The first certificate of PEM or DER input, for a software signer
    /// (`SIGN_SIGNER_CERT_INVALID` when there is none or it does not parse).
    pub(crate) fn signer(certificate: &[u8]) -> Result<Self, SignError> {
        let der = pem_or_der_blocks(certificate, "CERTIFICATE")
            .into_iter()
            .next()
            .ok_or(SignError::SignerCertificate("no certificate"))?;
        Self::parse(&der).map_err(|_| SignError::SignerCertificate("unparsable"))
    }

    fn tbs(&self) -> &[u8] {
        &self.der[self.tbs_range.0..self.tbs_range.1]
    }

    pub(crate) fn public_key(&self) -> &[u8] {
        self.cert
            .tbs_certificate
            .subject_public_key_info
            .subject_public_key
            .raw_bytes()
    }

    pub(crate) fn subject(&self) -> &Name {
        &self.cert.tbs_certificate.subject
    }

    pub(crate) fn issuer(&self) -> &Name {
        &self.cert.tbs_certificate.issuer
    }

    pub(crate) fn cn(&self) -> String {
        attr(self.subject(), CN).unwrap_or_else(|| self.subject().to_string())
    }

    /// Was this certificate signed by `issuer`'s key?
    pub(crate) fn signed_by(&self, issuer: &ParsedCert) -> bool {
        let Some(sig) = self.cert.signature.as_bytes() else {
            return false;
        };
        algs::verify_x509(
            &self.cert.signature_algorithm,
            issuer.key,
            issuer.public_key(),
            self.tbs(),
            sig,
        )
    }

    pub(crate) fn check_validity(&self, at: SystemTime) -> Result<(), SignError> {
        let v = &self.cert.tbs_certificate.validity;
        if at < v.not_before.to_system_time() {
            return Err(SignError::CertificateNotYetValid { subject: self.cn() });
        }
        if at > v.not_after.to_system_time() {
            return Err(SignError::CertificateExpired { subject: self.cn() });
        }
        Ok(())
    }

    fn extension<T: for<'a> Decode<'a>>(&self, oid: Oid) -> Option<T> {
        let exts = self.cert.tbs_certificate.extensions.as_ref()?;
        let ext = exts.iter().find(|e| e.extn_id == oid)?;
        T::from_der(ext.extn_value.as_bytes()).ok()
    }

    pub(crate) fn is_ca(&self) -> bool {
        self.extension::<BasicConstraints>(EXT_BASIC_CONSTRAINTS)
            .is_some_and(|b| b.ca)
    }

    pub(crate) fn check_purpose(&self, purpose: KeyPurpose) -> Result<(), SignError> {
        let wrong = || SignError::WrongKeyPurpose {
            subject: self.cn(),
            required: purpose.name(),
        };
        let eku = self
            .extension::<ExtendedKeyUsage>(EXT_EKU)
            .ok_or_else(wrong)?;
        let (want, usages) = match purpose {
            KeyPurpose::Authentication => (KP_CLIENT_AUTH, KeyUsages::DigitalSignature.into()),
            KeyPurpose::DocumentSigning => (
                KP_EMAIL_PROTECTION,
                KeyUsages::DigitalSignature | KeyUsages::NonRepudiation,
            ),
        };
        if !eku.0.contains(&want) {
            return Err(wrong());
        }
        if let Some(ku) = self.extension::<KeyUsage>(EXT_KEY_USAGE) {
            if (ku.0 & usages).is_empty() {
                return Err(wrong());
            }
        }
        Ok(())
    }

    pub(crate) fn serial_hex(&self) -> String {
        hex_upper(self.cert.tbs_certificate.serial_number.as_bytes())
    }

    pub(crate) fn summary(&self) -> CertSummary {
        CertSummary::of(&self.cert, &self.der)
    }
}

pub(crate) fn hex_upper(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02X}")).collect()
}

/// Check that a DER certificate may be used for `purpose` (EKU and key usage), before asking a
/// token to sign with it.
pub fn check_purpose(der: &[u8], purpose: KeyPurpose) -> Result<(), SignError> {
    ParsedCert::parse(der)?.check_purpose(purpose)
}

/// A CRL, checked against its CA when loaded.
#[derive(Debug, Clone)]
pub(crate) struct ParsedCrl {
    pub(crate) crl: CertificateList,
    /// Public key of the CA whose signature on the CRL verified (names alone can collide).
    signer_key: Vec<u8>,
}

impl ParsedCrl {
    pub(crate) fn parse(der: &[u8], anchors: &[ParsedCert]) -> Result<Self, SignError> {
        let outer =
            tlv::read_one(der, 0x30, "CRL").map_err(|_| SignError::CrlInvalid("not DER"))?;
        let (tbs, _) =
            tlv::read(outer.value, "CRL").map_err(|_| SignError::CrlInvalid("not DER"))?;
        let crl = CertificateList::from_der(der).map_err(|_| SignError::CrlInvalid("not a CRL"))?;
        let sig = crl
            .signature
            .as_bytes()
            .ok_or(SignError::CrlInvalid("signature"))?;
        let signer = anchors
            .iter()
            .filter(|a| a.subject() == &crl.tbs_cert_list.issuer)
            .find(|a| {
                algs::verify_x509(
                    &crl.signature_algorithm,
                    a.key,
                    a.public_key(),
                    tbs.raw,
                    sig,
                )
            });
        let Some(signer) = signer else {
            return Err(SignError::CrlInvalid("not signed by a trusted CA"));
        };
        let signer_key = signer.public_key().to_vec();
        Ok(Self { crl, signer_key })
    }

    /// Is this the CRL of `issuer` (same name AND same key)?
    pub(crate) fn is_of(&self, issuer: &ParsedCert) -> bool {
        &self.crl.tbs_cert_list.issuer == issuer.subject() && self.signer_key == issuer.public_key()
    }

    pub(crate) fn check(&self, cert: &ParsedCert, now: SystemTime) -> Result<(), SignError> {
        if let Some(next) = self.crl.tbs_cert_list.next_update {
            if now > next.to_system_time() {
                return Err(SignError::CrlExpired);
            }
        }
        let serial = cert.cert.tbs_certificate.serial_number.as_bytes();
        let revoked = self
            .crl
            .tbs_cert_list
            .revoked_certificates
            .as_ref()
            .is_some_and(|list| list.iter().any(|r| r.serial_number.as_bytes() == serial));
        if revoked {
            return Err(SignError::Revoked {
                subject: cert.cn(),
                serial: cert.serial_hex(),
            });
        }
        Ok(())
    }
}

/// Read one or more certificates (or CRLs) from PEM text or a single DER blob.
pub fn pem_or_der_blocks(input: &[u8], label: &str) -> Vec<Vec<u8>> {
    let Ok(text) = std::str::from_utf8(input) else {
        return vec![input.to_vec()];
    };
    if !text.contains("-----BEGIN") {
        return vec![input.to_vec()];
    }
    let begin = format!("-----BEGIN {label}-----");
    let end = format!("-----END {label}-----");
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find(&begin) {
        let after = &rest[start..];
        let Some(stop) = after.find(&end) else { break };
        let block = &after[..stop + end.len()];
        if let Ok((_, der)) = der::pem::decode_vec(block.as_bytes()) {
            out.push(der);
        }
        rest = &after[stop + end.len()..];
    }
    out
}
