//! The vault against the real Linux keyutils store (each test runs itself under
//! `keyctl session -`; needs the `keyutils` package).
#![allow(clippy::unwrap_used)]

mod common;

use std::sync::Arc;

use chacha20poly1305::aead::{AeadInPlace, KeyInit};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use chrono::Utc;
use common::*;
use serde::Serialize;
use sio_vault::{
    KeyStore, MemoryKeyStore, ResultKind, ResultMeta, ShredReason, Vault, VaultConfig, VaultError,
    verify,
};

fn meta(request: &str, kind: ResultKind) -> ResultMeta {
    ResultMeta {
        request_id: request.to_owned(),
        kind,
        received_at: Utc::now(),
    }
}

/// A result whose bytes are recognisable anywhere: a JSON table with a distinctive marker.
fn result_with(marker: &str, rows: usize) -> Vec<u8> {
    let mut s = String::from("{\"rows\":[");
    for i in 0..rows {
        if i > 0 {
            s.push(',');
        }
        s.push_str(&format!("{{\"n\":{i},\"name\":\"{marker}\"}}"));
    }
    s.push_str("]}");
    s.into_bytes()
}

#[derive(serde::Deserialize, Serialize)]
struct SlotMeta {
    request_id: String,
    kind: String,
    received_at: String,
}

#[derive(serde::Deserialize)]
struct SlotFile {
    format: String,
    id: String,
    meta: SlotMeta,
    size: u64,
    stored_at: String,
    wrap_nonce: String,
    wrapped_key: String,
}

/// Unwrap a slot's data key with the KEK read from the keyring — independently of the vault's
/// code, from the documented format.
fn unwrap_dek(slot_bytes: &[u8], kek: &[u8]) -> Vec<u8> {
    let s: SlotFile = serde_json::from_slice(slot_bytes).unwrap();
    let aad = format!(
        "{}|key|{}",
        s.format,
        serde_json::to_string(&(&s.format, &s.id, &s.meta, s.size, &s.stored_at)).unwrap()
    );
    let mut buf = hex::decode(&s.wrapped_key).unwrap();
    let nonce = hex::decode(&s.wrap_nonce).unwrap();
    XChaCha20Poly1305::new(kek.into())
        .decrypt_in_place(XNonce::from_slice(&nonce), aad.as_bytes(), &mut buf)
        .unwrap();
    assert_eq!(buf.len(), 32);
    buf
}

