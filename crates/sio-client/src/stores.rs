//! The local stores — the result vault, the audit journal, the outbox — opened in ONE place, so
//! the desktop app and the command line share them (a request queued by one is seen by the
//! other) through these names only.
//!
//! ```text
//! <data dir>/audit.jsonl   the journal (MAC key and head anchored in the keyring)
//! <data dir>/vault/        the results, encrypted at rest until viewed and closed
//! <data dir>/outbox/       signed requests waiting to be sent
//! keyring service "sio-vault": "sio-app:…" vault and journal keys, "sio-app:outbox"
//! ```

use std::path::{Path, PathBuf};
use std::sync::Arc;

use sio_vault::{Actor, Journal, JournalKeys, KeyStore, ResultId, Vault, VaultConfig, VaultError};
use thiserror::Error;

use crate::outbox::{Outbox, OutboxError};

/// The OS keyring service holding the stores' keys.
pub const KEYRING_SERVICE: &str = "sio-vault";
/// Prefix of the vault's and the journal's key names in the keyring.
pub const KEY_PREFIX: &str = "sio-app:";
/// The outbox's key name in the keyring.
pub const OUTBOX_KEY: &str = "sio-app:outbox";
/// The audit journal's file in the data directory.
pub const JOURNAL_FILE: &str = "audit.jsonl";
/// The vault's directory in the data directory.
pub const VAULT_DIR: &str = "vault";
/// The outbox's directory in the data directory.
pub const OUTBOX_DIR: &str = "outbox";

/// Why the local stores could not be opened.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The data directory cannot be created.
    #[error("cannot create the data directory {}: {source}", path.display())]
    DataDir {
        /// The directory.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// The vault or its journal failed.
    #[error(transparent)]
    Vault(#[from] VaultError),
    /// The journal failed.
    #[error(transparent)]
    Journal(#[from] sio_vault::JournalError),
    /// The outbox failed.
    #[error(transparent)]
    Outbox(#[from] OutboxError),
}

impl StoreError {
    /// The stable code.
    pub fn code(&self) -> &str {
        match self {
            StoreError::DataDir { .. } => "APP_DATA_DIR",
            StoreError::Vault(e) => e.code(),
            StoreError::Journal(e) => e.code(),
            StoreError::Outbox(e) => e.code(),
        }
    }
}

impl From<StoreError> for crate::ClientError {
    fn from(e: StoreError) -> Self {
        crate::ClientError::Stores(Box::new(e))
    }
}

/// The vault and the outbox of one data directory (the journal is inside the vault).
#[derive(Debug)]
pub struct Stores {
    /// The result vault.
    pub vault: Vault,
    /// The outbox.
    pub outbox: Outbox,
}

/// Open (or create) the stores in `dir` with the keys in `keys`, journaling as `actor`; a viewed
/// result is destroyed after `view_window` at the latest.
pub fn open(
    dir: &Path,
    keys: Arc<dyn KeyStore>,
    actor: Actor,
    view_window: chrono::Duration,
) -> Result<Stores, StoreError> {
    std::fs::create_dir_all(dir).map_err(|source| StoreError::DataDir {
        path: dir.to_path_buf(),
        source,
    })?;
    // MAC key and head anchored in the keyring: a cut or rolled-back journal is refused.
    let journal_path = dir.join(JOURNAL_FILE);
    let journal_keys = JournalKeys::new(keys.clone(), KEY_PREFIX, &journal_path)?;
    let journal = Journal::open_anchored(&journal_path, journal_keys)?;
    let vault = Vault::open(
        &dir.join(VAULT_DIR),
        keys.clone(),
        journal,
        actor,
        VaultConfig {
            key_prefix: KEY_PREFIX.into(),
            view_window,
        },
    )?;
    let outbox = Outbox::open(&dir.join(OUTBOX_DIR), keys, OUTBOX_KEY)?;
    Ok(Stores { vault, outbox })
}

impl Stores {
    /// The stored result of request `request_id`, if the vault holds one.
    pub fn find_result(
        &self,
        request_id: impl std::fmt::Display,
    ) -> Result<Option<ResultId>, VaultError> {
        let id = request_id.to_string();
        Ok(self
            .vault
            .list()?
            .into_iter()
            .find(|r| r.meta.request_id == id)
            .map(|r| r.id))
    }
}
