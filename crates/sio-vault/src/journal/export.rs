//! The exports to case materials (rule 48), read back from a verified journal.

use std::fs;
use std::path::Path;

use serde::Serialize;

use super::{Entry, JournalError, JournalKeys, MacCheck, Operation, verify, verify_anchored};
use crate::crypto::MacKey;

/// One export to case materials (rule 48), as journaled — a row of the supervisors' report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExportRecord {
    /// The journal entry.
    pub seq: u64,
    /// Astana time.
    pub time: String,
    /// Who exported (ИИН).
    pub user: String,
    /// Where.
    pub workstation: String,
    /// The request answered by the result.
    pub request_id: Option<String>,
    /// The result.
    pub result_id: Option<String>,
    /// The reason given.
    pub reason: String,
    /// The file written.
    pub destination: String,
    /// SHA-256 (hex) of the exported bytes.
    pub sha256: String,
}

/// The completed exports recorded in the journal at `path`, after [`verify`] succeeds on it (so
/// the report is only produced from an intact journal).
pub fn exports(path: &Path, mac: Option<&MacKey>) -> Result<Vec<ExportRecord>, JournalError> {
    verify(path, mac)?;
    export_rows(path)
}

/// The completed exports recorded in the journal at `path`, after [`verify_anchored`] succeeds
/// on it.
pub fn exports_anchored(
    path: &Path,
    keys: &JournalKeys,
    macs: MacCheck,
) -> Result<Vec<ExportRecord>, JournalError> {
    verify_anchored(path, keys, macs)?;
    export_rows(path)
}

fn export_rows(path: &Path) -> Result<Vec<ExportRecord>, JournalError> {
    let text = fs::read_to_string(path).map_err(JournalError::io("read", path))?;
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let e: Entry = serde_json::from_str(line).map_err(|err| JournalError::Malformed {
            seq: i as u64 + 1,
            detail: err.to_string(),
        })?;
        if e.operation == Operation::ResultExported.as_str() && e.outcome == "success" {
            let detail = |k: &str| e.details.get(k).cloned().unwrap_or_default();
            out.push(ExportRecord {
                seq: e.seq,
                reason: detail("reason"),
                destination: detail("destination"),
                sha256: detail("sha256"),
                time: e.time,
                user: e.user,
                workstation: e.workstation,
                request_id: e.object.request_id,
                result_id: e.object.result_id,
            });
        }
    }
    Ok(out)
}
