//! SoftHSM2 through the PKCS#11 backend: tokens, certificates, login, wrong PIN, signing
//! (RSA PKCS#1 v1.5 and PSS, ECDSA P-256 and P-384, an always-authenticate key; the GOST
//! mechanism check refusing a token without GOST), with every
//! signature verified by the openssl command line.
//!
//! Needs: softhsm2 (`/usr/lib/softhsm/libsofthsm2.so`, `softhsm2-util`), opensc (`pkcs11-tool`),
//! openssl. The test makes its own token directory and `SOFTHSM2_CONF` in a temp dir, provisions
//! the tokens with the command-line tools, then runs the checks in a child process of this test
//! binary that has `SOFTHSM2_CONF` set (SoftHSM2 reads it once, at `C_Initialize`).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{openssl_cert, openssl_verify, run};
use sio_sign::{Carrier, SignatureAlgorithm, Signer};
use sio_token::pkcs11::SOFTHSM2_MODULE;
use sio_token::{
    Pin, Pkcs11Module, Pkcs11PinStatus, Pkcs11Session, TokenError, UsableAt, admit_carrier,
};

const USER_PIN: &str = "123456";
const SO_PIN: &str = "87654321";
const CHILD: &str = "SIO_TOKEN_SOFTHSM_CHILD";

fn pin(s: &str) -> Pin {
    Pin::new(s.to_owned()).unwrap()
}

fn softhsm(conf: &Path) -> Command {
    let mut c = Command::new("softhsm2-util");
    c.env("SOFTHSM2_CONF", conf);
    c
}

/// A token `label` with one key and certificate (id 01) made by openssl.
fn provision(dir: &Path, conf: &Path, label: &str, key_spec: &str, always_auth: bool) {
    run(softhsm(conf).args([
        "--init-token",
        "--free",
        "--label",
        label,
        "--so-pin",
        SO_PIN,
        "--pin",
        USER_PIN,
    ]));
    let (key, cert) = openssl_cert(dir, label, key_spec, "clientAuth");
    if always_auth {
        // pkcs11-tool can set CKA_ALWAYS_AUTHENTICATE; it wants a DER key.
        let der = dir.join(format!("{label}.key.der"));
        run(Command::new("openssl")
            .args(["pkey", "-outform", "DER", "-in"])
            .arg(&key)
            .arg("-out")
            .arg(&der));
        run(Command::new("pkcs11-tool")
            .env("SOFTHSM2_CONF", conf)
            .args([
                "--module",
                SOFTHSM2_MODULE,
                "--token-label",
                label,
                "--login",
                "--pin",
                USER_PIN,
            ])
            .args(["--write-object"])
            .arg(&der)
            .args([
                "--type",
                "privkey",
                "--id",
                "01",
                "--label",
                "key",
                "--usage-sign",
                "--always-auth",
            ]));
    } else {
        run(softhsm(conf).args(["--import"]).arg(&key).args([
            "--token", label, "--label", "key", "--id", "01", "--pin", USER_PIN,
        ]));
    }
    run(Command::new("pkcs11-tool")
        .env("SOFTHSM2_CONF", conf)
        .args([
            "--module",
            SOFTHSM2_MODULE,
            "--token-label",
            label,
            "--login",
            "--pin",
            USER_PIN,
        ])
        .args(["--write-object"])
        .arg(&cert)
        .args(["--type", "cert", "--id", "01", "--label", "cert"]));
}

#[test]
fn softhsm2_suite() {
    if std::env::var_os(CHILD).is_some() {
        return child();
    }
    let dir = tempfile::tempdir().unwrap();
    let tokens = dir.path().join("tokens");
    std::fs::create_dir(&tokens).unwrap();
    let conf = dir.path().join("softhsm2.conf");
    std::fs::write(
        &conf,
        format!(
            "directories.tokendir = {}\nobjectstore.backend = file\nlog.level = ERROR\n",
            tokens.display()
        ),
    )
    .unwrap();
    provision(dir.path(), &conf, "rsa", "rsa:2048", false);
    provision(dir.path(), &conf, "p256", "P-256", false);
    provision(dir.path(), &conf, "p384", "P-384", false);
    provision(dir.path(), &conf, "always", "rsa:2048", true);
    provision(dir.path(), &conf, "wrongpin", "P-256", false);
    let status = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "softhsm2_suite",
            "--nocapture",
            "--test-threads=1",
        ])
        .env("SOFTHSM2_CONF", &conf)
        .env(CHILD, dir.path())
        .status()
        .unwrap();
    assert!(
        status.success(),
        "the SoftHSM2 checks failed (output above)"
    );
}

fn open(module: &Pkcs11Module, label: &str) -> Pkcs11Session {
    let token = module
        .tokens()
        .unwrap()
        .into_iter()
        .find(|t| t.label == label)
        .unwrap_or_else(|| panic!("token {label}"));
    module.open(token.slot_id).unwrap()
}

fn child() {
    let dir = PathBuf::from(std::env::var_os(CHILD).unwrap());
    let module = Pkcs11Module::load(SOFTHSM2_MODULE).unwrap();
    listing_and_certificates(&module);
    for (label, alg, md) in [
        ("rsa", SignatureAlgorithm::RsaPkcs1Sha256, "sha256"),
        ("p256", SignatureAlgorithm::EcdsaP256Sha256, "sha256"),
        ("p384", SignatureAlgorithm::EcdsaP384Sha384, "sha384"),
    ] {
        sign_and_verify(&module, &dir, label, alg, md);
    }
    pss(&module, &dir);
    always_authenticate(&module, &dir);
    wrong_pin(&module);
    gost_mechanism_missing(&module);
    eprintln!("SoftHSM2 checks passed");
}

