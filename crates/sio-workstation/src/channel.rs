//! The protected channel: a TLS handshake with the configured gateway, trusting only the pinned
//! CA; the round-trip time; the clock difference read from `GET /v1/health` (its `gateway_time`,
//! else the HTTP `Date` header). The TLS configuration is the client's own (TLS 1.3 only, the
//! pinned CA; `sio_client::tls_config`). Without a workstation certificate in the policy none is
//! presented: when the gateway insists on one, the handshake still proves the gateway's identity
//! and the clock is reported unknown.

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use rustls::pki_types::ServerName;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::config::{GatewayConfig, Policy, Requirements};
use crate::report::{Group, Item, RULE_18};

const APPENDIX_4_CHANNEL: &str = crate::report::APPENDIX_4;

/// What a probe of the gateway found.
#[derive(Debug, Clone, PartialEq)]
pub struct ChannelProbe {
    /// TCP connect time.
    pub connect: Duration,
    /// TLS handshake time.
    pub handshake: Duration,
    /// Negotiated protocol (`TLSv1_3`).
    pub protocol: String,
    /// Round trip of `GET /v1/health`, when the gateway answered.
    pub request: Option<Duration>,
    /// The gateway's clock minus ours (seconds), when known.
    pub skew_seconds: Option<f64>,
    /// Why the clock is unknown, when it is.
    pub clock_note: Option<String>,
}

/// Why a probe failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProbeError {
    /// The CA file could not be read or holds no certificate.
    Ca(String),
    /// The workstation's client certificate or key could not be used.
    Identity(String),
    /// Connecting failed (refused, unreachable, timeout).
    Connect(String),
    /// The TLS handshake failed (for example, a certificate that does not chain to the pinned CA).
    Handshake(String),
}

/// The client's own TLS configuration ([`sio_client::tls_config`]: TLS 1.3 only, the pinned CA,
/// the workstation's certificate when the policy gives one), so the self-check cannot pass where
/// the client would fail.
fn client_config(gw: &GatewayConfig) -> Result<rustls::ClientConfig, ProbeError> {
    let ca_file = gw.ca_file.as_path();
    let ca_pem = std::fs::read(ca_file)
        .map_err(|e| ProbeError::Ca(format!("{}: {e}", ca_file.display())))?;
    let identity = match (&gw.client_cert, &gw.client_key) {
        (Some(cert), Some(key)) => {
            let read = |p: &std::path::Path| {
                std::fs::read(p).map_err(|e| ProbeError::Identity(format!("{}: {e}", p.display())))
            };
            Some(
                sio_client::ClientIdentity::from_pem(&read(cert)?, &read(key)?)
                    .map_err(|e| ProbeError::Identity(e.to_string()))?,
            )
        }
        _ => None,
    };
    sio_client::tls_config(&ca_pem, identity.as_ref()).map_err(|e| match e {
        sio_client::ClientError::CaInvalid(d) => {
            ProbeError::Ca(format!("{}: {d}", ca_file.display()))
        }
        sio_client::ClientError::IdentityInvalid(d) => ProbeError::Identity(d),
        other => ProbeError::Handshake(other.to_string()),
    })
}

/// Parse an HTTP response head and body: (status code, Date header, body).
pub fn parse_http_response(bytes: &[u8]) -> Option<(u16, Option<String>, &[u8])> {
    let split = bytes.windows(4).position(|w| w == b"\r\n\r\n")?;
    let head = std::str::from_utf8(&bytes[..split]).ok()?;
    let body = &bytes[split + 4..];
    let mut lines = head.split("\r\n");
    let status = lines.next()?.split_whitespace().nth(1)?.parse().ok()?;
    let date = lines.find_map(|l| {
        let (k, v) = l.split_once(':')?;
        k.trim()
            .eq_ignore_ascii_case("date")
            .then(|| v.trim().to_owned())
    });
    Some((status, date, body))
}

