//! [`App`]: the state of one desktop session and one method per contract command.
//!
//! The state and its guards are here; the commands live by concern in the submodules —
//! `session` (readers, login, second factor, consent, lock/unlock, logout), `requests`
//! (catalogue, compose, sign and send, follow), `results` (open, close, attach to a case), `hr`
//! (applications), `settings` (reports, diagnosis, settings, about) and `watch` (idle lock, card
//! events). Every flow the command line shares — opening the token with its checks, login and
//! unlock, the stores, sending and waiting with the re-sign rule — is `sio_client`'s; the app
//! only keeps the state and the UI's shapes.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use chrono::Utc;
use serde_json::Value;
use sio_client::session::Session;
use sio_client::stores::Stores;
use sio_client::{CardTrouble, Channel, ChannelConfig, ClientError, LoginKey};
use sio_core::RequestSpec;
use sio_policy::Policy;
use sio_protocol::{RequestDocument, SessionStage};
use sio_vault::{Actor, KeyStore, Principal, ViewedResult};
use tokio::sync::Mutex as AsyncMutex;
use uuid::Uuid;

use crate::error::{ErrorBody, app};
use crate::events::{EventSink, names};
use crate::model::{Language, LockReason, SessionEvent, Settings};
use crate::token;

mod hr;
mod notices;
mod requests;
mod results;
mod session;
mod settings;
mod watch;

pub use watch::CardWatch;

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
        let keys = sio_vault::keystore_from_env(sio_client::stores::KEYRING_SERVICE);
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
    key: LoginKey,
    channel: Channel,
    session: Session,
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

    /// The local stores (vault, journal, outbox), opened once through `sio_client::stores`; the
    /// journal records `iin`'s actions from now on.
    fn stores(&self, iin: Option<&str>) -> Result<Arc<Stores>, ErrorBody> {
        let mut slot = guard(&self.inner.stores);
        if let Some(s) = slot.as_ref() {
            if let Some(iin) = iin.and_then(|i| sio_core::Iin::parse(i).ok()) {
                s.vault.set_actor(self.actor(Principal::User(iin)));
            }
            return Ok(s.clone());
        }
        let principal = iin
            .and_then(|i| sio_core::Iin::parse(i).ok())
            .map_or_else(|| Principal::System("sio-app".into()), Principal::User);
        let view_minutes = self
            .inner
            .policy
            .as_ref()
            .map_or(30, |p| p.results.shred_after_view_minutes);
        let s = Arc::new(
            sio_client::stores::open(
                &self.inner.config.data_dir,
                self.inner.config.keys.clone(),
                self.actor(principal),
                chrono::Duration::minutes(i64::from(view_minutes)),
            )
            .map_err(|e| client(e.into()))?,
        );
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

    /// The protected channel the policy describes, authenticated with the card's key.
    fn channel_for(&self, key: &LoginKey) -> Result<Channel, ErrorBody> {
        let config = ChannelConfig::from_policy(self.policy()?).map_err(client)?;
        sio_client::session::card_channel(&config, key).map_err(client)
    }

    /// A signature on the card failed: a refused PIN is explained with the tries left; a card
    /// that was removed lost its verified state, so the session locks until the PIN is entered
    /// again. Decided on the failure's kind ([`CardTrouble`]), never on its code.
    fn card_failure(&self, reader: &str, trouble: Option<CardTrouble>, e: ErrorBody) -> ErrorBody {
        match trouble {
            Some(CardTrouble::Removed) => {
                self.set_lock(LockReason::CardRemoved);
                e
            }
            Some(CardTrouble::PinRefused) => token::explain_pin_failure(reader, e),
            _ => e,
        }
    }

    fn close_all_results(&self) {
        let open: Vec<ViewedResult> = guard(&self.inner.open).drain().map(|(_, v)| v).collect();
        for v in open {
            if let Err(e) = v.close() {
                tracing::warn!(code = e.code(), "shredding an open result failed");
            }
        }
    }
}

/// A failure of the client library in the UI's shape: a token's refusal keeps its PIN tries.
fn client(e: ClientError) -> ErrorBody {
    match e {
        ClientError::Token(t) => t.into(),
        other => other.into(),
    }
}

/// A request's failure in the UI's shape.
fn request(e: sio_client::requests::RequestError) -> ErrorBody {
    match e {
        sio_client::requests::RequestError::Client(c) => client(c),
        other => other.into(),
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
