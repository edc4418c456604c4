//! GOST R 34.10-2012 signing on a real GOST token (no GOST-capable PKCS#11 module exists on
//! the CI machine: SoftHSM2 has no GOST), so the test is ignored. Run it with a token inserted:
//!
//! ```text
//! SIO_GOST_PKCS11_MODULE=/usr/lib/librtpkcs11ecp.so SIO_GOST_PIN=12345678 SIO_GOST_KEY_ID=<hex CKA_ID> \
//!   cargo test -p sio-token --test gost_token -- --ignored --nocapture
//! ```
//!
//! It signs a CMS with the token key through `sio_sign::sign`, which checks the token's signature
//! against the certificate (`SignOptions::check_token_signature`), so a wrong byte order or a
//! wrong digest fails here.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use sio_sign::{SignOptions, SignatureAlgorithm, Signer};
use sio_token::{Pin, Pkcs11Module};

#[test]
#[ignore = "needs a GOST token and its vendor PKCS#11 module (see the file header)"]
fn gost_token_signs_cms() {
    let module = std::env::var("SIO_GOST_PKCS11_MODULE").expect("SIO_GOST_PKCS11_MODULE");
    let pin = std::env::var("SIO_GOST_PIN").expect("SIO_GOST_PIN");
    let id = hex::decode(std::env::var("SIO_GOST_KEY_ID").expect("SIO_GOST_KEY_ID")).unwrap();
    let module = Pkcs11Module::load(module).unwrap();
    let token = module
        .tokens()
        .unwrap()
        .into_iter()
        .next()
        .expect("a token");
    let session = module.open(token.slot_id).unwrap();
    let mut session = session
        .login(Pin::new(pin).unwrap())
        .map_err(|r| r.error)
        .unwrap();
    let mut signer = session.signer(&id).unwrap();
    let alg = signer.algorithm();
    assert!(
        matches!(
            alg,
            SignatureAlgorithm::Gost2012_256 | SignatureAlgorithm::Gost2012_512
        ),
        "not a GOST key: {alg}"
    );
    let cms = sio_sign::sign(
        b"SIO PSO GOST token test",
        &mut [&mut signer as &mut dyn Signer],
        &SignOptions::default(),
    )
    .unwrap();
    eprintln!("{alg}: CMS of {} bytes", cms.len());
}
