//! `sio audit`: the workstation's audit journal (sio-vault) — `verify`, `exports`, `anchor`.
//!
//! The journal's MAC key and its anchored head are read from the same key store the app writes
//! them to (`SIO_KEYSTORE`, else the OS keyring, service `sio-vault`, entries `sio-app:…`), so a
//! plain `sio audit verify` in the workstation user's session checks everything: the hash
//! chain, every MAC, and the journal's end against the head in the keyring.

use std::path::PathBuf;
use std::process::ExitCode;

use sio_vault::{
    Actor, JournalError, JournalKeys, MacCheck, Principal, VerifyReport, accept_current,
    exports_anchored, keystore_from_env, verify_anchored,
};

/// The app's prefix of keyring entries (`sio-app:journal-mac`, `sio-app:journal-head:…`).
const APP_KEY_PREFIX: &str = "sio-app:";

/// Arguments of `sio audit`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    #[command(subcommand)]
    command: AuditCommand,
}

#[derive(Debug, clap::Subcommand)]
enum AuditCommand {
    /// Verify the journal: every entry canonical, numbered 1…n without gaps, hash-chained, every
    /// MAC under the journal key from the keyring, and its end matching the head anchored in the
    /// keyring. Prints `OK <n> entries` (exit 0) or the first problem with a stable code (exit
    /// 1). Without the key the journal is not called sound unless `--no-mac` is given.
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
    /// Helpdesk: anchor the journal as it stands (a journal from before anchoring, or one whose
    /// head or key the keyring lost: `VAULT_JOURNAL_HEAD_MISSING`, `VAULT_JOURNAL_KEY_MISSING`).
    /// The chain is checked, then a journaled `journal.anchored` entry records the reason, what
    /// was accepted and what the keyring held before. Compare the journal with the gateway's
    /// journal of the workstation's requests first: what was cut before now cannot be found.
    Anchor(AnchorArgs),
}

