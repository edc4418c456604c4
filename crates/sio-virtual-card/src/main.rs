//! `sio-virtual-card`: a virtual PIV card attached to vpcd.

use std::{net::SocketAddr, path::PathBuf, process::ExitCode};

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
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
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
