//! Shared fixtures: a fresh test PKI per test (generated in well under a second) and the openssl CLI.

#![allow(dead_code, unreachable_pub)]

use std::path::{Path, PathBuf};
use std::process::Command;

use sio_pki::{GeneratedPki, PkiSpec};
use sio_sign::SignatureAlgorithm;
use sio_sign::soft::SoftwareSigner;

pub struct Fixture {
    pub dir: tempfile::TempDir,
    pub pki: GeneratedPki,
}

impl Fixture {
    pub fn new() -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let pki = sio_pki::generate(dir.path(), &PkiSpec::demo()).expect("generate PKI");
        Self { dir, pki }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    pub fn ca_pem(&self) -> Vec<u8> {
        std::fs::read(&self.pki.ca_cert).expect("ca")
    }

    /// `user` is 0 (RSA), 1 (P-256), 2 (P-384); `sign` picks the signing certificate.
    pub fn signer(&self, user: usize, sign: bool) -> SoftwareSigner {
        let c = if sign {
            &self.pki.users[user].sign
        } else {
            &self.pki.users[user].auth
        };
        signer_from(c)
    }

    pub fn signer_for(&self, alg: SignatureAlgorithm) -> SoftwareSigner {
        match alg {
            SignatureAlgorithm::RsaPkcs1Sha256 => self.signer(0, true),
            SignatureAlgorithm::RsaPssSha256 => self
                .signer(0, true)
                .with_algorithm(SignatureAlgorithm::RsaPssSha256)
                .expect("pss"),
            SignatureAlgorithm::EcdsaP256Sha256 => self.signer(1, true),
            SignatureAlgorithm::EcdsaP384Sha384 => self.signer(2, true),
            other => panic!("no fixture for {other}"),
        }
    }
}

pub fn signer_from(c: &sio_pki::IssuedCert) -> SoftwareSigner {
    let key = std::fs::read_to_string(c.key_path.as_ref().expect("key")).expect("read key");
    let cert = std::fs::read(&c.cert_path).expect("read cert");
    SoftwareSigner::from_pem(&key, &cert).expect("signer")
}

pub const ALL: [SignatureAlgorithm; 4] = [
    SignatureAlgorithm::RsaPkcs1Sha256,
    SignatureAlgorithm::RsaPssSha256,
    SignatureAlgorithm::EcdsaP256Sha256,
    SignatureAlgorithm::EcdsaP384Sha384,
];

/// Run openssl; returns (success, stderr).
pub fn openssl(args: &[&str]) -> (bool, String) {
    let out = Command::new("openssl")
        .args(args)
        .output()
        .expect("openssl CLI (Debian package openssl)");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// `openssl cms -verify` of a DER CMS; `content` for detached signatures.
pub fn openssl_verify(
    sig: &Path,
    content: Option<&Path>,
    ca: &Path,
    purpose: &str,
) -> (bool, String) {
    let mut args = vec![
        "cms",
        "-verify",
        "-binary",
        "-inform",
        "DER",
        "-in",
        path_str(sig),
        "-CAfile",
        path_str(ca),
        "-purpose",
        purpose,
        "-out",
        "/dev/null",
    ];
    if let Some(c) = content {
        args.extend(["-content", path_str(c)]);
    }
    openssl(&args)
}

pub fn path_str(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}
