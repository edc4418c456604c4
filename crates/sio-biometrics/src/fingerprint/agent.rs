//! The workstation's fingerprint agent, as the app and the command line reach it.
//!
//! The agent (`sio-fingerprint-agent`, run by systemd as root) holds the key of the workstation
//! certificate — a file the user's account cannot read — and is the only program that asks
//! fprintd to verify a finger for the login. It answers on a local Unix socket
//! ([`DEFAULT_SOCKET`], `/run/sio/fingerprint.sock`; `SIO_FINGERPRINT_AGENT` overrides it):
//!
//! ```text
//! app ──{"op":"verify","challenge_id":…,"nonce":…,"iin":…}──▶ agent ──D-Bus──▶ fprintd
//!     ◀──{"kind":"ready"} … {"kind":"verdict","result":"match","signed":{document, cms}}──
//! ```
//!
//! One request line (JSON, at most [`MAX_LINE`] bytes) per connection; the agent answers with
//! zero or more event lines ([`AgentMessage::Ready`], …) and one final line (a verdict, an
//! enrolment, an acknowledgement or an [`AgentMessage::Error`] with a `BIO_FP_*` code). The verdict
//! is a `Signed<FingerprintVerdictDocument>` of `sio-protocol`, carried here as JSON so that this
//! crate does not depend on the protocol crate; the client posts it to the gateway as it is.
//!
//! Enrolling and deleting prints is the helpdesk's: the agent allows it only to the accounts it is
//! configured with (root by default), by the peer credentials of the socket (`SO_PEERCRED`).

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use tokio::io::{AsyncBufReadExt as _, AsyncWriteExt as _, BufReader};
use tokio::net::UnixStream;

use super::{
    Finger, FingerprintDevice, FingerprintError, OnEvent, ScanEvent, ScanFeedback, ScanType,
    Verdict,
};

/// Where the agent listens unless configured otherwise.
pub const DEFAULT_SOCKET: &str = "/run/sio/fingerprint.sock";
/// The environment variable naming another socket (tests, several agents on one machine).
pub const SOCKET_ENV: &str = "SIO_FINGERPRINT_AGENT";
/// Longest request or answer line, bytes (a verdict with its CMS and certificate fits well).
pub const MAX_LINE: usize = 64 * 1024;
/// Time to connect and to send the request.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// Margin over the scan time for the agent's own work (fprintd calls, signing).
const ANSWER_MARGIN: Duration = Duration::from_secs(20);

/// A request to the agent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "kebab-case", deny_unknown_fields)]
pub enum AgentRequest {
    /// Verify the user's finger and sign the verdict for the gateway's challenge.
    Verify {
        /// The gateway's challenge id (UUID).
        challenge_id: String,
        /// The challenge's nonce, as received.
        nonce: String,
        /// ИИН of the user logging in (whose prints are checked).
        iin: String,
        /// Seconds the user has to put the finger.
        timeout_secs: u64,
    },
    /// Enrol a finger of the user (helpdesk only).
    Enroll {
        /// ИИН of the user.
        iin: String,
        /// fprintd's name of the finger.
        finger: String,
        /// The reader (fprintd object path); the default reader when absent.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        device: Option<String>,
        /// Seconds for all the scans.
        timeout_secs: u64,
    },
    /// Delete every print of the user (helpdesk only).
    Delete {
        /// ИИН of the user.
        iin: String,
    },
    /// The workstation certificate the agent signs with (for the helpdesk's registration).
    Info,
}

/// The workstation certificate the agent signs with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkstationInfo {
    /// Common name of the certificate.
    pub name: String,
    /// SHA-256 of the certificate (DER), lowercase hex: what the gateway's enrolment records.
    pub certificate_sha256: String,
    /// The certificate, PEM (public).
    pub certificate_pem: String,
}

/// One line from the agent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum AgentMessage {
    /// The reader waits for the finger.
    Ready,
    /// Enrolment: `done` of `total` scans taken.
    StagePassed {
        /// Scans taken.
        done: u32,
        /// Scans needed.
        total: u32,
    },
    /// The last scan did not count.
    Retry {
        /// `retry-scan`, `swipe-too-short`, `finger-not-centered`, `remove-and-retry`.
        feedback: String,
    },
    /// fprintd chose a finger to verify.
    FingerSelected {
        /// The finger, when fprintd names one.
        finger: Option<String>,
    },
    /// Final: the signed verdict.
    Verdict {
        /// `match` or `no-match`.
        result: String,
        /// The reader's name.
        device: String,
        /// `Signed<FingerprintVerdictDocument>` (sio-protocol), to post to the gateway as is.
        signed: serde_json::Value,
    },
    /// Final: the finger was enrolled.
    Enrolled {
        /// The reader's name.
        device: String,
        /// The finger.
        finger: String,
        /// The workstation the gateway must record the enrolment for.
        workstation: WorkstationInfo,
    },
    /// Final: the prints were deleted.
    Deleted,
    /// Final: the workstation certificate.
    Info {
        /// The workstation.
        workstation: WorkstationInfo,
    },
    /// Final: refused or failed, with a `BIO_FP_*` code.
    Error {
        /// Stable code.
        code: String,
        /// What happened.
        message: String,
    },
}

