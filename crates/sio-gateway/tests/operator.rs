//! The operator's side: stored documents verify with `openssl cms`, the emergency journal, the
//! idle lock, transfer approval, and the `sio gateway admin` command line.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::process::Command;

use common::*;
use sio_protocol::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stored_request_verifies_with_openssl_cms() {
    let env = Env::start().await;
    let c = env.active_client(INVESTIGATOR).await;
    let service = full_service_for(3, sio_core::Basis::Criminal);
    let d = c.request_doc(
        &env.iin(INVESTIGATOR),
        3,
        BasisKey::Criminal,
        service,
        criminal_case(),
    );
    let _: RequestStatus = c.post(paths::REQUESTS, &c.sign_request(&d)).await.unwrap();
    let conn = rusqlite::Connection::open(env.data.join(sio_gateway::db::DB_FILE)).unwrap();
    let (doc, cms): (Vec<u8>, Vec<u8>) = conn
        .query_row(
            "SELECT document, cms FROM requests WHERE request_id = ?1",
            [d.request_id.to_string()],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(
        doc,
        canonical_bytes(&d).unwrap(),
        "the stored document is the canonical bytes"
    );
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("doc.json"), &doc).unwrap();
    std::fs::write(dir.path().join("doc.cms"), &cms).unwrap();
    let out = Command::new("openssl")
        .args([
            "cms", "-verify", "-binary", "-inform", "DER", "-purpose", "any",
        ])
        .arg("-in")
        .arg(dir.path().join("doc.cms"))
        .arg("-content")
        .arg(dir.path().join("doc.json"))
        .arg("-CAfile")
        .arg(&env.pki.ca_cert)
        .arg("-out")
        .arg(dir.path().join("out"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("Verification successful"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_session_is_locked() {
    let env = Env::start().await;
    let c = env.active_client(PROSECUTOR).await;
    let conn = rusqlite::Connection::open(env.data.join(sio_gateway::db::DB_FILE)).unwrap();
    conn.execute(
        "UPDATE sessions SET idle_until = '2000-01-01T00:00:00.000+05:00'",
        [],
    )
    .unwrap();
    let e = c.get::<SessionInfo>(paths::SESSION).await.unwrap_err();
    assert_eq!(e.body.code, "GW_SESSION_IDLE");
    // Locked, not ended: it stays locked until unlocked.
    let e = c.get::<SessionInfo>(paths::SESSION).await.unwrap_err();
    assert_eq!(e.body.code, "GW_SESSION_IDLE");

    // Unlock: PIN again (the token) and a fresh challenge signed with the same certificate.
    let ch: LoginChallenge = c.post_empty(paths::LOGIN_CHALLENGE).await.unwrap();
    let doc = c.login_doc(&ch, KeyCarrier::Hardware);
    let u = env.user(PROSECUTOR).clone();
    let s: SessionInfo = c
        .post(paths::SESSION_UNLOCK, &signed(doc, &[auth_pair(&u)]))
        .await
        .unwrap();
    assert_eq!(
        s.stage,
        SessionStage::Active,
        "the session keeps its stage: no second factor again"
    );
    assert!(c.get::<SessionInfo>(paths::SESSION).await.is_ok());

    // A replayed unlock document is refused (the challenge is used up).
    let e = c
        .post::<SessionInfo>(
            paths::SESSION_UNLOCK,
            &signed(c.login_doc(&ch, KeyCarrier::Hardware), &[auth_pair(&u)]),
        )
        .await
        .unwrap_err();
    assert_eq!(e.body.code, "GW_CHALLENGE_INVALID");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn transfer_waits_for_approval() {
    let env = Env::start().await;
    let hr = env.active_client(HEAD).await;
    let head = env.user(HEAD).clone();
    let inv = env.user(INVESTIGATOR).clone();
    let doc = ivanov_transfer("ИВАНОВ АЛЕКСЕЙ", "СЕРІКОВА АЙГЕРІМ");
    let body = signed(doc.clone(), &[sign_pair(&inv), sign_pair(&head)]);
    let st: ApplicationStatus = hr.post(paths::APPLICATIONS, &body).await.unwrap();
    assert_eq!(st.state, ApplicationState::Pending);
    assert!(!st.late);
    // Idempotent.
    let again: ApplicationStatus = hr.post(paths::APPLICATIONS, &body).await.unwrap();
    assert_eq!(again.received_at, st.received_at);
    // The role changes only after the operator approves.
    let role = |env: &Env| {
        env.admin()
            .users()
            .unwrap()
            .into_iter()
            .find(|u| u.iin == "850415300121")
            .unwrap()
            .role
    };
    assert_eq!(role(&env), Some(3));
    env.admin()
        .approve(&doc.application_id.to_string())
        .unwrap();
    assert_eq!(role(&env), Some(18));
    let done: ApplicationStatus = hr
        .get(&format!("/v1/applications/{}", doc.application_id))
        .await
        .unwrap();
    assert_eq!(done.state, ApplicationState::Done);
}

#[test]
fn emergency_journal() {
    let dir = tempfile::tempdir().unwrap();
    let admin = sio_gateway::admin::Admin::open(dir.path()).unwrap();
    admin.seed_demo().unwrap();
    let id = admin
        .emergency_add(
            "850415300121",
            "2026-03-01T09:00:00+05:00",
            Some("2026-03-01T10:30:00+05:00"),
            "no answer from the gateway for 90 minutes",
            "operator",
        )
        .unwrap();
    let list = admin.emergency_list().unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].id, id);
    assert_eq!(list[0].delay_from, "2026-03-01T09:00:00.000+05:00");
    assert!(
        admin
            .emergency_add("850415300121", "yesterday", None, "x", "op")
            .is_err()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn export_to_case_materials_is_recorded() {
    let env = Env::start_with(|c| c.result_delay = std::time::Duration::ZERO).await;
    let c = env.active_client(INVESTIGATOR).await;
    let iin = env.iin(INVESTIGATOR);
    let service = full_service_for(3, sio_core::Basis::Criminal);
    let d = c.request_doc(&iin, 3, BasisKey::Criminal, service, criminal_case());
    let _: RequestStatus = c.post(paths::REQUESTS, &c.sign_request(&d)).await.unwrap();
    let me = env.user(INVESTIGATOR).clone();
    let export = ExportDocument {
        doc: ExportDocType::V1,
        export_id: uuid::Uuid::new_v4(),
        request_id: d.request_id,
        user_iin: iin.clone(),
        reason: "attached to case 241500031000123, volume 2".into(),
        content_sha256: "ab".repeat(32),
        signed_at: astana_now(),
    };
    // Not delivered yet.
    let e = c
        .post::<ExportReceipt>(paths::EXPORTS, &signed(export.clone(), &[sign_pair(&me)]))
        .await
        .unwrap_err();
    assert_eq!(e.body.code, "GW_EXPORT_INVALID");
    let _: ResultDelivery = c
        .get(&format!("/v1/requests/{}/result", d.request_id))
        .await
        .unwrap();
    let body = signed(export.clone(), &[sign_pair(&me)]);
    let r: ExportReceipt = c.post(paths::EXPORTS, &body).await.unwrap();
    assert_eq!(r.request_id, d.request_id);
    let again: ExportReceipt = c.post(paths::EXPORTS, &body).await.unwrap();
    assert_eq!(again.recorded_at, r.recorded_at);
    let mut no_reason = export.clone();
    no_reason.export_id = uuid::Uuid::new_v4();
    no_reason.reason = " ".into();
    let e = c
        .post::<ExportReceipt>(paths::EXPORTS, &signed(no_reason, &[sign_pair(&me)]))
        .await
        .unwrap_err();
    assert_eq!(e.body.code, "GW_EXPORT_INVALID");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn user_blocks_own_account_after_long_absence() {
    let env = Env::start().await;
    let c = env.active_client(PROSECUTOR).await;
    let me = env.user(PROSECUTOR).clone();
    let doc = ApplicationDocument {
        doc: ApplicationDocType::V1,
        application_id: uuid::Uuid::new_v4(),
        action: ApplicationAction::Blocking,
        applicant: Applicant {
            full_name: "ЖУМАБЕКОВ ДАНИЯР".into(),
            iin: "780302300344".into(),
        },
        workplace: Workplace {
            organisation_name: "ПРОКУРАТУРА ГОРОДА АСТАНЫ (TEST)".into(),
            organisation_code: "050540000125".into(),
            unit: "Отдел надзора".into(),
            position: "прокурор".into(),
        },
        contacts: Contacts {
            work_phone: "+77172000003".into(),
            mobile_phone: "+77010000003".into(),
            email: "p@example.invalid".into(),
            work_address: "г. Астана".into(),
        },
        role: None,
        blocking_reason: Some(BlockingReason::LongAbsence),
        blocking_reason_text: None,
        order_signed_at: None,
        confirmations: Confirmations {
            consent: true,
            holds_nca_signature: true,
            personal_data: true,
        },
        head: Head {
            position: "прокурор города".into(),
            full_name: "НАЧАЛЬНИК".into(),
            iin: "901120400238".into(),
        },
        signed_at: astana_now(),
    };
    // A dismissal needs two signatures; the user's own block for absence needs one.
    let mut dismissal = doc.clone();
    dismissal.blocking_reason = Some(BlockingReason::Dismissal);
    let e = c
        .post::<ApplicationStatus>(paths::APPLICATIONS, &signed(dismissal, &[sign_pair(&me)]))
        .await
        .unwrap_err();
    assert_eq!(e.body.code, "GW_SIGNER_COUNT");
    let st: ApplicationStatus = c
        .post(paths::APPLICATIONS, &signed(doc, &[sign_pair(&me)]))
        .await
        .unwrap();
    assert_eq!(st.state, ApplicationState::Done);
    let e = c.get::<SessionInfo>(paths::SESSION).await.unwrap_err();
    assert_eq!(e.body.code, "GW_ACCOUNT_BLOCKED");
}

/// 2015 rule 14: the operator refuses an application with its reasons (a motivated refusal); the
/// reasons are stored and the HR officer who filed it reads them over TLS (issue 18).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refusal_is_motivated_and_its_reasons_reach_the_hr_officer() {
    let env = Env::start().await;
    let hr = env.active_client(HEAD).await;
    let head = env.user(HEAD).clone();
    let inv = env.user(INVESTIGATOR).clone();
    let doc = ivanov_transfer("ИВАНОВ АЛЕКСЕЙ", "СЕРІКОВА АЙГЕРІМ");
    let body = signed(doc.clone(), &[sign_pair(&inv), sign_pair(&head)]);
    let st: ApplicationStatus = hr.post(paths::APPLICATIONS, &body).await.unwrap();
    assert_eq!(st.state, ApplicationState::Pending);
    assert_eq!(st.refusal_reasons, None);
    let id = doc.application_id.to_string();
    // No reasons, no refusal.
    let e = env.admin().refuse(&id, "  no  ").unwrap_err();
    assert_eq!(e.code(), "GW_ADMIN_INPUT");
    let reasons = "The order No. 12-к of 20.11.2026 does not transfer the applicant to role 18.";
    env.admin().refuse(&id, reasons).unwrap();
    let refused: ApplicationStatus = hr
        .get(&format!("/v1/applications/{}", doc.application_id))
        .await
        .unwrap();
    assert_eq!(refused.state, ApplicationState::Refused);
    assert_eq!(refused.refusal_reasons.as_deref(), Some(reasons));
    assert!(refused.done_at.is_some());
    // Decided once.
    assert!(env.admin().refuse(&id, reasons).is_err());
}

/// 2015 Appendix 5 «СДТБТ ұйымының коды» (kk rule 5: СДТБТ is ЕРДР): the form carries the body's
/// code in ЕРДР, not a БИН. The gateway accepts the code the operator recorded for the body (and
/// the body's БИН from older clients), and refuses another body's code or a malformed one (issue 18).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_organisation_code_is_the_bodys_erdr_code() {
    let env = Env::start().await;
    let hr = env.active_client(HEAD).await;
    let head = env.user(HEAD).clone();
    let inv = env.user(INVESTIGATOR).clone();
    let file = |code: &str| {
        let mut d = ivanov_transfer("ИВАНОВ АЛЕКСЕЙ", "СЕРІКОВА АЙГЕРІМ");
        d.workplace.organisation_code = code.into();
        signed(d, &[sign_pair(&inv), sign_pair(&head)])
    };
    // Not yet recorded: a code the gateway does not know for this body is refused.
    let e = hr
        .post::<ApplicationStatus>(paths::APPLICATIONS, &file("191501"))
        .await
        .unwrap_err();
    assert_eq!(e.body.code, "GW_APPLICATION_OTHER_BODY");
    // Malformed: all zeros.
    let e = hr
        .post::<ApplicationStatus>(paths::APPLICATIONS, &file("000000"))
        .await
        .unwrap_err();
    assert_eq!(e.body.code, "CORE_ORG_CODE_FORMAT");
    // The operator records the police department's ЕРДР code; then it is accepted.
    assert!(env.admin().set_erdr_code("040340001233", "0000").is_err());
    env.admin().set_erdr_code("040340001233", "191501").unwrap();
    let st: ApplicationStatus = hr.post(paths::APPLICATIONS, &file("191501")).await.unwrap();
    assert_eq!(st.state, ApplicationState::Pending);
    // The prosecutors' БИН (another body) is still refused.
    let e = hr
        .post::<ApplicationStatus>(paths::APPLICATIONS, &file("050540000125"))
        .await
        .unwrap_err();
    assert_eq!(e.body.code, "GW_APPLICATION_OTHER_BODY");
}
