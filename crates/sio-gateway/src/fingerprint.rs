//! Fingerprint as the second factor (rule 18 of the 2015 rules as amended by Order 88/2024),
//! matched on the workstation.
//!
//! The template stays in the workstation's OS stack (fprintd, WBF). The gateway keeps the
//! helpdesk's enrolment records — user, **workstation certificate** (SHA-256, serial, DER),
//! reader, finger, the operator who recorded it — and judges verdicts signed by the workstation's
//! fingerprint agent with that workstation's key:
//!
//! - the signer's certificate chains to the CA, is not revoked, is valid **now** (the gateway's
//!   clock, whatever signing time it claims), is for client authentication, and is not a personal
//!   certificate (no ИИН: the user's own card key is refused, `GW_FINGERPRINT_NOT_WORKSTATION`);
//! - it is the certificate registered for one of this user's enrolments
//!   (`GW_FINGERPRINT_NOT_ENROLLED` otherwise, also for a user with no enrolment at all);
//! - the verdict answers a fresh single-use challenge of this session, names this user, and its
//!   clock lies within the window.
//!
//! Users cannot enrol themselves (`POST /v1/fingerprint/enrolments` answers
//! `GW_FINGERPRINT_ENROL_FORBIDDEN`); the challenge is the same for every user and lists nothing.
//! Every verdict is kept in `fingerprint_verdicts`; a refused or no-match verdict counts towards
//! the lockout through the same [`crate::auth::record_failure`] as a wrong SMS code, and a match
//! completes the factor through [`crate::auth::after_second_factor`]. What trusting the
//! workstation's verdict means: SECURITY.md, "Fingerprint".

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use chrono::{Duration, Utc};
use ring::rand::SecureRandom as _;
use rusqlite::{Connection, OptionalExtension, params};
use sio_protocol::{
    Finger, FingerprintChallenge, FingerprintEnrolment, FingerprintResult,
    FingerprintVerdictDocument, ReceivedSigned, SessionInfo, SessionStage,
};
use uuid::Uuid;

use crate::auth::{SessionRow, User, check_clock};
use crate::certs::sha256_hex;
use crate::clock::{astana, now, parse, stamp};
use crate::error::GwError;
use crate::server::Shared;

/// Lifetime of a fingerprint challenge: time to put the finger on the reader.
const CHALLENGE_SECONDS: i64 = 120;

/// Longest operator name or reader name recorded.
const MAX_NAME: usize = 200;

/// Why the fingerprint factor or an enrolment was refused.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FingerprintRefused {
    /// No enrolment on record for this user at the workstation that signed the verdict.
    #[error(
        "no fingerprint is enrolled for this user at this workstation: ask the helpdesk to enrol one, or use another factor"
    )]
    NotEnrolled,
    /// The verdict is not signed by a workstation certificate (e.g. by the user's own card).
    #[error(
        "the fingerprint verdict must be signed by the workstation's fingerprint agent, not by a personal certificate"
    )]
    NotWorkstation,
    /// A user tried to record an enrolment themselves.
    #[error(
        "a user cannot enrol a fingerprint: the helpdesk records enrolments (`sio gateway admin enroll-fingerprint`)"
    )]
    EnrolForbidden,
    /// Unknown, used, expired or foreign challenge.
    #[error(
        "the fingerprint challenge is unknown, used or expired: start the fingerprint check again"
    )]
    ChallengeInvalid,
    /// The signed verdict or the enrolment does not hold together.
    #[error("the fingerprint document is not valid: {0}")]
    Invalid(&'static str),
    /// The helpdesk's workstation certificate does not pass the check against the gateway's CA
    /// and current CRL (another CA, revoked, expired, revocation status unknown).
    #[error("the workstation certificate is not acceptable to the gateway: {0}")]
    WorkstationUntrusted(sio_sign::SignError),
    /// The workstation's reader did not recognise the finger.
    #[error("the finger was not recognised ({tries_left} attempts left before the account locks)")]
    NoMatch {
        /// Failures left before the lockout.
        tries_left: u32,
    },
}

impl FingerprintRefused {
    // The stable codes are in crate::error's table (`sio_error::coded!`).

