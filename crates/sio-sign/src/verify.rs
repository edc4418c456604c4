//! Verifying CMS SignedData: DER only, over the ORIGINAL signed-attribute bytes.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, SystemTime};

use der::{Decode, Encode, Tagged};
use spki::AlgorithmIdentifierOwned;
use x509_cert::attr::Attribute;
use x509_cert::ext::pkix::name::GeneralName;

use cms::signed_data::SignerIdentifier;

use crate::CertSummary;
use crate::algs::{self, Digest};
use crate::build::{ID_CONTENT_TYPE, ID_MESSAGE_DIGEST, ID_SIGNED_DATA, ID_SIGNING_TIME};
use crate::cert::{KeyPurpose, ParsedCert, ParsedCrl, pem_or_der_blocks};
use crate::ess::{self, SigningCertificateV1, SigningCertificateV2};
use crate::{SignError, SignatureAlgorithm, tlv};

/// One SignerInfo as received.
#[derive(Debug)]
pub(crate) struct RawSignerInfo<'a> {
    pub(crate) raw: &'a [u8],
    sid: &'a [u8],
    digest_algorithm: &'a [u8],
    /// The `[0] IMPLICIT` element, tag included.
    signed_attrs: Option<Tlv<'a>>,
    signature_algorithm: &'a [u8],
    signature: &'a [u8],
}

use crate::tlv::Tlv;

/// The outer structure of a SignedData, every part as its original bytes.
#[derive(Debug)]
pub(crate) struct RawSignedData<'a> {
    pub(crate) version_raw: &'a [u8],
    pub(crate) digest_algorithms: Vec<&'a [u8]>,
    pub(crate) encap_raw: &'a [u8],
    content_type: &'a [u8],
    pub(crate) econtent: Option<&'a [u8]>,
    pub(crate) certificates: Vec<&'a [u8]>,
    pub(crate) crls_raw: Option<&'a [u8]>,
    pub(crate) signer_infos: Vec<RawSignerInfo<'a>>,
}

impl<'a> RawSignedData<'a> {
    pub(crate) fn parse(input: &'a [u8]) -> Result<Self, SignError> {
        match Self::parse_der(input) {
            // A BER indefinite length deeper inside (a streamed signer) gets its own code.
            Err(SignError::Malformed(_)) if tlv::has_indefinite_length(input) => {
                Err(SignError::BerIndefiniteLength)
            }
            other => other,
        }
    }

    fn parse_der(input: &'a [u8]) -> Result<Self, SignError> {
        let ci = tlv::read_one(input, 0x30, "ContentInfo")?;
        let parts = tlv::children(ci.value, "ContentInfo")?;
        let [oid, content] = parts.as_slice() else {
            return Err(SignError::Malformed("ContentInfo"));
        };
        if oid.tag != 0x06 || oid.value != ID_SIGNED_DATA.as_bytes() {
            return Err(SignError::NotSignedData);
        }
        if content.tag != 0xa0 {
            return Err(SignError::Malformed("ContentInfo"));
        }
        let sd = tlv::read_one(content.value, 0x30, "SignedData")?;
        let fields = tlv::children(sd.value, "SignedData")?;
        let mut it = fields.into_iter().peekable();
        let version = it
            .next()
            .filter(|t| t.tag == 0x02 && matches!(t.value, [1] | [3] | [4] | [5]))
            .ok_or(SignError::Malformed("SignedData version"))?;
        let digests = it
            .next()
            .filter(|t| t.tag == 0x31)
            .ok_or(SignError::Malformed("digestAlgorithms"))?;
        let encap = it
            .next()
            .filter(|t| t.tag == 0x30)
            .ok_or(SignError::Malformed("encapContentInfo"))?;
        let mut certificates = Vec::new();
        let mut crls_raw = None;
        if let Some(t) = it.next_if(|t| t.tag == 0xa0) {
            certificates = tlv::children(t.value, "certificates")?
                .into_iter()
                .map(|c| c.raw)
                .collect();
        }
        if let Some(t) = it.next_if(|t| t.tag == 0xa1) {
            crls_raw = Some(t.raw);
        }
        let infos = it
            .next()
            .filter(|t| t.tag == 0x31)
            .ok_or(SignError::Malformed("signerInfos"))?;
        if it.next().is_some() {
            return Err(SignError::Malformed("SignedData"));
        }

        let encap_parts = tlv::children(encap.value, "encapContentInfo")?;
        let content_type = encap_parts
            .first()
            .filter(|t| t.tag == 0x06)
            .ok_or(SignError::Malformed("eContentType"))?;
        let econtent = match encap_parts.get(1) {
            None => None,
            Some(t) if t.tag == 0xa0 => {
                let (os, rest) = tlv::read(t.value, "eContent")?;
                if os.tag == 0x24 {
                    return Err(SignError::BerIndefiniteLength); // constructed OCTET STRING: BER
                }
                if os.tag != 0x04 || !rest.is_empty() {
                    return Err(SignError::Malformed("eContent"));
                }
                Some(os.value)
            }
            Some(_) => return Err(SignError::Malformed("eContent")),
        };

        let mut signer_infos = Vec::new();
        for si in tlv::children(infos.value, "SignerInfo")? {
            signer_infos.push(RawSignerInfo::parse(si)?);
        }
        Ok(Self {
            version_raw: version.raw,
            digest_algorithms: tlv::children(digests.value, "digestAlgorithms")?
                .into_iter()
                .map(|d| d.raw)
                .collect(),
            encap_raw: encap.raw,
            content_type: content_type.value,
            econtent,
            certificates,
            crls_raw,
            signer_infos,
        })
    }
}

