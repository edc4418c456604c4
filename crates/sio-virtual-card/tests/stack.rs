//! Tests against the real card stack: pcscd (Debian) + vsmartcard's vpcd + this virtual card, used
//! through OpenSC (`opensc-tool`, `pkcs11-tool` with opensc-pkcs11.so), `yubico-piv-tool` and the
//! `openssl` CLI. The fixture starts what is missing (scripts/card-up.sh, as root) and serialises
//! the tests with an flock on /tmp/sio-card.lock. Needs the packages of scripts/apt-packages.txt.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::{fs, path::Path, process::Command, time::Instant};

use sio_virtual_card::{
    DEFAULT_PIN, DEFAULT_PUK, READER_NAME,
    fixture::{self, CardStack, OPENSC_PKCS11, StackOptions, card_present},
};

const BIN: &str = env!("CARGO_BIN_EXE_sio-virtual-card");
/// State of the provisioned card these tests share.
const STATE: &str = "/tmp/sio-card-tests";
/// State of the card the PIN tests block and unblock.
const PIN_STATE: &str = "/tmp/sio-card-tests-pin";

fn provisioned() -> CardStack {
    CardStack::up(StackOptions::new(STATE).bin(BIN).provision(true)).expect("card stack up")
}

struct Run {
    ok: bool,
    out: String,
}

fn sh(program: &str, args: &[&str]) -> Run {
    let out = Command::new(program).args(args).output().unwrap();
    Run {
        ok: out.status.success(),
        out: format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    }
}

fn pkcs11_sign(id: &str, mechanism: &str, pin: &str, input: &Path, output: &Path) -> Run {
    let mut args = vec![
        "--module",
        OPENSC_PKCS11,
        "--login",
        "--pin",
        pin,
        "--sign",
        "--id",
        id,
        "-m",
        mechanism,
        "-i",
        input.to_str().unwrap(),
        "-o",
        output.to_str().unwrap(),
    ];
    if mechanism.starts_with("ECDSA") {
        args.extend(["--signature-format", "openssl"]);
    }
    sh("pkcs11-tool", &args)
}

fn openssl_verify(cert: &Path, data: &Path, sig: &Path, dir: &Path) -> Run {
    let pubkey = dir.join("pub.pem");
    let r = sh(
        "openssl",
        &[
            "x509",
            "-in",
            cert.to_str().unwrap(),
            "-noout",
            "-pubkey",
            "-out",
            pubkey.to_str().unwrap(),
        ],
    );
    assert!(r.ok, "{}", r.out);
    sh(
        "openssl",
        &[
            "dgst",
            "-sha256",
            "-verify",
            pubkey.to_str().unwrap(),
            "-signature",
            sig.to_str().unwrap(),
            data.to_str().unwrap(),
        ],
    )
}

fn ypt(args: &[&str]) -> Run {
    let mut all = vec!["--reader=Virtual PCD 00 00"];
    all.extend_from_slice(args);
    sh("yubico-piv-tool", &all)
}

fn data_file(dir: &Path) -> std::path::PathBuf {
    let data = dir.join("data.txt");
    fs::write(&data, "request to sign: ИИН 900101300123").unwrap();
    data
}

#[test]
fn reader_lists_the_card_and_opensc_sees_piv_ii() {
    let _stack = provisioned();
    let r = sh("opensc-tool", &["-l"]);
    assert!(r.ok, "{}", r.out);
    assert!(card_present(), "opensc-tool -l: {}", r.out);
    assert!(r.out.contains(READER_NAME));
    let r = sh("pkcs11-tool", &["--module", OPENSC_PKCS11, "-L"]);
    assert!(r.ok, "{}", r.out);
    // OpenSC's PIV driver: manufacturer piv_II; the label is the 9A certificate's CN.
    assert!(r.out.contains("token manufacturer : piv_II"), "{}", r.out);
    assert!(
        r.out.contains("token label        : ИВАНОВ АЛЕКСЕЙ"),
        "{}",
        r.out
    );
}

