//! The catalogue, composing a request (only what the rules allow), signing and sending it through
//! the outbox, and following it to its result — sending and waiting are `sio_client`'s
//! ([`sio_client::outbox::Outbox::send`] with its one re-sign rule, and
//! [`sio_client::requests::wait_for_result_with`]).

use std::time::{Duration, Instant};

use chrono::Utc;
use serde_json::Value;
use sio_client::outbox::OutboxStatus as ClientOutboxStatus;
use sio_client::requests as client_requests;
use sio_client::{ClientError, PinAlwaysSigner};
use sio_core::case::{RawValue, ReferenceForm};
use sio_core::{Basis, CoreError, RequestSpec};
use sio_protocol::{RequestDocument, Secret};
use sio_token::{PcscCard, PivSlot};
use uuid::Uuid;

use super::{App, client, guard, not_logged_in, request, to_value};
use crate::error::ErrorBody;
use crate::events::names;
use crate::model::{
    AllowedServiceInfo, CaseFormInfo, DraftWarning, OutboxItem, OutboxStatus, RequestPreview,
};
use crate::token;

/// How long a previewed document may wait to be signed as previewed (its `signed_at` must be
/// within the gateway's clock window when it arrives).
const PREVIEW_FRESH: Duration = Duration::from_secs(120);
/// How long a sent request is followed for its result.
const FOLLOW_FOR: Duration = Duration::from_secs(600);

/// Refuse a draft with a structural warning the user has not confirmed (sio-core warnings,
/// recomputed at sign time; Astana date for the court year).
pub(crate) fn unconfirmed_warnings(
    spec: &RequestSpec,
    confirmed: &[String],
) -> Result<(), ErrorBody> {
    let today = sio_core::time::astana_today(Utc::now());
    let missing: Vec<&str> = sio_core::warnings::request_warnings(spec, today)
        .into_iter()
        .map(|w| w.code())
        .filter(|c| !confirmed.iter().any(|x| x == c))
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    Err(ErrorBody::new(
        "APP_WARNINGS_UNCONFIRMED",
        format!(
            "the request has warnings the user has not confirmed: {}",
            missing.join(", ")
        ),
    ))
}

/// The signer kept to sign a request again under its id if the gateway refuses it as stale (the
/// PIN the user gave for it; the signing key is PIN-always).
type Resigner = PinAlwaysSigner<PcscCard>;

impl App {
    // ---- catalogue ----

    /// `catalogue` (= `sio catalogue --json`).
    pub fn catalogue(&self) -> Result<Value, ErrorBody> {
        to_value(sio_core::catalogue::Catalogue::build())
    }

    /// `allowed_services`: the role's bases ∩ the services' bases, with the access mark — the
    /// rules' own function ([`sio_core::access::services_for`]), the one the gateway decides with.
    /// An unknown role or basis allows nothing.
    pub fn allowed_services(
        &self,
        role: u64,
        basis: &str,
    ) -> Result<Vec<AllowedServiceInfo>, ErrorBody> {
        let role = u8::try_from(role)
            .ok()
            .and_then(|r| sio_core::RoleId::new(r).ok());
        let (Some(role), Ok(basis)) = (role, basis.parse::<Basis>()) else {
            return Ok(Vec::new());
        };
        Ok(sio_core::access::services_for(role, basis)
            .map(|(service, access)| AllowedServiceInfo {
                service: u64::from(service.number()),
                mark: access.key().to_owned(),
            })
            .collect())
    }

    /// `case_forms`.
    pub fn case_forms(&self, basis: &str) -> Result<Vec<CaseFormInfo>, ErrorBody> {
        let basis: Basis = basis.parse()?;
        ReferenceForm::for_basis(basis)
            .iter()
            .map(|f| {
                let form = to_value(f)?.as_str().unwrap_or_default().to_owned();
                Ok(CaseFormInfo {
                    form,
                    fields: f.fields().iter().map(|(n, _)| (*n).to_owned()).collect(),
                })
            })
            .collect()
    }

    // ---- requests ----

