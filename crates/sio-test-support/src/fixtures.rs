//! Shared fixtures: the demo investigator's HR application, and looking for plaintext on disk.

use std::path::{Path, PathBuf};

use chrono::{DateTime, FixedOffset};
use sio_protocol::{
    Applicant, ApplicationAction, ApplicationDocType, ApplicationDocument, BlockingReason,
    Confirmations, Contacts, Head, Workplace,
};

use crate::{DEMO_BODY_BIN, HEAD, INVESTIGATOR};

/// The demo investigator Иванов's HR application (`action`, blocking `reason`) in the demo
/// police body, with the demo head Серікова as the head, the order signed at `order_signed_at`
/// and the application at `signed_at`. Tests change the fields they are about.
pub fn ivanov_application(
    action: ApplicationAction,
    reason: Option<BlockingReason>,
    order_signed_at: DateTime<FixedOffset>,
    signed_at: DateTime<FixedOffset>,
) -> ApplicationDocument {
    ApplicationDocument {
        doc: ApplicationDocType::V1,
        application_id: uuid::Uuid::new_v4(),
        action,
        applicant: Applicant {
            full_name: "ИВАНОВ АЛЕКСЕЙ".into(),
            iin: INVESTIGATOR.iin.into(),
        },
        workplace: Workplace {
            organisation_name: "ДЕПАРТАМЕНТ ПОЛИЦИИ ГОРОДА АСТАНЫ (TEST)".into(),
            organisation_code: DEMO_BODY_BIN.into(),
            unit: "Следственное управление".into(),
            position: "Следователь".into(),
        },
        contacts: Contacts {
            work_phone: "+7 7172 00 00 00".into(),
            mobile_phone: "+77010000001".into(),
            email: "investigator@example.invalid".into(),
            work_address: "Астана".into(),
        },
        role: Some(3),
        blocking_reason: reason,
        blocking_reason_text: None,
        order_signed_at: Some(order_signed_at),
        confirmations: Confirmations {
            consent: true,
            holds_nca_signature: true,
            personal_data: true,
        },
        head: Head {
            position: "Начальник управления".into(),
            full_name: "СЕРІКОВА АЙГЕРІМ".into(),
            iin: HEAD.iin.into(),
        },
        signed_at,
    }
}

/// Every readable file below `root` with its bytes, in path order (to look for plaintext left on
/// disk, or to compare a directory before and after a fault).
pub fn files_under(root: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for p in entries.filter_map(Result::ok).map(|e| e.path()) {
            if p.is_dir() {
                stack.push(p);
            } else if let Ok(bytes) = std::fs::read(&p) {
                out.push((p, bytes));
            }
        }
    }
    out.sort();
    out
}

/// Whether `needle` (non-empty) occurs in `hay`.
pub fn contains(hay: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && hay.windows(needle.len()).any(|w| w == needle)
}