    /// HTTP status.
    pub fn status(&self) -> axum::http::StatusCode {
        use axum::http::StatusCode;
        match self {
            Self::NotEnrolled | Self::NotWorkstation | Self::EnrolForbidden => {
                StatusCode::FORBIDDEN
            }
            Self::Invalid(_) | Self::WorkstationUntrusted(_) => StatusCode::BAD_REQUEST,
            Self::ChallengeInvalid | Self::NoMatch { .. } => StatusCode::UNAUTHORIZED,
        }
    }
}

fn refused(e: FingerprintRefused) -> GwError {
    GwError::Fingerprint(e)
}

fn second_factor_due(s: &SessionRow) -> Result<(), GwError> {
    if s.stage != SessionStage::SecondFactor {
        return Err(GwError::WrongStage(
            "the second factor has already been passed",
        ));
    }
    Ok(())
}

/// The user's active enrolments (made by the helpdesk, bound to a workstation certificate), for
/// the user after login, for the operator and for the verdict check.
pub(crate) fn enrolments(
    conn: &Connection,
    iin: &str,
) -> Result<Vec<FingerprintEnrolment>, GwError> {
    let mut st = conn
        .prepare(
            "SELECT id, workstation, workstation_cert_sha256, device, finger, recorded_at
             FROM fingerprint_enrolments
             WHERE iin = ?1 AND revoked_at IS NULL AND workstation_cert_sha256 IS NOT NULL
             ORDER BY recorded_at",
        )
        .map_err(GwError::db("list fingerprint enrolments"))?;
    let rows = st
        .query_map([iin], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, String>(5)?,
            ))
        })
        .map_err(GwError::db("list fingerprint enrolments"))?;
    let mut out = Vec::new();
    for row in rows {
        let (id, workstation, cert, device, finger, at) =
            row.map_err(GwError::db("list fingerprint enrolments"))?;
        let (Ok(enrolment_id), Some(finger), Some(at)) =
            (Uuid::parse_str(&id), Finger::from_name(&finger), parse(&at))
        else {
            continue;
        };
        out.push(FingerprintEnrolment {
            enrolment_id,
            workstation,
            workstation_certificate: cert,
            device,
            finger,
            recorded_at: astana(at),
        });
    }
    Ok(out)
}

/// `POST /v1/fingerprint/enrolments`: refused. A user holding a card and PIN must not be able
/// to declare a workstation of their choice as theirs; the helpdesk records enrolments
/// ([`enrol_by_helpdesk`], `sio gateway admin enroll-fingerprint`).
pub(crate) fn enrol(
    _sh: &Shared,
    _s: &SessionRow,
    user: &User,
    _body: &[u8],
) -> Result<FingerprintEnrolment, GwError> {
    tracing::warn!(user = %user.iin, "a user tried to record a fingerprint enrolment");
    Err(refused(FingerprintRefused::EnrolForbidden))
}

/// What the helpdesk records with `sio gateway admin enroll-fingerprint`.
#[derive(Debug, Clone)]
pub struct HelpdeskEnrolment<'a> {
    /// ИИН of the registered user.
    pub iin: &'a str,
    /// The workstation certificate (PEM or DER) whose key the workstation's agent holds.
    pub workstation_certificate: &'a [u8],
    /// The finger enrolled in the workstation's OS stack.
    pub finger: Finger,
    /// The reader's name as the agent reports it; `None` for any reader of the workstation.
    pub device: Option<&'a str>,
    /// Who recorded it (the helpdesk officer's name or ИИН), for the journal.
    pub operator: &'a str,
}

fn clean_name(v: &str) -> bool {
    !v.trim().is_empty() && v.len() <= MAX_NAME && !v.chars().any(char::is_control)
}

