//! The air gap (Appendix 4; consent §11.6: no Internet access at all).
//!
//! The default check is passive and sends no packet: it reads the routing tables, the interfaces
//! and their addresses, the proxy settings and the resolver configuration. Active probes (a TCP
//! connect with a short timeout) go only to targets the administrator lists in the policy file;
//! there is no built-in target. [`start_guard`] runs the passive check when the client starts.
//!
//! Linux: /proc/net/route, /proc/net/ipv6_route, `ip -j addr` (else /proc/net/if_inet6),
//! /etc/resolv.conf and the proxy environment variables. Windows equivalents: `GetIpForwardTable2`
//! (routes), `GetAdaptersAddresses` (addresses and DNS servers), WinHTTP/WinINet proxy settings
//! (`WinHttpGetIEProxyConfigForCurrentUser`), and Network List Manager's `GetConnectivity`
//! (which itself probes, so only as an active check).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, ToSocketAddrs};
use std::time::Duration;

use crate::WorkstationError;
use crate::config::{GuardAction, Policy};
use crate::report::{CONSENT_11_6, Group, Item, Status};

const RTF_UP: u32 = 0x0001;
const RTF_GATEWAY: u32 = 0x0002;
const RTF_REJECT: u32 = 0x0200;
const RTF_LOCAL: u32 = 0x8000_0000;

/// One route of the kernel's routing tables.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    /// Outgoing interface.
    pub iface: String,
    /// Destination network.
    pub destination: IpAddr,
    /// Its prefix length.
    pub prefix_len: u8,
    /// Next hop, when the route goes via a gateway.
    pub gateway: Option<IpAddr>,
    /// Kernel `RTF_*` flags.
    pub flags: u32,
}

impl Route {
    /// A usable default route (0.0.0.0/0 or ::/0, up, not a reject route).
    pub fn is_default(&self) -> bool {
        self.prefix_len == 0 && self.usable()
    }

    fn usable(&self) -> bool {
        self.flags & RTF_UP != 0 && self.flags & (RTF_REJECT | RTF_LOCAL) == 0 && self.iface != "lo"
    }
}

impl std::fmt::Display for Route {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.prefix_len == 0 {
            write!(f, "default")?;
        } else {
            write!(f, "{}/{}", self.destination, self.prefix_len)?;
        }
        if let Some(g) = self.gateway {
            write!(f, " via {g}")?;
        }
        write!(f, " dev {}", self.iface)
    }
}

/// Parse /proc/net/route (IPv4). Malformed lines are skipped.
pub fn parse_route_v4(text: &str) -> Vec<Route> {
    let hex4 = |s: &str| {
        u32::from_str_radix(s, 16)
            .ok()
            .map(|v| Ipv4Addr::from(v.to_ne_bytes()))
    };
    text.lines()
        .skip(1)
        .filter_map(|line| {
            let f: Vec<&str> = line.split_whitespace().collect();
            if f.len() < 8 {
                return None;
            }
            let dest = hex4(f[1])?;
            let gw = hex4(f[2])?;
            let flags = u32::from_str_radix(f[3], 16).ok()?;
            let mask = hex4(f[7])?;
            Some(Route {
                iface: f[0].to_owned(),
                destination: IpAddr::V4(dest),
                prefix_len: u32::from(mask).count_ones() as u8,
                gateway: (flags & RTF_GATEWAY != 0 && !gw.is_unspecified())
                    .then_some(IpAddr::V4(gw)),
                flags,
            })
        })
        .collect()
}

fn hex16(s: &str) -> Option<Ipv6Addr> {
    if s.len() != 32 {
        return None;
    }
    u128::from_str_radix(s, 16).ok().map(Ipv6Addr::from)
}

