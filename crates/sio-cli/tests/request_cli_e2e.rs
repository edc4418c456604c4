//! `sio request` end to end on the real stack (virtual PIV card in pcscd, the reference gateway
//! over mutual TLS, the vault and the outbox with their keys in the Linux kernel keyring): compose
//! refuses forbidden requests before anything is signed; send signs on the card, queues, logs in
//! (PIN and SMS code on standard input), sends and stores the result encrypted; view shows it once
//! and destroys it; a viewer killed with SIGKILL leaves nothing readable and the next start shreds.
#![allow(clippy::unwrap_used)] // test helpers outside #[test] fns

mod support;

use std::io::{BufRead, BufReader, Write};
use std::process::Stdio;

use sio_vault::{KeyStore, OsKeyring};
use support::{
    ALLOWED_REQUEST as ALLOWED, IIN, PIN, World, contains, files_under, json_lines, sio,
};

const IN_SESSION: &str = "SIO_REQUEST_CLI_E2E_IN_KEYCTL_SESSION";

fn in_keyctl_session(test: &str) -> bool {
    sio_test_support::in_keyctl_session(IN_SESSION, test)
}

#[test]
fn compose_refuses_forbidden_requests_with_core_codes_and_previews_allowed_ones() {
    let refused = |args: &[&str], code: &str| {
        let out = sio(&["request", "compose"]).args(args).output().unwrap();
        assert!(!out.status.success(), "{args:?} was allowed");
        let v = json_lines(&out.stdout).pop().unwrap();
        assert_eq!(v["code"], code, "{args:?}: {v}");
    };
    let civil = [
        "--role",
        "3",
        "--basis",
        "civil_court",
        "--case-number",
        "2-1234",
        "--case-year",
        "2025",
        "--court",
        "Есильский районный суд",
        "--subject",
        "900101300106",
        "--service",
        "1",
    ];
    refused(&civil, "CORE_ROLE_BASIS_DENIED");
    let mut no_article = ALLOWED.to_vec();
    *no_article.last_mut().unwrap() = "38";
    refused(&no_article, "CORE_ARTICLE_REQUIRED");
    let mut outside = no_article.clone();
    outside.extend(["--article", "105"]);
    refused(&outside, "CORE_ARTICLE_OUTSIDE_CHAPTER_8");
    let mut bad_iin = ALLOWED.to_vec();
    bad_iin[7] = "900101300107";
    let out = sio(&["request", "compose"])
        .args(&bad_iin)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let v = json_lines(&out.stdout).pop().unwrap();
    assert!(v["code"].as_str().unwrap().starts_with("CORE_"), "{v}");

    let out = sio(&["request", "compose", "--preview", "--user", IIN])
        .args(ALLOWED)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("241500031000123") && text.contains("900101300106") && text.contains(IIN),
        "{text}"
    );
    let mut with_article = no_article.clone();
    with_article.extend(["--article", "216"]);
    let out = sio(&["request", "compose"])
        .args(&with_article)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

