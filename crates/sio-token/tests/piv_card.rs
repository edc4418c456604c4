//! The PC/SC backend and the PIV application against the virtual PIV card behind a real pcscd:
//! readers, events, ATR, certificates, PIN tries, signing with 9A and 9C (verified by openssl),
//! card removal in the middle of a signature, a pcscd restart, a blocked PIN.
//!
//! Needs: pcscd, vsmartcard-vpcd, opensc, yubico-piv-tool, openssl (scripts/apt-packages.txt).
//! The fixture of `sio-virtual-card` starts what is missing (`scripts/card-up.sh`) and serialises
//! every user of the one virtual slot with an flock on /tmp/sio-card.lock.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use common::{openssl_verify, run};
use sio_sign::{Carrier, SignatureAlgorithm, Signer, SignerError};
use sio_token::apdu::{Command as Apdu, Ins};
use sio_token::atr::{self, TokenPath};
use sio_token::{
    CardBackend, PcscCard, PcscContext, Pin, PinStatus, PivSession, PivSlot, ReaderEvent,
    ReaderWatch, TokenError, Unverified,
};
use sio_virtual_card::fixture::{CardStack, StackOptions};

const READER: &str = "Virtual PCD 00 00";
const PIN: &str = "123456";
const STATE: &str = "/tmp/sio-card-token-tests";

fn stack() -> CardStack {
    CardStack::up(StackOptions::new(STATE).provision(true))
        .expect("card stack (scripts/card-up.sh)")
}

fn pin(s: &str) -> Pin {
    Pin::new(s.to_owned()).unwrap()
}

fn cert_der(pki: &Path, name: &str) -> Vec<u8> {
    let out = pki.join(format!("{name}.der"));
    run(Command::new("openssl")
        .args(["x509", "-outform", "DER", "-in"])
        .arg(pki.join(format!("{name}.pem")))
        .arg("-out")
        .arg(&out));
    std::fs::read(out).unwrap()
}

/// A PIV session on the virtual card. The fixture may have just re-inserted the card (another test
/// binary left it removed), so a card that leaves during the first exchange is retried a few times.
fn session() -> PivSession<PcscCard, Unverified> {
    let mut ctx = PcscContext::establish().unwrap();
    for _ in 0..10 {
        match ctx.connect(READER).and_then(PivSession::open) {
            Ok(s) => return s,
            Err(TokenError::CardRemoved { .. } | TokenError::NoCard { .. }) => {
                std::thread::sleep(Duration::from_millis(300));
            }
            Err(e) => panic!("open a PIV session: {e:?}"),
        }
    }
    panic!("the virtual card did not settle in its reader")
}

/// RESET RETRY COUNTER with the default PUK (SP 800-73-4 §3.2.3): unblocks the PIN and sets it to
/// [`PIN`]. Test-only: the client never unblocks PINs (that is the issuing office's job).
fn unblock_with_puk() {
    let mut ctx = PcscContext::establish().unwrap();
    let mut card = ctx.connect(READER).unwrap();
    let mut tx = card.transaction().unwrap();
    let select = Apdu::new(Ins::Select, 0x04, 0x00)
        .data(sio_token::piv::PIV_AID.to_vec())
        .ne(256);
    tx.exchange(&select, "select")
        .unwrap()
        .success("select")
        .unwrap();
    let mut data = b"12345678".to_vec();
    data.extend_from_slice(b"123456\xFF\xFF");
    let reset = Apdu::new(Ins::ResetRetryCounter, 0x00, 0x80).data(data);
    tx.exchange(&reset, "reset retry counter")
        .unwrap()
        .success("reset retry counter")
        .unwrap();
}

/// Put the PIN retry counter back to full with a correct VERIFY (unblocking first if an earlier
/// run left the PIN blocked).
fn reset_tries() {
    match session().verify_pin(pin(PIN)) {
        Ok(_) => {}
        Err(r) if matches!(r.error, TokenError::PinBlocked) => {
            unblock_with_puk();
            let _ = session()
                .verify_pin(pin(PIN))
                .expect("the right PIN after unblocking");
        }
        Err(r) => panic!("the right PIN: {:?}", r.error),
    }
}

#[test]
fn readers_atr_and_catalogue() {
    let _stack = stack();
    let mut ctx = PcscContext::establish().unwrap();
    let readers = ctx.readers().unwrap();
    let vr = readers
        .iter()
        .find(|r| r.name == READER)
        .expect("virtual reader listed");
    let atr = vr.atr.clone().expect("card present");
    let entry = atr::identify(&atr).expect("the virtual card is in the ATR catalogue");
    assert_eq!(entry.path, TokenPath::Piv);
    let card = ctx.connect(READER).unwrap();
    assert_eq!(card.atr(), atr.as_slice());
    assert!(!card.has_pin_pad(), "vpcd has no PIN pad");
}

