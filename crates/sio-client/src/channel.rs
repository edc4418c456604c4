//! The protected channel: HTTPS over TLS 1.3 only, the gateway's CA pinned (no system roots),
//! mutual TLS, no proxies, no redirects, timeouts, bounded retries with backoff.

use std::sync::Arc;
use std::time::Duration;

use reqwest::{Method, StatusCode};
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;
use serde::Serialize;
use serde::de::DeserializeOwned;
use sio_policy::Policy;
use sio_protocol::{ErrorBody, Secret};

use crate::error::{ClientError, from_reqwest};
use crate::identity::ClientIdentity;

/// How many times a transient failure of an idempotent call is tried in all.
const ATTEMPTS: u32 = 3;
/// The first backoff; it doubles each time.
const BACKOFF: Duration = Duration::from_millis(200);

/// Where the channel leads and what it trusts.
#[derive(Debug, Clone)]
pub struct ChannelConfig {
    /// `https://host:port` of the gateway, without a trailing slash.
    pub base_url: String,
    /// PEM of the CA certificate(s) pinned for the gateway.
    pub ca_pem: Vec<u8>,
    /// Timeout of one call.
    pub timeout: Duration,
}

impl ChannelConfig {
    /// The channel the administrator's policy describes (reads the pinned CA file).
    pub fn from_policy(policy: &Policy) -> Result<Self, ClientError> {
        let ca_pem = std::fs::read(&policy.gateway.ca)
            .map_err(|e| ClientError::CaInvalid(format!("{}: {e}", policy.gateway.ca.display())))?;
        Ok(ChannelConfig {
            base_url: policy.gateway.url.trim_end_matches('/').to_owned(),
            ca_pem,
            timeout: Duration::from_secs(u64::from(policy.gateway.timeout_seconds)),
        })
    }
}

/// THE TLS client configuration of the protected channel: TLS 1.3 only, trusting only the CA(s)
/// in `ca_pem` (no system roots), the client certificate of `identity` (the user's key on the
/// token, or the workstation's). The workstation diagnosis probes the gateway with this same
/// configuration (`identity: None` when it has no certificate of its own), so the self-check
/// cannot pass where the client would fail.
pub fn tls_config(
    ca_pem: &[u8],
    identity: Option<&ClientIdentity>,
) -> Result<rustls::ClientConfig, ClientError> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut roots = rustls::RootCertStore::empty();
    for cert in CertificateDer::pem_slice_iter(ca_pem) {
        let cert = cert.map_err(|e| ClientError::CaInvalid(e.to_string()))?;
        roots
            .add(cert)
            .map_err(|e| ClientError::CaInvalid(e.to_string()))?;
    }
    if roots.is_empty() {
        return Err(ClientError::CaInvalid(
            "no certificate in the CA file".into(),
        ));
    }
    let resolver = identity.map(|i| i.resolver(&provider)).transpose()?;
    let builder = rustls::ClientConfig::builder_with_provider(provider)
        .with_protocol_versions(&[&rustls::version::TLS13])
        .map_err(|e| ClientError::Tls(e.to_string()))?
        .with_root_certificates(roots);
    Ok(match resolver {
        Some(r) => builder.with_client_cert_resolver(r),
        None => builder.with_no_client_auth(),
    })
}

/// Whether a call may be repeated safely when the channel fails.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Retry {
    /// Repeat on transient failures (GETs, and POSTs whose body carries its own id).
    Idempotent,
    /// Send once.
    Once,
}

/// A connection to the gateway. Cheap to clone; connections are pooled.
#[derive(Debug, Clone)]
pub struct Channel {
    http: reqwest::Client,
    base: Arc<str>,
}

