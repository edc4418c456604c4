//! Fault (issue 20): the gateway goes away between a request and its answer. The real stack — the
//! virtual PIV card in pcscd, `sio gateway run` as its own process over mutual TLS, `sio request
//! send` with its outbox and vault keyed in the Linux kernel keyring — with a TCP relay of the
//! test between the client and the gateway. The relay forwards everything; once the gateway's
//! database holds the request (it is committed before the gateway answers 202), the relay holds
//! the answer back, the gateway is killed with SIGKILL, and the client's connection is dropped.
//! The gateway is started again on the same data directory (or on its database restored from the
//! backup made before the send) and the next `sio request send` resends the outbox: the request is
//! filed once, under the id it was signed with, and its result reaches the vault.
#![allow(clippy::unwrap_used)] // test helpers outside #[test] fns

mod support;

use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use sio_vault::{KeyStore, OsKeyring};
use support::{ALLOWED_REQUEST, GatewayProcess, GatewayRun, IIN, PIN, World, json_lines, sio};

const IN_SESSION: &str = "SIO_FAULTS_GATEWAY_IN_KEYCTL_SESSION";

fn in_keyctl_session(test: &str) -> bool {
    // The app's key entries (`sio-app:*`) are one per user in the kernel's persistent keyring:
    // one such test at a time (the lock of tests/audit_cli.rs).
    let lock = std::env::temp_dir().join("sio-audit-cli.lock");
    support::in_keyctl_session_locked(IN_SESSION, test, &lock)
}

