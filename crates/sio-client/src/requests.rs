//! Requests for information: compose (only what the rules allow), show, sign on the token, send,
//! follow, fetch the result.
//!
//! 1. [`compose`] turns a [`sio_core::RequestSpec`] into the wire [`RequestDocument`] with a fresh
//!    request id, **only** if [`sio_core::RequestSpec::check`] allows it: a forbidden request
//!    cannot be built (the `CORE_*` code says why);
//! 2. [`preview`] is the exact text that will be signed (the canonical bytes), shown to the user;
//! 3. [`sign`] signs it on the token (CMS);
//! 4. [`submit`], [`status`], [`result`] and [`wait_for_result`] talk to the gateway. Submitting
//!    the same signed document again is safe: the gateway answers with the same request.
//!
//! # Which key signs, and how many PINs a batch takes
//!
//! The gateway verifies request documents with the **document-signing** certificate (key
//! purpose emailProtection; `sio-gateway` `verify.rs`, `Verifiers::document`). On a PIV card that
//! key is in slot 9C, whose PIN policy is *PIN-always*: the card wants the PIN right before
//! each signature. The authentication key in slot 9A (verified once per card session) signs the
//! TLS handshake and the login only; the gateway refuses a request signed with it. So a batch
//! of requests ([`sign_batch`]) asks for the PIN once **per request** on a PIV card
//! ([`CardKey::pin_always_signer`]); a token whose signing key is not PIN-always could sign a
//! batch after one PIN entry, through any [`Signer`] given to [`sign`].

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;
use sio_core::{CoreError, RequestSpec};
use sio_protocol::{
    Article, BasisKey, CaseReference, RequestDocType, RequestDocument, RequestList, RequestState,
    RequestStatus, ResultDelivery, Secret, Signed, Subject, paths,
};
use sio_sign::{SignOptions, Signer};
use sio_token::{CardBackend, Pin, PivSlot};
use thiserror::Error;
use uuid::Uuid;

use crate::card::CardKey;
use crate::channel::{Channel, Retry};
use crate::error::ClientError;
use crate::refusal::GatewayRefusal;
use crate::session::Session;

