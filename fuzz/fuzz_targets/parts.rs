//! Shared by the targets that take several inputs (files of one directory, a file and a keyring
//! entry): the fuzz input is split at [`SEP`], four bytes that never occur in UTF-8 text, so
//! seeds stay readable and mutations keep the parts apart.
#![allow(dead_code)]

/// The separator between the parts of one fuzz input.
pub const SEP: &[u8] = b"\xff\xfe\xfd\xfc";

/// The first `n` parts of `data` (missing parts are empty; the last part keeps the rest).
pub fn parts(data: &[u8], n: usize) -> Vec<&[u8]> {
    let mut out = Vec::with_capacity(n);
    let mut rest = data;
    while out.len() + 1 < n {
        match rest.windows(SEP.len()).position(|w| w == SEP) {
            Some(i) => {
                out.push(&rest[..i]);
                rest = &rest[i + SEP.len()..];
            }
            None => break,
        }
    }
    out.push(rest);
    while out.len() < n {
        out.push(&[]);
    }
    out
}

/// A scratch directory for one run (under `/dev/shm` when present: no disk I/O per input).
pub fn scratch() -> tempfile::TempDir {
    let base = std::path::Path::new("/dev/shm");
    if base.is_dir() {
        if let Ok(d) = tempfile::Builder::new()
            .prefix("sio-fuzz-")
            .tempdir_in(base)
        {
            return d;
        }
    }
    tempfile::Builder::new()
        .prefix("sio-fuzz-")
        .tempdir()
        .expect("a temporary directory")
}

/// Every error code of the product is upper-case ASCII words joined by `_` (docs/failure-codes.md).
pub fn assert_code(code: &str) {
    assert!(
        !code.is_empty()
            && code
                .bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_'),
        "not a stable code: {code:?}"
    );
}
