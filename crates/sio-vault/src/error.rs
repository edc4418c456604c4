//! Errors of the vault and the key store, each with a stable code (docs/failure-codes.md).

use std::path::PathBuf;

use crate::journal::JournalError;
use crate::vault::ResultId;

/// A failure of the key store holding the vault's key-encryption key and the journal's MAC key.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum KeyStoreError {
    /// The OS keyring could not be reached or refused the operation.
    #[error("{op} `{name}` in the {store}: {message}")]
    Unavailable {
        /// What was being done (`load`, `store`, `delete`).
        op: &'static str,
        /// The entry's name.
        name: String,
        /// Which store (e.g. `Linux keyutils`).
        store: String,
        /// The store's own message.
        message: String,
    },
    /// An entry exists but does not hold a key of the expected length.
    #[error("the keyring entry `{name}` does not hold a 256-bit key")]
    BadKey {
        /// The entry's name.
        name: String,
    },
}

sio_error::coded! {
    KeyStoreError, default Administrator;
    Self::Unavailable { .. } => "VAULT_KEYRING_UNAVAILABLE",
    Self::BadKey { .. } => "VAULT_KEYRING_BAD_KEY" [DoNotTrust],
}

/// A failure of a vault operation.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum VaultError {
    /// A file operation failed.
    #[error("{op}: {}: {source}", path.display())]
    Io {
        /// What was being done.
        op: &'static str,
        /// The file or directory.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// Another process has this vault open.
    #[error("the vault at {} is open in another process", .0.display())]
    Locked(PathBuf),
    /// The key store failed.
    #[error(transparent)]
    KeyStore(#[from] KeyStoreError),
    /// The journal failed; the operation was not performed (or not completed).
    #[error(transparent)]
    Journal(#[from] JournalError),
    /// The vault's own metadata file is damaged.
    #[error("the vault metadata {} is damaged: {detail}", path.display())]
    MetadataCorrupt {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        detail: String,
    },
    /// No such result (never stored here, or already shredded).
    #[error("result {0} is not in the vault (never stored here, or already shredded)")]
    NotFound(ResultId),
    /// The result's viewing time ran out; it has been shredded.
    #[error("result {0} was shredded: its viewing time after the first view ran out")]
    Expired(ResultId),
    /// A result id that is not a UUID.
    #[error("`{0}` is not a result id")]
    BadResultId(String),
    /// The key slot does not authenticate (altered, damaged, or wrapped under another KEK).
    #[error("the key slot of result {0} is damaged or was altered; the result cannot be opened")]
    SlotTampered(ResultId),
    /// The ciphertext does not authenticate.
    #[error("the encrypted result {0} is damaged or was altered; it cannot be opened")]
    CiphertextTampered(ResultId),
    /// Encryption failed (cannot happen with valid keys; reported rather than panicking).
    #[error("encrypting result {0} failed")]
    Encrypt(ResultId),
    /// Export without a reason.
    #[error("export refused: the reason for attaching the result to case materials is empty")]
    ExportReasonMissing,
    /// Export destination exists already.
    #[error("export refused: {} already exists", .0.display())]
    ExportDestinationExists(PathBuf),
    /// The caller's signer failed.
    #[error("export of result {id}: signing failed: {message}")]
    ExportSign {
        /// The result.
        id: ResultId,
        /// The signer's message.
        message: String,
    },
}

sio_error::coded! {
    VaultError, default Helpdesk;
    Self::Io { .. } => "VAULT_IO" [Administrator],
    Self::Locked(_) => "VAULT_LOCKED" [RetryLater],
    Self::KeyStore(e) => e.code(),
    Self::Journal(e) => e.code(),
    Self::MetadataCorrupt { .. } => "VAULT_METADATA_CORRUPT" [Administrator],
    Self::NotFound(_) => "VAULT_RESULT_NOT_FOUND" [Nothing],
    Self::Expired(_) => "VAULT_RESULT_EXPIRED" [Nothing],
    Self::BadResultId(_) => "VAULT_RESULT_ID_INVALID",
    Self::SlotTampered(_) => "VAULT_SLOT_TAMPERED" [DoNotTrust],
    Self::CiphertextTampered(_) => "VAULT_CIPHERTEXT_TAMPERED" [DoNotTrust],
    Self::Encrypt(_) => "VAULT_ENCRYPT_FAILED",
    Self::ExportReasonMissing => "VAULT_EXPORT_REASON_REQUIRED" [FixInput],
    Self::ExportDestinationExists(_) => "VAULT_EXPORT_DESTINATION_EXISTS" [FixInput],
    Self::ExportSign { .. } => "VAULT_EXPORT_SIGN_FAILED" [CheckDevice],
}

// The journal's table: a failed verification is evidence of tampering (report an incident);
// anchoring and key problems go to the helpdesk (docs/failure-codes.md).
sio_error::coded! {
    JournalError, default DoNotTrust;
    Self::Io { .. } => "VAULT_JOURNAL_IO" [Administrator],
    Self::Malformed { .. } => "VAULT_JOURNAL_MALFORMED",
    Self::NotCanonical { .. } => "VAULT_JOURNAL_NOT_CANONICAL",
    Self::EntryAltered { .. } => "VAULT_JOURNAL_ENTRY_ALTERED",
    Self::ChainBroken { .. } => "VAULT_JOURNAL_CHAIN_BROKEN",
    Self::EntryMissing { .. } => "VAULT_JOURNAL_ENTRY_MISSING",
    Self::OutOfOrder { .. } => "VAULT_JOURNAL_OUT_OF_ORDER",
    Self::MacInvalid { .. } => "VAULT_JOURNAL_MAC_INVALID",
    Self::Truncated { .. } => "VAULT_JOURNAL_TRUNCATED",
    Self::HeadMismatch { .. } => "VAULT_JOURNAL_HEAD_MISMATCH",
    Self::HeadMissing { .. } => "VAULT_JOURNAL_HEAD_MISSING" [Helpdesk],
    Self::KeyMissing { .. } => "VAULT_JOURNAL_KEY_MISSING" [Helpdesk],
    Self::MacUnchecked { .. } => "VAULT_JOURNAL_MAC_UNCHECKED" [Helpdesk],
    Self::KeyPresent { .. } => "VAULT_JOURNAL_KEY_PRESENT" [Helpdesk],
    Self::KeyStore(e) => e.code(),
}

/// Every code sio-vault can return, one list per error enum (the failure-code catalogue check).
pub const CODES: &[&[&str]] = &[
    <KeyStoreError as sio_error::CodeList>::CODES,
    <VaultError as sio_error::CodeList>::CODES,
    <JournalError as sio_error::CodeList>::CODES,
];

impl VaultError {
    pub(crate) fn io(
        op: &'static str,
        path: &std::path::Path,
    ) -> impl FnOnce(std::io::Error) -> Self {
        let path = path.to_path_buf();
        move |source| Self::Io { op, path, source }
    }
}
