//! Soak (issue 20): many officers' days against the reference gateway, with the gateway killed
//! (SIGKILL) and started again on the same database and port in the middle.
//!
//! The gateway is `sio gateway run` as its own process over mutual TLS. Every officer is a real
//! client of sio-client — its own data directory with the stores the app and `sio` open
//! (`sio_client::stores`: vault, anchored journal, outbox), its own TLS identity and signing key:
//! log in (signed challenge, SMS code from the gateway's outbox, consent signed on the first
//! login), sign requests and send them through the outbox (a failure leaves them there and the
//! next send resends them under the same id), wait for each result, store it in the vault, view
//! it and close it (shred), then file an HR application (blocking for a long absence, signed by
//! the officer alone) and log out.
//!
//! Software keys: 200 physical cards are not at hand, so the officers' keys are PEM files made by
//! the test PKI, certified as keys on a token (`sio_pki::issue_for_public_key`, the hardware
//! carrier's policy — what a registration officer attests for a card's key), so that the client
//! (rule 18) and the gateway (default configuration) take them as they take a card's (the
//! `Attested` signer states the carrier its certificate names). No officer uses the virtual card
//! here (one card, one reader, one PIN session at a time). The card
//! path is covered by the card's fault tests (`faults_card.rs`) and the end-to-end tests.
//! The stores' keys are in a `MemoryKeyStore` per officer (the kernel keyring would hold 600
//! entries); the journals are checked with `sio_vault::verify_anchored` and `MacCheck::Require`,
//! the function `sio audit verify` runs.
//!
//! Size: `SIO_SOAK_OFFICERS` (default 200) × `SIO_SOAK_REQUESTS` (default 10): the full day, in
//! about two minutes of a debug build on 2 cores (docs/TESTING.md has the figures). The gateway
//! is killed once 2/5 of the days are over, at a moment when at least two officers' outboxes are
//! being sent, and is down for 2 s (longer than the channel's own retries).
//!
//! Asserted: every request signed by an officer is filed at the gateway exactly once under its
//! id, and its result reached that officer's vault once; each was viewed and shredded, no vault
//! holds a result at the end and no data directory holds a result's text; every journal verifies
//! (hash chain, MACs, anchored head) and records one store, one view and one shred per request;
//! the gateway's database passes its own check (a backup: schema and `integrity_check`); each
//! officer's application is filed once; the gateway's RSS after warm-up grows less than a
//! generous bound in each of its two lives (figures printed).
#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers outside #[test] fns

mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use sio_client::outbox::OutboxStatus;
use sio_client::requests;
use sio_client::session::{self, Session};
use sio_client::{Channel, ChannelConfig, ClientIdentity};
use sio_core::{Basis, RequestSpec};
use sio_gateway::admin::{Admin, NewUser};
use sio_pki::{KeyKind, PkiSpec, Usage, UserSpec};
use sio_protocol::{ApplicationAction, BlockingReason, Secret, SessionStage};
use sio_sign::soft::SoftwareSigner;
use sio_vault::{
    Actor, JournalKeys, KeyStore, MacCheck, MemoryKeyStore, Principal, verify_anchored,
};
use support::{GatewayProcess, GatewayRun, contains, files_under, free_port};

const POLICE_BIN: &str = "040340001233";
const POLICE: &str = "ДЕПАРТАМЕНТ ПОЛИЦИИ ГОРОДА АСТАНЫ (TEST)";
const ERDR: &str = "241500031000123";
/// Officers working at the same time (their days overlap; the gateway serves them all).
const CONCURRENT: usize = 24;
/// How long an officer keeps trying one step while the gateway is away.
const STEP_PATIENCE: Duration = Duration::from_secs(90);

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// `n` valid ИИНs (check digit), born 1 Jan 1985, serials from 5000.
fn iins(n: usize) -> Vec<String> {
    let mut out = Vec::new();
    let mut serial = 5000u32;
    while out.len() < n {
        let mut d = [8u8, 5, 0, 1, 0, 1, 3, 0, 0, 0, 0];
        for (i, c) in format!("{serial:04}").bytes().enumerate() {
            d[7 + i] = c - b'0';
        }
        serial += 1;
        if let Some(check) = sio_core::iin::check_digit(&d) {
            let s: String = d.iter().map(|x| char::from(b'0' + x)).collect();
            out.push(format!("{s}{check}"));
        }
    }
    out
}

