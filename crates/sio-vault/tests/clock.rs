//! The viewing window across wall-clock jumps (issue 20, "the clock jumps … during an open
//! result"): it measures elapsed time on the boot clock, not wall time.
//!
//! Each case writes the view marker `viewed/<id>` the way the vault writes it (documented in
//! `src/vault/clock.rs`: the wall time, then `boottime <boot id> <ns since boot>`) with a wall
//! time and a boot-clock time that disagree — which is exactly what a clock set back or forward
//! after the first view leaves on disk — and then lets the vault's own timer
//! ([`Vault::shred_expired`]) and [`Vault::view`] judge it. The boot clock is read here from
//! `/proc/uptime` (the kernel's `CLOCK_BOOTTIME`), independently of the vault's code.
#![allow(clippy::unwrap_used)]

mod common;

use std::collections::BTreeSet;
use std::path::Path;

use chrono::{DateTime, Duration, Utc};
use common::*;
use sio_vault::{ResultId, ResultKind, ResultMeta, ShredReason, Vault, VaultConfig, VaultError};

const MIN_NS: i64 = 60_000_000_000;

fn boot_id() -> String {
    std::fs::read_to_string("/proc/sys/kernel/random/boot_id")
        .unwrap()
        .trim()
        .to_owned()
}

/// Nanoseconds since boot, suspend included (`/proc/uptime` is `CLOCK_BOOTTIME`, 10 ms steps).
fn boottime_ns() -> i64 {
    let text = std::fs::read_to_string("/proc/uptime").unwrap();
    let secs = text.split_whitespace().next().unwrap();
    let (s, cs) = secs.split_once('.').unwrap();
    s.parse::<i64>().unwrap() * 1_000_000_000 + cs.parse::<i64>().unwrap() * 10_000_000
}

/// Write the view marker of `id`: first viewed at wall time `wall`, and — if given — at boot
/// clock `boot_ns` of boot `boot`.
fn mark(dir: &Path, id: ResultId, wall: DateTime<Utc>, boot: Option<(&str, i64)>) {
    let mut text = wall.to_rfc3339();
    if let Some((boot_id, ns)) = boot {
        assert!(ns >= 0, "the machine has been up long enough for the case");
        text.push_str(&format!("\nboottime {boot_id} {ns}"));
    }
    text.push('\n');
    std::fs::write(dir.join("vault/viewed").join(id.to_string()), text).unwrap();
}

fn store(vault: &Vault, name: &str) -> ResultId {
    vault
        .store(
            ResultMeta {
                request_id: name.to_owned(),
                kind: ResultKind::Json,
                received_at: Utc::now(),
            },
            format!("{{\"secret\":\"CLOCKJUMP-{name}\"}}").as_bytes(),
        )
        .unwrap()
}

fn listed(vault: &Vault) -> BTreeSet<ResultId> {
    vault.list().unwrap().into_iter().map(|r| r.id).collect()
}

fn has_files(dir: &Path, id: ResultId) -> bool {
    dir.join(format!("vault/slots/{id}.slot")).exists()
        || dir.join(format!("vault/data/{id}.bin")).exists()
}

