//! `sio fingerprint`: the workstation's fingerprint readers, for the helpdesk.
//!
//! - `devices`: the readers the OS stack (fprintd) sees;
//! - `enroll`: the user, at the workstation with the helpdesk, logs in with the token and the SMS
//!   code, a finger is enrolled in the OS stack, and the user signs the enrolment record that the
//!   gateway keeps (user, workstation, reader, finger — no biometric data);
//! - `verify`: a local check of a finger against the prints enrolled on this workstation (nothing
//!   is sent to the gateway).
//!
//! Every outcome is printed as one JSON line; failures carry their stable code.

use std::io::Write;
use std::process::ExitCode;

use serde_json::json;
use sio_biometrics::fingerprint::{
    self as fp, Finger, FingerprintStack, FprintdStack, FprintdUser, ScanEvent, Target, Verdict,
};
use sio_client::session;
use sio_client::{CardKey, Channel, ClientIdentity};
use sio_protocol::{Secret, SessionStage};
use sio_token::{Pin, PivSlot};

use crate::cmd_login::{Coded, Failure, Input, fail};

/// Arguments of `sio fingerprint`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    #[command(subcommand)]
    command: Sub,
    /// Whose prints fprintd keeps: the OS account running this command, or one per ИИН
    /// (`sio-<ИИН>`, needs polkit's setusername permission).
    #[arg(long, value_enum, default_value = "os-account", global = true)]
    prints: Prints,
    /// The reader (fprintd object path; default: fprintd's default reader).
    #[arg(long, global = true)]
    device: Option<String>,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum Prints {
    OsAccount,
    PerIin,
}

#[derive(Debug, clap::Subcommand)]
enum Sub {
    /// List the fingerprint readers.
    Devices,
    /// Enrol a finger of the user holding the token and record it on the gateway.
    Enroll(EnrollArgs),
    /// Check a finger against the prints enrolled on this workstation (local only).
    Verify {
        /// ИИН of the user whose prints to check against.
        #[arg(long)]
        iin: String,
    },
}

#[derive(Debug, clap::Args)]
struct EnrollArgs {
    /// The finger, as fprintd names it (e.g. `right-index-finger`).
    #[arg(long, default_value = "right-index-finger")]
    finger: String,
    #[command(flatten)]
    conn: crate::cmd_login::Connection,
    /// Read the PIN and the SMS code (and, on a first login, the signing PIN) from standard input.
    #[arg(long)]
    stdin: bool,
}

impl Coded for fp::FingerprintError {
    fn code(&self) -> &str {
        fp::FingerprintError::code(self)
    }
}

/// Run `sio fingerprint`.
pub(crate) fn run(args: Args) -> ExitCode {
    let Some(rt) = crate::runtime("fingerprint") else {
        return ExitCode::FAILURE;
    };
    match rt.block_on(dispatch(args)) {
        Ok(v) => {
            let _ = writeln!(std::io::stdout(), "{v}");
            ExitCode::SUCCESS
        }
        Err(f) => {
            let _ = writeln!(
                std::io::stdout(),
                "{}",
                json!({"ok": false, "code": f.code, "message": f.message})
            );
            eprintln!("sio fingerprint: {} ({})", f.message, f.code);
            ExitCode::FAILURE
        }
    }
}

fn stack(prints: Prints) -> FprintdStack {
    FprintdStack::new(match prints {
        Prints::OsAccount => FprintdUser::OsAccount,
        Prints::PerIin => FprintdUser::PerIin(FprintdUser::IIN_PREFIX.into()),
    })
}

/// Tell the user what the reader wants, on stderr.
fn show(e: ScanEvent) {
    match e {
        ScanEvent::Ready => eprintln!("Put the finger on the reader."),
        ScanEvent::StagePassed { done, total } => eprintln!("Scan {done} of {total} taken."),
        ScanEvent::Retry(f) => eprintln!("{}", f.message()),
        ScanEvent::FingerSelected(_) => {}
    }
}

async fn dispatch(args: Args) -> Result<serde_json::Value, Failure> {
    let stack = stack(args.prints);
    match args.command {
        Sub::Devices => {
            let devices = stack.devices().await?;
            Ok(json!({
                "ok": true,
                "workstation": stack.workstation_id()?,
                "devices": devices.iter().map(|d| json!({
                    "id": d.id,
                    "name": d.name,
                    "scan_type": format!("{:?}", d.scan_type).to_lowercase(),
                    "enroll_stages": d.enroll_stages,
                })).collect::<Vec<_>>(),
            }))
        }
        Sub::Verify { iin } => {
            let v = stack
                .verify(
                    Target {
                        device: args.device.as_deref(),
                        iin: &iin,
                    },
                    &show,
                    fp::VERIFY_TIMEOUT,
                )
                .await?;
            v.require_match()?;
            Ok(json!({
                "ok": true,
                "verdict": match v.verdict { Verdict::Match => "match", Verdict::NoMatch => "no-match" },
                "finger": v.finger.map(Finger::name),
                "device": v.device.name,
            }))
        }
        Sub::Enroll(e) => enroll(&stack, args.device.as_deref(), e).await,
    }
}

async fn enroll(
    stack: &FprintdStack,
    device: Option<&str>,
    a: EnrollArgs,
) -> Result<serde_json::Value, Failure> {
    let finger: Finger = a.finger.parse()?;
    // The reader first: no point in logging in without one.
    stack.device(device).await?;
    let config = a.conn.channel_config()?;
    let piv = crate::cmd_login::open_card(a.conn.reader.as_deref())?;
    let pin = Pin::new(Input { stdin: a.stdin }.secret("The user's PIN: ")?)?;
    let verified = piv.verify_pin(pin).map_err(|r| Failure::from(r.error))?;
    let key = CardKey::new(verified, PivSlot::Authentication)?;
    let identity = ClientIdentity::Token {
        certificate: key.certificate_der().to_vec().into(),
        key: key.clone(),
    };
    let channel = Channel::new(&config, &identity)?;
    let c = session::challenge(&channel).await?;
    let mut s =
        session::submit_login(&channel, &session::sign_login(&c, &mut key.signer())?).await?;
    let sent = s.request_sms(&channel).await?;
    eprintln!("An SMS code was sent to {}.", sent.masked_phone);
    s.verify_sms(
        &channel,
        Secret::new(Input { stdin: a.stdin }.secret("SMS code: ")?),
    )
    .await?;
    if s.stage() == SessionStage::Consent {
        return Err(fail(
            "CLI_CONSENT_REQUIRED",
            "the user has not signed the consent yet: log in once with `sio login` first",
        ));
    }
    let (dev, rec) = sio_client::fingerprint::enroll_fingerprint(
        &s,
        &channel,
        &mut key.signer(),
        stack,
        device,
        finger,
        &show,
    )
    .await?;
    let _ = s.logout(&channel).await;
    Ok(json!({
        "ok": true,
        "enrolment_id": rec.enrolment_id,
        "workstation": rec.workstation,
        "device": dev.name,
        "finger": finger.name(),
        "recorded_at": rec.recorded_at,
    }))
}