/// The gateway's time from a `/v1/health` body (`gateway_time`) or a `Date` header.
pub fn gateway_time(date: Option<&str>, body: &[u8]) -> Option<DateTime<Utc>> {
    let from_body = serde_json::from_slice::<serde_json::Value>(body)
        .ok()
        .and_then(|v| v.get("gateway_time")?.as_str().map(str::to_owned))
        .and_then(|t| DateTime::parse_from_rfc3339(&t).ok());
    from_body
        .or_else(|| date.and_then(|d| DateTime::parse_from_rfc2822(d).ok()))
        .map(|t| t.with_timezone(&Utc))
}

/// Connect, handshake, ask `/v1/health`.
pub async fn probe(gw: &GatewayConfig) -> Result<ChannelProbe, ProbeError> {
    let config = client_config(gw)?;
    let name = ServerName::try_from(gw.server_name.clone())
        .map_err(|e| ProbeError::Handshake(format!("server name {:?}: {e}", gw.server_name)))?;
    let timeout = Duration::from_millis(gw.timeout_ms);
    let t0 = Instant::now();
    let tcp = match tokio::time::timeout(timeout, tokio::net::TcpStream::connect(&gw.address)).await
    {
        Ok(Ok(s)) => s,
        Ok(Err(e)) => return Err(ProbeError::Connect(format!("{}: {e}", gw.address))),
        Err(_) => {
            return Err(ProbeError::Connect(format!(
                "{}: no answer within {} ms",
                gw.address, gw.timeout_ms
            )));
        }
    };
    let connect = t0.elapsed();
    let t1 = Instant::now();
    let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
    let mut tls = match tokio::time::timeout(timeout, connector.connect(name, tcp)).await {
        Ok(Ok(s)) => s,
        Ok(Err(e)) => return Err(ProbeError::Handshake(e.to_string())),
        Err(_) => {
            return Err(ProbeError::Handshake(format!(
                "no handshake within {} ms",
                gw.timeout_ms
            )));
        }
    };
    let handshake = t1.elapsed();
    let protocol = tls
        .get_ref()
        .1
        .protocol_version()
        .map_or_else(|| "unknown".to_owned(), |v| format!("{v:?}"));
    let mut out = ChannelProbe {
        connect,
        handshake,
        protocol,
        request: None,
        skew_seconds: None,
        clock_note: None,
    };
    let before = Utc::now();
    let t2 = Instant::now();
    let req = format!(
        "GET /v1/health HTTP/1.1\r\nHost: {}\r\nAccept: application/json\r\nConnection: close\r\n\r\n",
        gw.server_name
    );
    let exchange = async {
        tls.write_all(req.as_bytes()).await?;
        let mut buf = Vec::new();
        (&mut tls).take(64 * 1024).read_to_end(&mut buf).await?;
        Ok::<_, std::io::Error>(buf)
    };
    match tokio::time::timeout(timeout, exchange).await {
        Ok(Ok(buf)) => {
            let rtt = t2.elapsed();
            out.request = Some(rtt);
            let mid = before + chrono::Duration::from_std(rtt / 2).unwrap_or_default();
            match parse_http_response(&buf) {
                Some((_, date, body)) => match gateway_time(date.as_deref(), body) {
                    Some(t) => {
                        out.skew_seconds = Some((t - mid).num_milliseconds() as f64 / 1000.0);
                    }
                    None => out.clock_note = Some("the answer carries no time".into()),
                },
                None => out.clock_note = Some("the answer is not HTTP".into()),
            }
        }
        Ok(Err(e)) => {
            out.clock_note = Some(format!(
                "the gateway did not answer /v1/health without a client certificate ({e})"
            ))
        }
        Err(_) => out.clock_note = Some("no answer to /v1/health in time".into()),
    }
    Ok(out)
}

