//! TLS: rustls 0.23 with the ring provider, TLS 1.3 only, client certificates required and
//! verified against the test CA and its CRL. The CRL file is re-read when it changes — looked at
//! on every new connection, every call and every `crl_check_interval` (see
//! [`crate::revocation`]) — so a certificate revoked with `sio pki revoke` is refused on the next
//! connection and ends the sessions and connections it opened.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
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
    /// Checks a single certificate (any purpose) against the same CA and CRL.
    certs: Arc<sio_sign::Verifier>,
}

/// The current server configuration, rebuilt when the CRL changes.
pub(crate) struct TlsState {
    files: TlsFiles,
    loaded: RwLock<Loaded>,
    /// Bumped on every reload: results of certificate checks are valid for one generation.
    generation: AtomicU64,
    /// Woken on every reload, for the task that re-checks open sessions and connections.
    pub(crate) reloaded: tokio::sync::Notify,
    /// The CRL file disappeared (warned once).
    crl_gone: std::sync::atomic::AtomicBool,
}

fn mtime(path: &Option<PathBuf>) -> Option<SystemTime> {
    path.as_ref()
        .and_then(|p| std::fs::metadata(p).ok())
        .and_then(|m| m.modified().ok())
}

fn cfg_err(what: &str, path: &Path, e: impl std::fmt::Display) -> GwError {
    GwError::Config(format!("{what} {}: {e}", path.display()))
}

/// The CA certificates and the CRL (when its file exists) of these files.
fn read_trust(
    ca_cert: &Path,
    crl: Option<&Path>,
) -> Result<
    (
        Vec<CertificateDer<'static>>,
        Vec<CertificateRevocationListDer<'static>>,
    ),
    GwError,
> {
    let ca: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(ca_cert)
        .map_err(|e| cfg_err("CA certificate", ca_cert, e))?
        .collect::<Result<_, _>>()
        .map_err(|e| cfg_err("CA certificate", ca_cert, e))?;
    if ca.is_empty() {
        return Err(cfg_err("CA certificate", ca_cert, "no certificate"));
    }
    let mut crls: Vec<CertificateRevocationListDer<'static>> = Vec::new();
    if let Some(path) = crl.filter(|p| p.exists()) {
        crls = CertificateRevocationListDer::pem_file_iter(path)
            .map_err(|e| cfg_err("CRL", path, e))?
            .collect::<Result<_, _>>()
            .map_err(|e| cfg_err("CRL", path, e))?;
    }
    Ok((ca, crls))
}

/// The checker of single certificates (any purpose): chain to the CA, validity now, the CRL.
fn certificate_checker(trust: &Trust) -> Result<sio_sign::Verifier, GwError> {
    let mut certs = sio_sign::Verifier::new(&trust.ca_certs)
        .map_err(|e| GwError::Config(format!("CA for certificate checks: {e}")))?;
    for crl in &trust.crls {
        certs = certs
            .with_crl(crl)
            .map_err(|e| GwError::Config(format!("CRL for certificate checks: {e}")))?;
    }
    Ok(certs)
}

/// The file in the data directory where a started gateway records where its CA certificate and
/// CRL are, so that the operator's tools ([`crate::admin::Admin`]) check certificates against
/// the same trust as the gateway (e.g. a workstation certificate at a fingerprint enrolment).
pub(crate) const TRUST_FILE: &str = "gateway-trust.json";

/// Record in `data_dir` where the trust material of `files` is (absolute paths; mode 0600).
pub(crate) fn record_trust(data_dir: &Path, files: &TlsFiles) -> Result<(), GwError> {
    let abs = |p: &Path| std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf());
    let record = serde_json::json!({
        "ca_cert": abs(&files.ca_cert),
        "crl": files.crl.as_deref().map(abs),
    });
    let dest = data_dir.join(TRUST_FILE);
    let tmp = data_dir.join(format!(".{TRUST_FILE}.tmp-{}", std::process::id()));
    let io = |what: &str, e: std::io::Error| GwError::Config(format!("{what}: {e}"));
    let _ = std::fs::remove_file(&tmp);
    crate::db::create_new_private_file(&tmp).map_err(|e| io("record the trust files", e))?;
    std::fs::write(&tmp, record.to_string()).map_err(|e| io("record the trust files", e))?;
    std::fs::rename(&tmp, &dest).map_err(|e| io("record the trust files", e))?;
    Ok(())
}

