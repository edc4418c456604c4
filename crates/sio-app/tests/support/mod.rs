//! The world for sio-app's end-to-end tests: `sio-test-support`'s world (virtual PIV card with
//! keys from a fresh test PKI, the reference gateway over mutual TLS on 127.0.0.1, a policy file
//! pointing at it) with the department head marked as a head of the demo body, and an `App` over
//! that policy (keys in memory, data in the world's directory).
#![allow(dead_code, unused_imports, clippy::unwrap_used)] // each test binary uses some

use std::ops::Deref;
use std::sync::Arc;

use serde_json::{Value, json};
use sio_app::{App, AppConfig, ErrorBody, RecordingSink};

pub(crate) use sio_test_support::{
    DEPARTMENT_HEAD, HEAD, Holder, IIN, INVESTIGATOR, PIN, READER, files_under,
    investigator_dismissal,
};

/// The running world; holds the card lock until dropped.
pub(crate) struct World(sio_test_support::World);

impl Deref for World {
    type Target = sio_test_support::World;
    fn deref(&self) -> &Self::Target {
        &self.0
    }
}

impl World {
    pub(crate) fn up() -> World {
        Self::up_as(&INVESTIGATOR)
    }

    /// The world with `holder`'s keys on the card.
    pub(crate) fn up_as(holder: &Holder) -> World {
        let world = sio_test_support::World::up_as(*holder, |_| {});
        // The department head co-signs the police body's HR applications: the operator marks
        // them as a head of that body (the gateway refuses any other co-signer).
        world.mark_head(&DEPARTMENT_HEAD, "Начальник департамента");
        World(world)
    }

    /// An application over this world's policy, recording its events.
    pub(crate) fn app(&self) -> (App, Arc<RecordingSink>) {
        let sink = Arc::new(RecordingSink::new());
        let config = AppConfig {
            policy_path: self.policy.clone(),
            data_dir: self.dir.path().join("app"),
            keys: Arc::new(sio_vault::MemoryKeyStore::new()),
            workstation: "WS-TEST-01".into(),
            idle_lock: None,
            policy_must_be_protected: false,
        };
        (App::new(config, sink.clone()), sink)
    }
}

/// `command` through `App::dispatch`, which must succeed.
pub(crate) async fn call(app: &App, command: &str, args: Value) -> Value {
    match app.dispatch(command, args).await {
        Ok(v) => v,
        Err(e) => panic!("{command}: {e:?}"),
    }
}

/// `command` through `App::dispatch`, which must fail.
pub(crate) async fn fail(app: &App, command: &str, args: Value) -> ErrorBody {
    match app.dispatch(command, args).await {
        Ok(v) => panic!("{command} should fail, answered {v}"),
        Err(e) => e,
    }
}

/// Log in as `iin` with the card in [`READER`]: PIN, SMS code from the gateway's outbox, and the
/// consent on the first login.
pub(crate) async fn log_in(world: &World, app: &App, iin: &str) {
    let s = call(
        app,
        "login",
        json!({"reader": READER, "certificate_id": "9a", "pin": PIN}),
    )
    .await;
    assert_eq!(s["stage"], "second_factor");
    let previous = world.latest_sms(iin);
    call(app, "request_sms_code", json!({})).await;
    let code = world.sms_code(iin, previous.as_deref());
    let mut s = call(app, "verify_sms_code", json!({"code": code})).await;
    if s["stage"] == "consent" {
        s = call(
            app,
            "sign_consent",
            json!({"reader": READER, "certificate_id": "9c", "pin": PIN, "language": "ru"}),
        )
        .await;
    }
    assert_eq!(s["stage"], "active");
    assert_eq!(call(app, "session", json!({})).await["user"]["iin"], iin);
}

/// The investigator's request of the end-to-end tests (role 3, criminal case, service 1), as the
/// composer sends it.
pub(crate) fn draft() -> Value {
    json!({
        "role": 3,
        "basis": "criminal",
        "service": 1,
        "case": { "kind": "criminal_case", "erdr": "241500031000123" },
        "subject": { "kind": "individual", "id": "900101300106" }
    })
}
