//! The agent's entry point: its command line and the service loop (see the crate's documentation
//! and packaging/linux/sio-fingerprint-agent.service). Run by systemd as root.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use crate::{Agent, Config};
use clap::Parser;

/// The workstation's fingerprint agent of АРМ СИО ПСО: holds the workstation key, asks fprintd,
/// signs the verdict for the gateway's challenge.
#[derive(Debug, Parser)]
#[command(name = "sio-fingerprint-agent", version)]
struct Args {
    /// The Unix socket to answer on.
    #[arg(long, default_value = crate::DEFAULT_SOCKET)]
    socket: PathBuf,
    /// The workstation certificate (PEM).
    #[arg(long, default_value = crate::DEFAULT_CERTIFICATE)]
    certificate: PathBuf,
    /// Its private key (PKCS#8 PEM; a regular file owned by this account, mode 0600).
    #[arg(long, default_value = crate::DEFAULT_KEY)]
    key: PathBuf,
    /// fprintd user names of the prints: this prefix and the ИИН.
    #[arg(long, default_value = crate::DEFAULT_PRINTS_PREFIX)]
    prints_prefix: String,
    /// The reader (fprintd object path); fprintd's default reader otherwise.
    #[arg(long)]
    device: Option<String>,
    /// An account (uid) allowed to enrol and delete prints, besides root; repeat the option.
    #[arg(long = "helpdesk-uid")]
    helpdesk_uids: Vec<u32>,
}

/// Run the agent on the command line `args` (the program name first) until it is stopped; the
/// `sio-fingerprint-agent` binary and `sio` invoked through a link of that name
/// (`sio_cli::main_with`) both come here.
pub fn main_with<I, T>(args: I) -> ExitCode
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    use std::io::IsTerminal as _;
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        // The journal (systemd) gets plain text.
        .with_ansi(std::io::stderr().is_terminal())
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .init();
    let args = Args::parse_from(args);
    let mut config = Config::new();
    config.socket = args.socket;
    config.certificate = args.certificate;
    config.key = args.key;
    config.prints_prefix = args.prints_prefix;
    config.device = args.device;
    config.helpdesk_uids.extend(args.helpdesk_uids);
    let agent = match Agent::load(&config) {
        Ok(a) => Arc::new(a),
        Err(e) => {
            eprintln!("sio-fingerprint-agent: {e} ({})", e.code());
            return ExitCode::FAILURE;
        }
    };
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("sio-fingerprint-agent: runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    rt.block_on(async {
        let listener = match Agent::bind(&config.socket) {
            Ok(l) => l,
            Err(e) => {
                eprintln!("sio-fingerprint-agent: {e} ({})", e.code());
                return ExitCode::FAILURE;
            }
        };
        tracing::info!(
            socket = %config.socket.display(),
            workstation = %agent.workstation().name,
            certificate_sha256 = %agent.workstation().certificate_sha256,
            "fingerprint agent ready"
        );
        tokio::select! {
            () = agent.serve(listener) => {}
            _ = tokio::signal::ctrl_c() => {}
        }
        let _ = std::fs::remove_file(&config.socket);
        ExitCode::SUCCESS
    })
}
