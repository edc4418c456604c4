//! The result vault's files read at start (`vault.json`, a key slot, its ciphertext, its
//! first-view mark): any bytes end in a `VAULT_*` code or an opened vault whose recovery erased
//! what it could not read, never a panic. Input: vault.json ‖ SEP ‖ slot ‖ SEP ‖ data ‖ SEP ‖
//! viewed mark (see `parts.rs`), under the slot's id (or a fixed one).
#![no_main]

#[path = "parts.rs"]
mod parts;

use std::fs;
use std::sync::Arc;

use libfuzzer_sys::fuzz_target;
use sio_vault::{
    Actor, Journal, KeyStore, MemoryKeyStore, Principal, ResultId, Vault, VaultConfig,
};

const ID: &str = "0b7f3d2e-1c4a-4e5b-9a8c-7d6e5f4a3b2c";
/// The vault id of the seeds' `vault.json`, and its KEK in the (memory) keyring.
const VAULT_ID: &str = "11111111-2222-4333-8444-555555555555";
pub const KEK: [u8; 32] = [0x4b; 32];

fuzz_target!(|data: &[u8]| {
    let p = parts::parts(data, 4);
    // The files are named after the slot's own id when it has one (seeds from a real vault).
    let named = serde_json::from_slice::<serde_json::Value>(p[1])
        .ok()
        .and_then(|v| v.get("id")?.as_str().map(str::to_owned))
        .filter(|s| ResultId::parse(s).is_ok())
        .unwrap_or_else(|| ID.to_owned());
    let id_text = named.as_str();
    let dir = parts::scratch();
    let root = dir.path().join("vault");
    for sub in ["slots", "data", "viewed"] {
        fs::create_dir_all(root.join(sub)).expect("mkdir");
    }
    if !p[0].is_empty() {
        fs::write(root.join("vault.json"), p[0]).expect("write");
    }
    if !p[1].is_empty() {
        fs::write(root.join(format!("slots/{id_text}.slot")), p[1]).expect("write");
    }
    if !p[2].is_empty() {
        fs::write(root.join(format!("data/{id_text}.bin")), p[2]).expect("write");
    }
    if !p[3].is_empty() {
        fs::write(root.join(format!("viewed/{id_text}")), p[3]).expect("write");
    }
    let journal = Journal::open(&dir.path().join("audit.jsonl"), None).expect("journal");
    let actor = Actor {
        principal: Principal::System("fuzz".into()),
        workstation: "WS-FUZZ".into(),
        ip: None,
    };
    let keys = Arc::new(MemoryKeyStore::new());
    keys.store(&format!("kek:{VAULT_ID}"), &KEK).expect("store");
    match Vault::open(&root, keys, journal, actor, VaultConfig::default()) {
        Ok(v) => {
            let id = ResultId::parse(id_text).expect("id");
            let slot = root.join(format!("slots/{id_text}.slot"));
            let data = root.join(format!("data/{id_text}.bin"));
            // Recovery leaves a slot only with its ciphertext, and never a viewed one.
            assert_eq!(
                slot.exists(),
                data.exists(),
                "a slot or ciphertext left alone"
            );
            assert!(!(slot.exists() && root.join(format!("viewed/{id_text}")).exists()));
            match v.list() {
                Ok(list) => assert!(list.len() <= 1),
                Err(e) => parts::assert_code(e.code()),
            }
            match v.view(id) {
                Ok(viewed) => {
                    drop(viewed);
                    // Closing the viewer shreds it.
                    assert!(!slot.exists());
                }
                Err(e) => parts::assert_code(e.code()),
            }
        }
        Err(e) => parts::assert_code(e.code()),
    }
});