    fn spec(draft: &Value) -> Result<RequestSpec, ErrorBody> {
        // The rules' own refusal (invalid ИИН, case field, …) when a field breaks one, typed.
        if let Some(e) = rule_broken(draft) {
            return Err(e.into());
        }
        serde_json::from_value(draft.clone())
            .map_err(|e| ErrorBody::new("APP_DRAFT_INVALID", e.to_string()))
    }

    /// `preview_request`: the document exactly as it will be signed.
    pub async fn preview_request(&self, draft: &Value) -> Result<RequestPreview, ErrorBody> {
        let spec = Self::spec(draft)?;
        let mut live = self.inner.live.lock().await;
        let l = self.active(&mut live)?;
        let doc = client_requests::compose(&spec, &l.session.info().user.iin).map_err(request)?;
        let canonical = client_requests::preview(&doc).map_err(request)?;
        // Structural warnings (never refusals; the user confirms them before signing).
        let today = sio_core::time::astana_today(Utc::now());
        let warnings = sio_core::warnings::request_warnings(&spec, today)
            .into_iter()
            .map(|w| DraftWarning {
                code: w.code().to_owned(),
                field: w.field().to_owned(),
                message: w.message().to_owned(),
            })
            .collect();
        *guard(&self.inner.preview) = Some((spec, doc.clone(), Instant::now()));
        Ok(RequestPreview {
            document: doc,
            canonical,
            warnings,
        })
    }

    /// `sign_and_send`: sign the previewed document (or a fresh one for the same draft) with the
    /// signing key (PIN-always), queue it in the outbox and follow it in the background.
    ///
    /// The structural warnings (an ИИН with month 13, a БИН with a wrong type digit, an all-zero
    /// ЕРДР, a court year in the future — the acts are silent, so a malformed number stays
    /// searchable, but never silently: issue 18) are computed again here, in Rust, at sign time;
    /// each must be among `confirmed` (the codes the user confirmed), or nothing is signed
    /// (`APP_WARNINGS_UNCONFIRMED`, naming the codes).
    pub async fn sign_and_send(
        &self,
        draft: &Value,
        pin: Secret,
        confirmed: &[String],
    ) -> Result<OutboxItem, ErrorBody> {
        let spec = Self::spec(draft)?;
        unconfirmed_warnings(&spec, confirmed)?;
        let mut live = self.inner.live.lock().await;
        let l = self.active(&mut live)?;
        let iin = l.session.info().user.iin.clone();
        let previewed = guard(&self.inner.preview)
            .take()
            .filter(|(s, d, at)| *s == spec && d.user_iin == iin && at.elapsed() < PREVIEW_FRESH)
            .map(|(_, d, _)| d);
        let doc = match previewed {
            Some(d) => d,
            None => client_requests::compose(&spec, &iin).map_err(request)?,
        };
        let reader = l.reader.clone();
        let failed = |e: ClientError| self.card_failure(&reader, e.card_trouble(), client(e));
        let mut signer =
            sio_client::token::signing_signer(&l.key, token::pin(&pin)?).map_err(failed)?;
        let signed = client_requests::sign(doc, &mut signer)
            .map_err(|e| self.card_failure(&reader, e.card_trouble(), request(e)))?;
        // The same PIN once more, only if the gateway refuses the document as stale.
        let resigner = l
            .key
            .pin_always_signer(PivSlot::Signature, token::pin(&pin)?)
            .ok();
        drop(live);
        let stores = self.stores(Some(&iin))?;
        let id = stores.outbox.enqueue(&signed)?;
        let item = ui_item(&stores.outbox.get(id)?);
        self.emit(names::REQUEST_STATUS, &item);
        self.follow(id, resigner);
        Ok(item)
    }

    /// Send the outbox and wait for the result of `id` in the background, reporting each change.
    fn follow(&self, id: Uuid, resigner: Option<Resigner>) {
        {
            let mut f = guard(&self.inner.follows);
            if f.contains(&id) {
                return;
            }
            f.push(id);
        }
        let this = self.clone();
        tokio::spawn(async move {
            if let Err(e) = this.follow_now(id, resigner).await {
                tracing::info!(request = %id, code = %e.code, "following the request stopped");
            }
            guard(&this.inner.follows).retain(|x| *x != id);
        });
    }

