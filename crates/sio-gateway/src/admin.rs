//! The operator's functions on the gateway's database: users, registrations, blocks, the case
//! registry, the SMS outbox, the journals. `sio gateway admin …` calls these on the same
//! database file a running gateway uses (SQLite serialises the writers).

use std::path::Path;

use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;
use sio_core::{Basis, Bin, Iin, RoleId};
use sio_protocol::JournalEntry;

use crate::clock::{now, parse, stamp};
use crate::error::GwError;

/// A user to add.
#[derive(Debug, Clone)]
pub struct NewUser {
    /// ИИН.
    pub iin: String,
    /// Full name.
    pub full_name: String,
    /// БИН of the body.
    pub organisation_bin: String,
    /// Name of the body (recorded if the body is new).
    pub organisation_name: String,
    /// Role number (Appendix 1); `None` for users who do not send requests (HR only).
    pub role: Option<u8>,
    /// Mobile number for SMS codes.
    pub mobile: String,
    /// Access to reports (rule 10).
    pub reports: bool,
    /// HR officer (files applications).
    pub hr: bool,
}

/// A user as listed.
#[derive(Debug, Clone, Serialize)]
pub struct UserRow {
    /// ИИН.
    pub iin: String,
    /// Full name.
    pub full_name: String,
    /// БИН.
    pub organisation_bin: String,
    /// Role.
    pub role: Option<u8>,
    /// registered / blocked / pending.
    pub state: String,
    /// Reports access.
    pub reports: bool,
    /// HR officer.
    pub hr: bool,
    /// When the consent was signed (Astana).
    pub consent_signed_at: Option<String>,
    /// Locked until (Astana), if locked.
    pub locked_until: Option<String>,
}

/// One SMS in the outbox. The code is shown only while it can still be used.
#[derive(Debug, Clone, Serialize)]
pub struct SmsMessage {
    /// Id.
    pub id: i64,
    /// Phone number.
    pub phone: String,
    /// ИИН of the addressee.
    pub iin: String,
    /// Text (blanked once the code is used, voided or expired).
    pub text: String,
    /// When queued (Astana).
    pub created_at: String,
}

/// One record of the emergency journal (2015 Appendix 7).
#[derive(Debug, Clone, Serialize)]
pub struct EmergencyEntry {
    /// Id.
    pub id: i64,
    /// When recorded (Astana).
    pub recorded_at: String,
    /// The user who reported the delay.
    pub user_iin: String,
    /// Since when access was delayed (Astana).
    pub delay_from: String,
    /// Until when, if over.
    pub delay_until: Option<String>,
    /// What happened.
    pub description: String,
    /// The operator who recorded it.
    pub recorded_by: String,
}

/// An application as listed: the person's account as the gateway's records have it now (not as
/// the document says), next to what approving the application would set from the stored
/// document (`requested_*`), and the differences as `field: current → requested` lines
/// (`changes`) so that a change of the SMS phone, the role or the body is seen before approval.
#[derive(Debug, Clone, Serialize)]
pub struct ApplicationRow {
    /// Id.
    pub application_id: String,
    /// registration / transfer / blocking.
    pub action: String,
    /// ИИН of the applicant.
    pub applicant_iin: String,
    /// pending / done / refused.
    pub state: String,
    /// Received (Astana).
    pub received_at: String,
    /// Filed later than 24 hours after the order.
    pub late: bool,
    /// БИН of the body the application acts in (from the records when it was filed).
    pub organisation_bin: String,
    /// ИИН of the user who filed it (the HR officer, or the person themselves).
    pub submitted_by: String,
    /// ИИН of the co-signing head, if any.
    pub head_iin: Option<String>,
    /// What approval would change on the account, one `field: current → requested` line each
    /// (a pending registration or transfer; empty for a blocking, carried out at once, and once
    /// decided).
    pub changes: Vec<String>,
    /// The account's state (registered / blocked / pending), if any.
    pub target_state: Option<String>,
    /// The person's current full name (records).
    pub target_full_name: Option<String>,
    /// The full name approval sets (a registration: the document's).
    pub requested_full_name: Option<String>,
    /// The person's current body (records), if they have an account.
    pub target_organisation_bin: Option<String>,
    /// Its name.
    pub target_organisation_name: Option<String>,
    /// The body approval puts the person in (registration, transfer): the body the application
    /// acts in.
    pub requested_organisation_bin: Option<String>,
    /// Its name.
    pub requested_organisation_name: Option<String>,
    /// The person's current role (records).
    pub target_role: Option<u8>,
    /// The role approval sets (the document's; none: a user who sends no requests).
    pub requested_role: Option<u8>,
    /// The person's mobile number for SMS codes (records).
    pub target_mobile: Option<String>,
    /// The mobile number for SMS codes approval sets (the document's).
    pub requested_mobile: Option<String>,
    /// The person's current unit (records).
    pub target_unit: Option<String>,
    /// The unit approval sets (the document's).
    pub requested_unit: Option<String>,
    /// The person's current position (records).
    pub target_position: Option<String>,
    /// The position approval sets (the document's).
    pub requested_position: Option<String>,
}

