//! Transport: TLS 1.3 only, client certificates required, limits and timeouts, bad input, and
//! interop with `openssl s_client` and `curl` (Debian packages openssl, curl).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::*;
use rustls::pki_types::ServerName;
use sio_protocol::*;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

fn port(env: &Env) -> u16 {
    env.gw.as_ref().unwrap().local_addr().port()
}

async fn raw_tls(env: &Env, user: usize) -> tokio_rustls::client::TlsStream<tokio::net::TcpStream> {
    let u = env.user(user);
    let config = tls13_client_config(env, &u.auth.cert_path, u.auth.key_path.as_ref().unwrap());
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
    let mut a = raw_tls(&env, INVESTIGATOR).await;
    let mut b = raw_tls(&env, INVESTIGATOR).await;
    // Established on the gateway's side once a call was answered.
    assert!(health_over(&mut a).await.starts_with("HTTP/1.1 200"));
    assert!(health_over(&mut b).await.starts_with("HTTP/1.1 200"));
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

// --- Denial of service (issue 16): limits per address and per certificate, handshakes outside
// the connection slots, bodies read before a call slot, signer count before verification. ---

/// A TCP connection from another loopback address (so that per-address limits can be told
/// apart from the normal client's on 127.0.0.1).
async fn tcp_from(env: &Env, source: [u8; 4]) -> tokio::net::TcpStream {
    let sock = tokio::net::TcpSocket::new_v4().unwrap();
    sock.bind((std::net::Ipv4Addr::from(source), 0).into())
        .unwrap();
    sock.connect(([127, 0, 0, 1], port(env)).into())
        .await
        .unwrap()
}

/// Closed by the gateway within `d` (EOF or reset), without sending anything?
async fn closed_within(tcp: &mut tokio::net::TcpStream, d: Duration) -> bool {
    let mut buf = [0u8; 16];
    matches!(
        tokio::time::timeout(d, tcp.read(&mut buf)).await,
        Ok(Ok(0)) | Ok(Err(_))
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pending_handshakes_are_limited_per_address_and_hold_no_connection_slot() {
    let env = Env::start_with(|c| {
        c.max_pending_handshakes_per_ip = 4;
        c.max_connections = 2;
        c.handshake_timeout = Duration::from_secs(5);
    })
    .await;
    // An attacker on 127.0.0.2 opens connections and never starts TLS.
    let mut silent = Vec::new();
    for _ in 0..4 {
        silent.push(tcp_from(&env, [127, 0, 0, 2]).await);
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    for s in &mut silent {
        assert!(
            !closed_within(s, Duration::from_millis(100)).await,
            "within the limit: kept until the handshake timeout"
        );
    }
    // Beyond the address's pending limit: closed at once, long before the handshake timeout.
    for _ in 0..10 {
        let mut extra = tcp_from(&env, [127, 0, 0, 2]).await;
        let t = Instant::now();
        assert!(closed_within(&mut extra, Duration::from_secs(2)).await);
        assert!(t.elapsed() < Duration::from_secs(2));
    }
    // The pending handshakes hold no connection slot: both slots serve normal clients.
    let a = env.client(INVESTIGATOR);
    let b = env.client(PROSECUTOR);
    let t = Instant::now();
    let h: Health = a.get(paths::HEALTH).await.unwrap();
    assert_eq!(h.status, "ok");
    let _: Health = b.get(paths::HEALTH).await.unwrap();
    assert!(t.elapsed() < Duration::from_secs(2), "{:?}", t.elapsed());
    // The silent ones go at the handshake timeout.
    for s in &mut silent {
        assert!(closed_within(s, Duration::from_secs(8)).await);
    }
}

async fn health_over(s: &mut tokio_rustls::client::TlsStream<tokio::net::TcpStream>) -> String {
    s.write_all(b"GET /v1/health HTTP/1.1\r\nHost: localhost\r\n\r\n")
        .await
        .unwrap();
    let mut buf = vec![0u8; 4096];
    let n = tokio::time::timeout(Duration::from_secs(5), s.read(&mut buf))
        .await
        .unwrap()
        .unwrap_or(0);
    String::from_utf8_lossy(&buf[..n]).to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_per_certificate_are_limited_with_a_code() {
    let env = Env::start_with(|c| c.max_connections_per_cert = 3).await;
    let mut held = Vec::new();
    for _ in 0..3 {
        let mut s = raw_tls(&env, INVESTIGATOR).await;
        assert!(health_over(&mut s).await.starts_with("HTTP/1.1 200"));
        held.push(s);
    }
    let mut fourth = raw_tls(&env, INVESTIGATOR).await;
    let text = health_over(&mut fourth).await;
    assert!(text.starts_with("HTTP/1.1 429"), "{text}");
    assert!(text.contains("GW_TOO_MANY_CONNECTIONS"), "{text}");
    assert!(text.contains("over this certificate"), "{text}");
    let mut rest = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(5), fourth.read_to_end(&mut rest)).await;
    // Another certificate is served; a slot given back is usable again.
    let other = env.client(PROSECUTOR);
    let _: Health = other.get(paths::HEALTH).await.unwrap();
    drop(held.pop());
    tokio::time::sleep(Duration::from_millis(200)).await;
    let mut again = raw_tls(&env, INVESTIGATOR).await;
    assert!(health_over(&mut again).await.starts_with("HTTP/1.1 200"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_bodies_hold_no_call_slot() {
    // Four call slots in all; 20 connections of one certificate each send a body slowly.
    let env = Env::start_with(|c| {
        c.max_in_flight = 4;
        c.max_in_flight_per_cert = 2;
        c.body_timeout = Duration::from_secs(3);
    })
    .await;
    let mut slow = Vec::new();
    for _ in 0..20 {
        let mut s = raw_tls(&env, INVESTIGATOR).await;
        s.write_all(b"POST /v1/requests HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"doc")
            .await
            .unwrap();
        slow.push(s);
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    let c = env.client(PROSECUTOR);
    for _ in 0..10 {
        let t = Instant::now();
        let _: Health = c.get(paths::HEALTH).await.unwrap();
        assert!(
            t.elapsed() < Duration::from_millis(500),
            "health waited {:?} behind slow bodies",
            t.elapsed()
        );
    }
    // The slow senders get their refusal at the body timeout.
    for s in &mut slow {
        let mut buf = Vec::new();
        let _ = tokio::time::timeout(Duration::from_secs(10), s.read_to_end(&mut buf)).await;
        let text = String::from_utf8_lossy(&buf);
        assert!(text.contains("GW_BODY_TIMEOUT"), "{text}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cms_with_hundreds_of_signer_infos_is_refused_before_verification() {
    use base64::Engine as _;
    // A body limit large enough for the 250 KB CMS of the attack.
    let env = Env::start_with(|c| c.max_body_bytes = 1024 * 1024).await;
    let c = env.active_client(INVESTIGATOR).await;
    let service = full_service_for(3, sio_core::Basis::Criminal);
    let doc = c.request_doc(
        &env.iin(INVESTIGATOR),
        3,
        BasisKey::Criminal,
        service,
        criminal_case(),
    );
    let mut body = c.sign_request(&doc);
    let b64 = base64::engine::general_purpose::STANDARD;
    let cms = b64.decode(body["cms"].as_str().unwrap()).unwrap();
    let big = with_signer_infos(&cms, 450);
    assert!(big.len() > 200_000, "{}", big.len());
    // The copies are well formed: the count is what is refused.
    assert_eq!(sio_sign::signers_of(&big).unwrap().len(), 1);
    body["cms"] = b64.encode(&big).into();
    let t = Instant::now();
    let e = c
        .post::<RequestStatus>(paths::REQUESTS, &body)
        .await
        .unwrap_err();
    assert_eq!(
        (e.status.as_u16(), e.body.code.as_str()),
        (401, "SIGN_TOO_MANY_SIGNERS"),
        "{:?}",
        e.body
    );
    assert!(t.elapsed() < Duration::from_secs(2), "{:?}", t.elapsed());
    // Two copies are within the limit but not the one signer a request needs.
    body["cms"] = b64.encode(with_signer_infos(&cms, 2)).into();
    let e = c
        .post::<RequestStatus>(paths::REQUESTS, &body)
        .await
        .unwrap_err();
    assert_eq!(e.body.code, "GW_SIGNER_COUNT");
    // The original still goes through.
    body["cms"] = b64.encode(&cms).into();
    let _: RequestStatus = c.post(paths::REQUESTS, &body).await.unwrap();
}
