//! The agent over its real socket, with a stand-in for fprintd.
#![allow(clippy::unwrap_used)]

use std::os::unix::fs::PermissionsExt as _;

use sio_biometrics::fingerprint::agent::AgentClient;
use sio_biometrics::fingerprint::{BoxFuture, FingerprintDevice, ScanType, Verification};

use super::*;

/// fprintd as far as the agent is concerned: every verification gives `verdict`.
struct FakeStack {
    verdict: Verdict,
}

fn device() -> FingerprintDevice {
    FingerprintDevice {
        id: "/net/reactivated/Fprint/Device/0".into(),
        name: "Fake reader".into(),
        scan_type: ScanType::Press,
        enroll_stages: 1,
    }
}

impl FingerprintStack for FakeStack {
    fn devices(&self) -> BoxFuture<'_, Result<Vec<FingerprintDevice>, FingerprintError>> {
        Box::pin(async { Ok(vec![device()]) })
    }
    fn device<'a>(
        &'a self,
        _device: Option<&'a str>,
    ) -> BoxFuture<'a, Result<FingerprintDevice, FingerprintError>> {
        Box::pin(async { Ok(device()) })
    }
    fn enrolled<'a>(
        &'a self,
        _target: Target<'a>,
    ) -> BoxFuture<'a, Result<Vec<Finger>, FingerprintError>> {
        Box::pin(async { Ok(vec![Finger::RightIndex]) })
    }
    fn enroll<'a>(
        &'a self,
        _target: Target<'a>,
        _finger: Finger,
        on_event: sio_biometrics::fingerprint::OnEvent<'a>,
        _timeout: Duration,
    ) -> BoxFuture<'a, Result<FingerprintDevice, FingerprintError>> {
        Box::pin(async move {
            on_event(ScanEvent::Ready);
            Ok(device())
        })
    }
    fn verify<'a>(
        &'a self,
        _target: Target<'a>,
        on_event: sio_biometrics::fingerprint::OnEvent<'a>,
        _timeout: Duration,
    ) -> BoxFuture<'a, Result<Verification, FingerprintError>> {
        Box::pin(async move {
            on_event(ScanEvent::Ready);
            Ok(Verification {
                verdict: self.verdict,
                finger: Some(Finger::RightIndex),
                device: device(),
            })
        })
    }
    fn delete_enrolled<'a>(
        &'a self,
        _target: Target<'a>,
    ) -> BoxFuture<'a, Result<(), FingerprintError>> {
        Box::pin(async { Ok(()) })
    }
    fn workstation_id(&self) -> Result<String, FingerprintError> {
        Ok("ws-test".into())
    }
}

struct Setup {
    dir: tempfile::TempDir,
    config: Config,
}

fn setup() -> Setup {
    let dir = tempfile::tempdir().unwrap();
    let pki = dir.path().join("pki");
    sio_pki::generate(&pki, &sio_pki::PkiSpec::demo()).unwrap();
    let ws = sio_pki::issue_workstation(&pki, "arm-test-01").unwrap();
    let mut config = Config::new();
    config.socket = dir.path().join("run/fingerprint.sock");
    config.certificate = ws.cert_path;
    config.key = ws.key_path.unwrap();
    Setup { dir, config }
}

#[test]
fn a_key_other_accounts_can_read_is_refused() {
    let s = setup();
    std::fs::set_permissions(&s.config.key, std::fs::Permissions::from_mode(0o640)).unwrap();
    let e = Agent::with_stack(
        &s.config,
        Box::new(FakeStack {
            verdict: Verdict::Match,
        }),
    )
    .err()
    .unwrap();
    assert_eq!(e.code(), "BIO_FP_AGENT_CONFIG");
    assert!(e.to_string().contains("0600"), "{e}");
    // A link to the key is refused too.
    std::fs::set_permissions(&s.config.key, std::fs::Permissions::from_mode(0o600)).unwrap();
    let link = s.dir.path().join("link.pem");
    std::os::unix::fs::symlink(&s.config.key, &link).unwrap();
    let mut c = s.config.clone();
    c.key = link;
    assert!(
        Agent::with_stack(
            &c,
            Box::new(FakeStack {
                verdict: Verdict::Match
            })
        )
        .is_err()
    );
}

