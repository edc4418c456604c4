//! Offline update bundles of АРМ СИО ПСО.
//!
//! Workstations have no Internet, so updates arrive as one file (a USB stick) that the
//! administrator applies with `sio update apply FILE`. There is no network updater.
//!
//! # Format (`.siou`, version 1)
//!
//! ```text
//! "SIOUPD1\n"                      8 bytes, magic
//! manifest length                  u32, big endian (≤ 1 MiB)
//! manifest                         JSON, UTF-8 (see [`Manifest`])
//! signature length                 u32, big endian: 0 (unsigned) or 96
//! vendor public key ‖ signature    32 + 64 bytes, Ed25519
//! payload                          the files of the manifest, concatenated in its order
//! ```
//!
//! The signature covers `"SIO-UPDATE-v1\0" ‖ manifest`; the manifest holds the product, the version,
//! an optional minimum installed version, and every file's path, size, mode and SHA-256, so the
//! payload is bound to the signature through the hashes. Nothing of the bundle is written
//! anywhere before the signature, the product, the version and every hash are checked.
//!
//! # Why Ed25519 and not the CMS/X.509 signatures of sio-sign
//!
//! A vendor certificate expires and would need a revocation check; an offline workstation has
//! neither a CRL feed nor a trustworthy clock, so an expired or unverifiable vendor certificate
//! would block the very update that fixes the problem. A bare Ed25519 key pinned in the binary
//! (and, for a key rotation, in the administrator's policy `updates.vendor_keys`) has no validity
//! period, no chain to build, 64-byte signatures, and `ring` (already used for TLS) verifies it,
//! so no new dependency is added.
//!
//! # Installation
//!
//! Versions are installed side by side under a root (`/opt/arm-sio-pso` by default):
//! `versions/<version>/…` plus a `current` symbolic link. A new version is written to a staging
//! directory (each file hashed again as written, then `fsync`ed), renamed into `versions/`, and
//! `current` is replaced by `rename(2)` of a new link — the switch is atomic, and an interrupted
//! apply leaves the previous version running. The previous version is kept for a rollback.

use std::fmt;
use std::fs;
use std::io::Write;
use std::path::{Component, Path, PathBuf};
use std::str::FromStr;

use base64::Engine;
use ring::signature::{ED25519, Ed25519KeyPair, KeyPair, UnparsedPublicKey};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

/// The product name every bundle for this application must carry.
pub const PRODUCT: &str = "arm-sio-pso";
/// Magic at the start of a bundle.
pub const MAGIC: &[u8; 8] = b"SIOUPD1\n";
/// Domain separation of the signed bytes.
const SIGNED_PREFIX: &[u8] = b"SIO-UPDATE-v1\0";
/// Largest manifest accepted.
const MAX_MANIFEST: usize = 1 << 20;
/// Most files in one bundle.
const MAX_FILES: usize = 10_000;
/// Name of the manifest kept inside each installed version.
pub const INSTALLED_MANIFEST: &str = "MANIFEST.json";
/// Default install root on Linux.
pub const DEFAULT_ROOT: &str = "/opt/arm-sio-pso";

/// The vendor's update key built into this binary: base64 of the Ed25519 public key, set at
/// build time with the environment variable `SIO_VENDOR_UPDATE_KEY` (release builds). Without it
/// only the keys of the policy's `updates.vendor_keys` are trusted.
pub fn builtin_vendor_key() -> Option<[u8; 32]> {
    option_env!("SIO_VENDOR_UPDATE_KEY").and_then(|k| decode_key(k).ok())
}

