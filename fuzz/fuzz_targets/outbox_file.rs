//! The outbox files read at start (`<request id>.req`: nonce ‖ XChaCha20-Poly1305 of the item's
//! JSON): any bytes end in `OUTBOX_DAMAGED` (or another `OUTBOX_*` code), never a panic.
//!
//! Two ways in, by the first byte: the bytes as the file itself (as a damaged disk or an edit
//! leaves it), or the bytes as the plaintext JSON, sealed here with the outbox key, so that the
//! item parser behind the AEAD is reached.
#![no_main]

#[path = "parts.rs"]
mod parts;

use std::sync::Arc;

use chacha20poly1305::aead::{AeadInPlace, KeyInit};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use libfuzzer_sys::fuzz_target;
use sio_client::outbox::Outbox;
use sio_vault::{KeyStore, MemoryKeyStore};

const ID: &str = "6f1c1a2e-8d52-4c1e-9a59-3b0b7e0f2a11";
/// The outbox key of the seeds.
pub const KEY: [u8; 32] = [0x0b; 32];

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let dir = parts::scratch();
    let file = dir.path().join(format!("{ID}.req"));
    let bytes = if mode & 1 == 0 {
        rest.to_vec()
    } else {
        let nonce = [0x24u8; 24];
        let mut buf = rest.to_vec();
        XChaCha20Poly1305::new((&KEY).into())
            .encrypt_in_place(
                XNonce::from_slice(&nonce),
                format!("sio.outbox/v1|{ID}").as_bytes(),
                &mut buf,
            )
            .expect("seal");
        let mut out = nonce.to_vec();
        out.extend_from_slice(&buf);
        out
    };
    std::fs::write(&file, bytes).expect("write");
    let keys = Arc::new(MemoryKeyStore::new());
    keys.store("outbox", &KEY).expect("store");
    let outbox = match Outbox::open(dir.path(), keys, "outbox") {
        Ok(o) => o,
        Err(e) => return parts::assert_code(e.code()),
    };
    match outbox.list() {
        Ok(items) => {
            for i in items {
                assert_eq!(i.id().to_string(), ID);
                let _ = outbox.delayed(chrono::Utc::now());
            }
        }
        Err(e) => parts::assert_code(e.code()),
    }
    if let Ok(id) = ID.parse() {
        let _ = outbox.get(id).map_err(|e| parts::assert_code(e.code()));
    }
});
