//! Load benchmark (not a test): signed requests per second and latency at 50 and 500 concurrent
//! clients over mutual TLS on loopback, with the references measured in the same run on the same
//! cores: OpenSSL's RSA-2048 verify rate (`openssl speed -multi 2`), sio-sign's CMS verify rate,
//! the fsyncs/s of the disk the data directory is on, and SQLite's rate of durable one-row
//! commits there (the ceiling of one commit per request). Client and gateway share the machine's
//! cores. Run: `cargo bench -p sio-gateway --bench load` (docs/PERFORMANCE.md).
//!
//! Scenarios:
//! - closed loop: every client sends its next request as soon as the last is answered (the
//!   gateway saturated; by Little's law the mean latency is clients / throughput);
//! - officers: 500 connected clients, each sending one request at a random moment of every
//!   period (an offered load well below saturation, as officers at work produce it).
//!
//! Profiling the timed windows only: `SIO_BENCH_PERF_CTL=<fifo>` makes the bench write `enable`
//! and `disable` to perf's control FIFO around each level's timed part, e.g.
//! `mkfifo /tmp/ctl; perf record -D -1 --control fifo:/tmp/ctl -g -- <bench binary> --bench`
//! with `SIO_BENCH_PERF_CTL=/tmp/ctl` (docs/PERFORMANCE.md, "The floors, with the profile").
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    unreachable_pub,
    dead_code
)]

#[path = "../tests/common/mod.rs"]
mod common;

use std::io::Write as _;
use std::time::{Duration, Instant};

use common::*;
use rand::Rng as _;
use sio_protocol::*;

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

struct Level {
    rate: f64,
    p50: Duration,
    p95: Duration,
    p99: Duration,
    failed: usize,
    /// Writer jobs per durable commit during the level.
    per_commit: f64,
    /// Accepted requests per durable commit during the level.
    requests_per_commit: f64,
}

/// Switch perf on or off around a timed window (`SIO_BENCH_PERF_CTL`, see the module doc).
fn perf(command: &str) {
    let Some(path) = std::env::var_os("SIO_BENCH_PERF_CTL") else {
        return;
    };
    let written = std::fs::OpenOptions::new()
        .write(true)
        .open(&path)
        .and_then(|mut f| writeln!(f, "{command}"));
    if let Err(e) = written {
        // Said, not fatal: the figures are still measured, only the profile misses the window.
        eprintln!(
            "SIO_BENCH_PERF_CTL={}: {command}: {e}",
            path.to_string_lossy()
        );
    }
}

/// Pre-sign `n` request bodies (outside the timed part).
fn bodies(env: &Env, n: usize) -> Vec<serde_json::Value> {
    let iin = env.iin(INVESTIGATOR);
    let service = full_service_for(3, sio_core::Basis::Criminal);
    let signer = env.client(INVESTIGATOR);
    (0..n)
        .map(|_| {
            let d = signer.request_doc(&iin, 3, BasisKey::Criminal, service, criminal_case());
            signer.sign_request(&d)
        })
        .collect()
}

async fn connect(env: &Env, token: &str, clients: usize) -> Vec<Client> {
    let mut conns = Vec::with_capacity(clients);
    for _ in 0..clients {
        let mut c = env.client(INVESTIGATOR);
        c.token = Some(token.to_string());
        // Warm the connection (TLS handshake outside the timed part).
        let _: Health = c.get(paths::HEALTH).await.unwrap();
        conns.push(c);
    }
    conns
}

/// `clients` connections sending `per_client` requests each; `period`: none for back to back
/// (closed loop), or one request at a random moment of every period.
async fn run_level(
    env: &Env,
    token: &str,
    clients: usize,
    per_client: usize,
    period: Option<Duration>,
) -> Level {
    let mut all_bodies = bodies(env, clients * per_client);
    let conns = connect(env, token, clients).await;
    let gw = env.gw.as_ref().unwrap();
    let before = gw.commit_counts();
    perf("enable");
    let start = Instant::now();
    let mut tasks = Vec::with_capacity(clients);
    for c in conns {
        let mine: Vec<_> = all_bodies.drain(..per_client).collect();
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::with_capacity(mine.len());
            let mut failed = 0usize;
            let t0 = Instant::now();
            for (k, body) in mine.into_iter().enumerate() {
                if let Some(p) = period {
                    let offset = p.mul_f64(rand::thread_rng().gen_range(0.0..1.0));
                    let at = t0 + p * (k as u32) + offset;
                    tokio::time::sleep_until(at.into()).await;
                }
                let t = Instant::now();
                match c.post::<RequestStatus>(paths::REQUESTS, &body).await {
                    Ok(_) => lat.push(t.elapsed()),
                    Err(_) => failed += 1,
                }
            }
            (lat, failed)
        }));
    }
    let mut all = Vec::new();
    let mut failed = 0;
    for t in tasks {
        let (l, f) = t.await.unwrap();
        all.extend(l);
        failed += f;
    }
    let elapsed = start.elapsed();
    perf("disable");
    let after = gw.commit_counts();
    assert!(!all.is_empty(), "every request failed ({failed})");
    all.sort();
    let commits = (after.commits - before.commits).max(1) as f64;
    Level {
        rate: all.len() as f64 / elapsed.as_secs_f64(),
        p50: percentile(&all, 0.5),
        p95: percentile(&all, 0.95),
        p99: percentile(&all, 0.99),
        failed,
        per_commit: (after.jobs - before.jobs) as f64 / commits,
        requests_per_commit: all.len() as f64 / commits,
    }
}

