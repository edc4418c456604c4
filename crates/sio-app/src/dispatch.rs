//! The command table of the UI's contract, declared ONCE here: each command's name, its argument
//! object (a struct, with the UI's snake_case member names), the [`App`] method it runs and the
//! type it answers with. From the one table [`contract!`] generates
//!
//! - [`App::dispatch`]: command name + JSON arguments → JSON answer, exactly as the UI sends them
//!   (the Tauri shell and an HTTP harness share it);
//! - [`COMMANDS`], the names in the order of the contract;
//! - [`for_each_command!`](crate::for_each_command), the list src-tauri registers with
//!   `invoke_handler`;
//! - the TypeScript command table (name → argument type → answer type) and the argument types
//!   in `ui/src/lib/types/app.ts` (see [`crate::typescript`]).
//!
//! To add a command: add one entry below (and its `App` method), then regenerate the
//! TypeScript with `SIO_REGENERATE=1 cargo test -p sio-app --test generated`.

use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use sio_error::CardState;
use sio_protocol::{
    BasisKey, BiometricModality, ConsentText, Notices, OtpSent, Report, ResultDelivery, Secret,
    SessionInfo, StaffList,
};
use ts_rs::TS;

use crate::app::App;
use crate::error::{ErrorBody, app};
use crate::model::{
    AboutInfo, AllowedServiceInfo, ApplicationItem, CaseFormInfo, CatalogueData, CertificateInfo,
    Cosigner, DiagnosisReport, ExportReceipt, Language, LockReason, OutboxItem, PinStatus,
    ReaderInfo, RequestDraft, RequestPreview, Settings, ShredReport,
};

/// Members of an argument object that hold secrets: wiped from the JSON once parsed.
const SECRET_MEMBERS: &[&str] = &["pin", "code", "new_pin", "puk"];

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

/// One command of the contract as the TypeScript generator sees it.
pub(crate) struct TsCommand {
    /// The wire name.
    pub name: &'static str,
    /// The doc comment of the table entry.
    pub docs: &'static str,
    /// The TypeScript name of the argument object.
    pub args: String,
    /// The declaration of the argument type (`None` for commands without arguments).
    pub args_decl: Option<(String, Option<String>)>,
    /// The TypeScript type of the answer.
    pub result: String,
}