#[test]
fn certificates_of_9a_and_9c() {
    let stack = stack();
    let pki = stack.pki_dir();
    let mut s = session();
    let auth = s.certificate(PivSlot::Authentication).unwrap();
    assert_eq!(auth.der(), cert_der(&pki, "9a"));
    let sig = s.certificate(PivSlot::Signature).unwrap();
    assert_eq!(sig.der(), cert_der(&pki, "9c"));
    // provision.sh writes the NCA RK subject form (SERIALNUMBER=IIN + 12 digits).
    assert!(auth.iin.is_some(), "{auth:?}");
    assert!(auth.common_name.is_some());
}

#[test]
fn pin_tries_are_shown_and_decrement() {
    let _stack = stack();
    reset_tries();
    let mut s = session();
    let PinStatus::TriesLeft(full) = s.pin_status().unwrap() else {
        panic!("fresh card session: not verified")
    };
    assert!(full >= 2, "retry counter {full}");
    let rejected = s.verify_pin(pin("999999")).unwrap_err();
    match rejected.error {
        TokenError::WrongPin { tries_left } => assert_eq!(tries_left, Some(full - 1)),
        ref other => panic!("expected a wrong PIN, got {other:?}"),
    }
    let mut s = rejected.into_session();
    assert_eq!(s.pin_status().unwrap(), PinStatus::TriesLeft(full - 1));
    let mut verified = s.verify_pin(pin(PIN)).unwrap();
    assert_eq!(verified.pin_status().unwrap(), PinStatus::Verified);
    drop(verified);
    // The connection that verified the PIN cleared the card's security state when it closed; the
    // counter is full again.
    assert_eq!(session().pin_status().unwrap(), PinStatus::TriesLeft(full));
}

#[test]
fn connections_share_the_card_without_resetting_it() {
    let _stack = stack();
    reset_tries();
    let mut a = session().verify_pin(pin(PIN)).unwrap();
    // A second connection (listing certificates, reading the PIN counter: what the reader list
    // and the diagnosis do) sees the verified state and leaves it alone when it closes.
    let mut b = session();
    assert!(b.certificate(PivSlot::Authentication).is_ok());
    assert_eq!(b.pin_status().unwrap(), PinStatus::Verified);
    drop(b);
    let mut signer = a.signer(PivSlot::Authentication).unwrap();
    signer
        .sign(b"still verified")
        .expect("the other connection's close left the card alone");
    drop(signer);

    // Another program resets the card: the connection reconnects by itself (same ATR) and goes
    // on; the PIN has to be verified again.
    let ctx = pcsc::Context::establish(pcsc::Scope::User).unwrap();
    let reader = std::ffi::CString::new(READER).unwrap();
    let other = ctx
        .connect(&reader, pcsc::ShareMode::Shared, pcsc::Protocols::ANY)
        .unwrap();
    assert!(other.disconnect(pcsc::Disposition::ResetCard).is_ok());
    let PinStatus::TriesLeft(full) = a.pin_status().unwrap() else {
        panic!("the reset cleared the verified state")
    };
    assert!(full >= 2);
    let mut signer = a.signer(PivSlot::Authentication).unwrap();
    assert!(matches!(
        signer.sign(b"not verified any more"),
        Err(SignerError::NotAuthenticated)
    ));
    drop(signer);
    drop(a);
    // The card was never reported removed: a new session works at once.
    let verified = session().verify_pin(pin(PIN)).unwrap();
    drop(verified);
    assert_eq!(session().pin_status().unwrap(), PinStatus::TriesLeft(full));
}

