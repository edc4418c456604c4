//! Storing, listing and opening results.

use std::fs;
use std::io;

use chrono::Utc;
use zeroize::Zeroizing;

use super::clock::{BootInstant, FirstView};
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
                let first = self.first_view(id).map(|f| f.map(|f| f.wall));
                // An unreadable marker still means "viewed": listed with the time unknown as
                // stored time (it is shredded at the next check).
                out.push(slot.listed(first.map(|f| f.unwrap_or(slot.stored_at))));
            }
        }
        out.sort_by_key(|r| r.stored_at);
        Ok(out)
    }

    /// The view marker: `None` if the result was not viewed, `Some(None)` if the marker is there
    /// but unreadable or unparsable (treated as a window that is over).
    pub(super) fn first_view(&self, id: ResultId) -> Option<Option<FirstView>> {
        match fs::read_to_string(self.inner.dirs.viewed(id)) {
            Ok(text) => Some(FirstView::decode(&text)),
            Err(e) if e.kind() == io::ErrorKind::NotFound => None,
            Err(_) => Some(None),
        }
    }

    /// Time left of the viewing window of a viewed result, measured on the boot clock
    /// ([`super::clock`]); `None` once it is over, or when it cannot be trusted.
    pub(super) fn view_time_left(
        &self,
        first: Option<&FirstView>,
        now_boot: Option<&BootInstant>,
    ) -> Option<chrono::Duration> {
        first?.remaining(self.inner.config.view_window, Utc::now(), now_boot)
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
        // The window is measured as elapsed time (boot clock), not wall time: a clock set
        // back or forward neither extends nor cuts it (issue 20; see `clock`).
        let now_boot = BootInstant::now();
        let first = self.first_view(id);
        let left = match &first {
            Some(f) => self.view_time_left(f.as_ref(), now_boot.as_ref()),
            None => Some(self.inner.config.view_window),
        };
        let Some(left) = left else {
            self.shred_files(id, ShredReason::Expired, None)?;
            return Err(VaultError::Expired(id));
        };
        let kek = self.state().kek.clone();
        let (slot, dek) = read_slot(&slot_path, id, &kek)?;
        // An unreadable marker was refused above as over; `None` here is "not viewed yet".
        let first_viewed_at = match first.flatten() {
            Some(f) => f.wall,
            None => {
                let f = FirstView::now();
                let vpath = d.viewed(id);
                fsio::write_atomic(&vpath, f.encode().as_bytes())
                    .map_err(io_err("record first view", &vpath))?;
                f.wall
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
            // For display and the journal: the wall time at which the time left runs out, if
            // the wall clock is not moved meanwhile.
            expires_at: Utc::now() + left,
            vault: self.clone(),
            done: false,
        })
    }
}
