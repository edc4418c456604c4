//! The second-factor evidence that reaches the gateway: the Face ID proof (its key frames are
//! JPEG/PNG, base64, decoded with size limits before any detector runs) and the fingerprint
//! verdict signed by the workstation's agent. Any bytes end in a code, never a panic or an
//! allocation beyond the decoder's limits (libFuzzer's `-rss_limit_mb` guards that).
//!
//! Input: the first byte chooses: the bytes as one key frame, or as a `Signed<FaceProof>` /
//! `Signed<FingerprintVerdictDocument>` body whose frames are then decoded one by one.
#![no_main]

#[path = "parts.rs"]
mod parts;

use base64::Engine as _;
use libfuzzer_sys::fuzz_target;
use sio_biometrics::face::decode_key_frame;
use sio_protocol::{FaceProof, FingerprintVerdictDocument, ReceivedSigned};

fn frame(bytes: &[u8]) {
    match decode_key_frame(bytes) {
        Ok(f) => {
            // The gateway refuses larger frames before detection; decoding never exceeds the cap.
            assert!(f.width() <= 1024 && f.height() <= 1024);
        }
        Err(e) => parts::assert_code(e.code()),
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    if mode & 1 == 0 {
        return frame(rest);
    }
    let Ok(r) = ReceivedSigned::from_body(rest) else {
        return;
    };
    if let Ok(proof) = r.parse::<FaceProof>() {
        for f in proof.frames.iter().take(8) {
            if let Ok(bytes) = base64::engine::general_purpose::STANDARD.decode(f.expose().trim()) {
                frame(&bytes);
            }
        }
    }
    if let Ok(v) = r.parse::<FingerprintVerdictDocument>() {
        let _ = sio_protocol::Finger::from_name(v.finger.map(|f| f.name()).unwrap_or(""));
        let _ = v.device.chars().any(char::is_control);
    }
});
