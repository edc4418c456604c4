//! Revocation ends what the certificate opened (issue 16): after `sio pki revoke` of the
//! authentication, signing or TLS (workstation) certificate, the sessions it opened end (journaled)
//! and the connections they were used over close — through the real gateway over mutual TLS, on
//! kept-alive connections as an attacker would hold them.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::*;
use rustls::pki_types::ServerName;
use sio_protocol::*;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// One kept-alive HTTP/1.1 connection over mutual TLS, spoken by hand.
struct Raw {
    s: tokio_rustls::client::TlsStream<tokio::net::TcpStream>,
    buf: Vec<u8>,
}

/// A reply: status and body.
#[derive(Debug)]
struct Reply {
    status: u16,
    body: String,
}

impl Reply {
    fn code(&self) -> String {
        serde_json::from_str::<ErrorBody>(&self.body)
            .map(|b| b.code)
            .unwrap_or_default()
    }
}

impl Raw {
    async fn connect(env: &Env, cert: &Path, key: &Path) -> std::io::Result<Raw> {
        let port = env.gw.as_ref().unwrap().local_addr().port();
        let tcp = tokio::net::TcpStream::connect(("127.0.0.1", port)).await?;
        let mut s = tokio_rustls::TlsConnector::from(Arc::new(tls13_client_config(env, cert, key)))
            .connect(ServerName::try_from("localhost").unwrap(), tcp)
            .await?;
        // TLS 1.3: a refused client certificate shows on the first read, not in connect().
        s.write_all(b"GET /v1/health HTTP/1.1\r\nHost: localhost\r\n\r\n")
            .await?;
        let mut raw = Raw { s, buf: Vec::new() };
        match raw.read_reply().await {
            Some(r) if r.status == 200 => Ok(raw),
            other => Err(std::io::Error::other(format!("no health: {other:?}"))),
        }
    }

    /// One call; `None` when the connection was closed instead of answering.
    async fn call(&mut self, method: &str, path: &str, token: &str) -> Option<Reply> {
        let req = format!(
            "{method} {path} HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer {token}\r\nContent-Length: 0\r\n\r\n"
        );
        if self.s.write_all(req.as_bytes()).await.is_err() {
            return None;
        }
        self.read_reply().await
    }

    async fn read_reply(&mut self) -> Option<Reply> {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Some(end) = self.buf.windows(4).position(|w| w == b"\r\n\r\n") {
                let head = String::from_utf8_lossy(&self.buf[..end]).to_string();
                let status: u16 = head.split(' ').nth(1)?.parse().ok()?;
                let len: usize = head
                    .lines()
                    .find_map(|l| {
                        let (k, v) = l.split_once(':')?;
                        k.eq_ignore_ascii_case("content-length")
                            .then(|| v.trim().parse().ok())?
                    })
                    .unwrap_or(0);
                if self.buf.len() >= end + 4 + len {
                    let body =
                        String::from_utf8_lossy(&self.buf[end + 4..end + 4 + len]).to_string();
                    self.buf.drain(..end + 4 + len);
                    return Some(Reply { status, body });
                }
            }
            let mut chunk = [0u8; 4096];
            let left = deadline.checked_duration_since(Instant::now())?;
            match tokio::time::timeout(left, self.s.read(&mut chunk)).await {
                Ok(Ok(0)) | Ok(Err(_)) | Err(_) => return None,
                Ok(Ok(n)) => self.buf.extend_from_slice(&chunk[..n]),
            }
        }
    }

    /// Did the gateway close the connection within `d`, without being asked anything?
    async fn closed_within(&mut self, d: Duration) -> bool {
        let mut chunk = [0u8; 64];
        matches!(
            tokio::time::timeout(d, self.s.read(&mut chunk)).await,
            Ok(Ok(0)) | Ok(Err(_))
        )
    }
}

fn auth_files(u: &sio_pki::GeneratedUser) -> (PathBuf, PathBuf) {
    (u.auth.cert_path.clone(), u.auth.key_path.clone().unwrap())
}

