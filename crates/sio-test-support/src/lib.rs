//! The world every end-to-end test builds, written once: a fresh test PKI (`sio-pki`), the
//! virtual PIV card in the real pcscd provisioned from that PKI (holding the card lock), the
//! reference gateway over mutual TLS on 127.0.0.1 with the demo accounts, a policy file pointing
//! at it, the `sio` binary's path, and the `keyctl session` runner for tests that need a fresh
//! kernel keyring. Used only as a dev-dependency (sio-cli, sio-app, sio-client tests).
//!
//! Helpers panic on a broken world: a test that cannot build its world must fail loudly.
#![allow(clippy::unwrap_used, clippy::missing_panics_doc)]

mod fixtures;
mod keyctl;
mod process;

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use sio_client::session::{self, Session};
use sio_client::{CardKey, Channel, ChannelConfig, ClientIdentity};
use sio_gateway::admin::Admin;
use sio_gateway::{BackgroundGateway, GatewayConfig, TlsFiles};
use sio_protocol::{Secret, SessionStage};
use sio_token::{PcscCard, PcscContext, Pin, PivSession, PivSlot};
use sio_virtual_card::fixture::{CardStack, SECOND_READER_NAME, SecondCard, StackOptions};

pub use fixtures::{contains, files_under, ivanov_application};
pub use keyctl::{in_keyctl_session, in_keyctl_session_locked};
pub use process::{GatewayProcess, GatewayRun, free_port, rss_kib};
pub use sio_virtual_card::fixture::{DEPARTMENT_HEAD, HEAD, Holder, INVESTIGATOR};

/// The demo investigator whose certificates the card holds by default.
pub const IIN: &str = INVESTIGATOR.iin;
/// Card PIN.
pub const PIN: &str = sio_virtual_card::DEFAULT_PIN;
/// The virtual card's reader.
pub const READER: &str = sio_virtual_card::READER_NAME;
/// The demo police body's БИН (the body the demo users and heads belong to).
pub const DEMO_BODY_BIN: &str = "040340001233";

/// Where the virtual card keeps its state (`SIO_CARD_STATE`, default `/tmp/sio-card`).
fn card_state() -> PathBuf {
    std::env::var_os("SIO_CARD_STATE").map_or_else(|| PathBuf::from("/tmp/sio-card"), PathBuf::from)
}

/// The `sio` binary: `SIO_BIN` if set (sio-cli's tests may pass `env!("CARGO_BIN_EXE_sio")`),
/// else `sio` in the target directory of the running test executable (`target/<profile>/`),
/// which cargo builds for sio-cli's tests; other crates' tests need `cargo build -p sio-cli`.
pub fn sio_bin() -> PathBuf {
    if let Some(bin) = std::env::var_os("SIO_BIN") {
        return PathBuf::from(bin);
    }
    let exe = std::env::current_exe().unwrap();
    // target/<profile>/deps/<test>-<hash> → target/<profile>/sio
    let profile = exe.parent().and_then(Path::parent).unwrap();
    let bin = profile.join(format!("sio{}", std::env::consts::EXE_SUFFIX));
    assert!(
        bin.is_file(),
        "no `sio` binary at {}: build it first (`cargo build -p sio-cli --bin sio`) or set SIO_BIN",
        bin.display()
    );
    bin
}

/// `sio` (see [`sio_bin`]) with `args`.
pub fn sio(args: &[&str]) -> Command {
    let mut c = Command::new(sio_bin());
    c.args(args);
    c
}

/// The JSON lines `sio` printed on standard output (other lines skipped).
pub fn json_lines(stdout: &[u8]) -> Vec<serde_json::Value> {
    BufReader::new(stdout)
        .lines()
        .map_while(Result::ok)
        .filter_map(|l| serde_json::from_str(&l).ok())
        .collect()
}

/// `sio request` arguments of an allowed request: an investigator (role 3) in a criminal case
/// (ЕРДР number), an individual subject, service 1.
pub const ALLOWED_REQUEST: &[&str] = &[
    "--role",
    "3",
    "--basis",
    "criminal",
    "--erdr",
    "241500031000123",
    "--subject",
    "900101300106",
    "--service",
    "1",
];