/// Parse /proc/net/ipv6_route. Malformed lines are skipped.
pub fn parse_route_v6(text: &str) -> Vec<Route> {
    text.lines()
        .filter_map(|line| {
            let f: Vec<&str> = line.split_whitespace().collect();
            if f.len() < 10 {
                return None;
            }
            let dest = hex16(f[0])?;
            let prefix_len = u8::from_str_radix(f[1], 16).ok()?;
            let next = hex16(f[4])?;
            let flags = u32::from_str_radix(f[8], 16).ok()?;
            Some(Route {
                iface: f[9].to_owned(),
                destination: IpAddr::V6(dest),
                prefix_len,
                gateway: (!next.is_unspecified()).then_some(IpAddr::V6(next)),
                flags,
            })
        })
        .collect()
}

/// A network in CIDR notation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cidr {
    /// Network address.
    pub addr: IpAddr,
    /// Prefix length.
    pub len: u8,
}

impl Cidr {
    /// Parse `10.20.0.0/16`, `fd00::/8` or a bare address (a host).
    pub fn parse(s: &str) -> Option<Self> {
        let (a, l) = match s.trim().split_once('/') {
            Some((a, l)) => (a, Some(l)),
            None => (s.trim(), None),
        };
        let addr: IpAddr = a.parse().ok()?;
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let len = match l {
            Some(l) => l.parse::<u8>().ok().filter(|l| *l <= max)?,
            None => max,
        };
        Some(Self { addr, len })
    }

    /// Whether `ip` lies in this network.
    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.addr, ip) {
            (IpAddr::V4(n), IpAddr::V4(a)) => {
                let mask = u32::MAX.checked_shl(32 - u32::from(self.len)).unwrap_or(0);
                u32::from(n) & mask == u32::from(a) & mask
            }
            (IpAddr::V6(n), IpAddr::V6(a)) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(self.len))
                    .unwrap_or(0);
                u128::from(n) & mask == u128::from(a) & mask
            }
            _ => false,
        }
    }

    /// Whether the network `addr/len` lies inside this one.
    pub fn covers(&self, addr: IpAddr, len: u8) -> bool {
        len >= self.len && self.contains(addr)
    }
}

/// Private, loopback, link-local or multicast: not the address of another network on the Internet.
pub fn is_internal(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(a) => {
            a.is_private()
                || a.is_loopback()
                || a.is_link_local()
                || a.is_multicast()
                || a.is_unspecified()
        }
        IpAddr::V6(a) => {
            let s = a.segments()[0];
            a.is_loopback()
                || a.is_unspecified()
                || a.is_multicast()
                || (s & 0xfe00) == 0xfc00 // unique local fc00::/7
                || (s & 0xffc0) == 0xfe80 // link-local fe80::/10
        }
    }
}

fn allowed(policy: &Policy) -> Vec<Cidr> {
    policy
        .allowed_networks
        .iter()
        .filter_map(|s| Cidr::parse(s))
        .collect()
}

/// The air-gap verdict on a set of routes.
pub fn routes_item(routes: &[Route], policy: &Policy) -> Item {
    let item = Item::new(
        "WS_AIRGAP_ROUTES",
        Group::Network,
        "Routes to other networks",
        "no default route and no route to networks outside the protected channel",
        CONSENT_11_6,
    );
    let nets = allowed(policy);
    let gateways: Vec<IpAddr> = policy
        .allowed_gateways
        .iter()
        .filter_map(|g| g.trim().parse().ok())
        .collect();
    let mut failing = Vec::new();
    let mut warning = Vec::new();
    let mut vouched = Vec::new();
    for r in routes.iter().filter(|r| r.usable()) {
        let in_policy = nets.iter().any(|n| n.covers(r.destination, r.prefix_len));
        if r.is_default() {
            if r.gateway.is_some_and(|g| gateways.contains(&g)) {
                vouched.push(r.to_string());
            } else {
                failing.push(r.to_string());
            }
        } else if in_policy || is_internal(r.destination) {
            continue;
        } else if r.gateway.is_some() {
            failing.push(r.to_string());
        } else {
            warning.push(r.to_string());
        }
    }
    if !failing.is_empty() {
        return item.fail(
            format!(
                "this workstation has a route to other networks: {}",
                failing.join("; ")
            ),
            "Remove the default route and any route to other networks (or, if a route leads only to the protected channel, list its gateway or network in the policy file). The workstation must have no Internet access.",
        );
    }
    if !warning.is_empty() {
        return item.warn(
            format!(
                "directly connected public networks: {}",
                warning.join("; ")
            ),
            "Check that this network is the protected channel's; list it in the policy's allowed_networks.",
        );
    }
    if vouched.is_empty() {
        item.pass("no default route; only local and allowed networks")
    } else {
        item.pass(format!(
            "default route only via allowed gateways: {}",
            vouched.join("; ")
        ))
    }
}

