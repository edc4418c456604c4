//! Reference СИО ПСО gateway: the server side of the client's protocol (`sio-protocol`, v1),
//! with the same rules (`sio-core`), over mutual TLS 1.3 (rustls, ring), with SQLite storage.
//!
//! ```text
//!  client ──TLS 1.3, client cert──▶ accept loop (tokio-rustls) ──▶ hyper http1 ──▶ axum router
//!                                    │ handshake timeout            │ header-read timeout
//!                                    │ connection limit             │ body limit + timeout
//!                                    ▼                              ▼
//!                          peer certificate → handlers ──▶ SQLite (users, sessions, OTP outbox,
//!                                                            requests, results, journals)
//! ```
//!
//! Start it with [`Gateway::start`]; administer it with [`admin::Admin`] (the `sio gateway
//! admin` commands use the same API on the same database file).

pub mod admin;
mod api;
mod auth;
pub mod backup;
mod certs;
mod clock;
pub mod db;
mod error;
pub mod face;
pub mod fingerprint;
mod hr;
mod pdf;
mod requests;
mod results;
mod server;
mod tls;
mod verify;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

pub use error::GwError;
pub use server::{BackgroundGateway, Gateway, GatewayHandle};
pub use tls::TlsFiles;

/// How to run a gateway. Build it with [`GatewayConfig::new`] and adjust the fields.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct GatewayConfig {
    /// Address to listen on; `127.0.0.1:0` picks a free port (see [`GatewayHandle::local_addr`]).
    pub listen: SocketAddr,
    /// Directory of the SQLite database.
    pub data_dir: PathBuf,
    /// TLS and trust material.
    pub tls: TlsFiles,
    /// How long a result takes to become ready after a request is accepted.
    pub result_delay: Duration,
    /// Largest accepted request body.
    pub max_body_bytes: usize,
    /// Most simultaneous TLS connections; more are closed at once.
    pub max_connections: usize,
    /// Most calls handled at once over all connections; more wait their turn.
    pub max_in_flight: usize,
    /// Time allowed for the TLS handshake.
    pub handshake_timeout: Duration,
    /// Time allowed for the request line and headers (slowloris).
    pub header_timeout: Duration,
    /// Time allowed for the request body.
    pub body_timeout: Duration,
    /// Failed attempts (signature logins, SMS codes, biometrics) before the account is locked.
    pub max_failed_attempts: u32,
    /// How long an account stays locked.
    pub lockout: Duration,
    /// Seconds between two SMS codes.
    pub otp_resend_after: Duration,
    /// The face embedding model (MobileFaceNet `.tflite`); without it the Face ID factor answers
    /// `GW_FACTOR_UNAVAILABLE`.
    pub face_model: Option<PathBuf>,
    /// Cosine similarity at or above which a face matches its template.
    pub face_threshold: f32,
}

impl GatewayConfig {
    /// Defaults for everything but where to listen, the data and the PKI.
    pub fn new(listen: SocketAddr, data_dir: PathBuf, tls: TlsFiles) -> Self {
        Self {
            listen,
            data_dir,
            tls,
            result_delay: Duration::from_secs(3),
            max_body_bytes: sio_protocol::MAX_BODY_BYTES,
            max_connections: 1024,
            max_in_flight: 256,
            handshake_timeout: Duration::from_secs(10),
            header_timeout: Duration::from_secs(10),
            body_timeout: Duration::from_secs(20),
            max_failed_attempts: 5,
            lockout: Duration::from_secs(10 * 60),
            otp_resend_after: Duration::from_secs(60),
            face_model: None,
            face_threshold: face::DEFAULT_THRESHOLD,
        }
    }
}
