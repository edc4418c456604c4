//! Each way a signature can be wrong is rejected with its own code. Needs the `openssl` CLI for the
//! OpenSSL-made inputs; no services.

mod common;

use std::time::{Duration, SystemTime};

use common::{Fixture, openssl, path_str, signer_from};
use der::{Decode, Encode};
use sio_pki::{PkiSpec, Usage, Validity};
use sio_sign::soft::SoftwareSigner;
use sio_sign::{
    Carrier, KeyPurpose, SignError, SignOptions, SignatureAlgorithm, Signer, SignerError, Verifier,
    sign,
};

const DOC: &[u8] = b"application: leave request, 3 days";

fn code(r: Result<Vec<sio_sign::VerifiedSignature>, SignError>) -> &'static str {
    r.expect_err("must be rejected").code()
}

fn verifier(fx: &Fixture) -> Verifier {
    Verifier::from_pem(&fx.ca_pem()).expect("ca")
}

#[test]
fn tampered_content_is_rejected() {
    let fx = Fixture::new();
    let mut s = fx.signer(1, true);
    let detached = sign(DOC, &mut [&mut s], &SignOptions::default()).expect("sign");
    assert_eq!(
        code(verifier(&fx).verify(&detached, Some(b"application: leave request, 30 days"))),
        "SIGN_DIGEST_MISMATCH"
    );
    assert_eq!(
        code(verifier(&fx).verify(&detached, None)),
        "SIGN_CONTENT_MISSING"
    );

    let mut attached = sign(
        DOC,
        &mut [&mut s],
        &SignOptions {
            attached: true,
            ..Default::default()
        },
    )
    .expect("sign");
    let at = attached
        .windows(DOC.len())
        .position(|w| w == DOC)
        .expect("content inside");
    attached[at + 14] ^= 0x01;
    assert_eq!(
        code(verifier(&fx).verify(&attached, None)),
        "SIGN_DIGEST_MISMATCH"
    );
}

#[test]
fn broken_signature_value_is_rejected() {
    let fx = Fixture::new();
    for user in [0, 1, 2] {
        let mut s = fx.signer(user, true);
        let mut cms = sign(DOC, &mut [&mut s], &SignOptions::default()).expect("sign");
        let last = cms.len() - 5; // inside the signature value, the last field
        cms[last] ^= 0x40;
        let c = code(verifier(&fx).verify(&cms, Some(DOC)));
        assert!(c == "SIGN_BAD_SIGNATURE", "user {user}: {c}");
    }
}

#[test]
fn wrong_ca_is_rejected() {
    let fx = Fixture::new();
    let other = Fixture::new();
    let mut s = fx.signer(0, true);
    let cms = sign(DOC, &mut [&mut s], &SignOptions::default()).expect("sign");
    assert_eq!(
        code(verifier(&other).verify(&cms, Some(DOC))),
        "SIGN_UNTRUSTED"
    );
    // A CRL not signed by a trusted CA is refused when loaded.
    let e = verifier(&fx)
        .with_crl(&std::fs::read(&other.pki.crl).expect("crl"))
        .expect_err("foreign CRL");
    assert_eq!(e.code(), "SIGN_CRL_INVALID");
    // Trusting both CAs but holding only the other CA's CRL: revocation status unknown.
    let both = [
        std::fs::read(&fx.pki.ca_cert).expect("ca"),
        std::fs::read(&other.pki.ca_cert).expect("ca"),
    ]
    .concat();
    let v = Verifier::from_pem(&both)
        .expect("bundle")
        .with_crl(&std::fs::read(&other.pki.crl).expect("crl"))
        .expect("crl");
    assert_eq!(code(v.verify(&cms, Some(DOC))), "SIGN_REVOCATION_UNKNOWN");
}

