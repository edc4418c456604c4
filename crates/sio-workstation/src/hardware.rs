//! Hardware of Appendix 4: CPU clock, RAM, free disk, network card speed, PDF capability.
//!
//! Linux reads /proc and /sys. Windows equivalents (not built yet): the CPU's nominal clock from
//! `CallNtPowerInformation(ProcessorInformation)` or WMI `Win32_Processor.MaxClockSpeed`, RAM from
//! `GlobalMemoryStatusEx`, free space from `GetDiskFreeSpaceExW`, link speed from
//! `GetIfTable2` (`MIB_IF_ROW2.ReceiveLinkSpeed`).

use std::path::{Path, PathBuf};

use crate::config::Requirements;
use crate::report::{APPENDIX_4, Group, Item};
use crate::sys::{gb, read_trimmed};

/// Where a CPU clock figure came from; only the first two are the nominal (maximum) clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClockSource {
    /// cpufreq's `cpuinfo_max_freq`.
    Cpufreq,
    /// The "@ 3.60GHz" in the CPU model name.
    ModelName,
    /// The current clock ("cpu MHz"), as virtual machines report it.
    Current,
}

/// A CPU clock in MHz with its source.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CpuClock {
    /// MHz.
    pub mhz: u64,
    /// Source.
    pub source: ClockSource,
}

/// The nominal clock from a /proc/cpuinfo text: the model name's "@ x.xxGHz", else the highest
/// "cpu MHz" (a current clock).
pub fn parse_cpuinfo(text: &str) -> Option<CpuClock> {
    let mut model: Option<u64> = None;
    let mut current: Option<u64> = None;
    for line in text.lines() {
        let Some((key, value)) = line.split_once(':') else {
            continue;
        };
        let (key, value) = (key.trim(), value.trim());
        if key == "model name" {
            if let Some(ghz) = value
                .rsplit_once('@')
                .map(|(_, f)| f.trim())
                .and_then(|f| f.strip_suffix("GHz"))
                .and_then(|f| f.trim().parse::<f64>().ok())
            {
                let mhz = (ghz * 1000.0).round() as u64;
                model = Some(model.map_or(mhz, |m| m.max(mhz)));
            }
        } else if key == "cpu MHz" {
            if let Ok(mhz) = value.parse::<f64>() {
                let mhz = mhz.round() as u64;
                current = Some(current.map_or(mhz, |m| m.max(mhz)));
            }
        }
    }
    model
        .map(|mhz| CpuClock {
            mhz,
            source: ClockSource::ModelName,
        })
        .or(current.map(|mhz| CpuClock {
            mhz,
            source: ClockSource::Current,
        }))
}

/// MemTotal in bytes from a /proc/meminfo text.
pub fn parse_meminfo(text: &str) -> Option<u64> {
    text.lines().find_map(|l| {
        let rest = l.strip_prefix("MemTotal:")?;
        let kb = rest.trim().strip_suffix("kB")?.trim().parse::<u64>().ok()?;
        Some(kb * 1024)
    })
}

/// The highest `cpuinfo_max_freq` (kHz) of all CPUs, in MHz.
fn cpufreq_max() -> Option<u64> {
    let dir = std::fs::read_dir("/sys/devices/system/cpu").ok()?;
    dir.flatten()
        .filter(|e| {
            let n = e.file_name();
            let n = n.to_string_lossy();
            n.starts_with("cpu") && n[3..].chars().all(|c| c.is_ascii_digit()) && n.len() > 3
        })
        .filter_map(|e| read_trimmed(e.path().join("cpufreq/cpuinfo_max_freq")))
        .filter_map(|s| s.parse::<u64>().ok())
        .max()
        .map(|khz| khz / 1000)
}

/// This machine's CPU clock.
pub fn cpu_clock() -> Option<CpuClock> {
    if let Some(mhz) = cpufreq_max() {
        return Some(CpuClock {
            mhz,
            source: ClockSource::Cpufreq,
        });
    }
    parse_cpuinfo(&std::fs::read_to_string("/proc/cpuinfo").ok()?)
}

fn cpu_item(req: &Requirements) -> Item {
    let item = Item::new(
        "WS_CPU_CLOCK",
        Group::Hardware,
        "CPU clock",
        format!("≥ {:.1} GHz", req.cpu_mhz as f64 / 1000.0),
        APPENDIX_4,
    );
    const SLOW: &str = "This computer's processor is slower than Appendix 4 requires: use a certified workstation that meets it.";
    match cpu_clock() {
        None => item.warn(
            "unknown (the system does not report the CPU clock)",
            "Check the processor's nominal clock in the computer's documentation or BIOS.",
        ),
        Some(c) => {
            let ghz = format!("{:.2} GHz", c.mhz as f64 / 1000.0);
            match c.source {
                ClockSource::Cpufreq | ClockSource::ModelName if c.mhz >= req.cpu_mhz => {
                    item.pass(format!("{ghz} (nominal)"))
                }
                ClockSource::Cpufreq | ClockSource::ModelName => {
                    item.fail(format!("{ghz} (nominal)"), SLOW)
                }
                ClockSource::Current if c.mhz >= req.cpu_mhz => {
                    item.pass(format!("{ghz} (current clock)"))
                }
                ClockSource::Current => item.warn(
                    format!("{ghz} current clock; the nominal clock is not reported (virtual machine?)"),
                    "Check the nominal clock of the host's processor; a virtual machine needs a host CPU of at least the required clock.",
                ),
            }
        }
    }
}

