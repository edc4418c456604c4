//! The fingerprint factor against someone who holds the card and PIN (issue 16, item 1), through
//! the real gateway over mutual TLS: the verdict must be signed by the key of the workstation
//! certificate the helpdesk registered for the user — not by the user's own card, not by another
//! valid workstation, not by a revoked one — users cannot enrol themselves, and the challenge
//! tells nothing about enrolments.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod common;

use std::path::{Path, PathBuf};
use std::time::Duration;

use common::*;
use sio_gateway::fingerprint::HelpdeskEnrolment;
use sio_protocol::*;

/// A workstation certificate and key issued by the test CA.
struct Workstation {
    cert: PathBuf,
    key: PathBuf,
    sha256: String,
}

fn workstation(env: &Env, name: &str) -> Workstation {
    let ws = sio_pki::issue_workstation(&env.pki.dir, name).unwrap();
    Workstation {
        cert: ws.cert_path,
        key: ws.key_path.unwrap(),
        sha256: hex::encode(ring::digest::digest(&ring::digest::SHA256, &ws.cert_der)),
    }
}

/// The helpdesk records `user`'s right index finger at `ws`.
fn enrol(env: &Env, user: usize, ws: &Workstation) -> FingerprintEnrolment {
    enrol_cert(env, &env.iin(user), &ws.cert).unwrap()
}

/// The helpdesk's record of `iin`'s right index finger at the workstation certificate `pem`.
fn helpdesk_enrolment<'a>(iin: &'a str, pem: &'a [u8]) -> HelpdeskEnrolment<'a> {
    HelpdeskEnrolment {
        iin,
        workstation_certificate: pem,
        finger: Finger::RightIndexFinger,
        device: None,
        operator: "helpdesk officer Test",
    }
}

/// The helpdesk tries to record `iin`'s right index finger at the certificate in file `cert`.
fn enrol_cert(
    env: &Env,
    iin: &str,
    cert: &Path,
) -> Result<FingerprintEnrolment, sio_gateway::GwError> {
    let pem = std::fs::read(cert).unwrap();
    env.admin()
        .enroll_fingerprint(&helpdesk_enrolment(iin, &pem))
}

/// `verdict` signed with the workstation's key.
fn signed_by(ws: &Workstation, verdict: FingerprintVerdictDocument) -> serde_json::Value {
    signed(verdict, &[(&ws.cert, &ws.key)])
}

/// The verdict `body` is sent and must be refused.
async fn verdict_refused(c: &Client, body: &serde_json::Value) -> Failure {
    c.post::<SessionInfo>(paths::LOGIN_FINGERPRINT, body)
        .await
        .unwrap_err()
}

/// A client of `user` past the card (stage `second_factor`).
async fn at_second_factor(env: &Env, user: usize) -> Client {
    let mut c = env.client(user);
    let s = c.login(KeyCarrier::Hardware).await.unwrap();
    assert_eq!(s.stage, SessionStage::SecondFactor);
    c
}

fn verdict(ch: &FingerprintChallenge, iin: &str, ws_sha256: &str) -> FingerprintVerdictDocument {
    FingerprintVerdictDocument {
        doc: FingerprintVerdictDocType::V2,
        challenge_id: ch.challenge_id,
        nonce: ch.nonce.clone(),
        iin: iin.to_string(),
        workstation_certificate: ws_sha256.to_string(),
        device: "Virtual image device for debugging".into(),
        finger: Some(Finger::RightIndexFinger),
        result: FingerprintResult::Match,
        verified_at: astana_now(),
    }
}

async fn challenge(c: &Client) -> FingerprintChallenge {
    c.post_empty(paths::LOGIN_FINGERPRINT_CHALLENGE)
        .await
        .unwrap()
}

