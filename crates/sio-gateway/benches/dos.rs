//! Denial-of-service bench (not a test): runs each attack of issue 16 against a gateway with its
//! default limits, on loopback only, while a normal user measures `/v1/health` — over a
//! kept-alive connection and over a new connection per call — and prints p50/p99 per attack
//! (goal: p99 < 50 ms). The attackers use other loopback addresses (127.0.0.2…) than the normal
//! user (127.0.0.1), as separate machines would; the per-address limits apply to them.
//! Gateway, attackers and probe each run on their own runtime, sharing this machine's cores.
//! Bounded in time (a few seconds per attack). Run: `cargo bench -p sio-gateway --bench dos`.
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    unreachable_pub,
    dead_code
)]

#[path = "../tests/common/mod.rs"]
mod common;

use std::net::Ipv4Addr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use base64::Engine as _;
use common::*;
use rustls::pki_types::ServerName;
use sio_gateway::{BackgroundGateway, GatewayConfig, TlsFiles};
use sio_protocol::*;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Ramp-up before measuring, and measuring time, per attack.
const RAMP: Duration = Duration::from_millis(1500);
const MEASURE: Duration = Duration::from_secs(3);

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn ms(d: Duration) -> String {
    format!("{:.1}", d.as_secs_f64() * 1000.0)
}

struct Target {
    port: u16,
    tls_attacker: Arc<rustls::ClientConfig>,
}

async fn tcp_from(port: u16, source: Ipv4Addr) -> std::io::Result<TcpStream> {
    let sock = tokio::net::TcpSocket::new_v4()?;
    sock.bind((source, 0).into())?;
    sock.connect((Ipv4Addr::LOCALHOST, port).into()).await
}

async fn tls_from(
    t: &Target,
    source: Ipv4Addr,
) -> std::io::Result<tokio_rustls::client::TlsStream<TcpStream>> {
    let tcp = tcp_from(t.port, source).await?;
    tokio_rustls::TlsConnector::from(t.tls_attacker.clone())
        .connect(ServerName::try_from("localhost").unwrap(), tcp)
        .await
}

/// What an attack did, for the table.
#[derive(Default)]
struct Tally {
    held: AtomicUsize,
    refused: AtomicUsize,
    calls: AtomicUsize,
}

