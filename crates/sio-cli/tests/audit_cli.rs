//! `sio audit` on real files with the journal's key and head in the Linux kernel keyring, as
//! the app leaves them (service `sio-vault`, entries `sio-app:…`): the attacks of issue 16
//! item 5 — a cut tail with the head file deleted, the file rolled back to an older copy, a
//! chain rewritten without MACs, a deleted head — each make `sio audit verify` exit non-zero
//! with its code; an intact journal verifies; the helpdesk's `sio audit anchor` re-anchors.
//! Each test re-runs itself under `keyctl session -` (package `keyutils`).
#![allow(clippy::unwrap_used)] // test helpers outside #[test] fns

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Arc;

use sio_vault::journal::Entry;
use sio_vault::{
    Actor, Journal, JournalKeys, KeyStore, ObjectRef, Operation, OsKeyring, Outcome, Principal,
    Record,
};

const IN_SESSION: &str = "SIO_AUDIT_CLI_IN_KEYCTL_SESSION";

fn in_keyctl_session(test: &str) -> bool {
    // The app's key entry `sio-app:journal-mac` is one per user, and the kernel's persistent
    // keyring is shared by every session: one test at a time (util-linux `flock`).
    let lock = std::env::temp_dir().join("sio-audit-cli.lock");
    sio_test_support::in_keyctl_session_locked(IN_SESSION, test, &lock)
}

/// A journal the way the app writes it, with its key and head in the OS keyring.
struct Fixture {
    _dir: tempfile::TempDir,
    path: PathBuf,
    keys: JournalKeys,
    store: Arc<dyn KeyStore>,
}

impl Fixture {
    fn new(entries: usize) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("audit.jsonl");
        let store: Arc<dyn KeyStore> = Arc::new(OsKeyring::new("sio-vault"));
        let keys = JournalKeys::new(Arc::clone(&store), "sio-app:", &path).unwrap();
        let f = Self {
            _dir: dir,
            path,
            keys,
            store,
        };
        f.append(entries);
        f
    }

    fn append(&self, n: usize) {
        let j = Journal::open_anchored(&self.path, self.keys.clone()).unwrap();
        let actor = Actor {
            principal: Principal::User(sio_core::Iin::parse("900101300106").unwrap()),
            workstation: "WS-TEST-01".into(),
            ip: None,
        };
        for i in 0..n {
            let record = Record::new(
                Operation::RequestSent,
                ObjectRef {
                    request_id: Some(format!("req-{i:04}")),
                    result_id: None,
                },
                Outcome::Success,
            );
            j.append(&actor, record).unwrap();
        }
    }

    fn head_file(&self) -> PathBuf {
        self.path.with_file_name("audit.jsonl.head")
    }

    fn lines(&self) -> Vec<String> {
        std::fs::read_to_string(&self.path)
            .unwrap()
            .lines()
            .map(str::to_owned)
            .collect()
    }

    fn write_lines(&self, lines: &[String]) {
        let mut s = lines.join("\n");
        s.push('\n');
        std::fs::write(&self.path, s).unwrap();
    }

    /// `sio audit <args> --journal <path> --json`.
    fn sio(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_sio"))
            .arg("audit")
            .args(args)
            .arg("--journal")
            .arg(&self.path)
            .arg("--json")
            .env_remove("SIO_KEYSTORE")
            .output()
            .unwrap()
    }

    fn verify(&self, extra: &[&str]) -> (bool, serde_json::Value) {
        let mut args = vec!["verify"];
        args.extend_from_slice(extra);
        let out = self.sio(&args);
        let v: serde_json::Value = serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|_| panic!("{}", String::from_utf8_lossy(&out.stdout)));
        assert_eq!(out.status.success(), v["ok"] == true, "{v}");
        (out.status.success(), v)
    }

    fn refused(&self, extra: &[&str], code: &str) -> serde_json::Value {
        let (ok, v) = self.verify(extra);
        assert!(!ok, "accepted: {v}");
        assert_eq!(v["code"], code, "{v}");
        v
    }
}

impl Drop for Fixture {
    fn drop(&mut self) {
        // The kernel's persistent keyring outlives the session keyring: leave nothing behind.
        let _ = self.keys.forget_head();
        let _ = self.store.delete(self.keys.mac_name());
    }
}

