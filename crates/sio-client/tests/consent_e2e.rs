//! The first login's consent on the real stack (virtual PIV card in pcscd, the gateway over mutual
//! TLS): rule 17 of the Rules — the user signs Appendix 6 (Order 21/2023 as amended by Order
//! 88/2024) verbatim, the Russian text with the form's fields filled from the gateway's records,
//! with the card's signing key; the stored document names that text's language and hash. A
//! document signed on the card over the hash of another text is refused.
#![allow(clippy::unwrap_used)] // test helpers outside #[test] fns

use sio_test_support as support;

use sio_client::session;
use sio_protocol::{ConsentLanguage, Secret, SessionStage};
use sio_token::{Pin, PivSlot};
use support::{IIN, PIN, World, card_key, channel, sms_code_in};

fn sha256_hex(b: &[u8]) -> String {
    use sha2::Digest as _;
    sha2::Sha256::digest(b)
        .iter()
        .map(|x| format!("{x:02x}"))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_signs_the_filled_act_and_refuses_the_hash_of_another_text() {
    let world = World::up();
    let key = card_key();
    let ch = channel(&world.url, &world.pki.join(sio_pki::paths::CA_CERT), &key);
    let db = rusqlite::Connection::open(world.data.join(sio_gateway::db::DB_FILE)).unwrap();
    db.execute(
        "UPDATE users SET position = 'следователь' WHERE iin = ?1",
        [IIN],
    )
    .unwrap();

    let c = session::challenge(&ch).await.unwrap();
    let mut s = session::submit_login(&ch, &session::sign_login(&c, &mut key.signer()).unwrap())
        .await
        .unwrap();
    s.request_sms(&ch).await.unwrap();
    let code = sms_code_in(&world.data, IIN, None);
    s.verify_sms(&ch, Secret::new(code)).await.unwrap();
    assert_eq!(s.stage(), SessionStage::Consent);

    let text = s.consent_text(&ch).await.unwrap();
    let name = s.info().user.full_name.clone();
    let org = s.info().user.organisation_name.clone();
    assert_eq!(text.signed_language, ConsentLanguage::Ru);
    assert_eq!(text.sha256, sha256_hex(text.ru.as_bytes()));
    assert!(
        text.ru
            .contains(&format!("1. Пользователь, в лице {name}, следователь\n")),
        "{}",
        text.ru
    );
    assert!(text.ru.contains(&format!("являющийся сотрудником {org},")));
    assert!(
        text.ru
            .contains("17. Нарушение пользователем положений настоящего согласия")
    );

    // The hash of another text (the act with someone else's name), signed on the card: refused.
    let mut forged = text.clone();
    forged.sha256 = sha256_hex(text.ru.replace(&name, "ПЕТРОВ ПЁТР").as_bytes());
    let mut signer = key
        .pin_always_signer(PivSlot::Signature, Pin::new(PIN.into()).unwrap())
        .unwrap();
    let e = s.give_consent(&ch, &forged, &mut signer).await.unwrap_err();
    assert_eq!(e.code(), "GW_CONSENT_MISMATCH");
    assert_eq!(s.stage(), SessionStage::Consent);

    // The text shown, signed on the card: active, and the document kept names language and hash.
    let mut signer = key
        .pin_always_signer(PivSlot::Signature, Pin::new(PIN.into()).unwrap())
        .unwrap();
    s.give_consent(&ch, &text, &mut signer).await.unwrap();
    assert_eq!(s.stage(), SessionStage::Active);
    let stored: Vec<u8> = db
        .query_row(
            "SELECT consent_document FROM users WHERE iin = ?1",
            [IIN],
            |r| r.get(0),
        )
        .unwrap();
    let stored: serde_json::Value = serde_json::from_slice(&stored).unwrap();
    assert_eq!(stored["text_language"], "ru");
    assert_eq!(stored["text_sha256"], text.sha256.as_str());
    assert_eq!(stored["consent_version"], text.version.as_str());
}
