//! The administrator's policy file of an АРМ СИО ПСО workstation.
//!
//! The policy is installed by the administrator in a system location the user cannot write
//! (`/etc/sio/policy.toml` on Linux, `%ProgramData%\SIO\policy.toml` on Windows) and says where the
//! protected channel leads, which CA is pinned, which second factors are allowed, how the air gap
//! is enforced, which PKCS#11 modules may be loaded, and where results may be exported. The user
//! never supplies any of these. The schema is documented in docs/policy.md; an example that passes
//! `sio policy check` is packaging/policy.example.toml.
//!
//! The file must not be writable by the user: [`check_protection`] refuses a file (or a directory
//! above it) that is owned by anyone but root or writable by group or others
//! (`POLICY_NOT_PROTECTED`). [`Policy::load_system`] is what the application calls at start.

use std::fmt;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// Where the policy lives on this platform.
pub fn system_path() -> PathBuf {
    if cfg!(windows) {
        PathBuf::from(r"C:\ProgramData\SIO\policy.toml")
    } else {
        PathBuf::from("/etc/sio/policy.toml")
    }
}

/// The whole policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Policy {
    /// The protected channel.
    pub gateway: Gateway,
    /// This workstation.
    #[serde(default)]
    pub workstation: Workstation,
    /// Login and session.
    #[serde(default)]
    pub login: Login,
    /// The air gap (Appendix 4: no Internet access at all; consent §11.6).
    #[serde(default)]
    pub air_gap: AirGap,
    /// Token middleware.
    #[serde(default)]
    pub tokens: Tokens,
    /// The user interface.
    #[serde(default)]
    pub ui: Ui,
    /// Export of results to case materials (rule 48 as of 2024) and shredding.
    #[serde(default)]
    pub results: Results,
    /// Offline updates: the vendor keys update bundles must be signed with.
    #[serde(default)]
    pub updates: Updates,
}

/// The protected channel to СИО ПСО.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Gateway {
    /// `https://host:port` of the gateway.
    pub url: String,
    /// PEM file with the CA certificate(s) pinned for the gateway's TLS certificate.
    pub ca: PathBuf,
    /// Timeout of one call, seconds.
    #[serde(default = "default_timeout")]
    pub timeout_seconds: u32,
}

fn default_timeout() -> u32 {
    30
}

/// This workstation's identity.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Workstation {
    /// Identifier recorded in journals (defaults to the host name).
    #[serde(default)]
    pub id: Option<String>,
    /// PEM certificate of the workstation for mutual TLS, when the user's token cannot be used
    /// for TLS client authentication.
    #[serde(default)]
    pub certificate: Option<PathBuf>,
    /// PEM private key of that certificate (readable by the application only).
    #[serde(default)]
    pub key: Option<PathBuf>,
    /// The application's data directory (vault, outbox, journal). Default: the user's
    /// `~/.local/share/sio` (`%LOCALAPPDATA%\SIO` on Windows).
    #[serde(default)]
    pub data_dir: Option<PathBuf>,
}

/// A second factor of rule 18 (as of Order 88/2024).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Factor {
    /// One-time SMS code.
    Sms,
    /// Fingerprint.
    Fingerprint,
    /// Webcam Face ID.
    Face,
}

/// Login and session rules.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Login {
    /// Second factors offered on this workstation.
    #[serde(default = "all_factors")]
    pub second_factors: Vec<Factor>,
    /// Lock the session after this many idle minutes (1–15).
    #[serde(default = "default_idle")]
    pub idle_lock_minutes: u32,
}

fn all_factors() -> Vec<Factor> {
    vec![Factor::Sms, Factor::Fingerprint, Factor::Face]
}

fn default_idle() -> u32 {
    15
}

impl Default for Login {
    fn default() -> Self {
        Login {
            second_factors: all_factors(),
            idle_lock_minutes: default_idle(),
        }
    }
}

/// What to do when the workstation can reach other networks.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OnViolation {
    /// Refuse to start a session.
    #[default]
    Refuse,
    /// Warn and go on.
    Warn,
}

