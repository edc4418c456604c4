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

use std::collections::BTreeMap;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use sio_core::Iin;

use crate::crypto::MacKey;
use crate::fsio;

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
        }
    }

    /// The first bad sequence number, for verification failures.
    pub fn seq(&self) -> Option<u64> {
        match self {
            Self::Io { .. } => None,
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
            Self::JournalRecovered => "audit-journal",
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
        let journal = Self {
            path: path.to_path_buf(),
            head: sibling(path, ".head"),
            lock: sibling(path, ".lock"),
            mac,
            write: Mutex::new(()),
        };
        journal.open_checked()?;
        Ok(journal)
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
        Ok(entry)
    }
}

/// What [`verify`] found in a sound journal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifyReport {
    /// Number of entries.
    pub entries: u64,
    /// Whether a head file was present and matched (tail truncation is detectable only then).
    pub head_checked: bool,
    /// Whether MACs were checked (a key was given).
    pub macs_checked: bool,
}

/// Verify the journal at `path`: every line canonical, sequence 1…n without gaps, every hash,
/// every link, every MAC (when `mac` is given), and the head file. Returns the first problem.
pub fn verify(path: &Path, mac: Option<&MacKey>) -> Result<VerifyReport, JournalError> {
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
    let mut prev = GENESIS.to_owned();
    for (i, (line, entry)) in lines.iter().zip(&parsed).enumerate() {
        let expected = i as u64 + 1;
        let Some(entry) = entry else {
            let detail = if i + 1 == lines.len() && !bytes.ends_with(b"\n") {
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
        if let Some(key) = mac {
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
    let entries = lines.len() as u64;
    let head = read_head(&sibling(path, ".head"))?;
    let head_checked = head.is_some();
    if let Some(head) = head {
        if entries < head.seq {
            return Err(JournalError::Truncated { seq: entries + 1 });
        }
        let recorded = head
            .seq
            .checked_sub(1)
            .and_then(|i| usize::try_from(i).ok())
            .and_then(|i| parsed.get(i))
            .and_then(|e| e.as_ref());
        if recorded.is_none_or(|e| e.hash != head.hash) {
            return Err(JournalError::HeadMismatch { seq: head.seq });
        }
        if let Some(key) = mac {
            let ok = head.mac.as_deref().is_some_and(|tag| {
                key.check_hex(Head::mac_input(head.seq, &head.hash).as_bytes(), tag)
            });
            if !ok {
                return Err(JournalError::HeadMismatch { seq: head.seq });
            }
        }
    }
    Ok(VerifyReport {
        entries,
        head_checked,
        macs_checked: mac.is_some(),
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
