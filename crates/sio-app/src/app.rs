//! [`App`]: the state of one desktop session and one method per contract command.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use chrono::{NaiveDate, Utc};
use serde_json::Value;
use sio_client::outbox::{Outbox, OutboxStatus as ClientOutboxStatus};
use sio_client::requests;
use sio_client::session::{self, Session};
use sio_client::{CardKey, Channel, ChannelConfig, ClientIdentity};
use sio_core::RequestSpec;
use sio_policy::Policy;
use sio_protocol::{
    ApplicationDocument, BiometricModality, ConsentText, OtpSent, RequestDocument, ResultDelivery,
    Secret, SessionInfo, SessionStage,
};
use sio_token::{PcscCard, PivSlot};
use sio_vault::{
    Actor, Journal, JournalKeys, KeyStore, Principal, Vault, VaultConfig, ViewedResult,
};
use tokio::sync::Mutex as AsyncMutex;
use uuid::Uuid;

use crate::error::{ErrorBody, app};
use crate::events::{EventSink, names};
use crate::model::{
    AboutInfo, AllowedServiceInfo, ApplicationItem, CardEvent, CardEventKind, CaseFormInfo,
    CertificateInfo, ExportReceipt, Language, LockReason, OutboxItem, OutboxStatus, PinStatus,
    ReaderInfo, RequestPreview, SessionEvent, Settings, ShredReport,
};
use crate::token;

/// Environment variable: the policy file instead of the system one (demonstrations, tests). It
/// must be as protected as the system one (`POLICY_NOT_PROTECTED`, [`Policy::load_system`]):
/// the policy names the gateway, the pinned CA and the token modules, so a file the user could
/// write would let the user (or malware running as the user) redirect the channel.
pub const ENV_POLICY: &str = "SIO_POLICY";
/// Environment variable: the data directory (vault, outbox, applications, settings).
pub const ENV_DATA_DIR: &str = "SIO_DATA_DIR";
/// Environment variable: `memory` keeps the vault's and outbox's keys in process memory
/// (a demonstration: everything stored is lost at exit) instead of the OS keyring.
pub const ENV_KEYSTORE: &str = sio_vault::ENV_KEYSTORE;

/// How long a previewed document may wait to be signed as previewed (its `signed_at` must be
/// within the gateway's clock window when it arrives).
const PREVIEW_FRESH: Duration = Duration::from_secs(120);
/// How long a sent request is followed for its result.
const FOLLOW_FOR: Duration = Duration::from_secs(600);

/// Where the application keeps its things and whom it trusts.
#[derive(Clone)]
pub struct AppConfig {
    /// The administrator's policy file.
    pub policy_path: PathBuf,
    /// Data directory: `vault/`, `outbox/`, `applications.json`, `settings.json`, `audit.jsonl`.
    pub data_dir: PathBuf,
    /// Where the vault's and the outbox's keys live.
    pub keys: Arc<dyn KeyStore>,
    /// Workstation id for the journal.
    pub workstation: String,
    /// Idle lock instead of the policy's minutes (tests).
    pub idle_lock: Option<Duration>,
    /// Refuse a policy file the user could have written (`POLICY_NOT_PROTECTED`): always on from
    /// [`AppConfig::from_env`], for the system policy and a `SIO_POLICY` override alike; only
    /// in-process tests that build the configuration themselves turn it off.
    pub policy_must_be_protected: bool,
}

impl std::fmt::Debug for AppConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppConfig")
            .field("policy_path", &self.policy_path)
            .field("data_dir", &self.data_dir)
            .field("keys", &self.keys.describe())
            .field("workstation", &self.workstation)
            .finish_non_exhaustive()
    }
}

impl AppConfig {
    /// The production defaults, overridden by `SIO_POLICY`, `SIO_DATA_DIR` and
    /// `SIO_KEYSTORE=memory`. The data directory is `SIO_DATA_DIR`, else the policy's
    /// `workstation.data_dir`, else `~/.local/share/sio`.
    pub fn from_env() -> Self {
        let explicit = std::env::var_os(ENV_POLICY).filter(|p| !p.is_empty());
        let policy_path = explicit.map_or_else(sio_policy::system_path, PathBuf::from);
        let data_dir = std::env::var_os(ENV_DATA_DIR)
            .filter(|p| !p.is_empty())
            .map(PathBuf::from)
            .or_else(|| {
                Policy::load_system(&policy_path)
                    .ok()
                    .and_then(|p| p.workstation.data_dir)
            })
            .unwrap_or_else(sio_workstation::hardware::default_data_dir);
        let keys = sio_vault::keystore_from_env("sio-vault");
        AppConfig {
            policy_path,
            data_dir,
            keys,
            workstation: sio_vault::workstation_name(),
            idle_lock: None,
            policy_must_be_protected: true,
        }
    }
}

/// The logged-in (or logging-in) user's card, channel and session.
struct Live {
    reader: String,
    key: Arc<CardKey<PcscCard>>,
    channel: Channel,
    session: Session,
}

/// Local stores, opened at the first login.
struct Stores {
    vault: Vault,
    outbox: Outbox,
}

struct Inner {
    config: AppConfig,
    policy: Result<Policy, ErrorBody>,
    sink: Arc<dyn EventSink>,
    live: AsyncMutex<Option<Live>>,
    /// The reader of the live session (read by the card watcher without the async lock).
    session_reader: Mutex<Option<String>>,
    lock: Mutex<Option<LockReason>>,
    stores: Mutex<Option<Arc<Stores>>>,
    open: Mutex<HashMap<Uuid, ViewedResult>>,
    preview: Mutex<Option<(RequestSpec, RequestDocument, Instant)>>,
    settings: Mutex<Settings>,
    follows: Mutex<Vec<Uuid>>,
}

