//! The vault: results encrypted at rest, viewed in memory, crypto-erased.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use crate::crypto::{NONCE_LEN, SecretKey, TAG_LEN};
use crate::error::VaultError;
use crate::fsio;
use crate::journal::{Actor, Journal, ObjectRef, Operation, Outcome, Record};
use crate::keystore::KeyStore;

const SLOT_FORMAT: &str = "sio-vault-slot/1";
const VAULT_FORMAT: &str = "sio-vault/1";

/// The error a caller's export signer returns (its message is journaled as the failure).
pub type SignError = Box<dyn std::error::Error + Send + Sync>;

/// The caller's signer for exports: detached CMS signature over the given bytes.
pub type ExportSigner<'a> = dyn FnMut(&[u8]) -> Result<Vec<u8>, SignError> + 'a;

/// A result's identifier: a UUID, which is also its file name in the vault.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ResultId(uuid::Uuid);

impl ResultId {
    /// A fresh random id.
    pub fn new() -> Self {
        Self(uuid::Uuid::new_v4())
    }

    /// Parse the hyphenated lowercase form.
    pub fn parse(s: &str) -> Result<Self, VaultError> {
        match uuid::Uuid::try_parse(s) {
            Ok(u) if u.hyphenated().to_string() == s => Ok(Self(u)),
            _ => Err(VaultError::BadResultId(s.to_owned())),
        }
    }
}

impl Default for ResultId {
    fn default() -> Self {
        Self::new()
    }
}

impl std::fmt::Display for ResultId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.hyphenated().fmt(f)
    }
}

impl TryFrom<String> for ResultId {
    type Error = VaultError;
    fn try_from(s: String) -> Result<Self, VaultError> {
        Self::parse(&s)
    }
}

impl From<ResultId> for String {
    fn from(id: ResultId) -> String {
        id.to_string()
    }
}

/// What a result holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ResultKind {
    /// A JSON table.
    Json,
    /// A PDF document.
    Pdf,
}

/// What the caller says about a result when storing it. Not secret: it is kept in the key slot
/// in clear (and authenticated as associated data), and journaled.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResultMeta {
    /// The request this result answers.
    pub request_id: String,
    /// JSON or PDF.
    pub kind: ResultKind,
    /// When the gateway delivered it.
    pub received_at: DateTime<Utc>,
}

/// A result as listed (no contents).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredResult {
    /// Its id.
    pub id: ResultId,
    /// The caller's metadata.
    pub meta: ResultMeta,
    /// Size of the plaintext in bytes.
    pub size: u64,
    /// When it was stored.
    pub stored_at: DateTime<Utc>,
    /// When it was first viewed, if it was.
    pub first_viewed_at: Option<DateTime<Utc>>,
}

/// The key slot (≈ 600 bytes): everything needed to decrypt the ciphertext, except the KEK.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Slot {
    format: String,
    id: ResultId,
    meta: ResultMeta,
    size: u64,
    stored_at: DateTime<Utc>,
    wrap_nonce: String,
    wrapped_key: String,
    data_nonce: String,
}

impl Slot {
    /// Associated data: binds the wrapped key and the ciphertext to this result and its metadata.
    fn aad(&self, purpose: &str) -> Vec<u8> {
        let meta =
            serde_json::to_string(&(&self.format, self.id, &self.meta, self.size, self.stored_at))
                .unwrap_or_default();
        format!("{SLOT_FORMAT}|{purpose}|{meta}").into_bytes()
    }

    fn listed(&self, first_viewed_at: Option<DateTime<Utc>>) -> StoredResult {
        StoredResult {
            id: self.id,
            meta: self.meta.clone(),
            size: self.size,
            stored_at: self.stored_at,
            first_viewed_at,
        }
    }
}

fn nonce(hex_str: &str) -> Option<[u8; NONCE_LEN]> {
    hex::decode(hex_str).ok()?.try_into().ok()
}

