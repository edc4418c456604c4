//! `sio diagnose` against the real card stack (pcscd + vpcd + the virtual PIV card, brought up by
//! sio-virtual-card's fixture, which holds /tmp/sio-card.lock): the token is recognised and its
//! certificates read; with pcscd stopped the service item fails clearly (pcscd is started again
//! afterwards, even when the test fails). Also runs the whole diagnosis as a new user would, with
//! `--json --report out.html`, with profiles and PKCS#11 modules (a missing one, SoftHSM2).
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;
use sio_virtual_card::fixture::{CardStack, StackOptions};

const STATE: &str = "/tmp/sio-card-diagnose";

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn diagnose(args: &[&str]) -> (Value, i32) {
    let out = Command::new(env!("CARGO_BIN_EXE_sio"))
        .arg("diagnose")
        .arg("--json")
        .args(args)
        .output()
        .unwrap();
    let code = out.status.code().unwrap();
    assert!(
        code == 0 || code == 1,
        "exit {code}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    (serde_json::from_slice(&out.stdout).unwrap(), code)
}

fn item<'a>(report: &'a Value, code: &str) -> &'a Value {
    report["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["code"] == code)
        .unwrap_or_else(|| panic!("{code} missing in {report:#}"))
}

/// Starts pcscd (and the card) again when dropped.
struct RestartPcscd;

impl Drop for RestartPcscd {
    fn drop(&mut self) {
        let script = root().join("scripts/card-up.sh");
        let _ = Command::new(script).env("SIO_CARD_STATE", STATE).status();
    }
}

#[test]
fn token_recognised_then_pcscd_stopped() {
    let stack = CardStack::up(StackOptions::new(STATE).provision(true)).unwrap();
    let (report, _) = diagnose(&["--only", "smart-card"]);
    assert_eq!(item(&report, "WS_PCSC_SERVICE")["status"], "pass");
    assert_eq!(item(&report, "WS_PCSC_READERS")["status"], "pass");
    let token = item(&report, "WS_TOKEN_RECOGNISED");
    assert_eq!(token["status"], "pass", "{token:#}");
    assert!(
        token["measured"].as_str().unwrap().contains("virtual PIV"),
        "{token:#}"
    );
    let modules = item(&report, "WS_PKCS11_MODULES");
    assert!(
        modules["measured"]
            .as_str()
            .unwrap()
            .contains("opensc-pkcs11.so: 1 token"),
        "{modules:#}"
    );
    let certs = item(&report, "WS_TOKEN_CERTIFICATES");
    assert_ne!(certs["status"], "skipped", "{certs:#}");
    assert!(
        certs["measured"].as_str().unwrap().contains("PIV"),
        "certificates read over PIV: {certs:#}"
    );

    // pcscd stopped: a clear failure, and the exit code says so.
    let _restart = RestartPcscd;
    let down = root().join("scripts/card-down.sh");
    sio_virtual_card::fixture::run(&down.to_string_lossy(), &["--pcscd-only"], &[]).unwrap();
    let (report, code) = diagnose(&["--only", "smart-card"]);
    let service = item(&report, "WS_PCSC_SERVICE");
    assert_eq!(service["status"], "fail", "{service:#}");
    assert!(
        service["action"]
            .as_str()
            .unwrap()
            .contains("systemctl start pcscd"),
        "{service:#}"
    );
    assert_eq!(item(&report, "WS_PCSC_READERS")["status"], "skipped");
    assert_eq!(code, 1);
    drop(_restart);
    drop(stack);
}