impl<'a> RawSignerInfo<'a> {
    fn parse(si: Tlv<'a>) -> Result<Self, SignError> {
        if si.tag != 0x30 {
            return Err(SignError::Malformed("SignerInfo"));
        }
        let f = tlv::children(si.value, "SignerInfo")?;
        let mut i = 3;
        if f.len() < 5 {
            return Err(SignError::Malformed("SignerInfo"));
        }
        // version 1 goes with issuerAndSerialNumber, 3 with subjectKeyIdentifier (RFC 5652 5.3).
        let version_fits =
            f[0].tag == 0x02 && matches!((f[0].value, f[1].tag), ([1], 0x30) | ([3], 0x80));
        if !version_fits {
            return Err(SignError::Malformed("SignerInfo version"));
        }
        let signed_attrs = if f[3].tag == 0xa0 {
            i += 1;
            Some(f[3])
        } else {
            None
        };
        let signature_algorithm = f.get(i).ok_or(SignError::Malformed("SignerInfo"))?;
        let signature = f
            .get(i + 1)
            .filter(|t| t.tag == 0x04)
            .ok_or(SignError::Malformed("SignerInfo signature"))?;
        Ok(Self {
            raw: si.raw,
            sid: f[1].raw,
            digest_algorithm: f[2].raw,
            signed_attrs,
            signature_algorithm: signature_algorithm.raw,
            signature: signature.value,
        })
    }
}

/// One signer whose signature verified.
#[derive(Debug, Clone)]
pub struct VerifiedSignature {
    /// Position of the SignerInfo in the SignedData.
    pub signer_index: usize,
    /// The signer's certificate, summarised (CN, ИИН, БИН, serial...).
    pub certificate: CertSummary,
    /// The signer's certificate (DER).
    pub certificate_der: Vec<u8>,
    /// The signingTime attribute, if present.
    pub signing_time: Option<SystemTime>,
    /// The algorithm used.
    pub algorithm: SignatureAlgorithm,
    /// An ESS signing-certificate(-v2) attribute was present and matched the certificate.
    pub signing_certificate_checked: bool,
    /// The policy OIDs (dotted) of the signer certificate's certificatePolicies extension; empty
    /// when it has none (or an unreadable one).
    pub certificate_policies: Vec<String>,
}

/// Trust settings for verification. Build once (parses the CA set and CRLs), verify many; it may
/// be shared between threads.
///
/// The CA's signature on a signer certificate is checked once per certificate and remembered
/// (SHA-256 of the certificate → issuing CA); validity, key purpose and revocation are checked on
/// every call.
///
/// Time. By default the certificates must be valid at the signer's claimed signingTime (or now
/// when there is none): that is how an archived document is verified later (`sio verify`), and
/// it trusts the signer's clock. A party that receives documents live (the gateway) turns on
/// [`Verifier::validity_at_now`] and [`Verifier::signing_time_window`]: validity is then checked
/// at its own clock, and the claimed signingTime must lie within the window of it, so a
/// backdated signingTime neither revives an expired certificate nor misdates a document.
/// Revocation is always checked against the CRLs as they are now.
#[derive(Debug)]
pub struct Verifier {
    anchors: Vec<ParsedCert>,
    crls: Vec<ParsedCrl>,
    purpose: Option<KeyPurpose>,
    require_signing_certificate: bool,
    clock_skew: Duration,
    max_signers: usize,
    validity_at_now: bool,
    signing_time_window: Option<Duration>,
    issued_by: Mutex<HashMap<[u8; 32], usize>>,
}