#[test]
fn send_then_view_once_and_a_killed_viewer_leaves_nothing() {
    if !in_keyctl_session("send_then_view_once_and_a_killed_viewer_leaves_nothing") {
        return;
    }
    let world = World::up();
    // First login signs the consent (`sio login`).
    let mut login = world.spawn_login(&["--logout"]);
    login.type_line(PIN);
    let code = world.sms_code(IIN, None);
    login.type_line(&code);
    login.type_line(PIN);
    let (ok, out, err) = login.finish();
    assert!(ok, "{out}\n{err}");

    let data = world.dir.path().join("ws");
    let ca = world.pki.join(sio_pki::paths::CA_CERT);
    let conn = |cmd: &[&str]| {
        let mut c = sio(cmd);
        c.args(["--stdin", "--gateway", &world.url, "--ca"])
            .arg(&ca)
            .arg("--data-dir")
            .arg(&data);
        c
    };
    // Send: card PIN, signing PIN (9C is PIN-always), then the SMS code.
    let mut child = conn(&["request", "send"])
        .args(ALLOWED)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    writeln!(stdin, "{PIN}\n{PIN}").unwrap();
    stdin.flush().unwrap();
    let code = world.sms_code(IIN, Some(&code));
    writeln!(stdin, "{code}").unwrap();
    drop(stdin);
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "{}\n{stderr}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(stderr.contains("Document to sign") && stderr.contains("241500031000123"));
    let lines = json_lines(&out.stdout);
    let ready = lines
        .iter()
        .find(|v| v["status"]["state"] == "result_ready")
        .unwrap_or_else(|| panic!("{lines:?}"));
    let request_id = ready["request_id"].as_str().unwrap().to_owned();
    for text in [
        String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr.into_owned(),
    ] {
        assert!(!text.contains(&code), "the SMS code leaked");
    }

    // Listed as a result in the vault.
    let out = sio(&["request", "list", "--data-dir"])
        .arg(&data)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let listed = json_lines(&out.stdout);
    assert!(
        listed
            .iter()
            .any(|v| v["request_id"] == request_id.as_str() && v["status"]["state"] == "in_vault"),
        "{listed:?}"
    );

    // View, kept open, then killed with SIGKILL once the table is on the screen.
    let mut viewer = sio(&[
        "request",
        "view",
        &request_id,
        "--stdin",
        "--keep-until-close",
        "--data-dir",
    ])
    .arg(&data)
    .stdin(Stdio::piped())
    .stdout(Stdio::piped())
    .stderr(Stdio::null())
    .spawn()
    .unwrap();
    let mut vin = viewer.stdin.take().unwrap();
    writeln!(vin, "{PIN}").unwrap();
    vin.flush().unwrap();
    let mut shown = Vec::new();
    for line in BufReader::new(viewer.stdout.take().unwrap()).lines() {
        let line = line.unwrap();
        shown.push(line);
        if shown.len() >= 3 {
            break;
        }
    }
    // The longest cell of the table is the marker scanned for.
    let marker = shown[2]
        .split(" | ")
        .max_by_key(|c| c.len())
        .unwrap()
        .to_owned();
    assert!(marker.len() >= 8, "{shown:?}");
    viewer.kill().unwrap(); // SIGKILL, the viewer open
    viewer.wait().unwrap();
    drop(vin);

    // The next start (here `list`) shreds the result left open.
    let out = sio(&["request", "list", "--data-dir"])
        .arg(&data)
        .output()
        .unwrap();
    assert!(out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("destroyed"), "{stderr}");
    assert!(
        json_lines(&out.stdout)
            .iter()
            .all(|v| v["status"]["state"] != "in_vault")
    );
    let left: Vec<_> = files_under(&data)
        .into_iter()
        .filter(|(_, b)| contains(b, marker.as_bytes()))
        .map(|(p, _)| p)
        .collect();
    assert!(left.is_empty(), "result bytes left: {left:?}");
    // Viewed once: not there any more.
    let mut again = sio(&["request", "view", &request_id, "--stdin", "--data-dir"])
        .arg(&data)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    writeln!(again.stdin.take().unwrap(), "{PIN}").unwrap();
    let out = again.wait_with_output().unwrap();
    assert!(!out.status.success());
    assert_eq!(
        json_lines(&out.stdout).pop().unwrap()["code"],
        "CLI_RESULT_NOT_FOUND"
    );
    // The journal verifies.
    let out = sio(&["audit", "verify", "--journal"])
        .arg(data.join("audit.jsonl"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );

    // The keys are linked into the persistent keyring too: do not leave them behind.
    let keys = OsKeyring::new("sio-vault");
    let vault: serde_json::Value =
        serde_json::from_slice(&std::fs::read(data.join("vault/vault.json")).unwrap()).unwrap();
    keys.delete(&format!(
        "sio-app:kek:{}",
        vault["vault_id"].as_str().unwrap()
    ))
    .unwrap();
    keys.delete("sio-app:outbox").unwrap();
    keys.delete("sio-app:journal-mac").unwrap();
}

/// `sio request view --keep-until-close` keeps its promise "at most the viewing time"
/// (issue 20): with a 1-minute window and Enter never pressed (standard input left open), the
/// viewer destroys the result when the minute has passed on the boot clock — not before — says
/// so (`VAULT_RESULT_EXPIRED`, the Astana time), exits 0, and the journal records the shred as
/// `expired`. Nothing of the result is left on disk.
#[test]
fn a_viewer_left_open_is_closed_when_its_viewing_time_ends() {
    if !in_keyctl_session("a_viewer_left_open_is_closed_when_its_viewing_time_ends") {
        return;
    }
    let world = World::up();
    let mut login = world.spawn_login(&["--logout"]);
    login.type_line(PIN);
    let code = world.sms_code(IIN, None);
    login.type_line(&code);
    login.type_line(PIN);
    let (ok, out, err) = login.finish();
    assert!(ok, "{out}\n{err}");

    let data = world.dir.path().join("ws");
    let ca = world.pki.join(sio_pki::paths::CA_CERT);
    let mut child = sio(&["request", "send"])
        .args(["--stdin", "--gateway", &world.url, "--ca"])
        .arg(&ca)
        .arg("--data-dir")
        .arg(&data)
        .args(ALLOWED)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    writeln!(stdin, "{PIN}\n{PIN}").unwrap();
    stdin.flush().unwrap();
    let code = world.sms_code(IIN, Some(&code));
    writeln!(stdin, "{code}").unwrap();
    drop(stdin);
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let lines = json_lines(&out.stdout);
    let request_id = lines
        .iter()
        .find(|v| v["status"]["state"] == "result_ready")
        .unwrap_or_else(|| panic!("{lines:?}"))["request_id"]
        .as_str()
        .unwrap()
        .to_owned();

    // View with the shortest window; the PIN, then standard input stays open without Enter.
    let started = std::time::Instant::now();
    let mut viewer = sio(&[
        "request",
        "view",
        &request_id,
        "--stdin",
        "--keep-until-close",
        "--view-minutes",
        "1",
        "--data-dir",
    ])
    .arg(&data)
    .stdin(Stdio::piped())
    .stdout(Stdio::piped())
    .stderr(Stdio::piped())
    .spawn()
    .unwrap();
    let mut vin = viewer.stdin.take().unwrap();
    writeln!(vin, "{PIN}").unwrap();
    vin.flush().unwrap();
    let stdout = viewer.stdout.take().unwrap();
    let reader = std::thread::spawn(move || {
        BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
            .collect::<Vec<_>>()
    });
    // It must end by itself, within the window and a few seconds.
    let status = loop {
        if let Some(s) = viewer.try_wait().unwrap() {
            break s;
        }
        if started.elapsed() > std::time::Duration::from_secs(100) {
            viewer.kill().unwrap();
            panic!("the viewer still open 100 s into a 1-minute window");
        }
        std::thread::sleep(std::time::Duration::from_millis(200));
    };
    let took = started.elapsed();
    drop(vin); // open until the viewer ended by itself
    let shown = reader.join().unwrap();
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut viewer.stderr.take().unwrap(), &mut stderr).unwrap();
    assert!(status.success(), "{status}\n{stderr}");
    assert!(
        took >= std::time::Duration::from_secs(59),
        "closed after {took:?}: {stderr}"
    );
    assert!(
        stderr.contains("VAULT_RESULT_EXPIRED") && stderr.contains("viewing time ended"),
        "{stderr}"
    );
    assert!(shown.len() >= 3, "{shown:?}");
    let marker = shown[2]
        .split(" | ")
        .max_by_key(|c| c.len())
        .unwrap()
        .to_owned();
    assert!(marker.len() >= 8, "{shown:?}");
    let left: Vec<_> = files_under(&data.join("vault"))
        .into_iter()
        .filter(|(_, b)| contains(b, marker.as_bytes()))
        .map(|(p, _)| p)
        .collect();
    assert!(left.is_empty(), "result bytes left: {left:?}");
    assert!(
        files_under(&data.join("vault/data")).is_empty(),
        "ciphertext removed"
    );
    let journal = std::fs::read_to_string(data.join("audit.jsonl")).unwrap();
    assert!(
        journal
            .lines()
            .any(|l| l.contains("\"operation\":\"result.shredded\"")
                && l.contains(&request_id)
                && l.contains("expired")),
        "{journal}"
    );
    let out = sio(&["audit", "verify", "--journal"])
        .arg(data.join("audit.jsonl"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );

    let keys = OsKeyring::new("sio-vault");
    let vault: serde_json::Value =
        serde_json::from_slice(&std::fs::read(data.join("vault/vault.json")).unwrap()).unwrap();
    keys.delete(&format!(
        "sio-app:kek:{}",
        vault["vault_id"].as_str().unwrap()
    ))
    .unwrap();
    keys.delete("sio-app:outbox").unwrap();
    keys.delete("sio-app:journal-mac").unwrap();
}