/// Vault settings.
#[derive(Debug, Clone)]
pub struct VaultConfig {
    /// The OS keyring entry names are prefixed with this (`<prefix>kek:<vault id>`).
    pub key_prefix: String,
    /// How long a result may stay open after its first view before it is shredded anyway.
    pub view_window: chrono::Duration,
}

impl Default for VaultConfig {
    fn default() -> Self {
        Self {
            key_prefix: String::new(),
            view_window: chrono::Duration::minutes(30),
        }
    }
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct VaultFile {
    format: String,
    vault_id: String,
}

/// Why a result was shredded (journaled).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
#[non_exhaustive]
pub enum ShredReason {
    /// The user closed the viewer.
    Closed,
    /// The viewing time after the first view ran out.
    Expired,
    /// Explicitly, without viewing (e.g. the user discards it).
    Discarded,
    /// Recovery: viewed before a crash and not shredded.
    ViewedBeforeCrash,
    /// Recovery: ciphertext without a key slot (a crash while storing).
    DataWithoutSlot,
    /// Recovery: key slot without ciphertext.
    SlotWithoutData,
    /// Recovery: the key slot is damaged, altered or not decryptable under the KEK.
    SlotUnreadable,
    /// Recovery: the KEK is gone from the keyring (e.g. after a reboot), nothing is readable.
    KekMissing,
}

impl ShredReason {
    fn as_str(self) -> &'static str {
        match self {
            Self::Closed => "closed",
            Self::Expired => "expired",
            Self::Discarded => "discarded",
            Self::ViewedBeforeCrash => "viewed_before_crash",
            Self::DataWithoutSlot => "data_without_slot",
            Self::SlotWithoutData => "slot_without_data",
            Self::SlotUnreadable => "slot_unreadable",
            Self::KekMissing => "kek_missing",
        }
    }
}

/// What a shred did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShredReport {
    /// The result.
    pub id: ResultId,
    /// Why.
    pub reason: ShredReason,
    /// Whether a key slot was overwritten and deleted (crypto-erase).
    pub slot_erased: bool,
    /// Whether a ciphertext file was removed.
    pub data_removed: bool,
    /// Time until the key slot was overwritten, flushed and unlinked: from then on the result
    /// cannot be decrypted. Independent of the result's size.
    pub erased_in: Duration,
    /// Time until the ciphertext and the view marker were removed too (unlinking a large file
    /// frees its blocks, which grows with size).
    pub removed_in: Duration,
}

/// What [`Vault::open`]'s recovery did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RecoveryReport {
    /// Results shredded, with the reason.
    pub shredded: Vec<ShredReport>,
    /// Unfinished temporary files removed.
    pub temporaries_removed: usize,
    /// Whether a new KEK was created (first start, or the old one was gone).
    pub kek_created: bool,
}

