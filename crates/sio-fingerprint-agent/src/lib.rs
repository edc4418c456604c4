//! The workstation's fingerprint agent (`sio-fingerprint-agent`): the one program on the
//! workstation that can produce a fingerprint verdict the gateway accepts.
//!
//! It runs as root under systemd (packaging/linux/sio-fingerprint-agent.service), holds the key of
//! the **workstation certificate** (a file of mode 0600 owned by the agent's account, which the
//! user's account cannot read; a TPM-held key is not supported yet, see SECURITY.md), talks to
//! fprintd over the system D-Bus and answers on a local Unix socket (default
//! `/run/sio/fingerprint.sock`, protocol in [`sio_biometrics::fingerprint::agent`]):
//!
//! - `verify` (any local account): fprintd verifies a finger of the prints kept for the ИИН
//!   (`<prefix><ИИН>`, default prefix `sio-`), and the agent signs a
//!   [`FingerprintVerdictDocument`] (the gateway's challenge id and nonce, the ИИН, the verdict,
//!   the SHA-256 of the workstation certificate) with the workstation key (CMS, sio-sign);
//! - `enroll` and `delete` (only the helpdesk's accounts, root by default, by `SO_PEERCRED`):
//!   enrol a finger of an ИИН in fprintd, or delete its prints;
//! - `info` (anyone): the workstation certificate, for the helpdesk's registration on the gateway.
//!
//! One fprintd operation runs at a time (another request meanwhile gets `BIO_FP_DEVICE_BUSY`);
//! a request line is at most [`sio_biometrics::fingerprint::agent::MAX_LINE`] bytes and must
//! arrive within 5 seconds. The agent never sees an image or a template, only fprintd's verdict,
//! and logs no secret.

mod entry;
pub use entry::main_with;

use std::os::unix::fs::{MetadataExt as _, PermissionsExt as _};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use sio_biometrics::fingerprint::agent::{AgentMessage, AgentRequest, WorkstationInfo};
use sio_biometrics::fingerprint::{
    Finger, FingerprintError, FingerprintStack, FprintdStack, FprintdUser, ScanEvent, Target,
    Verdict,
};
use sio_protocol::{
    FingerprintResult, FingerprintVerdictDocType, FingerprintVerdictDocument, Signed,
};
use sio_sign::soft::SoftwareSigner;
use tokio::io::{AsyncWrite, AsyncWriteExt as _, BufReader};
use tokio::net::{UnixListener, UnixStream};
use tokio::sync::mpsc::UnboundedReceiver;

/// Where systemd's unit puts the socket.
pub const DEFAULT_SOCKET: &str = sio_biometrics::fingerprint::agent::DEFAULT_SOCKET;
/// The workstation certificate, by default.
pub const DEFAULT_CERTIFICATE: &str = "/etc/sio/workstation.cert.pem";
/// The workstation key, by default (0600, owned by the agent's account).
pub const DEFAULT_KEY: &str = "/etc/sio/workstation.key.pem";
/// fprintd user names of the prints: this prefix and the ИИН.
pub const DEFAULT_PRINTS_PREFIX: &str = FprintdUser::IIN_PREFIX;

/// Time for the request line.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(5);
/// Time the user has for a verification, at most and at least.
const VERIFY_SECONDS: (u64, u64) = (5, 120);
/// Time for an enrolment (all scans), at most and at least.
const ENROLL_SECONDS: (u64, u64) = (10, 300);
/// Connections served at once; more are closed at once.
const MAX_CONNECTIONS: usize = 16;

/// How the agent runs.
#[derive(Debug, Clone)]
pub struct Config {
    /// The Unix socket to listen on.
    pub socket: PathBuf,
    /// The workstation certificate (PEM or DER).
    pub certificate: PathBuf,
    /// Its private key (PKCS#8 PEM): a regular file owned by the agent's account, mode 0600.
    pub key: PathBuf,
    /// fprintd user names of the prints: this prefix and the ИИН.
    pub prints_prefix: String,
    /// The reader (fprintd object path); fprintd's default reader when `None`.
    pub device: Option<String>,
    /// Accounts (uids) allowed to enrol and delete prints: the helpdesk's. Root by default.
    pub helpdesk_uids: Vec<u32>,
}

