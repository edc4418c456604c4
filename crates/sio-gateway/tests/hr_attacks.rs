//! Issue 16, item 2: an HR officer acts only on their own body's staff, with the real head.
//! Each attack is made through the real gateway over mutual TLS with the test PKI's keys, and
//! refused with its code; the lawful paths (a registration in the new body after a blocking, the
//! user's own transfer, the operator's unblock) are shown to work and to be journaled.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use sio_pki::GeneratedUser;
use sio_protocol::*;

const POLICE: (&str, &str) = ("040340001233", "ДЕПАРТАМЕНТ ПОЛИЦИИ ГОРОДА АСТАНЫ (TEST)");
const PROSECUTION: (&str, &str) = ("050540000125", "ПРОКУРАТУРА ГОРОДА АСТАНЫ (TEST)");
const IVANOV: &str = "850415300121";
const SERIKOVA: &str = "901120400238";
const ZHUMABEKOV: &str = "780302300344";

/// The three demo users as (ИИН, full name).
mod who {
    pub(crate) const IVANOV: (&str, &str) = (super::IVANOV, "ИВАНОВ АЛЕКСЕЙ");
    pub(crate) const SERIKOVA: (&str, &str) = (super::SERIKOVA, "СЕРІКОВА АЙГЕРІМ");
    pub(crate) const ZHUMABEKOV: (&str, &str) = (super::ZHUMABEKOV, "ЖУМАБЕКОВ ДАНИЯР");
}

/// The demo users' keys: (Серікова — HEAD, Жумабеков — PROSECUTOR, Иванов — INVESTIGATOR).
fn people(env: &Env) -> (GeneratedUser, GeneratedUser, GeneratedUser) {
    (
        env.user(HEAD).clone(),
        env.user(PROSECUTOR).clone(),
        env.user(INVESTIGATOR).clone(),
    )
}

/// `doc` signed by each of `by` with their signing keys, in that order.
fn co_signed(doc: ApplicationDocument, by: &[&GeneratedUser]) -> serde_json::Value {
    let pairs: Vec<_> = by.iter().map(|u| sign_pair(u)).collect();
    signed(doc, &pairs)
}

/// Files the application; it must be accepted.
async fn accepted(c: &Client, body: &serde_json::Value) -> ApplicationStatus {
    c.post(paths::APPLICATIONS, body).await.unwrap()
}

/// The operator marks Иванов a deputy head of the police.
fn mark_ivanov_deputy_head_of_police(admin: &sio_gateway::admin::Admin) {
    admin
        .mark_head(IVANOV, POLICE.0, "ИВАНОВ АЛЕКСЕЙ", "заместитель начальника")
        .unwrap();
}

/// The operator marks Жумабеков a head of the prosecution.
fn mark_zhumabekov_head_of_prosecution(admin: &sio_gateway::admin::Admin) {
    admin
        .mark_head(
            ZHUMABEKOV,
            PROSECUTION.0,
            "ЖУМАБЕКОВ ДАНИЯР",
            "прокурор города",
        )
        .unwrap();
}

/// The operator's listing row of `doc`.
fn application_row(env: &Env, doc: &ApplicationDocument) -> sio_gateway::admin::ApplicationRow {
    env.admin()
        .applications()
        .unwrap()
        .into_iter()
        .find(|r| r.application_id == doc.application_id.to_string())
        .unwrap()
}

fn application(
    action: ApplicationAction,
    (iin, name): (&str, &str),
    (bin, org): (&str, &str),
    (head_iin, head_name): (&str, &str),
) -> ApplicationDocument {
    ApplicationDocument {
        doc: ApplicationDocType::V1,
        application_id: uuid::Uuid::new_v4(),
        action,
        applicant: Applicant {
            full_name: name.into(),
            iin: iin.into(),
        },
        workplace: Workplace {
            organisation_name: org.into(),
            organisation_code: bin.into(),
            unit: "Управление".into(),
            position: "сотрудник".into(),
        },
        contacts: Contacts {
            work_phone: "+77172000000".into(),
            mobile_phone: "+77010000099".into(),
            email: "hr@example.invalid".into(),
            work_address: "г. Астана".into(),
        },
        role: (action != ApplicationAction::Blocking).then_some(18),
        blocking_reason: (action == ApplicationAction::Blocking)
            .then_some(BlockingReason::Dismissal),
        blocking_reason_text: None,
        order_signed_at: Some(astana_now() - chrono::Duration::hours(1)),
        confirmations: Confirmations {
            consent: true,
            holds_nca_signature: true,
            personal_data: true,
        },
        head: Head {
            position: "начальник".into(),
            full_name: head_name.into(),
            iin: head_iin.into(),
        },
        signed_at: astana_now(),
    }
}

