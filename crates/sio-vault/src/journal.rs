//! The audit journal: append-only JSON Lines, hash-chained, optionally MAC-ed.
//!
//! Every line is one [`Entry`] in canonical form (the exact bytes `serde_json` writes for it; a
//! line that re-serialises differently is refused). Each entry carries
//!
//! - `seq`: 1, 2, 3, … without gaps;
//! - the fields of the 2009 rules r.8 — date and time (`time`, Astana time, 2015 r.29), user or
//!   system name (`user`: the officer's ИИН, or `system:<name>`), IP address (`ip`, when known),
//!   logical part of the resource (`resource`), operation (`operation`) — and the workstation,
//!   the object (request id / result id, never result contents), the outcome and short details;
//! - `prev`: the `hash` of the previous entry (64 zeros for the first);
//! - `mac`: HMAC-SHA-256 of the entry's canonical bytes (with `mac` null and `hash` empty) under
//!   a key from the OS keyring, when the journal has one;
//! - `hash`: SHA-256 of the entry's canonical bytes with `hash` empty (so it covers `prev` and
//!   `mac`).
//!
//! A head file `<journal>.head` records the last sequence number and hash (MAC-ed too), so that
//! cutting entries off the end is detected. [`verify`] reports the first bad sequence number
//! with a stable code.
//!
//! # The anchored head
//!
//! The head file sits next to the journal, so whoever can cut the journal can delete or roll
//! back the head with it. A journal opened with [`Journal::open_anchored`] (the app and `sio`
//! do) therefore also keeps its head — entry count and last hash, MAC-ed with the journal key —
//! in the OS keyring next to the vault's KEK and the MAC key ([`JournalKeys`]), replaced on every
//! append. The keyring's head is authoritative; the file is a cache. [`verify_anchored`] and
//! `open_anchored` refuse
//!
//! - a journal with entries and no head in the keyring (`VAULT_JOURNAL_HEAD_MISSING`): the head
//!   was deleted, or the journal predates anchoring (see [`accept_current`]);
//! - a journal shorter than its head (`VAULT_JOURNAL_TRUNCATED`: the tail was cut, or the whole
//!   file was replaced by an older copy) or whose entry at the head's count has another hash
//!   (`VAULT_JOURNAL_HEAD_MISMATCH`: rewritten or rolled back);
//! - with entries and no journal key in the keyring, [`Journal::open_anchored`] refuses to write
//!   on (`VAULT_JOURNAL_KEY_MISSING`) and [`verify_anchored`] refuses to call the journal sound
//!   unless told explicitly not to check MACs (`VAULT_JOURNAL_MAC_UNCHECKED`).
//!
//! The head is written after the entry is flushed; a crash between the two leaves the journal
//! one entry ahead of its head, which is accepted when that entry links to the head and
//! re-anchored at the next open. [`accept_current`] (the helpdesk's `sio audit anchor
//! --accept-current`) anchors a journal as it is — after a migration or after the keyring lost
//! its entries — with a journaled `journal.anchored` entry that records why and what the
//! keyring held before. Someone who can run code as the user while the session is open can read
//! the keyring and rewrite journal and head together: the gateway's own journal of the
//! workstation's requests is the independent record.

use std::collections::BTreeMap;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use sio_core::Iin;

use crate::crypto::MacKey;
use crate::error::KeyStoreError;
use crate::fsio;
use crate::keystore::KeyStore;

const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// A failure to write or verify the journal. Verification failures carry the first bad
/// sequence number ([`JournalError::seq`]).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum JournalError {
    /// A file operation failed.
    #[error("journal: {op}: {}: {source}", path.display())]
    Io {
        /// What was being done.
        op: &'static str,
        /// The file.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: io::Error,
    },
    /// The line where entry `seq` should be is not a journal entry (or is cut short).
    #[error("journal entry {seq}: not a valid entry ({detail})")]
    Malformed {
        /// The expected sequence number at that line.
        seq: u64,
        /// What is wrong.
        detail: String,
    },
    /// The entry parses but its bytes are not the canonical form: the line was edited.
    #[error("journal entry {seq}: the line is not in canonical form (edited)")]
    NotCanonical {
        /// The sequence number.
        seq: u64,
    },
    /// The entry's content does not match its hash: the entry was edited.
    #[error("journal entry {seq}: the content does not match its hash (edited)")]
    EntryAltered {
        /// The sequence number.
        seq: u64,
    },
    /// The entry does not link to the one before it: something before it was replaced.
    #[error("journal entry {seq}: does not follow the previous entry (chain broken)")]
    ChainBroken {
        /// The sequence number.
        seq: u64,
    },
    /// Entry `seq` is absent (deleted), the next one follows.
    #[error("journal entry {seq} is missing (deleted)")]
    EntryMissing {
        /// The missing sequence number.
        seq: u64,
    },
    /// Entries are out of order, duplicated or inserted at `seq`.
    #[error("journal entry {seq}: entries are out of order, duplicated or inserted here")]
    OutOfOrder {
        /// The sequence number expected at that line.
        seq: u64,
    },
    /// The entry's MAC does not verify under the journal key (or is absent).
    #[error("journal entry {seq}: the MAC does not verify under the journal key")]
    MacInvalid {
        /// The sequence number.
        seq: u64,
    },
    /// Entries from `seq` on were cut off the end (the head records more).
    #[error("journal truncated: entries from {seq} on are missing")]
    Truncated {
        /// The first missing sequence number.
        seq: u64,
    },
    /// The head file does not match the entry it records (or is damaged).
    #[error("journal head does not match entry {seq}")]
    HeadMismatch {
        /// The sequence number the head names.
        seq: u64,
    },
    /// The journal has entries but the keyring holds no head for it: the head was deleted, the
    /// keyring lost its entries, or the journal predates anchoring.
    #[error(
        "journal has {entries} entries but no anchored head in the keyring (`{name}`): the end \
         of the journal cannot be checked; the helpdesk re-anchors it with \
         `sio audit anchor --accept-current` after checking it against the gateway's journal"
    )]
    HeadMissing {
        /// Entries in the journal.
        entries: u64,
        /// The keyring entry that should hold the head.
        name: String,
    },
    /// The journal has entries but its MAC key is not in the keyring: new entries cannot be
    /// MAC-ed under the journal's key.
    #[error(
        "the journal key `{name}` is not in the keyring but the journal has entries: the helpdesk \
         re-anchors it with `sio audit anchor --accept-current --key-lost`"
    )]
    KeyMissing {
        /// The keyring entry of the MAC key.
        name: String,
    },
    /// Verification was asked to vouch for a journal whose MACs it could not check (no key).
    #[error(
        "the MACs of the journal were not checked: no journal key `{name}` in the {store} (run in \
         the workstation user's session, or pass --no-mac to check the hash chain alone)"
    )]
    MacUnchecked {
        /// The keyring entry of the MAC key.
        name: String,
        /// The key store consulted.
        store: String,
    },
    /// `--key-lost` was asked for while the journal's key is in the keyring: accepting the journal
    /// without checking its MACs would let a rewritten chain through.
    #[error(
        "the journal key `{name}` is in the keyring: re-anchor without --key-lost, so that the MACs \
         are checked"
    )]
    KeyPresent {
        /// The keyring entry of the MAC key.
        name: String,
    },
    /// The keyring holding the journal's key and head failed.
    #[error("journal keyring: {0}")]
    KeyStore(#[from] KeyStoreError),
}

