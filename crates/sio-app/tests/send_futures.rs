//! Every command future is `Send` (checked when this test compiles): the shell awaits them on a
//! multi-threaded runtime, and the shared flows of `sio_client` hold signers across their network
//! waits (`sio_sign::Signer: Send + Sync`), so the app no longer rewrites those flows to avoid it.

use std::sync::Arc;

use sio_app::{App, AppConfig, NullSink};

fn assert_send<T: Send>(_: &T) {}

#[test]
fn the_futures_of_dispatch_and_the_background_are_send() {
    let dir = tempfile::tempdir().unwrap();
    let app = App::new(
        AppConfig {
            policy_path: dir.path().join("missing-policy.toml"),
            data_dir: dir.path().to_path_buf(),
            keys: Arc::new(sio_vault::MemoryKeyStore::new()),
            workstation: "test".into(),
            idle_lock: None,
            policy_must_be_protected: false,
        },
        Arc::new(NullSink),
    );
    let dispatch = app.dispatch("session", serde_json::json!({}));
    assert_send(&dispatch);
    let background = app.run_background();
    assert_send(&background);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    drop((dispatch, background));
    // Spawned on the multi-threaded runtime, as the shell does.
    let answer = rt.block_on(async move {
        tokio::spawn(async move { app.dispatch("session", serde_json::json!({})).await })
            .await
            .unwrap()
    });
    assert_eq!(answer.unwrap(), serde_json::Value::Null);
}
