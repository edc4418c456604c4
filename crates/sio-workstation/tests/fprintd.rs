//! Fingerprint readers through the real fprintd on a system D-Bus, with libfprint's
//! `virtual_image` device (Debian `fprintd`, `libfprint-2-2`, `dbus`). The test starts a system
//! bus when none runs and fprintd itself, and stops what it started; it holds /tmp/sio-fprintd.lock
//! so that other tests using fprintd wait. It is skipped (with a message) when fprintd is not
//! installed, or when another fprintd already owns the bus name.
#![allow(clippy::unwrap_used)]

use std::fs::OpenOptions;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use sio_workstation::Status;
use sio_workstation::biometrics::{self, Fingerprint};

const SOCKET: &str = "/run/dbus/system_bus_socket";

/// Processes this test started, stopped on drop; the bus's files are removed when it started the bus.
struct Started {
    bus: Option<u32>,
    fprintd: Option<Child>,
}

impl Started {
    fn stop_fprintd(&mut self) {
        if let Some(mut c) = self.fprintd.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    fn stop_bus(&mut self) {
        if let Some(pid) = self.bus.take() {
            let _ = Command::new("kill").arg(pid.to_string()).status();
            let deadline = Instant::now() + Duration::from_secs(5);
            while Path::new(&format!("/proc/{pid}")).exists() && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(50));
            }
            let _ = std::fs::remove_file("/run/dbus/pid");
            let _ = std::fs::remove_file(SOCKET);
        }
    }
}

impl Drop for Started {
    fn drop(&mut self) {
        self.stop_fprintd();
        self.stop_bus();
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn fprintd_virtual_device_present_then_absent() {
    if !Path::new("/usr/libexec/fprintd").exists() {
        eprintln!("skipped: fprintd is not installed (apt install fprintd libfprint-2-2)");
        return;
    }
    let lock = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open("/tmp/sio-fprintd.lock")
        .unwrap();
    lock.lock().unwrap();

    let mut started = Started {
        bus: None,
        fprintd: None,
    };
    if matches!(
        biometrics::fingerprint_readers().await,
        Fingerprint::NoBus(_)
    ) {
        std::fs::create_dir_all("/run/dbus").unwrap();
        let _ = std::fs::remove_file("/run/dbus/pid"); // stale, from a bus that is gone
        let _ = std::fs::remove_file(SOCKET);
        let out = Command::new("dbus-daemon")
            .args(["--system", "--fork", "--print-pid"])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        started.bus = Some(String::from_utf8_lossy(&out.stdout).trim().parse().unwrap());
    }
    match biometrics::fingerprint_readers().await {
        Fingerprint::NoService(_) => {}
        other => {
            eprintln!("skipped: another fprintd already runs ({other:?})");
            return;
        }
    }
    let dir = tempfile::tempdir().unwrap();
    started.fprintd = Some(
        Command::new("/usr/libexec/fprintd")
            .arg("-t")
            .env("FP_VIRTUAL_IMAGE", dir.path().join("fp.sock"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let deadline = Instant::now() + Duration::from_secs(15);
    let found = loop {
        match biometrics::fingerprint_readers().await {
            Fingerprint::Devices(d) if !d.is_empty() => break d,
            other if Instant::now() > deadline => panic!("fprintd did not come up: {other:?}"),
            _ => tokio::time::sleep(Duration::from_millis(200)).await,
        }
    };
    assert!(
        found.iter().any(|d| d.contains("Virtual image device")),
        "{found:?}"
    );
    let items = biometrics::check().await;
    let by = |code: &str| items.iter().find(|i| i.code == code).unwrap().clone();
    assert_eq!(by("WS_FINGERPRINT").status, Status::Pass);
    assert_eq!(by("WS_BIOMETRIC_DEVICE").status, Status::Pass);

    // fprintd gone: a warning with what to install; with no camera either, Appendix 4 fails.
    started.stop_fprintd();
    let items = biometrics::check().await;
    let fp = items.iter().find(|i| i.code == "WS_FINGERPRINT").unwrap();
    assert_eq!(fp.status, Status::Warn, "{fp:?}");
    // (Either "not available", with what to install, or — where the bus can activate fprintd —
    // "sees no fingerprint reader".)
    assert!(
        fp.action.contains("apt install fprintd") || fp.measured.contains("no fingerprint reader"),
        "{fp:?}"
    );
    if biometrics::cameras().is_empty() {
        let any = items
            .iter()
            .find(|i| i.code == "WS_BIOMETRIC_DEVICE")
            .unwrap();
        assert_eq!(any.status, Status::Fail, "{any:?}");
    }
    drop(started);
}
