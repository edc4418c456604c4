//! Test PKI generator shaped like the National Certification Authority of the Republic of Kazakhstan
//! (NCA RK): a root CA, a CRL, the gateway's TLS server certificate and, per user, an
//! AUTHENTICATION certificate (EKU clientAuth) and a SIGNING certificate (EKU emailProtection).
//!
//! Everything this crate makes is for tests and the reference gateway only: the CA says so in its
//! name and the certificate policies it writes live under a private test arc ([`TEST_POLICY_ARC`]).
//! Every user certificate says where its key lives: [`HARDWARE_CARRIER_POLICY`] for a public key
//! brought from a token ([`issue_for_public_key`]), [`SOFTWARE_CARRIER_POLICY`] for a key this
//! crate generated and wrote to a file.
//!
//! ```text
//! DIR/
//!   ca.cert.pem  ca.key.pem  ca.crl.pem      root CA, its key (0600), the current CRL
//!   gateway.cert.pem  gateway.key.pem         TLS server certificate for localhost / 127.0.0.1
//!   users/<id>.auth.cert.pem  <id>.auth.key.pem
//!   users/<id>.sign.cert.pem  <id>.sign.key.pem
//!   workstations/<name>.cert.pem  <name>.key.pem   workstation TLS client certificates (on demand)
//!   pki.json                                  issued and revoked serials, CRL number
//! ```

mod error;
mod files;
mod spec;

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use rcgen::{
    BasicConstraints, CertificateParams, CertificateRevocationListParams, DistinguishedName,
    DnType, DnValue, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyIdMethod, KeyPair, KeyUsagePurpose,
    PublicKeyData, RevocationReason, RevokedCertParams, SerialNumber,
};
use time::OffsetDateTime;
use zeroize::Zeroizing;

pub use error::{CODES, PkiError};
pub use spec::{
    CaSpec, Carrier, HARDWARE_CARRIER_POLICY, KeyKind, PkiSpec, SOFTWARE_CARRIER_POLICY,
    TEST_POLICY_ARC, Usage, UserSpec, Validity,
};

use files::{State, read_text, write_key, write_public};

/// One issued certificate and where it was written.
#[derive(Debug, Clone)]
pub struct IssuedCert {
    /// The certificate (PEM).
    pub cert_path: PathBuf,
    /// The private key (PKCS#8 PEM, mode 0600); `None` when the key lives elsewhere (a card).
    pub key_path: Option<PathBuf>,
    /// Serial number, upper-case hex without separators.
    pub serial_hex: String,
    /// The certificate (DER).
    pub cert_der: Vec<u8>,
}

/// The two certificates of one user.
#[derive(Debug, Clone)]
pub struct GeneratedUser {
    /// The user's file id (see [`UserSpec::id`]).
    pub id: String,
    /// Authentication certificate (EKU clientAuth).
    pub auth: IssuedCert,
    /// Signing certificate (EKU emailProtection, nonRepudiation).
    pub sign: IssuedCert,
}

/// What [`generate`] wrote.
#[derive(Debug, Clone)]
pub struct GeneratedPki {
    /// The output directory.
    pub dir: PathBuf,
    /// Root CA certificate (PEM).
    pub ca_cert: PathBuf,
    /// Root CA private key (PEM, 0600).
    pub ca_key: PathBuf,
    /// Current CRL (PEM).
    pub crl: PathBuf,
    /// The gateway's TLS server certificate.
    pub gateway: IssuedCert,
    /// The operator's signing certificate ([`issue_operator`]).
    pub operator: IssuedCert,
    /// Users in the order of [`PkiSpec::users`].
    pub users: Vec<GeneratedUser>,
}

