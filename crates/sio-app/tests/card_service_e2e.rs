//! pcscd killed while the card signs (issue 20): the officer's request is signed on the card
//! (PIN-always key 9C) through `App::dispatch`, the virtual card holds the GENERAL AUTHENTICATE
//! unanswered, and pcscd is killed with SIGKILL meanwhile. The command fails with
//! `TOKEN_NO_SERVICE`, the session locks with its own reason (`card_service_gone`: the card's
//! verified PIN went with the service), nothing is queued or filed; with pcscd and the card back
//! the PIN unlocks and the very same draft is signed and sent. The real stack: the reference
//! gateway over mutual TLS, the virtual PIV card in pcscd (the card lock held by the world).
#![allow(clippy::unwrap_used)]

mod support;

use std::time::Duration;

use serde_json::{Value, json};
use support::{IIN, PIN, World, call, draft, fail, log_in};

/// pcscd and the card back whatever happens (the world's card lock is still held).
struct Back<'a>(&'a sio_virtual_card::fixture::CardStack);

impl Drop for Back<'_> {
    fn drop(&mut self) {
        let _ = self.0.bring_back();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pcscd_killed_during_a_signature_locks_the_session_and_queues_nothing() {
    let world = World::up();
    let back = Back(&world.card);
    // The card process of this tree (it knows `hold-on-ins`); its keys stay.
    world.card.restart_card().unwrap();
    let (app, sink) = world.app();
    log_in(&world, &app, IIN).await;

    world.card.hold_on_ins(0x87).unwrap();
    let sending = {
        let app = app.clone();
        tokio::spawn(async move {
            app.dispatch("sign_and_send", json!({"draft": draft(), "pin": PIN}))
                .await
        })
    };
    // The test body runs outside the runtime's workers: waiting here blocks no command.
    world.card.wait_held(Duration::from_secs(30)).unwrap();
    world.card.kill_pcscd().unwrap();
    let e = sending.await.unwrap().unwrap_err();
    assert_eq!(e.code, "TOKEN_NO_SERVICE", "{e:?}");

    // Locked with its reason, once.
    let locks: Vec<Value> = sink
        .events()
        .into_iter()
        .filter(|(name, p)| name == "session" && p["kind"] == "locked")
        .map(|(_, p)| p)
        .collect();
    assert_eq!(locks.len(), 1, "{locks:?}");
    assert_eq!(locks[0]["reason"], "card_service_gone", "{locks:?}");
    // Nothing queued: the outbox is empty.
    let list = call(&app, "list_requests", json!({})).await;
    assert_eq!(list.as_array().unwrap().len(), 0, "{list}");
    // Locked: nothing is signed until the PIN is entered again.
    let refused = fail(&app, "sign_and_send", json!({"draft": draft(), "pin": PIN})).await;
    assert_eq!(refused.code, "APP_SESSION_LOCKED", "{refused:?}");

    // The service back: the PIN unlocks and the same draft goes out.
    drop(back);
    call(&app, "unlock", json!({"pin": PIN})).await;
    let item = call(&app, "sign_and_send", json!({"draft": draft(), "pin": PIN})).await;
    assert!(item["request_id"].is_string(), "{item}");
}
