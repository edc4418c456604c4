//! Key slots: the wrapped data key and everything else needed to decrypt a result.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use super::{ResultId, ResultMeta, SLOT_FORMAT, StoredResult, io_err};
use crate::crypto::{NONCE_LEN, SecretKey};
use crate::error::VaultError;

/// The key slot (≈ 600 bytes): everything needed to decrypt the ciphertext, except the KEK.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Slot {
    pub(super) format: String,
    pub(super) id: ResultId,
    pub(super) meta: ResultMeta,
    pub(super) size: u64,
    pub(super) stored_at: DateTime<Utc>,
    pub(super) wrap_nonce: String,
    pub(super) wrapped_key: String,
    pub(super) data_nonce: String,
}

impl Slot {
    /// Associated data: binds the wrapped key and the ciphertext to this result and its metadata.
    pub(super) fn aad(&self, purpose: &str) -> Vec<u8> {
        let meta =
            serde_json::to_string(&(&self.format, self.id, &self.meta, self.size, self.stored_at))
                .unwrap_or_default();
        format!("{SLOT_FORMAT}|{purpose}|{meta}").into_bytes()
    }

    pub(super) fn listed(&self, first_viewed_at: Option<DateTime<Utc>>) -> StoredResult {
        StoredResult {
            id: self.id,
            meta: self.meta.clone(),
            size: self.size,
            stored_at: self.stored_at,
            first_viewed_at,
        }
    }
}

pub(super) fn nonce(hex_str: &str) -> Option<[u8; NONCE_LEN]> {
    hex::decode(hex_str).ok()?.try_into().ok()
}

pub(super) fn list(dir: &Path) -> Result<Vec<(String, PathBuf)>, VaultError> {
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

pub(super) fn read_slot(
    path: &Path,
    id: ResultId,
    kek: &SecretKey,
) -> Result<(Slot, SecretKey), VaultError> {
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