#[test]
fn expired_and_not_yet_valid_certificates_are_rejected() {
    let fx = Fixture::new();
    let now = SystemTime::now();
    let day = Duration::from_secs(86_400);
    let mut user = PkiSpec::demo().users.remove(1);
    user.id = "expired".into();
    let minute = Duration::from_secs(60);
    user.validity = Some(Validity {
        not_before: now - 400 * day,
        not_after: now - 10 * minute,
    });
    let expired = sio_pki::issue_user(fx.dir.path(), &user).expect("issue");
    let mut s = signer_from(&expired.sign);
    let cms = sign(DOC, &mut [&mut s], &SignOptions::default()).expect("sign");
    assert_eq!(
        code(verifier(&fx).verify(&cms, Some(DOC))),
        "SIGN_CERT_EXPIRED"
    );
    // Signed while it was valid (CAdES-BES trusts the claimed signing time): accepted.
    let past = SignOptions {
        signing_time: Some(now - 20 * minute),
        ..Default::default()
    };
    let cms = sign(DOC, &mut [&mut s], &past).expect("sign");
    verifier(&fx)
        .verify(&cms, Some(DOC))
        .expect("valid at signing time");

    // A signing time claimed in the future (beyond the clock skew) is refused.
    let ahead = SignOptions {
        signing_time: Some(now + 20 * minute),
        ..Default::default()
    };
    let mut valid = fx.signer(1, true);
    let cms = sign(DOC, &mut [&mut valid], &ahead).expect("sign");
    assert_eq!(
        code(verifier(&fx).verify(&cms, Some(DOC))),
        "SIGN_SIGNING_TIME_IN_FUTURE"
    );
    verifier(&fx)
        .allow_clock_skew(30 * minute)
        .verify(&cms, Some(DOC))
        .expect("within the skew");

    user.id = "future".into();
    user.validity = Some(Validity {
        not_before: now + 10 * day,
        not_after: now + 400 * day,
    });
    let future = sio_pki::issue_user(fx.dir.path(), &user).expect("issue");
    let mut s = signer_from(&future.sign);
    let cms = sign(DOC, &mut [&mut s], &SignOptions::default()).expect("sign");
    assert_eq!(
        code(verifier(&fx).verify(&cms, Some(DOC))),
        "SIGN_CERT_NOT_YET_VALID"
    );
}

#[test]
fn revoked_certificate_is_rejected() {
    let fx = Fixture::new();
    let mut s = fx.signer(2, true);
    let cms = sign(DOC, &mut [&mut s], &SignOptions::default()).expect("sign");
    let with_crl = |fx: &Fixture| {
        verifier(fx)
            .with_crl(&std::fs::read(&fx.pki.crl).expect("crl"))
            .expect("crl")
    };
    with_crl(&fx)
        .verify(&cms, Some(DOC))
        .expect("not revoked yet");
    sio_pki::revoke(fx.dir.path(), &fx.pki.users[2].sign.serial_hex).expect("revoke");
    assert_eq!(
        code(with_crl(&fx).verify(&cms, Some(DOC))),
        "SIGN_CERT_REVOKED"
    );
    // The user's other certificate is unaffected.
    let mut auth = fx.signer(2, false);
    let cms = sign(DOC, &mut [&mut auth], &SignOptions::default()).expect("sign");
    with_crl(&fx)
        .verify(&cms, Some(DOC))
        .expect("auth certificate still good");
}

#[test]
fn wrong_key_purpose_is_rejected() {
    let fx = Fixture::new();
    let mut auth = fx.signer(0, false);
    let cms = sign(DOC, &mut [&mut auth], &SignOptions::default()).expect("sign");
    let v = verifier(&fx).require_purpose(KeyPurpose::DocumentSigning);
    assert_eq!(code(v.verify(&cms, Some(DOC))), "SIGN_WRONG_KEY_PURPOSE");
    let mut signing = fx.signer(0, true);
    let cms = sign(DOC, &mut [&mut signing], &SignOptions::default()).expect("sign");
    let v = verifier(&fx).require_purpose(KeyPurpose::Authentication);
    assert_eq!(code(v.verify(&cms, Some(DOC))), "SIGN_WRONG_KEY_PURPOSE");
}

