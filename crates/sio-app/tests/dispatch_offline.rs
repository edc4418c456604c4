//! Commands that need neither a card nor a gateway, through `App::dispatch` with the UI's JSON:
//! the composer's tables, settings, about, and the errors for bad calls.
#![allow(clippy::unwrap_used)]

use std::sync::Arc;

use serde_json::json;
use sio_app::{App, AppConfig, NullSink};

fn app(dir: &std::path::Path) -> App {
    App::new(
        AppConfig {
            policy_path: dir.join("no-policy.toml"),
            data_dir: dir.join("data"),
            keys: Arc::new(sio_vault::MemoryKeyStore::new()),
            workstation: "WS-TEST".into(),
            idle_lock: None,
            policy_must_be_protected: false,
        },
        Arc::new(NullSink),
    )
}

#[tokio::test]
async fn tables_settings_about_and_refusals() {
    let dir = tempfile::tempdir().unwrap();
    let app = app(dir.path());

    let cat = app.dispatch("catalogue", json!({})).await.unwrap();
    assert_eq!(cat["bases"].as_array().unwrap().len(), 6);
    assert_eq!(cat["roles"].as_array().unwrap().len(), 19);
    let allowed = app
        .dispatch("allowed_services", json!({"role": 3, "basis": "criminal"}))
        .await
        .unwrap();
    let services: Vec<u64> = allowed
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["service"].as_u64().unwrap())
        .collect();
    assert!(
        services.contains(&1) && services.contains(&38),
        "{services:?}"
    );
    assert!(
        allowed
            .as_array()
            .unwrap()
            .iter()
            .all(|s| ["full", "truncated", "articles"].contains(&s["mark"].as_str().unwrap()))
    );
    let forms = app
        .dispatch("case_forms", json!({"basis": "admin_court"}))
        .await
        .unwrap();
    assert_eq!(
        forms,
        json!([{"form": "admin_court", "fields": ["number", "year", "court"]}])
    );
    assert_eq!(
        app.dispatch("case_forms", json!({"basis": "nonsense"}))
            .await
            .unwrap_err()
            .code,
        "CORE_UNKNOWN_BASIS"
    );

    // Settings persist in the data directory.
    app.dispatch("set_settings", json!({"settings": {"language": "en"}}))
        .await
        .unwrap();
    assert_eq!(
        self::app(dir.path())
            .dispatch("get_settings", json!({}))
            .await
            .unwrap(),
        json!({"language": "en"})
    );

    // Without a policy: about has no gateway, login says why.
    let about = app
        .dispatch("about", serde_json::Value::Null)
        .await
        .unwrap();
    assert!(about.get("gateway").is_none());
    let e = app
        .dispatch(
            "login",
            json!({"reader": "R", "certificate_id": "9a", "pin": "123456"}),
        )
        .await
        .unwrap_err();
    assert!(e.code.starts_with("POLICY_"), "{e:?}");
    let e = app
        .dispatch("verify_sms_code", json!({"code": "123456"}))
        .await
        .unwrap_err();
    assert_eq!(e.code, "APP_NOT_LOGGED_IN");
    let e = app
        .dispatch("lock", json!({"reason": "sideways"}))
        .await
        .unwrap_err();
    assert_eq!(e.code, "APP_BAD_ARGUMENTS");
    assert_eq!(
        app.dispatch("list_requests", json!({})).await.unwrap(),
        json!([])
    );
    assert_eq!(
        app.dispatch("session", json!({})).await.unwrap(),
        json!(null)
    );
    // Errors serialise as the UI's ErrorInfo.
    let body = serde_json::to_value(&e).unwrap();
    assert_eq!(body["code"], "APP_BAD_ARGUMENTS");
    assert!(body.get("tries_left").is_none());
}

/// The webview's start script carries the saved language, read before any window exists, and
/// follows a change (crates/sio-app/src/start.rs; issue 21).
#[test]
fn start_script_gives_the_saved_language_and_follows_changes() {
    use sio_app::model::{Language, Settings};
    let dir = tempfile::tempdir().unwrap();
    // No settings file, no policy: the application's default (Russian).
    assert!(
        app(dir.path())
            .start_script()
            .contains(r#"{"language":"ru"}"#)
    );
    std::fs::create_dir_all(dir.path().join("data")).unwrap();
    std::fs::write(
        dir.path().join("data/settings.json"),
        br#"{"language":"en"}"#,
    )
    .unwrap();
    let saved = app(dir.path());
    assert!(saved.start_script().contains(r#"{"language":"en"}"#));
    saved
        .set_settings(Settings {
            language: Language::Kk,
        })
        .unwrap();
    assert!(saved.start_script().contains(r#"{"language":"kk"}"#));
    assert!(
        app(dir.path())
            .start_script()
            .contains(r#"{"language":"kk"}"#)
    );
}
