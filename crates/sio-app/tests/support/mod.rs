//! The world for sio-app's end-to-end tests: the virtual PIV card in the real pcscd with keys
//! from a fresh test PKI, the reference gateway over mutual TLS on 127.0.0.1, a policy file
//! pointing at it, and an `App` over that policy (keys in memory, data in a temporary directory).
#![allow(dead_code, clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use sio_app::{App, AppConfig, ErrorBody, RecordingSink};
use sio_gateway::admin::Admin;
use sio_gateway::{BackgroundGateway, GatewayConfig, TlsFiles};
use sio_virtual_card::fixture::{CardStack, SECOND_READER_NAME, SecondCard, StackOptions};

/// The demo investigator whose certificates the card holds.
pub(crate) const IIN: &str = INVESTIGATOR.iin;

#[allow(unused_imports)] // each test binary uses some
pub(crate) use sio_virtual_card::fixture::{DEPARTMENT_HEAD, HEAD, Holder, INVESTIGATOR};

/// Card PIN.
pub(crate) const PIN: &str = sio_virtual_card::DEFAULT_PIN;
/// The virtual card's reader.
pub(crate) const READER: &str = sio_virtual_card::READER_NAME;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The running world; holds the card lock until dropped.
pub(crate) struct World {
    pub(crate) card: CardStack,
    pub(crate) dir: tempfile::TempDir,
    pub(crate) pki: PathBuf,
    pub(crate) data: PathBuf,
    pub(crate) policy: PathBuf,
    pub(crate) export: PathBuf,
    _gateway: BackgroundGateway,
}

impl World {
    pub(crate) fn up() -> World {
        Self::up_as(&INVESTIGATOR)
    }

    /// The world with `holder`'s keys on the card.
    pub(crate) fn up_as(holder: &Holder) -> World {
        let state = std::env::var_os("SIO_CARD_STATE")
            .map_or_else(|| PathBuf::from("/tmp/sio-card"), PathBuf::from);
        let card = CardStack::up(StackOptions::new(state)).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let pki = dir.path().join("pki");
        sio_pki::generate(&pki, &sio_pki::PkiSpec::demo()).unwrap();
        provision(&pki, READER, &dir.path().join("card"), holder);

        let data = dir.path().join("gateway");
        std::fs::create_dir_all(&data).unwrap();
        let admin = Admin::open(&data).unwrap();
        admin.seed_demo().unwrap();
        // The department head co-signs the police body's HR applications: the operator marks
        // them as a head of that body (the gateway refuses any other co-signer).
        admin
            .mark_head(
                DEPARTMENT_HEAD.iin,
                "040340001233",
                &format!("{} {}", DEPARTMENT_HEAD.surname, DEPARTMENT_HEAD.given_name),
                "Начальник департамента",
            )
            .unwrap();
        drop(admin);
        let mut config = GatewayConfig::new(
            "127.0.0.1:0".parse().unwrap(),
            data.clone(),
            TlsFiles::from_pki_dir(&pki),
        );
        config.result_delay = Duration::from_millis(200);
        let gateway = BackgroundGateway::start(config).unwrap();
        let addr = gateway.local_addr();
        let export = dir.path().join("export");
        std::fs::create_dir_all(&export).unwrap();
        let policy = dir.path().join("policy.toml");
        std::fs::write(
            &policy,
            format!(
                "[gateway]\nurl = \"https://{addr}\"\nca = \"{}\"\n\n[air_gap]\non_violation = \"warn\"\n\n[results]\nexport_dirs = [\"{}\"]\n",
                pki.join(sio_pki::paths::CA_CERT).display(),
                export.display()
            ),
        )
        .unwrap();
        World {
            card,
            pki,
            data,
            policy,
            export,
            dir,
            _gateway: gateway,
        }
    }

    /// An application over this world's policy, recording its events.
    pub(crate) fn app(&self) -> (App, Arc<RecordingSink>) {
        let sink = Arc::new(RecordingSink::new());
        let config = AppConfig {
            policy_path: self.policy.clone(),
            data_dir: self.dir.path().join("app"),
            keys: Arc::new(sio_vault::MemoryKeyStore::new()),
            workstation: "WS-TEST-01".into(),
            idle_lock: None,
            policy_must_be_protected: false,
        };
        (App::new(config, sink.clone()), sink)
    }

