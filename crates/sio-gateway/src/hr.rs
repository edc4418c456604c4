//! HR applications (2015 Appendix 5): two signatures (the applicant or the responsible official,
//! and the head), blocking at once, registration and transfer waiting for the operator.

use chrono::Utc;
use rusqlite::{Connection, OptionalExtension, params};
use sio_core::time::{DeadlineRule, DeadlineState};
use sio_core::{Bin, Iin, RoleId};
use sio_protocol::{
    ApplicationAction, ApplicationDocument, ApplicationState, ApplicationStatus, BlockingReason,
    ReceivedSigned,
};
use uuid::Uuid;

use crate::auth::User;
use crate::certs::sha256_hex;
use crate::clock::{astana, now, parse, stamp};
use crate::error::GwError;
use crate::server::Shared;

pub(crate) fn action_str(a: ApplicationAction) -> &'static str {
    match a {
        ApplicationAction::Registration => "registration",
        ApplicationAction::Transfer => "transfer",
        ApplicationAction::Blocking => "blocking",
    }
}

fn action_of(s: &str) -> ApplicationAction {
    match s {
        "registration" => ApplicationAction::Registration,
        "transfer" => ApplicationAction::Transfer,
        _ => ApplicationAction::Blocking,
    }
}

fn state_of(s: &str) -> ApplicationState {
    match s {
        "done" => ApplicationState::Done,
        "refused" => ApplicationState::Refused,
        _ => ApplicationState::Pending,
    }
}

pub(crate) fn load_status(
    conn: &Connection,
    id: &str,
) -> Result<Option<(ApplicationStatus, String, String)>, GwError> {
    conn.query_row(
        "SELECT application_id, action, state, received_at, done_at, late, document_sha256, submitted_by
         FROM applications WHERE application_id = ?1",
        [id],
        |r| {
            let received: String = r.get(3)?;
            let done: Option<String> = r.get(4)?;
            Ok((
                ApplicationStatus {
                    application_id: Uuid::parse_str(&r.get::<_, String>(0)?).unwrap_or_default(),
                    action: action_of(&r.get::<_, String>(1)?),
                    state: state_of(&r.get::<_, String>(2)?),
                    received_at: astana(parse(&received).unwrap_or_else(now)),
                    done_at: done.as_deref().and_then(parse).map(astana),
                    late: r.get(5)?,
                },
                r.get(6)?,
                r.get(7)?,
            ))
        },
    )
    .optional()
    .map_err(GwError::db("load an application"))
}

fn invalid(msg: &str) -> GwError {
    GwError::ApplicationInvalid(msg.to_string())
}

