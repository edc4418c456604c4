//! The viewing window's clock: elapsed time, not wall time.
//!
//! A result is destroyed a fixed time after its first view (2015 r.52: the local copy is destroyed
//! once viewed; [`VaultConfig::view_window`](super::VaultConfig) bounds how long it may stay
//! open). Measured with the wall clock, setting the clock back an hour would keep a viewed result
//! readable an hour longer, and forward would destroy it early (issue 20, "the clock jumps").
//! So the first view records, beside the wall time (kept for display and the journal), a reading
//! of `CLOCK_BOOTTIME` — monotonic, not moved by `settimeofday`, NTP steps or libfaketime, and
//! still counting during suspend, which a shred timer must — together with the kernel's boot id.
//! While the boot id is the same, elapsed = boottime now − boottime at the first view. After a
//! reboot the two readings are from different clocks, so the wall clock is the only measure left;
//! if it says the first view is in the future, the window is over (fail closed: destroy).
//!
//! The view marker `viewed/<id>` (plain text, as before; its presence alone means "to be
//! shredded", see recovery):
//!
//! ```text
//! 2026-12-06T01:20:00.123456789+00:00
//! boottime 1f0e…-boot-id 123456789012
//! ```
//!
//! The first line is the only line of markers written before this change; such markers are
//! measured with the wall clock. A marker whose first line does not parse is treated as over.

use chrono::{DateTime, Utc};

/// A `CLOCK_BOOTTIME` reading, tied to the boot it was taken in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct BootInstant {
    /// `/proc/sys/kernel/random/boot_id` (a UUID, new at every boot).
    pub(super) boot_id: String,
    /// Nanoseconds since boot, suspend included.
    pub(super) nanos: u64,
}

impl BootInstant {
    /// Now, or `None` where there is no boot-relative clock (not Linux, or `/proc` unreadable):
    /// the window is then measured with the wall clock.
    pub(super) fn now() -> Option<Self> {
        #[cfg(target_os = "linux")]
        {
            let boot_id = std::fs::read_to_string("/proc/sys/kernel/random/boot_id").ok()?;
            let boot_id = boot_id.trim();
            if !valid_boot_id(boot_id) {
                return None;
            }
            let t = rustix::time::clock_gettime(rustix::time::ClockId::Boottime);
            let secs = u64::try_from(t.tv_sec).ok()?;
            let nanos = u64::try_from(t.tv_nsec).ok()?;
            Some(Self {
                boot_id: boot_id.to_owned(),
                nanos: secs.checked_mul(1_000_000_000)?.checked_add(nanos)?,
            })
        }
        #[cfg(not(target_os = "linux"))]
        {
            None
        }
    }
}

fn valid_boot_id(s: &str) -> bool {
    !s.is_empty() && s.len() <= 64 && s.bytes().all(|b| b.is_ascii_hexdigit() || b == b'-')
}

/// What the view marker records about the first view.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct FirstView {
    /// Wall time of the first view (display, journal, and the measure after a reboot).
    pub(super) wall: DateTime<Utc>,
    /// The boot clock at the first view; `None` in markers written before it was recorded.
    pub(super) boot: Option<BootInstant>,
}

impl FirstView {
    /// The first view happening now.
    pub(super) fn now() -> Self {
        Self {
            wall: Utc::now(),
            boot: BootInstant::now(),
        }
    }

    /// The marker's text.
    pub(super) fn encode(&self) -> String {
        let mut s = self.wall.to_rfc3339();
        if let Some(b) = &self.boot {
            s.push_str(&format!("\nboottime {} {}", b.boot_id, b.nanos));
        }
        s.push('\n');
        s
    }

    /// Parse a marker; `None` if its wall time does not parse (the caller treats that as over).
    /// A second line that does not parse is ignored: the wall time measures then.
    pub(super) fn decode(text: &str) -> Option<Self> {
        let mut lines = text.lines();
        let wall = DateTime::parse_from_rfc3339(lines.next()?.trim())
            .ok()?
            .with_timezone(&Utc);
        let boot = lines.next().and_then(|l| {
            let mut f = l.split_ascii_whitespace();
            match (f.next(), f.next(), f.next(), f.next()) {
                (Some("boottime"), Some(id), Some(n), None) if valid_boot_id(id) => {
                    Some(BootInstant {
                        boot_id: id.to_owned(),
                        nanos: n.parse().ok()?,
                    })
                }
                _ => None,
            }
        });
        Some(Self { wall, boot })
    }

