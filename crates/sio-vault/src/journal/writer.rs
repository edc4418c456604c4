//! The open journal: appending entries under a lock, with the head file and the anchor.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use chrono::{DateTime, SecondsFormat, Utc};

use super::{
    Actor, Entry, GENESIS, Head, JournalError, JournalKeys, ObjectRef, Operation, Outcome,
    Principal, Record, check_anchor,
};
use crate::crypto::MacKey;
use crate::fsio;

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

pub(super) fn sibling(path: &Path, suffix: &str) -> PathBuf {
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

pub(super) fn read_head(path: &Path) -> Result<Option<Head>, JournalError> {
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
    /// (entries cut off, the last entry replaced) is refused with the [`verify`](super::verify) code, so the app
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
    /// With a key store whose keys die with the process by design ([`KeyStore::is_ephemeral`](crate::KeyStore::is_ephemeral):
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

    pub(super) fn new(path: &Path, mac: Option<MacKey>, anchor: Option<JournalKeys>) -> Self {
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

    pub(super) fn open_file(&self) -> Result<File, JournalError> {
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

    pub(super) fn lock_files(&self) -> Result<(std::sync::MutexGuard<'_, ()>, File), JournalError> {
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
    pub(super) fn write_entry(
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
