//! `sio audit`: the workstation's audit journal (sio-vault) — `verify`.

use std::path::PathBuf;
use std::process::ExitCode;

use sio_vault::{KeyStore, MacKey, OsKeyring, verify};

/// Arguments of `sio audit`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    #[command(subcommand)]
    command: AuditCommand,
}

#[derive(Debug, clap::Subcommand)]
enum AuditCommand {
    /// Verify the journal: every entry canonical, numbered 1…n without gaps, hash-chained, and
    /// matching the head file; with `--mac-key`, every MAC. Prints `OK <n> entries` (exit 0) or
    /// the first bad entry with a stable code (exit 1).
    Verify(VerifyArgs),
}

#[derive(Debug, clap::Args)]
struct VerifyArgs {
    /// The journal file (JSON Lines; its head file is `<journal>.head`).
    #[arg(long, value_name = "PATH")]
    journal: PathBuf,
    /// Also check the MACs, with the journal key read from the OS keyring under this entry name
    /// (run in the workstation user's session, where the keyring is unlocked).
    #[arg(long, value_name = "ENTRY")]
    mac_key: Option<String>,
    /// The keyring service the key is stored under.
    #[arg(long, value_name = "NAME", default_value = "sio-vault")]
    keyring_service: String,
    /// Print one JSON object instead of text.
    #[arg(long)]
    json: bool,
}

/// Run `sio audit`.
pub(crate) fn run(args: Args) -> ExitCode {
    match args.command {
        AuditCommand::Verify(v) => run_verify(&v),
    }
}

fn run_verify(args: &VerifyArgs) -> ExitCode {
    let mac = match &args.mac_key {
        None => None,
        Some(name) => {
            let store = OsKeyring::new(args.keyring_service.as_str());
            match MacKey::load(&store, name) {
                Ok(Some(key)) => Some(key),
                Ok(None) => {
                    return fail(
                        args,
                        "VAULT_KEYRING_UNAVAILABLE",
                        None,
                        &format!("no journal key `{name}` in the {}", store.describe()),
                    );
                }
                Err(e) => return fail(args, e.code(), None, &e.to_string()),
            }
        }
    };
    match verify(&args.journal, mac.as_ref()) {
        Ok(report) => {
            if args.json {
                println!(
                    "{}",
                    serde_json::json!({
                        "ok": true,
                        "entries": report.entries,
                        "head_checked": report.head_checked,
                        "macs_checked": report.macs_checked,
                    })
                );
            } else {
                let head = if report.head_checked {
                    "head matches"
                } else {
                    "no head file: cut-off entries at the end cannot be detected"
                };
                let macs = if report.macs_checked {
                    "MACs valid"
                } else {
                    "MACs not checked"
                };
                println!(
                    "OK {} entries: hash chain intact, {head}, {macs}",
                    report.entries
                );
            }
            ExitCode::SUCCESS
        }
        Err(e) => fail(args, e.code(), e.seq(), &e.to_string()),
    }
}

fn fail(args: &VerifyArgs, code: &str, seq: Option<u64>, message: &str) -> ExitCode {
    if args.json {
        println!(
            "{}",
            serde_json::json!({"ok": false, "code": code, "seq": seq, "message": message})
        );
    } else {
        match seq {
            Some(seq) => println!("FAILED {code} at entry {seq}: {message}"),
            None => println!("FAILED {code}: {message}"),
        }
    }
    ExitCode::FAILURE
}
