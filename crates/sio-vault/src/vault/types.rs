//! Result identifiers, metadata, settings and reports.

use std::path::PathBuf;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::error::VaultError;

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
    pub(super) fn as_str(self) -> &'static str {
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

/// What [`Vault::open`](super::Vault::open)'s recovery did.
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
