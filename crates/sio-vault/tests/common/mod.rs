//! Shared test helpers: a fresh kernel session keyring per test, actors, byte scans.
#![allow(dead_code)] // each test binary uses a subset

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

use sio_vault::{Actor, Journal, KeyStore, MacKey, OsKeyring, Principal, Vault, VaultConfig};

const IN_SESSION: &str = "SIO_VAULT_TEST_IN_KEYCTL_SESSION";

/// A shell prefix that runs the rest of the command in a private D-Bus session with GNOME
/// Keyring started and unlocked. It waits until the daemon owns the Secret Service name (a
/// client that comes earlier makes D-Bus activate a second daemon whose collection stays
/// locked: "Cannot create an item in a locked collection"), then until an item can be stored.
pub(crate) const SECRET_SERVICE_WRAPPER: &str = r#"exec dbus-run-session -- bash -c 'printf not-empty | gnome-keyring-daemon --unlock --components=secrets >/dev/null || exit 1; for i in $(seq 100); do dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus org.freedesktop.DBus.NameHasOwner string:org.freedesktop.secrets 2>/dev/null | grep -q true && break; sleep 0.05; done; for i in $(seq 100); do printf x | secret-tool store --label=probe sio-vault-probe 1 2>/dev/null && break; sleep 0.05; done; secret-tool clear sio-vault-probe 1; exec "$@"' _ "#;

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
    // With the `secret-service` feature the keyring crate also needs a Secret Service: a private
    // D-Bus session with an unlocked GNOME Keyring in a throw-away home directory.
    let home = tempfile::tempdir().unwrap();
    let wrapper = if cfg!(feature = "secret-service") {
        SECRET_SERVICE_WRAPPER
    } else {
        "exec "
    };
    let script = format!(
        "{wrapper}keyctl session - \"$0\" --exact {test} --nocapture --test-threads=1 \
         --include-ignored"
    );
    let mut cmd = Command::new("bash");
    cmd.args(["-c", &script]).arg(&exe).env(IN_SESSION, "1");
    if cfg!(feature = "secret-service") {
        std::fs::create_dir_all(home.path().join(".local/share")).unwrap();
        cmd.env("HOME", home.path())
            .env("XDG_DATA_HOME", home.path().join(".local/share"));
    }
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run bash/keyctl (apt-get install keyutils): {e}"));
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

/// Keyring entry names of the test in `dir` start with this: the kernel's persistent keyring is
/// shared by every session of the user, so names must not collide between tests.
pub(crate) fn key_prefix(dir: &Path) -> String {
    format!("{}:", dir.file_name().unwrap().to_string_lossy())
}

/// The journal MAC key's entry name for the test in `dir`.
pub(crate) fn mac_name(dir: &Path) -> String {
    format!("{}journal-mac", key_prefix(dir))
}

/// The KEK's entry name of the vault in `dir/vault`.
pub(crate) fn kek_name(dir: &Path) -> String {
    let v: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("vault/vault.json")).unwrap()).unwrap();
    format!("{}kek:{}", key_prefix(dir), v["vault_id"].as_str().unwrap())
}

/// Remove the test's keys from the keyring (they would outlive the session keyring).
pub(crate) fn forget_keys(dir: &Path, keys: &Arc<dyn KeyStore>) {
    if dir.join("vault/vault.json").exists() {
        keys.delete(&kek_name(dir)).unwrap();
    }
    keys.delete(&mac_name(dir)).unwrap();
}

/// A vault in `dir/vault`, journal `dir/audit.jsonl` MAC-ed with a key from the same store.
pub(crate) fn open_vault(dir: &Path, keys: &Arc<dyn KeyStore>, config: VaultConfig) -> Vault {
    let config = VaultConfig {
        key_prefix: key_prefix(dir),
        ..config
    };
    let mac = MacKey::load_or_create(keys.as_ref(), &mac_name(dir)).unwrap();
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
    keyring_keys().into_iter().map(|(_, d, p)| (d, p)).collect()
}

/// Every key reachable from the session, user and persistent keyrings: id, description, payload.
pub(crate) fn keyring_keys() -> Vec<(String, String, Vec<u8>)> {
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
                out.push((id.to_owned(), desc, payload));
            }
        }
    }
    out
}
