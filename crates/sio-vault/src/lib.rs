//! The result vault and the audit journal of АРМ СИО ПСО.
//!
//! Results received from СИО ПСО are confidential (consent §14) and local copies are destroyed
//! once viewed (2015 r.52). This crate keeps them **encrypted at rest until viewed** and destroys
//! them by **cryptographic erase** (NIST SP 800-88 Rev. 1, §2.6) when the viewer is closed or a
//! configured time after the first view:
//!
//! ```text
//!   OS keyring (keyutils / Secret Service / Credential Manager)
//!     └─ KEK (256-bit, one per vault)                 ── rotated whenever the vault is empty
//!          └─ slots/<id>.slot   (≈ 600 bytes: metadata + nonces + DEK wrapped by the KEK)
//!               └─ data/<id>.bin  (XChaCha20-Poly1305 ciphertext of the result, any size)
//!   viewed/<id>                 (first-view wall and boot-clock time; present = to be shredded)
//! ```
//!
//! Shredding overwrites and deletes the small key slot (and removes the ciphertext without
//! overwriting it): without the wrapped key the ciphertext is noise, so shredding takes the same
//! time for 10 KB and 100 MB. Results orphaned by a crash are shredded by [`Vault::open`].
//! Plaintext exists only in memory, in zeroizing buffers ([`ViewedResult`]).
//!
//! The lawful exception (rule 48 as of 2024) is [`ViewedResult::export`]: a signed, journaled
//! copy at a path the user picks, with a reason. Every operation is written to the [`Journal`]:
//! append-only JSON Lines, hash-chained, optionally MAC-ed with a key from the keyring;
//! [`verify`] detects any edit, deletion, insertion, reordering or truncation.
//!
//! # What is protected, and what is not
//!
//! - A result at rest needs its key slot **and** the KEK: copying the vault directory without
//!   the keyring, or the keyring without the directory, yields nothing. After a shred the slot
//!   is overwritten in place, flushed and unlinked; on file systems or SSDs that may keep an
//!   old copy of the slot's blocks, the KEK rotation (whenever the vault is empty) makes such
//!   copies useless too.
//! - The KEK lives in the user's keyring. On Linux keyutils it is linked into the session and
//!   the user's persistent keyring (kept across logouts until it expires, lost at reboot): a
//!   lost KEK makes every stored result unreadable, and the next start shreds them (they can be
//!   requested again; the server keeps them, 2015 r.53). Anyone who runs code as the user while
//!   the session is open can read the KEK: that is the limit of an OS keyring.
//! - Plaintext is zeroized when the viewer closes, but the vault cannot keep the pages out of
//!   swap or a core dump (no `mlock`, no `PR_SET_DUMPABLE` here: the app should disable core
//!   dumps and use encrypted swap).
//! - The journal's hash chain detects any change to entries short of rewriting every entry
//!   after the change and the head; the MAC (key in the keyring) stops that rewrite by anyone
//!   without the key, and the head anchored in the keyring ([`JournalKeys`]) detects entries
//!   cut off the end, a rollback to an older copy and a deleted journal even when the head
//!   file went with them. It cannot stop someone holding the keyring (code running as the user
//!   in the open session, or root): the gateway's own journal is the independent record.

#![forbid(unsafe_code)]

mod crypto;
mod error;
mod fsio;
pub mod journal;
mod keystore;
mod vault;

pub use crypto::MacKey;
pub use error::{CODES, KeyStoreError, VaultError};
pub use journal::{
    AcceptReport, Actor, ExportRecord, Journal, JournalError, JournalKeys, MacCheck, ObjectRef,
    Operation, Outcome, Principal, Record, VerifyReport, accept_current, exports, exports_anchored,
    verify, verify_anchored, workstation_name,
};
pub use keystore::{ENV_KEYSTORE, KeyStore, MemoryKeyStore, OsKeyring, keystore_from_env};
pub use vault::{
    ExportReceipt, ExportSigner, RecoveryReport, ResultId, ResultKind, ResultMeta, ShredReason,
    ShredReport, SignError, StoredResult, Vault, VaultConfig, ViewedResult,
};
