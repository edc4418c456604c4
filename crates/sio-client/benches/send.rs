//! Compose → sign → send: the client's own cost per request, the key operation excluded, against
//! the reference gateway over mutual TLS on 127.0.0.1. Prints figures; run with
//! `cargo bench -p sio-client --bench send`.
//!
//! The key here is a software key standing in for the card (the gateway cannot tell): a timing
//! proxy takes the time inside its `sign` out, so what is printed is composing (the rules), the
//! canonical form, CMS building, TLS and the gateway's answer. The card's own signing time is
//! printed by `cargo bench -p sio-token --bench overhead`.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::time::{Duration, Instant};

use sio_client::session;
use sio_client::{Channel, ChannelConfig, ClientIdentity, requests};
use sio_gateway::admin::Admin;
use sio_gateway::{Gateway, GatewayConfig, TlsFiles};
use sio_protocol::Secret;
use sio_sign::soft::SoftwareSigner;
use sio_sign::{Carrier, SignatureAlgorithm, Signer, SignerError};

const ROUNDS: usize = 200;

/// The software key, declared as a hardware carrier the way a card is, with the time inside
/// `sign` measured.
struct Proxy {
    inner: SoftwareSigner,
    spent: Duration,
}

impl Signer for Proxy {
    fn certificate_der(&self) -> &[u8] {
        self.inner.certificate_der()
    }
    fn algorithm(&self) -> SignatureAlgorithm {
        self.inner.algorithm()
    }
    fn carrier(&self) -> Carrier {
        Carrier::Hardware
    }
    fn sign(&mut self, message: &[u8]) -> Result<Vec<u8>, SignerError> {
        let t = Instant::now();
        let r = self.inner.sign(message);
        self.spent += t.elapsed();
        r
    }
}

fn signer(user: &sio_pki::IssuedCert) -> Proxy {
    let key = std::fs::read_to_string(user.key_path.as_ref().unwrap()).unwrap();
    Proxy {
        inner: SoftwareSigner::from_pem(&key, &user.cert_der).unwrap(),
        spent: Duration::ZERO,
    }
}

fn pct(v: &mut [Duration], p: f64) -> Duration {
    v.sort();
    v[((v.len() as f64 - 1.0) * p).round() as usize]
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let dir = tempfile::tempdir().unwrap();
    let pki_dir = dir.path().join("pki");
    let pki = sio_pki::generate(&pki_dir, &sio_pki::PkiSpec::demo()).unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir_all(&data).unwrap();
    Admin::open(&data).unwrap().seed_demo().unwrap();
    let mut config = GatewayConfig::new(
        "127.0.0.1:0".parse().unwrap(),
        data.clone(),
        TlsFiles::from_pki_dir(&pki_dir),
    );
    // TEST-ONLY relaxation: the demo users' keys are PEM files (the test PKI's software policy).
    config
        .hardware_carrier_policies
        .push(sio_pki::SOFTWARE_CARRIER_POLICY.into());
    let gw = Gateway::start(config).await.unwrap();

    let inv = &pki.users[0];
    let identity = ClientIdentity::from_pem(
        &std::fs::read(&inv.auth.cert_path).unwrap(),
        &std::fs::read(inv.auth.key_path.as_ref().unwrap()).unwrap(),
    )
    .unwrap();
    let config = ChannelConfig {
        base_url: format!("https://{}", gw.local_addr()),
        ca_pem: std::fs::read(&pki.ca_cert).unwrap(),
        timeout: Duration::from_secs(30),
    };
    let ch = Channel::new(&config, &identity).unwrap();
    let c = session::challenge(&ch).await.unwrap();
    let mut s = session::submit_login(
        &ch,
        &session::sign_login(&c, &mut signer(&inv.auth)).unwrap(),
    )
    .await
    .unwrap();
    s.request_sms(&ch).await.unwrap();
    let code = Admin::open(&data)
        .unwrap()
        .latest_sms_code("850415300121")
        .unwrap()
        .unwrap();
    s.verify_sms(&ch, Secret::new(code)).await.unwrap();
    let text = s.consent_text(&ch).await.unwrap();
    s.submit_consent(
        &ch,
        &session::sign_consent(&text, "850415300121", &mut signer(&inv.sign)).unwrap(),
    )
    .await
    .unwrap();

    let spec: sio_core::RequestSpec = serde_json::from_str(
        r#"{"role":3,"basis":"criminal","case":{"kind":"criminal_case","erdr":"241500031000123"},
            "subject":{"kind":"individual","id":"900101300106"},"service":1}"#,
    )
    .unwrap();
    let mut sign_key = signer(&inv.sign);
    let mut ours = Vec::with_capacity(ROUNDS);
    let mut key_time = Vec::with_capacity(ROUNDS);
    for _ in 0..ROUNDS {
        sign_key.spent = Duration::ZERO;
        let t = Instant::now();
        let doc = requests::compose(&spec, "850415300121").unwrap();
        let _shown = requests::preview(&doc).unwrap();
        let signed = requests::sign(doc, &mut sign_key).unwrap();
        requests::submit(&ch, &s, &signed).await.unwrap();
        let total = t.elapsed();
        ours.push(total.saturating_sub(sign_key.spent));
        key_time.push(sign_key.spent);
    }
    let (o50, o95) = (pct(&mut ours, 0.5), pct(&mut ours, 0.95));
    let k50 = pct(&mut key_time, 0.5);
    println!(
        "compose → sign → send, {ROUNDS} requests (RSA-2048 key, mutual TLS on 127.0.0.1, gateway in process)"
    );
    println!(
        "  ours (rules, canonical form, CMS, TLS, gateway answer): p50 {:.2} ms  p95 {:.2} ms   target p95 < 20 ms: {}",
        o50.as_secs_f64() * 1e3,
        o95.as_secs_f64() * 1e3,
        if o95 < Duration::from_millis(20) {
            "met"
        } else {
            "MISSED"
        }
    );
    println!(
        "  the key operation (excluded above): p50 {:.2} ms",
        k50.as_secs_f64() * 1e3
    );
    gw.shutdown().await;
}