/// Record an enrolment made by the helpdesk: the user's finger at the workstation whose
/// certificate is given. Replaces an active enrolment of the same finger at the same workstation.
/// The certificate must be a workstation's (no ИИН, client authentication) and pass `checker`
/// (the gateway's CA and current CRL, validity now): one the gateway would refuse at the verdict
/// is not recorded. Journaled as the operator's action ([`crate::admin::journal_action`]: the
/// helpdesk officer as the user, resource `admin/fingerprint`, operation
/// `admin enroll-fingerprint by …`).
pub(crate) fn enrol_by_helpdesk(
    conn: &Connection,
    checker: &sio_sign::Verifier,
    e: &HelpdeskEnrolment<'_>,
) -> Result<FingerprintEnrolment, GwError> {
    sio_core::Iin::parse(e.iin)?;
    if !clean_name(e.operator) {
        return Err(GwError::AdminInput(
            "--by: the helpdesk officer's name (no control characters, at most 200 bytes)".into(),
        ));
    }
    let device = e.device.unwrap_or("");
    if e.device.is_some() && !clean_name(device) {
        return Err(refused(FingerprintRefused::Invalid(
            "reader name empty, too long or with control characters",
        )));
    }
    let mut blocks = sio_sign::pem_or_der_blocks(e.workstation_certificate, "CERTIFICATE");
    if blocks.len() != 1 {
        return Err(refused(FingerprintRefused::Invalid(
            "the workstation certificate file must hold exactly one certificate",
        )));
    }
    let der = blocks.remove(0);
    let summary = sio_sign::CertSummary::from_der(&der)?;
    if summary.iin.is_some() {
        return Err(refused(FingerprintRefused::Invalid(
            "the certificate names a person (ИИН): give the workstation's own certificate",
        )));
    }
    sio_sign::check_purpose(&der, sio_sign::KeyPurpose::Authentication)?;
    // Validity now, the chain to the gateway's CA and the CRL: the checks the verdicts will meet.
    checker
        .check_certificate(&der)
        .map_err(|err| refused(FingerprintRefused::WorkstationUntrusted(err)))?;
    let at = now();
    let user: Option<String> = conn
        .query_row("SELECT state FROM users WHERE iin = ?1", [e.iin], |r| {
            r.get(0)
        })
        .optional()
        .map_err(GwError::db("look up the user"))?;
    if user.as_deref() != Some("registered") {
        return Err(GwError::UnknownUser);
    }
    let hash = sha256_hex(&der);
    let workstation = summary
        .common_name
        .clone()
        .unwrap_or_else(|| summary.serial_hex.clone());
    let id = Uuid::new_v4();
    let record = serde_json::json!({
        "doc": "sio.fingerprint-enrolment.helpdesk/v1",
        "iin": e.iin,
        "workstation": workstation,
        "workstation_certificate": hash,
        "workstation_serial": summary.serial_hex,
        "device": device,
        "finger": e.finger.name(),
        "operator": e.operator,
        "recorded_at": stamp(at),
    });
    let record = serde_json::to_vec(&record)
        .map_err(|err| GwError::Internal(format!("enrolment record: {err}")))?;
    crate::db::durable(conn, |conn| {
        conn.execute(
            "UPDATE fingerprint_enrolments SET revoked_at = ?4
             WHERE iin = ?1 AND workstation_cert_sha256 = ?2 AND finger = ?3 AND revoked_at IS NULL",
            params![e.iin, hash, e.finger.name(), stamp(at)],
        )
        .map_err(GwError::db("replace a fingerprint enrolment"))?;
        conn.execute(
            "INSERT INTO fingerprint_enrolments (id, iin, workstation, device, finger, document, cms, recorded_at,
                 workstation_cert_sha256, workstation_cert, workstation_serial, enrolled_by)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, X'', ?7, ?8, ?9, ?10, ?11)",
            params![
                id.to_string(),
                e.iin,
                workstation,
                device,
                e.finger.name(),
                record,
                stamp(at),
                hash,
                der,
                summary.serial_hex,
                e.operator
            ],
        )
        .map_err(GwError::db("record a fingerprint enrolment"))?;
        crate::admin::journal_action(
            conn,
            e.operator,
            "fingerprint",
            &format!(
                "admin enroll-fingerprint by {} for {}: {} at workstation {workstation} (certificate sha256 {hash})",
                e.operator,
                e.iin,
                e.finger.name()
            ),
        )
    })?;
    tracing::info!(user = %e.iin, %workstation, finger = e.finger.name(), "fingerprint enrolment recorded by the helpdesk");
    Ok(FingerprintEnrolment {
        enrolment_id: id,
        workstation,
        workstation_certificate: hash,
        device: device.to_owned(),
        finger: e.finger,
        recorded_at: astana(at),
    })
}

