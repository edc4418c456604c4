//! `sio request send` signs a request with a structural warning (issue 18: an ИИН with month 13,
//! an all-zero ЕРДР, …; the acts are silent, so it stays searchable, but never silently) only
//! with `--confirm-warnings`; the refusal comes before the card or the gateway is touched.
#![allow(clippy::unwrap_used)]

use std::process::{Command, Stdio};

use serde_json::Value;

fn send(extra: &[&str]) -> (bool, Value, String) {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_sio"))
        .args(["request", "send", "--role", "3", "--basis", "criminal"])
        .args(["--erdr", "241500031000123", "--service", "1"])
        // 901301300106: month 13, check digit valid.
        .args(["--subject", "901301300106", "--stdin"])
        .args([
            "--gateway",
            "https://127.0.0.1:9",
            "--ca",
            "/nonexistent/ca.pem",
        ])
        .arg("--data-dir")
        .arg(dir.path())
        .args(extra)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let last = stdout
        .lines()
        .rev()
        .find_map(|l| serde_json::from_str::<Value>(l).ok())
        .unwrap_or(Value::Null);
    (
        out.status.success(),
        last,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn a_warning_is_signed_only_when_confirmed() {
    let (ok, v, stderr) = send(&[]);
    assert!(!ok);
    assert_eq!(v["code"], "CLI_WARNINGS_UNCONFIRMED", "{v} {stderr}");
    assert!(
        v["message"]
            .as_str()
            .unwrap()
            .contains("CORE_WARN_IIN_MONTH")
    );
    assert!(stderr.contains("Warning CORE_WARN_IIN_MONTH"), "{stderr}");
    // Confirmed, it goes on to the card (none here, or no PIN on stdin): another failure.
    let (ok, v, stderr) = send(&["--confirm-warnings"]);
    assert!(!ok);
    assert_ne!(v["code"], "CLI_WARNINGS_UNCONFIRMED", "{v} {stderr}");
}