impl AgentMessage {
    /// The line for a scan event.
    pub fn from_event(e: ScanEvent) -> Self {
        match e {
            ScanEvent::Ready => Self::Ready,
            ScanEvent::StagePassed { done, total } => Self::StagePassed { done, total },
            ScanEvent::Retry(f) => Self::Retry {
                feedback: feedback_name(f).to_owned(),
            },
            ScanEvent::FingerSelected(f) => Self::FingerSelected {
                finger: f.map(|f| f.name().to_owned()),
            },
        }
    }

    /// The line for a failure.
    pub fn from_error(e: &FingerprintError) -> Self {
        Self::Error {
            code: e.code().to_owned(),
            message: e.to_string(),
        }
    }

    fn event(&self) -> Option<ScanEvent> {
        Some(match self {
            Self::Ready => ScanEvent::Ready,
            Self::StagePassed { done, total } => ScanEvent::StagePassed {
                done: *done,
                total: *total,
            },
            Self::Retry { feedback } => ScanEvent::Retry(match feedback.as_str() {
                "swipe-too-short" => ScanFeedback::SwipeTooShort,
                "finger-not-centered" => ScanFeedback::FingerNotCentered,
                "remove-and-retry" => ScanFeedback::RemoveAndRetry,
                _ => ScanFeedback::RetryScan,
            }),
            Self::FingerSelected { finger } => {
                ScanEvent::FingerSelected(finger.as_deref().and_then(|f| f.parse().ok()))
            }
            _ => return None,
        })
    }
}

fn feedback_name(f: ScanFeedback) -> &'static str {
    match f {
        ScanFeedback::RetryScan => "retry-scan",
        ScanFeedback::SwipeTooShort => "swipe-too-short",
        ScanFeedback::FingerNotCentered => "finger-not-centered",
        ScanFeedback::RemoveAndRetry => "remove-and-retry",
    }
}

/// The error a `BIO_FP_*` code from the agent stands for.
fn error_of(code: &str, message: String, timeout: Duration) -> FingerprintError {
    match code {
        "BIO_FP_NO_SERVICE" => FingerprintError::NoService(message),
        "BIO_FP_NO_DEVICE" => FingerprintError::NoDevice(message),
        "BIO_FP_DEVICE_BUSY" => FingerprintError::DeviceBusy(message),
        "BIO_FP_PERMISSION_DENIED" => FingerprintError::PermissionDenied(message),
        "BIO_FP_NOT_ENROLLED" => FingerprintError::NotEnrolled,
        "BIO_FP_NO_MATCH" => FingerprintError::NoMatch,
        "BIO_FP_TIMEOUT" => FingerprintError::Timeout(timeout.as_secs()),
        "BIO_FP_DISCONNECTED" => FingerprintError::Disconnected,
        "BIO_FP_ENROLL_FAILED" => FingerprintError::EnrollFailed(message),
        "BIO_FP_DATA_FULL" => FingerprintError::DataFull,
        "BIO_FP_DUPLICATE" => FingerprintError::Duplicate,
        "BIO_FP_BAD_FINGER" => FingerprintError::BadFinger(message),
        "BIO_FP_DEVICE_ERROR" => FingerprintError::Device(message),
        "BIO_FP_AGENT_FORBIDDEN" => FingerprintError::AgentForbidden(message),
        "BIO_FP_AGENT_UNAVAILABLE" => FingerprintError::AgentUnavailable(message),
        _ => FingerprintError::Protocol(format!("{code}: {message}")),
    }
}

/// A verdict the agent signed.
#[derive(Debug, Clone, PartialEq)]
pub struct AgentVerdict {
    /// Match or no match.
    pub verdict: Verdict,
    /// The reader used.
    pub device: String,
    /// `Signed<FingerprintVerdictDocument>` to post to the gateway.
    pub signed: serde_json::Value,
}