    async fn follow_now(&self, id: Uuid, mut resigner: Option<Resigner>) -> Result<(), ErrorBody> {
        let stores = self.stores(None)?;
        let publish = |this: &Self| -> Result<ClientOutboxStatus, ErrorBody> {
            let item = stores.outbox.get(id)?;
            this.emit(names::REQUEST_STATUS, ui_item(&item));
            Ok(item.status)
        };
        // 1. send (every queued item goes; this one is marked sent, then accepted or rejected;
        //    refused as stale, it is signed again with the PIN given for it and sent again)
        let current = stores.outbox.get(id)?.status;
        if matches!(
            current,
            ClientOutboxStatus::Queued | ClientOutboxStatus::Sent
        ) {
            let live = self.inner.live.lock().await;
            let l = live.as_ref().ok_or_else(not_logged_in)?;
            stores.outbox.set_status(id, ClientOutboxStatus::Sent)?;
            self.emit(names::REQUEST_STATUS, ui_item(&stores.outbox.get(id)?));
            let outcome = stores
                .outbox
                .send(&l.channel, &l.session, |rid| {
                    (rid == id)
                        .then(|| resigner.take())
                        .flatten()
                        .map(|s| Box::new(s) as Box<dyn sio_sign::Signer>)
                })
                .await?;
            if let Some((_, Err(e))) = outcome.into_iter().find(|(i, _)| *i == id) {
                publish(self)?;
                return Err(request(e));
            }
        }
        drop(resigner);
        if !matches!(
            publish(self)?,
            ClientOutboxStatus::Accepted | ClientOutboxStatus::ResultReady
        ) {
            return Ok(());
        }
        // 2. wait for the result (without holding the session), then keep it encrypted in the
        //    vault until it is opened
        let (channel, bearer) = {
            let live = self.inner.live.lock().await;
            let l = live.as_ref().ok_or_else(not_logged_in)?;
            (l.channel.clone(), l.session.token().clone())
        };
        let delivery =
            client_requests::wait_for_result_with(&channel, &bearer, id, FOLLOW_FOR, |_, _| {})
                .await
                .map_err(request)?;
        if stores.find_result(id)?.is_none() {
            client_requests::receive(&stores.vault, delivery).map_err(request)?;
        }
        stores
            .outbox
            .set_status(id, ClientOutboxStatus::ResultReady)?;
        publish(self)?;
        Ok(())
    }

    /// `list_requests`: the user's requests in the outbox, newest first.
    pub async fn list_requests(&self) -> Result<Vec<OutboxItem>, ErrorBody> {
        let iin = {
            let live = self.inner.live.lock().await;
            match live.as_ref() {
                Some(l) => l.session.info().user.iin.clone(),
                None => return Ok(Vec::new()),
            }
        };
        let stores = self.stores(Some(&iin))?;
        let mut items: Vec<_> = stores
            .outbox
            .list()?
            .into_iter()
            .filter(|i| i.signed.document.user_iin == iin)
            .collect();
        items.reverse();
        // Items left unsent by an earlier run are sent now.
        for i in &items {
            if matches!(
                i.status,
                ClientOutboxStatus::Queued
                    | ClientOutboxStatus::Sent
                    | ClientOutboxStatus::Accepted
            ) {
                self.follow(i.id(), None);
            }
        }
        let delayed = stores.outbox.delayed(Utc::now())?;
        Ok(items
            .iter()
            .map(|i| {
                let mut item = ui_item(i);
                item.delay_notice = delayed
                    .iter()
                    .find(|d| d.request_id == i.id())
                    .map(|d| d.text.clone());
                item
            })
            .collect())
    }
}

