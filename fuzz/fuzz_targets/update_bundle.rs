//! The offline update bundle (`.siou`, it arrives on a USB stick) and the manifest of the
//! installed version: any bytes end in an `UPD_*` code, never a panic.
//!
//! Two ways in, chosen by the first byte: the bytes as a whole bundle (as `sio update apply`
//! reads it), or the bytes as manifest ‖ SEP ‖ payload, signed here with the fuzzing key, so
//! that the manifest parser and the installer (into a scratch root) run past the signature.
//! A third part is written as the installed version's `MANIFEST.json` before the install.
#![no_main]

#[path = "parts.rs"]
mod parts;

use std::fs;

use libfuzzer_sys::fuzz_target;
use ring::signature::{Ed25519KeyPair, KeyPair};

const SEED: [u8; 32] = [7; 32];

fn key() -> Ed25519KeyPair {
    Ed25519KeyPair::from_seed_unchecked(&SEED).expect("a 32-byte seed")
}

fn bundle(manifest: &[u8], payload: &[u8], k: &Ed25519KeyPair) -> Vec<u8> {
    let mut signed = b"SIO-UPDATE-v1\0".to_vec();
    signed.extend_from_slice(manifest);
    let mut out = sio_update::MAGIC.to_vec();
    out.extend_from_slice(&(manifest.len() as u32).to_be_bytes());
    out.extend_from_slice(manifest);
    out.extend_from_slice(&96u32.to_be_bytes());
    out.extend_from_slice(k.public_key().as_ref());
    out.extend_from_slice(k.sign(&signed).as_ref());
    out.extend_from_slice(payload);
    out
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let k = key();
    let mut public = [0u8; 32];
    public.copy_from_slice(k.public_key().as_ref());
    let trusted = [public];
    let p = parts::parts(rest, 3);
    let bytes = if mode & 1 == 0 {
        rest.to_vec()
    } else {
        bundle(p[0], p[1], &k)
    };
    let verified = match sio_update::verify(bytes, &trusted) {
        Ok(v) => v,
        Err(e) => return parts::assert_code(e.code()),
    };
    let _ = verified.manifest.version.parse::<sio_update::Version>();
    let root = parts::scratch();
    if mode & 2 != 0 {
        // An installed version whose manifest is the third part.
        let cur = root.path().join("versions/1.0.0");
        fs::create_dir_all(&cur).expect("mkdir");
        fs::write(cur.join(sio_update::INSTALLED_MANIFEST), p[2]).expect("write");
        std::os::unix::fs::symlink("versions/1.0.0", root.path().join("current")).expect("link");
    }
    let installed = match sio_update::installed_version(root.path()) {
        Ok(v) => v,
        Err(e) => return parts::assert_code(e.code()),
    };
    if let Err(e) = verified.check_upgrade(installed.as_ref(), true) {
        return parts::assert_code(e.code());
    }
    match sio_update::install(&verified, root.path()) {
        Ok(done) => assert_eq!(
            sio_update::installed_version(root.path())
                .ok()
                .flatten()
                .map(|v| v.to_string()),
            Some(done.version)
        ),
        Err(e) => parts::assert_code(e.code()),
    }
});