/// A finger the agent enrolled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgentEnrolment {
    /// The reader.
    pub device: FingerprintDevice,
    /// The finger.
    pub finger: Finger,
    /// The workstation certificate the helpdesk registers on the gateway.
    pub workstation: WorkstationInfo,
}

/// The client side of the agent's socket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgentClient {
    socket: PathBuf,
}

impl AgentClient {
    /// The agent listening on `socket`.
    pub fn new(socket: impl Into<PathBuf>) -> Self {
        Self {
            socket: socket.into(),
        }
    }

    /// The agent on `SIO_FINGERPRINT_AGENT`, else on [`DEFAULT_SOCKET`].
    pub fn from_env() -> Self {
        Self::new(
            std::env::var_os(SOCKET_ENV)
                .filter(|v| !v.is_empty())
                .map_or_else(|| PathBuf::from(DEFAULT_SOCKET), PathBuf::from),
        )
    }

    /// The socket path.
    pub fn socket(&self) -> &Path {
        &self.socket
    }

    /// Ask the agent to verify the finger of `iin` and sign the verdict for the gateway's
    /// challenge. A no-match is a verdict too (the gateway counts it).
    pub async fn verify(
        &self,
        challenge_id: &str,
        nonce: &str,
        iin: &str,
        on_event: OnEvent<'_>,
        timeout: Duration,
    ) -> Result<AgentVerdict, FingerprintError> {
        let req = AgentRequest::Verify {
            challenge_id: challenge_id.to_owned(),
            nonce: nonce.to_owned(),
            iin: iin.to_owned(),
            timeout_secs: timeout.as_secs().max(1),
        };
        match self.call(&req, on_event, timeout).await? {
            AgentMessage::Verdict {
                result,
                device,
                signed,
            } => Ok(AgentVerdict {
                verdict: match result.as_str() {
                    "match" => Verdict::Match,
                    "no-match" => Verdict::NoMatch,
                    other => {
                        return Err(FingerprintError::Protocol(format!(
                            "agent verdict {:?}",
                            other.chars().take(20).collect::<String>()
                        )));
                    }
                },
                device,
                signed,
            }),
            other => Err(unexpected(&other)),
        }
    }

    /// Enrol `finger` of `iin` on `device` (default reader when `None`): the helpdesk, as an
    /// account the agent allows (root by default).
    pub async fn enroll(
        &self,
        iin: &str,
        finger: Finger,
        device: Option<&str>,
        on_event: OnEvent<'_>,
        timeout: Duration,
    ) -> Result<AgentEnrolment, FingerprintError> {
        let req = AgentRequest::Enroll {
            iin: iin.to_owned(),
            finger: finger.name().to_owned(),
            device: device.map(str::to_owned),
            timeout_secs: timeout.as_secs().max(1),
        };
        match self.call(&req, on_event, timeout).await? {
            AgentMessage::Enrolled {
                device,
                finger,
                workstation,
            } => Ok(AgentEnrolment {
                device: FingerprintDevice {
                    id: String::new(),
                    name: device,
                    scan_type: ScanType::Press,
                    enroll_stages: 0,
                },
                finger: finger.parse()?,
                workstation,
            }),
            other => Err(unexpected(&other)),
        }
    }

    /// Delete every print of `iin` (the helpdesk).
    pub async fn delete(&self, iin: &str) -> Result<(), FingerprintError> {
        let req = AgentRequest::Delete {
            iin: iin.to_owned(),
        };
        match self.call(&req, &|_| {}, Duration::from_secs(10)).await? {
            AgentMessage::Deleted => Ok(()),
            other => Err(unexpected(&other)),
        }
    }

    /// The workstation certificate the agent signs with.
    pub async fn info(&self) -> Result<WorkstationInfo, FingerprintError> {
        match self
            .call(&AgentRequest::Info, &|_| {}, Duration::from_secs(5))
            .await?
        {
            AgentMessage::Info { workstation } => Ok(workstation),
            other => Err(unexpected(&other)),
        }
    }

