//! CMS/CAdES SignedData build and verify for АРМ СИО ПСО.
//!
//! The private key never lives here: a [`Signer`] (a hardware token through PC/SC+PIV or PKCS#11,
//! or a software key in tests) computes the signature over the DER of the signed attributes.
//!
//! ```text
//!  document ──► sign(content, [&mut dyn Signer], options) ──► DER ContentInfo (SignedData, CAdES-BES)
//!                  │ signed attrs: contentType, messageDigest, signingTime, signing-certificate-v2
//!                  └─► Signer::sign(DER of signed attrs)   (card / PKCS#11 / soft::SoftwareSigner)
//!  co-sign:  add_signer(cms, content, &mut dyn Signer, options) ──► same SignedData + 1 SignerInfo
//!  verify:   Verifier::from_pem(CA).with_crl(CRL).require_purpose(..).verify(cms, content)
//!                ──► Vec<VerifiedSignature>  or  SignError (code() = SIGN_*)
//! ```

mod algs;
mod build;
mod cert;
mod error;
mod ess;
mod signer;
pub mod soft;
mod soft_gost;
mod summary;
mod tlv;
mod verify;

pub use build::{SignOptions, add_signer, sign};
pub use cert::{KeyPurpose, check_purpose, pem_or_der_blocks};
pub use error::{CODES, SignError};
pub use signer::{Carrier, SignatureAlgorithm, Signer, SignerError};
/// GOST R 34.10-2012 lives in sio-gost; its curve and arc names are re-exported for callers of
/// [`soft::GostKey`].
pub use sio_gost::{GostArc, GostCurve};
pub use summary::{CertSummary, KeyKind, Purposes, Validity};
pub use verify::{
    DEFAULT_MAX_SIGNERS, VerifiedSignature, Verifier, certificates_of, check_signing_time,
    signers_of,
};