/// Why an update was refused.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum UpdateError {
    /// Not a bundle (bad magic, lengths out of range, truncated).
    #[error("not an update bundle of this product: {0}")]
    Format(String),
    /// The bundle carries no signature.
    #[error("the update bundle is not signed")]
    Unsigned,
    /// Signed with a key that is not the vendor's.
    #[error("the update bundle is signed with a key that is not trusted (key {0})")]
    UntrustedKey(String),
    /// The signature does not match the manifest: the manifest was changed after signing.
    #[error("the update bundle's signature does not match its contents")]
    BadSignature,
    /// The manifest breaks a rule (paths, sizes, version syntax).
    #[error("the update bundle's manifest is not acceptable: {0}")]
    Manifest(String),
    /// The payload does not match the signed hashes or sizes.
    #[error("the update bundle was altered: {0}")]
    Tampered(String),
    /// A bundle of another product.
    #[error("the update bundle is for {found:?}, not {PRODUCT:?}")]
    WrongProduct {
        /// The product named in the bundle.
        found: String,
    },
    /// Older than what is installed.
    #[error("the update {offered} is older than the installed {installed}: downgrades are refused")]
    Downgrade {
        /// Version in the bundle.
        offered: Version,
        /// Version installed.
        installed: Version,
    },
    /// The same version is already installed.
    #[error("version {0} is already installed (use --reinstall to install it again)")]
    SameVersion(Version),
    /// The installed version is too old to take this update directly.
    #[error("the update needs at least version {min} installed, found {installed}")]
    TooOld {
        /// Minimum installed version the bundle accepts.
        min: Version,
        /// Version installed.
        installed: Version,
    },
    /// A key file is not usable.
    #[error("the key is not usable: {0}")]
    Key(String),
    /// Reading the bundle or writing the installation failed.
    #[error("{what}: {source}")]
    Io {
        /// What was being done.
        what: String,
        /// The cause.
        source: std::io::Error,
    },
}

sio_error::coded! {
    UpdateError, default DoNotTrust;
    Self::Format(_) => "UPD_FORMAT",
    Self::Unsigned => "UPD_UNSIGNED",
    Self::UntrustedKey(_) => "UPD_UNTRUSTED_KEY",
    Self::BadSignature => "UPD_BAD_SIGNATURE",
    Self::Manifest(_) => "UPD_MANIFEST",
    Self::Tampered(_) => "UPD_TAMPERED",
    Self::WrongProduct { .. } => "UPD_WRONG_PRODUCT" [FixInput],
    Self::Downgrade { .. } => "UPD_DOWNGRADE" [FixInput],
    Self::SameVersion(_) => "UPD_SAME_VERSION" [Nothing],
    Self::TooOld { .. } => "UPD_TOO_OLD" [FixInput],
    Self::Key(_) => "UPD_KEY" [FixInput],
    Self::Io { .. } => "UPD_IO" [Administrator],
}

/// Every code sio-update can return, one list per error enum (the failure-code catalogue check).
pub const CODES: &[&[&str]] = &[<UpdateError as sio_error::CodeList>::CODES];

fn io(what: impl Into<String>) -> impl FnOnce(std::io::Error) -> UpdateError {
    let what = what.into();
    move |source| UpdateError::Io { what, source }
}

/// A release version: dot-separated numbers (`1.4.2`), compared numerically.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Version(Vec<u64>);

impl FromStr for Version {
    type Err = UpdateError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || UpdateError::Manifest(format!("not a version (1.2.3): {s:?}"));
        let parts: Result<Vec<u64>, _> = s
            .split('.')
            .map(|p| {
                if p.is_empty() || p.len() > 9 || !p.bytes().all(|b| b.is_ascii_digit()) {
                    Err(bad())
                } else {
                    p.parse::<u64>().map_err(|_| bad())
                }
            })
            .collect();
        let mut parts = parts?;
        if parts.is_empty() || parts.len() > 4 {
            return Err(bad());
        }
        // 1.2 == 1.2.0
        while parts.len() > 1 && parts.last() == Some(&0) {
            parts.pop();
        }
        Ok(Version(parts))
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut v = self.0.clone();
        while v.len() < 3 {
            v.push(0);
        }
        let s: Vec<String> = v.iter().map(u64::to_string).collect();
        f.write_str(&s.join("."))
    }
}

/// One file of the payload.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileEntry {
    /// Relative path inside the version directory, `/`-separated (e.g. `bin/sio`).
    pub path: String,
    /// Size in bytes.
    pub size: u64,
    /// SHA-256 of the content, lowercase hex.
    pub sha256: String,
    /// Unix permission bits (0o755 for programs, 0o644 otherwise).
    pub mode: u32,
}

