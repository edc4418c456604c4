//! Login: challenges, the signed login, sessions, the SMS code, lockout (the consent is
//! [`crate::consent`]).
//!
//! The TLS client certificate must chain to the CA (rustls checks chain, validity and the CRL).
//! The login document's signer certificate identifies the user; when the TLS certificate is a
//! personal one (it carries an ИИН), it must be the very same certificate as the signer's. The
//! session is bound to the TLS certificate it was opened over.

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use ring::rand::SecureRandom as _;
use rusqlite::{Connection, OptionalExtension, params};
use sio_protocol::{
    KeyCarrier, LoginChallenge, LoginDocument, OtpSent, ReceivedSigned, SecondFactor, Secret,
    SessionInfo, SessionStage, SessionUser,
};
use uuid::Uuid;

use crate::certs::sha256_hex;
use crate::clock::{astana, now, parse, stamp};
use crate::consent::CONSENT_VERSION;
use crate::error::GwError;
use crate::server::{ConnInfo, Shared};

/// Session hard limit (rule: 12 hours).
const SESSION_HOURS: i64 = 12;
/// Idle lock (15 minutes).
const IDLE_MINUTES: i64 = 15;
/// SMS code lifetime.
const OTP_MINUTES: i64 = 10;
/// Wrong entries that void a code.
const OTP_TRIES: u32 = 5;

/// A user row.
#[derive(Debug, Clone)]
pub(crate) struct User {
    pub(crate) iin: String,
    pub(crate) full_name: String,
    pub(crate) organisation_bin: String,
    pub(crate) organisation_name: String,
    pub(crate) role: Option<u8>,
    pub(crate) state: String,
    pub(crate) mobile: String,
    pub(crate) reports: bool,
    pub(crate) hr: bool,
    pub(crate) consent_version: Option<String>,
    pub(crate) consent_signed_at: Option<DateTime<Utc>>,
    pub(crate) locked_until: Option<DateTime<Utc>>,
    /// A face template is enrolled (Face ID may be the second factor).
    pub(crate) face_enrolled: bool,
    /// A fingerprint enrolment is on record (the fingerprint may be the second factor).
    pub(crate) fingerprint_enrolled: bool,
}

pub(crate) fn load_user(conn: &Connection, iin: &str) -> Result<Option<User>, GwError> {
    let mut stmt = conn
        .prepare_cached(
        "SELECT u.iin, u.full_name, u.organisation_bin, o.name, u.role, u.state, u.mobile, u.reports, u.hr,
                u.consent_version, u.consent_signed_at, u.locked_until,
                EXISTS (SELECT 1 FROM face_templates f WHERE f.iin = u.iin),
                EXISTS (SELECT 1 FROM fingerprint_enrolments p WHERE p.iin = u.iin AND p.revoked_at IS NULL)
         FROM users u JOIN organisations o ON o.bin = u.organisation_bin WHERE u.iin = ?1",
        )
        .map_err(GwError::db("load a user"))?;
    stmt.query_row([iin], |r| {
        Ok(User {
            iin: r.get(0)?,
            full_name: r.get(1)?,
            organisation_bin: r.get(2)?,
            organisation_name: r.get(3)?,
            role: r.get(4)?,
            state: r.get(5)?,
            mobile: r.get(6)?,
            reports: r.get(7)?,
            hr: r.get(8)?,
            consent_version: r.get(9)?,
            consent_signed_at: r.get::<_, Option<String>>(10)?.as_deref().and_then(parse),
            locked_until: r.get::<_, Option<String>>(11)?.as_deref().and_then(parse),
            face_enrolled: r.get(12)?,
            fingerprint_enrolled: r.get(13)?,
        })
    })
    .optional()
    .map_err(GwError::db("load a user"))
}

/// Refuse a user who may not log in now.
pub(crate) fn check_user_may_log_in(user: &User, at: DateTime<Utc>) -> Result<(), GwError> {
    match user.state.as_str() {
        "blocked" => return Err(GwError::AccountBlocked),
        "pending" => return Err(GwError::AccountPending),
        _ => {}
    }
    if let Some(until) = user.locked_until.filter(|u| *u > at) {
        return Err(GwError::AccountLocked(until));
    }
    Ok(())
}

