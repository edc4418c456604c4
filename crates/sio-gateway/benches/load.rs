//! Load benchmark (not a test): signed requests per second and latency at 50 and 500 concurrent
//! clients over mutual TLS on loopback, next to the raw CMS verify rate for the same key type.
//! Client and gateway share this machine's cores. Run: `cargo bench -p sio-gateway --bench load`.
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    unreachable_pub,
    dead_code
)]

#[path = "../tests/common/mod.rs"]
mod common;

use std::time::{Duration, Instant};

use common::*;
use sio_protocol::*;

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

async fn run_level(
    env: &Env,
    token: &str,
    clients: usize,
    per_client: usize,
) -> (f64, Duration, Duration, usize) {
    let iin = env.iin(INVESTIGATOR);
    let service = full_service_for(3, sio_core::Basis::Criminal);
    // Pre-sign every document so that the timed part is transport + gateway only.
    let signer = env.client(INVESTIGATOR);
    let mut bodies: Vec<Vec<serde_json::Value>> = Vec::with_capacity(clients);
    for _ in 0..clients {
        let mut mine = Vec::with_capacity(per_client);
        for _ in 0..per_client {
            let d = signer.request_doc(&iin, 3, BasisKey::Criminal, service, criminal_case());
            mine.push(signer.sign_request(&d));
        }
        bodies.push(mine);
    }
    let mut conns = Vec::with_capacity(clients);
    for _ in 0..clients {
        let mut c = env.client(INVESTIGATOR);
        c.token = Some(token.to_string());
        // Warm the connection (TLS handshake outside the timed part).
        let _: Health = c.get(paths::HEALTH).await.unwrap();
        conns.push(c);
    }
    let start = Instant::now();
    let mut tasks = Vec::with_capacity(clients);
    for (c, mine) in conns.into_iter().zip(bodies) {
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::with_capacity(mine.len());
            let mut failed = 0usize;
            for body in mine {
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
    assert!(!all.is_empty(), "every request failed ({failed})");
    all.sort();
    let rate = all.len() as f64 / elapsed.as_secs_f64();
    (rate, percentile(&all, 0.5), percentile(&all, 0.99), failed)
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
        let verify = raw_verify_rate(&env);
        println!("key type: RSA-2048 (PKCS#1 v1.5, SHA-256), CMS detached, CA + CRL checked");
        println!("raw CMS verify (sio-sign, one thread): {verify:.0} verifies/s");
        for (clients, per) in [(50usize, 20usize), (500, 3)] {
            let (rate, p50, p99, failed) = run_level(&env, &token, clients, per).await;
            println!(
                "{clients:>4} concurrent clients: {rate:.0} signed requests/s, p50 {:.1} ms, p99 {:.1} ms, failed {failed}; ratio to raw verify {:.3}",
                p50.as_secs_f64() * 1000.0,
                p99.as_secs_f64() * 1000.0,
                rate / verify
            );
        }
    });
}
