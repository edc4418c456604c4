//! Reference СИО ПСО gateway: the server side of the client's protocol (`sio-protocol`, v1),
//! with the same rules (`sio-core`), over mutual TLS 1.3 (rustls, ring), with SQLite storage.
//!
//! ```text
//!  client ──TLS 1.3, client cert──▶ accept loop (tokio-rustls) ──▶ hyper http1 ──▶ axum router
//!                                    │ handshake timeout            │ header-read timeout
//!                                    │ pending-handshake slots      │ body limit + timeout, read
//!                                    │   (per IP), then connection  │   before a call slot (per
//!                                    │   slots (per IP, per cert)   │   cert, global)
//!                                    ▼                              ▼
//!                          peer certificate → handlers ──▶ SQLite (users, sessions, OTP outbox,
//!                          (signature checks on a           requests, results, journals)
//!                           bounded blocking pool)
//! ```
//!
//! The CRL is re-read when its file changes; revocation ends the sessions and closes the
//! connections a revoked certificate opened (`revocation`).
//!
//! Start it with [`Gateway::start`]; administer it with [`admin::Admin`] (the `sio gateway
//! admin` commands use the same API on the same database file).

mod absence;
pub mod admin;
mod api;
mod auth;
pub mod backup;
mod certs;
mod clock;
mod consent;
pub mod db;
mod error;
pub mod face;
pub mod fingerprint;
mod hr;
mod limits;
mod notices;
mod pdf;
mod requests;
mod results;
mod revocation;
mod server;
mod tls;
mod verify;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

pub use error::{CODES, GwError};
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
    /// Most simultaneous established (handshake done) TLS connections; more are closed at once.
    pub max_connections: usize,
    /// Most established connections from one IP address; more are closed before the handshake.
    pub max_connections_per_ip: usize,
    /// Most established connections over one TLS client certificate; more are answered
    /// `GW_TOO_MANY_CONNECTIONS` and closed.
    pub max_connections_per_cert: usize,
    /// Most TLS handshakes in progress at once, counted apart from established connections: a
    /// peer that never finishes its handshake holds one of these, never a connection slot. Large
    /// next to the per-address limit, so that it takes many addresses to fill it.
    pub max_pending_handshakes: usize,
    /// Most TLS handshakes in progress from one IP address; more connections are closed at once.
    pub max_pending_handshakes_per_ip: usize,
    /// Most calls handled at once over all connections; more wait their turn. A call takes its
    /// slot only once its body has been read (within the body limit and timeout).
    pub max_in_flight: usize,
    /// Most calls handled at once over one TLS client certificate; more wait their turn.
    pub max_in_flight_per_cert: usize,
    /// Signature checks (CMS) and other CPU-heavy work run on this many blocking threads at most,
    /// never on the async workers that serve the other connections.
    pub verify_workers: usize,
    /// How often the CRL file is checked for a change even when no call arrives; a change
    /// re-checks every open session and connection (revocation ends what a certificate opened).
    pub crl_check_interval: Duration,
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
    /// Certificate-policy OIDs (dotted) that mark an authentication certificate whose key was
    /// generated on a hardware token. A login (or unlock) whose certificate carries none of them
    /// is refused with `GW_CARRIER_NOT_HARDWARE`, whatever carrier the client declares (rule 18 as
    /// of Order 88/2024: the signature is on a hardware token). Default: the test PKI's
    /// [`sio_pki::HARDWARE_CARRIER_POLICY`]; a production gateway lists its CA's OIDs.
    pub hardware_carrier_policies: Vec<String>,
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
            max_connections_per_ip: 256,
            max_connections_per_cert: 64,
            max_pending_handshakes: 4096,
            max_pending_handshakes_per_ip: 64,
            max_in_flight: 256,
            max_in_flight_per_cert: 16,
            verify_workers: std::thread::available_parallelism().map_or(2, |n| n.get()),
            crl_check_interval: Duration::from_secs(1),
            handshake_timeout: Duration::from_secs(5),
            header_timeout: Duration::from_secs(10),
            body_timeout: Duration::from_secs(20),
            max_failed_attempts: 5,
            lockout: Duration::from_secs(10 * 60),
            otp_resend_after: Duration::from_secs(60),
            face_model: None,
            face_threshold: face::DEFAULT_THRESHOLD,
            hardware_carrier_policies: vec![sio_pki::HARDWARE_CARRIER_POLICY.to_owned()],
        }
    }
}
