//! Signed envelopes: what the client signs is what the gateway verifies and parses.

use chrono::{FixedOffset, TimeZone};
use sio_protocol::*;
use uuid::Uuid;

fn login_doc() -> LoginDocument {
    let tz = FixedOffset::east_opt(5 * 3600).expect("tz");
    LoginDocument {
        doc: LoginDocType::V1,
        challenge_id: Uuid::nil(),
        nonce: "bm9uY2U=".into(),
        certificate_sha256: "00".repeat(32),
        carrier: KeyCarrier::Hardware,
        client_time: tz
            .with_ymd_and_hms(2026, 3, 1, 10, 0, 0)
            .single()
            .expect("time"),
    }
}

#[test]
fn received_canonical_bytes_equal_client_bytes() {
    let doc = login_doc();
    let signed = Signed::new(doc.clone(), b"\x30\x00");
    let body = serde_json::to_vec_pretty(&signed).expect("json");
    let received = ReceivedSigned::from_body(&body).expect("decode");
    let client = Signed::<LoginDocument>::canonical_bytes(&doc).expect("canonical");
    assert_eq!(received.canonical, client);
    assert_eq!(received.cms_der, b"\x30\x00");
    assert_eq!(
        String::from_utf8(client).expect("utf8"),
        r#"{"carrier":"hardware","certificate_sha256":"0000000000000000000000000000000000000000000000000000000000000000","challenge_id":"00000000-0000-0000-0000-000000000000","client_time":"2026-03-01T10:00:00+05:00","doc":"sio.login/v1","nonce":"bm9uY2U="}"#
    );
    assert_eq!(received.parse::<LoginDocument>().expect("parse"), doc);
}

#[test]
fn wrong_type_unknown_fields_bad_base64() {
    let signed = Signed::new(login_doc(), b"x");
    let body = serde_json::to_vec(&signed).expect("json");
    let received = ReceivedSigned::from_body(&body).expect("decode");
    assert_eq!(
        received
            .parse::<ConsentDocument>()
            .map_err(|e| e.code())
            .err(),
        Some("PROTO_WRONG_DOCUMENT_TYPE")
    );
    let mut v: serde_json::Value = serde_json::from_slice(&body).expect("json");
    v["document"]["extra"] = serde_json::json!(1);
    let received =
        ReceivedSigned::from_body(&serde_json::to_vec(&v).expect("json")).expect("decode");
    assert_eq!(
        received
            .parse::<LoginDocument>()
            .map_err(|e| e.code())
            .err(),
        Some("PROTO_MALFORMED_JSON")
    );
    v["cms"] = serde_json::json!("%%%");
    assert_eq!(
        ReceivedSigned::from_body(&serde_json::to_vec(&v).expect("json"))
            .map_err(|e| e.code())
            .err(),
        Some("PROTO_BAD_BASE64")
    );
    assert_eq!(
        ReceivedSigned::from_body(b"{not json")
            .map_err(|e| e.code())
            .err(),
        Some("PROTO_MALFORMED_JSON")
    );
    v["document"]["x"] = serde_json::json!(0.5);
    assert_eq!(
        ReceivedSigned::from_body(&serde_json::to_vec(&v).expect("json"))
            .map_err(|e| e.code())
            .err(),
        Some("PROTO_NON_INTEGER_NUMBER")
    );
}

#[test]
fn secrets_are_redacted_in_debug() {
    let c: OtpCheck = serde_json::from_str(r#"{"code":"123456"}"#).expect("json");
    assert!(!format!("{c:?}").contains("123456"));
    assert_eq!(c.code.expose(), "123456");
}