/// The running world. Holds the card lock until dropped; the gateway stops when dropped.
pub struct World {
    /// The virtual card stack (and the card lock).
    pub card: CardStack,
    /// Everything of this world lives here: `pki/`, `card/`, `gateway/`, `export/`, `policy.toml`.
    pub dir: tempfile::TempDir,
    /// The test PKI (`sio_pki::paths` inside).
    pub pki: PathBuf,
    /// The gateway's data directory (open it with [`World::admin`]).
    pub data: PathBuf,
    /// The gateway's URL, `https://127.0.0.1:<port>`.
    pub url: String,
    /// A workstation policy file pointing at the gateway with the test CA pinned.
    pub policy: PathBuf,
    /// The export directory the policy allows.
    pub export: PathBuf,
    _gateway: BackgroundGateway,
}

impl World {
    /// Bring everything up with the default gateway configuration; the investigator's card.
    pub fn up() -> World {
        World::up_as(INVESTIGATOR, |_| {})
    }

    /// Bring everything up with `tweak` applied to the gateway's configuration.
    pub fn up_with(tweak: impl FnOnce(&mut GatewayConfig)) -> World {
        World::up_as(INVESTIGATOR, tweak)
    }

    /// Bring everything up with the card holding `holder`'s keys and certificates and `tweak`
    /// applied to the gateway's configuration.
    pub fn up_as(holder: Holder, tweak: impl FnOnce(&mut GatewayConfig)) -> World {
        let card = CardStack::up(StackOptions::new(card_state())).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let pki = dir.path().join("pki");
        sio_pki::generate(&pki, &sio_pki::PkiSpec::demo()).unwrap();
        // The card gets fresh keys and certificates from this PKI's CA.
        provision(&pki, READER, &dir.path().join("card"), &holder);

        let data = dir.path().join("gateway");
        std::fs::create_dir_all(&data).unwrap();
        Admin::open(&data).unwrap().seed_demo().unwrap();
        let mut config = GatewayConfig::new(
            "127.0.0.1:0".parse().unwrap(),
            data.clone(),
            TlsFiles::from_pki_dir(&pki),
        );
        config.result_delay = Duration::from_millis(200);
        tweak(&mut config);
        let gateway = BackgroundGateway::start(config).unwrap();
        let url = format!("https://{}", gateway.local_addr());

        let export = dir.path().join("export");
        std::fs::create_dir_all(&export).unwrap();
        let policy = dir.path().join("policy.toml");
        std::fs::write(
            &policy,
            format!(
                "[gateway]\nurl = \"{url}\"\nca = \"{}\"\n\n[air_gap]\non_violation = \"warn\"\n\n[results]\nexport_dirs = [\"{}\"]\n",
                pki.join(sio_pki::paths::CA_CERT).display(),
                export.display()
            ),
        )
        .unwrap();
        World {
            card,
            pki,
            data,
            url,
            policy,
            export,
            dir,
            _gateway: gateway,
        }
    }

    /// The test CA's certificate (pinned by clients of this world).
    pub fn ca(&self) -> PathBuf {
        self.pki.join(sio_pki::paths::CA_CERT)
    }

    /// The gateway's operator functions.
    pub fn admin(&self) -> Admin {
        Admin::open(&self.data).unwrap()
    }

    /// The operator marks `holder` as a head of the demo police body (the gateway refuses any
    /// other co-signer of that body's HR applications).
    pub fn mark_head(&self, holder: &Holder, position: &str) {
        self.admin()
            .mark_head(
                holder.iin,
                DEMO_BODY_BIN,
                &format!("{} {}", holder.surname, holder.given_name),
                position,
            )
            .unwrap();
    }

    /// The latest SMS code for `iin` in the gateway's outbox, if any.
    pub fn latest_sms(&self, iin: &str) -> Option<String> {
        self.admin().latest_sms_code(iin).unwrap()
    }

    /// Wait for a new SMS code for `iin` in the gateway's outbox (different from `previous`).
    pub fn sms_code(&self, iin: &str, previous: Option<&str>) -> String {
        sms_code_in(&self.data, iin, previous)
    }

    /// A second person's card in vpcd's second slot, with `holder`'s keys from this world's CA.
    pub fn second_card(&self, holder: &Holder) -> SecondCard<'_> {
        let dir = self.dir.path().join(format!("second-{}", holder.iin));
        let card = SecondCard::start(&self.card, &dir).unwrap();
        provision(&self.pki, SECOND_READER_NAME, &dir.join("pki"), holder);
        card
    }

    /// `sio login` against this world's gateway, answering on standard input.
    pub fn spawn_login(&self, extra: &[&str]) -> Login {
        let mut child = Command::new(sio_bin())
            .args(["login", "--stdin", "--gateway", &self.url, "--ca"])
            .arg(self.ca())
            .args(extra)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stdin = child.stdin.take().unwrap();
        Login { child, stdin }
    }
}

