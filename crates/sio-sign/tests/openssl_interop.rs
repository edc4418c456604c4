//! Every signature we make verifies with `openssl cms -verify`; OpenSSL-made CMS verifies with ours.
//! Needs the `openssl` CLI (Debian package `openssl`); nothing else, no services.

mod common;

use common::{ALL, Fixture, openssl, openssl_verify, path_str};
use sio_sign::{KeyPurpose, SignOptions, Signer, Verifier, add_signer, sign};

const DOC: &[u8] =
    b"\xd0\x97\xd0\xb0\xd0\xbf\xd1\x80\xd0\xbe\xd1\x81 / request #1\r\n\x00binary\xff tail";

#[test]
fn our_signatures_verify_with_openssl_and_with_us() {
    let fx = Fixture::new();
    let doc = fx.path("doc.bin");
    std::fs::write(&doc, DOC).expect("write");
    for alg in ALL {
        for attached in [false, true] {
            let mut signer = fx.signer_for(alg);
            let options = SignOptions {
                attached,
                ..SignOptions::default()
            };
            let cms = sign(DOC, &mut [&mut signer], &options).expect("sign");
            let sig = fx.path(&format!("{alg:?}-{attached}.p7s"));
            std::fs::write(&sig, &cms).expect("write");
            let (ok, err) = openssl_verify(
                &sig,
                (!attached).then_some(doc.as_path()),
                &fx.pki.ca_cert,
                "smimesign",
            );
            assert!(ok, "openssl rejected {alg} attached={attached}: {err}");

            let verifier = Verifier::from_pem(&fx.ca_pem())
                .expect("ca")
                .with_crl(&std::fs::read(&fx.pki.crl).expect("crl"))
                .expect("crl")
                .require_purpose(KeyPurpose::DocumentSigning)
                .require_signing_certificate(true);
            let content = (!attached).then_some(DOC);
            let v = verifier.verify(&cms, content).expect("our verify");
            assert_eq!(v.len(), 1);
            assert_eq!(v[0].algorithm, alg);
            assert!(v[0].signing_certificate_checked);
            assert!(v[0].signing_time.is_some());
            let iin = v[0].certificate.iin.clone().expect("iin");
            assert_eq!(iin.len(), 12);
            assert_eq!(v[0].certificate.bin.as_ref().map(String::len), Some(12));
        }
    }
}

#[test]
fn two_signers_in_one_signed_data_and_co_signing_later() {
    let fx = Fixture::new();
    let doc = fx.path("doc.bin");
    std::fs::write(&doc, DOC).expect("write");
    let verifier = Verifier::from_pem(&fx.ca_pem())
        .expect("ca")
        .require_purpose(KeyPurpose::DocumentSigning);
    for attached in [false, true] {
        let options = SignOptions {
            attached,
            ..SignOptions::default()
        };
        // Both at once.
        let mut officer = fx.signer(0, true);
        let mut head = fx.signer(1, true);
        let cms = sign(DOC, &mut [&mut officer, &mut head], &options).expect("sign");
        let v = verifier
            .verify(&cms, (!attached).then_some(DOC))
            .expect("verify both");
        assert_eq!(v.len(), 2);
        let sig = fx.path(&format!("both-{attached}.p7s"));
        std::fs::write(&sig, &cms).expect("write");
        let (ok, err) = openssl_verify(
            &sig,
            (!attached).then_some(doc.as_path()),
            &fx.pki.ca_cert,
            "smimesign",
        );
        assert!(
            ok,
            "openssl rejected two signers attached={attached}: {err}"
        );

        // The officer signs; the head co-signs later; then a third signer on P-384.
        let mut officer = fx.signer_for(sio_sign::SignatureAlgorithm::RsaPssSha256);
        let first = sign(DOC, &mut [&mut officer], &options).expect("sign");
        let mut head = fx.signer(1, true);
        let second =
            add_signer(&first, (!attached).then_some(DOC), &mut head, &options).expect("co-sign");
        let mut third = fx.signer(2, true);
        let third_cms = add_signer(&second, (!attached).then_some(DOC), &mut third, &options)
            .expect("co-sign 2");
        let v = verifier
            .verify(&third_cms, (!attached).then_some(DOC))
            .expect("verify co-signed");
        assert_eq!(v.len(), 3);
        let cns: Vec<_> = v
            .iter()
            .filter_map(|s| s.certificate.common_name.clone())
            .collect();
        assert!(cns.iter().any(|c| c.starts_with("СЕРІКОВА")), "{cns:?}");
        if attached {
            let mut other = fx.signer(2, true);
            let e = add_signer(&first, Some(b"another document"), &mut other, &options)
                .expect_err("differs");
            assert_eq!(e.code(), "SIGN_DIGEST_MISMATCH");
        }
        let sig = fx.path(&format!("cosigned-{attached}.p7s"));
        std::fs::write(&sig, &third_cms).expect("write");
        let (ok, err) = openssl_verify(
            &sig,
            (!attached).then_some(doc.as_path()),
            &fx.pki.ca_cert,
            "smimesign",
        );
        assert!(ok, "openssl rejected co-signed attached={attached}: {err}");
    }
}

