//! HR applications on the client: the form's rules, the 24-hour deadlines in Astana time, the
//! two-signer CMS (verified by OpenSSL), and the pending list across restarts.
#![allow(clippy::unwrap_used)] // test helpers outside #[test] fns

use std::process::Command;

use chrono::{DateTime, Duration, FixedOffset, NaiveDateTime, Utc};
use sio_client::hr::{self, PendingList};
use sio_protocol::{ApplicationAction, ApplicationDocument, BlockingReason, Signed};
use sio_sign::soft::SoftwareSigner;
use sio_test_support::ivanov_application;

fn astana(s: &str) -> DateTime<FixedOffset> {
    let local = NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap();
    sio_core::time::to_astana(sio_core::time::from_astana(local).unwrap()).fixed_offset()
}

fn doc(action: ApplicationAction, reason: Option<BlockingReason>) -> ApplicationDocument {
    ivanov_application(
        action,
        reason,
        astana("2026-11-23 09:00"),
        astana("2026-11-23 10:00"),
    )
}

#[test]
fn the_form_is_checked_before_signing() {
    assert!(hr::check(&doc(ApplicationAction::Transfer, None)).is_ok());
    let mut d = doc(ApplicationAction::Transfer, None);
    d.applicant.iin = "850415300122".into();
    assert_eq!(hr::check(&d).unwrap_err().code(), "CORE_IIN_CHECK_DIGIT");
    let mut d = doc(ApplicationAction::Transfer, None);
    d.contacts.email = " ".into();
    assert_eq!(hr::check(&d).unwrap_err().code(), "CLIENT_HR_FIELD_MISSING");
    let mut d = doc(ApplicationAction::Registration, None);
    d.confirmations.personal_data = false;
    assert_eq!(hr::check(&d).unwrap_err().code(), "CLIENT_HR_CONFIRMATIONS");
    let mut d = doc(ApplicationAction::Blocking, Some(BlockingReason::Other));
    assert_eq!(hr::check(&d).unwrap_err().code(), "CLIENT_HR_FIELD_MISSING");
    d.blocking_reason_text = Some("Перевод в другой орган".into());
    d.contacts.email = String::new(); // contacts do not matter for a blocking
    assert!(hr::check(&d).is_ok());
    assert_eq!(
        hr::check(&doc(ApplicationAction::Blocking, None))
            .unwrap_err()
            .code(),
        "CLIENT_HR_BLOCKING_REASON"
    );
    let mut d = doc(ApplicationAction::Blocking, Some(BlockingReason::Dismissal));
    d.order_signed_at = None;
    assert_eq!(hr::check(&d).unwrap_err().code(), "CLIENT_HR_ORDER_TIME");
    let mut d = doc(ApplicationAction::Registration, None);
    // The organisation's code in ЕРДР (2015 Appendix 5; issue 18 item 2): digits, not all zeros.
    d.workplace.organisation_code = "000000".into();
    assert_eq!(hr::check(&d).unwrap_err().code(), "CORE_ORG_CODE_FORMAT");
}

#[test]
fn deadlines_are_24_hours_after_the_order_in_astana_time() {
    let t = doc(ApplicationAction::Transfer, None);
    assert_eq!(
        sio_core::time::format_astana(hr::due(&t).unwrap()),
        "2026-11-24 09:00:00 +05:00"
    );
    let b = doc(
        ApplicationAction::Blocking,
        Some(BlockingReason::Suspension),
    );
    assert_eq!(
        sio_core::time::format_astana(hr::due(&b).unwrap()),
        "2026-11-24 09:00:00 +05:00"
    );
    assert!(hr::due(&doc(ApplicationAction::Registration, None)).is_none());
    assert!(
        hr::due(&doc(
            ApplicationAction::Blocking,
            Some(BlockingReason::LongAbsence)
        ))
        .is_none()
    );
}

fn signer(pki: &sio_pki::GeneratedPki, user: usize, sign: bool) -> SoftwareSigner {
    let cert = if sign {
        &pki.users[user].sign
    } else {
        &pki.users[user].auth
    };
    let key = std::fs::read_to_string(cert.key_path.as_ref().unwrap()).unwrap();
    SoftwareSigner::from_pem(&key, &cert.cert_der).unwrap()
}

