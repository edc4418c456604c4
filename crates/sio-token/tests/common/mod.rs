//! Helpers shared by the integration tests: running tools, verifying with openssl.
#![allow(dead_code, clippy::unwrap_used)]

use std::path::Path;
use std::process::Command;

/// Run a command; panic with its output when it fails.
pub(crate) fn run(cmd: &mut Command) -> String {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Verify `sig` over `msg` with the public key of the DER certificate `cert_der`, using the
/// openssl command line. `pss` selects RSA-PSS (salt 32); `md` is `sha256` or `sha384`.
pub(crate) fn openssl_verify(
    dir: &Path,
    cert_der: &[u8],
    msg: &[u8],
    sig: &[u8],
    md: &str,
    pss: bool,
) -> bool {
    let cert = dir.join("verify-cert.der");
    let pubkey = dir.join("verify-pub.pem");
    let msg_path = dir.join("verify-msg.bin");
    let sig_path = dir.join("verify-sig.bin");
    std::fs::write(&cert, cert_der).unwrap();
    std::fs::write(&msg_path, msg).unwrap();
    std::fs::write(&sig_path, sig).unwrap();
    run(Command::new("openssl")
        .args(["x509", "-inform", "DER", "-pubkey", "-noout", "-in"])
        .arg(&cert)
        .arg("-out")
        .arg(&pubkey));
    let mut c = Command::new("openssl");
    c.args(["dgst", &format!("-{md}"), "-verify"])
        .arg(&pubkey)
        .arg("-signature")
        .arg(&sig_path);
    if pss {
        c.args([
            "-sigopt",
            "rsa_padding_mode:pss",
            "-sigopt",
            "rsa_pss_saltlen:32",
        ]);
    }
    c.arg(&msg_path);
    c.output().map(|o| o.status.success()).unwrap_or(false)
}

/// Make a self-signed certificate and its key with openssl. `key_spec` is `rsa:2048`, `P-256`
/// or `P-384`. Returns (key PEM path, certificate DER path).
pub(crate) fn openssl_cert(
    dir: &Path,
    name: &str,
    key_spec: &str,
    eku: &str,
) -> (std::path::PathBuf, std::path::PathBuf) {
    let key = dir.join(format!("{name}.key.pem"));
    let pem = dir.join(format!("{name}.crt.pem"));
    let der = dir.join(format!("{name}.crt.der"));
    let mut c = Command::new("openssl");
    c.args(["req", "-x509", "-nodes", "-days", "30", "-newkey"]);
    if key_spec.starts_with("rsa") {
        c.arg(key_spec);
    } else {
        c.args(["ec", "-pkeyopt", &format!("ec_paramgen_curve:{key_spec}")]);
    }
    c.arg("-keyout").arg(&key).arg("-out").arg(&pem).args([
        "-subj",
        &format!("/CN=ТЕСТОВ {name}/SN=ТЕСТОВ/GN=ТЕСТОВИЧ/serialNumber=IIN900101300106/C=KZ/O=Test Agency/OU=BIN040340001233"),
        "-utf8",
        "-addext",
        &format!("extendedKeyUsage={eku}"),
    ]);
    run(&mut c);
    run(Command::new("openssl")
        .args(["x509", "-outform", "DER", "-in"])
        .arg(&pem)
        .arg("-out")
        .arg(&der));
    (key, der)
}