/// The signed description of a bundle.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    /// Format version: 1.
    pub format: u32,
    /// Product: [`PRODUCT`].
    pub product: String,
    /// Version this bundle installs.
    pub version: String,
    /// The oldest installed version this bundle may be applied to (e.g. when a data migration
    /// needs an intermediate release).
    #[serde(default)]
    pub min_version: Option<String>,
    /// When it was made (RFC 3339, informational).
    #[serde(default)]
    pub created: Option<String>,
    /// Release notes (informational).
    #[serde(default)]
    pub notes: Option<String>,
    /// The payload's files, in payload order.
    pub files: Vec<FileEntry>,
}

impl Manifest {
    fn check(&self) -> Result<(Version, Option<Version>), UpdateError> {
        let bad = |m: String| Err(UpdateError::Manifest(m));
        if self.format != 1 {
            return bad(format!("format {} is not supported", self.format));
        }
        let version: Version = self.version.parse()?;
        let min = self.min_version.as_deref().map(str::parse).transpose()?;
        if self.files.is_empty() || self.files.len() > MAX_FILES {
            return bad(format!("{} files (1–{MAX_FILES})", self.files.len()));
        }
        let mut seen = std::collections::HashSet::new();
        for f in &self.files {
            check_rel_path(&f.path)?;
            if f.path == INSTALLED_MANIFEST {
                return bad(format!("{INSTALLED_MANIFEST} is reserved"));
            }
            if !seen.insert(f.path.as_str()) {
                return bad(format!("{} is listed twice", f.path));
            }
            if f.sha256.len() != 64 || hex::decode(&f.sha256).is_err() {
                return bad(format!("{}: sha256 is not 64 hex digits", f.path));
            }
            if f.mode & !0o777 != 0 {
                return bad(format!("{}: mode {:o} has special bits", f.path, f.mode));
            }
        }
        Ok((version, min))
    }
}

/// A path inside the version directory: relative, `/`-separated, no `..`, no empty parts, and
/// no prefix of another listed file (checked at install).
fn check_rel_path(p: &str) -> Result<(), UpdateError> {
    let bad = || UpdateError::Manifest(format!("unsafe file path {p:?}"));
    if p.is_empty() || p.len() > 255 || p.contains('\\') || p.contains('\0') || p.starts_with('/') {
        return Err(bad());
    }
    for part in p.split('/') {
        if part.is_empty() || part == "." || part == ".." || part.contains(':') {
            return Err(bad());
        }
    }
    if Path::new(p)
        .components()
        .any(|c| !matches!(c, Component::Normal(_)))
    {
        return Err(bad());
    }
    Ok(())
}

/// A bundle whose signature, manifest and payload hashes were checked.
#[derive(Debug)]
pub struct Verified {
    /// The manifest.
    pub manifest: Manifest,
    /// Its version.
    pub version: Version,
    /// The oldest installed version it accepts.
    pub min_version: Option<Version>,
    /// The vendor key that signed it (hex).
    pub key_id: String,
    manifest_bytes: Vec<u8>,
    data: Vec<u8>,
    payload_start: usize,
}

fn read_u32(data: &[u8], at: usize) -> Result<u32, UpdateError> {
    data.get(at..at + 4)
        .and_then(|b| b.try_into().ok())
        .map(u32::from_be_bytes)
        .ok_or_else(|| UpdateError::Format("truncated".into()))
}

/// Decode a base64 Ed25519 public key.
pub fn decode_key(b64: &str) -> Result<[u8; 32], UpdateError> {
    base64::engine::general_purpose::STANDARD
        .decode(b64.trim())
        .ok()
        .and_then(|v| v.try_into().ok())
        .ok_or_else(|| UpdateError::Key("not base64 of a 32-byte Ed25519 public key".into()))
}

/// Short identifier of a public key: the first 8 bytes of its SHA-256, hex.
pub fn key_id(key: &[u8; 32]) -> String {
    hex::encode(&ring::digest::digest(&ring::digest::SHA256, key).as_ref()[..8])
}

