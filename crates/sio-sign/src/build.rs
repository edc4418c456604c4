//! Building CAdES-BES SignedData with `cms`'s builder; the key operation goes to a [`Signer`].

use std::cell::RefCell;
use std::time::SystemTime;

use cms::builder::{SignedDataBuilder, SignerInfoBuilder};
use cms::cert::{CertificateChoices, IssuerAndSerialNumber};
use cms::content_info::ContentInfo;
use cms::signed_data::{EncapsulatedContentInfo, SignerIdentifier, SignerInfo};
use const_oid::ObjectIdentifier as Oid;
use der::asn1::{OctetString, SetOfVec};
use der::{Any, Decode, Encode, Tag};
use spki::{AlgorithmIdentifierOwned, DynSignatureAlgorithmIdentifier, SignatureBitStringEncoding};
use x509_cert::attr::{Attribute, AttributeValue};
use x509_cert::builder::Builder;
use x509_cert::ext::pkix::name::GeneralName;

use crate::algs::{self, Digest};
use crate::cert::ParsedCert;
use crate::ess::{EssCertIdV2, ID_SIGNING_CERTIFICATE_V2, IssuerSerial, SigningCertificateV2};
use crate::{SignError, SignatureAlgorithm, Signer, SignerError, tlv};

pub(crate) const ID_DATA: Oid = Oid::new_unwrap("1.2.840.113549.1.7.1");
pub(crate) const ID_SIGNED_DATA: Oid = Oid::new_unwrap("1.2.840.113549.1.7.2");
pub(crate) const ID_CONTENT_TYPE: Oid = Oid::new_unwrap("1.2.840.113549.1.9.3");
pub(crate) const ID_MESSAGE_DIGEST: Oid = Oid::new_unwrap("1.2.840.113549.1.9.4");
pub(crate) const ID_SIGNING_TIME: Oid = Oid::new_unwrap("1.2.840.113549.1.9.5");

/// How to build a signature.
#[derive(Debug, Clone, Copy)]
pub struct SignOptions {
    /// Put the content inside the CMS (attached) or leave it out (detached, the default).
    pub attached: bool,
    /// The signingTime attribute; `None` = now.
    pub signing_time: Option<SystemTime>,
    /// Verify each token signature with the certificate's public key before emitting it (default
    /// true): a card returning garbage is caught here, not at the gateway.
    pub check_token_signature: bool,
}

impl Default for SignOptions {
    fn default() -> Self {
        Self {
            attached: false,
            signing_time: None,
            check_token_signature: true,
        }
    }
}

/// Sign `content` by one or more signers: ONE SignedData with one SignerInfo per signer
/// (CAdES-BES: contentType, messageDigest, signingTime, ESS signing-certificate-v2).
/// Returns a DER ContentInfo.
pub fn sign(
    content: &[u8],
    signers: &mut [&mut dyn Signer],
    options: &SignOptions,
) -> Result<Vec<u8>, SignError> {
    if signers.is_empty() {
        return Err(SignError::NoSigners);
    }
    let econtent = if options.attached {
        Some(Any::new(Tag::OctetString, content)?)
    } else {
        None
    };
    let encap = EncapsulatedContentInfo {
        econtent_type: ID_DATA,
        econtent,
    };
    let mut builder = SignedDataBuilder::new(&encap);
    let mut digests: Vec<AlgorithmIdentifierOwned> = Vec::new();
    let mut certs: Vec<Vec<u8>> = Vec::new();
    let time = options.signing_time.unwrap_or_else(SystemTime::now);
    for signer in signers.iter_mut() {
        let prepared = Prepared::new(&mut **signer, content, ID_DATA, time)?;
        if !digests.contains(&prepared.digest_id) {
            digests.push(prepared.digest_id.clone());
            builder
                .add_digest_algorithm(prepared.digest_id.clone())
                .map_err(encode_err)?;
        }
        if !certs.contains(&prepared.cert.der) {
            certs.push(prepared.cert.der.clone());
            builder
                .add_certificate(CertificateChoices::Certificate(prepared.cert.cert.clone()))
                .map_err(encode_err)?;
        }
        let adapter = Adapter::new(&mut **signer, &prepared, options.check_token_signature);
        let info = prepared.builder(&adapter)?;
        let result = builder.add_signer_info::<Adapter<'_>, RawSignature>(info);
        if let Err(e) = result {
            return Err(adapter.take_failure().unwrap_or_else(|| encode_err(e)));
        }
    }
    let ci: ContentInfo = builder.build().map_err(encode_err)?;
    Ok(ci.to_der()?)
}

