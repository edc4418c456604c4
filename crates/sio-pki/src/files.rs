//! Files of the PKI directory: keys with mode 0600, the state file.

use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::{PkiError, paths};

/// Write a private key: mode 0600 from the first byte on.
pub(crate) fn write_key(path: &Path, pem: &str) -> Result<(), PkiError> {
    let io = |e| PkiError::Io {
        path: path.to_path_buf(),
        source: e,
    };
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)
        .map_err(io)?;
    // An existing file keeps its old mode under `mode()`: force it.
    f.set_permissions(std::fs::Permissions::from_mode(0o600))
        .map_err(io)?;
    f.write_all(pem.as_bytes()).map_err(io)
}

/// Write a certificate or CRL.
pub(crate) fn write_public(path: &Path, pem: &str) -> Result<(), PkiError> {
    std::fs::write(path, pem).map_err(|e| PkiError::Io {
        path: path.to_path_buf(),
        source: e,
    })
}

pub(crate) fn read_text(path: &Path) -> Result<String, PkiError> {
    std::fs::read_to_string(path).map_err(|e| PkiError::Io {
        path: path.to_path_buf(),
        source: e,
    })
}

pub(crate) fn hex_upper(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02X}")).collect()
}

#[derive(Debug, Default, Serialize, Deserialize)]
pub(crate) struct State {
    pub(crate) crl_number: u64,
    pub(crate) issued: Vec<IssuedEntry>,
    pub(crate) revoked: Vec<RevokedEntry>,
}

#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct IssuedEntry {
    pub(crate) serial: String,
    pub(crate) name: String,
}

#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct RevokedEntry {
    pub(crate) serial: String,
    /// Unix seconds.
    pub(crate) time: i64,
}

impl State {
    pub(crate) fn load(dir: &Path) -> Result<Self, PkiError> {
        let text = read_text(&dir.join(paths::STATE))?;
        serde_json::from_str(&text).map_err(|e| PkiError::State(e.to_string()))
    }

    pub(crate) fn save(&self, dir: &Path) -> Result<(), PkiError> {
        let text =
            serde_json::to_string_pretty(self).map_err(|e| PkiError::State(e.to_string()))?;
        write_public(&dir.join(paths::STATE), &text)
    }

    /// Remember an issued certificate by its serial.
    pub(crate) fn record(&mut self, serial_hex: &str, name: &str) {
        self.issued.push(IssuedEntry {
            serial: serial_hex.to_owned(),
            name: name.to_owned(),
        });
    }

    pub(crate) fn revoke(&mut self, serial_hex: &str, time: i64) {
        if !self.revoked.iter().any(|r| r.serial == serial_hex) {
            self.revoked.push(RevokedEntry {
                serial: serial_hex.to_owned(),
                time,
            });
        }
    }
}
