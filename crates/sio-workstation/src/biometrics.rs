//! Biometric devices (Appendix 4: a biometric reader or a webcam, and their drivers).
//!
//! Linux: cameras are V4L2 nodes (/dev/video*, names in /sys/class/video4linux); fingerprint
//! readers are fprintd's devices on the system D-Bus (`net.reactivated.Fprint.Manager.GetDevices`).
//! Windows: cameras through Media Foundation (`MFEnumDeviceSources` with the video-capture
//! category), fingerprint readers through the Windows Biometric Framework (`WinBioEnumBiometricUnits`
//! with `WINBIO_TYPE_FINGERPRINT`).

use std::time::Duration;

use zbus::zvariant::{OwnedObjectPath, OwnedValue};

use crate::report::{APPENDIX_4, Group, Item, Status};

/// A camera found on the system.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Camera {
    /// Device node (`/dev/video0`).
    pub node: String,
    /// Name the driver gives, when known.
    pub name: Option<String>,
}

/// V4L2 video nodes with their names.
pub fn cameras() -> Vec<Camera> {
    let Ok(dir) = std::fs::read_dir("/dev") else {
        return Vec::new();
    };
    let mut out: Vec<Camera> = dir
        .flatten()
        .filter_map(|e| {
            let n = e.file_name().to_string_lossy().into_owned();
            let idx = n.strip_prefix("video")?;
            if idx.is_empty() || !idx.chars().all(|c| c.is_ascii_digit()) {
                return None;
            }
            Some(Camera {
                node: format!("/dev/{n}"),
                name: crate::sys::read_trimmed(format!("/sys/class/video4linux/{n}/name")),
            })
        })
        .collect();
    out.sort_by(|a, b| a.node.cmp(&b.node));
    out
}

/// What fprintd said.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fingerprint {
    /// fprintd answered with these devices (names, or object paths when unnamed).
    Devices(Vec<String>),
    /// The system bus is not reachable.
    NoBus(String),
    /// The bus is there but fprintd is not (not installed or not activatable).
    NoService(String),
    /// Another error.
    Failed(String),
}

const FPRINT: &str = "net.reactivated.Fprint";

async fn fprintd_devices() -> Fingerprint {
    let conn = match zbus::Connection::system().await {
        Ok(c) => c,
        Err(e) => return Fingerprint::NoBus(e.to_string()),
    };
    let reply = conn
        .call_method(
            Some(FPRINT),
            "/net/reactivated/Fprint/Manager",
            Some("net.reactivated.Fprint.Manager"),
            "GetDevices",
            &(),
        )
        .await;
    let msg = match reply {
        Ok(m) => m,
        Err(zbus::Error::MethodError(name, detail, _))
            if name.as_str() == "org.freedesktop.DBus.Error.ServiceUnknown"
                || name.as_str() == "org.freedesktop.DBus.Error.NameHasNoOwner" =>
        {
            return Fingerprint::NoService(detail.unwrap_or_else(|| name.to_string()));
        }
        Err(e) => return Fingerprint::Failed(e.to_string()),
    };
    let paths: Vec<OwnedObjectPath> = match msg.body().deserialize() {
        Ok(p) => p,
        Err(e) => return Fingerprint::Failed(e.to_string()),
    };
    let mut names = Vec::new();
    for p in paths {
        let name = conn
            .call_method(
                Some(FPRINT),
                p.as_str(),
                Some("org.freedesktop.DBus.Properties"),
                "Get",
                &("net.reactivated.Fprint.Device", "name"),
            )
            .await
            .ok()
            .and_then(|m| m.body().deserialize::<OwnedValue>().ok())
            .and_then(|v| String::try_from(v).ok());
        names.push(name.unwrap_or_else(|| p.to_string()));
    }
    Fingerprint::Devices(names)
}

/// Ask fprintd for its devices (5 s at most).
pub async fn fingerprint_readers() -> Fingerprint {
    match tokio::time::timeout(Duration::from_secs(5), fprintd_devices()).await {
        Ok(f) => f,
        Err(_) => Fingerprint::Failed("no answer from the system bus within 5 s".into()),
    }
}

/// The biometric items.
pub async fn check() -> Vec<Item> {
    let cams = cameras();
    let camera = Item::new(
        "WS_CAMERA",
        Group::Biometrics,
        "Webcam",
        "a webcam with its driver (for Face ID), or a fingerprint reader",
        APPENDIX_4,
    );
    let camera = if cams.is_empty() {
        camera.warn(
            "no camera (no /dev/video* device)",
            "Connect a webcam (UVC cameras need no extra driver on Linux) if Face ID is used.",
        )
    } else {
        camera.pass(
            cams.iter()
                .map(|c| match &c.name {
                    Some(n) => format!("{} ({n})", c.node),
                    None => c.node.clone(),
                })
                .collect::<Vec<_>>()
                .join(", "),
        )
    };
    let fp = Item::new(
        "WS_FINGERPRINT",
        Group::Biometrics,
        "Fingerprint reader",
        "a fingerprint reader with its driver (fprintd), or a webcam",
        APPENDIX_4,
    );
    let fp = match fingerprint_readers().await {
        Fingerprint::Devices(d) if !d.is_empty() => fp.pass(d.join(", ")),
        Fingerprint::Devices(_) => fp.warn(
            "fprintd runs but sees no fingerprint reader",
            "Connect the fingerprint reader; check that libfprint supports it (`fprintd-list`).",
        ),
        Fingerprint::NoBus(e) => fp.warn(
            format!("no system D-Bus ({e})"),
            "Start the system bus (`systemctl start dbus`) if a fingerprint reader is used.",
        ),
        Fingerprint::NoService(e) => fp.warn(
            format!("fprintd is not available ({e})"),
            "Install the fingerprint service if a fingerprint reader is used: `apt install fprintd libfprint-2-2`.",
        ),
        Fingerprint::Failed(e) => fp.warn(
            format!("fprintd did not answer ({e})"),
            "Restart fprintd; check `journalctl -u fprintd`.",
        ),
    };
    let any = Item::new(
        "WS_BIOMETRIC_DEVICE",
        Group::Biometrics,
        "Biometric device",
        "a fingerprint reader or a webcam",
        APPENDIX_4,
    );
    let any = if camera.status == Status::Pass || fp.status == Status::Pass {
        any.pass("present")
    } else {
        any.fail(
            "neither a webcam nor a fingerprint reader",
            "Connect a webcam or a fingerprint reader with its driver (Appendix 4 requires one of them).",
        )
    };
    vec![camera, fp, any]
}
