//! Fault (issue 20): the card is pulled, or pcscd is stopped — or killed (SIGKILL) while the card
//! holds the signature's APDU unanswered — while `sio request send` signs a request; pcscd is
//! killed while `sio login` signs the TLS handshake's CertificateVerify with slot 9A. The real stack: the virtual PIV card in pcscd (the card lock held by the world), the
//! reference gateway over mutual TLS, the outbox and the vault keyed in the Linux kernel keyring.
//! The officer gets a stable code, nothing is queued (no request leaves unsigned, nothing is
//! half-written in the outbox), and with the card back the very same command succeeds. The card
//! and pcscd are brought back at the end whatever happens (a drop guard).
#![allow(clippy::unwrap_used)] // test helpers outside #[test] fns

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use sio_test_support::{ALLOWED_REQUEST, IIN, PIN, World, json_lines, sio};
use sio_vault::{KeyStore, OsKeyring};
use sio_virtual_card::fixture::{CardStack, wait_presence};

const IN_SESSION: &str = "SIO_FAULTS_CARD_IN_KEYCTL_SESSION";

fn in_keyctl_session(test: &str) -> bool {
    // The app's key entries (`sio-app:*`) are one per user in the kernel's persistent keyring:
    // one such test at a time (the lock of tests/audit_cli.rs).
    let lock = std::env::temp_dir().join("sio-audit-cli.lock");
    sio_test_support::in_keyctl_session_locked(IN_SESSION, test, &lock)
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// pcscd and the card back, the card inserted: whatever happened in the test.
struct CardBack<'a>(&'a CardStack);

impl CardBack<'_> {
    fn restore(&self) {
        let _ = self.0.bring_back();
    }
}

impl Drop for CardBack<'_> {
    fn drop(&mut self) {
        self.restore();
    }
}

/// The outbox's items as `sio request list` shows them.
fn outbox_items(ws: &Path) -> Vec<serde_json::Value> {
    let out = sio(&["request", "list", "--data-dir"])
        .arg(ws)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    json_lines(&out.stdout)
        .into_iter()
        .filter(|v| v["request_id"].is_string() && v["status"]["state"] != "in_vault")
        .collect()
}

fn send_cmd(world: &World, ws: &Path) -> Command {
    let mut c = sio(&["request", "send"]);
    c.args(ALLOWED_REQUEST)
        .args(["--stdin", "--gateway", &world.url, "--ca"])
        .arg(world.ca())
        .arg("--data-dir")
        .arg(ws);
    c
}

/// `sio request send`: the card PIN, then — once the document to sign is on the screen — `fault`,
/// the signing PIN and `after_pin`. Returns (success, JSON lines, stderr).
fn send_with_fault(
    world: &World,
    ws: &Path,
    fault: impl FnOnce(),
    after_pin: impl FnOnce(),
) -> (bool, Vec<serde_json::Value>, String) {
    let mut child = send_cmd(world, ws)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let stderr = child.stderr.take().unwrap();
    let (tx, rx) = mpsc::channel();
    let reader = std::thread::spawn(move || {
        let mut all = String::new();
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if line.contains("Document to sign") {
                let _ = tx.send(());
            }
            all.push_str(&line);
            all.push('\n');
        }
        all
    });
    writeln!(stdin, "{PIN}").unwrap();
    stdin.flush().unwrap();
    rx.recv_timeout(Duration::from_secs(60))
        .expect("the document to sign was never shown");
    fault();
    let _ = writeln!(stdin, "{PIN}");
    let _ = stdin.flush();
    after_pin();
    drop(stdin);
    let out = child.wait_with_output().unwrap();
    let stderr = reader.join().unwrap();
    (out.status.success(), json_lines(&out.stdout), stderr)
}

/// `sio request send` with everything right: card PIN, signing PIN, SMS code.
fn send_ok(world: &World, ws: &Path) -> Vec<serde_json::Value> {
    let previous = world.latest_sms(IIN);
    let mut child = send_cmd(world, ws)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    writeln!(stdin, "{PIN}\n{PIN}").unwrap();
    stdin.flush().unwrap();
    let code = world.sms_code(IIN, previous.as_deref());
    writeln!(stdin, "{code}").unwrap();
    drop(stdin);
    let out = child.wait_with_output().unwrap();
    let lines = json_lines(&out.stdout);
    assert!(
        out.status.success(),
        "{lines:?}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        lines.iter().any(|v| v["status"]["state"] == "result_ready"),
        "{lines:?}"
    );
    lines
}

fn first_login(world: &World) {
    let mut login = world.spawn_login(&["--logout"]);
    login.type_line(PIN);
    let code = world.sms_code(IIN, None);
    login.type_line(&code);
    login.type_line(PIN);
    let (ok, out, err) = login.finish();
    assert!(ok, "{out}\n{err}");
}

fn forget_keys(ws: &Path) {
    let keys = OsKeyring::new("sio-vault");
    if let Ok(bytes) = std::fs::read(ws.join("vault/vault.json")) {
        let vault: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
        if let Some(id) = vault["vault_id"].as_str() {
            let _ = keys.delete(&format!("sio-app:kek:{id}"));
        }
    }
    let _ = keys.delete("sio-app:outbox");
    let _ = keys.delete("sio-app:journal-mac");
}

/// The count of rows in a table of the gateway's database.
fn gateway_rows(world: &World, table: &str) -> i64 {
    rusqlite::Connection::open_with_flags(
        world.data.join(sio_gateway::db::DB_FILE),
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
    )
    .unwrap()
    .query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))
    .unwrap()
}