/// An IP network in CIDR notation, e.g. `10.20.0.0/16`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Network {
    /// Network address.
    pub addr: IpAddr,
    /// Prefix length.
    pub prefix: u8,
}

impl Network {
    /// Whether `ip` is inside this network.
    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.addr, ip) {
            (IpAddr::V4(n), IpAddr::V4(a)) => {
                let mask = u32::MAX
                    .checked_shl(32 - u32::from(self.prefix))
                    .unwrap_or(0);
                u32::from(n) & mask == u32::from(a) & mask
            }
            (IpAddr::V6(n), IpAddr::V6(a)) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(self.prefix))
                    .unwrap_or(0);
                u128::from(n) & mask == u128::from(a) & mask
            }
            _ => false,
        }
    }
}

impl FromStr for Network {
    type Err = PolicyError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || PolicyError::Invalid(format!("not a network in CIDR notation: {s:?}"));
        let (a, p) = s.trim().split_once('/').ok_or_else(bad)?;
        let addr: IpAddr = a.parse().map_err(|_| bad())?;
        let prefix: u8 = p.parse().map_err(|_| bad())?;
        let max = if addr.is_ipv4() { 32 } else { 128 };
        if prefix > max {
            return Err(bad());
        }
        Ok(Network { addr, prefix })
    }
}

impl TryFrom<String> for Network {
    type Error = PolicyError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl From<Network> for String {
    fn from(n: Network) -> String {
        n.to_string()
    }
}

impl fmt::Display for Network {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.addr, self.prefix)
    }
}

/// The air gap.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AirGap {
    /// Refuse or warn when the workstation has a route to other networks.
    #[serde(default)]
    pub on_violation: OnViolation,
    /// Networks of the protected channel: routes into these are not a violation.
    #[serde(default)]
    pub allowed_networks: Vec<Network>,
    /// `host:port` targets the diagnosis may actively probe (TCP connect). Nothing else is ever
    /// contacted.
    #[serde(default)]
    pub probe_targets: Vec<String>,
    /// Next hops (IP addresses) of a default route that the administrator vouches lead only to
    /// the protected channel; any other default route is a violation.
    #[serde(default)]
    pub allowed_gateways: Vec<IpAddr>,
}

/// Token middleware.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Tokens {
    /// PKCS#11 modules that may be loaded, in order of preference.
    #[serde(default = "default_modules")]
    pub pkcs11_modules: Vec<PathBuf>,
    /// Whether the user may add module paths in the settings.
    #[serde(default)]
    pub user_may_add_modules: bool,
}

fn default_modules() -> Vec<PathBuf> {
    if cfg!(windows) {
        vec![PathBuf::from(r"C:\Windows\System32\opensc-pkcs11.dll")]
    } else {
        vec![PathBuf::from("/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so")]
    }
}

impl Default for Tokens {
    fn default() -> Self {
        Tokens {
            pkcs11_modules: default_modules(),
            user_may_add_modules: false,
        }
    }
}

/// A UI language.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Language {
    /// Kazakh.
    Kk,
    /// Russian.
    #[default]
    Ru,
    /// English.
    En,
}

/// The user interface.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Ui {
    /// Default language; the user may switch at run time.
    #[serde(default)]
    pub language: Language,
}

/// Results: export and shredding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Results {
    /// Directories where "attach to case materials" may write. Empty: export is disabled.
    #[serde(default)]
    pub export_dirs: Vec<PathBuf>,
    /// Shred a viewed result this many minutes after it was first opened, even if still open.
    #[serde(default = "default_shred")]
    pub shred_after_view_minutes: u32,
}

fn default_shred() -> u32 {
    30
}

impl Default for Results {
    fn default() -> Self {
        Results {
            export_dirs: Vec::new(),
            shred_after_view_minutes: default_shred(),
        }
    }
}

