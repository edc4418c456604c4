//! GOST R 34.10-2012 (512-bit) end to end against the reference gateway: the demo investigator's
//! AUTH and SIGN certificates carry GOST keys (issued by the test CA with `sio_pki`), the TLS leg
//! runs on a workstation certificate (ECDSA P-256, no ИИН), and the login, consent and request
//! documents are CMS signed with GOST through the client library. No card: the whole flow runs
//! without the card lock.
//!
//! Carrier: the login document declares the key carrier and the gateway refuses a software one
//! (`GW_SOFTWARE_CARRIER`), which is checked here first with the plain software signer. The rest
//! of the flow uses [`TokenStandIn`], which reports a hardware carrier the way a PKCS#11 token
//! would, the same way the gateway's own tests (`crates/sio-gateway/tests`) sign with test keys
//! and declare a hardware carrier. No gateway setting is relaxed.
#![allow(clippy::unwrap_used)] // test helpers outside #[test] fns

mod support;

use std::path::{Path, PathBuf};
use std::time::Duration;

use sio_client::requests;
use sio_client::session::{self, Session};
use sio_client::{Channel, ChannelConfig, ClientIdentity};
use sio_core::RequestSpec;
use sio_gateway::admin::Admin;
use sio_gateway::{BackgroundGateway, GatewayConfig, TlsFiles};
use sio_protocol::{RequestState, Secret, SessionStage};
use sio_sign::soft::GostSoftwareSigner;
use sio_sign::{Carrier, SignatureAlgorithm, Signer, SignerError};
use support::{IIN, sms_code_in};

/// The GOST software key standing in for a token (a test double: it reports a hardware carrier).
struct TokenStandIn(GostSoftwareSigner);

impl Signer for TokenStandIn {
    fn certificate_der(&self) -> &[u8] {
        self.0.certificate_der()
    }
    fn algorithm(&self) -> SignatureAlgorithm {
        self.0.algorithm()
    }
    fn carrier(&self) -> Carrier {
        Carrier::Hardware
    }
    fn sign(&mut self, message: &[u8]) -> Result<Vec<u8>, SignerError> {
        self.0.sign(message)
    }
}

struct GostWorld {
    _dir: tempfile::TempDir,
    pki: PathBuf,
    data: PathBuf,
    url: String,
    _gateway: BackgroundGateway,
}

impl GostWorld {
    fn up() -> GostWorld {
        let dir = tempfile::tempdir().unwrap();
        let pki = dir.path().join("pki");
        let mut spec = sio_pki::PkiSpec::demo();
        spec.users.retain(|u| u.iin == IIN);
        spec.users[0].key = sio_pki::KeyKind::Gost2012_512;
        sio_pki::generate(&pki, &spec).unwrap();
        sio_pki::issue_workstation(&pki, "arm-gost").unwrap();
        let data = dir.path().join("data");
        std::fs::create_dir_all(&data).unwrap();
        Admin::open(&data).unwrap().seed_demo().unwrap();
        let mut config = GatewayConfig::new(
            "127.0.0.1:0".parse().unwrap(),
            data.clone(),
            TlsFiles::from_pki_dir(&pki),
        );
        config.result_delay = Duration::from_millis(200);
        // TEST-ONLY relaxation: the GOST keys are software keys (no GOST token here), their
        // certificates carry the test PKI's software policy.
        config
            .hardware_carrier_policies
            .push(sio_pki::SOFTWARE_CARRIER_POLICY.into());
        let gateway = BackgroundGateway::start(config).unwrap();
        let addr = gateway.local_addr();
        GostWorld {
            _dir: dir,
            pki,
            data,
            url: format!("https://{addr}"),
            _gateway: gateway,
        }
    }

    /// Mutual TLS with the workstation certificate.
    fn channel(&self) -> Channel {
        let ws = self.pki.join(sio_pki::paths::WORKSTATIONS);
        let identity = ClientIdentity::from_pem(
            &std::fs::read(ws.join("arm-gost.cert.pem")).unwrap(),
            &std::fs::read(ws.join("arm-gost.key.pem")).unwrap(),
        )
        .unwrap();
        let config = ChannelConfig {
            base_url: self.url.clone(),
            ca_pem: std::fs::read(self.pki.join(sio_pki::paths::CA_CERT)).unwrap(),
            timeout: Duration::from_secs(30),
        };
        Channel::new(&config, &identity).unwrap()
    }

    /// The software GOST signer of the investigator's `auth` or `sign` certificate.
    fn signer(&self, usage: &str) -> GostSoftwareSigner {
        let users = self.pki.join(sio_pki::paths::USERS);
        let cert = std::fs::read(users.join(format!("investigator.{usage}.cert.pem"))).unwrap();
        let key =
            std::fs::read_to_string(users.join(format!("investigator.{usage}.key.pem"))).unwrap();
        let der = sio_sign::pem_or_der_blocks(&cert, "CERTIFICATE").remove(0);
        GostSoftwareSigner::from_pem(&key, &der).unwrap()
    }
}