/// Classify a clock difference: within half the window pass, within the window warn, else fail.
fn clock_item(clock: Item, req: &Requirements, skew: Option<f64>, note: Option<&str>) -> Item {
    match skew {
        None => clock.warn(
            format!("unknown: {}", note.unwrap_or("no time received")),
            "Check the computer's clock against the official time; a wrong clock makes signed requests fail.",
        ),
        Some(s) => {
            let m = format!("{s:+.1} s (gateway minus this computer)");
            let max = req.max_clock_skew_seconds as f64;
            if s.abs() > max {
                clock.fail(
                    m,
                    "Set the computer's clock (time synchronisation with the protected network's time server); signed requests outside the window are refused.",
                )
            } else if s.abs() > max / 2.0 {
                clock.warn(m, "Synchronise the computer's clock soon.")
            } else {
                clock.pass(m)
            }
        }
    }
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

/// The channel items: handshake (with latency) and clock skew.
pub async fn check(req: &Requirements, policy: &Policy) -> Vec<Item> {
    let tls = Item::new(
        "WS_CHANNEL_TLS",
        Group::Channel,
        "Gateway over the protected channel",
        "a TLS connection to the gateway whose certificate chains to the pinned CA",
        APPENDIX_4_CHANNEL,
    );
    let clock = Item::new(
        "WS_CLOCK_SKEW",
        Group::Channel,
        "Clock",
        format!(
            "within {} s of the gateway's clock",
            req.max_clock_skew_seconds
        ),
        RULE_18,
    );
    let Some(gw) = &policy.gateway else {
        return vec![
            tls.skipped("no gateway in the policy file"),
            clock.skipped("no gateway in the policy file"),
        ];
    };
    match probe(gw).await {
        Err(ProbeError::Ca(e)) => vec![
            tls.fail(
                format!("the pinned CA cannot be read: {e}"),
                "Fix ca_file in the policy: a PEM file with the gateway's CA certificate.",
            ),
            clock.skipped("no connection"),
        ],
        Err(ProbeError::Identity(e)) => vec![
            tls.fail(
                format!("the workstation certificate cannot be used: {e}"),
                "Fix workstation.certificate and workstation.key in the policy (PEM files readable by the client).",
            ),
            clock.skipped("no connection"),
        ],
        Err(ProbeError::Connect(e)) => vec![
            tls.fail(
                format!("no connection: {e}"),
                "Check the cable and the protected channel's equipment (crypto gateway/VPN), and the gateway address in the policy; call the operator's helpdesk if the channel is down for more than an hour.",
            ),
            clock.skipped("no connection"),
        ],
        Err(ProbeError::Handshake(e)) => vec![
            tls.fail(
                format!("TLS handshake failed: {e}"),
                "The other end is not the gateway the policy pins (or the CA file is outdated): do not use this connection; report it to the administrator.",
            ),
            clock.skipped("no connection"),
        ],
        Ok(p) => {
            let mut measured = format!(
                "{} at {} ({}): TCP {}, handshake {}",
                gw.server_name,
                gw.address,
                p.protocol,
                ms(p.connect),
                ms(p.handshake)
            );
            if let Some(r) = p.request {
                measured.push_str(&format!(", request {}", ms(r)));
            }
            let clock = clock_item(clock, req, p.skew_seconds, p.clock_note.as_deref());
            vec![tls.pass(measured), clock]
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn http_head_and_times() {
        let resp = b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ndate: Mon, 23 Nov 2026 10:53:11 GMT\r\n\r\n{\"status\":\"ok\",\"version\":\"v1\",\"gateway_time\":\"2026-11-23T15:53:12+05:00\"}";
        let (status, date, body) = parse_http_response(resp).expect("http");
        assert_eq!(status, 200);
        assert_eq!(date.as_deref(), Some("Mon, 23 Nov 2026 10:53:11 GMT"));
        let t = gateway_time(date.as_deref(), body).expect("time");
        assert_eq!(t.to_rfc3339(), "2026-11-23T10:53:12+00:00", "body wins");
        let t = gateway_time(date.as_deref(), b"").expect("date");
        assert_eq!(t.to_rfc3339(), "2026-11-23T10:53:11+00:00");
        assert!(parse_http_response(b"garbage").is_none());
    }

    #[test]
    fn clock_window() {
        let req = Requirements::default();
        let item = || Item::new("WS_CLOCK_SKEW", Group::Channel, "Clock", "", RULE_18);
        let st = |s: Option<f64>| clock_item(item(), &req, s, None).status;
        use crate::report::Status;
        assert_eq!(st(Some(1.5)), Status::Pass);
        assert_eq!(st(Some(-200.0)), Status::Warn);
        assert_eq!(st(Some(3600.0)), Status::Fail);
        assert_eq!(st(None), Status::Warn);
    }
}
