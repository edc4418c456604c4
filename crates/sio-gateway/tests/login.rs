//! Login over real mutual TLS: signature, SMS code, consent, and every rejection.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use sio_protocol::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn full_login_with_sms_and_consent() {
    let env = Env::start().await;
    let mut c = env.client(INVESTIGATOR);
    let s = c.login(KeyCarrier::Hardware).await.unwrap();
    assert_eq!(s.stage, SessionStage::SecondFactor);
    assert_eq!(s.factors, vec![SecondFactor::Sms]);
    assert!(s.token.is_some());

    // Nothing but the second factor yet.
    let e = c.get::<RequestList>(paths::REQUESTS).await.unwrap_err();
    assert_eq!(e.body.code, "GW_WRONG_STAGE");

    let sent: OtpSent = c.post_empty(paths::LOGIN_OTP).await.unwrap();
    assert_eq!(sent.masked_phone, "+7 *** *** 00 01");
    // Cool-down on a second code.
    let e = c.post_empty::<OtpSent>(paths::LOGIN_OTP).await.unwrap_err();
    assert_eq!(e.body.code, "GW_OTP_COOLDOWN");
    assert!(e.body.until.is_some());

    let code = env.code("850415300121");
    let wrong = if code == "000000" { "111111" } else { "000000" };
    let e = c
        .post::<SessionInfo>(paths::LOGIN_OTP_VERIFY, &serde_json::json!({"code": wrong}))
        .await
        .unwrap_err();
    assert_eq!(e.body.code, "GW_OTP_WRONG");
    let s: SessionInfo = c
        .post(paths::LOGIN_OTP_VERIFY, &serde_json::json!({"code": code}))
        .await
        .unwrap();
    assert_eq!(s.stage, SessionStage::Consent);
    // Single use.
    let e = c
        .post::<SessionInfo>(paths::LOGIN_OTP_VERIFY, &serde_json::json!({"code": code}))
        .await
        .unwrap_err();
    assert_eq!(e.body.code, "GW_WRONG_STAGE");
    // The used code is gone from the outbox.
    assert!(
        env.admin()
            .latest_sms_code("850415300121")
            .unwrap()
            .is_none()
    );

    // Consent first.
    let e = c.get::<RequestList>(paths::REQUESTS).await.unwrap_err();
    assert_eq!(e.body.code, "GW_CONSENT_REQUIRED");
    // A consent signed with the authentication key (wrong EKU) is refused.
    let text: ConsentText = c.get(paths::CONSENT).await.unwrap();
    let doc = ConsentDocument {
        doc: ConsentDocType::V1,
        iin: "850415300121".into(),
        consent_version: text.version.clone(),
        text_language: text.signed_language,
        text_sha256: text.sha256.clone(),
        form_date: text.form_date,
        signed_at: astana_now(),
    };
    let u = c.user.clone();
    let e = c
        .post::<SessionInfo>(paths::CONSENT, &signed(doc.clone(), &[auth_pair(&u)]))
        .await
        .unwrap_err();
    assert_eq!(e.body.code, "SIGN_WRONG_KEY_PURPOSE");
    let mut bad = doc.clone();
    bad.text_sha256 = "00".repeat(32);
    let e = c
        .post::<SessionInfo>(paths::CONSENT, &signed(bad, &[sign_pair(&u)]))
        .await
        .unwrap_err();
    assert_eq!(e.body.code, "GW_CONSENT_MISMATCH");
    let s = c.sign_consent("850415300121").await.unwrap();
    assert_eq!(s.stage, SessionStage::Active);
    assert!(s.consent_signed_at.is_some());
    let list: RequestList = c.get(paths::REQUESTS).await.unwrap();
    assert!(list.requests.is_empty());

    // Second login: no consent step.
    let mut c2 = env.client(INVESTIGATOR);
    c2.login(KeyCarrier::Hardware).await.unwrap();
    let s: SessionInfo = c2.get(paths::SESSION).await.unwrap();
    assert_eq!(s.stage, SessionStage::SecondFactor);

    // Logout ends the session.
    let resp = c
        .http
        .delete(format!("{}{}", c.base, paths::SESSION))
        .bearer_auth(c.token.as_ref().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 204);
    let e = c.get::<SessionInfo>(paths::SESSION).await.unwrap_err();
    assert_eq!(e.body.code, "GW_NO_SESSION");

    // The journal has the calls with the user, IP and outcome; no secret anywhere on disk.
    let journal = env.admin().journal(200).unwrap();
    assert!(
        journal
            .iter()
            .any(|j| j.user == "850415300121" && j.resource == "/v1/consent" && j.outcome == "ok")
    );
    assert!(
        journal
            .iter()
            .any(|j| j.outcome == "GW_OTP_WRONG" && j.ip == "127.0.0.1")
    );
    let token = c.token.clone().unwrap();
    for entry in walk(&env.data) {
        let bytes = std::fs::read(&entry).unwrap();
        for secret in [code.as_bytes(), token.as_bytes()] {
            assert!(
                !bytes.windows(secret.len()).any(|w| w == secret),
                "a secret is stored in {}",
                entry.display()
            );
        }
    }
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_rejections() {
    let env = Env::start().await;
    let mut c = env.client(INVESTIGATOR);

    // A key file declared as such.
    let e = c.login(KeyCarrier::Software).await.unwrap_err();
    assert_eq!(e.body.code, "GW_SOFTWARE_CARRIER");

    // Replay of a used challenge.
    let ch: LoginChallenge = c.post_empty(paths::LOGIN_CHALLENGE).await.unwrap();
    let u = c.user.clone();
    let body = signed(c.login_doc(&ch, KeyCarrier::Hardware), &[auth_pair(&u)]);
    let _: SessionInfo = c.post(paths::LOGIN, &body).await.unwrap();
    let e = c
        .post::<SessionInfo>(paths::LOGIN, &body)
        .await
        .unwrap_err();
    assert_eq!(e.body.code, "GW_CHALLENGE_INVALID");

    // Skewed clock.
    let ch: LoginChallenge = c.post_empty(paths::LOGIN_CHALLENGE).await.unwrap();
    let mut doc = c.login_doc(&ch, KeyCarrier::Hardware);
    doc.client_time += chrono::Duration::minutes(20);
    let e = c
        .post::<SessionInfo>(paths::LOGIN, &signed(doc, &[auth_pair(&u)]))
        .await
        .unwrap_err();
    assert_eq!(e.body.code, "GW_CLOCK_SKEW");

    // The document names another certificate.
    let ch: LoginChallenge = c.post_empty(paths::LOGIN_CHALLENGE).await.unwrap();
    let mut doc = c.login_doc(&ch, KeyCarrier::Hardware);
    doc.certificate_sha256 = "ab".repeat(32);
    let e = c
        .post::<SessionInfo>(paths::LOGIN, &signed(doc, &[auth_pair(&u)]))
        .await
        .unwrap_err();
    assert_eq!(e.body.code, "GW_CERT_MISMATCH");

    // Signed with the signing key (no clientAuth).
    let ch: LoginChallenge = c.post_empty(paths::LOGIN_CHALLENGE).await.unwrap();
    let doc = c.login_doc(&ch, KeyCarrier::Hardware);
    let e = c
        .post::<SessionInfo>(paths::LOGIN, &signed(doc, &[sign_pair(&u)]))
        .await
        .unwrap_err();
    assert_eq!(e.body.code, "SIGN_WRONG_KEY_PURPOSE");

    // Someone else's login over my TLS certificate.
    let other = env.client(PROSECUTOR);
    let ch: LoginChallenge = c.post_empty(paths::LOGIN_CHALLENGE).await.unwrap();
    let doc = other.login_doc(&ch, KeyCarrier::Hardware);
    let e = c
        .post::<SessionInfo>(paths::LOGIN, &signed(doc, &[auth_pair(&other.user)]))
        .await
        .unwrap_err();
    assert_eq!(e.body.code, "GW_CERT_MISMATCH");

    // A challenge made over another TLS certificate.
    let ch: LoginChallenge = other.post_empty(paths::LOGIN_CHALLENGE).await.unwrap();
    let doc = c.login_doc(&ch, KeyCarrier::Hardware);
    let e = c
        .post::<SessionInfo>(paths::LOGIN, &signed(doc, &[auth_pair(&u)]))
        .await
        .unwrap_err();
    assert_eq!(e.body.code, "GW_CHALLENGE_INVALID");

    // Tampered document: the signature no longer matches.
    let ch: LoginChallenge = c.post_empty(paths::LOGIN_CHALLENGE).await.unwrap();
    let mut body = signed(c.login_doc(&ch, KeyCarrier::Hardware), &[auth_pair(&u)]);
    body["document"]["nonce"] = serde_json::json!("AAAA");
    let e = c
        .post::<SessionInfo>(paths::LOGIN, &body)
        .await
        .unwrap_err();
    assert_eq!(e.body.code, "SIGN_DIGEST_MISMATCH");

    // A consent document sent as a login.
    let ch: LoginChallenge = c.post_empty(paths::LOGIN_CHALLENGE).await.unwrap();
    let _ = ch;
    let consent = ConsentDocument {
        doc: ConsentDocType::V1,
        iin: "850415300121".into(),
        consent_version: "x".into(),
        text_language: ConsentLanguage::Ru,
        text_sha256: "y".into(),
        form_date: None,
        signed_at: astana_now(),
    };
    let e = c
        .post::<SessionInfo>(paths::LOGIN, &signed(consent, &[auth_pair(&u)]))
        .await
        .unwrap_err();
    assert_eq!(e.body.code, "PROTO_WRONG_DOCUMENT_TYPE");

    // Malformed bodies.
    let e = c
        .post_raw::<SessionInfo>(paths::LOGIN, b"{not json".to_vec())
        .await
        .unwrap_err();
    assert_eq!(e.body.code, "PROTO_MALFORMED_JSON");
    let e = c
        .post_raw::<SessionInfo>(
            paths::LOGIN,
            br#"{"document":{"doc":"sio.login/v1"},"cms":"***"}"#.to_vec(),
        )
        .await
        .unwrap_err();
    assert_eq!(e.body.code, "PROTO_BAD_BASE64");
    let e = c
        .post_raw::<SessionInfo>(
            paths::LOGIN,
            br#"{"document":{"doc":"sio.login/v1"},"cms":"MAA="}"#.to_vec(),
        )
        .await
        .unwrap_err();
    assert!(e.body.code.starts_with("SIGN_"), "{:?}", e.body);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn five_failures_lock_the_account() {
    let env = Env::start().await;
    let mut c = env.client(INVESTIGATOR);
    c.login(KeyCarrier::Hardware).await.unwrap();
    let _: OtpSent = c.post_empty(paths::LOGIN_OTP).await.unwrap();
    let code = env.code("850415300121");
    let wrong = if code == "000000" { "111111" } else { "000000" };
    for i in 0..4 {
        let e = c
            .post::<SessionInfo>(paths::LOGIN_OTP_VERIFY, &serde_json::json!({"code": wrong}))
            .await
            .unwrap_err();
        assert_eq!(e.body.code, "GW_OTP_WRONG", "attempt {i}");
    }
    let e = c
        .post::<SessionInfo>(paths::LOGIN_OTP_VERIFY, &serde_json::json!({"code": wrong}))
        .await
        .unwrap_err();
    assert_eq!(e.body.code, "GW_ACCOUNT_LOCKED");
    let until = e.body.until.clone().expect("until");
    assert!(until.ends_with("+05:00"), "{until}");
    let until = chrono::DateTime::parse_from_rfc3339(&until).unwrap();
    assert!(until.with_timezone(&chrono::Utc) >= chrono::Utc::now() + chrono::Duration::minutes(9));
    // The void code does not work even if right, and a new login is refused until then.
    let mut c2 = env.client(INVESTIGATOR);
    let e = c2.login(KeyCarrier::Hardware).await.unwrap_err();
    assert_eq!(e.body.code, "GW_ACCOUNT_LOCKED");
    assert!(e.body.message.contains("locked until"));
    // The operator lifts it.
    env.admin().unlock("850415300121").unwrap();
    c2.login(KeyCarrier::Hardware).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn otp_expiry_and_void_after_five_tries() {
    let env = Env::start_with(|c| {
        c.max_failed_attempts = 50;
        c.otp_resend_after = std::time::Duration::from_secs(0);
    })
    .await;
    let mut c = env.client(PROSECUTOR);
    c.login(KeyCarrier::Hardware).await.unwrap();
    let _: OtpSent = c.post_empty(paths::LOGIN_OTP).await.unwrap();
    let code = env.code("780302300344");
    // Age the code past 10 minutes.
    let conn = rusqlite::Connection::open(env.data.join(sio_gateway::db::DB_FILE)).unwrap();
    conn.execute(
        "UPDATE otps SET expires_at = '2000-01-01T00:00:00.000+05:00'",
        [],
    )
    .unwrap();
    let e = c
        .post::<SessionInfo>(paths::LOGIN_OTP_VERIFY, &serde_json::json!({"code": code}))
        .await
        .unwrap_err();
    assert_eq!(e.body.code, "GW_OTP_EXPIRED");

    let _: OtpSent = c.post_empty(paths::LOGIN_OTP).await.unwrap();
    let code = env.code("780302300344");
    let wrong = if code == "000000" { "111111" } else { "000000" };
    for _ in 0..5 {
        let e = c
            .post::<SessionInfo>(paths::LOGIN_OTP_VERIFY, &serde_json::json!({"code": wrong}))
            .await
            .unwrap_err();
        assert_eq!(e.body.code, "GW_OTP_WRONG");
    }
    let e = c
        .post::<SessionInfo>(paths::LOGIN_OTP_VERIFY, &serde_json::json!({"code": code}))
        .await
        .unwrap_err();
    assert_eq!(e.body.code, "GW_OTP_MISSING");
    // Biometrics: the message exists, the factor is not offered yet.
    let e = c
        .post::<SessionInfo>(
            paths::LOGIN_BIOMETRIC,
            &serde_json::json!({"modality": "face", "format": "png", "data": "AAAA"}),
        )
        .await
        .unwrap_err();
    assert_eq!(e.body.code, "GW_FACTOR_UNAVAILABLE");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn blocked_pending_and_unknown_accounts() {
    let env = Env::start().await;
    env.admin().block("780302300344", "test").unwrap();
    let mut c = env.client(PROSECUTOR);
    let e = c.login(KeyCarrier::Hardware).await.unwrap_err();
    assert_eq!(e.body.code, "GW_ACCOUNT_BLOCKED");

    let conn = rusqlite::Connection::open(env.data.join(sio_gateway::db::DB_FILE)).unwrap();
    conn.execute(
        "UPDATE users SET state = 'pending' WHERE iin = '901120400238'",
        [],
    )
    .unwrap();
    let mut c = env.client(HEAD);
    let e = c.login(KeyCarrier::Hardware).await.unwrap_err();
    assert_eq!(e.body.code, "GW_ACCOUNT_PENDING");
    conn.execute("DELETE FROM users WHERE iin = '901120400238'", [])
        .unwrap();
    let e = c.login(KeyCarrier::Hardware).await.unwrap_err();
    assert_eq!(e.body.code, "GW_UNKNOWN_USER");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn revoked_certificate_is_refused() {
    let env = Env::start().await;
    let c = env.client(PROSECUTOR);
    let _: LoginChallenge = c.post_empty(paths::LOGIN_CHALLENGE).await.unwrap();
    // Revoke the TLS (auth) certificate: the next handshake fails.
    sio_pki::revoke(&env.pki.dir, &env.user(PROSECUTOR).auth.serial_hex).unwrap();
    let fresh = env.client(PROSECUTOR);
    let r = fresh
        .http
        .post(format!("{}{}", env.base, paths::LOGIN_CHALLENGE))
        .send()
        .await;
    assert!(
        r.is_err(),
        "a revoked client certificate must fail the handshake"
    );
    // Others still get in.
    let ok = env.client(INVESTIGATOR);
    let _: LoginChallenge = ok.post_empty(paths::LOGIN_CHALLENGE).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn five_failed_signature_logins_lock_the_account() {
    let env = Env::start().await;
    let c = env.client(HEAD);
    let u = c.user.clone();
    for i in 0..5 {
        let ch: LoginChallenge = c.post_empty(paths::LOGIN_CHALLENGE).await.unwrap();
        let doc = c.login_doc(&ch, KeyCarrier::Hardware);
        // Signed with the signing key: not an authentication certificate.
        let e = c
            .post::<SessionInfo>(paths::LOGIN, &signed(doc, &[sign_pair(&u)]))
            .await
            .unwrap_err();
        let expected = if i < 4 {
            "SIGN_WRONG_KEY_PURPOSE"
        } else {
            "GW_ACCOUNT_LOCKED"
        };
        assert_eq!(e.body.code, expected, "attempt {i}");
    }
    let mut c = env.client(HEAD);
    let e = c.login(KeyCarrier::Hardware).await.unwrap_err();
    assert_eq!(e.body.code, "GW_ACCOUNT_LOCKED");
    // Other users are not affected.
    env.client(PROSECUTOR)
        .login(KeyCarrier::Hardware)
        .await
        .unwrap();
}