#[derive(Debug, clap::Args)]
struct Location {
    /// The journal file (JSON Lines); default `$SIO_DATA_DIR/audit.jsonl`, else the app's
    /// default data directory.
    #[arg(long, value_name = "PATH")]
    journal: Option<PathBuf>,
    /// The journal key's keyring entry, instead of the app's `sio-app:journal-mac`.
    #[arg(long, value_name = "ENTRY")]
    mac_key: Option<String>,
    /// The keyring service the key and the head are stored under.
    #[arg(long, value_name = "NAME", default_value = "sio-vault")]
    keyring_service: String,
    /// Print one JSON object instead of text.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, clap::Args)]
struct JournalArgs {
    #[command(flatten)]
    at: Location,
    /// Do not check the MACs (no key at hand): only the hash chain and the anchored head. A
    /// chain rewritten by someone without the key then passes; the output says so.
    #[arg(long)]
    no_mac: bool,
}

#[derive(Debug, clap::Args)]
struct AnchorArgs {
    #[command(flatten)]
    at: Location,
    /// Accept the journal's current entries as they stand (required: say it explicitly).
    #[arg(long, required = true)]
    accept_current: bool,
    /// Why (the helpdesk ticket, the comparison with the gateway's journal); journaled. One
    /// line of 1 to 500 characters.
    #[arg(long, value_name = "TEXT", value_parser = parse_reason)]
    reason: String,
    /// The keyring no longer holds the key the entries were MAC-ed with (a reboot with the
    /// kernel keyring, a new profile): accept them on their hash chain alone and MAC from here
    /// on under the keyring's key (a new one if there is none).
    #[arg(long)]
    key_lost: bool,
}

/// `--reason`: one line (no control characters), 1 to 500 characters, trimmed.
fn parse_reason(s: &str) -> Result<String, String> {
    let reason = s.trim();
    if reason.is_empty() || reason.chars().count() > 500 || reason.chars().any(char::is_control) {
        return Err("one line of 1 to 500 characters (the ticket, what was compared)".to_owned());
    }
    Ok(reason.to_owned())
}

/// Run `sio audit`.
pub(crate) fn run(args: Args) -> ExitCode {
    match args.command {
        AuditCommand::Verify(j) => run_verify(&j),
        AuditCommand::Exports { journal, csv } => run_exports(&journal, csv),
        AuditCommand::Anchor(a) => run_anchor(&a),
    }
}

/// A verification failure: code, first bad sequence number, message.
type Failure = (&'static str, Option<u64>, String);

fn failure(e: &JournalError) -> Failure {
    (e.code(), e.seq(), e.to_string())
}

fn journal_path(at: &Location) -> PathBuf {
    at.journal.clone().unwrap_or_else(|| {
        std::env::var_os("SIO_DATA_DIR")
            .filter(|d| !d.is_empty())
            .map_or_else(sio_workstation::hardware::default_data_dir, PathBuf::from)
            .join("audit.jsonl")
    })
}

/// The journal's file and its keys in the store the app uses.
fn locate(at: &Location) -> Result<(PathBuf, JournalKeys), Failure> {
    let path = journal_path(at);
    let store = keystore_from_env(&at.keyring_service);
    let mut keys = JournalKeys::new(store, APP_KEY_PREFIX, &path).map_err(|e| failure(&e))?;
    if let Some(name) = &at.mac_key {
        keys = keys.with_mac_name(name.as_str());
    }
    Ok((path, keys))
}

fn macs(args: &JournalArgs) -> MacCheck {
    if args.no_mac {
        MacCheck::Skip
    } else {
        MacCheck::Require
    }
}

fn run_verify(args: &JournalArgs) -> ExitCode {
    let json = args.at.json;
    let (path, keys) = match locate(&args.at) {
        Ok(v) => v,
        Err(f) => return fail(json, &f),
    };
    match verify_anchored(&path, &keys, macs(args)) {
        Ok(report) => {
            if json {
                crate::print_line(&format!(
                    "{}",
                    serde_json::json!({
                        "ok": true,
                        "entries": report.entries,
                        "anchor_checked": report.anchor_checked,
                        "head_checked": report.head_checked,
                        "macs_checked": report.macs_checked,
                        "macs_checked_from": report.macs_checked_from,
                    })
                ));
            } else {
                crate::print_line(&describe(&report));
            }
            ExitCode::SUCCESS
        }
        Err(e) => fail(json, &failure(&e)),
    }
}

fn describe(report: &VerifyReport) -> String {
    if report.entries == 0 {
        return "OK 0 entries: the journal is empty and the keyring holds no head for it"
            .to_owned();
    }
    let macs = if !report.macs_checked {
        "MACs NOT checked (--no-mac): a chain rewritten without the key would pass".to_owned()
    } else if report.macs_checked_from > 1 {
        format!(
            "MACs valid from entry {} (the re-anchoring after the key was lost; the entries \
             before it are covered by the hash chain only)",
            report.macs_checked_from
        )
    } else {
        "MACs valid".to_owned()
    };
    format!(
        "OK {} entries: hash chain intact, end matches the head anchored in the keyring, {macs}",
        report.entries
    )
}

fn run_exports(args: &JournalArgs, csv: bool) -> ExitCode {
    let json = args.at.json;
    let (path, keys) = match locate(&args.at) {
        Ok(v) => v,
        Err(f) => return fail(json, &f),
    };
    let rows = match exports_anchored(&path, &keys, macs(args)) {
        Ok(rows) => rows,
        Err(e) => return fail(json, &failure(&e)),
    };
    if args.no_mac {
        eprintln!("warning: the journal's MACs were not checked (--no-mac)");
    }
    if csv {
        crate::print_line(
            "seq,time,user,workstation,request_id,result_id,reason,destination,sha256",
        );
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
            // The reason is free text: formula starts are neutralised as in the reports' CSV.
            let quoted: Vec<String> = fields
                .iter()
                .map(|f| sio_client::reports::csv_field(f))
                .collect();
            crate::print_line(&quoted.join(","));
        }
    } else {
        for r in &rows {
            crate::print_line(&serde_json::to_string(r).unwrap_or_default());
        }
    }
    ExitCode::SUCCESS
}

/// The OS account running the command, reduced to a safe journal field.
fn os_user() -> String {
    let name = std::env::var("USER")
        .or_else(|_| std::env::var("LOGNAME"))
        .unwrap_or_default();
    let clean: String = name
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        .take(64)
        .collect();
    if clean.is_empty() {
        "unknown".to_owned()
    } else {
        clean
    }
}

fn run_anchor(args: &AnchorArgs) -> ExitCode {
    let json = args.at.json;
    let (path, keys) = match locate(&args.at) {
        Ok(v) => v,
        Err(f) => return fail(json, &f),
    };
    let actor = Actor {
        principal: Principal::System(format!("helpdesk:{}", os_user())),
        workstation: sio_vault::workstation_name(),
        ip: None,
    };
    match accept_current(&path, &keys, &actor, &args.reason, args.key_lost) {
        Ok(r) => {
            if json {
                crate::print_line(&format!(
                    "{}",
                    serde_json::json!({
                        "ok": true,
                        "accepted_entries": r.accepted_entries,
                        "seq": r.seq,
                        "previous_anchor": r.previous_anchor,
                        "macs_checked": r.macs_checked,
                    })
                ));
            } else {
                let macs = if r.macs_checked {
                    "their MACs valid"
                } else {
                    "their MACs NOT checked (key lost); MACs are checked from the new entry on"
                };
                crate::print_line(&format!(
                    "ANCHORED {} entries accepted ({macs}); entry {} `journal.anchored` records \
                     it; the keyring held before: {}",
                    r.accepted_entries, r.seq, r.previous_anchor
                ));
            }
            ExitCode::SUCCESS
        }
        Err(e) => fail(json, &failure(&e)),
    }
}

/// A refusal: the code on standard output (also when its reader has gone away, the exit status
/// stays a failure).
fn fail(json: bool, (code, seq, message): &Failure) -> ExitCode {
    use std::io::Write as _;
    let line = if json {
        serde_json::json!({"ok": false, "code": code, "seq": seq, "message": message}).to_string()
    } else {
        match seq {
            Some(seq) => format!("FAILED {code} at entry {seq}: {message}"),
            None => format!("FAILED {code}: {message}"),
        }
    };
    let _ = writeln!(std::io::stdout().lock(), "{line}");
    ExitCode::FAILURE
}