/// The first rule of sio-core a draft's field breaks, from the field's own constructor (role,
/// basis, service, subject ИИН/БИН, case fields, article); `None` when none does (serde then says
/// what is malformed).
fn rule_broken(draft: &Value) -> Option<CoreError> {
    let num = |k: &str| draft.get(k).and_then(Value::as_u64);
    let unknown = |n: u64| u32::try_from(n).unwrap_or(u32::MAX);
    if let Some(n) = num("role") {
        if let Err(e) = u8::try_from(n)
            .map_err(|_| CoreError::UnknownRole(unknown(n)))
            .and_then(sio_core::RoleId::new)
        {
            return Some(e);
        }
    }
    if let Some(Err(e)) = draft
        .get("basis")
        .and_then(Value::as_str)
        .map(str::parse::<Basis>)
    {
        return Some(e);
    }
    if let Some(n) = num("service") {
        if let Err(e) = u8::try_from(n)
            .map_err(|_| CoreError::UnknownService(unknown(n)))
            .and_then(sio_core::ServiceId::new)
        {
            return Some(e);
        }
    }
    let subject = draft.get("subject");
    let id = subject.and_then(|s| s.get("id")).and_then(Value::as_str);
    match (
        subject.and_then(|s| s.get("kind")).and_then(Value::as_str),
        id,
    ) {
        (Some("individual"), Some(id)) => {
            if let Err(e) = sio_core::Iin::parse(id) {
                return Some(e);
            }
        }
        (Some("legal_entity"), Some(id)) => {
            if let Err(e) = sio_core::Bin::parse(id) {
                return Some(e);
            }
        }
        _ => {}
    }
    let case = draft.get("case");
    let form = case
        .and_then(|c| c.get("kind"))
        .and_then(Value::as_str)
        .and_then(ReferenceForm::from_kind);
    if let (Some(case), Some(form)) = (case, form) {
        let raw = |k: &str| match case.get(k) {
            None | Some(Value::Null) => RawValue::Missing,
            Some(Value::String(s)) => RawValue::Str(s),
            Some(v) => v.as_u64().map_or(RawValue::Other, RawValue::Num),
        };
        if let Some((_, field)) = form.first_bad_field(raw) {
            return Some(CoreError::CaseField(field));
        }
    }
    if let Some(a) = draft.get("article").filter(|a| !a.is_null()) {
        let article = a.get("article").and_then(Value::as_u64);
        let part = a.get("part").and_then(Value::as_u64);
        if let Some(article) = article {
            let article = u16::try_from(article).unwrap_or(u16::MAX);
            let part = part.map(|p| u8::try_from(p).unwrap_or(u8::MAX));
            if let Err(e) = sio_core::CriminalCodeArticle::new(article, part) {
                return Some(e);
            }
        }
    }
    None
}

/// The case's key as the gateway keys its case registry ([`sio_core::CaseReference::case_key`]).
pub(crate) fn case_key(doc: &RequestDocument) -> String {
    serde_json::to_value(&doc.case)
        .and_then(serde_json::from_value::<sio_core::CaseReference>)
        .map(|c| c.case_key())
        .unwrap_or_default()
}