/// Иванов's application in the police, Серікова as the head.
fn ivanovs_in_police(action: ApplicationAction) -> ApplicationDocument {
    application(action, who::IVANOV, POLICE, who::SERIKOVA)
}

/// The blocking of the prosecutor Жумабеков, Иванов (of the police) named as the head.
fn prosecutors_blocking_with_ivanov_as_head() -> ApplicationDocument {
    application(
        ApplicationAction::Blocking,
        who::ZHUMABEKOV,
        PROSECUTION,
        who::IVANOV,
    )
}

/// A copy of `doc` as a new application (a fresh id).
fn anew(doc: &ApplicationDocument) -> ApplicationDocument {
    let mut doc = doc.clone();
    doc.application_id = uuid::Uuid::new_v4();
    doc
}

/// A copy of `doc` as a new application with `head` (ИИН, full name) as the head.
fn with_head(doc: &ApplicationDocument, (iin, name): (&str, &str)) -> ApplicationDocument {
    let mut doc = anew(doc);
    doc.head.iin = iin.into();
    doc.head.full_name = name.into();
    doc
}

fn user_row(env: &Env, iin: &str) -> sio_gateway::admin::UserRow {
    env.admin()
        .users()
        .unwrap()
        .into_iter()
        .find(|u| u.iin == iin)
        .unwrap()
}

async fn refused(c: &Client, body: &serde_json::Value) -> String {
    c.post::<ApplicationStatus>(paths::APPLICATIONS, body)
        .await
        .unwrap_err()
        .body
        .code
}

/// Today's attack: the police HR officer with any user named as "head" blocks a prosecutor.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn police_hr_with_a_non_head_cannot_block_a_prosecutor() {
    let env = Env::start().await;
    let prosecutor = env.active_client(PROSECUTOR).await;
    let hr = env.active_client(HEAD).await;
    let (serikova, _, ivanov) = people(&env);

    let doc = prosecutors_blocking_with_ivanov_as_head();
    let signers = [&serikova, &ivanov];
    assert_eq!(
        refused(&hr, &co_signed(doc.clone(), &signers)).await,
        "GW_APPLICATION_OTHER_BODY"
    );
    // Naming the police as the prosecutor's workplace in the document changes nothing: the body
    // comes from the gateway's records.
    let mut lying = anew(&doc);
    lying.workplace.organisation_code = POLICE.0.into();
    lying.workplace.organisation_name = POLICE.1.into();
    assert_eq!(
        refused(&hr, &co_signed(lying, &signers)).await,
        "GW_APPLICATION_OTHER_BODY"
    );
    assert_eq!(user_row(&env, ZHUMABEKOV).state, "registered");
    assert!(
        prosecutor.get::<SessionInfo>(paths::SESSION).await.is_ok(),
        "the prosecutor's session goes on"
    );
}

