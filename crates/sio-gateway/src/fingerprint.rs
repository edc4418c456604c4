//! Fingerprint as the second factor (rule 18), matched on the workstation.
//!
//! The template stays in the workstation's OS stack (fprintd, WBF); the gateway keeps only the
//! signed enrolment records (user, workstation, reader, finger) and judges the signed verdicts:
//! signature by the session's own authentication certificate, a fresh single-use challenge of this
//! session, an enrolment on record for this user, workstation and reader. Every verdict is kept
//! in `fingerprint_verdicts`; a no-match counts towards the lockout through the same
//! [`crate::auth::record_failure`] as a wrong SMS code, and a match completes the factor through
//! the same [`crate::auth::after_second_factor`]. What trusting the workstation means: SECURITY.md.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use chrono::{Duration, Utc};
use ring::rand::SecureRandom as _;
use rusqlite::{Connection, OptionalExtension, params};
use sio_protocol::{
    Finger, FingerprintChallenge, FingerprintEnrolment, FingerprintEnrolmentDocument,
    FingerprintResult, FingerprintVerdictDocument, ReceivedSigned, SessionInfo, SessionStage,
};
use uuid::Uuid;

use crate::auth::{SessionRow, User};
use crate::certs::sha256_hex;
use crate::clock::{astana, now, parse, stamp};
use crate::error::GwError;
use crate::server::Shared;

/// Lifetime of a fingerprint challenge: time to put the finger on the reader.
const CHALLENGE_SECONDS: i64 = 120;

/// Why the fingerprint factor or an enrolment was refused.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FingerprintRefused {
    /// No enrolment on record for this user (on this workstation and reader).
    #[error(
        "no fingerprint is enrolled for this user on this workstation: ask the helpdesk to enrol one, or use another factor"
    )]
    NotEnrolled,
    /// Unknown, used, expired or foreign challenge.
    #[error(
        "the fingerprint challenge is unknown, used or expired: start the fingerprint check again"
    )]
    ChallengeInvalid,
    /// The signed verdict or enrolment does not belong to this session or user.
    #[error("the fingerprint document is not valid: {0}")]
    Invalid(&'static str),
    /// The workstation's reader did not recognise the finger.
    #[error("the finger was not recognised ({tries_left} attempts left before the account locks)")]
    NoMatch {
        /// Failures left before the lockout.
        tries_left: u32,
    },
}

impl FingerprintRefused {
    /// Stable code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::NotEnrolled => "GW_FINGERPRINT_NOT_ENROLLED",
            Self::ChallengeInvalid => "GW_FINGERPRINT_CHALLENGE_INVALID",
            Self::Invalid(_) => "GW_FINGERPRINT_INVALID",
            Self::NoMatch { .. } => "GW_FINGERPRINT_NO_MATCH",
        }
    }

    /// HTTP status.
    pub fn status(&self) -> axum::http::StatusCode {
        use axum::http::StatusCode;
        match self {
            Self::NotEnrolled => StatusCode::FORBIDDEN,
            Self::Invalid(_) => StatusCode::BAD_REQUEST,
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

use crate::auth::check_clock;

/// The authentication certificate the session was opened with (SHA-256, hex).
fn session_auth_cert(conn: &Connection, s: &SessionRow) -> Result<String, GwError> {
    conn.query_row(
        "SELECT auth_cert FROM sessions WHERE token_hash = ?1",
        [&s.token_hash],
        |r| r.get(0),
    )
    .map_err(GwError::db("load the session's certificate"))
}

/// Verify a document signed with the authentication key of the session's own certificate.
fn verify_auth_signed(
    sh: &Shared,
    conn: &Connection,
    s: &SessionRow,
    received: &ReceivedSigned,
) -> Result<(), GwError> {
    let verified = sh
        .tls
        .verifiers()?
        .login(&received.canonical, &received.cms_der)?;
    if sha256_hex(&verified.certificate_der) != session_auth_cert(conn, s)? {
        return Err(refused(FingerprintRefused::Invalid(
            "not signed with the authentication certificate of this session",
        )));
    }
    Ok(())
}

/// The user's enrolments on record.
pub(crate) fn enrolments(
    conn: &Connection,
    iin: &str,
) -> Result<Vec<FingerprintEnrolment>, GwError> {
    let mut st = conn
        .prepare(
            "SELECT id, workstation, device, finger, recorded_at FROM fingerprint_enrolments
             WHERE iin = ?1 AND revoked_at IS NULL ORDER BY recorded_at",
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
            ))
        })
        .map_err(GwError::db("list fingerprint enrolments"))?;
    let mut out = Vec::new();
    for row in rows {
        let (id, workstation, device, finger, at) =
            row.map_err(GwError::db("list fingerprint enrolments"))?;
        let (Ok(enrolment_id), Some(finger), Some(at)) =
            (Uuid::parse_str(&id), Finger::from_name(&finger), parse(&at))
        else {
            continue;
        };
        out.push(FingerprintEnrolment {
            enrolment_id,
            workstation,
            device,
            finger,
            recorded_at: astana(at),
        });
    }
    Ok(out)
}