/// `GET /v1/health` back to back over `clients` connections for `per_client` calls each: the
/// floor of TLS + HTTP + the access journal, with no signature and no request stored.
async fn health_rate(env: &Env, token: &str, clients: usize, per_client: usize) -> f64 {
    let conns = connect(env, token, clients).await;
    let start = Instant::now();
    let mut tasks = Vec::new();
    for c in conns {
        tasks.push(tokio::spawn(async move {
            for _ in 0..per_client {
                let _: Health = c.get(paths::HEALTH).await.unwrap();
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    (clients * per_client) as f64 / start.elapsed().as_secs_f64()
}

fn raw_verify_rate(env: &Env) -> f64 {
    let signer = env.client(INVESTIGATOR);
    let d = signer.request_doc(
        &env.iin(INVESTIGATOR),
        3,
        BasisKey::Criminal,
        1,
        criminal_case(),
    );
    let body = signer.sign_request(&d);
    let received = ReceivedSigned::from_body(&serde_json::to_vec(&body).unwrap()).unwrap();
    let ca = std::fs::read(&env.pki.ca_cert).unwrap();
    let crl = std::fs::read(&env.pki.crl).unwrap();
    let v = sio_sign::Verifier::from_pem(&ca)
        .unwrap()
        .with_crl(&crl)
        .unwrap()
        .require_purpose(sio_sign::KeyPurpose::DocumentSigning);
    v.verify(&received.cms_der, Some(&received.canonical))
        .unwrap();
    let n = 2000;
    let t = Instant::now();
    for _ in 0..n {
        v.verify(&received.cms_der, Some(&received.canonical))
            .unwrap();
    }
    n as f64 / t.elapsed().as_secs_f64()
}

/// `openssl speed -seconds 2 -multi 2 rsa2048`: RSA-2048 verifies per second on 2 cores, if the
/// `openssl` command is there.
fn openssl_verify_rate() -> Option<f64> {
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    let out = std::process::Command::new("openssl")
        .args([
            "speed",
            "-seconds",
            "2",
            "-multi",
            &cores.to_string(),
            "rsa2048",
        ])
        .stderr(std::process::Stdio::null())
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    // "rsa 2048 bits 0.000123s 0.000008s   8000.0 120000.0": the last column is verify/s.
    text.lines()
        .rev()
        .find(|l| l.starts_with("rsa 2048 bits") || l.starts_with("rsa  2048 bits"))
        .and_then(|l| l.split_whitespace().last())
        .and_then(|v| v.parse().ok())
}

/// fsyncs per second of the disk `dir` is on: 4 KiB appended and `fdatasync`ed, for a second.
fn fsync_rate(dir: &std::path::Path) -> f64 {
    let path = dir.join("fsync-probe");
    let mut f = std::fs::File::create(&path).unwrap();
    let block = [0x5au8; 4096];
    let start = Instant::now();
    let mut n = 0u64;
    while start.elapsed() < Duration::from_secs(1) {
        f.write_all(&block).unwrap();
        f.sync_data().unwrap();
        n += 1;
    }
    let rate = n as f64 / start.elapsed().as_secs_f64();
    drop(f);
    let _ = std::fs::remove_file(path);
    rate
}

/// Durable one-row SQLite commits per second in `dir` (WAL, `synchronous = FULL`, a row of the
/// size of a request): the ceiling of a gateway that committed each request on its own.
fn sqlite_commit_rate(dir: &std::path::Path) -> f64 {
    let path = dir.join("commit-probe.sqlite3");
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.pragma_update(None, "journal_mode", "WAL").unwrap();
    conn.pragma_update(None, "synchronous", "FULL").unwrap();
    conn.execute_batch("CREATE TABLE t (id INTEGER PRIMARY KEY, doc BLOB NOT NULL)")
        .unwrap();
    let doc = vec![0x42u8; 6000];
    let start = Instant::now();
    let mut n = 0u64;
    while start.elapsed() < Duration::from_secs(1) {
        conn.prepare_cached("INSERT INTO t (doc) VALUES (?1)")
            .unwrap()
            .execute([&doc])
            .unwrap();
        n += 1;
    }
    let rate = n as f64 / start.elapsed().as_secs_f64();
    drop(conn);
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
    rate
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let env = Env::start_with(|c| {
            c.result_delay = Duration::from_secs(3600);
            c.max_connections = 2048;
            // 500 clients over one certificate from one address: lift the per-address and
            // per-certificate limits that the DoS bench (benches/dos.rs) exercises.
            c.max_connections_per_ip = 2048;
            c.max_connections_per_cert = 2048;
            c.max_pending_handshakes_per_ip = 1024;
            c.max_in_flight_per_cert = 256;
            c.header_timeout = Duration::from_secs(60);
        })
        .await;
        let c = env.active_client(INVESTIGATOR).await;
        let token = c.token.clone().unwrap();
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());

        println!("== references, this run, this machine ({cores} cores)");
        let openssl = openssl_verify_rate();
        match openssl {
            Some(r) => println!("openssl speed -multi {cores} rsa2048: {r:.0} verifies/s"),
            None => println!("openssl speed: not available"),
        }
        let verify = raw_verify_rate(&env);
        println!(
            "sio-sign CMS verify (RSA-2048, CA + CRL, one thread): {verify:.0} verifies/s; x{cores} cores: {:.0}/s",
            verify * cores as f64
        );
        let fsyncs = fsync_rate(&env.data);
        println!(
            "fdatasync of the data directory's disk: {fsyncs:.0}/s ({:.3} ms each)",
            1000.0 / fsyncs
        );
        let commits = sqlite_commit_rate(&env.data);
        println!(
            "SQLite durable one-row commits (WAL, synchronous=FULL): {commits:.0}/s = the ceiling of one commit per request"
        );
        let health = health_rate(&env, &token, 50, 100).await;
        println!(
            "GET /v1/health, 50 clients back to back (TLS + HTTP + journal, no signature): {health:.0}/s"
        );

        println!("== signed requests (RSA-2048 CMS, CA + CRL checked), POST /v1/requests");
        let mut rows = Vec::new();
        for (label, clients, per, period) in [
            ("closed loop", 50usize, 40usize, None),
            ("closed loop", 500, 8, None),
            ("officers, 1 request/s each", 500, 5, Some(Duration::from_secs(1))),
            ("officers, 4 requests/s each", 500, 12, Some(Duration::from_millis(250))),
        ] {
            let l = run_level(&env, &token, clients, per, period).await;
            println!(
                "{clients:>4} clients, {label}: {:.0} requests/s, p50 {:.1} ms, p95 {:.1} ms, p99 {:.1} ms, failed {}; \
                 {:.1} writes ({:.1} requests) per durable commit",
                l.rate,
                ms(l.p50),
                ms(l.p95),
                ms(l.p99),
                l.failed,
                l.per_commit,
                l.requests_per_commit
            );
            rows.push((label, clients, l));
        }

        println!("== ratios");
        let best = rows.iter().map(|(_, _, l)| l.rate).fold(0.0, f64::max);
        if let Some(o) = openssl {
            println!(
                "best signed requests/s / OpenSSL RSA-2048 verify/s: {best:.0} / {o:.0} = {:.3} (goal 0.5)",
                best / o
            );
        }
        println!(
            "best signed requests/s / (sio-sign verify/s x {cores}): {:.3}",
            best / (verify * cores as f64)
        );
        println!(
            "best signed requests/s / SQLite durable commits/s: {best:.0} / {commits:.0} = {:.2} (above 1: group commit)",
            best / commits
        );
        println!(
            "best signed requests/s / GET /v1/health/s: {best:.0} / {health:.0} = {:.2}",
            best / health
        );
        let closed500 = rows.iter().find(|(l, c, _)| *l == "closed loop" && *c == 500);
        if let Some((_, _, l)) = closed500 {
            println!(
                "500 clients closed loop: Little's law floor of the mean latency 500 / {:.0} = {:.1} ms",
                l.rate,
                500.0 / l.rate * 1000.0
            );
        }
    });
}