/// The receipt of an export to case materials.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportReceipt {
    /// The exported file.
    pub path: PathBuf,
    /// The detached signature beside it (`<path>.p7s`).
    pub signature_path: PathBuf,
    /// SHA-256 (hex) of the exported bytes, as journaled.
    pub sha256: String,
    /// The journal entry's sequence number.
    pub journal_seq: u64,
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

    /// Shred orphans and stale temporaries; journaled.
    fn recover(&self, kek_created: bool) -> Result<RecoveryReport, VaultError> {
        let d = &self.inner.dirs;
        let mut report = RecoveryReport {
            kek_created,
            ..RecoveryReport::default()
        };
        // Unfinished temporary files: a slot's may hold a wrapped key, so overwrite it.
        for dir in [&d.slots, &d.data, &d.viewed, &d.root] {
            for (name, path) in list(dir)? {
                if name.starts_with('.') && name.ends_with(".tmp") {
                    fsio::overwrite_and_remove(&path).map_err(io_err("remove temporary", &path))?;
                    report.temporaries_removed += 1;
                }
            }
        }
        let ids = |dir: &Path, suffix: &str| -> Result<Vec<(ResultId, PathBuf)>, VaultError> {
            let mut out = Vec::new();
            for (name, path) in list(dir)? {
                if name.starts_with('.') {
                    continue;
                }
                match name.strip_suffix(suffix).map(ResultId::parse) {
                    Some(Ok(id)) => out.push((id, path)),
                    // Not ours by name: a foreign file in the vault is erased too.
                    _ => {
                        fsio::overwrite_and_remove(&path).map_err(io_err("remove", &path))?;
                    }
                }
            }
            Ok(out)
        };
        let slots = ids(&d.slots, ".slot")?;
        let kek = self.state().kek.clone();
        for (id, path) in &slots {
            let reason = if kek_created {
                Some(ShredReason::KekMissing)
            } else if read_slot(path, *id, &kek).is_err() {
                Some(ShredReason::SlotUnreadable)
            } else if !d.data(*id).exists() {
                Some(ShredReason::SlotWithoutData)
            } else if d.viewed(*id).exists() {
                Some(ShredReason::ViewedBeforeCrash)
            } else {
                None
            };
            if let Some(reason) = reason {
                report.shredded.push(self.shred_files(*id, reason, None)?);
            }
        }
        for (id, _) in ids(&d.data, ".bin")? {
            if !d.slot(id).exists() {
                report
                    .shredded
                    .push(self.shred_files(id, ShredReason::DataWithoutSlot, None)?);
            }
        }
        for (id, path) in ids(&d.viewed, "")? {
            if !d.slot(id).exists() {
                fsio::remove_if_present(&path).map_err(io_err("remove", &path))?;
            }
        }
        fsio::sync_dir(&d.viewed).map_err(io_err("sync directory", &d.viewed))?;
        self.journal(
            Record::new(
                Operation::VaultOpened,
                ObjectRef::default(),
                Outcome::Success,
            )
            .with("shredded", report.shredded.len().to_string())
            .with(
                "temporaries_removed",
                report.temporaries_removed.to_string(),
            )
            .with("kek_created", report.kek_created.to_string())
            .with("keyring", self.inner.keys.describe()),
        )?;
        if !kek_created {
            self.rotate_kek_if_empty()?;
        }
        Ok(report)
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

    /// Store a result encrypted: a fresh 256-bit key encrypts it (XChaCha20-Poly1305, random
    /// nonce, result id and metadata as associated data); the key, wrapped by the KEK, goes
    /// into the key slot. The ciphertext is written first, then the slot; the result exists
    /// once the slot's rename is durable. `plaintext` is not kept: zeroize it after this call.
    pub fn store(&self, meta: ResultMeta, plaintext: &[u8]) -> Result<ResultId, VaultError> {
        let id = ResultId::new();
        let d = &self.inner.dirs;
        let dek = SecretKey::random();
        let mut slot = Slot {
            format: SLOT_FORMAT.to_owned(),
            id,
            meta,
            size: plaintext.len() as u64,
            stored_at: Utc::now(),
            wrap_nonce: String::new(),
            wrapped_key: String::new(),
            data_nonce: String::new(),
        };
        let mut buf = Zeroizing::new(Vec::with_capacity(plaintext.len() + TAG_LEN));
        buf.extend_from_slice(plaintext);
        let data_nonce = dek
            .seal(&slot.aad("data"), &mut buf)
            .ok_or(VaultError::Encrypt(id))?;
        // Sealed in place: the buffer now holds only ciphertext, which need not be zeroized.
        let ciphertext = std::mem::take(&mut *buf);
        let data_path = d.data(id);
        fsio::write_atomic(&data_path, &ciphertext)
            .map_err(io_err("write ciphertext", &data_path))?;
        drop(ciphertext);
        let guard = self.state();
        let mut wrapped = Zeroizing::new(Vec::with_capacity(2 * TAG_LEN + 32));
        wrapped.extend_from_slice(dek.bytes());
        let wrap_nonce = guard
            .kek
            .seal(&slot.aad("key"), &mut wrapped)
            .ok_or(VaultError::Encrypt(id))?;
        slot.data_nonce = hex::encode(data_nonce);
        slot.wrap_nonce = hex::encode(wrap_nonce);
        slot.wrapped_key = hex::encode(&*wrapped);
        let bytes = Zeroizing::new(serde_json::to_vec(&slot).unwrap_or_default());
        let slot_path = d.slot(id);
        fsio::write_atomic(&slot_path, &bytes).map_err(io_err("write key slot", &slot_path))?;
        drop(guard);
        self.journal(
            Record::new(
                Operation::ResultStored,
                ObjectRef {
                    request_id: Some(slot.meta.request_id.clone()),
                    result_id: Some(id.to_string()),
                },
                Outcome::Success,
            )
            .with("kind", format!("{:?}", slot.meta.kind).to_lowercase())
            .with("size", slot.size.to_string()),
        )?;
        Ok(id)
    }

    /// The stored results (metadata only), oldest first.
    pub fn list(&self) -> Result<Vec<StoredResult>, VaultError> {
        let d = &self.inner.dirs;
        let kek = self.state().kek.clone();
        let mut out = Vec::new();
        for (name, path) in list(&d.slots)? {
            let Some(Ok(id)) = name.strip_suffix(".slot").map(ResultId::parse) else {
                continue;
            };
            if let Ok((slot, _)) = read_slot(&path, id, &kek) {
                out.push(slot.listed(self.first_viewed(id)));
            }
        }
        out.sort_by_key(|r| r.stored_at);
        Ok(out)
    }

    fn first_viewed(&self, id: ResultId) -> Option<DateTime<Utc>> {
        let text = fs::read_to_string(self.inner.dirs.viewed(id)).ok()?;
        DateTime::parse_from_rfc3339(text.trim())
            .ok()
            .map(|t| t.with_timezone(&Utc))
    }

    /// Open a result for viewing: the first view is recorded durably (so a crash from here on
    /// leads to shredding at the next start), the ciphertext is authenticated and decrypted into
    /// a zeroizing buffer. Closing the returned [`ViewedResult`] shreds the result. A result past
    /// its viewing time is shredded instead ([`VaultError::Expired`]).
    pub fn view(&self, id: ResultId) -> Result<ViewedResult, VaultError> {
        let object = ObjectRef {
            request_id: None,
            result_id: Some(id.to_string()),
        };
        let res = self.view_inner(id);
        match &res {
            Ok(v) => {
                let mut object = object;
                object.request_id = Some(v.meta.request_id.clone());
                self.journal(
                    Record::new(Operation::ResultViewed, object, Outcome::Success)
                        .with("first_viewed_at", v.first_viewed_at.to_rfc3339())
                        .with("expires_at", v.expires_at.to_rfc3339()),
                )?;
            }
            Err(VaultError::NotFound(_) | VaultError::Expired(_)) => {}
            Err(e) => {
                self.journal(Record::new(
                    Operation::ResultViewed,
                    object,
                    Outcome::Failure(e.code()),
                ))?;
            }
        }
        res
    }

    fn view_inner(&self, id: ResultId) -> Result<ViewedResult, VaultError> {
        let d = &self.inner.dirs;
        let slot_path = d.slot(id);
        if !slot_path.exists() {
            return Err(VaultError::NotFound(id));
        }
        let now = Utc::now();
        if let Some(first) = self.first_viewed(id)
            && now >= first + self.inner.config.view_window
        {
            self.shred_files(id, ShredReason::Expired, None)?;
            return Err(VaultError::Expired(id));
        }
        let kek = self.state().kek.clone();
        let (slot, dek) = read_slot(&slot_path, id, &kek)?;
        let first_viewed_at = match self.first_viewed(id) {
            Some(t) => t,
            None => {
                let vpath = d.viewed(id);
                fsio::write_atomic(&vpath, now.to_rfc3339().as_bytes())
                    .map_err(io_err("record first view", &vpath))?;
                now
            }
        };
        let data_path = d.data(id);
        let ciphertext = match fs::read(&data_path) {
            Ok(c) => c,
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                return Err(VaultError::CiphertextTampered(id));
            }
            Err(e) => return Err(io_err("read ciphertext", &data_path)(e)),
        };
        let mut buf = Zeroizing::new(ciphertext);
        let data_nonce = nonce(&slot.data_nonce).ok_or(VaultError::SlotTampered(id))?;
        if !dek.open(&data_nonce, &slot.aad("data"), &mut buf) || buf.len() as u64 != slot.size {
            return Err(VaultError::CiphertextTampered(id));
        }
        Ok(ViewedResult {
            id,
            meta: slot.meta.clone(),
            plaintext: buf,
            first_viewed_at,
            expires_at: first_viewed_at + self.inner.config.view_window,
            vault: self.clone(),
            done: false,
        })
    }

    /// Shred a result now (crypto-erase), whether viewed or not.
    pub fn shred(&self, id: ResultId) -> Result<ShredReport, VaultError> {
        if !self.inner.dirs.slot(id).exists() && !self.inner.dirs.data(id).exists() {
            return Err(VaultError::NotFound(id));
        }
        self.shred_after_view(id, ShredReason::Discarded, None)
    }

    /// Shred every result whose viewing time after the first view has run out. The app calls
    /// this on a timer (e.g. every minute); [`Vault::view`] also checks.
    pub fn shred_expired(&self) -> Result<Vec<ShredReport>, VaultError> {
        let now = Utc::now();
        let mut out = Vec::new();
        for (name, _) in list(&self.inner.dirs.viewed)? {
            let Ok(id) = ResultId::parse(&name) else {
                continue;
            };
            if self
                .first_viewed(id)
                .is_none_or(|t| now >= t + self.inner.config.view_window)
            {
                out.push(self.shred_files(id, ShredReason::Expired, None)?);
            }
        }
        if !out.is_empty() {
            self.rotate_kek_if_empty()?;
        }
        Ok(out)
    }

    /// Crypto-erase: overwrite the key slot with zeros, flush, delete it and sync the directory
    /// — from then on the ciphertext cannot be decrypted — then remove the ciphertext and the
    /// view marker. Costs the same for any result size. Journaled.
    fn shred_files(
        &self,
        id: ResultId,
        reason: ShredReason,
        request_id: Option<String>,
    ) -> Result<ShredReport, VaultError> {
        let d = &self.inner.dirs;
        let start = Instant::now();
        let guard = self.state();
        let slot = d.slot(id);
        let slot_erased =
            fsio::overwrite_and_remove(&slot).map_err(io_err("erase key slot", &slot))?;
        let erased_in = start.elapsed();
        let data = d.data(id);
        let data_removed =
            fsio::remove_if_present(&data).map_err(io_err("remove ciphertext", &data))?;
        fsio::sync_dir(&d.data).map_err(io_err("sync directory", &d.data))?;
        let viewed = d.viewed(id);
        fsio::remove_if_present(&viewed).map_err(io_err("remove view marker", &viewed))?;
        drop(guard);
        let removed_in = start.elapsed();
        self.journal(
            Record::new(
                Operation::ResultShredded,
                ObjectRef {
                    request_id,
                    result_id: Some(id.to_string()),
                },
                Outcome::Success,
            )
            .with("reason", reason.as_str())
            .with("method", "crypto-erase (NIST SP 800-88 r1)")
            .with("slot_erased", slot_erased.to_string()),
        )?;
        Ok(ShredReport {
            id,
            reason,
            slot_erased,
            data_removed,
            erased_in,
            removed_in,
        })
    }

    /// When the vault holds no result, replace the KEK: copies of wrapped keys that a file
    /// system may have kept (journal, SSD remapping) become undecryptable too.
    fn rotate_kek_if_empty(&self) -> Result<bool, VaultError> {
        let mut guard = self.state();
        if !list(&self.inner.dirs.slots)?.is_empty() {
            return Ok(false);
        }
        let kek = SecretKey::random();
        self.inner.keys.store(&self.inner.kek_name, kek.bytes())?;
        guard.kek = kek;
        drop(guard);
        self.journal(Record::new(
            Operation::KekRotated,
            ObjectRef::default(),
            Outcome::Success,
        ))?;
        Ok(true)
    }
}

