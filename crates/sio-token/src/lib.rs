//! Card stack: APDU backend trait, PC/SC backend, PIV application, PKCS#11 backend.
//!
//! ```text
//!   sio_sign::Signer  ◄── PivSigner (PivSession<Verified>)      Pkcs11Signer (Pkcs11Session<Verified>)
//!                              │ piv: SELECT, GET DATA, VERIFY,       │ cryptoki: C_Login, C_Sign
//!                              │      GENERAL AUTHENTICATE            │
//!                         CardBackend / CardTransaction           Pkcs11Module (OpenSC, SoftHSM2, vendor)
//!                              │ apdu: Command, Response, StatusWord
//!                         PcscCard ◄── PcscContext (readers, events, pcscd restarts, PIN pads)
//! ```
//!
//! A session gains `signer()` only after its PIN check (`Unverified` → `Verified`); the PIN is a
//! [`Pin`] that is zeroized and dropped after the one operation it is given to. Key files are
//! refused for login ([`admit_source`]), software tokens too ([`admit_carrier`]).

pub mod apdu;
pub mod atr;
pub mod backend;
pub mod cert;
mod encoding;
mod error;
mod pin;
pub mod piv;
pub mod pkcs11;
pub mod pkcs11_gost;
pub mod reader;
mod source;
pub mod tlv;

pub use backend::{CardBackend, CardTransaction};
pub use cert::{
    Bin, CertificateInfo, Iin, KeyKind, Purposes, UsableAt, UsableCertificate, Validity,
};
pub use error::{CODES, TokenError};
pub use pin::Pin;
pub use piv::{PinStatus, PivSession, PivSigner, PivSlot, Rejected, Unverified, Verified};
pub use pkcs11::{Pkcs11Module, Pkcs11PinStatus, Pkcs11Session, Pkcs11Signer, Pkcs11Token};
pub use reader::{PcscCard, PcscContext, ReaderEvent, ReaderStatus, ReaderWatch};
pub use source::{KeyFileKind, KeySource, admit_carrier, admit_source, classify_file};

/// Encodings exposed for tests and for other signers (DigestInfo, PSS, raw ECDSA → DER).
pub mod encodings {
    pub use crate::encoding::{
        digest, ecdsa_raw_to_der, pkcs1v15_sha256, pss_sha256, sha256_digest_info,
    };
}