/// File names inside the PKI directory.
pub mod paths {
    /// Root CA certificate.
    pub const CA_CERT: &str = "ca.cert.pem";
    /// Root CA key.
    pub const CA_KEY: &str = "ca.key.pem";
    /// Current CRL.
    pub const CRL: &str = "ca.crl.pem";
    /// Gateway TLS certificate.
    pub const GATEWAY_CERT: &str = "gateway.cert.pem";
    /// Gateway TLS key.
    pub const GATEWAY_KEY: &str = "gateway.key.pem";
    /// The operator's signing certificate (motivated refusals, 2015 r.14).
    pub const OPERATOR_CERT: &str = "operator.cert.pem";
    /// The operator's signing key (0600).
    pub const OPERATOR_KEY: &str = "operator.key.pem";
    /// Directory of user certificates and keys.
    pub const USERS: &str = "users";
    /// Directory of workstation TLS certificates and keys.
    pub const WORKSTATIONS: &str = "workstations";
    /// State file: issued and revoked serials.
    pub const STATE: &str = "pki.json";
}

/// Generate a whole test PKI into `dir` (created if absent; existing files are overwritten).
pub fn generate(dir: &Path, spec: &PkiSpec) -> Result<GeneratedPki, PkiError> {
    std::fs::create_dir_all(dir.join(paths::USERS)).map_err(|e| PkiError::Io {
        path: dir.to_path_buf(),
        source: e,
    })?;
    let now = SystemTime::now();

    let ca_key = new_key(spec.ca.key)?;
    let mut ca_params = CertificateParams::default();
    ca_params.distinguished_name = ca_name(&spec.ca)?;
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    ca_params.key_identifier_method = KeyIdMethod::Sha256;
    ca_params.serial_number = Some(random_serial());
    let ca_validity = Validity::days_from(now, spec.ca.validity_days);
    ca_params.not_before = to_offset(ca_validity.not_before);
    ca_params.not_after = to_offset(ca_validity.not_after);
    let ca_cert = ca_params
        .self_signed(&ca_key)
        .map_err(PkiError::rcgen("self-sign the CA"))?;
    let ca_cert_path = dir.join(paths::CA_CERT);
    let ca_key_path = dir.join(paths::CA_KEY);
    write_public(&ca_cert_path, &ca_cert.pem())?;
    write_key(&ca_key_path, &ca_key.serialize_pem())?;
    let mut state = State::default();
    state.record(&serial_hex(ca_params.serial_number.as_ref()), "ca");
    let issuer = Issuer::new(ca_params, ca_key);

    let gateway = issue_gateway(dir, spec, &issuer, &mut state)?;
    let operator = issue_operator_with(dir, OPERATOR_ORGANISATION, &issuer, &mut state)?;
    let mut users = Vec::with_capacity(spec.users.len());
    for (user, keys) in spec.users.iter().zip(user_keys(&spec.users)?) {
        users.push(issue_user_with(dir, user, keys, &issuer, &mut state)?);
    }
    let crl = write_crl(dir, &issuer, &mut state)?;
    state.save(dir)?;
    Ok(GeneratedPki {
        dir: dir.to_path_buf(),
        ca_cert: ca_cert_path,
        ca_key: ca_key_path,
        crl,
        gateway,
        operator,
        users,
    })
}

/// Issue an authentication and a signing certificate for one more user of an existing PKI in `dir`.
pub fn issue_user(dir: &Path, user: &UserSpec) -> Result<GeneratedUser, PkiError> {
    let issuer = load_issuer(dir)?;
    let mut state = State::load(dir)?;
    let keys = user_keys(std::slice::from_ref(user))?
        .pop()
        .ok_or_else(|| PkiError::KeyGeneration("no key".into()))?;
    let out = issue_user_with(dir, user, keys, &issuer, &mut state)?;
    state.save(dir)?;
    Ok(out)
}

/// Issue a certificate for an EXTERNAL public key generated on a token (for example on a card in
/// PIV slot 9A or 9C): the certificate carries [`HARDWARE_CARRIER_POLICY`], so the caller attests
/// that the key was generated on the token (as a registration officer does). For a key generated
/// in software use [`issue_for_public_key_with`] and [`Carrier::Software`].
/// `public_key` is a SubjectPublicKeyInfo in DER or PEM ("PUBLIC KEY"). The certificate is written
/// to `users/<id>.<usage>.cert.pem`; no key file is written. RSA, ECDSA and GOST R 34.10-2012 keys
/// (TC26 or NCA RK OIDs) are accepted.
pub fn issue_for_public_key(
    dir: &Path,
    public_key: &[u8],
    user: &UserSpec,
    usage: Usage,
) -> Result<IssuedCert, PkiError> {
    issue_for_public_key_with(dir, public_key, user, usage, Carrier::Hardware)
}

