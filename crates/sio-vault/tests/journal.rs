//! The audit journal: append, verify, and detection of every kind of tampering.
#![allow(clippy::unwrap_used)]

mod common;

use std::path::Path;

use common::*;
use rand::Rng;
use sio_vault::journal::Entry;
use sio_vault::{
    Actor, Journal, KeyStore, MacKey, MemoryKeyStore, ObjectRef, Operation, Outcome, Principal,
    Record, verify,
};

fn record(i: usize) -> Record {
    Record::new(
        Operation::RequestSent,
        ObjectRef {
            request_id: Some(format!("req-{i:04}")),
            result_id: None,
        },
        Outcome::Success,
    )
    .with("service", "12")
}

/// A journal of `n` entries, MAC-ed under a key from `keys`.
fn journal_of(dir: &Path, n: usize, mac: Option<MacKey>) -> std::path::PathBuf {
    let path = dir.join("audit.jsonl");
    let j = Journal::open(&path, mac).unwrap();
    for i in 0..n {
        assert_eq!(j.append(&officer(), record(i)).unwrap(), i as u64 + 1);
    }
    path
}

fn lines(path: &Path) -> Vec<String> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect()
}

fn write_lines(path: &Path, lines: &[String]) {
    let mut s = lines.join("\n");
    s.push('\n');
    std::fs::write(path, s).unwrap();
}

fn fails(path: &Path, mac: Option<&MacKey>) -> (&'static str, u64) {
    let e = verify(path, mac).unwrap_err();
    (e.code(), e.seq().unwrap())
}

fn key() -> MacKey {
    MacKey::load_or_create(&MemoryKeyStore::new(), "journal-mac").unwrap()
}

#[test]
fn entries_carry_the_fields_of_the_rules_and_verify() {
    let dir = tempfile::tempdir().unwrap();
    let mac = key();
    let path = journal_of(dir.path(), 5, Some(mac.clone()));
    let report = verify(&path, Some(&mac)).unwrap();
    assert_eq!(report.entries, 5);
    assert!(report.head_checked && report.macs_checked);
    assert_eq!(verify(&path, None).unwrap().entries, 5);
    let e: Entry = serde_json::from_str(&lines(&path)[2]).unwrap();
    assert_eq!(e.seq, 3);
    assert!(e.time.ends_with("+05:00"), "{}", e.time); // Astana time
    assert_eq!(e.user, "900101300106");
    assert_eq!(e.workstation, "WS-TEST-01");
    assert_eq!(e.ip.as_deref(), Some("10.20.30.40"));
    assert_eq!(
        (e.resource.as_str(), e.operation.as_str()),
        ("requests", "request.sent")
    );
    assert_eq!(e.object.request_id.as_deref(), Some("req-0002"));
    assert_eq!(e.outcome, "success");
    assert_eq!(e.prev.len(), 64);
    // Another key does not verify.
    assert_eq!(fails(&path, Some(&key())), ("VAULT_JOURNAL_MAC_INVALID", 1));
    // A system actor.
    let j = Journal::open(&path, Some(mac.clone())).unwrap();
    let sys = Actor {
        principal: Principal::System("gateway".into()),
        workstation: "WS".into(),
        ip: None,
    };
    j.append(&sys, record(9)).unwrap();
    assert!(lines(&path)[5].contains("\"user\":\"system:gateway\""));
    verify(&path, Some(&mac)).unwrap();
}

#[test]
fn an_edited_field_is_found_at_its_entry() {
    let dir = tempfile::tempdir().unwrap();
    let path = journal_of(dir.path(), 6, Some(key()));
    let mut l = lines(&path);
    l[3] = l[3].replace("req-0003", "req-9999");
    write_lines(&path, &l);
    assert_eq!(fails(&path, None), ("VAULT_JOURNAL_ENTRY_ALTERED", 4));
    // Whitespace that parses the same is still an edit.
    let mut l = lines(&journal_of(tempfile::tempdir().unwrap().path(), 3, None));
    l[1] = l[1].replacen(",", ", ", 1);
    let p2 = dir.path().join("b.jsonl");
    write_lines(&p2, &l);
    assert_eq!(fails(&p2, None), ("VAULT_JOURNAL_NOT_CANONICAL", 2));
}

