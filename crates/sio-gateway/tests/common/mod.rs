//! Test fixture: a fresh demo PKI (sio-pki), a seeded database, a gateway on 127.0.0.1:0 over
//! real mutual TLS, and clients that sign with the users' keys (sio-sign software signer).
#![allow(
    dead_code,
    unreachable_pub,
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used
)]

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use chrono::{FixedOffset, Utc};
use reqwest::StatusCode;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use sio_gateway::admin::Admin;
use sio_gateway::{Gateway, GatewayConfig, GatewayHandle, TlsFiles};
use sio_pki::{GeneratedPki, GeneratedUser, PkiSpec};
use sio_protocol::*;
use uuid::Uuid;

pub const INVESTIGATOR: usize = 0;
pub const HEAD: usize = 1;
pub const PROSECUTOR: usize = 2;

pub struct Env {
    pub dir: tempfile::TempDir,
    pub pki: GeneratedPki,
    pub data: PathBuf,
    pub gw: Option<GatewayHandle>,
    pub base: String,
}

pub fn init_crypto() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

impl Env {
    pub async fn start() -> Env {
        Self::start_with(|_| {}).await
    }

    pub async fn start_with(tune: impl FnOnce(&mut GatewayConfig)) -> Env {
        init_crypto();
        let dir = tempfile::tempdir().unwrap();
        let pki = sio_pki::generate(&dir.path().join("pki"), &PkiSpec::demo()).unwrap();
        let data = dir.path().join("data");
        Admin::open(&data).unwrap().seed_demo().unwrap();
        let mut config = GatewayConfig::new(
            "127.0.0.1:0".parse().unwrap(),
            data.clone(),
            TlsFiles::from_pki_dir(&pki.dir),
        );
        config.result_delay = Duration::from_millis(300);
        config.header_timeout = Duration::from_secs(2);
        config.body_timeout = Duration::from_secs(2);
        // TEST-ONLY relaxation: these users' keys are PEM files (software policy), so the test
        // gateway counts the test PKI's software policy as a hardware carrier too. The default
        // configuration does not (tests/carrier.rs).
        config
            .hardware_carrier_policies
            .push(sio_pki::SOFTWARE_CARRIER_POLICY.into());
        tune(&mut config);
        let gw = Gateway::start(config).await.unwrap();
        let base = format!("https://127.0.0.1:{}", gw.local_addr().port());
        Env {
            dir,
            pki,
            data,
            gw: Some(gw),
            base,
        }
    }

    pub fn admin(&self) -> Admin {
        Admin::open(&self.data).unwrap()
    }

    pub fn user(&self, i: usize) -> &GeneratedUser {
        &self.pki.users[i]
    }

    pub fn iin(&self, i: usize) -> String {
        ["850415300121", "901120400238", "780302300344"][i].to_string()
    }

    /// A client presenting `tls_user`'s authentication certificate.
    pub fn client(&self, tls_user: usize) -> Client {
        let u = self.user(tls_user);
        self.client_with_tls(
            &u.auth.cert_path,
            u.auth.key_path.as_ref().unwrap(),
            u.clone(),
        )
    }

    /// A client presenting the TLS certificate `cert` (key `key`, PEM files) — a user's or a
    /// workstation's — and signing as `user`.
    pub fn client_with_tls(&self, cert: &Path, key: &Path, user: GeneratedUser) -> Client {
        let mut pem = std::fs::read(cert).unwrap();
        pem.extend(std::fs::read(key).unwrap());
        let ca =
            reqwest::Certificate::from_pem(&std::fs::read(&self.pki.ca_cert).unwrap()).unwrap();
        let http = reqwest::Client::builder()
            .tls_certs_only([ca])
            .identity(reqwest::Identity::from_pem(&pem).unwrap())
            .no_proxy()
            .timeout(Duration::from_secs(20))
            .build()
            .unwrap();
        Client {
            http,
            base: self.base.clone(),
            token: None,
            user,
        }
    }