/// Count a failed attempt (signature login, SMS code, biometrics). Returns the lock's end if this
/// attempt locked the account.
pub(crate) fn record_failure(
    sh: &Shared,
    conn: &Connection,
    iin: &str,
) -> Result<Option<DateTime<Utc>>, GwError> {
    let at = now();
    let failed: Option<u32> = conn
        .query_row(
            "UPDATE users SET failed_attempts = failed_attempts + 1 WHERE iin = ?1 RETURNING failed_attempts",
            [iin],
            |r| r.get(0),
        )
        .optional()
        .map_err(GwError::db("count a failed attempt"))?;
    match failed {
        Some(n) if n >= sh.config.max_failed_attempts => {
            let lockout = Duration::from_std(sh.config.lockout).unwrap_or(Duration::minutes(10));
            let until = at + lockout;
            conn.execute(
                "UPDATE users SET failed_attempts = 0, locked_until = ?2 WHERE iin = ?1",
                params![iin, stamp(until)],
            )
            .map_err(GwError::db("lock an account"))?;
            conn.execute(
                "UPDATE sessions SET ended_at = ?2 WHERE iin = ?1 AND ended_at IS NULL",
                params![iin, stamp(at)],
            )
            .map_err(GwError::db("end sessions of a locked account"))?;
            erase_codes_of_ended_sessions(conn)?;
            tracing::warn!(user = iin, until = %stamp(until), "account locked after failed attempts");
            Ok(Some(until))
        }
        _ => Ok(None),
    }
}

fn random_bytes<const N: usize>(sh: &Shared) -> Result<[u8; N], GwError> {
    let mut b = [0u8; N];
    sh.rng
        .fill(&mut b)
        .map_err(|_| GwError::Internal("no randomness".into()))?;
    Ok(b)
}

fn tls_cert_sha(conn_info: &ConnInfo) -> Result<String, GwError> {
    conn_info
        .cert
        .as_ref()
        .map(|c| c.sha256.clone())
        .ok_or_else(|| GwError::BadCertificate("no TLS client certificate".into()))
}

/// `POST /v1/login/challenge`.
pub(crate) fn challenge(sh: &Shared, conn_info: &ConnInfo) -> Result<LoginChallenge, GwError> {
    let tls = tls_cert_sha(conn_info)?;
    let at = now();
    let expires = at + Duration::seconds(i64::from(sio_protocol::NONCE_TTL_SECONDS));
    let nonce = STANDARD.encode(random_bytes::<32>(sh)?);
    let id = Uuid::new_v4();
    let (purge_before, row) = (
        stamp(at - Duration::hours(1)),
        (
            id.to_string(),
            nonce.clone(),
            tls,
            stamp(at),
            stamp(expires),
        ),
    );
    // One job of the writer (blocking threads only).
    sh.writer.write_blocking(move |c| {
        c.prepare_cached("DELETE FROM challenges WHERE expires_at < ?1")
            .and_then(|mut st| st.execute([purge_before]))
            .map_err(GwError::db("purge old challenges"))?;
        c.prepare_cached(
            "INSERT INTO challenges (id, nonce, tls_cert, created_at, expires_at) VALUES (?1, ?2, ?3, ?4, ?5)",
        )
        .and_then(|mut st| st.execute(params![row.0, row.1, row.2, row.3, row.4]))
        .map_err(GwError::db("store a challenge"))
    })?;
    Ok(LoginChallenge {
        challenge_id: id,
        nonce,
        gateway_time: astana(at),
        expires_at: astana(expires),
        clock_window_seconds: sio_protocol::CLOCK_WINDOW_SECONDS,
    })
}

/// The client's clock within the protocol's window of the gateway's (`GW_CLOCK_SKEW` otherwise).
pub(crate) fn check_clock(client: DateTime<Utc>, at: DateTime<Utc>) -> Result<(), GwError> {
    let skew = (client - at).num_seconds();
    let window = sio_protocol::CLOCK_WINDOW_SECONDS;
    if skew.unsigned_abs() > u64::from(window) {
        return Err(GwError::ClockSkew {
            skew_seconds: skew,
            window,
        });
    }
    Ok(())
}

/// `POST /v1/login`. `journal_user` receives the ИИН as soon as it is known.
/// A first factor the gateway accepted: who signed, with which certificate, over which TLS
/// certificate.
struct FirstFactor {
    iin: String,
    user: User,
    signer_sha: String,
    /// The authentication certificate that signed (DER), kept with the session.
    signer_der: Vec<u8>,
    tls_sha: String,
    at: DateTime<Utc>,
}