fn list(dir: &Path) -> Result<Vec<(String, PathBuf)>, VaultError> {
    let mut out = Vec::new();
    let rd = fs::read_dir(dir).map_err(io_err("list", dir))?;
    for e in rd {
        let e = e.map_err(io_err("list", dir))?;
        if e.file_type().map_err(io_err("list", dir))?.is_file() {
            out.push((e.file_name().to_string_lossy().into_owned(), e.path()));
        }
    }
    Ok(out)
}

fn read_slot(path: &Path, id: ResultId, kek: &SecretKey) -> Result<(Slot, SecretKey), VaultError> {
    let bytes = Zeroizing::new(match fs::read(path) {
        Ok(b) => b,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Err(VaultError::NotFound(id)),
        Err(e) => return Err(io_err("read key slot", path)(e)),
    });
    let slot: Slot = serde_json::from_slice(&bytes).map_err(|_| VaultError::SlotTampered(id))?;
    if slot.format != SLOT_FORMAT || slot.id != id {
        return Err(VaultError::SlotTampered(id));
    }
    let wrap_nonce = nonce(&slot.wrap_nonce).ok_or(VaultError::SlotTampered(id))?;
    let mut wrapped =
        Zeroizing::new(hex::decode(&slot.wrapped_key).map_err(|_| VaultError::SlotTampered(id))?);
    if !kek.open(&wrap_nonce, &slot.aad("key"), &mut wrapped) {
        return Err(VaultError::SlotTampered(id));
    }
    let dek = SecretKey::from_slice(&wrapped).ok_or(VaultError::SlotTampered(id))?;
    Ok((slot, dek))
}

