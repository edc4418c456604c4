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

mod check;
mod error;
mod export;
mod keys;
mod record;
mod writer;

pub use check::{AcceptReport, MacCheck, VerifyReport, accept_current, verify, verify_anchored};
pub use error::JournalError;
pub use export::{ExportRecord, exports, exports_anchored};
pub use keys::JournalKeys;
use keys::{Head, check_anchor};
use record::MAC_EPOCH;
pub use record::{
    Actor, Entry, ObjectRef, Operation, Outcome, Principal, Record, workstation_name,
};
pub use writer::Journal;
use writer::{read_head, sibling};

const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";
