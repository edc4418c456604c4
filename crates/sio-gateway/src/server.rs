//! The accept loop: TCP → TLS (pending-handshake slots, handshake timeout) → established
//! connection (connection slots per gateway, IP and certificate; see [`crate::limits`]) → hyper
//! http1 (header-read timeout, closed on demand by revocation) → axum router, with the peer
//! address, the client certificate and the connection's registration in each request.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::extract::Request;
use axum::response::IntoResponse as _;
use hyper_util::rt::{TokioIo, TokioTimer};
use rusqlite::Connection;
use tokio::net::TcpListener;
use tokio::sync::{Semaphore, oneshot};
use tokio::task::JoinHandle;
use tokio_rustls::TlsAcceptor;
use tower::ServiceExt as _;

use crate::GatewayConfig;
use crate::certs::PeerCert;
use crate::error::GwError;
use crate::tls::TlsState;

/// How long a refused connection is kept to deliver `GW_TOO_MANY_CONNECTIONS`.
const REFUSAL_WAIT: std::time::Duration = std::time::Duration::from_secs(2);

/// What the handlers know about the connection a call arrived on.
#[derive(Debug, Clone)]
pub(crate) struct ConnInfo {
    /// Client address.
    pub(crate) peer: SocketAddr,
    /// The verified TLS client certificate.
    pub(crate) cert: Option<PeerCert>,
    /// The TLS client certificate (DER), re-checked on every call.
    pub(crate) cert_der: Option<Arc<[u8]>>,
    /// The connection in the registry (to close it, to note the sessions used over it).
    pub(crate) live: Option<Arc<crate::limits::LiveConn>>,
}

/// State shared by all handlers.
pub(crate) struct Shared {
    pub(crate) config: GatewayConfig,
    /// The connection of the cold paths (administration, HR, reports...): one, locked.
    pub(crate) db: Mutex<Connection>,
    /// Connections for the hot reads (see [`crate::db::Readers`]).
    pub(crate) readers: crate::db::Readers,
    /// The writer of the hot paths: batched, durable commits (see [`crate::db::Writer`]).
    pub(crate) writer: crate::db::Writer,
    pub(crate) tls: TlsState,
    /// Key of the SMS-code MACs; lives in memory only (codes live 10 minutes).
    pub(crate) otp_key: ring::hmac::Key,
    pub(crate) rng: ring::rand::SystemRandom,
    /// The face model and template key, when a model is configured.
    pub(crate) face: Option<crate::face::FaceMatcher>,
    /// Live connections and their limits.
    pub(crate) conns: Arc<crate::limits::Registry>,
    /// Calls in progress over all connections (`max_in_flight`).
    pub(crate) in_flight: Arc<Semaphore>,
    /// The bounded pool for signature checks and other CPU-heavy work (`verify_workers`).
    pub(crate) cpu: Arc<Semaphore>,
    /// Recent good certificate checks (see [`crate::revocation`]).
    pub(crate) cert_checks: crate::revocation::CheckCache,
}

impl Shared {
    /// The database, locked: for the cold paths. The hot paths read through [`Shared::reader`] and
    /// write through [`Shared::writer`].
    pub(crate) fn db(&self) -> Result<std::sync::MutexGuard<'_, Connection>, GwError> {
        self.db
            .lock()
            .map_err(|_| GwError::Internal("database lock poisoned".into()))
    }

    /// A reader connection of the pool (blocking threads only).
    pub(crate) fn reader(&self) -> Result<crate::db::Reader<'_>, GwError> {
        self.readers.get()
    }
}

/// The reference gateway.
#[derive(Debug)]
pub struct Gateway;

/// A running gateway. Dropping it does not stop it; call [`GatewayHandle::shutdown`].
#[derive(Debug)]
pub struct GatewayHandle {
    addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<()>,
    commits: Arc<crate::db::CommitStats>,
}

impl GatewayHandle {
    /// The writer's counts so far: durable commits (one sync of the log each) and the writes
    /// they carried. `jobs / commits` is how well group commit groups.
    pub fn commit_counts(&self) -> crate::db::CommitCounts {
        self.commits.counts()
    }

    /// The address the gateway listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// Stop accepting connections and wait for the accept loop to end.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        let _ = (&mut self.task).await;
    }

    /// Wait until the gateway stops (it stops only on [`GatewayHandle::shutdown`] or a fatal error).
    pub async fn wait(self) {
        let _ = self.task.await;
    }
}