/// The same with a co-signer who really is a head of the police: still another body's staff.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn police_hr_with_a_real_police_head_cannot_block_a_prosecutor() {
    let env = Env::start().await;
    mark_ivanov_deputy_head_of_police(&env.admin());
    let prosecutor = env.active_client(PROSECUTOR).await;
    let hr = env.active_client(HEAD).await;
    let (serikova, _, ivanov) = people(&env);
    let doc = prosecutors_blocking_with_ivanov_as_head();
    assert_eq!(
        refused(&hr, &co_signed(doc, &[&serikova, &ivanov])).await,
        "GW_APPLICATION_OTHER_BODY"
    );
    // A transfer or a registration of the prosecutor by the police is refused alike.
    for action in [ApplicationAction::Transfer, ApplicationAction::Registration] {
        let doc = application(action, who::ZHUMABEKOV, POLICE, who::IVANOV);
        assert_eq!(
            refused(&hr, &co_signed(doc, &[&serikova, &ivanov])).await,
            "GW_APPLICATION_OTHER_BODY",
            "{action:?}"
        );
    }
    let row = user_row(&env, ZHUMABEKOV);
    assert_eq!(
        (row.state.as_str(), row.organisation_bin.as_str()),
        ("registered", PROSECUTION.0)
    );
    assert!(prosecutor.get::<SessionInfo>(paths::SESSION).await.is_ok());
}

/// Within the body, the co-signer must be a head of that body as marked by the operator: a user
/// who is no head, or the head of another body, is refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_co_signer_who_is_not_a_head_of_the_body_is_refused() {
    let env = Env::start().await;
    let hr = env.active_client(HEAD).await;
    let (serikova, zhumabekov, ivanov) = people(&env);
    let doc = application(
        ApplicationAction::Blocking,
        who::IVANOV,
        POLICE,
        who::ZHUMABEKOV,
    );
    let body = co_signed(doc.clone(), &[&serikova, &zhumabekov]);
    assert_eq!(refused(&hr, &body).await, "GW_HEAD_NOT_REGISTERED");
    // A head of the prosecution is not a head of the police.
    mark_zhumabekov_head_of_prosecution(&env.admin());
    assert_eq!(refused(&hr, &body).await, "GW_HEAD_NOT_REGISTERED");
    assert_eq!(user_row(&env, IVANOV).state, "registered");
    // Once the operator removes the demo head's mark, her co-signature is refused too.
    env.admin().unmark_head(SERIKOVA, POLICE.0).unwrap();
    let by_serikova = with_head(&doc, who::SERIKOVA);
    let body = co_signed(by_serikova, &[&ivanov, &serikova]);
    assert_eq!(refused(&hr, &body).await, "GW_HEAD_NOT_REGISTERED");
    // Marked again, the same application is accepted: the block takes effect.
    env.admin()
        .mark_head(
            SERIKOVA,
            POLICE.0,
            "СЕРІКОВА АЙГЕРІМ",
            "начальник управления",
        )
        .unwrap();
    let st = accepted(&hr, &body).await;
    assert_eq!(st.state, ApplicationState::Done);
    assert_eq!(user_row(&env, IVANOV).state, "blocked");
    let journal = env.admin().journal(50).unwrap();
    for op in [
        format!("mark head {ZHUMABEKOV} of {}", PROSECUTION.0),
        format!("unmark head {SERIKOVA} of {}", POLICE.0),
        format!("mark head {SERIKOVA} of {}", POLICE.0),
    ] {
        assert!(
            journal
                .iter()
                .any(|j| j.operation == op && j.resource == "admin/heads"),
            "{op} journaled"
        );
    }
}