#[test]
fn a_clock_jump_neither_extends_nor_cuts_the_viewing_window() {
    if !in_keyctl_session("a_clock_jump_neither_extends_nor_cuts_the_viewing_window") {
        return;
    }
    // The default window of 30 minutes; on a machine up for less than 40 minutes (a fresh CI
    // VM) the same cases scaled to a 1-minute window (a first view cannot predate the boot).
    let window = if boottime_ns() > 40 * MIN_NS {
        Duration::minutes(30)
    } else if boottime_ns() > 2 * MIN_NS {
        Duration::minutes(1)
    } else {
        eprintln!("SKIPPED: the machine booted less than 2 minutes ago");
        return;
    };
    // "A minute" of the 30-minute window.
    let m = window / 30;
    let m_ns = m.num_nanoseconds().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let keys = os_keyring();
    let config = VaultConfig {
        view_window: window,
        ..VaultConfig::default()
    };
    let vault = open_vault(d, &keys, config);
    let boot = boot_id();
    let now = Utc::now();
    let bt = boottime_ns();
    let h = Duration::hours(1);

    // Open results (viewers still open), then the clock jumps: the marker keeps the wall time
    // of the first view, now an hour off, and the boot clock time.
    let ids: Vec<ResultId> = ["back", "fwd", "back-late", "fwd-late"]
        .iter()
        .map(|n| store(&vault, n))
        .collect();
    let open: Vec<_> = ids.iter().map(|id| vault.view(*id).unwrap()).collect();
    let [back, fwd, back_late, fwd_late] = ids[..] else {
        unreachable!()
    };
    // Clock set back 1 h after a view 1 min ago: the wall time says "in an hour".
    mark(d, back, now + h - m, Some((&boot, bt - m_ns)));
    // Clock set forward 1 h after a view 1 min ago: the wall time says "an hour ago".
    mark(d, fwd, now - h - m, Some((&boot, bt - m_ns)));
    // Viewed 31 min ago, then the clock set back: the wall time says "1 min ago".
    mark(d, back_late, now - m, Some((&boot, bt - 31 * m_ns)));
    // Viewed 31 min ago, then the clock set forward an hour.
    mark(d, fwd_late, now - h - m * 31, Some((&boot, bt - 31 * m_ns)));

    // The same through `view`, for results whose first view the marker records.
    let seen_late = store(&vault, "seen-late");
    mark(d, seen_late, now - m, Some((&boot, bt - 31 * m_ns)));
    let seen_fwd = store(&vault, "seen-fwd");
    mark(d, seen_fwd, now - h, Some((&boot, bt - m_ns)));
    match vault.view(seen_late) {
        Err(VaultError::Expired(id)) => assert_eq!(id, seen_late),
        other => panic!("viewed 31 min ago by the boot clock: {other:?}"),
    }
    assert!(!has_files(d, seen_late));
    let v = vault.view(seen_fwd).unwrap();
    assert_eq!(v.first_viewed_at(), now - h);
    // 29 minutes left, shown as wall time from now (not first view + 30 min, an hour ago).
    let left = v.expires_at() - Utc::now();
    assert!(left > m * 28 && left <= m * 29, "{left}");
    drop(v); // closing shreds it
    assert!(!has_files(d, seen_fwd));

    // The vault's timer destroys exactly the two viewed 31 minutes ago by the boot clock.
    let shredded = vault.shred_expired().unwrap();
    assert!(shredded.iter().all(|r| r.reason == ShredReason::Expired));
    let shredded: BTreeSet<_> = shredded.iter().map(|r| r.id).collect();
    assert_eq!(shredded, BTreeSet::from([back_late, fwd_late]));
    assert_eq!(listed(&vault), BTreeSet::from([back, fwd]));
    for id in [back_late, fwd_late] {
        assert!(!has_files(d, id));
    }
    // Listed with the first view's wall time as recorded (for display).
    let first: Vec<_> = vault
        .list()
        .unwrap()
        .into_iter()
        .map(|r| (r.id, r.first_viewed_at.unwrap()))
        .collect();
    assert!(first.contains(&(back, now + h - m)) && first.contains(&(fwd, now - h - m)));
    // A second round changes nothing; closing the viewers shreds the rest.
    assert!(vault.shred_expired().unwrap().is_empty());
    for v in open {
        v.close().unwrap();
    }
    assert!(listed(&vault).is_empty());
    assert!(files_containing(d, b"CLOCKJUMP").is_empty());
    forget_keys(d, &keys);
}

