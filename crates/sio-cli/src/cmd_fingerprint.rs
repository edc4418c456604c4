//! `sio fingerprint`: the workstation's fingerprint readers and prints, for the helpdesk.
//!
//! - `devices`: the readers the OS stack (fprintd) sees;
//! - `workstation`: the workstation certificate the fingerprint agent signs verdicts with (what
//!   the operator registers with `sio gateway admin enroll-fingerprint --workstation-cert`);
//! - `enroll`: the helpdesk, at the workstation as root, enrols a finger of a user through the
//!   fingerprint agent (fprintd keeps it under `sio-<ИИН>`); then the operator records the
//!   enrolment on the gateway — the user never records one;
//! - `delete`: the helpdesk deletes a user's prints on this workstation;
//! - `verify`: a local check of a finger against the prints kept on this workstation (nothing is
//!   sent to the gateway).
//!
//! Every outcome is printed as one JSON line; failures carry their stable code.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use serde_json::json;
use sio_biometrics::fingerprint::agent::AgentClient;
use sio_biometrics::fingerprint::{
    self as fp, Finger, FingerprintStack, FprintdStack, FprintdUser, ScanEvent, Target, Verdict,
};

use crate::cmd_login::{Failure, fail};

/// Arguments of `sio fingerprint`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    #[command(subcommand)]
    command: Sub,
    /// The reader (fprintd object path; default: fprintd's default reader).
    #[arg(long, global = true)]
    device: Option<String>,
    /// The fingerprint agent's socket (default: $SIO_FINGERPRINT_AGENT, else
    /// /run/sio/fingerprint.sock).
    #[arg(long, global = true)]
    agent: Option<PathBuf>,
}

#[derive(Debug, clap::Subcommand)]
enum Sub {
    /// List the fingerprint readers.
    Devices,
    /// Show the workstation certificate the fingerprint agent signs with.
    Workstation {
        /// Also write the certificate (PEM) to this file.
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Enrol a finger of a user on this workstation (the helpdesk, as root).
    Enroll {
        /// ИИН of the user.
        #[arg(long)]
        iin: String,
        /// The finger, as fprintd names it (e.g. `right-index-finger`).
        #[arg(long, default_value = "right-index-finger")]
        finger: String,
    },
    /// Delete every print of a user on this workstation (the helpdesk, as root).
    Delete {
        /// ИИН of the user.
        #[arg(long)]
        iin: String,
    },
    /// Check a finger against the prints kept on this workstation (local only; root).
    Verify {
        /// ИИН of the user whose prints to check against.
        #[arg(long)]
        iin: String,
    },
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

/// Tell the user what the reader wants, on stderr.
fn show(e: ScanEvent) {
    match e {
        ScanEvent::Ready => eprintln!("Put the finger on the reader."),
        ScanEvent::StagePassed { done, total } => eprintln!("Scan {done} of {total} taken."),
        ScanEvent::Retry(f) => eprintln!("{}", f.message()),
        ScanEvent::FingerSelected(_) => {}
    }
}

fn check_iin(iin: &str) -> Result<(), Failure> {
    sio_core::Iin::parse(iin)
        .map(|_| ())
        .map_err(|e| fail(e.code(), e.to_string()))
}

async fn dispatch(args: Args) -> Result<serde_json::Value, Failure> {
    let agent = args
        .agent
        .clone()
        .map_or_else(AgentClient::from_env, AgentClient::new);
    // The same prints the agent uses: one fprintd user name per ИИН.
    let stack = FprintdStack::new(FprintdUser::PerIin(FprintdUser::IIN_PREFIX.into()));
    match args.command {
        Sub::Devices => {
            let devices = stack.devices().await?;
            Ok(json!({
                "ok": true,
                "devices": devices.iter().map(|d| json!({
                    "id": d.id,
                    "name": d.name,
                    "scan_type": format!("{:?}", d.scan_type).to_lowercase(),
                    "enroll_stages": d.enroll_stages,
                })).collect::<Vec<_>>(),
            }))
        }
        Sub::Workstation { out } => {
            let ws = agent.info().await?;
            if let Some(out) = &out {
                std::fs::write(out, &ws.certificate_pem)
                    .map_err(|e| fail("CLI_OUTPUT", format!("{}: {e}", out.display())))?;
            }
            Ok(json!({
                "ok": true,
                "workstation": ws.name,
                "certificate_sha256": ws.certificate_sha256,
                "certificate_pem": ws.certificate_pem,
            }))
        }
        Sub::Enroll { iin, finger } => {
            check_iin(&iin)?;
            let finger: Finger = finger.parse()?;
            let e = agent
                .enroll(
                    &iin,
                    finger,
                    args.device.as_deref(),
                    &show,
                    fp::ENROLL_TIMEOUT,
                )
                .await?;
            eprintln!(
                "Enrolled. The operator records it on the gateway with:\n  sio gateway admin enroll-fingerprint --iin {iin} --finger {} --workstation-cert FILE --by NAME\n(FILE: `sio fingerprint workstation --out FILE` on this workstation; SHA-256 {})",
                finger.name(),
                e.workstation.certificate_sha256
            );
            Ok(json!({
                "ok": true,
                "iin": iin,
                "finger": e.finger.name(),
                "device": e.device.name,
                "workstation": e.workstation.name,
                "certificate_sha256": e.workstation.certificate_sha256,
            }))
        }
        Sub::Delete { iin } => {
            check_iin(&iin)?;
            agent.delete(&iin).await?;
            Ok(json!({"ok": true, "iin": iin}))
        }
        Sub::Verify { iin } => {
            check_iin(&iin)?;
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
    }
}