/// An address configured on an interface.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IfAddr {
    /// Interface name.
    pub iface: String,
    /// Address.
    pub addr: IpAddr,
    /// Prefix length.
    pub prefix_len: u8,
}

/// Parse `ip -j addr show` output (non-loopback addresses of interfaces that are not down).
pub fn parse_ip_json(text: &str) -> Option<Vec<IfAddr>> {
    let v: serde_json::Value = serde_json::from_str(text).ok()?;
    let mut out = Vec::new();
    for link in v.as_array()? {
        let name = link.get("ifname").and_then(|n| n.as_str()).unwrap_or("");
        let state = link.get("operstate").and_then(|n| n.as_str()).unwrap_or("");
        if name == "lo" || state == "DOWN" {
            continue;
        }
        for a in link
            .get("addr_info")
            .and_then(|a| a.as_array())
            .into_iter()
            .flatten()
        {
            let Some(addr) = a
                .get("local")
                .and_then(|l| l.as_str())
                .and_then(|l| l.parse::<IpAddr>().ok())
            else {
                continue;
            };
            let prefix_len = a
                .get("prefixlen")
                .and_then(|p| p.as_u64())
                .and_then(|p| u8::try_from(p).ok())
                .unwrap_or(0);
            out.push(IfAddr {
                iface: name.to_owned(),
                addr,
                prefix_len,
            });
        }
    }
    Some(out)
}

/// Parse /proc/net/if_inet6 (IPv6 addresses, non-loopback).
pub fn parse_if_inet6(text: &str) -> Vec<IfAddr> {
    text.lines()
        .filter_map(|line| {
            let f: Vec<&str> = line.split_whitespace().collect();
            if f.len() < 6 || f[5] == "lo" {
                return None;
            }
            Some(IfAddr {
                iface: f[5].to_owned(),
                addr: IpAddr::V6(hex16(f[0])?),
                prefix_len: u8::from_str_radix(f[2], 16).ok()?,
            })
        })
        .collect()
}

/// Non-loopback addresses: `ip -j addr` when available, else IPv6 from /proc and the IPv4
/// networks of directly connected routes.
pub fn addresses() -> Vec<IfAddr> {
    if let Ok(out) = std::process::Command::new("ip")
        .args(["-j", "addr", "show"])
        .output()
    {
        if out.status.success() {
            if let Some(a) = parse_ip_json(&String::from_utf8_lossy(&out.stdout)) {
                return a;
            }
        }
    }
    let mut out = std::fs::read_to_string("/proc/net/if_inet6")
        .map(|t| parse_if_inet6(&t))
        .unwrap_or_default();
    let v4 = std::fs::read_to_string("/proc/net/route")
        .map(|t| parse_route_v4(&t))
        .unwrap_or_default();
    out.extend(
        v4.into_iter()
            .filter(|r| r.gateway.is_none() && r.prefix_len > 0 && r.iface != "lo")
            .map(|r| IfAddr {
                iface: r.iface,
                addr: r.destination,
                prefix_len: r.prefix_len,
            }),
    );
    out
}

fn interfaces_item(addrs: &[IfAddr], policy: &Policy) -> Item {
    let item = Item::new(
        "WS_AIRGAP_INTERFACES",
        Group::Network,
        "Network interfaces",
        "only interfaces to the protected channel",
        CONSENT_11_6,
    );
    if addrs.is_empty() {
        return item.pass("loopback only");
    }
    let nets = allowed(policy);
    let list = addrs
        .iter()
        .map(|a| format!("{} {}/{}", a.iface, a.addr, a.prefix_len))
        .collect::<Vec<_>>()
        .join(", ");
    let public: Vec<&IfAddr> = addrs
        .iter()
        .filter(|a| !is_internal(a.addr) && !nets.iter().any(|n| n.contains(a.addr)))
        .collect();
    if public.is_empty() {
        item.pass(list)
    } else {
        item.warn(
            list,
            "An interface has a public address outside the policy's allowed networks: disconnect it unless it is the protected channel (then list that network in the policy).",
        )
    }
}

