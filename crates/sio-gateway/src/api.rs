//! The HTTP surface: routes, extractors (connection, body with limit and timeout, session),
//! the admission of every call (body read first, then the connection's certificate re-checked,
//! then a slot of its certificate and of the gateway), the bounded pool for signature checks, and
//! the access journal written for every call.

use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Path, Query, Request, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, Json, Router};
use http_body_util::BodyExt as _;
use rusqlite::params;
use sio_protocol::{Health, OtpCheck, ReportQuery, SessionStage, paths};

use crate::auth::{self, SessionRow, User};
use crate::clock::{astana, now, stamp};
use crate::error::{GwError, OutcomeCode};
use crate::server::{ConnInfo, Shared};

type Sh = State<Arc<Shared>>;

/// Slot the session extractor fills with the user's ИИН, for the journal.
#[derive(Clone, Default)]
struct JournalUser(Arc<Mutex<Option<String>>>);

impl JournalUser {
    fn set(&self, iin: &str) {
        if let Ok(mut g) = self.0.lock() {
            *g = Some(iin.to_string());
        }
    }
    fn take(&self) -> String {
        self.0
            .lock()
            .ok()
            .and_then(|mut g| g.take())
            .unwrap_or_default()
    }
}

/// The request body, read with the size limit and the body timeout (by [`admit`], before the
/// call takes a slot; here it is only taken over).
struct RawBody(Bytes);

impl FromRequest<Arc<Shared>> for RawBody {
    type Rejection = GwError;

    async fn from_request(req: Request, sh: &Arc<Shared>) -> Result<Self, GwError> {
        let (parts, body) = req.into_parts();
        read_body(sh, &parts.headers, body).await.map(RawBody)
    }
}

/// Read a whole body within `max_body_bytes` and `body_timeout`.
async fn read_body(
    sh: &Shared,
    headers: &axum::http::HeaderMap,
    mut body: axum::body::Body,
) -> Result<Bytes, GwError> {
    let limit = sh.config.max_body_bytes;
    // Beyond the limit the body is still read (and dropped) up to this much, so that the
    // client is not cut off mid-write and sees the 413; past it the connection is closed.
    let drain_cap = limit.saturating_mul(4);
    let declared = headers
        .get(axum::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > drain_cap) {
        return Err(GwError::BodyTooLarge(limit));
    }
    let read = async {
        let mut buf: Vec<u8> = Vec::new();
        let mut total = 0usize;
        while let Some(frame) = body.frame().await {
            let Ok(frame) = frame else {
                return Err(GwError::BodyTimeout);
            };
            if let Ok(data) = frame.into_data() {
                total += data.len();
                if total > drain_cap {
                    return Err(GwError::BodyTooLarge(limit));
                }
                if total <= limit {
                    buf.extend_from_slice(&data);
                }
            }
        }
        if total > limit {
            Err(GwError::BodyTooLarge(limit))
        } else {
            Ok(buf)
        }
    };
    match tokio::time::timeout(sh.config.body_timeout, read).await {
        Err(_) => Err(GwError::BodyTimeout),
        Ok(r) => r.map(Bytes::from),
    }
}

/// Admission of every call. First its body is read whole (size limit, body timeout) and the
/// connection's TLS certificate is checked again (revocation, validity now; not for
/// `/v1/health`); only then does the call wait for a slot of its client certificate
/// (`max_in_flight_per_cert`) and one of the gateway (`max_in_flight`). So a slow sender holds
/// its own connection only, never a slot the others wait for, and one certificate cannot take
/// all the slots.
async fn admit(State(sh): Sh, req: Request, next: Next) -> Response {
    let conn = req.extensions().get::<Arc<ConnInfo>>().cloned();
    let (parts, body) = req.into_parts();
    let bytes = match read_body(&sh, &parts.headers, body).await {
        Ok(b) => b,
        Err(e) => return e.into_response(),
    };
    if parts.uri.path() != paths::HEALTH {
        if let Some(c) = &conn {
            if let Err(e) = crate::revocation::check_connection(&sh, c) {
                return e.into_response();
            }
        }
    }
    let per_cert = conn
        .as_ref()
        .and_then(|c| c.live.as_ref())
        .map(|l| l.in_flight.clone());
    let _cert_slot = match per_cert {
        Some(slots) => slots.acquire_owned().await.ok(),
        None => None,
    };
    let Ok(_slot) = sh.in_flight.clone().acquire_owned().await else {
        return GwError::Internal("the in-flight limit is closed".into()).into_response();
    };
    next.run(Request::from_parts(parts, axum::body::Body::from(bytes)))
        .await
}

