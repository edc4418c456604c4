//! Whether the diagnosis itself was run against the acts (issue 18, "Missing"):
//! - a profile (`--profile`) that lowers a threshold of Appendix 4 (as of Order No. 88/2024:
//!   CPU ≥ 3.1 GHz, RAM ≥ 4 GB, free disk ≥ 80 GB, network card ≥ 100 Mbit/s) makes the hardware
//!   items pass against lower numbers: the report says so (`WS_PROFILE_BELOW_APPENDIX_4`, warn);
//! - the air-gap policy `warn` lets the client start on a computer with Internet access, which
//!   consent §11.6 and Appendix 4 item 8 forbid: only `refuse` meets the acts
//!   (`WS_AIRGAP_POLICY`, fail when `warn`).

use crate::config::{GuardAction, Policy, Requirements};
use crate::report::{APPENDIX_4, CONSENT_11_6, Group, Item};

/// `Some(item)` when the profile lowers any threshold of Appendix 4 (raising one is allowed).
pub fn profile_item(req: &Requirements) -> Option<Item> {
    let act = Requirements::default();
    let mut lowered = Vec::new();
    let mut note = |name: &str, got: u64, min: u64, unit: &str, div: u64| {
        if got < min {
            lowered.push(format!(
                "{name} {} {unit} < {} {unit}",
                got / div,
                min / div
            ));
        }
    };
    note("CPU clock", req.cpu_mhz, act.cpu_mhz, "MHz", 1);
    note("RAM", req.ram_bytes, act.ram_bytes, "MB", 1_000_000);
    note(
        "free disk",
        req.free_disk_bytes,
        act.free_disk_bytes,
        "GB",
        1_000_000_000,
    );
    note("network card", req.nic_mbps, act.nic_mbps, "Mbit/s", 1);
    if lowered.is_empty() {
        return None;
    }
    Some(
        Item::new(
            "WS_PROFILE_BELOW_APPENDIX_4",
            Group::Hardware,
            "Thresholds of this diagnosis",
            "the thresholds of Appendix 4: CPU ≥ 3.1 GHz, RAM ≥ 4 GB, free disk ≥ 80 GB, network card ≥ 100 Mbit/s",
            APPENDIX_4,
        )
        .warn(
            format!(
                "the profile lowers Appendix 4's thresholds ({}): the hardware items below do NOT show compliance with the act",
                lowered.join(", ")
            ),
            "Run the diagnosis without the profile (or with one that keeps Appendix 4's values) to judge the workstation against the act.",
        ),
    )
}

/// The air-gap policy against consent §11.6: `refuse` passes, `warn` fails (non-compliant).
pub fn airgap_policy_item(policy: &Policy) -> Item {
    let item = Item::new(
        "WS_AIRGAP_POLICY",
        Group::Network,
        "Air-gap policy of the client",
        "on_violation = \"refuse\": the client does not start on a computer with Internet access",
        CONSENT_11_6,
    );
    match policy.on_internet {
        GuardAction::Refuse => item.pass("on_violation = \"refuse\""),
        GuardAction::Warn => item.fail(
            "on_violation = \"warn\": the client starts with Internet access after a warning — not compliant with consent §11.6 and Appendix 4 item 8",
            "The administrator sets [air_gap] on_violation = \"refuse\" in the policy file (only `refuse` meets the acts).",
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::Status;

    #[test]
    fn appendix_4_values_are_silent_lowered_ones_are_reported() {
        assert!(profile_item(&Requirements::default()).is_none());
        let raised = Requirements {
            cpu_mhz: 4000,
            ..Requirements::default()
        };
        assert!(profile_item(&raised).is_none());
        let low = Requirements {
            cpu_mhz: 1000,
            free_disk_bytes: 1_000_000_000,
            ..Requirements::default()
        };
        let item = profile_item(&low).unwrap();
        assert_eq!(item.status, Status::Warn);
        assert!(
            item.measured.contains("CPU clock 1000 MHz < 3100 MHz"),
            "{}",
            item.measured
        );
        assert!(
            item.measured.contains("free disk 1 GB < 80 GB"),
            "{}",
            item.measured
        );
    }

    #[test]
    fn only_refuse_meets_consent_11_6() {
        let mut p = Policy::default();
        assert_eq!(airgap_policy_item(&p).status, Status::Pass);
        p.on_internet = GuardAction::Warn;
        let item = airgap_policy_item(&p);
        assert_eq!(item.status, Status::Fail);
        assert!(item.measured.contains("not compliant"));
    }
}
