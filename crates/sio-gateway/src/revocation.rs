//! Revocation ends what a certificate opened (issue 16).
//!
//! A session rests on certificates: the TLS client certificate it was opened over (the user's
//! own or a workstation's), the authentication certificate that signed the login, and the
//! user's signing certificates of the documents accepted in it. They are kept with the session
//! (`session_certs`) and checked again — validity at the gateway's clock, chain to the CA and
//! the CRL as it is now:
//!
//! - on every call: the connection's TLS certificate (every call but `/v1/health`) and all the
//!   certificates of the session presented; a failure refuses the call with `GW_CERT_REVOKED`
//!   (or `GW_SESSION_CERT_INVALID`), ends the session when the certificate is revoked, expired
//!   or no longer trusted (journaled), and closes the connection after the answer;
//! - whenever the CRL file changes (looked at on every connection and call, and every
//!   `crl_check_interval` when none comes): every open session's certificates and every live
//!   connection's TLS certificate, ending and closing in the same way ([`sweep`]).
//!
//! A CRL that is out of date (past its nextUpdate) or missing for the issuer refuses the calls
//! but ends nothing: the session resumes once the operator publishes a current CRL.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use rusqlite::{Connection, params};
use sio_sign::{KeyPurpose, SignError};

use crate::certs::sha256_hex;
use crate::clock::{now, stamp};
use crate::error::GwError;
use crate::server::{ConnInfo, Shared};

/// A good check of a certificate is reused for this long at most (and never across a CRL change
/// or past the certificate's end of validity).
const RECHECK_AFTER: Duration = Duration::from_secs(60);
/// Entries of the check cache before it is emptied.
const CACHE_LIMIT: usize = 10_000;

/// What a certificate is to a session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// The TLS client certificate of the connection.
    Tls,
    /// The authentication certificate that signed the login.
    Auth,
    /// A signing certificate of the user's, of a document accepted in the session.
    Sign,
}

impl Kind {
    fn as_str(self) -> &'static str {
        match self {
            Self::Tls => "tls",
            Self::Auth => "auth",
            Self::Sign => "sign",
        }
    }

    fn parse(s: &str) -> Option<Self> {
        match s {
            "tls" => Some(Self::Tls),
            "auth" => Some(Self::Auth),
            "sign" => Some(Self::Sign),
            _ => None,
        }
    }

    fn label(self) -> &'static str {
        match self {
            Self::Tls => "TLS",
            Self::Auth => "authentication",
            Self::Sign => "signing",
        }
    }
}

/// Good checks: certificate SHA-256 → (CRL generation, good until).
#[derive(Debug, Default)]
pub(crate) struct CheckCache(std::sync::Mutex<HashMap<String, (u64, SystemTime)>>);

fn refusal(kind: Kind, e: SignError) -> GwError {
    match e {
        SignError::Revoked { .. } => GwError::CertRevoked(kind.label()),
        other => GwError::SessionCertInvalid(kind.label(), other),
    }
}

/// Does this refusal end the session (revoked, expired, not yet valid, no longer trusted or
/// unreadable), rather than only refuse the call (CRL out of date or missing)?
fn ends_session(e: &GwError) -> bool {
    match e {
        GwError::CertRevoked(_) => true,
        GwError::SessionCertInvalid(_, inner) => !matches!(
            inner,
            SignError::CrlExpired | SignError::CrlInvalid(_) | SignError::RevocationUnknown { .. }
        ),
        _ => false,
    }
}

/// Check one certificate now: validity at the gateway's clock, chain, current CRL.
pub(crate) fn check_cert(sh: &Shared, kind: Kind, sha: &str, der: &[u8]) -> Result<(), GwError> {
    let (checker, generation) = sh.tls.cert_checker()?;
    let at = SystemTime::now();
    {
        let cache = sh.cert_checks.0.lock().unwrap_or_else(|p| p.into_inner());
        if let Some((g, until)) = cache.get(sha) {
            if *g == generation && at < *until {
                return Ok(());
            }
        }
    }
    match checker.check_certificate(der) {
        Ok(summary) => {
            let until = summary.not_after.min(at + RECHECK_AFTER);
            let mut cache = sh.cert_checks.0.lock().unwrap_or_else(|p| p.into_inner());
            if cache.len() >= CACHE_LIMIT {
                cache.clear();
            }
            cache.insert(sha.to_string(), (generation, until));
            Ok(())
        }
        Err(e) => Err(refusal(kind, e)),
    }
}

