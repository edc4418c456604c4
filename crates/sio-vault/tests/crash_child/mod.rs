//! The crash-test child: stores, views and shreds large results in a loop until it is killed.
//! Shared by `tests/crash.rs` (which runs it inside its own test binary, so it is never stale)
//! and `examples/crash_child.rs` (to run it by hand).
//!
//! Arguments `<dir> <size-bytes> <marker> <key-prefix>` — the vault is `<dir>/vault`, the
//! journal `<dir>/audit.jsonl` (MAC key `<key-prefix>journal-mac`), the KEK in the OS keyring
//! under service `sio-vault-test`. Every plaintext is `<marker>` repeated, so any fragment of it
//! on disk is found by a scan. Every other result is left stored and unviewed.

use std::io::Write;
use std::sync::Arc;

use sio_vault::{
    Actor, Journal, KeyStore, MacKey, OsKeyring, Principal, ResultKind, ResultMeta, Vault,
    VaultConfig,
};
use zeroize::Zeroizing;

/// Run the loop with `[dir, size, marker, key-prefix]`; returns only on an error.
pub(crate) fn run(args: &[String]) -> Result<(), Box<dyn std::error::Error>> {
    let [dir, size, marker, prefix] = args else {
        return Err("usage: crash_child <dir> <size-bytes> <marker> <key-prefix>".into());
    };
    let dir = std::path::Path::new(dir);
    let size: usize = size.parse()?;
    let keys: Arc<dyn KeyStore> = Arc::new(OsKeyring::new("sio-vault-test"));
    let mac = MacKey::load_or_create(keys.as_ref(), &format!("{prefix}journal-mac"))?;
    let journal = Journal::open(&dir.join("audit.jsonl"), Some(mac))?;
    let actor = Actor {
        principal: Principal::User(sio_core::Iin::parse("900101300106")?),
        workstation: "WS-CRASH".to_owned(),
        ip: None,
    };
    let config = VaultConfig {
        key_prefix: prefix.clone(),
        ..VaultConfig::default()
    };
    let vault = Vault::open(&dir.join("vault"), keys, journal, actor, config)?;
    let mut plaintext = Zeroizing::new(Vec::with_capacity(size.max(marker.len()) * 2));
    plaintext.extend_from_slice(marker.as_bytes());
    while plaintext.len() < size {
        plaintext.extend_from_within(..);
    }
    plaintext.truncate(size);
    let mut out = std::io::stdout();
    for n in 0u64.. {
        let meta = ResultMeta {
            request_id: format!("crash-{n}"),
            kind: ResultKind::Pdf,
            received_at: chrono::Utc::now(),
        };
        let id = vault.store(meta, &plaintext)?;
        writeln!(out, "stored {id}")?;
        if n % 2 == 0 {
            continue;
        }
        let viewed = vault.view(id)?;
        writeln!(out, "viewing {id}")?;
        if viewed.plaintext().len() != size {
            return Err("wrong size".into());
        }
        viewed.close()?;
        writeln!(out, "shredded {id}")?;
    }
    Ok(())
}
