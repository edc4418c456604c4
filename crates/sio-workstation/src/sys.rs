//! Small helpers for reading system files and running tools.

use std::path::Path;
use std::process::Command;

/// A file's content, trimmed; `None` when it cannot be read.
pub(crate) fn read_trimmed(path: impl AsRef<Path>) -> Option<String> {
    std::fs::read_to_string(path)
        .ok()
        .map(|s| s.trim().to_owned())
}

/// The first non-empty line a tool prints (stdout, else stderr), if it runs.
pub(crate) fn tool_first_line(program: &str, args: &[&str]) -> Option<String> {
    let out = Command::new(program).args(args).output().ok()?;
    let pick = |b: &[u8]| {
        String::from_utf8_lossy(b)
            .lines()
            .map(str::trim)
            .find(|l| !l.is_empty())
            .map(str::to_owned)
    };
    pick(&out.stdout).or_else(|| pick(&out.stderr))
}

/// Bytes as decimal GB with one decimal.
pub(crate) fn gb(bytes: u64) -> String {
    format!("{:.1} GB", bytes as f64 / 1e9)
}
