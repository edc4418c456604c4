//! Recovery at open: shredding orphans and stale temporaries.

use std::path::{Path, PathBuf};

use super::{RecoveryReport, ResultId, ShredReason, Vault, io_err, list, read_slot};
use crate::error::VaultError;
use crate::fsio;
use crate::journal::{ObjectRef, Operation, Outcome, Record};

impl Vault {
    /// Shred orphans and stale temporaries; journaled.
    pub(super) fn recover(&self, kek_created: bool) -> Result<RecoveryReport, VaultError> {
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
}