impl JournalError {
    /// The stable machine code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Io { .. } => "VAULT_JOURNAL_IO",
            Self::Malformed { .. } => "VAULT_JOURNAL_MALFORMED",
            Self::NotCanonical { .. } => "VAULT_JOURNAL_NOT_CANONICAL",
            Self::EntryAltered { .. } => "VAULT_JOURNAL_ENTRY_ALTERED",
            Self::ChainBroken { .. } => "VAULT_JOURNAL_CHAIN_BROKEN",
            Self::EntryMissing { .. } => "VAULT_JOURNAL_ENTRY_MISSING",
            Self::OutOfOrder { .. } => "VAULT_JOURNAL_OUT_OF_ORDER",
            Self::MacInvalid { .. } => "VAULT_JOURNAL_MAC_INVALID",
            Self::Truncated { .. } => "VAULT_JOURNAL_TRUNCATED",
            Self::HeadMismatch { .. } => "VAULT_JOURNAL_HEAD_MISMATCH",
            Self::HeadMissing { .. } => "VAULT_JOURNAL_HEAD_MISSING",
            Self::KeyMissing { .. } => "VAULT_JOURNAL_KEY_MISSING",
            Self::MacUnchecked { .. } => "VAULT_JOURNAL_MAC_UNCHECKED",
            Self::KeyPresent { .. } => "VAULT_JOURNAL_KEY_PRESENT",
            Self::KeyStore(e) => e.code(),
        }
    }

    /// The first bad sequence number, for verification failures.
    pub fn seq(&self) -> Option<u64> {
        match self {
            Self::Io { .. }
            | Self::HeadMissing { .. }
            | Self::KeyMissing { .. }
            | Self::MacUnchecked { .. }
            | Self::KeyPresent { .. }
            | Self::KeyStore(_) => None,
            Self::Malformed { seq, .. }
            | Self::NotCanonical { seq }
            | Self::EntryAltered { seq }
            | Self::ChainBroken { seq }
            | Self::EntryMissing { seq }
            | Self::OutOfOrder { seq }
            | Self::MacInvalid { seq }
            | Self::Truncated { seq }
            | Self::HeadMismatch { seq } => Some(*seq),
        }
    }

    fn io(op: &'static str, path: &Path) -> impl FnOnce(io::Error) -> Self {
        let path = path.to_path_buf();
        move |source| Self::Io { op, path, source }
    }
}

/// This workstation's name for [`Actor::workstation`]: the kernel's host name, else
/// `workstation`.
pub fn workstation_name() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|s| s.trim().to_owned())
        .ok()
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "workstation".to_owned())
}

/// Who acts: an officer (by ИИН) or the system itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Principal {
    /// A signed-in user.
    User(Iin),
    /// A system component (e.g. `sio-vault` recovery at start).
    System(String),
}

impl Principal {
    fn field(&self) -> String {
        match self {
            Self::User(iin) => iin.as_string(),
            Self::System(name) => format!("system:{name}"),
        }
    }
}

/// The actor of journal entries: user, workstation, IP address (2009 rules r.8).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    /// The user or system.
    pub principal: Principal,
    /// The workstation's identifier (as registered with the operator).
    pub workstation: String,
    /// The workstation's IP address on the protected channel, if known.
    pub ip: Option<IpAddr>,
}

/// What was done. The journal stores [`Operation::as_str`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Operation {
    /// A request was signed on the token.
    RequestSigned,
    /// A request was sent to the gateway.
    RequestSent,
    /// A result was received and stored encrypted.
    ResultStored,
    /// A result was opened for viewing.
    ResultViewed,
    /// A result was printed.
    ResultPrinted,
    /// A result was exported to case materials (rule 48).
    ResultExported,
    /// A result was destroyed (crypto-erase).
    ResultShredded,
    /// The vault's key-encryption key was replaced.
    KekRotated,
    /// The vault was opened (recovery ran).
    VaultOpened,
    /// The journal dropped an unfinished last line after a crash.
    JournalRecovered,
    /// The helpdesk anchored the journal as it stands ([`accept_current`]).
    JournalAnchored,
}

