//! TLS: rustls 0.23 with the ring provider, TLS 1.3 only, client certificates required and
//! verified against the test CA and its CRL. The CRL file is re-read when it changes, so a
//! certificate revoked with `sio pki revoke` is refused on the next connection.

use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};
use std::time::SystemTime;

use rustls::ServerConfig;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, CertificateRevocationListDer, PrivateKeyDer};
use rustls::server::WebPkiClientVerifier;

use crate::error::GwError;
use crate::verify::Verifiers;

/// Where the TLS and trust material lives.
#[derive(Debug, Clone)]
pub struct TlsFiles {
    /// The CA that issues user and gateway certificates (PEM; several allowed).
    pub ca_cert: PathBuf,
    /// The CA's current CRL (PEM), if any.
    pub crl: Option<PathBuf>,
    /// The gateway's server certificate chain (PEM).
    pub server_cert: PathBuf,
    /// The gateway's private key (PKCS#8 PEM).
    pub server_key: PathBuf,
}

impl TlsFiles {
    /// The files of a PKI directory written by `sio pki init` (sio-pki's layout).
    pub fn from_pki_dir(dir: &Path) -> Self {
        let crl = dir.join(sio_pki::paths::CRL);
        Self {
            ca_cert: dir.join(sio_pki::paths::CA_CERT),
            crl: Some(crl),
            server_cert: dir.join(sio_pki::paths::GATEWAY_CERT),
            server_key: dir.join(sio_pki::paths::GATEWAY_KEY),
        }
    }
}

/// Trust anchors and revocation data, also used to check signed documents.
#[derive(Debug, Clone)]
pub(crate) struct Trust {
    /// CA certificates, DER.
    pub(crate) ca_certs: Vec<Vec<u8>>,
    /// CRLs, DER.
    pub(crate) crls: Vec<Vec<u8>>,
}

struct Loaded {
    crl_mtime: Option<SystemTime>,
    config: Arc<ServerConfig>,
    verifiers: Arc<Verifiers>,
}

/// The current server configuration, rebuilt when the CRL changes.
pub(crate) struct TlsState {
    files: TlsFiles,
    loaded: RwLock<Loaded>,
}

fn mtime(path: &Option<PathBuf>) -> Option<SystemTime> {
    path.as_ref()
        .and_then(|p| std::fs::metadata(p).ok())
        .and_then(|m| m.modified().ok())
}

fn cfg_err(what: &str, path: &Path, e: impl std::fmt::Display) -> GwError {
    GwError::Config(format!("{what} {}: {e}", path.display()))
}

fn load(files: &TlsFiles) -> Result<Loaded, GwError> {
    let crl_mtime = mtime(&files.crl);
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let ca: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(&files.ca_cert)
        .map_err(|e| cfg_err("CA certificate", &files.ca_cert, e))?
        .collect::<Result<_, _>>()
        .map_err(|e| cfg_err("CA certificate", &files.ca_cert, e))?;
    if ca.is_empty() {
        return Err(cfg_err("CA certificate", &files.ca_cert, "no certificate"));
    }
    let mut roots = rustls::RootCertStore::empty();
    for c in &ca {
        roots
            .add(c.clone())
            .map_err(|e| cfg_err("CA certificate", &files.ca_cert, e))?;
    }
    let mut crls: Vec<CertificateRevocationListDer<'static>> = Vec::new();
    if let Some(path) = files.crl.as_ref().filter(|p| p.exists()) {
        crls = CertificateRevocationListDer::pem_file_iter(path)
            .map_err(|e| cfg_err("CRL", path, e))?
            .collect::<Result<_, _>>()
            .map_err(|e| cfg_err("CRL", path, e))?;
    }
    let trust = Trust {
        ca_certs: ca.iter().map(|c| c.as_ref().to_vec()).collect(),
        crls: crls.iter().map(|c| c.as_ref().to_vec()).collect(),
    };
    let verifiers = Arc::new(Verifiers::new(&trust)?);
    let mut vb = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider.clone());
    if !crls.is_empty() {
        vb = vb.with_crls(crls);
    }
    let verifier = vb
        .build()
        .map_err(|e| GwError::Config(format!("client certificate verifier: {e}")))?;
    let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(&files.server_cert)
        .map_err(|e| cfg_err("server certificate", &files.server_cert, e))?
        .collect::<Result<_, _>>()
        .map_err(|e| cfg_err("server certificate", &files.server_cert, e))?;
    let key = PrivateKeyDer::from_pem_file(&files.server_key)
        .map_err(|e| cfg_err("server key", &files.server_key, e))?;
    let mut config = ServerConfig::builder_with_provider(provider)
        .with_protocol_versions(&[&rustls::version::TLS13])
        .map_err(|e| GwError::Config(format!("TLS versions: {e}")))?
        .with_client_cert_verifier(verifier)
        .with_single_cert(chain, key)
        .map_err(|e| GwError::Config(format!("server certificate and key: {e}")))?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Loaded {
        crl_mtime,
        config: Arc::new(config),
        verifiers,
    })
}

impl TlsState {
    pub(crate) fn new(files: TlsFiles) -> Result<Self, GwError> {
        let loaded = load(&files)?;
        Ok(Self {
            files,
            loaded: RwLock::new(loaded),
        })
    }

    fn refresh(&self) {
        let now_mtime = mtime(&self.files.crl);
        let stale = self
            .loaded
            .read()
            .map(|l| l.crl_mtime != now_mtime)
            .unwrap_or(false);
        if stale {
            match load(&self.files) {
                Ok(fresh) => {
                    if let Ok(mut w) = self.loaded.write() {
                        *w = fresh;
                        tracing::info!("CRL changed: TLS configuration reloaded");
                    }
                }
                Err(e) => {
                    tracing::warn!(error = %e, "CRL changed but could not be loaded; keeping the previous one")
                }
            }
        }
    }

    /// The server configuration for a new connection.
    pub(crate) fn config(&self) -> Option<Arc<ServerConfig>> {
        self.refresh();
        self.loaded.read().ok().map(|l| l.config.clone())
    }

    /// The verifiers for signed documents (current CA and CRL).
    pub(crate) fn verifiers(&self) -> Result<Arc<Verifiers>, GwError> {
        self.refresh();
        self.loaded
            .read()
            .map(|l| l.verifiers.clone())
            .map_err(|_| GwError::Internal("TLS state lock poisoned".into()))
    }
}
