//! The session on the real stack (virtual PIV card in pcscd, the gateway over mutual TLS): the
//! idle lock and its unlock with the PIN and a fresh signed challenge, the lock at once when the
//! card is removed, and unlock after it is inserted again.
#![allow(clippy::unwrap_used)] // test helpers outside #[test] fns

use sio_test_support as support;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use sio_client::RemovalWatch;
use sio_protocol::SessionStage;
use support::{IIN, World, active_session, card_key, channel};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_lock_then_unlock_with_pin_and_challenge() {
    let world = World::up();
    let key = card_key();
    let ch = channel(&world.url, &world.pki.join(sio_pki::paths::CA_CERT), &key);
    let mut s = active_session(&world.data, IIN, &key, &ch).await;

    // 15 minutes pass without a call (the gateway's clock is not ours to move: age the session).
    let db = rusqlite::Connection::open(world.data.join(sio_gateway::db::DB_FILE)).unwrap();
    db.execute(
        "UPDATE sessions SET idle_until = '2000-01-01T00:00:00.000+05:00'",
        [],
    )
    .unwrap();
    let e = s.refresh(&ch).await.unwrap_err();
    assert_eq!(e.code(), "GW_SESSION_IDLE");
    assert!(s.is_idle_locked(Duration::ZERO));

    s.unlock(&ch, &mut key.signer()).await.unwrap();
    assert!(!s.is_locked());
    assert_eq!(s.stage(), SessionStage::Active, "no second factor again");
    s.refresh(&ch).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn removing_the_card_locks_the_session_at_once() {
    let world = World::up();
    let key = card_key();
    let ch = channel(&world.url, &world.pki.join(sio_pki::paths::CA_CERT), &key);
    let mut s = active_session(&world.data, IIN, &key, &ch).await;

    let fired = Arc::new(AtomicBool::new(false));
    let f = fired.clone();
    let watch = RemovalWatch::start(sio_virtual_card::READER_NAME, move || {
        f.store(true, Ordering::SeqCst)
    })
    .unwrap();
    world.card.remove().unwrap();
    let t = Instant::now();
    while !watch.removed() {
        assert!(t.elapsed() < Duration::from_secs(5), "removal not seen");
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(fired.load(Ordering::SeqCst));
    s.lock();
    assert!(s.is_locked());
    let seen_after = t.elapsed();

    // Back in: the old card session lost its PIN verification; unlocking needs the PIN again.
    world.card.insert().unwrap();
    drop(key);
    let key = card_key();
    let ch = channel(&world.url, &world.pki.join(sio_pki::paths::CA_CERT), &key);
    s.unlock(&ch, &mut key.signer()).await.unwrap();
    assert!(!s.is_locked());
    s.refresh(&ch).await.unwrap();
    eprintln!("card removal seen after {seen_after:?}");
}

/// Another program resets the card in the middle of a session: the card forgets the PIN, the next
/// TLS handshake cannot be signed and says so with `SIGN_TOKEN_NOT_AUTHENTICATED` (the desktop app
/// locks on it); the PIN on a new connection carries on, and the session was never lost.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_card_reset_by_another_program_asks_for_the_pin_again() {
    let world = World::up();
    let ca = world.pki.join(sio_pki::paths::CA_CERT);
    let key = card_key();
    let ch = channel(&world.url, &ca, &key);
    let mut s = active_session(&world.data, IIN, &key, &ch).await;

    let ctx = pcsc::Context::establish(pcsc::Scope::User).unwrap();
    let reader = std::ffi::CString::new(sio_virtual_card::READER_NAME).unwrap();
    let other = ctx
        .connect(&reader, pcsc::ShareMode::Shared, pcsc::Protocols::ANY)
        .unwrap();
    assert!(other.disconnect(pcsc::Disposition::ResetCard).is_ok());

    // A new channel needs a new handshake, signed by the card's authentication key.
    let fresh = channel(&world.url, &ca, &key);
    let e = s.refresh(&fresh).await.unwrap_err();
    assert_eq!(e.code(), "SIGN_TOKEN_NOT_AUTHENTICATED", "{e:?}");

    drop((fresh, ch, key));
    let key = card_key();
    let ch = channel(&world.url, &ca, &key);
    s.refresh(&ch).await.unwrap();
    assert_eq!(s.stage(), SessionStage::Active);
}