#[test]
fn rsa_signature_from_slot_9a_verifies_with_its_certificate() {
    let stack = provisioned();
    let dir = tempfile::tempdir().unwrap();
    let data = data_file(dir.path());
    let sig = dir.path().join("sig.bin");
    let start = Instant::now();
    let r = pkcs11_sign("01", "SHA256-RSA-PKCS", DEFAULT_PIN, &data, &sig);
    eprintln!(
        "pkcs11-tool RSA-2048 sign (one process): {:?}",
        start.elapsed()
    );
    assert!(r.ok, "{}", r.out);
    let cert = stack.pki_dir().join("9a.pem");
    let v = openssl_verify(&cert, &data, &sig, dir.path());
    assert!(v.ok && v.out.contains("Verified OK"), "{}", v.out);

    let text = sh(
        "openssl",
        &[
            "x509",
            "-in",
            cert.to_str().unwrap(),
            "-noout",
            "-subject",
            "-nameopt",
            "utf8,sep_comma_plus",
            "-ext",
            "extendedKeyUsage",
        ],
    );
    assert!(text.out.contains("CN=ИВАНОВ АЛЕКСЕЙ"), "{}", text.out);
    assert!(
        text.out.contains("serialNumber=IIN850415300121"),
        "{}",
        text.out
    );
    assert!(text.out.contains("OU=BIN"), "{}", text.out);
    assert!(
        text.out.contains("TLS Web Client Authentication"),
        "{}",
        text.out
    );
}

#[test]
fn ecdsa_signature_from_slot_9c_with_context_specific_login() {
    let stack = provisioned();
    let dir = tempfile::tempdir().unwrap();
    let data = data_file(dir.path());
    let sig = dir.path().join("sig.der");
    // Slot 9C keys are "always authenticate": pkcs11-tool logs in again (CKU_CONTEXT_SPECIFIC).
    let r = pkcs11_sign("02", "ECDSA-SHA256", DEFAULT_PIN, &data, &sig);
    assert!(r.ok, "{}", r.out);
    let cert = stack.pki_dir().join("9c.pem");
    let v = openssl_verify(&cert, &data, &sig, dir.path());
    assert!(v.ok && v.out.contains("Verified OK"), "{}", v.out);
    let eku = sh(
        "openssl",
        &[
            "x509",
            "-in",
            cert.to_str().unwrap(),
            "-noout",
            "-ext",
            "extendedKeyUsage",
        ],
    );
    assert!(eku.out.contains("E-mail Protection"), "{}", eku.out);
}

#[test]
fn wrong_pin_decrements_tries_blocks_and_puk_unblocks() {
    let _stack = CardStack::up(StackOptions::new(PIN_STATE).bin(BIN).reset(true)).unwrap();
    let status = ypt(&["-a", "status"]);
    assert!(status.out.contains("PIN tries left:\t3"), "{}", status.out);

    let r = ypt(&["-a", "verify-pin", "-P", "000000"]);
    assert!(!r.ok);
    assert!(r.out.contains("2 tries left"), "{}", r.out);

    let dir = tempfile::tempdir().unwrap();
    let data = data_file(dir.path());
    let sig = dir.path().join("sig.bin");
    let r = pkcs11_sign("01", "SHA256-RSA-PKCS", "000000", &data, &sig);
    assert!(!r.ok);
    assert!(r.out.contains("CKR_PIN_INCORRECT"), "{}", r.out);
    let status = ypt(&["-a", "status"]);
    assert!(status.out.contains("PIN tries left:\t1"), "{}", status.out);

    // The right PIN resets the counter.
    let r = ypt(&["-a", "verify-pin", "-P", DEFAULT_PIN]);
    assert!(r.ok, "{}", r.out);
    let status = ypt(&["-a", "status"]);
    assert!(status.out.contains("PIN tries left:\t3"), "{}", status.out);

    for _ in 0..3 {
        assert!(!ypt(&["-a", "verify-pin", "-P", "000000"]).ok);
    }
    let r = ypt(&["-a", "verify-pin", "-P", DEFAULT_PIN]);
    assert!(!r.ok, "a blocked PIN must not verify: {}", r.out);
    assert!(r.out.to_lowercase().contains("blocked"), "{}", r.out);
    let r = sh(
        "pkcs11-tool",
        &[
            "--module",
            OPENSC_PKCS11,
            "--login",
            "--pin",
            DEFAULT_PIN,
            "-O",
        ],
    );
    assert!(!r.ok);
    assert!(r.out.contains("CKR_PIN_LOCKED"), "{}", r.out);

    let r = ypt(&["-a", "unblock-pin", "-P", DEFAULT_PUK, "-N", DEFAULT_PIN]);
    assert!(r.ok, "{}", r.out);
    let r = ypt(&["-a", "verify-pin", "-P", DEFAULT_PIN]);
    assert!(r.ok, "{}", r.out);
}

