//! Crash-test child, to run by hand: stores, views and shreds large results in a loop until it
//! is killed. `crash_child <dir> <size-bytes> <marker> <key-prefix>`; see
//! `tests/crash_child/mod.rs`. Run it under `keyctl session -` (Linux keyutils).

#[path = "../tests/crash_child/mod.rs"]
mod crash_child;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    crash_child::run(&args)
}