impl Operation {
    /// The stable name written to the journal.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::RequestSigned => "request.signed",
            Self::RequestSent => "request.sent",
            Self::ResultStored => "result.stored",
            Self::ResultViewed => "result.viewed",
            Self::ResultPrinted => "result.printed",
            Self::ResultExported => "result.exported",
            Self::ResultShredded => "result.shredded",
            Self::KekRotated => "vault.kek_rotated",
            Self::VaultOpened => "vault.opened",
            Self::JournalRecovered => "journal.recovered",
            Self::JournalAnchored => "journal.anchored",
        }
    }

    /// The logical part of the resource the operation concerns (2009 rules r.8).
    pub fn resource(self) -> &'static str {
        match self {
            Self::RequestSigned | Self::RequestSent => "requests",
            Self::ResultStored
            | Self::ResultViewed
            | Self::ResultPrinted
            | Self::ResultShredded
            | Self::KekRotated
            | Self::VaultOpened => "result-vault",
            Self::ResultExported => "case-materials",
            Self::JournalRecovered | Self::JournalAnchored => "audit-journal",
        }
    }
}

/// The object of an operation: identifiers only, never contents.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ObjectRef {
    /// The request's id.
    pub request_id: Option<String>,
    /// The result's id.
    pub result_id: Option<String>,
}

/// How an operation ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Done.
    Success,
    /// Begun (a second entry records the end).
    Started,
    /// Failed with a stable code.
    Failure(&'static str),
}

impl Outcome {
    fn field(&self) -> String {
        match self {
            Self::Success => "success".to_owned(),
            Self::Started => "started".to_owned(),
            Self::Failure(code) => format!("failure:{code}"),
        }
    }
}

/// One thing to journal.
#[derive(Debug, Clone)]
pub struct Record {
    /// What was done.
    pub operation: Operation,
    /// To what.
    pub object: ObjectRef,
    /// How it ended.
    pub outcome: Outcome,
    /// Short facts (a reason, a destination path, a digest). Never result contents.
    pub details: BTreeMap<String, String>,
}

impl Record {
    /// A record without details.
    pub fn new(operation: Operation, object: ObjectRef, outcome: Outcome) -> Self {
        Self {
            operation,
            object,
            outcome,
            details: BTreeMap::new(),
        }
    }

    /// Add a detail.
    pub fn with(mut self, key: &str, value: impl Into<String>) -> Self {
        self.details.insert(key.to_owned(), value.into());
        self
    }
}

/// One journal line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    /// Sequence number, from 1.
    pub seq: u64,
    /// Astana time, `YYYY-MM-DD HH:MM:SS +05:00`.
    pub time: String,
    /// The same instant in UTC, RFC 3339 with milliseconds.
    pub utc: String,
    /// The user's ИИН or `system:<name>`.
    pub user: String,
    /// The workstation.
    pub workstation: String,
    /// The IP address, if known.
    pub ip: Option<String>,
    /// The logical part of the resource.
    pub resource: String,
    /// The operation ([`Operation::as_str`]).
    pub operation: String,
    /// The object.
    pub object: ObjectRef,
    /// `success`, `started` or `failure:<CODE>`.
    pub outcome: String,
    /// Short facts.
    pub details: BTreeMap<String, String>,
    /// The previous entry's hash.
    pub prev: String,
    /// HMAC-SHA-256 (hex) when the journal has a key.
    pub mac: Option<String>,
    /// SHA-256 (hex) of this entry with `hash` empty.
    pub hash: String,
}

impl Entry {
    fn canonical(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|_| unreachable!("entries always serialise"))
    }

    fn mac_input(&self) -> String {
        let mut e = self.clone();
        e.mac = None;
        e.hash = String::new();
        e.canonical()
    }

    fn compute_hash(&self) -> String {
        let mut e = self.clone();
        e.hash = String::new();
        hex::encode(Sha256::digest(e.canonical().as_bytes()))
    }

    /// Whether this entry starts a new MAC epoch: a `journal.anchored` entry written after the
    /// journal's key was lost ([`accept_current`] with `key_lost`). Entries before it are covered
    /// by the hash chain into it; MACs are checked from it on.
    fn starts_mac_epoch(&self) -> bool {
        self.operation == Operation::JournalAnchored.as_str()
            && self.details.get(MAC_EPOCH).is_some_and(|v| v == "new")
    }
}

/// The detail of a `journal.anchored` entry that starts a new MAC epoch.
const MAC_EPOCH: &str = "mac_epoch";

/// The keyring side of a journal: the entry names of its MAC key and of its anchored head, in a
/// [`KeyStore`] (the OS keyring in production, beside the vault's KEK).
///
/// The MAC key is `<prefix>journal-mac` (as before anchoring); the head is
/// `<prefix>journal-head:<h>`, where `<h>` is the first 128 bits (hex) of SHA-256 of the
/// journal's absolute path (its directory resolved), so journals in two data directories of
/// one user have heads of their own.
#[derive(Clone)]
pub struct JournalKeys {
    keys: Arc<dyn KeyStore>,
    mac_name: String,
    head_name: String,
}

impl std::fmt::Debug for JournalKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JournalKeys")
            .field("store", &self.keys.describe())
            .field("mac_name", &self.mac_name)
            .field("head_name", &self.head_name)
            .finish()
    }
}

/// The head as anchored in the keyring.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct AnchoredHead {
    seq: u64,
    hash: String,
    mac: String,
}

impl JournalKeys {
    /// The keys of the journal at `journal` (whose directory must exist) under `prefix` (the app
    /// uses `sio-app:`) in `keys`.
    pub fn new(
        keys: Arc<dyn KeyStore>,
        prefix: &str,
        journal: &Path,
    ) -> Result<Self, JournalError> {
        let absolute = absolute_journal_path(journal)?;
        let digest = Sha256::digest(absolute.as_os_str().as_encoded_bytes());
        let id = hex::encode(digest.get(..16).unwrap_or_default());
        Ok(Self {
            keys,
            mac_name: format!("{prefix}journal-mac"),
            head_name: format!("{prefix}journal-head:{id}"),
        })
    }

    /// Use another entry name for the MAC key.
    #[must_use]
    pub fn with_mac_name(mut self, name: impl Into<String>) -> Self {
        self.mac_name = name.into();
        self
    }

    /// The keyring entry of the MAC key.
    pub fn mac_name(&self) -> &str {
        &self.mac_name
    }