/// The connection's own TLS certificate, now. On a failure the connection is closed once this
/// call is answered, and when the certificate is revoked, expired or no longer trusted the
/// sessions opened over it end as well.
pub(crate) fn check_connection(sh: &Shared, conn: &ConnInfo) -> Result<(), GwError> {
    let (Some(cert), Some(der)) = (&conn.cert, &conn.cert_der) else {
        return Ok(()); // no certificate: the handlers refuse what needs one
    };
    let Err(e) = check_cert(sh, Kind::Tls, &cert.sha256, der) else {
        return Ok(());
    };
    if let Some(live) = &conn.live {
        live.close();
    }
    tracing::warn!(peer = %conn.peer, code = e.code(), "TLS certificate failed the re-check: connection closed");
    if ends_session(&e) {
        let why = describe(Kind::Tls, &e, der);
        let db = sh.db()?;
        end_sessions_over(sh, &db, &cert.sha256, e.code(), &why)?;
    }
    Err(e)
}

/// End every open session opened over the TLS certificate `tls_sha`.
fn end_sessions_over(
    sh: &Shared,
    db: &Connection,
    tls_sha: &str,
    code: &str,
    why: &str,
) -> Result<(), GwError> {
    let open: Vec<(String, String)> = {
        let mut stmt = db
            .prepare_cached(
                "SELECT token_hash, iin FROM sessions WHERE tls_cert = ?1 AND ended_at IS NULL",
            )
            .map_err(GwError::db("list the sessions of a certificate"))?;
        let rows = stmt
            .query_map([tls_sha], |r| Ok((r.get(0)?, r.get(1)?)))
            .map_err(GwError::db("list the sessions of a certificate"))?;
        rows.collect::<Result<_, _>>()
            .map_err(GwError::db("list the sessions of a certificate"))?
    };
    if open.is_empty() {
        return Ok(());
    }
    for (token_hash, iin) in open {
        end_session(sh, db, &token_hash, &iin, code, why)?;
    }
    crate::auth::erase_codes_of_ended_sessions(db)
}

fn session_certs(
    db: &Connection,
    token_hash: &str,
) -> Result<Vec<(Kind, String, Vec<u8>)>, GwError> {
    let mut stmt = db
        .prepare_cached("SELECT kind, sha256, der FROM session_certs WHERE session = ?1")
        .map_err(GwError::db("load a session's certificates"))?;
    let rows = stmt
        .query_map([token_hash], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, Vec<u8>>(2)?,
            ))
        })
        .map_err(GwError::db("load a session's certificates"))?;
    let mut out = Vec::new();
    for row in rows {
        let (kind, sha, der) = row.map_err(GwError::db("load a session's certificates"))?;
        if let Some(kind) = Kind::parse(&kind) {
            out.push((kind, sha, der));
        }
    }
    Ok(out)
}

/// The session `token_hash` as far as its certificates go.
pub(crate) struct SessionCerts<'a> {
    pub(crate) token_hash: &'a str,
    pub(crate) iin: &'a str,
    pub(crate) tls_sha: &'a str,
    pub(crate) auth_sha: &'a str,
    /// Not ended yet: a failure that ends sessions ends it.
    pub(crate) open: bool,
}

