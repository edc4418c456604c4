//! The accept loop: TCP → TLS (handshake timeout, connection limit) → hyper http1 (header-read
//! timeout) → axum router, with the peer address and client certificate in each request.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::extract::Request;
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

/// What the handlers know about the connection a call arrived on.
#[derive(Debug, Clone)]
pub(crate) struct ConnInfo {
    /// Client address.
    pub(crate) peer: SocketAddr,
    /// The verified TLS client certificate.
    pub(crate) cert: Option<PeerCert>,
}

/// State shared by all handlers.
pub(crate) struct Shared {
    pub(crate) config: GatewayConfig,
    pub(crate) db: Mutex<Connection>,
    pub(crate) tls: TlsState,
    /// Key of the SMS-code MACs; lives in memory only (codes live 10 minutes).
    pub(crate) otp_key: ring::hmac::Key,
    pub(crate) rng: ring::rand::SystemRandom,
    /// Shared log syncs for accepted requests.
    pub(crate) commits: crate::db::GroupCommit,
    /// The face model and template key, when a model is configured.
    pub(crate) face: Option<crate::face::FaceMatcher>,
}

impl Shared {
    /// The database, locked.
    pub(crate) fn db(&self) -> Result<std::sync::MutexGuard<'_, Connection>, GwError> {
        self.db
            .lock()
            .map_err(|_| GwError::Internal("database lock poisoned".into()))
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
}

impl GatewayHandle {
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
        let rng = ring::rand::SystemRandom::new();
        let otp_key = ring::hmac::Key::generate(ring::hmac::HMAC_SHA256, &rng)
            .map_err(|_| GwError::Internal("no randomness for the OTP key".into()))?;
        let listener = TcpListener::bind(config.listen)
            .await
            .map_err(|e| GwError::Config(format!("listen on {}: {e}", config.listen)))?;
        let addr = listener
            .local_addr()
            .map_err(|e| GwError::Config(format!("local address: {e}")))?;
        let commits = crate::db::GroupCommit::new(&config.data_dir);
        let face = match &config.face_model {
            Some(model) => Some(crate::face::FaceMatcher::load(
                model,
                &config.data_dir,
                config.face_threshold,
            )?),
            None => None,
        };
        let shared = Arc::new(Shared {
            commits,
            config,
            db: Mutex::new(conn),
            tls,
            otp_key,
            rng,
            face,
        });
        let (stop_tx, stop_rx) = oneshot::channel();
        let task = tokio::spawn(accept_loop(listener, shared, stop_rx));
        tracing::info!(%addr, "gateway listening (TLS 1.3, client certificates required)");
        Ok(GatewayHandle {
            addr,
            stop: Some(stop_tx),
            task,
        })
    }
}

async fn accept_loop(listener: TcpListener, shared: Arc<Shared>, mut stop: oneshot::Receiver<()>) {
    let router = crate::api::router(shared.clone());
    let slots = Arc::new(Semaphore::new(shared.config.max_connections));
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
        let Ok(permit) = slots.clone().try_acquire_owned() else {
            tracing::warn!(%peer, "connection limit reached; connection closed");
            continue;
        };
        let Some(config) = shared.tls.config() else {
            continue;
        };
        let router = router.clone();
        let shared = shared.clone();
        tokio::spawn(async move {
            let _permit = permit;
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
            let cert = tls
                .get_ref()
                .1
                .peer_certificates()
                .and_then(|c| c.first())
                .map(|c| PeerCert::from_der(c.as_ref()));
            let info = Arc::new(ConnInfo { peer, cert });
            let service =
                hyper::service::service_fn(move |mut req: Request<hyper::body::Incoming>| {
                    req.extensions_mut().insert(info.clone());
                    router.clone().oneshot(req.map(axum::body::Body::new))
                });
            let result = hyper::server::conn::http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(shared.config.header_timeout)
                .keep_alive(true)
                .serve_connection(TokioIo::new(tls), service)
                .await;
            if let Err(e) = result {
                tracing::debug!(%peer, error = %e, "connection ended with an error");
            }
        });
    }
}
