//! The virtual PIV card through OpenSC's PKCS#11 module and our PKCS#11 backend: token listing
//! (hardware carrier), certificates, login with tries shown by the token flags, signing with the
//! 9A key and with the 9C key (CKA_ALWAYS_AUTHENTICATE → context-specific login), verified by
//! openssl.
//!
//! Needs what `piv_card.rs` needs plus opensc-pkcs11; serialised on /tmp/sio-card.lock by the
//! `sio-virtual-card` fixture.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::openssl_verify;
use sio_sign::{Carrier, SignatureAlgorithm, Signer, SignerError};
use sio_token::pkcs11::OPENSC_MODULE;
use sio_token::{Pin, Pkcs11Module, Pkcs11PinStatus, Pkcs11Session, TokenError, admit_carrier};
use sio_virtual_card::fixture::{CardStack, StackOptions};

const PIN: &str = "123456";
const STATE: &str = "/tmp/sio-card-token-tests";

fn pin(s: &str) -> Pin {
    Pin::new(s.to_owned()).unwrap()
}

fn open(module: &Pkcs11Module) -> Pkcs11Session {
    let tokens = module.tokens().unwrap();
    let token = tokens
        .iter()
        .find(|t| t.slot_description.contains("Virtual PCD 00 00"))
        .unwrap_or_else(|| panic!("no token in the virtual reader: {tokens:?}"));
    module.open(token.slot_id).unwrap()
}

#[test]
fn virtual_card_through_opensc() {
    let _stack = CardStack::up(StackOptions::new(STATE).provision(true)).expect("card stack");
    let tmp = tempfile::tempdir().unwrap();
    let module = Pkcs11Module::load(OPENSC_MODULE).unwrap();
    let session = open(&module);
    let token = session.token().clone();
    eprintln!("token: {token:?}");
    assert_eq!(
        token.carrier,
        Carrier::Hardware,
        "OpenSC reader slots have CKF_HW_SLOT"
    );
    assert!(admit_carrier(token.carrier, &token.label).is_ok());

    let certs = session.certificates().unwrap();
    assert!(certs.len() >= 2, "9A and 9C certificates: {certs:?}");

    // Start from a full retry counter: a correct login, then a new session.
    drop(session.login(pin(PIN)).unwrap());
    let session = open(&module);

    // A wrong PIN. The token flags carry what is known of the tries left: OpenSC's PIV driver
    // raises CKF_USER_PIN_COUNT_LOW / FINAL_TRY from the card's counter when it reads it.
    let rejected = session.login(pin("999999")).unwrap_err();
    assert_eq!(rejected.error.code(), "TOKEN_WRONG_PIN");
    let session = rejected.into_session();
    let status = session.pin_status().unwrap();
    eprintln!(
        "PIN flags after one wrong PIN: {status:?} ({:?})",
        token.pin
    );
    assert_ne!(status, Pkcs11PinStatus::Locked);

    let mut session = session.login(pin(PIN)).unwrap();
    for c in &certs {
        let msg = format!("signed attributes for {}", c.label).into_bytes();
        let mut signer = match session.signer(&c.id) {
            Ok(s) => s,
            Err(TokenError::NotAuthenticated { .. }) => {
                session.signer_with_pin(&c.id, pin(PIN)).unwrap()
            }
            Err(TokenError::KeyNotFound { .. }) => continue,
            Err(e) => panic!("{}: {e:?}", c.label),
        };
        let md = match signer.algorithm() {
            SignatureAlgorithm::EcdsaP384Sha384 => "sha384",
            _ => "sha256",
        };
        let t = std::time::Instant::now();
        let sig = signer
            .sign(&msg)
            .unwrap_or_else(|e| panic!("{}: {e:?}", c.label));
        eprintln!(
            "{} ({:?}): one signature through OpenSC in {:?}",
            c.label,
            signer.algorithm(),
            t.elapsed()
        );
        assert_eq!(signer.carrier(), Carrier::Hardware);
        assert!(
            openssl_verify(tmp.path(), signer.certificate_der(), &msg, &sig, md, false),
            "{}",
            c.label
        );
        if c.label.contains("Signature") {
            // 9C: the PIN was for one signature.
            assert!(matches!(
                signer.sign(&msg),
                Err(SignerError::NotAuthenticated)
            ));
        }
    }
}