    pub fn code(&self, iin: &str) -> String {
        self.admin()
            .latest_sms_code(iin)
            .unwrap()
            .expect("an SMS code in the outbox")
    }

    /// Log in fully (signature, SMS, consent) and return the active client.
    pub async fn active_client(&self, i: usize) -> Client {
        let mut c = self.client(i);
        c.login(KeyCarrier::Hardware).await.unwrap();
        c.post_empty::<OtpSent>(paths::LOGIN_OTP).await.unwrap();
        let code = self.code(&self.iin(i));
        let s: SessionInfo = c
            .post(paths::LOGIN_OTP_VERIFY, &serde_json::json!({"code": code}))
            .await
            .unwrap();
        if s.stage == SessionStage::Consent {
            let s = c.sign_consent(&self.iin(i)).await.unwrap();
            assert_eq!(s.stage, SessionStage::Active);
        }
        c
    }
}

pub struct Client {
    pub http: reqwest::Client,
    pub base: String,
    pub token: Option<String>,
    pub user: GeneratedUser,
}

pub fn astana_now() -> chrono::DateTime<FixedOffset> {
    Utc::now().with_timezone(&FixedOffset::east_opt(5 * 3600).unwrap())
}

/// Detached CMS over the canonical bytes of `doc`, by the given (cert, key) PEM files.
pub fn sign_with(doc: &impl Serialize, signers: &[(&PathBuf, &PathBuf)]) -> String {
    let content = canonical_bytes(doc).unwrap();
    let mut owned: Vec<sio_sign::soft::SoftwareSigner> = signers
        .iter()
        .map(|(cert, key)| {
            sio_sign::soft::SoftwareSigner::from_pem(
                &std::fs::read_to_string(key).unwrap(),
                &std::fs::read(cert).unwrap(),
            )
            .unwrap()
        })
        .collect();
    let mut refs: Vec<&mut dyn sio_sign::Signer> = owned
        .iter_mut()
        .map(|s| s as &mut dyn sio_sign::Signer)
        .collect();
    let cms = sio_sign::sign(&content, &mut refs, &sio_sign::SignOptions::default()).unwrap();
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(cms)
}

pub fn signed<T: Serialize>(doc: T, signers: &[(&PathBuf, &PathBuf)]) -> Value {
    let cms = sign_with(&doc, signers);
    serde_json::json!({"document": doc, "cms": cms})
}

pub fn sign_pair(u: &GeneratedUser) -> (&PathBuf, &PathBuf) {
    (&u.sign.cert_path, u.sign.key_path.as_ref().unwrap())
}

pub fn auth_pair(u: &GeneratedUser) -> (&PathBuf, &PathBuf) {
    (&u.auth.cert_path, u.auth.key_path.as_ref().unwrap())
}

/// A call that failed with a gateway error body.
#[derive(Debug)]
pub struct Failure {
    pub status: StatusCode,
    pub body: ErrorBody,
}

impl Client {
    fn req(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        let r = self.http.request(method, format!("{}{}", self.base, path));
        match &self.token {
            Some(t) => r.bearer_auth(t),
            None => r,
        }
    }