/// [`issue_for_public_key`] with the key carrier the certificate attests.
pub fn issue_for_public_key_with(
    dir: &Path,
    public_key: &[u8],
    user: &UserSpec,
    usage: Usage,
    carrier: Carrier,
) -> Result<IssuedCert, PkiError> {
    let der_key = if public_key.starts_with(b"-----BEGIN") {
        let (label, der) = der::pem::decode_vec(public_key).map_err(|_| PkiError::BadPublicKey)?;
        if label != "PUBLIC KEY" {
            return Err(PkiError::BadPublicKey);
        }
        der
    } else {
        public_key.to_vec()
    };
    let issuer = load_issuer(dir)?;
    let mut state = State::load(dir)?;
    let params = user_params(user, usage, carrier)?;
    let serial = serial_hex(params.serial_number.as_ref());
    let der = match rcgen::SubjectPublicKeyInfo::from_der(&der_key) {
        Ok(spki) => params
            .signed_by(&spki, &issuer)
            .map_err(PkiError::rcgen("sign the certificate for an external key"))?
            .der()
            .to_vec(),
        // Not a key rcgen knows: a GOST key (from a GOST token) gets its certificate built here.
        Err(_) => gost_user_cert(dir, params, &der_key, &issuer)?,
    };
    let cert_path = user_path(dir, &user.id, usage, "cert");
    write_public(&cert_path, &pem_of("CERTIFICATE", &der)?)?;
    state.record(&serial, &format!("{}.{}", user.id, usage.file_tag()));
    state.save(dir)?;
    Ok(IssuedCert {
        cert_path,
        key_path: None,
        serial_hex: serial,
        cert_der: der,
    })
}

/// Issue a workstation's TLS client certificate into an existing PKI in `dir`: ECDSA P-256, EKU
/// clientAuth, CN = `name`, no ИИН (the gateway then takes the user from the signed login, not
/// from the TLS certificate). Written to `workstations/<name>.cert.pem` and `<name>.key.pem` (0600).
/// `name`: ASCII letters, digits, `-`, `_`, `.`.
pub fn issue_workstation(dir: &Path, name: &str) -> Result<IssuedCert, PkiError> {
    if name.is_empty()
        || name.len() > 64
        || !name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
        || name.starts_with('.')
    {
        return Err(PkiError::InvalidSpec(format!(
            "workstation name {name:?}: ASCII letters, digits, '-', '_', '.'"
        )));
    }
    let issuer = load_issuer(dir)?;
    let mut state = State::load(dir)?;
    let key = new_key(KeyKind::EcdsaP256)?;
    let mut params = CertificateParams::default();
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CountryName, printable("KZ")?);
    dn.push(DnType::OrganizationName, "SIO PSO test workstations");
    dn.push(DnType::CommonName, name);
    params.distinguished_name = dn;
    params.is_ca = IsCa::ExplicitNoCa;
    params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
    leaf_common(
        &mut params,
        Validity::days_from(SystemTime::now(), DEFAULT_LEAF_DAYS),
    );
    let cert = params
        .signed_by(&key, &issuer)
        .map_err(PkiError::rcgen("sign a workstation certificate"))?;
    let out = dir.join(paths::WORKSTATIONS);
    std::fs::create_dir_all(&out).map_err(|e| PkiError::Io {
        path: out.clone(),
        source: e,
    })?;
    let cert_path = out.join(format!("{name}.cert.pem"));
    let key_path = out.join(format!("{name}.key.pem"));
    write_public(&cert_path, &cert.pem())?;
    write_key(&key_path, &key.serialize_pem())?;
    let serial = serial_hex(params.serial_number.as_ref());
    state.record(&serial, &format!("workstation.{name}"));
    state.save(dir)?;
    Ok(IssuedCert {
        cert_path,
        key_path: Some(key_path),
        serial_hex: serial,
        cert_der: cert.der().to_vec(),
    })
}

