//! What is checked against: the thresholds of Appendix 4 ([`Requirements`], overridable by a
//! profile file, TOML or JSON) and the administrator's policy — sio-policy's one schema
//! (docs/policy.md), of which [`Policy`] is the diagnosis' view (allowed networks, probe targets,
//! PKCS#11 modules, the gateway and its pinned CA), not a file format of its own.

use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::WorkstationError;

/// Thresholds. The default is Appendix 4 as of Order No. 88/2024.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Requirements {
    /// Minimum CPU clock, MHz (3.1 GHz).
    pub cpu_mhz: u64,
    /// Minimum RAM, bytes (4 GB; decimal, so a 4 GiB machine passes after kernel reservations).
    pub ram_bytes: u64,
    /// Minimum free space on the data directory's file system, bytes (80 GB).
    pub free_disk_bytes: u64,
    /// Minimum link speed of a network card, Mbit/s (100).
    pub nic_mbps: u64,
    /// A certificate that expires within this many days is a warning (30).
    pub certificate_warn_days: u64,
    /// Largest clock difference to the gateway, seconds (the protocol's window, 300).
    pub max_clock_skew_seconds: u64,
}

impl Default for Requirements {
    fn default() -> Self {
        Self {
            cpu_mhz: 3100,
            ram_bytes: 4_000_000_000,
            free_disk_bytes: 80_000_000_000,
            nic_mbps: 100,
            certificate_warn_days: 30,
            max_clock_skew_seconds: 300,
        }
    }
}

impl Requirements {
    /// Load a profile file (TOML, or JSON when the name ends in `.json`); missing fields keep
    /// their Appendix 4 values.
    pub fn load(path: &Path) -> Result<Self, WorkstationError> {
        load(path)
    }
}

/// What the client does at start when the workstation is not air-gapped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum GuardAction {
    /// Refuse to start (the default: consent §11.6 forbids use from a computer with Internet access).
    #[default]
    Refuse,
    /// Start, showing the findings as a warning.
    Warn,
}

/// The protected channel's endpoint, from the policy's `[gateway]` and `[workstation]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GatewayConfig {
    /// `host:port` to connect to (an IP address or a name the local resolver knows).
    pub address: String,
    /// Name in the gateway's certificate (SNI and verification).
    pub server_name: String,
    /// PEM file with the CA certificate(s) the gateway's certificate must chain to; nothing else
    /// is trusted.
    pub ca_file: PathBuf,
    /// Connect and handshake timeout, milliseconds.
    pub timeout_ms: u64,
    /// The workstation's TLS certificate (PEM), when the gateway requires a client certificate
    /// and the policy provides a workstation identity; the user's token is never used here.
    pub client_cert: Option<PathBuf>,
    /// Its private key (PEM).
    pub client_key: Option<PathBuf>,
}

/// What the diagnosis takes from the administrator's policy ([`Policy::from`] a
/// [`sio_policy::Policy`]; [`Policy::load_any`] reads the file).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Policy {
    /// Networks this workstation may have routes to (CIDR, e.g. the protected channel's subnet
    /// `10.20.0.0/16`). Routes to anything else are findings.
    pub allowed_networks: Vec<String>,
    /// Next hops of a default route the administrator vouches lead only to the protected
    /// channel. Any other default route fails the air-gap check.
    pub allowed_gateways: Vec<String>,
    /// Active probes: `host:port` targets that must NOT be reachable (TCP connect with a short
    /// timeout). Nothing is probed unless listed here.
    pub probes: Vec<String>,
    /// Timeout of one probe, milliseconds (default 1500).
    pub probe_timeout_ms: Option<u64>,
    /// What the client does at start when the air gap check fails.
    pub on_internet: GuardAction,
    /// PKCS#11 modules to load (paths). Empty: OpenSC's module, if installed.
    pub pkcs11_modules: Vec<PathBuf>,
    /// The gateway over the protected channel. None: the channel checks are skipped.
    pub gateway: Option<GatewayConfig>,
    /// The client's data directory (free space is measured on its file system).
    pub data_dir: Option<PathBuf>,
}

