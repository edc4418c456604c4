//! Our own cost per signature, separated from the token's signing time, on the virtual PIV card
//! (real pcscd) and on SoftHSM2 (PKCS#11). Prints figures; run with
//! `cargo bench -p sio-token --bench overhead` (needs the packages of scripts/apt-packages.txt).
//!
//! A timing proxy wraps the token's `Signer`: the time inside the token's `sign` (APDUs or
//! C_Sign, transport, the card itself) is the token's; the rest of `sio_sign::sign` — building the
//! signed attributes, hashing, CMS encoding, checking the token's signature — is ours. APDU framing
//! and parsing, which sit inside the token's time, are measured apart on their own.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

#[path = "../tests/common/mod.rs"]
mod common;

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use sio_sign::{Carrier, SignOptions, SignatureAlgorithm, Signer, SignerError};
use sio_token::apdu::{Command as Apdu, Ins, Response};
use sio_token::pkcs11::SOFTHSM2_MODULE;
use sio_token::{PcscContext, Pin, PivSession, PivSlot, Pkcs11Module};
use sio_virtual_card::fixture::{CardStack, StackOptions};

const ROUNDS: usize = 200;
const CHILD: &str = "SIO_BENCH_SOFTHSM_CHILD";

struct Timed<'a> {
    inner: &'a mut dyn Signer,
    spent: Duration,
}

impl Signer for Timed<'_> {
    fn certificate_der(&self) -> &[u8] {
        self.inner.certificate_der()
    }
    fn algorithm(&self) -> SignatureAlgorithm {
        self.inner.algorithm()
    }
    fn carrier(&self) -> Carrier {
        self.inner.carrier()
    }
    fn sign(&mut self, message: &[u8]) -> Result<Vec<u8>, SignerError> {
        let t = Instant::now();
        let r = self.inner.sign(message);
        self.spent += t.elapsed();
        r
    }
}

fn pct(v: &mut [Duration], p: f64) -> Duration {
    v.sort();
    v[((v.len() as f64 - 1.0) * p).round() as usize]
}

fn measure(label: &str, signer: &mut dyn Signer, rounds: usize) {
    let content = br#"{"doc":"sio.request/v1","service":1,"subject":{"kind":"individual","id":"900101300106"}}"#;
    let mut ours = Vec::with_capacity(rounds);
    let mut token = Vec::with_capacity(rounds);
    for _ in 0..rounds {
        let mut timed = Timed {
            inner: &mut *signer,
            spent: Duration::ZERO,
        };
        let t = Instant::now();
        sio_sign::sign(content, &mut [&mut timed], &SignOptions::default()).unwrap();
        let total = t.elapsed();
        ours.push(total.saturating_sub(timed.spent));
        token.push(timed.spent);
    }
    let (o50, o95) = (pct(&mut ours, 0.5), pct(&mut ours, 0.95));
    let (t50, t95) = (pct(&mut token, 0.5), pct(&mut token, 0.95));
    println!(
        "{label:<28} ours p50 {:>8.3} ms  p95 {:>8.3} ms | token p50 {:>8.2} ms  p95 {:>8.2} ms | ours/token p50 {:.3}   (target: ours p95 < 20 ms: {})",
        o50.as_secs_f64() * 1e3,
        o95.as_secs_f64() * 1e3,
        t50.as_secs_f64() * 1e3,
        t95.as_secs_f64() * 1e3,
        o50.as_secs_f64() / t50.as_secs_f64().max(1e-9),
        if o95 < Duration::from_millis(20) {
            "met"
        } else {
            "MISSED"
        },
    );
}

fn apdu_framing() {
    let n = 100_000;
    let t = Instant::now();
    for i in 0..n {
        let cmd = Apdu::new(Ins::GeneralAuthenticate, 0x07, 0x9A)
            .data(vec![(i & 0xff) as u8; 262])
            .ne(256);
        std::hint::black_box(cmd.to_bytes());
        let mut raw = vec![0x7C, 0x82, 0x01, 0x04];
        raw.extend(std::iter::repeat_n(0u8, 256));
        raw.extend([0x90, 0x00]);
        std::hint::black_box(Response::try_from(raw.as_slice()).unwrap());
    }
    let per = t.elapsed() / n;
    println!(
        "APDU framing + parsing       {:.2} µs per command/response pair (inside the token's time)",
        per.as_secs_f64() * 1e6
    );
}

fn virtual_card() {
    let _stack = CardStack::up(StackOptions::new("/tmp/sio-card-bench").provision(true))
        .expect("card stack");
    let mut ctx = PcscContext::establish().unwrap();
    let session = PivSession::open(ctx.connect(sio_virtual_card::READER_NAME).unwrap()).unwrap();
    let mut session = session
        .verify_pin(Pin::new("123456".into()).unwrap())
        .map_err(|r| r.error)
        .unwrap();
    let mut signer = session.signer(PivSlot::Authentication).unwrap();
    measure("virtual PIV card, 9A RSA", &mut signer, ROUNDS / 4);
}

fn softhsm_child() {
    let module = Pkcs11Module::load(SOFTHSM2_MODULE).unwrap();
    for label in ["rsa", "p256"] {
        let token = module
            .tokens()
            .unwrap()
            .into_iter()
            .find(|t| t.label == label)
            .unwrap();
        let session = module.open(token.slot_id).unwrap();
        let mut session = session
            .login(Pin::new("1234".into()).unwrap())
            .map_err(|r| r.error)
            .unwrap();
        let id = session.certificates().unwrap()[0].id.clone();
        let mut signer = session.signer(&id).unwrap();
        measure(&format!("SoftHSM2 PKCS#11, {label}"), &mut signer, ROUNDS);
    }
}

fn softhsm() {
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
    for (label, spec) in [("rsa", "rsa:2048"), ("p256", "P-256")] {
        provision(dir.path(), &conf, label, spec);
    }
    // SoftHSM2 reads SOFTHSM2_CONF once, at C_Initialize: measure in a child that has it.
    let status = Command::new(std::env::current_exe().unwrap())
        .env("SOFTHSM2_CONF", &conf)
        .env(CHILD, "1")
        .status()
        .unwrap();
    assert!(status.success());
}

fn provision(dir: &Path, conf: &Path, label: &str, key_spec: &str) {
    let tool = |args: &[&str]| {
        let mut c = Command::new("softhsm2-util");
        c.env("SOFTHSM2_CONF", conf).args(args);
        common::run(&mut c);
    };
    tool(&[
        "--init-token",
        "--free",
        "--label",
        label,
        "--so-pin",
        "12345678",
        "--pin",
        "1234",
    ]);
    let (key, cert) = common::openssl_cert(dir, label, key_spec, "clientAuth");
    tool(&[
        "--import",
        &key.to_string_lossy(),
        "--token",
        label,
        "--label",
        "key",
        "--id",
        "01",
        "--pin",
        "1234",
    ]);
    common::run(
        Command::new("pkcs11-tool")
            .env("SOFTHSM2_CONF", conf)
            .args([
                "--module",
                SOFTHSM2_MODULE,
                "--token-label",
                label,
                "--login",
                "--pin",
                "1234",
                "--write-object",
            ])
            .arg(&cert)
            .args(["--type", "cert", "--id", "01", "--label", "cert"]),
    );
}

fn main() {
    if std::env::var_os(CHILD).is_some() {
        return softhsm_child();
    }
    println!(
        "sio-token: our overhead per signature vs the token's signing time ({ROUNDS} rounds; card: {})",
        ROUNDS / 4
    );
    apdu_framing();
    softhsm();
    virtual_card();
}
