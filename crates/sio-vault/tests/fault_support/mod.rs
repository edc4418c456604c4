//! Real faults for the fault tests: a small tmpfs of our own (the disk that fills up) and a
//! scan of everything on it. Shared by `sio-vault/tests/faults.rs` and `sio-update/tests/faults.rs`
//! (included by path).
#![allow(dead_code)] // each test binary uses a subset

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

/// A tmpfs mounted for one test, unmounted on drop. Needs root (`mount -t tmpfs`).
pub(crate) struct Tmpfs {
    dir: tempfile::TempDir,
    filler: PathBuf,
}

impl Tmpfs {
    /// Mount a tmpfs of `kib` KiB, or `None` (with a message saying why the test is skipped)
    /// where mounting is not permitted.
    pub(crate) fn mount(kib: u64) -> Option<Self> {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let out = Command::new("mount")
            .args([
                "-t",
                "tmpfs",
                "-o",
                &format!("size={kib}k,mode=0700"),
                "tmpfs",
            ])
            .arg(dir.path())
            .output();
        match out {
            Ok(o) if o.status.success() => {}
            Ok(o) => {
                eprintln!(
                    "SKIPPED: cannot mount a tmpfs to fill (run the tests as root): {}",
                    String::from_utf8_lossy(&o.stderr).trim()
                );
                return None;
            }
            Err(e) => {
                eprintln!("SKIPPED: cannot run mount: {e}");
                return None;
            }
        }
        let filler = dir.path().join("filler");
        Some(Self { dir, filler })
    }

    /// The mount point.
    pub(crate) fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Fill the file system, then give back `leave` bytes (rounded by the kernel to pages).
    pub(crate) fn fill_leaving(&self, leave: u64) {
        let mut f = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.filler)
            .expect("filler");
        let chunk = vec![0xa5u8; 64 * 1024];
        loop {
            match f.write(&chunk) {
                Ok(0) => break,
                Ok(_) => {}
                Err(e) if e.raw_os_error() == Some(28) => break, // ENOSPC
                Err(e) => panic!("filling the tmpfs: {e}"),
            }
        }
        // Partial chunks: fill the last bytes too.
        let small = [0xa5u8; 512];
        while f.write(&small).is_ok_and(|n| n > 0) {}
        let len = f.metadata().expect("metadata").len();
        f.set_len(len.saturating_sub(leave)).expect("truncate");
        f.sync_all().ok();
    }

    /// Free the space taken by the filler.
    pub(crate) fn free(&self) {
        let _ = fs::remove_file(&self.filler);
    }

    /// Bytes free now.
    pub(crate) fn available(&self) -> u64 {
        let out = Command::new("df")
            .args(["--output=avail", "-B1"])
            .arg(self.path())
            .output()
            .expect("df");
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .nth(1)
            .and_then(|l| l.trim().parse().ok())
            .unwrap_or(0)
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount")
            .arg("-l")
            .arg(self.dir.path())
            .status();
    }
}

/// Every regular file under `dir` (the filler aside) whose bytes contain `needle`.
pub(crate) fn files_containing(dir: &Path, needle: &[u8]) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(rd) = fs::read_dir(&d) else { continue };
        for e in rd.flatten() {
            let p = e.path();
            let Ok(t) = e.file_type() else { continue };
            if t.is_dir() {
                stack.push(p);
            } else if t.is_file() && p.file_name().is_some_and(|n| n != "filler") {
                let bytes = fs::read(&p).unwrap_or_default();
                if bytes.windows(needle.len()).any(|w| w == needle) {
                    out.push(p);
                }
            }
        }
    }
    out
}

/// Every file under `dir` whose name ends in `.tmp` or starts with `.staging-`.
pub(crate) fn leftovers(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(rd) = fs::read_dir(&d) else { continue };
        for e in rd.flatten() {
            let p = e.path();
            let name = e.file_name().to_string_lossy().into_owned();
            if name.ends_with(".tmp") || name.starts_with(".staging-") || name.starts_with(".old-")
            {
                out.push(p.clone());
            }
            if e.file_type().is_ok_and(|t| t.is_dir()) {
                stack.push(p);
            }
        }
    }
    out
}

/// Create `path` with `len` bytes of a repeating pattern.
pub(crate) fn write_pattern(path: &Path, len: usize, marker: &[u8]) {
    let mut f = File::create(path).expect("create");
    let mut left = len;
    while left > 0 {
        let n = left.min(marker.len());
        f.write_all(&marker[..n]).expect("write");
        left -= n;
    }
}