/// `POST /v1/fingerprint/enrolments`: the signed record of a finger the helpdesk enrolled at the
/// workstation. The session must be active (the user passed a second factor already).
pub(crate) fn enrol(
    sh: &Shared,
    s: &SessionRow,
    user: &User,
    body: &[u8],
) -> Result<FingerprintEnrolment, GwError> {
    let at = now();
    let received = ReceivedSigned::from_body(body)?;
    let conn = sh.db()?;
    verify_auth_signed(sh, &conn, s, &received)?;
    let doc: FingerprintEnrolmentDocument = received.parse()?;
    if doc.iin != user.iin {
        return Err(refused(FingerprintRefused::Invalid(
            "the enrolment names another user",
        )));
    }
    let clean = |v: &str| !v.is_empty() && v.len() <= 200 && !v.chars().any(char::is_control);
    if !clean(&doc.workstation) || !clean(&doc.device) {
        return Err(refused(FingerprintRefused::Invalid(
            "workstation or reader name empty, too long or with control characters",
        )));
    }
    check_clock(doc.enrolled_at.with_timezone(&Utc), at)?;
    let id = Uuid::new_v4();
    crate::db::durable(&conn, |conn| {
        conn.execute(
            "UPDATE fingerprint_enrolments SET revoked_at = ?5
             WHERE iin = ?1 AND workstation = ?2 AND device = ?3 AND finger = ?4 AND revoked_at IS NULL",
            params![user.iin, doc.workstation, doc.device, doc.finger.name(), stamp(at)],
        )
        .map_err(GwError::db("replace a fingerprint enrolment"))?;
        conn.execute(
            "INSERT INTO fingerprint_enrolments (id, iin, workstation, device, finger, document, cms, recorded_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![
                id.to_string(),
                user.iin,
                doc.workstation,
                doc.device,
                doc.finger.name(),
                received.canonical,
                received.cms_der,
                stamp(at)
            ],
        )
        .map_err(GwError::db("record a fingerprint enrolment"))
    })?;
    tracing::info!(user = %user.iin, workstation = %doc.workstation, finger = doc.finger.name(), "fingerprint enrolment recorded");
    Ok(FingerprintEnrolment {
        enrolment_id: id,
        workstation: doc.workstation,
        device: doc.device,
        finger: doc.finger,
        recorded_at: astana(at),
    })
}

/// `POST /v1/login/fingerprint/challenge`.
pub(crate) fn challenge(
    sh: &Shared,
    s: &SessionRow,
    user: &User,
) -> Result<FingerprintChallenge, GwError> {
    second_factor_due(s)?;
    let conn = sh.db()?;
    let enrolments = enrolments(&conn, &user.iin)?;
    if enrolments.is_empty() {
        return Err(refused(FingerprintRefused::NotEnrolled));
    }
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
        enrolments,
    })
}

/// `POST /v1/login/fingerprint`: the workstation's signed verdict.
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
    verify_auth_signed(sh, &conn, s, &received)?;
    let doc: FingerprintVerdictDocument = received.parse()?;
    if doc.iin != user.iin {
        return Err(refused(FingerprintRefused::Invalid(
            "the verdict names another user",
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
    conn.execute(
        "UPDATE fingerprint_challenges SET used_at = ?2 WHERE id = ?1 AND used_at IS NULL",
        params![doc.challenge_id.to_string(), stamp(at)],
    )
    .map_err(GwError::db("use a fingerprint challenge"))?;
    if used.is_some()
        || session != s.token_hash
        || nonce != doc.nonce
        || parse(&expires).is_none_or(|e| e < at)
    {
        return Err(refused(FingerprintRefused::ChallengeInvalid));
    }
    check_clock(doc.verified_at.with_timezone(&Utc), at)?;
    let enrolled = enrolments(&conn, &user.iin)?.into_iter().any(|e| {
        e.workstation == doc.workstation
            && e.device == doc.device
            && doc.finger.is_none_or(|f| f == e.finger)
    });
    let result = match doc.result {
        FingerprintResult::Match => "match",
        FingerprintResult::NoMatch => "no-match",
    };
    conn.execute(
        "INSERT INTO fingerprint_verdicts (iin, session, challenge_id, workstation, device, finger, result, enrolled, document, cms, recorded_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
        params![
            user.iin,
            s.token_hash,
            doc.challenge_id.to_string(),
            doc.workstation,
            doc.device,
            doc.finger.map(Finger::name),
            result,
            enrolled,
            received.canonical,
            received.cms_der,
            stamp(at)
        ],
    )
    .map_err(GwError::db("journal a fingerprint verdict"))?;
    if !enrolled {
        tracing::warn!(user = %user.iin, workstation = %doc.workstation, "fingerprint verdict from a workstation or reader without enrolment");
        return Err(refused(FingerprintRefused::NotEnrolled));
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
    tracing::info!(user = %user.iin, "second factor accepted (fingerprint)");
    let user = crate::auth::load_user(&conn, &user.iin)?.ok_or(GwError::NoSession)?;
    Ok(crate::auth::session_info(s, &user))
}