/// How far a signingTime may lie ahead of this machine's clock.
const DEFAULT_CLOCK_SKEW: Duration = Duration::from_secs(300);

/// Most SignerInfos accepted by default: the product's documents carry one or two (an HR
/// application: applicant and head). Counted before any signature is checked, so that a CMS with
/// hundreds of SignerInfos cannot make a verifier spend a public-key operation on each.
pub const DEFAULT_MAX_SIGNERS: usize = 4;

/// Entries of the issuer cache before it is emptied.
const ISSUER_CACHE_LIMIT: usize = 10_000;

impl Clone for Verifier {
    fn clone(&self) -> Self {
        Self {
            anchors: self.anchors.clone(),
            crls: self.crls.clone(),
            purpose: self.purpose,
            require_signing_certificate: self.require_signing_certificate,
            clock_skew: self.clock_skew,
            max_signers: self.max_signers,
            validity_at_now: self.validity_at_now,
            signing_time_window: self.signing_time_window,
            issued_by: Mutex::new(HashMap::new()),
        }
    }
}

impl Verifier {
    /// Trust the given CA certificates (DER each). Signer certificates must be issued by one of
    /// them, directly or through CA certificates included in the SignedData.
    pub fn new<B: AsRef<[u8]>>(trusted_ca_der: &[B]) -> Result<Self, SignError> {
        let anchors = trusted_ca_der
            .iter()
            .map(|d| ParsedCert::parse(d.as_ref()))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self {
            anchors,
            crls: Vec::new(),
            purpose: None,
            require_signing_certificate: false,
            clock_skew: DEFAULT_CLOCK_SKEW,
            max_signers: DEFAULT_MAX_SIGNERS,
            validity_at_now: false,
            signing_time_window: None,
            issued_by: Mutex::new(HashMap::new()),
        })
    }

    /// Trust every certificate in a PEM bundle (or one DER certificate).
    pub fn from_pem(bundle: &[u8]) -> Result<Self, SignError> {
        let blocks = pem_or_der_blocks(bundle, "CERTIFICATE");
        if blocks.is_empty() {
            return Err(SignError::Malformed("CA bundle has no certificate"));
        }
        Self::new(&blocks)
    }

    /// Check revocation against this CRL (DER or PEM). Its signature is checked against the CA set
    /// now; once any CRL is given, every certificate's issuer must have one (else
    /// `SIGN_REVOCATION_UNKNOWN`).
    pub fn with_crl(mut self, crl: &[u8]) -> Result<Self, SignError> {
        for der in pem_or_der_blocks(crl, "X509 CRL") {
            self.crls.push(ParsedCrl::parse(&der, &self.anchors)?);
        }
        Ok(self)
    }

    /// Require this key purpose of every signer certificate (EKU and key usage).
    pub fn require_purpose(mut self, purpose: KeyPurpose) -> Self {
        self.purpose = Some(purpose);
        self
    }

    /// How far a signer's claimed signingTime may lie in the future (clock skew); default 5 minutes.
    pub fn allow_clock_skew(mut self, skew: Duration) -> Self {
        self.clock_skew = skew;
        self
    }

    /// Accept at most `max` SignerInfos (default [`DEFAULT_MAX_SIGNERS`]); more are refused with
    /// `SIGN_TOO_MANY_SIGNERS` before any signature is checked.
    pub fn with_max_signers(mut self, max: usize) -> Self {
        self.max_signers = max.max(1);
        self
    }

    /// Check one certificate at this machine's time, outside any signature: validity, the key
    /// purpose when one is required, the chain to a trusted CA (no intermediates) and revocation
    /// against the CRLs given. For re-checking a certificate that opened a session.
    pub fn check_certificate(&self, der: &[u8]) -> Result<CertSummary, SignError> {
        let cert = ParsedCert::parse(der)?;
        let now = SystemTime::now();
        cert.check_validity(now)?;
        if let Some(purpose) = self.purpose {
            cert.check_purpose(purpose)?;
        }
        self.check_chain(&cert, &[], now, now)?;
        Ok(cert.summary())
    }

    /// Check the validity of the signer's certificate and of its chain at this machine's clock
    /// (when `verify` runs), not at the signer's claimed signingTime. For live verification (a
    /// server receiving documents); leave it off to verify archived documents.
    pub fn validity_at_now(mut self) -> Self {
        self.validity_at_now = true;
        self
    }

    /// Require a signingTime attribute within `window` of this machine's clock, in the past or
    /// in the future (`SIGN_SIGNING_TIME_MISSING`, `SIGN_SIGNING_TIME_OUTSIDE_WINDOW`). Replaces
    /// the one-sided [`Verifier::allow_clock_skew`] check. For live verification.
    pub fn signing_time_window(mut self, window: Duration) -> Self {
        self.signing_time_window = Some(window);
        self
    }

    /// Require the ESS signing-certificate(-v2) attribute (CAdES-BES). Default: checked when present.
    pub fn require_signing_certificate(mut self, yes: bool) -> Self {
        self.require_signing_certificate = yes;
        self
    }

    /// Verify every signer of `cms_der` (DER ContentInfo). `detached_content` is the signed
    /// document when the CMS does not contain it. All signers must verify.
    pub fn verify(
        &self,
        cms_der: &[u8],
        detached_content: Option<&[u8]>,
    ) -> Result<Vec<VerifiedSignature>, SignError> {
        let sd = RawSignedData::parse(cms_der)?;
        let content = match (sd.econtent, detached_content) {
            (Some(c), None) => c,
            (Some(c), Some(d)) if c == d => c,
            (Some(_), Some(_)) => return Err(SignError::DigestMismatch { signer: 0 }),
            (None, Some(d)) => d,
            (None, None) => return Err(SignError::ContentMissing),
        };
        if sd.signer_infos.is_empty() {
            return Err(SignError::NoSigners);
        }
        if sd.signer_infos.len() > self.max_signers {
            return Err(SignError::TooManySigners {
                count: sd.signer_infos.len(),
                max: self.max_signers,
            });
        }
        let certs = sd
            .certificates
            .iter()
            .filter(|c| c.first() == Some(&0x30))
            .filter_map(|c| ParsedCert::parse(c).ok())
            .collect::<Vec<_>>();
        let now = SystemTime::now();
        let mut out = Vec::with_capacity(sd.signer_infos.len());
        for (index, si) in sd.signer_infos.iter().enumerate() {
            out.push(self.verify_one(index, si, &sd, content, &certs, now)?);
        }
        Ok(out)
    }

    fn verify_one(
        &self,
        signer: usize,
        si: &RawSignerInfo<'_>,
        sd: &RawSignedData<'_>,
        content: &[u8],
        certs: &[ParsedCert],
        now: SystemTime,
    ) -> Result<VerifiedSignature, SignError> {
        let sid = SignerIdentifier::from_der(si.sid)
            .map_err(|_| SignError::Malformed("SignerInfo sid"))?;
        let cert = certs
            .iter()
            .find(|c| match &sid {
                SignerIdentifier::IssuerAndSerialNumber(ias) => {
                    c.issuer() == &ias.issuer
                        && c.cert.tbs_certificate.serial_number == ias.serial_number
                }
                SignerIdentifier::SubjectKeyIdentifier(ski) => {
                    subject_key_id(c).is_some_and(|k| k == ski.0.as_bytes())
                }
            })
            .ok_or(SignError::SignerCertificateMissing { signer })?;
        let digest_alg = AlgorithmIdentifierOwned::from_der(si.digest_algorithm)
            .map_err(|_| SignError::Malformed("digestAlgorithm"))?;
        let sig_alg = AlgorithmIdentifierOwned::from_der(si.signature_algorithm)
            .map_err(|_| SignError::Malformed("signatureAlgorithm"))?;
        let algorithm = algs::cms_algorithm(&digest_alg, &sig_alg, cert.key)?;
        // The signer's digest must be announced in SignedData.digestAlgorithms.
        let announced = sd.digest_algorithms.iter().any(|d| {
            AlgorithmIdentifierOwned::from_der(d).is_ok_and(|d| {
                d.oid == digest_alg.oid && algs::null_or_absent(d.parameters.as_ref())
            })
        });
        if !announced {
            return Err(SignError::Malformed("digestAlgorithms"));
        }
        let digest = Digest::from_oid(digest_alg.oid)
            .ok_or_else(|| SignError::UnsupportedAlgorithm(digest_alg.oid.to_string()))?;

        // Signed attributes, as received.
        let attrs_tlv = si
            .signed_attrs
            .ok_or(SignError::SignedAttributesMissing { signer })?;
        let mut attrs = Vec::new();
        for a in tlv::children(attrs_tlv.value, "signed attributes")? {
            attrs.push(
                Attribute::from_der(a.raw).map_err(|_| SignError::Malformed("signed attribute"))?,
            );
        }
        let single = |oid| -> Option<&der::Any> {
            let mut found = attrs.iter().filter(|a| a.oid == oid);
            let a = found.next()?;
            if found.next().is_some() || a.values.len() != 1 {
                return None;
            }
            a.values.get(0)
        };
        let ct = single(ID_CONTENT_TYPE).ok_or(SignError::ContentTypeMismatch { signer })?;
        if ct.tag() != der::Tag::ObjectIdentifier || ct.value() != sd.content_type {
            return Err(SignError::ContentTypeMismatch { signer });
        }
        let md = single(ID_MESSAGE_DIGEST).ok_or(SignError::DigestMismatch { signer })?;
        if md.tag() != der::Tag::OctetString || md.value() != digest.compute(content).as_slice() {
            return Err(SignError::DigestMismatch { signer });
        }
        let signing_time = match single(ID_SIGNING_TIME) {
            None => None,
            Some(t) => Some(
                x509_cert::time::Time::from_der(
                    &t.to_der()
                        .map_err(|_| SignError::Malformed("signingTime"))?,
                )
                .map_err(|_| SignError::Malformed("signingTime"))?
                .to_system_time(),
            ),
        };

        // The signature is over the DER of the attributes with the SET OF tag, bytes as received.
        let mut to_verify = Vec::with_capacity(attrs_tlv.raw.len());
        to_verify.push(0x31);
        to_verify.extend_from_slice(&attrs_tlv.raw[1..]);
        if !algs::verify_signature(
            algorithm,
            cert.key,
            cert.public_key(),
            &to_verify,
            si.signature,
        ) {
            return Err(SignError::BadSignature { signer });
        }

        let signing_certificate_checked = check_ess(signer, &attrs, cert)?;
        if self.require_signing_certificate && !signing_certificate_checked {
            return Err(SignError::SigningCertificateMissing { signer });
        }

        match self.signing_time_window {
            Some(window) => check_signing_time(signer, signing_time, now, window)?,
            None => {
                if signing_time
                    .is_some_and(|t| now.checked_add(self.clock_skew).is_some_and(|l| t > l))
                {
                    return Err(SignError::SigningTimeInFuture { signer });
                }
            }
        }
        let at = if self.validity_at_now {
            now
        } else {
            signing_time.unwrap_or(now)
        };
        cert.check_validity(at)?;
        if let Some(purpose) = self.purpose {
            cert.check_purpose(purpose)?;
        }
        self.check_chain(cert, certs, at, now)?;

        Ok(VerifiedSignature {
            signer_index: signer,
            certificate: cert.summary(),
            certificate_der: cert.der.clone(),
            signing_time,
            algorithm,
            signing_certificate_checked,
            certificate_policies: certificate_policies(cert),
        })
    }

    /// Chain to an anchor (through CA certificates from the SignedData), validity at `at`,
    /// revocation of every non-anchor certificate on the path.
    fn check_chain(
        &self,
        leaf: &ParsedCert,
        bag: &[ParsedCert],
        at: SystemTime,
        now: SystemTime,
    ) -> Result<(), SignError> {
        let key: [u8; 32] = Digest::Sha256
            .compute(&leaf.der)
            .try_into()
            .unwrap_or([0; 32]);
        let cached = self
            .issued_by
            .lock()
            .ok()
            .and_then(|m| m.get(&key).copied());
        if let Some(anchor) = cached.and_then(|i| self.anchors.get(i)) {
            self.check_revocation(leaf, anchor, now)?;
            anchor.check_validity(at)?;
            return Ok(());
        }
        let mut current = leaf;
        for depth in 0..5 {
            if let Some((index, anchor)) = self
                .anchors
                .iter()
                .enumerate()
                .find(|(_, a)| a.subject() == current.issuer() && current.signed_by(a))
            {
                self.check_revocation(current, anchor, now)?;
                anchor.check_validity(at)?;
                if depth == 0 {
                    if let Ok(mut m) = self.issued_by.lock() {
                        if m.len() >= ISSUER_CACHE_LIMIT {
                            m.clear();
                        }
                        m.insert(key, index);
                    }
                }
                return Ok(());
            }
            let Some(next) = bag
                .iter()
                .find(|c| c.subject() == current.issuer() && c.is_ca() && current.signed_by(c))
            else {
                break;
            };
            self.check_revocation(current, next, now)?;
            next.check_validity(at)?;
            current = next;
        }
        Err(SignError::Untrusted { subject: leaf.cn() })
    }

    fn check_revocation(
        &self,
        cert: &ParsedCert,
        issuer: &ParsedCert,
        now: SystemTime,
    ) -> Result<(), SignError> {
        if self.crls.is_empty() {
            return Ok(());
        }
        let mut covered = false;
        for crl in self.crls.iter().filter(|c| c.is_of(issuer)) {
            covered = true;
            crl.check(cert, now)?;
        }
        if covered {
            Ok(())
        } else {
            Err(SignError::RevocationUnknown { subject: cert.cn() })
        }
    }
}

