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
