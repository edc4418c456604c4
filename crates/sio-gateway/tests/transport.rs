//! Transport: TLS 1.3 only, client certificates required, limits and timeouts, bad input, and
//! interop with `openssl s_client` and `curl` (Debian packages openssl, curl).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::*;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName};
use sio_protocol::*;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

fn port(env: &Env) -> u16 {
    env.gw.as_ref().unwrap().local_addr().port()
}

async fn raw_tls(env: &Env, user: usize) -> tokio_rustls::client::TlsStream<tokio::net::TcpStream> {
    let u = env.user(user);
    let mut roots = rustls::RootCertStore::empty();
    for c in CertificateDer::pem_file_iter(&env.pki.ca_cert).unwrap() {
        roots.add(c.unwrap()).unwrap();
    }
    let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(&u.auth.cert_path)
        .unwrap()
        .map(|c| c.unwrap())
        .collect();
    let key = PrivateKeyDer::from_pem_file(u.auth.key_path.as_ref().unwrap()).unwrap();
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_protocol_versions(&[&rustls::version::TLS13])
    .unwrap()
    .with_root_certificates(roots)
    .with_client_auth_cert(chain, key)
    .unwrap();
    let tcp = tokio::net::TcpStream::connect(("127.0.0.1", port(env)))
        .await
        .unwrap();
    tokio_rustls::TlsConnector::from(Arc::new(config))
        .connect(ServerName::try_from("localhost").unwrap(), tcp)
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_gets_codes_not_panics() {
    let env = Env::start().await;
    let c = env.client(INVESTIGATOR);
    let e = c.get::<Health>("/v1/nothing").await.unwrap_err();
    assert_eq!(
        (e.status.as_u16(), e.body.code.as_str()),
        (404, "GW_NOT_FOUND")
    );
    let e = c.get::<Health>(paths::LOGIN).await.unwrap_err();
    assert_eq!(e.body.code, "GW_NOT_FOUND");
    let e = c.get::<RequestList>(paths::REQUESTS).await.unwrap_err();
    assert_eq!(
        (e.status.as_u16(), e.body.code.as_str()),
        (401, "GW_NO_SESSION")
    );
    let mut bogus = env.client(INVESTIGATOR);
    bogus.token = Some("not-a-token".into());
    let e = bogus.get::<RequestList>(paths::REQUESTS).await.unwrap_err();
    assert_eq!(e.body.code, "GW_NO_SESSION");
    // Oversize body.
    let big = vec![b' '; MAX_BODY_BYTES + 1];
    let e = c
        .post_raw::<SessionInfo>(paths::LOGIN, big)
        .await
        .unwrap_err();
    assert_eq!(
        (e.status.as_u16(), e.body.code.as_str()),
        (413, "GW_BODY_TOO_LARGE")
    );
    // Garbage of every kind.
    for body in [
        &b""[..],
        b"null",
        b"[]",
        b"{\"document\":1,\"cms\":\"\"}",
        b"\xff\xfe",
        b"{\"document\":{},\"cms\":\"AAAA\",\"x\":1}",
    ] {
        let e = c
            .post_raw::<SessionInfo>(paths::LOGIN, body.to_vec())
            .await
            .unwrap_err();
        assert!(
            e.body.code.starts_with("PROTO_") || e.body.code.starts_with("SIGN_"),
            "{:?}",
            e.body
        );
    }
    // A session used over another client certificate.
    let mut me = env.client(INVESTIGATOR);
    me.login(KeyCarrier::Hardware).await.unwrap();
    let mut thief = env.client(PROSECUTOR);
    thief.token = me.token.clone();
    let e = thief.get::<SessionInfo>(paths::SESSION).await.unwrap_err();
    assert_eq!(e.body.code, "GW_SESSION_CERT_MISMATCH");
    // The gateway still serves.
    let h: Health = c.get(paths::HEALTH).await.unwrap();
    assert_eq!(h.status, "ok");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_certificate_required() {
    let env = Env::start().await;
    let ca = reqwest::Certificate::from_pem(&std::fs::read(&env.pki.ca_cert).unwrap()).unwrap();
    let anonymous = reqwest::Client::builder()
        .tls_certs_only([ca])
        .no_proxy()
        .build()
        .unwrap();
    let r = anonymous
        .get(format!("{}{}", env.base, paths::HEALTH))
        .send()
        .await;
    assert!(r.is_err(), "no client certificate, no connection");
    // A certificate from another CA.
    let other = tempfile::tempdir().unwrap();
    let foreign = sio_pki::generate(other.path(), &sio_pki::PkiSpec::demo()).unwrap();
    let u = &foreign.users[0];
    let mut pem = std::fs::read(&u.auth.cert_path).unwrap();
    pem.extend(std::fs::read(u.auth.key_path.as_ref().unwrap()).unwrap());
    let ca = reqwest::Certificate::from_pem(&std::fs::read(&env.pki.ca_cert).unwrap()).unwrap();
    let stranger = reqwest::Client::builder()
        .tls_certs_only([ca])
        .identity(reqwest::Identity::from_pem(&pem).unwrap())
        .no_proxy()
        .build()
        .unwrap();
    assert!(
        stranger
            .get(format!("{}{}", env.base, paths::HEALTH))
            .send()
            .await
            .is_err()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_headers_and_slow_body_are_cut_off() {
    let env = Env::start().await; // header and body timeouts: 2 s
    // Slowloris: a request line, then silence.
    let mut s = raw_tls(&env, INVESTIGATOR).await;
    s.write_all(b"GET /v1/health HTTP/1.1\r\nHost: localhost\r\n")
        .await
        .unwrap();
    let t = Instant::now();
    let mut buf = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(10), s.read_to_end(&mut buf))
        .await
        .unwrap();
    assert!(
        t.elapsed() < Duration::from_secs(6),
        "closed after the header timeout"
    );
    // A body that never completes.
    let mut s = raw_tls(&env, INVESTIGATOR).await;
    s.write_all(b"POST /v1/login HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"doc")
        .await
        .unwrap();
    let mut buf = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(10), s.read_to_end(&mut buf))
        .await
        .unwrap();
    let text = String::from_utf8_lossy(&buf);
    assert!(text.starts_with("HTTP/1.1 408"), "{text}");
    assert!(text.contains("GW_BODY_TIMEOUT"));
    // Many clients at once are served.
    let c = Arc::new(env.client(PROSECUTOR));
    let mut tasks = Vec::new();
    for _ in 0..50 {
        let c = c.clone();
        tasks.push(tokio::spawn(async move {
            c.get::<Health>(paths::HEALTH).await.is_ok()
        }));
    }
    for t in tasks {
        assert!(t.await.unwrap());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn silent_connection_is_dropped_after_the_handshake_timeout() {
    let env = Env::start_with(|c| c.handshake_timeout = Duration::from_secs(1)).await;
    let mut tcp = tokio::net::TcpStream::connect(("127.0.0.1", port(&env)))
        .await
        .unwrap();
    let t = Instant::now();
    let mut buf = [0u8; 16];
    let n = tokio::time::timeout(Duration::from_secs(10), tcp.read(&mut buf))
        .await
        .unwrap();
    assert!(matches!(n, Ok(0) | Err(_)));
    assert!(t.elapsed() < Duration::from_secs(5));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connection_limit_closes_extra_connections() {
    let env = Env::start_with(|c| c.max_connections = 2).await;
    let _a = raw_tls(&env, INVESTIGATOR).await;
    let _b = raw_tls(&env, INVESTIGATOR).await;
    let tcp = tokio::net::TcpStream::connect(("127.0.0.1", port(&env)))
        .await
        .unwrap();
    let mut tcp = tcp;
    let mut buf = [0u8; 1];
    // The third connection is closed without a handshake.
    let n = tokio::time::timeout(Duration::from_secs(5), tcp.read(&mut buf))
        .await
        .unwrap();
    assert!(matches!(n, Ok(0) | Err(_)));
}

fn have(tool: &str) -> bool {
    Command::new(tool).arg("--version").output().is_ok()
        || Command::new(tool).arg("version").output().is_ok()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn openssl_s_client_interop() {
    assert!(
        have("openssl"),
        "install openssl (scripts/apt-packages.txt)"
    );
    let env = Env::start().await;
    let u = env.user(INVESTIGATOR).clone();
    let connect = format!("127.0.0.1:{}", port(&env));
    let run = |extra: &[&str], with_cert: bool| {
        let mut cmd = Command::new("openssl");
        cmd.args([
            "s_client",
            "-connect",
            &connect,
            "-servername",
            "localhost",
            "-quiet",
            "-verify_return_error",
        ])
        .arg("-CAfile")
        .arg(&env.pki.ca_cert)
        .args(extra);
        if with_cert {
            cmd.arg("-cert")
                .arg(&u.auth.cert_path)
                .arg("-key")
                .arg(u.auth.key_path.as_ref().unwrap());
        }
        let mut child = cmd
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        use std::io::Write as _;
        child
            .stdin
            .take()
            .unwrap()
            .write_all(b"GET /v1/health HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
            .unwrap();
        child.wait_with_output().unwrap()
    };
    let env_ref = &env;
    let out = tokio::task::block_in_place(|| run(&["-tls1_3"], true));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("HTTP/1.1 200"),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("\"status\":\"ok\""));
    // TLS 1.2 is refused.
    let out = tokio::task::block_in_place(|| run(&["-tls1_2"], true));
    assert!(!String::from_utf8_lossy(&out.stdout).contains("HTTP/1.1 200"));
    // No client certificate: no answer.
    let out = tokio::task::block_in_place(|| run(&["-tls1_3"], false));
    assert!(!String::from_utf8_lossy(&out.stdout).contains("HTTP/1.1 200"));
    let _ = env_ref;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn curl_interop() {
    assert!(have("curl"), "install curl (scripts/apt-packages.txt)");
    let env = Env::start().await;
    let u = env.user(PROSECUTOR).clone();
    let url = format!("https://localhost:{}{}", port(&env), paths::LOGIN_CHALLENGE);
    let resolve = format!("localhost:{}:127.0.0.1", port(&env));
    let out = tokio::task::block_in_place(|| {
        Command::new("curl")
            .args([
                "-sS",
                "--noproxy",
                "*",
                "--tlsv1.3",
                "-X",
                "POST",
                "--resolve",
                &resolve,
            ])
            .arg("--cacert")
            .arg(&env.pki.ca_cert)
            .arg("--cert")
            .arg(&u.auth.cert_path)
            .arg("--key")
            .arg(u.auth.key_path.as_ref().unwrap())
            .arg(&url)
            .output()
            .unwrap()
    });
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let ch: LoginChallenge = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(ch.clock_window_seconds, CLOCK_WINDOW_SECONDS);
    let out = tokio::task::block_in_place(|| {
        Command::new("curl")
            .args(["-sS", "--noproxy", "*", "-X", "POST", "--resolve", &resolve])
            .arg("--cacert")
            .arg(&env.pki.ca_cert)
            .arg(&url)
            .output()
            .unwrap()
    });
    assert!(
        !out.status.success(),
        "without a client certificate curl must fail"
    );
}