#[test]
fn sign_with_9a_and_9c_and_verify() {
    let stack = stack();
    let pki = stack.pki_dir();
    let tmp = tempfile::tempdir().unwrap();
    reset_tries();
    let mut s = session().verify_pin(pin(PIN)).unwrap();

    let msg = b"signed attributes, 9A".to_vec();
    let mut a = s.signer(PivSlot::Authentication).unwrap();
    assert_eq!(a.carrier(), Carrier::Hardware);
    let md = match a.algorithm() {
        SignatureAlgorithm::EcdsaP384Sha384 => "sha384",
        _ => "sha256",
    };
    let t = std::time::Instant::now();
    let sig = a.sign(&msg).unwrap();
    eprintln!("9A {:?}: one signature in {:?}", a.algorithm(), t.elapsed());
    assert_eq!(a.certificate_der(), cert_der(&pki, "9a"));
    assert!(
        openssl_verify(tmp.path(), a.certificate_der(), &msg, &sig, md, false),
        "openssl rejects the 9A signature"
    );
    if matches!(a.algorithm(), SignatureAlgorithm::RsaPkcs1Sha256) {
        let mut p = a.with_pss().unwrap();
        let sig = p.sign(&msg).unwrap();
        assert!(
            openssl_verify(tmp.path(), p.certificate_der(), &msg, &sig, "sha256", true),
            "PSS"
        );
    }

    // 9C: PIN always. Without a PIN there is no signer; with one, exactly one signature.
    assert_eq!(
        s.signer(PivSlot::Signature).unwrap_err().code(),
        "TOKEN_NOT_AUTHENTICATED"
    );
    let mut c = s.signer_with_pin(PivSlot::Signature, pin(PIN)).unwrap();
    let msg = b"signed attributes, 9C".to_vec();
    let md = match c.algorithm() {
        SignatureAlgorithm::EcdsaP384Sha384 => "sha384",
        _ => "sha256",
    };
    let t = std::time::Instant::now();
    let sig = c.sign(&msg).unwrap();
    eprintln!("9C {:?}: one signature in {:?}", c.algorithm(), t.elapsed());
    assert!(
        openssl_verify(tmp.path(), c.certificate_der(), &msg, &sig, md, false),
        "openssl rejects the 9C signature"
    );
    assert!(matches!(c.sign(&msg), Err(SignerError::NotAuthenticated)));
}

#[test]
fn card_removed_during_signature_is_a_clear_error() {
    let stack = stack();
    reset_tries();
    let mut s = session().verify_pin(pin(PIN)).unwrap();
    let mut a = s.signer(PivSlot::Authentication).unwrap();
    stack.remove_on_ins(0x87).unwrap();
    let err = a.sign_message(b"never signed").unwrap_err();
    assert_eq!(err.code(), "TOKEN_CARD_REMOVED", "{err:?}");
    assert!(matches!(a.sign(b"never signed"), Err(SignerError::Removed)));
    // The connection to the removed card is dead: drop it (as the application does) before the
    // card comes back.
    drop(a);
    drop(s);
    sio_virtual_card::fixture::wait_presence(false, Duration::from_secs(5)).unwrap();
    stack.insert().unwrap();
    // A new connection works again.
    let mut s = session();
    assert!(s.certificate(PivSlot::Authentication).is_ok());
}

#[test]
fn insertion_and_removal_events() {
    let stack = stack();
    let mut ctx = PcscContext::establish().unwrap();
    let mut watch = ReaderWatch::default();
    let first = ctx
        .wait_for_events(&mut watch, Duration::from_secs(2))
        .unwrap();
    assert!(
        first.contains(&ReaderEvent::ReaderAdded(READER.into())),
        "{first:?}"
    );
    assert!(
        first
            .iter()
            .any(|e| matches!(e, ReaderEvent::CardInserted { reader, .. } if reader == READER)),
        "{first:?}"
    );
    // Nothing changes: the wait times out with no events (and does not spin).
    let t = std::time::Instant::now();
    let none = ctx
        .wait_for_events(&mut watch, Duration::from_millis(500))
        .unwrap();
    assert!(none.is_empty(), "{none:?}");
    assert!(t.elapsed() >= Duration::from_millis(400));

    stack.remove().unwrap();
    let removed = ctx
        .wait_for_events(&mut watch, Duration::from_secs(10))
        .unwrap();
    assert!(
        removed.contains(&ReaderEvent::CardRemoved(READER.into())),
        "{removed:?}"
    );
    stack.insert().unwrap();
    let inserted = ctx
        .wait_for_events(&mut watch, Duration::from_secs(10))
        .unwrap();
    assert!(
        inserted
            .iter()
            .any(|e| matches!(e, ReaderEvent::CardInserted { reader, .. } if reader == READER)),
        "{inserted:?}"
    );
}