#[test]
fn keys_and_certificates_survive_a_card_restart() {
    let stack = provisioned();
    stack.restart_card().unwrap();
    let on_card = ypt(&["-a", "read-certificate", "-s", "9a"]);
    assert!(on_card.ok, "{}", on_card.out);
    let on_disk = fs::read_to_string(stack.pki_dir().join("9a.pem")).unwrap();
    assert_eq!(on_card.out.trim(), on_disk.trim());

    let dir = tempfile::tempdir().unwrap();
    let data = data_file(dir.path());
    let sig = dir.path().join("sig.bin");
    let r = pkcs11_sign("01", "SHA256-RSA-PKCS", DEFAULT_PIN, &data, &sig);
    assert!(r.ok, "{}", r.out);
    let v = openssl_verify(&stack.pki_dir().join("9a.pem"), &data, &sig, dir.path());
    assert!(v.ok, "{}", v.out);
}

#[test]
fn removal_and_insertion_are_seen_by_pcscd() {
    let stack = provisioned();
    stack.remove().unwrap();
    assert!(!card_present());
    let r = sh("pkcs11-tool", &["--module", OPENSC_PKCS11, "-L"]);
    assert!(!r.out.contains("piv_II"), "{}", r.out);
    stack.insert().unwrap();
    let r = sh("pkcs11-tool", &["--module", OPENSC_PKCS11, "-L"]);
    assert!(r.out.contains("piv_II"), "{}", r.out);
}

#[test]
fn removal_during_signature_leaves_no_signature() {
    let stack = provisioned();
    let dir = tempfile::tempdir().unwrap();
    let data = data_file(dir.path());
    let sig = dir.path().join("sig.bin");
    // 0x87 = GENERAL AUTHENTICATE: the card vanishes when asked for the signature itself.
    stack.remove_on_ins(0x87).unwrap();
    let r = pkcs11_sign("01", "SHA256-RSA-PKCS", DEFAULT_PIN, &data, &sig);
    assert!(!r.ok, "signing must fail: {}", r.out);
    let written = fs::metadata(&sig).map(|m| m.len()).unwrap_or(0);
    assert_eq!(written, 0, "no signature bytes may be written");
    fixture::wait_presence(false, std::time::Duration::from_secs(5)).unwrap();

    stack.insert().unwrap();
    let r = pkcs11_sign("01", "SHA256-RSA-PKCS", DEFAULT_PIN, &data, &sig);
    assert!(r.ok, "{}", r.out);
}

#[test]
fn pcscd_restart_recovers_the_reader_and_card() {
    let stack = provisioned();
    stack.restart_pcscd().unwrap();
    assert!(card_present());
    let r = sh("pkcs11-tool", &["--module", OPENSC_PKCS11, "-L"]);
    assert!(r.out.contains("piv_II"), "{}", r.out);
}

#[test]
fn fixture_builds_and_starts_the_card_without_a_given_binary() {
    // What other crates' tests do: no CARGO_BIN_EXE there, so card-up.sh runs `cargo build`.
    let start = Instant::now();
    let _stack = CardStack::up(StackOptions::new("/tmp/sio-card-tests-build")).unwrap();
    eprintln!("card up (with cargo build check): {:?}", start.elapsed());
    assert!(card_present());
}

#[test]
fn daemons_do_not_inherit_the_callers_descriptors() {
    // A daemon that kept the test's flock open would block every later user of the card.
    let _stack = provisioned();
    let card_pid = fs::read_to_string("/tmp/sio-card.pid").unwrap();
    let card_pid = card_pid.lines().next().unwrap().to_owned();
    let mut pids = vec![card_pid];
    let pcscd = sh("pgrep", &["-x", "pcscd"]);
    pids.extend(pcscd.out.lines().map(str::to_owned));
    for pid in pids {
        for fd in fs::read_dir(format!("/proc/{pid}/fd")).unwrap() {
            let target = fs::read_link(fd.unwrap().path()).unwrap_or_default();
            let target = target.to_string_lossy();
            assert!(
                !target.contains("sio-card.lock") && !target.contains("sio-card-up.lock"),
                "pid {pid} holds {target}"
            );
        }
    }
}