/// Start an attack; it runs until `stop`.
fn attack(
    rt: &tokio::runtime::Runtime,
    name: &str,
    t: Arc<Target>,
    stop: Arc<AtomicBool>,
    tally: Arc<Tally>,
    extra: Arc<Extra>,
) {
    match name {
        "baseline" => {}
        "silent TCP flood" => {
            // 8 addresses, each opening connections that never start TLS, as fast as allowed,
            // holding up to 500 each.
            for a in 2..10u8 {
                let (t, stop, tally) = (t.clone(), stop.clone(), tally.clone());
                rt.spawn(async move {
                    let mut held: Vec<TcpStream> = Vec::new();
                    while !stop.load(Ordering::Relaxed) {
                        if held.len() < 500 {
                            match tcp_from(t.port, Ipv4Addr::new(127, 0, 0, a)).await {
                                Ok(s) => {
                                    tally.held.fetch_add(1, Ordering::Relaxed);
                                    held.push(s);
                                }
                                Err(_) => {
                                    tally.refused.fetch_add(1, Ordering::Relaxed);
                                }
                            }
                        }
                        if held.len() % 50 == 0 || held.len() >= 500 {
                            // Drop (and count) the ones the gateway closed.
                            let mut open = Vec::new();
                            for mut s in held.drain(..) {
                                let mut b = [0u8; 1];
                                match tokio::time::timeout(Duration::from_millis(1), s.read(&mut b))
                                    .await
                                {
                                    Err(_) => open.push(s),
                                    Ok(_) => {
                                        tally.refused.fetch_add(1, Ordering::Relaxed);
                                    }
                                }
                            }
                            held = open;
                            if held.len() >= 500 {
                                tokio::time::sleep(Duration::from_millis(20)).await;
                            }
                        }
                    }
                });
            }
        }
        "TLS handshake flood" => {
            // 16 loops of full handshakes with a valid certificate, each closed at once.
            for _ in 0..16 {
                let (t, stop, tally) = (t.clone(), stop.clone(), tally.clone());
                rt.spawn(async move {
                    while !stop.load(Ordering::Relaxed) {
                        match tls_from(&t, Ipv4Addr::new(127, 0, 0, 3)).await {
                            Ok(_) => tally.calls.fetch_add(1, Ordering::Relaxed),
                            Err(_) => tally.refused.fetch_add(1, Ordering::Relaxed),
                        };
                    }
                });
            }
        }
        "idle connections, one cert" => {
            // 300 connections over one certificate, held open.
            let (t, stop, tally) = (t.clone(), stop.clone(), tally.clone());
            rt.spawn(async move {
                let mut held = Vec::new();
                for _ in 0..300 {
                    if let Ok(mut s) = tls_from(&t, Ipv4Addr::new(127, 0, 0, 4)).await {
                        if s.write_all(b"GET /v1/health HTTP/1.1\r\nHost: x\r\n\r\n")
                            .await
                            .is_ok()
                        {
                            let mut b = [0u8; 512];
                            let n = s.read(&mut b).await.unwrap_or(0);
                            if b[..n].starts_with(b"HTTP/1.1 200") {
                                tally.held.fetch_add(1, Ordering::Relaxed);
                                held.push(s);
                                continue;
                            }
                        }
                    }
                    tally.refused.fetch_add(1, Ordering::Relaxed);
                }
                while !stop.load(Ordering::Relaxed) {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            });
        }
        "260 slow bodies, one cert" => {
            for _ in 0..260 {
                let (t, stop, tally) = (t.clone(), stop.clone(), tally.clone());
                rt.spawn(async move {
                    let Ok(mut s) = tls_from(&t, Ipv4Addr::new(127, 0, 0, 5)).await else {
                        tally.refused.fetch_add(1, Ordering::Relaxed);
                        return;
                    };
                    if s.write_all(b"POST /v1/requests HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{")
                        .await
                        .is_err()
                    {
                        tally.refused.fetch_add(1, Ordering::Relaxed);
                        return;
                    }
                    tally.held.fetch_add(1, Ordering::Relaxed);
                    // One byte a second; a fresh connection when the gateway cuts this one off.
                    while !stop.load(Ordering::Relaxed) {
                        tokio::time::sleep(Duration::from_millis(1000)).await;
                        if s.write_all(b" ").await.is_err() {
                            tally.refused.fetch_add(1, Ordering::Relaxed);
                            break;
                        }
                    }
                });
            }
        }
        "CMS with 450 SignerInfos" => {
            for _ in 0..8 {
                let (stop, tally, extra) = (stop.clone(), tally.clone(), extra.clone());
                rt.spawn(async move {
                    while !stop.load(Ordering::Relaxed) {
                        let r = extra
                            .attacker
                            .post_raw::<RequestStatus>(paths::REQUESTS, extra.big_cms_body.clone())
                            .await;
                        match r {
                            Err(e) if e.body.code == "SIGN_TOO_MANY_SIGNERS" => {
                                tally.refused.fetch_add(1, Ordering::Relaxed);
                            }
                            _ => {
                                tally.calls.fetch_add(1, Ordering::Relaxed);
                            }
                        }
                    }
                });
            }
        }
        other => panic!("unknown attack {other}"),
    }
}

/// What the attacks need besides the target.
struct Extra {
    attacker: Client,
    big_cms_body: Vec<u8>,
    signer_infos: usize,
}

// --- the CMS with many SignerInfos (as in tests/transport.rs) ---

fn probe(env: &Env, stop_after: Duration) -> (Vec<Duration>, Vec<Duration>, usize) {
    let keep = env.client(PROSECUTOR);
    let mut pem = std::fs::read(&env.user(PROSECUTOR).auth.cert_path).unwrap();
    pem.extend(std::fs::read(env.user(PROSECUTOR).auth.key_path.as_ref().unwrap()).unwrap());
    let ca = reqwest::Certificate::from_pem(&std::fs::read(&env.pki.ca_cert).unwrap()).unwrap();
    let fresh = reqwest::Client::builder()
        .tls_certs_only([ca])
        .identity(reqwest::Identity::from_pem(&pem).unwrap())
        .no_proxy()
        .pool_max_idle_per_host(0)
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap();
    let url = format!("{}{}", env.base, paths::HEALTH);
    std::thread::scope(|s| {
        s.spawn(|| {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async {
                // Warm the kept-alive connection.
                let _: Health = keep.get(paths::HEALTH).await.unwrap();
                let (mut kept, mut new, mut failed) = (Vec::new(), Vec::new(), 0);
                let end = Instant::now() + stop_after;
                while Instant::now() < end {
                    let t = Instant::now();
                    match keep.get::<Health>(paths::HEALTH).await {
                        Ok(_) => kept.push(t.elapsed()),
                        Err(_) => failed += 1,
                    }
                    let t = Instant::now();
                    match fresh.get(&url).send().await {
                        Ok(r) if r.status().is_success() => new.push(t.elapsed()),
                        _ => failed += 1,
                    }
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
                kept.sort();
                new.sort();
                (kept, new, failed)
            })
        })
        .join()
        .unwrap()
    })
}

fn main() {
    let bench_end = Instant::now() + Duration::from_secs(180);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    // Fixture (PKI, seeded database, users) from the tests; the gateway then runs with its
    // default limits on a runtime of its own.
    let mut env = rt.block_on(Env::start());
    rt.block_on(env.gw.take().unwrap().shutdown());
    let mut config = GatewayConfig::new(
        "127.0.0.1:0".parse().unwrap(),
        env.data.clone(),
        TlsFiles::from_pki_dir(&env.pki.dir),
    );
    config.result_delay = Duration::from_secs(3600);
    // As in the tests: the fixture's users hold PEM keys (the test PKI's software policy).
    config
        .hardware_carrier_policies
        .push(sio_pki::SOFTWARE_CARRIER_POLICY.into());
    let gw = BackgroundGateway::start(config.clone()).unwrap();
    let port = gw.local_addr().port();
    env.base = format!("https://127.0.0.1:{port}");

    let inv = env.user(INVESTIGATOR).clone();
    let target = Arc::new(Target {
        port,
        tls_attacker: Arc::new(tls13_client_config(
            &env,
            &inv.auth.cert_path,
            inv.auth.key_path.as_ref().unwrap(),
        )),
    });
    // The CMS attacker: a logged-in user posting a request whose CMS repeats its SignerInfo, as
    // many times as fit the default body limit (up to 450).
    let extra = rt.block_on(async {
        let attacker = env.active_client(INVESTIGATOR).await;
        let service = full_service_for(3, sio_core::Basis::Criminal);
        let doc = attacker.request_doc(
            &env.iin(INVESTIGATOR),
            3,
            BasisKey::Criminal,
            service,
            criminal_case(),
        );
        let mut body = attacker.sign_request(&doc);
        let b64 = base64::engine::general_purpose::STANDARD;
        let cms = b64.decode(body["cms"].as_str().unwrap()).unwrap();
        let mut n = 450;
        let big = loop {
            let big = with_signer_infos(&cms, n);
            if b64.encode(&big).len() + 4096 < config.max_body_bytes || n <= 10 {
                break big;
            }
            n -= 10;
        };
        body["cms"] = b64.encode(&big).into();
        Arc::new(Extra {
            attacker,
            big_cms_body: serde_json::to_vec(&body).unwrap(),
            signer_infos: n,
        })
    });

    println!(
        "gateway defaults: {} connections ({} per address, {} per certificate), {} pending handshakes ({} per address, {:?} timeout), {} calls in flight ({} per certificate), {} verify workers, body ≤ {} B within {:?}",
        config.max_connections,
        config.max_connections_per_ip,
        config.max_connections_per_cert,
        config.max_pending_handshakes,
        config.max_pending_handshakes_per_ip,
        config.handshake_timeout,
        config.max_in_flight,
        config.max_in_flight_per_cert,
        config.verify_workers,
        config.max_body_bytes,
        config.body_timeout,
    );
    println!();
    println!(
        "| attack | health p50 / p99, kept-alive (ms) | health p50 / p99, new connection (ms) | probe failures | attacker: opened / refused or cut / calls answered |"
    );
    println!("|---|---|---|---|---|");
    let mut worst = Duration::ZERO;
    for name in [
        "baseline",
        "silent TCP flood",
        "TLS handshake flood",
        "idle connections, one cert",
        "260 slow bodies, one cert",
        "CMS with 450 SignerInfos",
    ] {
        if Instant::now() > bench_end {
            println!("| {name} | (skipped: time budget spent) | | | |");
            continue;
        }
        let attack_rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let stop = Arc::new(AtomicBool::new(false));
        let tally = Arc::new(Tally::default());
        attack(
            &attack_rt,
            name,
            target.clone(),
            stop.clone(),
            tally.clone(),
            extra.clone(),
        );
        std::thread::sleep(RAMP);
        let (kept, new, failed) = probe(&env, MEASURE);
        stop.store(true, Ordering::Relaxed);
        attack_rt.shutdown_timeout(Duration::from_secs(2));
        let label = if name == "CMS with 450 SignerInfos" {
            format!("CMS with {} SignerInfos", extra.signer_infos)
        } else {
            name.to_string()
        };
        let p99 = percentile(&kept, 0.99).max(percentile(&new, 0.99));
        if name != "baseline" {
            worst = worst.max(p99);
        }
        println!(
            "| {label} | {} / {} | {} / {} | {failed} | {} / {} / {} |",
            ms(percentile(&kept, 0.5)),
            ms(percentile(&kept, 0.99)),
            ms(percentile(&new, 0.5)),
            ms(percentile(&new, 0.99)),
            tally.held.load(Ordering::Relaxed),
            tally.refused.load(Ordering::Relaxed),
            tally.calls.load(Ordering::Relaxed),
        );
        // Let the gateway drop what the attack left (handshake timeouts, refused connections).
        std::thread::sleep(Duration::from_secs(1));
    }
    println!();
    println!(
        "worst health p99 under attack: {} ms (goal < 50 ms): {}",
        ms(worst),
        if worst < Duration::from_millis(50) {
            "met"
        } else {
            "NOT met"
        }
    );
    drop(gw);
}