#[test]
fn any_flipped_byte_is_found_at_its_entry() {
    let dir = tempfile::tempdir().unwrap();
    let mac = key();
    let path = journal_of(dir.path(), 8, Some(mac.clone()));
    let original = std::fs::read(&path).unwrap();
    let starts: Vec<usize> = std::iter::once(0)
        .chain(
            original
                .iter()
                .enumerate()
                .filter(|(_, b)| **b == b'\n')
                .map(|(i, _)| i + 1),
        )
        .collect();
    let mut rng = rand::thread_rng();
    for _ in 0..300 {
        let k = rng.gen_range(0..8usize);
        let pos = rng.gen_range(starts[k]..starts[k + 1] - 1);
        let mut bytes = original.clone();
        let old = bytes[pos];
        bytes[pos] = loop {
            let b: u8 = rng.r#gen();
            if b != old {
                break b;
            }
        };
        std::fs::write(&path, &bytes).unwrap();
        for key in [None, Some(&mac)] {
            let (code, seq) = fails(&path, key);
            assert_eq!(seq, k as u64 + 1, "byte {pos} of entry {} ({code})", k + 1);
        }
    }
}

#[test]
fn a_deleted_line_is_found() {
    let dir = tempfile::tempdir().unwrap();
    let path = journal_of(dir.path(), 6, None);
    let mut l = lines(&path);
    l.remove(2);
    write_lines(&path, &l);
    assert_eq!(fails(&path, None), ("VAULT_JOURNAL_ENTRY_MISSING", 3));
    let mut l = lines(&path);
    l.remove(0);
    write_lines(&path, &l);
    assert_eq!(fails(&path, None), ("VAULT_JOURNAL_ENTRY_MISSING", 1));
}

#[test]
fn swapped_lines_are_found() {
    let dir = tempfile::tempdir().unwrap();
    let path = journal_of(dir.path(), 6, None);
    let mut l = lines(&path);
    l.swap(3, 4);
    write_lines(&path, &l);
    assert_eq!(fails(&path, None), ("VAULT_JOURNAL_OUT_OF_ORDER", 4));
}

#[test]
fn an_inserted_or_duplicated_line_is_found() {
    let dir = tempfile::tempdir().unwrap();
    let path = journal_of(dir.path(), 6, None);
    let mut l = lines(&path);
    let copy = l[1].clone();
    l.insert(2, copy);
    write_lines(&path, &l);
    assert_eq!(fails(&path, None), ("VAULT_JOURNAL_OUT_OF_ORDER", 3));
}

#[test]
fn truncation_is_found() {
    let dir = tempfile::tempdir().unwrap();
    let path = journal_of(dir.path(), 6, None);
    let bytes = std::fs::read(&path).unwrap();
    // Cut inside the last entry.
    std::fs::write(&path, &bytes[..bytes.len() - 20]).unwrap();
    assert_eq!(fails(&path, None), ("VAULT_JOURNAL_MALFORMED", 6));
    // Whole entries cut off the end: the head still names entry 6.
    let l = lines(&path);
    write_lines(&path, &l[..4]);
    assert_eq!(fails(&path, None), ("VAULT_JOURNAL_TRUNCATED", 5));
    // And the journal refuses to be written on.
    assert_eq!(
        Journal::open(&path, None).unwrap_err().code(),
        "VAULT_JOURNAL_TRUNCATED"
    );
}

/// Rewrite the whole chain from entry `from` with new content and recomputed hashes, as someone
/// without the MAC key would.
fn forge_from(path: &Path, from: usize) {
    let mut entries: Vec<Entry> = lines(path)
        .iter()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    for i in from..entries.len() {
        if i == from {
            entries[i].object.request_id = Some("forged".into());
        }
        if i > 0 {
            entries[i].prev = entries[i - 1].hash.clone();
        }
        entries[i].hash = String::new();
        let canonical = serde_json::to_string(&entries[i]).unwrap();
        entries[i].hash = {
            use sha2::Digest;
            hex::encode(sha2::Sha256::digest(canonical.as_bytes()))
        };
    }
    let l: Vec<String> = entries
        .iter()
        .map(|e| serde_json::to_string(e).unwrap())
        .collect();
    write_lines(path, &l);
}