struct Officer {
    n: usize,
    iin: String,
    surname: String,
    given: String,
    auth_cert: Vec<u8>,
    auth_key: Vec<u8>,
    sign_cert: Vec<u8>,
    sign_key: String,
    dir: PathBuf,
}

/// What one officer's day left, for the checks at the end.
#[derive(Default)]
struct Day {
    /// The request ids signed.
    signed: Vec<uuid::Uuid>,
    /// How many results were stored in the vault, per request id.
    stored: BTreeMap<uuid::Uuid, usize>,
    /// Results viewed and closed with slot erased and data removed.
    shredded: usize,
    /// The longest cell of each result (scanned for on disk at the end).
    markers: Vec<String>,
    /// Sends of a request that had already left once (after a failure).
    resends: usize,
    /// Logins (more than one: the session did not survive the restart).
    logins: usize,
    application: Option<uuid::Uuid>,
}

struct Shared {
    data: PathBuf,
    url: String,
    ca_pem: Vec<u8>,
    requests: usize,
    /// Failure codes met on the way (the gateway away, sessions), counted.
    faults: Mutex<BTreeMap<String, usize>>,
    done: AtomicUsize,
    /// Officers whose outbox is being sent right now.
    sending: AtomicUsize,
}

impl Shared {
    fn fault(&self, code: &str, message: &str) {
        let mut faults = self.faults.lock().unwrap();
        let n = faults.entry(code.into()).or_default();
        if *n == 0 {
            eprintln!("soak: first {code}: {message}");
        }
        *n += 1;
    }
}

