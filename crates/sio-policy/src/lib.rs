//! The administrator's policy file of an АРМ СИО ПСО workstation.
//!
//! The policy is installed by the administrator in a system location the user cannot write
//! (`/etc/sio/policy.toml` on Linux, `%ProgramData%\SIO\policy.toml` on Windows) and says where the
//! protected channel leads, which CA is pinned, which second factors are allowed, how the air gap
//! is enforced, which PKCS#11 modules may be loaded, and where results may be exported. The user
//! never supplies any of these. The schema is documented in docs/INSTALL.md.

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
}

impl PolicyError {
    /// The stable code of the error.
    pub fn code(&self) -> &'static str {
        match self {
            PolicyError::Read { .. } => "POLICY_UNREADABLE",
            PolicyError::Syntax(_) => "POLICY_SYNTAX",
            PolicyError::Invalid(_) => "POLICY_INVALID",
        }
    }
}

impl Policy {
    /// Parse and validate a policy from TOML text.
    pub fn parse(text: &str) -> Result<Policy, PolicyError> {
        let p: Policy = toml::from_str(text).map_err(|e| PolicyError::Syntax(e.to_string()))?;
        p.validate()?;
        Ok(p)
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

    /// The rules of the schema that types alone do not hold.
    pub fn validate(&self) -> Result<(), PolicyError> {
        let bad = |m: &str| Err(PolicyError::Invalid(m.to_owned()));
        let url = self.gateway.url.trim();
        let Some(rest) = url.strip_prefix("https://") else {
            return bad("gateway.url must start with https://");
        };
        if rest.is_empty() || rest.contains(['?', '#', ' ']) {
            return bad("gateway.url must be https://host[:port][/path]");
        }
        if !(1..=300).contains(&self.gateway.timeout_seconds) {
            return bad("gateway.timeout_seconds must be 1–300");
        }
        if self.login.second_factors.is_empty() {
            return bad("login.second_factors must allow at least one factor (rule 18)");
        }
        if !(1..=15).contains(&self.login.idle_lock_minutes) {
            return bad("login.idle_lock_minutes must be 1–15");
        }
        if self.workstation.certificate.is_some() != self.workstation.key.is_some() {
            return bad("workstation.certificate and workstation.key go together");
        }
        for t in &self.air_gap.probe_targets {
            match t.rsplit_once(':') {
                Some((h, p)) if !h.is_empty() && p.parse::<u16>().is_ok_and(|p| p > 0) => {}
                _ => return bad("air_gap.probe_targets are host:port"),
            }
        }
        if !(1..=24 * 60).contains(&self.results.shred_after_view_minutes) {
            return bad("results.shred_after_view_minutes must be 1–1440");
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FULL: &str = r#"
[gateway]
url = "https://127.0.0.1:8443"
ca = "/etc/sio/gateway-ca.pem"

[workstation]
id = "WS-AST-0042"

[login]
second_factors = ["sms", "face"]
idle_lock_minutes = 10

[air_gap]
on_violation = "warn"
allowed_networks = ["10.20.0.0/16", "fd00::/8"]
probe_targets = ["10.20.0.1:443"]

[tokens]
pkcs11_modules = ["/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so"]

[ui]
language = "kk"

[results]
export_dirs = ["/srv/case-materials"]
shred_after_view_minutes = 5
"#;

    #[test]
    fn full_policy_parses_and_round_trips() {
        let p = Policy::parse(FULL).unwrap();
        assert_eq!(p.login.second_factors, [Factor::Sms, Factor::Face]);
        assert_eq!(p.air_gap.on_violation, OnViolation::Warn);
        assert_eq!(p.ui.language, Language::Kk);
        assert!(p.air_gap.allowed_networks[0].contains("10.20.3.4".parse().unwrap()));
        assert!(!p.air_gap.allowed_networks[0].contains("10.21.0.1".parse().unwrap()));
        assert!(p.air_gap.allowed_networks[1].contains("fd12::1".parse().unwrap()));
        assert_eq!(Policy::parse(&p.to_toml()).unwrap(), p);
    }

    #[test]
    fn minimal_policy_takes_defaults() {
        let p = Policy::parse("[gateway]\nurl = \"https://gw:8443\"\nca = \"/ca.pem\"\n").unwrap();
        assert_eq!(p.login.idle_lock_minutes, 15);
        assert_eq!(p.air_gap.on_violation, OnViolation::Refuse);
        assert_eq!(p.login.second_factors.len(), 3);
    }

    #[test]
    fn refusals_have_codes() {
        let base = "[gateway]\nurl = \"https://gw:8443\"\nca = \"/ca.pem\"\n";
        let cases = [
            (
                "[gateway]\nurl = \"http://gw\"\nca = \"/ca\"\n",
                "POLICY_INVALID",
            ),
            ("[gateway]\nurl = 3\n", "POLICY_SYNTAX"),
            (
                &format!("{base}[login]\nidle_lock_minutes = 60\n"),
                "POLICY_INVALID",
            ),
            (
                &format!("{base}[login]\nsecond_factors = []\n"),
                "POLICY_INVALID",
            ),
            (
                &format!("{base}[air_gap]\nallowed_networks = [\"10.0.0.0/33\"]\n"),
                "POLICY_SYNTAX",
            ),
            (
                &format!("{base}[air_gap]\nprobe_targets = [\"host\"]\n"),
                "POLICY_INVALID",
            ),
            (
                &format!("{base}[workstation]\nkey = \"/k.pem\"\n"),
                "POLICY_INVALID",
            ),
            (&format!("{base}[unknown]\nx = 1\n"), "POLICY_SYNTAX"),
        ];
        for (text, code) in cases {
            assert_eq!(Policy::parse(text).unwrap_err().code(), code, "{text}");
        }
        let e = Policy::load(Path::new("/nonexistent/policy.toml")).unwrap_err();
        assert_eq!(e.code(), "POLICY_UNREADABLE");
    }
}