fn ram_item(req: &Requirements) -> Item {
    let item = Item::new(
        "WS_RAM",
        Group::Hardware,
        "Memory (RAM)",
        format!("≥ {}", gb(req.ram_bytes)),
        APPENDIX_4,
    );
    // Windows: GlobalMemoryStatusEx().ullTotalPhys.
    match std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|t| parse_meminfo(&t))
    {
        None => item.warn(
            "unknown (/proc/meminfo unreadable)",
            "Check the installed memory in the system settings.",
        ),
        Some(b) if b >= req.ram_bytes => item.pass(gb(b)),
        Some(b) => item.fail(
            gb(b),
            "Add memory to reach the required size, or use another workstation.",
        ),
    }
}

/// The default data directory: `$XDG_DATA_HOME/sio`, else `~/.local/share/sio`.
pub fn default_data_dir() -> PathBuf {
    if let Some(d) = std::env::var_os("XDG_DATA_HOME").filter(|d| !d.is_empty()) {
        return PathBuf::from(d).join("sio");
    }
    let home = std::env::var_os("HOME").map_or_else(|| PathBuf::from("/"), PathBuf::from);
    home.join(".local/share/sio")
}

/// Free bytes for an unprivileged user on the file system that holds `dir` (or its nearest
/// existing ancestor).
pub fn free_space(dir: &Path) -> Option<(PathBuf, u64)> {
    // Windows: GetDiskFreeSpaceExW(lpFreeBytesAvailableToCaller).
    let existing = dir.ancestors().find(|p| p.exists())?.to_path_buf();
    #[cfg(unix)]
    {
        let st = rustix::fs::statvfs(&existing).ok()?;
        Some((existing, st.f_bavail.saturating_mul(st.f_frsize)))
    }
    #[cfg(not(unix))]
    {
        let _ = existing;
        None
    }
}

fn disk_item(req: &Requirements, data_dir: &Path) -> Item {
    let item = Item::new(
        "WS_DISK_FREE",
        Group::Hardware,
        "Free disk space",
        format!("≥ {} free", gb(req.free_disk_bytes)),
        APPENDIX_4,
    );
    match free_space(data_dir) {
        None => item.warn(
            format!("unknown ({} not measurable)", data_dir.display()),
            "Check the free space of the disk that holds the client's data.",
        ),
        Some((at, free)) => {
            let measured = format!("{} free on the file system of {}", gb(free), at.display());
            if free >= req.free_disk_bytes {
                item.pass(measured)
            } else {
                item.fail(
                    measured,
                    "Free disk space (remove unneeded files) or install a larger disk.",
                )
            }
        }
    }
}

/// A network interface as /sys/class/net shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NetInterface {
    /// Name (`eth0`).
    pub name: String,
    /// `operstate` is `up`.
    pub up: bool,
    /// Link speed in Mbit/s, when the driver reports one.
    pub speed_mbps: Option<u64>,
    /// Backed by a device (not virtual: no bridge, veth, tunnel).
    pub physical: bool,
}

/// Non-loopback interfaces from /sys/class/net.
pub fn interfaces() -> Vec<NetInterface> {
    // Windows: GetIfTable2 (MIB_IF_ROW2: OperStatus, ReceiveLinkSpeed, InterfaceAndOperStatusFlags.HardwareInterface).
    let Ok(dir) = std::fs::read_dir("/sys/class/net") else {
        return Vec::new();
    };
    let mut out: Vec<NetInterface> = dir
        .flatten()
        .filter(|e| e.file_name() != "lo")
        .map(|e| {
            let p = e.path();
            NetInterface {
                name: e.file_name().to_string_lossy().into_owned(),
                up: read_trimmed(p.join("operstate")).is_some_and(|s| s == "up"),
                speed_mbps: read_trimmed(p.join("speed"))
                    .and_then(|s| s.parse::<i64>().ok())
                    .and_then(|s| u64::try_from(s).ok())
                    .filter(|s| *s > 0),
                physical: p.join("device").exists(),
            }
        })
        .collect();
    out.sort_by(|a, b| a.name.cmp(&b.name));
    out
}