    /// The keyring entry of the anchored head.
    pub fn head_name(&self) -> &str {
        &self.head_name
    }

    /// The key store, described for reports.
    pub fn describe(&self) -> String {
        self.keys.describe()
    }

    /// The journal's MAC key, if the keyring holds it.
    pub fn mac_key(&self) -> Result<Option<MacKey>, JournalError> {
        Ok(MacKey::load(self.keys.as_ref(), &self.mac_name)?)
    }

    fn create_mac_key(&self) -> Result<MacKey, JournalError> {
        Ok(MacKey::load_or_create(self.keys.as_ref(), &self.mac_name)?)
    }

    fn head_mac_input(&self, seq: u64, hash: &str) -> String {
        format!("sio-vault journal anchor|{}|{seq}|{hash}", self.head_name)
    }

    /// The anchored head; with `mac`, its MAC is checked (a bad one: `HeadMismatch`). A value
    /// that is not a head is a mismatch too.
    fn load_head(&self, mac: Option<&MacKey>) -> Result<Option<AnchoredHead>, JournalError> {
        let Some(bytes) = self.keys.load(&self.head_name)? else {
            return Ok(None);
        };
        let head: AnchoredHead =
            serde_json::from_slice(&bytes).map_err(|_| JournalError::HeadMismatch { seq: 0 })?;
        if let Some(key) = mac
            && !key.check_hex(
                self.head_mac_input(head.seq, &head.hash).as_bytes(),
                &head.mac,
            )
        {
            return Err(JournalError::HeadMismatch { seq: head.seq });
        }
        Ok(Some(head))
    }

    fn store_head(&self, mac: &MacKey, seq: u64, hash: &str) -> Result<(), JournalError> {
        let head = AnchoredHead {
            seq,
            hash: hash.to_owned(),
            mac: mac.tag_hex(self.head_mac_input(seq, hash).as_bytes()),
        };
        let bytes = serde_json::to_vec(&head).unwrap_or_default();
        Ok(self.keys.store(&self.head_name, &bytes)?)
    }

    /// Remove the anchored head from the keyring (a journal archived for good; tests).
    pub fn forget_head(&self) -> Result<(), JournalError> {
        Ok(self.keys.delete(&self.head_name)?)
    }
}

/// `journal` with its directory resolved (links, `..`), so one file has one name.
fn absolute_journal_path(journal: &Path) -> Result<PathBuf, JournalError> {
    let name = journal.file_name().ok_or_else(|| JournalError::Io {
        op: "name the journal",
        path: journal.to_path_buf(),
        source: io::Error::new(io::ErrorKind::InvalidInput, "not a file name"),
    })?;
    let dir = match journal.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let dir = fs::canonicalize(&dir).map_err(JournalError::io("resolve directory", &dir))?;
    Ok(dir.join(name))
}

/// Check the end of a journal (`entries` entries, the last one `last`, the one at the head's
/// count found by `hash_at`) against the keyring's head. Returns the head, and whether the
/// journal is exactly one entry ahead of it (a crash between the append and the anchor update).
fn check_anchor(
    keys: &JournalKeys,
    mac: Option<&MacKey>,
    entries: u64,
    last: Option<&Entry>,
    hash_at: impl Fn(u64) -> Option<String>,
) -> Result<Option<(AnchoredHead, bool)>, JournalError> {
    let Some(head) = keys.load_head(mac)? else {
        if entries > 0 {
            return Err(JournalError::HeadMissing {
                entries,
                name: keys.head_name.clone(),
            });
        }
        return Ok(None);
    };
    if entries < head.seq {
        return Err(JournalError::Truncated { seq: entries + 1 });
    }
    let mismatch = JournalError::HeadMismatch { seq: head.seq };
    if head.seq == 0 {
        return Err(mismatch);
    }
    if hash_at(head.seq).is_none_or(|h| h != head.hash) {
        return Err(mismatch);
    }
    let ahead = entries - head.seq;
    match ahead {
        0 => Ok(Some((head, false))),
        1 if last.is_some_and(|e| e.prev == head.hash) => Ok(Some((head, true))),
        _ => Err(mismatch),
    }
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Head {
    seq: u64,
    hash: String,
    mac: Option<String>,
}

impl Head {
    fn mac_input(seq: u64, hash: &str) -> String {
        format!("sio-vault journal head|{seq}|{hash}")
    }
}

/// An open journal. Appends are serialised within the process and, through a lock file, between
/// processes sharing the file.
#[derive(Debug)]
pub struct Journal {
    path: PathBuf,
    head: PathBuf,
    lock: PathBuf,
    mac: Option<MacKey>,
    anchor: Option<JournalKeys>,
    write: Mutex<()>,
}

fn sibling(path: &Path, suffix: &str) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(suffix);
    PathBuf::from(s)
}

/// The end of a journal file: its length, the last complete line (offset, text) and the length
/// of an unfinished line after it.
struct Tail {
    len: u64,
    last: Option<(u64, String)>,
    partial: u64,
}

fn read_tail(file: &mut File, path: &Path) -> Result<Tail, JournalError> {
    let len = file
        .metadata()
        .map_err(JournalError::io("stat", path))?
        .len();
    let mut window: u64 = 64 * 1024;
    loop {
        let start = len.saturating_sub(window);
        file.seek(SeekFrom::Start(start))
            .map_err(JournalError::io("seek", path))?;
        let mut buf = Vec::new();
        file.read_to_end(&mut buf)
            .map_err(JournalError::io("read", path))?;
        let end_complete = buf.iter().rposition(|&b| b == b'\n').map(|i| i + 1);
        let Some(end_complete) = end_complete else {
            if start == 0 {
                return Ok(Tail {
                    len,
                    last: None,
                    partial: len,
                });
            }
            window *= 4;
            continue;
        };
        let partial = (buf.len() - end_complete) as u64;
        let body = &buf[..end_complete - 1];
        match body.iter().rposition(|&b| b == b'\n') {
            Some(i) => {
                let line = String::from_utf8_lossy(&body[i + 1..]).into_owned();
                return Ok(Tail {
                    len,
                    last: Some((start + i as u64 + 1, line)),
                    partial,
                });
            }
            None if start == 0 => {
                let line = String::from_utf8_lossy(body).into_owned();
                return Ok(Tail {
                    len,
                    last: Some((0, line)),
                    partial,
                });
            }
            None => window *= 4,
        }
    }
}