/// A transfer stays within the body (rule 14 as of Order 88/2024): into another body it is
/// refused, whoever files it; the lawful move is a blocking by the old body and a registration by
/// the new one, which moves the account without its rights.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_transfer_into_another_body_is_refused_and_a_move_is_a_new_registration() {
    let env = Env::start().await;
    let admin = env.admin();
    admin.set_rights(IVANOV, true, true).unwrap();
    // The prosecution's HR officer and head.
    admin.set_rights(ZHUMABEKOV, true, true).unwrap();
    mark_zhumabekov_head_of_prosecution(&admin);
    let police_hr = env.active_client(HEAD).await;
    let prosecution_hr = env.active_client(PROSECUTOR).await;
    let ivanov_c = env.active_client(INVESTIGATOR).await;
    let (serikova, zhumabekov, ivanov) = people(&env);

    // The police HR moves Ivanov into the prosecution: refused.
    let to_prosecution = application(
        ApplicationAction::Transfer,
        who::IVANOV,
        PROSECUTION,
        who::SERIKOVA,
    );
    assert_eq!(
        refused(
            &police_hr,
            &co_signed(to_prosecution.clone(), &[&ivanov, &serikova])
        )
        .await,
        "GW_APPLICATION_OTHER_BODY"
    );
    // Ivanov's own transfer into the prosecution: refused.
    let own = anew(&to_prosecution);
    assert_eq!(
        refused(&ivanov_c, &co_signed(own, &[&ivanov, &serikova])).await,
        "GW_APPLICATION_OTHER_BODY"
    );
    // The prosecution's HR takes him with their own head: not their staff.
    let taken = with_head(&to_prosecution, who::ZHUMABEKOV);
    assert_eq!(
        refused(&prosecution_hr, &co_signed(taken, &[&ivanov, &zhumabekov])).await,
        "GW_APPLICATION_OTHER_BODY"
    );
    // Nor can it register him while he is an active police officer.
    let mut registration = application(
        ApplicationAction::Registration,
        who::IVANOV,
        PROSECUTION,
        who::ZHUMABEKOV,
    );
    registration.role = Some(1);
    let reg_body = co_signed(registration.clone(), &[&ivanov, &zhumabekov]);
    assert_eq!(
        refused(&prosecution_hr, &reg_body).await,
        "GW_APPLICATION_OTHER_BODY"
    );
    let row = user_row(&env, IVANOV);
    assert_eq!(
        (row.organisation_bin.as_str(), row.role, row.hr),
        (POLICE.0, Some(3), true)
    );

    // The lawful move: the police block him (dismissal), then the prosecution registers him.
    let dismissal = ivanovs_in_police(ApplicationAction::Blocking);
    let st = accepted(&police_hr, &co_signed(dismissal, &[&ivanov, &serikova])).await;
    assert_eq!(st.state, ApplicationState::Done);
    let st = accepted(&prosecution_hr, &reg_body).await;
    assert_eq!(st.state, ApplicationState::Pending);
    assert_eq!(
        user_row(&env, IVANOV).state,
        "blocked",
        "blocked until approved"
    );
    // The operator sees the move before approving it: the body, the state and the role.
    let row = application_row(&env, &registration);
    assert_eq!(row.target_organisation_bin.as_deref(), Some(POLICE.0));
    assert_eq!(
        row.requested_organisation_bin.as_deref(),
        Some(PROSECUTION.0)
    );
    assert_eq!((row.target_role, row.requested_role), (Some(3), Some(1)));
    for expected in [
        format!(
            "body: {} ({}) → {} ({})",
            POLICE.0, POLICE.1, PROSECUTION.0, PROSECUTION.1
        ),
        "state: blocked → registered".to_string(),
        "role: 3 → 1".to_string(),
    ] {
        assert!(row.changes.contains(&expected), "{:?}", row.changes);
    }
    env.admin()
        .approve(&registration.application_id.to_string())
        .unwrap();
    let row = user_row(&env, IVANOV);
    assert_eq!(
        (
            row.state.as_str(),
            row.organisation_bin.as_str(),
            row.role,
            row.hr,
            row.reports
        ),
        ("registered", PROSECUTION.0, Some(1), false, false),
        "moved without the rights of his police post"
    );
}

