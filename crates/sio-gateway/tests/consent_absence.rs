//! Issue 18, through the real gateway over mutual TLS:
//! - the consent is Appendix 6 to the Rules (Order 21/2023 as amended by Order 88/2024) verbatim,
//!   signed on the first login (rule 17) with the form's fields filled from the gateway's records;
//!   a document whose hash, language or form date is of another text is refused; a user who
//!   signed an older version is asked again;
//! - the two-month absence (Appendix 6 §11.2): the session says from which day a block of one's
//!   own account was due, and the HR officer of the same body (only) sees it in the staff list.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod common;

use chrono::{Duration, Months, Utc};
use common::*;
use sio_protocol::*;

fn db(env: &Env) -> rusqlite::Connection {
    let c = rusqlite::Connection::open(env.data.join(sio_gateway::db::DB_FILE)).unwrap();
    c.busy_timeout(std::time::Duration::from_secs(5)).unwrap();
    c
}

fn sha256_hex(b: &[u8]) -> String {
    hex::encode(ring::digest::digest(&ring::digest::SHA256, b).as_ref())
}

/// Log in with signature and SMS; the session's stage after the second factor.
async fn two_factors(env: &Env, c: &mut Client, i: usize) -> SessionInfo {
    c.login(KeyCarrier::Hardware).await.unwrap();
    c.post_empty::<OtpSent>(paths::LOGIN_OTP).await.unwrap();
    let code = env.code(&env.iin(i));
    c.post(paths::LOGIN_OTP_VERIFY, &serde_json::json!({"code": code}))
        .await
        .unwrap()
}

fn consent_doc(text: &ConsentText, iin: &str) -> ConsentDocument {
    ConsentDocument {
        doc: ConsentDocType::V1,
        iin: iin.into(),
        consent_version: text.version.clone(),
        text_language: text.signed_language,
        text_sha256: text.sha256.clone(),
        form_date: text.form_date,
        signed_at: astana_now(),
    }
}

