//! The command table: command name + JSON arguments → JSON answer, exactly as the UI sends them
//! (ui/src/lib/backend/tauri.ts). The Tauri shell and an HTTP harness share it.

use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use sio_protocol::{BiometricModality, Secret};

use crate::app::App;
use crate::error::{ErrorBody, app};
use crate::model::{Language, LockReason, Settings};

/// Every command of the contract, in the order of the contract.
pub const COMMANDS: &[&str] = &[
    "list_readers",
    "list_certificates",
    "pin_status",
    "login",
    "request_sms_code",
    "verify_sms_code",
    "verify_biometric",
    "consent_text",
    "sign_consent",
    "session",
    "lock",
    "unlock",
    "logout",
    "catalogue",
    "allowed_services",
    "case_forms",
    "preview_request",
    "sign_and_send",
    "list_requests",
    "open_result",
    "close_result",
    "export_result",
    "submit_application",
    "list_applications",
    "report",
    "diagnose",
    "get_settings",
    "set_settings",
    "about",
];

/// Members of an argument object that hold secrets: wiped from the JSON once parsed.
const SECRET_MEMBERS: &[&str] = &["pin", "code"];

fn args<T: DeserializeOwned>(v: &Value) -> Result<T, ErrorBody> {
    // Deserialised from the borrowed JSON: no copy of a secret is left behind unwiped. serde's
    // message may quote a value, so it is not repeated when the arguments hold a secret.
    T::deserialize(v).map_err(|e| {
        if holds_secret(v) {
            app(
                "APP_BAD_ARGUMENTS",
                "the arguments do not have the expected form",
            )
        } else {
            app("APP_BAD_ARGUMENTS", e.to_string())
        }
    })
}

/// Whether `v` has a secret member, at any depth (`cosigner.pin`).
fn holds_secret(v: &Value) -> bool {
    match v {
        Value::Object(obj) => obj
            .iter()
            .any(|(k, v)| SECRET_MEMBERS.contains(&k.as_str()) || holds_secret(v)),
        Value::Array(items) => items.iter().any(holds_secret),
        _ => false,
    }
}

fn out<T: serde::Serialize>(r: Result<T, ErrorBody>) -> Result<Value, ErrorBody> {
    serde_json::to_value(r?).map_err(|e| app("APP_INTERNAL", e.to_string()))
}