fn read_head(path: &Path) -> Result<Option<Head>, JournalError> {
    match fs::read(path) {
        Ok(bytes) => serde_json::from_slice(&bytes)
            .map(Some)
            .map_err(|_| JournalError::HeadMismatch { seq: 0 }),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(JournalError::io("read head", path)(e)),
    }
}

impl Journal {
    /// Open (or create) the journal at `path`. With `mac`, every new entry is MAC-ed.
    ///
    /// After a crash in the middle of an append the unfinished last line is dropped and a
    /// `journal.recovered` entry records it. A journal whose end does not match its head file
    /// (entries cut off, the last entry replaced) is refused with the [`verify`] code, so the app
    /// can report an incident instead of writing on.
    pub fn open(path: &Path, mac: Option<MacKey>) -> Result<Self, JournalError> {
        let journal = Self::new(path, mac, None);
        journal.open_checked()?;
        Ok(journal)
    }

    /// Open (or create) the journal at `path` with its MAC key and anchored head in the keyring
    /// (`keys`): what the app and `sio` use. Every entry is MAC-ed, and every append replaces
    /// the head in the keyring too.
    ///
    /// Refused when the journal has entries and the keyring holds no journal key
    /// (`VAULT_JOURNAL_KEY_MISSING`) or no head (`VAULT_JOURNAL_HEAD_MISSING`), or when the
    /// journal's end does not match the keyring's head (`VAULT_JOURNAL_TRUNCATED`,
    /// `VAULT_JOURNAL_HEAD_MISMATCH`). A journal without entries gets a key on first use.
    ///
    /// With a key store whose keys die with the process by design ([`KeyStore::is_ephemeral`]:
    /// `SIO_KEYSTORE=memory`, a demonstration), a journal left by an earlier process cannot be
    /// checked by anyone: it is set aside as `<journal>.ended-<UTC time>` (with its head file)
    /// and a new journal begins.
    pub fn open_anchored(path: &Path, keys: JournalKeys) -> Result<Self, JournalError> {
        let mac = match keys.mac_key()? {
            Some(mac) => mac,
            None if has_entries(path)? => {
                if !keys.keys.is_ephemeral() {
                    return Err(JournalError::KeyMissing {
                        name: keys.mac_name.clone(),
                    });
                }
                set_aside(path)?;
                keys.create_mac_key()?
            }
            None => keys.create_mac_key()?,
        };
        let journal = Self::new(path, Some(mac), Some(keys));
        journal.open_checked()?;
        Ok(journal)
    }

    fn new(path: &Path, mac: Option<MacKey>, anchor: Option<JournalKeys>) -> Self {
        Self {
            path: path.to_path_buf(),
            head: sibling(path, ".head"),
            lock: sibling(path, ".lock"),
            mac,
            anchor,
            write: Mutex::new(()),
        }
    }

    fn open_checked(&self) -> Result<(), JournalError> {
        let _guard = self.lock_files()?;
        let mut file = self.open_file()?;
        if let Some(dir) = self.path.parent() {
            fsio::sync_dir(dir).map_err(JournalError::io("sync directory", dir))?;
        }
        self.checked_tail(&mut file)?;
        Ok(())
    }

    fn open_file(&self) -> Result<File, JournalError> {
        OpenOptions::new()
            .read(true)
            .append(true)
            .create(true)
            .open(&self.path)
            .map_err(JournalError::io("open", &self.path))
    }

    /// The last entry, after checking the end of the journal against the head file (entries cut
    /// off or replaced: refused) and dropping an unfinished line left by a crash mid-append (with
    /// a `journal.recovered` entry). Called with the lock held.
    fn checked_tail(&self, file: &mut File) -> Result<Option<Entry>, JournalError> {
        let path = self.path.as_path();
        let tail = read_tail(file, path)?;
        let last: Option<Entry> = match &tail.last {
            None => None,
            Some((_, line)) => {
                Some(
                    serde_json::from_str(line).map_err(|e| JournalError::Malformed {
                        seq: 0,
                        detail: format!("last line: {e}"),
                    })?,
                )
            }
        };
        let last_seq = last.as_ref().map_or(0, |e| e.seq);
        if let Some(keys) = &self.anchor {
            let hash_at = |seq: u64| {
                let e = last.as_ref()?;
                if seq == e.seq {
                    Some(e.hash.clone())
                } else if seq + 1 == e.seq {
                    Some(e.prev.clone())
                } else {
                    None
                }
            };
            let anchored = check_anchor(keys, self.mac.as_ref(), last_seq, last.as_ref(), hash_at)?;
            if let (Some((_, true)), Some(mac), Some(e)) = (anchored, &self.mac, &last) {
                // One entry ahead: the last append ended before its anchor update.
                keys.store_head(mac, e.seq, &e.hash)?;
            }
        }
        if let Some(head) = read_head(&self.head)? {
            if last_seq < head.seq {
                return Err(JournalError::Truncated { seq: last_seq + 1 });
            }
            if last_seq == head.seq && last.as_ref().is_some_and(|e| e.hash != head.hash) {
                return Err(JournalError::HeadMismatch { seq: head.seq });
            }
        }
        if tail.partial == 0 {
            return Ok(last);
        }
        file.set_len(tail.len - tail.partial)
            .map_err(JournalError::io("truncate", path))?;
        file.sync_all().map_err(JournalError::io("sync", path))?;
        let system = Actor {
            principal: Principal::System("sio-vault".to_owned()),
            workstation: String::new(),
            ip: None,
        };
        let record = Record::new(
            Operation::JournalRecovered,
            ObjectRef::default(),
            Outcome::Success,
        )
        .with("dropped_unfinished_bytes", tail.partial.to_string());
        self.write_entry(file, last.as_ref(), &system, record)
            .map(Some)
    }