/// SoftHSM2 has no GOST: asking the token for the GOST signing mechanisms gives a clear
/// `TOKEN_MECHANISM_MISSING`; RSA needs no such check.
fn gost_mechanism_missing(module: &Pkcs11Module) {
    let session = open(module, "rsa");
    for alg in [
        SignatureAlgorithm::Gost2012_256,
        SignatureAlgorithm::Gost2012_512,
    ] {
        let e = session.require_mechanism(alg).unwrap_err();
        assert_eq!(e.code(), "TOKEN_MECHANISM_MISSING", "{alg}: {e}");
        assert!(matches!(e, TokenError::MechanismMissing { .. }));
    }
    session
        .require_mechanism(SignatureAlgorithm::RsaPkcs1Sha256)
        .unwrap();
}

fn listing_and_certificates(module: &Pkcs11Module) {
    let tokens = module.tokens().unwrap();
    let rsa = tokens
        .iter()
        .find(|t| t.label == "rsa")
        .expect("token rsa listed");
    assert_eq!(
        rsa.carrier,
        Carrier::Software,
        "SoftHSM2 is a software carrier"
    );
    assert_eq!(rsa.pin, Pkcs11PinStatus::Normal);
    let err = admit_carrier(rsa.carrier, &rsa.model).unwrap_err();
    assert_eq!(err.code(), "TOKEN_SOFTWARE_KEY_REFUSED");

    let session = open(module, "rsa");
    let certs = session.certificates().unwrap();
    assert_eq!(certs.len(), 1);
    let c = &certs[0];
    assert_eq!(c.id, [0x01]);
    assert_eq!(c.info.common_name.as_deref(), Some("ТЕСТОВ rsa"));
    assert_eq!(c.info.surname.as_deref(), Some("ТЕСТОВ"));
    assert_eq!(c.info.given_name.as_deref(), Some("ТЕСТОВИЧ"));
    assert_eq!(c.info.iin.as_deref(), Some("900101300106"));
    assert_eq!(c.info.bin.as_deref(), Some("040340001233"));
    assert_eq!(c.info.organisation.as_deref(), Some("Test Agency"));
    assert!(c.info.purposes.authentication && !c.info.purposes.signing);
    assert_eq!(c.info.key, sio_token::KeyKind::Rsa { bits: 2048 });
    assert!(
        c.info
            .clone()
            .usable_at(std::time::SystemTime::now())
            .is_ok()
    );
}

fn sign_and_verify(
    module: &Pkcs11Module,
    dir: &Path,
    label: &str,
    alg: SignatureAlgorithm,
    md: &str,
) {
    let session = open(module, label);
    let mut session = session.login(pin(USER_PIN)).unwrap();
    let mut signer = session.signer(&[0x01]).unwrap();
    assert_eq!(signer.algorithm(), alg);
    assert_eq!(signer.carrier(), Carrier::Software);
    let msg = format!("signed attributes for {label}").into_bytes();
    let t = std::time::Instant::now();
    let sig = signer.sign(&msg).unwrap();
    eprintln!("{label}: one signature in {:?}", t.elapsed());
    assert!(
        openssl_verify(dir, signer.certificate_der(), &msg, &sig, md, false),
        "{label}: openssl rejects the signature"
    );
    let mut tampered = msg.clone();
    tampered[0] ^= 1;
    assert!(!openssl_verify(
        dir,
        signer.certificate_der(),
        &tampered,
        &sig,
        md,
        false
    ));
}

fn pss(module: &Pkcs11Module, dir: &Path) {
    let mut session = open(module, "rsa").login(pin(USER_PIN)).unwrap();
    let mut signer = session.signer(&[0x01]).unwrap().with_pss().unwrap();
    assert_eq!(signer.algorithm(), SignatureAlgorithm::RsaPssSha256);
    let sig = signer.sign(b"pss message").unwrap();
    assert!(openssl_verify(
        dir,
        signer.certificate_der(),
        b"pss message",
        &sig,
        "sha256",
        true
    ));
}

fn always_authenticate(module: &Pkcs11Module, dir: &Path) {
    let mut session = open(module, "always").login(pin(USER_PIN)).unwrap();
    let refused = session.signer(&[0x01]).unwrap_err();
    assert_eq!(refused.code(), "TOKEN_NOT_AUTHENTICATED");
    let mut signer = session.signer_with_pin(&[0x01], pin(USER_PIN)).unwrap();
    let sig = signer.sign(b"always").unwrap();
    assert!(openssl_verify(
        dir,
        signer.certificate_der(),
        b"always",
        &sig,
        "sha256",
        false
    ));
    // The PIN was used once and dropped: a second signature needs a new one.
    assert!(matches!(
        signer.sign(b"again"),
        Err(sio_sign::SignerError::NotAuthenticated)
    ));
}

fn wrong_pin(module: &Pkcs11Module) {
    let session = open(module, "wrongpin");
    let rejected = session.login(pin("000000")).unwrap_err();
    assert_eq!(rejected.error.code(), "TOKEN_WRONG_PIN");
    assert!(matches!(rejected.error, TokenError::WrongPin { .. }));
    let session = rejected.into_session();
    // SoftHSM2 raises CKF_USER_PIN_COUNT_LOW after a wrong PIN (it has no retry counter).
    assert_eq!(session.pin_status().unwrap(), Pkcs11PinStatus::CountLow);
    let session = session.login(pin(USER_PIN)).unwrap();
    assert_eq!(session.pin_status().unwrap(), Pkcs11PinStatus::Normal);
}