fn subject_key_id(cert: &ParsedCert) -> Option<Vec<u8>> {
    let ski = const_oid::ObjectIdentifier::new_unwrap("2.5.29.14");
    let ext = cert
        .cert
        .tbs_certificate
        .extensions
        .as_ref()?
        .iter()
        .find(|e| e.extn_id == ski)?;
    der::asn1::OctetString::from_der(ext.extn_value.as_bytes())
        .ok()
        .map(|o| o.as_bytes().to_vec())
}

/// The policy OIDs of a certificate's certificatePolicies extension (empty if none or
/// unreadable). Read with our own TLV reader: `const-oid` limits arcs to 32 bits, and UUID arcs
/// (2.25.<128-bit>, ITU-T X.667, used by the test PKI) are longer.
fn certificate_policies(cert: &ParsedCert) -> Vec<String> {
    let ext_oid = const_oid::ObjectIdentifier::new_unwrap("2.5.29.32");
    let Some(ext) = cert
        .cert
        .tbs_certificate
        .extensions
        .as_ref()
        .and_then(|exts| exts.iter().find(|e| e.extn_id == ext_oid))
    else {
        return Vec::new();
    };
    // certificatePolicies ::= SEQUENCE OF PolicyInformation
    // PolicyInformation ::= SEQUENCE { policyIdentifier OID, policyQualifiers ... OPTIONAL }
    let Ok(seq) = tlv::read_one(ext.extn_value.as_bytes(), 0x30, "certificatePolicies") else {
        return Vec::new();
    };
    let Ok(infos) = tlv::children(seq.value, "certificatePolicies") else {
        return Vec::new();
    };
    infos
        .iter()
        .filter(|info| info.tag == 0x30)
        .filter_map(|info| {
            let fields = tlv::children(info.value, "PolicyInformation").ok()?;
            let oid = fields.first().filter(|o| o.tag == 0x06)?;
            oid_to_dotted(oid.value)
        })
        .collect()
}