    /// The journal file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Whether new entries are MAC-ed.
    pub fn has_mac(&self) -> bool {
        self.mac.is_some()
    }

    /// Append one entry for `actor`; durable (fsync) when this returns. Returns its sequence number.
    pub fn append(&self, actor: &Actor, record: Record) -> Result<u64, JournalError> {
        let _guard = self.lock_files()?;
        self.append_locked(actor, record)
    }

    fn lock_files(&self) -> Result<(std::sync::MutexGuard<'_, ()>, File), JournalError> {
        let guard = self
            .write
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let f = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&self.lock)
            .map_err(JournalError::io("open lock", &self.lock))?;
        f.lock().map_err(JournalError::io("lock", &self.lock))?;
        Ok((guard, f))
    }

    fn append_locked(&self, actor: &Actor, record: Record) -> Result<u64, JournalError> {
        let mut file = self.open_file()?;
        let last = self.checked_tail(&mut file)?;
        self.write_entry(&mut file, last.as_ref(), actor, record)
            .map(|e| e.seq)
    }

    /// Write one entry after `last`, flush it, then replace the head file.
    fn write_entry(
        &self,
        file: &mut File,
        last: Option<&Entry>,
        actor: &Actor,
        record: Record,
    ) -> Result<Entry, JournalError> {
        let (seq, prev) = match last {
            None => (1, GENESIS.to_owned()),
            Some(e) => (e.seq + 1, e.hash.clone()),
        };
        let now: DateTime<Utc> = Utc::now();
        let mut entry = Entry {
            seq,
            time: sio_core::time::format_astana(now),
            utc: now.to_rfc3339_opts(SecondsFormat::Millis, true),
            user: actor.principal.field(),
            workstation: actor.workstation.clone(),
            ip: actor.ip.map(|ip| ip.to_string()),
            resource: record.operation.resource().to_owned(),
            operation: record.operation.as_str().to_owned(),
            object: record.object,
            outcome: record.outcome.field(),
            details: record.details,
            prev,
            mac: None,
            hash: String::new(),
        };
        entry.mac = self
            .mac
            .as_ref()
            .map(|k| k.tag_hex(entry.mac_input().as_bytes()));
        entry.hash = entry.compute_hash();
        let mut line = entry.canonical();
        line.push('\n');
        file.write_all(line.as_bytes())
            .map_err(JournalError::io("append", &self.path))?;
        file.sync_data()
            .map_err(JournalError::io("sync", &self.path))?;
        let head = Head {
            seq,
            mac: self
                .mac
                .as_ref()
                .map(|k| k.tag_hex(Head::mac_input(seq, &entry.hash).as_bytes())),
            hash: entry.hash.clone(),
        };
        let bytes = serde_json::to_vec(&head).unwrap_or_default();
        fsio::write_atomic(&self.head, &bytes)
            .map_err(JournalError::io("write head", &self.head))?;
        if let (Some(keys), Some(mac)) = (&self.anchor, &self.mac) {
            keys.store_head(mac, seq, &entry.hash)?;
        }
        Ok(entry)
    }
}

/// Rename the journal at `path` and its head file to `<name>.ended-<UTC time>[.head]`.
fn set_aside(path: &Path) -> Result<(), JournalError> {
    let stamp = Utc::now().format("%Y%m%dT%H%M%S%.3fZ");
    let ended = sibling(path, &format!(".ended-{stamp}"));
    fs::rename(path, &ended).map_err(JournalError::io("set aside", path))?;
    let head = sibling(path, ".head");
    match fs::rename(&head, sibling(&ended, ".head")) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(JournalError::io("set aside", &head)(e)),
    }
}

/// Whether the journal at `path` exists and holds anything.
fn has_entries(path: &Path) -> Result<bool, JournalError> {
    match fs::metadata(path) {
        Ok(m) => Ok(m.len() > 0),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(JournalError::io("stat", path)(e)),
    }
}

/// What [`verify`] found in a sound journal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifyReport {
    /// Number of entries.
    pub entries: u64,
    /// Whether a head file was present and matched (tail truncation is detectable only then,
    /// unless the head is anchored: [`VerifyReport::anchor_checked`]).
    pub head_checked: bool,
    /// Whether MACs were checked (a key was given).
    pub macs_checked: bool,
    /// The first entry whose MAC was checked: 1, or the `journal.anchored` entry that started a
    /// new MAC epoch after the journal key was lost (the entries before it are covered by the
    /// hash chain into it). 0 when MACs were not checked.
    pub macs_checked_from: u64,
    /// Whether the journal's end was checked against the head anchored in the keyring.
    pub anchor_checked: bool,
}

/// Whether [`verify_anchored`] checks the MACs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MacCheck {
    /// Check every MAC with the journal key from the keyring; no key is a failure
    /// (`VAULT_JOURNAL_MAC_UNCHECKED`).
    Require,
    /// Do not check MACs (the caller said so explicitly, e.g. `sio audit verify --no-mac`): the
    /// hash chain and the anchored head only. The report says so.
    Skip,
}

/// A journal's entries after the chain was checked.
struct Chain {
    entries: Vec<Entry>,
    /// Index of the first entry whose MAC was checked (`entries.len()` when none were).
    macs_from: usize,
}