/// Add one more SignerInfo to an existing DER SignedData (co-signing: the head of department signs
/// the officer's application). The existing signers, certificates and content are kept byte for
/// byte. `detached_content` is required when the CMS is detached; given with an attached CMS it
/// must equal the encapsulated content (else `SIGN_DIGEST_MISMATCH`). Does NOT verify the
/// existing signatures: call [`crate::Verifier::verify`] first.
pub fn add_signer(
    cms_der: &[u8],
    detached_content: Option<&[u8]>,
    signer: &mut dyn Signer,
    options: &SignOptions,
) -> Result<Vec<u8>, SignError> {
    let parsed = crate::verify::RawSignedData::parse(cms_der)?;
    let content = match (parsed.econtent, detached_content) {
        // Never co-sign something other than what the caller showed the user.
        (Some(c), Some(d)) if c != d => return Err(SignError::DigestMismatch { signer: 0 }),
        (Some(c), _) => c,
        (None, Some(c)) => c,
        (None, None) => return Err(SignError::ContentMissing),
    };
    let time = options.signing_time.unwrap_or_else(SystemTime::now);
    let encap = EncapsulatedContentInfo::from_der(parsed.encap_raw)
        .map_err(|_| SignError::Malformed("encapsulated content"))?;
    let prepared = Prepared::new(signer, content, encap.econtent_type, time)?;
    let adapter = Adapter::new(signer, &prepared, options.check_token_signature);
    let info = prepared.builder(&adapter)?;
    let info: SignerInfo = match info.build::<RawSignature>() {
        Ok(i) => i,
        Err(e) => {
            return Err(adapter
                .take_failure()
                .unwrap_or_else(|| SignError::Encode(e.to_string())));
        }
    };

    let mut digests: Vec<Vec<u8>> = parsed
        .digest_algorithms
        .iter()
        .map(|d| d.to_vec())
        .collect();
    digests.push(prepared.digest_id.to_der()?);
    let mut certs: Vec<Vec<u8>> = parsed.certificates.iter().map(|c| c.to_vec()).collect();
    certs.push(prepared.cert.der.clone());
    let mut infos: Vec<Vec<u8>> = parsed.signer_infos.iter().map(|s| s.raw.to_vec()).collect();
    infos.push(info.to_der()?);

    let mut body = parsed.version_raw.to_vec();
    body.extend(tlv::set_of(0x31, digests));
    body.extend_from_slice(parsed.encap_raw);
    body.extend(tlv::set_of(0xa0, certs));
    if let Some(crls) = parsed.crls_raw {
        body.extend_from_slice(crls);
    }
    body.extend(tlv::set_of(0x31, infos));
    let signed_data = tlv::encode(0x30, &body);
    let mut ci = ID_SIGNED_DATA.to_der()?;
    ci.extend(tlv::encode(0xa0, &signed_data));
    Ok(tlv::encode(0x30, &ci))
}

fn encode_err(e: cms::builder::Error) -> SignError {
    SignError::Encode(e.to_string())
}

/// Everything about one signer that does not need the key.
struct Prepared {
    cert: ParsedCert,
    algorithm: SignatureAlgorithm,
    digest_id: AlgorithmIdentifierOwned,
    message_digest: Vec<u8>,
    /// The content info as the SignerInfo builder sees it: without eContent, since we always hash
    /// the content ourselves (`cms` hashes only SHA-2; Streebog is ours).
    detached_encap: EncapsulatedContentInfo,
    signing_time: SystemTime,
}

impl Prepared {
    fn new(
        signer: &mut dyn Signer,
        content: &[u8],
        content_type: Oid,
        signing_time: SystemTime,
    ) -> Result<Self, SignError> {
        let cert = ParsedCert::parse(signer.certificate_der())
            .map_err(|_| SignError::SignerCertificate("the certificate cannot be parsed"))?;
        let algorithm = signer.algorithm();
        if !algs::key_fits(cert.key, algorithm) {
            return Err(SignError::SignerCertificate(
                "the certificate's key does not fit the algorithm",
            ));
        }
        let digest = algs::digest_of(algorithm);
        Ok(Self {
            message_digest: digest.compute(content),
            digest_id: algs::digest_identifier(digest, cert.key),
            detached_encap: EncapsulatedContentInfo {
                econtent_type: content_type,
                econtent: None,
            },
            algorithm,
            cert,
            signing_time,
        })
    }

