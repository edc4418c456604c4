//! Attribute values a PKCS#11 token returns (outside input: the module and the token are the
//! vendor's): the certificate `CKA_VALUE`, `CKA_LABEL`, `CKA_KEY_TYPE` with the public key's
//! `CKA_GOSTR3410_PARAMS` (or the certificate's SPKI parameters), and the raw signature
//! `C_Sign` returns. Any bytes end in a `TOKEN_*` code or `None`, never a panic.
//!
//! Input: the first 8 bytes are the key type (big endian), the rest the value.
#![no_main]

#[path = "parts.rs"]
mod parts;

use libfuzzer_sys::fuzz_target;
use sio_sign::SignatureAlgorithm;
use sio_token::CertificateInfo;
use sio_token::pkcs11_gost::{
    CKK_GOSTR3410, CKK_GOSTR3410_512, gost_algorithm, signer_signature_to_token, split_s_r,
    token_signature_to_signer,
};

fuzz_target!(|data: &[u8]| {
    let (kt, value) = data.split_at(data.len().min(8));
    let mut k = [0u8; 8];
    k[..kt.len()].copy_from_slice(kt);
    let key_type = u64::from_be_bytes(k);
    // CKA_VALUE of a certificate object.
    match CertificateInfo::from_der(value) {
        Ok(info) => {
            let _ = info.validity_at(std::time::SystemTime::now());
        }
        Err(e) => parts::assert_code(e.code()),
    }
    // CKA_LABEL as the token gives it (not necessarily UTF-8).
    let _ = String::from_utf8_lossy(value);
    // The GOST parameters: from the SPKI of a certificate, or CKA_GOSTR3410_PARAMS directly.
    let params = sio_gost::param_set_der(value).unwrap_or_else(|| value.to_vec());
    for kt in [key_type, CKK_GOSTR3410, CKK_GOSTR3410_512] {
        if let Some(Err(e)) = gost_algorithm(kt, &params) {
            parts::assert_code(e.code());
        }
    }
    // The raw signature of C_Sign (s ‖ r for GOST), both ways.
    for alg in [
        SignatureAlgorithm::Gost2012_256,
        SignatureAlgorithm::Gost2012_512,
    ] {
        match token_signature_to_signer(alg, value) {
            Ok(sig) => {
                assert_eq!(sig.len(), value.len());
                let back = signer_signature_to_token(alg, &sig).expect("round trip");
                assert_eq!(back, value);
            }
            Err(e) => parts::assert_code(e.code()),
        }
        let _ = split_s_r(alg, value);
    }
});
