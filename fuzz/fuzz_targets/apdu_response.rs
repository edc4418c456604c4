//! Fuzz the parsers of bytes that come from a card: response APDUs and status words, BER-TLV,
//! the PIV certificate container and the GENERAL AUTHENTICATE answer.
//! Run: `cargo +nightly fuzz run apdu_response` (cargo-fuzz) from this directory.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sio_token::apdu::{Response, StatusWord};

fuzz_target!(|data: &[u8]| {
    if let Ok(r) = Response::try_from(data) {
        // Round trip: the status word survives encoding.
        let sw = u16::from(r.status());
        assert_eq!(StatusWord::from(sw), r.status());
        assert_eq!(r.data().len() + 2, data.len());
    }
    let _ = StatusWord::try_from(data);
    let _ = sio_token::tlv::parse_all(data);
    let _ = sio_token::piv::parse_certificate_object(data);
    let _ = sio_token::piv::parse_signature_response(data);
});