#[test]
fn a_recomputed_chain_is_caught_by_the_head_and_the_mac() {
    let dir = tempfile::tempdir().unwrap();
    let mac = key();
    let path = journal_of(dir.path(), 6, Some(mac.clone()));
    let head = std::fs::read(dir.path().join("audit.jsonl.head")).unwrap();
    forge_from(&path, 2);
    assert_eq!(fails(&path, None), ("VAULT_JOURNAL_HEAD_MISMATCH", 6));
    assert_eq!(fails(&path, Some(&mac)), ("VAULT_JOURNAL_MAC_INVALID", 3));
    // What the chain alone cannot stop: without the key, the head can be forged too. Only the
    // MAC (its key in the keyring) catches that.
    let last: Entry = serde_json::from_str(lines(&path).last().unwrap()).unwrap();
    let mut h: serde_json::Value = serde_json::from_slice(&head).unwrap();
    h["hash"] = last.hash.into();
    std::fs::write(dir.path().join("audit.jsonl.head"), h.to_string()).unwrap();
    assert_eq!(verify(&path, None).unwrap().entries, 6);
    assert_eq!(fails(&path, Some(&mac)), ("VAULT_JOURNAL_MAC_INVALID", 3));
}

#[test]
fn an_unfinished_append_is_dropped_and_recorded_at_open() {
    let dir = tempfile::tempdir().unwrap();
    let path = journal_of(dir.path(), 3, None);
    let mut bytes = std::fs::read(&path).unwrap();
    bytes.extend_from_slice(b"{\"seq\":4,\"time\":\"2026-");
    std::fs::write(&path, &bytes).unwrap();
    assert_eq!(fails(&path, None), ("VAULT_JOURNAL_MALFORMED", 4));
    let j = Journal::open(&path, None).unwrap();
    let l = lines(&path);
    assert_eq!(l.len(), 4);
    assert!(l[3].contains("journal.recovered") && l[3].contains("dropped_unfinished_bytes"));
    j.append(&officer(), record(5)).unwrap();
    assert_eq!(verify(&path, None).unwrap().entries, 5);
}

#[test]
fn the_mac_key_lives_in_the_os_keyring() {
    if !in_keyctl_session("the_mac_key_lives_in_the_os_keyring") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let keys = os_keyring();
    let name = mac_name(dir.path());
    let mac = MacKey::load_or_create(keys.as_ref(), &name).unwrap();
    let path = journal_of(dir.path(), 3, Some(mac));
    let again = MacKey::load(keys.as_ref(), &name).unwrap().unwrap();
    assert!(verify(&path, Some(&again)).unwrap().macs_checked);
    assert!(keys.load(&name).unwrap().is_some_and(|k| k.len() == 32));
    if !cfg!(feature = "secret-service") {
        assert!(
            keyring_payloads()
                .iter()
                .any(|(d, _)| d.contains(&format!("keyring-rs:{name}@sio-vault-test")))
        );
    }
    forget_keys(dir.path(), &keys);
}