fn failed_attempts(env: &Env, iin: &str) -> u32 {
    let db = rusqlite::Connection::open(env.data.join(sio_gateway::db::DB_FILE)).unwrap();
    db.query_row(
        "SELECT failed_attempts FROM users WHERE iin = ?1",
        [iin],
        |r| r.get(0),
    )
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_registered_workstation_passes_once_and_its_verdict_cannot_be_replayed() {
    let env = Env::start().await;
    let ws = workstation(&env, "arm-01");
    let rec = enrol(&env, INVESTIGATOR, &ws);
    assert_eq!(rec.workstation, "arm-01");
    assert_eq!(rec.workstation_certificate, ws.sha256);
    let iin = env.iin(INVESTIGATOR);

    let c = at_second_factor(&env, INVESTIGATOR).await;
    let ch = challenge(&c).await;
    let body = signed_by(&ws, verdict(&ch, &iin, &ws.sha256));
    let s: SessionInfo = c.post(paths::LOGIN_FINGERPRINT, &body).await.unwrap();
    assert_ne!(s.stage, SessionStage::SecondFactor);

    // The same verdict in a new session: the challenge was single use and bound to the session.
    let c2 = at_second_factor(&env, INVESTIGATOR).await;
    let e = verdict_refused(&c2, &body).await;
    assert_eq!(e.body.code, "GW_FINGERPRINT_CHALLENGE_INVALID");

    // The operator's enrolment is journaled as every operator's action: the helpdesk officer as
    // the user, `local` as the address, the user enrolled in the operation.
    let journal = env.admin().journal(50).unwrap();
    assert!(
        journal.iter().any(|j| j.user == "helpdesk officer Test"
            && j.ip == "local"
            && j.resource == "admin/fingerprint"
            && j.operation.contains("admin enroll-fingerprint")
            && j.operation.contains(&iin)),
        "{journal:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_verdict_signed_with_the_users_own_card_key_is_refused() {
    let env = Env::start().await;
    let ws = workstation(&env, "arm-01");
    enrol(&env, INVESTIGATOR, &ws);
    let iin = env.iin(INVESTIGATOR);
    let c = at_second_factor(&env, INVESTIGATOR).await;
    let ch = challenge(&c).await;
    // The attacker names the registered workstation but can only sign with the card's keys.
    let u = env.user(INVESTIGATOR).clone();
    let body = signed(verdict(&ch, &iin, &ws.sha256), &[auth_pair(&u)]);
    let e = verdict_refused(&c, &body).await;
    assert_eq!(e.body.code, "GW_FINGERPRINT_NOT_WORKSTATION");
    assert_eq!(e.status, reqwest::StatusCode::FORBIDDEN);
    // It counts as a failed second factor, and the session stays where it was.
    assert_eq!(failed_attempts(&env, &iin), 1);
    let s: SessionInfo = c.get(paths::SESSION).await.unwrap();
    assert_eq!(s.stage, SessionStage::SecondFactor);
    // The signing key (emailProtection) is no better.
    let ch = challenge(&c).await;
    let body = signed(verdict(&ch, &iin, &ws.sha256), &[sign_pair(&u)]);
    let e = verdict_refused(&c, &body).await;
    assert!(e.body.code.starts_with("SIGN_"), "{:?}", e.body);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_verdict_from_another_valid_workstation_is_refused() {
    let env = Env::start().await;
    let registered = workstation(&env, "arm-01");
    let other = workstation(&env, "arm-02");
    enrol(&env, INVESTIGATOR, &registered);
    let iin = env.iin(INVESTIGATOR);
    let c = at_second_factor(&env, INVESTIGATOR).await;

    // Signed by arm-02 and honest about it.
    let ch = challenge(&c).await;
    let body = signed_by(&other, verdict(&ch, &iin, &other.sha256));
    let e = verdict_refused(&c, &body).await;
    assert_eq!(e.body.code, "GW_FINGERPRINT_NOT_ENROLLED");
    // Signed by arm-02 but naming arm-01's certificate.
    let ch = challenge(&c).await;
    let body = signed_by(&other, verdict(&ch, &iin, &registered.sha256));
    let e = verdict_refused(&c, &body).await;
    assert_eq!(e.body.code, "GW_FINGERPRINT_INVALID");
    // A user with no enrolment at all gets the same answer as a wrong workstation.
    let p = at_second_factor(&env, PROSECUTOR).await;
    let ch = challenge(&p).await;
    let body = signed_by(
        &registered,
        verdict(&ch, &env.iin(PROSECUTOR), &registered.sha256),
    );
    let e = verdict_refused(&p, &body).await;
    assert_eq!(e.body.code, "GW_FINGERPRINT_NOT_ENROLLED");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_revoked_workstation_certificate_is_refused() {
    let env = Env::start().await;
    let ws = workstation(&env, "arm-01");
    enrol(&env, INVESTIGATOR, &ws);
    let serial = sio_sign::CertSummary::from_der(
        &sio_sign::pem_or_der_blocks(&std::fs::read(&ws.cert).unwrap(), "CERTIFICATE")[0],
    )
    .unwrap()
    .serial_hex;
    // The CRL's modification time must differ for the gateway to reload it.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    sio_pki::revoke(&env.pki.dir, &serial).unwrap();
    let iin = env.iin(INVESTIGATOR);
    let mut last = String::new();
    for _ in 0..20 {
        let c = at_second_factor(&env, INVESTIGATOR).await;
        let ch = challenge(&c).await;
        let body = signed_by(&ws, verdict(&ch, &iin, &ws.sha256));
        match c.post::<SessionInfo>(paths::LOGIN_FINGERPRINT, &body).await {
            Err(e) => {
                last = e.body.code;
                break;
            }
            Ok(_) => tokio::time::sleep(Duration::from_millis(250)).await,
        }
    }
    assert_eq!(last, "SIGN_CERT_REVOKED");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_logged_in_user_cannot_enrol_themselves() {
    let env = Env::start().await;
    let c = env.active_client(INVESTIGATOR).await;
    let iin = env.iin(INVESTIGATOR);
    let doc = FingerprintEnrolmentDocument {
        doc: FingerprintEnrolmentDocType::V1,
        iin: iin.clone(),
        workstation: "arm-09".into(),
        device: "Virtual image device for debugging".into(),
        finger: Finger::RightIndexFinger,
        enrolled_at: astana_now(),
    };
    let u = env.user(INVESTIGATOR).clone();
    let e = c
        .post::<FingerprintEnrolment>(
            paths::FINGERPRINT_ENROLMENTS,
            &signed(doc, &[auth_pair(&u)]),
        )
        .await
        .unwrap_err();
    assert_eq!(e.body.code, "GW_FINGERPRINT_ENROL_FORBIDDEN");
    assert_eq!(e.status, reqwest::StatusCode::FORBIDDEN);
    // Whatever the body.
    let e = c
        .post_raw::<FingerprintEnrolment>(paths::FINGERPRINT_ENROLMENTS, b"{}".to_vec())
        .await
        .unwrap_err();
    assert_eq!(e.body.code, "GW_FINGERPRINT_ENROL_FORBIDDEN");
    let listed: Vec<FingerprintEnrolment> = c.get(paths::FINGERPRINT_ENROLMENTS).await.unwrap();
    assert!(listed.is_empty());
    assert!(env.admin().fingerprint_enrolments(&iin).unwrap().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_challenge_is_the_same_for_enrolled_and_unenrolled_users() {
    let env = Env::start().await;
    let ws = workstation(&env, "arm-01");
    enrol(&env, INVESTIGATOR, &ws);
    let enrolled = at_second_factor(&env, INVESTIGATOR).await;
    let unenrolled = at_second_factor(&env, PROSECUTOR).await;
    let raw = |c: &Client| {
        let r = c
            .http
            .post(format!("{}{}", c.base, paths::LOGIN_FINGERPRINT_CHALLENGE))
            .bearer_auth(c.token.clone().unwrap())
            .send();
        async move {
            let r = r.await.unwrap();
            let status = r.status();
            (status, r.json::<serde_json::Value>().await.unwrap())
        }
    };
    let (sa, a) = raw(&enrolled).await;
    let (sb, b) = raw(&unenrolled).await;
    assert_eq!(sa, reqwest::StatusCode::OK);
    assert_eq!(sa, sb);
    let keys = |v: &serde_json::Value| {
        v.as_object()
            .unwrap()
            .keys()
            .cloned()
            .collect::<Vec<String>>()
    };
    assert_eq!(keys(&a), keys(&b));
    assert_eq!(keys(&a), ["challenge_id", "expires_at", "nonce"]);
    for v in [&a, &b] {
        let text = v.to_string();
        assert!(
            !text.contains("arm-01") && !text.contains(&ws.sha256),
            "{text}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_helpdesk_cannot_register_a_personal_certificate_as_a_workstation() {
    let env = Env::start().await;
    let u = env.user(INVESTIGATOR).clone();
    let iin = env.iin(INVESTIGATOR);
    let e = enrol_cert(&env, &iin, &u.auth.cert_path).unwrap_err();
    assert_eq!(e.code(), "GW_FINGERPRINT_INVALID");
    // Nor for an unknown user, nor without saying who records it.
    let ws = workstation(&env, "arm-01");
    let pem = std::fs::read(&ws.cert).unwrap();
    let mut rec = helpdesk_enrolment("900101300106", &pem);
    assert_eq!(
        env.admin().enroll_fingerprint(&rec).unwrap_err().code(),
        "GW_UNKNOWN_USER"
    );
    rec.iin = &iin;
    rec.operator = " ";
    assert!(env.admin().enroll_fingerprint(&rec).is_err());
    assert!(env.admin().fingerprint_enrolments(&iin).unwrap().is_empty());
}

/// A workstation certificate of another CA (valid, for client authentication, no ИИН) is refused
/// at enrolment: the helpdesk records only certificates the gateway's CA issued and has not
/// revoked.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_workstation_certificate_of_another_ca_is_refused_at_enrolment() {
    let env = Env::start().await;
    let iin = env.iin(INVESTIGATOR);
    let other = tempfile::tempdir().unwrap();
    let other_pki =
        sio_pki::generate(&other.path().join("pki"), &sio_pki::PkiSpec::demo()).unwrap();
    let foreign = sio_pki::issue_workstation(&other_pki.dir, "arm-01").unwrap();
    let e = enrol_cert(&env, &iin, &foreign.cert_path).unwrap_err();
    assert_eq!(e.code(), "GW_FINGERPRINT_WORKSTATION_UNTRUSTED", "{e}");
    assert!(env.admin().fingerprint_enrolments(&iin).unwrap().is_empty());
    // A revoked workstation certificate of the gateway's own CA is refused alike.
    let ws = sio_pki::issue_workstation(&env.pki.dir, "arm-02").unwrap();
    let serial = sio_sign::CertSummary::from_der(&ws.cert_der)
        .unwrap()
        .serial_hex;
    sio_pki::revoke(&env.pki.dir, &serial).unwrap();
    let e = enrol_cert(&env, &iin, &ws.cert_path).unwrap_err();
    assert_eq!(e.code(), "GW_FINGERPRINT_WORKSTATION_UNTRUSTED", "{e}");
    assert!(env.admin().fingerprint_enrolments(&iin).unwrap().is_empty());
}
