//! `sio catalogue --json` against an independent reading of the seeds themselves.
//!
//! The seeds (the legal acts) sit beside the repository in `../shared/seeds` (or where
//! `SIO_SEEDS_DIR` points). This test parses the flattened tables with its own small parser —
//! not the crate's tables — and compares every row.

#![allow(clippy::unwrap_used)] // test helpers outside #[test] fns

use std::path::PathBuf;
use std::process::Command;

use serde_json::Value;

fn seeds_dir() -> Option<PathBuf> {
    if let Some(d) = std::env::var_os("SIO_SEEDS_DIR") {
        return Some(PathBuf::from(d));
    }
    let d = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/seeds");
    d.is_dir().then_some(d)
}

fn seed(dir: &std::path::Path, prefix: &str) -> String {
    let entry = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.file_name().unwrap().to_string_lossy().starts_with(prefix))
        .unwrap_or_else(|| panic!("seed {prefix}* not found in {}", dir.display()));
    std::fs::read_to_string(entry).unwrap()
}

fn catalogue() -> Value {
    let out = Command::new(env!("CARGO_BIN_EXE_sio"))
        .args(["catalogue", "--json"])
        .output()
        .unwrap();
    assert!(out.status.success());
    serde_json::from_slice(&out.stdout).unwrap()
}

const KEYS: [&str; 6] = [
    "criminal",
    "admin_court",
    "admin_offence",
    "civil_court",
    "enforcement",
    "wanted",
];

/// Appendix 1 of Order 34/2026: tab-separated rows; a row whose number is empty carries the first
/// half of the next row's name.
fn roles_from_seed(text: &str) -> Vec<(u8, String, Vec<&'static str>)> {
    let start = text.find("№\tПользователь").expect("roles table head");
    let mut rows = Vec::new();
    let mut carry = String::new();
    for line in text[start..].lines().skip(2) {
        if line.trim().is_empty() {
            continue;
        }
        let cells: Vec<&str> = line.split('\t').collect();
        assert_eq!(cells.len(), 8, "row {line:?}");
        if cells[0].is_empty() {
            carry = cells[1].trim().to_owned();
            continue;
        }
        let no: u8 = cells[0].trim_end_matches('.').parse().unwrap();
        let name = if carry.is_empty() {
            cells[1].trim().to_owned()
        } else {
            format!("{} {}", std::mem::take(&mut carry), cells[1].trim())
        };
        let bases = (0..6)
            .filter(|i| cells[2 + i].trim() == "+")
            .map(|i| KEYS[i])
            .collect();
        rows.push((no, name, bases));
    }
    rows
}

/// A service row read from the seed: number, Russian name, (basis key, mark) pairs.
type SeedService = (u8, String, Vec<(&'static str, &'static str)>);

/// Appendix 2 of Order 88/2024: one cell per TAB-led line group.
fn services_from_seed(text: &str) -> Vec<SeedService> {
    let start = text
        .find("Права доступа к сервисам")
        .expect("services table head");
    let end = start + text[start..].find("Примечание").expect("footnotes");
    let cells: Vec<String> = text[start..end]
        .split("\n\t")
        .map(|c| c.trim().to_owned())
        .collect();
    let mut rows = Vec::new();
    let mut i = 0;
    while i < cells.len() {
        let c = &cells[i];
        if let Some(n) = c.strip_suffix('.').and_then(|n| n.parse::<u8>().ok()) {
            let name = cells[i + 1]
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ");
            let name = name.trim_end_matches(['1', '2']).to_owned();
            let access = (0..6)
                .filter_map(|k| {
                    let mark = match cells[i + 2 + k].as_str() {
                        "+" => "full",
                        "+усеченный" => "truncated",
                        "только по определенным статьям" => "articles",
                        "" => return None,
                        other => panic!("unknown mark {other:?} in service {n}"),
                    };
                    Some((KEYS[k], mark))
                })
                .collect();
            rows.push((n, name, access));
            i += 8;
        } else {
            i += 1;
        }
    }
    rows
}

#[test]
fn catalogue_matches_the_seeds_row_by_row() {
    let Some(dir) = seeds_dir() else {
        eprintln!(
            "seeds not found beside the repository; set SIO_SEEDS_DIR to run this comparison"
        );
        return;
    };
    let cat = catalogue();

    let bases: Vec<&str> = cat["bases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["key"].as_str().unwrap())
        .collect();
    assert_eq!(bases, KEYS);

    let roles = roles_from_seed(&seed(&dir, "002_"));
    assert_eq!(roles.len(), 19);
    let got = cat["roles"].as_array().unwrap();
    assert_eq!(got.len(), 19);
    for ((no, name, bases), g) in roles.iter().zip(got) {
        assert_eq!(g["no"].as_u64().unwrap(), u64::from(*no));
        assert_eq!(g["name_ru"].as_str().unwrap(), name, "role {no}");
        let gb: Vec<&str> = g["bases"]
            .as_array()
            .unwrap()
            .iter()
            .map(|b| b.as_str().unwrap())
            .collect();
        assert_eq!(&gb, bases, "role {no}");
    }

    let services = services_from_seed(&seed(&dir, "001_"));
    assert_eq!(services.len(), 93);
    let got = cat["services"].as_array().unwrap();
    assert_eq!(got.len(), 93);
    for ((no, name, access), g) in services.iter().zip(got) {
        assert_eq!(g["no"].as_u64().unwrap(), u64::from(*no));
        assert_eq!(g["name_ru"].as_str().unwrap(), name, "service {no}");
        let ga: Vec<(&str, &str)> = g["access"]
            .as_object()
            .unwrap()
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str().unwrap()))
            .collect();
        let mut ga = ga;
        ga.sort();
        let mut want = access.clone();
        want.sort();
        assert_eq!(ga, want, "service {no}");
    }
}

#[test]
fn catalogue_json_has_the_documented_shape() {
    let cat = catalogue();
    for r in cat["roles"].as_array().unwrap() {
        assert!(r["no"].is_u64() && r["name_ru"].is_string() && r["bases"].is_array());
        for k in ["name_kk", "name_en"] {
            assert!(!r[k].as_str().unwrap().is_empty());
        }
    }
    for s in cat["services"].as_array().unwrap() {
        for (k, v) in s["access"].as_object().unwrap() {
            assert!(KEYS.contains(&k.as_str()));
            assert!(["full", "truncated", "articles"].contains(&v.as_str().unwrap()));
        }
    }
}