pub(crate) fn login(
    sh: &Shared,
    conn_info: &ConnInfo,
    body: &[u8],
    journal_user: &mut Option<String>,
) -> Result<SessionInfo, GwError> {
    let FirstFactor {
        iin,
        user,
        signer_sha,
        signer_der,
        tls_sha,
        at,
    } = first_factor(sh, conn_info, body, journal_user)?;

    let token = URL_SAFE_NO_PAD.encode(random_bytes::<32>(sh)?);
    let token_hash = sha256_hex(token.as_bytes());
    let expires = at + Duration::hours(SESSION_HOURS);
    let idle = at + Duration::minutes(IDLE_MINUTES);
    // The session and the certificates it rests on (issue 16: re-checked on every call) in one
    // job of the writer: a session that could not be re-checked never exists.
    let tls_der = conn_info
        .cert_der
        .as_deref()
        .filter(|d| sha256_hex(d) == tls_sha)
        .ok_or_else(|| {
            GwError::Internal("the TLS certificate of the connection is missing".into())
        })?
        .to_vec();
    let (hash, who) = (token_hash.clone(), iin.clone());
    let (created, until, idle_at) = (stamp(at), stamp(expires), stamp(idle));
    sh.writer.write_blocking(move |c| {
        c.prepare_cached(
            "INSERT INTO sessions (token_hash, iin, tls_cert, auth_cert, carrier, stage, created_at, expires_at, idle_until)
             VALUES (?1, ?2, ?3, ?4, 'hardware', 'second_factor', ?5, ?6, ?7)",
        )
        .and_then(|mut st| {
            st.execute(params![hash, who, tls_sha, signer_sha, created, until, idle_at])
        })
        .map_err(GwError::db("open a session"))?;
        let mut keep = c
            .prepare_cached(
                "INSERT OR IGNORE INTO session_certs (session, kind, sha256, der) VALUES (?1, ?2, ?3, ?4)",
            )
            .map_err(GwError::db("keep a session's certificate"))?;
        keep.execute(params![hash, "tls", tls_sha, tls_der])
            .and_then(|_| keep.execute(params![hash, "auth", signer_sha, signer_der]))
            .map_err(GwError::db("keep a session's certificate"))?;
        Ok(())
    })?;
    tracing::info!(user = %iin, "first factor accepted");
    let session = SessionRow {
        token_hash,
        stage: SessionStage::SecondFactor,
        expires_at: expires,
        idle_until: idle,
        previous_login_at: None,
    };
    let mut info = session_info(&session, &user);
    info.token = Some(Secret::new(token));
    Ok(info)
}