/// Subject CN of the operator's signing certificate: the test PKI's stand-in for the NCA RK
/// signing certificate "registered to КПСиСУ" that signs a motivated refusal (2015 r.14). The
/// client accepts a refusal only signed by a certificate of the pinned CA with this CN and the
/// signing purpose (emailProtection).
pub const OPERATOR_COMMON_NAME: &str = "SIO PSO operator";
/// Subject O of the operator's certificate (the operator is КПСиСУ; the test PKI says it is a test).
const OPERATOR_ORGANISATION: &str = "KPSiSU (test)";

/// Issue (or re-issue) the operator's signing certificate into an existing PKI in `dir`:
/// ECDSA P-256, key usage digitalSignature + nonRepudiation, EKU emailProtection, CN
/// [`OPERATOR_COMMON_NAME`], no ИИН. Written to [`paths::OPERATOR_CERT`] and
/// [`paths::OPERATOR_KEY`] (0600).
pub fn issue_operator(dir: &Path) -> Result<IssuedCert, PkiError> {
    let issuer = load_issuer(dir)?;
    let mut state = State::load(dir)?;
    let out = issue_operator_with(dir, OPERATOR_ORGANISATION, &issuer, &mut state)?;
    state.save(dir)?;
    Ok(out)
}

fn issue_operator_with(
    dir: &Path,
    organisation: &str,
    issuer: &Issuer<'_, KeyPair>,
    state: &mut State,
) -> Result<IssuedCert, PkiError> {
    let key = new_key(KeyKind::EcdsaP256)?;
    let mut params = CertificateParams::default();
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CountryName, printable("KZ")?);
    dn.push(DnType::OrganizationName, organisation);
    dn.push(DnType::CommonName, OPERATOR_COMMON_NAME);
    params.distinguished_name = dn;
    params.is_ca = IsCa::ExplicitNoCa;
    params.key_usages = vec![
        KeyUsagePurpose::DigitalSignature,
        KeyUsagePurpose::ContentCommitment,
    ];
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::EmailProtection];
    leaf_common(
        &mut params,
        Validity::days_from(SystemTime::now(), DEFAULT_LEAF_DAYS),
    );
    let cert = params
        .signed_by(&key, issuer)
        .map_err(PkiError::rcgen("sign the operator's certificate"))?;
    let cert_path = dir.join(paths::OPERATOR_CERT);
    let key_path = dir.join(paths::OPERATOR_KEY);
    write_public(&cert_path, &cert.pem())?;
    write_key(&key_path, &key.serialize_pem())?;
    let serial = serial_hex(params.serial_number.as_ref());
    state.record(&serial, "operator");
    Ok(IssuedCert {
        cert_path,
        key_path: Some(key_path),
        serial_hex: serial,
        cert_der: cert.der().to_vec(),
    })
}

/// Revoke the certificate with serial `serial_hex` (hex, case and `:` separators ignored) and
/// write a fresh CRL. Revoking twice is not an error. Returns the CRL path.
pub fn revoke(dir: &Path, serial_hex: &str) -> Result<PathBuf, PkiError> {
    let serial = normalise_serial(serial_hex)?;
    let issuer = load_issuer(dir)?;
    let mut state = State::load(dir)?;
    state.revoke(&serial, now_unix());
    let crl = write_crl(dir, &issuer, &mut state)?;
    state.save(dir)?;
    Ok(crl)
}

/// Serials (upper-case hex) of certificates revoked in the PKI in `dir`.
pub fn revoked_serials(dir: &Path) -> Result<Vec<String>, PkiError> {
    Ok(State::load(dir)?
        .revoked
        .into_iter()
        .map(|r| r.serial)
        .collect())
}

fn load_issuer(dir: &Path) -> Result<Issuer<'static, KeyPair>, PkiError> {
    let cert = read_text(&dir.join(paths::CA_CERT))?;
    let key = read_text(&dir.join(paths::CA_KEY))?;
    let key = KeyPair::from_pem(&key).map_err(PkiError::rcgen("read the CA key"))?;
    Issuer::from_ca_cert_pem(&cert, key).map_err(PkiError::rcgen("read the CA certificate"))
}

