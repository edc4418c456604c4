//! `sio audit`: the workstation's audit journal (sio-vault) — `verify`, `exports`.

use std::path::PathBuf;
use std::process::ExitCode;

use sio_vault::{KeyStore, MacKey, OsKeyring, exports, verify};

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
    Verify(JournalArgs),
    /// The exports to case materials (rule 48) recorded in the journal, for supervisors: one
    /// JSON object a line (or CSV). The journal is verified first; a broken one gives no report.
    Exports {
        #[command(flatten)]
        journal: JournalArgs,
        /// CSV with a header line instead of JSON Lines.
        #[arg(long)]
        csv: bool,
    },
}

#[derive(Debug, clap::Args)]
struct JournalArgs {
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
        AuditCommand::Verify(j) => run_verify(&j),
        AuditCommand::Exports { journal, csv } => run_exports(&journal, csv),
    }
}

/// A verification failure: code, first bad sequence number, message.
type Failure = (&'static str, Option<u64>, String);

fn mac_key(args: &JournalArgs) -> Result<Option<MacKey>, Failure> {
    let Some(name) = &args.mac_key else {
        return Ok(None);
    };
    let store = OsKeyring::new(args.keyring_service.as_str());
    match MacKey::load(&store, name) {
        Ok(Some(key)) => Ok(Some(key)),
        Ok(None) => Err((
            "VAULT_KEYRING_UNAVAILABLE",
            None,
            format!("no journal key `{name}` in the {}", store.describe()),
        )),
        Err(e) => Err((e.code(), None, e.to_string())),
    }
}

fn run_verify(args: &JournalArgs) -> ExitCode {
    let mac = match mac_key(args) {
        Ok(mac) => mac,
        Err(f) => return fail(args.json, &f),
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
        Err(e) => fail(args.json, &(e.code(), e.seq(), e.to_string())),
    }
}

fn run_exports(args: &JournalArgs, csv: bool) -> ExitCode {
    let mac = match mac_key(args) {
        Ok(mac) => mac,
        Err(f) => return fail(args.json, &f),
    };
    let rows = match exports(&args.journal, mac.as_ref()) {
        Ok(rows) => rows,
        Err(e) => return fail(args.json, &(e.code(), e.seq(), e.to_string())),
    };
    if csv {
        println!("seq,time,user,workstation,request_id,result_id,reason,destination,sha256");
        for r in &rows {
            let fields = [
                r.seq.to_string(),
                r.time.clone(),
                r.user.clone(),
                r.workstation.clone(),
                r.request_id.clone().unwrap_or_default(),
                r.result_id.clone().unwrap_or_default(),
                r.reason.clone(),
                r.destination.clone(),
                r.sha256.clone(),
            ];
            let quoted: Vec<String> = fields
                .iter()
                .map(|f| format!("\"{}\"", f.replace('"', "\"\"")))
                .collect();
            println!("{}", quoted.join(","));
        }
    } else {
        for r in &rows {
            println!("{}", serde_json::to_string(r).unwrap_or_default());
        }
    }
    ExitCode::SUCCESS
}

fn fail(json: bool, (code, seq, message): &Failure) -> ExitCode {
    if json {
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
