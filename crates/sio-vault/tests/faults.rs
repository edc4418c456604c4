//! Faults met on a workstation, caused for real: the disk fills up (a small tmpfs mounted by the
//! test, filled to the last page) while a result is stored and while the audit journal is
//! appended. Asserted: the refusal carries a stable code; no plaintext is on disk; nothing half
//! written is accepted later (after the space comes back the vault's recovery erases it and the
//! journal verifies); work goes on once there is space again.
//!
//! Needs root for `mount -t tmpfs` (the test command runs as root); without it each test says
//! SKIPPED and passes. The keyring is the in-memory store: the keys are not what is under test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod fault_support;

use std::sync::Arc;

use fault_support::{Tmpfs, files_containing, leftovers};
use sio_vault::{
    Actor, Journal, KeyStore, MacKey, MemoryKeyStore, ObjectRef, Operation, Outcome, Principal,
    Record, ResultKind, ResultMeta, Vault, VaultConfig, verify,
};

/// The tests run one at a time: a `mount`/`df` child forked by one test's thread inherits the
/// other's open vault lock file until it execs, and the reopen then sees `VAULT_LOCKED`.
static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn serial() -> std::sync::MutexGuard<'static, ()> {
    ONE_AT_A_TIME
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn actor() -> Actor {
    Actor {
        principal: Principal::System("fault-test".into()),
        workstation: "WS-FAULT-01".into(),
        ip: None,
    }
}

fn meta(n: usize) -> ResultMeta {
    ResultMeta {
        request_id: format!("6f1c1a2e-8d52-4c1e-9a59-{n:012}"),
        kind: ResultKind::Json,
        received_at: chrono::Utc::now(),
    }
}

fn open(fs: &Tmpfs, keys: &Arc<MemoryKeyStore>) -> Result<(Vault, MacKey), sio_vault::VaultError> {
    let mac = MacKey::load_or_create(keys.as_ref(), "journal-mac").unwrap();
    let journal = Journal::open(&fs.path().join("audit.jsonl"), Some(mac.clone()))?;
    let vault = Vault::open(
        &fs.path().join("vault"),
        keys.clone() as Arc<dyn KeyStore>,
        journal,
        actor(),
        VaultConfig::default(),
    )?;
    Ok((vault, mac))
}

/// Store a 300 KB result with the space left at every size from nothing to more than enough:
/// each store either succeeds whole (listed, viewable, journaled) or is refused with a code, and
/// then no plaintext is anywhere and, once space is back, recovery leaves nothing of it.
#[test]
fn disk_full_while_storing_a_result() {
    let _serial = serial();
    let Some(fs) = Tmpfs::mount(2048) else { return };
    let keys = Arc::new(MemoryKeyStore::new());
    let marker = b"PLAINTEXT-RESULT-MARKER|".repeat(12_500); // 300 000 bytes
    let mut kept = Vec::new();
    let mut refused = 0;
    let mut codes = std::collections::BTreeSet::new();
    for (round, leave_pages) in [0u64, 1, 2, 8, 40, 72, 73, 74, 75, 76, 80, 120]
        .into_iter()
        .enumerate()
    {
        let (vault, _) = open(&fs, &keys).expect("the vault opens with space");
        fs.fill_leaving(leave_pages * 4096);
        match vault.store(meta(round), &marker) {
            Ok(id) => kept.push(id),
            Err(e) => {
                refused += 1;
                codes.insert(e.code().to_owned());
                assert!(
                    e.code() == "VAULT_IO" || e.code() == "VAULT_JOURNAL_IO",
                    "{}: {e}",
                    e.code()
                );
            }
        }
        assert!(
            files_containing(fs.path(), b"PLAINTEXT-RESULT-MARKER").is_empty(),
            "plaintext on disk after a store with {leave_pages} pages free"
        );
        drop(vault);
        fs.free();
        let (vault, mac) = open(&fs, &keys).expect("the vault opens after the fault");
        assert!(leftovers(&fs.path().join("vault")).is_empty());
        let listed: Vec<_> = vault.list().unwrap().into_iter().map(|r| r.id).collect();
        assert_eq!(listed, kept, "after {leave_pages} pages free");
        verify(&fs.path().join("audit.jsonl"), Some(&mac)).expect("the journal verifies");
        drop(vault);
    }
    assert!(
        refused >= 3 && !kept.is_empty(),
        "refused {refused}, kept {}",
        kept.len()
    );
    // Every kept result is whole, and is destroyed once viewed.
    let (vault, mac) = open(&fs, &keys).unwrap();
    for id in &kept {
        let viewed = vault.view(*id).unwrap();
        assert_eq!(viewed.plaintext(), marker.as_slice());
        viewed.close().unwrap();
    }
    assert!(vault.list().unwrap().is_empty());
    let report = verify(&fs.path().join("audit.jsonl"), Some(&mac)).unwrap();
    eprintln!(
        "stored {} of 12 with the disk full at varying points; refusals {codes:?}; journal {} entries",
        kept.len(),
        report.entries
    );
}

/// Append to the audit journal until the disk is full (a line cut at a page boundary): each
/// append succeeds or is refused with `VAULT_JOURNAL_IO`; once space is back the next append
/// drops the unfinished line (journaled as a recovery) and the whole journal verifies.
#[test]
fn disk_full_while_appending_the_journal() {
    let _serial = serial();
    let Some(fs) = Tmpfs::mount(256) else { return };
    let keys = MemoryKeyStore::new();
    let mac = MacKey::load_or_create(&keys, "journal-mac").unwrap();
    let path = fs.path().join("audit.jsonl");
    let journal = Journal::open(&path, Some(mac.clone())).unwrap();
    let rec = |i: usize| {
        Record::new(
            Operation::VaultOpened,
            ObjectRef::default(),
            Outcome::Success,
        )
        .with("filler", "x".repeat(300 + i % 97))
    };
    for i in 0..5 {
        journal.append(&actor(), rec(i)).unwrap();
    }
    fs.fill_leaving(0);
    let mut ok: u64 = 5;
    let mut refused = 0;
    for i in 0..60 {
        match journal.append(&actor(), rec(i)) {
            Ok(_) => ok += 1,
            Err(e) => {
                assert_eq!(e.code(), "VAULT_JOURNAL_IO", "{e}");
                refused += 1;
            }
        }
    }
    assert!(refused > 0, "the disk never filled");
    fs.free();
    journal
        .append(&actor(), rec(0))
        .expect("appends again with space");
    let report = verify(&path, Some(&mac)).expect("the journal verifies after the fault");
    // Every accepted entry is there, plus the one just made, plus at most one recovery entry.
    assert!(
        report.entries == ok + 1 || report.entries == ok + 2,
        "{} entries, {ok} accepted",
        report.entries
    );
    eprintln!(
        "journal: {ok} appends accepted, {refused} refused with the disk full, {} entries verify",
        report.entries
    );
}
