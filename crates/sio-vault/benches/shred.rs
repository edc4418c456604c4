//! Shredding time against result size (it must stay flat), and store / view throughput.
//!
//! `cargo bench -p sio-vault` (or `--profile dev` for the numbers of a debug build). The KEK is
//! in the Linux keyutils store: outside a session keyring the bench re-runs itself under
//! `keyctl session -`; without `keyctl` it falls back to an in-memory key store and says so.
//! Files go to Cargo's target tmp directory (a real disk, so fsync costs are real).

use std::path::Path;
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use sio_vault::{
    Actor, Journal, KeyStore, MemoryKeyStore, OsKeyring, Principal, ResultKind, ResultMeta, Vault,
    VaultConfig,
};

const IN_SESSION: &str = "SIO_VAULT_BENCH_IN_KEYCTL_SESSION";

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let keys: Arc<dyn KeyStore> = if std::env::var_os(IN_SESSION).is_some() {
        Arc::new(OsKeyring::new("sio-vault-bench"))
    } else {
        let exe = std::env::current_exe()?;
        match Command::new("keyctl")
            .args(["session", "-"])
            .arg(exe)
            .args(std::env::args().skip(1))
            .env(IN_SESSION, "1")
            .status()
        {
            Ok(status) if status.success() => return Ok(()),
            Ok(status) => return Err(format!("bench under keyctl session: {status}").into()),
            Err(_) => {
                println!("keyctl not found (apt-get install keyutils): in-memory key store");
                Arc::new(MemoryKeyStore::new())
            }
        }
    };
    let base = Path::new(env!("CARGO_TARGET_TMPDIR"));
    std::fs::create_dir_all(base)?;
    let dir = tempfile::tempdir_in(base)?;
    let actor = Actor {
        principal: Principal::System("bench".into()),
        workstation: "WS-BENCH".into(),
        ip: None,
    };
    let journal = Journal::open(&dir.path().join("audit.jsonl"), None)?;
    let vault = Vault::open(
        &dir.path().join("vault"),
        keys.clone(),
        journal,
        actor,
        VaultConfig::default(),
    )?;
    println!(
        "key store: {}; directory: {}",
        keys.describe(),
        dir.path().display()
    );
    // One resident result keeps the vault non-empty, so a shred is the crypto-erase alone (the
    // KEK rotation that follows the last shred is measured separately below).
    let _resident = vault.store(meta(), b"{}")?;

    println!(
        "{:>8} {:>5} | {:>10} {:>7} | {:>10} {:>7} | {:>9} {:>10} {:>9} {:>9} | {:>11}",
        "size",
        "runs",
        "store",
        "MB/s",
        "view",
        "MB/s",
        "erase min",
        "p50",
        "p95",
        "max",
        "+remove p50"
    );
    for (label, size, runs) in [
        ("10 KB", 10 * 1024, 200),
        ("1 MB", 1 << 20, 50),
        ("100 MB", 100 << 20, 10),
    ] {
        let plaintext = zeroize::Zeroizing::new(vec![0x5a_u8; size]);
        let (mut store, mut view, mut shred, mut removed) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for _ in 0..runs {
            let t = Instant::now();
            let id = vault.store(meta(), &plaintext)?;
            store.push(t.elapsed());
            let t = Instant::now();
            let v = vault.view(id)?;
            view.push(t.elapsed());
            let report = v.close()?;
            shred.push(report.erased_in);
            removed.push(report.removed_in);
        }
        let mbs = |d: &[Duration]| size as f64 / 1e6 / median(d).as_secs_f64();
        println!(
            "{label:>8} {runs:>5} | {:>10} {:>7.1} | {:>10} {:>7.1} | {:>9} {:>10} {:>9} {:>9} | {:>11}",
            ms(median(&store)),
            mbs(&store),
            ms(median(&view)),
            mbs(&view),
            ms(*shred.iter().min().unwrap_or(&Duration::ZERO)),
            ms(median(&shred)),
            ms(pct(&shred, 0.95)),
            ms(*shred.iter().max().unwrap_or(&Duration::ZERO)),
            ms(median(&removed)),
        );
    }
    let t = Instant::now();
    let last = vault.list()?;
    for r in last {
        vault.shred(r.id)?;
    }
    println!(
        "shred of the last result incl. its journal entry: {}",
        ms(t.elapsed())
    );
    // The journal: append latency (each append is durable: journal fsync + head replace) and
    // verification speed.
    let jpath = dir.path().join("bench-journal.jsonl");
    let mac = sio_vault::MacKey::load_or_create(keys.as_ref(), "bench-journal-mac")?;
    let journal = Journal::open(&jpath, Some(mac.clone()))?;
    let actor = Actor {
        principal: Principal::System("bench".into()),
        workstation: "WS-BENCH".into(),
        ip: None,
    };
    let mut appends = Vec::new();
    for i in 0..1000 {
        let record = sio_vault::Record::new(
            sio_vault::Operation::RequestSent,
            sio_vault::ObjectRef {
                request_id: Some(format!("req-{i}")),
                result_id: None,
            },
            sio_vault::Outcome::Success,
        );
        let t = Instant::now();
        journal.append(&actor, record)?;
        appends.push(t.elapsed());
    }
    let t = Instant::now();
    let report = sio_vault::verify(&jpath, Some(&mac))?;
    let took = t.elapsed();
    println!(
        "journal: append p50 {} p95 {}; verify with MACs {} entries in {} ({:.0} entries/s)",
        ms(median(&appends)),
        ms(pct(&appends, 0.95)),
        report.entries,
        ms(took),
        report.entries as f64 / took.as_secs_f64()
    );
    keys.delete("bench-journal-mac")?;
    // The KEK is also linked into the user's persistent keyring: remove it.
    let vault_file: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("vault/vault.json"))?)?;
    drop(vault);
    keys.delete(&format!(
        "kek:{}",
        vault_file["vault_id"].as_str().unwrap_or_default()
    ))?;
    Ok(())
}

fn meta() -> ResultMeta {
    ResultMeta {
        request_id: "bench".into(),
        kind: ResultKind::Pdf,
        received_at: chrono::Utc::now(),
    }
}

fn median(d: &[Duration]) -> Duration {
    pct(d, 0.5)
}

fn pct(d: &[Duration], p: f64) -> Duration {
    let mut v = d.to_vec();
    v.sort();
    v.get(((v.len() as f64 - 1.0) * p).round() as usize)
        .copied()
        .unwrap_or_default()
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1e3)
}