/// A client whose TLS certificate is the workstation's, logging in as user `i` (the login signed
/// with the user's authentication key).
fn workstation_client(env: &Env, ws: &sio_pki::IssuedCert, i: usize) -> Client {
    env.client_with_tls(
        &ws.cert_path,
        ws.key_path.as_ref().unwrap(),
        env.user(i).clone(),
    )
}

/// Log `c` in fully (signature, SMS, consent).
async fn activate(env: &Env, c: &mut Client, i: usize) {
    c.login(KeyCarrier::Hardware).await.unwrap();
    c.post_empty::<OtpSent>(paths::LOGIN_OTP).await.unwrap();
    let code = env.code(&env.iin(i));
    let s: SessionInfo = c
        .post(paths::LOGIN_OTP_VERIFY, &serde_json::json!({"code": code}))
        .await
        .unwrap();
    if s.stage == SessionStage::Consent {
        c.sign_consent(&env.iin(i)).await.unwrap();
    }
}

async fn submit(env: &Env, c: &Client, i: usize) -> RequestStatus {
    let service = full_service_for(3, sio_core::Basis::Criminal);
    let doc = c.request_doc(&env.iin(i), 3, BasisKey::Criminal, service, criminal_case());
    c.post(paths::REQUESTS, &c.sign_request(&doc))
        .await
        .unwrap()
}

fn db(env: &Env) -> rusqlite::Connection {
    rusqlite::Connection::open(env.data.join(sio_gateway::db::DB_FILE)).unwrap()
}

/// Sessions of `iin` still open, and the journal's records of sessions the gateway ended.
fn open_sessions(env: &Env, iin: &str) -> i64 {
    db(env)
        .query_row(
            "SELECT count(*) FROM sessions WHERE iin = ?1 AND ended_at IS NULL",
            [iin],
            |r| r.get(0),
        )
        .unwrap()
}