/// Read the journal at `path` and check every line canonical, sequence 1…n without gaps, every
/// hash, every link, and every MAC of the current epoch (with `mac`).
fn verify_chain(path: &Path, mac: Option<&MacKey>) -> Result<Chain, JournalError> {
    let bytes = fs::read(path).map_err(JournalError::io("read", path))?;
    let mut lines: Vec<&[u8]> = bytes.split(|&b| b == b'\n').collect();
    if lines.last().is_some_and(|l| l.is_empty()) {
        lines.pop();
    }
    let parsed: Vec<Option<Entry>> = lines
        .iter()
        .map(|l| {
            std::str::from_utf8(l)
                .ok()
                .and_then(|s| serde_json::from_str(s).ok())
        })
        .collect();
    // MACs are checked from the last entry that started a MAC epoch under this key (the chain
    // check below ties every earlier entry to it).
    let macs_from = match mac {
        None => lines.len(),
        Some(key) => parsed
            .iter()
            .rposition(|e| {
                e.as_ref().is_some_and(|e| {
                    e.starts_mac_epoch()
                        && e.mac
                            .as_deref()
                            .is_some_and(|tag| key.check_hex(e.mac_input().as_bytes(), tag))
                })
            })
            .unwrap_or(0),
    };
    let mut prev = GENESIS.to_owned();
    for (i, (line, entry)) in lines.iter().zip(&parsed).enumerate() {
        let expected = i as u64 + 1;
        let cut_short = i + 1 == lines.len() && !bytes.ends_with(b"\n");
        let Some(entry) = entry.as_ref().filter(|_| !cut_short) else {
            let detail = if cut_short {
                "the last line is cut short".to_owned()
            } else {
                "not a JSON journal entry".to_owned()
            };
            return Err(JournalError::Malformed {
                seq: expected,
                detail,
            });
        };
        if entry.seq != expected {
            let elsewhere = parsed.iter().flatten().any(|e| e.seq == expected);
            return Err(if elsewhere || entry.seq < expected {
                JournalError::OutOfOrder { seq: expected }
            } else {
                JournalError::EntryMissing { seq: expected }
            });
        }
        if entry.canonical().as_bytes() != *line {
            return Err(JournalError::NotCanonical { seq: expected });
        }
        if entry.compute_hash() != entry.hash {
            return Err(JournalError::EntryAltered { seq: expected });
        }
        if entry.prev != prev {
            return Err(JournalError::ChainBroken { seq: expected });
        }
        if let Some(key) = mac
            && i >= macs_from
        {
            let ok = entry
                .mac
                .as_deref()
                .is_some_and(|tag| key.check_hex(entry.mac_input().as_bytes(), tag));
            if !ok {
                return Err(JournalError::MacInvalid { seq: expected });
            }
        }
        prev.clone_from(&entry.hash);
    }
    Ok(Chain {
        entries: parsed.into_iter().flatten().collect(),
        macs_from,
    })
}

/// Check the head file (`<journal>.head`, a cache when the head is anchored) against the
/// entries. Returns whether there was one.
fn check_head_file(path: &Path, chain: &Chain, mac: Option<&MacKey>) -> Result<bool, JournalError> {
    let Some(head) = read_head(&sibling(path, ".head"))? else {
        return Ok(false);
    };
    let entries = chain.entries.len() as u64;
    if entries < head.seq {
        return Err(JournalError::Truncated { seq: entries + 1 });
    }
    let recorded = head
        .seq
        .checked_sub(1)
        .and_then(|i| usize::try_from(i).ok())
        .and_then(|i| chain.entries.get(i));
    if recorded.is_none_or(|e| e.hash != head.hash) {
        return Err(JournalError::HeadMismatch { seq: head.seq });
    }
    // The head file is rewritten at every append, so it is under the current epoch's key.
    if let Some(key) = mac {
        let ok = head.mac.as_deref().is_some_and(|tag| {
            key.check_hex(Head::mac_input(head.seq, &head.hash).as_bytes(), tag)
        });
        if !ok {
            return Err(JournalError::HeadMismatch { seq: head.seq });
        }
    }
    Ok(true)
}

fn report(chain: &Chain, mac: bool, head_checked: bool, anchor_checked: bool) -> VerifyReport {
    let entries = chain.entries.len() as u64;
    VerifyReport {
        entries,
        head_checked,
        macs_checked: mac,
        macs_checked_from: if mac && entries > 0 {
            chain.macs_from as u64 + 1
        } else {
            0
        },
        anchor_checked,
    }
}

/// Verify the journal at `path`: every line canonical, sequence 1…n without gaps, every hash,
/// every link, every MAC (when `mac` is given), and the head file. Returns the first problem.
///
/// This checks the head *file* only, which is deleted as easily as the journal is cut: the app's
/// journals are checked with [`verify_anchored`].
pub fn verify(path: &Path, mac: Option<&MacKey>) -> Result<VerifyReport, JournalError> {
    let chain = verify_chain(path, mac)?;
    let head_checked = check_head_file(path, &chain, mac)?;
    Ok(report(&chain, mac.is_some(), head_checked, false))
}

/// Verify the journal at `path` as [`verify`] does, with its MAC key and head from the keyring:
/// the journal's end must match the anchored head (`VAULT_JOURNAL_HEAD_MISSING`,
/// `VAULT_JOURNAL_TRUNCATED`, `VAULT_JOURNAL_HEAD_MISMATCH`). With [`MacCheck::Require`] a
/// journal with entries and no key in the keyring is `VAULT_JOURNAL_MAC_UNCHECKED`.
pub fn verify_anchored(
    path: &Path,
    keys: &JournalKeys,
    macs: MacCheck,
) -> Result<VerifyReport, JournalError> {
    let mac = match macs {
        MacCheck::Require => keys.mac_key()?,
        MacCheck::Skip => None,
    };
    let chain = verify_chain(path, mac.as_ref())?;
    if macs == MacCheck::Require && mac.is_none() && !chain.entries.is_empty() {
        return Err(JournalError::MacUnchecked {
            name: keys.mac_name.clone(),
            store: keys.describe(),
        });
    }
    let entries = chain.entries.len() as u64;
    let hash_at = |seq: u64| {
        let i = usize::try_from(seq.checked_sub(1)?).ok()?;
        chain.entries.get(i).map(|e| e.hash.clone())
    };
    check_anchor(keys, mac.as_ref(), entries, chain.entries.last(), hash_at)?;
    let head_checked = check_head_file(path, &chain, mac.as_ref())?;
    Ok(report(&chain, mac.is_some(), head_checked, true))
}