/// Offline updates (`sio update apply`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Updates {
    /// Ed25519 public keys (base64 of the 32 raw bytes) of the vendor, accepted in addition to the
    /// key built into the application (for a key rotation between releases).
    #[serde(default)]
    pub vendor_keys: Vec<String>,
    /// Where updates are installed (versions side by side and a `current` link).
    /// Default: `/opt/arm-sio-pso` (`%ProgramFiles%\ARM SIO PSO` on Windows).
    #[serde(default)]
    pub install_root: Option<PathBuf>,
}

/// Why a policy was refused.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PolicyError {
    /// The file could not be read.
    #[error("cannot read the policy file {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// Not TOML of the documented schema.
    #[error("the policy file is not valid: {0}")]
    Syntax(String),
    /// A value breaks a rule of the schema.
    #[error("the policy is not acceptable: {0}")]
    Invalid(String),
    /// The file, or a directory above it, can be changed by someone other than root.
    #[error("the policy file {path} is not protected from the user: {detail}")]
    NotProtected {
        /// The file or directory at fault.
        path: PathBuf,
        /// What is wrong (owner or mode).
        detail: String,
    },
}

sio_error::coded! {
    PolicyError, default Administrator;
    Self::Read { .. } => "POLICY_UNREADABLE",
    Self::Syntax(_) => "POLICY_SYNTAX",
    Self::Invalid(_) => "POLICY_INVALID",
    Self::NotProtected { .. } => "POLICY_NOT_PROTECTED",
}

/// Every code sio-policy can return, one list per error enum (the failure-code catalogue check).
pub const CODES: &[&[&str]] = &[<PolicyError as sio_error::CodeList>::CODES];

impl Policy {
    /// Parse and validate a policy from TOML text.
    pub fn parse(text: &str) -> Result<Policy, PolicyError> {
        let p = Policy::parse_schema(text)?;
        p.validate()?;
        Ok(p)
    }

    /// Parse TOML text against the schema only (types, known keys); [`Policy::problems`] lists
    /// what else is wrong. For `sio policy check`, which reports every problem at once.
    pub fn parse_schema(text: &str) -> Result<Policy, PolicyError> {
        toml::from_str(text).map_err(|e| PolicyError::Syntax(e.to_string()))
    }

    /// Read, parse and validate a policy file.
    pub fn load(path: &Path) -> Result<Policy, PolicyError> {
        let text = std::fs::read_to_string(path).map_err(|source| PolicyError::Read {
            path: path.to_owned(),
            source,
        })?;
        Policy::parse(&text)
    }

    /// The policy as TOML.
    pub fn to_toml(&self) -> String {
        toml::to_string_pretty(self).unwrap_or_default()
    }

    /// Check the file's protection ([`check_protection`]: owned by root, writable by root only,
    /// and so is every directory above it), then read, parse and validate it. What the
    /// application calls at start.
    pub fn load_system(path: &Path) -> Result<Policy, PolicyError> {
        check_protection(path)?;
        Policy::load(path)
    }

    /// [`Policy::load_system`] for any path: the system-wide file ([`system_path`]) and an
    /// override alike (`--policy`, `SIO_POLICY`). An override is as trusted as the installed
    /// file — it names the gateway, the pinned CA and the token modules — so it must be as
    /// protected from the user (`POLICY_NOT_PROTECTED`); pointing at another root-owned,
    /// protected file is all an override can do. [`Policy::load`] (no protection check) is for
    /// `sio policy check` of a draft and for tests.
    pub fn load_checked(path: &Path) -> Result<Policy, PolicyError> {
        Policy::load_system(path)
    }

    /// The rules of the schema that types alone do not hold: the first one broken.
    pub fn validate(&self) -> Result<(), PolicyError> {
        match self.problems().into_iter().next() {
            Some(m) => Err(PolicyError::Invalid(m)),
            None => Ok(()),
        }
    }