fn journaled_ends(env: &Env, iin: &str) -> Vec<(String, String)> {
    let conn = db(env);
    let mut st = conn
        .prepare(
            "SELECT operation, outcome FROM journal WHERE user = ?1 AND ip = 'gateway' AND resource = 'session'",
        )
        .unwrap();
    st.query_map([iin], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(|r| r.unwrap())
        .collect()
}

async fn wait_until(what: &str, mut f: impl FnMut() -> bool) {
    let t = Instant::now();
    while !f() {
        assert!(t.elapsed() < Duration::from_secs(10), "timed out: {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// (a) Personal TLS certificate = authentication certificate. With the periodic CRL check out of
/// the way, the very next call on the kept-alive connection re-checks the session and is
/// refused; the session is ended and journaled, and the connection closes after the answer.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn revoked_auth_cert_refuses_the_next_call_on_the_open_connection_and_closes_it() {
    let env = Env::start_with(|c| c.crl_check_interval = Duration::from_secs(3600)).await;
    let c = env.active_client(INVESTIGATOR).await;
    let token = c.token.clone().unwrap();
    let (cert, key) = auth_files(env.user(INVESTIGATOR));
    let mut raw = Raw::connect(&env, &cert, &key).await.unwrap();
    let r = raw.call("GET", paths::REQUESTS, &token).await.unwrap();
    assert_eq!(r.status, 200, "{r:?}");

    sio_pki::revoke(&env.pki.dir, &env.user(INVESTIGATOR).auth.serial_hex).unwrap();

    let r = raw.call("GET", paths::REQUESTS, &token).await.unwrap();
    assert_eq!(
        (r.status, r.code().as_str()),
        (401, "GW_CERT_REVOKED"),
        "{r:?}"
    );
    assert!(
        raw.closed_within(Duration::from_secs(5)).await,
        "the connection must close after the refusal"
    );
    assert_eq!(open_sessions(&env, &env.iin(INVESTIGATOR)), 0);
    let ends = journaled_ends(&env, &env.iin(INVESTIGATOR));
    assert!(
        ends.iter()
            .any(|(op, outcome)| op.contains("revoked") && outcome == "GW_CERT_REVOKED"),
        "{ends:?}"
    );
    // And no new connection with it.
    assert!(Raw::connect(&env, &cert, &key).await.is_err());
}

/// (a) The same without any call: the periodic CRL check (1 s) ends the session and closes the
/// idle kept-alive connection by itself.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn revoked_auth_cert_closes_the_idle_connection_without_a_call() {
    let env = Env::start_with(|c| c.crl_check_interval = Duration::from_millis(200)).await;
    let c = env.active_client(HEAD).await;
    let token = c.token.clone().unwrap();
    let (cert, key) = auth_files(env.user(HEAD));
    let mut raw = Raw::connect(&env, &cert, &key).await.unwrap();
    let r = raw.call("GET", paths::SESSION, &token).await.unwrap();
    assert_eq!(r.status, 200, "{r:?}");
    // Another user's connection stays open.
    let other = env.active_client(PROSECUTOR).await;
    let other_token = other.token.clone().unwrap();
    let (ocert, okey) = auth_files(env.user(PROSECUTOR));
    let mut bystander = Raw::connect(&env, &ocert, &okey).await.unwrap();

    let t = Instant::now();
    sio_pki::revoke(&env.pki.dir, &env.user(HEAD).auth.serial_hex).unwrap();
    assert!(
        raw.closed_within(Duration::from_secs(5)).await,
        "the idle connection must be closed by the CRL check"
    );
    assert!(t.elapsed() < Duration::from_secs(3), "{:?}", t.elapsed());
    wait_until("the session ended", || {
        open_sessions(&env, &env.iin(HEAD)) == 0
    })
    .await;
    assert!(!journaled_ends(&env, &env.iin(HEAD)).is_empty());
    let r = bystander
        .call("GET", paths::SESSION, &other_token)
        .await
        .unwrap();
    assert_eq!(r.status, 200, "{r:?}");
}

/// (b) Workstation TLS: the TLS certificate is the workstation's, the login is signed by the
/// user's authentication certificate. Revoking that certificate ends the session: a new
/// connection over the (still valid) workstation certificate cannot fetch a result with it, and
/// another user of the same workstation is not affected.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn workstation_tls_session_ends_when_the_users_auth_cert_is_revoked() {
    let env = Env::start_with(|c| c.crl_check_interval = Duration::from_millis(200)).await;
    let ws = sio_pki::issue_workstation(&env.pki.dir, "ws-revocation").unwrap();
    let mut c = workstation_client(&env, &ws, INVESTIGATOR);
    activate(&env, &mut c, INVESTIGATOR).await;
    let mut colleague = workstation_client(&env, &ws, PROSECUTOR);
    activate(&env, &mut colleague, PROSECUTOR).await;
    let first = submit(&env, &c, INVESTIGATOR).await;
    let second = submit(&env, &c, INVESTIGATOR).await;
    tokio::time::sleep(Duration::from_millis(600)).await; // result_delay 300 ms
    let _: ResultDelivery = c
        .get(&format!("/v1/requests/{}/result", first.request_id))
        .await
        .unwrap();

    sio_pki::revoke(&env.pki.dir, &env.user(INVESTIGATOR).auth.serial_hex).unwrap();

    // A new connection over the workstation certificate, with the same token.
    let mut fresh = workstation_client(&env, &ws, INVESTIGATOR);
    fresh.token = c.token.clone();
    let e = fresh
        .get::<ResultDelivery>(&format!("/v1/requests/{}/result", second.request_id))
        .await
        .unwrap_err();
    assert_eq!(
        (e.status.as_u16(), e.body.code.as_str()),
        (401, "GW_CERT_REVOKED"),
        "{:?}",
        e.body
    );
    let e = fresh.get::<RequestList>(paths::REQUESTS).await.unwrap_err();
    assert_eq!(e.body.code, "GW_CERT_REVOKED");
    wait_until("the session ended", || {
        open_sessions(&env, &env.iin(INVESTIGATOR)) == 0
    })
    .await;
    // The colleague at the same workstation goes on.
    let _: RequestList = colleague.get(paths::REQUESTS).await.unwrap();
    // A new login with the revoked certificate over the workstation certificate is refused.
    let mut again = workstation_client(&env, &ws, INVESTIGATOR);
    let e = again.login(KeyCarrier::Hardware).await.unwrap_err();
    assert_eq!(e.body.code, "SIGN_CERT_REVOKED", "{:?}", e.body);
}

/// (c) Revoking the workstation's TLS certificate closes its open connections and ends the
/// sessions opened over it; no new connection is accepted with it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn revoked_workstation_cert_closes_its_connections() {
    let env = Env::start_with(|c| c.crl_check_interval = Duration::from_millis(200)).await;
    let ws = sio_pki::issue_workstation(&env.pki.dir, "ws-closed").unwrap();
    let mut c = workstation_client(&env, &ws, INVESTIGATOR);
    activate(&env, &mut c, INVESTIGATOR).await;
    let token = c.token.clone().unwrap();
    let key = ws.key_path.clone().unwrap();
    let mut raws = Vec::new();
    for _ in 0..3 {
        let mut raw = Raw::connect(&env, &ws.cert_path, &key).await.unwrap();
        let r = raw.call("GET", paths::REQUESTS, &token).await.unwrap();
        assert_eq!(r.status, 200, "{r:?}");
        raws.push(raw);
    }
    // One connection that only ever asked for the health.
    let mut idle = Raw::connect(&env, &ws.cert_path, &key).await.unwrap();

    sio_pki::revoke(&env.pki.dir, &ws.serial_hex).unwrap();
    for raw in &mut raws {
        assert!(raw.closed_within(Duration::from_secs(5)).await);
    }
    assert!(idle.closed_within(Duration::from_secs(5)).await);
    wait_until("the session ended", || {
        open_sessions(&env, &env.iin(INVESTIGATOR)) == 0
    })
    .await;
    let ends = journaled_ends(&env, &env.iin(INVESTIGATOR));
    assert!(
        ends.iter().any(|(op, _)| op.contains("TLS certificate")),
        "{ends:?}"
    );
    assert!(Raw::connect(&env, &ws.cert_path, &key).await.is_err());
}