/// `POST /v1/applications`.
pub(crate) fn submit(sh: &Shared, user: &User, body: &[u8]) -> Result<ApplicationStatus, GwError> {
    let at = now();
    let received = ReceivedSigned::from_body(body)?;
    let verifiers = sh.tls.verifiers()?;
    // One signature only for a user blocking their own account after a long absence (consent
    // §11.2, one action of the user's own); two otherwise.
    let sigs = verifiers.document_by(&received.canonical, &received.cms_der, 1..=2)?;
    let doc: ApplicationDocument = received.parse()?;
    let doc_sha = sha256_hex(&received.canonical);
    let id = doc.application_id.to_string();
    {
        let conn = sh.db()?;
        if let Some((status, sha, by)) = load_status(&conn, &id)? {
            if sha == doc_sha && by == user.iin {
                return Ok(status);
            }
            return Err(GwError::RequestIdConflict);
        }
    }

    // Who may file: an HR officer for their own body, or a user blocking their own account.
    let own_block = doc.action == ApplicationAction::Blocking && doc.applicant.iin == user.iin;
    if !user.hr && !own_block {
        return Err(GwError::NoHrRights);
    }
    // Fields.
    Iin::parse(&doc.applicant.iin)?;
    Iin::parse(&doc.head.iin)?;
    Bin::parse(&doc.workplace.organisation_bin)?;
    let blank = |s: &str| s.trim().is_empty();
    if blank(&doc.applicant.full_name) || blank(&doc.head.full_name) || blank(&doc.head.position) {
        return Err(invalid(
            "the applicant's and the head's names and the head's position are required",
        ));
    }
    if blank(&doc.workplace.organisation_name) || blank(&doc.workplace.position) {
        return Err(invalid("the organisation and the position are required"));
    }
    match doc.action {
        ApplicationAction::Registration | ApplicationAction::Transfer => {
            let c = doc.confirmations;
            if doc.action == ApplicationAction::Registration
                && !(c.consent && c.holds_nca_signature && c.personal_data)
            {
                return Err(invalid("a registration needs all three confirmations"));
            }
            if blank(&doc.contacts.mobile_phone) {
                return Err(invalid("the mobile phone (for SMS codes) is required"));
            }
            if let Some(r) = doc.role {
                RoleId::new(r)?;
            }
        }
        ApplicationAction::Blocking => match doc.blocking_reason {
            None => return Err(invalid("a blocking needs its reason")),
            Some(BlockingReason::Other)
                if doc.blocking_reason_text.as_deref().is_none_or(blank) =>
            {
                return Err(invalid("explain the reason `other`"));
            }
            Some(_) => {}
        },
    }
    if !own_block && doc.workplace.organisation_bin != user.organisation_bin {
        return Err(invalid(
            "an HR officer files applications for their own body only",
        ));
    }
    // Signatures: the head, and the applicant or the official filing it; or, for a user blocking
    // their own account after a long absence, the user alone.
    let signers: Vec<String> = sigs
        .iter()
        .filter_map(|s| s.certificate.iin.clone())
        .collect();
    let self_block_for_absence =
        own_block && doc.blocking_reason == Some(BlockingReason::LongAbsence) && signers.len() == 1;
    if self_block_for_absence {
        if signers.first() != Some(&user.iin) {
            return Err(GwError::SignerMismatch);
        }
    } else if signers.len() != 2 {
        return Err(GwError::SignerCount(2));
    } else if !signers.contains(&doc.head.iin) {
        return Err(GwError::ApplicationSignatures(
            "the head's signature is missing",
        ));
    } else if !signers
        .iter()
        .any(|s| *s != doc.head.iin && (*s == doc.applicant.iin || *s == user.iin))
    {
        return Err(GwError::ApplicationSignatures(
            "the applicant's or the responsible official's signature is missing",
        ));
    }
    // Deadline (rules 14, 15).
    let rule = match (doc.action, doc.blocking_reason) {
        (ApplicationAction::Transfer, _) => Some(DeadlineRule::Transfer),
        (
            ApplicationAction::Blocking,
            Some(BlockingReason::Dismissal | BlockingReason::Suspension),
        ) => Some(DeadlineRule::DismissalOrSuspension),
        _ => None,
    };
    let late = match (rule, doc.order_signed_at) {
        (Some(rule), Some(order)) => matches!(
            DeadlineState::at(rule.due(order.with_timezone(&Utc)), at),
            DeadlineState::Overdue { .. }
        ),
        _ => false,
    };

    let conn = sh.db()?;
    let target: Option<String> = conn
        .query_row(
            "SELECT state FROM users WHERE iin = ?1",
            [&doc.applicant.iin],
            |r| r.get(0),
        )
        .optional()
        .map_err(GwError::db("look up the applicant"))?;
    let (state, done_at) = match doc.action {
        ApplicationAction::Blocking => {
            if target.is_none() {
                return Err(invalid("no account with this ИИН"));
            }
            let reason = serde_json::to_value(doc.blocking_reason)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default();
            conn.execute(
                "UPDATE users SET state = 'blocked', blocked_reason = ?2 WHERE iin = ?1",
                params![doc.applicant.iin, reason],
            )
            .map_err(GwError::db("block an account"))?;
            conn.execute(
                "UPDATE sessions SET ended_at = ?2 WHERE iin = ?1 AND ended_at IS NULL",
                params![doc.applicant.iin, stamp(at)],
            )
            .map_err(GwError::db("end the sessions of a blocked account"))?;
            tracing::warn!(user = %doc.applicant.iin, "account blocked by application");
            ("done", Some(stamp(at)))
        }
        ApplicationAction::Registration => {
            if target.is_some() {
                return Err(invalid("an account with this ИИН already exists"));
            }
            conn.execute(
                "INSERT OR IGNORE INTO organisations (bin, name) VALUES (?1, ?2)",
                params![
                    doc.workplace.organisation_bin,
                    doc.workplace.organisation_name
                ],
            )
            .map_err(GwError::db("record an organisation"))?;
            conn.execute(
                "INSERT INTO users (iin, full_name, organisation_bin, role, state, mobile, unit, position, created_at)
                 VALUES (?1, ?2, ?3, ?4, 'pending', ?5, ?6, ?7, ?8)",
                params![
                    doc.applicant.iin,
                    doc.applicant.full_name,
                    doc.workplace.organisation_bin,
                    doc.role,
                    doc.contacts.mobile_phone,
                    doc.workplace.unit,
                    doc.workplace.position,
                    stamp(at)
                ],
            )
            .map_err(GwError::db("record a pending account"))?;
            ("pending", None)
        }
        ApplicationAction::Transfer => {
            if target.is_none() {
                return Err(invalid("no account with this ИИН"));
            }
            ("pending", None)
        }
    };
    crate::db::durable(&conn, |conn| {
        conn.execute(
        "INSERT INTO applications (application_id, action, applicant_iin, organisation_bin, submitted_by, document,
                                   document_sha256, cms, state, received_at, done_at, late)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
        params![
            id,
            action_str(doc.action),
            doc.applicant.iin,
            doc.workplace.organisation_bin,
            user.iin,
            received.canonical,
            doc_sha,
            received.cms_der,
            state,
            stamp(at),
            done_at,
            late
        ],
    )
    .map_err(GwError::db("store an application"))
    })?;
    load_status(&conn, &id)?
        .map(|(s, _, _)| s)
        .ok_or(GwError::ApplicationNotFound)
}