#[test]
fn round_trip_then_shred_leaves_no_trace_on_disk_or_in_the_keyring() {
    if !in_keyctl_session("round_trip_then_shred_leaves_no_trace_on_disk_or_in_the_keyring") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let keys = os_keyring();
    let vault = open_vault(dir.path(), &keys, VaultConfig::default());
    let marker = "MARKER-7f3a9c-RESULT-CONTENT";
    let plaintext = result_with(marker, 200);
    let id = vault
        .store(meta("req-0001", ResultKind::Json), &plaintext)
        .unwrap();

    // At rest: nothing readable, the key slot is small.
    assert!(files_containing(dir.path(), marker.as_bytes()).is_empty());
    let slot_path = dir.path().join(format!("vault/slots/{id}.slot"));
    let slot_bytes = std::fs::read(&slot_path).unwrap();
    assert!(
        slot_bytes.len() < 1024,
        "key slot is {} bytes",
        slot_bytes.len()
    );
    let listed = vault.list().unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].size, plaintext.len() as u64);
    assert!(listed[0].first_viewed_at.is_none());

    // The KEK is in the kernel keyring (read with keyctl, not with our code); with the
    // `secret-service` feature it is in GNOME Keyring instead (read through the store).
    let kek_name = kek_name(dir.path());
    let kek: Vec<u8> = if cfg!(feature = "secret-service") {
        keys.load(&kek_name).unwrap().unwrap().to_vec()
    } else {
        let payloads = keyring_payloads();
        payloads
            .iter()
            .find(|(d, _)| d.ends_with(&format!("keyring-rs:{kek_name}@sio-vault-test")))
            .unwrap_or_else(|| panic!("KEK not in keyring: {payloads:?}"))
            .1
            .clone()
    };
    let dek = unwrap_dek(&slot_bytes, &kek);

    let viewed = vault.view(id).unwrap();
    assert_eq!(viewed.plaintext(), plaintext.as_slice());
    assert!(!format!("{viewed:?}").contains(marker));
    assert!(vault.list().unwrap()[0].first_viewed_at.is_some());
    let report = viewed.close().unwrap();
    assert!(report.slot_erased && report.data_removed);
    assert_eq!(report.reason, ShredReason::Closed);

    // Gone: no file, no keyring entry holds the contents, the data key or the wrapped key.
    assert!(vault.list().unwrap().is_empty());
    assert_eq!(vault.view(id).unwrap_err().code(), "VAULT_RESULT_NOT_FOUND");
    let wrapped: SlotFileWrapped = serde_json::from_slice(&slot_bytes).unwrap();
    for needle in [
        marker.as_bytes(),
        &dek,
        hex::encode(&dek).as_bytes(),
        wrapped.wrapped_key.as_bytes(),
        &hex::decode(&wrapped.wrapped_key).unwrap(),
    ] {
        assert!(files_containing(dir.path(), needle).is_empty());
        for (desc, payload) in keyring_payloads() {
            assert!(
                !contains(&payload, needle),
                "keyring entry {desc} holds a trace"
            );
        }
    }
    // The vault was empty after the shred: the KEK was replaced.
    let after = keys.load(&kek_name).unwrap().unwrap();
    assert_ne!(after.as_slice(), kek.as_slice());

    // The journal names the result but never holds its contents.
    let journal = std::fs::read_to_string(dir.path().join("audit.jsonl")).unwrap();
    assert!(!journal.contains(marker));
    for op in [
        "vault.opened",
        "result.stored",
        "result.viewed",
        "result.shredded",
    ] {
        assert!(
            journal.contains(&format!("\"operation\":\"{op}\"")),
            "{op} not journaled"
        );
    }
    assert!(journal.contains(&id.to_string()));
    assert!(journal.contains("\"user\":\"900101300106\""));
    let mac = sio_vault::MacKey::load(keys.as_ref(), &mac_name(dir.path()))
        .unwrap()
        .unwrap();
    let ok = verify(&dir.path().join("audit.jsonl"), Some(&mac)).unwrap();
    assert!(ok.head_checked && ok.macs_checked);
    forget_keys(dir.path(), &keys);
}

#[derive(serde::Deserialize)]
struct SlotFileWrapped {
    wrapped_key: String,
}

