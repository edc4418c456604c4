//! Virtual PIV smart card for tests.
//!
//! Runs the `piv-authenticator` PIV application on the trussed software platform (`virt`) with a
//! software RSA backend, and attaches it to vsmartcard's `vpcd` reader driver, so that pcscd shows
//! the card in the reader "Virtual PCD 00 00". The card's flash (keys, certificates, PIN and PUK
//! counters) can live in files, so the card keeps its contents across restarts.
//!
//! Defaults of a blank card: PIN `123456`, PUK `12345678`, management key (3DES)
//! `010203040506070801020304050607080102030405060708`.

pub mod card;
pub mod dispatch;
pub mod fixture;
pub mod vpcd;

use std::{
    fs, io,
    path::{Path, PathBuf},
};

use trussed::virt::{self, StorageConfig, StoreConfig};

pub use card::PivCard;
pub use vpcd::{Control, VpcdConfig};

/// Default PIV application PIN of a blank card.
pub const DEFAULT_PIN: &str = "123456";
/// Default PUK of a blank card.
pub const DEFAULT_PUK: &str = "12345678";
/// Default PIV card management key (3DES, slot 9B) of a blank card, hex.
pub const DEFAULT_MANAGEMENT_KEY: &str = "010203040506070801020304050607080102030405060708";
/// Reader name under which pcscd shows vpcd's first slot.
pub const READER_NAME: &str = "Virtual PCD 00 00";

/// Trussed client id of the PIV application.
const CLIENT_ID: &str = "piv";
/// File names of the persistent flash areas inside the state directory.
const INTERNAL_FILE: &str = "internal.littlefs";
const EXTERNAL_FILE: &str = "external.littlefs";

/// Errors of the virtual card's setup.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CardError {
    /// The state directory could not be prepared.
    #[error("preparing card state directory {path}: {source}")]
    State {
        /// The directory.
        path: PathBuf,
        /// Cause.
        source: io::Error,
    },
}

impl CardError {
    /// Stable machine code of the error.
    pub fn code(&self) -> &'static str {
        match self {
            Self::State { .. } => "VCARD_STATE",
        }
    }
}

/// Prepares a state directory: creates it, and with `reset` deletes the card's flash files so the
/// card starts blank.
pub fn prepare_state(dir: &Path, reset: bool) -> Result<(), CardError> {
    let err = |source| CardError::State {
        path: dir.to_path_buf(),
        source,
    };
    fs::create_dir_all(dir).map_err(err)?;
    if reset {
        for name in [INTERNAL_FILE, EXTERNAL_FILE] {
            match fs::remove_file(dir.join(name)) {
                Ok(()) => {}
                Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                Err(e) => return Err(err(e)),
            }
        }
    }
    Ok(())
}

fn store_config(state: Option<&Path>) -> StoreConfig<'static> {
    match state {
        Some(dir) => StoreConfig {
            internal: StorageConfig::filesystem(dir.join(INTERNAL_FILE)),
            external: StorageConfig::filesystem(dir.join(EXTERNAL_FILE)),
            volatile: StorageConfig::ram(),
        },
        None => StoreConfig::ram(),
    }
}

/// Runs `f` with a PIV card whose flash lives in `state` (RAM when `None`).
///
/// Call [`prepare_state`] first. The card's random generator is the trussed `virt` one: seeded
/// with a constant, so a blank card generates the same keys every time (fine for tests, useless
/// for anything else).
pub fn with_card<R>(
    state: Option<&Path>,
    f: impl FnOnce(&mut PivCard<virt::Client<'_, dispatch::Dispatch>>) -> R,
) -> R {
    virt::with_platform(store_config(state), |platform| {
        platform.run_client_with_backends(
            CLIENT_ID,
            dispatch::Dispatch::new(),
            dispatch::BACKENDS,
            |client| {
                let app = piv_authenticator::Authenticator::new(
                    client,
                    piv_authenticator::Options::default(),
                );
                let mut card = PivCard::new(app);
                f(&mut card)
            },
        )
    })
}
