//! The protected channel against the reference gateway over real TLS on 127.0.0.1.
#![allow(clippy::unwrap_used)] // test helpers outside #[test] fns

use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;

use sio_client::{Channel, ChannelConfig, ClientIdentity};
use sio_gateway::{Gateway, GatewayConfig, GatewayHandle, TlsFiles};
use sio_pki::PkiSpec;

struct Setup {
    _dir: tempfile::TempDir,
    pki: sio_pki::GeneratedPki,
    gateway: GatewayHandle,
}

async fn setup() -> Setup {
    let dir = tempfile::tempdir().unwrap();
    let pki_dir = dir.path().join("pki");
    let pki = sio_pki::generate(&pki_dir, &PkiSpec::demo()).unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir_all(&data).unwrap();
    let config = GatewayConfig::new(
        "127.0.0.1:0".parse().unwrap(),
        data,
        TlsFiles::from_pki_dir(&pki_dir),
    );
    let gateway = Gateway::start(config).await.unwrap();
    Setup {
        _dir: dir,
        pki,
        gateway,
    }
}

fn config(addr: SocketAddr, ca: &Path) -> ChannelConfig {
    ChannelConfig {
        base_url: format!("https://{addr}"),
        ca_pem: std::fs::read(ca).unwrap(),
        timeout: Duration::from_secs(5),
    }
}

fn user_identity(pki: &sio_pki::GeneratedPki) -> ClientIdentity {
    let auth = &pki.users[0].auth;
    ClientIdentity::from_pem(
        &std::fs::read(&auth.cert_path).unwrap(),
        &std::fs::read(auth.key_path.as_ref().unwrap()).unwrap(),
    )
    .unwrap()
}

#[tokio::test]
async fn health_over_mutual_tls_with_the_pinned_ca() {
    let s = setup().await;
    let ch = Channel::new(
        &config(s.gateway.local_addr(), &s.pki.ca_cert),
        &user_identity(&s.pki),
    )
    .unwrap();
    let health: serde_json::Value = ch.get(sio_protocol::paths::HEALTH, None).await.unwrap();
    assert!(health.is_object(), "{health}");
}

#[tokio::test]
async fn a_gateway_from_another_ca_is_refused() {
    let s = setup().await;
    let other = tempfile::tempdir().unwrap();
    let other_pki = sio_pki::generate(other.path(), &PkiSpec::empty()).unwrap();
    let ch = Channel::new(
        &config(s.gateway.local_addr(), &other_pki.ca_cert),
        &user_identity(&s.pki),
    )
    .unwrap();
    let e = ch
        .get::<serde_json::Value>(sio_protocol::paths::HEALTH, None)
        .await
        .unwrap_err();
    assert_eq!(e.code(), "CLIENT_TLS", "{e}");
}

#[tokio::test]
async fn a_client_certificate_from_another_ca_is_refused_by_the_gateway() {
    let s = setup().await;
    let other = tempfile::tempdir().unwrap();
    let other_pki = sio_pki::generate(other.path(), &PkiSpec::demo()).unwrap();
    let ch = Channel::new(
        &config(s.gateway.local_addr(), &s.pki.ca_cert),
        &user_identity(&other_pki),
    )
    .unwrap();
    let e = ch
        .get::<serde_json::Value>(sio_protocol::paths::HEALTH, None)
        .await
        .unwrap_err();
    assert_eq!(e.code(), "CLIENT_TLS", "{e}");
}

#[tokio::test]
async fn nothing_listening_is_unreachable_after_bounded_retries() {
    let s = setup().await;
    // A port that was free a moment ago.
    let free = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let ch = Channel::new(&config(free, &s.pki.ca_cert), &user_identity(&s.pki)).unwrap();
    let started = std::time::Instant::now();
    let e = ch
        .get::<serde_json::Value>(sio_protocol::paths::HEALTH, None)
        .await
        .unwrap_err();
    assert_eq!(e.code(), "CLIENT_UNREACHABLE", "{e}");
    // Three attempts with 200 ms + 400 ms of backoff, not more.
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[tokio::test]
async fn plain_http_and_bad_ca_files_are_refused_before_any_traffic() {
    let s = setup().await;
    let mut c = config(s.gateway.local_addr(), &s.pki.ca_cert);
    c.base_url = c.base_url.replace("https://", "http://");
    assert_eq!(
        Channel::new(&c, &user_identity(&s.pki)).unwrap_err().code(),
        "POLICY_INVALID"
    );
    let mut c = config(s.gateway.local_addr(), &s.pki.ca_cert);
    c.ca_pem = b"not a certificate".to_vec();
    assert_eq!(
        Channel::new(&c, &user_identity(&s.pki)).unwrap_err().code(),
        "CLIENT_CA_INVALID"
    );
    assert_eq!(
        ClientIdentity::from_pem(b"", b"").unwrap_err().code(),
        "CLIENT_IDENTITY_INVALID"
    );
}
