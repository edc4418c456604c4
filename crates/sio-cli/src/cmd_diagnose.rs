//! `sio diagnose`: the workstation self-check for the helpdesk (Appendix 4, air gap, card stack,
//! biometric devices, protected channel, versions) as text, JSON or a self-contained HTML report.

use std::path::PathBuf;
use std::process::ExitCode;

use sio_workstation::{Config, Group, Policy, Requirements, WorkstationError};

/// Arguments of `sio diagnose`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// Print the report as JSON instead of text.
    #[arg(long)]
    json: bool,
    /// Also write the report as one self-contained HTML file (for a helpdesk ticket).
    #[arg(long, value_name = "FILE")]
    report: Option<PathBuf>,
    /// The administrator's policy file (default: /etc/sio/policy.toml when it exists).
    #[arg(long, value_name = "FILE")]
    policy: Option<PathBuf>,
    /// Thresholds to check against instead of Appendix 4 (TOML, or JSON by extension).
    #[arg(long, value_name = "FILE")]
    profile: Option<PathBuf>,
    /// Check only these groups: hardware, network, smart-card, biometrics, channel, versions.
    #[arg(long, value_name = "GROUP", value_parser = parse_group)]
    only: Vec<Group>,
    /// The data directory whose disk must have the free space (default: ~/.local/share/sio).
    #[arg(long, value_name = "DIR")]
    data_dir: Option<PathBuf>,
    /// Run only the start guard the client runs before a session (passive air-gap check): exit 0
    /// when clear or when the policy says warn, 3 when the policy says refuse.
    #[arg(long, conflicts_with_all = ["json", "report", "only"])]
    guard: bool,
}

fn parse_group(s: &str) -> Result<Group, String> {
    Group::ALL
        .into_iter()
        .find(|g| g.name() == s)
        .ok_or_else(|| {
            let names: Vec<&str> = Group::ALL.iter().map(|g| g.name()).collect();
            format!("unknown group {s:?}; one of: {}", names.join(", "))
        })
}

fn config(args: &Args) -> Result<Config, WorkstationError> {
    let mut config = Config {
        app_version: env!("CARGO_PKG_VERSION").to_owned(),
        ..Config::default()
    };
    if let Some(p) = &args.profile {
        config.requirements = Requirements::load(p)?;
    }
    let policy = args.policy.clone().or_else(|| {
        let system = PathBuf::from("/etc/sio/policy.toml");
        system.exists().then_some(system)
    });
    if let Some(p) = policy {
        config.policy = Policy::load_any(&p)?;
    }
    if args.data_dir.is_some() {
        config.policy.data_dir = args.data_dir.clone();
    }
    if !args.only.is_empty() {
        config.groups = args.only.clone();
    }
    Ok(config)
}

fn guard(config: &Config) -> ExitCode {
    match sio_workstation::start_guard(&config.policy) {
        Ok(findings) => {
            for f in &findings {
                println!(
                    "{} {}: {} — {}",
                    f.status.as_str(),
                    f.code,
                    f.measured,
                    f.action
                );
            }
            if findings.is_empty() {
                println!("air gap: clear");
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("sio diagnose --guard: {} ({})", e, e.code());
            ExitCode::from(3)
        }
    }
}

/// Run `sio diagnose`: exit 0 when nothing failed, 1 when an item failed, 2 on bad arguments
/// (with `--guard`: 3 when the start guard refuses).
pub(crate) fn run(args: Args) -> ExitCode {
    let config = match config(&args) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("sio diagnose: {} ({})", e, e.code());
            return ExitCode::from(2);
        }
    };
    if args.guard {
        return guard(&config);
    }
    let Some(runtime) = crate::runtime("diagnose") else {
        return ExitCode::from(2);
    };
    let report = runtime.block_on(sio_workstation::run(&config));
    // A driver call that timed out cannot be cancelled: do not wait for it.
    runtime.shutdown_timeout(std::time::Duration::from_millis(200));
    if let Some(path) = &args.report {
        if let Err(e) = std::fs::write(path, report.to_html()) {
            eprintln!(
                "sio diagnose: cannot write {}: {e} (WS_REPORT_WRITE)",
                path.display()
            );
            return ExitCode::from(2);
        }
    }
    if args.json {
        match serde_json::to_string_pretty(&report) {
            Ok(j) => println!("{j}"),
            Err(e) => {
                eprintln!("sio diagnose: {e}");
                return ExitCode::from(2);
            }
        }
    } else {
        print!("{}", report.to_text());
    }
    if report.has_failures() {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}