/// The request ids filed in the gateway's database (opened read-only).
fn filed(data: &Path) -> Vec<String> {
    let db = data.join(sio_gateway::db::DB_FILE);
    let Ok(conn) =
        rusqlite::Connection::open_with_flags(&db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
    else {
        return Vec::new();
    };
    let Ok(mut st) = conn.prepare("SELECT request_id FROM requests ORDER BY request_id") else {
        return Vec::new();
    };
    st.query_map([], |r| r.get::<_, String>(0))
        .map(|rows| rows.map_while(Result::ok).collect())
        .unwrap_or_default()
}

/// `sio gateway run` on `data` with the world's PKI, on a free loopback port (sio-test-support's
/// process runner: killed with SIGKILL when dropped).
fn start_gateway(world: &World, data: &Path, log: &Path) -> GatewayProcess {
    GatewayProcess::start(&GatewayRun {
        data: data.to_path_buf(),
        pki: world.pki.clone(),
        listen: "127.0.0.1:0".parse().unwrap(),
        result_delay_ms: 200,
        extra: Vec::new(),
        log: log.to_path_buf(),
    })
}

const PASS: u8 = 0;
const CUT: u8 = 1;

/// A TCP relay on 127.0.0.1 between the client and the gateway. In `CUT` mode it holds back the
/// first bytes the gateway sends once `data` holds a request, raises `held`, waits for `killed`
/// and drops the client's connection without them.
struct Relay {
    addr: SocketAddr,
    upstream: Arc<Mutex<SocketAddr>>,
    mode: Arc<AtomicU8>,
    held: Arc<AtomicBool>,
    killed: Arc<AtomicBool>,
}

impl Relay {
    fn start(upstream: SocketAddr, data: PathBuf) -> Relay {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let relay = Relay {
            addr: listener.local_addr().unwrap(),
            upstream: Arc::new(Mutex::new(upstream)),
            mode: Arc::new(AtomicU8::new(PASS)),
            held: Arc::new(AtomicBool::new(false)),
            killed: Arc::new(AtomicBool::new(false)),
        };
        let (up, mode, held, killed) = (
            relay.upstream.clone(),
            relay.mode.clone(),
            relay.held.clone(),
            relay.killed.clone(),
        );
        std::thread::spawn(move || {
            for client in listener.incoming() {
                let Ok(client) = client else { continue };
                let to = *up.lock().unwrap();
                let Ok(server) = TcpStream::connect(to) else {
                    let _ = client.shutdown(Shutdown::Both);
                    continue;
                };
                let (c2, s2) = (client.try_clone().unwrap(), server.try_clone().unwrap());
                std::thread::spawn(move || pipe(c2, s2));
                let (mode, held, killed, data) =
                    (mode.clone(), held.clone(), killed.clone(), data.clone());
                std::thread::spawn(move || {
                    let (mut server, mut client) = (server, client);
                    let mut buf = [0u8; 16 * 1024];
                    loop {
                        let n = match server.read(&mut buf) {
                            Ok(0) | Err(_) => break,
                            Ok(n) => n,
                        };
                        if mode.load(Ordering::SeqCst) == CUT && !filed(&data).is_empty() {
                            held.store(true, Ordering::SeqCst);
                            while !killed.load(Ordering::SeqCst) {
                                std::thread::sleep(Duration::from_millis(10));
                            }
                            break;
                        }
                        if client.write_all(&buf[..n]).is_err() {
                            break;
                        }
                    }
                    let _ = client.shutdown(Shutdown::Both);
                    let _ = server.shutdown(Shutdown::Both);
                });
            }
        });
        relay
    }

    fn url(&self) -> String {
        format!("https://{}", self.addr)
    }
}

/// Copy client → gateway until either side closes.
fn pipe(mut from: TcpStream, mut to: TcpStream) {
    let _ = std::io::copy(&mut from, &mut to);
    let _ = to.shutdown(Shutdown::Write);
}

/// A `sio` command that reaches the gateway through the relay and keeps its data in `ws`.
fn conn(cmd: &[&str], url: &str, ca: &Path, ws: &Path) -> Command {
    let mut c = sio(cmd);
    c.args(["--stdin", "--gateway", url, "--ca"])
        .arg(ca)
        .arg("--data-dir")
        .arg(ws);
    c
}

/// Run `cmd`, typing `pins` and then the new SMS code; returns (success, JSON lines, stderr).
fn run_with_code(
    mut cmd: Command,
    pins: &[&str],
    gw_data: &Path,
) -> (bool, Vec<serde_json::Value>, String) {
    let previous = sio_gateway::admin::Admin::open(gw_data)
        .unwrap()
        .latest_sms_code(IIN)
        .unwrap();
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    for p in pins {
        writeln!(stdin, "{p}").unwrap();
    }
    stdin.flush().unwrap();
    // The code may never come (the command failed before asking): stop waiting when it ends.
    let start = Instant::now();
    loop {
        let code = sio_gateway::admin::Admin::open(gw_data)
            .unwrap()
            .latest_sms_code(IIN)
            .unwrap();
        if let Some(code) = code.filter(|c| Some(c) != previous.as_ref()) {
            let _ = writeln!(stdin, "{code}");
            break;
        }
        if child.try_wait().unwrap().is_some() || start.elapsed() > Duration::from_secs(60) {
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    drop(stdin);
    let out = child.wait_with_output().unwrap();
    (
        out.status.success(),
        json_lines(&out.stdout),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn gateway_killed_mid_send(restore_from_backup: bool) {
    let world = World::up();
    let ca = world.pki.join(sio_pki::paths::CA_CERT);
    let gw_data = world.dir.path().join("gw");
    let gw_log = world.dir.path().join("gw.log");
    std::fs::create_dir_all(&gw_data).unwrap();
    let ws = world.dir.path().join("ws");
    let gateway = start_gateway(&world, &gw_data, &gw_log);
    let relay = Relay::start(gateway.addr, gw_data.clone());
    let url = relay.url();

    // First login: the consent is signed (card PIN, SMS code, signing PIN).
    let mut login = sio(&["login", "--stdin", "--logout", "--gateway", &url, "--ca"]);
    login.arg(&ca);
    let (ok, out, err) = {
        let previous = None::<String>;
        let mut child = login
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdin = child.stdin.take().unwrap();
        writeln!(stdin, "{PIN}").unwrap();
        stdin.flush().unwrap();
        let code = support::sms_code_in(&gw_data, IIN, previous.as_deref());
        writeln!(stdin, "{code}\n{PIN}").unwrap();
        drop(stdin);
        let out = child.wait_with_output().unwrap();
        (
            out.status.success(),
            json_lines(&out.stdout),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    assert!(ok, "{out:?}\n{err}");

    let backup = world.dir.path().join("gw-backup.sqlite3");
    if restore_from_backup {
        let out = sio(&["gateway", "backup"])
            .arg(&backup)
            .arg("--data")
            .arg(&gw_data)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    assert!(filed(&gw_data).is_empty());

    // The send: the relay holds the gateway's answer to the filed request; the gateway is killed.
    relay.mode.store(CUT, Ordering::SeqCst);
    let send = conn(&["request", "send"], &url, &ca, &ws);
    let (held, killed) = (relay.held.clone(), relay.killed.clone());
    let killer = std::thread::spawn(move || {
        let start = Instant::now();
        while !held.load(Ordering::SeqCst) {
            assert!(
                start.elapsed() < Duration::from_secs(120),
                "the request never reached the gateway's database"
            );
            std::thread::sleep(Duration::from_millis(10));
        }
        gateway.kill(); // SIGKILL, the answer not yet out
        killed.store(true, Ordering::SeqCst);
    });
    let mut send = send;
    send.args(ALLOWED_REQUEST);
    let (ok, lines, stderr) = run_with_code(send, &[PIN, PIN], &gw_data);
    killer.join().unwrap();
    eprintln!("first send: {lines:?}\n{stderr}");
    assert!(!ok, "the send succeeded without an answer: {lines:?}");
    let fail = lines.last().unwrap_or_else(|| panic!("no JSON: {stderr}"));
    let code = fail["code"].as_str().unwrap_or_default();
    // The gateway is gone: its retry met a connection closed in the handshake (the relay has
    // nothing behind it) — unreachable, not a TLS problem the user should report as interception.
    assert_eq!(code, "CLIENT_UNREACHABLE", "{fail}");
    let before = filed(&gw_data);
    assert_eq!(before.len(), 1, "{before:?}");
    let request_id = before[0].clone();

    // The client still has it, under the same id, waiting to be sent again.
    let out = sio(&["request", "list", "--data-dir"])
        .arg(&ws)
        .output()
        .unwrap();
    assert!(out.status.success());
    let listed = json_lines(&out.stdout);
    let queued: Vec<_> = listed
        .iter()
        .filter(|v| v["request_id"].is_string())
        .collect();
    assert_eq!(queued.len(), 1, "{listed:?}");
    assert_eq!(queued[0]["request_id"], request_id.as_str(), "{listed:?}");
    // Handed to the channel, no answer recorded: resent by the next send.
    assert_eq!(queued[0]["status"]["state"], "sent", "{listed:?}");

    if restore_from_backup {
        let out = sio(&["gateway", "restore"])
            .arg(&backup)
            .arg("--data")
            .arg(&gw_data)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            filed(&gw_data).is_empty(),
            "the backup predates the request"
        );
    }

    // The gateway comes back on the same data; the outbox resends.
    let gateway = start_gateway(&world, &gw_data, &gw_log);
    relay.mode.store(PASS, Ordering::SeqCst);
    *relay.upstream.lock().unwrap() = gateway.addr;
    let (ok, lines, stderr) =
        run_with_code(conn(&["request", "send"], &url, &ca, &ws), &[PIN], &gw_data);
    assert!(ok, "{lines:?}\n{stderr}");
    assert!(
        lines
            .iter()
            .any(|v| v["request_id"] == request_id.as_str()
                && v["status"]["state"] == "result_ready"),
        "{lines:?}"
    );
    // Filed exactly once, under the id it was signed with.
    assert_eq!(filed(&gw_data), vec![request_id.clone()]);

    // The client: the result in the vault, nothing else left in the outbox.
    let out = sio(&["request", "list", "--data-dir"])
        .arg(&ws)
        .output()
        .unwrap();
    assert!(out.status.success());
    let listed = json_lines(&out.stdout);
    let items: Vec<_> = listed
        .iter()
        .filter(|v| v["request_id"].is_string())
        .collect();
    assert!(
        items.iter().all(|v| v["request_id"] == request_id.as_str()),
        "{listed:?}"
    );
    assert!(
        items.iter().any(|v| v["status"]["state"] == "in_vault"),
        "{listed:?}"
    );
    let out = sio(&["audit", "verify", "--journal"])
        .arg(ws.join("audit.jsonl"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    drop(gateway);

    // The keys are linked into the persistent keyring too: do not leave them behind.
    let keys = OsKeyring::new("sio-vault");
    let vault: serde_json::Value =
        serde_json::from_slice(&std::fs::read(ws.join("vault/vault.json")).unwrap()).unwrap();
    let _ = keys.delete(&format!(
        "sio-app:kek:{}",
        vault["vault_id"].as_str().unwrap()
    ));
    let _ = keys.delete("sio-app:outbox");
    let _ = keys.delete("sio-app:journal-mac");
}

#[test]
fn gateway_killed_between_request_and_answer_files_it_once() {
    if !in_keyctl_session("gateway_killed_between_request_and_answer_files_it_once") {
        return;
    }
    gateway_killed_mid_send(false);
}

#[test]
fn gateway_restored_from_backup_after_the_kill_files_it_once() {
    if !in_keyctl_session("gateway_restored_from_backup_after_the_kill_files_it_once") {
        return;
    }
    gateway_killed_mid_send(true);
}