/// The signing certificate used in a session counts too: once it is revoked the session ends.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn revoked_signing_cert_ends_the_session_it_signed_in() {
    let env = Env::start_with(|c| c.crl_check_interval = Duration::from_secs(3600)).await;
    let c = env.active_client(INVESTIGATOR).await;
    submit(&env, &c, INVESTIGATOR).await;
    let _: RequestList = c.get(paths::REQUESTS).await.unwrap();

    sio_pki::revoke(&env.pki.dir, &env.user(INVESTIGATOR).sign.serial_hex).unwrap();

    let e = c.get::<RequestList>(paths::REQUESTS).await.unwrap_err();
    assert_eq!(
        (e.status.as_u16(), e.body.code.as_str()),
        (401, "GW_CERT_REVOKED")
    );
    assert_eq!(open_sessions(&env, &env.iin(INVESTIGATOR)), 0);
    let ends = journaled_ends(&env, &env.iin(INVESTIGATOR));
    assert!(
        ends.iter()
            .any(|(op, _)| op.contains("signing certificate")),
        "{ends:?}"
    );
    // It stays refused with the same code.
    let e = c.get::<SessionInfo>(paths::SESSION).await.unwrap_err();
    assert_eq!(e.body.code, "GW_CERT_REVOKED");
}

/// A CRL file that disappears does not switch revocation off: the CRL loaded before stays in
/// force.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deleted_crl_keeps_revoked_certificates_out() {
    let env = Env::start_with(|c| c.crl_check_interval = Duration::from_millis(100)).await;
    let (cert, key) = auth_files(env.user(PROSECUTOR));
    let crl = sio_pki::revoke(&env.pki.dir, &env.user(PROSECUTOR).auth.serial_hex).unwrap();
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert!(Raw::connect(&env, &cert, &key).await.is_err());
    std::fs::remove_file(&crl).unwrap();
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert!(
        Raw::connect(&env, &cert, &key).await.is_err(),
        "the revoked certificate must stay refused without the CRL file"
    );
    let (ok_cert, ok_key) = auth_files(env.user(INVESTIGATOR));
    assert!(Raw::connect(&env, &ok_cert, &ok_key).await.is_ok());
}
