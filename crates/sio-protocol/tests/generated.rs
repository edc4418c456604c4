//! The checked-in OpenAPI document and TypeScript declarations must match the types.
//! Regenerate with `SIO_REGENERATE=1 cargo test -p sio-protocol --test generated`.

use std::path::PathBuf;

fn check(path: PathBuf, fresh: &str) {
    if std::env::var_os("SIO_REGENERATE").is_some() {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).expect("create dir");
        }
        std::fs::write(&path, fresh).expect("write");
        return;
    }
    let current = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        current == fresh,
        "{} is stale: run SIO_REGENERATE=1 cargo test -p sio-protocol --test generated",
        path.display()
    );
}

#[test]
fn openapi_is_current() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("openapi.json");
    check(path, &sio_protocol::openapi::document_pretty());
}

#[test]
fn typescript_is_current() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../ui/src/lib/types/protocol.ts");
    check(path, &sio_protocol::typescript::declarations());
}