/// The application: cheap to clone, shared by the shell's commands and background tasks.
#[derive(Clone)]
pub struct App {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for App {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("App")
            .field("config", &self.inner.config)
            .finish_non_exhaustive()
    }
}

fn guard<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

fn now_rfc3339() -> String {
    sio_core::time::to_astana(Utc::now())
        .fixed_offset()
        .to_rfc3339()
}

fn to_value<T: serde::Serialize>(v: T) -> Result<Value, ErrorBody> {
    serde_json::to_value(v).map_err(|e| app("APP_INTERNAL", e.to_string()))
}

fn bad_args(e: impl std::fmt::Display) -> ErrorBody {
    app("APP_BAD_ARGUMENTS", e.to_string())
}

fn not_logged_in() -> ErrorBody {
    app("APP_NOT_LOGGED_IN", "log in with your token first")
}

impl App {
    /// The application with `config`, sending events to `sink`. Never fails: a missing or
    /// invalid policy is reported by the commands that need it (diagnosis, settings and about
    /// still work).
    pub fn new(config: AppConfig, sink: Arc<dyn EventSink>) -> Self {
        let policy = if config.policy_must_be_protected {
            Policy::load_system(&config.policy_path)
        } else {
            Policy::load(&config.policy_path)
        }
        .map_err(ErrorBody::from);
        if let Err(e) = &policy {
            tracing::warn!(code = %e.code, path = %config.policy_path.display(), "policy not loaded");
        }
        let default_language = match policy.as_ref().map(|p| p.ui.language) {
            Ok(sio_policy::Language::Kk) => Language::Kk,
            Ok(sio_policy::Language::En) => Language::En,
            _ => Language::Ru,
        };
        let settings = std::fs::read(config.data_dir.join("settings.json"))
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .unwrap_or(Settings {
                language: default_language,
            });
        App {
            inner: Arc::new(Inner {
                config,
                policy,
                sink,
                live: AsyncMutex::new(None),
                session_reader: Mutex::new(None),
                lock: Mutex::new(None),
                stores: Mutex::new(None),
                open: Mutex::new(HashMap::new()),
                preview: Mutex::new(None),
                settings: Mutex::new(settings),
                follows: Mutex::new(Vec::new()),
            }),
        }
    }

    /// The configuration.
    pub fn config(&self) -> &AppConfig {
        &self.inner.config
    }

    fn policy(&self) -> Result<&Policy, ErrorBody> {
        self.inner.policy.as_ref().map_err(Clone::clone)
    }

    fn emit<T: serde::Serialize>(&self, event: &str, payload: T) {
        match serde_json::to_value(payload) {
            Ok(v) => self.inner.sink.emit(event, v),
            Err(e) => tracing::warn!(event, error = %e, "event not serialisable"),
        }
    }

    fn idle_lock(&self) -> Duration {
        self.inner.config.idle_lock.unwrap_or_else(|| {
            let minutes = self
                .inner
                .policy
                .as_ref()
                .map_or(15, |p| p.login.idle_lock_minutes.clamp(1, 15));
            Duration::from_secs(u64::from(minutes) * 60)
        })
    }

    fn set_lock(&self, reason: LockReason) {
        let newly = guard(&self.inner.lock).replace(reason).is_none();
        if newly {
            self.emit(names::SESSION, SessionEvent::Locked { reason });
        }
    }

    fn locked(&self) -> Option<LockReason> {
        *guard(&self.inner.lock)
    }

    fn stores(&self, iin: Option<&str>) -> Result<Arc<Stores>, ErrorBody> {
        let mut slot = guard(&self.inner.stores);
        if let Some(s) = slot.as_ref() {
            if let Some(iin) = iin.and_then(|i| sio_core::Iin::parse(i).ok()) {
                s.vault.set_actor(self.actor(Principal::User(iin)));
            }
            return Ok(s.clone());
        }
        let dir = &self.inner.config.data_dir;
        std::fs::create_dir_all(dir).map_err(|e| {
            app(
                "APP_DATA_DIR",
                format!("cannot create the data directory {}: {e}", dir.display()),
            )
        })?;
        let keys = self.inner.config.keys.clone();
        // MAC key and head anchored in the keyring: a cut or rolled-back journal is refused.
        let journal_path = dir.join("audit.jsonl");
        let journal_keys = JournalKeys::new(keys.clone(), "sio-app:", &journal_path)?;
        let journal = Journal::open_anchored(&journal_path, journal_keys)?;
        let principal = iin
            .and_then(|i| sio_core::Iin::parse(i).ok())
            .map_or_else(|| Principal::System("sio-app".into()), Principal::User);
        let vault = Vault::open(
            &dir.join("vault"),
            keys.clone(),
            journal,
            self.actor(principal),
            VaultConfig {
                key_prefix: "sio-app:".into(),
                view_window: chrono::Duration::minutes(i64::from(
                    self.inner
                        .policy
                        .as_ref()
                        .map_or(30, |p| p.results.shred_after_view_minutes),
                )),
            },
        )?;
        let outbox = Outbox::open(&dir.join("outbox"), keys, "sio-app:outbox")?;
        let s = Arc::new(Stores { vault, outbox });
        *slot = Some(s.clone());
        Ok(s)
    }

    fn actor(&self, principal: Principal) -> Actor {
        Actor {
            principal,
            workstation: self.inner.config.workstation.clone(),
            ip: None,
        }
    }

