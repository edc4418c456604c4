//! Certificates made by rcgen (an implementation we did not write) through `CertificateInfo`:
//! NCA RK subject fields, EKU purposes, and the validity typestate.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, SystemTime};

use rcgen::{CertificateParams, DnType, DnValue, ExtendedKeyUsagePurpose, KeyPair};
use sio_token::{CertificateInfo, UsableAt, Validity};

fn cert(days_from_now: (i64, i64), eku: Vec<ExtendedKeyUsagePurpose>) -> Vec<u8> {
    let mut p = CertificateParams::new(Vec::<String>::new()).unwrap();
    p.distinguished_name.push(
        DnType::CommonName,
        DnValue::Utf8String("АХМЕТОВ АСХАТ".into()),
    );
    p.distinguished_name.push(
        DnType::CustomDnType(vec![2, 5, 4, 4]),
        DnValue::Utf8String("АХМЕТОВ".into()),
    );
    p.distinguished_name.push(
        DnType::CustomDnType(vec![2, 5, 4, 42]),
        DnValue::Utf8String("АСХАТОВИЧ".into()),
    );
    p.distinguished_name.push(
        DnType::CustomDnType(vec![2, 5, 4, 5]),
        DnValue::PrintableString("IIN880215300124".try_into().unwrap()),
    );
    p.distinguished_name.push(
        DnType::OrganizationName,
        DnValue::Utf8String("ДЕПАРТАМЕНТ ПОЛИЦИИ".into()),
    );
    p.distinguished_name.push(
        DnType::OrganizationalUnitName,
        DnValue::Utf8String("BIN940740000911".into()),
    );
    let now = time_now();
    p.not_before = now + time::Duration::days(days_from_now.0);
    p.not_after = now + time::Duration::days(days_from_now.1);
    p.extended_key_usages = eku;
    let key = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap();
    p.self_signed(&key).unwrap().der().to_vec()
}

fn time_now() -> time::OffsetDateTime {
    time::OffsetDateTime::now_utc()
}

#[test]
fn nca_subject_and_purposes() {
    let der = cert((-1, 365), vec![ExtendedKeyUsagePurpose::EmailProtection]);
    let info = CertificateInfo::from_der(&der).unwrap();
    assert_eq!(info.common_name.as_deref(), Some("АХМЕТОВ АСХАТ"));
    assert_eq!(info.surname.as_deref(), Some("АХМЕТОВ"));
    assert_eq!(info.given_name.as_deref(), Some("АСХАТОВИЧ"));
    assert_eq!(info.iin.as_deref(), Some("880215300124"));
    assert_eq!(info.bin.as_deref(), Some("940740000911"));
    assert_eq!(info.organisation.as_deref(), Some("ДЕПАРТАМЕНТ ПОЛИЦИИ"));
    assert!(info.purposes.signing && !info.purposes.authentication);
    assert_eq!(info.key, sio_token::KeyKind::EcP256);
    assert_eq!(info.validity_at(SystemTime::now()), Validity::Valid);
    assert!(info.usable_at(SystemTime::now()).is_ok());
}

#[test]
fn expired_and_future_are_shown_but_not_usable() {
    let expired =
        CertificateInfo::from_der(&cert((-30, -1), vec![ExtendedKeyUsagePurpose::ClientAuth]))
            .unwrap();
    assert_eq!(expired.validity_at(SystemTime::now()), Validity::Expired);
    assert!(expired.purposes.authentication);
    assert_eq!(
        expired.usable_at(SystemTime::now()).unwrap_err().code(),
        "TOKEN_CERT_EXPIRED"
    );

    let future = CertificateInfo::from_der(&cert((2, 30), vec![])).unwrap();
    assert_eq!(future.validity_at(SystemTime::now()), Validity::NotYetValid);
    // Without an EKU extension the key is not restricted.
    assert!(future.purposes.authentication && future.purposes.signing);
    assert_eq!(
        future.validity_at(SystemTime::now() + Duration::from_secs(3 * 86_400)),
        Validity::Valid
    );
    assert_eq!(
        future.usable_at(SystemTime::now()).unwrap_err().code(),
        "TOKEN_CERT_NOT_YET_VALID"
    );
}

#[test]
fn garbage_is_an_error() {
    assert_eq!(
        sio_token::cert::parse(&[0x30, 0x03, 0x02, 0x01])
            .unwrap_err()
            .code(),
        "TOKEN_CERT_INVALID"
    );
    assert!(CertificateInfo::from_der(&[]).is_err());
    assert!(sio_token::cert::parse(&[]).is_err());
}
