//! Journal failures and their stable codes.

use std::io;
use std::path::{Path, PathBuf};

use crate::error::KeyStoreError;

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
    // The stable codes are in crate::error's table (`sio_error::coded!`).

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

    pub(super) fn io(op: &'static str, path: &Path) -> impl FnOnce(io::Error) -> Self {
        let path = path.to_path_buf();
        move |source| Self::Io { op, path, source }
    }
}
