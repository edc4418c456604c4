//! The vault: results encrypted at rest, viewed in memory, crypto-erased.

use std::fs::{self, File, OpenOptions};
use std::io;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use serde::{Deserialize, Serialize};

use crate::crypto::SecretKey;
use crate::error::VaultError;
use crate::fsio;
use crate::journal::{Actor, Journal, Record};
use crate::keystore::KeyStore;

mod clock;
mod recovery;
mod shred;
mod slot;
mod store;
mod types;
mod viewed;

use slot::{Slot, list, nonce, read_slot};
pub use types::{
    ExportReceipt, ExportSigner, RecoveryReport, ResultId, ResultKind, ResultMeta, ShredReason,
    ShredReport, SignError, StoredResult, VaultConfig,
};
pub use viewed::ViewedResult;

const SLOT_FORMAT: &str = "sio-vault-slot/1";
const VAULT_FORMAT: &str = "sio-vault/1";

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct VaultFile {
    format: String,
    vault_id: String,
}

struct Dirs {
    root: PathBuf,
    slots: PathBuf,
    data: PathBuf,
    viewed: PathBuf,
}

impl Dirs {
    fn slot(&self, id: ResultId) -> PathBuf {
        self.slots.join(format!("{id}.slot"))
    }
    fn data(&self, id: ResultId) -> PathBuf {
        self.data.join(format!("{id}.bin"))
    }
    fn viewed(&self, id: ResultId) -> PathBuf {
        self.viewed.join(id.to_string())
    }
}

struct State {
    kek: SecretKey,
}

struct Inner {
    dirs: Dirs,
    keys: Arc<dyn KeyStore>,
    kek_name: String,
    journal: Journal,
    actor: Mutex<Actor>,
    config: VaultConfig,
    state: Mutex<State>,
    recovery: std::sync::OnceLock<RecoveryReport>,
    _lock: File,
}

/// The result vault. Cheap to clone (shared inside); one process per vault directory.
#[derive(Clone)]
pub struct Vault {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Vault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Vault")
            .field("root", &self.inner.dirs.root)
            .finish_non_exhaustive()
    }
}

fn io_err(op: &'static str, path: &Path) -> impl FnOnce(io::Error) -> VaultError {
    VaultError::io(op, path)
}

impl Vault {
    /// Open (or create) the vault in `root`, with its KEK in `keys`, journaling to `journal` as
    /// `actor`. Runs recovery first: every result viewed but not shredded, every ciphertext
    /// without a key slot, every slot without ciphertext or unreadable, and every unfinished
    /// temporary file is shredded. If the KEK is gone from the keyring (a reboot cleared the
    /// session keyring), every stored result is unreadable and is shredded; a new KEK is made.
    pub fn open(
        root: &Path,
        keys: Arc<dyn KeyStore>,
        journal: Journal,
        actor: Actor,
        config: VaultConfig,
    ) -> Result<Self, VaultError> {
        let dirs = Dirs {
            root: root.to_path_buf(),
            slots: root.join("slots"),
            data: root.join("data"),
            viewed: root.join("viewed"),
        };
        for d in [&dirs.root, &dirs.slots, &dirs.data, &dirs.viewed] {
            fs::create_dir_all(d).map_err(io_err("create directory", d))?;
        }
        let lock_path = root.join("vault.lock");
        let lock = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(io_err("open lock", &lock_path))?;
        match lock.try_lock() {
            Ok(()) => {}
            Err(fs::TryLockError::WouldBlock) => {
                return Err(VaultError::Locked(root.to_path_buf()));
            }
            Err(fs::TryLockError::Error(e)) => return Err(io_err("lock", &lock_path)(e)),
        }
        let vault_id = Self::vault_id(root)?;
        let kek_name = format!("{}kek:{vault_id}", config.key_prefix);
        let (kek, kek_created) = SecretKey::load_or_create(keys.as_ref(), &kek_name)?;
        let inner = Inner {
            dirs,
            keys,
            kek_name,
            journal,
            actor: Mutex::new(actor),
            config,
            state: Mutex::new(State { kek }),
            recovery: std::sync::OnceLock::new(),
            _lock: lock,
        };
        let vault = Self {
            inner: Arc::new(inner),
        };
        let report = vault.recover(kek_created)?;
        let _ = vault.inner.recovery.set(report);
        Ok(vault)
    }

    /// What the recovery in [`Vault::open`] did.
    pub fn recovery(&self) -> RecoveryReport {
        self.inner.recovery.get().cloned().unwrap_or_default()
    }

    fn vault_id(root: &Path) -> Result<String, VaultError> {
        let path = root.join("vault.json");
        match fs::read(&path) {
            Ok(bytes) => {
                let f: VaultFile =
                    serde_json::from_slice(&bytes).map_err(|e| VaultError::MetadataCorrupt {
                        path: path.clone(),
                        detail: e.to_string(),
                    })?;
                if f.format != VAULT_FORMAT
                    || f.vault_id.is_empty()
                    || !f
                        .vault_id
                        .bytes()
                        .all(|b| b.is_ascii_hexdigit() || b == b'-')
                {
                    return Err(VaultError::MetadataCorrupt {
                        path,
                        detail: "unknown format or vault id".to_owned(),
                    });
                }
                Ok(f.vault_id)
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                let f = VaultFile {
                    format: VAULT_FORMAT.to_owned(),
                    vault_id: uuid::Uuid::new_v4().to_string(),
                };
                let bytes = serde_json::to_vec_pretty(&f).unwrap_or_default();
                fsio::write_atomic(&path, &bytes).map_err(io_err("write", &path))?;
                Ok(f.vault_id)
            }
            Err(e) => Err(io_err("read", &path)(e)),
        }
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.inner
            .state
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    fn journal(&self, record: Record) -> Result<u64, VaultError> {
        let actor = self
            .inner
            .actor
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        Ok(self.inner.journal.append(&actor, record)?)
    }

    /// Change who is acting (after sign-in, or back to the system after sign-out).
    pub fn set_actor(&self, actor: Actor) {
        *self
            .inner
            .actor
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = actor;
    }

    /// The journal this vault writes to (to journal request operations through the same file).
    pub fn journal_handle(&self) -> &Journal {
        &self.inner.journal
    }

    /// Append a record to the journal as the current actor.
    pub fn record(&self, record: Record) -> Result<u64, VaultError> {
        self.journal(record)
    }
}