/// Retry `step` while it fails (the gateway away), up to [`STEP_PATIENCE`].
async fn patiently<T, E: std::fmt::Display, F: std::future::Future<Output = Result<T, E>>>(
    shared: &Shared,
    what: &str,
    code: impl Fn(&E) -> String,
    mut step: impl FnMut() -> F,
) -> T {
    let start = Instant::now();
    loop {
        match step().await {
            Ok(v) => return v,
            Err(e) => {
                shared.fault(&code(&e), &e.to_string());
                assert!(
                    transient(&code(&e)) && start.elapsed() < STEP_PATIENCE,
                    "{what}: still failing after {STEP_PATIENCE:?}: {} {e}",
                    code(&e)
                );
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        }
    }
}

async fn sms_code(data: &Path, iin: &str, previous: Option<String>) -> String {
    let start = Instant::now();
    loop {
        let latest = Admin::open(data).unwrap().latest_sms_code(iin).unwrap();
        if let Some(code) = latest.filter(|c| Some(c) != previous.as_ref()) {
            return code;
        }
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "no SMS code for {iin}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Log in fully: signed challenge, SMS code, consent on the first login.
async fn log_in(
    shared: &Shared,
    o: &Officer,
    ch: &Channel,
    auth: &mut Attested,
    signing: &mut Attested,
) -> Result<Session, sio_client::ClientError> {
    let mut s = session::log_in(ch, auth).await?;
    if s.stage() == SessionStage::SecondFactor {
        let previous = Admin::open(&shared.data)
            .unwrap()
            .latest_sms_code(&o.iin)
            .unwrap();
        s.request_sms(ch).await?;
        let code = sms_code(&shared.data, &o.iin, previous).await;
        s.verify_sms(ch, Secret::new(code)).await?;
    }
    if s.stage() == SessionStage::Consent {
        let text = s.consent_text(ch).await?;
        let signed = session::sign_consent(&text, &o.iin, signing)?;
        s.submit_consent(ch, &signed).await?;
    }
    assert_eq!(s.stage(), SessionStage::Active, "officer {}", o.n);
    Ok(s)
}

/// [`log_in`] again while it fails (the gateway away), up to [`STEP_PATIENCE`].
async fn login_patiently(
    shared: &Shared,
    o: &Officer,
    ch: &Channel,
    auth: &mut Attested,
    signing: &mut Attested,
) -> Session {
    let start = Instant::now();
    loop {
        match log_in(shared, o, ch, auth, signing).await {
            Ok(s) => return s,
            Err(e) => {
                shared.fault(e.code(), &e.to_string());
                assert!(
                    transient(e.code()) && start.elapsed() < STEP_PATIENCE,
                    "officer {}: login failing: {} {e}",
                    o.n,
                    e.code()
                );
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        }
    }
}

/// A PEM key whose certificate attests a token (see the module's documentation): it signs with
/// the software key and states the carrier its certificate names, as the gateway's own tests
/// do (`KeyCarrier::Hardware` with the test PKI's key files). TEST-ONLY.
struct Attested(SoftwareSigner);

impl sio_sign::Signer for Attested {
    fn certificate_der(&self) -> &[u8] {
        self.0.certificate_der()
    }
    fn algorithm(&self) -> sio_sign::SignatureAlgorithm {
        self.0.algorithm()
    }
    fn carrier(&self) -> sio_sign::Carrier {
        sio_sign::Carrier::Hardware
    }
    fn sign(&mut self, message: &[u8]) -> Result<Vec<u8>, sio_sign::SignerError> {
        self.0.sign(message)
    }
}

fn spec(subject: &str) -> RequestSpec {
    serde_json::from_str(&format!(
        r#"{{"role":3,"basis":"criminal","case":{{"kind":"criminal_case","erdr":"{ERDR}"}},
            "subject":{{"kind":"individual","id":"{subject}"}},"service":1}}"#
    ))
    .unwrap()
}

/// Whether a failure may pass by trying again: the gateway away (the channel's codes), or the
/// session gone with it.
fn transient(code: &str) -> bool {
    matches!(
        code,
        "CLIENT_UNREACHABLE" | "CLIENT_TLS" | "CLIENT_TIMEOUT" | "CLIENT_BAD_RESPONSE"
    ) || session_lost(code)
}

/// Whether a failure means the session is gone (log in again) rather than the gateway away.
fn session_lost(code: &str) -> bool {
    code.starts_with("GW_SESSION") || code == "GW_UNAUTHENTICATED" || code == "GW_AUTH_REQUIRED"
}

async fn day(shared: Arc<Shared>, o: Officer) -> Day {
    let mut d = Day::default();
    let keys: Arc<dyn KeyStore> = Arc::new(MemoryKeyStore::new());
    let actor = Actor {
        principal: Principal::User(sio_core::Iin::parse(&o.iin).unwrap()),
        workstation: format!("WS-SOAK-{:03}", o.n),
        ip: None,
    };
    let stores =
        sio_client::stores::open(&o.dir, keys.clone(), actor, chrono::Duration::minutes(30))
            .unwrap();
    let ch = Channel::new(
        &ChannelConfig {
            base_url: shared.url.clone(),
            ca_pem: shared.ca_pem.clone(),
            timeout: Duration::from_secs(30),
        },
        &ClientIdentity::from_pem(&o.auth_cert, &o.auth_key).unwrap(),
    )
    .unwrap();
    let mut auth = Attested(
        SoftwareSigner::from_pem(std::str::from_utf8(&o.auth_key).unwrap(), &o.auth_cert).unwrap(),
    );
    let mut signing = Attested(SoftwareSigner::from_pem(&o.sign_key, &o.sign_cert).unwrap());

    let mut s = login_patiently(&shared, &o, &ch, &mut auth, &mut signing).await;
    d.logins += 1;

    // Sign every request, queue it, send the outbox until each is accepted.
    for k in 0..shared.requests {
        let subject = ["900101300106", "850415300121", "780302300344"][k % 3];
        let doc = requests::compose(&spec(subject), &o.iin).unwrap();
        let signed = requests::sign(doc, &mut signing).unwrap();
        let id = stores.outbox.enqueue(&signed).unwrap();
        d.signed.push(id);
        let start = Instant::now();
        let mut attempts = 0;
        loop {
            attempts += 1;
            shared.sending.fetch_add(1, Ordering::SeqCst);
            let out = stores.outbox.flush(&ch, &s).await;
            shared.sending.fetch_sub(1, Ordering::SeqCst);
            let out = out.unwrap();
            let mut relogin = false;
            let mut pending = false;
            for (_, outcome) in out {
                match outcome {
                    Ok(OutboxStatus::Accepted | OutboxStatus::ResultReady) => {}
                    Ok(other) => panic!("officer {}: request refused: {other:?}", o.n),
                    Err(e) => {
                        shared.fault(e.code(), &e.to_string());
                        assert!(transient(e.code()), "officer {}: {} {e}", o.n, e.code());
                        relogin |= session_lost(e.code());
                        pending = true;
                    }
                }
            }
            if !pending {
                break;
            }
            d.resends += 1;
            assert!(
                start.elapsed() < STEP_PATIENCE,
                "officer {}: the outbox still does not go after {attempts} sends",
                o.n
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
            if relogin {
                s = login_patiently(&shared, &o, &ch, &mut auth, &mut signing).await;
                d.logins += 1;
            }
        }
    }

    // Each result: wait, store, view, close (shred); then the outbox forgets the request.
    for id in d.signed.clone() {
        let delivery = patiently(
            &shared,
            "result",
            |e: &requests::RequestError| e.code().to_owned(),
            || requests::wait_for_result(&ch, &s, id, Duration::from_secs(30), |_, _| {}),
        )
        .await;
        assert_eq!(delivery.request_id, id);
        let marker = delivery
            .table
            .rows
            .iter()
            .flatten()
            .max_by_key(|c| c.len())
            .cloned()
            .unwrap_or_default();
        let rid = requests::receive(&stores.vault, delivery).unwrap();
        *d.stored.entry(id).or_default() += 1;
        let viewed = stores.vault.view(rid).unwrap();
        if marker.len() >= 8 {
            assert!(contains(viewed.plaintext(), marker.as_bytes()));
            d.markers.push(marker);
        }
        let report = viewed.close().unwrap();
        assert!(report.slot_erased && report.data_removed, "{report:?}");
        d.shredded += 1;
        stores.outbox.remove(id).unwrap();
    }

    // The HR application: blocking for a long absence, the officer alone signs (consent §11.2,
    // Appendix 6 as of Order 88/2024). Last: it blocks the account.
    let now = sio_core::time::to_astana(chrono::Utc::now()).fixed_offset();
    let mut doc = support::ivanov_application(
        ApplicationAction::Blocking,
        Some(BlockingReason::LongAbsence),
        now,
        now,
    );
    doc.applicant.iin = o.iin.clone();
    doc.applicant.full_name = format!("{} {}", o.surname, o.given);
    doc.contacts.email = format!("officer{}@example.invalid", o.n);
    let signed = sio_client::hr::sign_self_block(doc, &mut signing).unwrap();
    d.application = Some(signed.document.application_id);
    // Resent under its id while the gateway is away. Finding: when the first sending was filed
    // but its answer lost in the kill, the resend (the channel's own retry or ours) meets the
    // account the application just blocked (`GW_ACCOUNT_BLOCKED`) instead of the
    // application's status; the database is checked below for the application, filed once.
    let start = Instant::now();
    loop {
        match sio_client::hr::submit(&ch, &s, &signed).await {
            Ok(st) => {
                assert_eq!(Some(st.application_id), d.application);
                break;
            }
            Err(e) if e.code() == "GW_ACCOUNT_BLOCKED" => {
                shared.fault("application resent after it blocked the account", "");
                break;
            }
            Err(e) => {
                shared.fault(e.code(), &e.to_string());
                assert!(
                    transient(e.code()) && start.elapsed() < STEP_PATIENCE,
                    "officer {}: application: {} {e}",
                    o.n,
                    e.code()
                );
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        }
    }
    let _ = s.logout(&ch).await;
    assert!(
        stores.vault.list().unwrap().is_empty(),
        "officer {}: vault not empty",
        o.n
    );
    assert!(
        stores.outbox.list().unwrap().is_empty(),
        "officer {}: outbox not empty",
        o.n
    );

    // Nothing of a result left on disk: no file of the data directory holds its text.
    let files = files_under(&o.dir);
    for m in &d.markers {
        let left: Vec<_> = files
            .iter()
            .filter(|(_, b)| contains(b, m.as_bytes()))
            .map(|(p, _)| p)
            .collect();
        assert!(
            left.is_empty(),
            "officer {}: result text {m:?} left in {left:?}",
            o.n
        );
    }

    // The journal verifies with its MACs and its anchored head (what `sio audit verify` runs).
    drop(stores);
    let path = o.dir.join(sio_client::stores::JOURNAL_FILE);
    let jk = JournalKeys::new(keys, sio_client::stores::KEY_PREFIX, &path).unwrap();
    let report = verify_anchored(&path, &jk, MacCheck::Require)
        .unwrap_or_else(|e| panic!("officer {}: journal: {} {e}", o.n, e.code()));
    assert!(report.head_checked, "officer {}: {report:?}", o.n);
    let text = std::fs::read_to_string(&path).unwrap();
    for op in ["result.stored", "result.viewed", "result.shredded"] {
        let n = text.matches(&format!("\"{op}\"")).count();
        assert_eq!(
            n, shared.requests,
            "officer {}: {n} × {op} in the journal",
            o.n
        );
    }
    shared.done.fetch_add(1, Ordering::SeqCst);
    d
}

fn make_officers(dir: &Path, n: usize) -> (sio_pki::GeneratedPki, Vec<Officer>) {
    let mut spec = PkiSpec::demo();
    let names = ["АХМЕТОВ", "ИВАНОВА", "НҰРЛАНОВ", "ПЕТРОВ", "СӘРСЕНОВА"];
    let ids = iins(n);
    for (i, iin) in ids.iter().enumerate() {
        spec.users.push(UserSpec {
            id: format!("officer-{i:03}"),
            surname: names[i % names.len()].into(),
            // Letters only (a person's name): the index spelled with А…К for 0…9.
            given_name: format!("ОФИЦЕР{i:03}")
                .chars()
                .map(|c| match c.to_digit(10) {
                    Some(d) => "АБВГДЕЖЗИК".chars().nth(d as usize).unwrap(),
                    None => c,
                })
                .collect(),
            iin: iin.clone(),
            organisation: POLICE.into(),
            bin: POLICE_BIN.into(),
            email: None,
            key: KeyKind::EcdsaP256,
            role_policies: vec![1],
            validity: None,
        });
    }
    let pki = sio_pki::generate(&dir.join("pki"), &spec).unwrap();
    // The client logs in only with a key on a protected carrier (rule 18): each software key
    // gets certificates that attest a token, as a registration officer does for a card's key
    // (`issue_for_public_key`). TEST-ONLY: here the key is a PEM file.
    let hardware = |key: &Path, user: &UserSpec, usage: Usage| {
        let out = std::process::Command::new("openssl")
            .args(["pkey", "-pubout", "-in"])
            .arg(key)
            .output()
            .unwrap();
        assert!(out.status.success(), "openssl pkey: {out:?}");
        sio_pki::issue_for_public_key(&pki.dir, &out.stdout, user, usage).unwrap()
    };
    let officers = pki
        .users
        .iter()
        .skip(3)
        .enumerate()
        .map(|(i, u)| {
            let user = &spec.users[3 + i];
            let auth_key = u.auth.key_path.clone().unwrap();
            let sign_key = u.sign.key_path.clone().unwrap();
            let auth = hardware(&auth_key, user, Usage::Auth);
            let sign = hardware(&sign_key, user, Usage::Sign);
            Officer {
                n: i,
                iin: ids[i].clone(),
                surname: user.surname.clone(),
                given: user.given_name.clone(),
                auth_cert: std::fs::read(&auth.cert_path).unwrap(),
                auth_key: std::fs::read(auth_key).unwrap(),
                sign_cert: sign.cert_der,
                sign_key: std::fs::read_to_string(sign_key).unwrap(),
                dir: dir.join(format!("ws/{i:03}")),
            }
        })
        .collect();
    (pki, officers)
}

/// The figures of the gateway's memory (KiB).
#[derive(Debug, Default, Clone, Copy)]
struct Rss {
    first_warm: u64,
    first_before_kill: u64,
    second_warm: u64,
    second_end: u64,
}

#[test]
fn soak_officers_days_with_a_gateway_restart() {
    let officers_n = env_usize("SIO_SOAK_OFFICERS", 200);
    let requests_n = env_usize("SIO_SOAK_REQUESTS", 10);
    let t0 = Instant::now();
    let dir = tempfile::tempdir().unwrap();
    let (pki, officers) = make_officers(dir.path(), officers_n);
    let pki_time = t0.elapsed();
    let t_users = Instant::now();

    // The gateway's users: the officers, investigators of the police body with the case.
    let data = dir.path().join("gateway");
    {
        let admin = Admin::open(&data).unwrap();
        admin.seed_demo().unwrap();
        for o in &officers {
            admin
                .add_user(&NewUser {
                    iin: o.iin.clone(),
                    full_name: format!("{} {}", o.surname, o.given),
                    organisation_bin: POLICE_BIN.into(),
                    organisation_name: POLICE.into(),
                    role: Some(3),
                    mobile: format!("+7701{:07}", 1000 + o.n),
                    reports: false,
                    hr: false,
                })
                .unwrap();
            admin
                .assign_case(&o.iin, Basis::Criminal, ERDR, "Кража, ст. 188 УК")
                .unwrap();
        }
    }
    eprintln!(
        "soak: users registered in {:.1} s",
        t_users.elapsed().as_secs_f64()
    );
    let listen: SocketAddr = format!("127.0.0.1:{}", free_port()).parse().unwrap();
    let run = GatewayRun {
        data: data.clone(),
        pki: pki.dir.clone(),
        listen,
        result_delay_ms: 50,
        extra: Vec::new(),
        log: dir.path().join("gateway.log"),
    };
    let gateway = GatewayProcess::start(&run);
    let shared = Arc::new(Shared {
        data: data.clone(),
        url: format!("https://{listen}"),
        ca_pem: std::fs::read(&pki.ca_cert).unwrap(),
        requests: requests_n,
        faults: Mutex::new(BTreeMap::new()),
        done: AtomicUsize::new(0),
        sending: AtomicUsize::new(0),
    });

    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let t_run = Instant::now();
    let (days, rss, restart_at) = rt.block_on(async {
        let limit = Arc::new(tokio::sync::Semaphore::new(CONCURRENT));
        let mut tasks = tokio::task::JoinSet::new();
        for o in officers {
            let (shared, limit) = (shared.clone(), limit.clone());
            tasks.spawn(async move {
                let _permit = limit.acquire_owned().await.unwrap();
                day(shared, o).await
            });
        }
        // The operator's side: memory after warm-up, SIGKILL in the middle, started again on
        // the same database and port, memory again.
        let controller = {
            let shared = shared.clone();
            let run = run.clone();
            tokio::spawn(async move {
                let wait_done = |n: usize| {
                    let shared = shared.clone();
                    async move {
                        while shared.done.load(Ordering::SeqCst) < n {
                            tokio::time::sleep(Duration::from_millis(20)).await;
                        }
                    }
                };
                let mut rss = Rss::default();
                wait_done(officers_n / 10).await;
                rss.first_warm = gateway.rss_kib();
                wait_done(officers_n * 2 / 5).await;
                rss.first_before_kill = gateway.rss_kib();
                // Killed while requests are on their way (some sent, their answers not out).
                while shared.sending.load(Ordering::SeqCst) < 2
                    && shared.done.load(Ordering::SeqCst) < officers_n
                {
                    tokio::time::sleep(Duration::from_millis(1)).await;
                }
                let restart_at = shared.done.load(Ordering::SeqCst);
                gateway.kill();
                // Down long enough for the channel's own retries (200 + 400 ms) to give up.
                tokio::time::sleep(Duration::from_secs(2)).await;
                let second = tokio::task::spawn_blocking(move || GatewayProcess::start(&run))
                    .await
                    .unwrap();
                wait_done(officers_n / 2).await;
                rss.second_warm = second.rss_kib();
                wait_done(officers_n).await;
                rss.second_end = second.rss_kib();
                (rss, restart_at, second)
            })
        };
        let mut days = Vec::new();
        while let Some(d) = tasks.join_next().await {
            days.push(d.unwrap());
        }
        let (rss, restart_at, second) = controller.await.unwrap();
        drop(second);
        (days, rss, restart_at)
    });
    let run_time = t_run.elapsed();
    let t_check = Instant::now();

    // No lost request, none filed twice: the gateway's requests are exactly the signed ones.
    let signed: Vec<uuid::Uuid> = days.iter().flat_map(|d| d.signed.clone()).collect();
    let signed_set: BTreeSet<String> = signed.iter().map(ToString::to_string).collect();
    assert_eq!(signed.len(), officers_n * requests_n);
    assert_eq!(signed_set.len(), signed.len(), "request ids are unique");
    let conn = rusqlite::Connection::open_with_flags(
        data.join(sio_gateway::db::DB_FILE),
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
    )
    .unwrap();
    let soak_iins: BTreeSet<String> = iins(officers_n).into_iter().collect();
    let filed: Vec<(String, String)> = conn
        .prepare("SELECT request_id, user_iin FROM requests")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .filter(|(_, iin)| soak_iins.contains(iin))
        .collect();
    let filed_set: BTreeSet<String> = filed.iter().map(|(id, _)| id.clone()).collect();
    assert_eq!(filed.len(), filed_set.len());
    assert_eq!(filed_set, signed_set, "filed = signed, each once");
    // Every result reached its officer's vault once, was viewed and shredded.
    for d in &days {
        assert_eq!(d.stored.len(), d.signed.len());
        assert!(d.stored.values().all(|n| *n == 1));
        assert_eq!(d.shredded, d.signed.len());
    }
    // One application per officer, filed once.
    let applications: BTreeMap<String, usize> = conn
        .prepare("SELECT applicant_iin, count(*) FROM applications GROUP BY applicant_iin")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get::<_, i64>(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .filter(|(iin, _)| soak_iins.contains(iin))
        .map(|(iin, n)| (iin, usize::try_from(n).unwrap()))
        .collect();
    assert_eq!(applications.len(), officers_n);
    let filed_applications: BTreeSet<String> = conn
        .prepare("SELECT application_id FROM applications")
        .unwrap()
        .query_map([], |r| r.get::<_, String>(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    for d in &days {
        let id = d.application.unwrap().to_string();
        assert!(
            filed_applications.contains(&id),
            "application {id} not filed"
        );
    }
    assert!(applications.values().all(|n| *n == 1), "{applications:?}");
    drop(conn);
    // The gateway's own check of its database: a backup (schema exactly this build's, PRAGMA
    // integrity_check) of the database it left.
    let check = sio_gateway::backup::backup(&data, &dir.path().join("check.sqlite3"))
        .unwrap_or_else(|e| panic!("gateway database: {} {e}", e.code()));
    // `SIO_FUZZ_SEEDS=<fuzz dir>`: the backup becomes a seed of the `gateway_backup` fuzz
    // target (made with a few officers: `SIO_SOAK_OFFICERS=2 SIO_SOAK_REQUESTS=1`).
    if let Some(fuzz) = std::env::var_os("SIO_FUZZ_SEEDS") {
        let seeds = Path::new(&fuzz).join("corpus/gateway_backup");
        std::fs::create_dir_all(&seeds).unwrap();
        std::fs::copy(&check.file, seeds.join("soak-backup.sqlite3")).unwrap();
    }
    // Memory flat in each life of the gateway (after warm-up): a generous bound.
    let bound = |warm: u64| warm * 3 / 2 + 64 * 1024;
    assert!(rss.first_warm > 0 && rss.second_warm > 0, "{rss:?}");
    assert!(rss.first_before_kill <= bound(rss.first_warm), "{rss:?}");
    assert!(rss.second_end <= bound(rss.second_warm), "{rss:?}");

    let check_time = t_check.elapsed();
    let resends: usize = days.iter().map(|d| d.resends).sum();
    let logins: usize = days.iter().map(|d| d.logins).sum();
    eprintln!(
        "soak: {officers_n} officers × {requests_n} requests ({} filed once each, {} results viewed and shredded, {officers_n} applications) in {:.1} s (PKI {:.1} s, checks {:.1} s); \
         gateway killed after {restart_at} days; {resends} outbox resends, {logins} logins; failures met: {:?}; \
         gateway RSS KiB: first life {} → {}, second life {} → {}; database {} KiB, {} users",
        filed_set.len(),
        days.iter().map(|d| d.shredded).sum::<usize>(),
        run_time.as_secs_f64(),
        pki_time.as_secs_f64(),
        check_time.as_secs_f64(),
        shared.faults.lock().unwrap(),
        rss.first_warm,
        rss.first_before_kill,
        rss.second_warm,
        rss.second_end,
        check.bytes / 1024,
        check.users,
    );
}
