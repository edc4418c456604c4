//! The keyring side of a journal: its MAC key and its anchored head.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::{Entry, JournalError};
use crate::crypto::MacKey;
use crate::keystore::KeyStore;

/// The keyring side of a journal: the entry names of its MAC key and of its anchored head, in a
/// [`KeyStore`] (the OS keyring in production, beside the vault's KEK).
///
/// The MAC key is `<prefix>journal-mac` (as before anchoring); the head is
/// `<prefix>journal-head:<h>`, where `<h>` is the first 128 bits (hex) of SHA-256 of the
/// journal's absolute path (its directory resolved), so journals in two data directories of
/// one user have heads of their own.
#[derive(Clone)]
pub struct JournalKeys {
    pub(super) keys: Arc<dyn KeyStore>,
    pub(super) mac_name: String,
    head_name: String,
}

impl std::fmt::Debug for JournalKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JournalKeys")
            .field("store", &self.keys.describe())
            .field("mac_name", &self.mac_name)
            .field("head_name", &self.head_name)
            .finish()
    }
}

/// The head as anchored in the keyring.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct AnchoredHead {
    pub(super) seq: u64,
    pub(super) hash: String,
    mac: String,
}

impl JournalKeys {
    /// The keys of the journal at `journal` (whose directory must exist) under `prefix` (the app
    /// uses `sio-app:`) in `keys`.
    pub fn new(
        keys: Arc<dyn KeyStore>,
        prefix: &str,
        journal: &Path,
    ) -> Result<Self, JournalError> {
        let absolute = absolute_journal_path(journal)?;
        let digest = Sha256::digest(absolute.as_os_str().as_encoded_bytes());
        let id = hex::encode(digest.get(..16).unwrap_or_default());
        Ok(Self {
            keys,
            mac_name: format!("{prefix}journal-mac"),
            head_name: format!("{prefix}journal-head:{id}"),
        })
    }

    /// Use another entry name for the MAC key.
    #[must_use]
    pub fn with_mac_name(mut self, name: impl Into<String>) -> Self {
        self.mac_name = name.into();
        self
    }

    /// The keyring entry of the MAC key.
    pub fn mac_name(&self) -> &str {
        &self.mac_name
    }

    /// The keyring entry of the anchored head.
    pub fn head_name(&self) -> &str {
        &self.head_name
    }

    /// The key store, described for reports.
    pub fn describe(&self) -> String {
        self.keys.describe()
    }

    /// The journal's MAC key, if the keyring holds it.
    pub fn mac_key(&self) -> Result<Option<MacKey>, JournalError> {
        Ok(MacKey::load(self.keys.as_ref(), &self.mac_name)?)
    }

    pub(super) fn create_mac_key(&self) -> Result<MacKey, JournalError> {
        Ok(MacKey::load_or_create(self.keys.as_ref(), &self.mac_name)?)
    }

    fn head_mac_input(&self, seq: u64, hash: &str) -> String {
        format!("sio-vault journal anchor|{}|{seq}|{hash}", self.head_name)
    }

    /// The anchored head; with `mac`, its MAC is checked (a bad one: `HeadMismatch`). A value
    /// that is not a head is a mismatch too.
    pub(super) fn load_head(
        &self,
        mac: Option<&MacKey>,
    ) -> Result<Option<AnchoredHead>, JournalError> {
        let Some(bytes) = self.keys.load(&self.head_name)? else {
            return Ok(None);
        };
        let head: AnchoredHead =
            serde_json::from_slice(&bytes).map_err(|_| JournalError::HeadMismatch { seq: 0 })?;
        if let Some(key) = mac
            && !key.check_hex(
                self.head_mac_input(head.seq, &head.hash).as_bytes(),
                &head.mac,
            )
        {
            return Err(JournalError::HeadMismatch { seq: head.seq });
        }
        Ok(Some(head))
    }

    pub(super) fn store_head(
        &self,
        mac: &MacKey,
        seq: u64,
        hash: &str,
    ) -> Result<(), JournalError> {
        let head = AnchoredHead {
            seq,
            hash: hash.to_owned(),
            mac: mac.tag_hex(self.head_mac_input(seq, hash).as_bytes()),
        };
        let bytes = serde_json::to_vec(&head).unwrap_or_default();
        Ok(self.keys.store(&self.head_name, &bytes)?)
    }

    /// Remove the anchored head from the keyring (a journal archived for good; tests).
    pub fn forget_head(&self) -> Result<(), JournalError> {
        Ok(self.keys.delete(&self.head_name)?)
    }
}

/// `journal` with its directory resolved (links, `..`), so one file has one name.
fn absolute_journal_path(journal: &Path) -> Result<PathBuf, JournalError> {
    let name = journal.file_name().ok_or_else(|| JournalError::Io {
        op: "name the journal",
        path: journal.to_path_buf(),
        source: io::Error::new(io::ErrorKind::InvalidInput, "not a file name"),
    })?;
    let dir = match journal.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let dir = fs::canonicalize(&dir).map_err(JournalError::io("resolve directory", &dir))?;
    Ok(dir.join(name))
}

/// Check the end of a journal (`entries` entries, the last one `last`, the one at the head's
/// count found by `hash_at`) against the keyring's head. Returns the head, and whether the
/// journal is exactly one entry ahead of it (a crash between the append and the anchor update).
pub(super) fn check_anchor(
    keys: &JournalKeys,
    mac: Option<&MacKey>,
    entries: u64,
    last: Option<&Entry>,
    hash_at: impl Fn(u64) -> Option<String>,
) -> Result<Option<(AnchoredHead, bool)>, JournalError> {
    let Some(head) = keys.load_head(mac)? else {
        if entries > 0 {
            return Err(JournalError::HeadMissing {
                entries,
                name: keys.head_name.clone(),
            });
        }
        return Ok(None);
    };
    if entries < head.seq {
        return Err(JournalError::Truncated { seq: entries + 1 });
    }
    let mismatch = JournalError::HeadMismatch { seq: head.seq };
    if head.seq == 0 {
        return Err(mismatch);
    }
    if hash_at(head.seq).is_none_or(|h| h != head.hash) {
        return Err(mismatch);
    }
    let ahead = entries - head.seq;
    match ahead {
        0 => Ok(Some((head, false))),
        1 if last.is_some_and(|e| e.prev == head.hash) => Ok(Some((head, true))),
        _ => Err(mismatch),
    }
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Head {
    pub(super) seq: u64,
    pub(super) hash: String,
    pub(super) mac: Option<String>,
}

impl Head {
    pub(super) fn mac_input(seq: u64, hash: &str) -> String {
        format!("sio-vault journal head|{seq}|{hash}")
    }
}
