//! The outbox: signed requests waiting to be sent, encrypted at rest, surviving a crash.
//!
//! One file per request, `<request id>.req`: a 24-byte random nonce, then the
//! XChaCha20-Poly1305 ciphertext of the item (the signed document, its status, when it was
//! queued), with `sio.outbox/v1|<request id>` as associated data. The key (256 bits) lives in the
//! OS keyring through `sio_vault`'s [`KeyStore`], never on disk. Every change is written
//! atomically (temporary file, fsync, rename, directory fsync): after a crash an item holds its
//! old or its new status, never neither.
//!
//! An item is marked `sent` **before** it goes on the wire, and [`Outbox::flush`] resends every
//! item that is `queued` or `sent` with the **same** signed document: the gateway recognises the
//! request id and answers with the request it already has, so a process killed mid-send loses
//! nothing and duplicates nothing.
//!
//! The gateway accepts a signature made within its clock window (5 minutes) only: an item that
//! waited longer is refused as stale (`rejected`, `GW_CLOCK_SKEW`) and [`Outbox::resign`] signs it
//! again under the same request id (the gateway holds nothing under that id yet).
//!
//! Access delayed more than one hour must be reported to the operator (2015 rr.38–44):
//! [`Outbox::delayed`] lists such items with a notice text the user can send or print.

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use chacha20poly1305::aead::{AeadInPlace, KeyInit};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use chrono::{DateTime, Utc};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sio_protocol::{RequestDocument, Signed};
use sio_vault::KeyStore;
use thiserror::Error;
use uuid::Uuid;
use zeroize::Zeroizing;

use crate::channel::Channel;
use crate::refusal::GatewayRefusal;
use crate::requests::{self, RequestError};
use crate::session::Session;

const NONCE_LEN: usize = 24;
const FORMAT: &str = "sio.outbox/v1";

/// Why the outbox could not be read or written.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum OutboxError {
    /// A file of the outbox could not be read or written.
    #[error("the outbox cannot {op} {path}: {source}")]
    Io {
        /// What was being done.
        op: &'static str,
        /// The file or directory.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The outbox key could not be read from or stored in the OS keyring.
    #[error(transparent)]
    Key(#[from] sio_vault::KeyStoreError),
    /// An item does not decrypt or parse (wrong key, damaged or altered file).
    #[error("the outbox item {0} is damaged or was encrypted with another key")]
    Damaged(PathBuf),
}

impl OutboxError {
    /// The stable code.
    pub fn code(&self) -> &'static str {
        match self {
            OutboxError::Io { .. } => "CLIENT_OUTBOX_IO",
            OutboxError::Key(_) => "CLIENT_OUTBOX_KEY",
            OutboxError::Damaged(_) => "CLIENT_OUTBOX_DAMAGED",
        }
    }
}

fn io(op: &'static str, path: &Path) -> impl FnOnce(std::io::Error) -> OutboxError {
    let path = path.to_path_buf();
    move |source| OutboxError::Io { op, path, source }
}

/// Where a request in the outbox stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum OutboxStatus {
    /// Signed, not yet sent.
    Queued,
    /// Handed to the channel; no answer recorded yet (resent by the next flush).
    Sent,
    /// The gateway accepted it.
    Accepted,
    /// The gateway refused it, with its reason.
    Rejected {
        /// The gateway's code.
        code: String,
        /// The gateway's message.
        message: String,
    },
    /// The result can be fetched.
    ResultReady,
    /// The result was viewed and its local copy crypto-erased: it is not fetched again.
    Shredded,
}

impl OutboxStatus {
    /// The gateway's refusal, for a `rejected` item (its code is kept as the gateway sent it).
    pub fn refusal(&self) -> Option<GatewayRefusal> {
        match self {
            OutboxStatus::Rejected { code, .. } => Some(GatewayRefusal::parse(code)),
            _ => None,
        }
    }
}