/// The table → `dispatch`, `COMMANDS`, `for_each_command!`, the TypeScript table. The first
/// token is `$`, handed through so the generated `for_each_command!` can have variables.
macro_rules! contract {
    (@result $cfg:ident $ret:ty) => { <$ret as TS>::name($cfg) };
    (@result $cfg:ident $ret:ty as $wire:ty) => { <$wire as TS>::name($cfg) };
    (@args $cfg:ident) => { String::from("NoArgs") };
    (@args $cfg:ident $args:ident) => { <$args as TS>::name($cfg) };
    (@decl $cfg:ident) => { None };
    (@decl $cfg:ident $args:ident) => { Some((<$args as TS>::decl($cfg), <$args as TS>::docs())) };
    (
        $d:tt
        $(
            $(#[doc = $doc:literal])*
            $name:ident ( $( $args:ident { $( $(#[$fattr:meta])* $field:ident : $fty:ty ),* $(,)? } )? )
                -> $ret:ty $( as $wire:ty )?
                => |$app:ident $(, $a:ident)?| $body:expr ;
        )*
    ) => {
        $($(
            #[doc = concat!(" Arguments of `", stringify!($name), "`.")]
            #[derive(Deserialize, TS)]
            pub(crate) struct $args {
                $( $(#[$fattr])* pub(crate) $field: $fty, )*
            }
        )?)*

        /// Every command of the contract, in the order of the contract.
        pub const COMMANDS: &[&str] = &[$(stringify!($name)),*];

        /// Hands the contract's command names to `$callback!(name, name, …)`: src-tauri registers
        /// one Tauri command per name with it, so its list is this table.
        #[macro_export]
        macro_rules! for_each_command {
            ($d callback:ident) => { $d callback!($($name),*); };
        }

        /// The contract for the TypeScript generator, in table order.
        pub(crate) fn ts_commands(cfg: &ts_rs::Config) -> Vec<TsCommand> {
            vec![$(
                TsCommand {
                    name: stringify!($name),
                    docs: concat!($($doc, "\n",)*),
                    args: contract!(@args cfg $($args)?),
                    args_decl: contract!(@decl cfg $($args)?),
                    result: contract!(@result cfg $ret $(as $wire)?),
                }
            ),*]
        }

        impl App {
            async fn dispatch_inner(&self, command: &str, a: &mut Value) -> Result<Value, ErrorBody> {
                if a.is_null() {
                    *a = Value::Object(Default::default());
                }
                match command {
                    $(
                        stringify!($name) => {
                            let $app: &App = self;
                            $(
                                let $a: $args = args(a)?;
                                wipe(a);
                            )?
                            let answer: Result<$ret, ErrorBody> = $body;
                            out(answer)
                        }
                    )*
                    other => Err(app("APP_UNKNOWN_COMMAND", format!("no command {other:?}"))),
                }
            }
        }
    };
}

contract! {
    $
    /// The PC/SC readers and whether a card is in each.
    list_readers() -> Vec<ReaderInfo> => |app| app.list_readers().await;
    /// The certificates on the card in `reader`.
    list_certificates(ListCertificatesArgs { reader: String })
        -> Vec<CertificateInfo> => |app, x| app.list_certificates(&x.reader).await;
    /// The PIN retry counter of the card in `reader`.
    pin_status(PinStatusArgs { reader: String })
        -> PinStatus => |app, x| app.pin_status(&x.reader).await;
    /// Change the PIN of the token in `reader` (the current PIN, a new one of 6–8 characters).
    change_pin(ChangePinArgs { reader: String, pin: Secret, new_pin: Secret })
        -> PinStatus => |app, x| app.change_pin(&x.reader, x.pin, x.new_pin).await;
    /// Unblock the PIN of the token in `reader` with the PUK, setting a new PIN.
    unblock_pin(UnblockPinArgs { reader: String, puk: Secret, new_pin: Secret })
        -> PinStatus => |app, x| app.unblock_pin(&x.reader, x.puk, x.new_pin).await;
    /// Verify the PIN and sign the gateway's challenge with the authentication key (PIN dropped
    /// after).
    login(LoginArgs { reader: String, certificate_id: String, pin: Secret })
        -> SessionInfo => |app, x| app.login(&x.reader, &x.certificate_id, x.pin).await;
    /// Ask the gateway for a one-time SMS code (second factor).
    request_sms_code() -> OtpSent => |app| app.request_sms_code().await;
    /// Check the SMS code (second factor).
    verify_sms_code(VerifySmsCodeArgs { code: Secret })
        -> SessionInfo => |app, x| app.verify_sms_code(x.code).await;
    /// Biometric second factor: fingerprint on the reader or face from the webcam.
    verify_biometric(VerifyBiometricArgs { modality: BiometricModality })
        -> SessionInfo => |app, x| app.verify_biometric(x.modality).await;
    /// The text of the consent to sign after the second factor.
    consent_text() -> ConsentText => |app| app.consent_text().await;
    /// Sign the consent with the signing key (PIN-always).
    /// `text_sha256` is the hash of the text the user was shown (`consent_text`): the app signs
    /// only that text (`APP_CONSENT_CHANGED` if the gateway's text has changed meanwhile).
    sign_consent(SignConsentArgs {
        reader: String, certificate_id: String, pin: Secret, language: Language,
        #[serde(default)]
        #[ts(optional)]
        text_sha256: Option<String>
    }) -> SessionInfo => |app, x| app.sign_consent(&x.reader, &x.certificate_id, x.pin, x.language, x.text_sha256.as_deref()).await;
    /// The session, or `null` without one.
    session() -> Option<SessionInfo> => |app| app.session().await;
    /// Lock the session.
    lock(LockArgs { reason: LockReason }) -> () => |app, x| app.lock(x.reason).await;
    /// Unlock with the PIN of the same card (back in its reader).
    unlock(UnlockArgs { pin: Secret }) -> SessionInfo => |app, x| app.unlock(x.pin).await;
    /// End the session.
    logout() -> () => |app| app.logout().await;
    /// The role × basis × service tables (= `sio catalogue --json`).
    catalogue() -> Value as CatalogueData => |app| app.catalogue();
    /// The services allowed for role × basis (the role's bases ∩ the services' bases).
    allowed_services(AllowedServicesArgs { role: u64, #[ts(as = "BasisKey")] basis: String })
        -> Vec<AllowedServiceInfo> => |app, x| app.allowed_services(x.role, &x.basis);
    /// The forms of case reference a basis takes, with their fields.
    case_forms(CaseFormsArgs { #[ts(as = "BasisKey")] basis: String })
        -> Vec<CaseFormInfo> => |app, x| app.case_forms(&x.basis);
    /// The request document exactly as it will be signed.
    preview_request(PreviewRequestArgs { #[ts(as = "RequestDraft")] draft: Value })
        -> RequestPreview => |app, x| app.preview_request(&x.draft).await;
    /// Sign the previewed request on the card (PIN-always) and queue it.
    /// `confirmed_warnings`: the codes of the structural warnings the user confirmed (issue 18);
    /// every warning the draft has at sign time must be among them (`APP_WARNINGS_UNCONFIRMED`).
    sign_and_send(SignAndSendArgs {
        #[ts(as = "RequestDraft")] draft: Value, pin: Secret,
        #[serde(default)]
        #[ts(optional)]
        confirmed_warnings: Option<Vec<String>>
    }) -> OutboxItem => |app, x| app.sign_and_send(&x.draft, x.pin, x.confirmed_warnings.as_deref().unwrap_or_default()).await;
    /// The outbox.
    list_requests() -> Vec<OutboxItem> => |app| app.list_requests().await;
    /// Decrypt a result for viewing; it stays open until `close_result`.
    open_result(OpenResultArgs { request_id: String })
        -> Value as ResultDelivery => |app, x| app.open_result(&x.request_id).await;
    /// Close the viewer: the local copy is crypto-erased.
    close_result(CloseResultArgs { request_id: String })
        -> ShredReport => |app, x| app.close_result(&x.request_id).await;
    /// Export a result to the case materials (rule 48): explicit, logged, signed.
    export_result(ExportResultArgs { request_id: String, case_key: String, reason: String, pin: Secret })
        -> ExportReceipt => |app, x| app.export_result(&x.request_id, &x.case_key, &x.reason, x.pin).await;
    /// Sign and submit an HR application (with the second signature, when given).
    submit_application(SubmitApplicationArgs {
        #[ts(type = "Omit<ApplicationDocument, 'doc' | 'application_id' | 'signed_at'>")]
        application: Value,
        pin: Secret,
        #[serde(default)]
        #[ts(optional)]
        cosigner: Option<Cosigner>
    }) -> ApplicationItem => |app, x| app.submit_application(&x.application, x.pin, x.cosigner).await;
    /// The HR applications of this workstation.
    list_applications() -> Vec<ApplicationItem> => |app| app.list_applications().await;
    /// Planned works published in advance and open emergencies (2015 rr.38, 43, 44).
    notices() -> Notices => |app| app.notices().await;
    /// HR officers: the staff of their body, last login and block due (Appendix 6 §11.2).
    staff_list() -> StaffList => |app| app.staff_list().await;
    /// The report for a period.
    report(ReportArgs { from: String, to: String })
        -> Report => |app, x| app.report(&x.from, &x.to).await;
    /// Diagnose the workstation (Appendix 4) and the token/reader/biometric/channel stack.
    diagnose() -> sio_workstation::UiReport as DiagnosisReport => |app| app.diagnose().await;
    /// Run the diagnosis and save it for the helpdesk in the user's downloads folder; the path.
    save_diagnosis() -> String => |app| app.save_diagnosis().await;
    /// The settings.
    get_settings() -> Settings => |app| Ok(app.get_settings());
    /// Change the settings.
    set_settings(SetSettingsArgs { settings: Settings })
        -> Settings => |app, x| app.set_settings(x.settings);
    /// Versions for the About screen.
    about() -> AboutInfo => |app| Ok(app.about());
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
        let reason = match e.card {
            Some(CardState::Removed) => LockReason::CardRemoved,
            Some(CardState::NotAuthenticated) if !pin_given => LockReason::CardReset,
            Some(CardState::ServiceGone) => LockReason::CardServiceGone,
            _ => return,
        };
        // Ignored on purpose: `lock` cannot fail, and without a session there is nothing to lock.
        let _ = self.lock(reason).await;
    }
}