/// What [`accept_current`] anchored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AcceptReport {
    /// Entries accepted as they stood.
    pub accepted_entries: u64,
    /// The `journal.anchored` entry written (now the anchored head).
    pub seq: u64,
    /// What the keyring held before: `none`, `seq=<n> hash=<h>`, or `unreadable`.
    pub previous_anchor: String,
    /// Whether the accepted entries' MACs were checked (not when the key was lost).
    pub macs_checked: bool,
}

/// The helpdesk's re-anchoring (`sio audit anchor --accept-current`): accept the journal at
/// `path` as it stands — a journal written before anchoring existed, or one whose head or key
/// the keyring lost — after checking its chain (and, unless `key_lost`, its MACs under the key
/// in the keyring), then append a `journal.anchored` entry by `actor` with the `reason`, the
/// number of entries and last hash accepted and what the keyring held before, and anchor the
/// head at that entry.
///
/// With `key_lost` (the keyring no longer holds the key the entries were MAC-ed with) the
/// entries are accepted on their hash chain alone, the keyring's key (a new one if there is
/// none) MACs the new entry, and MACs are checked from that entry on ([`verify_anchored`]).
/// Without it, a missing key is `VAULT_JOURNAL_KEY_MISSING`.
///
/// What this accepts cannot be checked any more against a lost head: compare the journal with
/// the gateway's journal of the workstation's requests before accepting.
pub fn accept_current(
    path: &Path,
    keys: &JournalKeys,
    actor: &Actor,
    reason: &str,
    key_lost: bool,
) -> Result<AcceptReport, JournalError> {
    let mac = match keys.mac_key()? {
        Some(_) if key_lost => {
            return Err(JournalError::KeyPresent {
                name: keys.mac_name.clone(),
            });
        }
        Some(mac) => mac,
        None if key_lost => keys.create_mac_key()?,
        None => {
            return Err(JournalError::KeyMissing {
                name: keys.mac_name.clone(),
            });
        }
    };
    let journal = Journal::new(path, Some(mac.clone()), Some(keys.clone()));
    let _guard = journal.lock_files()?;
    let chain = verify_chain(path, (!key_lost).then_some(&mac))?;
    let accepted_entries = chain.entries.len() as u64;
    let previous_anchor = match keys.load_head(if key_lost { None } else { Some(&mac) }) {
        Ok(None) => "none".to_owned(),
        // A head the keyring still holds vouches for more entries than the file has: the tail was
        // cut. Re-anchoring must not launder that (the head stays, and verification keeps
        // failing); the helpdesk takes it to the gateway's journal instead.
        Ok(Some(h)) if h.seq > accepted_entries => {
            return Err(JournalError::Truncated {
                seq: accepted_entries + 1,
            });
        }
        Ok(Some(h)) => format!("seq={} hash={}", h.seq, h.hash),
        Err(JournalError::KeyStore(e)) => return Err(JournalError::KeyStore(e)),
        Err(_) => "unreadable".to_owned(),
    };
    let last = chain.entries.last();
    let mut record = Record::new(
        Operation::JournalAnchored,
        ObjectRef::default(),
        Outcome::Success,
    )
    .with("reason", reason)
    .with("accepted_entries", accepted_entries.to_string())
    .with(
        "accepted_hash",
        last.map_or_else(|| GENESIS.to_owned(), |e| e.hash.clone()),
    )
    .with("previous_anchor", previous_anchor.clone());
    if key_lost {
        record = record.with(MAC_EPOCH, "new");
    }
    let mut file = journal.open_file()?;
    let entry = journal.write_entry(&mut file, last, actor, record)?;
    Ok(AcceptReport {
        accepted_entries,
        seq: entry.seq,
        previous_anchor,
        macs_checked: !key_lost,
    })
}

/// One export to case materials (rule 48), as journaled — a row of the supervisors' report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExportRecord {
    /// The journal entry.
    pub seq: u64,
    /// Astana time.
    pub time: String,
    /// Who exported (ИИН).
    pub user: String,
    /// Where.
    pub workstation: String,
    /// The request answered by the result.
    pub request_id: Option<String>,
    /// The result.
    pub result_id: Option<String>,
    /// The reason given.
    pub reason: String,
    /// The file written.
    pub destination: String,
    /// SHA-256 (hex) of the exported bytes.
    pub sha256: String,
}

/// The completed exports recorded in the journal at `path`, after [`verify`] succeeds on it (so
/// the report is only produced from an intact journal).
pub fn exports(path: &Path, mac: Option<&MacKey>) -> Result<Vec<ExportRecord>, JournalError> {
    verify(path, mac)?;
    export_rows(path)
}

/// The completed exports recorded in the journal at `path`, after [`verify_anchored`] succeeds
/// on it.
pub fn exports_anchored(
    path: &Path,
    keys: &JournalKeys,
    macs: MacCheck,
) -> Result<Vec<ExportRecord>, JournalError> {
    verify_anchored(path, keys, macs)?;
    export_rows(path)
}

fn export_rows(path: &Path) -> Result<Vec<ExportRecord>, JournalError> {
    let text = fs::read_to_string(path).map_err(JournalError::io("read", path))?;
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let e: Entry = serde_json::from_str(line).map_err(|err| JournalError::Malformed {
            seq: i as u64 + 1,
            detail: err.to_string(),
        })?;
        if e.operation == Operation::ResultExported.as_str() && e.outcome == "success" {
            let detail = |k: &str| e.details.get(k).cloned().unwrap_or_default();
            out.push(ExportRecord {
                seq: e.seq,
                reason: detail("reason"),
                destination: detail("destination"),
                sha256: detail("sha256"),
                time: e.time,
                user: e.user,
                workstation: e.workstation,
                request_id: e.object.request_id,
                result_id: e.object.result_id,
            });
        }
    }
    Ok(out)
}
