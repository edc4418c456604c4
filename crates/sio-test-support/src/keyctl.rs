//! Running a test in a fresh kernel session keyring: the vault, the outbox and the journal keep
//! their keys in the OS keyring (`OsKeyring`, Linux keyutils), and each test that uses it re-runs
//! itself under `keyctl session -` (package `keyutils`) so that it starts with an empty keyring.

use std::path::Path;
use std::process::Command;

/// Outside a session keyring: re-run `test` (an exact test name of the running test binary)
/// under `keyctl session -` with `marker` set in its environment, check that it ran and passed,
/// and return `false` (the caller returns). Inside (with `marker` set): return `true`.
pub fn in_keyctl_session(marker: &str, test: &str) -> bool {
    run(marker, test, None)
}

/// [`in_keyctl_session`], one test at a time across processes (util-linux `flock` on `lock`):
/// for keys that are one per user, as the kernel's persistent keyring is shared by sessions.
pub fn in_keyctl_session_locked(marker: &str, test: &str, lock: &Path) -> bool {
    run(marker, test, Some(lock))
}

fn run(marker: &str, test: &str, lock: Option<&Path>) -> bool {
    if std::env::var_os(marker).is_some() {
        return true;
    }
    let mut cmd = match lock {
        Some(lock) => {
            let mut c = Command::new("flock");
            c.arg(lock).arg("keyctl");
            c
        }
        None => Command::new("keyctl"),
    };
    let out = cmd
        .args(["session", "-"])
        .arg(std::env::current_exe().unwrap())
        .args(["--exact", test, "--nocapture", "--test-threads=1"])
        .env(marker, "1")
        .output()
        .unwrap_or_else(|e| panic!("cannot run flock/keyctl (apt-get install keyutils): {e}"));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "{test} under keyctl session failed:\n{stdout}\n{stderr}"
    );
    assert!(stdout.contains("1 passed"), "{test} did not run:\n{stdout}");
    eprint!("{stdout}{stderr}");
    false
}
