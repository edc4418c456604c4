//! Any bytes as a GOST SubjectPublicKeyInfo, a raw public key, key parameters and a signature,
//! verified against a message: never panics (sio-gost).
#![no_main]

use libfuzzer_sys::fuzz_target;
use sio_gost::{GostCurve, PublicKey};

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let curve = GostCurve::ALL[usize::from(selector) % GostCurve::ALL.len()];
    let n = curve.size();
    match selector % 3 {
        // [2-byte length][SPKI DER][signature of 2n bytes][message]
        0 => {
            let Some((len, rest)) = rest.split_at_checked(2) else {
                return;
            };
            let len = usize::from(u16::from_be_bytes([len[0], len[1]]));
            let Some((spki, rest)) = rest.split_at_checked(len.min(rest.len())) else {
                return;
            };
            let _ = sio_gost::param_set_der(spki);
            if let Ok(Some(key)) = PublicKey::from_spki_der(spki) {
                let (sig, message) = rest.split_at(rest.len().min(2 * key.curve().size()));
                let _ = key.verify(message, sig);
            }
        }
        // [X‖Y of 2n bytes][signature of 2n bytes][message] on the selected curve
        1 => {
            let (xy, rest) = rest.split_at(rest.len().min(2 * n));
            let (sig, message) = rest.split_at(rest.len().min(2 * n));
            let _ = sio_gost::verify(curve, xy, message, sig);
        }
        // A valid key (the generator, d = 1) and an arbitrary signature over a fixed message:
        // the verifier's arithmetic on every r, s.
        _ => {
            if let Ok(xy) = sio_gost::public_key(curve, &[1]) {
                let _ = sio_gost::verify(curve, &xy, b"message", rest);
            }
        }
    }
});
