//! The client's audit journal (`audit.jsonl`), its head file (`audit.jsonl.head`) and the head
//! anchored in the keyring: any bytes end in a `VAULT_*` code or a verified journal, never a
//! panic. Input: journal ‖ SEP ‖ head file ‖ SEP ‖ keyring head (see `parts.rs`).
//!
//! The MAC key is fixed ([`MAC`]), so seeds made with it verify all the way through; each input
//! is also verified without the MAC (the hash chain alone) and then appended to, as a start of
//! the app after a crash does.
#![no_main]

#[path = "parts.rs"]
mod parts;

use std::fs;
use std::sync::Arc;

use libfuzzer_sys::fuzz_target;
use sio_vault::{
    Actor, Journal, JournalKeys, KeyStore, MacCheck, MacKey, MemoryKeyStore, ObjectRef, Operation,
    Outcome, Principal, Record,
};

/// The journal MAC key of the seeds (`sio-app:journal-mac`).
pub const MAC: [u8; 32] = [0x5a; 32];

fuzz_target!(|data: &[u8]| {
    let p = parts::parts(data, 3);
    let dir = parts::scratch();
    let path = dir.path().join("audit.jsonl");
    fs::write(&path, p[0]).expect("write");
    if !p[1].is_empty() {
        fs::write(dir.path().join("audit.jsonl.head"), p[1]).expect("write");
    }
    let store = Arc::new(MemoryKeyStore::new());
    store.store("sio-app:journal-mac", &MAC).expect("store");
    let keys = JournalKeys::new(store.clone(), "sio-app:", &path).expect("keys");
    if !p[2].is_empty() {
        store.store(keys.head_name(), p[2]).expect("store");
    }
    let mac = MacKey::load(store.as_ref(), "sio-app:journal-mac")
        .expect("load")
        .expect("key");
    let check = |r: Result<sio_vault::VerifyReport, sio_vault::JournalError>| {
        if let Err(e) = r {
            parts::assert_code(e.code());
        }
    };
    check(sio_vault::verify(&path, Some(&mac)));
    check(sio_vault::verify(&path, None));
    check(sio_vault::verify_anchored(&path, &keys, MacCheck::Require));
    check(sio_vault::verify_anchored(&path, &keys, MacCheck::Skip));
    if let Err(e) = sio_vault::exports(&path, Some(&mac)) {
        parts::assert_code(e.code());
    }
    // Appending after whatever is there: refused with a code, or the journal verifies after.
    match Journal::open(&path, Some(mac.clone())) {
        Ok(j) => {
            let actor = Actor {
                principal: Principal::System("fuzz".into()),
                workstation: "WS-FUZZ".into(),
                ip: None,
            };
            let rec = Record::new(
                Operation::VaultOpened,
                ObjectRef::default(),
                Outcome::Success,
            );
            match j.append(&actor, rec) {
                Ok(_) => check(sio_vault::verify(&path, Some(&mac))),
                Err(e) => parts::assert_code(e.code()),
            }
        }
        Err(e) => parts::assert_code(e.code()),
    }
});