#[test]
fn authentication_certificates_verify_for_login() {
    let fx = Fixture::new();
    let mut signer = fx.signer(1, false);
    let challenge = b"login challenge 0123456789";
    let cms = sign(challenge, &mut [&mut signer], &SignOptions::default()).expect("sign");
    let v = Verifier::from_pem(&fx.ca_pem())
        .expect("ca")
        .require_purpose(KeyPurpose::Authentication)
        .verify(&cms, Some(challenge))
        .expect("verify");
    assert_eq!(signer.carrier(), sio_sign::Carrier::Software);
    assert_eq!(v[0].certificate.iin.as_deref(), Some("901120400238"));
    let sig = fx.path("auth.p7s");
    let doc = fx.path("challenge");
    std::fs::write(&sig, &cms).expect("write");
    std::fs::write(&doc, challenge).expect("write");
    let (ok, err) = openssl_verify(&sig, Some(&doc), &fx.pki.ca_cert, "any");
    assert!(ok, "{err}");
}

#[test]
fn openssl_made_cms_verifies_with_ours() {
    let fx = Fixture::new();
    let doc = fx.path("doc.bin");
    std::fs::write(&doc, DOC).expect("write");
    let verifier = Verifier::from_pem(&fx.ca_pem())
        .expect("ca")
        .require_purpose(KeyPurpose::DocumentSigning);
    for (user, md) in [(0usize, "sha256"), (1, "sha256"), (2, "sha384")] {
        let c = &fx.pki.users[user].sign;
        for cades in [false, true] {
            for detached in [true, false] {
                let out = fx.path(&format!("openssl-{user}-{cades}-{detached}.p7s"));
                let mut args = vec![
                    "cms",
                    "-sign",
                    "-binary",
                    "-in",
                    path_str(&doc),
                    "-signer",
                    path_str(&c.cert_path),
                    "-inkey",
                    path_str(c.key_path.as_ref().expect("key")),
                    "-md",
                    md,
                    "-outform",
                    "DER",
                    "-out",
                    path_str(&out),
                ];
                if cades {
                    args.push("-cades");
                }
                if !detached {
                    args.push("-nodetach");
                }
                let (ok, err) = openssl(&args);
                assert!(ok, "openssl cms -sign: {err}");
                let cms = std::fs::read(&out).expect("read");
                let v = verifier
                    .verify(&cms, detached.then_some(DOC))
                    .unwrap_or_else(|e| {
                        panic!(
                            "user {user} cades={cades} detached={detached}: {} {e}",
                            e.code()
                        )
                    });
                assert_eq!(
                    v[0].signing_certificate_checked, cades,
                    "ESS attribute seen iff -cades"
                );
            }
        }
    }
    // RSA-PSS made by OpenSSL.
    let c = &fx.pki.users[0].sign;
    let out = fx.path("openssl-pss.p7s");
    let (ok, err) = openssl(&[
        "cms",
        "-sign",
        "-binary",
        "-in",
        path_str(&doc),
        "-signer",
        path_str(&c.cert_path),
        "-inkey",
        path_str(c.key_path.as_ref().expect("key")),
        "-md",
        "sha256",
        "-keyopt",
        "rsa_padding_mode:pss",
        "-keyopt",
        "rsa_pss_saltlen:32",
        "-outform",
        "DER",
        "-out",
        path_str(&out),
    ]);
    assert!(ok, "{err}");
    let v = verifier
        .verify(&std::fs::read(&out).expect("read"), Some(DOC))
        .expect("pss from openssl");
    assert_eq!(v[0].algorithm, sio_sign::SignatureAlgorithm::RsaPssSha256);
}

