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

/// A refusal as the gateway sends it: the document signed by `signer` (detached CMS over its
/// canonical bytes), and the status showing its reasons.
fn refused_status(signer: &mut SoftwareSigner, reasons: &str) -> sio_protocol::ApplicationStatus {
    let d = doc(ApplicationAction::Transfer, None);
    let refusal = sio_protocol::RefusalDocument {
        doc: sio_protocol::RefusalDocType::V1,
        application_id: d.application_id,
        action: d.action,
        applicant_iin: d.applicant.iin.clone(),
        organisation_bin: "040340001233".into(),
        reasons: reasons.into(),
        received_at: astana("2026-12-04 17:00"),
        refused_at: astana("2026-12-05 10:00"),
        operator: "operator".into(),
    };
    let canonical = Signed::canonical_bytes(&refusal).unwrap();
    let cms = sio_sign::sign(&canonical, &mut [signer], &sio_sign::SignOptions::default()).unwrap();
    sio_protocol::ApplicationStatus {
        application_id: d.application_id,
        action: d.action,
        state: sio_protocol::ApplicationState::Refused,
        received_at: astana("2026-12-04 17:00"),
        done_at: Some(astana("2026-12-05 10:00")),
        late: false,
        refusal_reasons: Some(reasons.into()),
        refusal: Some(Signed::new(refusal, &cms)),
    }
}

/// 2015 rule 14: a refusal is signed by the operator («подписанный средствами ЭЦП НУЦ,
/// зарегистрированной на КПСиСУ»). The client shows its reasons only once the signature verifies
/// against the pinned CA as the operator's; a tampered, unsigned, user-signed or foreign-CA
/// refusal is `CLIENT_HR_REFUSAL_SIGNATURE` (issue 18).
#[test]
fn the_client_trusts_only_a_refusal_the_operator_signed() {
    assert_eq!(
        sio_protocol::OPERATOR_SIGNER_CN,
        sio_pki::OPERATOR_COMMON_NAME
    );
    let dir = tempfile::tempdir().unwrap();
    let pki = sio_pki::generate(dir.path(), &sio_pki::PkiSpec::demo()).unwrap();
    let ca = std::fs::read(&pki.ca_cert).unwrap();
    let key = std::fs::read_to_string(pki.operator.key_path.as_ref().unwrap()).unwrap();
    let mut operator = SoftwareSigner::from_pem(&key, &pki.operator.cert_der).unwrap();
    let reasons = "The order does not transfer the applicant to role 18.";
    let good = refused_status(&mut operator, reasons);
    let verified = hr::verify_refusal(&ca, &good).unwrap().unwrap();
    assert_eq!(verified.reasons, reasons);

    let code = |s: &sio_protocol::ApplicationStatus, ca: &[u8]| {
        hr::verify_refusal(ca, s).unwrap_err().code().to_owned()
    };
    // Tampered: other reasons shown, or other reasons in the document under the old signature.
    let mut shown = good.clone();
    shown.refusal_reasons = Some("Some other reasons entirely.".into());
    assert_eq!(code(&shown, &ca), "CLIENT_HR_REFUSAL_SIGNATURE");
    let mut forged = good.clone();
    let f = forged.refusal.as_mut().unwrap();
    f.document.reasons = "Some other reasons entirely.".into();
    forged.refusal_reasons = Some(f.document.reasons.clone());
    assert_eq!(code(&forged, &ca), "CLIENT_HR_REFUSAL_SIGNATURE");
    // About another application.
    let mut other = good.clone();
    other.application_id = uuid::Uuid::new_v4();
    assert_eq!(code(&other, &ca), "CLIENT_HR_REFUSAL_SIGNATURE");
    // Unsigned.
    let mut bare = good.clone();
    bare.refusal = None;
    assert_eq!(code(&bare, &ca), "CLIENT_HR_REFUSAL_SIGNATURE");
    // Signed by a user of the same CA, not the operator.
    let user_signed = refused_status(&mut signer(&pki, 0, true), reasons);
    assert_eq!(code(&user_signed, &ca), "CLIENT_HR_REFUSAL_SIGNATURE");
    // Verified against another CA than the one pinned.
    let dir2 = tempfile::tempdir().unwrap();
    let other_pki = sio_pki::generate(dir2.path(), &sio_pki::PkiSpec::empty()).unwrap();
    let other_ca = std::fs::read(&other_pki.ca_cert).unwrap();
    assert_eq!(code(&good, &other_ca), "CLIENT_HR_REFUSAL_SIGNATURE");
    // Not a refusal: nothing to verify.
    let mut pending = good.clone();
    pending.state = sio_protocol::ApplicationState::Pending;
    assert!(hr::verify_refusal(&ca, &pending).unwrap().is_none());
}