    /// Time elapsed since the first view, or `None` when it cannot be trusted (the wall clock
    /// puts the first view in the future, or the boot clock went backwards): fail closed.
    pub(super) fn elapsed(
        &self,
        now_wall: DateTime<Utc>,
        now_boot: Option<&BootInstant>,
    ) -> Option<chrono::Duration> {
        if let (Some(first), Some(now)) = (&self.boot, now_boot)
            && first.boot_id == now.boot_id
        {
            let ns = now.nanos.checked_sub(first.nanos)?;
            return Some(chrono::Duration::nanoseconds(i64::try_from(ns).ok()?));
        }
        // Another boot (or no boot clock): the wall clock is all there is.
        let d = now_wall.signed_duration_since(self.wall);
        (d >= chrono::Duration::zero()).then_some(d)
    }

    /// Time left of `window`, `None` when it is over (or cannot be trusted).
    pub(super) fn remaining(
        &self,
        window: chrono::Duration,
        now_wall: DateTime<Utc>,
        now_boot: Option<&BootInstant>,
    ) -> Option<chrono::Duration> {
        let left = window - self.elapsed(now_wall, now_boot)?;
        (left > chrono::Duration::zero()).then_some(left)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BOOT: &str = "0b4c1f6e-2a7d-4c55-9e1a-3f2d6c7b8a90";
    const OTHER: &str = "7d0e9a11-5b3c-4f21-8c6e-1a2b3c4d5e6f";
    const MIN: i64 = 60_000_000_000;

    fn at(boot_id: &str, nanos: i64) -> BootInstant {
        BootInstant {
            boot_id: boot_id.to_owned(),
            nanos: u64::try_from(nanos).unwrap(),
        }
    }

    #[test]
    fn marker_round_trips_and_old_markers_read() {
        let fv = FirstView {
            wall: Utc::now(),
            boot: Some(at(BOOT, 42 * MIN)),
        };
        assert_eq!(FirstView::decode(&fv.encode()), Some(fv.clone()));
        let old = fv.wall.to_rfc3339();
        assert_eq!(
            FirstView::decode(&old),
            Some(FirstView {
                wall: fv.wall,
                boot: None
            })
        );
        // A damaged second line: wall time measures.
        let bad = format!("{old}\nboottime ../x 12\n");
        assert_eq!(FirstView::decode(&bad).unwrap().boot, None);
        assert_eq!(FirstView::decode("not a time"), None);
        assert_eq!(FirstView::decode(""), None);
    }

    #[test]
    fn same_boot_measures_the_boot_clock_whatever_the_wall_clock_says() {
        let window = chrono::Duration::minutes(30);
        let now = Utc::now();
        let now_boot = at(BOOT, 600 * MIN);
        for wall_shift in [-60, 0, 60] {
            let first = |ago: i64, wall_ago: i64| FirstView {
                wall: now - chrono::Duration::minutes(wall_ago + wall_shift),
                boot: Some(at(BOOT, 600 * MIN - ago * MIN)),
            };
            assert!(
                first(1, 1)
                    .remaining(window, now, Some(&now_boot))
                    .is_some()
            );
            assert!(
                first(31, 1)
                    .remaining(window, now, Some(&now_boot))
                    .is_none()
            );
        }
        // The boot clock never runs back within a boot; if it seems to, fail closed.
        let ahead = FirstView {
            wall: now,
            boot: Some(at(BOOT, 601 * MIN)),
        };
        assert_eq!(ahead.elapsed(now, Some(&now_boot)), None);
    }

    #[test]
    fn another_boot_falls_back_to_the_wall_clock_and_fails_closed() {
        let window = chrono::Duration::minutes(30);
        let now = Utc::now();
        let now_boot = at(OTHER, MIN);
        let fv = |wall_ago: i64| FirstView {
            wall: now - chrono::Duration::minutes(wall_ago),
            boot: Some(at(BOOT, 500 * MIN)),
        };
        assert!(fv(1).remaining(window, now, Some(&now_boot)).is_some());
        assert!(fv(31).remaining(window, now, Some(&now_boot)).is_none());
        assert!(fv(-60).remaining(window, now, Some(&now_boot)).is_none());
        // No boot clock now, or none recorded: the same.
        assert!(fv(1).remaining(window, now, None).is_some());
        assert!(fv(-60).remaining(window, now, None).is_none());
    }
}