/// Appendix 6 (Order 88/2024), rule 17: the filled act is what is signed; another text is not.
#[tokio::test(flavor = "multi_thread")]
async fn the_consent_is_the_act_filled_for_the_user_and_only_that_text_is_accepted() {
    let env = Env::start().await;
    let iin = env.iin(INVESTIGATOR);
    // The position, as an HR application records it.
    db(&env)
        .execute(
            "UPDATE users SET position = 'следователь СУ' WHERE iin = ?1",
            [&iin],
        )
        .unwrap();
    let mut c = env.client(INVESTIGATOR);
    let s = two_factors(&env, &mut c, INVESTIGATOR).await;
    assert_eq!(s.stage, SessionStage::Consent);

    let text: ConsentText = c.get(paths::CONSENT).await.unwrap();
    let today = astana_now().date_naive();
    assert_eq!(text.signed_language, ConsentLanguage::Ru);
    assert_eq!(
        text.sha256,
        sha256_hex(text.ru.as_bytes()),
        "the hash is of the signed text"
    );
    assert_eq!(text.form_date, Some(today));
    assert_eq!(text.fields.full_name, "ИВАНОВ АЛЕКСЕЙ");
    assert_eq!(text.fields.position.as_deref(), Some("следователь СУ"));
    // The form's fields, filled.
    assert!(
        text.ru
            .contains("1. Пользователь, в лице ИВАНОВ АЛЕКСЕЙ, следователь СУ\n")
    );
    assert!(
        text.ru
            .contains("являющийся сотрудником ДЕПАРТАМЕНТ ПОЛИЦИИ ГОРОДА АСТАНЫ (TEST),\n")
    );
    assert!(
        text.ru
            .contains(&format!(" {} года", chrono::Datelike::year(&today)))
    );
    // The points the paraphrase lacked: §8, §11.3, §11.5, §11.8, §16, §17.
    for phrase in [
        "Вход в СИО ПСО посредством ЭЦП на файловой системе не допускается.",
        "3) в случае изменения прав пользователя по причине перевода на другую должность или подразделение в течение суток",
        "5) не использовать СИО ПСО в целях умышленного нарушения законодательства Республики Казахстан",
        "8) соблюдение Единых требований в области информационно-коммуникационных технологий",
        "16. Подтверждение о согласии, подписывается ЭЦП пользователя СИО ПСО.",
        "17. Нарушение пользователем положений настоящего согласия может привести",
    ] {
        assert!(text.ru.contains(phrase), "missing: {phrase}");
    }
    assert!(
        text.en
            .starts_with("COURTESY TRANSLATION — NOT LEGALLY BINDING")
    );
    assert!(text.kk.contains("орыс тіліндегі мәтіні"));
    assert!(text.kk_reference_2015.contains("6-қосымша"));

    let u = c.user.clone();
    let refused = |doc: ConsentDocument| {
        let c = &c;
        let u = u.clone();
        async move {
            c.post::<SessionInfo>(paths::CONSENT, &signed(doc, &[sign_pair(&u)]))
                .await
                .unwrap_err()
                .body
                .code
        }
    };
    // Attack: the hash of another text — the form unfilled, the English, another name.
    let mut other = text.ru.replace("ИВАНОВ АЛЕКСЕЙ", "ПЕТРОВ ПЁТР");
    for wrong in [sha256_hex(text.en.as_bytes()), sha256_hex(other.as_bytes())] {
        let mut d = consent_doc(&text, &iin);
        d.text_sha256 = wrong;
        assert_eq!(refused(d).await, "GW_CONSENT_MISMATCH");
    }
    other.clear();
    // Attack: claiming the Kazakh text was signed (only the Russian text of the act in force is).
    let mut d = consent_doc(&text, &iin);
    d.text_language = ConsentLanguage::Kk;
    assert_eq!(refused(d).await, "GW_CONSENT_MISMATCH");
    // Attack: the form dated a week ago (or not dated).
    let mut d = consent_doc(&text, &iin);
    d.form_date = Some(today - Duration::days(7));
    assert_eq!(refused(d).await, "GW_CONSENT_MISMATCH");
    let mut d = consent_doc(&text, &iin);
    d.form_date = None;
    assert_eq!(refused(d).await, "GW_CONSENT_MISMATCH");
    // Attack: another version.
    let mut d = consent_doc(&text, &iin);
    d.consent_version = "app6-2024.1".into();
    assert_eq!(refused(d).await, "GW_CONSENT_MISMATCH");
    // Still in stage consent: nothing else is allowed.
    let e = c.get::<RequestList>(paths::REQUESTS).await.unwrap_err();
    assert_eq!(e.body.code, "GW_CONSENT_REQUIRED");

    // The text shown, signed: active; the stored document names the language and the hash.
    let s: SessionInfo = c
        .post(
            paths::CONSENT,
            &signed(consent_doc(&text, &iin), &[sign_pair(&u)]),
        )
        .await
        .unwrap();
    assert_eq!(s.stage, SessionStage::Active);
    assert_eq!(s.consent_version, text.version);
    let (version, stored): (String, Vec<u8>) = db(&env)
        .query_row(
            "SELECT consent_version, consent_document FROM users WHERE iin = ?1",
            [&iin],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(version, text.version);
    let stored: serde_json::Value = serde_json::from_slice(&stored).unwrap();
    assert_eq!(stored["text_language"], "ru");
    assert_eq!(stored["text_sha256"], text.sha256.as_str());

    // A user who signed an older version is asked again at the next login.
    db(&env)
        .execute(
            "UPDATE users SET consent_version = 'app6-2024.1' WHERE iin = ?1",
            [&iin],
        )
        .unwrap();
    let mut c2 = env.client(INVESTIGATOR);
    let s = two_factors(&env, &mut c2, INVESTIGATOR).await;
    assert_eq!(s.stage, SessionStage::Consent);
    assert!(s.consent_signed_at.is_none());
}

/// Appendix 6 §11.2: three months since the last login — the block was due two months after the
/// day after it; the HR officer of the same body sees it, no one else does.
#[tokio::test(flavor = "multi_thread")]
async fn a_user_away_over_two_months_is_reminded_and_shown_to_their_hr_officer() {
    let env = Env::start().await;
    let iin = env.iin(INVESTIGATOR);
    // First login ever: no previous login, nothing due.
    let mut c = env.client(INVESTIGATOR);
    let s = two_factors(&env, &mut c, INVESTIGATOR).await;
    assert!(s.previous_login_at.is_none());
    assert!(s.absence_block_due.is_none());
    c.sign_consent(&iin).await.unwrap();

    // The last login set three months back.
    let last = Utc::now() - Months::new(3);
    let stamp = |t: chrono::DateTime<Utc>| {
        sio_core::time::to_astana(t)
            .fixed_offset()
            .to_rfc3339_opts(chrono::SecondsFormat::Millis, false)
    };
    db(&env)
        .execute(
            "UPDATE users SET last_login_at = ?2 WHERE iin = ?1",
            rusqlite::params![iin, stamp(last)],
        )
        .unwrap();
    let first_absent = sio_core::time::to_astana(last).date_naive() + Duration::days(1);
    let due = sio_core::time::absence_block_due(first_absent).unwrap();

    let mut c = env.client(INVESTIGATOR);
    let s = two_factors(&env, &mut c, INVESTIGATOR).await;
    assert_eq!(s.stage, SessionStage::Active);
    assert_eq!(s.absence_block_due, Some(due));
    assert_eq!(
        s.previous_login_at.map(|t| t.timestamp()),
        Some(last.timestamp())
    );
    // Kept for the whole session.
    let again: SessionInfo = c.get(paths::SESSION).await.unwrap();
    assert_eq!(again.absence_block_due, Some(due));

    // The HR officer of the same body: the last login (now) and nothing due any more for the
    // investigator, who just logged in; a colleague away three months is due.
    db(&env)
        .execute(
            "UPDATE users SET last_login_at = ?2 WHERE iin = ?1",
            rusqlite::params![iin, stamp(last)],
        )
        .unwrap();
    let hr = env.active_client(HEAD).await;
    let list: StaffList = hr.get(paths::STAFF).await.unwrap();
    assert_eq!(list.organisation_bin, "040340001233");
    let me = list.members.iter().find(|m| m.iin == iin).expect("listed");
    assert_eq!(me.absence_block_due, Some(due));
    assert!(me.last_login_at.is_some());
    let head = list
        .members
        .iter()
        .find(|m| m.iin == env.iin(HEAD))
        .unwrap();
    assert!(head.absence_block_due.is_none(), "logged in just now");
    assert!(
        list.members.iter().all(|m| m.iin != env.iin(PROSECUTOR)),
        "another body's staff is not listed"
    );

    // A user without the HR right: refused.
    let e = c.get::<StaffList>(paths::STAFF).await.unwrap_err();
    assert_eq!(e.body.code, "GW_NO_HR_RIGHTS");
    // An HR officer of another body does not see this body's staff.
    env.admin()
        .set_rights(&env.iin(PROSECUTOR), true, true)
        .unwrap();
    let other = env.active_client(PROSECUTOR).await;
    let list: StaffList = other.get(paths::STAFF).await.unwrap();
    assert_eq!(list.organisation_bin, "050540000125");
    assert!(list.members.iter().all(|m| m.iin != iin));
}