const PROXY_VARS: [&str; 8] = [
    "http_proxy",
    "https_proxy",
    "ftp_proxy",
    "all_proxy",
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "FTP_PROXY",
    "ALL_PROXY",
];

/// Drop credentials from a proxy URL (`http://user:pass@host` → `http://…@host`).
fn redact_proxy(value: &str) -> String {
    match value.rsplit_once('@') {
        Some((head, host)) => {
            let scheme = head.split_once("://").map_or("", |(s, _)| s);
            if scheme.is_empty() {
                format!("…@{host}")
            } else {
                format!("{scheme}://…@{host}")
            }
        }
        None => value.to_owned(),
    }
}

/// Proxy findings from environment variables (`(name, value)` pairs).
pub fn proxy_item(env: &[(String, String)]) -> Item {
    // Windows: WinHttpGetIEProxyConfigForCurrentUser and `netsh winhttp show proxy`.
    // Linux desktops may also set a proxy in GNOME settings (org.gnome.system.proxy); not read here.
    let item = Item::new(
        "WS_AIRGAP_PROXY",
        Group::Network,
        "Proxy settings",
        "no proxy to other networks",
        CONSENT_11_6,
    );
    let set: Vec<String> = env
        .iter()
        .filter(|(k, v)| PROXY_VARS.contains(&k.as_str()) && !v.trim().is_empty())
        .map(|(k, v)| format!("{k}={}", redact_proxy(v)))
        .collect();
    if set.is_empty() {
        item.pass("no proxy variables set")
    } else {
        item.warn(
            set.join(", "),
            "Remove the proxy settings: a proxy is a way to other networks. If it serves only the protected channel, ask the administrator to confirm it.",
        )
    }
}

/// Nameservers from a resolv.conf text.
pub fn parse_resolv_conf(text: &str) -> Vec<IpAddr> {
    text.lines()
        .filter_map(|l| {
            let mut f = l.split_whitespace();
            (f.next() == Some("nameserver"))
                .then(|| f.next())
                .flatten()
                .and_then(|a| a.split('%').next())
                .and_then(|a| a.parse().ok())
        })
        .collect()
}

/// DNS findings.
pub fn dns_item(nameservers: &[IpAddr], policy: &Policy) -> Item {
    let item = Item::new(
        "WS_AIRGAP_DNS",
        Group::Network,
        "Name resolution (DNS)",
        "no resolver outside the protected channel",
        CONSENT_11_6,
    );
    if nameservers.is_empty() {
        return item.pass("no nameserver configured");
    }
    let nets = allowed(policy);
    let list = nameservers
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ");
    let outside = nameservers
        .iter()
        .any(|n| !is_internal(*n) && !nets.iter().any(|c| c.contains(*n)));
    if outside {
        item.warn(
            list,
            "Remove public nameservers from /etc/resolv.conf; use only the protected channel's resolver (list its network in the policy).",
        )
    } else {
        item.pass(list)
    }
}

/// The passive air-gap items: routes, interfaces, proxy, DNS. Sends nothing.
///
/// Only Linux is implemented: elsewhere the routes item is a warning (never a pass) until the
/// platform's tables are read (`GetIpForwardTable2` on Windows).
#[cfg(not(target_os = "linux"))]
pub fn passive(policy: &Policy) -> Vec<Item> {
    let env: Vec<(String, String)> = std::env::vars().collect();
    vec![
        Item::new(
            "WS_AIRGAP_ROUTES",
            Group::Network,
            "Routes to other networks",
            "no default route and no route to networks outside the protected channel",
            CONSENT_11_6,
        )
        .warn(
            "not checked on this platform",
            "Check the routing table by hand (`route print`): there must be no default route.",
        ),
        interfaces_item(&[], policy),
        proxy_item(&env),
    ]
}

