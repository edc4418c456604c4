//! Update bundles end to end: a good one applies (atomically, keeping the previous version);
//! tampered, unsigned, wrong-key, older, same-version, wrong-product and truncated ones are
//! refused with their codes and leave the installation untouched.
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};

use sio_update::{
    SigningKey, SourceFile, UpdateError, Version, install, installed_version, verify,
};

struct Fixture {
    _dir: tempfile::TempDir,
    src: PathBuf,
    root: PathBuf,
    key: SigningKey,
}

fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src");
    std::fs::create_dir_all(src.join("share")).unwrap();
    std::fs::write(src.join("sio"), b"#!/bin/sh\necho sio 0.2.0\n").unwrap();
    std::fs::write(
        src.join("share/pkcs11-modules.txt"),
        b"/usr/lib/opensc-pkcs11.so\n",
    )
    .unwrap();
    let root = dir.path().join("root");
    let key = SigningKey::from_seed(&[7u8; 32]).unwrap();
    Fixture {
        src,
        root,
        key,
        _dir: dir,
    }
}

fn files(f: &Fixture) -> Vec<SourceFile> {
    vec![
        SourceFile {
            path: "bin/sio".into(),
            source: f.src.join("sio"),
            mode: 0o755,
        },
        SourceFile {
            path: "share/pkcs11-modules.txt".into(),
            source: f.src.join("share/pkcs11-modules.txt"),
            mode: 0o644,
        },
    ]
}

fn bundle(f: &Fixture, version: &str) -> Vec<u8> {
    sio_update::make(version, None, Some("test"), &files(f), Some(&f.key)).unwrap()
}

fn apply(f: &Fixture, data: Vec<u8>, reinstall: bool) -> Result<String, UpdateError> {
    let v = verify(data, &[f.key.public()])?;
    let installed = installed_version(&f.root)?;
    v.check_upgrade(installed.as_ref(), reinstall)?;
    Ok(install(&v, &f.root)?.version)
}

fn current(root: &Path) -> Option<String> {
    installed_version(root).unwrap().map(|v| v.to_string())
}