impl ApplicationRow {
    /// Fill the `requested_*` fields and `changes` from the stored document (registration and
    /// transfer; a blocking changes nothing on approval).
    fn with_request(mut self, document: &[u8], requested_org_name: Option<String>) -> Self {
        if !matches!(self.action.as_str(), "registration" | "transfer") {
            return self;
        }
        let doc: sio_protocol::ApplicationDocument = match serde_json::from_slice(document) {
            Ok(d) => d,
            Err(e) => {
                self.changes.push(format!(
                    "the stored document cannot be read ({e}): refuse it"
                ));
                return self;
            }
        };
        self.requested_full_name = Some(doc.applicant.full_name);
        self.requested_organisation_bin = Some(self.organisation_bin.clone());
        self.requested_organisation_name = requested_org_name;
        self.requested_role = doc.role;
        self.requested_mobile = Some(doc.contacts.mobile_phone);
        self.requested_unit = Some(doc.workplace.unit);
        self.requested_position = Some(doc.workplace.position);

        if self.state != "pending" {
            // Decided: the records already hold what was approved (or never will).
            return self;
        }
        let shown = |v: Option<&str>| match v {
            Some(v) if !v.is_empty() => v.to_string(),
            _ => "—".to_string(),
        };
        let role = |r: Option<u8>| r.map_or_else(|| "—".to_string(), |r| r.to_string());
        let body = |bin: Option<&str>, name: Option<&str>| match (bin, name) {
            (Some(b), Some(n)) => format!("{b} ({n})"),
            (b, _) => shown(b),
        };
        let mut changes = Vec::new();
        let mut change = |field: &str, current: String, requested: String| {
            if current != requested {
                changes.push(format!("{field}: {current} → {requested}"));
            }
        };
        if self.action == "registration" {
            change(
                "state",
                shown(self.target_state.as_deref()),
                "registered".to_string(),
            );
            change(
                "full name",
                shown(self.target_full_name.as_deref()),
                shown(self.requested_full_name.as_deref()),
            );
        }
        change(
            "body",
            body(
                self.target_organisation_bin.as_deref(),
                self.target_organisation_name.as_deref(),
            ),
            body(
                self.requested_organisation_bin.as_deref(),
                self.requested_organisation_name.as_deref(),
            ),
        );
        change("role", role(self.target_role), role(self.requested_role));
        change(
            "mobile (SMS codes)",
            shown(self.target_mobile.as_deref()),
            shown(self.requested_mobile.as_deref()),
        );
        change(
            "unit",
            shown(self.target_unit.as_deref()),
            shown(self.requested_unit.as_deref()),
        );
        change(
            "position",
            shown(self.target_position.as_deref()),
            shown(self.requested_position.as_deref()),
        );
        if self.action == "transfer" || self.target_state.as_deref() == Some("blocked") {
            // What the approval resets whatever the document says (crate::hr::approve).
            changes.push("hr and reports rights, head marks: reset".to_string());
        }
        self.changes = changes;
        self
    }
}