/// A transfer within the body resets the `hr` and `reports` rights: the operator grants them
/// again for the new post.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_transfer_resets_hr_and_reports_rights() {
    let env = Env::start().await;
    env.admin().set_rights(IVANOV, true, true).unwrap();
    env.admin()
        .mark_head(IVANOV, POLICE.0, "ИВАНОВ АЛЕКСЕЙ", "заместитель")
        .unwrap();
    let hr = env.active_client(HEAD).await;
    let ivanov_c = env.active_client(INVESTIGATOR).await;
    let (serikova, _, ivanov) = people(&env);
    let transfer = ivanovs_in_police(ApplicationAction::Transfer);
    let st = accepted(&hr, &co_signed(transfer.clone(), &[&ivanov, &serikova])).await;
    assert_eq!(st.state, ApplicationState::Pending);
    assert!(user_row(&env, IVANOV).hr, "nothing changes before approval");
    env.admin()
        .as_operator("op-test")
        .approve(&transfer.application_id.to_string())
        .unwrap();
    let row = user_row(&env, IVANOV);
    assert_eq!(
        (row.role, row.hr, row.reports, row.organisation_bin.as_str()),
        (Some(18), false, false, POLICE.0)
    );
    assert!(
        env.admin().heads().unwrap().iter().all(|h| h.iin != IVANOV),
        "his head mark ends with the post"
    );
    // At once, over his open session: no HR filing, no reports.
    let mut block = application(
        ApplicationAction::Blocking,
        who::SERIKOVA,
        POLICE,
        who::SERIKOVA,
    );
    block.head.iin = IVANOV.into();
    assert_eq!(
        refused(&ivanov_c, &co_signed(block, &[&ivanov, &serikova])).await,
        "GW_NO_HR_RIGHTS"
    );
    let today = sio_core::time::to_astana(chrono::Utc::now()).date_naive();
    let e = ivanov_c
        .get::<Report>(&format!("/v1/reports?from={today}&to={today}"))
        .await
        .unwrap_err();
    assert_eq!(e.body.code, "GW_NO_REPORT_RIGHTS");
    assert!(
        env.admin()
            .journal(20)
            .unwrap()
            .iter()
            .any(|j| j.user == "op-test"
                && j.operation == format!("approve {}", transfer.application_id))
    );
}

/// The operator unblocks an account; the action is journaled with the operator's name.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_operator_unblocks_and_it_is_journaled() {
    let env = Env::start().await;
    let admin = env.admin().as_operator("op-test");
    assert_eq!(
        admin.unblock(IVANOV).unwrap_err().code(),
        "GW_ACCOUNT_NOT_BLOCKED"
    );
    let nobody = sio_core::Iin::from_first11("99010130012")
        .unwrap()
        .as_string();
    assert_eq!(
        admin.unblock(&nobody).unwrap_err().code(),
        "GW_UNKNOWN_USER"
    );
    admin.block(IVANOV, "test").unwrap();
    let mut c = env.client(INVESTIGATOR);
    assert_eq!(
        c.login(KeyCarrier::Hardware).await.unwrap_err().body.code,
        "GW_ACCOUNT_BLOCKED"
    );
    admin.unblock(IVANOV).unwrap();
    assert_eq!(user_row(&env, IVANOV).state, "registered");
    let c = env.active_client(INVESTIGATOR).await;
    assert!(c.get::<SessionInfo>(paths::SESSION).await.is_ok());
    let journal = env.admin().journal(50).unwrap();
    let entry = journal
        .iter()
        .find(|j| j.operation == format!("unblock {IVANOV}"))
        .expect("the unblock is journaled");
    assert_eq!(
        (
            entry.user.as_str(),
            entry.ip.as_str(),
            entry.resource.as_str(),
            entry.outcome.as_str()
        ),
        ("op-test", "local", "admin/users", "ok")
    );
    assert!(
        journal
            .iter()
            .any(|j| j.operation == format!("block {IVANOV}"))
    );
}

