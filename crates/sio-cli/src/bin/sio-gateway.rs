//! `sio-gateway`: the reference gateway's program (the sio-gateway package). It is `sio` with the
//! gateway built in, and reads `sio-gateway run|admin|backup …` as `sio gateway …`
//! ([`sio_cli::main_with`] by its program name; `sio-gateway pki …` makes a test PKI).

fn main() -> std::process::ExitCode {
    let mut args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    // The program's own name decides how its arguments read: run through any path or link, it is
    // the gateway's program.
    if let Some(first) = args.first_mut() {
        *first = sio_cli::GATEWAY_PROGRAM_NAME.into();
    }
    sio_cli::main_with(args)
}
