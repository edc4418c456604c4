//! GOST R 34.10-2012 interop with OpenSSL + Debian's `libengine-gost-openssl` (loaded through a
//! test-only OPENSSL_CONF written here): OpenSSL-made keys, certificates and CAdES signatures
//! verify with ours; ours verify with `openssl cms -verify`. Both 256 and 512 bits.
#![allow(clippy::unwrap_used)]

use std::path::PathBuf;
use std::process::Command;

use sio_sign::soft::GostSoftwareSigner;
use sio_sign::{KeyPurpose, SignOptions, SignatureAlgorithm, Verifier, sign};

#[path = "../../sio-gost/tests/support/openssl_gost.rs"]
mod openssl_gost;
use openssl_gost::gost_conf;

const DOC: &[u8] = b"\xd0\x97\xd0\xb0\xd0\xbf\xd1\x80\xd0\xbe\xd1\x81 GOST\r\n\x00\xff";

struct Engine {
    dir: tempfile::TempDir,
    conf: PathBuf,
}

impl Engine {
    /// Writes an OPENSSL_CONF that loads the gost engine from OpenSSL's ENGINESDIR.
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let conf = gost_conf(dir.path());
        Self { dir, conf }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn run(&self, args: &[&str]) -> (bool, String) {
        let out = Command::new("openssl")
            .args(args)
            .env("OPENSSL_CONF", &self.conf)
            .output()
            .unwrap();
        (
            out.status.success(),
            format!(
                "{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ),
        )
    }

    fn ok(&self, args: &[&str]) {
        let (ok, out) = self.run(args);
        assert!(ok, "openssl {args:?}: {out}");
    }

    fn p(&self, name: &str) -> String {
        self.path(name).to_str().unwrap().to_owned()
    }

    /// A CA and a user (document signing) with OpenSSL: `alg` gost2012_256/512, `set` paramset.
    fn pki(&self, tag: &str, alg: &str, set: &str, md: &str) {
        let ext = self.path(&format!("{tag}.ext"));
        std::fs::write(
            &ext,
            "[req]\ndistinguished_name=dn\n[dn]\n\
             [ca]\nbasicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n\
             subjectKeyIdentifier=hash\n\
             [user]\nbasicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,nonRepudiation\n\
             extendedKeyUsage=emailProtection,clientAuth\n",
        )
        .unwrap();
        let pset = format!("paramset:{set}");
        let md = &format!("-{md}");
        let (cak, cac, uk, ucsr, uc) = (
            self.p(&format!("{tag}-ca.key")),
            self.p(&format!("{tag}-ca.pem")),
            self.p(&format!("{tag}-user.key")),
            self.p(&format!("{tag}-user.csr")),
            self.p(&format!("{tag}-user.pem")),
        );
        let ext = ext.to_str().unwrap();
        self.ok(&[
            "genpkey",
            "-algorithm",
            alg,
            "-pkeyopt",
            &pset,
            "-out",
            &cak,
        ]);
        self.ok(&[
            "req",
            "-new",
            "-x509",
            "-key",
            &cak,
            "-subj",
            "/CN=GOST test CA",
            "-days",
            "30",
            md,
            "-config",
            ext,
            "-extensions",
            "ca",
            "-out",
            &cac,
        ]);
        self.ok(&["genpkey", "-algorithm", alg, "-pkeyopt", &pset, "-out", &uk]);
        self.ok(&[
            "req",
            "-new",
            "-key",
            &uk,
            "-subj",
            "/CN=TESTOV TEST/serialNumber=IIN123456789012",
            md,
            "-out",
            &ucsr,
        ]);
        self.ok(&[
            "x509",
            "-req",
            "-in",
            &ucsr,
            "-CA",
            &cac,
            "-CAkey",
            &cak,
            "-set_serial",
            "7",
            "-days",
            "30",
            md,
            "-extfile",
            ext,
            "-extensions",
            "user",
            "-out",
            &uc,
        ]);
    }
}

const CASES: &[(&str, &str, &str, &str, SignatureAlgorithm)] = &[
    (
        "g512a",
        "gost2012_512",
        "A",
        "md_gost12_512",
        SignatureAlgorithm::Gost2012_512,
    ),
    (
        "g512c",
        "gost2012_512",
        "C",
        "md_gost12_512",
        SignatureAlgorithm::Gost2012_512,
    ),
    (
        "g256a",
        "gost2012_256",
        "A",
        "md_gost12_256",
        SignatureAlgorithm::Gost2012_256,
    ),
    (
        "g256tca",
        "gost2012_256",
        "TCA",
        "md_gost12_256",
        SignatureAlgorithm::Gost2012_256,
    ),
];

#[test]
fn openssl_gost_cades_verifies_with_ours_and_ours_with_openssl() {
    let e = Engine::new();
    let doc = e.path("doc.bin");
    std::fs::write(&doc, DOC).unwrap();
    let docs = doc.to_str().unwrap().to_owned();
    for &(tag, alg, set, md, expected) in CASES {
        e.pki(tag, alg, set, md);
        let ca = std::fs::read(e.path(&format!("{tag}-ca.pem"))).unwrap();
        let user_cert = e.p(&format!("{tag}-user.pem"));
        let user_key = e.p(&format!("{tag}-user.key"));
        let verifier = Verifier::from_pem(&ca)
            .unwrap()
            .require_purpose(KeyPurpose::DocumentSigning);

        // Theirs → ours, detached and attached.
        for attached in [false, true] {
            let out = e.p(&format!("{tag}-theirs-{attached}.p7s"));
            let mut args = vec![
                "cms", "-sign", "-md", md, "-cades", "-binary", "-in", &docs, "-signer",
                &user_cert, "-inkey", &user_key, "-outform", "DER", "-out", &out,
            ];
            if attached {
                args.push("-nodetach");
            }
            e.ok(&args);
            let cms = std::fs::read(&out).unwrap();
            let content = (!attached).then_some(DOC);
            let v = verifier
                .verify(&cms, content)
                .unwrap_or_else(|err| panic!("{tag} attached={attached}: {err} ({})", err.code()));
            assert_eq!(v[0].algorithm, expected, "{tag}");
            assert!(
                v[0].signing_certificate_checked,
                "{tag}: CAdES ESS attribute"
            );
            // A changed content is refused.
            if !attached {
                assert!(verifier.verify(&cms, Some(b"other")).is_err());
            }
        }

        // Ours → theirs, with the OpenSSL-made key loaded into the software GOST signer.
        let key_pem = std::fs::read_to_string(&user_key).unwrap();
        let cert = std::fs::read(&user_cert).unwrap();
        let mut signer = GostSoftwareSigner::from_pem(&key_pem, &cert).unwrap();
        for attached in [false, true] {
            let options = SignOptions {
                attached,
                ..SignOptions::default()
            };
            let cms = sign(DOC, &mut [&mut signer], &options).unwrap();
            let out = e.p(&format!("{tag}-ours-{attached}.p7s"));
            std::fs::write(&out, &cms).unwrap();
            let ca_path = e.p(&format!("{tag}-ca.pem"));
            let mut args = vec![
                "cms",
                "-verify",
                "-binary",
                "-inform",
                "DER",
                "-in",
                &out,
                "-CAfile",
                &ca_path,
                "-purpose",
                "any",
                "-out",
                "/dev/null",
            ];
            if !attached {
                args.extend(["-content", &docs]);
            }
            let (ok, text) = e.run(&args);
            assert!(ok, "openssl rejected our {tag} attached={attached}: {text}");
            let v = verifier.verify(&cms, (!attached).then_some(DOC)).unwrap();
            assert_eq!(v[0].algorithm, expected);
        }
    }
}