#[test]
fn tampered_ciphertext_or_slot_is_refused_with_a_code() {
    if !in_keyctl_session("tampered_ciphertext_or_slot_is_refused_with_a_code") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let keys = os_keyring();
    let vault = open_vault(dir.path(), &keys, VaultConfig::default());
    let a = vault
        .store(meta("req-a", ResultKind::Pdf), b"%PDF-1.7 secret a")
        .unwrap();
    let b = vault
        .store(meta("req-b", ResultKind::Json), b"{\"secret\":\"b\"}")
        .unwrap();
    let c = vault
        .store(meta("req-c", ResultKind::Json), b"{\"secret\":\"c\"}")
        .unwrap();

    let data = dir.path().join(format!("vault/data/{a}.bin"));
    let mut bytes = std::fs::read(&data).unwrap();
    bytes[3] ^= 0x01;
    std::fs::write(&data, &bytes).unwrap();
    let e = vault.view(a).unwrap_err();
    assert_eq!(e.code(), "VAULT_CIPHERTEXT_TAMPERED", "{e}");

    // Metadata in the slot is bound to the wrapped key (associated data).
    let slot = dir.path().join(format!("vault/slots/{b}.slot"));
    let text = std::fs::read_to_string(&slot)
        .unwrap()
        .replace("req-b", "req-x");
    std::fs::write(&slot, text).unwrap();
    assert_eq!(vault.view(b).unwrap_err().code(), "VAULT_SLOT_TAMPERED");

    // A slot moved onto another result's data does not open it either.
    let slot_c = dir.path().join(format!("vault/slots/{c}.slot"));
    std::fs::copy(
        dir.path().join(format!("vault/data/{a}.bin")),
        dir.path().join(format!("vault/data/{c}.bin")),
    )
    .unwrap();
    assert_eq!(
        vault.view(c).unwrap_err().code(),
        "VAULT_CIPHERTEXT_TAMPERED"
    );
    assert!(slot_c.exists());

    let journal = std::fs::read_to_string(dir.path().join("audit.jsonl")).unwrap();
    assert!(journal.contains("failure:VAULT_CIPHERTEXT_TAMPERED"));
    assert!(journal.contains("failure:VAULT_SLOT_TAMPERED"));
    assert!(!journal.contains("secret"));

    // Next start: the altered slot is unreadable and shredded; viewed ones too.
    drop(vault);
    let vault = open_vault(dir.path(), &keys, VaultConfig::default());
    let rec = vault.recovery();
    let reasons: Vec<_> = rec.shredded.iter().map(|r| (r.id, r.reason)).collect();
    assert!(
        reasons.contains(&(b, ShredReason::SlotUnreadable)),
        "{reasons:?}"
    );
    assert!(
        reasons.contains(&(a, ShredReason::ViewedBeforeCrash)),
        "{reasons:?}"
    );
    assert!(vault.list().unwrap().is_empty());
    forget_keys(dir.path(), &keys);
}

#[test]
fn recovery_shreds_orphans_and_keeps_intact_results() {
    if !in_keyctl_session("recovery_shreds_orphans_and_keeps_intact_results") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let keys = os_keyring();
    let vault = open_vault(dir.path(), &keys, VaultConfig::default());
    let viewed = vault
        .store(meta("r1", ResultKind::Json), b"ORPHAN-viewed")
        .unwrap();
    let no_slot = vault
        .store(meta("r2", ResultKind::Json), b"ORPHAN-no-slot")
        .unwrap();
    let no_data = vault
        .store(meta("r3", ResultKind::Json), b"ORPHAN-no-data")
        .unwrap();
    let kept = vault
        .store(meta("r4", ResultKind::Pdf), b"%PDF kept")
        .unwrap();
    drop(vault);
    let v = dir.path().join("vault");
    // As a crash leaves them: a view marker without the shred, half a store, a lost file, temps.
    std::fs::write(v.join(format!("viewed/{viewed}")), Utc::now().to_rfc3339()).unwrap();
    std::fs::remove_file(v.join(format!("slots/{no_slot}.slot"))).unwrap();
    std::fs::remove_file(v.join(format!("data/{no_data}.bin"))).unwrap();
    std::fs::write(v.join("slots/.abc.slot.tmp"), b"{\"wrapped_key\":\"00\"}").unwrap();
    std::fs::write(v.join("data/.abc.bin.tmp"), b"partial").unwrap();
    std::fs::write(v.join("slots/not-a-result.slot"), b"junk").unwrap();

    let vault = open_vault(dir.path(), &keys, VaultConfig::default());
    let rec = vault.recovery();
    let mut reasons: Vec<_> = rec.shredded.iter().map(|r| (r.id, r.reason)).collect();
    reasons.sort();
    let mut expected = vec![
        (viewed, ShredReason::ViewedBeforeCrash),
        (no_slot, ShredReason::DataWithoutSlot),
        (no_data, ShredReason::SlotWithoutData),
    ];
    expected.sort();
    assert_eq!(reasons, expected);
    assert_eq!(rec.temporaries_removed, 2);
    let left: Vec<_> = vault.list().unwrap().into_iter().map(|r| r.id).collect();
    assert_eq!(left, vec![kept]);
    let names: Vec<_> = files(&v).into_iter().map(|(p, _)| p).collect();
    assert!(
        names
            .iter()
            .all(|p| !p.to_string_lossy().contains(&viewed.to_string()))
    );
    assert!(!v.join("slots/not-a-result.slot").exists());
    assert!(files_containing(dir.path(), b"ORPHAN").is_empty());
    let r = vault.view(kept).unwrap();
    assert_eq!(r.plaintext(), b"%PDF kept");
    drop(r); // dropping the viewer shreds too
    assert!(vault.list().unwrap().is_empty());
    forget_keys(dir.path(), &keys);
}