#[test]
fn json_and_html_report_as_a_new_user_runs_them() {
    // Holds the card lock: the full diagnosis reads the card too.
    let _stack = CardStack::up(StackOptions::new(STATE).provision(true)).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let html = dir.path().join("out.html");
    let (report, code) = diagnose(&["--report", html.to_str().unwrap()]);
    assert_eq!(code == 1, report["status"] == "fail");
    let items = report["items"].as_array().unwrap();
    for group in [
        "hardware",
        "network",
        "smart-card",
        "biometrics",
        "channel",
        "versions",
    ] {
        assert!(items.iter().any(|i| i["group"] == group), "{group}");
    }
    for i in items {
        for key in [
            "code",
            "title",
            "status",
            "measured",
            "requirement",
            "citation",
            "action",
        ] {
            assert!(i.get(key).is_some(), "{key} in {i:#}");
        }
        assert!(
            ["pass", "warn", "fail", "skipped"].contains(&i["status"].as_str().unwrap()),
            "{i:#}"
        );
    }
    // Appendix 4's thresholds are cited.
    assert!(
        item(&report, "WS_CPU_CLOCK")["requirement"]
            .as_str()
            .unwrap()
            .contains("3.1 GHz")
    );
    assert!(
        item(&report, "WS_AIRGAP_ROUTES")["citation"]
            .as_str()
            .unwrap()
            .contains("11.6")
    );

    let page = std::fs::read_to_string(&html).unwrap();
    assert!(page.starts_with("<!DOCTYPE html>"));
    for i in items {
        let code = i["code"].as_str().unwrap();
        assert!(
            page.contains(&format!("id=\"{code}\"")),
            "{code} in the HTML"
        );
    }
    assert!(!page.contains("src="), "no external resources");
    assert!(!page.contains("<link"), "no external resources");

    // The text form (no flags) prints every group's title.
    let out = Command::new(env!("CARGO_BIN_EXE_sio"))
        .args(["diagnose", "--only", "versions"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("Versions") && text.contains("pcsc-lite"),
        "{text}"
    );

    // Thresholds fed by a profile: the same machine passes low ones and fails absurd ones.
    let low = dir.path().join("low.toml");
    std::fs::write(&low, "cpu_mhz = 1\nram_bytes = 1\nfree_disk_bytes = 1\n").unwrap();
    let absurd = dir.path().join("absurd.json");
    std::fs::write(
        &absurd,
        r#"{"ram_bytes": 18000000000000000000, "free_disk_bytes": 18000000000000000000}"#,
    )
    .unwrap();
    let (r, _) = diagnose(&["--only", "hardware", "--profile", low.to_str().unwrap()]);
    assert_eq!(item(&r, "WS_RAM")["status"], "pass");
    assert_eq!(item(&r, "WS_DISK_FREE")["status"], "pass");
    assert_eq!(item(&r, "WS_CPU_CLOCK")["status"], "pass");
    let (r, code) = diagnose(&["--only", "hardware", "--profile", absurd.to_str().unwrap()]);
    assert_eq!(item(&r, "WS_RAM")["status"], "fail");
    assert_eq!(item(&r, "WS_DISK_FREE")["status"], "fail");
    assert_eq!(code, 1);

    // PKCS#11: a module that does not load fails; a SoftHSM2 token loads but is a software
    // token, which may not be used for login: a warning.
    // The administrator's policy (sio-policy's one schema) naming the modules.
    let policy = |module: &str| {
        format!(
            "[gateway]\nurl = \"https://gw.sio.test:8443\"\nca = \"/etc/sio/ca.pem\"\n\
             [tokens]\npkcs11_modules = [\"{module}\"]\n"
        )
    };
    let missing = dir.path().join("missing.toml");
    std::fs::write(&missing, policy("/nonexistent/vendor-pkcs11.so")).unwrap();
    let (r, _) = diagnose(&[
        "--only",
        "smart-card",
        "--policy",
        missing.to_str().unwrap(),
    ]);
    let m = item(&r, "WS_PKCS11_MODULES");
    assert_eq!(m["status"], "fail", "{m:#}");
    assert!(
        m["measured"].as_str().unwrap().contains("does not load"),
        "{m:#}"
    );
    let tokens = dir.path().join("softhsm");
    std::fs::create_dir_all(&tokens).unwrap();
    let conf = dir.path().join("softhsm2.conf");
    std::fs::write(
        &conf,
        format!("directories.tokendir = {}\n", tokens.display()),
    )
    .unwrap();
    let init = Command::new("softhsm2-util")
        .args([
            "--init-token",
            "--free",
            "--label",
            "soft",
            "--pin",
            "123456",
            "--so-pin",
            "12345678",
        ])
        .env("SOFTHSM2_CONF", &conf)
        .output()
        .unwrap();
    assert!(
        init.status.success(),
        "{}",
        String::from_utf8_lossy(&init.stderr)
    );
    let soft = dir.path().join("soft.toml");
    std::fs::write(&soft, policy("/usr/lib/softhsm/libsofthsm2.so")).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_sio"))
        .args([
            "diagnose",
            "--json",
            "--only",
            "smart-card",
            "--policy",
            soft.to_str().unwrap(),
        ])
        .env("SOFTHSM2_CONF", &conf)
        .output()
        .unwrap();
    let r: Value = serde_json::from_slice(&out.stdout).unwrap();
    let m = item(&r, "WS_PKCS11_MODULES");
    assert_eq!(m["status"], "warn", "{m:#}");
    assert!(
        m["measured"]
            .as_str()
            .unwrap()
            .contains("\"soft\" (software"),
        "{m:#}"
    );

    // A bad profile is refused with its code, exit 2.
    let bad = dir.path().join("bad.toml");
    std::fs::write(&bad, "cpu_ghz = 3\n").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_sio"))
        .args(["diagnose", "--profile", bad.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("WS_CONFIG_INVALID"));
}
