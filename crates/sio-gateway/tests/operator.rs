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

/// 2015 r.43, Appendix 7: the journal keeps the form's columns (section, actions/measures, time
/// needed, responsible, start, end) and the cause; the old arguments' shape is refused.
#[test]
fn emergency_journal() {
    let dir = tempfile::tempdir().unwrap();
    let admin = sio_gateway::admin::Admin::open(dir.path()).unwrap();
    admin.seed_demo().unwrap();
    let id = admin
        .emergency_add(&sio_gateway::admin::NewEmergency {
            section: Some(5),
            cause: "no answer from the gateway for 90 minutes".into(),
            measures: "switched to the reserve power line".into(),
            responsible: "duty engineer".into(),
            max_minutes: Some(120),
            reported_by: Some("850415300121".into()),
            started_at: "2026-03-01T09:00:00+05:00".into(),
            ended_at: Some("2026-03-01T10:30:00+05:00".into()),
            ongoing: false,
        })
        .unwrap();
    let list = admin.emergency_list().unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].id, id);
    assert_eq!(list[0].started_at, "2026-03-01T09:00:00.000+05:00");
    assert_eq!(list[0].duration_minutes, Some(90));
    assert_eq!(
        list[0].section_ru.as_deref(),
        Some("Действия при отказе электропитания")
    );
    let bad = sio_gateway::admin::NewEmergency {
        cause: "x".into(),
        measures: "y".into(),
        responsible: "z".into(),
        started_at: "yesterday".into(),
        ongoing: true,
        ..Default::default()
    };
    assert_eq!(
        admin.emergency_add(&bad).unwrap_err().code(),
        "GW_ADMIN_INPUT"
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

/// 2015 rule 14 (ru «направляет мотивированный отказ …, подписанный средствами ЭЦП НУЦ,
/// зарегистрированной на КПСиСУ»): the operator refuses an application with its reasons, the
/// refusal is a `sio.hr-refusal/v1` document signed by the operator's certificate, stored with the
/// application; the HR officer who filed it reads it over TLS and `openssl cms -verify` verifies
/// it against the CA; the HR officer of another body cannot read it (issue 18).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refusal_is_motivated_signed_by_the_operator_and_reaches_only_the_hr_officer() {
    let env = Env::start().await;
    let hr = env.active_client(HEAD).await;
    let head = env.user(HEAD).clone();
    let inv = env.user(INVESTIGATOR).clone();
    let doc = ivanov_transfer("ИВАНОВ АЛЕКСЕЙ", "СЕРІКОВА АЙГЕРІМ");
    let body = signed(doc.clone(), &[sign_pair(&inv), sign_pair(&head)]);
    let st: ApplicationStatus = hr.post(paths::APPLICATIONS, &body).await.unwrap();
    assert_eq!(st.state, ApplicationState::Pending);
    assert_eq!(st.refusal_reasons, None);
    assert!(st.refusal.is_none());
    let id = doc.application_id.to_string();
    // The operator's list shows the decision's due time: received + one day (r.14), not overdue.
    let row = env
        .admin()
        .applications()
        .unwrap()
        .into_iter()
        .find(|a| a.application_id == id)
        .unwrap();
    let received = chrono::DateTime::parse_from_rfc3339(&row.received_at).unwrap();
    let due = chrono::DateTime::parse_from_rfc3339(&row.decision_due).unwrap();
    assert_eq!(due - received, chrono::Duration::hours(24));
    assert!(!row.overdue);
    let mut operator = sio_gateway::admin::Admin::operator_signer(&env.pki.dir).unwrap();
    // No reasons, no refusal.
    let e = env
        .admin()
        .refuse(&id, "  no  ", &mut operator)
        .unwrap_err();
    assert_eq!(e.code(), "GW_ADMIN_INPUT");
    let reasons = "The order No. 12-к of 20.11.2026 does not transfer the applicant to role 18.";
    env.admin()
        .as_operator("Operator Nurlanov")
        .refuse(&id, reasons, &mut operator)
        .unwrap();
    let refused: ApplicationStatus = hr
        .get(&format!("/v1/applications/{}", doc.application_id))
        .await
        .unwrap();
    assert_eq!(refused.state, ApplicationState::Refused);
    assert_eq!(refused.refusal_reasons.as_deref(), Some(reasons));
    assert!(refused.done_at.is_some());
    let refusal = refused.refusal.clone().expect("the refusal is signed");
    assert_eq!(refusal.document.application_id, doc.application_id);
    assert_eq!(refusal.document.reasons, reasons);
    assert_eq!(refusal.document.operator, "Operator Nurlanov");
    assert_eq!(refusal.document.applicant_iin, doc.applicant.iin);
    // The signature verifies with OpenSSL against the CA, over the canonical bytes.
    use base64::Engine as _;
    let cms = base64::engine::general_purpose::STANDARD
        .decode(&refusal.cms)
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("refusal.json"),
        canonical_bytes(&refusal.document).unwrap(),
    )
    .unwrap();
    std::fs::write(dir.path().join("refusal.cms"), &cms).unwrap();
    let openssl = |content: &str| {
        Command::new("openssl")
            .args([
                "cms",
                "-verify",
                "-binary",
                "-inform",
                "DER",
                "-purpose",
                "smimesign",
            ])
            .arg("-in")
            .arg(dir.path().join("refusal.cms"))
            .arg("-content")
            .arg(dir.path().join(content))
            .arg("-CAfile")
            .arg(&env.pki.ca_cert)
            .arg("-out")
            .arg(dir.path().join("out"))
            .output()
            .unwrap()
    };
    let out = openssl("refusal.json");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Other reasons under the same signature do not verify.
    let mut forged = refusal.document.clone();
    forged.reasons = "No reason at all, just because the operator wishes so.".into();
    std::fs::write(
        dir.path().join("forged.json"),
        canonical_bytes(&forged).unwrap(),
    )
    .unwrap();
    assert!(!openssl("forged.json").status.success());
    // The journal records the refusal, not late (decided within the day).
    let journal = env.admin().journal(200).unwrap();
    assert!(
        journal
            .iter()
            .any(|j| j.operation == format!("refuse {id}") && j.user == "Operator Nurlanov"),
        "{journal:?}"
    );
    // Attack: the HR officer of another body (the prosecutor's office) cannot read it.
    env.admin()
        .set_rights(&env.iin(PROSECUTOR), true, false)
        .unwrap();
    let other = env.active_client(PROSECUTOR).await;
    let e = other
        .get::<ApplicationStatus>(&format!("/v1/applications/{}", doc.application_id))
        .await
        .unwrap_err();
    assert_eq!(e.body.code, "GW_APPLICATION_NOT_FOUND");
    // Decided once.
    assert!(env.admin().refuse(&id, reasons, &mut operator).is_err());
}