impl Config {
    /// The defaults: [`DEFAULT_SOCKET`], [`DEFAULT_CERTIFICATE`], [`DEFAULT_KEY`], prefix `sio-`,
    /// the default reader, root as the helpdesk.
    pub fn new() -> Self {
        Self {
            socket: DEFAULT_SOCKET.into(),
            certificate: DEFAULT_CERTIFICATE.into(),
            key: DEFAULT_KEY.into(),
            prints_prefix: DEFAULT_PRINTS_PREFIX.into(),
            device: None,
            helpdesk_uids: vec![0],
        }
    }
}

impl Default for Config {
    fn default() -> Self {
        Self::new()
    }
}

/// Why the agent cannot start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AgentError {
    /// The certificate, the key, the socket or the settings are not usable.
    #[error("{0}")]
    Config(String),
}

impl AgentError {
    /// Stable code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Config(_) => "BIO_FP_AGENT_CONFIG",
        }
    }
}

fn config_err(what: impl std::fmt::Display) -> AgentError {
    AgentError::Config(what.to_string())
}

/// The effective uid of this process (the owner of `/proc/self`).
fn effective_uid() -> Result<u32, AgentError> {
    std::fs::metadata("/proc/self")
        .map(|m| m.uid())
        .map_err(|e| config_err(format!("/proc/self: {e}")))
}

/// Read the key file, refusing one that another account could read or replace: a regular file
/// (not a link), owned by this process's account, no permission for group or others.
fn read_key(path: &Path) -> Result<String, AgentError> {
    let meta = std::fs::symlink_metadata(path)
        .map_err(|e| config_err(format!("workstation key {}: {e}", path.display())))?;
    if !meta.file_type().is_file() {
        return Err(config_err(format!(
            "workstation key {}: not a regular file (links are refused)",
            path.display()
        )));
    }
    let me = effective_uid()?;
    if meta.uid() != me {
        return Err(config_err(format!(
            "workstation key {}: owned by uid {}, not by the agent's account (uid {me})",
            path.display(),
            meta.uid()
        )));
    }
    if meta.permissions().mode() & 0o077 != 0 {
        return Err(config_err(format!(
            "workstation key {}: mode {:o} lets other accounts read it; make it 0600",
            path.display(),
            meta.permissions().mode() & 0o777
        )));
    }
    std::fs::read_to_string(path)
        .map_err(|e| config_err(format!("workstation key {}: {e}", path.display())))
}

fn pem(der: &[u8]) -> String {
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::STANDARD.encode(der);
    let mut out = String::from("-----BEGIN CERTIFICATE-----\n");
    for line in b64.as_bytes().chunks(64) {
        out.push_str(&String::from_utf8_lossy(line));
        out.push('\n');
    }
    out.push_str("-----END CERTIFICATE-----\n");
    out
}

/// The agent: the workstation key and certificate, the OS stack, who may enrol.
pub struct Agent {
    stack: Box<dyn FingerprintStack>,
    signer: std::sync::Mutex<SoftwareSigner>,
    workstation: WorkstationInfo,
    device: Option<String>,
    helpdesk_uids: Vec<u32>,
    busy: tokio::sync::Mutex<()>,
    connections: Arc<tokio::sync::Semaphore>,
}

impl std::fmt::Debug for Agent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Agent")
            .field("workstation", &self.workstation.name)
            .field("key", &"<redacted>")
            .finish_non_exhaustive()
    }
}

impl Agent {
    /// Load the workstation certificate and key and use fprintd (prints per ИИН).
    pub fn load(config: &Config) -> Result<Self, AgentError> {
        let stack = FprintdStack::new(FprintdUser::PerIin(config.prints_prefix.clone()));
        Self::with_stack(config, Box::new(stack))
    }