    async fn finish<R: DeserializeOwned>(resp: reqwest::Response) -> Result<R, Failure> {
        let status = resp.status();
        let bytes = resp.bytes().await.unwrap();
        if status.is_success() {
            Ok(serde_json::from_slice(&bytes)
                .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&bytes))))
        } else {
            let body: ErrorBody = serde_json::from_slice(&bytes).unwrap_or_else(|e| {
                panic!(
                    "error body {status}: {e}: {}",
                    String::from_utf8_lossy(&bytes)
                )
            });
            Err(Failure { status, body })
        }
    }

    pub async fn get<R: DeserializeOwned>(&self, path: &str) -> Result<R, Failure> {
        Self::finish(self.req(reqwest::Method::GET, path).send().await.unwrap()).await
    }

    pub async fn post<R: DeserializeOwned>(
        &self,
        path: &str,
        body: &impl Serialize,
    ) -> Result<R, Failure> {
        Self::finish(
            self.req(reqwest::Method::POST, path)
                .json(body)
                .send()
                .await
                .unwrap(),
        )
        .await
    }

    pub async fn post_raw<R: DeserializeOwned>(
        &self,
        path: &str,
        body: Vec<u8>,
    ) -> Result<R, Failure> {
        Self::finish(
            self.req(reqwest::Method::POST, path)
                .header("content-type", "application/json")
                .body(body)
                .send()
                .await
                .unwrap(),
        )
        .await
    }

    pub async fn post_empty<R: DeserializeOwned>(&self, path: &str) -> Result<R, Failure> {
        Self::finish(self.req(reqwest::Method::POST, path).send().await.unwrap()).await
    }

    pub fn login_doc(&self, ch: &LoginChallenge, carrier: KeyCarrier) -> LoginDocument {
        let der = std::fs::read(&self.user.auth.cert_path).unwrap();
        let der = sio_sign::pem_or_der_blocks(&der, "CERTIFICATE").remove(0);
        LoginDocument {
            doc: LoginDocType::V1,
            challenge_id: ch.challenge_id,
            nonce: ch.nonce.clone(),
            certificate_sha256: hex::encode(ring::digest::digest(&ring::digest::SHA256, &der)),
            carrier,
            client_time: astana_now(),
        }
    }

    /// Challenge, sign with own auth key, log in.
    pub async fn login(&mut self, carrier: KeyCarrier) -> Result<SessionInfo, Failure> {
        let ch: LoginChallenge = self.post_empty(paths::LOGIN_CHALLENGE).await?;
        let doc = self.login_doc(&ch, carrier);
        let body = signed(doc, &[auth_pair(&self.user.clone())]);
        let s: SessionInfo = self.post(paths::LOGIN, &body).await?;
        self.token = s.token.as_ref().map(|t| t.expose().to_string());
        Ok(s)
    }

    pub async fn sign_consent(&self, iin: &str) -> Result<SessionInfo, Failure> {
        let text: ConsentText = self.get(paths::CONSENT).await?;
        let doc = ConsentDocument {
            doc: ConsentDocType::V1,
            iin: iin.to_string(),
            consent_version: text.version,
            text_language: text.signed_language,
            text_sha256: text.sha256,
            form_date: text.form_date,
            signed_at: astana_now(),
        };
        let u = self.user.clone();
        self.post(paths::CONSENT, &signed(doc, &[sign_pair(&u)]))
            .await
    }

    pub fn request_doc(
        &self,
        iin: &str,
        role: u8,
        basis: BasisKey,
        service: u8,
        case: CaseReference,
    ) -> RequestDocument {
        RequestDocument {
            doc: RequestDocType::V1,
            request_id: Uuid::new_v4(),
            user_iin: iin.to_string(),
            role,
            basis,
            service,
            case,
            subject: Subject::Individual("900101300106".into()),
            article: None,
            signed_at: astana_now(),
        }
    }

    pub fn sign_request(&self, doc: &RequestDocument) -> Value {
        let u = self.user.clone();
        signed(doc.clone(), &[sign_pair(&u)])
    }
}

pub fn criminal_case() -> CaseReference {
    CaseReference::CriminalCase {
        erdr: "241500031000123".into(),
    }
}

/// A service role 3 (ОВД investigator) may request on the criminal basis, in full.
pub fn full_service_for(role: u8, basis: sio_core::Basis) -> u8 {
    let role = sio_core::RoleId::new(role).unwrap();
    sio_core::access::services_for(role, basis)
        .find(|(_, a)| *a == sio_core::Access::Full)
        .map(|(s, _)| s.number())
        .unwrap()
}