    fn builder<'s, 'a>(
        &'s self,
        adapter: &'s Adapter<'a>,
    ) -> Result<SignerInfoBuilder<'s, Adapter<'a>>, SignError> {
        let tbs = &self.cert.cert.tbs_certificate;
        let sid = SignerIdentifier::IssuerAndSerialNumber(IssuerAndSerialNumber {
            issuer: tbs.issuer.clone(),
            serial_number: tbs.serial_number.clone(),
        });
        let mut b = SignerInfoBuilder::new(
            adapter,
            sid,
            self.digest_id.clone(),
            &self.detached_encap,
            Some(self.message_digest.as_slice()),
        )
        .map_err(encode_err)?;
        b.add_signed_attribute(signing_time_attribute(self.signing_time)?)
            .map_err(encode_err)?;
        b.add_signed_attribute(signing_certificate_v2(&self.cert)?)
            .map_err(encode_err)?;
        Ok(b)
    }
}

fn signing_time_attribute(time: SystemTime) -> Result<Attribute, SignError> {
    let dt = der::DateTime::from_system_time(time)?;
    let value = if (1950..2050).contains(&dt.year()) {
        Any::encode_from(&der::asn1::UtcTime::from_date_time(dt)?)?
    } else {
        Any::encode_from(&der::asn1::GeneralizedTime::from_date_time(dt))?
    };
    attribute(ID_SIGNING_TIME, value)
}

fn signing_certificate_v2(cert: &ParsedCert) -> Result<Attribute, SignError> {
    let tbs = &cert.cert.tbs_certificate;
    let value = SigningCertificateV2 {
        certs: vec![EssCertIdV2 {
            hash_algorithm: None, // DEFAULT sha256
            cert_hash: OctetString::new(Digest::Sha256.compute(&cert.der))?,
            issuer_serial: Some(IssuerSerial {
                issuer: vec![GeneralName::DirectoryName(tbs.issuer.clone())],
                serial_number: tbs.serial_number.clone(),
            }),
        }],
        policies: None,
    };
    attribute(ID_SIGNING_CERTIFICATE_V2, Any::encode_from(&value)?)
}

fn attribute(oid: Oid, value: AttributeValue) -> Result<Attribute, SignError> {
    let mut values = SetOfVec::new();
    values.insert(value)?;
    Ok(Attribute { oid, values })
}

/// A signature as the token returned it.
pub(crate) struct RawSignature(Vec<u8>);

impl SignatureBitStringEncoding for RawSignature {
    fn to_bitstring(&self) -> der::Result<der::asn1::BitString> {
        der::asn1::BitString::from_bytes(&self.0)
    }
}

/// Plugs a `&mut dyn Signer` into `cms`'s builder (`Keypair + DynSignatureAlgorithmIdentifier +
/// signature::Signer`). The builder signs through `&self`, hence the `RefCell`; the token's own
/// error is kept so the caller sees `SIGN_TOKEN_*`, not an opaque builder error.
pub(crate) struct Adapter<'a> {
    signer: RefCell<&'a mut dyn Signer>,
    algorithm: SignatureAlgorithm,
    key: algs::KeyType,
    public_key: Vec<u8>,
    check: bool,
    failure: RefCell<Option<SignError>>,
}

impl<'a> Adapter<'a> {
    fn new(signer: &'a mut dyn Signer, prepared: &Prepared, check: bool) -> Self {
        Self {
            algorithm: prepared.algorithm,
            key: prepared.cert.key,
            public_key: prepared.cert.public_key().to_vec(),
            signer: RefCell::new(signer),
            check,
            failure: RefCell::new(None),
        }
    }

    fn take_failure(&self) -> Option<SignError> {
        self.failure.borrow_mut().take()
    }

    fn fail(&self, e: SignError) -> signature::Error {
        *self.failure.borrow_mut() = Some(e);
        signature::Error::new()
    }
}

impl signature::Keypair for Adapter<'_> {
    type VerifyingKey = ();
    fn verifying_key(&self) {}
}

impl DynSignatureAlgorithmIdentifier for Adapter<'_> {
    fn signature_algorithm_identifier(&self) -> spki::Result<AlgorithmIdentifierOwned> {
        algs::signature_identifier(self.algorithm, self.key).map_err(|_| spki::Error::KeyMalformed)
    }
}

impl signature::Signer<RawSignature> for Adapter<'_> {
    fn try_sign(&self, signed_attributes: &[u8]) -> Result<RawSignature, signature::Error> {
        let sig = self
            .signer
            .borrow_mut()
            .sign(signed_attributes)
            .map_err(|e: SignerError| self.fail(SignError::Signer(e)))?;
        if self.check
            && !algs::verify_signature(
                self.algorithm,
                self.key,
                &self.public_key,
                signed_attributes,
                &sig,
            )
        {
            return Err(self.fail(SignError::SignerSelfCheck));
        }
        Ok(RawSignature(sig))
    }
}
