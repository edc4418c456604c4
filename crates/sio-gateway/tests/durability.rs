//! Durability: what the gateway acknowledged survives `kill -9` of its process.
//!
//! The gateway runs in a child process (this test binary itself, test `durability_child`) on a
//! fresh data directory; the parent logs in over real mutual TLS and keeps 32 clients sending
//! signed requests, noting each request answered 202, then kills the child with SIGKILL in the
//! middle of the traffic. Every acknowledged request must then be in the database with its
//! document, its signature and the signing certificate bound to the session, and the access
//! journal must hold at least one accepted call per acknowledged request. A second gateway opens
//! the same directory and answers the acknowledged requests as duplicates, byte for byte.
//!
//! `kill -9` leaves the kernel's page cache alone, so it proves the commit happens before the
//! answer; that the commit is synced to the disk before the answer (power loss) is the writer's
//! `synchronous = FULL` commit (crate::db::Writer; docs/PERFORMANCE.md).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::io::{BufRead as _, BufReader};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::*;
use sio_gateway::{Gateway, GatewayConfig, TlsFiles};
use sio_protocol::*;

const CHILD_ARGS: &str = "SIO_GATEWAY_DURABILITY_CHILD";
/// The child gives up by itself after this long (should the parent die without killing it).
const CHILD_LIFETIME: Duration = Duration::from_secs(120);

fn config(data: &std::path::Path, pki: &std::path::Path) -> GatewayConfig {
    let mut c = GatewayConfig::new(
        "127.0.0.1:0".parse().unwrap(),
        data.to_path_buf(),
        TlsFiles::from_pki_dir(pki),
    );
    c.result_delay = Duration::from_secs(3600);
    // TEST-ONLY: the users' keys are PEM files (see tests/common).
    c.hardware_carrier_policies
        .push(sio_pki::SOFTWARE_CARRIER_POLICY.into());
    c.max_in_flight_per_cert = 64;
    c
}

/// The child process: a gateway on the data and PKI directories the parent names; prints its
/// port and serves until killed.
#[test]
#[ignore = "the durability test's child process; runs only when that test starts it"]
fn durability_child() {
    let Ok(args) = std::env::var(CHILD_ARGS) else {
        return;
    };
    let (data, pki) = args.split_once('\n').unwrap();
    init_crypto();
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let gw = Gateway::start(config(data.as_ref(), pki.as_ref()))
            .await
            .unwrap();
        println!("LISTENING {}", gw.local_addr().port());
        tokio::time::sleep(CHILD_LIFETIME).await;
    });
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_requests_survive_kill_9_of_the_gateway() {
    init_crypto();
    let dir = tempfile::tempdir().unwrap();
    let pki = sio_pki::generate(&dir.path().join("pki"), &sio_pki::PkiSpec::demo()).unwrap();
    let data = dir.path().join("data");
    sio_gateway::admin::Admin::open(&data)
        .unwrap()
        .seed_demo()
        .unwrap();
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "durability_child",
            "--include-ignored",
            "--nocapture",
        ])
        .env(
            CHILD_ARGS,
            format!("{}\n{}", data.display(), pki.dir.display()),
        )
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let port: u16 = loop {
        let line = lines
            .next()
            .expect("the child ended before listening")
            .unwrap();
        if let Some(p) = line.strip_prefix("LISTENING ") {
            break p.trim().parse().unwrap();
        }
    };
    let env = Env {
        dir,
        pki,
        data: data.clone(),
        gw: None,
        base: format!("https://127.0.0.1:{port}"),
    };
    let active = env.active_client(INVESTIGATOR).await;
    let token = active.token.clone().unwrap();
    let iin = env.iin(INVESTIGATOR);
    let service = full_service_for(3, sio_core::Basis::Criminal);

    // 32 clients send signed requests back to back; each 202 is noted with its body.
    let acked: Arc<Mutex<Vec<(uuid::Uuid, serde_json::Value)>>> = Arc::default();
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut tasks = Vec::new();
    for _ in 0..32 {
        let mut c = env.client(INVESTIGATOR);
        c.token = Some(token.clone());
        let bodies: Vec<(uuid::Uuid, serde_json::Value)> = (0..40)
            .map(|_| {
                let d = c.request_doc(&iin, 3, BasisKey::Criminal, service, criminal_case());
                (d.request_id, c.sign_request(&d))
            })
            .collect();
        let (acked, stop) = (acked.clone(), stop.clone());
        tasks.push(tokio::spawn(async move {
            for (id, body) in bodies {
                if stop.load(std::sync::atomic::Ordering::SeqCst) {
                    break;
                }
                let sent = c
                    .http
                    .post(format!("{}{}", c.base, paths::REQUESTS))
                    .bearer_auth(c.token.as_deref().unwrap())
                    .json(&body)
                    .send()
                    .await;
                match sent {
                    Ok(r) if r.status() == 202 => {
                        // Acknowledged only once the answer has arrived whole.
                        if let Ok(st) = r.json::<RequestStatus>().await {
                            assert_eq!(st.request_id, id);
                            acked.lock().unwrap().push((id, body));
                        }
                    }
                    Ok(r) => panic!("unexpected answer {}", r.status()),
                    Err(_) => break, // the gateway is gone
                }
            }
        }));
    }
    // Kill it in the middle of the traffic.
    let start = Instant::now();
    while acked.lock().unwrap().len() < 150 && start.elapsed() < Duration::from_secs(60) {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    stop.store(true, std::sync::atomic::Ordering::SeqCst);
    for t in tasks {
        t.await.unwrap();
    }
    let acked = acked.lock().unwrap().clone();
    assert!(
        acked.len() >= 150,
        "too few requests were acknowledged before the kill: {}",
        acked.len()
    );

    // Every acknowledged request is on disk, whole, with its signing certificate kept.
    let db = rusqlite::Connection::open(data.join(sio_gateway::db::DB_FILE)).unwrap();
    let total: i64 = db
        .query_row("SELECT count(*) FROM requests", [], |r| r.get(0))
        .unwrap();
    for (id, _) in &acked {
        let (doc, cms): (Vec<u8>, Vec<u8>) = db
            .query_row(
                "SELECT document, cms FROM requests WHERE request_id = ?1",
                [id.to_string()],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap_or_else(|e| panic!("acknowledged request {id} lost after kill -9: {e}"));
        assert!(!doc.is_empty() && !cms.is_empty());
    }
    let signing_certs: i64 = db
        .query_row(
            "SELECT count(*) FROM session_certs WHERE kind = 'sign'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(signing_certs >= 1);
    let journaled: i64 = db
        .query_row(
            "SELECT count(*) FROM journal WHERE resource = '/v1/requests' AND operation LIKE 'POST%' AND outcome = 'ok'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(
        journaled >= acked.len() as i64,
        "{journaled} journal records for {} acknowledged requests",
        acked.len()
    );
    drop(db);
    eprintln!(
        "kill -9 after {} acknowledged requests: {total} stored, {journaled} journaled",
        acked.len()
    );

    // A new gateway on the same directory knows them: a resend is a duplicate.
    let gw = Gateway::start(config(&data, &env.pki.dir)).await.unwrap();
    let env = Env {
        base: format!("https://127.0.0.1:{}", gw.local_addr().port()),
        gw: Some(gw),
        ..env
    };
    let c = env.active_client(INVESTIGATOR).await;
    for (id, body) in acked.iter().rev().take(20) {
        let st: RequestStatus = c.post(paths::REQUESTS, body).await.unwrap();
        assert_eq!(st.request_id, *id);
        assert!(st.duplicate, "{id} was not known after the restart");
    }
}
