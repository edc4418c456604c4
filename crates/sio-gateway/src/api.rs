//! The HTTP surface: routes, extractors (connection, body with limit and timeout, session),
//! and the access journal written for every call.

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

/// The request body, read with the size limit and the body timeout.
struct RawBody(Bytes);

impl FromRequest<Arc<Shared>> for RawBody {
    type Rejection = GwError;

    async fn from_request(req: Request, sh: &Arc<Shared>) -> Result<Self, GwError> {
        let limit = sh.config.max_body_bytes;
        // Beyond the limit the body is still read (and dropped) up to this much, so that the
        // client is not cut off mid-write and sees the 413; past it the connection is closed.
        let drain_cap = limit.saturating_mul(4);
        let declared = req
            .headers()
            .get(axum::http::header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<usize>().ok());
        if declared.is_some_and(|n| n > drain_cap) {
            return Err(GwError::BodyTooLarge(limit));
        }
        let mut body = req.into_body();
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
            Ok(r) => r.map(|b| RawBody(Bytes::from(b))),
        }
    }
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
        let (row, user) = auth::session(sh, &conn, &token)?;
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
    Ok(Json(auth::challenge(&sh, &conn)?))
}

async fn login(
    State(sh): Sh,
    Extension(conn): Extension<Arc<ConnInfo>>,
    Extension(slot): Extension<JournalUser>,
    RawBody(body): RawBody,
) -> Result<impl IntoResponse, GwError> {
    let mut who = None;
    let r = auth::login(&sh, &conn, &body, &mut who);
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
    let info = tokio::task::spawn_blocking(move || {
        crate::face::verify(&sh, &conn, &mut row, &user, &body)
    })
    .await
    .map_err(|e| GwError::Internal(format!("face check: {e}")))??;
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
    Ok(Json(crate::fingerprint::verify(
        &sh, &mut s.row, &s.user, &body,
    )?))
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
    let mut who = None;
    let r = auth::unlock(&sh, &conn, &token, &body, &mut who);
    if let Some(iin) = who {
        slot.set(&iin);
    }
    Ok(Json(r?))
}

async fn session_get(s: Session) -> Result<impl IntoResponse, GwError> {
    Ok(Json(auth::session_info(&s.row, &s.user)))
}

async fn logout(State(sh): Sh, s: Session) -> Result<impl IntoResponse, GwError> {
    auth::logout(&sh, &s.row)?;
    Ok(StatusCode::NO_CONTENT)
}

async fn consent_text(s: Session) -> Result<impl IntoResponse, GwError> {
    if s.row.stage == SessionStage::SecondFactor {
        return Err(GwError::WrongStage("pass the second factor first"));
    }
    Ok(Json(auth::consent_text()))
}

async fn consent_sign(
    State(sh): Sh,
    mut s: Session,
    RawBody(body): RawBody,
) -> Result<impl IntoResponse, GwError> {
    Ok(Json(auth::sign_consent(&sh, &mut s.row, &s.user, &body)?))
}

async fn submit_request(
    State(sh): Sh,
    s: Session,
    RawBody(body): RawBody,
) -> Result<impl IntoResponse, GwError> {
    active(&s)?;
    let (status, ticket) = crate::requests::submit(&sh, &s.user, &body)?;
    if let Some(ticket) = ticket {
        let sh = sh.clone();
        tokio::task::spawn_blocking(move || sh.commits.wait(ticket))
            .await
            .map_err(|e| GwError::Internal(format!("group commit: {e}")))??;
    }
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
    let (receipt, new) = crate::requests::export(&sh, &s.user, &body)?;
    let code = if new {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((code, Json(receipt)))
}

async fn list_requests(State(sh): Sh, s: Session) -> Result<impl IntoResponse, GwError> {
    active(&s)?;
    Ok(Json(crate::requests::list(&sh, &s.user)?))
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
    Ok(Json(crate::requests::status(&sh, &s.user, &id)?))
}

async fn request_result(
    State(sh): Sh,
    s: Session,
    Path(id): Path<String>,
) -> Result<impl IntoResponse, GwError> {
    active(&s)?;
    let id = uuid_path(&id, GwError::RequestNotFound)?;
    Ok(Json(crate::requests::result(&sh, &s.user, &id)?))
}

async fn submit_application(
    State(sh): Sh,
    s: Session,
    RawBody(body): RawBody,
) -> Result<impl IntoResponse, GwError> {
    active(&s)?;
    Ok((
        StatusCode::ACCEPTED,
        Json(crate::hr::submit(&sh, &s.user, &body)?),
    ))
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

async fn report(
    State(sh): Sh,
    s: Session,
    q: Result<Query<ReportQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<impl IntoResponse, GwError> {
    active(&s)?;
    let Query(q) = q.map_err(|_| GwError::BadPeriod("give from and to as YYYY-MM-DD"))?;
    Ok(Json(crate::requests::report(&sh, &s.user, q.from, q.to)?))
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
    match sh.db() {
        Ok(conn) => {
            if let Err(e) = conn.execute(
                "INSERT INTO journal (at, user, ip, resource, operation, outcome) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![stamp(now()), user, ip, resource, operation, outcome],
            ) {
                tracing::error!(error = %e, "access journal write failed");
            }
        }
        Err(e) => tracing::error!(error = %e, "access journal unavailable"),
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
        .fallback(not_found)
        .method_not_allowed_fallback(not_found)
        .layer(middleware::from_fn_with_state(sh.clone(), journal))
        .layer(tower::limit::GlobalConcurrencyLimitLayer::new(
            sh.config.max_in_flight.max(1),
        ))
        .with_state(sh)
}