/// The user files their own transfer (rule 14 as of Order 88/2024: "the user … within twenty-four
/// hours of the order"), signed by themselves and co-signed by a head of their body; the operator
/// sees the person's body, role and phone from the records.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_user_files_their_own_transfer() {
    let env = Env::start().await;
    let ivanov_c = env.active_client(INVESTIGATOR).await;
    let (serikova, zhumabekov, ivanov) = people(&env);
    let own = ivanovs_in_police(ApplicationAction::Transfer);
    // Alone: the head's co-signature is required.
    assert_eq!(
        refused(&ivanov_c, &co_signed(own.clone(), &[&ivanov])).await,
        "GW_SIGNER_COUNT"
    );
    // With someone who is no head of the police.
    let mut fake = anew(&own);
    fake.head.iin = ZHUMABEKOV.into();
    assert_eq!(
        refused(&ivanov_c, &co_signed(fake, &[&ivanov, &zhumabekov])).await,
        "GW_HEAD_NOT_REGISTERED"
    );
    // Not an HR officer: he may not file a colleague's transfer.
    let mut colleague = anew(&own);
    colleague.applicant.iin = SERIKOVA.into();
    colleague.applicant.full_name = "СЕРІКОВА АЙГЕРІМ".into();
    assert_eq!(
        refused(&ivanov_c, &co_signed(colleague, &[&ivanov, &serikova])).await,
        "GW_NO_HR_RIGHTS"
    );
    let st = accepted(&ivanov_c, &co_signed(own.clone(), &[&ivanov, &serikova])).await;
    assert_eq!(st.state, ApplicationState::Pending);
    assert!(!st.late);
    let mine: ApplicationStatus = ivanov_c
        .get(&format!("/v1/applications/{}", own.application_id))
        .await
        .unwrap();
    assert_eq!(mine.application_id, own.application_id);

    let row = application_row(&env, &own);
    assert_eq!(row.submitted_by, IVANOV);
    assert_eq!(row.head_iin.as_deref(), Some(SERIKOVA));
    assert_eq!(row.organisation_bin, POLICE.0);
    assert_eq!(row.target_organisation_bin.as_deref(), Some(POLICE.0));
    assert_eq!(row.target_organisation_name.as_deref(), Some(POLICE.1));
    assert_eq!(row.target_role, Some(3));
    assert_eq!(row.target_mobile.as_deref(), Some("+77010000001"));
    assert_eq!(row.target_state.as_deref(), Some("registered"));

    env.admin()
        .approve(&own.application_id.to_string())
        .unwrap();
    let row = user_row(&env, IVANOV);
    assert_eq!(
        (row.role, row.organisation_bin.as_str()),
        (Some(18), POLICE.0)
    );
}

/// A blocked head co-signs nothing: the operator's block ends the head's marks, and even a mark
/// made again while the account is blocked does not let the head co-sign.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_blocked_head_cannot_co_sign() {
    let env = Env::start().await;
    let admin = env.admin();
    mark_ivanov_deputy_head_of_police(&admin);
    let hr = env.active_client(HEAD).await;
    let (serikova, _, ivanov) = people(&env);
    let own_transfer = || {
        let mut doc = application(
            ApplicationAction::Transfer,
            who::SERIKOVA,
            POLICE,
            who::IVANOV,
        );
        doc.application_id = uuid::Uuid::new_v4();
        co_signed(doc, &[&serikova, &ivanov])
    };
    admin.block(IVANOV, "служебная проверка").unwrap();
    assert!(
        admin.heads().unwrap().iter().all(|h| h.iin != IVANOV),
        "the block ends his head marks"
    );
    assert_eq!(
        refused(&hr, &own_transfer()).await,
        "GW_HEAD_NOT_REGISTERED"
    );
    // Marked again while blocked: still no co-signature.
    mark_ivanov_deputy_head_of_police(&admin);
    assert_eq!(
        refused(&hr, &own_transfer()).await,
        "GW_HEAD_NOT_REGISTERED"
    );
    // Unblocked (and still marked), he co-signs again.
    admin.unblock(IVANOV).unwrap();
    let st = accepted(&hr, &own_transfer()).await;
    assert_eq!(st.state, ApplicationState::Pending);
}

/// A blocking by application ends the head's marks in every body, whatever the reason.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_blocking_by_application_ends_every_head_mark() {
    let env = Env::start().await;
    let admin = env.admin();
    mark_ivanov_deputy_head_of_police(&admin);
    admin
        .mark_head(IVANOV, PROSECUTION.0, "ИВАНОВ АЛЕКСЕЙ", "советник")
        .unwrap();
    let hr = env.active_client(HEAD).await;
    let (serikova, _, ivanov) = people(&env);
    let mut block = ivanovs_in_police(ApplicationAction::Blocking);
    block.blocking_reason = Some(BlockingReason::Other);
    block.blocking_reason_text = Some("служебная проверка".into());
    let st = accepted(&hr, &co_signed(block, &[&ivanov, &serikova])).await;
    assert_eq!(st.state, ApplicationState::Done);
    assert!(admin.heads().unwrap().iter().all(|h| h.iin != IVANOV));
}

