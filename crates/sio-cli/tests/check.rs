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

/// Issue 18 item 4: a missing or malformed case field is named by its key (2015 rr.21–27,
/// 2024 r.22, 2026 r.25), not reported as `accounting_year`.
#[test]
fn the_wrong_field_is_named() {
    let cases = [
        // 2024 r.22: an instruction needs the case number and the instruction's outgoing number.
        (
            "criminal",
            r#"{"kind":"instruction","erdr":"241500031000123"}"#,
            "case.instruction_no",
        ),
        (
            "criminal",
            r#"{"kind":"instruction","instruction_no":"2-15/1"}"#,
            "case.erdr",
        ),
        // 2026 r.25: a court case: number, accounting year, court.
        (
            "civil_court",
            r#"{"kind":"civil_court","number":"7527-24-00-2/1234","year":2024}"#,
            "case.court",
        ),
        (
            "civil_court",
            r#"{"kind":"civil_court","year":2024,"court":"Есильский районный суд"}"#,
            "case.number",
        ),
        (
            "civil_court",
            r#"{"kind":"civil_court","number":"7527","year":1900,"court":"Есильский районный суд"}"#,
            "case.year",
        ),
        // 2015 r.22 part 2: international legal assistance.
        (
            "criminal",
            r#"{"kind":"legal_assistance","request_no":"17/2","cover_letter_no":"2-11/99"}"#,
            "case.requesting_body",
        ),
        (
            "criminal",
            r#"{"kind":"legal_assistance","requesting_body":"Ministry of Justice","cover_letter_no":"2-11/99"}"#,
            "case.request_no",
        ),
        // 2015 r.27: enforcement proceedings by the АИС ОИП number.
        ("enforcement", r#"{"kind":"enforcement"}"#, "case.number"),
    ];
    for (basis, case, field) in cases {
        let (ok, v) = check(&format!(
            r#"{{"role":3,"basis":"{basis}","case":{case},"subject":{PERSON},"service":1}}"#
        ));
        assert!(!ok, "{case}");
        assert_eq!(v["code"], "CORE_CASE_FIELD_INVALID", "{case}: {v}");
        assert_eq!(v["field"], field, "{case}: {v}");
        assert!(
            v["message"].as_str().unwrap().contains(field),
            "{case}: {v}"
        );
    }
    // A missing top-level field is named too.
    let (ok, v) = check(&format!(
        r#"{{"role":3,"basis":"criminal","case":{CASE},"service":1}}"#
    ));
    assert!(!ok);
    assert_eq!(v["code"], "CLI_REQUEST_MALFORMED");
    assert_eq!(v["field"], "subject");
}

/// Issue 18 item 4: part 0 of an article is a malformed article (Chapter 8 restriction, 2015
/// Appendix 2 footnote 2 / rule 2 as of 2024), not a malformed request.
#[test]
fn a_bad_article_is_core_article_format() {
    for article in [
        r#"{"article":216,"part":0}"#,
        r#"{"article":0}"#,
        r#"{"article":216,"part":21}"#,
    ] {
        let (ok, v) = check(&format!(
            r#"{{"role":3,"basis":"criminal","case":{CASE},"subject":{PERSON},"service":38,"article":{article}}}"#
        ));
        assert!(!ok);
        assert_eq!(v["code"], "CORE_ARTICLE_FORMAT", "{article}: {v}");
        assert_eq!(v["field"], "article");
    }
}

/// Issue 18, structural warnings: the acts are silent on the inner structure of the numbers (ИИН
/// per the Law of 12 January 2007 No. 223-III), so a malformed but check-digit-valid number is
/// allowed WITH a printed warning — never a silent pass, never a refusal.
#[test]
fn structural_warnings_are_printed_not_refused() {
    // ИИН 901301300104: month 13 (check digit valid).
    let iin13 = sio_core::Iin::from_first11("90130130010")
        .unwrap()
        .to_string();
    let century9 = sio_core::Iin::from_first11("90010190010")
        .unwrap()
        .to_string();
    let bin_type7 = sio_core::Bin::from_first11("04037000123")
        .unwrap()
        .to_string();
    let cases = [
        (
            format!(r#"{{"kind":"individual","id":"{iin13}"}}"#),
            CASE.to_string(),
            "CORE_WARN_IIN_MONTH",
        ),
        (
            format!(r#"{{"kind":"individual","id":"{century9}"}}"#),
            CASE.to_string(),
            "CORE_WARN_IIN_CENTURY",
        ),
        (
            format!(r#"{{"kind":"legal_entity","id":"{bin_type7}"}}"#),
            CASE.to_string(),
            "CORE_WARN_BIN_TYPE_DIGIT",
        ),
        (
            PERSON.to_string(),
            r#"{"kind":"criminal_case","erdr":"000000000000000"}"#.to_string(),
            "CORE_WARN_ERDR_ALL_ZERO",
        ),
    ];
    for (subject, case, code) in cases {
        let (ok, v) = check(&format!(
            r#"{{"role":3,"basis":"criminal","case":{case},"subject":{subject},"service":1}}"#
        ));
        assert!(ok, "{v}");
        let codes: Vec<&str> = v["warnings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|w| w["code"].as_str().unwrap())
            .collect();
        assert!(codes.contains(&code), "{code}: {v}");
    }
    // A court year in the future (2026 r.25).
    let court = r#"{"kind":"civil_court","number":"7527-24-00-2/1234","year":2099,"court":"Есильский районный суд"}"#;
    let (ok, v) = check(&format!(
        r#"{{"role":2,"basis":"civil_court","case":{court},"subject":{PERSON},"service":11}}"#
    ));
    assert!(ok);
    assert_eq!(v["warnings"][0]["code"], "CORE_WARN_COURT_YEAR_FUTURE");
    // A clean request has none.
    let (ok, v) = check(&format!(
        r#"{{"role":3,"basis":"criminal","case":{CASE},"subject":{PERSON},"service":1}}"#
    ));
    assert!(ok);
    assert_eq!(v["warnings"], serde_json::json!([]));
}