/// Keys and certificates of `holder`, issued by the CA in `pki`, onto the card in `reader`.
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

/// A running `sio login`.
pub struct Login {
    child: Child,
    stdin: ChildStdin,
}

impl Login {
    /// Type a line.
    pub fn type_line(&mut self, line: &str) {
        writeln!(self.stdin, "{line}").unwrap();
        self.stdin.flush().unwrap();
    }

    /// Wait for the end; returns (success, the last JSON line printed on stdout, stderr).
    pub fn finish(self) -> (bool, serde_json::Value, String) {
        drop(self.stdin);
        let out = self.child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        let json = json_lines(&out.stdout)
            .pop()
            .unwrap_or(serde_json::Value::Null);
        (out.status.success(), json, stderr)
    }
}

/// The card's authentication key after the PIN (retried while the card is being re-inserted).
pub fn card_key() -> Arc<CardKey<PcscCard>> {
    let mut ctx = PcscContext::establish().unwrap();
    let mut last = None;
    for _ in 0..20 {
        match ctx.connect(READER).and_then(PivSession::open) {
            Ok(piv) => {
                let verified = piv
                    .verify_pin(Pin::new(PIN.into()).unwrap())
                    .map_err(|r| r.error)
                    .unwrap();
                return CardKey::new(verified, PivSlot::Authentication).unwrap();
            }
            Err(e) => last = Some(e),
        }
        std::thread::sleep(Duration::from_millis(250));
    }
    panic!("card: {last:?}");
}

/// The protected channel to `url`, the gateway CA in `ca` pinned, mutual TLS with the card key.
pub fn channel(url: &str, ca: &Path, key: &Arc<CardKey<PcscCard>>) -> Channel {
    let config = ChannelConfig {
        base_url: url.to_owned(),
        ca_pem: std::fs::read(ca).unwrap(),
        timeout: Duration::from_secs(30),
    };
    let identity = ClientIdentity::Token {
        certificate: key.certificate_der().to_vec().into(),
        key: key.clone(),
    };
    Channel::new(&config, &identity).unwrap()
}

/// Wait for a new SMS code for `iin` in the outbox of the gateway whose data is in `data`.
pub fn sms_code_in(data: &Path, iin: &str, previous: Option<&str>) -> String {
    let start = Instant::now();
    loop {
        if let Some(code) = Admin::open(data).unwrap().latest_sms_code(iin).unwrap() {
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

/// Log `iin` in fully with the card: signed challenge, SMS code from the outbox, consent.
pub async fn active_session(
    data: &Path,
    iin: &str,
    key: &Arc<CardKey<PcscCard>>,
    ch: &Channel,
) -> Session {
    let c = session::challenge(ch).await.unwrap();
    let mut s = session::submit_login(ch, &session::sign_login(&c, &mut key.signer()).unwrap())
        .await
        .unwrap();
    assert_eq!(s.stage(), SessionStage::SecondFactor);
    let previous = Admin::open(data).unwrap().latest_sms_code(iin).unwrap();
    s.request_sms(ch).await.unwrap();
    let code = sms_code_in(data, iin, previous.as_deref());
    s.verify_sms(ch, Secret::new(code)).await.unwrap();
    if s.stage() == SessionStage::Consent {
        let text = s.consent_text(ch).await.unwrap();
        let mut signer = key
            .pin_always_signer(PivSlot::Signature, Pin::new(PIN.into()).unwrap())
            .unwrap();
        let signed = session::sign_consent(&text, iin, &mut signer).unwrap();
        s.submit_consent(ch, &signed).await.unwrap();
    }
    assert_eq!(s.stage(), SessionStage::Active);
    s
}

/// The HR application blocking the demo investigator after a dismissal: the order signed at
/// `order_signed_at` (RFC 3339), `head` named as the applicant's head in `head_position`.
pub fn investigator_dismissal(
    head: &Holder,
    head_position: &str,
    order_signed_at: &str,
) -> serde_json::Value {
    serde_json::json!({
        "action": "blocking",
        "applicant": {
            "full_name": format!("{} {}", INVESTIGATOR.surname, INVESTIGATOR.given_name),
            "iin": INVESTIGATOR.iin
        },
        "workplace": {
            "organisation_name": "ДЕПАРТАМЕНТ ПОЛИЦИИ ГОРОДА АСТАНЫ (TEST)",
            "organisation_bin": DEMO_BODY_BIN,
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