/// End every active enrolment of `iin` (the helpdesk's); how many. Journaled.
pub(crate) fn remove_by_helpdesk(
    conn: &Connection,
    iin: &str,
    operator: &str,
) -> Result<usize, GwError> {
    sio_core::Iin::parse(iin)?;
    if !clean_name(operator) {
        return Err(GwError::AdminInput(
            "--by: the helpdesk officer's name (no control characters, at most 200 bytes)".into(),
        ));
    }
    crate::db::durable(conn, |conn| {
        let n = conn
            .execute(
                "UPDATE fingerprint_enrolments SET revoked_at = ?2 WHERE iin = ?1 AND revoked_at IS NULL",
                params![iin, stamp(now())],
            )
            .map_err(GwError::db("remove fingerprint enrolments"))?;
        crate::admin::journal_action(
            conn,
            operator,
            "fingerprint",
            &format!("admin remove-fingerprint by {operator} for {iin}: {n} enrolment(s) ended"),
        )?;
        Ok(n)
    })
}

/// `POST /v1/login/fingerprint/challenge`: the same answer for every user in stage
/// `second_factor`, enrolled or not; whether and where the user is enrolled is told by nothing
/// before the second factor is passed.
pub(crate) fn challenge(
    sh: &Shared,
    s: &SessionRow,
    _user: &User,
) -> Result<FingerprintChallenge, GwError> {
    second_factor_due(s)?;
    let conn = sh.db()?;
    let mut nonce = [0u8; 32];
    sh.rng
        .fill(&mut nonce)
        .map_err(|_| GwError::Internal("no randomness".into()))?;
    let nonce = STANDARD.encode(nonce);
    let at = now();
    let expires = at + Duration::seconds(CHALLENGE_SECONDS);
    let id = Uuid::new_v4();
    conn.execute(
        "DELETE FROM fingerprint_challenges WHERE expires_at < ?1",
        [stamp(at - Duration::hours(1))],
    )
    .map_err(GwError::db("purge old fingerprint challenges"))?;
    conn.execute(
        "INSERT INTO fingerprint_challenges (id, session, nonce, created_at, expires_at) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![id.to_string(), s.token_hash, nonce, stamp(at), stamp(expires)],
    )
    .map_err(GwError::db("store a fingerprint challenge"))?;
    Ok(FingerprintChallenge {
        challenge_id: id,
        nonce,
        expires_at: astana(expires),
    })
}

/// The verdict's signer: a workstation certificate, chained to the CA, not revoked, valid now.
struct Workstation {
    sha256: String,
    name: String,
}

/// Verify the CMS of a verdict and that its one signer is a workstation, not a person.
fn verify_workstation_signed(
    sh: &Shared,
    received: &ReceivedSigned,
) -> Result<Workstation, GwError> {
    // Chain to the CA, CRL, validity now, clientAuth + digitalSignature, the signature over the
    // canonical bytes.
    let verified = sh
        .tls
        .verifiers()?
        .login(&received.canonical, &received.cms_der)?;
    // Validity at the gateway's clock, whatever signing time the signer claims, was checked by
    // the verifier (`validity_at_now`, crate::verify).
    // A personal certificate (the user's card, anyone's) names a person: not a workstation.
    if verified.certificate.iin.is_some() {
        return Err(refused(FingerprintRefused::NotWorkstation));
    }
    Ok(Workstation {
        sha256: sha256_hex(&verified.certificate_der),
        name: verified
            .certificate
            .common_name
            .unwrap_or(verified.certificate.serial_hex),
    })
}

/// Count a refused verdict towards the lockout; the error to answer.
fn count_failure(sh: &Shared, conn: &Connection, user: &User, why: FingerprintRefused) -> GwError {
    match crate::auth::record_failure(sh, conn, &user.iin) {
        Ok(Some(until)) => GwError::AccountLocked(until),
        Ok(None) => refused(why),
        Err(e) => e,
    }
}

