//! HR applications end to end: the head (an HR officer) logs in with the card, files the
//! dismissal of the investigator signed by the investigator and co-signed by the head on the card,
//! and the gateway blocks the account at once; a transfer waits for the operator's approval.
#![allow(clippy::unwrap_used)] // test helpers outside #[test] fns

mod support;

use chrono::Utc;
use sio_client::hr;
use sio_protocol::{
    Applicant, ApplicationAction, ApplicationDocType, ApplicationDocument, ApplicationState,
    BlockingReason, Confirmations, Contacts, Head, Workplace,
};
use sio_sign::soft::SoftwareSigner;
use sio_token::{Pin, PivSlot};
use support::{HEAD, IIN, PIN, World, active_session, card_key, channel};

fn application(action: ApplicationAction, reason: Option<BlockingReason>) -> ApplicationDocument {
    let now = sio_core::time::to_astana(Utc::now()).fixed_offset();
    ApplicationDocument {
        doc: ApplicationDocType::V1,
        application_id: uuid::Uuid::new_v4(),
        action,
        applicant: Applicant {
            full_name: "ИВАНОВ АЛЕКСЕЙ".into(),
            iin: IIN.into(),
        },
        workplace: Workplace {
            organisation_name: "ДЕПАРТАМЕНТ ПОЛИЦИИ ГОРОДА АСТАНЫ (TEST)".into(),
            organisation_bin: "040340001233".into(),
            unit: "Следственное управление".into(),
            position: "Следователь".into(),
        },
        contacts: Contacts {
            work_phone: "+7 7172 00 00 00".into(),
            mobile_phone: "+77010000001".into(),
            email: "investigator@example.invalid".into(),
            work_address: "Астана".into(),
        },
        role: Some(3),
        blocking_reason: reason,
        blocking_reason_text: None,
        order_signed_at: Some(now - chrono::Duration::hours(2)),
        confirmations: Confirmations {
            consent: true,
            holds_nca_signature: true,
            personal_data: true,
        },
        head: Head {
            position: "Начальник управления".into(),
            full_name: "СЕРІКОВА АЙГЕРІМ".into(),
            iin: HEAD.iin.into(),
        },
        signed_at: now,
    }
}

/// The investigator's own signing key (from the test PKI: the applicant signs at their desk).
fn applicant_signer(world: &World) -> SoftwareSigner {
    let cert = world.pki.join("users/investigator.sign.cert.pem");
    let key = world.pki.join("users/investigator.sign.key.pem");
    let der = sio_sign::pem_or_der_blocks(&std::fs::read(cert).unwrap(), "CERTIFICATE").remove(0);
    SoftwareSigner::from_pem(&std::fs::read_to_string(key).unwrap(), &der).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dismissal_blocks_at_once_and_a_transfer_waits_for_approval() {
    let world = World::up_as(HEAD, |_| {});
    let key = card_key();
    let ch = channel(&world.url, &world.pki.join(sio_pki::paths::CA_CERT), &key);
    let s = active_session(&world.data, HEAD.iin, &key, &ch).await;

    let doc = application(ApplicationAction::Blocking, Some(BlockingReason::Dismissal));
    let due = hr::due(&doc).unwrap();
    assert!(due > Utc::now(), "filed within the 24 hours");
    let mut head = key
        .pin_always_signer(PivSlot::Signature, Pin::new(PIN.into()).unwrap())
        .unwrap();
    let signed = hr::sign(doc, &mut applicant_signer(&world), &mut head).unwrap();
    let status = hr::submit(&ch, &s, &signed).await.unwrap();
    assert_eq!(
        status.state,
        ApplicationState::Done,
        "a block takes effect at once"
    );
    assert!(!status.late);
    let users = world.admin().users().unwrap();
    let inv = users.iter().find(|u| u.iin == IIN).unwrap();
    assert_eq!(inv.state, "blocked");

    let doc = application(ApplicationAction::Transfer, None);
    let mut head = key
        .pin_always_signer(PivSlot::Signature, Pin::new(PIN.into()).unwrap())
        .unwrap();
    let signed = hr::sign(doc, &mut applicant_signer(&world), &mut head).unwrap();
    let status = hr::submit(&ch, &s, &signed).await.unwrap();
    assert_eq!(
        status.state,
        ApplicationState::Pending,
        "a transfer waits for the operator"
    );
    // Resending the same signed application is idempotent.
    let again = hr::submit(&ch, &s, &signed).await.unwrap();
    assert_eq!(again.application_id, status.application_id);
}