#[test]
fn after_a_reboot_the_wall_clock_measures_and_fails_closed() {
    if !in_keyctl_session("after_a_reboot_the_wall_clock_measures_and_fails_closed") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let keys = os_keyring();
    let vault = open_vault(d, &keys, VaultConfig::default());
    let other_boot = uuid::Uuid::new_v4().to_string();
    assert_ne!(other_boot, boot_id());
    let now = Utc::now();
    let bt = boottime_ns();
    let m = Duration::minutes(1);
    let names = [
        "reboot-fresh",
        "reboot-late",
        "reboot-future",
        "old-fresh",
        "old-late",
        "old-future",
        "garbage",
    ];
    let ids: Vec<ResultId> = names.iter().map(|n| store(&vault, n)).collect();
    let [
        reboot_fresh,
        reboot_late,
        reboot_future,
        old_fresh,
        old_late,
        old_future,
        garbage,
    ] = ids[..]
    else {
        unreachable!()
    };
    // Another boot's reading says "a second ago" (its clock is not ours): the wall time rules.
    mark(d, reboot_fresh, now - m, Some((&other_boot, bt)));
    mark(d, reboot_late, now - m * 31, Some((&other_boot, bt)));
    // The wall clock puts the first view in the future: nothing can be trusted, destroy.
    mark(d, reboot_future, now + m * 60, Some((&other_boot, bt)));
    // Markers written before the boot clock was recorded: the wall time, as before.
    mark(d, old_fresh, now - m, None);
    mark(d, old_late, now - m * 31, None);
    mark(d, old_future, now + m * 60, None);
    std::fs::write(
        d.join("vault/viewed").join(garbage.to_string()),
        "not a time",
    )
    .unwrap();

    let shredded: BTreeSet<_> = vault
        .shred_expired()
        .unwrap()
        .into_iter()
        .map(|r| r.id)
        .collect();
    assert_eq!(
        shredded,
        BTreeSet::from([reboot_late, reboot_future, old_late, old_future, garbage])
    );
    assert_eq!(listed(&vault), BTreeSet::from([reboot_fresh, old_fresh]));
    // What is kept still opens, with the time left by the wall clock.
    for id in [reboot_fresh, old_fresh] {
        let v = vault.view(id).unwrap();
        let left = v.expires_at() - Utc::now();
        assert!(
            left > Duration::minutes(28) && left <= Duration::minutes(29),
            "{left}"
        );
        v.close().unwrap();
    }
    assert!(listed(&vault).is_empty());
    assert!(files_containing(d, b"CLOCKJUMP").is_empty());
    forget_keys(d, &keys);
}

const FAKETIME: &str = "/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1";
const CHILD_RC: &str = "SIO_VAULT_TEST_FAKETIME_RC";

/// A real process whose wall clock jumps while a result is open: this test binary re-runs
/// [`clock_jump_child`] with libfaketime preloaded (Debian `faketime`), its offset read from a
/// file at every call (`FAKETIME_TIMESTAMP_FILE`, `FAKETIME_NO_CACHE`), which the child rewrites
/// between the vault's steps. The monotonic clocks are left alone
/// (`FAKETIME_DONT_FAKE_MONOTONIC`); the vault reads `CLOCK_BOOTTIME` through the vDSO, which
/// an `LD_PRELOAD` library cannot reach anyway. SKIPPED without libfaketime.
#[test]
fn a_process_whose_clock_jumps_while_a_result_is_open() {
    if !Path::new(FAKETIME).exists() {
        eprintln!("SKIPPED: libfaketime is not installed (apt-get install faketime)");
        return;
    }
    if !in_keyctl_session("a_process_whose_clock_jumps_while_a_result_is_open") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let rc = dir.path().join("faketime.rc");
    std::fs::write(&rc, "+0\n").unwrap();
    // The child inherits this process's session keyring.
    let out = std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "clock_jump_child",
            "--nocapture",
            "--test-threads=1",
            "--include-ignored",
        ])
        .env("LD_PRELOAD", FAKETIME)
        .env("FAKETIME_TIMESTAMP_FILE", &rc)
        .env("FAKETIME_NO_CACHE", "1")
        .env("FAKETIME_DONT_FAKE_MONOTONIC", "1")
        .env("DONT_FAKE_MONOTONIC", "1")
        .env(CHILD_RC, &rc)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "child failed:\n{stdout}\n{stderr}");
    assert!(stdout.contains("1 passed"), "child did not run:\n{stdout}");
    eprint!("{stdout}{stderr}");
}