/// Check a bundle: format, signature by one of `trusted`, manifest rules, every file's size
/// and hash. Nothing is written.
pub fn verify(data: Vec<u8>, trusted: &[[u8; 32]]) -> Result<Verified, UpdateError> {
    if data.get(..8) != Some(MAGIC.as_slice()) {
        return Err(UpdateError::Format("no SIOUPD1 header".into()));
    }
    let mlen = read_u32(&data, 8)? as usize;
    if mlen == 0 || mlen > MAX_MANIFEST {
        return Err(UpdateError::Format(format!("manifest length {mlen}")));
    }
    let mstart = 12;
    let mend = mstart + mlen;
    let manifest_bytes = data
        .get(mstart..mend)
        .ok_or_else(|| UpdateError::Format("truncated manifest".into()))?
        .to_vec();
    let slen = read_u32(&data, mend)? as usize;
    let sstart = mend + 4;
    match slen {
        0 => return Err(UpdateError::Unsigned),
        96 => {}
        n => return Err(UpdateError::Format(format!("signature length {n}"))),
    }
    let sig_block = data
        .get(sstart..sstart + 96)
        .ok_or_else(|| UpdateError::Format("truncated signature".into()))?;
    let mut key = [0u8; 32];
    key.copy_from_slice(&sig_block[..32]);
    let signature = &sig_block[32..];
    let kid = key_id(&key);
    if !trusted.contains(&key) {
        return Err(UpdateError::UntrustedKey(kid));
    }
    let mut signed = SIGNED_PREFIX.to_vec();
    signed.extend_from_slice(&manifest_bytes);
    UnparsedPublicKey::new(&ED25519, key)
        .verify(&signed, signature)
        .map_err(|_| UpdateError::BadSignature)?;
    // Only signed bytes are parsed from here on.
    let manifest: Manifest = serde_json::from_slice(&manifest_bytes)
        .map_err(|e| UpdateError::Manifest(e.to_string()))?;
    let (version, min_version) = manifest.check()?;
    let payload_start = sstart + 96;
    let mut at = payload_start;
    for f in &manifest.files {
        let size = usize::try_from(f.size)
            .map_err(|_| UpdateError::Tampered(format!("{}: size", f.path)))?;
        let end = at
            .checked_add(size)
            .filter(|&e| e <= data.len())
            .ok_or_else(|| UpdateError::Tampered(format!("{} is truncated", f.path)))?;
        let digest = ring::digest::digest(&ring::digest::SHA256, &data[at..end]);
        if hex::encode(digest.as_ref()) != f.sha256.to_ascii_lowercase() {
            return Err(UpdateError::Tampered(format!(
                "{} does not match its signed SHA-256",
                f.path
            )));
        }
        at = end;
    }
    if at != data.len() {
        return Err(UpdateError::Tampered(format!(
            "{} bytes after the last file",
            data.len() - at
        )));
    }
    Ok(Verified {
        manifest,
        version,
        min_version,
        key_id: kid,
        manifest_bytes,
        data,
        payload_start,
    })
}

/// Read and [`verify`] a bundle file.
pub fn verify_file(path: &Path, trusted: &[[u8; 32]]) -> Result<Verified, UpdateError> {
    let data = fs::read(path).map_err(io(format!("cannot read {}", path.display())))?;
    verify(data, trusted)
}

impl Verified {
    /// Whether this bundle may replace `installed`: same product, not older, not the same
    /// unless `reinstall`, and `installed` not below the bundle's minimum.
    pub fn check_upgrade(
        &self,
        installed: Option<&Version>,
        reinstall: bool,
    ) -> Result<(), UpdateError> {
        if self.manifest.product != PRODUCT {
            return Err(UpdateError::WrongProduct {
                found: self.manifest.product.clone(),
            });
        }
        let Some(installed) = installed else {
            return Ok(());
        };
        if self.version < *installed {
            return Err(UpdateError::Downgrade {
                offered: self.version.clone(),
                installed: installed.clone(),
            });
        }
        if self.version == *installed && !reinstall {
            return Err(UpdateError::SameVersion(self.version.clone()));
        }
        if let Some(min) = &self.min_version
            && installed < min
        {
            return Err(UpdateError::TooOld {
                min: min.clone(),
                installed: installed.clone(),
            });
        }
        Ok(())
    }

    fn files(&self) -> impl Iterator<Item = (&FileEntry, &[u8])> {
        let mut at = self.payload_start;
        self.manifest.files.iter().map(move |f| {
            let start = at;
            at += f.size as usize;
            (f, &self.data[start..at])
        })
    }
}