/// Re-check every certificate the session rests on. The connection's TLS certificate is the
/// session's (the caller has compared the hashes) and is checked by [`check_connection`].
pub(crate) fn check_session(
    sh: &Shared,
    db: &Connection,
    s: &SessionCerts<'_>,
) -> Result<(), GwError> {
    let certs = session_certs(db, s.token_hash)?;
    let has_auth = certs
        .iter()
        .any(|(k, sha, _)| *k == Kind::Auth && sha == s.auth_sha);
    if !has_auth && s.auth_sha != s.tls_sha {
        // Opened before certificates were kept (or their record failed): it cannot be re-checked,
        // so it does not go on.
        if s.open {
            end_session(
                sh,
                db,
                s.token_hash,
                s.iin,
                "GW_NO_SESSION",
                "authentication certificate not on record",
            )?;
            crate::auth::erase_codes_of_ended_sessions(db)?;
        }
        return Err(GwError::NoSession);
    }
    for (kind, sha, der) in &certs {
        if let Err(e) = check_cert(sh, *kind, sha, der) {
            if s.open && ends_session(&e) {
                let why = describe(*kind, &e, der);
                end_session(sh, db, s.token_hash, s.iin, e.code(), &why)?;
                crate::auth::erase_codes_of_ended_sessions(db)?;
            }
            return Err(e);
        }
    }
    Ok(())
}

fn describe(kind: Kind, e: &GwError, der: &[u8]) -> String {
    let serial = sio_sign::CertSummary::from_der(der)
        .map(|c| c.serial_hex)
        .unwrap_or_default();
    let what = match e {
        GwError::CertRevoked(_) => "revoked".to_string(),
        GwError::SessionCertInvalid(_, inner) => inner.code().to_string(),
        other => other.code().to_string(),
    };
    format!("{} certificate {serial} {what}", kind.label())
}

/// End a session because a certificate it rests on failed (journaled) and close the connections
/// it was presented over. Its unused SMS codes are voided and blanked by the trigger
/// `otps_end_with_session` in the same statement; the callers truncate the log once
/// ([`crate::auth::erase_codes_of_ended_sessions`]) after ending what they end.
fn end_session(
    sh: &Shared,
    db: &Connection,
    token_hash: &str,
    iin: &str,
    code: &str,
    why: &str,
) -> Result<(), GwError> {
    let at = now();
    let ended = db
        .execute(
            "UPDATE sessions SET ended_at = ?2 WHERE token_hash = ?1 AND ended_at IS NULL",
            params![token_hash, stamp(at)],
        )
        .map_err(GwError::db("end a session"))?;
    if ended > 0 {
        db.execute(
            "INSERT INTO journal (at, user, ip, resource, operation, outcome) VALUES (?1, ?2, 'gateway', 'session', ?3, ?4)",
            params![stamp(at), iin, format!("end session: {why}"), code],
        )
        .map_err(GwError::db("journal the end of a session"))?;
        tracing::warn!(user = %iin, %code, reason = %why, "session ended: a certificate it rests on failed the re-check");
    }
    let one: HashSet<String> = std::iter::once(token_hash.to_string()).collect();
    for live in sh.conns.live() {
        if live.used_any(&one) {
            live.close();
        }
    }
    Ok(())
}

fn insert(db: &Connection, token_hash: &str, kind: Kind, der: &[u8]) -> Result<(), GwError> {
    db.execute(
        "INSERT OR IGNORE INTO session_certs (session, kind, sha256, der) VALUES (?1, ?2, ?3, ?4)",
        params![token_hash, kind.as_str(), sha256_hex(der), der],
    )
    .map_err(GwError::db("keep a session's certificate"))?;
    Ok(())
}

/// Keep the user's own signing certificates of a signed document accepted in the session
/// `token_hash`; other signers (a head co-signing an HR application) are not the session's.
/// Best effort: the document itself was verified against the current CRL already.
pub(crate) fn bind_signers(sh: &Shared, token_hash: &str, iin: &str, body: &[u8]) {
    let Ok(received) = sio_protocol::ReceivedSigned::from_body(body) else {
        return;
    };
    let Ok(certs) = sio_sign::certificates_of(&received.cms_der) else {
        return;
    };
    let mine: Vec<Vec<u8>> = certs
        .into_iter()
        .filter(|der| {
            sio_sign::CertSummary::from_der(der).is_ok_and(|c| c.iin.as_deref() == Some(iin))
                && sio_sign::check_purpose(der, KeyPurpose::DocumentSigning).is_ok()
        })
        .collect();
    if mine.is_empty() {
        return;
    }
    let r = sh.db().and_then(|db| {
        mine.iter()
            .try_for_each(|der| insert(&db, token_hash, Kind::Sign, der))
    });
    if let Err(e) = r {
        tracing::error!(
            code = e.code(),
            "a session's signing certificate could not be kept"
        );
    }
}

