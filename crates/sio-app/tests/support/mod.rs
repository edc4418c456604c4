//! The world for sio-app's end-to-end tests: the virtual PIV card in the real pcscd with keys
//! from a fresh test PKI, the reference gateway over mutual TLS on 127.0.0.1, a policy file
//! pointing at it, and an `App` over that policy (keys in memory, data in a temporary directory).
#![allow(dead_code, clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use sio_app::{App, AppConfig, RecordingSink};
use sio_gateway::admin::Admin;
use sio_gateway::{Gateway, GatewayConfig, TlsFiles};
use sio_virtual_card::fixture::{CardStack, StackOptions, run};

/// The demo investigator whose certificates the card holds.
pub(crate) const IIN: &str = "850415300121";
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
    pub(crate) data: PathBuf,
    pub(crate) policy: PathBuf,
    pub(crate) export: PathBuf,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl World {
    pub(crate) fn up() -> World {
        let state = std::env::var_os("SIO_CARD_STATE")
            .map_or_else(|| PathBuf::from("/tmp/sio-card"), PathBuf::from);
        let card = CardStack::up(StackOptions::new(state)).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let pki = dir.path().join("pki");
        sio_pki::generate(&pki, &sio_pki::PkiSpec::demo()).unwrap();
        let card_out = dir.path().join("card");
        let script = root().join("crates/sio-virtual-card/provision.sh");
        let ca_cert = pki.join(sio_pki::paths::CA_CERT);
        let ca_key = pki.join(sio_pki::paths::CA_KEY);
        let subject = PathBuf::from(format!(
            "/C=KZ/CN=ИВАНОВ АЛЕКСЕЙ/SN=ИВАНОВ/GN=АЛЕКСЕЙ/serialNumber=IIN{IIN}/O=ДЕПАРТАМЕНТ ПОЛИЦИИ ГОРОДА АСТАНЫ (TEST)/OU=BIN040340001233"
        ));
        run(
            &script.to_string_lossy(),
            &["--force"],
            &[
                ("SIO_CARD_STATE", card.state_dir()),
                ("SIO_CARD_PKI", &card_out),
                ("SIO_CARD_CA_CERT", &ca_cert),
                ("SIO_CARD_CA_KEY", &ca_key),
                ("SIO_CARD_SUBJECT", &subject),
            ],
        )
        .unwrap();

        let data = dir.path().join("gateway");
        std::fs::create_dir_all(&data).unwrap();
        Admin::open(&data).unwrap().seed_demo().unwrap();
        let mut config = GatewayConfig::new(
            "127.0.0.1:0".parse().unwrap(),
            data.clone(),
            TlsFiles::from_pki_dir(&pki),
        );
        config.result_delay = Duration::from_millis(200);
        let (addr_tx, addr_rx) = mpsc::channel();
        let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::spawn(move || {
            let rt = tokio::runtime::Runtime::new().unwrap();
            rt.block_on(async move {
                let handle = Gateway::start(config).await.unwrap();
                addr_tx.send(handle.local_addr()).unwrap();
                let _ = stop_rx.await;
                handle.shutdown().await;
            });
        });
        let addr = addr_rx.recv_timeout(Duration::from_secs(30)).unwrap();
        let export = dir.path().join("export");
        std::fs::create_dir_all(&export).unwrap();
        let policy = dir.path().join("policy.toml");
        std::fs::write(
            &policy,
            format!(
                "[gateway]\nurl = \"https://{addr}\"\nca = \"{}\"\n\n[air_gap]\non_violation = \"warn\"\n\n[results]\nexport_dirs = [\"{}\"]\n",
                ca_cert.display(),
                export.display()
            ),
        )
        .unwrap();
        World {
            card,
            data,
            policy,
            export,
            dir,
            stop: Some(stop_tx),
            thread: Some(thread),
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

impl Drop for World {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}
