//! `sio pki issue` writes the key carrier into the certificate's policies: a card's public key
//! gets the test PKI's hardware policy (the only one the gateway accepts for login by default),
//! `--carrier software` and the users made by `sio pki init` the software policy.
//! `sio pki workstation` writes the fingerprint agent's certificate and its key (0600).
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

/// `sio pki workstation`: the fingerprint agent's certificate and key, the key 0600 wherever it
/// is written (a link planted at --out-key is replaced, not followed), the certificate issued by
/// the PKI's CA as `openssl verify` sees it.
#[test]
fn workstation_writes_a_0600_key_and_a_certificate_of_the_ca() {
    use std::os::unix::fs::PermissionsExt as _;
    let mode = |p: &Path| std::fs::symlink_metadata(p).unwrap().permissions().mode() & 0o777;
    let verify = |ca: &Path, cert: &Path| {
        let out = Command::new("openssl")
            .arg("verify")
            .arg("-CAfile")
            .arg(ca)
            .arg(cert)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "openssl verify {}: {}{}",
            cert.display(),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    };
    let dir = tempfile::tempdir().unwrap();
    let pki = dir.path().join("pki");
    let pki_s = pki.to_str().unwrap();
    sio(&["pki", "init", pki_s, "--users", "none"]);
    let ca = pki.join(sio_pki::paths::CA_CERT);

    // In the PKI directory.
    let printed = sio(&["pki", "workstation", pki_s, "--name", "arm-01"]);
    let ws = pki.join(sio_pki::paths::WORKSTATIONS);
    let (cert, key) = (ws.join("arm-01.cert.pem"), ws.join("arm-01.key.pem"));
    assert!(
        printed.contains(cert.to_str().unwrap()) && printed.contains(key.to_str().unwrap()),
        "{printed}"
    );
    assert_eq!(mode(&key), 0o600);
    verify(&ca, &cert);

    // Where the agent reads them; the key moved there, not left behind.
    let etc = dir.path().join("etc-sio");
    std::fs::create_dir(&etc).unwrap();
    let (out_cert, out_key) = (
        etc.join("workstation.cert.pem"),
        etc.join("workstation.key.pem"),
    );
    let planted = dir.path().join("planted");
    std::os::unix::fs::symlink(&planted, &out_key).unwrap();
    let printed = sio(&[
        "pki",
        "workstation",
        pki_s,
        "--name",
        "arm-02",
        "--out-cert",
        out_cert.to_str().unwrap(),
        "--out-key",
        out_key.to_str().unwrap(),
    ]);
    assert!(
        printed.contains(out_cert.to_str().unwrap()) && printed.contains(out_key.to_str().unwrap()),
        "{printed}"
    );
    assert_eq!(mode(&out_key), 0o600, "the key is a file of mode 0600");
    assert!(!planted.exists(), "the link at --out-key was followed");
    assert!(
        !ws.join("arm-02.key.pem").exists(),
        "a copy of the key was left in the PKI"
    );
    let pem = std::fs::read_to_string(&out_key).unwrap();
    assert!(pem.starts_with("-----BEGIN PRIVATE KEY-----"), "{pem}");
    verify(&ca, &out_cert);
    // The key is the certificate's.
    let pubkey = |args: &[&str], file: &Path| {
        let out = Command::new("openssl")
            .args(args)
            .arg(file)
            .output()
            .unwrap();
        assert!(out.status.success());
        out.stdout
    };
    assert_eq!(
        pubkey(&["x509", "-noout", "-pubkey", "-in"], &out_cert),
        pubkey(&["pkey", "-pubout", "-in"], &out_key)
    );

    // A name that is not a file name is refused.
    let out = Command::new(env!("CARGO_BIN_EXE_sio"))
        .args(["pki", "workstation", pki_s, "--name", "../x"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("PKI_INVALID_SPEC"));
}
