//! `sio diagnose` inside network namespaces that the test creates (needs root and iproute2):
//! one namespace with a default route over a veth pair to a fake "internet" host in a second
//! namespace, one with loopback only. The air-gap item fails and passes accordingly, and the
//! passive check sends no packet (the veth's tx counter does not move). An active probe to a
//! target listed in the policy does send (the counter moves), which shows the counter works. The
//! start guard (`sio diagnose --guard`) refuses, warns or clears in the same namespaces.
#![allow(clippy::unwrap_used)]

use std::path::Path;
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};

use serde_json::Value;

static SEQ: AtomicUsize = AtomicUsize::new(0);

fn sh(args: &[&str]) -> Output {
    let out = Command::new(args[0]).args(&args[1..]).output().unwrap();
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

/// Namespaces deleted on drop (with their veths), even when the test fails.
struct Netns(Vec<String>);

impl Netns {
    fn add(&mut self, tag: &str) -> String {
        let name = format!(
            "sio-ws-{}-{}-{tag}",
            std::process::id(),
            SEQ.fetch_add(1, Ordering::SeqCst)
        );
        sh(&["ip", "netns", "add", &name]);
        self.0.push(name.clone());
        in_ns(&name, &["ip", "link", "set", "lo", "up"]);
        // No IPv6 autoconfiguration traffic (router solicitations, DAD) to muddy the counters.
        in_ns(
            &name,
            &["sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1"],
        );
        in_ns(
            &name,
            &["sysctl", "-qw", "net.ipv6.conf.default.disable_ipv6=1"],
        );
        name
    }
}

impl Drop for Netns {
    fn drop(&mut self) {
        for n in &self.0 {
            let _ = Command::new("ip").args(["netns", "del", n]).status();
        }
    }
}

fn in_ns(ns: &str, args: &[&str]) -> Output {
    let mut full = vec!["ip", "netns", "exec", ns];
    full.extend_from_slice(args);
    sh(&full)
}

fn counter(ns: &str, iface: &str, which: &str) -> u64 {
    let path = format!("/sys/class/net/{iface}/statistics/{which}");
    let out = in_ns(ns, &["cat", &path]);
    String::from_utf8_lossy(&out.stdout).trim().parse().unwrap()
}

/// Run `sio diagnose --json --only network` in `ns` with a clean environment; returns the report
/// and the exit code.
fn diagnose(ns: &str, policy: &Path) -> (Value, i32) {
    let out = Command::new("ip")
        .args([
            "netns",
            "exec",
            ns,
            env!("CARGO_BIN_EXE_sio"),
            "diagnose",
            "--json",
        ])
        .args(["--only", "network", "--policy"])
        .arg(policy)
        .env_clear()
        .env("PATH", "/usr/sbin:/usr/bin:/sbin:/bin")
        .output()
        .unwrap();
    let code = out.status.code().unwrap();
    assert!(
        code == 0 || code == 1,
        "exit {code}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    (serde_json::from_slice(&out.stdout).unwrap(), code)
}

/// Run `sio diagnose --guard` in `ns`: exit code and stdout + stderr.
fn guard(ns: &str, policy: &Path) -> (i32, String) {
    let out = Command::new("ip")
        .args([
            "netns",
            "exec",
            ns,
            env!("CARGO_BIN_EXE_sio"),
            "diagnose",
            "--guard",
            "--policy",
        ])
        .arg(policy)
        .env_clear()
        .env("PATH", "/usr/sbin:/usr/bin:/sbin:/bin")
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.code().unwrap(), text)
}

fn item<'a>(report: &'a Value, code: &str) -> &'a Value {
    report["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["code"] == code)
        .unwrap_or_else(|| panic!("{code} missing in {report:#}"))
}

