//! `sio policy check`: validate the administrator's policy file (docs/policy.md) before it is
//! installed, or check the installed one, including that the user cannot write it.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Subcommand;
use serde::Serialize;
use sio_policy::{Policy, PolicyError};

/// Arguments of `sio policy`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    #[command(subcommand)]
    command: PolicyCommand,
}

#[derive(Debug, Subcommand)]
enum PolicyCommand {
    /// Validate a policy file: schema, every rule, and owner/mode (exit 0 valid, 1 not).
    Check(CheckArgs),
}

#[derive(Debug, clap::Args)]
struct CheckArgs {
    /// The policy file (default: the installed one, /etc/sio/policy.toml).
    file: Option<PathBuf>,
    /// Print the outcome as JSON: {file, ok, errors:[{code,message}], warnings:[…], policy}.
    #[arg(long)]
    json: bool,
    /// Treat a file the user could change as an error even when it is not the installed one
    /// (the installed file is always checked so).
    #[arg(long)]
    installed: bool,
}

#[derive(Debug, Serialize)]
struct Finding {
    code: &'static str,
    message: String,
}

#[derive(Debug, Serialize)]
struct Outcome {
    file: String,
    ok: bool,
    errors: Vec<Finding>,
    warnings: Vec<Finding>,
    /// The effective policy with every default filled in (absent when it does not parse).
    policy: Option<Policy>,
}

/// Run `sio policy`.
pub(crate) fn run(args: Args) -> ExitCode {
    match args.command {
        PolicyCommand::Check(a) => check(a),
    }
}

fn finding(e: &PolicyError) -> Finding {
    Finding {
        code: e.code(),
        message: e.to_string(),
    }
}

fn is_system(file: &Path) -> bool {
    let system = sio_policy::system_path();
    match (std::fs::canonicalize(file), std::fs::canonicalize(&system)) {
        (Ok(a), Ok(b)) => a == b,
        _ => file == system,
    }
}

fn outcome(file: &Path, installed: bool) -> Outcome {
    let mut errors = Vec::new();
    let mut warnings = Vec::new();
    let mut policy = None;
    // An unreadable file has no permissions worth checking.
    let mut readable = true;
    match std::fs::read_to_string(file) {
        Err(source) => {
            readable = false;
            errors.push(finding(&PolicyError::Read {
                path: file.to_owned(),
                source,
            }));
        }
        Ok(text) => match Policy::parse_schema(&text) {
            Err(e) => errors.push(finding(&e)),
            Ok(p) => {
                errors.extend(
                    p.problems()
                        .into_iter()
                        .map(|m| finding(&PolicyError::Invalid(m))),
                );
                policy = Some(p);
            }
        },
    }
    if readable && let Err(e) = sio_policy::check_protection(file) {
        if installed || is_system(file) {
            errors.push(finding(&e));
        } else {
            warnings.push(finding(&e));
        }
    }
    Outcome {
        file: file.display().to_string(),
        ok: errors.is_empty(),
        errors,
        warnings,
        policy,
    }
}

fn check(a: CheckArgs) -> ExitCode {
    let file = a.file.clone().unwrap_or_else(sio_policy::system_path);
    let o = outcome(&file, a.installed);
    if a.json {
        match serde_json::to_string_pretty(&o) {
            Ok(s) => println!("{s}"),
            Err(e) => eprintln!("error: {e}"),
        }
    } else {
        for e in &o.errors {
            eprintln!("error {}: {}", e.code, e.message);
        }
        for w in &o.warnings {
            eprintln!("warning {}: {}", w.code, w.message);
        }
        if o.ok {
            println!("{}: the policy is valid", o.file);
        }
    }
    if o.ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