/// A raw TLS 1.3 client configuration: trusts the test CA, presents `cert` with `key` (PEM).
pub fn tls13_client_config(env: &Env, cert: &Path, key: &Path) -> rustls::ClientConfig {
    let mut roots = rustls::RootCertStore::empty();
    for c in CertificateDer::pem_file_iter(&env.pki.ca_cert).unwrap() {
        roots.add(c.unwrap()).unwrap();
    }
    let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(cert)
        .unwrap()
        .map(|c| c.unwrap())
        .collect();
    let key = PrivateKeyDer::from_pem_file(key).unwrap();
    rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_protocol_versions(&[&rustls::version::TLS13])
        .unwrap()
        .with_root_certificates(roots)
        .with_client_auth_cert(chain, key)
        .unwrap()
}

/// DER: (header length, value length) of the element at the start of `b`.
pub fn der_head(b: &[u8]) -> (usize, usize) {
    if b[1] < 0x80 {
        return (2, b[1] as usize);
    }
    let n = (b[1] & 0x7f) as usize;
    let len = b[2..2 + n]
        .iter()
        .fold(0usize, |a, x| (a << 8) | *x as usize);
    (2 + n, len)
}

pub fn der_children(mut b: &[u8]) -> Vec<&[u8]> {
    let mut out = Vec::new();
    while !b.is_empty() {
        let (h, l) = der_head(b);
        out.push(&b[..h + l]);
        b = &b[h + l..];
    }
    out
}

pub fn der(tag: u8, value: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    let n = value.len();
    if n < 0x80 {
        out.push(n as u8);
    } else {
        let bytes: Vec<u8> = n
            .to_be_bytes()
            .into_iter()
            .skip_while(|b| *b == 0)
            .collect();
        out.push(0x80 | bytes.len() as u8);
        out.extend(bytes);
    }
    out.extend_from_slice(value);
    out
}

pub fn value_of(b: &[u8]) -> &[u8] {
    let (h, l) = der_head(b);
    &b[h..h + l]
}

/// The same CMS with its (valid) SignerInfo repeated `n` times: each copy verifies, so without a
/// count limit every copy costs a public-key operation.
pub fn with_signer_infos(cms: &[u8], n: usize) -> Vec<u8> {
    let ci = der_children(value_of(cms));
    let sd = value_of(value_of(ci[1]));
    let mut parts: Vec<Vec<u8>> = der_children(sd).into_iter().map(<[u8]>::to_vec).collect();
    let infos = parts.pop().unwrap();
    let one = der_children(value_of(&infos))[0].to_vec();
    parts.push(der(0x31, &one.repeat(n)));
    let sd = der(0x30, &parts.concat());
    der(0x30, &[ci[0], &der(0xa0, &sd)[..]].concat())
}

/// The investigator Иванов's transfer within the police, under the names given, with Серікова
/// as the head.
#[allow(dead_code)] // not every test file files applications
pub fn ivanov_transfer(name: &str, head_name: &str) -> ApplicationDocument {
    ApplicationDocument {
        doc: ApplicationDocType::V1,
        application_id: uuid::Uuid::new_v4(),
        action: ApplicationAction::Transfer,
        applicant: Applicant {
            full_name: name.into(),
            iin: "850415300121".into(),
        },
        workplace: Workplace {
            organisation_name: "ДЕПАРТАМЕНТ ПОЛИЦИИ ГОРОДА АСТАНЫ (TEST)".into(),
            organisation_code: "040340001233".into(),
            unit: "Криминальная полиция".into(),
            position: "оперуполномоченный".into(),
        },
        contacts: Contacts {
            work_phone: "+77172000001".into(),
            mobile_phone: "+77010000011".into(),
            email: "ivanov@example.invalid".into(),
            work_address: "г. Астана".into(),
        },
        role: Some(18),
        blocking_reason: None,
        blocking_reason_text: None,
        order_signed_at: Some(astana_now() - chrono::Duration::hours(2)),
        confirmations: Confirmations {
            consent: true,
            holds_nca_signature: true,
            personal_data: true,
        },
        head: Head {
            position: "начальник".into(),
            full_name: head_name.into(),
            iin: "901120400238".into(),
        },
        signed_at: astana_now(),
    }
}