/// A result open for viewing. The plaintext lives only here, in a zeroizing buffer; `Debug`
/// prints `<redacted>`. [`ViewedResult::close`] (or dropping it) shreds the result.
pub struct ViewedResult {
    id: ResultId,
    meta: ResultMeta,
    plaintext: Zeroizing<Vec<u8>>,
    first_viewed_at: DateTime<Utc>,
    expires_at: DateTime<Utc>,
    vault: Vault,
    done: bool,
}

impl std::fmt::Debug for ViewedResult {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ViewedResult")
            .field("id", &self.id)
            .field("meta", &self.meta)
            .field("plaintext", &"<redacted>")
            .field("expires_at", &self.expires_at)
            .finish()
    }
}

impl ViewedResult {
    /// The result's id.
    pub fn id(&self) -> ResultId {
        self.id
    }

    /// Its metadata.
    pub fn meta(&self) -> &ResultMeta {
        &self.meta
    }

    /// The plaintext (JSON or PDF bytes) for the built-in viewer. Do not copy it into
    /// non-zeroizing memory.
    pub fn plaintext(&self) -> &[u8] {
        &self.plaintext
    }

    /// When it was first viewed.
    pub fn first_viewed_at(&self) -> DateTime<Utc> {
        self.first_viewed_at
    }

