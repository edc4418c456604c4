//! The operator's functions on the gateway's database: users, registrations, blocks, the case
//! registry, the SMS outbox, the journals. `sio gateway admin …` calls these on the same
//! database file a running gateway uses (SQLite serialises the writers).

use std::path::Path;

use rusqlite::{Connection, params};

use crate::clock::{now, stamp};
use crate::error::GwError;

mod biometrics;
mod demo;
mod heads;
mod incidents;
mod registers;
mod rows;
mod users;

pub use demo::{DEMO_CASES, demo_users};
pub use incidents::{
    APPENDIX7_SECTIONS, EmergencyEntry, NewEmergency, NewPlannedWork, PlannedWorkRow,
};
pub use rows::{ApplicationRow, HeadRow, NewUser, SmsMessage, UserRow};

/// The operator's handle on a data directory.
#[derive(Debug)]
pub struct Admin {
    conn: Connection,
    data_dir: std::path::PathBuf,
    operator: String,
    /// The CA and CRL to check certificates against; `None`: those the gateway of this data
    /// directory recorded when it last started.
    trust: Option<crate::TlsFiles>,
}

impl Admin {
    /// Open (and migrate) the database of a data directory.
    pub fn open(data_dir: &Path) -> Result<Self, GwError> {
        Ok(Self {
            conn: crate::db::open(data_dir)?,
            data_dir: data_dir.to_path_buf(),
            operator: "operator".into(),
            trust: None,
        })
    }

    /// Check certificates (a workstation's at a fingerprint enrolment) against the CA and CRL of
    /// `files` rather than those the gateway of this data directory recorded when it started.
    pub fn with_trust(mut self, files: crate::TlsFiles) -> Self {
        self.trust = Some(files);
        self
    }

    /// Name the operator whose actions are journaled (default `operator`).
    pub fn as_operator(mut self, name: &str) -> Self {
        let name: String = name.chars().filter(|c| !c.is_control()).take(64).collect();
        if !name.trim().is_empty() {
            self.operator = name;
        }
        self
    }

    /// Journal an operator's action ([`journal_action`]) as this handle's operator.
    fn journal_action(&self, what: &str, operation: &str) -> Result<(), GwError> {
        journal_action(&self.conn, &self.operator, what, operation)
    }
}

/// Journal an operator's action in the gateway's access journal (2009 rules r.8: date and time,
/// user, address, logical part of the resource, operation): the operator as the user, `local` as
/// the address, `admin/<what>` as the resource. The one convention for every operator's action,
/// the helpdesk's fingerprint enrolments included.
pub(crate) fn journal_action(
    conn: &Connection,
    operator: &str,
    what: &str,
    operation: &str,
) -> Result<(), GwError> {
    let operation: String = operation.chars().take(400).collect();
    conn.execute(
        "INSERT INTO journal (at, user, ip, resource, operation, outcome) VALUES (?1, ?2, 'local', ?3, ?4, 'ok')",
        params![stamp(now()), operator, format!("admin/{what}"), operation],
    )
    .map_err(GwError::db("journal an operator's action"))?;
    Ok(())
}
