//! CMS/CAdES SignedData build and verify for АРМ СИО ПСО.
//!
//! The private key never lives here: a [`Signer`] (a hardware token through PC/SC+PIV or PKCS#11,
//! or a software key in tests) computes the signature over the DER of the signed attributes.

mod signer;

pub use signer::{Carrier, SignatureAlgorithm, Signer, SignerError};