impl From<&sio_policy::Policy> for Policy {
    /// The diagnosis settings of the administrator's policy file (docs/INSTALL.md): air gap,
    /// PKCS#11 modules and the gateway with its pinned CA.
    fn from(p: &sio_policy::Policy) -> Self {
        let url = p.gateway.url.trim();
        let authority = url
            .strip_prefix("https://")
            .unwrap_or(url)
            .split('/')
            .next()
            .unwrap_or_default();
        let (host, address) = match authority.rsplit_once(':') {
            Some((h, _port)) if !authority.ends_with(']') => {
                (h.trim_matches(['[', ']']).to_owned(), authority.to_owned())
            }
            _ => (
                authority.trim_matches(['[', ']']).to_owned(),
                format!("{authority}:443"),
            ),
        };
        Self {
            allowed_networks: p
                .air_gap
                .allowed_networks
                .iter()
                .map(ToString::to_string)
                .collect(),
            allowed_gateways: p
                .air_gap
                .allowed_gateways
                .iter()
                .map(ToString::to_string)
                .collect(),
            probes: p.air_gap.probe_targets.clone(),
            probe_timeout_ms: None,
            on_internet: match p.air_gap.on_violation {
                sio_policy::OnViolation::Warn => GuardAction::Warn,
                _ => GuardAction::Refuse,
            },
            pkcs11_modules: p.tokens.pkcs11_modules.clone(),
            gateway: Some(GatewayConfig {
                address,
                server_name: host,
                ca_file: p.gateway.ca.clone(),
                // A diagnosis should not hang for the session timeout.
                timeout_ms: u64::from(p.gateway.timeout_seconds.clamp(1, 10)) * 1000,
                client_cert: p.workstation.certificate.clone(),
                client_key: p.workstation.key.clone(),
            }),
            data_dir: p.workstation.data_dir.clone(),
        }
    }
}

impl Policy {
    /// Load the administrator's policy file (sio-policy's one schema, docs/policy.md) and take
    /// the diagnosis' part of it.
    pub fn load_any(path: &Path) -> Result<Self, WorkstationError> {
        sio_policy::Policy::load(path)
            .map(|p| Self::from(&p))
            .map_err(|e| WorkstationError::ConfigInvalid {
                path: path.display().to_string(),
                detail: e.to_string(),
            })
    }
}

fn load<T: DeserializeOwned>(path: &Path) -> Result<T, WorkstationError> {
    let text = std::fs::read_to_string(path).map_err(|source| WorkstationError::ConfigRead {
        path: path.display().to_string(),
        source,
    })?;
    let invalid = |detail: String| WorkstationError::ConfigInvalid {
        path: path.display().to_string(),
        detail,
    };
    if path.extension().is_some_and(|e| e == "json") {
        serde_json::from_str(&text).map_err(|e| invalid(e.to_string()))
    } else {
        toml::from_str(&text).map_err(|e| invalid(e.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn profile_and_policy_files() {
        let dir = tempfile::tempdir().expect("tempdir");
        let p = dir.path().join("low.toml");
        std::fs::write(&p, "cpu_mhz = 1\nram_bytes = 1\n").expect("write");
        let r = Requirements::load(&p).expect("load");
        assert_eq!(r.cpu_mhz, 1);
        assert_eq!(r.nic_mbps, 100, "missing fields keep Appendix 4");
        let bad = dir.path().join("bad.toml");
        std::fs::write(&bad, "cpu_ghz = 3\n").expect("write");
        let e = Requirements::load(&bad).expect_err("unknown field");
        assert_eq!(e.code(), "WS_CONFIG_INVALID");
        let admin = dir.path().join("policy.toml");
        std::fs::write(
            &admin,
            "[gateway]\nurl = \"https://gw.sio.test:8443\"\nca = \"/etc/sio/ca.pem\"\n\
             [air_gap]\non_violation = \"warn\"\nallowed_networks = [\"10.20.0.0/16\"]\n\
             probe_targets = [\"10.20.0.1:8443\"]\n",
        )
        .expect("write");
        let pol = Policy::load_any(&admin).expect("admin policy");
        let gw = pol.gateway.expect("gateway");
        assert_eq!(gw.address, "gw.sio.test:8443");
        assert_eq!(gw.server_name, "gw.sio.test");
        assert_eq!(pol.allowed_networks, ["10.20.0.0/16"]);
        assert_eq!(pol.probes, ["10.20.0.1:8443"]);
        assert_eq!(pol.on_internet, GuardAction::Warn);
        // One schema: the diagnosis has no policy format of its own any more.
        let own = dir.path().join("p.json");
        std::fs::write(
            &own,
            r#"{"allowed_networks":["10.20.0.0/16"],"on_internet":"warn"}"#,
        )
        .expect("write");
        let e = Policy::load_any(&own).expect_err("not the administrator's schema");
        assert_eq!(e.code(), "WS_CONFIG_INVALID");
        let e = Policy::load_any(&dir.path().join("none.toml")).expect_err("missing");
        assert_eq!(e.code(), "WS_CONFIG_INVALID");
    }
}
