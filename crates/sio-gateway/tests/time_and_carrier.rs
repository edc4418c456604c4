//! Attacks with a valid-looking certificate, over real mutual TLS (issue 16, items 3 and 6):
//! - an expired certificate whose holder backdates the CMS signingTime into its validity;
//! - a signingTime an hour away from the gateway's clock with a valid certificate;
//! - a key in a PEM file whose login document claims a hardware carrier.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::PathBuf;
use std::time::{Duration, SystemTime};

use common::*;
use serde::Serialize;
use serde_json::Value;
use sio_protocol::*;

const HOUR: Duration = Duration::from_secs(3600);
/// The expired certificates ended this long ago.
const BEFORE_EXPIRY: Duration = Duration::from_secs(600);
/// The backdated signingTime: inside the expired certificates' validity and the test CA's (which
/// starts an hour before it was made), so that checking validity at the signingTime accepts it.
const BACKDATED: Duration = Duration::from_secs(1800);

/// Detached CMS over the canonical bytes of `doc` by (cert, key), with the signingTime `at`.
fn signed_at<T: Serialize>(doc: T, cert: &PathBuf, key: &PathBuf, at: SystemTime) -> Value {
    let content = canonical_bytes(&doc).unwrap();
    let mut signer = sio_sign::soft::SoftwareSigner::from_pem(
        &std::fs::read_to_string(key).unwrap(),
        &std::fs::read(cert).unwrap(),
    )
    .unwrap();
    let options = sio_sign::SignOptions {
        signing_time: Some(at),
        ..sio_sign::SignOptions::default()
    };
    let cms = sio_sign::sign(&content, &mut [&mut signer], &options).unwrap();
    use base64::Engine as _;
    serde_json::json!({
        "document": doc,
        "cms": base64::engine::general_purpose::STANDARD.encode(cms),
    })
}

/// The investigator's identity again, with certificates that expired ten minutes ago (valid for
/// the year before): the test PKI issues them on demand.
fn expired_investigator(env: &Env) -> sio_pki::GeneratedUser {
    let mut spec = sio_pki::PkiSpec::demo().users.remove(INVESTIGATOR);
    spec.id = "investigator-expired".into();
    spec.key = sio_pki::KeyKind::EcdsaP256;
    spec.validity = Some(sio_pki::Validity::expired_since(
        SystemTime::now(),
        BEFORE_EXPIRY,
    ));
    sio_pki::issue_user(&env.pki.dir, &spec).unwrap()
}

/// A client whose TLS certificate is a workstation's (no ИИН): the gateway takes the user from
/// the signed login, and only the CMS check stands between an expired certificate and a session.
fn workstation_client(env: &Env, user: sio_pki::GeneratedUser) -> Client {
    let ws = sio_pki::issue_workstation(&env.pki.dir, "arm-time").unwrap();
    env.client_with_tls(&ws.cert_path, ws.key_path.as_ref().unwrap(), user)
}