/// Run by [`a_process_whose_clock_jumps_while_a_result_is_open`] only.
#[test]
#[ignore = "run by a_process_whose_clock_jumps_while_a_result_is_open under libfaketime"]
fn clock_jump_child() {
    let Some(rc) = std::env::var_os(CHILD_RC) else {
        return;
    };
    let jump = |offset: &str| std::fs::write(&rc, format!("{offset}\n")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let keys = os_keyring();
    let window = std::time::Duration::from_secs(3);
    let vault = open_vault(
        d,
        &keys,
        VaultConfig {
            view_window: Duration::from_std(window).unwrap(),
            ..VaultConfig::default()
        },
    );
    let started = std::time::Instant::now();
    let a = store(&vault, "jump-forward");
    let b = store(&vault, "jump-back");
    let va = vault.view(a).unwrap();
    let t0 = Utc::now();
    // The clock is set an hour forward: libfaketime follows the file (or the test is void).
    jump("+1h");
    let shift = Utc::now() - t0;
    assert!(
        shift > Duration::minutes(59),
        "libfaketime not active: {shift}"
    );
    // Opened a moment ago: not destroyed early.
    assert!(vault.shred_expired().unwrap().is_empty());
    let vb = vault.view(b).unwrap();
    assert_eq!(listed(&vault), BTreeSet::from([a, b]));
    // Then two hours back (an hour behind the real time): the window is not extended. Both
    // results were opened more than the window ago once 3 s have passed.
    jump("-1h");
    assert!(Utc::now() < t0);
    std::thread::sleep(window + std::time::Duration::from_millis(300));
    let shredded: BTreeSet<_> = vault
        .shred_expired()
        .unwrap()
        .into_iter()
        .map(|r| r.id)
        .collect();
    assert!(
        started.elapsed() < window * 3,
        "too slow to tell the windows apart"
    );
    assert_eq!(shredded, BTreeSet::from([a, b]));
    assert!(listed(&vault).is_empty());
    assert!(matches!(vault.view(a), Err(VaultError::NotFound(_))));
    va.close().unwrap();
    vb.close().unwrap();
    jump("+0");
    assert!(files_containing(d, b"CLOCKJUMP").is_empty());
    forget_keys(d, &keys);
}

/// A result still open when its window ends (the viewer is not closed): the holder asks the
/// open result itself (`window_over`, `time_left`), judged from the marker by the same boot-clock
/// rule as `shred_expired`, and shreds it as expired (`close_expired`), journaled so.
#[test]
fn an_open_result_knows_when_its_window_is_over() {
    if !in_keyctl_session("an_open_result_knows_when_its_window_is_over") {
        return;
    }
    if boottime_ns() < 3 * MIN_NS {
        eprintln!("SKIPPED: the machine booted less than 3 minutes ago");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let keys = os_keyring();
    let window = Duration::minutes(1);
    let config = VaultConfig {
        view_window: window,
        ..VaultConfig::default()
    };
    let vault = open_vault(d, &keys, config);
    let boot = boot_id();

    // Just opened: nearly the whole window left.
    let fresh = store(&vault, "open-fresh");
    let v = vault.view(fresh).unwrap();
    assert!(!v.window_over());
    let left = v.time_left().unwrap();
    assert!(
        left > std::time::Duration::from_secs(55) && left <= std::time::Duration::from_secs(60),
        "{left:?}"
    );

    // The wall clock set back an hour does not extend it: viewed 2 min ago by the boot clock.
    let now = Utc::now();
    let late = store(&vault, "open-late");
    let late_v = vault.view(late).unwrap();
    mark(
        d,
        late,
        now + Duration::hours(1),
        Some((&boot, boottime_ns() - 2 * MIN_NS)),
    );
    assert!(late_v.window_over());
    assert_eq!(late_v.time_left(), None);
    // ... and set forward an hour does not cut `v` short.
    mark(
        d,
        fresh,
        now - Duration::hours(1),
        Some((&boot, boottime_ns() - MIN_NS / 6)),
    );
    assert!(!v.window_over());

    // Fail closed: an unreadable marker, or none (the timer already shredded it), is over.
    let garbled = store(&vault, "open-garbled");
    let garbled_v = vault.view(garbled).unwrap();
    std::fs::write(
        d.join("vault/viewed").join(garbled.to_string()),
        "not a time\n",
    )
    .unwrap();
    assert!(garbled_v.window_over());
    let gone = store(&vault, "open-gone");
    let gone_v = vault.view(gone).unwrap();
    std::fs::remove_file(d.join("vault/viewed").join(gone.to_string())).unwrap();
    assert!(gone_v.window_over());

    // Shredded as expired while open, journaled with that reason.
    let r = late_v.close_expired().unwrap();
    assert_eq!(
        (r.id, r.reason, r.slot_erased),
        (late, ShredReason::Expired, true)
    );
    assert!(!has_files(d, late));
    garbled_v.close_expired().unwrap();
    gone_v.close_expired().unwrap();
    let journal = std::fs::read_to_string(d.join("audit.jsonl")).unwrap();
    let expired_lines = journal
        .lines()
        .filter(|l| l.contains("\"operation\":\"result.shredded\"") && l.contains("expired"))
        .count();
    assert_eq!(expired_lines, 3, "{journal}");
    assert!(journal.contains(&late.to_string()));
    assert_eq!(listed(&vault), BTreeSet::from([fresh]));
    v.close().unwrap();
    assert!(listed(&vault).is_empty());
    assert!(files_containing(d, b"CLOCKJUMP").is_empty());
    forget_keys(d, &keys);
}