#[test]
fn an_intact_journal_verifies_with_key_and_head_from_the_keyring() {
    if !in_keyctl_session("an_intact_journal_verifies_with_key_and_head_from_the_keyring") {
        return;
    }
    let f = Fixture::new(5);
    let (ok, v) = f.verify(&[]);
    assert!(ok, "{v}");
    assert_eq!(v["entries"], 5);
    assert_eq!(v["anchor_checked"], true);
    assert_eq!(v["macs_checked"], true);
    // Text output says what was checked.
    let out = Command::new(env!("CARGO_BIN_EXE_sio"))
        .args(["audit", "verify", "--journal"])
        .arg(&f.path)
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.starts_with("OK 5 entries") && text.contains("head anchored in the keyring"),
        "{text}"
    );
    // The supervisors' export report runs on it too.
    let out = f.sio(&["exports"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

#[test]
fn a_cut_tail_with_the_head_file_deleted_fails() {
    if !in_keyctl_session("a_cut_tail_with_the_head_file_deleted_fails") {
        return;
    }
    let f = Fixture::new(6);
    let l = f.lines();
    f.write_lines(&l[..4]);
    std::fs::remove_file(f.head_file()).unwrap();
    let v = f.refused(&[], "VAULT_JOURNAL_TRUNCATED");
    assert_eq!(v["seq"], 5);
    f.refused(&["--no-mac"], "VAULT_JOURNAL_TRUNCATED");
    let out = f.sio(&["exports"]);
    assert!(!out.status.success());
}

#[test]
fn the_file_replaced_by_an_older_copy_fails() {
    if !in_keyctl_session("the_file_replaced_by_an_older_copy_fails") {
        return;
    }
    let f = Fixture::new(3);
    let journal = std::fs::read(&f.path).unwrap();
    let head = std::fs::read(f.head_file()).unwrap();
    f.append(4);
    std::fs::write(&f.path, journal).unwrap();
    std::fs::write(f.head_file(), head).unwrap();
    let v = f.refused(&[], "VAULT_JOURNAL_TRUNCATED");
    assert_eq!(v["seq"], 4);
}

/// SHA-256 (hex) through coreutils' `sha256sum` (this crate has no hash crate of its own).
fn sha256_hex(data: &[u8]) -> String {
    use std::io::Write;
    let mut child = Command::new("sha256sum")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(data).unwrap();
    let out = child.wait_with_output().unwrap();
    String::from_utf8(out.stdout).unwrap()[..64].to_owned()
}

/// Rewrite every entry from index `from` on without MACs, recompute the chain and the head file.
fn rewrite_without_macs(f: &Fixture, from: usize) {
    let mut entries: Vec<Entry> = f
        .lines()
        .iter()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    for i in from..entries.len() {
        if i == from {
            entries[i].object.request_id = Some("forged".into());
        }
        entries[i].mac = None;
        if i > 0 {
            entries[i].prev = entries[i - 1].hash.clone();
        }
        entries[i].hash = String::new();
        let canonical = serde_json::to_string(&entries[i]).unwrap();
        entries[i].hash = sha256_hex(canonical.as_bytes());
    }
    let last = entries.last().unwrap();
    std::fs::write(
        f.head_file(),
        serde_json::json!({"seq": last.seq, "hash": last.hash, "mac": null}).to_string(),
    )
    .unwrap();
    f.write_lines(
        &entries
            .iter()
            .map(|e| serde_json::to_string(e).unwrap())
            .collect::<Vec<_>>(),
    );
}

#[test]
fn a_chain_rewritten_without_macs_fails_unless_told_and_then_the_head_catches_it() {
    if !in_keyctl_session(
        "a_chain_rewritten_without_macs_fails_unless_told_and_then_the_head_catches_it",
    ) {
        return;
    }
    let f = Fixture::new(5);
    // No key at hand (another entry name): not vouched for, whatever the chain says.
    f.refused(&["--mac-key", "no-such-key"], "VAULT_JOURNAL_MAC_UNCHECKED");
    let (ok, v) = f.verify(&["--mac-key", "no-such-key", "--no-mac"]);
    assert!(ok, "{v}");
    assert_eq!(v["macs_checked"], false);
    let out = Command::new(env!("CARGO_BIN_EXE_sio"))
        .args(["audit", "verify", "--no-mac", "--journal"])
        .arg(&f.path)
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("MACs NOT checked"));

    rewrite_without_macs(&f, 0);
    f.refused(&["--mac-key", "no-such-key"], "VAULT_JOURNAL_MAC_UNCHECKED");
    let v = f.refused(&[], "VAULT_JOURNAL_MAC_INVALID");
    assert_eq!(v["seq"], 1);
    // Even with MACs explicitly unchecked, the head in the keyring names the real last entry.
    let v = f.refused(&["--no-mac"], "VAULT_JOURNAL_HEAD_MISMATCH");
    assert_eq!(v["seq"], 5);
}

#[test]
fn a_deleted_head_fails_until_the_helpdesk_anchors_the_journal() {
    if !in_keyctl_session("a_deleted_head_fails_until_the_helpdesk_anchors_the_journal") {
        return;
    }
    let f = Fixture::new(4);
    f.keys.forget_head().unwrap();
    f.refused(&[], "VAULT_JOURNAL_HEAD_MISSING");
    f.refused(&["--no-mac"], "VAULT_JOURNAL_HEAD_MISSING");
    // `--accept-current` must be said; the reason too.
    let out = f.sio(&["anchor", "--reason", "ticket 42"]);
    assert!(!out.status.success());
    let out = f.sio(&["anchor", "--accept-current", "--reason", " "]);
    assert!(!out.status.success());
    let out = f.sio(&[
        "anchor",
        "--accept-current",
        "--reason",
        "ticket 42: compared with the gateway journal",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        (v["accepted_entries"].as_u64(), v["seq"].as_u64()),
        (Some(4), Some(5))
    );
    assert_eq!(v["previous_anchor"], "none");
    let last: Entry = serde_json::from_str(f.lines().last().unwrap()).unwrap();
    assert_eq!(last.operation, "journal.anchored");
    assert!(last.user.starts_with("system:helpdesk:"), "{}", last.user);
    let (ok, v) = f.verify(&[]);
    assert!(ok, "{v}");
    assert_eq!(v["entries"], 5);
}

#[test]
fn a_lost_key_is_reanchored_only_with_key_lost() {
    if !in_keyctl_session("a_lost_key_is_reanchored_only_with_key_lost") {
        return;
    }
    let f = Fixture::new(3);
    // The keyring lost the key and the head (a reboot with the kernel keyring).
    f.keys.forget_head().unwrap();
    f.store.delete(f.keys.mac_name()).unwrap();
    f.refused(&[], "VAULT_JOURNAL_MAC_UNCHECKED");
    let out = f.sio(&["anchor", "--accept-current", "--reason", "reboot"]);
    assert!(!out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["code"], "VAULT_JOURNAL_KEY_MISSING");
    let out = f.sio(&[
        "anchor",
        "--accept-current",
        "--key-lost",
        "--reason",
        "reboot",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let (ok, v) = f.verify(&[]);
    assert!(ok, "{v}");
    assert_eq!(
        (v["entries"].as_u64(), v["macs_checked_from"].as_u64()),
        (Some(4), Some(4))
    );
    assert!(Path::new(&f.path).exists());
}

#[test]
fn an_export_reason_with_a_formula_is_neutralised_in_the_csv() {
    if !in_keyctl_session("an_export_reason_with_a_formula_is_neutralised_in_the_csv") {
        return;
    }
    let f = Fixture::new(1);
    let j = Journal::open_anchored(&f.path, f.keys.clone()).unwrap();
    let actor = Actor {
        principal: Principal::User(sio_core::Iin::parse("900101300106").unwrap()),
        workstation: "WS-TEST-01".into(),
        ip: None,
    };
    let record = Record::new(
        Operation::ResultExported,
        ObjectRef {
            request_id: Some("req-0000".into()),
            result_id: Some("res-0000".into()),
        },
        Outcome::Success,
    )
    .with("reason", "=HYPERLINK(\"http://x\",\"case\")")
    .with("destination", "@SUM(A1)");
    j.append(&actor, record).unwrap();
    drop(j);
    let out = f.sio(&["exports", "--csv"]);
    assert!(out.status.success(), "{out:?}");
    let csv = String::from_utf8_lossy(&out.stdout);
    let row = csv.lines().nth(1).unwrap();
    assert!(
        row.contains("\"'=HYPERLINK(\"\"http://x\"\",\"\"case\"\")\""),
        "{row}"
    );
    assert!(row.contains(",'@SUM(A1),"), "{row}");
}