/// The passive air-gap items: routes, interfaces, proxy, DNS. Sends nothing.
#[cfg(target_os = "linux")]
pub fn passive(policy: &Policy) -> Vec<Item> {
    let mut routes = std::fs::read_to_string("/proc/net/route")
        .map(|t| parse_route_v4(&t))
        .unwrap_or_default();
    routes.extend(
        std::fs::read_to_string("/proc/net/ipv6_route")
            .map(|t| parse_route_v6(&t))
            .unwrap_or_default(),
    );
    let env: Vec<(String, String)> = std::env::vars().collect();
    let ns = std::fs::read_to_string("/etc/resolv.conf")
        .map(|t| parse_resolv_conf(&t))
        .unwrap_or_default();
    vec![
        routes_item(&routes, policy),
        interfaces_item(&addresses(), policy),
        proxy_item(&env),
        dns_item(&ns, policy),
    ]
}

/// Active probes to the policy's targets only; each must be unreachable.
pub async fn probes(policy: &Policy) -> Item {
    let item = Item::new(
        "WS_AIRGAP_PROBE",
        Group::Network,
        "Active probes",
        "the policy's probe targets are unreachable",
        CONSENT_11_6,
    );
    if policy.probes.is_empty() {
        return item.skipped("no probe targets in the policy: passive check only");
    }
    let timeout = Duration::from_millis(policy.probe_timeout_ms.unwrap_or(1500));
    let mut reached = Vec::new();
    let mut results = Vec::new();
    for target in &policy.probes {
        // Resolution uses the local resolver only for names the administrator listed.
        let addrs: Vec<_> = match target.to_socket_addrs() {
            Ok(a) => a.collect(),
            Err(e) => {
                results.push(format!("{target}: not resolved ({e})"));
                continue;
            }
        };
        let mut outcome = format!("{target}: no address");
        for addr in addrs {
            match tokio::time::timeout(timeout, tokio::net::TcpStream::connect(addr)).await {
                Ok(Ok(_)) => {
                    outcome = format!("{target}: CONNECTED ({addr})");
                    reached.push(target.clone());
                    break;
                }
                Ok(Err(e)) => outcome = format!("{target}: unreachable ({e})"),
                Err(_) => outcome = format!("{target}: timed out"),
            }
        }
        results.push(outcome);
    }
    let measured = results.join("; ");
    if reached.is_empty() {
        item.pass(measured)
    } else {
        item.fail(
            measured,
            "This workstation reached a target that must be unreachable: disconnect it from other networks.",
        )
    }
}

/// Run the passive air-gap check at client start. `Ok` holds the findings to show (empty when
/// clean); with [`GuardAction::Refuse`] a failed check is [`WorkstationError::InternetAccess`].
pub fn start_guard(policy: &Policy) -> Result<Vec<Item>, WorkstationError> {
    let findings: Vec<Item> = passive(policy)
        .into_iter()
        .filter(|i| matches!(i.status, Status::Warn | Status::Fail))
        .collect();
    let failed: Vec<String> = findings
        .iter()
        .filter(|i| i.status == Status::Fail)
        .map(|i| i.measured.clone())
        .collect();
    if !failed.is_empty() && policy.on_internet == GuardAction::Refuse {
        return Err(WorkstationError::InternetAccess {
            findings: failed.join("; "),
        });
    }
    Ok(findings)
}

#[cfg(test)]
mod tests {
    use super::*;

    const ROUTE_DEFAULT: &str = "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n\
eth0\t00000000\t010200C0\t0003\t0\t0\t0\t00000000\t0\t0\t0\n\
eth0\t000200C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0\n";

    const ROUTE_LAN_ONLY: &str = "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n\
eth0\t0014000A\t00000000\t0001\t0\t0\t0\t0000FFFF\t0\t0\t0\n\
eth0\t0000A8C0\t0114000A\t0003\t0\t0\t0\t0000FFFF\t0\t0\t0\n";

