//! Every stable error code used in the sources is in the catalogue docs/failure-codes.md, and
//! the catalogue lists no code twice.
#![allow(clippy::unwrap_used)] // test helpers outside #[test] fns

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

const PREFIXES: &[&str] = &[
    "CORE_", "TOKEN_", "SIGN_", "PKI_", "PROTO_", "GW_", "CLIENT_", "VAULT_", "BIO_", "WS_",
    "APP_", "GOST_",
];

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries {
        let p = e.unwrap().path();
        if p.is_dir() {
            if !p.ends_with("target") && !p.ends_with("tests") {
                rust_files(&p, out);
            }
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// String literals that look like a stable code: `"PREFIX_WORDS"`.
fn codes_in(text: &str) -> impl Iterator<Item = &str> {
    text.split('"').skip(1).step_by(2).filter(|lit| {
        PREFIXES.iter().any(|p| lit.starts_with(p))
            && lit.len() > 5
            && lit
                .bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
            && !lit.ends_with('_')
    })
}

#[test]
fn every_code_in_the_sources_is_in_the_catalogue() {
    let doc = std::fs::read_to_string(root().join("docs/failure-codes.md")).unwrap();
    let mut listed = BTreeSet::new();
    for line in doc.lines() {
        if let Some(code) = line.strip_prefix("| ").and_then(|l| l.split(" |").next()) {
            if PREFIXES.iter().any(|p| code.starts_with(p)) {
                assert!(listed.insert(code.to_owned()), "{code} is listed twice");
            }
        }
    }
    let mut files = Vec::new();
    rust_files(&root().join("crates"), &mut files);
    rust_files(&root().join("src-tauri"), &mut files);
    let mut missing = BTreeSet::new();
    for f in &files {
        let text = std::fs::read_to_string(f).unwrap();
        for code in codes_in(&text) {
            if !listed.contains(code) {
                missing.insert(format!("{code} ({})", f.display()));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "codes missing from docs/failure-codes.md:\n{}",
        missing.into_iter().collect::<Vec<_>>().join("\n")
    );
    assert!(listed.len() >= sio_core::CoreError::CODES.len());
}
