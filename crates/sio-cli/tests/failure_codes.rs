//! The failure-code catalogue docs/failure-codes.md and the crates' code lists agree.
//!
//! Every crate exposes the codes of its errors as lists built from the same table as their
//! `code()` matches (`sio_error::coded!`, [`sio_error::CodeList`]): every listed code must be in
//! the catalogue, every catalogued code must be listed by some crate (or, for the interface's own
//! `UI_*` codes, used by ui/src), and the catalogue lists no code twice. A secondary scan of the
//! Rust sources finds code-like string literals that no list has: a code written outside a table.
#![allow(clippy::unwrap_used)] // test helpers outside #[test] fns

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use sio_error::CodeList;

// The command line's own table, from the binary's source (a test cannot link a binary's modules).
#[path = "../src/failure.rs"]
#[allow(dead_code, unreachable_pub)]
mod failure;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Each crate's lists of codes, one list per error enum or code table.
fn crate_lists() -> Vec<(&'static str, Vec<&'static [&'static str]>)> {
    // sio-fingerprint-agent has no table yet: its one code, from its error.
    let agent: &'static str = sio_fingerprint_agent::AgentError::Config(String::new()).code();
    let agent: &'static [&'static str] = Box::leak(Box::new([agent]));
    vec![
        ("sio-core", sio_core::error::CODES.to_vec()),
        ("sio-token", sio_token::CODES.to_vec()),
        ("sio-sign", sio_sign::CODES.to_vec()),
        ("sio-gost", vec![<sio_gost::GostError as CodeList>::CODES]),
        ("sio-pki", sio_pki::CODES.to_vec()),
        ("sio-protocol", sio_protocol::error::CODES.to_vec()),
        ("sio-policy", sio_policy::CODES.to_vec()),
        ("sio-vault", sio_vault::CODES.to_vec()),
        ("sio-workstation", sio_workstation::CODES.to_vec()),
        ("sio-biometrics", sio_biometrics::CODES.to_vec()),
        ("sio-update", sio_update::CODES.to_vec()),
        ("sio-gateway", sio_gateway::CODES.to_vec()),
        ("sio-client", sio_client::CODES.to_vec()),
        ("sio-app", sio_app::CODES.to_vec()),
        ("sio-cli", vec![<failure::CliCode as CodeList>::CODES]),
        ("sio-fingerprint-agent", vec![agent]),
    ]
}

/// Code → the crates that list it.
fn listed() -> BTreeMap<&'static str, BTreeSet<&'static str>> {
    let mut out: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for (krate, lists) in crate_lists() {
        for list in lists {
            for code in list {
                out.entry(code).or_default().insert(krate);
            }
        }
    }
    out
}

/// The catalogue's codes: the first cell of every table row that holds a code.
fn catalogue() -> Vec<String> {
    let doc = std::fs::read_to_string(root().join("docs/failure-codes.md")).unwrap();
    doc.lines()
        .filter_map(|line| line.strip_prefix("| ")?.split(" |").next())
        .filter(|cell| sio_error::is_code(cell))
        .map(str::to_owned)
        .collect()
}

fn files(dir: &Path, ext: &str, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries {
        let p = e.unwrap().path();
        if p.is_dir() {
            let skip = ["target", "tests", "node_modules", "dist"];
            if !skip.iter().any(|s| p.ends_with(s)) {
                files(&p, ext, out);
            }
        } else if p.extension().is_some_and(|x| x == ext) {
            out.push(p);
        }
    }
}

/// Quoted literals (`"…"`, `'…'`, `` `…` ``) that have the form of a stable code with one of
/// `prefixes`.
fn code_literals<'a>(text: &'a str, prefixes: &[String]) -> Vec<&'a str> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    for (i, q) in text.char_indices() {
        if !matches!(q, '"' | '\'' | '`') {
            continue;
        }
        let rest = &text[i + 1..];
        let len = rest
            .bytes()
            .take_while(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || *b == b'_')
            .count();
        let lit = &rest[..len];
        let closed = bytes.get(i + 1 + len) == Some(&(q as u8));
        if closed && sio_error::is_code(lit) && prefixes.iter().any(|p| lit.starts_with(p)) {
            out.push(lit);
        }
    }
    out
}

