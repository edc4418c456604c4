//! The one OPENSSL_CONF writer for the tests and benches that run OpenSSL with Debian's GOST
//! engine (`libengine-gost-openssl`): included with `#[path]` by sio-sign's and sio-pki's
//! `gost_openssl` tests and sio-sign's `gost` bench.

use std::path::{Path, PathBuf};
use std::process::Command;

/// Write `dir/openssl-gost.cnf`, which loads the gost engine from OpenSSL's ENGINESDIR, and return
/// its path (to pass as `OPENSSL_CONF`). Panics with what to install when the engine is missing.
pub(crate) fn gost_conf(dir: &Path) -> PathBuf {
    let out = Command::new("openssl")
        .args(["version", "-e"])
        .output()
        .expect("the openssl CLI (Debian package openssl)");
    let text = String::from_utf8_lossy(&out.stdout);
    let engines = text
        .split('"')
        .nth(1)
        .expect("ENGINESDIR in `openssl version -e`")
        .to_owned();
    let so = Path::new(&engines).join("gost.so");
    assert!(
        so.exists(),
        "{} missing: install libengine-gost-openssl (scripts/apt-packages.txt)",
        so.display()
    );
    let conf = dir.join("openssl-gost.cnf");
    std::fs::write(
        &conf,
        format!(
            "openssl_conf = openssl_def\n[openssl_def]\nengines = engine_section\n\
             [engine_section]\ngost = gost_section\n[gost_section]\nengine_id = gost\n\
             dynamic_path = {}\ndefault_algorithms = ALL\n",
            so.display()
        ),
    )
    .expect("write the OpenSSL configuration");
    conf
}