#[test]
fn a_lost_kek_makes_every_result_shredded_at_start() {
    if !in_keyctl_session("a_lost_kek_makes_every_result_shredded_at_start") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let keys = os_keyring();
    let vault = open_vault(dir.path(), &keys, VaultConfig::default());
    let a = vault.store(meta("r1", ResultKind::Json), b"{}").unwrap();
    drop(vault);
    keys.delete(&kek_name(dir.path())).unwrap();
    let vault = open_vault(dir.path(), &keys, VaultConfig::default());
    let rec = vault.recovery();
    assert!(rec.kek_created);
    assert_eq!(rec.shredded.len(), 1);
    assert_eq!(
        (rec.shredded[0].id, rec.shredded[0].reason),
        (a, ShredReason::KekMissing)
    );
    let b = vault
        .store(meta("r2", ResultKind::Json), b"{\"ok\":1}")
        .unwrap();
    assert_eq!(vault.view(b).unwrap().plaintext(), b"{\"ok\":1}");
    forget_keys(dir.path(), &keys);
}

#[test]
fn viewing_time_runs_out_and_the_result_is_shredded() {
    if !in_keyctl_session("viewing_time_runs_out_and_the_result_is_shredded") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let keys = os_keyring();
    let config = VaultConfig {
        view_window: chrono::Duration::milliseconds(300),
        ..VaultConfig::default()
    };
    let vault = open_vault(dir.path(), &keys, config);
    let a = vault
        .store(meta("r1", ResultKind::Json), b"EXPIRING-1")
        .unwrap();
    let b = vault
        .store(meta("r2", ResultKind::Json), b"EXPIRING-2")
        .unwrap();
    let va = vault.view(a).unwrap();
    assert!(va.expires_at() > va.first_viewed_at());
    let vb = vault.view(b).unwrap();
    std::mem::forget(vb); // the viewer never closes (a hung UI)
    assert!(vault.shred_expired().unwrap().is_empty());
    std::thread::sleep(std::time::Duration::from_millis(350));
    let shredded = vault.shred_expired().unwrap();
    assert_eq!(shredded.len(), 2);
    assert!(
        shredded
            .iter()
            .all(|r| r.reason == ShredReason::Expired && r.slot_erased)
    );
    assert!(files_containing(dir.path(), b"EXPIRING").is_empty());
    // Closing after the timer shredded it is harmless.
    let late = va.close().unwrap();
    assert!(!late.slot_erased);
    forget_keys(dir.path(), &keys);
}

