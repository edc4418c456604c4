//! The protected-channel items against the reference gateway over real TLS on 127.0.0.1 (the
//! gateway and its test PKI are started by the test; nothing else is needed).
#![allow(clippy::unwrap_used)]

use sio_gateway::{Gateway, GatewayConfig as GwConfig, TlsFiles};
use sio_pki::PkiSpec;
use sio_workstation::channel;
use sio_workstation::{GatewayConfig, Item, Policy, Requirements, Status};

fn by<'a>(items: &'a [Item], code: &str) -> &'a Item {
    items.iter().find(|i| i.code == code).unwrap()
}

#[tokio::test]
async fn handshake_latency_and_clock_against_the_reference_gateway() {
    let dir = tempfile::tempdir().unwrap();
    let pki_dir = dir.path().join("pki");
    let pki = sio_pki::generate(&pki_dir, &PkiSpec::demo()).unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir_all(&data).unwrap();
    let gw = Gateway::start(GwConfig::new(
        "127.0.0.1:0".parse().unwrap(),
        data,
        TlsFiles::from_pki_dir(&pki_dir),
    ))
    .await
    .unwrap();
    let req = Requirements::default();
    let auth = &pki.users[0].auth;
    let gateway = GatewayConfig {
        address: gw.local_addr().to_string(),
        server_name: "127.0.0.1".into(),
        ca_file: pki.ca_cert.clone(),
        timeout_ms: 3000,
        client_cert: Some(auth.cert_path.clone()),
        client_key: auth.key_path.clone(),
    };

    // Pinned CA and a client certificate of the gateway's PKI: handshake, latency, clock.
    let policy = Policy {
        gateway: Some(gateway.clone()),
        ..Policy::default()
    };
    let items = channel::check(&req, &policy).await;
    let tls = by(&items, "WS_CHANNEL_TLS");
    assert_eq!(tls.status, Status::Pass, "{tls:?}");
    assert!(
        tls.measured.contains("handshake") && tls.measured.contains("ms"),
        "{tls:?}"
    );
    // The client's own configuration (sio_client::tls_config): TLS 1.3 only.
    assert!(tls.measured.contains("TLSv1_3"), "{tls:?}");
    let clock = by(&items, "WS_CLOCK_SKEW");
    assert_eq!(clock.status, Status::Pass, "{clock:?}");

    // Without a client certificate the gateway's identity is still proven; the clock is not
    // (mutual TLS): never a failure of the channel.
    let anonymous = Policy {
        gateway: Some(GatewayConfig {
            client_cert: None,
            client_key: None,
            ..gateway.clone()
        }),
        ..Policy::default()
    };
    let items = channel::check(&req, &anonymous).await;
    assert_eq!(by(&items, "WS_CHANNEL_TLS").status, Status::Pass);
    assert_ne!(by(&items, "WS_CLOCK_SKEW").status, Status::Fail);

    // A CA that is not the gateway's: the handshake fails.
    let other_dir = tempfile::tempdir().unwrap();
    let other = sio_pki::generate(other_dir.path(), &PkiSpec::empty()).unwrap();
    let wrong_ca = Policy {
        gateway: Some(GatewayConfig {
            ca_file: other.ca_cert.clone(),
            ..gateway.clone()
        }),
        ..Policy::default()
    };
    let items = channel::check(&req, &wrong_ca).await;
    let tls = by(&items, "WS_CHANNEL_TLS");
    assert_eq!(tls.status, Status::Fail, "{tls:?}");
    assert!(tls.measured.contains("handshake"), "{tls:?}");
    assert_eq!(by(&items, "WS_CLOCK_SKEW").status, Status::Skipped);

    // Nothing listening: no connection.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let closed_addr = closed.local_addr().unwrap().to_string();
    drop(closed);
    let down = Policy {
        gateway: Some(GatewayConfig {
            address: closed_addr,
            ..gateway.clone()
        }),
        ..Policy::default()
    };
    let items = channel::check(&req, &down).await;
    let tls = by(&items, "WS_CHANNEL_TLS");
    assert_eq!(tls.status, Status::Fail);
    assert!(tls.measured.contains("no connection"), "{tls:?}");

    // No gateway configured: skipped.
    let items = channel::check(&req, &Policy::default()).await;
    assert!(items.iter().all(|i| i.status == Status::Skipped));
}
