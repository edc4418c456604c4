//! Any bytes as a certificate, a CA bundle or a CRL: never panics.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sio_sign::{CertSummary, Verifier};

const CA: &[u8] = include_bytes!("../ca.der");

fuzz_target!(|data: &[u8]| {
    let _ = CertSummary::from_der(data);
    let _ = Verifier::new(&[data]);
    let _ = Verifier::from_pem(data);
    if let Ok(v) = Verifier::new(&[CA]) {
        let _ = v.with_crl(data);
    }
});
