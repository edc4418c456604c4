//! Versions for the helpdesk: the client, the OS, pcsc-lite and OpenSC.
//!
//! Windows equivalents: `RtlGetVersion` (or the registry's `CurrentBuild`/`DisplayVersion`) for
//! the OS; WinSCard is part of the OS; OpenSC's version from its installer's registry key.

use crate::report::{FOR_SUPPORT, Group, Item};
use crate::sys::{read_trimmed, tool_first_line};

/// `PRETTY_NAME` of an os-release text.
pub fn parse_os_release(text: &str) -> Option<String> {
    text.lines().find_map(|l| {
        let v = l.strip_prefix("PRETTY_NAME=")?;
        Some(v.trim().trim_matches('"').to_owned())
    })
}

fn dpkg_version(package: &str) -> Option<String> {
    let out = std::process::Command::new("dpkg-query")
        .args(["-W", "-f", "${Version}", package])
        .output()
        .ok()?;
    let v = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    (out.status.success() && !v.is_empty()).then(|| format!("{package} {v} (dpkg)"))
}

/// The version items; `app_version` is the client's.
pub fn check(app_version: &str) -> Vec<Item> {
    let item = |code, title: &str| Item::new(code, Group::Versions, title, "", FOR_SUPPORT);
    let os = std::fs::read_to_string("/etc/os-release")
        .ok()
        .and_then(|t| parse_os_release(&t))
        .unwrap_or_else(|| "unknown".into());
    let kernel = read_trimmed("/proc/sys/kernel/osrelease").unwrap_or_default();
    let pcsc = tool_first_line("pcscd", &["--version"])
        .filter(|l| l.to_lowercase().contains("pcsc"))
        .or_else(|| dpkg_version("pcscd"));
    let opensc = tool_first_line("opensc-tool", &["--info"])
        .filter(|l| l.contains("OpenSC"))
        .or_else(|| dpkg_version("opensc"));
    vec![
        item("WS_VERSION_APP", "АРМ СИО ПСО client").pass(app_version),
        item("WS_VERSION_OS", "Operating system").pass(format!("{os}, kernel {kernel}")),
        match pcsc {
            Some(v) => item("WS_VERSION_PCSC", "pcsc-lite").pass(v),
            None => item("WS_VERSION_PCSC", "pcsc-lite").warn(
                "not installed",
                "Install the smart card service: `apt install pcscd`.",
            ),
        },
        match opensc {
            Some(v) => item("WS_VERSION_OPENSC", "OpenSC").pass(v),
            None => item("WS_VERSION_OPENSC", "OpenSC").warn(
                "not installed",
                "Install OpenSC if the token is used through it: `apt install opensc opensc-pkcs11`.",
            ),
        },
    ]
}

#[cfg(test)]
mod tests {
    #[test]
    fn os_release() {
        let t = "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nNAME=\"Debian GNU/Linux\"\nVERSION_ID=\"12\"\n";
        assert_eq!(
            super::parse_os_release(t).as_deref(),
            Some("Debian GNU/Linux 12 (bookworm)")
        );
    }
}
