//! A result open for viewing, its print and export records (rule 48), and its close.

use std::fs::OpenOptions;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use super::clock::BootInstant;
use super::{
    ExportReceipt, ExportSigner, ResultId, ResultMeta, ShredReason, ShredReport, Vault, io_err,
};
use crate::error::VaultError;
use crate::fsio;
use crate::journal::{ObjectRef, Operation, Outcome, Record};

/// A result open for viewing. The plaintext lives only here, in a zeroizing buffer; `Debug`
/// prints `<redacted>`. [`ViewedResult::close`] (or dropping it) shreds the result.
pub struct ViewedResult {
    pub(super) id: ResultId,
    pub(super) meta: ResultMeta,
    pub(super) plaintext: Zeroizing<Vec<u8>>,
    pub(super) first_viewed_at: DateTime<Utc>,
    pub(super) expires_at: DateTime<Utc>,
    pub(super) vault: Vault,
    pub(super) done: bool,
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

    /// When it will be shredded even if still open ([`Vault::shred_expired`]), in wall time as
    /// of the view: the window itself runs on the boot clock (elapsed time), so if the wall
    /// clock is moved afterwards this moment moves with it.
    pub fn expires_at(&self) -> DateTime<Utc> {
        self.expires_at
    }

    /// Time left of the viewing window (2015 r.52: the local copy is destroyed once viewed;
    /// the policy's `results.shred_after_view_minutes` bounds how long it may stay open),
    /// measured from the view marker exactly as [`Vault::shred_expired`] measures it: elapsed
    /// time on the boot clock (see `clock`), the wall clock only after a reboot. `None` once the
    /// window is over — and also when the marker is gone (the vault's timer already shredded
    /// the result) or cannot be read or trusted: fail closed.
    pub fn time_left(&self) -> Option<std::time::Duration> {
        let first = self.vault.first_view(self.id)??;
        self.vault
            .view_time_left(Some(&first), BootInstant::now().as_ref())?
            .to_std()
            .ok()
            .filter(|d| !d.is_zero())
    }

    /// Whether the viewing window is over ([`ViewedResult::time_left`] is `None`): the holder
    /// must then stop showing the result and call [`ViewedResult::close_expired`].
    pub fn window_over(&self) -> bool {
        self.time_left().is_none()
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

    /// Shred a result whose viewing window ended while it was still open (journaled with the
    /// reason `expired`, as [`Vault::shred_expired`] does). The plaintext buffer is zeroized.
    /// If the vault's timer got there first, the files are already gone and this only journals
    /// and zeroizes.
    pub fn close_expired(mut self) -> Result<ShredReport, VaultError> {
        self.done = true;
        let request_id = Some(self.meta.request_id.clone());
        self.vault
            .shred_after_view(self.id, ShredReason::Expired, request_id)
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