/// A head of a body, as marked by the operator: only they co-sign that body's HR applications.
#[derive(Debug, Clone, Serialize)]
pub struct HeadRow {
    /// ИИН.
    pub iin: String,
    /// БИН of the body.
    pub organisation_bin: String,
    /// Full name.
    pub full_name: String,
    /// Position.
    pub position: String,
    /// When marked (Astana).
    pub marked_at: String,
    /// The operator who marked them.
    pub marked_by: String,
}

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

    /// Enrol `iin`'s face for Face ID from several still images (at least 3 must pass the
    /// quality gates), with the embedding model at `model`. The template is sealed with the data
    /// directory's template key; the images are not kept.
    pub fn enroll_face(
        &self,
        iin: &str,
        model: &Path,
        images: &[std::path::PathBuf],
    ) -> Result<crate::face::FaceEnrolment, GwError> {
        crate::face::enroll(&self.conn, &self.data_dir, model, iin, images)
    }

    /// Remove `iin`'s face template; whether there was one.
    pub fn remove_face(&self, iin: &str) -> Result<bool, GwError> {
        crate::face::unenroll(&self.conn, iin)
    }

    /// Record a fingerprint enrolment made by the helpdesk at a workstation (the user's finger
    /// in that workstation's OS stack, verdicts signed by that workstation certificate's key);
    /// journaled. Users cannot record enrolments themselves. The workstation certificate must
    /// chain to the gateway's CA and not be revoked ([`Admin::with_trust`]; by default the CA and
    /// CRL the gateway of this data directory recorded when it started).
    pub fn enroll_fingerprint(
        &self,
        enrolment: &crate::fingerprint::HelpdeskEnrolment<'_>,
    ) -> Result<sio_protocol::FingerprintEnrolment, GwError> {
        let checker = match &self.trust {
            Some(files) => crate::tls::trust_checker(files)?,
            None => crate::tls::recorded_checker(&self.data_dir)?,
        };
        crate::fingerprint::enrol_by_helpdesk(&self.conn, &checker, enrolment)
    }

    /// End every fingerprint enrolment of `iin`; how many were active. Journaled.
    pub fn remove_fingerprint(&self, iin: &str, operator: &str) -> Result<usize, GwError> {
        crate::fingerprint::remove_by_helpdesk(&self.conn, iin, operator)
    }

    /// `iin`'s active fingerprint enrolments.
    pub fn fingerprint_enrolments(
        &self,
        iin: &str,
    ) -> Result<Vec<sio_protocol::FingerprintEnrolment>, GwError> {
        crate::fingerprint::enrolments(&self.conn, iin)
    }

    /// Add or replace an organisation.
    pub fn add_organisation(&self, bin: &str, name: &str) -> Result<(), GwError> {
        Bin::parse(bin)?;
        self.conn
            .execute(
                "INSERT INTO organisations (bin, name) VALUES (?1, ?2) ON CONFLICT(bin) DO UPDATE SET name = excluded.name",
                params![bin, name],
            )
            .map_err(GwError::db("add an organisation"))?;
        Ok(())
    }

    /// Add a registered user (the operator's own registration).
    pub fn add_user(&self, u: &NewUser) -> Result<(), GwError> {
        Iin::parse(&u.iin)?;
        if let Some(r) = u.role {
            RoleId::new(r)?;
        }
        self.add_organisation(&u.organisation_bin, &u.organisation_name)?;
        self.conn
            .execute(
                "INSERT INTO users (iin, full_name, organisation_bin, role, state, mobile, reports, hr, created_at)
                 VALUES (?1, ?2, ?3, ?4, 'registered', ?5, ?6, ?7, ?8)
                 ON CONFLICT(iin) DO UPDATE SET full_name = excluded.full_name, organisation_bin = excluded.organisation_bin,
                   role = excluded.role, mobile = excluded.mobile, reports = excluded.reports, hr = excluded.hr",
                params![u.iin, u.full_name, u.organisation_bin, u.role, u.mobile, u.reports, u.hr, stamp(now())],
            )
            .map_err(GwError::db("add a user"))?;
        Ok(())
    }

    /// Approve a pending application by its id, or the pending registration of an ИИН
    /// (journaled).
    pub fn approve(&self, iin_or_application: &str) -> Result<(), GwError> {
        self.approve_inner(iin_or_application)?;
        self.journal_action("applications", &format!("approve {iin_or_application}"))
    }

    fn approve_inner(&self, iin_or_application: &str) -> Result<(), GwError> {
        if uuid::Uuid::parse_str(iin_or_application).is_ok() {
            return crate::hr::approve(&self.conn, iin_or_application);
        }
        Iin::parse(iin_or_application)?;
        let pending: Option<String> = self
            .conn
            .query_row(
                "SELECT application_id FROM applications WHERE applicant_iin = ?1 AND action = 'registration' AND state = 'pending'
                 ORDER BY received_at DESC LIMIT 1",
                [iin_or_application],
                |r| r.get(0),
            )
            .optional()
            .map_err(GwError::db("find a pending registration"))?;
        match pending {
            Some(id) => crate::hr::approve(&self.conn, &id),
            None => {
                let n = self
                    .conn
                    .execute(
                        "UPDATE users SET state = 'registered' WHERE iin = ?1 AND state = 'pending'",
                        [iin_or_application],
                    )
                    .map_err(GwError::db("approve a registration"))?;
                if n == 0 {
                    Err(GwError::ApplicationNotFound)
                } else {
                    Ok(())
                }
            }
        }
    }

    /// Refuse a pending application by its id (journaled).
    pub fn refuse(&self, application_id: &str) -> Result<(), GwError> {
        crate::hr::refuse(&self.conn, application_id)?;
        self.journal_action("applications", &format!("refuse {application_id}"))
    }

    /// Unblock a blocked account (journaled); its sessions were ended by the block, so the user
    /// logs in again. Head marks ended with the block and are not restored.
    ///
    /// Rights: after a block for a dismissal or a suspension the `hr` and `reports` rights are
    /// reset. Those rights belong to a post (rule 10 as of 2024: reports access on a motivated
    /// letter for the post; HR rights for the officer in post), and a dismissed or suspended
    /// person who comes back holds the post anew — as after a transfer or a re-registration, the
    /// operator grants them again. After any other block (long absence, the operator's own block
    /// for a check) the person keeps the post, and the rights stay as they were.
    pub fn unblock(&self, iin: &str) -> Result<(), GwError> {
        Iin::parse(iin)?;
        let row: Option<(String, Option<String>)> = self
            .conn
            .query_row(
                "SELECT state, blocked_reason FROM users WHERE iin = ?1",
                [iin],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()
            .map_err(GwError::db("look up a user"))?;
        let reason = match row {
            None => return Err(GwError::UnknownUser),
            Some((state, reason)) if state == "blocked" => reason,
            Some(_) => return Err(GwError::AccountNotBlocked),
        };
        let left_the_post = matches!(
            reason.as_deref().map(str::trim),
            Some("dismissal" | "suspension")
        );
        self.conn
            .execute(
                "UPDATE users SET state = 'registered', blocked_reason = NULL, failed_attempts = 0, locked_until = NULL,
                        hr = CASE WHEN ?2 THEN 0 ELSE hr END, reports = CASE WHEN ?2 THEN 0 ELSE reports END
                 WHERE iin = ?1 AND state = 'blocked'",
                params![iin, left_the_post],
            )
            .map_err(GwError::db("unblock a user"))?;
        if left_the_post {
            tracing::info!(user = %iin, "unblocked after a dismissal or suspension: hr and reports rights reset");
        }
        self.journal_action("users", &format!("unblock {iin}"))
    }

    /// Mark `iin` as a head of the body `bin` (journaled): only marked heads co-sign the HR
    /// applications of that body.
    pub fn mark_head(
        &self,
        iin: &str,
        bin: &str,
        full_name: &str,
        position: &str,
    ) -> Result<(), GwError> {
        Iin::parse(iin)?;
        Bin::parse(bin)?;
        let known: bool = self
            .conn
            .query_row(
                "SELECT EXISTS (SELECT 1 FROM organisations WHERE bin = ?1)",
                [bin],
                |r| r.get(0),
            )
            .map_err(GwError::db("look up a body"))?;
        if !known {
            return Err(GwError::AdminInput(format!(
                "--org: no body with БИН {bin}: add it first (add-user or seed-demo)"
            )));
        }
        self.conn
            .execute(
                "INSERT INTO heads (iin, organisation_bin, full_name, position, marked_at, marked_by)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                 ON CONFLICT(iin, organisation_bin) DO UPDATE SET full_name = excluded.full_name,
                   position = excluded.position, marked_at = excluded.marked_at, marked_by = excluded.marked_by",
                params![iin, bin, full_name, position, stamp(now()), self.operator],
            )
            .map_err(GwError::db("mark a head"))?;
        self.journal_action("heads", &format!("mark head {iin} of {bin}"))
    }

    /// Remove the head mark of `iin` in the body `bin` (journaled); whether there was one.
    pub fn unmark_head(&self, iin: &str, bin: &str) -> Result<bool, GwError> {
        let n = self
            .conn
            .execute(
                "DELETE FROM heads WHERE iin = ?1 AND organisation_bin = ?2",
                params![iin, bin],
            )
            .map_err(GwError::db("remove a head mark"))?;
        self.journal_action("heads", &format!("unmark head {iin} of {bin}"))?;
        Ok(n > 0)
    }

    /// The heads of every body.
    pub fn heads(&self) -> Result<Vec<HeadRow>, GwError> {
        let mut stmt = self
            .conn
            .prepare("SELECT iin, organisation_bin, full_name, position, marked_at, marked_by FROM heads ORDER BY organisation_bin, iin")
            .map_err(GwError::db("list heads"))?;
        let rows = stmt
            .query_map([], |r| {
                Ok(HeadRow {
                    iin: r.get(0)?,
                    organisation_bin: r.get(1)?,
                    full_name: r.get(2)?,
                    position: r.get(3)?,
                    marked_at: r.get(4)?,
                    marked_by: r.get(5)?,
                })
            })
            .map_err(GwError::db("list heads"))?;
        rows.collect::<Result<_, _>>()
            .map_err(GwError::db("list heads"))
    }

    /// Set a user's `hr` and `reports` rights (journaled); e.g. again after a transfer reset
    /// them. Reports access is granted on a motivated letter (rule 10 as of 2024).
    pub fn set_rights(&self, iin: &str, hr: bool, reports: bool) -> Result<(), GwError> {
        let n = self
            .conn
            .execute(
                "UPDATE users SET hr = ?2, reports = ?3 WHERE iin = ?1",
                params![iin, hr, reports],
            )
            .map_err(GwError::db("set rights"))?;
        if n == 0 {
            return Err(GwError::UnknownUser);
        }
        self.journal_action("users", &format!("rights {iin} hr={hr} reports={reports}"))
    }

    /// Block an account at once, end its sessions and its head marks (journaled).
    pub fn block(&self, iin: &str, reason: &str) -> Result<(), GwError> {
        let tx = self
            .conn
            .unchecked_transaction()
            .map_err(GwError::db("begin a block"))?;
        let n = tx
            .execute(
                "UPDATE users SET state = 'blocked', blocked_reason = ?2 WHERE iin = ?1",
                params![iin, reason],
            )
            .map_err(GwError::db("block a user"))?;
        if n == 0 {
            return Err(GwError::UnknownUser);
        }
        tx.execute(
            "UPDATE sessions SET ended_at = ?2 WHERE iin = ?1 AND ended_at IS NULL",
            params![iin, stamp(now())],
        )
        .map_err(GwError::db("end sessions"))?;
        // A blocked head co-signs nothing.
        crate::hr::end_head_marks(&tx, iin)?;
        tx.commit().map_err(GwError::db("commit a block"))?;
        self.journal_action("users", &format!("block {iin}"))
    }

    /// Lift a lockout after failed attempts (journaled).
    pub fn unlock(&self, iin: &str) -> Result<(), GwError> {
        self.conn
            .execute(
                "UPDATE users SET locked_until = NULL, failed_attempts = 0 WHERE iin = ?1",
                [iin],
            )
            .map_err(GwError::db("unlock a user"))?;
        self.journal_action("users", &format!("unlock {iin}"))
    }

    /// Put a case into a user's proceedings (rule 5). `case_key` is
    /// `sio_core::CaseReference::case_key` (ЕРДР number; `number/year` for court cases).
    pub fn assign_case(
        &self,
        iin: &str,
        basis: Basis,
        case_key: &str,
        title: &str,
    ) -> Result<(), GwError> {
        self.conn
            .execute(
                "INSERT OR REPLACE INTO cases (basis, case_key, user_iin, title) VALUES (?1, ?2, ?3, ?4)",
                params![basis.key(), case_key, iin, title],
            )
            .map_err(GwError::db("assign a case"))?;
        Ok(())
    }

    /// Users.
    pub fn users(&self) -> Result<Vec<UserRow>, GwError> {
        let mut stmt = self
            .conn
            .prepare("SELECT iin, full_name, organisation_bin, role, state, reports, hr, consent_signed_at, locked_until FROM users ORDER BY iin")
            .map_err(GwError::db("list users"))?;
        let rows = stmt
            .query_map([], |r| {
                Ok(UserRow {
                    iin: r.get(0)?,
                    full_name: r.get(1)?,
                    organisation_bin: r.get(2)?,
                    role: r.get(3)?,
                    state: r.get(4)?,
                    reports: r.get(5)?,
                    hr: r.get(6)?,
                    consent_signed_at: r.get(7)?,
                    locked_until: r.get(8)?,
                })
            })
            .map_err(GwError::db("list users"))?;
        rows.collect::<Result<_, _>>()
            .map_err(GwError::db("list users"))
    }

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

    /// Record an access delay reported by a user (2015 rr.38–44, Appendix 7).
    pub fn emergency_add(
        &self,
        user_iin: &str,
        delay_from: &str,
        delay_until: Option<&str>,
        description: &str,
        recorded_by: &str,
    ) -> Result<i64, GwError> {
        let from = crate::clock::parse(delay_from).ok_or_else(|| {
            GwError::AdminInput(
                "--from: the delay start must be RFC 3339, e.g. 2026-03-01T10:00:00+05:00".into(),
            )
        })?;
        let until = match delay_until {
            Some(u) => Some(stamp(crate::clock::parse(u).ok_or_else(|| {
                GwError::AdminInput("--until: the delay end must be RFC 3339".into())
            })?)),
            None => None,
        };
        self.conn
            .execute(
                "INSERT INTO emergency_journal (recorded_at, user_iin, delay_from, delay_until, description, recorded_by)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![stamp(now()), user_iin, stamp(from), until, description, recorded_by],
            )
            .map_err(GwError::db("record an emergency"))?;
        Ok(self.conn.last_insert_rowid())
    }

    /// The emergency journal, newest first.
    pub fn emergency_list(&self) -> Result<Vec<EmergencyEntry>, GwError> {
        let mut stmt = self
            .conn
            .prepare("SELECT id, recorded_at, user_iin, delay_from, delay_until, description, recorded_by FROM emergency_journal ORDER BY id DESC")
            .map_err(GwError::db("read the emergency journal"))?;
        let rows = stmt
            .query_map([], |r| {
                Ok(EmergencyEntry {
                    id: r.get(0)?,
                    recorded_at: r.get(1)?,
                    user_iin: r.get(2)?,
                    delay_from: r.get(3)?,
                    delay_until: r.get(4)?,
                    description: r.get(5)?,
                    recorded_by: r.get(6)?,
                })
            })
            .map_err(GwError::db("read the emergency journal"))?;
        rows.collect::<Result<_, _>>()
            .map_err(GwError::db("read the emergency journal"))
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
                        u.full_name, u.unit, u.position, a.document, ao.name
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
                Ok(ApplicationRow {
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

    /// The demo accounts matching `sio_pki::PkiSpec::demo()` and their cases.
    pub fn seed_demo(&self) -> Result<(), GwError> {
        for u in demo_users() {
            self.add_user(&u)?;
        }
        for (iin, basis, key, title) in DEMO_CASES {
            self.assign_case(iin, *basis, key, title)?;
        }
        // The demo head of the police body (she co-signs its HR applications); demo data, not
        // an operator's action, so not journaled.
        self.conn
            .execute(
                "INSERT OR IGNORE INTO heads (iin, organisation_bin, full_name, position, marked_at, marked_by)
                 VALUES ('901120400238', '040340001233', 'СЕРІКОВА АЙГЕРІМ', 'Начальник управления', ?1, 'seed-demo')",
                [stamp(now())],
            )
            .map_err(GwError::db("mark the demo head"))?;
        Ok(())
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

/// Demo case registry: (user, basis, case key, title).
pub const DEMO_CASES: &[(&str, Basis, &str, &str)] = &[
    (
        "850415300121",
        Basis::Criminal,
        "241500031000123",
        "Кража, ст. 188 УК",
    ),
    (
        "850415300121",
        Basis::Criminal,
        "241500031000777",
        "Уклонение от уплаты налогов, ст. 245 УК",
    ),
    (
        "850415300121",
        Basis::AdminOffence,
        "АП-2025/0042",
        "Административное правонарушение",
    ),
    (
        "780302300344",
        Basis::Criminal,
        "241500031000123",
        "Надзор: кража, ст. 188 УК",
    ),
    (
        "780302300344",
        Basis::CivilCourt,
        "2-1234/2025",
        "Гражданское дело",
    ),
    (
        "780302300344",
        Basis::AdminCourt,
        "5-77/2025",
        "Административное дело (суд)",
    ),
    (
        "901120400238",
        Basis::Wanted,
        "РД-2025-0007",
        "Розыскное дело",
    ),
];

/// Demo users, the people of `sio_pki::PkiSpec::demo()`.
pub fn demo_users() -> Vec<NewUser> {
    let police = ("040340001233", "ДЕПАРТАМЕНТ ПОЛИЦИИ ГОРОДА АСТАНЫ (TEST)");
    let prosecutor = ("050540000125", "ПРОКУРАТУРА ГОРОДА АСТАНЫ (TEST)");
    vec![
        NewUser {
            iin: "850415300121".into(),
            full_name: "ИВАНОВ АЛЕКСЕЙ".into(),
            organisation_bin: police.0.into(),
            organisation_name: police.1.into(),
            role: Some(3),
            mobile: "+77010000001".into(),
            reports: false,
            hr: false,
        },
        NewUser {
            iin: "901120400238".into(),
            full_name: "СЕРІКОВА АЙГЕРІМ".into(),
            organisation_bin: police.0.into(),
            organisation_name: police.1.into(),
            role: Some(18),
            mobile: "+77010000002".into(),
            reports: true,
            hr: true,
        },
        NewUser {
            iin: "780302300344".into(),
            full_name: "ЖУМАБЕКОВ ДАНИЯР".into(),
            organisation_bin: prosecutor.0.into(),
            organisation_name: prosecutor.1.into(),
            role: Some(1),
            mobile: "+77010000003".into(),
            reports: true,
            hr: false,
        },
    ]
}