fn nic_item(req: &Requirements) -> Item {
    let item = Item::new(
        "WS_NIC_SPEED",
        Group::Hardware,
        "Network card",
        format!("≥ {} Mbit/s", req.nic_mbps),
        APPENDIX_4,
    );
    let up: Vec<NetInterface> = interfaces().into_iter().filter(|i| i.up).collect();
    if up.is_empty() {
        return item.fail(
            "no network interface is up (besides loopback)",
            "Connect the network card to the protected channel's network.",
        );
    }
    let measured = up
        .iter()
        .map(|i| match i.speed_mbps {
            Some(s) => format!("{} {s} Mbit/s", i.name),
            None => format!("{} speed not reported", i.name),
        })
        .collect::<Vec<_>>()
        .join(", ");
    let best = up.iter().filter_map(|i| i.speed_mbps).max();
    match best {
        Some(s) if s >= req.nic_mbps => item.pass(measured),
        Some(_) if up.iter().all(|i| i.speed_mbps.is_some()) => item.fail(
            measured,
            "Use a network card (and a link) of the required speed; check the cable and the switch port.",
        ),
        _ => item.warn(
            measured,
            "The link speed is not reported (virtual adapter?): check the card's speed in its documentation.",
        ),
    }
}

fn pdf_item() -> Item {
    Item::new(
        "WS_PDF",
        Group::Hardware,
        "PDF capability",
        "software that reads PDF",
        APPENDIX_4,
    )
    .pass_note(
        "built in: the client renders PDF results itself",
        "Nothing to do: no external PDF reader is needed (and none should open results).",
    )
}

/// The hardware items.
pub fn check(req: &Requirements, data_dir: &Path) -> Vec<Item> {
    vec![
        cpu_item(req),
        ram_item(req),
        disk_item(req, data_dir),
        nic_item(req),
        pdf_item(),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::Status;

    const CPUINFO_INTEL: &str = "processor\t: 0\nvendor_id\t: GenuineIntel\ncpu family\t: 6\n\
model name\t: Intel(R) Core(TM) i7-4790 CPU @ 3.60GHz\nstepping\t: 3\ncpu MHz\t\t: 800.024\n\
cache size\t: 8192 KB\n\nprocessor\t: 1\nmodel name\t: Intel(R) Core(TM) i7-4790 CPU @ 3.60GHz\n\
cpu MHz\t\t: 3999.963\n";

    const CPUINFO_VM: &str = "processor\t: 0\nvendor_id\t: AuthenticAMD\nmodel name\t: AMD EPYC\n\
cpu MHz\t\t: 2596.138\ncache size\t: 512 KB\n\nprocessor\t: 1\nmodel name\t: AMD EPYC\ncpu MHz\t\t: 2596.138\n";

    const MEMINFO: &str = "MemTotal:       24684096 kB\nMemFree:         1234567 kB\n\
MemAvailable:   20000000 kB\nBuffers:          123456 kB\n";

    #[test]
    fn cpuinfo_nominal_from_model_name() {
        assert_eq!(
            parse_cpuinfo(CPUINFO_INTEL),
            Some(CpuClock {
                mhz: 3600,
                source: ClockSource::ModelName
            })
        );
    }

    #[test]
    fn cpuinfo_vm_has_only_current_clock() {
        assert_eq!(
            parse_cpuinfo(CPUINFO_VM),
            Some(CpuClock {
                mhz: 2596,
                source: ClockSource::Current
            })
        );
        assert_eq!(parse_cpuinfo("processor : 0\n"), None);
    }

    #[test]
    fn meminfo_total() {
        assert_eq!(parse_meminfo(MEMINFO), Some(24_684_096 * 1024));
        assert_eq!(parse_meminfo("MemFree: 1 kB\n"), None);
    }

    #[test]
    fn this_machine_against_low_and_absurd_thresholds() {
        let low = Requirements {
            cpu_mhz: 1,
            ram_bytes: 1,
            free_disk_bytes: 1,
            nic_mbps: 1,
            ..Requirements::default()
        };
        let absurd = Requirements {
            cpu_mhz: 1_000_000,
            ram_bytes: u64::MAX,
            free_disk_bytes: u64::MAX,
            nic_mbps: u64::MAX,
            ..Requirements::default()
        };
        let tmp = std::env::temp_dir();
        let by = |items: &[Item], code: &str| {
            items
                .iter()
                .find(|i| i.code == code)
                .map(|i| i.status)
                .expect(code)
        };
        let ok = check(&low, &tmp);
        let bad = check(&absurd, &tmp);
        for code in ["WS_RAM", "WS_DISK_FREE", "WS_CPU_CLOCK"] {
            assert_eq!(by(&ok, code), Status::Pass, "{code} low: {ok:?}");
        }
        assert_eq!(by(&bad, "WS_RAM"), Status::Fail);
        assert_eq!(by(&bad, "WS_DISK_FREE"), Status::Fail);
        // A VM reports only the current clock: below an absurd threshold that is a warning.
        assert!(matches!(
            by(&bad, "WS_CPU_CLOCK"),
            Status::Fail | Status::Warn
        ));
        assert_ne!(by(&bad, "WS_NIC_SPEED"), Status::Pass);
        assert_eq!(by(&ok, "WS_PDF"), Status::Pass);
    }
}
