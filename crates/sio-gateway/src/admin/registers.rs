//! The SMS outbox, the access journal and the applications.

use sio_protocol::JournalEntry;

use super::{Admin, ApplicationRow, SmsMessage};
use crate::clock::{now, parse, stamp};
use crate::error::GwError;

impl Admin {
    /// The SMS outbox, newest first. Codes no longer usable are blanked first.
    pub fn sms_outbox(&self) -> Result<Vec<SmsMessage>, GwError> {
        crate::auth::sweep_outbox(&self.conn)?;
        let mut stmt = self
            .conn
            .prepare("SELECT id, phone, iin, text, created_at FROM sms_outbox ORDER BY id DESC LIMIT 200")
            .map_err(GwError::db("list the SMS outbox"))?;
        let rows = stmt
            .query_map([], |r| {
                Ok(SmsMessage {
                    id: r.get(0)?,
                    phone: r.get(1)?,
                    iin: r.get(2)?,
                    text: r.get(3)?,
                    created_at: r.get(4)?,
                })
            })
            .map_err(GwError::db("list the SMS outbox"))?;
        rows.collect::<Result<_, _>>()
            .map_err(GwError::db("list the SMS outbox"))
    }

    /// The newest usable SMS code sent to `iin`, read from the outbox (what the phone shows).
    pub fn latest_sms_code(&self, iin: &str) -> Result<Option<String>, GwError> {
        Ok(self
            .sms_outbox()?
            .into_iter()
            .filter(|m| m.iin == iin)
            .find_map(|m| {
                m.text
                    .split(|c: char| !c.is_ascii_digit())
                    .find(|w| w.len() == 6)
                    .map(str::to_string)
            }))
    }

    /// The access journal, newest first.
    pub fn journal(&self, limit: usize) -> Result<Vec<JournalEntry>, GwError> {
        let mut stmt = self
            .conn
            .prepare("SELECT at, user, ip, resource, operation, outcome FROM journal ORDER BY id DESC LIMIT ?1")
            .map_err(GwError::db("read the journal"))?;
        let rows = stmt
            .query_map([limit as i64], |r| {
                let at: String = r.get(0)?;
                Ok(JournalEntry {
                    at: parse(&at).map(crate::clock::astana).unwrap_or_default(),
                    user: r.get(1)?,
                    ip: r.get(2)?,
                    resource: r.get(3)?,
                    operation: r.get(4)?,
                    outcome: r.get(5)?,
                })
            })
            .map_err(GwError::db("read the journal"))?;
        rows.collect::<Result<_, _>>()
            .map_err(GwError::db("read the journal"))
    }

    /// Applications, newest first, each with the account as it is now and what approval would
    /// set ([`ApplicationRow`]).
    pub fn applications(&self) -> Result<Vec<ApplicationRow>, GwError> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT a.application_id, a.action, a.applicant_iin, a.state, a.received_at, a.late,
                        a.organisation_bin, a.submitted_by, a.head_iin,
                        u.organisation_bin, o.name, u.role, u.mobile, u.state,
                        u.full_name, u.unit, u.position, a.document, ao.name,
                        a.decided_late, a.refusal_reasons
                 FROM applications a
                 LEFT JOIN users u ON u.iin = a.applicant_iin
                 LEFT JOIN organisations o ON o.bin = u.organisation_bin
                 LEFT JOIN organisations ao ON ao.bin = a.organisation_bin
                 ORDER BY a.received_at DESC",
            )
            .map_err(GwError::db("list applications"))?;
        let rows = stmt
            .query_map([], |r| {
                let document: Vec<u8> = r.get(17)?;
                let requested_org_name: Option<String> = r.get(18)?;
                let received: String = r.get(4)?;
                let state: String = r.get(3)?;
                // 2015 r.14: the operator decides within a day of receipt.
                let due = parse(&received).map(sio_core::time::operator_decision_due);
                let overdue = state == "pending" && due.is_some_and(|d| now() > d);
                Ok(ApplicationRow {
                    decision_due: due.map(stamp).unwrap_or_default(),
                    overdue,
                    decided_late: r.get(19)?,
                    refusal_reasons: r.get(20)?,
                    application_id: r.get(0)?,
                    action: r.get(1)?,
                    applicant_iin: r.get(2)?,
                    state: r.get(3)?,
                    received_at: r.get(4)?,
                    late: r.get(5)?,
                    organisation_bin: r.get(6)?,
                    submitted_by: r.get(7)?,
                    head_iin: r.get(8)?,
                    changes: Vec::new(),
                    target_state: r.get(13)?,
                    target_full_name: r.get(14)?,
                    requested_full_name: None,
                    target_organisation_bin: r.get(9)?,
                    target_organisation_name: r.get(10)?,
                    requested_organisation_bin: None,
                    requested_organisation_name: None,
                    target_role: r.get(11)?,
                    requested_role: None,
                    target_mobile: r.get(12)?,
                    requested_mobile: None,
                    target_unit: r.get(15)?,
                    requested_unit: None,
                    target_position: r.get(16)?,
                    requested_position: None,
                }
                .with_request(&document, requested_org_name))
            })
            .map_err(GwError::db("list applications"))?;
        rows.collect::<Result<_, _>>()
            .map_err(GwError::db("list applications"))
    }
}