#[test]
fn appends_from_two_processes_or_threads_keep_one_chain() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("audit.jsonl");
    let handles: Vec<_> = (0..4)
        .map(|t| {
            let path = path.clone();
            std::thread::spawn(move || {
                let j = Journal::open(&path, None).unwrap();
                for i in 0..25 {
                    j.append(&officer(), record(t * 100 + i)).unwrap();
                }
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    assert_eq!(verify(&path, None).unwrap().entries, 100);
    let _ = MemoryKeyStore::new().describe();
}

#[test]
fn a_journal_deleted_or_cut_is_not_written_on() {
    let dir = tempfile::tempdir().unwrap();
    let path = journal_of(dir.path(), 4, None);
    let j = Journal::open(&path, None).unwrap();
    std::fs::remove_file(&path).unwrap();
    let e = j.append(&officer(), record(5)).unwrap_err();
    assert_eq!((e.code(), e.seq()), ("VAULT_JOURNAL_TRUNCATED", Some(1)));
    assert_eq!(fails(&path, None), ("VAULT_JOURNAL_TRUNCATED", 1));
    // A crash mid-append by another writer, seen by an open journal: dropped and recorded.
    let other = dir.path().join("b");
    std::fs::create_dir_all(&other).unwrap();
    let path = journal_of(&other, 2, None);
    let j = Journal::open(&path, None).unwrap();
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .open(&path)
        .unwrap();
    std::io::Write::write_all(&mut f, b"{\"seq\":3,\"ti").unwrap();
    assert_eq!(j.append(&officer(), record(3)).unwrap(), 4);
    assert!(lines(&path)[2].contains("journal.recovered"));
    assert_eq!(verify(&path, None).unwrap().entries, 4);
}

// ---- The head anchored in the keyring (issue 16 item 5) -------------------------------------

use std::sync::Arc;

use sio_vault::{JournalKeys, MacCheck, accept_current, verify_anchored};

/// The journal's keys in `store` (prefix `t:`), for `dir/audit.jsonl`.
fn keys_in(store: &Arc<dyn KeyStore>, dir: &Path) -> JournalKeys {
    JournalKeys::new(Arc::clone(store), "t:", &dir.join("audit.jsonl")).unwrap()
}

/// An anchored journal of `n` entries in `dir`, its keys in a fresh in-memory store.
fn anchored_of(dir: &Path, n: usize) -> (std::path::PathBuf, Arc<dyn KeyStore>, JournalKeys) {
    let store: Arc<dyn KeyStore> = Arc::new(MemoryKeyStore::new());
    let keys = keys_in(&store, dir);
    let path = dir.join("audit.jsonl");
    let j = Journal::open_anchored(&path, keys.clone()).unwrap();
    for i in 0..n {
        j.append(&officer(), record(i)).unwrap();
    }
    (path, store, keys)
}

fn anchored_fails(path: &Path, keys: &JournalKeys, macs: MacCheck) -> (&'static str, Option<u64>) {
    let e = verify_anchored(path, keys, macs).unwrap_err();
    (e.code(), e.seq())
}

fn head_file(path: &Path) -> std::path::PathBuf {
    path.with_file_name("audit.jsonl.head")
}

#[test]
fn an_intact_anchored_journal_verifies_with_its_head_in_the_keyring() {
    let dir = tempfile::tempdir().unwrap();
    let (path, store, keys) = anchored_of(dir.path(), 5);
    let r = verify_anchored(&path, &keys, MacCheck::Require).unwrap();
    assert_eq!(r.entries, 5);
    assert!(r.anchor_checked && r.head_checked && r.macs_checked);
    assert_eq!(r.macs_checked_from, 1);
    // The head is in the store, MAC-ed, and names the last entry.
    let head: serde_json::Value =
        serde_json::from_slice(&store.load(keys.head_name()).unwrap().unwrap()).unwrap();
    let last: Entry = serde_json::from_str(lines(&path).last().unwrap()).unwrap();
    assert_eq!(head["seq"], 5);
    assert_eq!(head["hash"], last.hash.as_str());
    assert_eq!(head["mac"].as_str().unwrap().len(), 64);
    assert!(keys.head_name().starts_with("t:journal-head:"));
    // Every entry is MAC-ed; the journal reopens and appends.
    assert!(lines(&path).iter().all(|l| !l.contains("\"mac\":null")));
    let j = Journal::open_anchored(&path, keys.clone()).unwrap();
    assert_eq!(j.append(&officer(), record(6)).unwrap(), 6);
    assert_eq!(
        verify_anchored(&path, &keys, MacCheck::Require)
            .unwrap()
            .entries,
        6
    );
    // Two journals of one user have heads of their own.
    let other = tempfile::tempdir().unwrap();
    assert_ne!(keys_in(&store, other.path()).head_name(), keys.head_name());
}

#[test]
fn a_cut_tail_with_the_head_file_deleted_is_truncated() {
    let dir = tempfile::tempdir().unwrap();
    let (path, store, keys) = anchored_of(dir.path(), 6);
    let l = lines(&path);
    write_lines(&path, &l[..4]);
    std::fs::remove_file(head_file(&path)).unwrap();
    // The file alone cannot tell (the hole of issue 16) …
    let mac = MacKey::load(store.as_ref(), keys.mac_name())
        .unwrap()
        .unwrap();
    assert_eq!(verify(&path, Some(&mac)).unwrap().entries, 4);
    // … the keyring's head can.
    for macs in [MacCheck::Require, MacCheck::Skip] {
        assert_eq!(
            anchored_fails(&path, &keys, macs),
            ("VAULT_JOURNAL_TRUNCATED", Some(5))
        );
    }
    assert_eq!(
        Journal::open_anchored(&path, keys.clone())
            .unwrap_err()
            .code(),
        "VAULT_JOURNAL_TRUNCATED"
    );
    // The journal deleted (or emptied) with its head file: truncated from entry 1.
    std::fs::write(&path, b"").unwrap();
    assert_eq!(
        anchored_fails(&path, &keys, MacCheck::Require),
        ("VAULT_JOURNAL_TRUNCATED", Some(1))
    );
    std::fs::remove_file(&path).unwrap();
    let e = Journal::open_anchored(&path, keys).unwrap_err();
    assert_eq!((e.code(), e.seq()), ("VAULT_JOURNAL_TRUNCATED", Some(1)));
}

#[test]
fn the_whole_file_rolled_back_to_an_older_copy_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let (path, _store, keys) = anchored_of(dir.path(), 3);
    let old_journal = std::fs::read(&path).unwrap();
    let old_head = std::fs::read(head_file(&path)).unwrap();
    let j = Journal::open_anchored(&path, keys.clone()).unwrap();
    for i in 3..6 {
        j.append(&officer(), record(i)).unwrap();
    }
    drop(j);
    // Journal and head file both put back as they were.
    std::fs::write(&path, &old_journal).unwrap();
    std::fs::write(head_file(&path), &old_head).unwrap();
    assert_eq!(verify(&path, None).unwrap().entries, 3);
    assert_eq!(
        anchored_fails(&path, &keys, MacCheck::Require),
        ("VAULT_JOURNAL_TRUNCATED", Some(4))
    );
    assert_eq!(
        Journal::open_anchored(&path, keys).unwrap_err().code(),
        "VAULT_JOURNAL_TRUNCATED"
    );
}

#[test]
fn a_chain_rewritten_without_macs_is_caught_even_with_no_mac() {
    let dir = tempfile::tempdir().unwrap();
    let (path, store, keys) = anchored_of(dir.path(), 6);
    // Rewrite from entry 3 with MACs stripped and hashes recomputed; the head file to match.
    let mut entries: Vec<Entry> = lines(&path)
        .iter()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    for e in &mut entries[2..] {
        e.mac = None;
    }
    write_lines(
        &path,
        &entries
            .iter()
            .map(|e| serde_json::to_string(e).unwrap())
            .collect::<Vec<_>>(),
    );
    forge_from(&path, 2);
    let last: Entry = serde_json::from_str(lines(&path).last().unwrap()).unwrap();
    std::fs::write(
        head_file(&path),
        serde_json::json!({"seq": 6, "hash": last.hash, "mac": null}).to_string(),
    )
    .unwrap();
    assert_eq!(verify(&path, None).unwrap().entries, 6); // the file alone: fooled
    // With the key from the keyring: the MAC.
    assert_eq!(
        anchored_fails(&path, &keys, MacCheck::Require),
        ("VAULT_JOURNAL_MAC_INVALID", Some(3))
    );
    // Without MAC checks: the anchored head still names the real last entry.
    assert_eq!(
        anchored_fails(&path, &keys, MacCheck::Skip),
        ("VAULT_JOURNAL_HEAD_MISMATCH", Some(6))
    );
    // No key in the store at all: refused as unchecked, not passed.
    let head = store.load(keys.head_name()).unwrap().unwrap();
    let bare: Arc<dyn KeyStore> = Arc::new(MemoryKeyStore::new());
    bare.store(keys.head_name(), &head).unwrap();
    let bare_keys = keys_in(&bare, dir.path());
    assert_eq!(
        anchored_fails(&path, &bare_keys, MacCheck::Require),
        ("VAULT_JOURNAL_MAC_UNCHECKED", None)
    );
}

#[test]
fn without_the_key_only_an_explicit_skip_passes_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let (path, store, keys) = anchored_of(dir.path(), 4);
    let bare: Arc<dyn KeyStore> = Arc::new(MemoryKeyStore::new());
    bare.store(
        keys.head_name(),
        &store.load(keys.head_name()).unwrap().unwrap(),
    )
    .unwrap();
    let bare_keys = keys_in(&bare, dir.path());
    assert_eq!(
        anchored_fails(&path, &bare_keys, MacCheck::Require),
        ("VAULT_JOURNAL_MAC_UNCHECKED", None)
    );
    let r = verify_anchored(&path, &bare_keys, MacCheck::Skip).unwrap();
    assert!(!r.macs_checked && r.anchor_checked);
    assert_eq!((r.entries, r.macs_checked_from), (4, 0));
}

#[test]
fn a_missing_head_is_refused_until_the_helpdesk_accepts_the_journal() {
    let dir = tempfile::tempdir().unwrap();
    let store: Arc<dyn KeyStore> = Arc::new(MemoryKeyStore::new());
    let keys = keys_in(&store, dir.path());
    // A journal written before anchoring: MAC-ed under the same key, no head in the keyring.
    let mac = MacKey::load_or_create(store.as_ref(), keys.mac_name()).unwrap();
    let path = journal_of(dir.path(), 4, Some(mac));
    assert_eq!(
        anchored_fails(&path, &keys, MacCheck::Require),
        ("VAULT_JOURNAL_HEAD_MISSING", None)
    );
    let e = Journal::open_anchored(&path, keys.clone()).unwrap_err();
    assert_eq!(e.code(), "VAULT_JOURNAL_HEAD_MISSING");
    assert!(
        e.to_string().contains("sio audit anchor --accept-current"),
        "{e}"
    );
    // Without a key the helpdesk must say the key is lost.
    let helpdesk = Actor {
        principal: Principal::System("helpdesk:ops".into()),
        workstation: "WS-TEST-01".into(),
        ip: None,
    };
    let r = accept_current(&path, &keys, &helpdesk, "ticket 42: compared", false).unwrap();
    assert_eq!((r.accepted_entries, r.seq), (4, 5));
    assert_eq!(r.previous_anchor, "none");
    assert!(r.macs_checked);
    let last: Entry = serde_json::from_str(lines(&path).last().unwrap()).unwrap();
    assert_eq!(last.operation, "journal.anchored");
    assert_eq!(last.user, "system:helpdesk:ops");
    assert_eq!(last.details["reason"], "ticket 42: compared");
    assert_eq!(last.details["accepted_entries"], "4");
    let r = verify_anchored(&path, &keys, MacCheck::Require).unwrap();
    assert_eq!((r.entries, r.macs_checked_from), (5, 1));
    let j = Journal::open_anchored(&path, keys.clone()).unwrap();
    assert_eq!(j.append(&officer(), record(6)).unwrap(), 6);
    // A head deleted later is missing again.
    keys.forget_head().unwrap();
    assert_eq!(
        anchored_fails(&path, &keys, MacCheck::Require),
        ("VAULT_JOURNAL_HEAD_MISSING", None)
    );
    // Re-anchored, the new entry names what the keyring held; a cut after that cannot be
    // re-anchored away while the keyring holds the head.
    let r = accept_current(&path, &keys, &helpdesk, "re-anchor", false).unwrap();
    assert_eq!(r.previous_anchor, "none");
    let l = lines(&path);
    write_lines(&path, &l[..3]);
    assert_eq!(
        anchored_fails(&path, &keys, MacCheck::Require).0,
        "VAULT_JOURNAL_TRUNCATED"
    );
    assert_eq!(
        accept_current(&path, &keys, &helpdesk, "incident 7", false)
            .unwrap_err()
            .code(),
        "VAULT_JOURNAL_TRUNCATED"
    );
}

#[test]
fn a_lost_key_needs_key_lost_and_macs_restart_at_the_anchoring() {
    let dir = tempfile::tempdir().unwrap();
    let (path, _old_store, _) = anchored_of(dir.path(), 4);
    // The keyring lost everything (a reboot with the kernel keyring).
    let store: Arc<dyn KeyStore> = Arc::new(Durable::default());
    let keys = keys_in(&store, dir.path());
    let e = Journal::open_anchored(&path, keys.clone()).unwrap_err();
    assert_eq!(e.code(), "VAULT_JOURNAL_KEY_MISSING");
    assert!(
        store.load(keys.mac_name()).unwrap().is_none(),
        "no key made"
    );
    let helpdesk = Actor {
        principal: Principal::System("helpdesk:ops".into()),
        workstation: "WS-TEST-01".into(),
        ip: None,
    };
    assert_eq!(
        accept_current(&path, &keys, &helpdesk, "reboot", false)
            .unwrap_err()
            .code(),
        "VAULT_JOURNAL_KEY_MISSING"
    );
    let r = accept_current(&path, &keys, &helpdesk, "reboot, key lost", true).unwrap();
    assert!(!r.macs_checked);
    assert_eq!(r.seq, 5);
    let rep = verify_anchored(&path, &keys, MacCheck::Require).unwrap();
    assert_eq!((rep.entries, rep.macs_checked_from), (5, 5));
    let j = Journal::open_anchored(&path, keys.clone()).unwrap();
    j.append(&officer(), record(6)).unwrap();
    drop(j);
    assert_eq!(
        verify_anchored(&path, &keys, MacCheck::Require)
            .unwrap()
            .macs_checked_from,
        5
    );
    // The entries before the new epoch are still bound by the chain: an edit there is found.
    let mut l = lines(&path);
    l[1] = l[1].replace("req-0001", "req-9999");
    write_lines(&path, &l);
    assert_eq!(
        anchored_fails(&path, &keys, MacCheck::Require),
        ("VAULT_JOURNAL_ENTRY_ALTERED", Some(2))
    );
}

#[test]
fn one_entry_ahead_of_the_head_is_a_crash_and_is_reanchored() {
    let dir = tempfile::tempdir().unwrap();
    let (path, store, keys) = anchored_of(dir.path(), 3);
    let head3 = store.load(keys.head_name()).unwrap().unwrap();
    let j = Journal::open_anchored(&path, keys.clone()).unwrap();
    j.append(&officer(), record(4)).unwrap();
    // As if the process died between flushing entry 4 and anchoring it.
    store.store(keys.head_name(), &head3).unwrap();
    assert_eq!(
        verify_anchored(&path, &keys, MacCheck::Require)
            .unwrap()
            .entries,
        4
    );
    assert_eq!(j.append(&officer(), record(5)).unwrap(), 5);
    let head: serde_json::Value =
        serde_json::from_slice(&store.load(keys.head_name()).unwrap().unwrap()).unwrap();
    assert_eq!(head["seq"], 5);
    // Two ahead is not a crash.
    j.append(&officer(), record(6)).unwrap();
    j.append(&officer(), record(7)).unwrap();
    store.store(keys.head_name(), &head3).unwrap();
    drop(j);
    assert_eq!(
        anchored_fails(&path, &keys, MacCheck::Require),
        ("VAULT_JOURNAL_HEAD_MISMATCH", Some(3))
    );
    // A head that is not one, or whose MAC fails, is a mismatch too.
    store.store(keys.head_name(), b"not json").unwrap();
    assert_eq!(
        anchored_fails(&path, &keys, MacCheck::Require).0,
        "VAULT_JOURNAL_HEAD_MISMATCH"
    );
    let last: Entry = serde_json::from_str(lines(&path).last().unwrap()).unwrap();
    let forged = serde_json::json!({"seq": 7, "hash": last.hash, "mac": "00".repeat(32)});
    store
        .store(keys.head_name(), forged.to_string().as_bytes())
        .unwrap();
    assert_eq!(
        anchored_fails(&path, &keys, MacCheck::Require),
        ("VAULT_JOURNAL_HEAD_MISMATCH", Some(7))
    );
}

#[test]
fn the_head_is_anchored_in_the_os_keyring() {
    if !in_keyctl_session("the_head_is_anchored_in_the_os_keyring") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let store = os_keyring();
    let path = dir.path().join("audit.jsonl");
    let keys = JournalKeys::new(Arc::clone(&store), &key_prefix(dir.path()), &path).unwrap();
    let j = Journal::open_anchored(&path, keys.clone()).unwrap();
    for i in 0..5 {
        j.append(&officer(), record(i)).unwrap();
    }
    drop(j);
    verify_anchored(&path, &keys, MacCheck::Require).unwrap();
    if !cfg!(feature = "secret-service") {
        let want = format!("keyring-rs:{}@sio-vault-test", keys.head_name());
        assert!(keyring_payloads().iter().any(|(d, _)| d.contains(&want)));
    }
    let l = lines(&path);
    write_lines(&path, &l[..2]);
    std::fs::remove_file(head_file(&path)).unwrap();
    assert_eq!(
        anchored_fails(&path, &keys, MacCheck::Require),
        ("VAULT_JOURNAL_TRUNCATED", Some(3))
    );
    keys.forget_head().unwrap();
    forget_keys(dir.path(), &store);
}

/// An in-memory store that behaves like the OS keyring (not ephemeral): its loss is an event.
#[derive(Debug, Default)]
struct Durable(MemoryKeyStore);

impl KeyStore for Durable {
    fn load(
        &self,
        name: &str,
    ) -> Result<Option<zeroize::Zeroizing<Vec<u8>>>, sio_vault::KeyStoreError> {
        self.0.load(name)
    }
    fn store(&self, name: &str, secret: &[u8]) -> Result<(), sio_vault::KeyStoreError> {
        self.0.store(name, secret)
    }
    fn delete(&self, name: &str) -> Result<(), sio_vault::KeyStoreError> {
        self.0.delete(name)
    }
    fn describe(&self) -> String {
        "durable test store".to_owned()
    }
}

#[test]
fn a_journal_under_process_memory_keys_is_set_aside_by_the_next_process() {
    let dir = tempfile::tempdir().unwrap();
    let (path, _gone, _) = anchored_of(dir.path(), 3);
    // The next process (SIO_KEYSTORE=memory, a demonstration): new, empty memory store.
    let store: Arc<dyn KeyStore> = Arc::new(MemoryKeyStore::new());
    assert!(store.is_ephemeral() && !Durable::default().is_ephemeral());
    let keys = keys_in(&store, dir.path());
    let j = Journal::open_anchored(&path, keys.clone()).unwrap();
    assert_eq!(j.append(&officer(), record(1)).unwrap(), 1);
    let ended: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("audit.jsonl.ended-"))
        .collect();
    assert_eq!(ended.len(), 2, "{ended:?}"); // the journal and its head file
    let old = dir
        .path()
        .join(ended.iter().find(|n| !n.ends_with(".head")).unwrap());
    assert_eq!(verify(&old, None).unwrap().entries, 3);
    assert_eq!(
        verify_anchored(&path, &keys, MacCheck::Require)
            .unwrap()
            .entries,
        1
    );
}