/// Unlock a session locked after 15 idle minutes: the user enters the PIN again and signs a fresh
/// challenge with the same authentication certificate (no second factor). The session keeps its
/// stage and its 12-hour limit.
pub(crate) fn unlock(
    sh: &Shared,
    conn_info: &ConnInfo,
    token: &str,
    body: &[u8],
    journal_user: &mut Option<String>,
) -> Result<SessionInfo, GwError> {
    let token_hash = sha256_hex(token.as_bytes());
    let ff = first_factor(sh, conn_info, body, journal_user)?;
    let conn = sh.db()?;
    let row: Option<(String, String, String, String, Option<String>)> = conn
        .query_row(
            "SELECT iin, auth_cert, tls_cert, expires_at, ended_at FROM sessions WHERE token_hash = ?1",
            [&token_hash],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
        )
        .optional()
        .map_err(GwError::db("load a session to unlock"))?;
    let Some((iin, auth_cert, tls, expires, ended)) = row else {
        return Err(GwError::NoSession);
    };
    if ended.is_some() || parse(&expires).is_none_or(|e| e < ff.at) || iin != ff.iin {
        return Err(GwError::NoSession);
    }
    if auth_cert != ff.signer_sha || tls != ff.tls_sha {
        return Err(GwError::SessionCertMismatch);
    }
    let idle_until = ff.at + Duration::minutes(IDLE_MINUTES);
    conn.execute(
        "UPDATE sessions SET idle_until = ?2 WHERE token_hash = ?1",
        params![token_hash, stamp(idle_until)],
    )
    .map_err(GwError::db("unlock a session"))?;
    tracing::info!(user = %iin, "session unlocked");
    drop(conn);
    let (row, user) = session(sh, conn_info, token)?;
    Ok(session_info(&row, &user))
}
fn first_factor(
    sh: &Shared,
    conn_info: &ConnInfo,
    body: &[u8],
    journal_user: &mut Option<String>,
) -> Result<FirstFactor, GwError> {
    let tls_sha = tls_cert_sha(conn_info)?;
    let tls_iin = conn_info.cert.as_ref().and_then(|c| c.iin.clone());
    let at = now();
    let received = ReceivedSigned::from_body(body)?;
    // A personal TLS certificate names the user before anything else is checked: a locked,
    // blocked or pending account stops here.
    if let Some(iin) = &tls_iin {
        *journal_user = Some(iin.clone());
        let conn = sh.reader()?;
        if let Some(user) = load_user(&conn, iin)? {
            check_user_may_log_in(&user, at)?;
        }
    }
    let verifiers = sh.tls.verifiers()?;
    let verified = match verifiers.login(&received.canonical, &received.cms_der) {
        Ok(v) => v,
        Err(e) => {
            // Counted only against the holder of a personal TLS certificate (the handshake proved
            // the key): a certificate copied into a forged CMS must not lock its owner out. A
            // signing time outside the clock window is the workstation's clock, not a wrong key.
            let who = tls_iin
                .clone()
                .filter(|_| !matches!(e, GwError::ClockSkew { .. }));
            if let Some(iin) = who {
                *journal_user = Some(iin.clone());
                let conn = sh.db()?;
                if let Some(until) = record_failure(sh, &conn, &iin)? {
                    return Err(GwError::AccountLocked(until));
                }
            }
            return Err(e);
        }
    };
    let signer_sha = sha256_hex(&verified.certificate_der);
    let iin = verified
        .certificate
        .iin
        .clone()
        .ok_or_else(|| GwError::BadCertificate("the certificate has no IIN".into()))?;
    *journal_user = Some(iin.clone());
    let doc: LoginDocument = received.parse()?;

    // The challenge: known, made for this TLS certificate, unused, unexpired, same nonce. Used
    // up by this attempt whatever its outcome: read and spent in one job of the writer, so two
    // attempts with one challenge cannot both find it unused.
    let (challenge_id, used_at) = (doc.challenge_id.to_string(), stamp(at));
    let row: Option<(String, String, String, Option<String>)> =
        sh.writer.write_blocking(move |c| {
            let row = c
                .prepare_cached(
                    "SELECT nonce, tls_cert, expires_at, used_at FROM challenges WHERE id = ?1",
                )
                .and_then(|mut st| {
                    st.query_row([&challenge_id], |r| {
                        Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
                    })
                    .optional()
                })
                .map_err(GwError::db("load a challenge"))?;
            if row.is_some() {
                c.prepare_cached(
                    "UPDATE challenges SET used_at = ?2 WHERE id = ?1 AND used_at IS NULL",
                )
                .and_then(|mut st| st.execute(params![challenge_id, used_at]))
                .map_err(GwError::db("use a challenge"))?;
            }
            Ok(row)
        })?;
    let Some((nonce, chal_tls, expires, used)) = row else {
        return Err(GwError::ChallengeInvalid);
    };
    if used.is_some()
        || nonce != doc.nonce
        || chal_tls != tls_sha
        || parse(&expires).is_none_or(|e| e < at)
    {
        return Err(GwError::ChallengeInvalid);
    }
    if doc.certificate_sha256 != signer_sha {
        return Err(GwError::CertificateMismatch(
            "the login document names another certificate than its signer's",
        ));
    }
    if tls_iin.is_some() && tls_sha != signer_sha {
        return Err(GwError::CertificateMismatch(
            "the TLS client certificate is not the certificate that signed the login",
        ));
    }
    check_clock(doc.client_time.with_timezone(&Utc), at)?;
    if doc.carrier == KeyCarrier::Software {
        tracing::warn!(user = %iin, "login with a software key refused");
        return Err(GwError::SoftwareCarrier);
    }
    // The carrier the client declares proves nothing: the CA attests it in the certificate's
    // policies (a key generated on the token), and the configuration says which policies count.
    if !verified
        .certificate_policies
        .iter()
        .any(|p| sh.config.hardware_carrier_policies.contains(p))
    {
        tracing::warn!(user = %iin, "login with a certificate not attesting a hardware carrier refused");
        return Err(GwError::CarrierNotHardware);
    }
    let reader = sh.reader()?;
    let user = load_user(&reader, &iin)?.ok_or(GwError::UnknownUser)?;
    drop(reader);
    check_user_may_log_in(&user, at)?;
    Ok(FirstFactor {
        iin,
        user,
        signer_sha,
        signer_der: verified.certificate_der,
        tls_sha,
        at,
    })
}

