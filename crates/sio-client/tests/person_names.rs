//! The client refuses to sign an HR application whose names carry what no name holds (the same
//! rule the gateway decides by): `CORE_NAME_INVALID`, before anything is signed.
#![allow(clippy::unwrap_used)] // test helpers outside #[test] fns

use chrono::{DateTime, FixedOffset};
use sio_client::hr;
use sio_protocol::{
    Applicant, ApplicationAction, ApplicationDocType, ApplicationDocument, Confirmations, Contacts,
    Head, Workplace,
};

fn at(s: &str) -> DateTime<FixedOffset> {
    DateTime::parse_from_rfc3339(s).unwrap()
}

fn transfer(name: &str, head_name: &str) -> ApplicationDocument {
    ApplicationDocument {
        doc: ApplicationDocType::V1,
        application_id: uuid::Uuid::new_v4(),
        action: ApplicationAction::Transfer,
        applicant: Applicant {
            full_name: name.into(),
            iin: "850415300121".into(),
        },
        workplace: Workplace {
            organisation_name: "ДЕПАРТАМЕНТ ПОЛИЦИИ ГОРОДА АСТАНЫ (TEST)".into(),
            organisation_bin: "040340001233".into(),
            unit: "Следственное управление".into(),
            position: "Следователь".into(),
        },
        contacts: Contacts {
            work_phone: "+7 7172 00 00 00".into(),
            mobile_phone: "+7 701 000 00 01".into(),
            email: "investigator@example.invalid".into(),
            work_address: "Астана, ул. Тестовая, 1".into(),
        },
        role: Some(3),
        blocking_reason: None,
        blocking_reason_text: None,
        order_signed_at: Some(at("2026-11-23T09:00:00+05:00")),
        confirmations: Confirmations {
            consent: true,
            holds_nca_signature: true,
            personal_data: true,
        },
        head: Head {
            position: "Начальник управления".into(),
            full_name: head_name.into(),
            iin: "901120400238".into(),
        },
        signed_at: at("2026-11-23T10:00:00+05:00"),
    }
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