fn issue_gateway(
    dir: &Path,
    spec: &PkiSpec,
    issuer: &Issuer<'_, KeyPair>,
    state: &mut State,
) -> Result<IssuedCert, PkiError> {
    let key = new_key(KeyKind::EcdsaP256)?;
    let mut params = CertificateParams::new(spec.gateway_hosts.clone())
        .map_err(PkiError::rcgen("name the gateway"))?;
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CountryName, printable("KZ")?);
    dn.push(DnType::OrganizationName, spec.ca.organisation.as_str());
    dn.push(
        DnType::CommonName,
        spec.gateway_hosts
            .first()
            .map_or("localhost", String::as_str),
    );
    params.distinguished_name = dn;
    params.is_ca = IsCa::ExplicitNoCa;
    params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    leaf_common(
        &mut params,
        Validity::days_from(SystemTime::now(), spec.leaf_validity_days),
    );
    let cert = params
        .signed_by(&key, issuer)
        .map_err(PkiError::rcgen("sign the gateway certificate"))?;
    let cert_path = dir.join(paths::GATEWAY_CERT);
    let key_path = dir.join(paths::GATEWAY_KEY);
    write_public(&cert_path, &cert.pem())?;
    write_key(&key_path, &key.serialize_pem())?;
    let der = cert.der().to_vec();
    state.record(&serial_hex(params.serial_number.as_ref()), "gateway");
    Ok(IssuedCert {
        cert_path,
        key_path: Some(key_path),
        serial_hex: serial_hex(params.serial_number.as_ref()),
        cert_der: der,
    })
}

/// A user's private key: generated by rcgen (RSA/ECDSA) or a software GOST key.
enum UserKey {
    Rcgen(Box<KeyPair>),
    Gost(sio_sign::soft::GostKey),
}

/// Generate the AUTH and SIGN keys of every user, RSA ones in parallel (RSA key generation
/// dominates the run time).
fn user_keys(users: &[UserSpec]) -> Result<Vec<(UserKey, UserKey)>, PkiError> {
    std::thread::scope(|scope| {
        let handles: Vec<_> = users
            .iter()
            .flat_map(|u| [u.key, u.key])
            .map(|kind| scope.spawn(move || new_user_key(kind)))
            .collect();
        let mut keys = handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|_| Err(PkiError::KeyGeneration("key thread panicked".into())))
            })
            .collect::<Result<Vec<_>, _>>()?
            .into_iter();
        let mut out = Vec::with_capacity(users.len());
        while let (Some(auth), Some(sign)) = (keys.next(), keys.next()) {
            out.push((auth, sign));
        }
        Ok(out)
    })
}

fn new_user_key(kind: KeyKind) -> Result<UserKey, PkiError> {
    use sio_gost::{GostArc, GostCurve};
    let curve = match kind {
        KeyKind::Gost2012_256 => GostCurve::Tc26_256B,
        KeyKind::Gost2012_512 => GostCurve::Tc26_512A,
        _ => return new_key(kind).map(|k| UserKey::Rcgen(Box::new(k))),
    };
    sio_sign::soft::GostKey::generate(curve, GostArc::Tc26)
        .map(UserKey::Gost)
        .map_err(|e| PkiError::KeyGeneration(e.to_string()))
}