    const ROUTE_V6: &str = "\
fd000000000000000000000000000000 40 00000000000000000000000000000000 00 00000000000000000000000000000000 00000100 00000001 00000000 00000001     eth0
fe800000000000000000000000000000 40 00000000000000000000000000000000 00 00000000000000000000000000000000 00000100 00000002 00000000 00000001     eth0
00000000000000000000000000000000 00 00000000000000000000000000000000 00 fd000000000000000000000000000001 00000400 00000002 00000000 00000003     eth0
00000000000000000000000000000001 80 00000000000000000000000000000000 00 00000000000000000000000000000000 00000000 00000002 00000000 80200001       lo
fd000000000000000000000000000002 80 00000000000000000000000000000000 00 00000000000000000000000000000000 00000000 00000003 00000000 80200001     eth0
ff000000000000000000000000000000 08 00000000000000000000000000000000 00 00000000000000000000000000000000 00000100 00000003 00000000 00000001     eth0
00000000000000000000000000000000 00 00000000000000000000000000000000 00 00000000000000000000000000000000 ffffffff 00000001 00000000 00200200       lo
";

    // Only the kernel's unreachable default on lo: a loopback-only namespace.
    const ROUTE_V6_LOOPBACK: &str = "\
00000000000000000000000000000001 80 00000000000000000000000000000000 00 00000000000000000000000000000000 00000000 00000002 00000000 80200001       lo
00000000000000000000000000000000 00 00000000000000000000000000000000 00 00000000000000000000000000000000 ffffffff 00000001 00000000 00200200       lo
";

    #[test]
    fn v4_default_route_parsed_and_fails() {
        let r = parse_route_v4(ROUTE_DEFAULT);
        assert_eq!(r.len(), 2);
        assert!(r[0].is_default());
        assert_eq!(r[0].gateway, Some("192.0.2.1".parse().expect("ip")));
        assert_eq!(r[1].destination, "192.0.2.0".parse::<IpAddr>().expect("ip"));
        assert_eq!(r[1].prefix_len, 24);
        let item = routes_item(&r, &Policy::default());
        assert_eq!(item.status, Status::Fail);
        assert!(item.measured.contains("default via 192.0.2.1 dev eth0"));
    }

    #[test]
    fn v4_private_lan_passes_and_allowed_gateway_vouches() {
        let r = parse_route_v4(ROUTE_LAN_ONLY);
        assert!(r.iter().all(|r| !r.is_default()));
        assert_eq!(
            routes_item(&r, &Policy::default()).status,
            Status::Pass,
            "private networks only"
        );
        let d = parse_route_v4(ROUTE_DEFAULT);
        let policy = Policy {
            allowed_gateways: vec!["192.0.2.1".into()],
            allowed_networks: vec!["192.0.2.0/24".into()],
            ..Policy::default()
        };
        assert_eq!(routes_item(&d, &policy).status, Status::Pass);
    }

    #[test]
    fn v6_default_route_and_reject_route() {
        let r = parse_route_v6(ROUTE_V6);
        assert_eq!(r.len(), 7);
        let defaults: Vec<&Route> = r.iter().filter(|r| r.is_default()).collect();
        assert_eq!(defaults.len(), 1, "the reject route on lo is not a default");
        assert_eq!(defaults[0].gateway, Some("fd00::1".parse().expect("ip")));
        assert_eq!(routes_item(&r, &Policy::default()).status, Status::Fail);
        let lo = parse_route_v6(ROUTE_V6_LOOPBACK);
        assert_eq!(lo.len(), 2);
        assert_eq!(routes_item(&lo, &Policy::default()).status, Status::Pass);
    }

