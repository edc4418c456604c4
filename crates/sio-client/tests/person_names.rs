//! The client refuses to sign an HR application whose names carry what no name holds (the same
//! rule the gateway decides by): `CORE_NAME_INVALID`, before anything is signed.
#![allow(clippy::unwrap_used)] // test helpers outside #[test] fns

use chrono::{DateTime, FixedOffset};
use sio_client::hr;
use sio_protocol::{ApplicationAction, ApplicationDocument};
use sio_test_support::ivanov_application;

fn at(s: &str) -> DateTime<FixedOffset> {
    DateTime::parse_from_rfc3339(s).unwrap()
}

fn transfer(name: &str, head_name: &str) -> ApplicationDocument {
    let mut doc = ivanov_application(
        ApplicationAction::Transfer,
        None,
        at("2026-11-23T09:00:00+05:00"),
        at("2026-11-23T10:00:00+05:00"),
    );
    doc.applicant.full_name = name.into();
    doc.head.full_name = head_name.into();
    doc
}

#[test]
fn names_with_direction_controls_or_formulas_are_refused_before_signing() {
    let ok = "СЕРІКОВА АЙГЕРІМ";
    assert!(hr::check(&transfer("ИВАНОВ-ПЕТРОВ А.Б.", ok)).is_ok());
    assert!(hr::check(&transfer("O'Brien Patrick", ok)).is_ok());
    for (name, head_name) in [
        ("ИВАНОВ \u{202E}ВОНАВИ", ok),
        ("ИВАНОВ \u{2066}АЛЕКСЕЙ", ok),
        ("=HYPERLINK(\"http://evil.invalid\")", ok),
        ("@SUM(A1)", ok),
        ("+77010000001", ok),
        ("-ИВАНОВ", ok),
        ("ИВАНОВ\r\nАЛЕКСЕЙ", ok),
        ("ИВАНОВ АЛЕКСЕЙ", "СЕРІКОВА\tАЙГЕРІМ"),
        ("ИВАНОВ АЛЕКСЕЙ", &"Ә".repeat(101)),
    ] {
        let e = hr::check(&transfer(name, head_name)).unwrap_err();
        assert_eq!(e.code(), "CORE_NAME_INVALID", "{name:?} / {head_name:?}");
    }
    // An empty name is reported as missing, as before.
    assert_eq!(
        hr::check(&transfer("", ok)).unwrap_err().code(),
        "CLIENT_HR_FIELD_MISSING"
    );
}
