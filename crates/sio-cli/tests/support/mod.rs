//! A whole world for end-to-end tests: the virtual PIV card in the real pcscd, provisioned with
//! keys and certificates from a fresh test PKI for the demo investigator, and the reference gateway
//! over mutual TLS on 127.0.0.1 with that PKI and the demo accounts.
#![allow(dead_code, clippy::unwrap_used)] // shared by several test binaries

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::time::{Duration, Instant};

use std::sync::Arc;

use sio_client::session::{self, Session};
use sio_client::{CardKey, Channel, ChannelConfig, ClientIdentity};
use sio_gateway::admin::Admin;
use sio_gateway::{BackgroundGateway, GatewayConfig, TlsFiles};
use sio_protocol::{Secret, SessionStage};
use sio_token::{PcscCard, PcscContext, Pin, PivSession, PivSlot};
use sio_virtual_card::fixture::{CardStack, StackOptions};

/// The demo investigator whose certificates the card holds.
pub(crate) const IIN: &str = INVESTIGATOR.iin;
#[allow(unused_imports)] // each test binary uses some
pub(crate) use sio_virtual_card::fixture::{HEAD, Holder, INVESTIGATOR};

/// Card PIN.
pub(crate) const PIN: &str = sio_virtual_card::DEFAULT_PIN;

fn card_state() -> PathBuf {
    std::env::var_os("SIO_CARD_STATE").map_or_else(|| PathBuf::from("/tmp/sio-card"), PathBuf::from)
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The running world. Holds the card lock until dropped.
pub(crate) struct World {
    pub(crate) card: CardStack,
    pub(crate) dir: tempfile::TempDir,
    pub(crate) pki: PathBuf,
    pub(crate) data: PathBuf,
    pub(crate) url: String,
    _gateway: BackgroundGateway,
}

impl World {
    /// Bring everything up with `tweak` applied to the gateway's configuration.
    pub(crate) fn up_with(tweak: impl FnOnce(&mut GatewayConfig)) -> World {
        World::up_as(INVESTIGATOR, tweak)
    }

    /// Bring everything up with the card holding `holder`'s keys and certificates.
    pub(crate) fn up_as(holder: Holder, tweak: impl FnOnce(&mut GatewayConfig)) -> World {
        let card = CardStack::up(StackOptions::new(card_state())).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let pki = dir.path().join("pki");
        sio_pki::generate(&pki, &sio_pki::PkiSpec::demo()).unwrap();
        // The card gets fresh keys and certificates from this PKI's CA, issued to the investigator.
        let card_out = dir.path().join("card");
        let ca_cert = pki.join(sio_pki::paths::CA_CERT);
        let ca_key = pki.join(sio_pki::paths::CA_KEY);
        sio_virtual_card::fixture::provision(
            sio_virtual_card::READER_NAME,
            &holder,
            &ca_cert,
            &ca_key,
            &card_out,
        )
        .unwrap();

        let data = dir.path().join("data");
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
        let addr = gateway.local_addr();
        World {
            card,
            pki,
            data,
            url: format!("https://{addr}"),
            dir,
            _gateway: gateway,
        }
    }

    /// Bring everything up with the default gateway configuration.
    pub(crate) fn up() -> World {
        World::up_with(|_| {})
    }

    /// The gateway's operator functions.
    pub(crate) fn admin(&self) -> Admin {
        Admin::open(&self.data).unwrap()
    }

    /// Wait for a new SMS code for `iin` in the gateway's outbox (different from `previous`).
    pub(crate) fn sms_code(&self, iin: &str, previous: Option<&str>) -> String {
        sms_code_in(&self.data, iin, previous)
    }

    /// `sio login` against this world's gateway, answering on standard input.
    pub(crate) fn spawn_login(&self, extra: &[&str]) -> Login {
        let mut child = Command::new(env!("CARGO_BIN_EXE_sio"))
            .args(["login", "--stdin", "--gateway", &self.url, "--ca"])
            .arg(self.pki.join(sio_pki::paths::CA_CERT))
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

/// A running `sio login`.
pub(crate) struct Login {
    child: Child,
    stdin: ChildStdin,
}

impl Login {
    /// Type a line.
    pub(crate) fn type_line(&mut self, line: &str) {
        writeln!(self.stdin, "{line}").unwrap();
        self.stdin.flush().unwrap();
    }

    /// Wait for the end; returns (success, JSON printed on stdout, stderr).
    pub(crate) fn finish(self) -> (bool, serde_json::Value, String) {
        drop(self.stdin);
        let out = self.child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        let json = BufReader::new(out.stdout.as_slice())
            .lines()
            .map_while(Result::ok)
            .filter_map(|l| serde_json::from_str(&l).ok())
            .last()
            .unwrap_or(serde_json::Value::Null);
        (out.status.success(), json, stderr)
    }
}

/// The card's authentication key after the PIN (retried while the card is being re-inserted).
pub(crate) fn card_key() -> Arc<CardKey<PcscCard>> {
    let mut ctx = PcscContext::establish().unwrap();
    let mut last = None;
    for _ in 0..20 {
        match ctx
            .connect(sio_virtual_card::READER_NAME)
            .and_then(PivSession::open)
        {
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
pub(crate) fn channel(url: &str, ca: &Path, key: &Arc<CardKey<PcscCard>>) -> Channel {
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
pub(crate) fn sms_code_in(data: &Path, iin: &str, previous: Option<&str>) -> String {
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
pub(crate) async fn active_session(
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
