//! Biometric second factor (Rules of 2024, rule 18; Appendix 4: a biometric reader or a webcam on
//! every workstation).
//!
//! - [`face`]: frames from a camera or, in tests, from still images and recorded sequences;
//!   face detection, quality gates and the liveness challenge; embeddings on the gateway
//!   (feature `embed`). Matching happens on the gateway.
//! - [`fingerprint`]: the OS biometric stack — fprintd over D-Bus on Linux (the Windows
//!   Biometric Framework is the Windows path).

pub mod face;
pub mod fingerprint;
