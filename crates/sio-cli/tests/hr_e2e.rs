//! HR applications end to end: the head (an HR officer) logs in with the card, files the
//! dismissal of the investigator signed by the investigator and co-signed by the head on the card,
//! and the gateway blocks the account at once; a transfer waits for the operator's approval.
#![allow(clippy::unwrap_used)] // test helpers outside #[test] fns

mod support;

use chrono::Utc;
use sio_client::hr;
use sio_protocol::{ApplicationAction, ApplicationDocument, ApplicationState, BlockingReason};
use sio_sign::soft::SoftwareSigner;
use sio_token::{Pin, PivSlot};
use support::{HEAD, IIN, PIN, World, active_session, card_key, channel, ivanov_application};

fn application(action: ApplicationAction, reason: Option<BlockingReason>) -> ApplicationDocument {
    let now = sio_core::time::to_astana(Utc::now()).fixed_offset();
    ivanov_application(action, reason, now - chrono::Duration::hours(2), now)
}

/// The investigator's own signing key (from the test PKI: the applicant signs at their desk).
fn applicant_signer(world: &World) -> SoftwareSigner {
    let cert = world.pki.join("users/investigator.sign.cert.pem");
    let key = world.pki.join("users/investigator.sign.key.pem");
    let der = sio_sign::pem_or_der_blocks(&std::fs::read(cert).unwrap(), "CERTIFICATE").remove(0);
    SoftwareSigner::from_pem(&std::fs::read_to_string(key).unwrap(), &der).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dismissal_blocks_at_once_and_a_transfer_waits_for_approval() {
    let world = World::up_as(HEAD, |_| {});
    let key = card_key();
    let ch = channel(&world.url, &world.pki.join(sio_pki::paths::CA_CERT), &key);
    let s = active_session(&world.data, HEAD.iin, &key, &ch).await;

    let doc = application(ApplicationAction::Blocking, Some(BlockingReason::Dismissal));
    let due = hr::due(&doc).unwrap();
    assert!(due > Utc::now(), "filed within the 24 hours");
    let mut head = key
        .pin_always_signer(PivSlot::Signature, Pin::new(PIN.into()).unwrap())
        .unwrap();
    let signed = hr::sign(doc, &mut applicant_signer(&world), &mut head).unwrap();
    let status = hr::submit(&ch, &s, &signed).await.unwrap();
    assert_eq!(
        status.state,
        ApplicationState::Done,
        "a block takes effect at once"
    );
    assert!(!status.late);
    let users = world.admin().users().unwrap();
    let inv = users.iter().find(|u| u.iin == IIN).unwrap();
    assert_eq!(inv.state, "blocked");

    let doc = application(ApplicationAction::Transfer, None);
    let mut head = key
        .pin_always_signer(PivSlot::Signature, Pin::new(PIN.into()).unwrap())
        .unwrap();
    let signed = hr::sign(doc, &mut applicant_signer(&world), &mut head).unwrap();
    let status = hr::submit(&ch, &s, &signed).await.unwrap();
    assert_eq!(
        status.state,
        ApplicationState::Pending,
        "a transfer waits for the operator"
    );
    // Resending the same signed application is idempotent.
    let again = hr::submit(&ch, &s, &signed).await.unwrap();
    assert_eq!(again.application_id, status.application_id);
}

/// The head (a supervisor with report access) asks on their own wanted-person case, attaches the
/// result to the case materials (signed file + signed notice to the gateway), and sees the request
/// in the body's report, exported as CSV.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn export_to_case_materials_and_the_bodys_report() {
    use std::sync::Arc;

    use sio_client::{reports, requests};
    use sio_vault::{Actor, Journal, KeyStore, MemoryKeyStore, Principal, Vault, VaultConfig};

    let world = World::up_as(HEAD, |_| {});
    let key = card_key();
    let ch = channel(&world.url, &world.pki.join(sio_pki::paths::CA_CERT), &key);
    let s = active_session(&world.data, HEAD.iin, &key, &ch).await;

    let spec: sio_core::RequestSpec = serde_json::from_str(
        r#"{"role":18,"basis":"wanted","case":{"kind":"wanted","number":"РД-2025-0007"},
            "subject":{"kind":"individual","id":"900101300106"},"service":1}"#,
    )
    .unwrap();
    let doc = requests::compose(&spec, HEAD.iin).unwrap();
    let id = doc.request_id;
    let mut signer = key
        .pin_always_signer(PivSlot::Signature, Pin::new(PIN.into()).unwrap())
        .unwrap();
    let signed = requests::sign(doc, &mut signer).unwrap();
    requests::submit(&ch, &s, &signed).await.unwrap();
    let delivery =
        requests::wait_for_result(&ch, &s, id, std::time::Duration::from_secs(30), |_, _| {})
            .await
            .unwrap();

    // This test's vault keeps its key in memory: the OS keyring path is tested in requests_e2e.
    let dir = tempfile::tempdir().unwrap();
    let keys: Arc<dyn KeyStore> = Arc::new(MemoryKeyStore::new());
    let journal_path = dir.path().join("audit.jsonl");
    let actor = Actor {
        principal: Principal::User(sio_core::Iin::parse(HEAD.iin).unwrap()),
        workstation: "WS-TEST-02".into(),
        ip: None,
    };
    let vault = Vault::open(
        &dir.path().join("vault"),
        keys,
        Journal::open(&journal_path, None).unwrap(),
        actor,
        VaultConfig::default(),
    )
    .unwrap();
    let rid = requests::receive(&vault, delivery).unwrap();
    let viewed = vault.view(rid).unwrap();
    let dest = dir.path().join("case-materials-РД-2025-0007.json");
    let mut file_signer = key
        .pin_always_signer(PivSlot::Signature, Pin::new(PIN.into()).unwrap())
        .unwrap();
    let mut notice_signer = key
        .pin_always_signer(PivSlot::Signature, Pin::new(PIN.into()).unwrap())
        .unwrap();
    let (local, receipt) = requests::attach_to_case(
        &ch,
        &s,
        &viewed,
        id,
        &dest,
        "Приобщение к материалам розыскного дела",
        &mut file_signer,
        &mut notice_signer,
    )
    .await
    .unwrap();
    assert_eq!(receipt.request_id, id);
    assert!(local.path.exists() && local.signature_path.exists());
    // The attached copy verifies with OpenSSL against the test CA.
    let out = std::process::Command::new("openssl")
        .args([
            "cms",
            "-verify",
            "-binary",
            "-inform",
            "DER",
            "-purpose",
            "any",
            "-out",
            "/dev/null",
        ])
        .arg("-in")
        .arg(&local.signature_path)
        .arg("-content")
        .arg(&local.path)
        .arg("-CAfile")
        .arg(world.pki.join(sio_pki::paths::CA_CERT))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    viewed.close().unwrap();
    let exports = sio_vault::exports(&journal_path, None).unwrap();
    assert_eq!(exports.len(), 1);

    let today = sio_core::time::to_astana(Utc::now()).date_naive();
    let report = reports::fetch(&ch, &s, today, today).await.unwrap();
    assert!(report.rows.iter().any(|r| r.request_id == id), "{report:?}");
    let csv = reports::to_csv(
        &report,
        &reports::Filter {
            user_iin: Some(HEAD.iin.into()),
            ..Default::default()
        },
    );
    assert!(
        csv.contains(&id.to_string()) && csv.contains("РД-2025-0007"),
        "{csv}"
    );
}

