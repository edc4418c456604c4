//! `sio check` decides requests as the composer and the gateway do.
#![allow(clippy::unwrap_used)] // test helpers outside #[test] fns

use std::io::Write;
use std::process::{Command, Stdio};

use serde_json::Value;

fn check(request: &str) -> (bool, Value) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_sio"))
        .args(["check", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(request.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    (
        out.status.success(),
        serde_json::from_slice(&out.stdout).unwrap(),
    )
}

const CASE: &str = r#"{"kind":"criminal_case","erdr":"241500031000123"}"#;
const PERSON: &str = r#"{"kind":"individual","id":"900101300106"}"#;

#[test]
fn allowed_truncated_and_refused() {
    let (ok, v) = check(&format!(
        r#"{{"role":3,"basis":"criminal","case":{CASE},"subject":{PERSON},"service":1}}"#
    ));
    assert!(ok);
    assert_eq!(v["variant"], "full");

    let court = r#"{"kind":"civil_court","number":"7527-24-00-2/1234","year":2024,"court":"Есильский районный суд"}"#;
    let (ok, v) = check(&format!(
        r#"{{"role":2,"basis":"civil_court","case":{court},"subject":{PERSON},"service":11}}"#
    ));
    assert!(ok);
    assert_eq!(v["variant"], "truncated");

    let (ok, v) = check(&format!(
        r#"{{"role":15,"basis":"criminal","case":{CASE},"subject":{PERSON},"service":1}}"#
    ));
    assert!(!ok);
    assert_eq!(v["code"], "CORE_ROLE_BASIS_DENIED");

    let (ok, v) = check(&format!(
        r#"{{"role":3,"basis":"criminal","case":{CASE},"subject":{PERSON},"service":39,"article":{{"article":190}}}}"#
    ));
    assert!(!ok);
    assert_eq!(v["code"], "CORE_ARTICLE_OUTSIDE_CHAPTER_8");
}

#[test]
fn malformed_input_gets_a_code_not_a_panic() {
    for bad in ["", "{", r#"{"role":3}"#] {
        let (ok, v) = check(bad);
        assert!(!ok);
        assert_eq!(v["code"], "CLI_REQUEST_MALFORMED", "{bad}");
    }
}

#[test]
fn a_bad_field_gets_the_code_of_its_rule() {
    let cases = [
        (r#""role":20"#, CASE, PERSON, "CORE_UNKNOWN_ROLE"),
        (
            r#""role":3"#,
            CASE,
            r#"{"kind":"individual","id":"900101300107"}"#,
            "CORE_IIN_CHECK_DIGIT",
        ),
        (
            r#""role":3"#,
            CASE,
            r#"{"kind":"legal_entity","id":"12345"}"#,
            "CORE_BIN_FORMAT",
        ),
        (
            r#""role":3"#,
            r#"{"kind":"criminal_case","erdr":"2415"}"#,
            PERSON,
            "CORE_CASE_FIELD_INVALID",
        ),
    ];
    for (role, case, subject, code) in cases {
        let (ok, v) = check(&format!(
            r#"{{{role},"basis":"criminal","case":{case},"subject":{subject},"service":1}}"#
        ));
        assert!(!ok);
        assert_eq!(v["code"], code, "{v}");
    }
    let (_, v) = check(&format!(
        r#"{{"role":3,"basis":"criminal","case":{CASE},"subject":{PERSON},"service":94}}"#
    ));
    assert_eq!(v["code"], "CORE_UNKNOWN_SERVICE");
}
