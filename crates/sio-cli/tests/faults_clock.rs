//! The workstation's clock an hour ahead of or behind the gateway's, for real: `sio login` runs
//! with libfaketime preloaded (Debian `faketime`), against the reference gateway over mutual TLS
//! with the virtual PIV card. Asserted: `CLIENT_CLOCK_SKEW` (exit 1), found at the challenge,
//! before anything is signed (no SMS code asked, no session at the gateway); an hour behind, the
//! card's certificates (provisioned by the test seconds ago) are refused first
//! (`TOKEN_CERT_NOT_YET_VALID`), also before signing; the same login with the clock right goes through.
//!
//! Without libfaketime the test says SKIPPED and passes.
#![allow(clippy::unwrap_used)]

mod support;

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Command, Stdio};

use support::{IIN, PIN, World};

const FAKETIME: &str = "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1";

/// `sio login` with the clock shifted by `offset` (libfaketime syntax, e.g. `+1h`).
fn login_shifted(world: &World, offset: &str) -> (bool, serde_json::Value, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_sio"))
        .args(["login", "--stdin", "--gateway", &world.url, "--ca"])
        .arg(world.pki.join(sio_pki::paths::CA_CERT))
        .env("LD_PRELOAD", FAKETIME)
        .env("FAKETIME", offset)
        // Timers and timeouts keep the real monotonic clock: only the wall clock jumps.
        .env("FAKETIME_DONT_FAKE_MONOTONIC", "1")
        .env("DONT_FAKE_MONOTONIC", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    // The card PIN only: a process that asked for more would wait here and fail the test.
    let _ = writeln!(stdin, "{PIN}");
    drop(stdin);
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let json = BufReader::new(out.stdout.as_slice())
        .lines()
        .map_while(Result::ok)
        .filter_map(|l| serde_json::from_str(&l).ok())
        .last()
        .unwrap_or(serde_json::Value::Null);
    (out.status.success(), json, stderr)
}

/// The user's sessions in the gateway's database (read with the `sqlite3` shell, as an
/// operator would).
fn sessions_of(data: &Path) -> i64 {
    let out = Command::new("sqlite3")
        .arg(data.join(sio_gateway::db::DB_FILE))
        .arg(format!(
            "SELECT count(*) FROM sessions WHERE iin = '{IIN}';"
        ))
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout).trim().parse().unwrap()
}

#[test]
fn workstation_clock_an_hour_ahead_or_behind_is_refused_before_signing() {
    if !Path::new(FAKETIME).exists() {
        eprintln!("SKIPPED: libfaketime is not installed (apt-get install faketime)");
        return;
    }
    let world = World::up();
    for offset in ["+1h", "-1h"] {
        let (ok, out, err) = login_shifted(&world, offset);
        assert!(!ok, "{offset}: {out}\n{err}");
        // Behind, the card's certificates (issued when the test provisioned the card, seconds
        // ago) are not yet valid on the workstation's clock: refused even earlier, at the card,
        // with its own code. Certificates issued more than an hour ago meet the clock check.
        let allowed: &[&str] = if offset == "-1h" {
            &["CLIENT_CLOCK_SKEW", "TOKEN_CERT_NOT_YET_VALID"]
        } else {
            &["CLIENT_CLOCK_SKEW"]
        };
        assert!(
            out["code"].as_str().is_some_and(|c| allowed.contains(&c)),
            "{offset}: {out}\n{err}"
        );
        assert!(
            !err.contains("SMS"),
            "{offset}: asked for an SMS code:\n{err}"
        );
        eprintln!("clock {offset}: {}", out["message"]);
    }
    let before = sessions_of(&world.data);
    assert_eq!(before, 0, "a skewed login left a session at the gateway");
    // The same machine with its clock right: the login reaches the second factor.
    let mut login = world.spawn_login(&[]);
    login.type_line(PIN);
    let code = world.sms_code(IIN, None);
    login.type_line(&code);
    login.type_line(PIN);
    let (ok, out, err) = login.finish();
    assert!(ok, "{out}\n{err}");
    assert_eq!(sessions_of(&world.data), 1);
}
