//! Issue 16: the desktop app's policy override (`SIO_POLICY`) is held to the installed file's
//! protection. A policy reached through a symbolic link in a 0777 folder is refused
//! (`POLICY_NOT_PROTECTED`): no gateway, no login; the file itself, root's in root's folders,
//! is accepted. (`AppConfig::from_env` always asks for protection.)
#![cfg(unix)]
#![allow(clippy::unwrap_used)]

use std::os::unix::fs::{MetadataExt, PermissionsExt, symlink};
use std::path::Path;
use std::sync::Arc;

use serde_json::json;
use sio_app::{App, AppConfig, NullSink};

fn app(policy: &Path, data: &Path) -> App {
    App::new(
        AppConfig {
            policy_path: policy.to_owned(),
            data_dir: data.to_owned(),
            keys: Arc::new(sio_vault::MemoryKeyStore::new()),
            workstation: "WS-TEST".into(),
            idle_lock: None,
            policy_must_be_protected: true,
        },
        Arc::new(NullSink),
    )
}

fn mode(p: &Path, m: u32) {
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(m)).unwrap();
}

#[tokio::test]
async fn a_linked_policy_in_a_writable_folder_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    mode(dir.path(), 0o755);
    let etc = dir.path().join("etc");
    std::fs::create_dir(&etc).unwrap();
    mode(&etc, 0o755);
    let real = etc.join("policy.toml");
    std::fs::write(
        &real,
        "[gateway]\nurl = \"https://127.0.0.1:8443\"\nca = \"/etc/sio/ca.pem\"\n",
    )
    .unwrap();
    mode(&real, 0o644);
    let open = dir.path().join("open");
    std::fs::create_dir(&open).unwrap();
    mode(&open, 0o777);
    let link = open.join("policy.toml");
    symlink(&real, &link).unwrap();

    let refused = app(&link, &dir.path().join("data"));
    assert_eq!(refused.about().gateway, None);
    let e = refused
        .dispatch(
            "login",
            json!({"reader": "Virtual PCD 00 00", "certificate_id": "9a", "pin": "123456"}),
        )
        .await
        .unwrap_err();
    assert_eq!(e.code, "POLICY_NOT_PROTECTED");

    // The real file is accepted when the tests run as root (root's file under root's folders
    // and the sticky /tmp), as the desktop end-to-end tests and the demonstration do.
    let me = std::fs::metadata(dir.path()).unwrap().uid();
    if me == 0 && std::env::temp_dir().starts_with("/tmp") {
        let accepted = app(&real, &dir.path().join("data2"));
        assert_eq!(
            accepted.about().gateway.as_deref(),
            Some("https://127.0.0.1:8443")
        );
    }
}
