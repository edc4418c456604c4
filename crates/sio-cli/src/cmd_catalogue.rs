//! `sio catalogue`: the encoded tables, machine-readable.

use std::process::ExitCode;

/// Arguments of `sio catalogue`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// Print JSON (the only format for now).
    #[arg(long)]
    json: bool,
}

/// Run `sio catalogue`.
pub(crate) fn run(_args: Args) -> ExitCode {
    ExitCode::SUCCESS
}
