//! Requests, results, reports and HR applications over real mutual TLS.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use base64::Engine as _;
use common::*;
use sio_protocol::*;
use uuid::Uuid;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn request_result_idempotency_and_rules() {
    let env = Env::start().await;
    let c = env.active_client(INVESTIGATOR).await;
    let iin = env.iin(INVESTIGATOR);
    let service = full_service_for(3, sio_core::Basis::Criminal);
    let doc = c.request_doc(&iin, 3, BasisKey::Criminal, service, criminal_case());
    let body = c.sign_request(&doc);
    let st: RequestStatus = c.post(paths::REQUESTS, &body).await.unwrap();
    assert_eq!(st.request_id, doc.request_id);
    assert_eq!(st.state, RequestState::Processing);
    assert!(!st.duplicate);
    let e = c
        .get::<ResultDelivery>(&format!("/v1/requests/{}/result", doc.request_id))
        .await
        .unwrap_err();
    assert_eq!(e.body.code, "GW_RESULT_NOT_READY");
    assert_eq!(e.status, 409);

    // The same signed document again: the same request, never a duplicate.
    let again: RequestStatus = c.post(paths::REQUESTS, &body).await.unwrap();
    assert!(again.duplicate);
    assert_eq!(again.request_id, doc.request_id);
    assert_eq!(again.submitted_at, st.submitted_at);
    // Another document under the same id.
    let mut other = doc.clone();
    other.subject = Subject::Individual("850415300121".into());
    let e = c
        .post::<RequestStatus>(paths::REQUESTS, &c.sign_request(&other))
        .await
        .unwrap_err();
    assert_eq!(e.body.code, "GW_REQUEST_ID_CONFLICT");

    tokio::time::sleep(Duration::from_millis(400)).await;
    let st: RequestStatus = c
        .get(&format!("/v1/requests/{}", doc.request_id))
        .await
        .unwrap();
    assert_eq!(st.state, RequestState::Ready);
    let r: ResultDelivery = c
        .get(&format!("/v1/requests/{}/result", doc.request_id))
        .await
        .unwrap();
    assert_eq!(r.service, service);
    assert!(!r.truncated);
    assert_eq!(r.table.rows[0][0], "900101300106");
    let pdf = base64::engine::general_purpose::STANDARD
        .decode(&r.pdf_base64)
        .unwrap();
    assert!(pdf.starts_with(b"%PDF-1.4"));
    // The PDF reads as text (poppler-utils' pdftotext, when installed).
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("r.pdf"), &pdf).unwrap();
    if let Ok(out) = std::process::Command::new("pdftotext")
        .arg(tmp.path().join("r.pdf"))
        .arg("-")
        .output()
    {
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.contains("900101300106"), "{text}");
        assert!(
            text.contains(&r.table.rows[0][1])
                || text.contains("Субъект")
                || text.contains("Subekt"),
            "{text}"
        );
    }
    // Kept: the same result later.
    let r2: ResultDelivery = c
        .get(&format!("/v1/requests/{}/result", doc.request_id))
        .await
        .unwrap();
    assert_eq!(r2.table, r.table);
    assert_eq!(r2.generated_at, r.generated_at);
    let list: RequestList = c.get(paths::REQUESTS).await.unwrap();
    assert_eq!(list.requests.len(), 1);

    // Rule 5: a case not in the user's proceedings.
    let d = c.request_doc(
        &iin,
        3,
        BasisKey::Criminal,
        service,
        CaseReference::CriminalCase {
            erdr: "241500031099999".into(),
        },
    );
    let e = c
        .post::<RequestStatus>(paths::REQUESTS, &c.sign_request(&d))
        .await
        .unwrap_err();
    assert_eq!(e.body.code, "GW_CASE_NOT_ASSIGNED");
    // International legal assistance is exempt from the registry check (2015 r.5 on r.22 part 2;
    // 2024 rule 5 on its point 23): no case of the user's is on record, and it is accepted.
    let d = c.request_doc(
        &iin,
        3,
        BasisKey::Criminal,
        service,
        CaseReference::LegalAssistance {
            request_no: "MLA-2026/417".into(),
            requesting_body: "Prosecutor General's Office of the Kyrgyz Republic".into(),
            cover_letter_no: "2-13-2026/5521".into(),
        },
    );
    let st = c
        .post::<RequestStatus>(paths::REQUESTS, &c.sign_request(&d))
        .await
        .unwrap();
    assert_eq!(st.state, RequestState::Processing);
    // Role × basis (role 3 has no civil cases).
    let d = c.request_doc(
        &iin,
        3,
        BasisKey::CivilCourt,
        service,
        CaseReference::CivilCourt {
            number: "2-1234".into(),
            year: 2025,
            court: "Есильский районный суд".into(),
        },
    );
    let e = c
        .post::<RequestStatus>(paths::REQUESTS, &c.sign_request(&d))
        .await
        .unwrap_err();
    assert_eq!(e.body.code, "CORE_ROLE_BASIS_DENIED");
    // Not the user's role.
    let d = c.request_doc(&iin, 1, BasisKey::Criminal, service, criminal_case());
    let e = c
        .post::<RequestStatus>(paths::REQUESTS, &c.sign_request(&d))
        .await
        .unwrap_err();
    assert_eq!(e.body.code, "GW_ROLE_MISMATCH");
    // Unknown service.
    let d = c.request_doc(&iin, 3, BasisKey::Criminal, 94, criminal_case());
    let e = c
        .post::<RequestStatus>(paths::REQUESTS, &c.sign_request(&d))
        .await
        .unwrap_err();
    assert_eq!(e.body.code, "CORE_UNKNOWN_SERVICE");
    // Invalid ИИН of the subject.
    let mut d = c.request_doc(&iin, 3, BasisKey::Criminal, service, criminal_case());
    d.subject = Subject::Individual("900101300107".into());
    let e = c
        .post::<RequestStatus>(paths::REQUESTS, &c.sign_request(&d))
        .await
        .unwrap_err();
    assert_eq!(e.body.code, "CORE_IIN_CHECK_DIGIT");
    // State Revenue services need a Chapter 8 article.
    let d = c.request_doc(
        &iin,
        3,
        BasisKey::Criminal,
        38,
        CaseReference::CriminalCase {
            erdr: "241500031000777".into(),
        },
    );
    let e = c
        .post::<RequestStatus>(paths::REQUESTS, &c.sign_request(&d))
        .await
        .unwrap_err();
    assert_eq!(e.body.code, "CORE_ARTICLE_REQUIRED");
    let mut d = d.clone();
    d.request_id = Uuid::new_v4();
    d.article = Some(Article {
        article: 245,
        part: None,
    });
    let _: RequestStatus = c.post(paths::REQUESTS, &c.sign_request(&d)).await.unwrap();
    // Signed by someone else.
    let other_user = env.user(PROSECUTOR).clone();
    let d = c.request_doc(&iin, 3, BasisKey::Criminal, service, criminal_case());
    let e = c
        .post::<RequestStatus>(paths::REQUESTS, &signed(d, &[sign_pair(&other_user)]))
        .await
        .unwrap_err();
    assert_eq!(e.body.code, "GW_SIGNER_MISMATCH");
    // Stale signing time.
    let mut d = c.request_doc(&iin, 3, BasisKey::Criminal, service, criminal_case());
    d.signed_at -= chrono::Duration::hours(1);
    let e = c
        .post::<RequestStatus>(paths::REQUESTS, &c.sign_request(&d))
        .await
        .unwrap_err();
    assert_eq!(e.body.code, "GW_CLOCK_SKEW");
    // Someone else's request id is not visible.
    let p = env.active_client(PROSECUTOR).await;
    let e = p
        .get::<RequestStatus>(&format!("/v1/requests/{}", doc.request_id))
        .await
        .unwrap_err();
    assert_eq!(e.body.code, "GW_REQUEST_NOT_FOUND");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn truncated_pension_service_and_reports() {
    let env = Env::start_with(|c| c.result_delay = Duration::from_millis(0)).await;
    let p = env.active_client(PROSECUTOR).await;
    let iin = env.iin(PROSECUTOR);
    // Service 11 on the civil basis is truncated: no amounts.
    let d = p.request_doc(
        &iin,
        1,
        BasisKey::CivilCourt,
        11,
        CaseReference::CivilCourt {
            number: "2-1234".into(),
            year: 2025,
            court: "Есильский районный суд".into(),
        },
    );
    let _: RequestStatus = p.post(paths::REQUESTS, &p.sign_request(&d)).await.unwrap();
    let r: ResultDelivery = p
        .get(&format!("/v1/requests/{}/result", d.request_id))
        .await
        .unwrap();
    assert!(r.truncated);
    assert!(!r.table.columns.iter().any(|c| c.contains("Сумма")));
    // On the criminal basis it is complete.
    let d2 = p.request_doc(&iin, 1, BasisKey::Criminal, 11, criminal_case());
    let _: RequestStatus = p.post(paths::REQUESTS, &p.sign_request(&d2)).await.unwrap();
    let r: ResultDelivery = p
        .get(&format!("/v1/requests/{}/result", d2.request_id))
        .await
        .unwrap();
    assert!(!r.truncated);
    assert!(r.table.columns.iter().any(|c| c.contains("Сумма")));

    // Reports: the prosecutor's body has both requests; the investigator has no access.
    let today = chrono::Utc::now()
        .with_timezone(&sio_core::time::ASTANA)
        .date_naive();
    let rep: Report = p
        .get(&format!("/v1/reports?from={today}&to={today}"))
        .await
        .unwrap();
    assert_eq!(rep.organisation_bin, "050540000125");
    assert_eq!(rep.rows.len(), 2);
    assert!(rep.rows.iter().all(|r| r.user_iin == iin));
    let e = p
        .get::<Report>("/v1/reports?from=2026-02-01&to=2026-01-01")
        .await
        .unwrap_err();
    assert_eq!(e.body.code, "GW_BAD_PERIOD");
    let e = p.get::<Report>("/v1/reports").await.unwrap_err();
    assert_eq!(e.body.code, "GW_BAD_PERIOD");
    let i = env.active_client(INVESTIGATOR).await;
    let e = i
        .get::<Report>(&format!("/v1/reports?from={today}&to={today}"))
        .await
        .unwrap_err();
    assert_eq!(e.body.code, "GW_NO_REPORT_RIGHTS");
}