    /// Wait for a new SMS code for `iin` in the gateway's outbox (different from `previous`).
    pub(crate) fn sms_code(&self, iin: &str, previous: Option<&str>) -> String {
        let start = Instant::now();
        loop {
            if let Some(code) = Admin::open(&self.data)
                .unwrap()
                .latest_sms_code(iin)
                .unwrap()
            {
                if Some(code.as_str()) != previous {
                    return code;
                }
            }
            assert!(
                start.elapsed() < Duration::from_secs(30),
                "no SMS code for {iin}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    pub(crate) fn latest_sms(&self, iin: &str) -> Option<String> {
        Admin::open(&self.data)
            .unwrap()
            .latest_sms_code(iin)
            .unwrap()
    }
}

/// `command` through `App::dispatch`, which must succeed.
pub(crate) async fn call(app: &App, command: &str, args: Value) -> Value {
    match app.dispatch(command, args).await {
        Ok(v) => v,
        Err(e) => panic!("{command}: {e:?}"),
    }
}

/// `command` through `App::dispatch`, which must fail.
pub(crate) async fn fail(app: &App, command: &str, args: Value) -> ErrorBody {
    match app.dispatch(command, args).await {
        Ok(v) => panic!("{command} should fail, answered {v}"),
        Err(e) => e,
    }
}

/// Log in as `iin` with the card in [`READER`]: PIN, SMS code from the gateway's outbox, and the
/// consent on the first login.
pub(crate) async fn log_in(world: &World, app: &App, iin: &str) {
    let s = call(
        app,
        "login",
        json!({"reader": READER, "certificate_id": "9a", "pin": PIN}),
    )
    .await;
    assert_eq!(s["stage"], "second_factor");
    let previous = world.latest_sms(iin);
    call(app, "request_sms_code", json!({})).await;
    let code = world.sms_code(iin, previous.as_deref());
    let mut s = call(app, "verify_sms_code", json!({"code": code})).await;
    if s["stage"] == "consent" {
        s = call(
            app,
            "sign_consent",
            json!({"reader": READER, "certificate_id": "9c", "pin": PIN, "language": "ru"}),
        )
        .await;
    }
    assert_eq!(s["stage"], "active");
    assert_eq!(call(app, "session", json!({})).await["user"]["iin"], iin);
}

/// The HR application blocking the demo investigator after a dismissal: the order signed at
/// `order_signed_at` (RFC 3339), `head` named as the applicant's head in `head_position`.
pub(crate) fn investigator_dismissal(
    head: &Holder,
    head_position: &str,
    order_signed_at: &str,
) -> Value {
    json!({
        "action": "blocking",
        "applicant": {
            "full_name": format!("{} {}", INVESTIGATOR.surname, INVESTIGATOR.given_name),
            "iin": INVESTIGATOR.iin
        },
        "workplace": {
            "organisation_name": "ДЕПАРТАМЕНТ ПОЛИЦИИ ГОРОДА АСТАНЫ (TEST)",
            "organisation_bin": "040340001233",
            "unit": "Следственное управление",
            "position": "Следователь"
        },
        "contacts": {
            "work_phone": "+7 7172 00 00 00",
            "mobile_phone": "+77010000001",
            "email": "investigator@example.invalid",
            "work_address": "Астана"
        },
        "blocking_reason": "dismissal",
        "order_signed_at": order_signed_at,
        "confirmations": { "consent": true, "holds_nca_signature": true, "personal_data": true },
        "head": {
            "position": head_position,
            "full_name": format!("{} {}", head.surname, head.given_name),
            "iin": head.iin
        }
    })
}

/// Keys and certificates of `holder`, issued by the world's CA, onto the card in `reader`.
fn provision(pki: &Path, reader: &str, out: &Path, holder: &Holder) {
    sio_virtual_card::fixture::provision(
        reader,
        holder,
        &pki.join(sio_pki::paths::CA_CERT),
        &pki.join(sio_pki::paths::CA_KEY),
        out,
    )
    .unwrap();
}

impl World {
    /// A second person's card in vpcd's second slot, with `holder`'s keys from this world's CA.
    pub(crate) fn second_card(&self, holder: &Holder) -> SecondCard<'_> {
        let dir = self.dir.path().join(format!("second-{}", holder.iin));
        let card = SecondCard::start(&self.card, &dir).unwrap();
        provision(&self.pki, SECOND_READER_NAME, &dir.join("pki"), holder);
        card
    }
}
