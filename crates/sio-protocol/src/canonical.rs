//! Canonical bytes of a signed document.
//!
//! Every document that carries legal weight is signed over its **canonical bytes**, defined as
//! the JSON Canonicalization Scheme (RFC 8785) restricted to the values our documents use:
//!
//! - UTF-8, no byte-order mark, no whitespace between tokens;
//! - object members sorted by key, comparing the keys as sequences of UTF-16 code units
//!   (all keys of our documents are ASCII, where this equals byte order);
//! - strings: `"` and `\` escaped with a backslash; U+0008, U+0009, U+000A, U+000C, U+000D
//!   as `\b \t \n \f \r`; every other code point below U+0020 as `\u00xx` (lowercase hex);
//!   everything else, including non-ASCII letters and `/`, written as is;
//! - numbers: integers only, in the range ±(2^53 − 1), in plain decimal; a fraction or an
//!   exponent is refused ([`CanonicalError::NonIntegerNumber`]), so there is never a question
//!   of how to print a float;
//! - `true`, `false`, `null` as literals; members whose value is `null` are kept as sent.
//!
//! The gateway canonicalises the `document` member exactly as it arrived (before it is parsed
//! into a typed value) and verifies the detached CMS signature over the result; then it parses
//! the typed document with unknown fields refused. What is signed is exactly what is acted on.

use serde::Serialize;
use serde_json::Value;

/// The largest integer magnitude a canonical document may carry (2^53 − 1, as in I-JSON).
pub const MAX_SAFE_INTEGER: u64 = (1 << 53) - 1;

/// Why a value has no canonical form.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CanonicalError {
    /// A number with a fraction or exponent, or outside ±(2^53 − 1).
    #[error("canonical documents carry integers within ±(2^53 - 1) only, found {0}")]
    NonIntegerNumber(String),
    /// The value could not be turned into JSON at all.
    #[error("the document cannot be represented as JSON: {0}")]
    NotJson(String),
}

// Its codes (`PROTO_NON_INTEGER_NUMBER`, `PROTO_MALFORMED_JSON`) are in crate::error's table.

/// Canonical bytes of a JSON value.
pub fn canonical_json(value: &Value) -> Result<Vec<u8>, CanonicalError> {
    let mut out = Vec::with_capacity(256);
    write_value(value, &mut out)?;
    Ok(out)
}

/// Canonical bytes of any serialisable document.
pub fn canonical_bytes<T: Serialize + ?Sized>(doc: &T) -> Result<Vec<u8>, CanonicalError> {
    let value = serde_json::to_value(doc).map_err(|e| CanonicalError::NotJson(e.to_string()))?;
    canonical_json(&value)
}

fn write_value(value: &Value, out: &mut Vec<u8>) -> Result<(), CanonicalError> {
    match value {
        Value::Null => out.extend_from_slice(b"null"),
        Value::Bool(true) => out.extend_from_slice(b"true"),
        Value::Bool(false) => out.extend_from_slice(b"false"),
        Value::Number(n) => {
            if let Some(u) = n.as_u64().filter(|u| *u <= MAX_SAFE_INTEGER) {
                out.extend_from_slice(u.to_string().as_bytes());
            } else if let Some(i) = n.as_i64().filter(|i| i.unsigned_abs() <= MAX_SAFE_INTEGER) {
                out.extend_from_slice(i.to_string().as_bytes());
            } else {
                return Err(CanonicalError::NonIntegerNumber(n.to_string()));
            }
        }
        Value::String(s) => write_string(s, out),
        Value::Array(items) => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_value(item, out)?;
            }
            out.push(b']');
        }
        Value::Object(map) => {
            let mut members: Vec<(&String, &Value)> = map.iter().collect();
            members.sort_by(|a, b| a.0.encode_utf16().cmp(b.0.encode_utf16()));
            out.push(b'{');
            for (i, (key, val)) in members.into_iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_string(key, out);
                out.push(b':');
                write_value(val, out)?;
            }
            out.push(b'}');
        }
    }
    Ok(())
}

fn write_string(s: &str, out: &mut Vec<u8>) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.push(b'"');
    for ch in s.chars() {
        match ch {
            '"' => out.extend_from_slice(b"\\\""),
            '\\' => out.extend_from_slice(b"\\\\"),
            '\u{08}' => out.extend_from_slice(b"\\b"),
            '\t' => out.extend_from_slice(b"\\t"),
            '\n' => out.extend_from_slice(b"\\n"),
            '\u{0C}' => out.extend_from_slice(b"\\f"),
            '\r' => out.extend_from_slice(b"\\r"),
            c if (c as u32) < 0x20 => {
                let b = c as u32 as usize;
                out.extend_from_slice(b"\\u00");
                out.push(HEX[b >> 4]);
                out.push(HEX[b & 0xF]);
            }
            c => {
                let mut buf = [0u8; 4];
                out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
            }
        }
    }
    out.push(b'"');
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn canon(v: Value) -> String {
        String::from_utf8(canonical_json(&v).expect("canonical")).expect("utf8")
    }

    #[test]
    fn sorts_keys_and_drops_whitespace() {
        let v: Value =
            serde_json::from_str(r#"{ "b": 1, "a": [true, null, "x"], "A": {"z":0,"y":-5} }"#)
                .expect("json");
        assert_eq!(
            canon(v),
            r#"{"A":{"y":-5,"z":0},"a":[true,null,"x"],"b":1}"#
        );
    }

    #[test]
    fn string_escapes_follow_rfc8785() {
        let v = json!("q\" b\\ \u{08}\t\n\u{0C}\r \u{01}\u{1f} / Қазақстан €");
        assert_eq!(
            canon(v),
            "\"q\\\" b\\\\ \\b\\t\\n\\f\\r \\u0001\\u001f / Қазақстан €\""
        );
    }

    #[test]
    fn utf16_key_order() {
        // U+E000 sorts before U+1F600 in UTF-16 (surrogates D83D..), after it in code points.
        let v = json!({"\u{1F600}": 1, "\u{E000}": 2});
        assert_eq!(canon(v), "{\"\u{1F600}\":1,\"\u{E000}\":2}");
    }

    #[test]
    fn refuses_floats_and_huge_integers() {
        let f: Value = serde_json::from_str("{\"a\":1.5}").expect("json");
        assert_eq!(
            canonical_json(&f).map_err(|e| e.code()),
            Err("PROTO_NON_INTEGER_NUMBER")
        );
        let e: Value = serde_json::from_str("{\"a\":1e3}").expect("json");
        assert!(canonical_json(&e).is_err());
        let big = json!(9_007_199_254_740_992u64);
        assert!(canonical_json(&big).is_err());
        assert_eq!(canon(json!(-9_007_199_254_740_991i64)), "-9007199254740991");
    }

    #[test]
    fn same_bytes_for_any_input_formatting() {
        let a: Value = serde_json::from_str("{\"x\":{\"b\":2,\"a\":1}}").expect("json");
        let b: Value =
            serde_json::from_str("{ \"x\" : { \"a\" : 1 ,\n \"b\" : 2 } }").expect("json");
        assert_eq!(canonical_json(&a), canonical_json(&b));
    }
}