/// Run CPU-heavy work (signature checks, face matching) on the bounded blocking pool
/// (`verify_workers`), never on the async workers that serve the other connections.
///
/// The slot is held by the blocking task itself, not by the future awaiting it: a call dropped
/// meanwhile (client gone, connection closed) does not free the slot while its check still runs,
/// so no more than `verify_workers` checks ever run at once.
async fn cpu<T: Send + 'static>(
    sh: &Arc<Shared>,
    f: impl FnOnce() -> Result<T, GwError> + Send + 'static,
) -> Result<T, GwError> {
    let permit = sh
        .cpu
        .clone()
        .acquire_owned()
        .await
        .map_err(|_| GwError::Internal("the worker pool is closed".into()))?;
    tokio::task::spawn_blocking(move || {
        let _permit = permit;
        f()
    })
    .await
    .map_err(|e| GwError::Internal(format!("worker: {e}")))?
}

/// A valid session of any stage, presented over the TLS certificate it was opened with.
/// The session token of `Authorization: Bearer …`.
fn bearer(headers: &axum::http::HeaderMap) -> Result<String, GwError> {
    Ok(headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .ok_or(GwError::NoSession)?
        .trim()
        .to_string())
}

struct Session {
    row: SessionRow,
    user: User,
}

impl FromRequestParts<Arc<Shared>> for Session {
    type Rejection = GwError;

    async fn from_request_parts(parts: &mut Parts, sh: &Arc<Shared>) -> Result<Self, GwError> {
        let token = bearer(&parts.headers)?;
        let conn = parts
            .extensions
            .get::<Arc<ConnInfo>>()
            .cloned()
            .ok_or_else(|| GwError::Internal("no connection info".into()))?;
        // Reads (and now and then a session touch): off the async workers.
        let sh2 = sh.clone();
        let (row, user) = tokio::task::spawn_blocking(move || auth::session(&sh2, &conn, &token))
            .await
            .map_err(|e| GwError::Internal(format!("session check: {e}")))??;
        if let Some(slot) = parts.extensions.get::<JournalUser>() {
            slot.set(&user.iin);
        }
        Ok(Session { row, user })
    }
}

fn active(s: &Session) -> Result<(), GwError> {
    match s.row.stage {
        SessionStage::Active => Ok(()),
        SessionStage::Consent => Err(GwError::ConsentRequired),
        SessionStage::SecondFactor => Err(GwError::WrongStage("pass the second factor first")),
    }
}

async fn health() -> Json<Health> {
    Json(Health {
        status: "ok".into(),
        version: sio_protocol::VERSION.into(),
        gateway_time: astana(now()),
    })
}

async fn challenge(
    State(sh): Sh,
    Extension(conn): Extension<Arc<ConnInfo>>,
) -> Result<impl IntoResponse, GwError> {
    let challenge = tokio::task::spawn_blocking(move || auth::challenge(&sh, &conn))
        .await
        .map_err(|e| GwError::Internal(format!("login challenge: {e}")))??;
    Ok(Json(challenge))
}

async fn login(
    State(sh): Sh,
    Extension(conn): Extension<Arc<ConnInfo>>,
    Extension(slot): Extension<JournalUser>,
    RawBody(body): RawBody,
) -> Result<impl IntoResponse, GwError> {
    let sh2 = sh.clone();
    let (r, who) = cpu(&sh, move || {
        let mut who = None;
        // The session is stored with the certificates it rests on (re-checked from now on).
        let r = auth::login(&sh2, &conn, &body, &mut who);
        Ok((r, who))
    })
    .await?;
    if let Some(iin) = who {
        slot.set(&iin);
    }
    Ok(Json(r?))
}

async fn send_otp(State(sh): Sh, s: Session) -> Result<impl IntoResponse, GwError> {
    Ok(Json(auth::send_otp(&sh, &s.row, &s.user)?))
}

async fn verify_otp(
    State(sh): Sh,
    mut s: Session,
    RawBody(body): RawBody,
) -> Result<impl IntoResponse, GwError> {
    let check: OtpCheck = serde_json::from_slice(&body)
        .map_err(|e| sio_protocol::ProtocolError::MalformedJson(e.to_string()))?;
    Ok(Json(auth::verify_otp(
        &sh,
        &mut s.row,
        &s.user,
        check.code.expose(),
    )?))
}

