//! Organisations, users, registrations, rights, blocks and case assignments.

use rusqlite::{OptionalExtension, params};
use sio_core::{Basis, Bin, Iin, RoleId};

use super::{Admin, NewUser, UserRow};
use crate::clock::{now, stamp};
use crate::error::GwError;

impl Admin {
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
    /// (journaled; a decision after the day 2015 rule 14 allows is carried out and journaled as
    /// `late`).
    pub fn approve(&self, iin_or_application: &str) -> Result<(), GwError> {
        let late = self.approve_inner(iin_or_application)?;
        self.journal_action(
            "applications",
            &format!("approve {iin_or_application}{}", late_mark(late)),
        )
    }

    fn approve_inner(&self, iin_or_application: &str) -> Result<bool, GwError> {
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
                    Ok(false)
                }
            }
        }
    }

    /// Refuse a pending application by its id with the operator's reasons, signed by the
    /// operator's certificate (2015 rule 14: a motivated refusal, signed; [`Admin::operator_signer`]
    /// loads it). Journaled; a refusal after the day rule 14 allows is made and journaled as
    /// `late`.
    pub fn refuse(
        &self,
        application_id: &str,
        reasons: &str,
        signer: &mut dyn sio_sign::Signer,
    ) -> Result<(), GwError> {
        let late = crate::hr::refuse(&self.conn, application_id, reasons, &self.operator, signer)?;
        self.journal_action(
            "applications",
            &format!("refuse {application_id}{}", late_mark(late)),
        )
    }

    /// The operator's signing key and certificate from a PKI directory (sio-pki's layout:
    /// `operator.key.pem`, `operator.cert.pem`), loaded like the gateway's TLS key.
    pub fn operator_signer(
        pki_dir: &std::path::Path,
    ) -> Result<sio_sign::soft::SoftwareSigner, GwError> {
        let read = |name: &str| {
            std::fs::read(pki_dir.join(name)).map_err(|e| {
                GwError::Config(format!(
                    "the operator's signing certificate {}: {e} (issue it with `sio pki operator`)",
                    pki_dir.join(name).display()
                ))
            })
        };
        let key = zeroize::Zeroizing::new(read(sio_pki::paths::OPERATOR_KEY)?);
        let cert = read(sio_pki::paths::OPERATOR_CERT)?;
        let key = std::str::from_utf8(&key)
            .map_err(|_| GwError::Config("the operator's key is not PEM".into()))?;
        Ok(sio_sign::soft::SoftwareSigner::from_pem(key, &cert)?)
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

    /// Record the body's code in ЕРДР (journaled): the organisation code of its HR application
    /// forms must be this code (2015 Appendix 5 «СДТБТ ұйымының коды»; kk rule 5: СДТБТ is ЕРДР).
    pub fn set_erdr_code(&self, bin: &str, code: &str) -> Result<(), GwError> {
        Bin::parse(bin)?;
        let code = sio_core::org::ErdrOrgCode::parse(code)?;
        let n = self
            .conn
            .execute(
                "UPDATE organisations SET erdr_code = ?2 WHERE bin = ?1",
                params![bin, code.as_str()],
            )
            .map_err(GwError::db("record a body's ЕРДР code"))?;
        if n == 0 {
            return Err(GwError::AdminInput(format!(
                "--org: no body with БИН {bin}: add it first (add-user or seed-demo)"
            )));
        }
        self.journal_action("organisations", &format!("ЕРДР code {code} of {bin}"))
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
}

/// The journal's mark of a decision made after the day 2015 rule 14 allows.
fn late_mark(late: bool) -> &'static str {
    if late {
        " late (after the day of 2015 rule 14)"
    } else {
        ""
    }
}