/// A session row.
#[derive(Debug, Clone)]
pub(crate) struct SessionRow {
    pub(crate) token_hash: String,
    pub(crate) stage: SessionStage,
    pub(crate) expires_at: DateTime<Utc>,
    pub(crate) idle_until: DateTime<Utc>,
    /// The user's successful login before this session's (set when the second factor passes).
    pub(crate) previous_login_at: Option<DateTime<Utc>>,
}

fn stage_str(s: SessionStage) -> &'static str {
    match s {
        SessionStage::SecondFactor => "second_factor",
        SessionStage::Consent => "consent",
        SessionStage::Active => "active",
    }
}

fn stage_of(s: &str) -> SessionStage {
    match s {
        "active" => SessionStage::Active,
        "consent" => SessionStage::Consent,
        _ => SessionStage::SecondFactor,
    }
}

pub(crate) fn session_info(s: &SessionRow, user: &User) -> SessionInfo {
    SessionInfo {
        token: None,
        stage: s.stage,
        factors: {
            let mut f = vec![SecondFactor::Sms];
            if user.fingerprint_enrolled {
                f.push(SecondFactor::Fingerprint);
            }
            if user.face_enrolled {
                f.push(SecondFactor::Face);
            }
            f
        },
        user: SessionUser {
            iin: user.iin.clone(),
            full_name: user.full_name.clone(),
            organisation_bin: user.organisation_bin.clone(),
            organisation_name: user.organisation_name.clone(),
            role: user.role,
            reports: user.reports,
            hr: user.hr,
        },
        expires_at: astana(s.expires_at),
        idle_until: astana(s.idle_until),
        consent_version: CONSENT_VERSION.into(),
        consent_signed_at: user
            .consent_signed_at
            .filter(|_| user.consent_version.as_deref() == Some(CONSENT_VERSION))
            .map(astana),
        previous_login_at: s.previous_login_at.map(astana),
        absence_block_due: s
            .previous_login_at
            .and_then(|p| absence_block_due(p, now())),
    }
}

/// The day a block of one's own account was due (Appendix 6 §11.2 as amended by Order 88/2024:
/// «в случае длительного, более двух месяцев, отсутствия на рабочем месте подать электронную
/// заявку на блокировку своей учетной записи»), if the time between the last login `last` and
/// `at` exceeds two months: the absence is counted from the day after the last login (Astana).
pub(crate) fn absence_block_due(last: DateTime<Utc>, at: DateTime<Utc>) -> Option<NaiveDate> {
    let first_day_absent = sio_core::time::to_astana(last).date_naive().succ_opt()?;
    let due = sio_core::time::absence_block_due(first_day_absent)?;
    (sio_core::time::to_astana(at).date_naive() >= due).then_some(due)
}

/// A session as stored: ИИН, TLS certificate hash, stage, expiry, idle deadline, end, the
/// authentication certificate hash and the user's login before this session.
type SessionDbRow = (
    String,
    String,
    String,
    String,
    String,
    Option<String>,
    String,
    Option<String>,
);