#[test]
fn applicant_and_head_sign_one_cms_that_openssl_verifies() {
    let dir = tempfile::tempdir().unwrap();
    let pki = sio_pki::generate(dir.path(), &sio_pki::PkiSpec::demo()).unwrap();
    let d = doc(ApplicationAction::Blocking, Some(BlockingReason::Dismissal));
    let signed = hr::sign(
        d.clone(),
        &mut signer(&pki, 0, true),
        &mut signer(&pki, 1, true),
    )
    .unwrap();

    let content = dir.path().join("application.json");
    std::fs::write(&content, Signed::canonical_bytes(&signed.document).unwrap()).unwrap();
    let cms = dir.path().join("application.p7s");
    use base64::Engine as _;
    std::fs::write(
        &cms,
        base64::engine::general_purpose::STANDARD
            .decode(&signed.cms)
            .unwrap(),
    )
    .unwrap();
    let out = Command::new("openssl")
        .args([
            "cms",
            "-verify",
            "-binary",
            "-inform",
            "DER",
            "-purpose",
            "any",
            "-out",
            "/dev/null",
        ])
        .arg("-in")
        .arg(&cms)
        .arg("-content")
        .arg(&content)
        .arg("-CAfile")
        .arg(&pki.ca_cert)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let signers = sio_sign::signers_of(
        &base64::engine::general_purpose::STANDARD
            .decode(&signed.cms)
            .unwrap(),
    )
    .unwrap();
    assert_eq!(signers.len(), 2);

    // A user absent over two months blocks their own account alone.
    let own = hr::sign_self_block(
        doc(ApplicationAction::Registration, None),
        &mut signer(&pki, 0, true),
    )
    .unwrap();
    assert_eq!(
        own.document.blocking_reason,
        Some(BlockingReason::LongAbsence)
    );
    assert_eq!(
        sio_sign::signers_of(
            &base64::engine::general_purpose::STANDARD
                .decode(&own.cms)
                .unwrap()
        )
        .unwrap()
        .len(),
        1
    );

    // The head's authentication certificate cannot co-sign.
    let e = hr::sign(d, &mut signer(&pki, 0, true), &mut signer(&pki, 1, false)).unwrap_err();
    assert_eq!(e.code(), "CLIENT_HR_HEAD_NOT_SIGNING");
}

#[test]
fn pending_applications_survive_a_restart_and_overdue_ones_are_flagged() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("pending.json");
    let transfer = doc(ApplicationAction::Transfer, None);
    let mut dismissal = doc(ApplicationAction::Blocking, Some(BlockingReason::Dismissal));
    dismissal.order_signed_at = Some(astana("2026-11-22 08:00"));
    {
        let mut list = PendingList::open(&path).unwrap();
        list.upsert(transfer.clone(), None).unwrap();
        list.upsert(dismissal.clone(), None).unwrap();
        list.upsert(transfer.clone(), None).unwrap(); // same id: replaced, not duplicated
    }
    let list = PendingList::open(&path).unwrap();
    assert_eq!(list.items().len(), 2);
    assert_eq!(
        list.items()[0].document.application_id,
        dismissal.application_id,
        "soonest first"
    );
    let now: DateTime<Utc> = astana("2026-11-23 12:00").with_timezone(&Utc);
    let overdue: Vec<_> = list
        .overdue(now)
        .map(|p| p.document.application_id)
        .collect();
    assert_eq!(overdue, [dismissal.application_id]);
    let left = list.items()[1].deadline_state(now).unwrap();
    assert_eq!(
        left,
        sio_core::time::DeadlineState::Open {
            left: Duration::hours(21)
        }
    );

    std::fs::write(&path, b"{garbage").unwrap();
    assert_eq!(
        PendingList::open(&path).unwrap_err().code(),
        "CLIENT_HR_STORE"
    );
}

#[test]
fn the_user_signs_their_own_transfer_with_the_head() {
    let dir = tempfile::tempdir().unwrap();
    let pki = sio_pki::generate(dir.path(), &sio_pki::PkiSpec::demo()).unwrap();
    // User 0 is the applicant (ИВАНОВ), user 1 the head (СЕРІКОВА).
    let own = hr::sign_own_transfer(
        doc(ApplicationAction::Transfer, None),
        &mut signer(&pki, 0, true),
        &mut signer(&pki, 1, true),
    )
    .unwrap();
    use base64::Engine as _;
    let signers = sio_sign::signers_of(
        &base64::engine::general_purpose::STANDARD
            .decode(&own.cms)
            .unwrap(),
    )
    .unwrap();
    assert_eq!(signers.len(), 2);

    // Only a transfer is an own application of this kind.
    let e = hr::sign_own_transfer(
        doc(ApplicationAction::Registration, None),
        &mut signer(&pki, 0, true),
        &mut signer(&pki, 1, true),
    )
    .unwrap_err();
    assert_eq!(e.code(), "CLIENT_HR_OWN_TRANSFER");
    // Someone else's transfer is not the user's own.
    let e = hr::sign_own_transfer(
        doc(ApplicationAction::Transfer, None),
        &mut signer(&pki, 2, true),
        &mut signer(&pki, 1, true),
    )
    .unwrap_err();
    assert_eq!(e.code(), "CLIENT_HR_OWN_TRANSFER");
    // The co-signer's token must be the head's named in the form.
    let e = hr::sign_own_transfer(
        doc(ApplicationAction::Transfer, None),
        &mut signer(&pki, 0, true),
        &mut signer(&pki, 2, true),
    )
    .unwrap_err();
    assert_eq!(e.code(), "CLIENT_HR_HEAD_MISMATCH");
}