/// The prefixes of the catalogue's codes (`GW_`, `CORE_`, …).
fn prefixes(catalogue: &[String]) -> Vec<String> {
    let set: BTreeSet<String> = catalogue
        .iter()
        .filter_map(|c| c.split_once('_').map(|(p, _)| format!("{p}_")))
        .collect();
    set.into_iter().collect()
}

/// The interface's own codes: `'UI_…'` literals of ui/src.
fn ui_codes() -> BTreeSet<String> {
    let mut found = Vec::new();
    files(&root().join("ui/src"), "ts", &mut found);
    files(&root().join("ui/src"), "svelte", &mut found);
    let ui = vec!["UI_".to_owned()];
    let mut out = BTreeSet::new();
    for f in found {
        let text = std::fs::read_to_string(&f).unwrap();
        out.extend(code_literals(&text, &ui).into_iter().map(str::to_owned));
    }
    out
}

#[test]
fn the_catalogue_lists_no_code_twice() {
    let mut seen = BTreeSet::new();
    let twice: Vec<String> = catalogue()
        .into_iter()
        .filter(|c| !seen.insert(c.clone()))
        .collect();
    assert!(twice.is_empty(), "listed twice in the catalogue: {twice:?}");
}

#[test]
fn every_code_a_crate_lists_is_in_the_catalogue() {
    let catalogue: BTreeSet<String> = catalogue().into_iter().collect();
    let missing: Vec<String> = listed()
        .into_iter()
        .filter(|(code, _)| !catalogue.contains(*code))
        .map(|(code, crates)| {
            format!(
                "{code} ({})",
                crates.into_iter().collect::<Vec<_>>().join(", ")
            )
        })
        .collect();
    assert!(
        missing.is_empty(),
        "codes missing from docs/failure-codes.md:\n{}",
        missing.join("\n")
    );
}

#[test]
fn every_catalogued_code_is_listed_by_a_crate_or_used_by_the_ui() {
    let listed = listed();
    let ui = ui_codes();
    let unlisted: Vec<String> = catalogue()
        .into_iter()
        .filter(|c| !listed.contains_key(c.as_str()) && !ui.contains(c))
        .collect();
    assert!(
        unlisted.is_empty(),
        "catalogued codes that no crate's list (sio_error::CodeList) has and ui/src does not use:\n{}",
        unlisted.join("\n")
    );
}

#[test]
fn each_list_has_each_code_once_in_the_form_of_a_code() {
    for (krate, lists) in crate_lists() {
        for list in lists {
            let mut seen = BTreeSet::new();
            for code in list {
                assert!(sio_error::is_code(code), "{krate}: {code:?} is not a code");
                assert!(seen.insert(code), "{krate}: {code} twice in one list");
            }
        }
    }
}

/// Secondary: a code-like literal in the Rust sources that no list has was written outside a
/// table (or the table forgot it).
#[test]
fn every_code_literal_in_the_sources_is_listed() {
    let catalogue = catalogue();
    let prefixes: Vec<String> = prefixes(&catalogue)
        .into_iter()
        .filter(|p| p != "UI_")
        .collect();
    let listed = listed();
    let mut sources = Vec::new();
    files(&root().join("crates"), "rs", &mut sources);
    files(&root().join("src-tauri"), "rs", &mut sources);
    let mut stray = BTreeSet::new();
    for f in &sources {
        let text = std::fs::read_to_string(f).unwrap();
        // Unit tests at the end of a file may name codes that do not exist, on purpose.
        let text = text.split("#[cfg(test)]").next().unwrap_or_default();
        for code in code_literals(text, &prefixes) {
            if !listed.contains_key(code) {
                stray.insert(format!("{code} ({})", f.display()));
            }
        }
    }
    assert!(
        stray.is_empty(),
        "code literals that no crate's list has (add them to the crate's table):\n{}",
        stray.into_iter().collect::<Vec<_>>().join("\n")
    );
    // The check has teeth: the lists cover the domain codes and the gateway's.
    assert!(
        listed.contains_key("CORE_IIN_CHECK_DIGIT") && listed.contains_key("GW_ACCOUNT_LOCKED")
    );
}
