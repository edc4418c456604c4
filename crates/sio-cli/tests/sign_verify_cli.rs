//! `sio pki`, `sio sign`, `sio verify` end to end, checked with `openssl cms -verify` too.
//!
//! `key_files_*` needs only the openssl CLI. `virtual_card_*` signs on the virtual PIV card behind a
//! real pcscd: the fixture of `sio-virtual-card` runs `scripts/card-up.sh --provision` (needs
//! pcscd, vsmartcard-vpcd, opensc, yubico-piv-tool, openssl: scripts/apt-packages.txt) and holds
//! the flock on /tmp/sio-card.lock while the card is used.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

const SIO: &str = env!("CARGO_BIN_EXE_sio");

fn sio(args: &[&str], stdin: Option<&str>) -> Output {
    let mut child = Command::new(SIO)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run sio");
    if let Some(input) = stdin {
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
    }
    drop(child.stdin.take());
    child.wait_with_output().unwrap()
}

fn ok(out: &Output) -> String {
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "stdout: {text}\nstderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    text
}

fn fails_with(out: &Output, code: &str) {
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success() && err.contains(code),
        "expected {code}, got: {err}"
    );
}

fn p(path: &Path) -> &str {
    path.to_str().unwrap()
}

fn openssl_verify(sig: &Path, doc: &Path, ca: &Path, purpose: &str) {
    let out = Command::new("openssl")
        .args([
            "cms",
            "-verify",
            "-binary",
            "-inform",
            "DER",
            "-in",
            p(sig),
            "-content",
            p(doc),
        ])
        .args(["-CAfile", p(ca), "-purpose", purpose, "-out", "/dev/null"])
        .output()
        .expect("openssl");
    assert!(
        out.status.success(),
        "openssl: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn key_files_sign_cosign_verify_and_revoke() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("pki");
    let init = ok(&sio(&["pki", "init", p(&dir)], None));
    assert!(init.contains("TEST PKI"));
    let users = dir.join("users");
    let doc = tmp.path().join("application.txt");
    std::fs::write(&doc, "HR application: transfer to department 4\n").unwrap();
    let sig = tmp.path().join("application.p7s");
    let ca = dir.join("ca.cert.pem");
    let crl = dir.join("ca.crl.pem");

    let signed = ok(&sio(
        &[
            "sign",
            "--in",
            p(&doc),
            "--out",
            p(&sig),
            "--key-file",
            p(&users.join("investigator.sign.key.pem")),
            "--cert",
            p(&users.join("investigator.sign.cert.pem")),
            "--pss",
        ],
        None,
    ));
    assert!(
        signed.contains("RSA-PSS") && signed.contains("Software"),
        "{signed}"
    );
    let verified = ok(&sio(
        &[
            "verify",
            "--in",
            p(&doc),
            "--sig",
            p(&sig),
            "--ca",
            p(&ca),
            "--crl",
            p(&crl),
            "--eku",
            "sign",
            "--cades",
        ],
        None,
    ));
    assert!(
        verified.contains("IIN 850415300121") && verified.contains("BIN 040340001233"),
        "{verified}"
    );
    openssl_verify(&sig, &doc, &ca, "smimesign");

    // The head co-signs.
    let both = tmp.path().join("application.2.p7s");
    ok(&sio(
        &[
            "sign",
            "--in",
            p(&doc),
            "--out",
            p(&both),
            "--cosign",
            p(&sig),
            "--key-file",
            p(&users.join("head.sign.key.pem")),
            "--cert",
            p(&users.join("head.sign.cert.pem")),
        ],
        None,
    ));
    let verified = ok(&sio(
        &[
            "verify",
            "--in",
            p(&doc),
            "--sig",
            p(&both),
            "--ca",
            p(&ca),
            "--eku",
            "sign",
        ],
        None,
    ));
    assert_eq!(
        verified
            .lines()
            .filter(|l| l.starts_with("OK signer"))
            .count(),
        2,
        "{verified}"
    );
    openssl_verify(&both, &doc, &ca, "smimesign");

    // Wrong purpose, tampered document, revoked certificate.
    fails_with(
        &sio(
            &[
                "verify",
                "--in",
                p(&doc),
                "--sig",
                p(&sig),
                "--ca",
                p(&ca),
                "--eku",
                "auth",
            ],
            None,
        ),
        "SIGN_WRONG_KEY_PURPOSE",
    );
    let other = tmp.path().join("other.txt");
    std::fs::write(&other, "HR application: transfer to department 5\n").unwrap();
    fails_with(
        &sio(
            &[
                "verify",
                "--in",
                p(&other),
                "--sig",
                p(&sig),
                "--ca",
                p(&ca),
            ],
            None,
        ),
        "SIGN_DIGEST_MISMATCH",
    );
    let cert = std::fs::read_to_string(users.join("investigator.sign.cert.pem")).unwrap();
    let serial = init
        .lines()
        .skip_while(|l| !l.starts_with("investigator"))
        .nth(1)
        .and_then(|l| l.rsplit(' ').next())
        .unwrap()
        .to_owned();
    assert!(!cert.is_empty());
    ok(&sio(&["pki", "revoke", p(&dir), &serial], None));
    fails_with(
        &sio(
            &[
                "verify",
                "--in",
                p(&doc),
                "--sig",
                p(&sig),
                "--ca",
                p(&ca),
                "--crl",
                p(&crl),
            ],
            None,
        ),
        "SIGN_CERT_REVOKED",
    );
    fails_with(
        &sio(&["pki", "revoke", p(&dir), "not-hex"], None),
        "PKI_BAD_SERIAL",
    );
}

#[test]
fn virtual_card_signs_through_pcsc_and_pkcs11() {
    use sio_virtual_card::fixture::{CardStack, OPENSC_PKCS11, StackOptions};
    let stack = CardStack::up(StackOptions::new("/tmp/sio-card-sign-cli").provision(true))
        .expect("card stack (scripts/card-up.sh)");
    let ca = stack.pki_dir().join("ca.pem");
    let tmp = tempfile::tempdir().unwrap();
    let doc = tmp.path().join("request.json");
    std::fs::write(&doc, br#"{"service": 12, "basis": "criminal"}"#).unwrap();

    for (key, eku, purpose) in [("sign", "sign", "smimesign"), ("auth", "auth", "any")] {
        let sig = tmp.path().join(format!("pcsc-{key}.p7s"));
        let out = ok(&sio(
            &[
                "sign",
                "--in",
                p(&doc),
                "--out",
                p(&sig),
                "--reader",
                "Virtual PCD 00 00",
                "--key",
                key,
                "--pin-stdin",
            ],
            Some("123456\n"),
        ));
        assert!(out.contains("Hardware"), "{out}");
        ok(&sio(
            &[
                "verify",
                "--in",
                p(&doc),
                "--sig",
                p(&sig),
                "--ca",
                p(&ca),
                "--eku",
                eku,
                "--cades",
            ],
            None,
        ));
        openssl_verify(&sig, &doc, &ca, purpose);
    }

    let sig = tmp.path().join("pkcs11-sign.p7s");
    ok(&sio(
        &[
            "sign",
            "--in",
            p(&doc),
            "--out",
            p(&sig),
            "--pkcs11-module",
            OPENSC_PKCS11,
            "--key",
            "sign",
            "--pin-stdin",
        ],
        Some("123456\n"),
    ));
    ok(&sio(
        &[
            "verify",
            "--in",
            p(&doc),
            "--sig",
            p(&sig),
            "--ca",
            p(&ca),
            "--eku",
            "sign",
        ],
        None,
    ));
    openssl_verify(&sig, &doc, &ca, "smimesign");

    let wrong = ok_or_fail(&sio(
        &[
            "sign",
            "--in",
            p(&doc),
            "--out",
            p(&sig),
            "--reader",
            "Virtual PCD 00 00",
            "--key",
            "sign",
            "--pin-stdin",
        ],
        Some("000000\n"),
    ));
    assert!(wrong.contains("TOKEN_"), "{wrong}");
    // Put the retry counter back for the next user of the card.
    ok(&sio(
        &[
            "sign",
            "--in",
            p(&doc),
            "--out",
            p(&sig),
            "--reader",
            "Virtual PCD 00 00",
            "--key",
            "auth",
            "--pin-stdin",
        ],
        Some("123456\n"),
    ));
}

fn ok_or_fail(out: &Output) -> String {
    assert!(!out.status.success());
    String::from_utf8_lossy(&out.stderr).into_owned()
}
