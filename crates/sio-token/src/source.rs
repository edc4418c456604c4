//! Where a login key comes from, and the rule that only a hardware token is admitted.

use std::io::Read;
use std::path::{Path, PathBuf};

use sio_sign::Carrier;

use crate::TokenError;

/// A key file format that is refused for login.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum KeyFileKind {
    /// PKCS#12 (.p12, .pfx).
    Pkcs12,
    /// PEM (a private key or a bundle).
    Pem,
    /// Raw DER key or Java keystore and other key containers.
    Other,
}

impl KeyFileKind {
    fn name(self) -> &'static str {
        match self {
            Self::Pkcs12 => "PKCS#12",
            Self::Pem => "PEM",
            Self::Other => "key file",
        }
    }
}

/// Where a login key is offered from.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum KeySource {
    /// A card in a PC/SC reader, used through PIV.
    PcscReader(String),
    /// A token behind a PKCS#11 module.
    Pkcs11 {
        /// Module path.
        module: PathBuf,
        /// Slot id.
        slot_id: u64,
    },
    /// A file holding a key.
    File {
        /// The path.
        path: PathBuf,
        /// What it looks like.
        kind: KeyFileKind,
    },
}

/// Classify a file offered as a key by name and first bytes. Anything that is a file is a file key;
/// the kind only makes the message precise.
pub fn classify_file(path: &Path) -> KeySource {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    let mut head = [0u8; 16];
    let n = std::fs::File::open(path)
        .and_then(|mut f| f.read(&mut head))
        .unwrap_or(0);
    let head = &head[..n];
    let kind = if head.starts_with(b"-----BEGIN") {
        KeyFileKind::Pem
    } else {
        match ext.as_deref() {
            Some("p12" | "pfx") => KeyFileKind::Pkcs12,
            Some("pem" | "key" | "crt") => KeyFileKind::Pem,
            _ if head.first() == Some(&0x30) => KeyFileKind::Pkcs12,
            _ => KeyFileKind::Other,
        }
    };
    KeySource::File {
        path: path.to_path_buf(),
        kind,
    }
}

/// Admit a key source for login: files are refused with `TOKEN_FILE_KEY_REFUSED`.
pub fn admit_source(source: &KeySource) -> Result<(), TokenError> {
    match source {
        KeySource::File { kind, .. } => Err(TokenError::FileKeyRefused { kind: kind.name() }),
        KeySource::PcscReader(_) | KeySource::Pkcs11 { .. } => Ok(()),
    }
}

/// Admit a signer's carrier for login: software keys (SoftHSM2) are refused with
/// `TOKEN_SOFTWARE_KEY_REFUSED`.
pub fn admit_carrier(carrier: Carrier, holder: &str) -> Result<(), TokenError> {
    match carrier {
        Carrier::Hardware => Ok(()),
        _ => Err(TokenError::SoftwareKeyRefused {
            module: holder.to_owned(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_are_refused() {
        let dir = tempfile::tempdir().expect("tempdir");
        let p12 = dir.path().join("user.p12");
        std::fs::write(&p12, [0x30, 0x82, 0x0A, 0x00]).expect("write");
        let pem = dir.path().join("key.txt");
        std::fs::write(&pem, b"-----BEGIN PRIVATE KEY-----\n").expect("write");
        for (path, kind) in [(p12, KeyFileKind::Pkcs12), (pem, KeyFileKind::Pem)] {
            let src = classify_file(&path);
            assert_eq!(src, KeySource::File { path, kind });
            assert_eq!(
                admit_source(&src).expect_err("refused").code(),
                "TOKEN_FILE_KEY_REFUSED"
            );
        }
        assert!(admit_source(&KeySource::PcscReader("Virtual PCD 00 00".into())).is_ok());
        assert_eq!(
            admit_carrier(Carrier::Software, "SoftHSM")
                .expect_err("refused")
                .code(),
            "TOKEN_SOFTWARE_KEY_REFUSED"
        );
    }
}