/// `GET /v1/applications/{id}`: visible to the official who filed it.
pub(crate) fn status(sh: &Shared, user: &User, id: &str) -> Result<ApplicationStatus, GwError> {
    let conn = sh.db()?;
    match load_status(&conn, id)? {
        Some((s, _, by)) if by == user.iin => Ok(s),
        _ => Err(GwError::ApplicationNotFound),
    }
}

/// Carry out a pending application (operator's decision).
pub(crate) fn approve(conn: &Connection, id: &str) -> Result<(), GwError> {
    let (action, applicant, document, state): (String, String, Vec<u8>, String) = conn
        .query_row(
            "SELECT action, applicant_iin, document, state FROM applications WHERE application_id = ?1",
            [id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .optional()
        .map_err(GwError::db("load an application"))?
        .ok_or(GwError::ApplicationNotFound)?;
    if state != "pending" {
        return Err(invalid("the application is not pending"));
    }
    let at = stamp(now());
    match action.as_str() {
        "registration" => {
            conn.execute(
                "UPDATE users SET state = 'registered' WHERE iin = ?1 AND state = 'pending'",
                [&applicant],
            )
            .map_err(GwError::db("approve a registration"))?;
        }
        "transfer" => {
            let doc: ApplicationDocument = serde_json::from_slice(&document)
                .map_err(|e| GwError::Internal(format!("stored application: {e}")))?;
            conn.execute(
                "INSERT OR IGNORE INTO organisations (bin, name) VALUES (?1, ?2)",
                params![
                    doc.workplace.organisation_bin,
                    doc.workplace.organisation_name
                ],
            )
            .map_err(GwError::db("record an organisation"))?;
            conn.execute(
                "UPDATE users SET organisation_bin = ?2, role = ?3, unit = ?4, position = ?5, mobile = ?6 WHERE iin = ?1",
                params![
                    applicant,
                    doc.workplace.organisation_bin,
                    doc.role,
                    doc.workplace.unit,
                    doc.workplace.position,
                    doc.contacts.mobile_phone
                ],
            )
            .map_err(GwError::db("carry out a transfer"))?;
        }
        _ => {}
    }
    conn.execute(
        "UPDATE applications SET state = 'done', done_at = ?2 WHERE application_id = ?1",
        params![id, at],
    )
    .map_err(GwError::db("close an application"))?;
    Ok(())
}

/// Refuse a pending application (operator's decision); a refused registration removes the
/// pending account.
pub(crate) fn refuse(conn: &Connection, id: &str) -> Result<(), GwError> {
    let (action, applicant, state): (String, String, String) = conn
        .query_row(
            "SELECT action, applicant_iin, state FROM applications WHERE application_id = ?1",
            [id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()
        .map_err(GwError::db("load an application"))?
        .ok_or(GwError::ApplicationNotFound)?;
    if state != "pending" {
        return Err(invalid("the application is not pending"));
    }
    if action == "registration" {
        conn.execute(
            "DELETE FROM users WHERE iin = ?1 AND state = 'pending'",
            [&applicant],
        )
        .map_err(GwError::db("remove a refused registration"))?;
    }
    conn.execute(
        "UPDATE applications SET state = 'refused', done_at = ?2 WHERE application_id = ?1",
        params![id, stamp(now())],
    )
    .map_err(GwError::db("refuse an application"))?;
    Ok(())
}
