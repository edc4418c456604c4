//! `sio-fingerprint-agent`: the workstation's fingerprint agent (see the library's documentation
//! and packaging/linux/sio-fingerprint-agent.service). Run by systemd as root. The packages run
//! the same code from the `sio` binary through a link named `sio-fingerprint-agent`.

fn main() -> std::process::ExitCode {
    sio_fingerprint_agent::main_with(std::env::args_os())
}