    /// When it will be shredded even if still open ([`Vault::shred_expired`]).
    pub fn expires_at(&self) -> DateTime<Utc> {
        self.expires_at
    }

    /// Journal a print of this result (the app prints through this explicit action).
    pub fn record_print(&self, printer: &str) -> Result<u64, VaultError> {
        self.vault.journal(
            Record::new(Operation::ResultPrinted, self.object(), Outcome::Success)
                .with("printer", printer),
        )
    }

    fn object(&self) -> ObjectRef {
        ObjectRef {
            request_id: Some(self.meta.request_id.clone()),
            result_id: Some(self.id.to_string()),
        }
    }

    /// Attach the result to case materials (rule 48 as of 2024), the lawful exception to
    /// destruction: writes the plaintext to `dest` (which must not exist) and the detached
    /// signature made by `sign` over exactly those bytes to `<dest>.p7s`, both flushed to disk.
    /// `sign` is the caller's CMS signer (on the token); the vault never sees keys or PINs.
    /// Journaled before (`started`) and after, with the reason, the destination and the
    /// SHA-256 of the exported bytes.
    pub fn export(
        &self,
        dest: &Path,
        reason: &str,
        sign: &mut ExportSigner<'_>,
    ) -> Result<ExportReceipt, VaultError> {
        let reason = reason.trim();
        let sig_path = {
            let mut s = dest.as_os_str().to_owned();
            s.push(".p7s");
            PathBuf::from(s)
        };
        let sha256 = hex::encode(Sha256::digest(&*self.plaintext));
        let record = |outcome| {
            Record::new(Operation::ResultExported, self.object(), outcome)
                .with("reason", reason)
                .with("destination", dest.display().to_string())
                .with("sha256", sha256.clone())
        };
        let res = (|| {
            if reason.is_empty() {
                return Err(VaultError::ExportReasonMissing);
            }
            for p in [dest, sig_path.as_path()] {
                if p.exists() {
                    return Err(VaultError::ExportDestinationExists(p.to_path_buf()));
                }
            }
            let signature = sign(&self.plaintext).map_err(|e| VaultError::ExportSign {
                id: self.id,
                message: e.to_string(),
            })?;
            self.vault.journal(record(Outcome::Started))?;
            write_new(dest, &self.plaintext)?;
            write_new(&sig_path, &signature)?;
            if let Some(dir) = dest.parent() {
                fsio::sync_dir(dir).map_err(io_err("sync directory", dir))?;
            }
            self.vault.journal(record(Outcome::Success))
        })();
        match res {
            Ok(journal_seq) => Ok(ExportReceipt {
                path: dest.to_path_buf(),
                signature_path: sig_path,
                sha256,
                journal_seq,
            }),
            Err(e) => {
                self.vault.journal(record(Outcome::Failure(e.code())))?;
                Err(e)
            }
        }
    }