    /// [`Agent::load`] with another OS stack (tests).
    pub fn with_stack(
        config: &Config,
        stack: Box<dyn FingerprintStack>,
    ) -> Result<Self, AgentError> {
        let prefix_ok = !config.prints_prefix.is_empty()
            && config.prints_prefix.len() <= 32
            && config
                .prints_prefix
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_'));
        if !prefix_ok {
            return Err(config_err(
                "prints prefix: 1 to 32 ASCII letters, digits, '-' or '_'",
            ));
        }
        let cert = std::fs::read(&config.certificate).map_err(|e| {
            config_err(format!(
                "workstation certificate {}: {e}",
                config.certificate.display()
            ))
        })?;
        let der = sio_sign::pem_or_der_blocks(&cert, "CERTIFICATE")
            .into_iter()
            .next()
            .ok_or_else(|| {
                config_err(format!(
                    "workstation certificate {}: no certificate",
                    config.certificate.display()
                ))
            })?;
        let summary = sio_sign::CertSummary::from_der(&der)
            .map_err(|e| config_err(format!("workstation certificate: {e}")))?;
        if summary.iin.is_some() {
            return Err(config_err(
                "the certificate names a person (ИИН): a workstation certificate is needed",
            ));
        }
        sio_sign::check_purpose(&der, sio_sign::KeyPurpose::Authentication)
            .map_err(|e| config_err(format!("workstation certificate: {e}")))?;
        let key = zeroize::Zeroizing::new(read_key(&config.key)?);
        let signer = SoftwareSigner::from_pem(&key, &der)
            .map_err(|e| config_err(format!("workstation key: {e}")))?;
        let sha256 = hex::encode(ring::digest::digest(&ring::digest::SHA256, &der));
        Ok(Self {
            stack,
            signer: std::sync::Mutex::new(signer),
            workstation: WorkstationInfo {
                name: summary.common_name.unwrap_or(summary.serial_hex),
                certificate_sha256: sha256,
                certificate_pem: pem(&der),
            },
            device: config.device.clone(),
            helpdesk_uids: config.helpdesk_uids.clone(),
            busy: tokio::sync::Mutex::new(()),
            connections: Arc::new(tokio::sync::Semaphore::new(MAX_CONNECTIONS)),
        })
    }

    /// The workstation certificate the agent signs with.
    pub fn workstation(&self) -> &WorkstationInfo {
        &self.workstation
    }