/// A checker of single certificates against the trust the gateway of `data_dir` recorded when
/// it last started ([`record_trust`]), with the CA certificate and CRL as they are now.
pub(crate) fn recorded_checker(data_dir: &Path) -> Result<sio_sign::Verifier, GwError> {
    let path = data_dir.join(TRUST_FILE);
    let text = std::fs::read(&path).map_err(|e| {
        GwError::Config(format!(
            "the gateway's CA and CRL are not known in {} ({e}): start the gateway once with this data directory",
            data_dir.display()
        ))
    })?;
    let record: serde_json::Value = serde_json::from_slice(&text)
        .map_err(|e| GwError::Config(format!("{}: {e}", path.display())))?;
    let ca_cert = record
        .get("ca_cert")
        .and_then(|v| v.as_str())
        .map(PathBuf::from)
        .ok_or_else(|| GwError::Config(format!("{}: no CA certificate", path.display())))?;
    let crl = record
        .get("crl")
        .and_then(|v| v.as_str())
        .map(PathBuf::from);
    let files = TlsFiles {
        ca_cert,
        crl,
        server_cert: PathBuf::new(),
        server_key: PathBuf::new(),
    };
    trust_checker(&files)
}

/// A checker of single certificates against the CA certificate and CRL of `files`, as they are
/// now.
pub(crate) fn trust_checker(files: &TlsFiles) -> Result<sio_sign::Verifier, GwError> {
    let (ca, crls) = read_trust(&files.ca_cert, files.crl.as_deref())?;
    certificate_checker(&Trust {
        ca_certs: ca.iter().map(|c| c.as_ref().to_vec()).collect(),
        crls: crls.iter().map(|c| c.as_ref().to_vec()).collect(),
    })
}

fn load(files: &TlsFiles) -> Result<Loaded, GwError> {
    let crl_mtime = mtime(&files.crl);
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let (ca, crls) = read_trust(&files.ca_cert, files.crl.as_deref())?;
    let mut roots = rustls::RootCertStore::empty();
    for c in &ca {
        roots
            .add(c.clone())
            .map_err(|e| cfg_err("CA certificate", &files.ca_cert, e))?;
    }
    let trust = Trust {
        ca_certs: ca.iter().map(|c| c.as_ref().to_vec()).collect(),
        crls: crls.iter().map(|c| c.as_ref().to_vec()).collect(),
    };
    let verifiers = Arc::new(Verifiers::new(&trust)?);
    let certs = certificate_checker(&trust)?;
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
        certs: Arc::new(certs),
    })
}

impl TlsState {
    pub(crate) fn new(files: TlsFiles) -> Result<Self, GwError> {
        let loaded = load(&files)?;
        Ok(Self {
            files,
            loaded: RwLock::new(loaded),
            generation: AtomicU64::new(1),
            reloaded: tokio::sync::Notify::new(),
            crl_gone: std::sync::atomic::AtomicBool::new(false),
        })
    }

    /// Re-read the CRL if its file changed; true when a new one was loaded. A CRL that cannot be
    /// loaded (half written, bad signature) keeps the previous one and is tried again next time.
    pub(crate) fn refresh(&self) -> bool {
        let now_mtime = mtime(&self.files.crl);
        let (stale, had_crl) = self
            .loaded
            .read()
            .map(|l| (l.crl_mtime != now_mtime, l.crl_mtime.is_some()))
            .unwrap_or((false, false));
        if !stale {
            return false;
        }
        if now_mtime.is_none() && had_crl {
            // A CRL that disappears (deleted, being replaced) must not switch revocation off:
            // the one loaded stays in force until a readable file is back.
            if !self.crl_gone.swap(true, Ordering::Relaxed) {
                tracing::warn!("the CRL file is gone; keeping the CRL loaded before");
            }
            return false;
        }
        self.crl_gone.store(false, Ordering::Relaxed);
        match load(&self.files) {
            Ok(fresh) => {
                let Ok(mut w) = self.loaded.write() else {
                    return false;
                };
                // Another caller may have loaded the same file meanwhile.
                if w.crl_mtime == fresh.crl_mtime {
                    return false;
                }
                *w = fresh;
                self.generation.fetch_add(1, Ordering::SeqCst);
                drop(w);
                tracing::info!("CRL changed: TLS configuration reloaded");
                self.reloaded.notify_one();
                true
            }
            Err(e) => {
                tracing::warn!(error = %e, "CRL changed but could not be loaded; keeping the previous one");
                false
            }
        }
    }

    /// The generation of the loaded CA and CRL (changes on every reload).
    pub(crate) fn generation(&self) -> u64 {
        self.generation.load(Ordering::SeqCst)
    }

    /// The checker of single certificates (current CA and CRL), with its generation.
    pub(crate) fn cert_checker(&self) -> Result<(Arc<sio_sign::Verifier>, u64), GwError> {
        self.refresh();
        let l = self
            .loaded
            .read()
            .map_err(|_| GwError::Internal("TLS state lock poisoned".into()))?;
        Ok((l.certs.clone(), self.generation()))
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
