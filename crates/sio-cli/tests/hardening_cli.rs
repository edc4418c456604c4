//! Issue 16, "Also fix", performed with the real `sio` binary: a policy override reached
//! through a symbolic link or a writable folder, a backup with an extra trigger, the gateway's
//! files when it is run by hand under a lax umask, `sio gateway admin … | head`, and the PIN of
//! `sio sign` on a terminal. No card is needed.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn sio() -> &'static str {
    env!("CARGO_BIN_EXE_sio")
}

#[cfg(unix)]
fn set_mode(p: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).unwrap();
}

#[cfg(unix)]
fn mode_of(p: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p).unwrap().permissions().mode() & 0o7777
}

const POLICY: &str = "[gateway]\nurl = \"https://127.0.0.1:8443\"\nca = \"/etc/sio/ca.pem\"\n";

/// A policy file reached through a symbolic link in a 0777 folder, or in a group-writable
/// folder, is refused by `sio policy check --installed` and by every command that loads a
/// policy override (`--policy`), with `POLICY_NOT_PROTECTED`. (The check used to follow the
/// link and pass.)
#[cfg(unix)]
#[test]
fn policy_override_through_a_link_or_writable_folder_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    set_mode(dir.path(), 0o755);
    let real_dir = dir.path().join("etc");
    std::fs::create_dir(&real_dir).unwrap();
    set_mode(&real_dir, 0o755);
    let real = real_dir.join("policy.toml");
    std::fs::write(&real, POLICY).unwrap();
    set_mode(&real, 0o644);
    let open = dir.path().join("open");
    std::fs::create_dir(&open).unwrap();
    set_mode(&open, 0o777);
    let link = open.join("policy.toml");
    std::os::unix::fs::symlink(&real, &link).unwrap();
    let shared = dir.path().join("shared");
    std::fs::create_dir(&shared).unwrap();
    set_mode(&shared, 0o775);
    let in_shared = shared.join("policy.toml");
    std::fs::write(&in_shared, POLICY).unwrap();
    set_mode(&in_shared, 0o644);

    for file in [&link, &in_shared] {
        let out = Command::new(sio())
            .args(["policy", "check", "--installed", "--json"])
            .arg(file)
            .output()
            .unwrap();
        assert!(!out.status.success(), "{}", file.display());
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert!(
            v["errors"]
                .as_array()
                .unwrap()
                .iter()
                .any(|e| e["code"] == "POLICY_NOT_PROTECTED"),
            "{v}"
        );
        // A command that trusts the override (its vendor keys decide which updates install).
        let out = Command::new(sio())
            .args(["update", "status", "--policy"])
            .arg(file)
            .arg("--root")
            .arg(dir.path().join("opt"))
            .output()
            .unwrap();
        assert!(!out.status.success());
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(text.contains("POLICY_NOT_PROTECTED"), "{text}");
    }
    // The protected file itself (root's when the tests run as root, in root's or sticky
    // folders) passes.
    let me = std::fs::metadata(dir.path())
        .map(|m| std::os::unix::fs::MetadataExt::uid(&m))
        .unwrap();
    if me == 0 && std::env::temp_dir().starts_with("/tmp") {
        let out = Command::new(sio())
            .args(["policy", "check", "--installed"])
            .arg(&real)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

/// `sio gateway restore` of a backup to which a trigger was added is refused with
/// `GW_RESTORE_SCHEMA_MISMATCH`; the live database gets no trigger.
#[test]
fn restore_of_a_backup_with_a_trigger_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let st = Command::new(sio())
        .args(["gateway", "admin", "--data"])
        .arg(&data)
        .arg("seed-demo")
        .status()
        .unwrap();
    assert!(st.success());
    let file = dir.path().join("backup.sqlite3");
    let st = Command::new(sio())
        .args(["gateway", "backup", "--data"])
        .arg(&data)
        .arg(&file)
        .stdout(Stdio::null())
        .status()
        .unwrap();
    assert!(st.success());
    let c = rusqlite::Connection::open(&file).unwrap();
    c.execute_batch(
        "CREATE TRIGGER grant_hr AFTER INSERT ON journal BEGIN UPDATE users SET hr = 1; END;",
    )
    .unwrap();
    drop(c);
    let out = Command::new(sio())
        .args(["gateway", "restore", "--data"])
        .arg(&data)
        .arg(&file)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("GW_RESTORE_SCHEMA_MISMATCH"), "{err}");
    assert!(err.contains("grant_hr"), "{err}");
    let live = rusqlite::Connection::open(data.join("gateway.sqlite3")).unwrap();
    let triggers: i64 = live
        .query_row(
            "SELECT count(*) FROM sqlite_master WHERE name = 'grant_hr'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(triggers, 0);
}

