//! Shared test helpers: a fresh kernel session keyring per test, actors, byte scans.
#![allow(dead_code)] // each test binary uses a subset

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

use sio_vault::{Actor, Journal, KeyStore, MacKey, OsKeyring, Principal, Vault, VaultConfig};

const IN_SESSION: &str = "SIO_VAULT_TEST_IN_KEYCTL_SESSION";

/// The Linux keyutils store needs a session keyring of our own (a process without one falls
/// back to the user-session keyring, where keys are added but not found again). Each test that
/// uses the OS keyring calls this first: outside a session it re-runs itself (this exact test,
/// in this test binary) under `keyctl session -` — a fresh, empty session keyring — checks
/// that run passed, and returns `false`; inside it returns `true` and the test goes on.
pub(crate) fn in_keyctl_session(test: &str) -> bool {
    if std::env::var_os(IN_SESSION).is_some() {
        return true;
    }
    let exe = std::env::current_exe().unwrap();
    let out = Command::new("keyctl")
        .args(["session", "-"])
        .arg(&exe)
        .args([
            "--exact",
            test,
            "--nocapture",
            "--test-threads=1",
            "--include-ignored",
        ])
        .env(IN_SESSION, "1")
        .output()
        .unwrap_or_else(|e| panic!("cannot run keyctl (apt-get install keyutils): {e}"));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "{test} under keyctl session failed:\n{stdout}\n{stderr}"
    );
    assert!(
        stdout.contains("1 passed"),
        "{test} did not run under keyctl session:\n{stdout}"
    );
    eprint!("{stdout}{stderr}");
    false
}

/// A signed-in officer at workstation WS-TEST-01.
pub(crate) fn officer() -> Actor {
    Actor {
        principal: Principal::User(sio_core::Iin::parse("900101300106").unwrap()),
        workstation: "WS-TEST-01".to_owned(),
        ip: Some("10.20.30.40".parse().unwrap()),
    }
}

/// The OS keyring store used by the tests.
pub(crate) fn os_keyring() -> Arc<dyn KeyStore> {
    Arc::new(OsKeyring::new("sio-vault-test"))
}

/// A vault in `dir/vault`, journal `dir/audit.jsonl` MAC-ed with a key from the same store.
pub(crate) fn open_vault(dir: &Path, keys: &Arc<dyn KeyStore>, config: VaultConfig) -> Vault {
    let mac = MacKey::load_or_create(keys.as_ref(), "journal-mac").unwrap();
    let journal = Journal::open(&dir.join("audit.jsonl"), Some(mac)).unwrap();
    Vault::open(
        &dir.join("vault"),
        Arc::clone(keys),
        journal,
        officer(),
        config,
    )
    .unwrap()
}

/// Every regular file under `root`, with its raw bytes.
pub(crate) fn files(root: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if let Ok(bytes) = std::fs::read(&p) {
                out.push((p, bytes));
            }
        }
    }
    out
}

/// Whether `hay` contains `needle`.
pub(crate) fn contains(hay: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && hay.windows(needle.len()).any(|w| w == needle)
}

/// Files under `root` whose raw bytes contain `needle`.
pub(crate) fn files_containing(root: &Path, needle: &[u8]) -> Vec<PathBuf> {
    files(root)
        .into_iter()
        .filter(|(_, b)| contains(b, needle))
        .map(|(p, _)| p)
        .collect()
}

fn keyctl(args: &[&str]) -> Option<Vec<u8>> {
    let out = Command::new("keyctl").args(args).output().ok()?;
    out.status.success().then_some(out.stdout)
}

/// The payloads of every key reachable from the session, user and persistent keyrings
/// (read with `keyctl`, not through our code).
pub(crate) fn keyring_payloads() -> Vec<(String, Vec<u8>)> {
    let mut rings: Vec<String> = vec!["@s".into(), "@u".into()];
    if let Some(p) = keyctl(&["get_persistent", "@s"]) {
        rings.push(String::from_utf8_lossy(&p).trim().to_owned());
    }
    let mut seen = std::collections::BTreeSet::new();
    let mut out = Vec::new();
    while let Some(ring) = rings.pop() {
        let Some(ids) = keyctl(&["rlist", &ring]) else {
            continue;
        };
        for id in String::from_utf8_lossy(&ids).split_whitespace() {
            if !seen.insert(id.to_owned()) {
                continue;
            }
            let desc = keyctl(&["rdescribe", id]).unwrap_or_default();
            let desc = String::from_utf8_lossy(&desc).trim().to_owned();
            if desc.starts_with("keyring;") {
                rings.push(id.to_owned());
            } else if let Some(payload) = keyctl(&["pipe", id]) {
                out.push((desc, payload));
            }
        }
    }
    out
}
