//! HR applications with two signatures in the desktop app's API (2015 Appendix 5): the HR officer
//! logged in with their card signs, the head co-signs on the head's own token in a second reader
//! (vpcd's second slot), and the gateway carries the blocking out at once. The wrong second token,
//! the session's own reader, a wrong PIN on the second token and its removal each answer with a
//! code, and none of them locks the officer's session.
#![allow(clippy::unwrap_used)]

mod support;

use serde_json::{Value, json};
use sio_gateway::admin::Admin;
use sio_virtual_card::fixture::SECOND_READER_NAME;
use support::{DEPARTMENT_HEAD, HEAD, INVESTIGATOR, PIN, READER, World, call, fail, log_in};

/// The dismissal of the demo investigator, filed by the HR officer, the department head named;
/// the order signed now.
fn dismissal() -> Value {
    let now = sio_core::time::to_astana(chrono::Utc::now()).fixed_offset();
    support::investigator_dismissal(
        &DEPARTMENT_HEAD,
        "Начальник департамента",
        &now.to_rfc3339(),
    )
}

fn submit(cosigner: Option<(&str, &str)>) -> Value {
    let mut args = json!({"application": dismissal(), "pin": PIN});
    if let Some((reader, pin)) = cosigner {
        args["cosigner"] = json!({"reader": reader, "pin": pin});
    }
    args
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_head_cosigns_on_a_token_in_a_second_reader() {
    let world = World::up_as(&HEAD);
    let (app, sink) = world.app();
    log_in(&world, &app, HEAD.iin).await;

    // No second signature, or the officer's own reader for it.
    let e = fail(&app, "submit_application", submit(None)).await;
    assert_eq!(e.code, "APP_COSIGNATURE_REQUIRED", "{e:?}");
    assert!(e.message.contains(DEPARTMENT_HEAD.iin), "{e:?}");
    let e = fail(&app, "submit_application", submit(Some((READER, PIN)))).await;
    assert_eq!(e.code, "APP_COSIGNER_SAME_TOKEN");

    // Someone else's token in the second reader: refused before any PIN reaches it.
    {
        let _other = world.second_card(&INVESTIGATOR);
        let e = fail(
            &app,
            "submit_application",
            submit(Some((SECOND_READER_NAME, "000000"))),
        )
        .await;
        assert_eq!(e.code, "APP_COSIGNER_WRONG_PERSON", "{e:?}");
    }

    let head = world.second_card(&DEPARTMENT_HEAD);
    let readers = call(&app, "list_readers", json!({})).await;
    assert!(
        readers
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["name"] == SECOND_READER_NAME
                && r["token_label"].as_str().unwrap_or("").contains("АХМЕТОВ")),
        "{readers}"
    );
    // A wrong PIN on the head's token: its tries left, and the officer's session goes on.
    let e = fail(
        &app,
        "submit_application",
        submit(Some((SECOND_READER_NAME, "000000"))),
    )
    .await;
    assert_eq!(e.code, "TOKEN_WRONG_PIN", "{e:?}");
    assert!(e.tries_left.is_some_and(|n| n > 0), "{e:?}");
    assert!(e.message.contains("second signer"), "{e:?}");

    let filed = call(
        &app,
        "submit_application",
        submit(Some((SECOND_READER_NAME, PIN))),
    )
    .await;
    assert_eq!(filed["action"], "blocking");
    assert_eq!(
        filed["state"], "done",
        "a blocking is carried out at once: {filed}"
    );
    let listed = call(&app, "list_applications", json!({})).await;
    assert!(
        listed
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["application_id"] == filed["application_id"])
    );
    let users = Admin::open(&world.data).unwrap().users().unwrap();
    let blocked = users.iter().find(|u| u.iin == INVESTIGATOR.iin).unwrap();
    assert_eq!(
        blocked.state, "blocked",
        "the dismissed investigator is blocked"
    );
    drop(head);

    // The second token left: said as such; the officer's session is neither locked nor lost.
    let e = fail(
        &app,
        "submit_application",
        submit(Some((SECOND_READER_NAME, PIN))),
    )
    .await;
    assert!(
        matches!(
            e.code.as_str(),
            "APP_COSIGNER_REMOVED" | "TOKEN_NO_CARD" | "TOKEN_READER_NOT_FOUND"
        ),
        "{e:?}"
    );
    assert!(
        !sink
            .events()
            .iter()
            .any(|(e, p)| e == "session" && p["kind"] == "locked"),
        "the officer's session stayed unlocked"
    );
    call(&app, "list_applications", json!({})).await;
    call(&app, "logout", json!({})).await;
}