fn issue_user_with(
    dir: &Path,
    user: &UserSpec,
    keys: (UserKey, UserKey),
    issuer: &Issuer<'_, KeyPair>,
    state: &mut State,
) -> Result<GeneratedUser, PkiError> {
    let (auth_key, sign_key) = keys;
    let mut one = |usage: Usage, key: UserKey| -> Result<IssuedCert, PkiError> {
        // The key is generated here and written to a file: the certificate says so.
        let params = user_params(user, usage, Carrier::Software)?;
        let serial = serial_hex(params.serial_number.as_ref());
        let (der, key_pem) = match &key {
            UserKey::Rcgen(key) => {
                let cert = params
                    .signed_by(key.as_ref(), issuer)
                    .map_err(PkiError::rcgen("sign a user certificate"))?;
                (cert.der().to_vec(), Zeroizing::new(key.serialize_pem()))
            }
            UserKey::Gost(key) => {
                let pem = key
                    .to_pkcs8_pem()
                    .map_err(|e| PkiError::KeyGeneration(e.to_string()))?;
                let spki = key
                    .spki_der()
                    .map_err(|e| PkiError::KeyGeneration(e.to_string()))?;
                (gost_user_cert(dir, params, &spki, issuer)?, pem)
            }
        };
        let cert_path = user_path(dir, &user.id, usage, "cert");
        let key_path = user_path(dir, &user.id, usage, "key");
        write_public(&cert_path, &pem_of("CERTIFICATE", &der)?)?;
        write_key(&key_path, &key_pem)?;
        state.record(&serial, &format!("{}.{}", user.id, usage.file_tag()));
        Ok(IssuedCert {
            cert_path,
            key_path: Some(key_path),
            serial_hex: serial,
            cert_der: der,
        })
    };
    let auth = one(Usage::Auth, auth_key)?;
    let sign = one(Usage::Sign, sign_key)?;
    Ok(GeneratedUser {
        id: user.id.clone(),
        auth,
        sign,
    })
}

/// A certificate for a GOST public key, signed by the (RSA/ECDSA) CA. rcgen cannot put a GOST key
/// into a certificate, so it builds the certificate around a throw-away P-256 key (names,
/// extensions, serial, validity, the SKI of the GOST key, the CA's AKI); the TBSCertificate is then
/// re-encoded with x509-cert around the GOST SubjectPublicKeyInfo and signed again with the CA key.
fn gost_user_cert(
    dir: &Path,
    mut params: CertificateParams,
    spki_der: &[u8],
    issuer: &Issuer<'_, KeyPair>,
) -> Result<Vec<u8>, PkiError> {
    use der::{Decode, Encode};
    use sha2::Digest;
    let bad =
        |what: &'static str| move |e: der::Error| PkiError::KeyGeneration(format!("{what}: {e}"));
    let spki = x509_cert::spki::SubjectPublicKeyInfoOwned::from_der(spki_der)
        .map_err(|_| PkiError::BadPublicKey)?;
    // A GOST R 34.10-2012 key of a known parameter set whose point is on its curve (sio-gost).
    if !matches!(sio_gost::PublicKey::from_spki(&spki), Ok(Some(_))) {
        return Err(PkiError::BadPublicKey);
    }
    let ski = sha2::Sha256::digest(spki.subject_public_key.raw_bytes());
    params.key_identifier_method = KeyIdMethod::PreSpecified(ski[..20].to_vec());
    let placeholder = new_key(KeyKind::EcdsaP256)?;
    let draft = params
        .signed_by(&placeholder, issuer)
        .map_err(PkiError::rcgen("sign a user certificate"))?;
    let mut cert =
        x509_cert::Certificate::from_der(draft.der()).map_err(bad("re-read the certificate"))?;
    cert.tbs_certificate.subject_public_key_info = spki;
    let tbs = cert
        .tbs_certificate
        .to_der()
        .map_err(bad("encode the TBSCertificate"))?;
    let ca_key = KeyPair::from_pem(&read_text(&dir.join(paths::CA_KEY))?)
        .map_err(PkiError::rcgen("read the CA key"))?;
    let signature = rcgen::SigningKey::sign(&ca_key, &tbs)
        .map_err(PkiError::rcgen("sign a GOST user certificate"))?;
    cert.signature = der::asn1::BitString::from_bytes(&signature).map_err(bad("the signature"))?;
    cert.to_der().map_err(bad("encode the certificate"))
}

fn pem_of(label: &str, der: &[u8]) -> Result<String, PkiError> {
    der::pem::encode_string(label, der::pem::LineEnding::LF, der)
        .map_err(|e| PkiError::KeyGeneration(format!("PEM: {e}")))
}

fn user_path(dir: &Path, id: &str, usage: Usage, kind: &str) -> PathBuf {
    dir.join(paths::USERS)
        .join(format!("{id}.{}.{kind}.pem", usage.file_tag()))
}

