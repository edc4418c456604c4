//! Request bodies the gateway accepts: each signed document type through the steps its handler
//! takes (`ReceivedSigned::from_body`, CMS verification of the detached signature over the
//! canonical bytes, then the typed document and its rule checks), and the unsigned JSON bodies
//! (OTP check, biometric sample, fingerprint enrolment by the helpdesk). Any bytes end in a
//! `PROTO_*`/`SIGN_*`/`CORE_*` code, never a panic.
#![no_main]

#[path = "parts.rs"]
mod parts;

use libfuzzer_sys::fuzz_target;
use sio_protocol::{
    ApplicationDocument, ConsentDocument, ExportDocument, FaceProof, FingerprintEnrolmentDocument,
    FingerprintVerdictDocument, LoginDocument, ProtocolError, ReceivedSigned, RequestDocument,
};
use sio_sign::Verifier;

const CA: &[u8] = include_bytes!("../ca.der");

fn typed<T: sio_protocol::Document>(r: &ReceivedSigned) -> Option<T> {
    match r.parse::<T>() {
        Ok(d) => Some(d),
        Err(e) => {
            parts::assert_code(e.code());
            assert!(e.code().starts_with("PROTO_"), "{}", e.code());
            None
        }
    }
}

fuzz_target!(|data: &[u8]| {
    // Unsigned bodies: decoded, or refused as malformed JSON.
    let _ = serde_json::from_slice::<sio_protocol::OtpCheck>(data);
    let _ = serde_json::from_slice::<sio_protocol::BiometricSample>(data);
    let r = match ReceivedSigned::from_body(data) {
        Ok(r) => r,
        Err(e) => {
            let e: ProtocolError = e;
            return parts::assert_code(e.code());
        }
    };
    let _ = r.doc_type();
    if let Ok(v) = Verifier::new(&[CA]) {
        if let Err(e) = v.verify(&r.cms_der, Some(&r.canonical)) {
            parts::assert_code(e.code());
        }
    }
    let _ = sio_sign::signers_of(&r.cms_der);
    if let Some(doc) = typed::<RequestDocument>(&r) {
        if let Ok(spec) = doc.to_spec() {
            let _ = spec.check();
        }
    }
    let _ = typed::<LoginDocument>(&r);
    let _ = typed::<ConsentDocument>(&r);
    let _ = typed::<ExportDocument>(&r);
    if let Some(app) = typed::<ApplicationDocument>(&r) {
        let _ = serde_json::to_vec(&app);
    }
    let _ = typed::<FaceProof>(&r);
    let _ = typed::<FingerprintVerdictDocument>(&r);
    let _ = typed::<FingerprintEnrolmentDocument>(&r);
});