/// One request in the outbox.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct OutboxItem {
    /// The signed request, exactly as it will be (re)sent.
    pub signed: Signed<RequestDocument>,
    /// Its status.
    pub status: OutboxStatus,
    /// When it was queued.
    pub queued_at: DateTime<Utc>,
    /// When its status last changed.
    pub updated_at: DateTime<Utc>,
}

impl OutboxItem {
    /// The request id.
    pub fn id(&self) -> Uuid {
        self.signed.document.request_id
    }
}

/// A request delayed more than an hour, and the notice for the operator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DelayNotice {
    /// The request.
    pub request_id: Uuid,
    /// The notice text to send or print.
    pub text: String,
}

/// The outbox in a directory, its key in the OS keyring.
pub struct Outbox {
    dir: PathBuf,
    key: Zeroizing<[u8; 32]>,
}

impl std::fmt::Debug for Outbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Outbox")
            .field("dir", &self.dir)
            .field("key", &"<redacted>")
            .finish()
    }
}

impl Outbox {
    /// Open (or create) the outbox in `dir`; its key is the entry `key_name` of `keys`, created on
    /// first use. Unfinished temporary files of a crash are removed.
    pub fn open(dir: &Path, keys: Arc<dyn KeyStore>, key_name: &str) -> Result<Self, OutboxError> {
        fs::create_dir_all(dir).map_err(io("create", dir))?;
        let key = match keys.load(key_name)? {
            Some(k) if k.len() == 32 => {
                let mut a = Zeroizing::new([0u8; 32]);
                a.copy_from_slice(&k);
                a
            }
            Some(_) => {
                return Err(OutboxError::Key(sio_vault::KeyStoreError::BadKey {
                    name: key_name.to_owned(),
                }));
            }
            None => {
                let mut a = Zeroizing::new([0u8; 32]);
                rand::rngs::OsRng.fill_bytes(&mut *a);
                keys.store(key_name, &*a)?;
                a
            }
        };
        for e in fs::read_dir(dir).map_err(io("list", dir))? {
            let p = e.map_err(io("list", dir))?.path();
            if p.extension().is_some_and(|x| x == "tmp") {
                let _ = fs::remove_file(&p);
            }
        }
        Ok(Outbox {
            dir: dir.to_path_buf(),
            key,
        })
    }

    fn path(&self, id: Uuid) -> PathBuf {
        self.dir.join(format!("{id}.req"))
    }

    fn aad(id: Uuid) -> String {
        format!("{FORMAT}|{id}")
    }

    fn write(&self, item: &OutboxItem) -> Result<(), OutboxError> {
        let id = item.id();
        let path = self.path(id);
        let mut buf = Zeroizing::new(serde_json::to_vec(item).map_err(|e| OutboxError::Io {
            op: "encode",
            path: path.clone(),
            source: std::io::Error::other(e),
        })?);
        let mut nonce = [0u8; NONCE_LEN];
        rand::rngs::OsRng.fill_bytes(&mut nonce);
        XChaCha20Poly1305::new(self.key.as_ref().into())
            .encrypt_in_place(
                XNonce::from_slice(&nonce),
                Self::aad(id).as_bytes(),
                &mut *buf,
            )
            .map_err(|_| OutboxError::Damaged(path.clone()))?;
        let tmp = self.dir.join(format!("{id}.tmp"));
        {
            let mut f = OpenOptions::new()
                .write(true)
                .create(true)
                .truncate(true)
                .open(&tmp)
                .map_err(io("create", &tmp))?;
            f.write_all(&nonce).map_err(io("write", &tmp))?;
            f.write_all(&buf).map_err(io("write", &tmp))?;
            f.sync_all().map_err(io("flush", &tmp))?;
        }
        fs::rename(&tmp, &path).map_err(io("rename", &path))?;
        #[cfg(unix)]
        File::open(&self.dir)
            .and_then(|d| d.sync_all())
            .map_err(io("sync", &self.dir))?;
        Ok(())
    }

