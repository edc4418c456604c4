//! Keys and AEAD: XChaCha20-Poly1305 with random 192-bit nonces, keys in zeroizing memory.

use chacha20poly1305::aead::{AeadInPlace, KeyInit};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use hmac::{Hmac, Mac};
use rand::RngCore;
use rand::rngs::OsRng;
use sha2::Sha256;
use zeroize::Zeroizing;

use crate::error::KeyStoreError;
use crate::keystore::KeyStore;

/// Length of every key here (256 bits).
pub(crate) const KEY_LEN: usize = 32;
/// Length of an XChaCha20-Poly1305 nonce.
pub(crate) const NONCE_LEN: usize = 24;
/// Length of a Poly1305 tag.
pub(crate) const TAG_LEN: usize = 16;

/// A 256-bit secret key in zeroizing memory. `Debug` prints `<redacted>`.
#[derive(Clone)]
pub(crate) struct SecretKey(Zeroizing<[u8; KEY_LEN]>);

impl std::fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretKey(<redacted>)")
    }
}

impl SecretKey {
    /// A fresh key from the OS random generator.
    pub(crate) fn random() -> Self {
        let mut k = Zeroizing::new([0u8; KEY_LEN]);
        OsRng.fill_bytes(&mut *k);
        Self(k)
    }

    /// A key from exactly 32 bytes.
    pub(crate) fn from_slice(bytes: &[u8]) -> Option<Self> {
        let arr: [u8; KEY_LEN] = bytes.try_into().ok()?;
        Some(Self(Zeroizing::new(arr)))
    }

    pub(crate) fn bytes(&self) -> &[u8; KEY_LEN] {
        &self.0
    }

    /// Load the key named `name` from the store, or create, store and return a fresh one.
    pub(crate) fn load_or_create(
        store: &dyn KeyStore,
        name: &str,
    ) -> Result<(Self, bool), KeyStoreError> {
        if let Some(k) = Self::load(store, name)? {
            return Ok((k, false));
        }
        let k = Self::random();
        store.store(name, k.bytes())?;
        Ok((k, true))
    }

    /// Load the key named `name`, if present.
    pub(crate) fn load(store: &dyn KeyStore, name: &str) -> Result<Option<Self>, KeyStoreError> {
        match store.load(name)? {
            None => Ok(None),
            Some(bytes) => {
                Self::from_slice(&bytes)
                    .map(Some)
                    .ok_or_else(|| KeyStoreError::BadKey {
                        name: name.to_owned(),
                    })
            }
        }
    }

    /// Encrypt `buf` in place and append the tag; returns the random nonce.
    pub(crate) fn seal(&self, aad: &[u8], buf: &mut Vec<u8>) -> Option<[u8; NONCE_LEN]> {
        let mut nonce = [0u8; NONCE_LEN];
        OsRng.fill_bytes(&mut nonce);
        let cipher = XChaCha20Poly1305::new(self.0.as_ref().into());
        cipher
            .encrypt_in_place(XNonce::from_slice(&nonce), aad, buf)
            .ok()?;
        Some(nonce)
    }

    /// Authenticate and decrypt `buf` (ciphertext ‖ tag) in place. The tag is checked before any
    /// plaintext is produced; on failure `buf` holds no plaintext.
    pub(crate) fn open(&self, nonce: &[u8; NONCE_LEN], aad: &[u8], buf: &mut Vec<u8>) -> bool {
        let cipher = XChaCha20Poly1305::new(self.0.as_ref().into());
        cipher
            .decrypt_in_place(XNonce::from_slice(nonce), aad, buf)
            .is_ok()
    }
}

/// The journal's MAC key (HMAC-SHA-256), held in the OS keyring beside the vault's KEK.
/// `Debug` prints `<redacted>`.
#[derive(Clone, Debug)]
pub struct MacKey(SecretKey);

impl MacKey {
    /// Load the MAC key named `name` from the key store, creating it on first use.
    pub fn load_or_create(store: &dyn KeyStore, name: &str) -> Result<Self, KeyStoreError> {
        SecretKey::load_or_create(store, name).map(|(k, _)| Self(k))
    }

    /// Load the MAC key named `name`; `None` when the store has no such entry.
    pub fn load(store: &dyn KeyStore, name: &str) -> Result<Option<Self>, KeyStoreError> {
        SecretKey::load(store, name).map(|k| k.map(Self))
    }

    /// HMAC-SHA-256 of `data`, lowercase hex.
    pub(crate) fn tag_hex(&self, data: &[u8]) -> String {
        hex::encode(self.mac(data).finalize().into_bytes())
    }

    /// Constant-time check of a hex tag.
    pub(crate) fn check_hex(&self, data: &[u8], tag_hex: &str) -> bool {
        match hex::decode(tag_hex) {
            Ok(tag) => self.mac(data).verify_slice(&tag).is_ok(),
            Err(_) => false,
        }
    }

    fn mac(&self, data: &[u8]) -> Hmac<Sha256> {
        let mut m = <Hmac<Sha256> as Mac>::new_from_slice(self.0.bytes())
            .unwrap_or_else(|_| unreachable!("HMAC accepts keys of any length"));
        m.update(data);
        m
    }
}