/// A gateway on a thread of its own with its own tokio runtime, for callers that have none
/// (tests of the client crates and the CLI). Dropping it stops the gateway and joins the thread.
#[derive(Debug)]
pub struct BackgroundGateway {
    addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl BackgroundGateway {
    /// Start the gateway (see [`Gateway::start`]) and wait until it listens.
    pub fn start(config: GatewayConfig) -> Result<Self, GwError> {
        let (addr_tx, addr_rx) = std::sync::mpsc::channel();
        let (stop_tx, stop_rx) = oneshot::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("sio-gateway".into())
            .spawn(move || {
                let rt = match tokio::runtime::Runtime::new() {
                    Ok(rt) => rt,
                    Err(e) => {
                        let _ = addr_tx.send(Err(GwError::Internal(format!("tokio runtime: {e}"))));
                        return;
                    }
                };
                rt.block_on(async move {
                    match Gateway::start(config).await {
                        Ok(handle) => {
                            let _ = addr_tx.send(Ok(handle.local_addr()));
                            let _ = stop_rx.await;
                            handle.shutdown().await;
                        }
                        Err(e) => {
                            let _ = addr_tx.send(Err(e));
                        }
                    }
                });
            })
            .map_err(|e| GwError::Internal(format!("gateway thread: {e}")))?;
        let addr = addr_rx
            .recv()
            .map_err(|_| GwError::Internal("the gateway thread ended before listening".into()))??;
        Ok(Self {
            addr,
            stop: Some(stop_tx),
            thread: Some(thread),
        })
    }

    /// The address the gateway listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }
}

impl Drop for BackgroundGateway {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Gateway {
    /// Open the database (running migrations), load the TLS material and start listening.
    /// Must be called inside a tokio runtime.
    pub async fn start(config: GatewayConfig) -> Result<GatewayHandle, GwError> {
        let conn = crate::db::open(&config.data_dir)?;
        let tls = TlsState::new(config.tls.clone())?;
        // For the operator's tools on the same data directory: the CA and CRL to check
        // certificates against (e.g. a workstation's at a fingerprint enrolment).
        if let Err(e) = crate::tls::record_trust(&config.data_dir, &config.tls) {
            tracing::warn!(error = %e, "could not record the trust files for the operator's tools");
        }
        let rng = ring::rand::SystemRandom::new();
        let otp_key = ring::hmac::Key::generate(ring::hmac::HMAC_SHA256, &rng)
            .map_err(|_| GwError::Internal("no randomness for the OTP key".into()))?;
        let listener = TcpListener::bind(config.listen)
            .await
            .map_err(|e| GwError::Config(format!("listen on {}: {e}", config.listen)))?;
        let addr = listener
            .local_addr()
            .map_err(|e| GwError::Config(format!("local address: {e}")))?;
        let readers = crate::db::Readers::new(&config.data_dir);
        let writer = crate::db::Writer::start(&config.data_dir)?;
        let commits = writer.stats.clone();
        let face = match &config.face_model {
            Some(model) => Some(crate::face::FaceMatcher::load(
                model,
                &config.data_dir,
                config.face_threshold,
            )?),
            None => None,
        };
        let conns = crate::limits::Registry::new(&config);
        let in_flight = Arc::new(Semaphore::new(config.max_in_flight.max(1)));
        let cpu = Arc::new(Semaphore::new(config.verify_workers.max(1)));
        let shared = Arc::new(Shared {
            config,
            db: Mutex::new(conn),
            readers,
            writer,
            tls,
            otp_key,
            rng,
            face,
            conns,
            in_flight,
            cpu,
            cert_checks: crate::revocation::CheckCache::default(),
        });
        let (stop_tx, stop_rx) = oneshot::channel();
        let task = tokio::spawn(accept_loop(listener, shared, stop_rx));
        tracing::info!(%addr, "gateway listening (TLS 1.3, client certificates required)");
        Ok(GatewayHandle {
            addr,
            stop: Some(stop_tx),
            task,
            commits,
        })
    }
}

async fn accept_loop(listener: TcpListener, shared: Arc<Shared>, mut stop: oneshot::Receiver<()>) {
    let router = crate::api::router(shared.clone());
    let watcher = tokio::spawn(crate::revocation::watch(shared.clone()));
    loop {
        let accepted = tokio::select! {
            _ = &mut stop => break,
            a = listener.accept() => a,
        };
        let (tcp, peer) = match accepted {
            Ok(x) => x,
            Err(e) => {
                tracing::warn!(error = %e, "accept failed");
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                continue;
            }
        };
        // A slot for the handshake only: a peer that never completes it holds no connection slot.
        let pending = match shared.conns.begin(peer.ip()) {
            Ok(p) => p,
            Err(why) => {
                tracing::debug!(%peer, limit = why.as_str(), "connection refused before the handshake");
                continue;
            }
        };
        let Some(config) = shared.tls.config() else {
            continue;
        };
        let router = router.clone();
        let shared = shared.clone();
        tokio::spawn(async move {
            let _ = tcp.set_nodelay(true);
            let acceptor = TlsAcceptor::from(config);
            let tls =
                match tokio::time::timeout(shared.config.handshake_timeout, acceptor.accept(tcp))
                    .await
                {
                    Ok(Ok(s)) => s,
                    Ok(Err(e)) => {
                        tracing::info!(%peer, error = %e, "TLS handshake refused");
                        return;
                    }
                    Err(_) => {
                        tracing::info!(%peer, "TLS handshake timed out");
                        return;
                    }
                };
            let der: Option<Arc<[u8]>> = tls
                .get_ref()
                .1
                .peer_certificates()
                .and_then(|c| c.first())
                .map(|c| Arc::from(c.as_ref()));
            let cert = der.as_deref().map(PeerCert::from_der);
            let sha = cert.as_ref().map(|c| c.sha256.clone()).unwrap_or_default();
            let established = match shared.conns.establish(
                pending,
                peer,
                sha,
                der.clone().unwrap_or_else(|| Arc::from(&[][..])),
            ) {
                Ok(e) => e,
                Err((why, pending)) => {
                    tracing::info!(%peer, limit = why.as_str(), "connection refused after the handshake");
                    refuse(tls, &shared, why).await;
                    drop(pending);
                    return;
                }
            };
            let live = established.conn.clone();
            let info = Arc::new(ConnInfo {
                peer,
                cert,
                cert_der: der,
                live: Some(live.clone()),
            });
            let service =
                hyper::service::service_fn(move |mut req: Request<hyper::body::Incoming>| {
                    req.extensions_mut().insert(info.clone());
                    router.clone().oneshot(req.map(axum::body::Body::new))
                });
            let conn = hyper::server::conn::http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(shared.config.header_timeout)
                .keep_alive(true)
                .serve_connection(TokioIo::new(tls), service);
            let mut conn = std::pin::pin!(conn);
            let mut closing = live.closing();
            let close = async move {
                let _ = closing.wait_for(|c| *c).await;
            };
            let result = tokio::select! {
                r = conn.as_mut() => r,
                () = close => {
                    // Revocation: answer the call in progress, then close (and at the latest
                    // after the body timeout).
                    conn.as_mut().graceful_shutdown();
                    match tokio::time::timeout(shared.config.body_timeout, conn.as_mut()).await {
                        Ok(r) => r,
                        Err(_) => Ok(()),
                    }
                }
            };
            drop(established);
            if let Err(e) = result {
                tracing::debug!(%peer, error = %e, "connection ended with an error");
            }
        });
    }
    watcher.abort();
}

/// Answer the first call on a connection over the limits with `GW_TOO_MANY_CONNECTIONS` and a
/// message naming the limit (`why`), then close it. It keeps its pending-handshake slot
/// meanwhile, for a short time only.
async fn refuse(
    tls: tokio_rustls::server::TlsStream<tokio::net::TcpStream>,
    shared: &Shared,
    why: crate::limits::Refused,
) {
    let message = why.message();
    let service =
        hyper::service::service_fn(move |_req: Request<hyper::body::Incoming>| async move {
            Ok::<_, std::convert::Infallible>(GwError::TooManyConnections(message).into_response())
        });
    let conn = hyper::server::conn::http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(shared.config.header_timeout)
        .keep_alive(false)
        .serve_connection(TokioIo::new(tls), service);
    let wait = shared.config.header_timeout.min(REFUSAL_WAIT);
    let _ = tokio::time::timeout(wait, conn).await;
}