/// The gateway run by hand under `umask 000`: its data directory is 0700 and every file in it
/// (database, -wal, -shm) 0600; a backup written under that umask is 0600 too.
#[cfg(unix)]
#[test]
fn gateway_files_are_private_under_a_lax_umask() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let pki = dir.path().join("pki");
    let mut child = Command::new("bash")
        .arg("-c")
        .arg("umask 000; exec \"$0\" gateway run --listen 127.0.0.1:0 --result-delay-ms 10 --data \"$1\" --pki \"$2\"")
        .arg(sio())
        .arg(&data)
        .arg(&pki)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if line.contains("gateway listening") {
                let _ = tx.send(line);
            }
        }
    });
    let started = rx.recv_timeout(Duration::from_secs(120));
    let files: Vec<PathBuf> = std::fs::read_dir(&data)
        .map(|d| d.map(|e| e.unwrap().path()).collect())
        .unwrap_or_default();
    let modes: Vec<(PathBuf, u32)> = files.iter().map(|p| (p.clone(), mode_of(p))).collect();
    let dir_mode = std::fs::metadata(&data).map(|_| mode_of(&data)).ok();
    // Stop the gateway before asserting (no stray process on failure).
    let _ = child.kill();
    let _ = child.wait();
    started.expect("the gateway started");
    assert_eq!(dir_mode, Some(0o700), "data directory");
    for f in [
        "gateway.sqlite3",
        "gateway.sqlite3-wal",
        "gateway.sqlite3-shm",
    ] {
        assert!(files.iter().any(|p| p.ends_with(f)), "{f}: {files:?}");
    }
    for (p, m) in &modes {
        assert_eq!(m & 0o077, 0, "{} is {m:o}", p.display());
    }

    let backup = dir.path().join("gw.backup");
    let st = Command::new("bash")
        .arg("-c")
        .arg("umask 000; exec \"$0\" gateway backup --data \"$1\" \"$2\"")
        .arg(sio())
        .arg(&data)
        .arg(&backup)
        .stdout(Stdio::null())
        .status()
        .unwrap();
    assert!(st.success());
    assert_eq!(mode_of(&backup) & 0o077, 0);
}

/// `sio gateway admin journal | head -1`: the reader goes away after one line; the command
/// ends quietly with success instead of panicking on the closed pipe.
#[test]
fn admin_output_into_a_closed_pipe_does_not_panic() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let st = Command::new(sio())
        .args(["gateway", "admin", "--data"])
        .arg(&data)
        .arg("seed-demo")
        .status()
        .unwrap();
    assert!(st.success());
    // Far more output than a pipe holds (64 KiB), so that writing meets the closed pipe.
    let mut c = rusqlite::Connection::open(data.join("gateway.sqlite3")).unwrap();
    let tx = c.transaction().unwrap();
    for i in 0..5000 {
        tx.execute(
            "INSERT INTO journal (at, user, ip, resource, operation, outcome) VALUES ('2026-12-05T10:00:00.000+05:00', '850415300121', '127.0.0.1', ?1, 'GET', 'ok')",
            [format!("/v1/requests/{i:08}-padding-padding-padding-padding")],
        )
        .unwrap();
    }
    tx.commit().unwrap();
    drop(c);
    let out = Command::new("bash")
        .arg("-c")
        .arg("set -o pipefail; \"$0\" gateway admin --data \"$1\" journal --limit 5000 | head -1")
        .arg(sio())
        .arg(&data)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!err.contains("panicked"), "{err}");
    assert!(out.status.success(), "{:?}: {err}", out.status);
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "[");
}

/// `sio sign` asks for the PIN on the terminal without echoing it: run under a pseudo-terminal
/// (Python's `pty`), the PIN is typed only once the terminal's echo is off, and it appears
/// nowhere in what the terminal shows. (It used to be read as a plain echoed line.)
#[cfg(unix)]
#[test]
fn sign_reads_the_pin_without_echo() {
    const DRIVER: &str = r#"
import os, pty, select, sys, termios, time
pid, fd = pty.fork()
if pid == 0:
    os.execv(sys.argv[1], sys.argv[1:])
out, sent, deadline = b"", False, time.time() + 60
while time.time() < deadline:
    if not sent and b"PIN" in out:
        try:
            echo = termios.tcgetattr(fd)[3] & termios.ECHO
        except termios.error:
            echo = 1
        if not echo:
            os.write(fd, b"123456\n")
            sent = True
    r, _, _ = select.select([fd], [], [], 0.05)
    if r:
        try:
            data = os.read(fd, 4096)
        except OSError:
            break
        if not data:
            break
        out += data
if not sent:
    os.kill(pid, 9)
os.waitpid(pid, 0)
sys.stdout.buffer.write(out)
sys.exit(0 if sent else 3)
"#;
    let dir = tempfile::tempdir().unwrap();
    let doc = dir.path().join("doc.txt");
    std::fs::write(&doc, b"document").unwrap();
    let started = Instant::now();
    let out = Command::new("python3")
        .arg("-c")
        .arg(DRIVER)
        .arg(sio())
        .args(["sign", "--reader", "No Such Reader 00 00", "--in"])
        .arg(&doc)
        .arg("--out")
        .arg(dir.path().join("doc.p7s"))
        .output()
        .expect("python3 runs");
    let shown = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "the PIN prompt never turned the echo off ({:?}): {shown}",
        started.elapsed()
    );
    assert!(shown.contains("PIN"), "{shown}");
    assert!(!shown.contains("123456"), "the PIN was echoed: {shown}");
}