/// What an installation did.
#[derive(Debug, Clone, Serialize)]
pub struct Installed {
    /// The version now current.
    pub version: String,
    /// The version that was current before, if any.
    pub previous: Option<String>,
    /// Its directory.
    pub dir: PathBuf,
    /// Number of files written.
    pub files: usize,
    /// Bytes written.
    pub bytes: u64,
}

/// The version `current` points at under `root`, if any.
pub fn installed_version(root: &Path) -> Result<Option<Version>, UpdateError> {
    let m = root.join("current").join(INSTALLED_MANIFEST);
    match fs::read(&m) {
        Ok(bytes) => {
            let manifest: Manifest = serde_json::from_slice(&bytes)
                .map_err(|e| UpdateError::Manifest(format!("installed {}: {e}", m.display())))?;
            Ok(Some(manifest.version.parse()?))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(io(format!("cannot read {}", m.display()))(e)),
    }
}

fn sync_dir(dir: &Path) -> Result<(), UpdateError> {
    #[cfg(unix)]
    {
        fs::File::open(dir)
            .and_then(|d| d.sync_all())
            .map_err(io(format!("cannot sync {}", dir.display())))?;
    }
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

/// Install a verified bundle under `root` (see the crate documentation): stage, rename into
/// `versions/<version>`, switch `current` atomically, keep the previous version, remove older
/// ones. Call [`Verified::check_upgrade`] first.
pub fn install(v: &Verified, root: &Path) -> Result<Installed, UpdateError> {
    let versions = root.join("versions");
    fs::create_dir_all(&versions).map_err(io(format!("cannot create {}", versions.display())))?;
    let previous = installed_version(root)?;
    remove_stale_leftovers(root, &versions);
    let name = v.version.to_string();
    let staging = versions.join(format!(".staging-{name}-{}", std::process::id()));
    if staging.exists() {
        fs::remove_dir_all(&staging).map_err(io("cannot clear the staging directory"))?;
    }
    fs::create_dir(&staging).map_err(io(format!("cannot create {}", staging.display())))?;
    let result = stage(v, &staging);
    if let Err(e) = result {
        let _ = fs::remove_dir_all(&staging);
        return Err(e);
    }
    let (files, bytes) = result.unwrap_or_default();
    let target = versions.join(&name);
    if target.exists() {
        // Reinstall of the same version, or the leftover of an interrupted apply: the new copy
        // replaces it only after it is complete.
        let old = versions.join(format!(".old-{name}-{}", std::process::id()));
        fs::rename(&target, &old).map_err(io("cannot move the old copy aside"))?;
        fs::rename(&staging, &target).map_err(io("cannot move the new version in place"))?;
        let _ = fs::remove_dir_all(&old);
    } else {
        fs::rename(&staging, &target).map_err(io("cannot move the new version in place"))?;
    }
    sync_dir(&versions)?;
    switch_current(root, &name)?;
    prune(&versions, &name, previous.as_ref().map(ToString::to_string))?;
    Ok(Installed {
        version: name,
        previous: previous.map(|p| p.to_string()),
        dir: target,
        files,
        bytes,
    })
}

/// Remove what an apply killed midway (power cut, `kill -9`) left behind: its staging copy and
/// moved-aside old copy under `versions/`, its half-made `current` link under `root`. Each name
/// ends in the process id of its apply; those of a process still running are kept (two applies
/// at once). Best effort: whatever cannot be removed is tried again next time.
fn remove_stale_leftovers(root: &Path, versions: &Path) {
    let stale = |name: &str, prefixes: &[&str]| {
        prefixes.iter().any(|p| name.starts_with(p))
            && name
                .rsplit('-')
                .next()
                .and_then(|pid| pid.parse::<u32>().ok())
                .is_some_and(|pid| pid != std::process::id() && !process_alive(pid))
    };
    for (dir, prefixes) in [
        (versions, &[".staging-", ".old-"][..]),
        (root, &[".current-"][..]),
    ] {
        let Ok(entries) = fs::read_dir(dir) else {
            continue;
        };
        for e in entries.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            if stale(&name, prefixes) {
                let p = e.path();
                let is_dir = e.file_type().is_ok_and(|t| t.is_dir());
                let _ = if is_dir {
                    fs::remove_dir_all(&p)
                } else {
                    fs::remove_file(&p)
                };
            }
        }
    }
}

/// Whether process `pid` exists (Linux: `/proc/<pid>`; elsewhere assume it does, keep its files).
fn process_alive(pid: u32) -> bool {
    if cfg!(target_os = "linux") {
        Path::new("/proc").join(pid.to_string()).exists()
    } else {
        true
    }
}

fn stage(v: &Verified, staging: &Path) -> Result<(usize, u64), UpdateError> {
    let mut files = 0;
    let mut bytes = 0u64;
    for (f, content) in v.files() {
        let dest = staging.join(f.path.replace('/', std::path::MAIN_SEPARATOR_STR));
        if let Some(parent) = dest.parent() {
            fs::create_dir_all(parent)
                .map_err(io(format!("cannot create {}", parent.display())))?;
        }
        // Re-hash what is written, from the buffer that is written.
        let digest = ring::digest::digest(&ring::digest::SHA256, content);
        if hex::encode(digest.as_ref()) != f.sha256.to_ascii_lowercase() {
            return Err(UpdateError::Tampered(f.path.clone()));
        }
        let mut out = fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&dest)
            .map_err(io(format!("cannot create {}", dest.display())))?;
        out.write_all(content)
            .and_then(|()| out.sync_all())
            .map_err(io(format!("cannot write {}", dest.display())))?;
        set_mode(&dest, f.mode)?;
        files += 1;
        bytes += f.size;
    }
    fs::write(staging.join(INSTALLED_MANIFEST), &v.manifest_bytes)
        .map_err(io("cannot write the installed manifest"))?;
    sync_dir(staging)?;
    Ok((files, bytes))
}