    /// Listen on `path`: its directory is created (0755) if absent, a stale socket is replaced,
    /// and the socket is open to every local account (mode 0666) — enrolment is checked per
    /// request by the peer's uid.
    pub fn bind(path: &Path) -> Result<UnixListener, AgentError> {
        if let Some(dir) = path.parent() {
            if !dir.exists() {
                std::fs::create_dir_all(dir)
                    .map_err(|e| config_err(format!("{}: {e}", dir.display())))?;
                std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o755))
                    .map_err(|e| config_err(format!("{}: {e}", dir.display())))?;
            }
        }
        match std::fs::symlink_metadata(path) {
            Ok(m) if std::os::unix::fs::FileTypeExt::is_socket(&m.file_type()) => {
                std::fs::remove_file(path)
                    .map_err(|e| config_err(format!("{}: {e}", path.display())))?;
            }
            Ok(_) => {
                return Err(config_err(format!(
                    "{}: exists and is not a socket",
                    path.display()
                )));
            }
            Err(_) => {}
        }
        let listener =
            UnixListener::bind(path).map_err(|e| config_err(format!("{}: {e}", path.display())))?;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o666))
            .map_err(|e| config_err(format!("{}: {e}", path.display())))?;
        Ok(listener)
    }

    /// Serve connections on `listener` until the task is dropped.
    pub async fn serve(self: Arc<Self>, listener: UnixListener) {
        loop {
            let stream = match listener.accept().await {
                Ok((s, _)) => s,
                Err(e) => {
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            };
            let Ok(permit) = self.connections.clone().try_acquire_owned() else {
                tracing::warn!("too many connections; one closed");
                continue;
            };
            let agent = self.clone();
            tokio::spawn(async move {
                agent.connection(stream).await;
                drop(permit);
            });
        }
    }

    async fn connection(&self, mut stream: UnixStream) {
        let uid = stream.peer_cred().map(|c| c.uid()).ok();
        let (read, mut write) = stream.split();
        let mut reader = BufReader::new(read);
        let req = match tokio::time::timeout(
            REQUEST_TIMEOUT,
            sio_biometrics::fingerprint::agent::read_line::<_, AgentRequest>(&mut reader),
        )
        .await
        {
            Ok(Ok(r)) => r,
            Ok(Err(e)) => {
                let _ = send(&mut write, &AgentMessage::from_error(&e)).await;
                return;
            }
            Err(_) => return,
        };
        let answer = match self.handle(uid, req, &mut write).await {
            Ok(m) => m,
            Err(Flow::Refused(e)) => AgentMessage::from_error(&e),
            Err(Flow::PeerGone) => return,
        };
        let _ = send(&mut write, &answer).await;
    }

    async fn handle<W: AsyncWrite + Unpin>(
        &self,
        uid: Option<u32>,
        req: AgentRequest,
        w: &mut W,
    ) -> Result<AgentMessage, Flow> {
        match req {
            AgentRequest::Info => Ok(AgentMessage::Info {
                workstation: self.workstation.clone(),
            }),
            AgentRequest::Verify {
                challenge_id,
                nonce,
                iin,
                timeout_secs,
            } => {
                let challenge_id = uuid::Uuid::parse_str(&challenge_id)
                    .map_err(|_| bad("the challenge id is not a UUID"))?;
                check_iin(&iin)?;
                if nonce.is_empty()
                    || nonce.len() > 256
                    || !nonce
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'='))
                {
                    return Err(bad("the nonce is not base64 of a sane length"));
                }
                let timeout =
                    Duration::from_secs(timeout_secs.clamp(VERIFY_SECONDS.0, VERIFY_SECONDS.1));
                let _guard = self.busy.try_lock().map_err(|_| {
                    Flow::Refused(FingerprintError::DeviceBusy(
                        "another fingerprint operation is under way".into(),
                    ))
                })?;
                tracing::info!(uid = ?uid, user = %iin, "fingerprint verification asked");
                let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
                let on = move |e: ScanEvent| {
                    let _ = tx.send(e);
                };
                let target = Target {
                    device: self.device.as_deref(),
                    iin: &iin,
                };
                let v = drive(w, &mut rx, self.stack.verify(target, &on, timeout)).await?;
                let doc = FingerprintVerdictDocument {
                    doc: FingerprintVerdictDocType::V2,
                    challenge_id,
                    nonce,
                    iin: iin.clone(),
                    workstation_certificate: self.workstation.certificate_sha256.clone(),
                    device: v.device.name.clone(),
                    finger: v
                        .finger
                        .and_then(|f| sio_protocol::Finger::from_name(f.name())),
                    result: match v.verdict {
                        Verdict::Match => FingerprintResult::Match,
                        Verdict::NoMatch => FingerprintResult::NoMatch,
                    },
                    verified_at: sio_core::time::to_astana(chrono::Utc::now()).fixed_offset(),
                };
                let signed = self.sign(doc)?;
                tracing::info!(uid = ?uid, user = %iin, verdict = ?v.verdict, "fingerprint verdict signed");
                Ok(AgentMessage::Verdict {
                    result: match v.verdict {
                        Verdict::Match => "match",
                        Verdict::NoMatch => "no-match",
                    }
                    .into(),
                    device: v.device.name,
                    signed,
                })
            }
            AgentRequest::Enroll {
                iin,
                finger,
                device,
                timeout_secs,
            } => {
                self.helpdesk(uid)?;
                check_iin(&iin)?;
                let finger: Finger = finger.parse().map_err(Flow::Refused)?;
                let timeout =
                    Duration::from_secs(timeout_secs.clamp(ENROLL_SECONDS.0, ENROLL_SECONDS.1));
                let _guard = self.busy.try_lock().map_err(|_| {
                    Flow::Refused(FingerprintError::DeviceBusy(
                        "another fingerprint operation is under way".into(),
                    ))
                })?;
                let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
                let on = move |e: ScanEvent| {
                    let _ = tx.send(e);
                };
                let target = Target {
                    device: device.as_deref().or(self.device.as_deref()),
                    iin: &iin,
                };
                let dev =
                    drive(w, &mut rx, self.stack.enroll(target, finger, &on, timeout)).await?;
                tracing::info!(uid = ?uid, user = %iin, finger = finger.name(), "finger enrolled");
                Ok(AgentMessage::Enrolled {
                    device: dev.name,
                    finger: finger.name().into(),
                    workstation: self.workstation.clone(),
                })
            }
            AgentRequest::Delete { iin } => {
                self.helpdesk(uid)?;
                check_iin(&iin)?;
                let _guard = self.busy.try_lock().map_err(|_| {
                    Flow::Refused(FingerprintError::DeviceBusy(
                        "another fingerprint operation is under way".into(),
                    ))
                })?;
                self.stack
                    .delete_enrolled(Target {
                        device: self.device.as_deref(),
                        iin: &iin,
                    })
                    .await
                    .map_err(Flow::Refused)?;
                tracing::info!(uid = ?uid, user = %iin, "prints deleted");
                Ok(AgentMessage::Deleted)
            }
        }
    }

    fn helpdesk(&self, uid: Option<u32>) -> Result<(), Flow> {
        match uid {
            Some(u) if self.helpdesk_uids.contains(&u) => Ok(()),
            _ => {
                tracing::warn!(uid = ?uid, "enrolment or deletion refused to this account");
                Err(Flow::Refused(FingerprintError::AgentForbidden(
                    "enrolling and deleting prints is the helpdesk's (run it as root)".into(),
                )))
            }
        }
    }

    fn sign(&self, doc: FingerprintVerdictDocument) -> Result<serde_json::Value, Flow> {
        let internal = |what: String| Flow::Refused(FingerprintError::Protocol(what));
        let bytes = Signed::canonical_bytes(&doc).map_err(|e| internal(e.to_string()))?;
        let cms = {
            let mut signer = self
                .signer
                .lock()
                .map_err(|_| internal("the signer is poisoned".into()))?;
            let mut signers: [&mut dyn sio_sign::Signer; 1] = [&mut *signer];
            sio_sign::sign(&bytes, &mut signers, &sio_sign::SignOptions::default())
                .map_err(|e| internal(format!("signing the verdict: {e}")))?
        };
        serde_json::to_value(Signed::new(doc, &cms)).map_err(|e| internal(e.to_string()))
    }
}