/// Certificate substitution: a second certificate for the SAME key, swapped into sid and the
/// certificate set. The signature still verifies; only the ESS signing-certificate-v2 hash tells.
#[test]
fn substituted_certificate_is_caught_by_the_ess_hash() {
    let fx = Fixture::new();
    let c = &fx.pki.users[1].sign;
    let key_pem = std::fs::read_to_string(c.key_path.as_ref().expect("key")).expect("key");
    let spki = sio_pki::public_key_of(&key_pem).expect("spki");
    let mut twin = PkiSpec::demo().users.remove(1);
    twin.id = "twin".into();
    let twin_cert =
        sio_pki::issue_for_public_key(fx.dir.path(), &spki, &twin, Usage::Sign).expect("issue");

    let mut s = fx.signer(1, true);
    let cms = sign(DOC, &mut [&mut s], &SignOptions::default()).expect("sign");
    let ci = cms::content_info::ContentInfo::from_der(&cms).expect("ci");
    let mut sd: cms::signed_data::SignedData = ci.content.decode_as().expect("sd");
    let twin_x509 = x509_cert::Certificate::from_der(&twin_cert.cert_der).expect("twin");
    let mut infos: Vec<_> = sd.signer_infos.0.iter().cloned().collect();
    infos[0].sid = cms::signed_data::SignerIdentifier::IssuerAndSerialNumber(
        cms::cert::IssuerAndSerialNumber {
            issuer: twin_x509.tbs_certificate.issuer.clone(),
            serial_number: twin_x509.tbs_certificate.serial_number.clone(),
        },
    );
    sd.signer_infos = cms::signed_data::SignerInfos(infos.try_into().expect("set"));
    sd.certificates = Some(cms::signed_data::CertificateSet(
        vec![cms::cert::CertificateChoices::Certificate(twin_x509)]
            .try_into()
            .expect("set"),
    ));
    let forged = cms::content_info::ContentInfo {
        content_type: ci.content_type,
        content: der::Any::encode_from(&sd).expect("any"),
    }
    .to_der()
    .expect("der");
    assert_eq!(
        code(verifier(&fx).verify(&forged, Some(DOC))),
        "SIGN_ESS_CERT_MISMATCH"
    );
}

#[test]
fn unsupported_digest_and_garbage_are_rejected() {
    let fx = Fixture::new();
    let doc = fx.path("doc");
    std::fs::write(&doc, DOC).expect("write");
    let c = &fx.pki.users[0].sign;
    let out = fx.path("sha512.p7s");
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
        "sha512",
        "-outform",
        "DER",
        "-out",
        path_str(&out),
    ]);
    assert!(ok, "{err}");
    assert_eq!(
        code(verifier(&fx).verify(&std::fs::read(&out).expect("read"), Some(DOC))),
        "SIGN_UNSUPPORTED_ALGORITHM"
    );
    assert_eq!(
        code(verifier(&fx).verify(b"not a cms", Some(DOC))),
        "SIGN_MALFORMED"
    );
    assert_eq!(
        code(verifier(&fx).verify(&[0x30, 0x03, 0x06, 0x01, 0x00], Some(DOC))),
        "SIGN_MALFORMED"
    );
    // A ContentInfo of another type (id-data).
    let data = [
        0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x01, 0xa0, 0x00,
    ];
    assert_eq!(
        code(verifier(&fx).verify(&data, Some(DOC))),
        "SIGN_NOT_SIGNED_DATA"
    );
}

/// A token that fails or returns garbage: the error reaches the caller with the token's code.
struct FaultyToken {
    inner: SoftwareSigner,
    fault: Option<SignerError>,
}

