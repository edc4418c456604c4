//! Crash safety: a child process storing, viewing and shredding large results is killed with
//! SIGKILL at random moments; after each kill nothing is on disk in plaintext, the vault opens,
//! recovery shreds the orphans, every result left is intact, the journal verifies.
//!
//! The child is this test binary itself (test `crash_child_process`, code in
//! `tests/crash_child/mod.rs`, also the `crash_child` example). Needs the `keyutils` package
//! (the test runs itself under `keyctl session -`).
#![allow(clippy::unwrap_used)]

mod common;
mod crash_child;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::*;
use rand::Rng;
use sio_vault::{MacKey, ShredReason, VaultConfig, verify};

const SIZE: usize = 16 * 1024 * 1024;
const ROUNDS: usize = 12;

const CHILD_ARGS: &str = "SIO_VAULT_CRASH_CHILD_ARGS";

/// The child process: this test binary runs itself with this one test selected.
#[test]
#[ignore = "the crash test's child process; runs only when that test starts it"]
fn crash_child_process() {
    let Ok(args) = std::env::var(CHILD_ARGS) else {
        return;
    };
    let args: Vec<String> = args.split('\n').map(str::to_owned).collect();
    crash_child::run(&args).unwrap();
}

#[test]
fn kill_9_at_random_points_leaves_no_plaintext_and_recovery_cleans_up() {
    if !in_keyctl_session("kill_9_at_random_points_leaves_no_plaintext_and_recovery_cleans_up") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let marker = format!("CRASH-PLAINTEXT-{:08x}|", rand::thread_rng().r#gen::<u32>());
    let keys = os_keyring();
    let mut rng = rand::thread_rng();
    let mut phases = std::collections::BTreeMap::<String, usize>::new();
    let mut intact_checked = 0;
    let mut orphans_shredded = 0;
    for round in 0..ROUNDS {
        let args = [
            dir.path().display().to_string(),
            SIZE.to_string(),
            marker.clone(),
            key_prefix(dir.path()),
        ];
        let mut child = Command::new(std::env::current_exe().unwrap())
            .args([
                "--exact",
                "crash_child_process",
                "--include-ignored",
                "--nocapture",
            ])
            .env(CHILD_ARGS, args.join("\n"))
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let wait = Duration::from_millis(rng.gen_range(30..3000));
        let start = Instant::now();
        while start.elapsed() < wait {
            if let Some(status) = child.try_wait().unwrap() {
                let mut err = String::new();
                use std::io::Read;
                child
                    .stderr
                    .take()
                    .unwrap()
                    .read_to_string(&mut err)
                    .unwrap();
                panic!("round {round}: the child ended by itself ({status}): {err}");
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        child.kill().unwrap(); // SIGKILL
        let output = child.wait_with_output().unwrap();
        let stdout = String::from_utf8_lossy(&output.stdout);
        let phase = stdout
            .lines()
            .rev()
            .filter_map(|l| l.split(' ').next())
            .find(|w| ["stored", "viewing", "shredded"].contains(w))
            .unwrap_or("opening");
        *phases.entry(phase.to_owned()).or_default() += 1;

        // On disk: never plaintext, whatever the moment of the kill.
        let leaked = files_containing(dir.path(), marker.as_bytes());
        assert!(
            leaked.is_empty(),
            "round {round} ({phase}): plaintext on disk in {leaked:?}"
        );

        // Reopen: recovery runs, no panic, no error.
        let vault = open_vault(dir.path(), &keys, VaultConfig::default());
        let recovery = vault.recovery();
        assert!(
            !recovery.kek_created || round == 0,
            "round {round}: the KEK was lost"
        );
        for r in &recovery.shredded {
            assert!(
                matches!(
                    r.reason,
                    ShredReason::ViewedBeforeCrash
                        | ShredReason::DataWithoutSlot
                        | ShredReason::SlotWithoutData
                ),
                "round {round}: {r:?}"
            );
        }
        orphans_shredded += recovery.shredded.len();
        let vdir = dir.path().join("vault");
        for f in files(&vdir) {
            let name = f.0.file_name().unwrap().to_string_lossy().into_owned();
            assert!(
                !name.ends_with(".tmp"),
                "round {round}: temporary left: {name}"
            );
        }
        assert!(
            std::fs::read_dir(vdir.join("viewed"))
                .unwrap()
                .next()
                .is_none()
        );
        // Every result left is complete and opens; then it is shredded (viewed).
        for r in vault.list().unwrap() {
            assert!(r.first_viewed_at.is_none());
            let v = vault.view(r.id).unwrap();
            assert_eq!(v.plaintext().len(), SIZE);
            assert!(v.plaintext().starts_with(marker.as_bytes()));
            v.close().unwrap();
            intact_checked += 1;
        }
        assert!(files_containing(dir.path(), marker.as_bytes()).is_empty());
        drop(vault);
    }
    let mac = MacKey::load(keys.as_ref(), &mac_name(dir.path()))
        .unwrap()
        .unwrap();
    let report = verify(&dir.path().join("audit.jsonl"), Some(&mac)).unwrap();
    for (desc, payload) in keyring_payloads() {
        assert!(
            !contains(&payload, marker.as_bytes()),
            "keyring entry {desc}"
        );
    }
    assert!(
        intact_checked > 0,
        "no kill came after a completed store: {phases:?}"
    );
    forget_keys(dir.path(), &keys);
    eprintln!(
        "{ROUNDS} kills of a child handling {} MiB results; last line before the kill: {phases:?}; \
         orphans shredded at reopen: {orphans_shredded}; intact results reopened: {intact_checked}; \
         journal: {} entries verified",
        SIZE >> 20,
        report.entries
    );
}
