//! Verifying a journal's chain, head and anchor, and anchoring a journal as it is.

use std::fs;
use std::path::Path;

use super::{
    Actor, Entry, GENESIS, Head, Journal, JournalError, JournalKeys, MAC_EPOCH, ObjectRef,
    Operation, Outcome, Record, check_anchor, read_head, sibling,
};
use crate::crypto::MacKey;

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