    fn read(&self, path: &Path) -> Result<OutboxItem, OutboxError> {
        let bytes = fs::read(path).map_err(io("read", path))?;
        let damaged = || OutboxError::Damaged(path.to_path_buf());
        let id: Uuid = path
            .file_stem()
            .and_then(|s| s.to_str())
            .and_then(|s| s.parse().ok())
            .ok_or_else(damaged)?;
        if bytes.len() < NONCE_LEN {
            return Err(damaged());
        }
        let (nonce, ct) = bytes.split_at(NONCE_LEN);
        let mut buf = Zeroizing::new(ct.to_vec());
        XChaCha20Poly1305::new(self.key.as_ref().into())
            .decrypt_in_place(
                XNonce::from_slice(nonce),
                Self::aad(id).as_bytes(),
                &mut *buf,
            )
            .map_err(|_| damaged())?;
        let item: OutboxItem = serde_json::from_slice(&buf).map_err(|_| damaged())?;
        if item.id() != id {
            return Err(damaged());
        }
        Ok(item)
    }

    /// Put a signed request in the outbox (status `queued`). Queuing the same request again
    /// keeps the existing item.
    pub fn enqueue(&self, signed: &Signed<RequestDocument>) -> Result<Uuid, OutboxError> {
        let id = signed.document.request_id;
        if !self.path(id).exists() {
            let now = Utc::now();
            self.write(&OutboxItem {
                signed: signed.clone(),
                status: OutboxStatus::Queued,
                queued_at: now,
                updated_at: now,
            })?;
        }
        Ok(id)
    }

    /// One item.
    pub fn get(&self, id: Uuid) -> Result<OutboxItem, OutboxError> {
        self.read(&self.path(id))
    }

    /// Every item, oldest first.
    pub fn list(&self) -> Result<Vec<OutboxItem>, OutboxError> {
        let mut items = Vec::new();
        for e in fs::read_dir(&self.dir).map_err(io("list", &self.dir))? {
            let p = e.map_err(io("list", &self.dir))?.path();
            if p.extension().is_some_and(|x| x == "req") {
                items.push(self.read(&p)?);
            }
        }
        items.sort_by_key(|i| i.queued_at);
        Ok(items)
    }

    /// Record a new status for an item.
    pub fn set_status(&self, id: Uuid, status: OutboxStatus) -> Result<(), OutboxError> {
        let mut item = self.get(id)?;
        item.status = status;
        item.updated_at = Utc::now();
        self.write(&item)
    }

