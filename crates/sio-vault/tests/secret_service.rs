//! The KEK in the Secret Service (feature `secret-service`): it survives the end of the kernel
//! session keyring (logout, reboot) because the keyring crate's persistent store keeps it in
//! GNOME Keyring, with keyutils as a cache.
//!
//! Needs `gnome-keyring`, `dbus` (`dbus-run-session`), `keyutils` and, to build,
//! `libdbus-1-dev`. The test starts its own private D-Bus session and an unlocked GNOME Keyring
//! with a throw-away home directory: `cargo test -p sio-vault --features secret-service`.
#![cfg(all(target_os = "linux", feature = "secret-service"))]
#![allow(clippy::unwrap_used)]

mod common;

use std::process::Command;
use std::sync::Arc;

use common::*;
use sio_vault::{KeyStore, OsKeyring, ResultKind, ResultMeta, VaultConfig};

const PHASE: &str = "SIO_VAULT_SS_PHASE";
const TEST: &str = "kek_in_the_secret_service_outlives_the_session_keyring";
const MARKER: &str = "SECRET-SERVICE-RESULT-MARKER";

fn keys() -> Arc<dyn KeyStore> {
    Arc::new(OsKeyring::new("sio-vault-ss-test"))
}

/// Run this test again in this binary, with `PHASE=phase`, under `wrapper`.
fn rerun(phase: &str, wrapper: &str, home: &std::path::Path) {
    let exe = std::env::current_exe().unwrap();
    let script =
        format!("{wrapper} keyctl session - \"$0\" --exact {TEST} --nocapture --test-threads=1");
    let out = Command::new("bash")
        .args(["-c", &script])
        .arg(exe)
        .env(PHASE, phase)
        .env("HOME", home)
        .env("XDG_DATA_HOME", home.join(".local/share"))
        .env("SIO_VAULT_TEST_IN_KEYCTL_SESSION", "1")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success() && stdout.contains("1 passed"),
        "{phase}:\n{stdout}\n{stderr}"
    );
}

#[test]
fn kek_in_the_secret_service_outlives_the_session_keyring() {
    let phase = std::env::var(PHASE).unwrap_or_default();
    let home = std::env::var_os("HOME")
        .map(std::path::PathBuf::from)
        .unwrap();
    match phase.as_str() {
        "" => {
            // A private D-Bus session with an unlocked GNOME Keyring in a throw-away home.
            let home = tempfile::tempdir().unwrap();
            std::fs::create_dir_all(home.path().join(".local/share")).unwrap();
            rerun("store", SECRET_SERVICE_WRAPPER, home.path());
        }
        "store" => {
            let dir = home.join("vault-test");
            std::fs::create_dir_all(&dir).unwrap();
            let keys = keys();
            let vault = open_vault(&dir, &keys, VaultConfig::default());
            assert!(vault.recovery().kek_created);
            let meta = ResultMeta {
                request_id: "ss-1".into(),
                kind: ResultKind::Json,
                received_at: chrono::Utc::now(),
            };
            vault
                .store(meta, format!("{{\"x\":\"{MARKER}\"}}").as_bytes())
                .unwrap();
            drop(vault);
            // A new, empty kernel session keyring in the same desktop session (as after a
            // logout): the KEK comes back from the Secret Service, the result still opens.
            rerun("reopen", "", &home);
            // The Secret Service holds the KEK under our service name.
            let vault_id: serde_json::Value =
                serde_json::from_slice(&std::fs::read(dir.join("vault/vault.json")).unwrap())
                    .unwrap();
            let user = format!(
                "{}kek:{}",
                key_prefix(&dir),
                vault_id["vault_id"].as_str().unwrap()
            );
            let found = Command::new("secret-tool")
                .args([
                    "search",
                    "--all",
                    "service",
                    "sio-vault-ss-test",
                    "username",
                    &user,
                ])
                .output()
                .unwrap();
            let listing = String::from_utf8_lossy(&found.stdout).to_string()
                + &String::from_utf8_lossy(&found.stderr);
            assert!(
                listing.contains(&user),
                "KEK not in the Secret Service: {listing}"
            );
            // Shredded in the other session: no trace in the vault or GNOME Keyring's files.
            assert!(files_containing(&home, MARKER.as_bytes()).is_empty());
            forget_keys(&dir, &keys);
        }
        "reopen" => {
            // Drop the keyutils copies (session and persistent keyrings): only the Secret
            // Service still has the KEK, as after a reboot.
            for (id, desc, _) in keyring_keys() {
                if desc.contains("@sio-vault-ss-test") && desc.contains("kek:") {
                    assert!(
                        Command::new("keyctl")
                            .args(["invalidate", &id])
                            .status()
                            .unwrap()
                            .success()
                    );
                }
            }
            std::thread::sleep(std::time::Duration::from_millis(200));
            assert!(
                keyring_payloads()
                    .iter()
                    .all(|(d, _)| !d.contains("kek:") || !d.contains("@sio-vault-ss-test")),
                "the KEK is still in keyutils: {:?}",
                keyring_keys()
                    .iter()
                    .map(|(i, d, _)| (i, d))
                    .collect::<Vec<_>>()
            );
            let dir = home.join("vault-test");
            let keys = keys();
            let vault = open_vault(&dir, &keys, VaultConfig::default());
            assert!(
                !vault.recovery().kek_created,
                "KEK not found in the Secret Service"
            );
            let listed = vault.list().unwrap();
            assert_eq!(listed.len(), 1);
            let viewed = vault.view(listed[0].id).unwrap();
            assert!(contains(viewed.plaintext(), MARKER.as_bytes()));
            viewed.close().unwrap();
        }
        other => panic!("unknown phase {other}"),
    }
}