#[test]
fn good_bundle_applies_and_switches_current() {
    let f = fixture();
    assert_eq!(apply(&f, bundle(&f, "0.2.0"), false).unwrap(), "0.2.0");
    let sio = f.root.join("current/bin/sio");
    assert_eq!(std::fs::read(&sio).unwrap(), b"#!/bin/sh\necho sio 0.2.0\n");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&sio).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o755);
        let link = std::fs::read_link(f.root.join("current")).unwrap();
        assert_eq!(link, Path::new("versions/0.2.0"));
    }
    // The next version keeps the previous one for a rollback and drops older ones.
    assert_eq!(apply(&f, bundle(&f, "0.3.0"), false).unwrap(), "0.3.0");
    assert_eq!(apply(&f, bundle(&f, "0.10.0"), false).unwrap(), "0.10.0");
    let mut kept: Vec<String> = std::fs::read_dir(f.root.join("versions"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    kept.sort();
    assert_eq!(kept, ["0.10.0", "0.3.0"]);
    assert_eq!(current(&f.root).as_deref(), Some("0.10.0"));
}

#[test]
fn older_and_same_versions_are_refused() {
    let f = fixture();
    apply(&f, bundle(&f, "0.3.0"), false).unwrap();
    let e = apply(&f, bundle(&f, "0.2.9"), false).unwrap_err();
    assert_eq!(e.code(), "UPD_DOWNGRADE");
    let e = apply(&f, bundle(&f, "0.3.0"), false).unwrap_err();
    assert_eq!(e.code(), "UPD_SAME_VERSION");
    // Only on explicit request.
    assert_eq!(apply(&f, bundle(&f, "0.3"), true).unwrap(), "0.3.0");
    assert_eq!(current(&f.root).as_deref(), Some("0.3.0"));
    // With no installation yet, the running program's version is what is compared.
    let v = verify(bundle(&f, "0.0.9"), &[f.key.public()]).unwrap();
    let running: Version = "0.1.0".parse().unwrap();
    assert_eq!(
        v.check_upgrade(Some(&running), false).unwrap_err().code(),
        "UPD_DOWNGRADE"
    );
}

#[test]
fn minimum_installed_version_is_enforced() {
    let f = fixture();
    apply(&f, bundle(&f, "0.2.0"), false).unwrap();
    let b = sio_update::make("0.5.0", Some("0.4.0"), None, &files(&f), Some(&f.key)).unwrap();
    assert_eq!(apply(&f, b, false).unwrap_err().code(), "UPD_TOO_OLD");
}

#[test]
fn tampered_payload_is_refused() {
    let f = fixture();
    let mut b = bundle(&f, "0.2.0");
    let last = b.len() - 3;
    b[last] ^= 0x01;
    assert_eq!(apply(&f, b, false).unwrap_err().code(), "UPD_TAMPERED");
    // Appended bytes too.
    let mut b = bundle(&f, "0.2.0");
    b.extend_from_slice(b"x");
    assert_eq!(apply(&f, b, false).unwrap_err().code(), "UPD_TAMPERED");
    // And a cut payload.
    let mut b = bundle(&f, "0.2.0");
    b.truncate(b.len() - 1);
    assert_eq!(apply(&f, b, false).unwrap_err().code(), "UPD_TAMPERED");
    assert_eq!(current(&f.root), None, "nothing was installed");
}

#[test]
fn tampered_manifest_is_refused() {
    let f = fixture();
    let b = bundle(&f, "0.2.0");
    // Raise the version in the manifest: the signature no longer matches.
    let text = String::from_utf8_lossy(&b).into_owned();
    let at = text.find("\"0.2.0\"").unwrap() + 1;
    let mut b2 = b.clone();
    b2[at] = b'9';
    assert_eq!(
        apply(&f, b2, false).unwrap_err().code(),
        "UPD_BAD_SIGNATURE"
    );
    // A flipped signature byte.
    let mut b3 = b;
    let mlen = u32::from_be_bytes(b3[8..12].try_into().unwrap()) as usize;
    b3[12 + mlen + 4 + 32 + 5] ^= 0x80;
    assert_eq!(
        apply(&f, b3, false).unwrap_err().code(),
        "UPD_BAD_SIGNATURE"
    );
}

#[test]
fn unsigned_and_wrong_key_are_refused() {
    let f = fixture();
    let unsigned = sio_update::make("0.2.0", None, None, &files(&f), None).unwrap();
    assert_eq!(
        apply(&f, unsigned, false).unwrap_err().code(),
        "UPD_UNSIGNED"
    );
    let other = SigningKey::from_seed(&[9u8; 32]).unwrap();
    let b = sio_update::make("0.2.0", None, None, &files(&f), Some(&other)).unwrap();
    assert_eq!(apply(&f, b, false).unwrap_err().code(), "UPD_UNTRUSTED_KEY");
    // Swapping in the trusted public key does not help: the signature is the other key's.
    let mut b = sio_update::make("0.2.0", None, None, &files(&f), Some(&other)).unwrap();
    let mlen = u32::from_be_bytes(b[8..12].try_into().unwrap()) as usize;
    let at = 12 + mlen + 4;
    b[at..at + 32].copy_from_slice(&f.key.public());
    assert_eq!(apply(&f, b, false).unwrap_err().code(), "UPD_BAD_SIGNATURE");
    assert_eq!(current(&f.root), None);
}

#[test]
fn other_files_and_products_are_refused() {
    let f = fixture();
    assert_eq!(
        apply(&f, b"PK\x03\x04 a zip".to_vec(), false)
            .unwrap_err()
            .code(),
        "UPD_FORMAT"
    );
    assert_eq!(
        apply(&f, b"SIOUPD1\n\xff\xff\xff\xff".to_vec(), false)
            .unwrap_err()
            .code(),
        "UPD_FORMAT"
    );
    let b = bundle(&f, "0.2.0");
    assert_eq!(
        apply(&f, b[..40].to_vec(), false).unwrap_err().code(),
        "UPD_FORMAT"
    );
    let b =
        sio_update::make_for("other-app", "9.0.0", None, None, &files(&f), Some(&f.key)).unwrap();
    assert_eq!(apply(&f, b, false).unwrap_err().code(), "UPD_WRONG_PRODUCT");
}

#[test]
fn a_failed_apply_keeps_the_running_version() {
    let f = fixture();
    apply(&f, bundle(&f, "0.2.0"), false).unwrap();
    let mut bad = bundle(&f, "0.3.0");
    let n = bad.len();
    bad[n - 1] ^= 1;
    assert!(apply(&f, bad, false).is_err());
    assert_eq!(current(&f.root).as_deref(), Some("0.2.0"));
    assert!(f.root.join("current/bin/sio").exists());
    // A leftover staging directory from an interrupted apply does not block the next one.
    std::fs::create_dir_all(f.root.join("versions/.staging-0.3.0-1/bin")).unwrap();
    assert_eq!(apply(&f, bundle(&f, "0.3.0"), false).unwrap(), "0.3.0");
}

#[test]
fn keys_round_trip_through_files() {
    let (k, seed) = SigningKey::generate().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("vendor.key");
    use base64::Engine;
    std::fs::write(
        &p,
        base64::engine::general_purpose::STANDARD.encode(seed.as_ref()),
    )
    .unwrap();
    let k2 = SigningKey::from_file(&p).unwrap();
    assert_eq!(k.public(), k2.public());
    assert_eq!(sio_update::decode_key(&k.public_b64()).unwrap(), k.public());
    assert_eq!(
        sio_update::decode_key("AAAA").unwrap_err().code(),
        "UPD_KEY"
    );
}