/// Why a request could not be composed, signed, sent or followed.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum RequestError {
    /// The rules forbid this request (role × basis × service, the article, the case's basis).
    #[error("the request is not allowed: {0}")]
    Rule(#[from] CoreError),
    /// The channel or the gateway refused or failed.
    #[error(transparent)]
    Client(#[from] ClientError),
    /// The document could not be put into canonical form.
    #[error("the request document has no canonical form: {0}")]
    Canonical(String),
    /// The result did not become ready before the deadline.
    #[error("the result of request {0} was not ready in time")]
    ResultTimeout(Uuid),
    /// The card could not give a signer for the signing key.
    #[error(transparent)]
    Token(#[from] sio_token::TokenError),
    /// The outbox could not be read or written.
    #[error(transparent)]
    Outbox(Box<crate::outbox::OutboxError>),
    /// Only a request refused as stale (`GW_CLOCK_SKEW`) may be signed again under its id.
    #[error("request {0} was not refused as stale; it cannot be signed again under the same id")]
    NotResignable(Uuid),
    /// The result could not be stored in the vault.
    #[error(transparent)]
    Vault(#[from] sio_vault::VaultError),
    /// A signature could not be made.
    #[error(transparent)]
    Sign(#[from] sio_sign::SignError),
}

impl RequestError {
    /// The stable code (`CORE_*` for a forbidden request, the gateway's or the channel's code).
    pub fn code(&self) -> &str {
        match self {
            RequestError::Rule(e) => e.code(),
            RequestError::Client(e) => e.code(),
            RequestError::Canonical(_) => "CLIENT_REQUEST_CANONICAL",
            RequestError::ResultTimeout(_) => "CLIENT_RESULT_TIMEOUT",
            RequestError::Token(e) => e.code(),
            RequestError::Vault(e) => e.code(),
            RequestError::Outbox(e) => e.code(),
            RequestError::NotResignable(_) => "CLIENT_NOT_RESIGNABLE",
            RequestError::Sign(e) => e.code(),
        }
    }
}

/// The wire form of an allowed request by `user_iin`, with a fresh request id (UUID v4) and the
/// current Astana time. A request the rules forbid is refused here with its `CORE_*` code.
pub fn compose(spec: &RequestSpec, user_iin: &str) -> Result<RequestDocument, RequestError> {
    spec.check()?;
    let shape = |e: serde_json::Error| RequestError::Canonical(e.to_string());
    // The wire types have the JSON shapes of sio-core's types (checked in sio-protocol's tests).
    let case: CaseReference =
        serde_json::from_value(serde_json::to_value(&spec.case).map_err(shape)?).map_err(shape)?;
    let subject: Subject =
        serde_json::from_value(serde_json::to_value(spec.subject).map_err(shape)?)
            .map_err(shape)?;
    let basis: BasisKey =
        serde_json::from_value(serde_json::Value::String(spec.basis.key().to_owned()))
            .map_err(shape)?;
    Ok(RequestDocument {
        doc: RequestDocType::V1,
        request_id: Uuid::new_v4(),
        user_iin: user_iin.to_owned(),
        role: spec.role.number(),
        basis,
        service: spec.service.number(),
        case,
        subject,
        article: spec.article.map(|a| Article {
            article: a.article(),
            part: a.part(),
        }),
        signed_at: crate::session::now_astana(),
    })
}

/// The exact text the user signs: the document's canonical bytes as UTF-8.
pub fn preview(doc: &RequestDocument) -> Result<String, RequestError> {
    let bytes = Signed::canonical_bytes(doc).map_err(|e| RequestError::Canonical(e.to_string()))?;
    String::from_utf8(bytes).map_err(|e| RequestError::Canonical(e.to_string()))
}

/// Sign `doc` (CMS over its canonical bytes) with the document-signing key.
pub fn sign(
    doc: RequestDocument,
    signer: &mut dyn Signer,
) -> Result<Signed<RequestDocument>, RequestError> {
    Ok(crate::session::sign_document(doc, &mut [signer])?)
}

/// Compose and sign several requests (several subjects or services) in one card session. On a
/// PIV card the signing key (slot 9C) is PIN-always, so `pin` is asked once per request, with the
/// document about to be signed (the UI shows its [`preview`]). Stops at the first refusal.
pub fn sign_batch<B: CardBackend + Send + Sync>(
    key: &Arc<CardKey<B>>,
    specs: &[RequestSpec],
    user_iin: &str,
    mut pin: impl FnMut(&RequestDocument) -> Pin,
) -> Result<Vec<Signed<RequestDocument>>, RequestError> {
    // Every request is checked before the first PIN is asked.
    let docs = specs
        .iter()
        .map(|s| compose(s, user_iin))
        .collect::<Result<Vec<_>, _>>()?;
    let mut out = Vec::with_capacity(docs.len());
    for doc in docs {
        let mut signer = key.pin_always_signer(PivSlot::Signature, pin(&doc))?;
        out.push(sign(doc, &mut signer)?);
    }
    Ok(out)
}

fn with_id(template: &str, id: Uuid) -> String {
    template.replace("{id}", &id.to_string())
}

/// Send a signed request. Safe to repeat: the request id makes a resend return the same request
/// (`duplicate: true`), so transient failures are retried.
pub async fn submit(
    channel: &Channel,
    session: &Session,
    signed: &Signed<RequestDocument>,
) -> Result<RequestStatus, RequestError> {
    Ok(channel
        .post(
            paths::REQUESTS,
            signed,
            Some(session.token()),
            Retry::Idempotent,
        )
        .await?)
}

/// Where one request stands.
pub async fn status(
    channel: &Channel,
    session: &Session,
    id: Uuid,
) -> Result<RequestStatus, RequestError> {
    status_with(channel, session.token(), id).await
}

async fn status_with(
    channel: &Channel,
    token: &Secret,
    id: Uuid,
) -> Result<RequestStatus, RequestError> {
    Ok(channel
        .get(&with_id(paths::REQUEST, id), Some(token))
        .await?)
}

/// The user's own requests, newest first.
pub async fn list(channel: &Channel, session: &Session) -> Result<RequestList, RequestError> {
    Ok(channel.get(paths::REQUESTS, Some(session.token())).await?)
}

/// The result of a request; `GW_RESULT_NOT_READY` until it is ready.
pub async fn result(
    channel: &Channel,
    session: &Session,
    id: Uuid,
) -> Result<ResultDelivery, RequestError> {
    result_with(channel, session.token(), id).await
}

async fn result_with(
    channel: &Channel,
    token: &Secret,
    id: Uuid,
) -> Result<ResultDelivery, RequestError> {
    Ok(channel
        .get(&with_id(paths::REQUEST_RESULT, id), Some(token))
        .await?)
}

/// Poll until the result is ready, then fetch it; `progress` is told each status seen and the time
/// waited so far. Gives up with `CLIENT_RESULT_TIMEOUT` after `deadline`.
pub async fn wait_for_result(
    channel: &Channel,
    session: &Session,
    id: Uuid,
    deadline: Duration,
    progress: impl FnMut(&RequestStatus, Duration),
) -> Result<ResultDelivery, RequestError> {
    wait_for_result_with(channel, session.token(), id, deadline, progress).await
}

/// [`wait_for_result`] with only the session's bearer `token` (a clone of [`Session::token`]),
/// so a caller that keeps its session behind a lock (the desktop app) does not hold the lock
/// while it waits. The one waiting loop.
pub async fn wait_for_result_with(
    channel: &Channel,
    token: &Secret,
    id: Uuid,
    deadline: Duration,
    mut progress: impl FnMut(&RequestStatus, Duration),
) -> Result<ResultDelivery, RequestError> {
    let start = Instant::now();
    let mut pause = Duration::from_millis(100);
    loop {
        let st = status_with(channel, token, id).await?;
        progress(&st, start.elapsed());
        if st.state == RequestState::Ready {
            match result_with(channel, token, id).await {
                Err(e) if e.refusal() == Some(GatewayRefusal::ResultNotReady) => {}
                other => return other,
            }
        }
        if start.elapsed() + pause > deadline {
            return Err(RequestError::ResultTimeout(id));
        }
        tokio::time::sleep(pause).await;
        pause = (pause * 2).min(Duration::from_secs(5));
    }
}

/// Put a delivered result into the vault (encrypted at rest under a fresh key, until viewed and
/// closed) and drop the delivery. The whole delivery — the table and the PDF (base64) — is one
/// JSON result; [`sio_vault::Vault::view`] gives it back in a zeroizing buffer and
/// [`sio_vault::ViewedResult::close`] shreds it. The serialised copy is zeroized here; the
/// delivery's own strings are freed (not wiped) when it is dropped, so callers should store a
/// result as soon as it arrives.
pub fn receive(
    vault: &sio_vault::Vault,
    delivery: ResultDelivery,
) -> Result<sio_vault::ResultId, RequestError> {
    let plaintext = zeroize::Zeroizing::new(
        serde_json::to_vec(&delivery).map_err(|e| RequestError::Canonical(e.to_string()))?,
    );
    let meta = sio_vault::ResultMeta {
        request_id: delivery.request_id.to_string(),
        kind: sio_vault::ResultKind::Json,
        received_at: Utc::now(),
    };
    drop(delivery);
    Ok(vault.store(meta, &plaintext)?)
}

/// Attach a viewed result to case materials (rule 48 as of Order 88/2024) — the one lawful way to
/// keep a result beyond viewing. The result is written to `dest` with a detached signature beside
/// it (`file_signer`), journaled in the vault, and the gateway is told with a signed notice
/// (`notice_signer`; `sio.export/v1`) that supervisors see in the export reports. Two signatures:
/// on a PIN-always signing key each asks for the PIN.
#[allow(clippy::too_many_arguments)]
pub async fn attach_to_case(
    channel: &Channel,
    session: &Session,
    viewed: &sio_vault::ViewedResult,
    request_id: Uuid,
    dest: &std::path::Path,
    reason: &str,
    file_signer: &mut dyn Signer,
    notice_signer: &mut dyn Signer,
) -> Result<(sio_vault::ExportReceipt, sio_protocol::ExportReceipt), RequestError> {
    let local = viewed.export(dest, reason, &mut |bytes: &[u8]| {
        sio_sign::sign(bytes, &mut [&mut *file_signer], &SignOptions::default())
            .map_err(|e| Box::new(e) as sio_vault::SignError)
    })?;
    let notice = sio_protocol::ExportDocument {
        doc: sio_protocol::ExportDocType::V1,
        export_id: Uuid::new_v4(),
        request_id,
        user_iin: session.info().user.iin.clone(),
        reason: reason.trim().to_owned(),
        content_sha256: local.sha256.clone(),
        signed_at: crate::session::now_astana(),
    };
    let signed = crate::session::sign_document(notice, &mut [notice_signer])?;
    let receipt = channel
        .post(
            paths::EXPORTS,
            &signed,
            Some(session.token()),
            Retry::Idempotent,
        )
        .await?;
    Ok((local, receipt))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(json: &str) -> RequestSpec {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn an_allowed_request_is_composed_and_previewed() {
        let s = spec(
            r#"{"role":3,"basis":"criminal","case":{"kind":"criminal_case","erdr":"241500031000123"},
                "subject":{"kind":"individual","id":"900101300106"},"service":1}"#,
        );
        let doc = compose(&s, "850415300121").unwrap();
        assert_eq!(doc.to_spec().unwrap(), s);
        let text = preview(&doc).unwrap();
        assert!(text.contains("241500031000123") && text.contains(&doc.request_id.to_string()));
        assert_ne!(
            compose(&s, "850415300121").unwrap().request_id,
            doc.request_id
        );
    }

    #[test]
    fn a_forbidden_request_cannot_be_built() {
        let civil = spec(
            r#"{"role":3,"basis":"civil_court","case":{"kind":"civil_court","number":"2-1234","year":2025,"court":"Есильский районный суд"},
                "subject":{"kind":"individual","id":"900101300106"},"service":1}"#,
        );
        assert_eq!(
            compose(&civil, "850415300121").unwrap_err().code(),
            "CORE_ROLE_BASIS_DENIED"
        );
        let no_article = spec(
            r#"{"role":3,"basis":"criminal","case":{"kind":"criminal_case","erdr":"241500031000123"},
                "subject":{"kind":"individual","id":"900101300106"},"service":38}"#,
        );
        assert_eq!(
            compose(&no_article, "850415300121").unwrap_err().code(),
            "CORE_ARTICLE_REQUIRED"
        );
    }
}