/// `POST /v1/login/fingerprint`: the verdict signed by the workstation's fingerprint agent.
pub(crate) fn verify(
    sh: &Shared,
    s: &mut SessionRow,
    user: &User,
    body: &[u8],
) -> Result<SessionInfo, GwError> {
    second_factor_due(s)?;
    let at = now();
    let received = ReceivedSigned::from_body(body)?;
    let conn = sh.db()?;
    let workstation = match verify_workstation_signed(sh, &received) {
        Ok(w) => w,
        Err(GwError::Fingerprint(FingerprintRefused::NotWorkstation)) => {
            tracing::warn!(user = %user.iin, "fingerprint verdict signed by a personal certificate");
            return Err(count_failure(
                sh,
                &conn,
                user,
                FingerprintRefused::NotWorkstation,
            ));
        }
        Err(e) => return Err(e),
    };
    let doc: FingerprintVerdictDocument = received.parse()?;
    if doc.iin != user.iin {
        return Err(refused(FingerprintRefused::Invalid(
            "the verdict names another user",
        )));
    }
    if doc.workstation_certificate != workstation.sha256 {
        return Err(refused(FingerprintRefused::Invalid(
            "the verdict names another workstation certificate than the one that signed it",
        )));
    }
    if !clean_name(&doc.device) {
        return Err(refused(FingerprintRefused::Invalid(
            "reader name empty, too long or with control characters",
        )));
    }
    // The challenge: of this session, unused, unexpired, same nonce; used up whatever the outcome.
    let row: Option<(String, String, String, Option<String>)> = conn
        .query_row(
            "SELECT session, nonce, expires_at, used_at FROM fingerprint_challenges WHERE id = ?1",
            [doc.challenge_id.to_string()],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .optional()
        .map_err(GwError::db("load a fingerprint challenge"))?;
    let Some((session, nonce, expires, used)) = row else {
        return Err(refused(FingerprintRefused::ChallengeInvalid));
    };
    if session != s.token_hash {
        // Another session's challenge: not ours to use up.
        return Err(refused(FingerprintRefused::ChallengeInvalid));
    }
    conn.execute(
        "UPDATE fingerprint_challenges SET used_at = ?2 WHERE id = ?1 AND used_at IS NULL",
        params![doc.challenge_id.to_string(), stamp(at)],
    )
    .map_err(GwError::db("use a fingerprint challenge"))?;
    if used.is_some() || nonce != doc.nonce || parse(&expires).is_none_or(|e| e < at) {
        return Err(refused(FingerprintRefused::ChallengeInvalid));
    }
    check_clock(doc.verified_at.with_timezone(&Utc), at)?;
    let enrolled = enrolments(&conn, &user.iin)?.into_iter().any(|e| {
        e.workstation_certificate == workstation.sha256
            && (e.device.is_empty() || e.device == doc.device)
            && doc.finger.is_none_or(|f| f == e.finger)
    });
    let result = match doc.result {
        FingerprintResult::Match => "match",
        FingerprintResult::NoMatch => "no-match",
    };
    conn.execute(
        "INSERT INTO fingerprint_verdicts (iin, session, challenge_id, workstation, device, finger, result, enrolled, document, cms, recorded_at, workstation_cert_sha256)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
        params![
            user.iin,
            s.token_hash,
            doc.challenge_id.to_string(),
            workstation.name,
            doc.device,
            doc.finger.map(Finger::name),
            result,
            enrolled,
            received.canonical,
            received.cms_der,
            stamp(at),
            workstation.sha256
        ],
    )
    .map_err(GwError::db("journal a fingerprint verdict"))?;
    if !enrolled {
        tracing::warn!(user = %user.iin, workstation = %workstation.name, "fingerprint verdict from a workstation or reader without enrolment");
        return Err(count_failure(
            sh,
            &conn,
            user,
            FingerprintRefused::NotEnrolled,
        ));
    }
    if doc.result == FingerprintResult::NoMatch {
        tracing::info!(user = %user.iin, "fingerprint not recognised");
        if let Some(until) = crate::auth::record_failure(sh, &conn, &user.iin)? {
            return Err(GwError::AccountLocked(until));
        }
        let failed: u32 = conn
            .query_row(
                "SELECT failed_attempts FROM users WHERE iin = ?1",
                [&user.iin],
                |r| r.get(0),
            )
            .map_err(GwError::db("count failed attempts"))?;
        return Err(refused(FingerprintRefused::NoMatch {
            tries_left: sh.config.max_failed_attempts.saturating_sub(failed),
        }));
    }
    crate::auth::after_second_factor(&conn, s, user)?;
    tracing::info!(user = %user.iin, workstation = %workstation.name, "second factor accepted (fingerprint)");
    let user = crate::auth::load_user(&conn, &user.iin)?.ok_or(GwError::NoSession)?;
    Ok(crate::auth::session_info(s, &user))
}
