//! Crypto-erase (NIST SP 800-88 Rev. 1, §2.6) and KEK rotation.

use std::time::Instant;

use super::clock::BootInstant;
use super::{ResultId, ShredReason, ShredReport, Vault, io_err, list};
use crate::crypto::SecretKey;
use crate::error::VaultError;
use crate::fsio;
use crate::journal::{ObjectRef, Operation, Outcome, Record};

impl Vault {
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
        // Elapsed time on the boot clock, not wall time (see `clock`).
        let now_boot = BootInstant::now();
        let mut out = Vec::new();
        for (name, _) in list(&self.inner.dirs.viewed)? {
            let Ok(id) = ResultId::parse(&name) else {
                continue;
            };
            let first = self.first_view(id).flatten();
            if self
                .view_time_left(first.as_ref(), now_boot.as_ref())
                .is_none()
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
    pub(super) fn shred_files(
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
    pub(super) fn rotate_kek_if_empty(&self) -> Result<bool, VaultError> {
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

    /// Shred, then replace the KEK if that emptied the vault.
    pub(super) fn shred_after_view(
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