    /// Send `req`, pass events to `on_event`, return the final line (an error line as `Err`).
    async fn call(
        &self,
        req: &AgentRequest,
        on_event: OnEvent<'_>,
        timeout: Duration,
    ) -> Result<AgentMessage, FingerprintError> {
        let unavailable = |e: std::io::Error| {
            FingerprintError::AgentUnavailable(format!("{}: {e}", self.socket.display()))
        };
        let mut stream = tokio::time::timeout(CONNECT_TIMEOUT, UnixStream::connect(&self.socket))
            .await
            .map_err(|_| {
                FingerprintError::AgentUnavailable(format!(
                    "{}: no answer within {} s",
                    self.socket.display(),
                    CONNECT_TIMEOUT.as_secs()
                ))
            })?
            .map_err(unavailable)?;
        let mut line = serde_json::to_vec(req)
            .map_err(|e| FingerprintError::Protocol(format!("agent request: {e}")))?;
        line.push(b'\n');
        tokio::time::timeout(CONNECT_TIMEOUT, stream.write_all(&line))
            .await
            .map_err(|_| FingerprintError::AgentUnavailable("the agent does not read".into()))?
            .map_err(unavailable)?;
        let (read, _write) = stream.split();
        let mut reader = BufReader::new(read);
        let answer = async {
            loop {
                let msg: AgentMessage = read_line(&mut reader).await?;
                if let Some(e) = msg.event() {
                    on_event(e);
                    continue;
                }
                return match msg {
                    AgentMessage::Error { code, message } => Err(error_of(
                        &code,
                        message.chars().take(300).collect(),
                        timeout,
                    )),
                    m => Ok(m),
                };
            }
        };
        tokio::time::timeout(timeout + ANSWER_MARGIN, answer)
            .await
            .map_err(|_| FingerprintError::Timeout(timeout.as_secs()))?
    }
}

fn unexpected(m: &AgentMessage) -> FingerprintError {
    let kind = serde_json::to_value(m)
        .ok()
        .and_then(|v| v.get("kind").and_then(|k| k.as_str()).map(str::to_owned))
        .unwrap_or_default();
    FingerprintError::Protocol(format!("unexpected answer {kind:?} from the agent"))
}

/// Read one JSON line of at most [`MAX_LINE`] bytes.
pub async fn read_line<R: tokio::io::AsyncBufRead + Unpin, T: serde::de::DeserializeOwned>(
    reader: &mut R,
) -> Result<T, FingerprintError> {
    use tokio::io::AsyncReadExt as _;
    let mut buf = Vec::new();
    let n = reader
        .take(MAX_LINE as u64 + 1)
        .read_until(b'\n', &mut buf)
        .await
        .map_err(|e| FingerprintError::AgentUnavailable(format!("agent connection: {e}")))?;
    if n == 0 {
        return Err(FingerprintError::AgentUnavailable(
            "the agent closed the connection".into(),
        ));
    }
    if buf.last() != Some(&b'\n') {
        return Err(FingerprintError::Protocol(format!(
            "line longer than {MAX_LINE} bytes or cut short"
        )));
    }
    serde_json::from_slice(&buf).map_err(|e| FingerprintError::Protocol(format!("agent line: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_and_messages_have_stable_json() {
        let r = AgentRequest::Verify {
            challenge_id: "c".into(),
            nonce: "n".into(),
            iin: "850415300121".into(),
            timeout_secs: 30,
        };
        let j = serde_json::to_string(&r).unwrap_or_default();
        assert_eq!(
            j,
            r#"{"op":"verify","challenge_id":"c","nonce":"n","iin":"850415300121","timeout_secs":30}"#
        );
        assert!(
            serde_json::from_str::<AgentRequest>(r#"{"op":"delete","iin":"850415300121","x":1}"#)
                .is_err()
        );
        assert!(serde_json::from_str::<AgentRequest>(r#"{"op":"format-disk"}"#).is_err());
        let m = AgentMessage::from_event(ScanEvent::Retry(ScanFeedback::SwipeTooShort));
        assert_eq!(
            m.event(),
            Some(ScanEvent::Retry(ScanFeedback::SwipeTooShort))
        );
        let e = AgentMessage::from_error(&FingerprintError::NotEnrolled);
        let AgentMessage::Error { code, message } = e else {
            panic!("an error line");
        };
        assert_eq!(
            error_of(&code, message, Duration::from_secs(1)).code(),
            "BIO_FP_NOT_ENROLLED"
        );
    }

    #[tokio::test]
    async fn an_absent_agent_is_agent_unavailable() {
        let dir = std::env::temp_dir().join(format!("sio-no-agent-{}", std::process::id()));
        let c = AgentClient::new(dir.join("none.sock"));
        let e = c.info().await.err().map(|e| e.code());
        assert_eq!(e, Some("BIO_FP_AGENT_UNAVAILABLE"));
    }

    #[tokio::test]
    async fn an_overlong_line_is_refused() {
        let data = vec![b'x'; MAX_LINE + 10];
        let mut r = BufReader::new(&data[..]);
        let e = read_line::<_, AgentMessage>(&mut r)
            .await
            .err()
            .map(|e| e.code());
        assert_eq!(e, Some("BIO_FP_PROTOCOL"));
    }
}