pub(super) fn ui_item(i: &sio_client::outbox::OutboxItem) -> OutboxItem {
    let d = &i.signed.document;
    let (status, progress, error) = match &i.status {
        ClientOutboxStatus::Queued => (OutboxStatus::Queued, 0.1, None),
        ClientOutboxStatus::Sent => (OutboxStatus::Sent, 0.3, None),
        ClientOutboxStatus::Accepted => (OutboxStatus::Accepted, 0.6, None),
        ClientOutboxStatus::Rejected { code, message } => (
            OutboxStatus::Rejected,
            1.0,
            Some(ErrorBody::new(code.clone(), message.clone())),
        ),
        ClientOutboxStatus::ResultReady => (OutboxStatus::ResultReady, 1.0, None),
        ClientOutboxStatus::Shredded => (OutboxStatus::Shredded, 1.0, None),
    };
    let subject = serde_json::to_value(&d.subject).unwrap_or(Value::Null);
    let basis = serde_json::to_value(d.basis).unwrap_or(Value::Null);
    OutboxItem {
        request_id: d.request_id.to_string(),
        service: d.service,
        basis: basis.as_str().unwrap_or_default().to_owned(),
        case_key: case_key(d),
        subject_id: subject["id"].as_str().unwrap_or_default().to_owned(),
        status,
        progress,
        created_at: sio_core::time::to_astana(i.queued_at)
            .fixed_offset()
            .to_rfc3339(),
        updated_at: sio_core::time::to_astana(i.updated_at)
            .fixed_offset()
            .to_rfc3339(),
        error,
        delay_notice: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(case: Value) -> RequestDocument {
        serde_json::from_value(serde_json::json!({
            "doc": "sio.request/v1",
            "request_id": Uuid::nil(),
            "user_iin": "850415300121",
            "role": 3,
            "basis": "civil_court",
            "service": 1,
            "case": case,
            "subject": {"kind": "individual", "id": "900101300106"},
            "signed_at": "2026-11-23T15:00:00+05:00",
        }))
        .unwrap()
    }

    /// A court case is keyed on number and year, as the gateway's case registry is
    /// (`sio_core::CaseReference::case_key`); the app once showed the number alone.
    #[test]
    fn a_court_case_is_keyed_as_the_gateway_keys_it() {
        let d = doc(serde_json::json!({
            "kind": "civil_court", "number": "2-1234", "year": 2025, "court": "Есильский районный суд"
        }));
        assert_eq!(case_key(&d), "2-1234/2025");
        let spec = d.to_spec().unwrap();
        assert_eq!(case_key(&d), spec.case.case_key());
        let d = doc(serde_json::json!({"kind": "criminal_case", "erdr": "241500031000123"}));
        assert_eq!(case_key(&d), "241500031000123");
    }

    #[test]
    fn a_draft_breaking_a_rule_is_refused_with_the_rules_own_error() {
        let draft = |subject: &str, erdr: &str| {
            serde_json::json!({
                "role": 3, "basis": "criminal",
                "case": {"kind": "criminal_case", "erdr": erdr},
                "subject": {"kind": "individual", "id": subject}, "service": 1
            })
        };
        let code = |v: &Value| App::spec(v).unwrap_err().code;
        assert_eq!(
            code(&draft("900101300107", "241500031000123")),
            "CORE_IIN_CHECK_DIGIT"
        );
        assert_eq!(
            code(&draft("900101300106", "2415")),
            "CORE_CASE_FIELD_INVALID"
        );
        assert!(App::spec(&draft("900101300106", "241500031000123")).is_ok());
        assert_eq!(
            code(&serde_json::json!({"role": 3, "basis": "criminal"})),
            "APP_DRAFT_INVALID"
        );
    }
}

#[cfg(test)]
mod warning_tests {
    use super::*;

    fn spec(subject: &str) -> RequestSpec {
        serde_json::from_value(serde_json::json!({
            "role": 3,
            "basis": "criminal",
            "service": 1,
            "case": { "kind": "criminal_case", "erdr": "241500031000123" },
            "subject": { "kind": "individual", "id": subject }
        }))
        .unwrap()
    }

    /// Issue 18 (structural checks): a warning is signed only when confirmed by its code.
    #[test]
    fn warnings_must_be_confirmed_by_code_at_sign_time() {
        let odd = spec("901301300106"); // month 13, check digit valid
        let e = unconfirmed_warnings(&odd, &[]).unwrap_err();
        assert_eq!(e.code, "APP_WARNINGS_UNCONFIRMED");
        assert!(e.message.contains("CORE_WARN_IIN_MONTH"));
        assert!(unconfirmed_warnings(&odd, &["CORE_WARN_IIN_DAY".into()]).is_err());
        assert!(unconfirmed_warnings(&odd, &["CORE_WARN_IIN_MONTH".into()]).is_ok());
        // No warning: nothing to confirm.
        assert!(unconfirmed_warnings(&spec("900101300106"), &[]).is_ok());
    }
}