/// The dotted form of a DER OBJECT IDENTIFIER's content, arcs up to 128 bits; `None` when
/// malformed (non-minimal or unterminated sub-identifiers) or an arc is longer.
fn oid_to_dotted(content: &[u8]) -> Option<String> {
    use std::fmt::Write as _;
    let mut arcs: Vec<u128> = Vec::new();
    let mut value: u128 = 0;
    let mut in_arc = false;
    for &b in content {
        if !in_arc && b == 0x80 {
            return None; // a sub-identifier must not start with 0x80 (X.690 8.19.2)
        }
        value = value.checked_mul(128)? | u128::from(b & 0x7f);
        in_arc = b & 0x80 != 0;
        if !in_arc {
            arcs.push(value);
            value = 0;
        }
    }
    let (&first, rest) = arcs.split_first()?;
    if in_arc {
        return None;
    }
    let (a, b) = match first {
        0..40 => (0, first),
        40..80 => (1, first - 40),
        _ => (2, first - 80),
    };
    let mut out = format!("{a}.{b}");
    for arc in rest {
        let _ = write!(out, ".{arc}");
    }
    Some(out)
}

/// Check ESS signing-certificate(-v2) if present. Returns whether one was present (and matched).
fn check_ess(signer: usize, attrs: &[Attribute], cert: &ParsedCert) -> Result<bool, SignError> {
    let mismatch = SignError::SigningCertificateMismatch { signer };
    let issuer_serial_ok = |is: &Option<ess::IssuerSerial>| match is {
        None => true,
        Some(is) => {
            is.serial_number == cert.cert.tbs_certificate.serial_number
                && is
                    .issuer
                    .iter()
                    .any(|g| matches!(g, GeneralName::DirectoryName(n) if n == cert.issuer()))
        }
    };
    if let Some(a) = attrs
        .iter()
        .find(|a| a.oid == ess::ID_SIGNING_CERTIFICATE_V2)
    {
        let v = a
            .values
            .get(0)
            .ok_or(SignError::Malformed("signing-certificate-v2"))?;
        let sc: SigningCertificateV2 = v
            .decode_as()
            .map_err(|_| SignError::Malformed("signing-certificate-v2"))?;
        // The first ESSCertIDv2 names the signing certificate (RFC 5035).
        let first = sc
            .certs
            .first()
            .ok_or(SignError::Malformed("signing-certificate-v2"))?;
        let digest = match &first.hash_algorithm {
            None => Digest::Sha256,
            Some(h) => Digest::from_oid(h.oid)
                .ok_or_else(|| SignError::UnsupportedAlgorithm(h.oid.to_string()))?,
        };
        if first.cert_hash.as_bytes() != digest.compute(&cert.der).as_slice()
            || !issuer_serial_ok(&first.issuer_serial)
        {
            return Err(mismatch);
        }
        return Ok(true);
    }
    if let Some(a) = attrs.iter().find(|a| a.oid == ess::ID_SIGNING_CERTIFICATE) {
        let v = a
            .values
            .get(0)
            .ok_or(SignError::Malformed("signing-certificate"))?;
        let sc: SigningCertificateV1 = v
            .decode_as()
            .map_err(|_| SignError::Malformed("signing-certificate"))?;
        let first = sc
            .certs
            .first()
            .ok_or(SignError::Malformed("signing-certificate"))?;
        let sha1 = ring::digest::digest(&ring::digest::SHA1_FOR_LEGACY_USE_ONLY, &cert.der);
        if first.cert_hash.as_bytes() != sha1.as_ref() || !issuer_serial_ok(&first.issuer_serial) {
            return Err(mismatch);
        }
        return Ok(true);
    }
    Ok(false)
}