    /// Every rule of the schema that the values break, one message each (empty: valid).
    pub fn problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        let mut bad = |m: String| out.push(m);
        let url = self.gateway.url.trim();
        match url.strip_prefix("https://") {
            None => bad("gateway.url must start with https://".into()),
            Some(rest) => {
                let authority = rest.split('/').next().unwrap_or_default();
                if authority.is_empty() || rest.contains(['?', '#', ' ', '@']) {
                    bad("gateway.url must be https://host[:port][/path]".into());
                } else if let Some((host, port)) = authority.rsplit_once(':')
                    && !authority.ends_with(']')
                    && (host.is_empty() || !port.parse::<u16>().is_ok_and(|p| p > 0))
                {
                    bad(format!(
                        "gateway.url has a bad port: {authority:?} (host:1-65535)"
                    ));
                }
            }
        }
        if !(1..=300).contains(&self.gateway.timeout_seconds) {
            bad("gateway.timeout_seconds must be 1–300".into());
        }
        let absolute = |key: &str, p: &Path| {
            if !is_absolute(p) {
                out_push_abs(key, p)
            } else {
                None
            }
        };
        let mut abs_msgs: Vec<String> = Vec::new();
        abs_msgs.extend(absolute("gateway.ca", &self.gateway.ca));
        if let Some(c) = &self.workstation.certificate {
            abs_msgs.extend(absolute("workstation.certificate", c));
        }
        if let Some(k) = &self.workstation.key {
            abs_msgs.extend(absolute("workstation.key", k));
        }
        if let Some(d) = &self.workstation.data_dir {
            abs_msgs.extend(absolute("workstation.data_dir", d));
        }
        if let Some(d) = &self.updates.install_root {
            abs_msgs.extend(absolute("updates.install_root", d));
        }
        for m in &self.tokens.pkcs11_modules {
            abs_msgs.extend(absolute("tokens.pkcs11_modules", m));
        }
        for d in &self.results.export_dirs {
            abs_msgs.extend(absolute("results.export_dirs", d));
        }
        out.extend(abs_msgs);
        let mut bad = |m: String| out.push(m);
        if let Some(id) = &self.workstation.id
            && (id.is_empty()
                || id.len() > 64
                || !id
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
        {
            bad("workstation.id must be 1–64 characters of A–Z, a–z, 0–9, '-', '_', '.'".into());
        }
        if self.workstation.certificate.is_some() != self.workstation.key.is_some() {
            bad("workstation.certificate and workstation.key go together".into());
        }
        if self.login.second_factors.is_empty() {
            bad("login.second_factors must allow at least one factor (rule 18)".into());
        }
        if has_duplicates(&self.login.second_factors) {
            bad("login.second_factors lists a factor twice".into());
        }
        if !(1..=15).contains(&self.login.idle_lock_minutes) {
            bad("login.idle_lock_minutes must be 1–15".into());
        }
        for t in &self.air_gap.probe_targets {
            match t.rsplit_once(':') {
                Some((h, p)) if !h.is_empty() && p.parse::<u16>().is_ok_and(|p| p > 0) => {}
                _ => bad(format!("air_gap.probe_targets are host:port, not {t:?}")),
            }
        }
        if self.tokens.pkcs11_modules.is_empty() {
            bad("tokens.pkcs11_modules must list at least one module".into());
        }
        if has_duplicates(&self.results.export_dirs) {
            bad("results.export_dirs lists a directory twice".into());
        }
        if !(1..=24 * 60).contains(&self.results.shred_after_view_minutes) {
            bad("results.shred_after_view_minutes must be 1–1440".into());
        }
        for k in &self.updates.vendor_keys {
            if decode_b64_32(k).is_none() {
                bad(format!(
                    "updates.vendor_keys: {k:?} is not base64 of a 32-byte Ed25519 public key"
                ));
            }
        }
        out
    }

    /// The vendor keys of `[updates]`, decoded (entries that do not decode are left out;
    /// [`Policy::validate`] refuses them).
    pub fn vendor_keys(&self) -> Vec<[u8; 32]> {
        self.updates
            .vendor_keys
            .iter()
            .filter_map(|k| decode_b64_32(k))
            .collect()
    }
}

