//! The GOST user certificates of the test PKI as OpenSSL sees them (Debian's
//! `libengine-gost-openssl`, loaded through an `OPENSSL_CONF` file): `openssl verify` with the CA
//! and the CRL accepts them, `openssl x509` reads the GOST key, `openssl pkey` reads the key file.
#![allow(clippy::unwrap_used)]

use std::path::Path;
use std::process::Command;

use sio_pki::{KeyKind, PkiSpec, generate};

#[path = "../../sio-gost/tests/support/openssl_gost.rs"]
mod openssl_gost;
use openssl_gost::gost_conf;

fn openssl(conf: &Path, args: &[&str]) -> String {
    let out = Command::new("openssl")
        .args(args)
        .env("OPENSSL_CONF", conf)
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "openssl {args:?}:\n{text}");
    text
}

#[test]
fn openssl_verifies_gost_user_certificates_and_reads_the_keys() {
    let tmp = tempfile::tempdir().unwrap();
    let conf = gost_conf(tmp.path());
    let dir = tmp.path().join("pki");
    let mut spec = PkiSpec::demo();
    spec.users.truncate(2);
    spec.users[0].key = KeyKind::Gost2012_512;
    spec.users[1].key = KeyKind::Gost2012_256;
    let pki = generate(&dir, &spec).unwrap();
    let ca = pki.ca_cert.to_string_lossy().into_owned();
    let crl = pki.crl.to_string_lossy().into_owned();
    for (user, bits) in pki.users.iter().zip(["512", "256"]) {
        for cert in [&user.auth, &user.sign] {
            let path = cert.cert_path.to_string_lossy().into_owned();
            let out = openssl(
                &conf,
                &[
                    "verify",
                    "-CAfile",
                    &ca,
                    "-CRLfile",
                    &crl,
                    "-crl_check",
                    &path,
                ],
            );
            assert!(out.contains(": OK"), "{out}");
            let text = openssl(&conf, &["x509", "-in", &path, "-noout", "-text"]);
            assert!(
                text.contains(&format!("GOST R 34.10-2012 with {bits} bit modulus")),
                "{text}"
            );
            assert!(text.contains("serialNumber = IIN"), "{text}");
            let key = cert
                .key_path
                .as_ref()
                .unwrap()
                .to_string_lossy()
                .into_owned();
            openssl(&conf, &["pkey", "-in", &key, "-noout"]);
        }
    }
}