/// Find and refresh the session of a bearer token presented over `conn_info`.
pub(crate) fn session(
    sh: &Shared,
    conn_info: &ConnInfo,
    token: &str,
) -> Result<(SessionRow, User), GwError> {
    let tls_sha = tls_cert_sha(conn_info)?;
    let token_hash = sha256_hex(token.as_bytes());
    let at = now();
    // A reader of the pool (blocking threads only); the touch below goes to the writer.
    let conn = sh.reader()?;
    let row: Option<SessionDbRow> = conn
        .prepare_cached(
            "SELECT iin, tls_cert, stage, expires_at, idle_until, ended_at, auth_cert, previous_login_at
             FROM sessions WHERE token_hash = ?1",
        )
        .and_then(|mut st| {
            st.query_row([&token_hash], |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                    r.get(6)?,
                    r.get(7)?,
                ))
            })
            .optional()
        })
        .map_err(GwError::db("load a session"))?;
    let Some((iin, tls, stage, expires, idle, ended, auth_cert, previous)) = row else {
        return Err(GwError::NoSession);
    };
    let certs = crate::revocation::SessionCerts {
        token_hash: &token_hash,
        iin: &iin,
        tls_sha: &tls,
        auth_sha: &auth_cert,
        open: ended.is_none(),
    };
    if ended.is_some() || parse(&expires).is_none_or(|e| e < at) {
        // A session ended by a revocation, a block or a lockout says why.
        if tls == tls_sha && ended.is_some() {
            crate::revocation::check_session(sh, &conn, &certs)?;
        }
        if let Some(user) = load_user(&conn, &iin)? {
            check_user_may_log_in(&user, at)?;
        }
        return Err(GwError::NoSession);
    }
    if tls != tls_sha {
        return Err(GwError::SessionCertMismatch);
    }
    // Every call re-checks the certificates the session rests on (revocation, validity now);
    // a failure ends the session and closes the connections it was used over, this one included.
    if let Some(live) = &conn_info.live {
        live.used(&token_hash);
    }
    crate::revocation::check_session(sh, &conn, &certs)?;
    if parse(&idle).is_none_or(|i| i < at) {
        // Locked, not ended: `POST /v1/session/unlock` with a fresh signed challenge reopens it
        // within the 12-hour limit.
        return Err(GwError::SessionIdle);
    }
    let user = load_user(&conn, &iin)?.ok_or(GwError::NoSession)?;
    if let Err(e) = check_user_may_log_in(&user, at) {
        conn.execute(
            "UPDATE sessions SET ended_at = ?2 WHERE token_hash = ?1",
            params![token_hash, stamp(at)],
        )
        .map_err(GwError::db("end a session"))?;
        return Err(e);
    }
    drop(conn);
    let idle_until = at + Duration::minutes(IDLE_MINUTES);
    // Write the new idle deadline only when it moves by more than 30 s: one write less per call.
    if parse(&idle).is_none_or(|i| idle_until - i > Duration::seconds(30)) {
        let (hash, until) = (token_hash.clone(), stamp(idle_until));
        sh.writer.write_blocking(move |c| {
            c.prepare_cached("UPDATE sessions SET idle_until = ?2 WHERE token_hash = ?1")
                .and_then(|mut st| st.execute(params![hash, until]))
                .map_err(GwError::db("touch a session"))
        })?;
    }
    Ok((
        SessionRow {
            token_hash,
            stage: stage_of(&stage),
            expires_at: parse(&expires).unwrap_or(at),
            idle_until,
            previous_login_at: previous.as_deref().and_then(parse),
        },
        user,
    ))
}

pub(crate) fn set_stage(
    conn: &Connection,
    s: &mut SessionRow,
    stage: SessionStage,
) -> Result<(), GwError> {
    conn.execute(
        "UPDATE sessions SET stage = ?2 WHERE token_hash = ?1",
        params![s.token_hash, stage_str(stage)],
    )
    .map_err(GwError::db("advance a session"))?;
    s.stage = stage;
    Ok(())
}