impl Channel {
    /// Build the channel. Nothing is sent until the first call.
    pub fn new(config: &ChannelConfig, identity: &ClientIdentity) -> Result<Self, ClientError> {
        if !config.base_url.starts_with("https://") {
            return Err(ClientError::Policy(sio_policy::PolicyError::Invalid(
                "gateway.url must start with https://".into(),
            )));
        }
        let tls = tls_config(&config.ca_pem, Some(identity))?;
        let http = reqwest::Client::builder()
            .use_preconfigured_tls(tls)
            .https_only(true)
            .no_proxy()
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(config.timeout.min(Duration::from_secs(10)))
            .timeout(config.timeout)
            // The gateway closes a connection idle past its 10 s header timeout: reuse only fresher ones.
            .pool_idle_timeout(Duration::from_secs(5))
            .build()
            .map_err(|e| ClientError::Tls(e.to_string()))?;
        Ok(Channel {
            http,
            base: config.base_url.trim_end_matches('/').into(),
        })
    }

    /// `GET path` → JSON.
    pub async fn get<R: DeserializeOwned>(
        &self,
        path: &str,
        bearer: Option<&Secret>,
    ) -> Result<R, ClientError> {
        self.call::<(), R>(Method::GET, path, None, bearer, Retry::Idempotent)
            .await
    }

    /// `POST path` with a JSON body → JSON.
    pub async fn post<B: Serialize, R: DeserializeOwned>(
        &self,
        path: &str,
        body: &B,
        bearer: Option<&Secret>,
        retry: Retry,
    ) -> Result<R, ClientError> {
        self.call(Method::POST, path, Some(body), bearer, retry)
            .await
    }

    /// `DELETE path`, answer ignored.
    pub async fn delete(&self, path: &str, bearer: Option<&Secret>) -> Result<(), ClientError> {
        self.call::<(), serde_json::Value>(Method::DELETE, path, None, bearer, Retry::Once)
            .await
            .map(|_| ())
    }

    async fn call<B: Serialize, R: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: Option<&B>,
        bearer: Option<&Secret>,
        retry: Retry,
    ) -> Result<R, ClientError> {
        let attempts = if retry == Retry::Idempotent {
            ATTEMPTS
        } else {
            1
        };
        let mut wait = BACKOFF;
        let mut attempt = 1;
        loop {
            match self.once(method.clone(), path, body, bearer).await {
                Err(e) if e.is_transient() && attempt < attempts => {
                    tracing::debug!(
                        path,
                        attempt,
                        code = e.code(),
                        "transient failure; retrying"
                    );
                    tokio::time::sleep(wait).await;
                    wait *= 2;
                    attempt += 1;
                }
                other => return other,
            }
        }
    }

    async fn once<B: Serialize, R: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: Option<&B>,
        bearer: Option<&Secret>,
    ) -> Result<R, ClientError> {
        let mut req = self.http.request(method, format!("{}{path}", self.base));
        if let Some(token) = bearer {
            req = req.bearer_auth(token.expose());
        }
        if let Some(b) = body {
            req = req.json(b);
        }
        let resp = req.send().await.map_err(from_reqwest)?;
        let status = resp.status();
        if status.is_redirection() {
            return Err(ClientError::Redirect);
        }
        let bytes = resp.bytes().await.map_err(from_reqwest)?;
        if !status.is_success() {
            return Err(gateway_error(status, &bytes));
        }
        let body: &[u8] = if bytes.is_empty() { b"null" } else { &bytes };
        serde_json::from_slice(body).map_err(|e| ClientError::BadResponse(e.to_string()))
    }
}

fn gateway_error(status: StatusCode, bytes: &[u8]) -> ClientError {
    match serde_json::from_slice::<ErrorBody>(bytes) {
        Ok(body) => ClientError::Gateway {
            status: status.as_u16(),
            body,
        },
        Err(_) if matches!(status.as_u16(), 502..=504) => ClientError::Gateway {
            status: status.as_u16(),
            body: ErrorBody::new(
                "CLIENT_UNREACHABLE",
                format!("the gateway is unavailable (HTTP {status})"),
            ),
        },
        Err(_) => ClientError::BadResponse(format!("HTTP {status} without an error body")),
    }
}