    /// The live session, active and not locked; notes the user's activity.
    fn active<'a>(&self, live: &'a mut Option<Live>) -> Result<&'a mut Live, ErrorBody> {
        let l = live.as_mut().ok_or_else(not_logged_in)?;
        if let Some(reason) = self.locked() {
            return Err(app(
                "APP_SESSION_LOCKED",
                format!("the session is locked ({reason:?}); unlock it with your PIN"),
            ));
        }
        if l.session.stage() != SessionStage::Active {
            return Err(app(
                "APP_LOGIN_INCOMPLETE",
                "finish the login (second factor, consent) first",
            ));
        }
        l.session.touch();
        Ok(l)
    }

    fn at_stage<'a>(
        &self,
        live: &'a mut Option<Live>,
        stage: SessionStage,
    ) -> Result<&'a mut Live, ErrorBody> {
        let l = live.as_mut().ok_or_else(not_logged_in)?;
        if l.session.stage() != stage {
            return Err(app(
                "APP_WRONG_STAGE",
                format!(
                    "this step is not due now (the login is at {:?})",
                    l.session.stage()
                ),
            ));
        }
        Ok(l)
    }

    // ---- readers and tokens ----

    /// `list_readers`.
    pub async fn list_readers(&self) -> Result<Vec<ReaderInfo>, ErrorBody> {
        blocking(token::readers).await
    }

    /// `list_certificates`.
    pub async fn list_certificates(&self, reader: &str) -> Result<Vec<CertificateInfo>, ErrorBody> {
        let reader = reader.to_owned();
        blocking(move || token::certificates(&reader)).await
    }

    /// `pin_status`.
    pub async fn pin_status(&self, reader: &str) -> Result<PinStatus, ErrorBody> {
        let reader = reader.to_owned();
        blocking(move || token::pin_status(&reader)).await
    }

    // ---- login ----

    fn channel_for(&self, key: &Arc<CardKey<PcscCard>>) -> Result<Channel, ErrorBody> {
        let config = ChannelConfig::from_policy(self.policy()?)?;
        let identity = ClientIdentity::Token {
            certificate: key.certificate_der().to_vec().into(),
            key: key.clone(),
        };
        Ok(Channel::new(&config, &identity)?)
    }

    /// `login`: verify the PIN on the token, sign the gateway's challenge with the
    /// authentication key; the session waits for the second factor. The PIN is dropped here.
    pub async fn login(
        &self,
        reader: &str,
        certificate_id: &str,
        pin: Secret,
    ) -> Result<SessionInfo, ErrorBody> {
        self.policy()?;
        if certificate_id != token::AUTH_ID {
            return Err(app(
                "APP_CERT_NOT_FOR_LOGIN",
                "log in with the authentication certificate (slot 9A); the signing key signs documents",
            ));
        }
        let pin = token::pin(&pin)?;
        let r = reader.to_owned();
        let key = blocking(move || token::login_key(&r, pin)).await?;
        let channel = self.channel_for(&key)?;
        let challenge = session::challenge(&channel).await?;
        let signed = session::sign_login(&challenge, &mut key.signer())?;
        let session = session::submit_login(&channel, &signed).await?;
        let info = session.info().clone();
        let mut live = self.inner.live.lock().await;
        self.close_all_results();
        *live = Some(Live {
            reader: reader.to_owned(),
            key,
            channel,
            session,
        });
        *guard(&self.inner.session_reader) = Some(reader.to_owned());
        *guard(&self.inner.lock) = None;
        Ok(info)
    }

    /// `request_sms_code`.
    pub async fn request_sms_code(&self) -> Result<OtpSent, ErrorBody> {
        let mut live = self.inner.live.lock().await;
        let l = self.at_stage(&mut live, SessionStage::SecondFactor)?;
        Ok(l.session.request_sms(&l.channel).await?)
    }

    /// `verify_sms_code`. The code is dropped (zeroized) after the call.
    pub async fn verify_sms_code(&self, code: Secret) -> Result<SessionInfo, ErrorBody> {
        let mut live = self.inner.live.lock().await;
        let l = self.at_stage(&mut live, SessionStage::SecondFactor)?;
        l.session.verify_sms(&l.channel, code).await?;
        let info = l.session.info().clone();
        drop(live);
        if info.stage == SessionStage::Active {
            self.on_active(&info)?;
        }
        Ok(info)
    }

    /// `verify_biometric`: see [`crate::biometric`].
    pub async fn verify_biometric(
        &self,
        modality: BiometricModality,
    ) -> Result<SessionInfo, ErrorBody> {
        let mut live = self.inner.live.lock().await;
        let l = self.at_stage(&mut live, SessionStage::SecondFactor)?;
        let info = crate::biometric::verify(&l.channel, &mut l.session, &l.key, modality).await?;
        drop(live);
        if info.stage == SessionStage::Active {
            self.on_active(&info)?;
        }
        Ok(info)
    }

    /// `consent_text`.
    pub async fn consent_text(&self) -> Result<ConsentText, ErrorBody> {
        let mut live = self.inner.live.lock().await;
        let l = self.at_stage(&mut live, SessionStage::Consent)?;
        Ok(l.session.consent_text(&l.channel).await?)
    }

    /// `sign_consent`: sign the consent with the signing key (PIN-always; the PIN is used for
    /// this signature only).
    pub async fn sign_consent(
        &self,
        reader: &str,
        certificate_id: &str,
        pin: Secret,
        _language: Language,
    ) -> Result<SessionInfo, ErrorBody> {
        if certificate_id != token::AUTH_ID && certificate_id != token::SIGN_ID {
            return Err(bad_args(format!("unknown certificate {certificate_id:?}")));
        }
        let mut live = self.inner.live.lock().await;
        let l = self.at_stage(&mut live, SessionStage::Consent)?;
        if l.reader != reader {
            return Err(app(
                "APP_OTHER_TOKEN",
                "sign with the token you logged in with",
            ));
        }
        let text = l.session.consent_text(&l.channel).await?;
        let iin = l.session.info().user.iin.clone();
        let pin = token::pin(&pin)?;
        let signed = l
            .key
            .pin_always_signer(PivSlot::Signature, pin)
            .map_err(ErrorBody::from)
            .and_then(|mut s| session::sign_consent(&text, &iin, &mut s).map_err(ErrorBody::from))
            .map_err(|e| self.card_failure(reader, e))?;
        l.session.submit_consent(&l.channel, &signed).await?;
        let info = l.session.info().clone();
        drop(live);
        if info.stage == SessionStage::Active {
            self.on_active(&info)?;
        }
        Ok(info)
    }

    /// A signature on the card failed: explain a refused PIN; a card that was reset or removed
    /// lost its verified state, so the session locks until the PIN is entered again.
    fn card_failure(&self, reader: &str, e: ErrorBody) -> ErrorBody {
        let e = token::explain_pin_failure(reader, e);
        if matches!(e.code.as_str(), "TOKEN_CARD_REMOVED" | "SIGN_TOKEN_REMOVED") {
            self.set_lock(LockReason::CardRemoved);
        }
        e
    }

    fn on_active(&self, info: &SessionInfo) -> Result<(), ErrorBody> {
        self.stores(Some(&info.user.iin))?;
        Ok(())
    }

    /// `session`: the session, or `None` when nobody is logged in.
    pub async fn session(&self) -> Result<Option<SessionInfo>, ErrorBody> {
        let live = self.inner.live.lock().await;
        Ok(live.as_ref().map(|l| l.session.info().clone()))
    }

    /// `lock`.
    pub async fn lock(&self, reason: LockReason) -> Result<(), ErrorBody> {
        let live = self.inner.live.lock().await;
        if live.is_some() {
            self.set_lock(reason);
        }
        Ok(())
    }

    /// `unlock`: the PIN of the same token (verified afresh on the card) and a new signed
    /// challenge; no second factor.
    pub async fn unlock(&self, pin: Secret) -> Result<SessionInfo, ErrorBody> {
        let mut live = self.inner.live.lock().await;
        let l = live.as_mut().ok_or_else(not_logged_in)?;
        let pin = token::pin(&pin)?;
        let reader = l.reader.clone();
        let key = blocking(move || token::login_key(&reader, pin)).await?;
        if key.certificate_der() != l.key.certificate_der() {
            return Err(app(
                "APP_OTHER_TOKEN",
                "unlock with the token you logged in with",
            ));
        }
        let channel = self.channel_for(&key)?;
        // `Session::unlock`, with the challenge signed between the network calls (a signer is
        // never held across an await: the command futures must be Send).
        let challenge = session::challenge(&channel).await?;
        let signed = session::sign_login(&challenge, &mut key.signer())?;
        let _: SessionInfo = channel
            .post(
                sio_protocol::paths::SESSION_UNLOCK,
                &signed,
                Some(l.session.token()),
                sio_client::Retry::Once,
            )
            .await?;
        l.session.refresh(&channel).await?;
        l.key = key;
        l.channel = channel;
        let info = l.session.info().clone();
        if guard(&self.inner.lock).take().is_some() {
            self.emit(names::SESSION, SessionEvent::Unlocked);
        }
        Ok(info)
    }

    /// `logout`: end the session at the gateway (best effort) and shred every open result.
    pub async fn logout(&self) -> Result<(), ErrorBody> {
        let mut live = self.inner.live.lock().await;
        self.close_all_results();
        if let Some(l) = live.take() {
            if let Err(e) = l.session.logout(&l.channel).await {
                tracing::info!(
                    code = e.code(),
                    "logout at the gateway failed; session dropped"
                );
            }
        }
        *guard(&self.inner.session_reader) = None;
        *guard(&self.inner.lock) = None;
        *guard(&self.inner.preview) = None;
        Ok(())
    }

    fn close_all_results(&self) {
        let open: Vec<ViewedResult> = guard(&self.inner.open).drain().map(|(_, v)| v).collect();
        for v in open {
            if let Err(e) = v.close() {
                tracing::warn!(code = e.code(), "shredding an open result failed");
            }
        }
    }

    // ---- catalogue ----

    /// `catalogue` (= `sio catalogue --json`).
    pub fn catalogue(&self) -> Result<Value, ErrorBody> {
        to_value(sio_core::catalogue::Catalogue::build())
    }

    /// `allowed_services`: the role's bases ∩ the services' bases, with the access mark.
    pub fn allowed_services(
        &self,
        role: u64,
        basis: &str,
    ) -> Result<Vec<AllowedServiceInfo>, ErrorBody> {
        let cat = self.catalogue()?;
        let has_basis = cat["roles"].as_array().is_some_and(|roles| {
            roles.iter().any(|r| {
                r["no"].as_u64() == Some(role)
                    && r["bases"]
                        .as_array()
                        .is_some_and(|b| b.iter().any(|x| x.as_str() == Some(basis)))
            })
        });
        if !has_basis {
            return Ok(Vec::new());
        }
        Ok(cat["services"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|s| {
                let mark = s["access"][basis].as_str()?;
                Some(AllowedServiceInfo {
                    service: s["no"].as_u64()?,
                    mark: mark.to_owned(),
                })
            })
            .collect())
    }

    /// `case_forms`.
    pub fn case_forms(&self, basis: &str) -> Result<Vec<CaseFormInfo>, ErrorBody> {
        let basis: sio_core::Basis = basis.parse()?;
        sio_core::case::ReferenceForm::for_basis(basis)
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
        serde_json::from_value(draft.clone()).map_err(|e| {
            let text = e.to_string();
            // The rules' own code when the value names it (invalid ИИН, case field, …).
            let code = text
                .split(|c: char| !(c.is_ascii_uppercase() || c == '_' || c.is_ascii_digit()))
                .find(|w| w.starts_with("CORE_") && w.len() > 5)
                .map(str::to_owned);
            ErrorBody::new(code.unwrap_or_else(|| "APP_DRAFT_INVALID".into()), text)
        })
    }

    /// `preview_request`: the document exactly as it will be signed.
    pub async fn preview_request(&self, draft: &Value) -> Result<RequestPreview, ErrorBody> {
        let spec = Self::spec(draft)?;
        let mut live = self.inner.live.lock().await;
        let l = self.active(&mut live)?;
        let doc = requests::compose(&spec, &l.session.info().user.iin)?;
        let canonical = requests::preview(&doc)?;
        *guard(&self.inner.preview) = Some((spec, doc.clone(), Instant::now()));
        Ok(RequestPreview {
            document: doc,
            canonical,
        })
    }

    /// `sign_and_send`: sign the previewed document (or a fresh one for the same draft) with the
    /// signing key (PIN-always), queue it in the outbox and follow it in the background.
    pub async fn sign_and_send(&self, draft: &Value, pin: Secret) -> Result<OutboxItem, ErrorBody> {
        let spec = Self::spec(draft)?;
        let mut live = self.inner.live.lock().await;
        let l = self.active(&mut live)?;
        let iin = l.session.info().user.iin.clone();
        let previewed = guard(&self.inner.preview)
            .take()
            .filter(|(s, d, at)| *s == spec && d.user_iin == iin && at.elapsed() < PREVIEW_FRESH)
            .map(|(_, d, _)| d);
        let doc = match previewed {
            Some(d) => d,
            None => requests::compose(&spec, &iin)?,
        };
        let pin = token::pin(&pin)?;
        let reader = l.reader.clone();
        let signed = l
            .key
            .pin_always_signer(PivSlot::Signature, pin)
            .map_err(ErrorBody::from)
            .and_then(|mut s| requests::sign(doc, &mut s).map_err(ErrorBody::from))
            .map_err(|e| self.card_failure(&reader, e))?;
        drop(live);
        let stores = self.stores(Some(&iin))?;
        let id = stores.outbox.enqueue(&signed)?;
        let item = ui_item(&stores.outbox.get(id)?);
        self.emit(names::REQUEST_STATUS, &item);
        self.follow(id);
        Ok(item)
    }

    /// Send the outbox and wait for the result of `id` in the background, reporting each change.
    fn follow(&self, id: Uuid) {
        {
            let mut f = guard(&self.inner.follows);
            if f.contains(&id) {
                return;
            }
            f.push(id);
        }
        let this = self.clone();
        tokio::spawn(async move {
            if let Err(e) = this.follow_now(id).await {
                tracing::info!(request = %id, code = %e.code, "following the request stopped");
            }
            guard(&this.inner.follows).retain(|x| *x != id);
        });
    }

    async fn follow_now(&self, id: Uuid) -> Result<(), ErrorBody> {
        let stores = self.stores(None)?;
        let publish = |this: &Self| -> Result<Option<ClientOutboxStatus>, ErrorBody> {
            let item = stores.outbox.get(id)?;
            this.emit(names::REQUEST_STATUS, ui_item(&item));
            Ok(Some(item.status))
        };
        // 1. send (every queued item goes; this one is marked sent, then accepted or rejected)
        let current = stores.outbox.get(id)?.status;
        if matches!(
            current,
            ClientOutboxStatus::Queued | ClientOutboxStatus::Sent
        ) {
            let live = self.inner.live.lock().await;
            let l = live.as_ref().ok_or_else(not_logged_in)?;
            stores.outbox.set_status(id, ClientOutboxStatus::Sent)?;
            self.emit(names::REQUEST_STATUS, ui_item(&stores.outbox.get(id)?));
            let outcome = stores.outbox.flush(&l.channel, &l.session).await?;
            if let Some((_, Err(e))) = outcome.into_iter().find(|(i, _)| *i == id) {
                publish(self)?;
                return Err(e.into());
            }
        }
        match publish(self)? {
            Some(ClientOutboxStatus::Accepted) => {}
            Some(ClientOutboxStatus::ResultReady) => {}
            _ => return Ok(()),
        }
        // 2. wait for the result, then keep it encrypted in the vault until it is opened
        let start = Instant::now();
        let mut pause = Duration::from_millis(100);
        loop {
            let delivered = {
                let live = self.inner.live.lock().await;
                let l = live.as_ref().ok_or_else(not_logged_in)?;
                let st = requests::status(&l.channel, &l.session, id).await?;
                if st.state == sio_protocol::RequestState::Ready {
                    match requests::result(&l.channel, &l.session, id).await {
                        Ok(d) => Some(d),
                        Err(e) if e.code() == "GW_RESULT_NOT_READY" => None,
                        Err(e) => return Err(e.into()),
                    }
                } else {
                    None
                }
            };
            if let Some(delivery) = delivered {
                if find_stored(&stores.vault, id)?.is_none() {
                    requests::receive(&stores.vault, delivery)?;
                }
                stores
                    .outbox
                    .set_status(id, ClientOutboxStatus::ResultReady)?;
                publish(self)?;
                return Ok(());
            }
            if start.elapsed() > FOLLOW_FOR {
                return Err(app(
                    "CLIENT_RESULT_TIMEOUT",
                    "the result was not ready in time",
                ));
            }
            tokio::time::sleep(pause).await;
            pause = (pause * 2).min(Duration::from_secs(5));
        }
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
                self.follow(i.id());
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

    // ---- results ----

    /// `open_result`: decrypt the result for viewing (fetched again from the gateway when no local
    /// copy is left). It stays open until `close_result`.
    pub async fn open_result(&self, request_id: &str) -> Result<Value, ErrorBody> {
        let id = Uuid::parse_str(request_id).map_err(bad_args)?;
        let mut live = self.inner.live.lock().await;
        let l = self.active(&mut live)?;
        if let Some(v) = guard(&self.inner.open).get(&id) {
            return serde_json::from_slice(v.plaintext())
                .map_err(|e| app("APP_INTERNAL", e.to_string()));
        }
        let stores = self.stores(Some(&l.session.info().user.iin))?;
        let rid = match find_stored(&stores.vault, id)? {
            Some(r) => r,
            None => {
                // Viewed once and destroyed: never fetched again (the local copy must not
                // come back once it has been viewed).
                if stores
                    .outbox
                    .get(id)
                    .is_ok_and(|i| i.status == ClientOutboxStatus::Shredded)
                {
                    return Err(app(
                        "APP_RESULT_SHREDDED",
                        "this result was viewed and destroyed; send a new request if you need it again",
                    ));
                }
                let delivery: ResultDelivery = requests::result(&l.channel, &l.session, id).await?;
                requests::receive(&stores.vault, delivery)?
            }
        };
        drop(live);
        let viewed = stores.vault.view(rid)?;
        let value: Value = serde_json::from_slice(viewed.plaintext())
            .map_err(|e| app("APP_INTERNAL", e.to_string()))?;
        guard(&self.inner.open).insert(id, viewed);
        Ok(value)
    }

    /// `close_result`: close the viewer; the local copy is crypto-erased.
    pub async fn close_result(&self, request_id: &str) -> Result<ShredReport, ErrorBody> {
        let id = Uuid::parse_str(request_id).map_err(bad_args)?;
        let viewed = guard(&self.inner.open).remove(&id);
        let shredded = match viewed {
            Some(v) => v.close()?.slot_erased,
            None => {
                let stores = self.stores(None)?;
                match find_stored(&stores.vault, id)? {
                    Some(rid) => stores.vault.shred(rid)?.slot_erased,
                    None => true,
                }
            }
        };
        if shredded {
            if let Some(stores) = guard(&self.inner.stores).clone() {
                if stores.outbox.get(id).is_ok() {
                    stores.outbox.set_status(id, ClientOutboxStatus::Shredded)?;
                    self.emit(names::REQUEST_STATUS, ui_item(&stores.outbox.get(id)?));
                }
            }
        }
        Ok(ShredReport {
            request_id: id.to_string(),
            shredded,
            at: now_rfc3339(),
        })
    }

    /// `export_result`: attach an open result to case materials (rule 48): written to the
    /// policy's export directory with a detached signature, journaled, and the gateway told
    /// with a signed notice. Two signatures with the signing key (the PIN is used for both).
    pub async fn export_result(
        &self,
        request_id: &str,
        case_key: &str,
        reason: &str,
        pin: Secret,
    ) -> Result<ExportReceipt, ErrorBody> {
        let id = Uuid::parse_str(request_id).map_err(bad_args)?;
        let dir = self
            .policy()?
            .results
            .export_dirs
            .first()
            .cloned()
            .ok_or_else(|| {
                app(
                    "APP_EXPORT_DISABLED",
                    "the policy allows no export directory on this workstation",
                )
            })?;
        let mut live = self.inner.live.lock().await;
        let l = self.active(&mut live)?;
        let safe: String = case_key
            .chars()
            .map(|c| {
                if c.is_alphanumeric() || c == '-' {
                    c
                } else {
                    '_'
                }
            })
            .take(60)
            .collect();
        let dest = dir.join(format!(
            "{id}-{safe}-{}.json",
            Utc::now().format("%Y%m%dT%H%M%S")
        ));
        let open = guard(&self.inner.open).remove(&id).ok_or_else(|| {
            app(
                "APP_RESULT_NOT_OPEN",
                "open the result before attaching it to the case",
            )
        })?;
        let reader = l.reader.clone();
        // Signed here, without holding a signer across a network wait (the futures of the
        // commands must be Send): the file's detached signature, then the notice to the gateway.
        let signed = (|| {
            let mut file_signer = l
                .key
                .pin_always_signer(PivSlot::Signature, token::pin(&pin)?)?;
            let mut notice_signer = l
                .key
                .pin_always_signer(PivSlot::Signature, token::pin(&pin)?)?;
            let local = open.export(&dest, reason, &mut |bytes: &[u8]| {
                sio_sign::sign(
                    bytes,
                    &mut [&mut file_signer],
                    &sio_sign::SignOptions::default(),
                )
                .map_err(|e| Box::new(e) as sio_vault::SignError)
            })?;
            let notice = sio_protocol::ExportDocument {
                doc: sio_protocol::ExportDocType::V1,
                export_id: Uuid::new_v4(),
                request_id: id,
                user_iin: l.session.info().user.iin.clone(),
                reason: reason.trim().to_owned(),
                content_sha256: local.sha256.clone(),
                signed_at: sio_core::time::to_astana(Utc::now()).fixed_offset(),
            };
            let bytes = sio_protocol::Signed::canonical_bytes(&notice)
                .map_err(|e| app("APP_INTERNAL", e.to_string()))?;
            let cms = sio_sign::sign(
                &bytes,
                &mut [&mut notice_signer],
                &sio_sign::SignOptions::default(),
            )?;
            Ok::<_, ErrorBody>((local, sio_protocol::Signed::new(notice, &cms)))
        })();
        // The result stays open for the viewer either way.
        guard(&self.inner.open).insert(id, open);
        let (local, notice) = signed.map_err(|e| self.card_failure(&reader, e))?;
        let _receipt: sio_protocol::ExportReceipt = l
            .channel
            .post(
                sio_protocol::paths::EXPORTS,
                &notice,
                Some(l.session.token()),
                sio_client::Retry::Idempotent,
            )
            .await?;
        Ok(ExportReceipt {
            request_id: id.to_string(),
            path: local.path.display().to_string(),
            sha256: local.sha256,
            at: now_rfc3339(),
        })
    }

    // ---- HR ----

    fn applications_path(&self) -> PathBuf {
        self.inner.config.data_dir.join("applications.json")
    }

    /// `submit_application`: complete the form (`doc`, a fresh id, the time), sign it and send
    /// it. A user blocking their own account after a long absence signs alone. Every other
    /// application carries two signatures (2015 Appendix 5): the user's, as the applicant or the
    /// responsible official, and the head's on the head's own token in a second reader
    /// (`cosigner`); when the user is the head, the second is the applicant's. Without it:
    /// `APP_COSIGNATURE_REQUIRED`.
    pub async fn submit_application(
        &self,
        application: &Value,
        pin: Secret,
        cosigner: Option<crate::model::Cosigner>,
    ) -> Result<ApplicationItem, ErrorBody> {
        let mut form = application.clone();
        let obj = form
            .as_object_mut()
            .ok_or_else(|| bad_args("application must be an object"))?;
        obj.insert("doc".into(), Value::String("sio.application/v1".into()));
        obj.insert("application_id".into(), to_value(Uuid::new_v4())?);
        obj.insert(
            "signed_at".into(),
            to_value(sio_core::time::to_astana(Utc::now()).fixed_offset())?,
        );
        let doc: ApplicationDocument = serde_json::from_value(form)
            .map_err(|e| ErrorBody::new("APP_APPLICATION_INVALID", e.to_string()))?;
        let mut live = self.inner.live.lock().await;
        let l = self.active(&mut live)?;
        let iin = l.session.info().user.iin.clone();
        let self_block = doc.action == sio_protocol::ApplicationAction::Blocking
            && doc.blocking_reason == Some(sio_protocol::BlockingReason::LongAbsence)
            && doc.applicant.iin == iin;
        let pin = token::pin(&pin)?;
        let reader = l.reader.clone();
        let signed = if self_block {
            l.key
                .pin_always_signer(PivSlot::Signature, pin)
                .map_err(ErrorBody::from)
                .and_then(|mut s| {
                    sio_client::hr::sign_self_block(doc.clone(), &mut s).map_err(ErrorBody::from)
                })
                .map_err(|e| self.card_failure(&reader, e))?
        } else {
            let user_is_head = doc.head.iin == iin;
            let (second, whose) = if user_is_head {
                (&doc.applicant.iin, "the applicant")
            } else {
                (&doc.head.iin, "the head")
            };
            let Some(co) = cosigner else {
                return Err(app(
                    "APP_COSIGNATURE_REQUIRED",
                    format!(
                        "this application needs the signature of {whose} ({second}) too: insert \
                         that person's token into a second reader, choose it and enter its PIN"
                    ),
                ));
            };
            if co.reader == reader {
                return Err(app(
                    "APP_COSIGNER_SAME_TOKEN",
                    "the second signature comes from another person's token in another reader",
                ));
            }
            let (other, other_iin) = token::cosigner(&co.reader)?;
            if other_iin != *second {
                return Err(app(
                    "APP_COSIGNER_WRONG_PERSON",
                    format!(
                        "the token in {} belongs to {other_iin}; this application needs the \
                         signature of {whose} ({second})",
                        co.reader
                    ),
                ));
            }
            let mut other = token::verify_cosigner(other, &co.pin)?;
            let mut theirs = token::Cosigning::new(
                other
                    .signer_with_pin(PivSlot::Signature, token::pin(&co.pin)?)
                    .map_err(|e| token::cosigner_card(e.into()))?,
            );
            let mut own = l
                .key
                .pin_always_signer(PivSlot::Signature, pin)
                .map_err(|e| self.card_failure(&reader, e.into()))?;
            let signed = if user_is_head {
                sio_client::hr::sign(doc.clone(), &mut theirs, &mut own)
            } else {
                sio_client::hr::sign(doc.clone(), &mut own, &mut theirs)
            };
            signed.map_err(ErrorBody::from).map_err(|e| {
                if theirs.failed {
                    token::cosigner_card(e)
                } else {
                    self.card_failure(&reader, e)
                }
            })?
        };
        let status = sio_client::hr::submit(&l.channel, &l.session, &signed).await?;
        drop(live);
        let mut list = sio_client::hr::PendingList::open(&self.applications_path())?;
        list.upsert(signed.document.clone(), Some(status.clone()))?;
        Ok(ApplicationItem {
            status,
            applicant_name: signed.document.applicant.full_name.clone(),
            order_signed_at: signed.document.order_signed_at.map(|t| t.to_rfc3339()),
        })
    }

    /// `list_applications`: the applications filed from this workstation.
    pub async fn list_applications(&self) -> Result<Vec<ApplicationItem>, ErrorBody> {
        {
            let mut live = self.inner.live.lock().await;
            self.active(&mut live)?;
        }
        let list = sio_client::hr::PendingList::open(&self.applications_path())?;
        Ok(list
            .items()
            .iter()
            .filter_map(|p| {
                Some(ApplicationItem {
                    status: p.status.clone()?,
                    applicant_name: p.document.applicant.full_name.clone(),
                    order_signed_at: p.document.order_signed_at.map(|t| t.to_rfc3339()),
                })
            })
            .collect())
    }

    // ---- reports, diagnosis, settings, about ----

    /// `report`: the body's requests from `from` to `to` (dates, `YYYY-MM-DD`, Astana).
    pub async fn report(&self, from: &str, to: &str) -> Result<sio_protocol::Report, ErrorBody> {
        let date = |s: &str| {
            NaiveDate::parse_from_str(s.get(..10).unwrap_or(s), "%Y-%m-%d")
                .map_err(|e| bad_args(format!("{s:?} is not a date (YYYY-MM-DD): {e}")))
        };
        let (from, to) = (date(from)?, date(to)?);
        let mut live = self.inner.live.lock().await;
        let l = self.active(&mut live)?;
        Ok(sio_client::reports::fetch(&l.channel, &l.session, from, to).await?)
    }

    /// `diagnose`: the workstation self-check in the UI's shape.
    pub async fn diagnose(&self) -> Result<sio_workstation::UiReport, ErrorBody> {
        let mut config = sio_workstation::Config {
            app_version: env!("CARGO_PKG_VERSION").to_owned(),
            ..sio_workstation::Config::default()
        };
        if let Ok(p) = self.policy() {
            config.policy = sio_workstation::Policy::from(p);
        }
        config.policy.data_dir = Some(self.inner.config.data_dir.clone());
        let report = sio_workstation::run(&config).await;
        Ok(sio_workstation::UiReport::from(&report))
    }

    /// `get_settings`.
    pub fn get_settings(&self) -> Settings {
        *guard(&self.inner.settings)
    }

    /// `set_settings`: kept in the data directory.
    pub fn set_settings(&self, settings: Settings) -> Result<Settings, ErrorBody> {
        *guard(&self.inner.settings) = settings;
        let dir = &self.inner.config.data_dir;
        let saved = std::fs::create_dir_all(dir).and_then(|()| {
            std::fs::write(
                dir.join("settings.json"),
                serde_json::to_vec(&settings).unwrap_or_default(),
            )
        });
        if let Err(e) = saved {
            tracing::warn!(error = %e, "settings not saved");
        }
        Ok(settings)
    }

    /// `about`.
    pub fn about(&self) -> AboutInfo {
        AboutInfo {
            app_version: env!("CARGO_PKG_VERSION").to_owned(),
            protocol_version: sio_protocol::VERSION.to_owned(),
            core_version: env!("CARGO_PKG_VERSION").to_owned(),
            catalogue_version: "Order 34/2026 (Appendix 1) + Order 88/2024 (Appendix 2)".to_owned(),
            gateway: self.policy().ok().map(|p| p.gateway.url.clone()),
        }
    }

    // ---- background ----

    /// Run forever: lock the session after the idle time, end it at the gateway's hard limit.
    /// The shell spawns this once on its async runtime.
    pub async fn run_background(&self) {
        let mut tick = tokio::time::interval(Duration::from_secs(1));
        loop {
            tick.tick().await;
            self.check_session().await;
        }
    }

    /// One round of [`App::run_background`].
    pub async fn check_session(&self) {
        let Ok(mut live) = self.inner.live.try_lock() else {
            return; // a command is running: the user is active
        };
        let Some(l) = live.as_mut() else { return };
        if l.session.info().expires_at.with_timezone(&Utc) <= Utc::now() {
            *live = None;
            drop(live);
            self.close_all_results();
            *guard(&self.inner.session_reader) = None;
            *guard(&self.inner.lock) = None;
            self.emit(names::SESSION, SessionEvent::Expired);
            return;
        }
        if l.session.stage() == SessionStage::Active
            && self.locked().is_none()
            && l.session.is_idle_locked(self.idle_lock())
        {
            self.set_lock(LockReason::Idle);
        }
    }

    /// Watch the readers on a thread of its own: `card` events for every insertion and removal,
    /// and the session locked when its card leaves. Stops when the handle is dropped.
    pub fn start_card_watch(&self) -> CardWatch {
        let stop = Arc::new(AtomicBool::new(false));
        let (this, s) = (self.clone(), stop.clone());
        let thread = std::thread::Builder::new()
            .name("sio-card-watch".into())
            .spawn(move || this.watch_cards(&s))
            .map_err(|e| tracing::warn!(error = %e, "card watch not started"))
            .ok();
        CardWatch { stop, thread }
    }

    fn watch_cards(&self, stop: &AtomicBool) {
        while !stop.load(Ordering::Relaxed) {
            let mut ctx = match sio_token::PcscContext::establish() {
                Ok(c) => c,
                Err(_) => {
                    std::thread::sleep(Duration::from_secs(2));
                    continue;
                }
            };
            let mut watch = sio_token::ReaderWatch::default();
            while !stop.load(Ordering::Relaxed) {
                let events = match ctx.wait_for_events(&mut watch, Duration::from_millis(500)) {
                    Ok(ev) => ev,
                    Err(e) => {
                        tracing::debug!(code = e.code(), "reader watch restarts");
                        std::thread::sleep(Duration::from_millis(500));
                        break;
                    }
                };
                for ev in events {
                    self.card_event(ev);
                }
            }
        }
    }

    /// Handle one reader event (public for the shell's tests and for hot-plug sources other
    /// than PC/SC).
    pub fn card_event(&self, ev: sio_token::ReaderEvent) {
        let (kind, reader) = match ev {
            sio_token::ReaderEvent::CardInserted { reader, .. } => {
                (CardEventKind::Inserted, reader)
            }
            sio_token::ReaderEvent::CardRemoved(reader) => (CardEventKind::Removed, reader),
            _ => return,
        };
        self.emit(
            names::CARD,
            CardEvent {
                kind,
                reader: reader.clone(),
            },
        );
        if kind == CardEventKind::Removed
            && guard(&self.inner.session_reader).as_deref() == Some(reader.as_str())
        {
            self.set_lock(LockReason::CardRemoved);
        }
    }
}

/// The running card watch; dropping it stops the thread.
#[derive(Debug)]
pub struct CardWatch {
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Drop for CardWatch {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Run PC/SC work off the async threads.
async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, ErrorBody> + Send + 'static,
) -> Result<T, ErrorBody> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| app("APP_INTERNAL", e.to_string()))?
}

fn find_stored(vault: &Vault, id: Uuid) -> Result<Option<sio_vault::ResultId>, ErrorBody> {
    let id = id.to_string();
    Ok(vault
        .list()?
        .into_iter()
        .find(|r| r.meta.request_id == id)
        .map(|r| r.id))
}

fn case_key(doc: &RequestDocument) -> String {
    let case = serde_json::to_value(&doc.case).unwrap_or(Value::Null);
    for k in ["erdr", "number", "request_no"] {
        if let Some(v) = case.get(k) {
            return match v {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
        }
    }
    String::new()
}

fn ui_item(i: &sio_client::outbox::OutboxItem) -> OutboxItem {
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
        #[allow(unreachable_patterns)]
        _ => (OutboxStatus::Sent, 0.3, None),
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