#[test]
fn survives_a_pcscd_restart() {
    let stack = stack();
    let mut ctx = PcscContext::establish().unwrap();
    assert!(ctx.reader_names().unwrap().contains(&READER.to_owned()));
    let mut watcher = PcscContext::establish().unwrap();
    let mut watch = ReaderWatch::default();
    assert!(
        !watcher
            .wait_for_events(&mut watch, Duration::from_secs(2))
            .unwrap()
            .is_empty()
    );
    stack.restart_pcscd().unwrap();
    // The same context object re-establishes itself on SCARD_E_NO_SERVICE / a stale handle.
    let mut names = Vec::new();
    for _ in 0..50 {
        match ctx.readers() {
            Ok(r) if r.iter().any(|r| r.name == READER && r.atr.is_some()) => {
                names = r.into_iter().map(|r| r.name).collect();
                break;
            }
            Ok(_) | Err(TokenError::NoService { .. }) => {
                std::thread::sleep(Duration::from_millis(200))
            }
            Err(e) => panic!("after a pcscd restart: {e:?}"),
        }
    }
    assert!(
        names.contains(&READER.to_owned()),
        "the card is back after the restart"
    );
    let mut s = PivSession::connect(&mut ctx, READER).unwrap();
    assert!(s.certificate(PivSlot::Authentication).is_ok());
    // The watcher too comes back by itself: at most one NoService, then waits work again.
    let mut ok = false;
    for _ in 0..3 {
        match watcher.wait_for_events(&mut watch, Duration::from_millis(500)) {
            Ok(_) => {
                ok = true;
                break;
            }
            Err(e) => assert_eq!(e.code(), "TOKEN_NO_SERVICE", "{e:?}"),
        }
    }
    assert!(ok, "the watcher recovers after a pcscd restart");
}

/// Whatever happens in a test that changes the PIN, the card ends with the PIN the other tests use
/// (set with the PUK, which also works on a PIN that is not blocked).
struct RestorePin;

impl Drop for RestorePin {
    fn drop(&mut self) {
        let _ = session().unblock_pin(pin(sio_virtual_card::DEFAULT_PUK), pin(PIN));
    }
}

/// Change the PIN (CHANGE REFERENCE DATA) and back; a wrong current PIN uses a try and changes
/// nothing; a malformed new PIN is refused before the card is asked.
#[test]
fn change_pin_on_the_card() {
    let _stack = stack();
    let _restore = RestorePin;
    reset_tries();
    let mut s = session();
    s.change_pin(pin(PIN), pin("24681357")).unwrap();
    // The old PIN no longer opens the card; the new one does.
    let r = session().verify_pin(pin(PIN)).unwrap_err();
    assert!(
        matches!(r.error, TokenError::WrongPin { .. }),
        "{:?}",
        r.error
    );
    let _ = session().verify_pin(pin("24681357")).expect("the new PIN");
    // A wrong current PIN: refused with the tries left, the PIN unchanged.
    let e = session()
        .change_pin(pin("999999"), pin("111111"))
        .unwrap_err();
    assert!(
        matches!(
            e,
            TokenError::WrongPin {
                tries_left: Some(_)
            }
        ),
        "{e:?}"
    );
    // A malformed new PIN: refused here, no try used.
    let before = session().pin_status().unwrap();
    let e = session()
        .change_pin(pin("24681357"), pin("12345"))
        .unwrap_err();
    assert_eq!(e.code(), "TOKEN_PIN_FORMAT");
    assert_eq!(session().pin_status().unwrap(), before);
    // Back to the PIN the other tests use.
    session().change_pin(pin("24681357"), pin(PIN)).unwrap();
    reset_tries();
}

/// A blocked PIN is unblocked with the PUK (RESET RETRY COUNTER), with a new PIN.
#[test]
fn unblock_pin_with_puk() {
    let _stack = stack();
    let _restore = RestorePin;
    reset_tries();
    let mut s = session();
    while !matches!(s.pin_status().unwrap(), PinStatus::Blocked) {
        s = s.verify_pin(pin("999999")).unwrap_err().into_session();
    }
    session()
        .unblock_pin(pin(sio_virtual_card::DEFAULT_PUK), pin("13572468"))
        .unwrap();
    assert!(matches!(session().pin_status().unwrap(), PinStatus::TriesLeft(n) if n > 0));
    let _ = session()
        .verify_pin(pin("13572468"))
        .expect("the PIN set with the PUK");
    session().change_pin(pin("13572468"), pin(PIN)).unwrap();
    reset_tries();
}

#[test]
fn blocked_pin() {
    let _stack = stack();
    reset_tries();
    let mut s = session();
    let PinStatus::TriesLeft(mut left) = s.pin_status().unwrap() else {
        panic!("new session: not verified")
    };
    while left > 0 {
        let r = s.verify_pin(pin("999999")).unwrap_err();
        left -= 1;
        match r.error {
            TokenError::WrongPin { tries_left } => assert_eq!(tries_left, Some(left)),
            TokenError::PinBlocked => assert_eq!(left, 0),
            ref e => panic!("{e:?}"),
        }
        s = r.into_session();
    }
    assert_eq!(s.pin_status().unwrap(), PinStatus::Blocked);
    let r = s.verify_pin(pin(PIN)).unwrap_err();
    assert_eq!(r.error.code(), "TOKEN_PIN_BLOCKED");
    // Leave the card usable for the other tests.
    unblock_with_puk();
    reset_tries();
}