async fn biometric(s: Session, RawBody(body): RawBody) -> Result<Response, GwError> {
    let _sample: sio_protocol::BiometricSample = serde_json::from_slice(&body)
        .map_err(|e| sio_protocol::ProtocolError::MalformedJson(e.to_string()))?;
    if s.row.stage != SessionStage::SecondFactor {
        return Err(GwError::WrongStage(
            "the second factor has already been passed",
        ));
    }
    Err(GwError::FactorUnavailable)
}

async fn face_challenge(State(sh): Sh, s: Session) -> Result<impl IntoResponse, GwError> {
    Ok(Json(crate::face::challenge(&sh, &s.row, &s.user)?))
}

async fn verify_face(
    State(sh): Sh,
    Extension(conn): Extension<Arc<ConnInfo>>,
    s: Session,
    RawBody(body): RawBody,
) -> Result<impl IntoResponse, GwError> {
    // Detection and embeddings take a few hundred milliseconds of CPU: off the async workers.
    let Session { mut row, user } = s;
    let sh2 = sh.clone();
    let info = cpu(&sh, move || {
        crate::face::verify(&sh2, &conn, &mut row, &user, &body)
    })
    .await?;
    Ok(Json(info))
}

async fn fingerprint_challenge(State(sh): Sh, s: Session) -> Result<impl IntoResponse, GwError> {
    Ok(Json(crate::fingerprint::challenge(&sh, &s.row, &s.user)?))
}

async fn verify_fingerprint(
    State(sh): Sh,
    mut s: Session,
    RawBody(body): RawBody,
) -> Result<impl IntoResponse, GwError> {
    let sh2 = sh.clone();
    let info = cpu(&sh, move || {
        crate::fingerprint::verify(&sh2, &mut s.row, &s.user, &body)
    })
    .await?;
    Ok(Json(info))
}

async fn fingerprint_enrol(
    State(sh): Sh,
    s: Session,
    RawBody(body): RawBody,
) -> Result<impl IntoResponse, GwError> {
    active(&s)?;
    Ok((
        StatusCode::CREATED,
        Json(crate::fingerprint::enrol(&sh, &s.row, &s.user, &body)?),
    ))
}

async fn fingerprint_enrolments(State(sh): Sh, s: Session) -> Result<impl IntoResponse, GwError> {
    active(&s)?;
    let conn = sh.db()?;
    Ok(Json(crate::fingerprint::enrolments(&conn, &s.user.iin)?))
}

async fn unlock(
    State(sh): Sh,
    Extension(conn): Extension<Arc<ConnInfo>>,
    Extension(slot): Extension<JournalUser>,
    headers: axum::http::HeaderMap,
    RawBody(body): RawBody,
) -> Result<impl IntoResponse, GwError> {
    let token = bearer(&headers)?;
    let sh2 = sh.clone();
    let (r, who) = cpu(&sh, move || {
        let mut who = None;
        let r = auth::unlock(&sh2, &conn, &token, &body, &mut who);
        Ok((r, who))
    })
    .await?;
    if let Some(iin) = who {
        slot.set(&iin);
    }
    Ok(Json(r?))
}

async fn session_get(s: Session) -> Result<impl IntoResponse, GwError> {
    Ok(Json(auth::session_info(&s.row, &s.user)))
}

/// `DELETE /v1/session`: not through the [`Session`] extractor, which refuses a session locked
/// after the idle minutes — logging out must work in every state of an open session.
async fn logout(
    State(sh): Sh,
    Extension(conn): Extension<Arc<ConnInfo>>,
    Extension(slot): Extension<JournalUser>,
    headers: axum::http::HeaderMap,
) -> Result<impl IntoResponse, GwError> {
    let token = bearer(&headers)?;
    let iin = auth::logout(&sh, &conn, &token)?;
    slot.set(&iin);
    Ok(StatusCode::NO_CONTENT)
}

async fn consent_text(State(sh): Sh, s: Session) -> Result<impl IntoResponse, GwError> {
    if s.row.stage == SessionStage::SecondFactor {
        return Err(GwError::WrongStage("pass the second factor first"));
    }
    let sh2 = sh.clone();
    let text = cpu(&sh, move || crate::consent::text_for(&sh2, &s.row, &s.user)).await?;
    Ok(Json(text))
}

async fn consent_sign(
    State(sh): Sh,
    mut s: Session,
    RawBody(body): RawBody,
) -> Result<impl IntoResponse, GwError> {
    let sh2 = sh.clone();
    let info = cpu(&sh, move || {
        let info = crate::consent::sign_consent(&sh2, &mut s.row, &s.user, &body)?;
        crate::revocation::bind_signers(&sh2, &s.row.token_hash, &s.user.iin, &body);
        Ok(info)
    })
    .await?;
    Ok(Json(info))
}

