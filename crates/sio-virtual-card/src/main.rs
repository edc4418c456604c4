//! `sio-virtual-card`: a virtual PIV card attached to vpcd.

use std::{
    fs::{File, OpenOptions},
    io::Write,
    net::SocketAddr,
    path::{Path, PathBuf},
    process::ExitCode,
};

use clap::Parser;
use tracing_subscriber::EnvFilter;

/// Virtual PIV smart card (piv-authenticator) served to pcscd through vsmartcard's vpcd.
#[derive(Debug, Parser)]
#[command(version)]
struct Args {
    /// Directory for the card's flash (keys, certificates, PIN counters); RAM only if absent.
    #[arg(long, value_name = "DIR")]
    state: Option<PathBuf>,
    /// Wipe the state directory first: the card starts blank (default PIN, PUK, management key).
    #[arg(long)]
    reset: bool,
    /// vpcd address.
    #[arg(long, default_value = "127.0.0.1:35963")]
    vpcd: SocketAddr,
    /// Control file for removal/insertion (default: DIR/control with --state).
    #[arg(long, value_name = "FILE")]
    control: Option<PathBuf>,
    /// Instance file: locked while the card runs (one card per vpcd slot) and holding its pid
    /// and state directory.
    #[arg(long, value_name = "FILE", default_value = "/tmp/sio-card.pid")]
    pid_file: PathBuf,
}

/// Locks the instance file and writes `pid\nstate\n` into it; the lock lives as long as the file.
#[allow(clippy::incompatible_msrv)] // File::try_lock: the workspace builds with Rust 1.95
fn claim_instance(path: &Path, state: Option<&Path>) -> Result<File, String> {
    let mut file = OpenOptions::new()
        .create(true)
        .truncate(false)
        .read(true)
        .write(true)
        .open(path)
        .map_err(|e| format!("opening {}: {e}", path.display()))?;
    if file.try_lock().is_err() {
        let other = std::fs::read_to_string(path).unwrap_or_default();
        let pid = other.lines().next().unwrap_or("?");
        return Err(format!(
            "another sio-virtual-card (pid {pid}) holds {}; stop it first (scripts/card-down.sh)",
            path.display()
        ));
    }
    let state = state
        .and_then(|s| std::fs::canonicalize(s).ok())
        .map(|s| s.display().to_string())
        .unwrap_or_default();
    file.set_len(0)
        .and_then(|()| write!(file, "{}\n{state}\n", std::process::id()))
        .map_err(|e| format!("writing {}: {e}", path.display()))?;
    Ok(file)
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            // piv-authenticator logs every parsed command at INFO, PIN bytes included: keep it
            // at WARN so no PIN reaches the card's log.
            EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| EnvFilter::new("info,piv_authenticator=warn,trussed=warn")),
        )
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .init();
    let args = Args::parse();
    if !args.vpcd.ip().is_loopback() {
        eprintln!("sio-virtual-card: --vpcd must be a loopback address");
        return ExitCode::from(2);
    }
    if let Some(dir) = &args.state {
        if let Err(err) = sio_virtual_card::prepare_state(dir, args.reset) {
            eprintln!("sio-virtual-card: {err} [{}]", err.code());
            return ExitCode::FAILURE;
        }
    }
    let _instance = match claim_instance(&args.pid_file, args.state.as_deref()) {
        Ok(file) => file,
        Err(err) => {
            eprintln!("sio-virtual-card: {err}");
            return ExitCode::from(3);
        }
    };
    let config = sio_virtual_card::VpcdConfig {
        addr: args.vpcd,
        control: args
            .control
            .or_else(|| args.state.as_ref().map(|dir| dir.join("control"))),
    };
    tracing::info!(state = ?args.state, control = ?config.control, "starting virtual PIV card");
    sio_virtual_card::with_card(args.state.as_deref(), |card| {
        sio_virtual_card::vpcd::serve(&config, card)
    })
}
