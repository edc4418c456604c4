//! What a journal line says: actors, operations, records and the canonical entry.

use std::collections::BTreeMap;
use std::net::IpAddr;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use sio_core::Iin;

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
    pub(super) fn field(&self) -> String {
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
    /// The helpdesk anchored the journal as it stands ([`accept_current`](super::accept_current)).
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
    pub(super) fn field(&self) -> String {
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
    pub(super) fn canonical(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|_| unreachable!("entries always serialise"))
    }

    pub(super) fn mac_input(&self) -> String {
        let mut e = self.clone();
        e.mac = None;
        e.hash = String::new();
        e.canonical()
    }

    pub(super) fn compute_hash(&self) -> String {
        let mut e = self.clone();
        e.hash = String::new();
        hex::encode(Sha256::digest(e.canonical().as_bytes()))
    }

    /// Whether this entry starts a new MAC epoch: a `journal.anchored` entry written after the
    /// journal's key was lost ([`accept_current`] with `key_lost`). Entries before it are covered
    /// by the hash chain into it; MACs are checked from it on.
    pub(super) fn starts_mac_epoch(&self) -> bool {
        self.operation == Operation::JournalAnchored.as_str()
            && self.details.get(MAC_EPOCH).is_some_and(|v| v == "new")
    }
}

/// The detail of a `journal.anchored` entry that starts a new MAC epoch.
pub(super) const MAC_EPOCH: &str = "mac_epoch";
