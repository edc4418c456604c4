//! The checked-in TypeScript of the contract (`ui/src/lib/types/app.ts`: the model types, the
//! argument types and the command table) must be what the Rust declares.
//! Regenerate with `SIO_REGENERATE=1 cargo test -p sio-app --test generated`.

use std::path::PathBuf;

#[test]
fn typescript_is_current() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(sio_app::typescript::PATH);
    let fresh = sio_app::typescript::declarations();
    if std::env::var_os("SIO_REGENERATE").is_some() {
        std::fs::write(&path, &fresh).expect("write");
        return;
    }
    let current = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        current == fresh,
        "{} is stale: run SIO_REGENERATE=1 cargo test -p sio-app --test generated",
        path.display()
    );
}
