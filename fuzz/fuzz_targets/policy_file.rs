//! The administrator's policy file (`/etc/arm-sio-pso/policy.toml`): any bytes end in a
//! `POLICY_*` code or a policy whose checks run without a panic.
#![no_main]

#[path = "parts.rs"]
mod parts;

use libfuzzer_sys::fuzz_target;
use sio_policy::Policy;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        // The file is read as bytes: the loader's own path refuses non-UTF-8.
        let dir = parts::scratch();
        let path = dir.path().join("policy.toml");
        std::fs::write(&path, data).expect("write");
        if let Err(e) = Policy::load(&path) {
            parts::assert_code(e.code());
        }
        return;
    };
    for parsed in [Policy::parse(text), Policy::parse_schema(text)] {
        match parsed {
            Ok(p) => {
                let _ = p.validate().map_err(|e| parts::assert_code(e.code()));
                let _ = p.problems();
                let _ = p.vendor_keys();
                // What is written back reads again as the same policy (`sio policy` round trip;
                // `parse_schema` only: a policy that the schema accepts but the rules refuse is
                // written back as it was, refused again by `parse`).
                let text = p.to_toml();
                let again = Policy::parse_schema(&text);
                assert!(again.is_ok(), "{:?}", again.err());
                assert_eq!(
                    again.map(|a| a.to_toml()).ok().as_deref(),
                    Some(text.as_str())
                );
            }
            Err(e) => parts::assert_code(e.code()),
        }
    }
});