fn out_push_abs(key: &str, p: &Path) -> Option<String> {
    Some(format!(
        "{key} must be an absolute path, not {:?}",
        p.display().to_string()
    ))
}

/// Absolute on this platform; a policy written for Windows is also accepted on Linux for
/// `sio policy check` (drive-letter paths).
fn is_absolute(p: &Path) -> bool {
    let s = p.to_string_lossy();
    // Bytes, not string slices: `aЖ/x` has no character boundary at byte 2.
    p.is_absolute()
        || matches!(s.as_bytes(), [d, b':', b'\\' | b'/', ..] if d.is_ascii_alphabetic())
}

fn has_duplicates<T: PartialEq>(v: &[T]) -> bool {
    v.iter().enumerate().any(|(i, a)| v[..i].contains(a))
}

/// Standard base64 (with or without padding) of exactly 32 bytes.
fn decode_b64_32(s: &str) -> Option<[u8; 32]> {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let s = s.trim().trim_end_matches('=');
    let mut bits: u32 = 0;
    let mut n = 0u32;
    let mut out = Vec::with_capacity(33);
    for c in s.bytes() {
        let v = ALPHABET.iter().position(|&a| a == c)? as u32;
        bits = (bits << 6) | v;
        n += 6;
        if n >= 8 {
            n -= 8;
            out.push((bits >> n) as u8);
            bits &= (1 << n) - 1;
        }
    }
    out.try_into().ok()
}

/// Check that the user cannot change the policy file. Every component of the path is examined
/// with `lstat`, without following links, from `/` down:
/// - every directory, the file, and every symbolic link on the way is owned by root;
/// - no directory is writable by group or others, unless it has the sticky bit (as `/tmp`:
///   then only root may rename or remove root's entries in it);
/// - the file itself is a regular file, not a symbolic link, and not writable by group or
///   others;
/// - a symbolic link inside the path (e.g. `/var/run` → `/run`) is followed only after its own
///   owner was checked, and its target is checked the same way (at most 40 links).
///
/// Refused: `POLICY_NOT_PROTECTED`, naming the component at fault; a component that cannot be
/// read: `POLICY_UNREADABLE`. Windows: the ACL check is not implemented here; the installer sets
/// `%ProgramData%\SIO` to Administrators-only (docs/INSTALL.md).
///
/// Developers who run the tests as a normal user build with the cargo feature `dev-own-policy`,
/// which also trusts files owned by the current user; no packaged build enables it.
pub fn check_protection(path: &Path) -> Result<(), PolicyError> {
    check_protection_for_owner(path, 0)
}

/// The user this process runs as (the owner of `/proc/self`), for the `dev-own-policy` feature.
#[cfg(all(unix, feature = "dev-own-policy"))]
fn current_uid() -> Option<u32> {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata("/proc/self").ok().map(|m| m.uid())
}