    /// Remove an item (its result was received, or the user withdrew it).
    pub fn remove(&self, id: Uuid) -> Result<(), OutboxError> {
        let p = self.path(id);
        match fs::remove_file(&p) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(io("remove", &p)(e)),
        }
    }

    /// Send every `queued` or `sent` item with its own signed document (same request id). Each
    /// item is marked `sent` before it leaves and `accepted` or `rejected` after the gateway's
    /// answer; a channel failure leaves it `sent` for the next flush. Returns each item tried and
    /// how it went.
    pub async fn flush(
        &self,
        channel: &Channel,
        session: &Session,
    ) -> Result<Vec<(Uuid, Result<OutboxStatus, RequestError>)>, OutboxError> {
        let mut out = Vec::new();
        for item in self.list()? {
            if !matches!(item.status, OutboxStatus::Queued | OutboxStatus::Sent) {
                continue;
            }
            let id = item.id();
            self.set_status(id, OutboxStatus::Sent)?;
            let outcome = match requests::submit(channel, session, &item.signed).await {
                Ok(st) => {
                    let status = if st.state == sio_protocol::RequestState::Ready {
                        OutboxStatus::ResultReady
                    } else {
                        OutboxStatus::Accepted
                    };
                    self.set_status(id, status.clone())?;
                    Ok(status)
                }
                Err(RequestError::Client(e)) if refuses_the_request(&e) => {
                    let status = OutboxStatus::Rejected {
                        code: e.code().to_owned(),
                        message: e.to_string(),
                    };
                    self.set_status(id, status.clone())?;
                    Ok(status)
                }
                Err(e) => Err(e),
            };
            out.push((id, outcome));
        }
        Ok(out)
    }

    /// Send every `queued` or `sent` item ([`Outbox::flush`]) with THE one rule for stale
    /// documents: an item the gateway refused as stale (`GW_CLOCK_SKEW`: it waited past the
    /// signing window) is signed again under its id ([`Outbox::resign`]) with the signer that
    /// `resigner` gives for it, and sent again. `resigner` answers `None` when no signer is at
    /// hand (the item stays `rejected`, to be signed again later). The desktop app and the
    /// command line both send through here.
    pub async fn send<'k>(
        &self,
        channel: &Channel,
        session: &Session,
        mut resigner: impl FnMut(Uuid) -> Option<Box<dyn sio_sign::Signer + 'k>>,
    ) -> Result<Vec<(Uuid, Result<OutboxStatus, RequestError>)>, OutboxError> {
        let mut out = self.flush(channel, session).await?;
        let mut again = false;
        for (id, outcome) in &mut out {
            let stale =
                matches!(outcome, Ok(st) if st.refusal() == Some(GatewayRefusal::ClockSkew));
            if !stale {
                continue;
            }
            if let Some(mut signer) = resigner(*id) {
                match self.resign(*id, signer.as_mut()) {
                    Ok(()) => again = true,
                    Err(e) => *outcome = Err(e),
                }
            }
        }
        if again {
            for (id, outcome) in self.flush(channel, session).await? {
                match out.iter_mut().find(|(i, _)| *i == id) {
                    Some(slot) => slot.1 = outcome,
                    None => out.push((id, outcome)),
                }
            }
        }
        Ok(out)
    }

    /// Ask the gateway about every `accepted` item and mark those whose result is ready
    /// (`result_ready`). Returns each item asked about and its status now.
    pub async fn refresh(
        &self,
        channel: &Channel,
        session: &Session,
    ) -> Result<Vec<(Uuid, Result<OutboxStatus, RequestError>)>, OutboxError> {
        let mut out = Vec::new();
        for item in self.list()? {
            if item.status != OutboxStatus::Accepted {
                continue;
            }
            let id = item.id();
            let outcome = match requests::status(channel, session, id).await {
                Ok(st) if st.state == sio_protocol::RequestState::Ready => {
                    self.set_status(id, OutboxStatus::ResultReady)?;
                    Ok(OutboxStatus::ResultReady)
                }
                Ok(_) => Ok(OutboxStatus::Accepted),
                Err(e) => Err(e),
            };
            out.push((id, outcome));
        }
        Ok(out)
    }

    /// Sign again a request the gateway refused with `GW_CLOCK_SKEW` (it waited longer than the
    /// signing window): the same request id and content, the current time, a new signature; the
    /// item is queued again. Safe: the gateway refuses a stale document before storing it, so it
    /// holds nothing under this id.
    pub fn resign(&self, id: Uuid, signer: &mut dyn sio_sign::Signer) -> Result<(), RequestError> {
        let item = self.get(id).map_err(outbox_failed)?;
        if item.status.refusal() != Some(GatewayRefusal::ClockSkew) {
            return Err(RequestError::NotResignable(id));
        }
        let mut doc = item.signed.document;
        doc.signed_at = sio_core::time::to_astana(Utc::now()).fixed_offset();
        let signed = requests::sign(doc, signer)?;
        self.write(&OutboxItem {
            signed,
            status: OutboxStatus::Queued,
            queued_at: item.queued_at,
            updated_at: Utc::now(),
        })
        .map_err(outbox_failed)
    }

    /// Items still waiting (`queued` or `sent`) for more than one hour at `now`, each with a notice
    /// to the operator (2015 rr.38–44: access delayed more than one hour is an incident).
    pub fn delayed(&self, now: DateTime<Utc>) -> Result<Vec<DelayNotice>, OutboxError> {
        Ok(self
            .list()?
            .into_iter()
            .filter(|i| matches!(i.status, OutboxStatus::Queued | OutboxStatus::Sent))
            .filter(|i| now - i.queued_at > chrono::Duration::hours(1))
            .map(|i| {
                let queued = sio_core::time::to_astana(i.queued_at).format("%Y-%m-%d %H:%M:%S");
                let waited = (now - i.queued_at).num_minutes();
                DelayNotice {
                    request_id: i.id(),
                    text: format!(
                        "Incident notice to the operator of СИО ПСО: access delayed by more than one hour.\n\
                         Request id: {}\nQueued at: {queued} (Astana time)\nWaiting: {waited} minutes\n\
                         User (ИИН): {}\nService: {}\n\
                         The request could not be delivered through the protected channel. \
                         Please restore access or advise how to proceed.",
                        i.id(),
                        i.signed.document.user_iin,
                        i.signed.document.service,
                    ),
                }
            })
            .collect())
    }
}

