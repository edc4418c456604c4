//! Storing, listing and opening results.

use std::fs;
use std::io;

use chrono::{DateTime, Utc};
use zeroize::Zeroizing;

use super::{
    ResultId, ResultMeta, SLOT_FORMAT, ShredReason, Slot, StoredResult, Vault, ViewedResult,
    io_err, list, nonce, read_slot,
};
use crate::crypto::{SecretKey, TAG_LEN};
use crate::error::VaultError;
use crate::fsio;
use crate::journal::{ObjectRef, Operation, Outcome, Record};

impl Vault {
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
        if let Err(e) = fsio::write_atomic(&slot_path, &bytes) {
            // A full disk: the ciphertext without its slot is noise; it goes now, not at the next start.
            let _ = fsio::remove_if_present(&data_path);
            return Err(io_err("write key slot", &slot_path)(e));
        }
        drop(guard);
        let journaled = self.journal(
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
        );
        if let Err(e) = journaled {
            // Not journaled, so not stored (2009 rules r.8: every operation on a result is in
            // the journal): the slot is crypto-erased and the ciphertext removed before the
            // refusal, so that a result the caller was told failed never shows up later
            // (tests/faults.rs, the disk filling up between the slot and the journal line).
            let _ = fsio::overwrite_and_remove(&slot_path);
            let _ = fsio::remove_if_present(&data_path);
            return Err(e);
        }
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

    pub(super) fn first_viewed(&self, id: ResultId) -> Option<DateTime<Utc>> {
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
}