/// After a CRL change: re-check every open session's certificates and every live connection's
/// TLS certificate; end the sessions and close the connections that fail. Returns the numbers of
/// sessions ended and connections closed.
///
/// The database is locked only to read the open, unexpired sessions' certificates and again to
/// end the sessions that failed, never while certificates are checked (chain and CRL work on
/// every certificate): calls go on meanwhile. A session ended or expired in between is left as
/// it is (ending is conditional on `ended_at IS NULL`).
pub(crate) fn sweep(sh: &Shared) -> Result<(usize, usize), GwError> {
    let rows: Vec<(String, String, String, String, Vec<u8>)> = {
        let db = sh.db()?;
        let mut stmt = db
            .prepare(
                "SELECT s.token_hash, s.iin, c.kind, c.sha256, c.der
                 FROM sessions s JOIN session_certs c ON c.session = s.token_hash
                 WHERE s.ended_at IS NULL AND s.expires_at > ?1",
            )
            .map_err(GwError::db("list open sessions"))?;
        let rows = stmt
            .query_map([stamp(now())], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
            })
            .map_err(GwError::db("list open sessions"))?;
        rows.collect::<Result<_, _>>()
            .map_err(GwError::db("list open sessions"))?
    };
    // Checked without the database: (token hash, ИИН, code, why) of each session that fails.
    let mut ended: HashSet<String> = HashSet::new();
    let mut failed: Vec<(String, String, &'static str, String)> = Vec::new();
    for (token_hash, iin, kind, sha, der) in rows {
        if ended.contains(&token_hash) {
            continue;
        }
        let Some(kind) = Kind::parse(&kind) else {
            continue;
        };
        if let Err(e) = check_cert(sh, kind, &sha, &der) {
            if ends_session(&e) {
                let why = describe(kind, &e, &der);
                ended.insert(token_hash.clone());
                failed.push((token_hash, iin, e.code(), why));
            }
        }
    }
    if !failed.is_empty() {
        let db = sh.db()?;
        for (token_hash, iin, code, why) in &failed {
            end_session(sh, &db, token_hash, iin, code, why)?;
        }
        // The trigger `otps_end_with_session` voided and blanked the codes as each session ended;
        // this sweeps the rest of the outbox and truncates the log, once.
        crate::auth::erase_codes_of_ended_sessions(&db)?;
    }
    let mut closed = 0;
    for live in sh.conns.live() {
        let fails = live.used_any(&ended)
            || check_cert(sh, Kind::Tls, &live.cert_sha, &live.cert_der)
                .err()
                .is_some_and(|e| ends_session(&e));
        if fails {
            live.close();
            closed += 1;
        }
    }
    if !ended.is_empty() || closed > 0 {
        tracing::warn!(
            sessions = ended.len(),
            connections = closed,
            "CRL change: sessions ended and connections closed"
        );
    }
    Ok((ended.len(), closed))
}

/// Look at the CRL file every `crl_check_interval` (and whenever a call reloaded it), and sweep
/// after every change. Runs until the gateway stops.
pub(crate) async fn watch(sh: Arc<Shared>) {
    let mut swept = sh.tls.generation();
    loop {
        tokio::select! {
            _ = tokio::time::sleep(sh.config.crl_check_interval) => {}
            _ = sh.tls.reloaded.notified() => {}
        }
        let sh2 = sh.clone();
        let done = tokio::task::spawn_blocking(move || {
            sh2.tls.refresh();
            let generation = sh2.tls.generation();
            if generation == swept {
                return Ok(generation);
            }
            sweep(&sh2).map(|_| generation)
        })
        .await;
        match done {
            Ok(Ok(generation)) => swept = generation,
            Ok(Err(e)) => {
                tracing::error!(code = e.code(), error = %e, "revocation sweep failed; retrying")
            }
            Err(e) => tracing::error!(error = %e, "revocation sweep task failed; retrying"),
        }
    }
}