    /// Close the viewer and shred the result (crypto-erase). The plaintext buffer is zeroized.
    pub fn close(mut self) -> Result<ShredReport, VaultError> {
        self.done = true;
        let request_id = Some(self.meta.request_id.clone());
        self.vault
            .shred_after_view(self.id, ShredReason::Closed, request_id)
    }
}

impl Vault {
    /// Shred, then replace the KEK if that emptied the vault.
    fn shred_after_view(
        &self,
        id: ResultId,
        reason: ShredReason,
        request_id: Option<String>,
    ) -> Result<ShredReport, VaultError> {
        let report = self.shred_files(id, reason, request_id)?;
        self.rotate_kek_if_empty()?;
        Ok(report)
    }
}

impl Drop for ViewedResult {
    /// Dropping without [`ViewedResult::close`] shreds too (errors are left to the next start's
    /// recovery, which finds the view marker).
    fn drop(&mut self) {
        if !self.done {
            self.done = true;
            let request_id = Some(self.meta.request_id.clone());
            let _ = self
                .vault
                .shred_after_view(self.id, ShredReason::Closed, request_id);
        }
    }
}

fn write_new(path: &Path, bytes: &[u8]) -> Result<(), VaultError> {
    let mut f = OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .map_err(|e| match e.kind() {
            io::ErrorKind::AlreadyExists => VaultError::ExportDestinationExists(path.to_path_buf()),
            _ => io_err("create", path)(e),
        })?;
    f.write_all(bytes).map_err(io_err("write", path))?;
    f.sync_all().map_err(io_err("sync", path))
}