fn outbox_failed(e: OutboxError) -> RequestError {
    RequestError::Outbox(Box::new(e))
}

/// Whether a failed send is the gateway's refusal of this document (final, recorded as
/// `rejected`) rather than a channel or session problem (the item stays to be resent).
fn refuses_the_request(e: &crate::error::ClientError) -> bool {
    match (e, e.refusal()) {
        (crate::error::ClientError::Gateway { status, .. }, Some(refusal)) => match status {
            400 | 403 | 409 | 413 => true,
            401 => !refusal.is_about_the_session(),
            _ => false,
        },
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sio_protocol::{BasisKey, CaseReference, RequestDocType, Subject};

    fn signed() -> Signed<RequestDocument> {
        Signed::new(
            RequestDocument {
                doc: RequestDocType::V1,
                request_id: Uuid::new_v4(),
                user_iin: "850415300121".into(),
                role: 3,
                basis: BasisKey::Criminal,
                service: 1,
                case: CaseReference::CriminalCase {
                    erdr: "241500031000123".into(),
                },
                subject: Subject::Individual("900101300106".into()),
                article: None,
                signed_at: sio_core::time::to_astana(Utc::now()).fixed_offset(),
            },
            b"\x30\x00",
        )
    }

    #[test]
    fn items_are_encrypted_at_rest_and_survive_reopening() {
        let dir = tempfile::tempdir().unwrap();
        let keys: Arc<dyn KeyStore> = Arc::new(sio_vault::MemoryKeyStore::new());
        let ob = Outbox::open(dir.path(), keys.clone(), "outbox").unwrap();
        let s = signed();
        let id = ob.enqueue(&s).unwrap();
        for e in fs::read_dir(dir.path()).unwrap() {
            let bytes = fs::read(e.unwrap().path()).unwrap();
            assert!(!bytes.windows(12).any(|w| w == b"900101300106"));
        }
        ob.set_status(id, OutboxStatus::Sent).unwrap();
        let ob = Outbox::open(dir.path(), keys.clone(), "outbox").unwrap();
        let item = ob.get(id).unwrap();
        assert_eq!(item.signed, s);
        assert_eq!(item.status, OutboxStatus::Sent);
        // Another key reads nothing.
        let other: Arc<dyn KeyStore> = Arc::new(sio_vault::MemoryKeyStore::new());
        let e = Outbox::open(dir.path(), other, "outbox")
            .unwrap()
            .list()
            .unwrap_err();
        assert_eq!(e.code(), "CLIENT_OUTBOX_DAMAGED");
    }

    #[test]
    fn waiting_over_an_hour_gives_an_incident_notice() {
        let dir = tempfile::tempdir().unwrap();
        let keys: Arc<dyn KeyStore> = Arc::new(sio_vault::MemoryKeyStore::new());
        let ob = Outbox::open(dir.path(), keys, "outbox").unwrap();
        let id = ob.enqueue(&signed()).unwrap();
        assert!(ob.delayed(Utc::now()).unwrap().is_empty());
        let later = Utc::now() + chrono::Duration::minutes(61);
        let notices = ob.delayed(later).unwrap();
        assert_eq!(notices.len(), 1);
        assert_eq!(notices[0].request_id, id);
        assert!(notices[0].text.contains(&id.to_string()));
        assert!(notices[0].text.contains("Astana time"));
        ob.set_status(id, OutboxStatus::Accepted).unwrap();
        assert!(ob.delayed(later).unwrap().is_empty());
    }
}
