//! Writes the seed corpora of the fuzz targets `audit_journal` and `vault_files`
//! (fuzz/corpus/<target>/) from a journal and a vault made by this crate, when `SIO_FUZZ_SEEDS`
//! names the fuzz directory; otherwise does nothing. The keys are the targets' fixed ones, so
//! the seeds verify and open all the way through. Run again after a format change:
//! `SIO_FUZZ_SEEDS=$PWD/fuzz cargo test -p sio-vault --test fuzz_seeds`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::fs;
use std::path::Path;
use std::sync::Arc;

use sio_vault::{
    Actor, Journal, JournalKeys, KeyStore, MacKey, MemoryKeyStore, ObjectRef, Operation, Outcome,
    Principal, Record, ResultKind, ResultMeta, Vault, VaultConfig,
};

const SEP: &[u8] = b"\xff\xfe\xfd\xfc";

fn out(fuzz: &Path, target: &str, name: &str, parts: &[&[u8]]) {
    let dir = fuzz.join("corpus").join(target);
    fs::create_dir_all(&dir).unwrap();
    fs::write(dir.join(name), parts.join(SEP)).unwrap();
}

fn actor() -> Actor {
    Actor {
        principal: Principal::User(sio_core::Iin::parse("900101300106").unwrap()),
        workstation: "WS-TEST-01".into(),
        ip: Some("10.20.30.40".parse().unwrap()),
    }
}

#[test]
fn write_journal_and_vault_seeds() {
    let Some(fuzz) = std::env::var_os("SIO_FUZZ_SEEDS") else {
        return;
    };
    let fuzz = Path::new(&fuzz);
    let dir = tempfile::tempdir().unwrap();

    // audit_journal: a journal MAC-ed with the target's key ([0x5a; 32]), its head file, and
    // the head the keyring holds.
    let store = Arc::new(MemoryKeyStore::new());
    store.store("sio-app:journal-mac", &[0x5a; 32]).unwrap();
    let path = dir.path().join("audit.jsonl");
    let mac = MacKey::load(store.as_ref(), "sio-app:journal-mac")
        .unwrap()
        .unwrap();
    let journal = Journal::open(&path, Some(mac)).unwrap();
    journal
        .append(
            &actor(),
            Record::new(
                Operation::VaultOpened,
                ObjectRef::default(),
                Outcome::Success,
            ),
        )
        .unwrap();
    journal
        .append(
            &actor(),
            Record::new(
                Operation::ResultStored,
                ObjectRef {
                    request_id: Some("6f1c1a2e-8d52-4c1e-9a59-3b0b7e0f2a11".into()),
                    result_id: Some("0b7f3d2e-1c4a-4e5b-9a8c-7d6e5f4a3b2c".into()),
                },
                Outcome::Success,
            )
            .with("kind", "json")
            .with("size", "1234"),
        )
        .unwrap();
    let lines = fs::read(&path).unwrap();
    let head = fs::read(dir.path().join("audit.jsonl.head")).unwrap();
    let keys = JournalKeys::new(store.clone(), "sio-app:", &path).unwrap();
    let anchored = format!(
        r#"{{"seq":2,"hash":"{}","mac":"00"}}"#,
        String::from_utf8_lossy(&head)
            .split("\"hash\":\"")
            .nth(1)
            .and_then(|s| s.split('"').next())
            .unwrap_or_default()
    );
    let _ = keys;
    out(
        fuzz,
        "audit_journal",
        "journal-head-anchor",
        &[&lines, &head, anchored.as_bytes()],
    );
    out(fuzz, "audit_journal", "journal-only", &[&lines]);
    let mut torn = lines.clone();
    torn.extend_from_slice(br#"{"seq":3,"time":"2026-"#);
    out(fuzz, "audit_journal", "journal-torn-tail", &[&torn, &head]);

    // vault_files: vault.json with the target's vault id, one stored result (KEK [0x4b; 32]).
    let root = dir.path().join("vault");
    fs::create_dir_all(&root).unwrap();
    let vault_json =
        br#"{"format":"sio-vault/1","vault_id":"11111111-2222-4333-8444-555555555555"}"#;
    fs::write(root.join("vault.json"), vault_json).unwrap();
    let keys = Arc::new(MemoryKeyStore::new());
    keys.store("kek:11111111-2222-4333-8444-555555555555", &[0x4b; 32])
        .unwrap();
    let journal = Journal::open(&dir.path().join("vault-audit.jsonl"), None).unwrap();
    let vault = Vault::open(&root, keys, journal, actor(), VaultConfig::default()).unwrap();
    let meta = ResultMeta {
        request_id: "6f1c1a2e-8d52-4c1e-9a59-3b0b7e0f2a11".into(),
        kind: ResultKind::Json,
        received_at: chrono::Utc::now(),
    };
    let id = vault
        .store(meta, br#"{"columns":["a"],"rows":[["1"]]}"#)
        .unwrap();
    let slot = fs::read(root.join(format!("slots/{id}.slot"))).unwrap();
    let data = fs::read(root.join(format!("data/{id}.bin"))).unwrap();
    drop(vault);
    // The target names the files after the slot's id.
    let slot_fixed = slot;
    out(
        fuzz,
        "vault_files",
        "stored-result",
        &[vault_json, &slot_fixed, &data],
    );
    out(
        fuzz,
        "vault_files",
        "viewed-before-crash",
        &[vault_json, &slot_fixed, &data, b"2026-03-01T10:00:00Z"],
    );
    out(
        fuzz,
        "vault_files",
        "slot-without-data",
        &[vault_json, &slot_fixed],
    );
    out(fuzz, "vault_files", "empty", &[vault_json]);
}