/// The head's signing key from the test PKI (the head co-signs at their own desk).
fn head_signer(world: &World) -> SoftwareSigner {
    let cert = world.pki.join("users/head.sign.cert.pem");
    let key = world.pki.join("users/head.sign.key.pem");
    let der = sio_sign::pem_or_der_blocks(&std::fs::read(cert).unwrap(), "CERTIFICATE").remove(0);
    SoftwareSigner::from_pem(&std::fs::read_to_string(key).unwrap(), &der).unwrap()
}

/// `sio gateway admin --data DATA …`; returns (success, stdout, stderr).
fn admin_cli(world: &World, args: &[&str]) -> (bool, String, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_sio"))
        .args(["gateway", "admin", "--data"])
        .arg(&world.data)
        .args(args)
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The investigator (no HR rights) files their own transfer from the card, co-signed by the head
/// of the body (rule 14 as of Order 88/2024); the operator sees the person's body, role and phone
/// from the records, approves it, and the HR/reports rights granted before are reset. The
/// operator's commands (head, heads, rights, approve, block, unblock) are journaled.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn own_transfer_from_the_card_and_the_operator_commands() {
    let world = World::up();
    let key = card_key();
    let ch = channel(&world.url, &world.pki.join(sio_pki::paths::CA_CERT), &key);
    let (ok, _, err) = admin_cli(
        &world,
        &[
            "rights",
            "--iin",
            IIN,
            "--hr",
            "--reports",
            "--by",
            "op-e2e",
        ],
    );
    assert!(ok, "{err}");
    let s = active_session(&world.data, IIN, &key, &ch).await;

    let doc = application(ApplicationAction::Transfer, None);
    let id = doc.application_id.to_string();
    let mut me = key
        .pin_always_signer(PivSlot::Signature, Pin::new(PIN.into()).unwrap())
        .unwrap();
    let signed = hr::sign_own_transfer(doc, &mut me, &mut head_signer(&world)).unwrap();
    let status = hr::submit(&ch, &s, &signed).await.unwrap();
    assert_eq!(status.state, ApplicationState::Pending);

    let (ok, out, err) = admin_cli(&world, &["applications"]);
    assert!(ok, "{err}");
    let rows: serde_json::Value = serde_json::from_str(&out).unwrap();
    let row = rows
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["application_id"] == id.as_str())
        .unwrap();
    assert_eq!(row["submitted_by"], IIN);
    assert_eq!(row["target_organisation_bin"], "040340001233");
    assert_eq!(row["target_role"], 3);
    assert_eq!(row["target_mobile"], "+77010000001");

    let (ok, _, err) = admin_cli(&world, &["approve", &id, "--by", "op-e2e"]);
    assert!(ok, "{err}");
    let users = world.admin().users().unwrap();
    let me = users.iter().find(|u| u.iin == IIN).unwrap();
    assert_eq!(
        (me.hr, me.reports),
        (false, false),
        "a transfer resets the rights"
    );

    // Heads: marked, listed, removed.
    let (ok, _, err) = admin_cli(
        &world,
        &[
            "head",
            "--iin",
            IIN,
            "--org",
            "040340001233",
            "--name",
            "ИВАНОВ АЛЕКСЕЙ",
            "--by",
            "op-e2e",
        ],
    );
    assert!(ok, "{err}");
    let (ok, out, _) = admin_cli(&world, &["heads"]);
    assert!(ok && out.contains(IIN), "{out}");
    let (ok, _, err) = admin_cli(
        &world,
        &[
            "head",
            "--iin",
            IIN,
            "--org",
            "040340001233",
            "--remove",
            "--by",
            "op-e2e",
        ],
    );
    assert!(ok, "{err}");

    // Block and unblock.
    let (ok, _, err) = admin_cli(&world, &["block", IIN, "--by", "op-e2e"]);
    assert!(ok, "{err}");
    let (ok, _, err) = admin_cli(&world, &["unblock", "--iin", IIN, "--by", "op-e2e"]);
    assert!(ok, "{err}");
    let (ok, _, err) = admin_cli(&world, &["unblock", "--iin", IIN, "--by", "op-e2e"]);
    assert!(!ok && err.contains("GW_ACCOUNT_NOT_BLOCKED"), "{err}");
    assert_eq!(
        world
            .admin()
            .users()
            .unwrap()
            .iter()
            .find(|u| u.iin == IIN)
            .unwrap()
            .state,
        "registered"
    );
    let journal = world.admin().journal(100).unwrap();
    for op in [
        format!("rights {IIN} hr=true reports=true"),
        format!("approve {id}"),
        format!("mark head {IIN} of 040340001233"),
        format!("unmark head {IIN} of 040340001233"),
        format!("block {IIN}"),
        format!("unblock {IIN}"),
    ] {
        assert!(
            journal
                .iter()
                .any(|j| j.operation == op && j.user == "op-e2e"),
            "{op} journaled: {journal:?}"
        );
    }
}
