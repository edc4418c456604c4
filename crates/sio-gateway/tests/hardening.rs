//! Issue 16, "Also fix": attacks performed through the real gateway over mutual TLS — names
//! that carry direction controls or spreadsheet formulas, SMS codes left in the outbox after
//! the session ended, a session that could not be ended while idle-locked — and the modes of
//! the gateway's files.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use sio_protocol::*;

/// An HR officer's application whose names carry a right-to-left override, a bidi isolate, a
/// spreadsheet formula or a tab is refused by the gateway (`CORE_NAME_INVALID`), properly
/// signed by both signers; nothing is stored.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn names_with_direction_controls_or_formulas_are_refused() {
    let env = Env::start().await;
    let hr = env.active_client(HEAD).await;
    let head = env.user(HEAD).clone();
    let inv = env.user(INVESTIGATOR).clone();
    let ok = "СЕРІКОВА АЙГЕРІМ";
    let cases = [
        ("ИВАНОВ \u{202E}ВЕСЕЛА\u{202C} АЛЕКСЕЙ", ok),
        ("ИВАНОВ \u{2067}АЛЕКСЕЙ\u{2069}", ok),
        ("=HYPERLINK(\"http://evil.invalid\",\"ИВАНОВ\")", ok),
        ("@SUM(1+1)*cmd|' /C calc'!A0", ok),
        ("-2+3+cmd|' /C calc'!A0", ok),
        ("ИВАНОВ\tАЛЕКСЕЙ", ok),
        ("ИВАНОВ АЛЕКСЕЙ", "+СЕРІКОВА"),
        ("ИВАНОВ АЛЕКСЕЙ", "СЕРІКОВА\u{202D}"),
    ];
    for (name, head_name) in cases {
        let doc = ivanov_transfer(name, head_name);
        let body = signed(doc.clone(), &[sign_pair(&inv), sign_pair(&head)]);
        let e = hr
            .post::<ApplicationStatus>(paths::APPLICATIONS, &body)
            .await
            .unwrap_err();
        assert_eq!(e.status, 400, "{name:?} / {head_name:?}");
        assert_eq!(e.body.code, "CORE_NAME_INVALID", "{name:?} / {head_name:?}");
    }
    assert!(
        env.admin().applications().unwrap().is_empty(),
        "nothing was stored"
    );
}

fn outbox_texts(env: &Env, iin: &str) -> Vec<String> {
    let conn = rusqlite::Connection::open(env.data.join(sio_gateway::db::DB_FILE)).unwrap();
    let mut s = conn
        .prepare("SELECT text FROM sms_outbox WHERE iin = ?1")
        .unwrap();
    s.query_map([iin], |r| r.get::<_, String>(0))
        .unwrap()
        .collect::<Result<Vec<_>, _>>()
        .unwrap()
}

fn files_hold(env: &Env, secret: &str) -> Vec<std::path::PathBuf> {
    std::fs::read_dir(&env.data)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            std::fs::read(p)
                .map(|b| b.windows(secret.len()).any(|w| w == secret.as_bytes()))
                .unwrap_or(false)
        })
        .collect()
}

/// A session that ends — by logout, a lock-out or a block — takes its unused SMS code with it
/// at once: the outbox row no longer holds it and (logout, lock-out) no database file does.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sms_codes_of_ended_sessions_are_erased_at_once() {
    let env = Env::start().await;
    let iin = env.iin(INVESTIGATOR);

    // Logout in the second-factor stage.
    let mut c = env.client(INVESTIGATOR);
    c.login(KeyCarrier::Hardware).await.unwrap();
    c.post_empty::<OtpSent>(paths::LOGIN_OTP).await.unwrap();
    let code = env.code(&iin);
    assert!(outbox_texts(&env, &iin).iter().any(|t| t.contains(&code)));
    let resp = c
        .http
        .delete(format!("{}{}", c.base, paths::SESSION))
        .bearer_auth(c.token.as_ref().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 204);
    let texts = outbox_texts(&env, &iin);
    assert!(!texts.is_empty(), "the SMS is still listed (sent, when)");
    assert!(
        texts.iter().all(|t| !t.contains(&code)),
        "the code of an ended session stays in the outbox: {texts:?}"
    );
    assert!(
        files_hold(&env, &code).is_empty(),
        "{:?}",
        files_hold(&env, &code)
    );
    // A code of an ended session does not open it.
    let e = c
        .post::<SessionInfo>(paths::LOGIN_OTP_VERIFY, &serde_json::json!({"code": code}))
        .await
        .unwrap_err();
    assert_eq!(e.body.code, "GW_NO_SESSION");

    // Lock-out: a code sent to one session is erased when wrong codes in another session lock
    // the account (which ends every session of the user).
    let mut a = env.client(INVESTIGATOR);
    a.login(KeyCarrier::Hardware).await.unwrap();
    a.post_empty::<OtpSent>(paths::LOGIN_OTP).await.unwrap();
    let code_a = env.code(&iin);
    let mut b = env.client(INVESTIGATOR);
    b.login(KeyCarrier::Hardware).await.unwrap();
    b.post_empty::<OtpSent>(paths::LOGIN_OTP).await.unwrap();
    let code_b = env.code(&iin);
    let wrong = (0..1_000_000)
        .map(|n| format!("{n:06}"))
        .find(|w| *w != code_a && *w != code_b)
        .unwrap();
    let mut locked = false;
    for _ in 0..10 {
        let e = b
            .post::<SessionInfo>(paths::LOGIN_OTP_VERIFY, &serde_json::json!({"code": wrong}))
            .await
            .unwrap_err();
        if e.body.code == "GW_ACCOUNT_LOCKED" {
            locked = true;
            break;
        }
        if e.body.code == "GW_OTP_MISSING" {
            // The code was voided after too many tries: ask for another one.
            b.post_empty::<OtpSent>(paths::LOGIN_OTP).await.ok();
        }
    }
    assert!(locked, "wrong codes lock the account");
    let texts = outbox_texts(&env, &iin);
    assert!(
        texts.iter().all(|t| !t.contains(&code_a)),
        "the code of a session ended by the lock-out stays in the outbox: {texts:?}"
    );
    assert!(files_hold(&env, &code_a).is_empty());

    // Block by the operator: the session ends in the database (a trigger of the schema voids
    // and blanks its codes in the same transaction, whatever code path ends it).
    let piin = env.iin(PROSECUTOR);
    let mut p = env.client(PROSECUTOR);
    p.login(KeyCarrier::Hardware).await.unwrap();
    p.post_empty::<OtpSent>(paths::LOGIN_OTP).await.unwrap();
    let code_p = env.code(&piin);
    env.admin().block(&piin, "test").unwrap();
    let texts = outbox_texts(&env, &piin);
    assert!(
        texts.iter().all(|t| !t.contains(&code_p)),
        "the code of a session ended by a block stays in the outbox: {texts:?}"
    );
}