/// The card process started from this tree's sources (it knows `hold-on-ins`): the card another
/// run left in the slot may be an older build; its keys stay (same state directory).
fn fresh_card(world: &World) {
    world.card.restart_card().unwrap();
    wait_presence(true, Duration::from_secs(15)).unwrap();
}

/// The fault, the checks of what is left, then the same command with the card back.
fn signature_interrupted(fault: impl FnOnce(&World), back: impl FnOnce(&World), codes: &[&str]) {
    signature_interrupted_after_pin(fault, |_| {}, back, codes);
}

/// [`signature_interrupted`] with `after_pin` run once the signing PIN is typed.
fn signature_interrupted_after_pin(
    fault: impl FnOnce(&World),
    after_pin: impl FnOnce(&World),
    back: impl FnOnce(&World),
    codes: &[&str],
) {
    let world = World::up();
    let guard = CardBack(&world.card);
    fresh_card(&world);
    first_login(&world);
    let ws = world.dir.path().join("ws");
    // The workstation's stores exist before the fault (as on any workstation after a day's work).
    let out = sio(&["request", "list", "--data-dir"])
        .arg(&ws)
        .output()
        .unwrap();
    assert!(out.status.success());
    let outbox_before = sio_test_support::files_under(&ws.join("outbox"));

    let (ok, lines, stderr) = send_with_fault(&world, &ws, || fault(&world), || after_pin(&world));
    eprintln!("interrupted send: {lines:?}\n{stderr}");
    assert!(!ok, "signed without the card: {lines:?}");
    let last = lines
        .last()
        .unwrap_or_else(|| panic!("no JSON line: {stderr}"));
    let code = last["code"].as_str().unwrap_or_default();
    assert!(codes.contains(&code), "{last}\n{stderr}");
    assert!(!stderr.contains("Queued request"), "{stderr}");
    // Nothing queued, the outbox's files as they were: no request is sent unsigned later.
    assert!(outbox_items(&ws).is_empty());
    assert_eq!(
        sio_test_support::files_under(&ws.join("outbox")),
        outbox_before
    );
    // Nothing reached the gateway.
    assert_eq!(gateway_rows(&world, "requests"), 0);

    // The card back: the same command succeeds.
    back(&world);
    wait_presence(true, Duration::from_secs(15)).unwrap();
    send_ok(&world, &ws);
    assert!(outbox_items(&ws).is_empty());
    let out = sio(&["audit", "verify", "--journal"])
        .arg(ws.join("audit.jsonl"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    forget_keys(&ws);
    drop(guard);
}

#[test]
fn card_pulled_during_the_signature() {
    if !in_keyctl_session("card_pulled_during_the_signature") {
        return;
    }
    signature_interrupted(
        // The card leaves, without answering, at GENERAL AUTHENTICATE: the signature itself.
        |w| w.card.remove_on_ins(0x87).unwrap(),
        |w| {
            wait_presence(false, Duration::from_secs(10)).unwrap();
            w.card.insert().unwrap();
        },
        // One fault, one code (the signature's `SignerError::Removed` included).
        &["TOKEN_CARD_REMOVED"],
    );
}

#[test]
fn pcscd_stopped_before_the_signature() {
    if !in_keyctl_session("pcscd_stopped_before_the_signature") {
        return;
    }
    signature_interrupted(
        |_| {
            let down = root().join("scripts/card-down.sh");
            sio_virtual_card::fixture::run(&down.to_string_lossy(), &["--pcscd-only"], &[])
                .unwrap();
        },
        |w| drop(CardBack(&w.card)),
        &["TOKEN_NO_SERVICE"],
    );
}

#[test]
fn pcscd_killed_during_the_signature() {
    if !in_keyctl_session("pcscd_killed_during_the_signature") {
        return;
    }
    signature_interrupted_after_pin(
        // The card holds GENERAL AUTHENTICATE (the 9C signature) unanswered: pcscd is in the
        // middle of the exchange when it is killed.
        |w| w.card.hold_on_ins(0x87).unwrap(),
        |w| {
            w.card.wait_held(Duration::from_secs(30)).unwrap();
            w.card.kill_pcscd().unwrap();
        },
        |w| drop(CardBack(&w.card)),
        // The service went away (as when it is stopped before the signature): one fault, one code.
        &["TOKEN_NO_SERVICE"],
    );
}

#[test]
fn pcscd_killed_during_the_tls_handshake() {
    if !in_keyctl_session("pcscd_killed_during_the_tls_handshake") {
        return;
    }
    let world = World::up();
    let guard = CardBack(&world.card);
    fresh_card(&world);
    // After the PIN, the first GENERAL AUTHENTICATE of `sio login` is the TLS client's
    // CertificateVerify with slot 9A (the gateway's challenge needs the channel first).
    world.card.hold_on_ins(0x87).unwrap();
    let mut login = world.spawn_login(&["--logout"]);
    login.type_line(PIN);
    world.card.wait_held(Duration::from_secs(30)).unwrap();
    world.card.kill_pcscd().unwrap();
    let (ok, last, stderr) = login.finish();
    eprintln!("interrupted login: {last}\n{stderr}");
    assert!(!ok, "logged in without pcscd: {last}");
    assert_eq!(last["code"], "TOKEN_NO_SERVICE", "{last}\n{stderr}");
    // The handshake never finished: no challenge was issued, no session exists, nothing filed.
    assert_eq!(gateway_rows(&world, "challenges"), 0);
    assert_eq!(gateway_rows(&world, "sessions"), 0);
    assert_eq!(gateway_rows(&world, "requests"), 0);

    // pcscd and the card back: the same login succeeds.
    guard.restore();
    wait_presence(true, Duration::from_secs(15)).unwrap();
    first_login(&world);
    assert_eq!(gateway_rows(&world, "sessions"), 1);
    drop(guard);
}
