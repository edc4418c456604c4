//! `sio`: the command line of АРМ СИО ПСО (the library's [`sio_cli::main_with`]); run through a link
//! named `sio-fingerprint-agent` it is the workstation's fingerprint agent.

fn main() -> std::process::ExitCode {
    sio_cli::main_with(std::env::args_os())
}