fn user_params(
    user: &UserSpec,
    usage: Usage,
    carrier: Carrier,
) -> Result<CertificateParams, PkiError> {
    user.check()?;
    let mut params = CertificateParams::default();
    let mut dn = DistinguishedName::new();
    dn.push(
        DnType::CommonName,
        format!("{} {}", user.surname, user.given_name),
    );
    dn.push(
        DnType::CustomDnType(OID_SURNAME.to_vec()),
        user.surname.as_str(),
    );
    dn.push(
        DnType::CustomDnType(OID_SERIAL_NUMBER.to_vec()),
        printable(&format!("IIN{}", user.iin))?,
    );
    dn.push(DnType::CountryName, printable("KZ")?);
    dn.push(DnType::OrganizationName, user.organisation.as_str());
    dn.push(
        DnType::OrganizationalUnitName,
        printable(&format!("BIN{}", user.bin))?,
    );
    dn.push(
        DnType::CustomDnType(OID_GIVEN_NAME.to_vec()),
        user.given_name.as_str(),
    );
    if let Some(email) = &user.email {
        let ia5 = rcgen::string::Ia5String::try_from(email.as_str())
            .map_err(|_| PkiError::InvalidSpec(format!("e-mail address {email:?} is not ASCII")))?;
        dn.push(
            DnType::CustomDnType(OID_EMAIL.to_vec()),
            DnValue::Ia5String(ia5),
        );
    }
    params.distinguished_name = dn;
    params.is_ca = IsCa::ExplicitNoCa;
    match usage {
        Usage::Auth => {
            params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
            params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
        }
        Usage::Sign => {
            params.key_usages = vec![
                KeyUsagePurpose::DigitalSignature,
                KeyUsagePurpose::ContentCommitment,
            ];
            params.extended_key_usages = vec![ExtendedKeyUsagePurpose::EmailProtection];
        }
    }
    params
        .custom_extensions
        .push(spec::certificate_policies(&user.role_policies, carrier));
    let validity = user
        .validity
        .unwrap_or_else(|| Validity::days_from(SystemTime::now(), DEFAULT_LEAF_DAYS));
    leaf_common(&mut params, validity);
    Ok(params)
}

const DEFAULT_LEAF_DAYS: u32 = 365;
const OID_SURNAME: [u64; 4] = [2, 5, 4, 4];
const OID_SERIAL_NUMBER: [u64; 4] = [2, 5, 4, 5];
const OID_GIVEN_NAME: [u64; 4] = [2, 5, 4, 42];
const OID_EMAIL: [u64; 7] = [1, 2, 840, 113549, 1, 9, 1];

fn leaf_common(params: &mut CertificateParams, validity: Validity) {
    params.not_before = to_offset(validity.not_before);
    params.not_after = to_offset(validity.not_after);
    params.serial_number = Some(random_serial());
    params.use_authority_key_identifier_extension = true;
    params.key_identifier_method = KeyIdMethod::Sha256;
}

fn ca_name(ca: &CaSpec) -> Result<DistinguishedName, PkiError> {
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CommonName, ca.common_name.as_str());
    dn.push(DnType::OrganizationName, ca.organisation.as_str());
    dn.push(DnType::CountryName, printable("KZ")?);
    Ok(dn)
}

fn write_crl(
    dir: &Path,
    issuer: &Issuer<'_, KeyPair>,
    state: &mut State,
) -> Result<PathBuf, PkiError> {
    state.crl_number += 1;
    let now = SystemTime::now();
    let revoked = state
        .revoked
        .iter()
        .map(|r| {
            Ok(RevokedCertParams {
                serial_number: SerialNumber::from_slice(&hex_decode(&r.serial)?),
                revocation_time: OffsetDateTime::from_unix_timestamp(r.time)
                    .map_err(|_| PkiError::InvalidSpec("revocation time".into()))?,
                reason_code: Some(RevocationReason::Unspecified),
                invalidity_date: None,
            })
        })
        .collect::<Result<Vec<_>, PkiError>>()?;
    let params = CertificateRevocationListParams {
        this_update: to_offset(now - Duration::from_secs(60)),
        next_update: to_offset(now + Duration::from_secs(7 * 24 * 3600)),
        crl_number: SerialNumber::from(state.crl_number),
        issuing_distribution_point: None,
        revoked_certs: revoked,
        key_identifier_method: KeyIdMethod::Sha256,
    };
    let crl = params
        .signed_by(issuer)
        .map_err(PkiError::rcgen("sign the CRL"))?;
    let path = dir.join(paths::CRL);
    write_public(
        &path,
        &crl.pem().map_err(PkiError::rcgen("encode the CRL"))?,
    )?;
    Ok(path)
}

