//! Where the vault's key-encryption key and the journal's MAC key live.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use zeroize::Zeroizing;

use crate::error::KeyStoreError;

/// A store of named 256-bit secrets. Production: [`OsKeyring`]. The vault keeps only its KEK and
/// the journal's MAC key here — never per-result keys, never result contents.
pub trait KeyStore: Send + Sync {
    /// The secret named `name`, or `None` if the store has no such entry.
    fn load(&self, name: &str) -> Result<Option<Zeroizing<Vec<u8>>>, KeyStoreError>;
    /// Create or replace the secret named `name`.
    fn store(&self, name: &str, secret: &[u8]) -> Result<(), KeyStoreError>;
    /// Delete the secret named `name` (no error if absent).
    fn delete(&self, name: &str) -> Result<(), KeyStoreError>;
    /// A short description of the store for reports (e.g. `Linux keyutils`).
    fn describe(&self) -> String;
    /// Whether the store's entries die with the process by design ([`MemoryKeyStore`]): data
    /// keyed by them is not expected to be readable by a later process.
    fn is_ephemeral(&self) -> bool {
        false
    }
}

/// The operating system's credential store, through the `keyring` crate (v3):
///
/// - Linux: the kernel **keyutils** store (session keyring, linked to the user's persistent
///   keyring, which outlives a logout until it expires — 3 days by default — and not a
///   reboot); with the `secret-service` feature, the **Secret Service** (GNOME Keyring,
///   KWallet), which persists across reboots (keyring 3.6's "persistent" store builds Secret
///   Service entries only);
/// - Windows: **Credential Manager** (generic credentials);
/// - macOS: the login Keychain.
///
/// Entries are named `<service>` / `<name>`; on keyutils the key description is
/// `keyring-rs:<name>@<service>`.
#[derive(Debug, Clone)]
pub struct OsKeyring {
    service: String,
}

impl OsKeyring {
    /// The store for the given service name (the product uses `sio-vault`).
    pub fn new(service: impl Into<String>) -> Self {
        Self {
            service: service.into(),
        }
    }

    fn entry(&self, op: &'static str, name: &str) -> Result<keyring::Entry, KeyStoreError> {
        keyring::Entry::new(&self.service, name).map_err(|e| self.fail(op, name, &e))
    }

    fn fail(&self, op: &'static str, name: &str, e: &keyring::Error) -> KeyStoreError {
        KeyStoreError::Unavailable {
            op,
            name: name.to_owned(),
            store: self.describe(),
            message: e.to_string(),
        }
    }
}

impl KeyStore for OsKeyring {
    fn load(&self, name: &str) -> Result<Option<Zeroizing<Vec<u8>>>, KeyStoreError> {
        match self.entry("load", name)?.get_secret() {
            Ok(secret) => Ok(Some(Zeroizing::new(secret))),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(self.fail("load", name, &e)),
        }
    }

    fn store(&self, name: &str, secret: &[u8]) -> Result<(), KeyStoreError> {
        self.entry("store", name)?
            .set_secret(secret)
            .map_err(|e| self.fail("store", name, &e))
    }

    fn delete(&self, name: &str) -> Result<(), KeyStoreError> {
        match self.entry("delete", name)?.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(e) => Err(self.fail("delete", name, &e)),
        }
    }

    fn describe(&self) -> String {
        let store = if cfg!(all(target_os = "linux", feature = "secret-service")) {
            "Secret Service"
        } else if cfg!(target_os = "linux") {
            "Linux keyutils"
        } else if cfg!(windows) {
            "Windows Credential Manager"
        } else if cfg!(target_os = "macos") {
            "macOS Keychain"
        } else {
            "OS keyring"
        };
        format!("{store} (service `{}`)", self.service)
    }
}

/// A key store in process memory, zeroized on drop: for a vault that must not outlive the
/// process (a kiosk session, a demonstration), where losing every stored result at exit is the
/// intended behaviour. Production workstations use [`OsKeyring`].
#[derive(Default)]
pub struct MemoryKeyStore {
    entries: Mutex<HashMap<String, Zeroizing<Vec<u8>>>>,
}

impl std::fmt::Debug for MemoryKeyStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MemoryKeyStore(<redacted>)")
    }
}

impl MemoryKeyStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    fn map(&self) -> std::sync::MutexGuard<'_, HashMap<String, Zeroizing<Vec<u8>>>> {
        self.entries
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl KeyStore for MemoryKeyStore {
    fn load(&self, name: &str) -> Result<Option<Zeroizing<Vec<u8>>>, KeyStoreError> {
        Ok(self.map().get(name).cloned())
    }

    fn store(&self, name: &str, secret: &[u8]) -> Result<(), KeyStoreError> {
        self.map()
            .insert(name.to_owned(), Zeroizing::new(secret.to_vec()));
        Ok(())
    }

    fn delete(&self, name: &str) -> Result<(), KeyStoreError> {
        self.map().remove(name);
        Ok(())
    }

    fn describe(&self) -> String {
        "process memory".to_owned()
    }

    fn is_ephemeral(&self) -> bool {
        true
    }
}

/// The environment variable that selects the key store, as the desktop app reads it: `memory`
/// keeps keys in process memory (a demonstration; they die with the process), anything else the
/// OS keyring.
pub const ENV_KEYSTORE: &str = "SIO_KEYSTORE";

/// The key store selected by [`ENV_KEYSTORE`]: [`MemoryKeyStore`] for `memory`, else the
/// [`OsKeyring`] under `service` (the product uses `sio-vault`).
pub fn keystore_from_env(service: &str) -> Arc<dyn KeyStore> {
    match std::env::var(ENV_KEYSTORE).as_deref() {
        Ok("memory") => Arc::new(MemoryKeyStore::new()),
        _ => Arc::new(OsKeyring::new(service)),
    }
}