fn set_mode(path: &Path, mode: u32) -> Result<(), UpdateError> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(path, fs::Permissions::from_mode(mode & 0o755))
            .map_err(io(format!("cannot set the mode of {}", path.display())))?;
    }
    #[cfg(not(unix))]
    let _ = (path, mode);
    Ok(())
}

/// Point `current` at `versions/<name>` by renaming a new link over the old one (atomic).
fn switch_current(root: &Path, name: &str) -> Result<(), UpdateError> {
    let tmp = root.join(format!(".current-{}", std::process::id()));
    let _ = fs::remove_file(&tmp);
    #[cfg(unix)]
    std::os::unix::fs::symlink(Path::new("versions").join(name), &tmp)
        .map_err(io("cannot create the new current link"))?;
    // Windows: a pointer file instead of a link (junctions need elevated APIs); the launcher
    // reads it. Still switched by one rename.
    #[cfg(not(unix))]
    fs::write(&tmp, name).map_err(io("cannot write the new current pointer"))?;
    fs::rename(&tmp, root.join("current")).map_err(io("cannot switch the current version"))?;
    sync_dir(root)
}

/// Keep the current and the previous version; remove other versions and leftovers.
fn prune(versions: &Path, current: &str, previous: Option<String>) -> Result<(), UpdateError> {
    let entries = fs::read_dir(versions).map_err(io("cannot list versions"))?;
    for e in entries.flatten() {
        let n = e.file_name().to_string_lossy().into_owned();
        let keep = n == current || previous.as_deref() == Some(n.as_str());
        let stale_leftover = n.starts_with(".old-");
        if !keep && (stale_leftover || n.parse::<Version>().is_ok()) {
            let _ = fs::remove_dir_all(e.path());
        }
    }
    Ok(())
}

/// A vendor signing key (Ed25519 seed, wiped on drop).
pub struct SigningKey {
    pair: Ed25519KeyPair,
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SigningKey({})", key_id(&self.public()))
    }
}

