//! `sio`: the command line of АРМ СИО ПСО — catalogue, signatures, the reference gateway, diagnosis, demo.
//!
//! A library so that one binary holds every entry point of the workstation's command line: the
//! `sio` binary (src/main.rs) is a wrapper over [`main_with`], which also runs the fingerprint
//! agent when the program is invoked through a link named `sio-fingerprint-agent` (the packages
//! install `/usr/bin/sio-fingerprint-agent` as a link to `sio`; issue 21, docs/PERFORMANCE.md).
//!
//! The reference gateway is the feature `gateway` (on by default): the workstation's packaged `sio`
//! is built without it and answers `sio gateway …` with `CLI_GATEWAY_NOT_INSTALLED`; the gateway's
//! package ships the `sio-gateway` binary (src/bin/sio-gateway.rs), for which [`main_with`] reads
//! `sio-gateway X …` as `sio gateway X …`.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod cmd_audit;
mod cmd_catalogue;
mod cmd_check;
mod cmd_diagnose;
mod cmd_fingerprint;
#[cfg(feature = "gateway")]
mod cmd_gateway;
mod cmd_login;
mod cmd_pki;
mod cmd_policy;
mod cmd_report;
mod cmd_request;
mod cmd_sign;
mod cmd_update;
mod cmd_verify;
mod failure;

/// АРМ СИО ПСО command line.
#[derive(Debug, Parser)]
#[command(name = "sio", version, about, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// The audit journal: `verify` detects any edit, deletion, insertion or reordering; `exports`.
    Audit(cmd_audit::Args),
    /// Print the encoded rules: bases, roles (Order 34/2026 App. 1), services (Order 88/2024 App. 2).
    Catalogue(cmd_catalogue::Args),
    /// Decide a request (JSON) against the rules: allowed with its variant, or refused with a code.
    Check(cmd_check::Args),
    /// Check this workstation: Appendix 4, air gap, card stack, biometric devices, channel.
    Diagnose(cmd_diagnose::Args),
    /// Fingerprint readers for the helpdesk: `devices`, `enroll` (recorded on the gateway), `verify`.
    Fingerprint(cmd_fingerprint::Args),
    /// The reference gateway: `run` it, or administer it (`admin …`).
    #[cfg(feature = "gateway")]
    Gateway(cmd_gateway::Args),
    /// The reference gateway is not part of this build (the workstation's `sio`): refused with
    /// `CLI_GATEWAY_NOT_INSTALLED`, whatever follows.
    #[cfg(not(feature = "gateway"))]
    #[command(hide = true, disable_help_flag = true)]
    Gateway {
        #[arg(trailing_var_arg = true, allow_hyphen_values = true, hide = true)]
        rest: Vec<std::ffi::OsString>,
    },
    /// Log in to СИО ПСО with the token and a second factor (helpdesk and scripted checks).
    Login(cmd_login::Args),
    /// Sign a document (CMS/CAdES-BES .p7s) with a token key; co-sign an existing signature.
    Sign(cmd_sign::Args),
    /// Verify a .p7s against trusted CAs, a CRL and a key purpose.
    Verify(cmd_verify::Args),
    /// Requests for information: `compose` (checked against the rules), `send` (signed on the
    /// card, through the encrypted outbox), `list`, `view` (then destroyed).
    Request(cmd_request::Args),
    /// A supervisor's report of the body's requests for a period (rule 10) as CSV and PDF.
    Report(cmd_report::Args),
    /// The test PKI shaped like NCA RK: `init`, `revoke`, `issue` for a card's public key.
    Pki(cmd_pki::Args),
    /// The administrator's policy file: `check` it (schema, rules, owner and mode).
    Policy(cmd_policy::Args),
    /// Offline updates from a signed bundle: `verify`, `apply`, `status` (vendor: `make`, `keygen`).
    Update(cmd_update::Args),
    /// Write the manual pages of `sio` and its subcommands into a directory (packaging).
    #[command(hide = true)]
    Man {
        /// Output directory.
        dir: std::path::PathBuf,
    },
}

/// Write `text` and a newline to standard output, never panicking as `println!` does on a closed
/// pipe. Called once a command's work is done: a reader that has gone away (`sio gateway admin
/// users | head -1`) ends the command quietly with success, since it took what it wanted; any
/// other write error ends it with failure.
pub(crate) fn print_line(text: &str) {
    use std::io::Write as _;
    let mut out = std::io::stdout().lock();
    match writeln!(out, "{text}").and_then(|()| out.flush()) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => std::process::exit(0),
        Err(e) => {
            eprintln!("error: cannot write the output: {e}");
            std::process::exit(1);
        }
    }
}

/// Write `sio.1` and one page per subcommand (`sio-gateway.1`, `sio-gateway-admin.1`, …).
fn man(dir: &std::path::Path) -> ExitCode {
    use clap::CommandFactory;
    let mut cmd = Cli::command();
    cmd.build();
    match std::fs::create_dir_all(dir).and_then(|()| clap_mangen::generate_to(cmd, dir)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!(
                "error: cannot write the manual pages to {}: {e}",
                dir.display()
            );
            ExitCode::FAILURE
        }
    }
}