/// Wipe the secret members of `v`, at any depth (`cosigner.pin`).
fn wipe(v: &mut Value) {
    match v {
        Value::Object(obj) => {
            for (k, member) in obj.iter_mut() {
                match member {
                    Value::String(s) if SECRET_MEMBERS.contains(&k.as_str()) => {
                        zeroize::Zeroize::zeroize(s);
                    }
                    other => wipe(other),
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(wipe),
        _ => {}
    }
}

#[derive(Deserialize)]
struct Reader {
    reader: String,
}

#[derive(Deserialize)]
struct Login {
    reader: String,
    certificate_id: String,
    pin: Secret,
}

#[derive(Deserialize)]
struct Code {
    code: Secret,
}

#[derive(Deserialize)]
struct Modality {
    modality: BiometricModality,
}

#[derive(Deserialize)]
struct Consent {
    reader: String,
    certificate_id: String,
    pin: Secret,
    language: Language,
}

#[derive(Deserialize)]
struct Lock {
    reason: LockReason,
}

#[derive(Deserialize)]
struct PinOnly {
    pin: Secret,
}

#[derive(Deserialize)]
struct Allowed {
    role: u64,
    basis: String,
}

#[derive(Deserialize)]
struct Basis {
    basis: String,
}

#[derive(Deserialize)]
struct Draft {
    draft: Value,
}

#[derive(Deserialize)]
struct DraftPin {
    draft: Value,
    pin: Secret,
}

#[derive(Deserialize)]
struct RequestId {
    request_id: String,
}

#[derive(Deserialize)]
struct Export {
    request_id: String,
    case_key: String,
    reason: String,
    pin: Secret,
}

#[derive(Deserialize)]
struct Application {
    application: Value,
    pin: Secret,
    #[serde(default)]
    cosigner: Option<crate::model::Cosigner>,
}

#[derive(Deserialize)]
struct Period {
    from: String,
    to: String,
}

#[derive(Deserialize)]
struct SetSettings {
    settings: Settings,
}

impl App {
    /// Run `command` with its JSON argument object. Secrets in the arguments (`pin`, `code`) are
    /// moved into zeroizing types and wiped from the JSON before the command runs.
    pub async fn dispatch(&self, command: &str, mut payload: Value) -> Result<Value, ErrorBody> {
        let pin_given = payload.get("pin").is_some();
        let result = self.dispatch_inner(command, &mut payload).await;
        wipe(&mut payload);
        if let Err(e) = &result {
            self.lock_if_card_lost(command, pin_given, e).await;
        }
        result
    }

    /// A command of the session failed because the card left or forgot its PIN (a handshake on
    /// the protected channel, a signature): the session locks until the PIN is entered again.
    /// Login and unlock report such failures themselves. Where the command presented a PIN, "not
    /// authenticated" is about that PIN (or the second signer's token), not a reset card.
    async fn lock_if_card_lost(&self, command: &str, pin_given: bool, e: &ErrorBody) {
        if matches!(command, "login" | "unlock" | "logout" | "lock") {
            return;
        }
        let reason = match e.code.as_str() {
            "TOKEN_CARD_REMOVED" | "SIGN_TOKEN_REMOVED" => LockReason::CardRemoved,
            "TOKEN_NOT_AUTHENTICATED" | "SIGN_TOKEN_NOT_AUTHENTICATED" if !pin_given => {
                LockReason::CardReset
            }
            _ => return,
        };
        // Ignored on purpose: `lock` cannot fail, and without a session there is nothing to lock.
        let _ = self.lock(reason).await;
    }

    async fn dispatch_inner(&self, command: &str, a: &mut Value) -> Result<Value, ErrorBody> {
        if a.is_null() {
            *a = Value::Object(Default::default());
        }
        macro_rules! parse {
            ($t:ty) => {{
                let parsed: $t = args(a)?;
                wipe(a);
                parsed
            }};
        }
        match command {
            "list_readers" => out(self.list_readers().await),
            "list_certificates" => {
                let r = parse!(Reader);
                out(self.list_certificates(&r.reader).await)
            }
            "pin_status" => {
                let r = parse!(Reader);
                out(self.pin_status(&r.reader).await)
            }
            "login" => {
                let l = parse!(Login);
                out(self.login(&l.reader, &l.certificate_id, l.pin).await)
            }
            "request_sms_code" => out(self.request_sms_code().await),
            "verify_sms_code" => {
                let c = parse!(Code);
                out(self.verify_sms_code(c.code).await)
            }
            "verify_biometric" => {
                let m = parse!(Modality);
                out(self.verify_biometric(m.modality).await)
            }
            "consent_text" => out(self.consent_text().await),
            "sign_consent" => {
                let c = parse!(Consent);
                out(self
                    .sign_consent(&c.reader, &c.certificate_id, c.pin, c.language)
                    .await)
            }
            "session" => out(self.session().await),
            "lock" => {
                let l = parse!(Lock);
                out(self.lock(l.reason).await)
            }
            "unlock" => {
                let p = parse!(PinOnly);
                out(self.unlock(p.pin).await)
            }
            "logout" => out(self.logout().await),
            "catalogue" => self.catalogue(),
            "allowed_services" => {
                let x = parse!(Allowed);
                out(self.allowed_services(x.role, &x.basis))
            }
            "case_forms" => {
                let x = parse!(Basis);
                out(self.case_forms(&x.basis))
            }
            "preview_request" => {
                let d = parse!(Draft);
                out(self.preview_request(&d.draft).await)
            }
            "sign_and_send" => {
                let d = parse!(DraftPin);
                out(self.sign_and_send(&d.draft, d.pin).await)
            }
            "list_requests" => out(self.list_requests().await),
            "open_result" => {
                let r = parse!(RequestId);
                self.open_result(&r.request_id).await
            }
            "close_result" => {
                let r = parse!(RequestId);
                out(self.close_result(&r.request_id).await)
            }
            "export_result" => {
                let e = parse!(Export);
                out(self
                    .export_result(&e.request_id, &e.case_key, &e.reason, e.pin)
                    .await)
            }
            "submit_application" => {
                let x = parse!(Application);
                out(self
                    .submit_application(&x.application, x.pin, x.cosigner)
                    .await)
            }
            "list_applications" => out(self.list_applications().await),
            "report" => {
                let p = parse!(Period);
                out(self.report(&p.from, &p.to).await)
            }
            "diagnose" => out(self.diagnose().await),
            "get_settings" => out(Ok(self.get_settings())),
            "set_settings" => {
                let s = parse!(SetSettings);
                out(self.set_settings(s.settings))
            }
            "about" => out(Ok(self.about())),
            other => Err(app("APP_UNKNOWN_COMMAND", format!("no command {other:?}"))),
        }
    }
}