impl Signer for FaultyToken {
    fn certificate_der(&self) -> &[u8] {
        self.inner.certificate_der()
    }
    fn algorithm(&self) -> SignatureAlgorithm {
        self.inner.algorithm()
    }
    fn carrier(&self) -> Carrier {
        Carrier::Hardware
    }
    fn sign(&mut self, message: &[u8]) -> Result<Vec<u8>, SignerError> {
        match self.fault.take() {
            Some(e) => Err(e),
            None => {
                let mut sig = self.inner.sign(message)?;
                sig[10] ^= 1;
                Ok(sig)
            }
        }
    }
}

#[test]
fn token_failures_keep_their_codes() {
    let fx = Fixture::new();
    let mut t = FaultyToken {
        inner: fx.signer(1, true),
        fault: Some(SignerError::Removed),
    };
    let e = sign(DOC, &mut [&mut t], &SignOptions::default()).expect_err("removed");
    assert_eq!(e.code(), "TOKEN_CARD_REMOVED");
    t.fault = Some(SignerError::NotAuthenticated);
    let e = sign(DOC, &mut [&mut t], &SignOptions::default()).expect_err("pin");
    assert_eq!(e.code(), "SIGN_TOKEN_NOT_AUTHENTICATED");
    let e = sign(DOC, &mut [&mut t], &SignOptions::default()).expect_err("garbage");
    assert_eq!(e.code(), "SIGN_TOKEN_BAD_SIGNATURE");
    // A key that does not belong to the certificate is refused when loading.
    let key =
        std::fs::read_to_string(fx.pki.users[1].auth.key_path.as_ref().expect("k")).expect("k");
    let cert = std::fs::read(&fx.pki.users[1].sign.cert_path).expect("c");
    assert_eq!(
        SoftwareSigner::from_pem(&key, &cert)
            .expect_err("mismatch")
            .code(),
        "SIGN_KEY_INVALID"
    );
}

/// Untrusted input never panics: every truncation and a bit flip at every position of a real
/// co-signed CMS (attached) is rejected with a code, except a change of the SignedData version
/// to another valid version (a field no signature covers).
#[test]
fn truncated_or_flipped_input_never_panics() {
    let fx = Fixture::new();
    let mut a = fx.signer(0, true);
    let mut b = fx.signer(2, true);
    let cms = sign(
        DOC,
        &mut [&mut a, &mut b],
        &SignOptions {
            attached: true,
            ..Default::default()
        },
    )
    .expect("sign");
    let v = verifier(&fx)
        .with_crl(&std::fs::read(&fx.pki.crl).expect("crl"))
        .expect("crl");
    for len in 0..cms.len() {
        let _ = v.verify(&cms[..len], None).expect_err("truncated");
    }
    let mut accepted = 0;
    for i in 0..cms.len() {
        let mut m = cms.clone();
        m[i] ^= 0x01 << (i % 8);
        if v.verify(&m, None).is_ok() {
            accepted += 1;
            eprintln!(
                "accepted flip at {i}: {:02x?}",
                &cms[i.saturating_sub(6)..(i + 4).min(cms.len())]
            );
        }
    }
    assert!(accepted <= 1, "{accepted} single-bit changes were accepted");
}

#[test]
fn garbage_certificates_and_crls_never_panic() {
    let fx = Fixture::new();
    let ca = std::fs::read(&fx.pki.ca_cert).expect("ca");
    let ca_der = sio_sign::pem_or_der_blocks(&ca, "CERTIFICATE").remove(0);
    let crl = std::fs::read(&fx.pki.crl).expect("crl");
    let crl_der = sio_sign::pem_or_der_blocks(&crl, "X509 CRL").remove(0);
    for len in 0..ca_der.len() {
        assert!(sio_sign::CertSummary::from_der(&ca_der[..len]).is_err());
        assert!(Verifier::new(&[&ca_der[..len]]).is_err());
    }
    let v = Verifier::new(&[&ca_der]).expect("ca");
    for i in 0..crl_der.len() {
        let mut m = crl_der.clone();
        m[i] ^= 0x04;
        let _ = v.clone().with_crl(&m);
        let _ = v
            .clone()
            .with_crl(&crl_der[..i])
            .expect_err("truncated CRL");
    }
}
