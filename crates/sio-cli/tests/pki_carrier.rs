//! `sio pki issue` writes the key carrier into the certificate's policies: a card's public key
//! gets the test PKI's hardware policy (the only one the gateway accepts for login by default),
//! `--carrier software` and the users made by `sio pki init` the software policy.
#![allow(clippy::unwrap_used)] // test helpers outside #[test] fns

use std::path::Path;
use std::process::Command;

fn sio(args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_sio"))
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "sio {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// The certificate policies as `openssl x509 -text` prints them.
fn policies(cert: &Path) -> String {
    let out = Command::new("openssl")
        .args(["x509", "-noout", "-text", "-in"])
        .arg(cert)
        .output()
        .unwrap();
    assert!(out.status.success());
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .filter(|l| l.trim_start().starts_with("Policy:"))
        .map(|l| l.trim().to_owned())
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn issue_marks_the_card_key_hardware_and_init_marks_file_keys_software() {
    let dir = tempfile::tempdir().unwrap();
    let pki = dir.path().join("pki");
    let pki_s = pki.to_str().unwrap();
    sio(&["pki", "init", pki_s, "--users", "demo"]);
    let users = pki.join(sio_pki::paths::USERS);
    let hw = format!("Policy: {}", sio_pki::HARDWARE_CARRIER_POLICY);
    let sw = format!("Policy: {}", sio_pki::SOFTWARE_CARRIER_POLICY);

    let file_key = policies(&users.join("investigator.auth.cert.pem"));
    assert!(
        file_key.contains(&sw) && !file_key.contains(&hw),
        "{file_key}"
    );

    // A "card" public key (DER SubjectPublicKeyInfo).
    let key_pem = std::fs::read_to_string(users.join("head.auth.key.pem")).unwrap();
    let spki = dir.path().join("card.pub.der");
    std::fs::write(&spki, sio_pki::public_key_of(&key_pem).unwrap()).unwrap();
    let spki_s = spki.to_str().unwrap();
    sio(&[
        "pki",
        "issue",
        pki_s,
        "--public-key",
        spki_s,
        "--usage",
        "auth",
        "--user",
        "head",
    ]);
    let card = policies(&users.join("head-card.auth.cert.pem"));
    assert!(card.contains(&hw) && !card.contains(&sw), "{card}");

    sio(&[
        "pki",
        "issue",
        pki_s,
        "--public-key",
        spki_s,
        "--usage",
        "auth",
        "--user",
        "head",
        "--id",
        "head-soft",
        "--carrier",
        "software",
    ]);
    let soft = policies(&users.join("head-soft.auth.cert.pem"));
    assert!(soft.contains(&sw) && !soft.contains(&hw), "{soft}");
}