/// The single-threaded async runtime a command runs on; `None` (said on stderr) when the OS
/// refuses one.
fn runtime(command: &str) -> Option<tokio::runtime::Runtime> {
    match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => Some(rt),
        Err(e) => {
            eprintln!("sio {command}: cannot start the runtime: {e}");
            None
        }
    }
}

/// The name the fingerprint agent is invoked by (`/usr/bin/sio-fingerprint-agent`, a link to `sio`;
/// its systemd unit runs it under this name).
pub const FINGERPRINT_AGENT_NAME: &str = "sio-fingerprint-agent";

/// The name of the gateway's program (the sio-gateway package's `/usr/bin/sio-gateway`, built from
/// src/bin/sio-gateway.rs): `sio-gateway run …` is `sio gateway run …`; `pki`, `man`, `--version`
/// and `-V` keep their `sio` meaning, so the gateway's host can make a test PKI without the
/// workstation package.
pub const GATEWAY_PROGRAM_NAME: &str = "sio-gateway";

/// Read the arguments of the gateway's program as those of `sio`: the program is `sio` (so usage
/// and errors name `sio gateway run`, the pages' name), and `gateway` is inserted after it unless
/// the first argument is one of the commands the program keeps.
fn gateway_program_args(mut args: Vec<std::ffi::OsString>) -> Vec<std::ffi::OsString> {
    const KEPT: [&str; 4] = ["pki", "man", "--version", "-V"];
    let keep = args
        .get(1)
        .and_then(|a| a.to_str())
        .is_some_and(|a| KEPT.contains(&a));
    match args.first_mut() {
        Some(program) => *program = "sio".into(),
        None => return args,
    }
    if !keep {
        args.insert(1, "gateway".into());
    }
    args
}

/// Run the command line on `args` (the program name first, as [`std::env::args_os`] gives it)
/// and return the process's exit code. A program name whose file name is
/// [`FINGERPRINT_AGENT_NAME`] runs the fingerprint agent instead of `sio`.
pub fn main_with<I, T>(args: I) -> ExitCode
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    let args: Vec<std::ffi::OsString> = args.into_iter().map(Into::into).collect();
    let invoked_as = args
        .first()
        .map(std::path::Path::new)
        .and_then(std::path::Path::file_name);
    if invoked_as.is_some_and(|name| name == FINGERPRINT_AGENT_NAME) {
        return sio_fingerprint_agent::main_with(args);
    }
    let args = if invoked_as.is_some_and(|name| name == GATEWAY_PROGRAM_NAME) {
        gateway_program_args(args)
    } else {
        args
    };
    let cli = Cli::parse_from(args);
    match cli.command {
        Command::Audit(args) => cmd_audit::run(args),
        Command::Catalogue(args) => cmd_catalogue::run(args),
        Command::Check(args) => cmd_check::run(args),
        Command::Diagnose(args) => cmd_diagnose::run(args),
        Command::Fingerprint(args) => cmd_fingerprint::run(args),
        #[cfg(feature = "gateway")]
        Command::Gateway(args) => cmd_gateway::run(args),
        #[cfg(not(feature = "gateway"))]
        Command::Gateway { .. } => cmd_request::finish(
            "gateway",
            Err(failure::fail(
                "CLI_GATEWAY_NOT_INSTALLED",
                "this is the workstation's `sio`, built without the reference gateway; \
                 on the gateway's host, install the sio-gateway package and run `sio-gateway …`",
            )),
        ),
        Command::Login(args) => cmd_login::run(args),
        Command::Sign(args) => cmd_sign::run(args),
        Command::Verify(args) => cmd_verify::run(args),
        Command::Pki(args) => cmd_pki::run(args),
        Command::Request(args) => cmd_request::run(args),
        Command::Report(args) => cmd_report::run(args),
        Command::Policy(args) => cmd_policy::run(args),
        Command::Update(args) => cmd_update::run(args),
        Command::Man { dir } => man(&dir),
    }
}

#[cfg(test)]
mod tests {
    /// clap's own consistency checks (unique names, valid groups) over every subcommand: a clash
    /// would otherwise panic only in a debug build, when that subcommand is first built.
    #[test]
    fn command_line_is_consistent() {
        use clap::CommandFactory;
        super::Cli::command().debug_assert();
    }

    /// `sio-gateway X …` is `sio gateway X …`, but for the commands the gateway's program keeps.
    #[test]
    fn gateway_program_reads_as_sio_gateway() {
        let args = |v: &[&str]| v.iter().map(std::ffi::OsString::from).collect::<Vec<_>>();
        let cases: [(&[&str], &[&str]); 5] = [
            (
                &["sio-gateway", "run", "--no-demo"],
                &["sio", "gateway", "run", "--no-demo"],
            ),
            (
                &["sio-gateway", "admin", "users"],
                &["sio", "gateway", "admin", "users"],
            ),
            (&["sio-gateway"], &["sio", "gateway"]),
            (
                &["sio-gateway", "pki", "init", "d"],
                &["sio", "pki", "init", "d"],
            ),
            (&["sio-gateway", "--version"], &["sio", "--version"]),
        ];
        for (given, read) in cases {
            assert_eq!(super::gateway_program_args(args(given)), args(read));
        }
    }
}