#[test]
fn export_to_case_materials_is_signed_and_journaled() {
    if !in_keyctl_session("export_to_case_materials_is_signed_and_journaled") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let keys = os_keyring();
    let vault = open_vault(dir.path(), &keys, VaultConfig::default());
    let content = b"%PDF-1.7 EXPORTED-CONTENT".to_vec();
    let id = vault
        .store(meta("req-77", ResultKind::Pdf), &content)
        .unwrap();
    let viewed = vault.view(id).unwrap();
    let case_dir = tempfile::tempdir().unwrap();
    let dest = case_dir.path().join("result.pdf");
    let signed = std::cell::RefCell::new(Vec::new());
    let mut signer = |bytes: &[u8]| -> Result<Vec<u8>, sio_vault::SignError> {
        *signed.borrow_mut() = bytes.to_vec();
        Ok(b"DETACHED-CMS".to_vec())
    };
    assert_eq!(
        viewed.export(&dest, "  ", &mut signer).unwrap_err().code(),
        "VAULT_EXPORT_REASON_REQUIRED"
    );
    let receipt = viewed
        .export(&dest, "attached to case 2026-123", &mut signer)
        .unwrap();
    assert_eq!(*signed.borrow(), content);
    assert_eq!(std::fs::read(&dest).unwrap(), content);
    assert_eq!(
        std::fs::read(&receipt.signature_path).unwrap(),
        b"DETACHED-CMS"
    );
    assert_eq!(
        viewed
            .export(&dest, "again", &mut signer)
            .unwrap_err()
            .code(),
        "VAULT_EXPORT_DESTINATION_EXISTS"
    );
    let mut failing =
        |_: &[u8]| -> Result<Vec<u8>, sio_vault::SignError> { Err("PIN blocked".into()) };
    let e = viewed
        .export(&case_dir.path().join("b.pdf"), "r", &mut failing)
        .unwrap_err();
    assert_eq!(e.code(), "VAULT_EXPORT_SIGN_FAILED");
    assert!(!case_dir.path().join("b.pdf").exists());
    viewed.record_print("HP LaserJet (room 301)").unwrap();
    viewed.close().unwrap();

    let journal = std::fs::read_to_string(dir.path().join("audit.jsonl")).unwrap();
    assert!(!journal.contains("EXPORTED-CONTENT"));
    assert!(journal.contains("attached to case 2026-123"));
    assert!(journal.contains(&receipt.sha256));
    assert!(journal.contains("\"operation\":\"result.printed\""));
    assert!(journal.contains("failure:VAULT_EXPORT_SIGN_FAILED"));
    let line = journal
        .lines()
        .find(|l| {
            l.contains("\"seq\":") && l.contains(&format!("\"seq\":{},", receipt.journal_seq))
        })
        .unwrap();
    assert!(
        line.contains("\"resource\":\"case-materials\"")
            && line.contains("\"outcome\":\"success\"")
    );
    let mac = sio_vault::MacKey::load(keys.as_ref(), &mac_name(dir.path()))
        .unwrap()
        .unwrap();
    let report = sio_vault::exports(&dir.path().join("audit.jsonl"), Some(&mac)).unwrap();
    assert_eq!(report.len(), 1);
    assert_eq!(report[0].reason, "attached to case 2026-123");
    assert_eq!(report[0].user, "900101300106");
    assert_eq!(report[0].request_id.as_deref(), Some("req-77"));
    assert_eq!(report[0].sha256, receipt.sha256);
    assert_eq!(report[0].seq, receipt.journal_seq);
    forget_keys(dir.path(), &keys);
}

#[test]
fn a_vault_is_open_in_one_process_at_a_time() {
    if !in_keyctl_session("a_vault_is_open_in_one_process_at_a_time") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let keys = os_keyring();
    let _vault = open_vault(dir.path(), &keys, VaultConfig::default());
    let journal = sio_vault::Journal::open(&dir.path().join("other.jsonl"), None).unwrap();
    let e = Vault::open(
        &dir.path().join("vault"),
        Arc::clone(&keys),
        journal,
        officer(),
        VaultConfig::default(),
    )
    .unwrap_err();
    assert_eq!(e.code(), "VAULT_LOCKED");
    assert!(matches!(e, VaultError::Locked(_)));
    forget_keys(dir.path(), &keys);
}

#[test]
fn memory_key_store_vault_works_without_a_keyring() {
    let dir = tempfile::tempdir().unwrap();
    let keys: Arc<dyn KeyStore> = Arc::new(MemoryKeyStore::new());
    let vault = open_vault(dir.path(), &keys, VaultConfig::default());
    let id = vault
        .store(meta("m", ResultKind::Json), b"{\"m\":1}")
        .unwrap();
    assert_eq!(vault.view(id).unwrap().plaintext(), b"{\"m\":1}");
    assert_eq!(
        format!("{:?}", MemoryKeyStore::new()),
        "MemoryKeyStore(<redacted>)"
    );
}