/// The signingTime rule of a live protocol: signer `signer`'s claimed `signing_time` must be
/// present and lie within `window` of `now`, both ways. [`Verifier::signing_time_window`] applies
/// it during verification; a caller that verified without the window (e.g. to recognise a
/// document it already holds, resent byte for byte) applies it afterwards with this function.
pub fn check_signing_time(
    signer: usize,
    signing_time: Option<SystemTime>,
    now: SystemTime,
    window: Duration,
) -> Result<(), SignError> {
    let t = signing_time.ok_or(SignError::SigningTimeMissing { signer })?;
    let (ahead, by) = match t.duration_since(now) {
        Ok(d) => (true, d),
        Err(e) => (false, e.duration()),
    };
    if by > window {
        let secs = i64::try_from(by.as_secs()).unwrap_or(i64::MAX);
        return Err(SignError::SigningTimeOutsideWindow {
            signer,
            skew_seconds: if ahead { secs } else { -secs },
            window_seconds: window.as_secs(),
        });
    }
    Ok(())
}

/// Parse only (no trust decisions): the signers' certificate summaries, e.g. to show who signed
/// before verification settings are known.
pub fn signers_of(cms_der: &[u8]) -> Result<Vec<CertSummary>, SignError> {
    let sd = RawSignedData::parse(cms_der)?;
    sd.certificates
        .iter()
        .map(|c| CertSummary::from_der(c))
        .collect()
}

/// The certificates carried in a SignedData (DER each, as received), without any trust decision.
pub fn certificates_of(cms_der: &[u8]) -> Result<Vec<Vec<u8>>, SignError> {
    let sd = RawSignedData::parse(cms_der)?;
    Ok(sd.certificates.iter().map(|c| c.to_vec()).collect())
}

// The unit tests of this module (unsorted signed attributes, live validity and signingTime, OID
// text) live beside it, so that this file stays readable.
#[cfg(test)]
#[path = "verify_tests.rs"]
mod verify_tests;