fn new_key(kind: KeyKind) -> Result<KeyPair, PkiError> {
    match kind {
        KeyKind::EcdsaP256 => KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256)
            .map_err(PkiError::rcgen("generate a P-256 key")),
        KeyKind::EcdsaP384 => KeyPair::generate_for(&rcgen::PKCS_ECDSA_P384_SHA384)
            .map_err(PkiError::rcgen("generate a P-384 key")),
        KeyKind::Gost2012_256 | KeyKind::Gost2012_512 => Err(PkiError::InvalidSpec(
            "GOST keys are for users only: the CA and the gateway stay RSA/ECDSA".into(),
        )),
        KeyKind::Rsa2048 => {
            // ring (our crypto provider) cannot generate RSA keys: RustCrypto `rsa` does, ring signs.
            use rsa::pkcs8::EncodePrivateKey;
            let key = rsa::RsaPrivateKey::new(&mut rand::rngs::OsRng, 2048)
                .map_err(|e| PkiError::KeyGeneration(e.to_string()))?;
            let pem = key
                .to_pkcs8_pem(rsa::pkcs8::LineEnding::LF)
                .map_err(|e| PkiError::KeyGeneration(e.to_string()))?;
            KeyPair::from_pkcs8_pem_and_sign_algo(&pem, &rcgen::PKCS_RSA_SHA256)
                .map_err(PkiError::rcgen("load the RSA key"))
        }
    }
}

fn random_serial() -> SerialNumber {
    use rand::RngCore;
    let mut bytes = [0u8; 16];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    bytes[0] = (bytes[0] & 0x7f) | 0x40; // positive, no leading zero octet, always 16 octets
    SerialNumber::from_slice(&bytes)
}

fn serial_hex(serial: Option<&SerialNumber>) -> String {
    serial
        .map(|s| files::hex_upper(&s.to_bytes()))
        .unwrap_or_default()
}

fn normalise_serial(text: &str) -> Result<String, PkiError> {
    let cleaned: String = text
        .chars()
        .filter(|c| *c != ':' && !c.is_whitespace())
        .collect();
    let bytes = hex_decode(&cleaned)?;
    Ok(files::hex_upper(&bytes))
}

fn hex_decode(text: &str) -> Result<Vec<u8>, PkiError> {
    let bad = || PkiError::BadSerial(text.to_owned());
    if text.is_empty() || text.len() % 2 != 0 || text.len() > 42 {
        return Err(bad());
    }
    (0..text.len())
        .step_by(2)
        .map(|i| {
            text.get(i..i + 2)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
                .ok_or_else(bad)
        })
        .collect()
}

fn printable(text: &str) -> Result<DnValue, PkiError> {
    rcgen::string::PrintableString::try_from(text)
        .map(DnValue::PrintableString)
        .map_err(|_| PkiError::InvalidSpec(format!("{text:?} is not a PrintableString")))
}

fn to_offset(t: SystemTime) -> OffsetDateTime {
    OffsetDateTime::from(t)
}

fn now_unix() -> i64 {
    SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

/// The DER SubjectPublicKeyInfo of a PEM/PKCS#8 private key file written by this crate (handy for
/// tests that need a "card" key pair).
pub fn public_key_of(key_pem: &str) -> Result<Vec<u8>, PkiError> {
    let key = KeyPair::from_pem(key_pem).map_err(PkiError::rcgen("read a key"))?;
    Ok(key.subject_public_key_info())
}

#[cfg(test)]
mod tests;
