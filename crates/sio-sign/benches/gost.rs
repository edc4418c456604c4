//! GOST R 34.10-2012 verify/s: ours (pure Rust) next to OpenSSL + Debian's gost engine in-process
//! (the `openssl` crate, engine loaded through a temporary OPENSSL_CONF). Prints the ratio; the
//! target is ≥ 0.5× OpenSSL's engine. Run: `cargo bench -p sio-sign --bench gost`.
#![allow(clippy::unwrap_used, missing_docs)]

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use sio_sign::GostCurve;
use sio_sign::soft::{GostKey, gost_verify};

#[path = "../../sio-gost/tests/support/openssl_gost.rs"]
mod openssl_gost;
use openssl_gost::gost_conf;

fn per_second(mut f: impl FnMut() -> bool) -> f64 {
    // Warm up, then run for ~2 s.
    for _ in 0..20 {
        assert!(f());
    }
    let start = Instant::now();
    let mut n = 0u64;
    while start.elapsed() < Duration::from_secs(2) {
        for _ in 0..20 {
            assert!(f());
        }
        n += 20;
    }
    n as f64 / start.elapsed().as_secs_f64()
}

fn main() {
    // OpenSSL reads OPENSSL_CONF when it initialises; the process environment cannot be changed
    // safely, so the bench runs itself again with the engine configuration in its environment.
    if std::env::var_os("SIO_GOST_BENCH_CHILD").is_none() {
        let dir = tempfile::tempdir().unwrap();
        let conf = gost_conf(dir.path());
        let status = Command::new(std::env::current_exe().unwrap())
            .env("SIO_GOST_BENCH_CHILD", "1")
            .env("OPENSSL_CONF", conf)
            .status()
            .unwrap();
        std::process::exit(status.code().unwrap_or(1));
    }
    let conf = std::path::PathBuf::from(std::env::var_os("OPENSSL_CONF").unwrap());
    run(&conf);
}

fn run(conf: &Path) {
    let dir = tempfile::tempdir().unwrap();
    let message = vec![0x5au8; 1024];
    println!("GOST R 34.10-2012 verify of a 1 KiB message (Streebog included), one core");
    println!(
        "{:<28} {:>12} {:>12} {:>8}",
        "curve", "ours/s", "openssl/s", "ratio"
    );
    for (name, alg, set, md, curve) in [
        (
            "512 paramSetA",
            "gost2012_512",
            "A",
            "md_gost12_512",
            GostCurve::Tc26_512A,
        ),
        (
            "512 paramSetB (Montgomery)",
            "gost2012_512",
            "B",
            "md_gost12_512",
            GostCurve::Tc26_512B,
        ),
        (
            "256 paramSetA (TC26)",
            "gost2012_256",
            "TCA",
            "md_gost12_256",
            GostCurve::Tc26_256A,
        ),
        (
            "256 CryptoPro-A",
            "gost2012_256",
            "A",
            "md_gost12_256",
            GostCurve::Tc26_256B,
        ),
    ] {
        let key_path = dir.path().join(format!("{set}-{alg}.key"));
        let ok = Command::new("openssl")
            .env("OPENSSL_CONF", conf)
            .args([
                "genpkey",
                "-algorithm",
                alg,
                "-pkeyopt",
                &format!("paramset:{set}"),
            ])
            .arg("-out")
            .arg(&key_path)
            .status()
            .unwrap();
        assert!(ok.success(), "openssl genpkey {alg}");
        let pem = std::fs::read_to_string(&key_path).unwrap();
        let ours_key = GostKey::from_pkcs8_pem(&pem).unwrap();
        assert_eq!(ours_key.curve(), curve);
        let sig = ours_key.sign(&message).unwrap();
        let public = ours_key.public_key().to_vec();
        let ours = per_second(|| gost_verify(curve, &public, &message, &sig));

        let theirs = openssl_rate(conf, &pem, md, &message, &sig);
        match theirs {
            Some(t) => println!("{name:<28} {ours:>12.0} {t:>12.0} {:>7.2}x", ours / t),
            None => println!("{name:<28} {ours:>12.0} {:>12} {:>8}", "n/a", "n/a"),
        }
    }
}

/// OpenSSL's verify/s for our signature (it must verify there too), or None if the engine's
/// digest cannot be fetched in-process.
fn openssl_rate(conf: &Path, pem: &str, md: &str, message: &[u8], sig: &[u8]) -> Option<f64> {
    use openssl::hash::MessageDigest;
    use openssl::pkey::PKey;
    use openssl::sign::Verifier;
    let _ = conf;
    let key = PKey::private_key_from_pem(pem.as_bytes()).ok()?;
    let public = PKey::public_key_from_der(&key.public_key_to_der().ok()?).ok()?;
    let digest = MessageDigest::from_name(md)?;
    let check = |public: &PKey<openssl::pkey::Public>| {
        let mut v = Verifier::new(digest, public).unwrap();
        v.update(message).unwrap();
        v.verify(sig).unwrap_or(false)
    };
    assert!(check(&public), "OpenSSL rejects our signature ({md})");
    Some(per_second(|| check(&public)))
}