#[test]
fn a_personal_certificate_is_not_a_workstation() {
    let s = setup();
    let pki = s.dir.path().join("pki");
    let mut c = s.config.clone();
    let user = std::fs::read_dir(pki.join(sio_pki::paths::USERS))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .find(|p| p.to_string_lossy().ends_with(".auth.cert.pem"))
        .unwrap();
    c.key = PathBuf::from(user.to_string_lossy().replace(".cert.pem", ".key.pem"));
    c.certificate = user;
    let e = Agent::with_stack(
        &c,
        Box::new(FakeStack {
            verdict: Verdict::Match,
        }),
    )
    .err()
    .unwrap();
    assert!(e.to_string().contains("ИИН"), "{e}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verify_signs_the_challenge_with_the_workstation_key_and_enrolment_is_the_helpdesks() {
    let mut s = setup();
    s.config.helpdesk_uids = vec![4_000_000];
    let agent = Arc::new(
        Agent::with_stack(
            &s.config,
            Box::new(FakeStack {
                verdict: Verdict::Match,
            }),
        )
        .unwrap(),
    );
    let listener = Agent::bind(&s.config.socket).unwrap();
    let mode = std::fs::metadata(&s.config.socket)
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o666);
    let task = tokio::spawn(agent.clone().serve(listener));
    let client = AgentClient::new(&s.config.socket);

    let info = client.info().await.unwrap();
    assert_eq!(info.name, "arm-test-01");
    assert_eq!(&info, agent.workstation());

    let id = uuid::Uuid::new_v4().to_string();
    let events = std::sync::Mutex::new(Vec::new());
    let on = |e: ScanEvent| events.lock().unwrap().push(e);
    let v = client
        .verify(&id, "bm9uY2U=", "850415300121", &on, Duration::from_secs(5))
        .await
        .unwrap();
    assert_eq!(v.verdict, Verdict::Match);
    assert_eq!(events.lock().unwrap().as_slice(), &[ScanEvent::Ready]);
    let signed: Signed<FingerprintVerdictDocument> = serde_json::from_value(v.signed).unwrap();
    assert_eq!(signed.document.challenge_id.to_string(), id);
    assert_eq!(signed.document.iin, "850415300121");
    assert_eq!(
        signed.document.workstation_certificate,
        info.certificate_sha256
    );
    use base64::Engine as _;
    let cms = base64::engine::general_purpose::STANDARD
        .decode(&signed.cms)
        .unwrap();
    let ca = std::fs::read(s.dir.path().join("pki").join(sio_pki::paths::CA_CERT)).unwrap();
    let sigs = sio_sign::Verifier::from_pem(&ca)
        .unwrap()
        .verify(
            &cms,
            Some(&Signed::canonical_bytes(&signed.document).unwrap()),
        )
        .unwrap();
    assert_eq!(sigs.len(), 1);
    assert_eq!(
        hex::encode(ring::digest::digest(
            &ring::digest::SHA256,
            &sigs[0].certificate_der
        )),
        info.certificate_sha256
    );

    // Bad input is refused with a code, not a panic.
    let e = client
        .verify(
            "not-a-uuid",
            "bm9uY2U=",
            "850415300121",
            &|_| {},
            Duration::from_secs(5),
        )
        .await
        .unwrap_err();
    assert_eq!(e.code(), "BIO_FP_PROTOCOL");
    let e = client
        .verify(
            &id,
            "bm9uY2U=",
            "8504153001",
            &|_| {},
            Duration::from_secs(5),
        )
        .await
        .unwrap_err();
    assert_eq!(e.code(), "BIO_FP_PROTOCOL");

    // This account (root in the tests) is not among the helpdesk's here: no enrolment, no deletion.
    let e = client
        .enroll(
            "850415300121",
            Finger::RightIndex,
            None,
            &|_| {},
            Duration::from_secs(10),
        )
        .await
        .unwrap_err();
    assert_eq!(e.code(), "BIO_FP_AGENT_FORBIDDEN");
    let e = client.delete("850415300121").await.unwrap_err();
    assert_eq!(e.code(), "BIO_FP_AGENT_FORBIDDEN");
    task.abort();
}
