//! Writes the seed corpora of the fuzz targets that need real files made by the product's own
//! code (fuzz/corpus/<target>/), when `SIO_FUZZ_SEEDS` names the fuzz directory; otherwise does
//! nothing. The files are committed; run again after a format change:
//! `SIO_FUZZ_SEEDS=$PWD/fuzz cargo test -p sio-update --test fuzz_seeds`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::fs;
use std::path::Path;

const SEP: &[u8] = b"\xff\xfe\xfd\xfc";

fn out(fuzz: &Path, target: &str, name: &str, parts: &[&[u8]]) {
    let dir = fuzz.join("corpus").join(target);
    fs::create_dir_all(&dir).unwrap();
    fs::write(dir.join(name), parts.join(SEP)).unwrap();
}

#[test]
fn write_update_bundle_seeds() {
    let Some(fuzz) = std::env::var_os("SIO_FUZZ_SEEDS") else {
        return;
    };
    let fuzz = Path::new(&fuzz);
    let src = tempfile::tempdir().unwrap();
    fs::write(src.path().join("sio"), b"#!/bin/sh\necho sio\n").unwrap();
    fs::write(src.path().join("empty"), b"").unwrap();
    let files = [
        sio_update::SourceFile {
            path: "bin/sio".into(),
            source: src.path().join("sio"),
            mode: 0o755,
        },
        sio_update::SourceFile {
            path: "share/empty".into(),
            source: src.path().join("empty"),
            mode: 0o644,
        },
    ];
    // The fuzz target's key (seed [7; 32]): a bundle it trusts, whole.
    let key = sio_update::SigningKey::from_seed(&[7u8; 32]).unwrap();
    let signed =
        sio_update::make("1.2.0", Some("1.0.0"), Some("notes"), &files, Some(&key)).unwrap();
    let mut whole = vec![0u8];
    whole.extend_from_slice(&signed);
    out(fuzz, "update_bundle", "signed-bundle", &[&whole]);
    let unsigned = sio_update::make("1.2.0", None, None, &files, None).unwrap();
    let mut raw = vec![0u8];
    raw.extend_from_slice(&unsigned);
    out(fuzz, "update_bundle", "unsigned-bundle", &[&raw]);
    // Manifest ‖ payload ‖ installed manifest, signed by the target (mode 3).
    let mlen = u32::from_be_bytes(signed[8..12].try_into().unwrap()) as usize;
    let manifest = &signed[12..12 + mlen];
    let payload = &signed[12 + mlen + 4 + 96..];
    let installed = br#"{"format":1,"product":"arm-sio-pso","version":"1.0.0","files":[{"path":"bin/sio","size":0,"sha256":"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855","mode":493}]}"#;
    let mut m = vec![3u8];
    m.extend_from_slice(manifest);
    out(
        fuzz,
        "update_bundle",
        "manifest-payload-installed",
        &[&m, payload, installed],
    );
    let empty_file = br#"{"format":1,"product":"arm-sio-pso","version":"2.0","files":[{"path":"a/b","size":0,"sha256":"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855","mode":420}]}"#;
    let mut e = vec![1u8];
    e.extend_from_slice(empty_file);
    out(fuzz, "update_bundle", "manifest-empty-file", &[&e, b""]);
}