    #[test]
    fn cidr_and_internal() {
        let c = Cidr::parse("10.20.0.0/16").expect("cidr");
        assert!(c.contains("10.20.3.4".parse().expect("ip")));
        assert!(!c.contains("10.21.0.1".parse().expect("ip")));
        assert!(c.covers("10.20.8.0".parse().expect("ip"), 24));
        assert!(!c.covers("0.0.0.0".parse().expect("ip"), 0));
        assert!(Cidr::parse("10.0.0.0/33").is_none());
        assert!(
            Cidr::parse("fd00::/8")
                .expect("v6")
                .contains("fd12::1".parse().expect("ip"))
        );
        assert!(is_internal("fe80::1".parse().expect("ip")));
        assert!(!is_internal("2001:db8::1".parse().expect("ip")));
        assert!(!is_internal("8.8.8.8".parse().expect("ip")));
    }

    #[test]
    fn ip_json_and_if_inet6() {
        let j = r#"[{"ifindex":1,"ifname":"lo","operstate":"UNKNOWN","addr_info":[{"family":"inet","local":"127.0.0.1","prefixlen":8}]},
{"ifindex":2,"ifname":"veth0","operstate":"UP","addr_info":[{"family":"inet","local":"198.51.100.2","prefixlen":24},{"family":"inet6","local":"fe80::1","prefixlen":64}]}]"#;
        let a = parse_ip_json(j).expect("json");
        assert_eq!(a.len(), 2);
        assert_eq!(a[0].iface, "veth0");
        let item = interfaces_item(&a, &Policy::default());
        assert_eq!(item.status, Status::Warn);
        let inet6 = "fd000000000000000000000000000002 02 40 00 80     eth0\n\
00000000000000000000000000000001 01 80 10 80       lo\n";
        let a = parse_if_inet6(inet6);
        assert_eq!(a.len(), 1);
        assert_eq!(a[0].addr, "fd00::2".parse::<IpAddr>().expect("ip"));
        assert_eq!(a[0].prefix_len, 64);
        assert_eq!(interfaces_item(&a, &Policy::default()).status, Status::Pass);
    }

    #[test]
    fn proxy_and_dns() {
        let env = vec![
            (
                "https_proxy".to_owned(),
                "http://user:secret@proxy.example:3128".to_owned(),
            ),
            ("PATH".to_owned(), "/bin".to_owned()),
        ];
        let p = proxy_item(&env);
        assert_eq!(p.status, Status::Warn);
        assert!(!p.measured.contains("secret"));
        assert!(p.measured.contains("proxy.example:3128"));
        assert_eq!(proxy_item(&[]).status, Status::Pass);
        let ns = parse_resolv_conf(
            "# x\nsearch local\nnameserver 10.255.255.53\nnameserver 8.8.8.8\nnameserver fe80::1%eth0\n",
        );
        assert_eq!(ns.len(), 3);
        assert_eq!(dns_item(&ns, &Policy::default()).status, Status::Warn);
        assert_eq!(dns_item(&ns[..1], &Policy::default()).status, Status::Pass);
    }

    #[tokio::test]
    async fn probes_only_to_listed_targets() {
        assert_eq!(probes(&Policy::default()).await.status, Status::Skipped);
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let open = listener.local_addr().expect("addr").to_string();
        let closed = {
            let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
            l.local_addr().expect("addr").to_string()
        };
        let reach = Policy {
            probes: vec![open],
            ..Policy::default()
        };
        assert_eq!(probes(&reach).await.status, Status::Fail);
        let none = Policy {
            probes: vec![closed],
            probe_timeout_ms: Some(500),
            ..Policy::default()
        };
        assert_eq!(probes(&none).await.status, Status::Pass);
    }

    #[test]
    fn start_guard_refuses_or_warns_per_policy() {
        // This host's own tables: the guard agrees with the routes item.
        let routes_fail = passive(&Policy::default())
            .iter()
            .any(|i| i.status == Status::Fail);
        let refuse = start_guard(&Policy::default());
        let warn = start_guard(&Policy {
            on_internet: GuardAction::Warn,
            ..Policy::default()
        });
        if routes_fail {
            let e = refuse.expect_err("refused");
            assert_eq!(e.code(), "WS_INTERNET_ACCESS");
            assert!(warn.expect("warn").iter().any(|i| i.status == Status::Fail));
        } else {
            assert!(refuse.is_ok());
            assert!(warn.expect("warn").iter().all(|i| i.status != Status::Fail));
        }
    }
}
