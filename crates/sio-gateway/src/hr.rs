//! HR applications (2015 Appendix 5): two signatures (the applicant or the responsible official,
//! and the head), blocking at once, registration and transfer waiting for the operator.

use chrono::Utc;
use rusqlite::{Connection, OptionalExtension, params};
use sio_core::time::{DeadlineRule, DeadlineState};
use sio_core::{Iin, RoleId};
use sio_protocol::{
    ApplicationAction, ApplicationDocument, ApplicationState, ApplicationStatus, BlockingReason,
    ReceivedSigned, RefusalDocType, RefusalDocument, Signed,
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
        "SELECT application_id, action, state, received_at, done_at, late, document_sha256, submitted_by,
                refusal_reasons, refusal_document, refusal_cms
         FROM applications WHERE application_id = ?1",
        [id],
        |r| {
            let received: String = r.get(3)?;
            let done: Option<String> = r.get(4)?;
            let refusal_doc: Option<Vec<u8>> = r.get(9)?;
            let refusal_cms: Option<Vec<u8>> = r.get(10)?;
            // The signed refusal as stored: the document's canonical bytes parse back to the
            // document they were made from, and the CMS signs exactly those bytes.
            let refusal = match (refusal_doc, refusal_cms) {
                (Some(d), Some(c)) => serde_json::from_slice::<RefusalDocument>(&d)
                    .ok()
                    .map(|d| Signed::new(d, &c)),
                _ => None,
            };
            Ok((
                ApplicationStatus {
                    application_id: Uuid::parse_str(&r.get::<_, String>(0)?).unwrap_or_default(),
                    action: action_of(&r.get::<_, String>(1)?),
                    state: state_of(&r.get::<_, String>(2)?),
                    received_at: astana(parse(&received).unwrap_or_else(now)),
                    done_at: done.as_deref().and_then(parse).map(astana),
                    late: r.get(5)?,
                    refusal_reasons: r.get(8)?,
                    refusal,
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

/// A person's account as the gateway's records have it.
struct Account {
    organisation_bin: String,
    state: String,
}

fn account(conn: &Connection, iin: &str) -> Result<Option<Account>, GwError> {
    conn.query_row(
        "SELECT organisation_bin, state FROM users WHERE iin = ?1",
        [iin],
        |r| {
            Ok(Account {
                organisation_bin: r.get(0)?,
                state: r.get(1)?,
            })
        },
    )
    .optional()
    .map_err(GwError::db("look up the applicant"))
}

/// The body's code in ЕРДР as the operator recorded it (2015 Appendix 5), if recorded.
pub(crate) fn erdr_code_of(conn: &Connection, bin: &str) -> Result<Option<String>, GwError> {
    conn.query_row(
        "SELECT erdr_code FROM organisations WHERE bin = ?1",
        [bin],
        |r| r.get::<_, Option<String>>(0),
    )
    .optional()
    .map(Option::flatten)
    .map_err(GwError::db("look up a body's ЕРДР code"))
}

/// Whether the operator has marked `iin` as a head of the body `bin`, and the head's account,
/// when the head has one, is not blocked: a blocked head co-signs nothing, whatever marks remain
/// (every blocking also ends the marks, [`end_head_marks`]).
pub(crate) fn is_head(conn: &Connection, iin: &str, bin: &str) -> Result<bool, GwError> {
    conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM heads h WHERE h.iin = ?1 AND h.organisation_bin = ?2
             AND NOT EXISTS (SELECT 1 FROM users u WHERE u.iin = h.iin AND u.state = 'blocked'))",
        params![iin, bin],
        |r| r.get(0),
    )
    .map_err(GwError::db("look up the heads of a body"))
}

/// End every head mark of `iin` (in every body): on every blocking of the account, whatever its
/// reason or path (an HR application, the operator's block). Marks are not restored by an
/// unblock; the operator marks the head again if they still are one.
pub(crate) fn end_head_marks(conn: &Connection, iin: &str) -> Result<(), GwError> {
    conn.execute("DELETE FROM heads WHERE iin = ?1", [iin])
        .map_err(GwError::db("end a head's marks"))?;
    Ok(())
}

/// The body an application acts in, from the gateway's records — never from the document:
/// - a blocking or a transfer concerns the person's current body (`users`); an HR officer acts
///   only on the staff of their own body, a user on their own account;
/// - a registration is made in the HR officer's own body. A person who is an active user of
///   another body is that body's staff: it blocks the account first (rule 15 as of Order
///   88/2024), then the new body registers them. A blocked account may be registered again
///   (re-admission, or a move from another body) and is moved on the operator's approval.
///
/// The document's workplace must name that body: a transfer is "to another post or unit"
/// (rule 14 as of Order 88/2024; 2015 rule 15), i.e. within the body.
fn body_of(
    conn: &Connection,
    user: &User,
    doc: &ApplicationDocument,
    own: bool,
) -> Result<String, GwError> {
    let target = account(conn, &doc.applicant.iin)?;
    let body = match doc.action {
        ApplicationAction::Registration => {
            match &target {
                None => {}
                Some(t) if t.state == "blocked" => {}
                Some(t) if t.organisation_bin != user.organisation_bin => {
                    return Err(GwError::ApplicationOtherBody(
                        "the person is an active user of another body: that body blocks the account first (rule 15), then this body registers them",
                    ));
                }
                Some(_) => return Err(invalid("an account with this ИИН already exists")),
            }
            user.organisation_bin.clone()
        }
        ApplicationAction::Blocking | ApplicationAction::Transfer => {
            let t = target.ok_or_else(|| invalid("no account with this ИИН"))?;
            if !own && t.organisation_bin != user.organisation_bin {
                return Err(GwError::ApplicationOtherBody(
                    "an HR officer files applications only for the staff of their own body",
                ));
            }
            t.organisation_bin
        }
    };
    // The form's organisation code is the body's code in ЕРДР (2015 Appendix 5, «СДТБТ ұйымының
    // коды»; kk rule 5: СДТБТ is ЕРДР), not a БИН (issue 18 item 2). It must be the code the
    // operator recorded for the body (`sio gateway admin org-code`); the body's БИН is still
    // accepted there from clients and applications of before the field was renamed.
    let code = doc.workplace.organisation_code.trim();
    if code != body && erdr_code_of(conn, &body)?.as_deref() != Some(code) {
        return Err(GwError::ApplicationOtherBody(match doc.action {
            ApplicationAction::Transfer => {
                "a transfer is to another post or unit of the same body (rule 14); a move to another body is a blocking by this body and a registration by the new one"
            }
            ApplicationAction::Registration => {
                "an HR officer registers staff of their own body only"
            }
            ApplicationAction::Blocking => {
                "the workplace in the document is not the body the person belongs to"
            }
        }));
    }
    Ok(body)
}

/// `POST /v1/applications`.
///
/// Who may file: an HR officer (the `hr` right) for the staff of their own body; a user for
/// their own account — a blocking (consent §11.2) or a transfer to another post or unit (rule 14
/// as of Order 88/2024: "the user … sends the application", 2015 rule 15 likewise). Every
/// application but a user's own blocking after a long absence carries two signatures: the
/// applicant's or the responsible official's, and the head's (2015 Appendix 5); the head must be
/// marked by the operator as a head of the body concerned.
pub(crate) fn submit(sh: &Shared, user: &User, body: &[u8]) -> Result<ApplicationStatus, GwError> {
    let at = now();
    let received = ReceivedSigned::from_body(body)?;
    let verifiers = sh.tls.verifiers()?;
    // One signature only for a user blocking their own account after a long absence (consent
    // §11.2, one action of the user's own); two otherwise.
    let checked = verifiers.identified(&received.canonical, &received.cms_der, 1..=2)?;
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
    // A new application: its signingTimes, too, must be live.
    let sigs = checked.fresh()?;

    // Who may file: an HR officer for their own body, or a user on their own account (a
    // blocking, or a transfer within the body).
    let own = doc.applicant.iin == user.iin
        && matches!(
            doc.action,
            ApplicationAction::Blocking | ApplicationAction::Transfer
        );
    let own_block = own && doc.action == ApplicationAction::Blocking;
    if !user.hr && !own {
        return Err(GwError::NoHrRights);
    }
    // Fields.
    Iin::parse(&doc.applicant.iin)?;
    Iin::parse(&doc.head.iin)?;
    // The organisation's code in ЕРДР: its own format, not a БИН (issue 18 item 2).
    sio_core::org::ErdrOrgCode::parse(&doc.workplace.organisation_code)?;
    let blank = |s: &str| s.trim().is_empty();
    if blank(&doc.applicant.full_name) || blank(&doc.head.full_name) || blank(&doc.head.position) {
        return Err(invalid(
            "the applicant's and the head's names and the head's position are required",
        ));
    }
    // Names hold only what a name holds (no control, direction or formula characters): they
    // reach the operator's listings and the supervisors' reports (CORE_NAME_INVALID).
    sio_core::person_name::check(&doc.applicant.full_name)?;
    sio_core::person_name::check(&doc.head.full_name)?;
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

    let conn = sh.db()?;
    // The body concerned, from the records (not from the document).
    let org = body_of(&conn, user, &doc, own)?;

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
    } else if !is_head(&conn, &doc.head.iin, &org)? {
        // The head who co-signs is the head of the body concerned as the operator has marked
        // them, not whoever the document names (2015 Appendix 5: "the applicant's head").
        return Err(GwError::HeadNotRegistered);
    }
    let head_iin = (!self_block_for_absence).then(|| doc.head.iin.clone());
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

    let exists = account(&conn, &doc.applicant.iin)?.is_some();
    let reason = serde_json::to_value(doc.blocking_reason)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default();
    // One transaction: what the application does at once (a blocking, a pending account) and
    // its record are committed together, durably (on disk before the client hears "accepted"),
    // or not at all — no block without its application, no application without its block.
    crate::db::durable(&conn, |conn| {
        let tx = conn
            .unchecked_transaction()
            .map_err(GwError::db("begin an application"))?;
        let (state, done_at) = match doc.action {
            ApplicationAction::Blocking => {
                tx.execute(
                    "UPDATE users SET state = 'blocked', blocked_reason = ?2 WHERE iin = ?1",
                    params![doc.applicant.iin, reason],
                )
                .map_err(GwError::db("block an account"))?;
                tx.execute(
                    "UPDATE sessions SET ended_at = ?2 WHERE iin = ?1 AND ended_at IS NULL",
                    params![doc.applicant.iin, stamp(at)],
                )
                .map_err(GwError::db("end the sessions of a blocked account"))?;
                // A blocked head no longer co-signs for any body, whatever the reason.
                end_head_marks(&tx, &doc.applicant.iin)?;
                ("done", Some(stamp(at)))
            }
            ApplicationAction::Registration => {
                if !exists {
                    tx.execute(
                        "INSERT INTO users (iin, full_name, organisation_bin, role, state, mobile, unit, position, created_at)
                         VALUES (?1, ?2, ?3, ?4, 'pending', ?5, ?6, ?7, ?8)",
                        params![
                            doc.applicant.iin,
                            doc.applicant.full_name,
                            org,
                            doc.role,
                            doc.contacts.mobile_phone,
                            doc.workplace.unit,
                            doc.workplace.position,
                            stamp(at)
                        ],
                    )
                    .map_err(GwError::db("record a pending account"))?;
                }
                // A blocked account stays blocked until the operator approves.
                ("pending", None)
            }
            ApplicationAction::Transfer => ("pending", None),
        };
        tx.execute(
            "INSERT INTO applications (application_id, action, applicant_iin, organisation_bin, submitted_by, document,
                                       document_sha256, cms, state, received_at, done_at, late, head_iin)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
            params![
                id,
                action_str(doc.action),
                doc.applicant.iin,
                org,
                user.iin,
                received.canonical,
                doc_sha,
                received.cms_der,
                state,
                stamp(at),
                done_at,
                late,
                head_iin
            ],
        )
        .map_err(GwError::db("store an application"))?;
        tx.commit().map_err(GwError::db("commit an application"))
    })?;
    if doc.action == ApplicationAction::Blocking {
        tracing::warn!(application = %id, "account blocked by application");
    }
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

/// Carry out a pending application (operator's decision), in one transaction.
///
/// - A registration makes the pending account registered; for a blocked account (re-admission,
///   or a move from another body) it moves the account into the body that filed it, with the
///   role and contacts of the application, unblocked, and without the `hr`/`reports` rights and
///   head marks of its former post.
/// - A transfer changes the post within the same body (rule 14 as of Order 88/2024) and resets
///   the `hr` and `reports` rights and head marks: the operator grants them again for the new
///   post (rule 10 as of 2024: reports access on a motivated letter).
///
/// Returns whether the decision came after the day 2015 rule 14 allows from receipt (it is
/// still carried out, and journaled as late).
pub(crate) fn approve(conn: &Connection, id: &str) -> Result<bool, GwError> {
    let (action, applicant, document, state, org): (String, String, Vec<u8>, String, String) =
        conn.query_row(
            "SELECT action, applicant_iin, document, state, organisation_bin FROM applications WHERE application_id = ?1",
            [id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
        )
        .optional()
        .map_err(GwError::db("load an application"))?
        .ok_or(GwError::ApplicationNotFound)?;
    if state != "pending" {
        return Err(invalid("the application is not pending"));
    }
    let stored = || -> Result<ApplicationDocument, GwError> {
        serde_json::from_slice(&document)
            .map_err(|e| GwError::Internal(format!("stored application: {e}")))
    };
    let tx = conn
        .unchecked_transaction()
        .map_err(GwError::db("begin an approval"))?;
    let at = stamp(now());
    let current = account(&tx, &applicant)?;
    match action.as_str() {
        "registration" => match current.as_ref().map(|a| a.state.as_str()) {
            Some("pending") => {
                tx.execute(
                    "UPDATE users SET state = 'registered' WHERE iin = ?1 AND state = 'pending'",
                    [&applicant],
                )
                .map_err(GwError::db("approve a registration"))?;
            }
            Some("blocked") => {
                let doc = stored()?;
                tx.execute(
                    "UPDATE users SET organisation_bin = ?2, full_name = ?3, role = ?4, mobile = ?5, unit = ?6,
                            position = ?7, state = 'registered', blocked_reason = NULL, reports = 0, hr = 0,
                            failed_attempts = 0, locked_until = NULL
                     WHERE iin = ?1 AND state = 'blocked'",
                    params![
                        applicant,
                        org,
                        doc.applicant.full_name,
                        doc.role,
                        doc.contacts.mobile_phone,
                        doc.workplace.unit,
                        doc.workplace.position
                    ],
                )
                .map_err(GwError::db("register a blocked account again"))?;
                end_head_marks(&tx, &applicant)?;
            }
            _ => {
                return Err(invalid(
                    "the account is active or gone: refuse this registration",
                ));
            }
        },
        "transfer" => {
            // A transfer changes the post of an active account only: a blocked (dismissed,
            // suspended) or still pending account has no post to change. Approving it would set
            // a new role on an account someone blocked; it comes back by an unblock or a new
            // registration instead.
            match current.as_ref().map(|a| a.state.as_str()) {
                Some("registered") => {}
                Some(_) => {
                    return Err(invalid(
                        "the account is blocked or not yet registered: refuse this transfer",
                    ));
                }
                None => return Err(invalid("no account with this ИИН: refuse this transfer")),
            }
            if current.as_ref().map(|a| a.organisation_bin.as_str()) != Some(org.as_str()) {
                return Err(GwError::ApplicationOtherBody(
                    "the person is no longer staff of the body that filed the transfer",
                ));
            }
            let doc = stored()?;
            tx.execute(
                "UPDATE users SET role = ?3, unit = ?4, position = ?5, mobile = ?6, reports = 0, hr = 0
                 WHERE iin = ?1 AND organisation_bin = ?2",
                params![
                    applicant,
                    org,
                    doc.role,
                    doc.workplace.unit,
                    doc.workplace.position,
                    doc.contacts.mobile_phone
                ],
            )
            .map_err(GwError::db("carry out a transfer"))?;
            end_head_marks(&tx, &applicant)?;
        }
        _ => {}
    }
    let received: String = tx
        .query_row(
            "SELECT received_at FROM applications WHERE application_id = ?1",
            [id],
            |r| r.get(0),
        )
        .map_err(GwError::db("load an application"))?;
    let late = decided_late(&received, now());
    tx.execute(
        "UPDATE applications SET state = 'done', done_at = ?2, decided_late = ?3 WHERE application_id = ?1",
        params![id, at, late],
    )
    .map_err(GwError::db("close an application"))?;
    tx.commit().map_err(GwError::db("commit an approval"))?;
    Ok(late)
}

/// Whether the operator decides after the day 2015 rule 14 allows from the moment the
/// application was received (`received` as stored).
pub(crate) fn decided_late(received: &str, at: chrono::DateTime<Utc>) -> bool {
    parse(received).is_some_and(|r| at > sio_core::time::operator_decision_due(r))
}

/// Refuse a pending application with the operator's reasons: a motivated refusal, signed (2015
/// rule 14, ru «направляет мотивированный отказ в регистрации, подписанный средствами ЭЦП НУЦ,
/// зарегистрированной на КПСиСУ»; kk «дәлелді бас тартуды жібереді»). The gateway builds a
/// `sio.hr-refusal/v1` document, `signer` (the operator's certificate) signs its canonical bytes
/// (detached CMS, as every signed document of the protocol), and both are stored with the
/// application; the official who filed it reads them (`GET /v1/applications/{id}`) and the
/// client verifies the signature before it shows the reasons. A refused registration removes
/// the pending account. Returns whether the decision came after the day rule 14 allows (it is
/// still made, and journaled as late).
pub(crate) fn refuse(
    conn: &Connection,
    id: &str,
    reasons: &str,
    operator: &str,
    signer: &mut dyn sio_sign::Signer,
) -> Result<bool, GwError> {
    let reasons = reasons.split_whitespace().collect::<Vec<_>>().join(" ");
    if reasons.chars().count() < 10
        || reasons.chars().count() > 2000
        || reasons.chars().any(char::is_control)
    {
        return Err(GwError::AdminInput(
            "--reason: a refusal is motivated (2015 rule 14): give its reasons, 10–2000 characters"
                .into(),
        ));
    }
    let (action, applicant, state, org, received): (String, String, String, String, String) = conn
        .query_row(
            "SELECT action, applicant_iin, state, organisation_bin, received_at FROM applications
             WHERE application_id = ?1",
            [id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
        )
        .optional()
        .map_err(GwError::db("load an application"))?
        .ok_or(GwError::ApplicationNotFound)?;
    if state != "pending" {
        return Err(invalid("the application is not pending"));
    }
    let at = now();
    let late = decided_late(&received, at);
    let doc = RefusalDocument {
        doc: RefusalDocType::V1,
        application_id: Uuid::parse_str(id).map_err(|_| GwError::ApplicationNotFound)?,
        action: action_of(&action),
        applicant_iin: applicant.clone(),
        organisation_bin: org,
        reasons: reasons.clone(),
        received_at: astana(parse(&received).unwrap_or(at)),
        refused_at: astana(at),
        operator: operator.to_string(),
    };
    let canonical = Signed::<RefusalDocument>::canonical_bytes(&doc)
        .map_err(|e| GwError::Internal(format!("refusal document: {e}")))?;
    let cms = sio_sign::sign(&canonical, &mut [signer], &sio_sign::SignOptions::default())?;
    let tx = conn
        .unchecked_transaction()
        .map_err(GwError::db("begin a refusal"))?;
    if action == "registration" {
        tx.execute(
            "DELETE FROM users WHERE iin = ?1 AND state = 'pending'",
            [&applicant],
        )
        .map_err(GwError::db("remove a refused registration"))?;
    }
    tx.execute(
        "UPDATE applications SET state = 'refused', done_at = ?2, refusal_reasons = ?3, refused_by = ?4,
                refusal_document = ?5, refusal_cms = ?6, decided_late = ?7
         WHERE application_id = ?1 AND state = 'pending'",
        params![id, stamp(at), reasons, operator, canonical, cms, late],
    )
    .map_err(GwError::db("refuse an application"))?;
    tx.commit().map_err(GwError::db("commit a refusal"))?;
    Ok(late)
}