impl SigningKey {
    /// Generate a new key; returns it and its 32-byte seed for storage (keep it offline).
    pub fn generate() -> Result<(Self, Zeroizing<[u8; 32]>), UpdateError> {
        let mut seed = Zeroizing::new([0u8; 32]);
        ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), seed.as_mut())
            .map_err(|_| UpdateError::Key("no randomness".into()))?;
        Ok((Self::from_seed(seed.as_ref())?, seed))
    }

    /// From a 32-byte seed.
    pub fn from_seed(seed: &[u8]) -> Result<Self, UpdateError> {
        Ed25519KeyPair::from_seed_unchecked(seed)
            .map(|pair| SigningKey { pair })
            .map_err(|_| UpdateError::Key("an Ed25519 seed is 32 bytes".into()))
    }

    /// From a key file: base64 of the 32-byte seed on one line.
    pub fn from_file(path: &Path) -> Result<Self, UpdateError> {
        let text = Zeroizing::new(
            fs::read_to_string(path).map_err(io(format!("cannot read {}", path.display())))?,
        );
        let seed = Zeroizing::new(
            base64::engine::general_purpose::STANDARD
                .decode(text.trim())
                .map_err(|_| UpdateError::Key("the key file is not base64".into()))?,
        );
        Self::from_seed(&seed)
    }

    /// The public key.
    pub fn public(&self) -> [u8; 32] {
        let mut k = [0u8; 32];
        k.copy_from_slice(self.pair.public_key().as_ref());
        k
    }

    /// The public key as base64 (for the policy's `updates.vendor_keys`).
    pub fn public_b64(&self) -> String {
        base64::engine::general_purpose::STANDARD.encode(self.public())
    }
}

/// A file to put into a bundle.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// Path inside the version directory (`bin/sio`).
    pub path: String,
    /// Where to read it from.
    pub source: PathBuf,
    /// Unix mode.
    pub mode: u32,
}

/// Make a bundle (the vendor's side). `key = None` makes an unsigned bundle (tests only).
pub fn make(
    version: &str,
    min_version: Option<&str>,
    notes: Option<&str>,
    files: &[SourceFile],
    key: Option<&SigningKey>,
) -> Result<Vec<u8>, UpdateError> {
    make_for(PRODUCT, version, min_version, notes, files, key)
}

/// [`make`] for a named product (tests of the product check).
pub fn make_for(
    product: &str,
    version: &str,
    min_version: Option<&str>,
    notes: Option<&str>,
    files: &[SourceFile],
    key: Option<&SigningKey>,
) -> Result<Vec<u8>, UpdateError> {
    let mut payload = Vec::new();
    let mut entries = Vec::new();
    for f in files {
        let content =
            fs::read(&f.source).map_err(io(format!("cannot read {}", f.source.display())))?;
        entries.push(FileEntry {
            path: f.path.clone(),
            size: content.len() as u64,
            sha256: hex::encode(ring::digest::digest(&ring::digest::SHA256, &content)),
            mode: f.mode,
        });
        payload.extend_from_slice(&content);
    }
    let manifest = Manifest {
        format: 1,
        product: product.to_owned(),
        version: version.to_owned(),
        min_version: min_version.map(str::to_owned),
        created: None,
        notes: notes.map(str::to_owned),
        files: entries,
    };
    manifest.check()?;
    let manifest_bytes =
        serde_json::to_vec_pretty(&manifest).map_err(|e| UpdateError::Manifest(e.to_string()))?;
    let mut out = Vec::with_capacity(manifest_bytes.len() + payload.len() + 128);
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&(manifest_bytes.len() as u32).to_be_bytes());
    out.extend_from_slice(&manifest_bytes);
    match key {
        Some(k) => {
            let mut signed = SIGNED_PREFIX.to_vec();
            signed.extend_from_slice(&manifest_bytes);
            out.extend_from_slice(&96u32.to_be_bytes());
            out.extend_from_slice(&k.public());
            out.extend_from_slice(k.pair.sign(&signed).as_ref());
        }
        None => out.extend_from_slice(&0u32.to_be_bytes()),
    }
    out.extend_from_slice(&payload);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_compare_numerically() {
        let v = |s: &str| s.parse::<Version>().unwrap();
        assert!(v("0.10.0") > v("0.9.9"));
        assert_eq!(v("1.2"), v("1.2.0"));
        assert_eq!(v("1.2").to_string(), "1.2.0");
        for bad in ["", "1..2", "v1", "1.-2", "1.2.3.4.5", "01234567890"] {
            assert_eq!(bad.parse::<Version>().unwrap_err().code(), "UPD_MANIFEST");
        }
    }

    #[test]
    fn unsafe_paths_are_refused() {
        for p in [
            "",
            "/etc/passwd",
            "../x",
            "a/../../x",
            "a//b",
            "./a",
            "c:x",
            "a\\b",
        ] {
            assert!(check_rel_path(p).is_err(), "{p}");
        }
        check_rel_path("bin/sio").unwrap();
    }
}
