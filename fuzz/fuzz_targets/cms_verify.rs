//! Any bytes as a CMS signature (and as detached content): verification returns, never panics.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sio_sign::Verifier;

/// A self-signed P-256 CA, so that parsing goes all the way to chain building.
const CA: &[u8] = include_bytes!("../ca.der");

fuzz_target!(|data: &[u8]| {
    let Ok(verifier) = Verifier::new(&[CA]) else {
        return;
    };
    let _ = verifier.verify(data, None);
    let _ = verifier.verify(data, Some(b"content"));
    let _ = sio_sign::signers_of(data);
});