async fn submit_request(
    State(sh): Sh,
    s: Session,
    RawBody(body): RawBody,
) -> Result<impl IntoResponse, GwError> {
    active(&s)?;
    // Signature, rules and reads on the bounded pool; then one job of the writer (the request
    // and the session's signing certificate), answered once its batch is synced.
    let sh2 = sh.clone();
    let checked = cpu(&sh, move || {
        crate::requests::check(&sh2, &s.user, &s.row.token_hash, &body)
    })
    .await?;
    let status = crate::requests::store(&sh, checked).await?;
    let code = if status.duplicate {
        StatusCode::OK
    } else {
        StatusCode::ACCEPTED
    };
    Ok((code, Json(status)))
}

async fn record_export(
    State(sh): Sh,
    s: Session,
    RawBody(body): RawBody,
) -> Result<impl IntoResponse, GwError> {
    active(&s)?;
    let sh2 = sh.clone();
    let (receipt, new) = cpu(&sh, move || {
        let r = crate::requests::export(&sh2, &s.user, &body)?;
        crate::revocation::bind_signers(&sh2, &s.row.token_hash, &s.user.iin, &body);
        Ok(r)
    })
    .await?;
    let code = if new {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((code, Json(receipt)))
}

async fn list_requests(State(sh): Sh, s: Session) -> Result<impl IntoResponse, GwError> {
    active(&s)?;
    let list = tokio::task::spawn_blocking(move || crate::requests::list(&sh, &s.user))
        .await
        .map_err(|e| GwError::Internal(format!("list requests: {e}")))??;
    Ok(Json(list))
}

fn uuid_path(id: &str, not_found: GwError) -> Result<String, GwError> {
    uuid::Uuid::parse_str(id)
        .map(|u| u.to_string())
        .map_err(|_| not_found)
}

async fn request_status(
    State(sh): Sh,
    s: Session,
    Path(id): Path<String>,
) -> Result<impl IntoResponse, GwError> {
    active(&s)?;
    let id = uuid_path(&id, GwError::RequestNotFound)?;
    let status = tokio::task::spawn_blocking(move || crate::requests::status(&sh, &s.user, &id))
        .await
        .map_err(|e| GwError::Internal(format!("request status: {e}")))??;
    Ok(Json(status))
}

async fn request_result(
    State(sh): Sh,
    s: Session,
    Path(id): Path<String>,
) -> Result<impl IntoResponse, GwError> {
    active(&s)?;
    let id = uuid_path(&id, GwError::RequestNotFound)?;
    // The first delivery renders the PDF: on the bounded pool.
    let sh2 = sh.clone();
    let result = cpu(&sh, move || crate::requests::result(&sh2, &s.user, &id)).await?;
    Ok(Json(result))
}

async fn submit_application(
    State(sh): Sh,
    s: Session,
    RawBody(body): RawBody,
) -> Result<impl IntoResponse, GwError> {
    active(&s)?;
    let sh2 = sh.clone();
    let status = cpu(&sh, move || {
        let r = crate::hr::submit(&sh2, &s.user, &body)?;
        crate::revocation::bind_signers(&sh2, &s.row.token_hash, &s.user.iin, &body);
        Ok(r)
    })
    .await?;
    Ok((StatusCode::ACCEPTED, Json(status)))
}

async fn application_status(
    State(sh): Sh,
    s: Session,
    Path(id): Path<String>,
) -> Result<impl IntoResponse, GwError> {
    active(&s)?;
    let id = uuid_path(&id, GwError::ApplicationNotFound)?;
    Ok(Json(crate::hr::status(&sh, &s.user, &id)?))
}

/// `GET /v1/notices` (2015 rr.38, 43, 44): any active session; read-only.
async fn notices(State(sh): Sh, s: Session) -> Result<impl IntoResponse, GwError> {
    active(&s)?;
    let conn = sh.db()?;
    Ok(Json(crate::notices::current(&conn)?))
}

async fn report(
    State(sh): Sh,
    s: Session,
    q: Result<Query<ReportQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<impl IntoResponse, GwError> {
    active(&s)?;
    let Query(q) = q.map_err(|_| GwError::BadPeriod("give from and to as YYYY-MM-DD"))?;
    Ok(Json(crate::requests::report(&sh, &s.user, q.from, q.to)?))
}

/// `GET /v1/staff` (HR officers of a body: their staff's last logins, Appendix 6 §11.2).
async fn staff(State(sh): Sh, s: Session) -> Result<impl IntoResponse, GwError> {
    active(&s)?;
    let sh2 = sh.clone();
    let list = cpu(&sh, move || {
        let conn = sh2.reader()?;
        crate::absence::staff(&conn, &s.user)
    })
    .await?;
    Ok(Json(list))
}

async fn not_found() -> GwError {
    GwError::NotFound
}

/// The path with ids replaced by `{id}`: the "logical part of the resource" of the journal.
fn resource_of(path: &str) -> String {
    path.split('/')
        .map(|seg| {
            if uuid::Uuid::parse_str(seg).is_ok() {
                "{id}"
            } else {
                seg
            }
        })
        .collect::<Vec<_>>()
        .join("/")
        .chars()
        .take(200)
        .collect()
}

async fn journal(State(sh): Sh, mut req: Request, next: Next) -> Response {
    let slot = JournalUser::default();
    req.extensions_mut().insert(slot.clone());
    let conn = req.extensions().get::<Arc<ConnInfo>>().cloned();
    let ip = conn
        .as_ref()
        .map(|c| c.peer.ip().to_string())
        .unwrap_or_default();
    let resource = resource_of(req.uri().path());
    let operation = match sio_protocol::openapi::operation_id(req.method().as_str(), &resource) {
        Some(op) => format!("{} {op}", req.method()),
        None => req.method().to_string(),
    };
    let resp = next.run(req).await;
    let outcome = match resp.extensions().get::<OutcomeCode>() {
        Some(c) => c.0.to_string(),
        None if resp.status().is_success() => "ok".to_string(),
        None => format!("HTTP_{}", resp.status().as_u16()),
    };
    let mut user = slot.take();
    if user.is_empty() {
        // Before a session exists, a personal TLS certificate still names the user.
        user = conn
            .and_then(|c| c.cert.as_ref().and_then(|p| p.iin.clone()))
            .unwrap_or_default();
    }
    tracing::info!(user = %user, %ip, %resource, %operation, %outcome, "access");
    // A job of the writer, awaited: the call is answered once its record is on disk (in the
    // same batch commit as the writes of many other calls). `/v1/health` acknowledges nothing
    // and must stay fast under load: its record goes into the next commit without waiting.
    let health = resource == paths::HEALTH;
    let at = stamp(now());
    let job = move |c: &rusqlite::Connection| {
        c.prepare_cached(
            "INSERT INTO journal (at, user, ip, resource, operation, outcome) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        )
        .and_then(|mut st| st.execute(params![at, user, ip, resource, operation, outcome]))
        .map(drop)
        .map_err(GwError::db("write the access journal"))
    };
    let written = if health {
        sh.writer.write_detached(job)
    } else {
        sh.writer.write(job).await
    };
    if let Err(e) = written {
        tracing::error!(error = %e, "access journal write failed");
    }
    resp
}

pub(crate) fn router(sh: Arc<Shared>) -> Router {
    Router::new()
        .route(paths::HEALTH, get(health))
        .route(paths::LOGIN_CHALLENGE, post(challenge))
        .route(paths::LOGIN, post(login))
        .route(paths::LOGIN_OTP, post(send_otp))
        .route(paths::LOGIN_OTP_VERIFY, post(verify_otp))
        .route(paths::LOGIN_BIOMETRIC, post(biometric))
        .route(paths::LOGIN_FACE_CHALLENGE, post(face_challenge))
        .route(paths::LOGIN_FACE, post(verify_face))
        .route(
            paths::LOGIN_FINGERPRINT_CHALLENGE,
            post(fingerprint_challenge),
        )
        .route(paths::LOGIN_FINGERPRINT, post(verify_fingerprint))
        .route(
            paths::FINGERPRINT_ENROLMENTS,
            post(fingerprint_enrol).get(fingerprint_enrolments),
        )
        .route(paths::SESSION, get(session_get).delete(logout))
        .route(paths::SESSION_UNLOCK, post(unlock))
        .route(paths::CONSENT, get(consent_text).post(consent_sign))
        .route(paths::REQUESTS, post(submit_request).get(list_requests))
        .route(paths::REQUEST, get(request_status))
        .route(paths::REQUEST_RESULT, get(request_result))
        .route(paths::APPLICATIONS, post(submit_application))
        .route(paths::APPLICATION, get(application_status))
        .route(paths::EXPORTS, post(record_export))
        .route(paths::REPORTS, get(report))
        .route(paths::STAFF, get(staff))
        .route(paths::NOTICES, get(notices))
        .fallback(not_found)
        .method_not_allowed_fallback(not_found)
        .layer(middleware::from_fn_with_state(sh.clone(), admit))
        .layer(middleware::from_fn_with_state(sh.clone(), journal))
        .with_state(sh)
}