/// [`check_protection`] with another trusted owner than root (for tests and for a policy kept
/// by a dedicated service account).
#[cfg(unix)]
pub fn check_protection_for_owner(path: &Path, trusted_uid: u32) -> Result<(), PolicyError> {
    use std::collections::VecDeque;
    use std::ffi::OsString;
    use std::os::unix::fs::MetadataExt;
    use std::path::Component;

    #[cfg(feature = "dev-own-policy")]
    let me = current_uid();
    #[cfg(not(feature = "dev-own-policy"))]
    let me: Option<u32> = None;
    let trusted = |uid: u32| uid == 0 || uid == trusted_uid || Some(uid) == me;
    let refuse = |p: &Path, detail: String| PolicyError::NotProtected {
        path: p.to_owned(),
        detail,
    };
    let unreadable = |p: &Path, source| PolicyError::Read {
        path: p.to_owned(),
        source,
    };
    let owner_err = |p: &Path, what: &str, uid: u32| {
        refuse(
            p,
            format!(
                "{what} owned by uid {uid} (must be root): chown root:root {}",
                p.display()
            ),
        )
    };
    // A directory the next component lives in: trusted owner, not writable by group or others
    // unless sticky.
    let check_dir = |d: &Path, m: &std::fs::Metadata| -> Result<(), PolicyError> {
        if !trusted(m.uid()) {
            return Err(owner_err(d, "directory", m.uid()));
        }
        let sticky = m.mode() & 0o1000 != 0;
        if m.mode() & 0o022 != 0 && !sticky {
            return Err(refuse(
                d,
                format!(
                    "directory mode {:04o} lets group or others replace the file: chmod 0755 {}",
                    m.mode() & 0o7777,
                    d.display()
                ),
            ));
        }
        Ok(())
    };

    let abs = std::path::absolute(path).map_err(|e| unreadable(path, e))?;
    let mut pending: VecDeque<OsString> = VecDeque::new();
    for c in abs.components() {
        match c {
            Component::Prefix(_) | Component::RootDir => {}
            Component::CurDir => {}
            Component::ParentDir => pending.push_back("..".into()),
            Component::Normal(n) => pending.push_back(n.to_owned()),
        }
    }
    let root = PathBuf::from("/");
    let m = std::fs::symlink_metadata(&root).map_err(|e| unreadable(&root, e))?;
    check_dir(&root, &m)?;
    let mut cur = root.clone();
    let mut links = 0u32;
    while let Some(name) = pending.pop_front() {
        if name == "." {
            continue;
        }
        if name == ".." {
            // `cur` holds no links, so its parent is the physical parent (checked already).
            cur.pop();
            continue;
        }
        let next = cur.join(&name);
        let m = std::fs::symlink_metadata(&next).map_err(|e| unreadable(&next, e))?;
        let last = pending.is_empty();
        if m.file_type().is_symlink() {
            if last {
                return Err(refuse(
                    &next,
                    "a symbolic link: install the policy file itself there, owned by root".into(),
                ));
            }
            if !trusted(m.uid()) {
                return Err(owner_err(&next, "symbolic link", m.uid()));
            }
            links += 1;
            if links > 40 {
                return Err(refuse(&next, "too many symbolic links on the way".into()));
            }
            let target = std::fs::read_link(&next).map_err(|e| unreadable(&next, e))?;
            let mut front: Vec<OsString> = Vec::new();
            for c in target.components() {
                match c {
                    Component::Prefix(_) | Component::RootDir => {
                        front.clear();
                        cur = root.clone();
                    }
                    Component::CurDir => {}
                    Component::ParentDir => front.push("..".into()),
                    Component::Normal(n) => front.push(n.to_owned()),
                }
            }
            for n in front.into_iter().rev() {
                pending.push_front(n);
            }
            continue;
        }
        if m.is_dir() {
            check_dir(&next, &m)?;
        } else if !last {
            return Err(refuse(&next, "not a directory".into()));
        } else if !m.is_file() {
            return Err(refuse(&next, "not a regular file".into()));
        } else {
            if !trusted(m.uid()) {
                return Err(owner_err(&next, "file", m.uid()));
            }
            if m.mode() & 0o022 != 0 {
                return Err(refuse(
                    &next,
                    format!(
                        "mode {:04o} lets group or others write it: chmod 0644 {}",
                        m.mode() & 0o7777,
                        next.display()
                    ),
                ));
            }
        }
        cur = next;
    }
    // The path must end at the file (not `…/dir`, `…/..`).
    let m = std::fs::symlink_metadata(&cur).map_err(|e| unreadable(&cur, e))?;
    if !m.is_file() {
        return Err(refuse(&cur, "not a regular file".into()));
    }
    Ok(())
}

/// [`check_protection`] with another trusted owner than root (Windows: not checked here).
#[cfg(not(unix))]
pub fn check_protection_for_owner(path: &Path, _trusted_uid: u32) -> Result<(), PolicyError> {
    std::fs::metadata(path)
        .map(|_| ())
        .map_err(|source| PolicyError::Read {
            path: path.to_owned(),
            source,
        })
}

#[cfg(test)]
mod tests;