fn application(action: ApplicationAction, applicant_iin: &str, name: &str) -> ApplicationDocument {
    ApplicationDocument {
        doc: ApplicationDocType::V1,
        application_id: Uuid::new_v4(),
        action,
        applicant: Applicant {
            full_name: name.into(),
            iin: applicant_iin.into(),
        },
        workplace: Workplace {
            organisation_name: "ДЕПАРТАМЕНТ ПОЛИЦИИ ГОРОДА АСТАНЫ (TEST)".into(),
            organisation_code: "040340001233".into(),
            unit: "Следственное управление".into(),
            position: "следователь".into(),
        },
        contacts: Contacts {
            work_phone: "+77172000000".into(),
            mobile_phone: "+77010000009".into(),
            email: "user@example.invalid".into(),
            work_address: "г. Астана".into(),
        },
        role: Some(3),
        blocking_reason: None,
        blocking_reason_text: None,
        order_signed_at: None,
        confirmations: Confirmations {
            consent: true,
            holds_nca_signature: true,
            personal_data: true,
        },
        head: Head {
            position: "начальник".into(),
            full_name: "СЕРІКОВА АЙГЕРІМ".into(),
            iin: "901120400238".into(),
        },
        signed_at: astana_now(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hr_block_at_once_and_registration_after_approval() {
    let env = Env::start().await;
    let investigator = env.active_client(INVESTIGATOR).await;
    let hr = env.active_client(HEAD).await;
    let head_user = env.user(HEAD).clone();
    let inv_user = env.user(INVESTIGATOR).clone();

    // Blocking (dismissal), signed by the applicant and the head; the order was 30 hours ago: late.
    let mut doc = application(
        ApplicationAction::Blocking,
        "850415300121",
        "ИВАНОВ АЛЕКСЕЙ",
    );
    doc.blocking_reason = Some(BlockingReason::Dismissal);
    doc.order_signed_at = Some(astana_now() - chrono::Duration::hours(30));
    // Only one signature: refused.
    let e = hr
        .post::<ApplicationStatus>(
            paths::APPLICATIONS,
            &signed(doc.clone(), &[sign_pair(&head_user)]),
        )
        .await
        .unwrap_err();
    assert_eq!(e.body.code, "GW_SIGNER_COUNT");
    // Two signatures but not the head's.
    let prosecutor = env.user(PROSECUTOR).clone();
    let e = hr
        .post::<ApplicationStatus>(
            paths::APPLICATIONS,
            &signed(doc.clone(), &[sign_pair(&inv_user), sign_pair(&prosecutor)]),
        )
        .await
        .unwrap_err();
    assert_eq!(e.body.code, "GW_APPLICATION_SIGNATURES");
    // The investigator (no HR rights) may not block someone else.
    let mut other = doc.clone();
    other.applicant.iin = "780302300344".into();
    let e = investigator
        .post::<ApplicationStatus>(
            paths::APPLICATIONS,
            &signed(other, &[sign_pair(&inv_user), sign_pair(&head_user)]),
        )
        .await
        .unwrap_err();
    assert_eq!(e.body.code, "GW_NO_HR_RIGHTS");
    let st: ApplicationStatus = hr
        .post(
            paths::APPLICATIONS,
            &signed(doc.clone(), &[sign_pair(&inv_user), sign_pair(&head_user)]),
        )
        .await
        .unwrap();
    assert_eq!(st.state, ApplicationState::Done);
    assert!(st.late);
    // The blocked user's session and next login fail at once.
    let e = investigator
        .get::<RequestList>(paths::REQUESTS)
        .await
        .unwrap_err();
    assert_eq!(e.body.code, "GW_ACCOUNT_BLOCKED");
    let mut again = env.client(INVESTIGATOR);
    let e = again.login(KeyCarrier::Hardware).await.unwrap_err();
    assert_eq!(e.body.code, "GW_ACCOUNT_BLOCKED");

    // Registration: pending until the operator approves.
    let new_iin = sio_core::Iin::from_first11("95010130055")
        .unwrap()
        .as_string();
    let reg = application(ApplicationAction::Registration, &new_iin, "НОВИКОВА ЖАНАР");
    let mut missing = reg.clone();
    missing.confirmations.personal_data = false;
    let e = hr
        .post::<ApplicationStatus>(
            paths::APPLICATIONS,
            &signed(missing, &[sign_pair(&head_user), sign_pair(&inv_user)]),
        )
        .await
        .unwrap_err();
    assert_eq!(e.body.code, "GW_APPLICATION_INVALID");
    // The head twice is not two signers.
    let e = hr
        .post::<ApplicationStatus>(
            paths::APPLICATIONS,
            &signed(reg.clone(), &[sign_pair(&head_user), sign_pair(&head_user)]),
        )
        .await
        .unwrap_err();
    assert_eq!(e.body.code, "GW_APPLICATION_SIGNATURES");
    // The applicant holds an NCA RK signature (a certificate from the test CA) and signs with the head.
    let newcomer = sio_pki::issue_user(
        &env.pki.dir,
        &sio_pki::UserSpec {
            id: "newcomer".into(),
            surname: "НОВИКОВА".into(),
            given_name: "ЖАНАР".into(),
            iin: new_iin.clone(),
            organisation: "ДЕПАРТАМЕНТ ПОЛИЦИИ ГОРОДА АСТАНЫ (TEST)".into(),
            bin: "040340001233".into(),
            email: None,
            key: sio_pki::KeyKind::EcdsaP256,
            role_policies: vec![3],
            validity: None,
        },
    )
    .unwrap();
    let e = hr
        .post::<ApplicationStatus>(
            paths::APPLICATIONS,
            &signed(reg.clone(), &[sign_pair(&newcomer), sign_pair(&prosecutor)]),
        )
        .await
        .unwrap_err();
    assert_eq!(e.body.code, "GW_APPLICATION_SIGNATURES");
    let st: ApplicationStatus = hr
        .post(
            paths::APPLICATIONS,
            &signed(reg.clone(), &[sign_pair(&newcomer), sign_pair(&head_user)]),
        )
        .await
        .unwrap();
    assert_eq!(st.state, ApplicationState::Pending);
    let same: ApplicationStatus = hr
        .get(&format!("/v1/applications/{}", reg.application_id))
        .await
        .unwrap();
    assert_eq!(same.state, ApplicationState::Pending);
    let users = env.admin().users().unwrap();
    assert_eq!(
        users.iter().find(|u| u.iin == new_iin).unwrap().state,
        "pending"
    );
    env.admin().approve(&new_iin).unwrap();
    let users = env.admin().users().unwrap();
    assert_eq!(
        users.iter().find(|u| u.iin == new_iin).unwrap().state,
        "registered"
    );
    let done: ApplicationStatus = hr
        .get(&format!("/v1/applications/{}", reg.application_id))
        .await
        .unwrap();
    assert_eq!(done.state, ApplicationState::Done);
}
