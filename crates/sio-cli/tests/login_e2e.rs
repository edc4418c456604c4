//! `sio login` end to end: the virtual PIV card in the real pcscd, the reference gateway over
//! mutual TLS, the SMS code read from the gateway's outbox, the consent signed on first login.
#![allow(clippy::unwrap_used)] // test helpers outside #[test] fns

mod support;

use support::{IIN, PIN, World};

#[test]
fn first_login_with_sms_signs_the_consent_then_second_login_does_not_ask_for_it() {
    let world = World::up();

    let mut login = world.spawn_login(&[]);
    login.type_line(PIN);
    let code = world.sms_code(IIN, None);
    login.type_line(&code);
    login.type_line(PIN); // signing PIN for the consent (slot 9C: PIN always)
    let (ok, out, err) = login.finish();
    assert!(ok, "{out}\n{err}");
    assert_eq!(out["stage"], "active", "{out}");
    assert_eq!(out["user"]["iin"], IIN);
    assert!(out["consent_signed_at"].is_string(), "{out}");
    // No secret in what the command prints: not the SMS code, not the PIN, not the session token.
    for text in [out.to_string(), err.clone()] {
        assert!(!text.contains(&code), "the SMS code leaked:\n{text}");
        assert!(!text.contains(PIN), "the PIN leaked:\n{text}");
        assert!(!text.contains("token"), "a session token leaked:\n{text}");
    }

    let mut login = world.spawn_login(&["--logout"]);
    login.type_line(PIN);
    let code = world.sms_code(IIN, Some(&code));
    login.type_line(&code);
    let (ok, out, err) = login.finish();
    assert!(ok, "{out}\n{err}");
    assert_eq!(out["stage"], "active");
    assert!(!err.contains("Signing PIN"), "consent asked twice:\n{err}");
}

#[test]
fn wrong_sms_code_is_refused_with_the_gateways_code() {
    let world = World::up();
    let mut login = world.spawn_login(&[]);
    login.type_line(PIN);
    let code = world.sms_code(IIN, None);
    let wrong = if code == "000000" { "111111" } else { "000000" };
    login.type_line(wrong);
    let (ok, out, _) = login.finish();
    assert!(!ok);
    assert!(out["code"].as_str().unwrap().starts_with("GW_"), "{out}");
}

#[test]
fn wrong_pin_says_how_many_tries_are_left() {
    let world = World::up();
    let mut login = world.spawn_login(&[]);
    login.type_line("999999");
    let (ok, out, err) = login.finish();
    assert!(!ok);
    assert_eq!(out["code"], "TOKEN_WRONG_PIN", "{out}\n{err}");
    // Reset the counter for the next tests: a correct PIN restores the tries.
    let mut login = world.spawn_login(&[]);
    login.type_line(PIN);
    let _ = world.sms_code(IIN, None);
    let _ = login.finish();
}

#[test]
fn a_key_file_is_refused_for_login() {
    let dir = tempfile::tempdir().unwrap();
    let p12 = dir.path().join("RSA256_0123.p12");
    std::fs::write(&p12, [0x30, 0x82, 0x01, 0x00]).unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_sio"))
        .args([
            "login",
            "--stdin",
            "--gateway",
            "https://127.0.0.1:9",
            "--ca",
            "/dev/null",
            "--key-file",
        ])
        .arg(&p12)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["code"], "TOKEN_FILE_KEY_REFUSED", "{v}");
}