/// `DELETE /v1/session` ends a session that is locked after the idle minutes (before, the
/// session extractor refused it with `GW_SESSION_IDLE`, and a locked session stayed open for
/// 12 hours); it still needs the TLS certificate the session was opened with.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logout_ends_an_idle_locked_session() {
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

    let token = c.token.clone().unwrap();
    let delete = |client: &Client| {
        client
            .http
            .delete(format!("{}{}", client.base, paths::SESSION))
            .bearer_auth(&token)
            .send()
    };
    // Over another user's TLS certificate: refused, the session is not ended.
    let other = env.client(INVESTIGATOR);
    let resp = delete(&other).await.unwrap();
    assert_eq!(resp.status(), 401);
    let body: ErrorBody = resp.json().await.unwrap();
    assert_eq!(body.code, "GW_SESSION_CERT_MISMATCH");
    let e = c.get::<SessionInfo>(paths::SESSION).await.unwrap_err();
    assert_eq!(e.body.code, "GW_SESSION_IDLE", "still open (locked)");

    // Over its own certificate: ended.
    let resp = delete(&c).await.unwrap();
    assert_eq!(resp.status(), 204);
    let ended: Option<String> = conn
        .query_row("SELECT ended_at FROM sessions", [], |r| r.get(0))
        .unwrap();
    assert!(ended.is_some());
    let e = c.get::<SessionInfo>(paths::SESSION).await.unwrap_err();
    assert_eq!(e.body.code, "GW_NO_SESSION");
    // An ended session cannot be unlocked any more.
    let ch: LoginChallenge = c.post_empty(paths::LOGIN_CHALLENGE).await.unwrap();
    let u = env.user(PROSECUTOR).clone();
    let e = c
        .post::<SessionInfo>(
            paths::SESSION_UNLOCK,
            &signed(c.login_doc(&ch, KeyCarrier::Hardware), &[auth_pair(&u)]),
        )
        .await
        .unwrap_err();
    assert_eq!(e.body.code, "GW_NO_SESSION");
    // A second logout says there is no session.
    let resp = delete(&c).await.unwrap();
    let body: ErrorBody = resp.json().await.unwrap();
    assert_eq!(body.code, "GW_NO_SESSION");
    // The journal names the user of the logout.
    assert!(env.admin().journal(100).unwrap().iter().any(|j| {
        j.user == "780302300344" && j.resource == paths::SESSION && j.outcome == "ok"
    }));
}

/// The database, its log files and the key files are the owner's alone after the gateway ran
/// (files of an earlier run under a lax umask are tightened on the next start).
#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn database_files_are_private() {
    use std::os::unix::fs::PermissionsExt;
    let env = Env::start().await;
    env.active_client(INVESTIGATOR).await;
    let private = |env: &Env| {
        let mut seen = Vec::new();
        for e in std::fs::read_dir(&env.data).unwrap() {
            let p = e.unwrap().path();
            let mode = std::fs::metadata(&p).unwrap().permissions().mode();
            assert_eq!(mode & 0o077, 0, "{} is mode {:o}", p.display(), mode);
            seen.push(p.file_name().unwrap().to_string_lossy().into_owned());
        }
        seen
    };
    let seen = private(&env);
    for f in [
        "gateway.sqlite3",
        "gateway.sqlite3-wal",
        "gateway.sqlite3-shm",
    ] {
        assert!(seen.iter().any(|s| s == f), "{f} in {seen:?}");
    }
    // Files left readable by an earlier run are restricted when the database is opened.
    for f in [
        "gateway.sqlite3",
        "gateway.sqlite3-wal",
        "gateway.sqlite3-shm",
    ] {
        let p = env.data.join(f);
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o666)).unwrap();
    }
    let key = env.data.join("face-template.key");
    std::fs::write(&key, [7u8; 32]).unwrap();
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o644)).unwrap();
    drop(sio_gateway::db::open(&env.data).unwrap());
    private(&env);
}