/// The user re-anchors a journal they cut (anyone can run `sio audit anchor`): while the keyring
/// holds the head, the cut is refused, and `--key-lost` with the key present is refused too (it
/// would stop the MACs from being checked over a rewritten chain).
#[test]
fn re_anchoring_cannot_launder_a_cut_or_skip_the_macs() {
    let dir = tempfile::tempdir().unwrap();
    let (path, _store, keys) = anchored_of(dir.path(), 6);
    let user = Actor {
        principal: Principal::System("helpdesk:ops".into()),
        workstation: "WS-TEST-01".into(),
        ip: None,
    };
    let l = lines(&path);
    write_lines(&path, &l[..3]);
    std::fs::remove_file(head_file(&path)).ok();
    assert_eq!(
        accept_current(&path, &keys, &user, "cut", false)
            .unwrap_err()
            .code(),
        "VAULT_JOURNAL_TRUNCATED"
    );
    assert_eq!(
        accept_current(&path, &keys, &user, "cut", true)
            .unwrap_err()
            .code(),
        "VAULT_JOURNAL_KEY_PRESENT"
    );
    // Still refused afterwards: nothing was anchored.
    assert_eq!(
        anchored_fails(&path, &keys, MacCheck::Require).0,
        "VAULT_JOURNAL_TRUNCATED"
    );
}