async fn login(world: &GostWorld, ch: &Channel) -> Session {
    let mut auth = TokenStandIn(world.signer("auth"));
    assert_eq!(auth.algorithm(), SignatureAlgorithm::Gost2012_512);
    let c = session::challenge(ch).await.unwrap();
    let mut s = session::submit_login(ch, &session::sign_login(&c, &mut auth).unwrap())
        .await
        .unwrap();
    assert_eq!(s.stage(), SessionStage::SecondFactor);
    let previous = Admin::open(&world.data)
        .unwrap()
        .latest_sms_code(IIN)
        .unwrap();
    s.request_sms(ch).await.unwrap();
    let code = sms_code_in(&world.data, IIN, previous.as_deref());
    s.verify_sms(ch, Secret::new(code)).await.unwrap();
    if s.stage() == SessionStage::Consent {
        let text = s.consent_text(ch).await.unwrap();
        let mut sign = TokenStandIn(world.signer("sign"));
        let signed = session::sign_consent(&text, IIN, &mut sign).unwrap();
        s.submit_consent(ch, &signed).await.unwrap();
    }
    assert_eq!(s.stage(), SessionStage::Active);
    s
}

fn ca(world: &GostWorld) -> PathBuf {
    world.pki.join(sio_pki::paths::CA_CERT)
}

fn parse_with_token_crate(path: &Path) {
    let pem = std::fs::read(path).unwrap();
    let der = sio_sign::pem_or_der_blocks(&pem, "CERTIFICATE").remove(0);
    let info = sio_token::CertificateInfo::from_der(&der).unwrap();
    assert_eq!(info.iin.map(|i| i.to_string()).as_deref(), Some(IIN));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gost512_login_and_request_end_to_end() {
    let world = GostWorld::up();
    assert!(ca(&world).exists());
    let users = world.pki.join(sio_pki::paths::USERS);
    parse_with_token_crate(&users.join("investigator.auth.cert.pem"));
    parse_with_token_crate(&users.join("investigator.sign.cert.pem"));
    let ch = world.channel();

    // The software signer says what it is, and the gateway refuses it for login.
    let c = session::challenge(&ch).await.unwrap();
    let mut soft = world.signer("auth");
    let e = session::submit_login(&ch, &session::sign_login(&c, &mut soft).unwrap())
        .await
        .unwrap_err();
    assert_eq!(e.code(), "GW_SOFTWARE_CARRIER", "{e}");

    // Login (GOST-512 CMS, SMS, consent signed with the GOST SIGN key).
    let s = login(&world, &ch).await;

    // A request signed with the GOST SIGN key: accepted, result ready.
    let spec: RequestSpec = serde_json::from_str(
        r#"{"role":3,"basis":"criminal","case":{"kind":"criminal_case","erdr":"241500031000123"},
            "subject":{"kind":"individual","id":"900101300106"},"service":1}"#,
    )
    .unwrap();
    let doc = requests::compose(&spec, IIN).unwrap();
    let id = doc.request_id;
    let mut sign = TokenStandIn(world.signer("sign"));
    let signed = requests::sign(doc, &mut sign).unwrap();
    let st = requests::submit(&ch, &s, &signed).await.unwrap();
    assert_eq!(st.request_id, id);
    assert!(!st.duplicate);
    let mut seen = Vec::new();
    let delivery = requests::wait_for_result(&ch, &s, id, Duration::from_secs(20), |st, _| {
        seen.push(st.state)
    })
    .await
    .unwrap();
    assert_eq!(delivery.request_id, id);
    assert_eq!(seen.last(), Some(&RequestState::Ready));

    // The AUTH key may not sign a request (purpose check on a GOST certificate).
    let doc = requests::compose(&spec, IIN).unwrap();
    let mut auth = TokenStandIn(world.signer("auth"));
    let signed = requests::sign(doc, &mut auth).unwrap();
    assert!(requests::submit(&ch, &s, &signed).await.is_err());
}

#[test]
fn sio_pki_init_alg_gost512_issues_gost_user_certificates() {
    let dir = tempfile::tempdir().unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_sio"))
        .args(["pki", "init"])
        .arg(dir.path())
        .args(["--alg", "gost512"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // id-tc26-gost3410-12-512 1.2.643.7.1.1.1.2
    let oid = [0x06, 0x08, 0x2a, 0x85, 0x03, 0x07, 0x01, 0x01, 0x01, 0x02];
    for id in ["investigator", "head", "prosecutor"] {
        for usage in ["auth", "sign"] {
            let pem =
                std::fs::read(dir.path().join(format!("users/{id}.{usage}.cert.pem"))).unwrap();
            let der = sio_sign::pem_or_der_blocks(&pem, "CERTIFICATE").remove(0);
            assert!(der.windows(oid.len()).any(|w| w == oid), "{id}.{usage}");
            sio_token::CertificateInfo::from_der(&der).unwrap();
        }
    }
}