/// A transfer filed while the account was active is not carried out once the account is blocked
/// (a dismissal): the operator's approval is refused and the account stays as it is. An unblock
/// after a dismissal resets the `hr` and `reports` rights (the post is held anew); after any
/// other block the rights stay.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_transfer_of_a_blocked_account_is_not_approved() {
    let env = Env::start().await;
    let admin = env.admin();
    admin.set_rights(IVANOV, true, true).unwrap();
    let hr = env.active_client(HEAD).await;
    let (serikova, _, ivanov) = people(&env);
    let transfer = ivanovs_in_police(ApplicationAction::Transfer);
    let st = accepted(&hr, &co_signed(transfer.clone(), &[&ivanov, &serikova])).await;
    assert_eq!(st.state, ApplicationState::Pending);
    let dismissal = ivanovs_in_police(ApplicationAction::Blocking);
    let st = accepted(&hr, &co_signed(dismissal, &[&ivanov, &serikova])).await;
    assert_eq!(st.state, ApplicationState::Done);

    let e = admin
        .approve(&transfer.application_id.to_string())
        .unwrap_err();
    assert_eq!(e.code(), "GW_APPLICATION_INVALID", "{e}");
    let row = user_row(&env, IVANOV);
    assert_eq!(
        (row.state.as_str(), row.role),
        ("blocked", Some(3)),
        "the blocked account keeps its old post"
    );
    let pending = application_row(&env, &transfer);
    assert_eq!(pending.state, "pending", "the operator refuses it");

    // Unblocked after the dismissal: no HR or reports rights until the operator grants them.
    admin.unblock(IVANOV).unwrap();
    let row = user_row(&env, IVANOV);
    assert_eq!(
        (row.state.as_str(), row.hr, row.reports),
        ("registered", false, false)
    );
    // After the operator's own block (a check), the rights stay.
    admin.set_rights(IVANOV, true, true).unwrap();
    admin.block(IVANOV, "служебная проверка").unwrap();
    admin.unblock(IVANOV).unwrap();
    let row = user_row(&env, IVANOV);
    assert_eq!(
        (row.state.as_str(), row.hr, row.reports),
        ("registered", true, true)
    );
    // Once active again, the transfer can be approved.
    admin.approve(&transfer.application_id.to_string()).unwrap();
    assert_eq!(user_row(&env, IVANOV).role, Some(18));
}

/// Review finding: the operator approves a transfer seeing what it changes. The listing shows
/// the account as it is (the SMS phone and role of the records) next to what the document asks
/// (`requested_*`), and each difference as `field: current → requested`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_operator_sees_the_phone_and_role_an_own_transfer_changes() {
    let env = Env::start().await;
    let ivanov_c = env.active_client(INVESTIGATOR).await;
    let (serikova, _, ivanov) = people(&env);
    let mut own = ivanovs_in_police(ApplicationAction::Transfer);
    own.contacts.mobile_phone = "+77019998877".into();
    own.workplace.unit = "Следственное управление".into();
    own.workplace.position = "старший следователь".into();
    let st = accepted(&ivanov_c, &co_signed(own.clone(), &[&ivanov, &serikova])).await;
    assert_eq!(st.state, ApplicationState::Pending);

    let row = application_row(&env, &own);
    // Current (records) and requested (document), side by side.
    assert_eq!(row.target_mobile.as_deref(), Some("+77010000001"));
    assert_eq!(row.requested_mobile.as_deref(), Some("+77019998877"));
    assert_eq!(row.target_role, Some(3));
    assert_eq!(row.requested_role, Some(18));
    assert_eq!(
        row.requested_unit.as_deref(),
        Some("Следственное управление")
    );
    assert_eq!(
        row.requested_position.as_deref(),
        Some("старший следователь")
    );
    assert_eq!(row.requested_organisation_bin.as_deref(), Some(POLICE.0));
    assert!(
        row.changes
            .iter()
            .any(|c| c == "mobile (SMS codes): +77010000001 → +77019998877"),
        "{:?}",
        row.changes
    );
    assert!(
        row.changes.iter().any(|c| c == "role: 3 → 18"),
        "{:?}",
        row.changes
    );
    assert!(
        row.changes.iter().all(|c| !c.starts_with("body:")),
        "a transfer stays in the body: {:?}",
        row.changes
    );
    // The same in what `sio gateway admin applications` prints (the row as JSON).
    let json = serde_json::to_value(row).unwrap();
    assert_eq!(json["target_mobile"], "+77010000001");
    assert_eq!(json["requested_mobile"], "+77019998877");

    // Approval applies exactly what was shown.
    env.admin()
        .approve(&own.application_id.to_string())
        .unwrap();
    let row = application_row(&env, &own);
    assert_eq!(row.target_mobile.as_deref(), Some("+77019998877"));
    assert_eq!(row.target_role, Some(18));
}

