use super::*;

fn check_digit(first11: &str) -> Option<u32> {
    let d: Vec<u32> = first11.chars().filter_map(|c| c.to_digit(10)).collect();
    let s: u32 = d
        .iter()
        .enumerate()
        .map(|(i, v)| (i as u32 + 1) * v)
        .sum::<u32>()
        % 11;
    if s != 10 {
        return Some(s);
    }
    let w = [3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2];
    let s: u32 = d.iter().zip(w).map(|(v, w)| v * w).sum::<u32>() % 11;
    (s != 10).then_some(s)
}

fn valid_id(id: &str) -> bool {
    id.len() == 12 && check_digit(&id[..11]) == id[11..].parse().ok()
}

#[test]
fn demo_identifiers_have_valid_check_digits() {
    for u in PkiSpec::demo().users {
        assert!(valid_id(&u.iin), "IIN {}", u.iin);
        assert!(valid_id(&u.bin), "BIN {}", u.bin);
    }
}

#[test]
fn policy_extension_encodes_the_uuid_arc() {
    let ext = spec::certificate_policies(&[7]);
    let content = ext.content();
    // SEQUENCE { SEQUENCE { OID 2.25.<uuid>.1.7 } }
    assert_eq!(content[0], 0x30);
    assert_eq!(content[2], 0x30);
    assert_eq!(content[4], 0x06);
    assert_eq!(content[6], 0x69); // 2*40+25
    assert_eq!(&content[content.len() - 2..], &[1, 7]);
}

#[test]
fn serials_normalise() {
    assert_eq!(normalise_serial("4a:0b").ok().as_deref(), Some("4A0B"));
    assert!(normalise_serial("xyz").is_err());
    assert!(normalise_serial("").is_err());
}

#[test]
fn generates_demo_pki_quickly_with_private_keys_0600() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().expect("tempdir");
    let started = std::time::Instant::now();
    let pki = generate(dir.path(), &PkiSpec::demo()).expect("generate");
    eprintln!("demo PKI in {:?}", started.elapsed());
    assert_eq!(pki.users.len(), 3);
    for key in [&pki.ca_key].into_iter().chain(
        pki.users
            .iter()
            .flat_map(|u| [&u.auth, &u.sign])
            .filter_map(|c| c.key_path.as_ref()),
    ) {
        let mode = std::fs::metadata(key).expect("meta").permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{}", key.display());
        assert!(key.to_string_lossy().ends_with(".key.pem"));
    }
    let revoked = pki.users[0].sign.serial_hex.clone();
    revoke(dir.path(), &revoked).expect("revoke");
    revoke(dir.path(), &revoked).expect("revoke twice");
    assert_eq!(revoked_serials(dir.path()).expect("list"), vec![revoked]);
}

#[test]
fn issues_for_an_external_public_key() {
    let dir = tempfile::tempdir().expect("tempdir");
    generate(dir.path(), &PkiSpec::empty()).expect("generate");
    let card_key = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).expect("key");
    let mut user = PkiSpec::demo().users.remove(1);
    user.id = "card".into();
    let der = issue_for_public_key(
        dir.path(),
        &card_key.subject_public_key_info(),
        &user,
        Usage::Auth,
    )
    .expect("issue");
    assert!(der.key_path.is_none());
    let pem = card_key.public_key_pem();
    issue_for_public_key(dir.path(), pem.as_bytes(), &user, Usage::Sign).expect("issue from PEM");
    assert!(matches!(
        issue_for_public_key(dir.path(), b"junk", &user, Usage::Sign),
        Err(PkiError::BadPublicKey)
    ));
}

#[test]
fn issues_gost_user_certificates_that_parse_and_verify() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut spec = PkiSpec::demo();
    spec.users.truncate(2);
    spec.users[0].key = KeyKind::Gost2012_512;
    spec.users[1].key = KeyKind::Gost2012_256;
    let pki = generate(dir.path(), &spec).expect("generate");
    let ca = std::fs::read(&pki.ca_cert).expect("ca");
    let crl = std::fs::read(&pki.crl).expect("crl");
    for (user, want) in pki.users.iter().zip(&spec.users) {
        for (cert, purpose) in [
            (&user.auth, sio_sign::KeyPurpose::Authentication),
            (&user.sign, sio_sign::KeyPurpose::DocumentSigning),
        ] {
            let summary = sio_sign::CertSummary::from_der(&cert.cert_der).expect("parse");
            assert_eq!(summary.iin.as_deref(), Some(want.iin.as_str()));
            assert_eq!(summary.serial_hex, cert.serial_hex);
            let key_pem =
                std::fs::read_to_string(cert.key_path.as_ref().expect("key")).expect("read key");
            let mut signer = sio_sign::soft::GostSoftwareSigner::from_pem(&key_pem, &cert.cert_der)
                .expect("signer");
            let cms =
                sio_sign::sign(b"doc", &mut [&mut signer], &Default::default()).expect("sign");
            let verified = sio_sign::Verifier::from_pem(&ca)
                .expect("ca")
                .with_crl(&crl)
                .expect("crl")
                .require_purpose(purpose)
                .verify(&cms, Some(b"doc"))
                .expect("verify");
            assert_eq!(verified.len(), 1);
        }
    }
}

#[test]
fn refuses_a_gost_ca() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut spec = PkiSpec::empty();
    spec.ca.key = KeyKind::Gost2012_512;
    assert!(matches!(
        generate(dir.path(), &spec),
        Err(PkiError::InvalidSpec(_))
    ));
}

#[test]
fn issues_a_workstation_certificate_without_an_iin() {
    let dir = tempfile::tempdir().expect("tempdir");
    generate(dir.path(), &PkiSpec::empty()).expect("generate");
    let ws = issue_workstation(dir.path(), "arm-01").expect("issue");
    let summary = sio_sign::CertSummary::from_der(&ws.cert_der).expect("parse");
    assert_eq!(summary.iin, None);
    assert_eq!(summary.common_name.as_deref(), Some("arm-01"));
    assert!(ws.key_path.is_some_and(|k| k.exists()));
    assert!(matches!(
        issue_workstation(dir.path(), "../x"),
        Err(PkiError::InvalidSpec(_))
    ));
}

#[test]
fn issues_for_an_external_gost_public_key() {
    use sio_sign::{GostArc, GostCurve};
    let dir = tempfile::tempdir().expect("tempdir");
    generate(dir.path(), &PkiSpec::empty()).expect("generate");
    let token_key =
        sio_sign::soft::GostKey::generate(GostCurve::Tc26_512A, GostArc::Kz).expect("key");
    let spki = token_key.spki_der().expect("spki");
    let mut user = PkiSpec::demo().users.remove(0);
    user.id = "gost-token".into();
    let issued = issue_for_public_key(dir.path(), &spki, &user, Usage::Sign).expect("issue");
    let mut signer =
        sio_sign::soft::GostSoftwareSigner::new(token_key, &issued.cert_der).expect("signer");
    let cms = sio_sign::sign(b"doc", &mut [&mut signer], &Default::default()).expect("sign");
    let ca = std::fs::read(dir.path().join(paths::CA_CERT)).expect("ca");
    sio_sign::Verifier::from_pem(&ca)
        .expect("ca")
        .require_purpose(sio_sign::KeyPurpose::DocumentSigning)
        .verify(&cms, Some(b"doc"))
        .expect("verify");
    let pem = der::pem::encode_string("PUBLIC KEY", der::pem::LineEnding::LF, &spki).expect("pem");
    issue_for_public_key(dir.path(), pem.as_bytes(), &user, Usage::Auth).expect("from PEM");
}