#[test]
fn streamed_ber_from_openssl_is_refused_with_a_clear_code() {
    let fx = Fixture::new();
    let doc = fx.path("doc.bin");
    std::fs::write(&doc, DOC).expect("write");
    let c = &fx.pki.users[1].sign;
    let out = fx.path("stream.p7s");
    let (ok, err) = openssl(&[
        "cms",
        "-sign",
        "-binary",
        "-stream",
        "-nodetach",
        "-in",
        path_str(&doc),
        "-signer",
        path_str(&c.cert_path),
        "-inkey",
        path_str(c.key_path.as_ref().expect("key")),
        "-md",
        "sha256",
        "-outform",
        "DER",
        "-out",
        path_str(&out),
    ]);
    assert!(ok, "{err}");
    let cms = std::fs::read(&out).expect("read");
    let e = Verifier::from_pem(&fx.ca_pem())
        .expect("ca")
        .verify(&cms, None)
        .expect_err("BER");
    assert_eq!(e.code(), "SIGN_BER_UNSUPPORTED");
}

#[test]
fn chains_to_rsa_and_p384_cas_and_revocation_after_reload() {
    for ca_key in [sio_pki::KeyKind::Rsa2048, sio_pki::KeyKind::EcdsaP384] {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut spec = sio_pki::PkiSpec::demo();
        spec.ca.key = ca_key;
        spec.users.truncate(2);
        let pki = sio_pki::generate(dir.path(), &spec).expect("generate");
        let mut s = common::signer_from(&pki.users[1].sign);
        let cms = sign(DOC, &mut [&mut s], &SignOptions::default()).expect("sign");
        let ca = std::fs::read(&pki.ca_cert).expect("ca");
        let crl = || std::fs::read(&pki.crl).expect("crl");
        Verifier::from_pem(&ca)
            .expect("ca")
            .with_crl(&crl())
            .expect("crl")
            .verify(&cms, Some(DOC))
            .unwrap_or_else(|e| panic!("{ca_key:?} CA: {}", e.code()));
        let sig = dir.path().join("s.p7s");
        let doc = dir.path().join("doc");
        std::fs::write(&sig, &cms).expect("write");
        std::fs::write(&doc, DOC).expect("write");
        let (ok, err) = openssl_verify(&sig, Some(&doc), &pki.ca_cert, "smimesign");
        assert!(ok, "{ca_key:?}: {err}");
        // Revocation reloads the CA key from disk and signs a new CRL with it.
        sio_pki::revoke(dir.path(), &pki.users[1].sign.serial_hex).expect("revoke");
        let e = Verifier::from_pem(&ca)
            .expect("ca")
            .with_crl(&crl())
            .expect("crl")
            .verify(&cms, Some(DOC))
            .expect_err("revoked");
        assert_eq!(e.code(), "SIGN_CERT_REVOKED");
    }
}