#[test]
fn air_gap_in_network_namespaces() {
    if !is_root() {
        eprintln!("skipped: creating network namespaces needs root");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let passive = dir.path().join("passive.toml");
    // The administrator's policy (sio-policy's one schema) with nothing of the air gap configured.
    let gateway = "[gateway]\nurl = \"https://gw.sio.test:8443\"\nca = \"/etc/sio/ca.pem\"\n";
    std::fs::write(&passive, gateway).unwrap();

    let mut namespaces = Netns(Vec::new());
    let routed = namespaces.add("routed");
    let inet = namespaces.add("inet");
    let lonely = namespaces.add("lo");

    // routed ── veth ── inet ("the Internet": 198.51.100.1, TEST-NET-2).
    let (a, b) = (
        format!("vw{}", std::process::id() % 100_000),
        format!("vi{}", std::process::id() % 100_000),
    );
    sh(&[
        "ip", "link", "add", &a, "netns", &routed, "type", "veth", "peer", "name", &b, "netns",
        &inet,
    ]);
    in_ns(
        &routed,
        &["ip", "addr", "add", "198.51.100.2/24", "dev", &a],
    );
    in_ns(&inet, &["ip", "addr", "add", "198.51.100.1/24", "dev", &b]);
    in_ns(&routed, &["ip", "link", "set", &a, "up"]);
    in_ns(&inet, &["ip", "link", "set", &b, "up"]);
    in_ns(
        &routed,
        &["ip", "route", "add", "default", "via", "198.51.100.1"],
    );
    std::thread::sleep(std::time::Duration::from_millis(300));

    // Default route to the fake Internet: fail, and not one packet sent.
    let tx_before = counter(&routed, &a, "tx_packets");
    let rx_before = counter(&inet, &b, "rx_packets");
    let (report, code) = diagnose(&routed, &passive);
    let routes = item(&report, "WS_AIRGAP_ROUTES");
    assert_eq!(routes["status"], "fail", "{routes:#}");
    assert!(
        routes["measured"]
            .as_str()
            .unwrap()
            .contains("default via 198.51.100.1"),
        "{routes:#}"
    );
    assert_eq!(code, 1);
    assert_eq!(item(&report, "WS_AIRGAP_PROBE")["status"], "skipped");
    assert_eq!(
        counter(&routed, &a, "tx_packets"),
        tx_before,
        "a packet left"
    );
    assert_eq!(
        counter(&inet, &b, "rx_packets"),
        rx_before,
        "a packet arrived"
    );

    // The start guard refuses here by default, warns when the policy says so; no packet either.
    let (code, text) = guard(&routed, &passive);
    assert_eq!(code, 3, "{text}");
    assert!(text.contains("WS_INTERNET_ACCESS"), "{text}");
    let warn = dir.path().join("warn.toml");
    std::fs::write(
        &warn,
        format!("{gateway}[air_gap]\non_violation = \"warn\"\n"),
    )
    .unwrap();
    let (code, text) = guard(&routed, &warn);
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("fail WS_AIRGAP_ROUTES"), "{text}");
    assert_eq!(
        counter(&routed, &a, "tx_packets"),
        tx_before,
        "a packet left"
    );

    // The administrator vouches for this gateway: the route passes.
    let vouched = dir.path().join("vouched.toml");
    std::fs::write(
        &vouched,
        format!(
            "{gateway}[air_gap]\nallowed_networks = [\"198.51.100.0/24\"]\nallowed_gateways = [\"198.51.100.1\"]\n"
        ),
    )
    .unwrap();
    let (report, _) = diagnose(&routed, &vouched);
    assert_eq!(item(&report, "WS_AIRGAP_ROUTES")["status"], "pass");
    assert_eq!(item(&report, "WS_AIRGAP_INTERFACES")["status"], "pass");

    // An active probe goes only to the listed target, and the counters do see it.
    let probe = dir.path().join("probe.toml");
    std::fs::write(
        &probe,
        format!("{gateway}[air_gap]\nprobe_targets = [\"198.51.100.1:9\"]\n"),
    )
    .unwrap();
    let tx_before = counter(&routed, &a, "tx_packets");
    let (report, _) = diagnose(&routed, &probe);
    let p = item(&report, "WS_AIRGAP_PROBE");
    assert_eq!(p["status"], "pass", "port 9 is closed there: {p:#}");
    assert!(counter(&routed, &a, "tx_packets") > tx_before);

    // Loopback only: pass.
    let (report, _) = diagnose(&lonely, &passive);
    let routes = item(&report, "WS_AIRGAP_ROUTES");
    assert_eq!(routes["status"], "pass", "{routes:#}");
    assert_eq!(item(&report, "WS_AIRGAP_INTERFACES")["status"], "pass");
    assert_eq!(
        item(&report, "WS_AIRGAP_INTERFACES")["measured"],
        "loopback only"
    );
}