/// How a request ends short of an answer.
enum Flow {
    /// Answer with this error.
    Refused(FingerprintError),
    /// The asking program went away: stop (the scan is cancelled).
    PeerGone,
}

fn bad(what: &str) -> Flow {
    Flow::Refused(FingerprintError::Protocol(what.into()))
}

fn check_iin(iin: &str) -> Result<(), Flow> {
    sio_core::Iin::parse(iin)
        .map(drop)
        .map_err(|e| bad(&format!("the ИИН: {e}")))
}

async fn send<W: AsyncWrite + Unpin>(w: &mut W, m: &AgentMessage) -> std::io::Result<()> {
    let mut line = serde_json::to_vec(m).map_err(std::io::Error::other)?;
    line.push(b'\n');
    w.write_all(&line).await?;
    w.flush().await
}

/// Run `op`, passing its scan events to the peer as they come.
async fn drive<T, W: AsyncWrite + Unpin>(
    w: &mut W,
    events: &mut UnboundedReceiver<ScanEvent>,
    op: impl std::future::Future<Output = Result<T, FingerprintError>>,
) -> Result<T, Flow> {
    tokio::pin!(op);
    let r = loop {
        tokio::select! {
            r = &mut op => break r,
            Some(e) = events.recv() => {
                if send(w, &AgentMessage::from_event(e)).await.is_err() {
                    return Err(Flow::PeerGone);
                }
            }
        }
    };
    while let Ok(e) = events.try_recv() {
        if send(w, &AgentMessage::from_event(e)).await.is_err() {
            return Err(Flow::PeerGone);
        }
    }
    r.map_err(Flow::Refused)
}

#[cfg(test)]
mod tests;