/// Log in over `c`'s TLS certificate with a login document signed by `c.user`'s authentication
/// key, the CMS signingTime set to `at`.
async fn login_signed_at(c: &Client, at: SystemTime) -> Result<SessionInfo, Failure> {
    let ch: LoginChallenge = c.post_empty(paths::LOGIN_CHALLENGE).await?;
    let doc = c.login_doc(&ch, KeyCarrier::Hardware);
    let (cert, key) = auth_pair(&c.user);
    c.post(paths::LOGIN, &signed_at(doc, cert, key, at)).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_with_an_expired_certificate_over_the_workstation_certificate_is_refused() {
    let env = Env::start().await;
    let expired = expired_investigator(&env);
    let c = workstation_client(&env, expired);
    let now = SystemTime::now();

    // The attack: signingTime backdated into the certificate's validity.
    let e = login_signed_at(&c, now - BACKDATED).await.unwrap_err();
    assert_eq!(e.body.code, "GW_CLOCK_SKEW", "{:?}", e.body);
    assert_eq!(e.status, 400);
    // Signed "now" with it: the certificate is checked at the gateway's time.
    let e = login_signed_at(&c, now).await.unwrap_err();
    assert_eq!(e.body.code, "SIGN_CERT_EXPIRED", "{:?}", e.body);
    assert_eq!(e.status, 401);

    // The same path with the investigator's valid certificate opens a session: the refusals
    // above are the certificate's and the time's, not the workstation path's.
    let ok = workstation_client(&env, env.user(INVESTIGATOR).clone());
    let s = login_signed_at(&ok, SystemTime::now()).await.unwrap();
    assert_eq!(s.stage, SessionStage::SecondFactor);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_login_signing_time_an_hour_off_is_refused() {
    let env = Env::start().await;
    let mut c = env.client(INVESTIGATOR);
    for at in [SystemTime::now() - HOUR, SystemTime::now() + HOUR] {
        let e = login_signed_at(&c, at).await.unwrap_err();
        assert_eq!(e.body.code, "GW_CLOCK_SKEW", "{:?}", e.body);
    }
    // Not counted as failed logins (5 lock the account): the clock is wrong, not the key.
    for _ in 0..5 {
        let e = login_signed_at(&c, SystemTime::now() - HOUR)
            .await
            .unwrap_err();
        assert_eq!(e.body.code, "GW_CLOCK_SKEW");
    }
    c.login(KeyCarrier::Hardware).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_signed_with_an_expired_certificate_or_an_hour_off_are_refused() {
    let env = Env::start().await;
    let c = env.active_client(INVESTIGATOR).await;
    let iin = env.iin(INVESTIGATOR);
    let service = full_service_for(3, sio_core::Basis::Criminal);
    let expired = expired_investigator(&env);
    let (exp_cert, exp_key) = sign_pair(&expired);
    let valid = env.user(INVESTIGATOR).clone();
    let (cert, key) = sign_pair(&valid);
    let now = SystemTime::now();
    let submit = async |cert: &PathBuf, key: &PathBuf, at: SystemTime| {
        let doc = c.request_doc(&iin, 3, BasisKey::Criminal, service, criminal_case());
        c.post::<RequestStatus>(paths::REQUESTS, &signed_at(doc, cert, key, at))
            .await
    };

    // An expired signing certificate, signingTime backdated into its validity: the certificate is
    // judged at the gateway's clock.
    let e = submit(exp_cert, exp_key, now - BACKDATED)
        .await
        .unwrap_err();
    assert_eq!(e.body.code, "SIGN_CERT_EXPIRED", "{:?}", e.body);
    // The same certificate, signingTime now.
    let e = submit(exp_cert, exp_key, now).await.unwrap_err();
    assert_eq!(e.body.code, "SIGN_CERT_EXPIRED", "{:?}", e.body);
    // A valid certificate, signingTime an hour ago or ahead (the document's own signed_at is now).
    for at in [now - HOUR, now + HOUR] {
        let e = submit(cert, key, at).await.unwrap_err();
        assert_eq!(e.body.code, "GW_CLOCK_SKEW", "{:?}", e.body);
    }
    // Within the window it is accepted.
    let st = submit(cert, key, now - Duration::from_secs(60))
        .await
        .unwrap();
    assert_eq!(st.state, RequestState::Processing);
}

/// The outbox resends a stored request byte for byte after a lost answer, possibly long after it
/// was signed: the resend gets the stored status, not a clock refusal; a new request signed as
/// long ago is still refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stored_request_resent_after_the_window_gets_its_stored_status() {
    let env = Env::start().await;
    let c = env.active_client(INVESTIGATOR).await;
    let iin = env.iin(INVESTIGATOR);
    let service = full_service_for(3, sio_core::Basis::Criminal);
    let user = env.user(INVESTIGATOR).clone();
    let (cert, key) = sign_pair(&user);
    let window = Duration::from_secs(u64::from(CLOCK_WINDOW_SECONDS));
    // Signed just inside the window's far edge...
    let at = SystemTime::now() - window + Duration::from_secs(4);
    let doc_at = |at: SystemTime| {
        let mut doc = c.request_doc(&iin, 3, BasisKey::Criminal, service, criminal_case());
        doc.signed_at = chrono::DateTime::<chrono::Utc>::from(at).fixed_offset();
        doc
    };
    let body = signed_at(doc_at(at), cert, key, at);
    let first = c
        .post::<RequestStatus>(paths::REQUESTS, &body)
        .await
        .unwrap();
    // ...and resent once it has left it.
    tokio::time::sleep(Duration::from_secs(6)).await;
    let again = c
        .post::<RequestStatus>(paths::REQUESTS, &body)
        .await
        .unwrap();
    assert_eq!(again.request_id, first.request_id);
    let e = c
        .post::<RequestStatus>(paths::REQUESTS, &signed_at(doc_at(at), cert, key, at))
        .await
        .unwrap_err();
    assert_eq!(e.body.code, "GW_CLOCK_SKEW", "{:?}", e.body);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pem_key_claiming_a_hardware_carrier_is_refused_by_default() {
    // The default configuration: only the test PKI's hardware policy counts.
    let env = Env::start_with(|c| {
        c.hardware_carrier_policies = vec![sio_pki::HARDWARE_CARRIER_POLICY.into()];
    })
    .await;
    let mut c = env.client(INVESTIGATOR);
    let e = c.login(KeyCarrier::Hardware).await.unwrap_err();
    assert_eq!(e.body.code, "GW_CARRIER_NOT_HARDWARE", "{:?}", e.body);
    assert_eq!(e.status, 401);
    // Not counted towards the lockout: six attempts, then a card login still works.
    for _ in 0..5 {
        let e = c.login(KeyCarrier::Hardware).await.unwrap_err();
        assert_eq!(e.body.code, "GW_CARRIER_NOT_HARDWARE");
    }

    // The same public key certified as generated on a token (as `sio pki issue` does for a
    // card's key) logs in: the gateway decides on the CA's attestation, not the client's claim.
    let inv = env.user(INVESTIGATOR);
    let key_pem = std::fs::read_to_string(inv.auth.key_path.as_ref().unwrap()).unwrap();
    let spki = sio_pki::public_key_of(&key_pem).unwrap();
    let mut spec = sio_pki::PkiSpec::demo().users.remove(INVESTIGATOR);
    spec.id = "investigator-card".into();
    let card =
        sio_pki::issue_for_public_key(&env.pki.dir, &spki, &spec, sio_pki::Usage::Auth).unwrap();
    let mut card_user = inv.clone();
    card_user.auth = sio_pki::IssuedCert {
        key_path: inv.auth.key_path.clone(),
        ..card
    };
    let mut pem = std::fs::read(&card_user.auth.cert_path).unwrap();
    pem.extend(key_pem.as_bytes());
    let ca = reqwest::Certificate::from_pem(&std::fs::read(&env.pki.ca_cert).unwrap()).unwrap();
    let mut hw = Client {
        http: reqwest::Client::builder()
            .tls_certs_only([ca])
            .identity(reqwest::Identity::from_pem(&pem).unwrap())
            .no_proxy()
            .build()
            .unwrap(),
        base: env.base.clone(),
        token: None,
        user: card_user,
    };
    let s = hw.login(KeyCarrier::Hardware).await.unwrap();
    assert_eq!(s.stage, SessionStage::SecondFactor);
}