/// `DELETE /v1/session`: end the session of `token`, presented over the TLS certificate it was
/// opened with, in any stage and also while it is locked after the idle minutes (ending a session
/// must always be possible; an idle-locked session could otherwise only wait for its 12-hour
/// limit), and erase its unused SMS codes at once. Returns the user's ИИН, for the journal.
/// An unknown, ended or expired session is `GW_NO_SESSION`.
pub(crate) fn logout(sh: &Shared, conn_info: &ConnInfo, token: &str) -> Result<String, GwError> {
    let tls_sha = tls_cert_sha(conn_info)?;
    let token_hash = sha256_hex(token.as_bytes());
    let at = now();
    let conn = sh.db()?;
    let row: Option<(String, String, String, Option<String>)> = conn
        .query_row(
            "SELECT iin, tls_cert, expires_at, ended_at FROM sessions WHERE token_hash = ?1",
            [&token_hash],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .optional()
        .map_err(GwError::db("load a session to end"))?;
    let Some((iin, tls, expires, ended)) = row else {
        return Err(GwError::NoSession);
    };
    if tls != tls_sha {
        return Err(GwError::SessionCertMismatch);
    }
    let open = ended.is_none() && parse(&expires).is_some_and(|e| e >= at);
    if open {
        conn.execute(
            "UPDATE sessions SET ended_at = ?2 WHERE token_hash = ?1 AND ended_at IS NULL",
            params![token_hash, stamp(at)],
        )
        .map_err(GwError::db("end a session"))?;
    }
    erase_codes_of_ended_sessions(&conn)?;
    if !open {
        return Err(GwError::NoSession);
    }
    tracing::info!(user = %iin, "session ended by the user");
    Ok(iin)
}

/// Void the unused SMS codes of every session that has ended (logout, lock-out, block) or
/// expired, blank them in the outbox at once, and checkpoint the log so that the codes are gone
/// from the database files too (`secure_delete`, [`crate::db::scrub`]).
pub(crate) fn erase_codes_of_ended_sessions(conn: &Connection) -> Result<(), GwError> {
    conn.execute(
        "UPDATE otps SET voided = 1
         WHERE used_at IS NULL AND voided = 0
           AND session IN (SELECT token_hash FROM sessions WHERE ended_at IS NOT NULL OR expires_at < ?1)",
        [stamp(now())],
    )
    .map_err(GwError::db("void the SMS codes of ended sessions"))?;
    sweep_outbox(conn)?;
    crate::db::scrub(conn);
    Ok(())
}

/// `+7 *** *** 12 34`.
pub(crate) fn mask_phone(phone: &str) -> String {
    let digits: Vec<char> = phone.chars().filter(char::is_ascii_digit).collect();
    if digits.len() < 4 {
        return "***".into();
    }
    let n = digits.len();
    format!(
        "+{} *** *** {}{} {}{}",
        digits[0],
        digits[n - 4],
        digits[n - 3],
        digits[n - 2],
        digits[n - 1]
    )
}

fn otp_mac(sh: &Shared, session_hash: &str, code: &str) -> String {
    let msg = format!("{session_hash}|{code}");
    hex::encode(ring::hmac::sign(&sh.otp_key, msg.as_bytes()).as_ref())
}

fn spend_outbox(conn: &Connection, otp_id: i64) -> Result<(), GwError> {
    conn.execute(
        "UPDATE sms_outbox SET spent = 1, text = '[code used or void]' WHERE id = (SELECT outbox_id FROM otps WHERE id = ?1)",
        [otp_id],
    )
    .map_err(GwError::db("spend an SMS"))?;
    Ok(())
}

/// Blank the outbox text of every code that is no longer usable (expired ones included).
pub(crate) fn sweep_outbox(conn: &Connection) -> Result<(), GwError> {
    let at = stamp(now());
    conn.execute(
        "UPDATE sms_outbox SET spent = 1, text = '[code used or void]'
         WHERE spent = 0 AND id IN (SELECT outbox_id FROM otps WHERE used_at IS NOT NULL OR voided = 1 OR expires_at < ?1)",
        [at],
    )
    .map_err(GwError::db("sweep the SMS outbox"))?;
    Ok(())
}

/// `POST /v1/login/otp`.
pub(crate) fn send_otp(sh: &Shared, s: &SessionRow, user: &User) -> Result<OtpSent, GwError> {
    if s.stage != SessionStage::SecondFactor {
        return Err(GwError::WrongStage(
            "the second factor has already been passed",
        ));
    }
    let at = now();
    let conn = sh.db()?;
    let last: Option<String> = conn
        .query_row(
            "SELECT created_at FROM otps WHERE session = ?1 ORDER BY id DESC LIMIT 1",
            [&s.token_hash],
            |r| r.get(0),
        )
        .optional()
        .map_err(GwError::db("find the last SMS code"))?;
    let resend = Duration::from_std(sh.config.otp_resend_after).unwrap_or(Duration::seconds(60));
    if let Some(next) = last.as_deref().and_then(parse).map(|t| t + resend) {
        if next > at {
            return Err(GwError::OtpCooldown(next));
        }
    }
    conn.execute(
        "UPDATE otps SET voided = 1 WHERE session = ?1 AND used_at IS NULL",
        [&s.token_hash],
    )
    .map_err(GwError::db("void old SMS codes"))?;
    sweep_outbox(&conn)?;
    // Uniform six digits: rejection sampling over u32.
    let code = loop {
        let v = u32::from_be_bytes(random_bytes::<4>(sh)?);
        if v < 4_294_000_000 {
            break format!("{:06}", v % 1_000_000);
        }
    };
    let expires = at + Duration::minutes(OTP_MINUTES);
    let text =
        format!("СИО ПСО: код входа {code}. Действителен 10 минут. Никому его не сообщайте.");
    conn.execute(
        "INSERT INTO sms_outbox (phone, iin, text, created_at) VALUES (?1, ?2, ?3, ?4)",
        params![user.mobile, user.iin, text, stamp(at)],
    )
    .map_err(GwError::db("queue an SMS"))?;
    let outbox_id = conn.last_insert_rowid();
    conn.execute(
        "INSERT INTO otps (session, iin, code_mac, created_at, expires_at, outbox_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![s.token_hash, user.iin, otp_mac(sh, &s.token_hash, &code), stamp(at), stamp(expires), outbox_id],
    )
    .map_err(GwError::db("store an SMS code"))?;
    tracing::info!(user = %user.iin, "SMS code queued");
    Ok(OtpSent {
        masked_phone: mask_phone(&user.mobile),
        expires_at: astana(expires),
        resend_after_seconds: u32::try_from(resend.num_seconds()).unwrap_or(60),
    })
}

pub(crate) fn after_second_factor(
    conn: &Connection,
    s: &mut SessionRow,
    user: &User,
) -> Result<(), GwError> {
    conn.execute(
        "UPDATE users SET failed_attempts = 0 WHERE iin = ?1",
        [&user.iin],
    )
    .map_err(GwError::db("reset failed attempts"))?;
    // A successful login (both factors): remember the one before it for the two-month absence
    // reminder (Appendix 6 §11.2), once per session.
    if s.previous_login_at.is_none() {
        let at = now();
        let previous: Option<String> = conn
            .query_row(
                "SELECT last_login_at FROM users WHERE iin = ?1",
                [&user.iin],
                |r| r.get(0),
            )
            .optional()
            .map_err(GwError::db("load the last login"))?
            .flatten();
        conn.execute(
            "UPDATE users SET last_login_at = ?2 WHERE iin = ?1",
            params![user.iin, stamp(at)],
        )
        .map_err(GwError::db("record a login"))?;
        conn.execute(
            "UPDATE sessions SET previous_login_at = ?2 WHERE token_hash = ?1",
            params![s.token_hash, previous],
        )
        .map_err(GwError::db("record the previous login"))?;
        s.previous_login_at = previous.as_deref().and_then(parse);
    }
    let consented = user.consent_version.as_deref() == Some(CONSENT_VERSION)
        && user.consent_signed_at.is_some();
    set_stage(
        conn,
        s,
        if consented {
            SessionStage::Active
        } else {
            SessionStage::Consent
        },
    )
}

/// `POST /v1/login/otp/verify`.
pub(crate) fn verify_otp(
    sh: &Shared,
    s: &mut SessionRow,
    user: &User,
    code: &str,
) -> Result<SessionInfo, GwError> {
    if s.stage != SessionStage::SecondFactor {
        return Err(GwError::WrongStage(
            "the second factor has already been passed",
        ));
    }
    let at = now();
    let conn = sh.db()?;
    let row: Option<(i64, String, String, u32)> = conn
        .query_row(
            "SELECT id, code_mac, expires_at, tries FROM otps WHERE session = ?1 AND used_at IS NULL AND voided = 0
             ORDER BY id DESC LIMIT 1",
            [&s.token_hash],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .optional()
        .map_err(GwError::db("load an SMS code"))?;
    let Some((id, mac, expires, tries)) = row else {
        return Err(GwError::OtpMissing);
    };
    if parse(&expires).is_none_or(|e| e < at) {
        conn.execute("UPDATE otps SET voided = 1 WHERE id = ?1", [id])
            .map_err(GwError::db("void an SMS code"))?;
        spend_outbox(&conn, id)?;
        return Err(GwError::OtpExpired);
    }
    let well_formed = code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit());
    let expected = hex::decode(&mac).unwrap_or_default();
    let msg = format!("{}|{}", s.token_hash, code);
    let ok = well_formed && ring::hmac::verify(&sh.otp_key, msg.as_bytes(), &expected).is_ok();
    if !ok {
        let tries = tries + 1;
        let void = tries >= OTP_TRIES;
        conn.execute(
            "UPDATE otps SET tries = ?2, voided = ?3 WHERE id = ?1",
            params![id, tries, void],
        )
        .map_err(GwError::db("count a wrong SMS code"))?;
        if void {
            spend_outbox(&conn, id)?;
        }
        if let Some(until) = record_failure(sh, &conn, &user.iin)? {
            return Err(GwError::AccountLocked(until));
        }
        return Err(GwError::OtpWrong {
            tries_left: OTP_TRIES.saturating_sub(tries),
        });
    }
    conn.execute(
        "UPDATE otps SET used_at = ?2 WHERE id = ?1",
        params![id, stamp(at)],
    )
    .map_err(GwError::db("use an SMS code"))?;
    spend_outbox(&conn, id)?;
    after_second_factor(&conn, s, user)?;
    crate::db::scrub(&conn);
    tracing::info!(user = %user.iin, "second factor accepted (SMS)");
    let user = load_user(&conn, &user.iin)?.ok_or(GwError::NoSession)?;
    Ok(session_info(s, &user))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_all_but_four_digits() {
        assert_eq!(mask_phone("+77011234567"), "+7 *** *** 45 67");
    }
}