/// Review finding: a blocking and its application record are one transaction. If the record
/// cannot be stored (here a trigger makes the insert fail), the account is not blocked either
/// and the sessions and head marks stay.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_blocking_without_its_record_is_not_committed() {
    let env = Env::start().await;
    let admin = env.admin();
    mark_ivanov_deputy_head_of_police(&admin);
    let hr = env.active_client(HEAD).await;
    let (serikova, _, ivanov) = people(&env);
    let db = rusqlite::Connection::open(env.data.join(sio_gateway::db::DB_FILE)).unwrap();
    db.execute_batch(
        "CREATE TRIGGER test_applications_fail BEFORE INSERT ON applications
         BEGIN SELECT RAISE(ABORT, 'injected failure'); END;",
    )
    .unwrap();
    let block = ivanovs_in_police(ApplicationAction::Blocking);
    let body = co_signed(block.clone(), &[&ivanov, &serikova]);
    assert_eq!(refused(&hr, &body).await, "GW_STORAGE");
    assert_eq!(user_row(&env, IVANOV).state, "registered");
    assert!(admin.heads().unwrap().iter().any(|h| h.iin == IVANOV));
    assert!(
        admin
            .applications()
            .unwrap()
            .iter()
            .all(|r| r.application_id != block.application_id.to_string())
    );

    // Once storage works again the same signed application blocks, with its record.
    db.execute_batch("DROP TRIGGER test_applications_fail;")
        .unwrap();
    let st = accepted(&hr, &body).await;
    assert_eq!(st.state, ApplicationState::Done);
    assert_eq!(user_row(&env, IVANOV).state, "blocked");
    assert!(admin.heads().unwrap().iter().all(|h| h.iin != IVANOV));
}

/// Review finding: an operator's bad argument is `GW_ADMIN_INPUT` (not `GW_CONFIG`, "the
/// gateway could not start"), and nothing is changed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_operators_bad_argument_is_gw_admin_input() {
    let env = Env::start().await;
    let admin = env.admin();
    // A well-formed БИН of no body the gateway knows.
    let unknown = (0..100)
        .filter_map(|i| sio_core::Bin::from_first11(&format!("991201{i:05}")).ok())
        .map(|b| b.as_string())
        .find(|b| b != POLICE.0 && b != PROSECUTION.0)
        .unwrap();
    let err = admin
        .mark_head(IVANOV, &unknown, "ИВАНОВ АЛЕКСЕЙ", "начальник")
        .unwrap_err();
    assert_eq!(err.code(), "GW_ADMIN_INPUT", "{err}");
    assert!(err.to_string().contains("--org"), "{err}");
    assert!(admin.heads().unwrap().iter().all(|h| h.iin != IVANOV));

    let err = admin.remove_fingerprint(IVANOV, "\u{7}").unwrap_err();
    assert_eq!(err.code(), "GW_ADMIN_INPUT", "{err}");
    assert!(err.to_string().contains("--by"), "{err}");

    let err = admin
        .emergency_add(&sio_gateway::admin::NewEmergency {
            reported_by: Some(IVANOV.into()),
            started_at: "yesterday".into(),
            cause: "нет доступа".into(),
            measures: "—".into(),
            responsible: "op".into(),
            ongoing: true,
            ..Default::default()
        })
        .unwrap_err();
    assert_eq!(err.code(), "GW_ADMIN_INPUT", "{err}");
    assert!(admin.emergency_list().unwrap().is_empty());
}