/// 2015 rule 14: a decision after the day the rule allows is still made, but the operator's
/// list flags the application as overdue while pending and the journal records the decision as
/// late (issue 18).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_decision_after_the_day_is_made_and_journaled_late() {
    let env = Env::start().await;
    let hr = env.active_client(HEAD).await;
    let head = env.user(HEAD).clone();
    let inv = env.user(INVESTIGATOR).clone();
    let doc = ivanov_transfer("ИВАНОВ АЛЕКСЕЙ", "СЕРІКОВА АЙГЕРІМ");
    let body = signed(doc.clone(), &[sign_pair(&inv), sign_pair(&head)]);
    let _: ApplicationStatus = hr.post(paths::APPLICATIONS, &body).await.unwrap();
    let id = doc.application_id.to_string();
    // Received 25 hours ago (set in the database: the clock cannot be moved).
    let conn = rusqlite::Connection::open(env.data.join(sio_gateway::db::DB_FILE)).unwrap();
    let ago = sio_core::time::to_astana(chrono::Utc::now() - chrono::Duration::hours(25))
        .fixed_offset()
        .to_rfc3339();
    conn.execute(
        "UPDATE applications SET received_at = ?2 WHERE application_id = ?1",
        rusqlite::params![id, ago],
    )
    .unwrap();
    let row = env
        .admin()
        .applications()
        .unwrap()
        .into_iter()
        .find(|a| a.application_id == id)
        .unwrap();
    assert!(row.overdue, "pending past its day: {row:?}");
    let mut operator = sio_gateway::admin::Admin::operator_signer(&env.pki.dir).unwrap();
    env.admin()
        .refuse(
            &id,
            "The head who co-signed is not the head of the unit.",
            &mut operator,
        )
        .unwrap();
    let row = env
        .admin()
        .applications()
        .unwrap()
        .into_iter()
        .find(|a| a.application_id == id)
        .unwrap();
    assert!(row.decided_late && !row.overdue, "{row:?}");
    let journal = env.admin().journal(200).unwrap();
    assert!(
        journal
            .iter()
            .any(|j| j.operation.starts_with(&format!("refuse {id} late"))),
        "{journal:?}"
    );
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
