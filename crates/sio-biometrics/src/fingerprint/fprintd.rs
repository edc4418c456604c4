//! fprintd over the system D-Bus (`net.reactivated.Fprint`, fprintd 1.94).
//!
//! Each operation opens its own bus connection, claims the device, does its work and releases
//! the device; if the operation is dropped half-way (timeout, cancelled login), the connection
//! closes and fprintd releases the claim itself when the client vanishes.

use std::time::Duration;

use futures_util::StreamExt as _;
use sha2::{Digest as _, Sha256};
use zbus::proxy::CacheProperties;
use zbus::zvariant::OwnedObjectPath;
use zbus::{Connection, Proxy};

use super::{
    BoxFuture, Finger, FingerprintDevice, FingerprintError, FingerprintStack, OnEvent, ScanEvent,
    ScanFeedback, ScanType, Target, Verdict, Verification,
};

const SERVICE: &str = "net.reactivated.Fprint";
const MANAGER_PATH: &str = "/net/reactivated/Fprint/Manager";
const MANAGER: &str = "net.reactivated.Fprint.Manager";
const DEVICE: &str = "net.reactivated.Fprint.Device";
/// Time for one D-Bus call (not a scan).
const CALL_TIMEOUT: Duration = Duration::from_secs(10);

/// Whose prints fprintd keeps: fprintd stores prints per OS user name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FprintdUser {
    /// The OS account running the client (fprintd's empty user name): one SIO user per OS
    /// account, no extra permission needed.
    OsAccount,
    /// A name made of a prefix and the ИИН (`sio-880101300123`): several SIO users on one OS
    /// account. Claiming for another name needs polkit's
    /// `net.reactivated.fprint.device.setusername` (root has it; others need a polkit rule).
    PerIin(String),
}

impl FprintdUser {
    /// The prefix of [`FprintdUser::PerIin`] names.
    pub const IIN_PREFIX: &'static str = "sio-";

    /// The workstation's choice: the OS account's prints, or per ИИН (`sio-<ИИН>`) when the
    /// environment sets `SIO_FPRINTD_PER_IIN=1` (several officers on one OS account).
    pub fn from_env() -> Self {
        if std::env::var_os("SIO_FPRINTD_PER_IIN").is_some_and(|v| v == "1") {
            Self::PerIin(Self::IIN_PREFIX.into())
        } else {
            Self::OsAccount
        }
    }
}

/// The fprintd implementation of [`FingerprintStack`].
#[derive(Debug, Clone)]
pub struct FprintdStack {
    user: FprintdUser,
    workstation: Option<String>,
}

impl Default for FprintdStack {
    fn default() -> Self {
        Self::new(FprintdUser::OsAccount)
    }
}

impl FprintdStack {
    /// A stack keeping prints as `user` says.
    pub fn new(user: FprintdUser) -> Self {
        Self {
            user,
            workstation: None,
        }
    }

    /// Use this workstation identifier instead of the one derived from `/etc/machine-id`.
    pub fn with_workstation_id(mut self, id: impl Into<String>) -> Self {
        self.workstation = Some(id.into());
        self
    }

    fn username(&self, iin: &str) -> String {
        match &self.user {
            FprintdUser::OsAccount => String::new(),
            FprintdUser::PerIin(prefix) => format!("{prefix}{iin}"),
        }
    }
}

/// The D-Bus error name of a failed call, if it is one.
fn error_name(e: &zbus::Error) -> Option<String> {
    match e {
        zbus::Error::MethodError(name, _, _) => Some(name.to_string()),
        zbus::Error::FDO(fdo) => Some(zbus::DBusError::name(fdo.as_ref()).to_string()),
        _ => None,
    }
}

/// Map a D-Bus failure to a stable error.
fn map_err(e: zbus::Error) -> FingerprintError {
    let detail = e.to_string();
    match error_name(&e).as_deref() {
        Some(
            "org.freedesktop.DBus.Error.ServiceUnknown"
            | "org.freedesktop.DBus.Error.NameHasNoOwner"
            | "org.freedesktop.DBus.Error.Spawn.ServiceNotFound"
            | "org.freedesktop.DBus.Error.Spawn.ChildExited",
        ) => FingerprintError::NoService(detail),
        Some(
            "org.freedesktop.DBus.Error.UnknownObject" | "org.freedesktop.DBus.Error.UnknownMethod",
        ) => FingerprintError::NoDevice(detail),
        Some("net.reactivated.Fprint.Error.NoSuchDevice") => FingerprintError::NoDevice(detail),
        Some("net.reactivated.Fprint.Error.AlreadyInUse") => FingerprintError::DeviceBusy(detail),
        Some("net.reactivated.Fprint.Error.PermissionDenied") => {
            FingerprintError::PermissionDenied(detail)
        }
        Some("net.reactivated.Fprint.Error.NoEnrolledPrints") => FingerprintError::NotEnrolled,
        Some("net.reactivated.Fprint.Error.InvalidFingername") => {
            FingerprintError::BadFinger(detail)
        }
        Some("net.reactivated.Fprint.Error.PrintsNotDeleted") => FingerprintError::Device(detail),
        Some(n) if n.starts_with("net.reactivated.Fprint.Error.") => {
            FingerprintError::Device(detail)
        }
        Some(_) => FingerprintError::Protocol(detail),
        None => match e {
            zbus::Error::InputOutput(_) | zbus::Error::Address(_) | zbus::Error::Handshake(_) => {
                FingerprintError::NoService(detail)
            }
            _ => FingerprintError::Protocol(detail),
        },
    }
}

async fn bounded<T>(
    f: impl Future<Output = Result<T, FingerprintError>>,
) -> Result<T, FingerprintError> {
    match tokio::time::timeout(CALL_TIMEOUT, f).await {
        Ok(r) => r,
        Err(_) => Err(FingerprintError::NoService(format!(
            "no answer from fprintd within {} s",
            CALL_TIMEOUT.as_secs()
        ))),
    }
}

async fn connect() -> Result<Connection, FingerprintError> {
    bounded(async { Connection::system().await.map_err(map_err) }).await
}

async fn proxy(
    conn: &Connection,
    path: &str,
    iface: &'static str,
) -> Result<Proxy<'static>, FingerprintError> {
    zbus::proxy::Builder::<Proxy<'static>>::new(conn)
        .destination(SERVICE)
        .and_then(|b| b.path(path.to_owned()))
        .and_then(|b| b.interface(iface))
        .map(|b| b.cache_properties(CacheProperties::No))
        .map_err(map_err)?
        .build()
        .await
        .map_err(map_err)
}

async fn device_paths(conn: &Connection) -> Result<Vec<OwnedObjectPath>, FingerprintError> {
    let manager = proxy(conn, MANAGER_PATH, MANAGER).await?;
    manager
        .call::<_, _, Vec<OwnedObjectPath>>("GetDevices", &())
        .await
        .map_err(map_err)
}

async fn describe(conn: &Connection, path: &str) -> Result<FingerprintDevice, FingerprintError> {
    let dev = proxy(conn, path, DEVICE).await?;
    let name: String = dev.get_property("name").await.map_err(map_err)?;
    let scan: String = dev.get_property("scan-type").await.map_err(map_err)?;
    let stages: i32 = dev
        .get_property("num-enroll-stages")
        .await
        .map_err(map_err)?;
    Ok(FingerprintDevice {
        id: path.to_string(),
        name,
        scan_type: if scan == "swipe" {
            ScanType::Swipe
        } else {
            ScanType::Press
        },
        enroll_stages: u32::try_from(stages).unwrap_or(0),
    })
}

async fn resolve(
    conn: &Connection,
    device: Option<&str>,
) -> Result<FingerprintDevice, FingerprintError> {
    match device {
        Some(id) => {
            let paths = device_paths(conn).await?;
            if !paths.iter().any(|p| p.as_str() == id) {
                return Err(FingerprintError::NoDevice(format!("no reader {id}")));
            }
            describe(conn, id).await
        }
        None => {
            let manager = proxy(conn, MANAGER_PATH, MANAGER).await?;
            let path: OwnedObjectPath =
                manager.call("GetDefaultDevice", &()).await.map_err(|e| {
                    match error_name(&e).as_deref() {
                        Some("net.reactivated.Fprint.Error.NoSuchDevice") => {
                            FingerprintError::NoDevice("no fingerprint reader is connected".into())
                        }
                        _ => map_err(e),
                    }
                })?;
            describe(conn, path.as_str()).await
        }
    }
}

/// A claimed device; [`Claimed::release`] gives it back.
struct Claimed {
    dev: Proxy<'static>,
    info: FingerprintDevice,
}

impl Claimed {
    async fn claim(
        conn: &Connection,
        info: FingerprintDevice,
        username: &str,
    ) -> Result<Claimed, FingerprintError> {
        let dev = proxy(conn, &info.id, DEVICE).await?;
        bounded(async {
            dev.call::<_, _, ()>("Claim", &(username,))
                .await
                .map_err(map_err)
        })
        .await?;
        Ok(Claimed { dev, info })
    }

    async fn release(&self) {
        let _ = tokio::time::timeout(CALL_TIMEOUT, self.dev.call::<_, _, ()>("Release", &())).await;
    }
}

fn feedback(status: &str) -> Option<ScanFeedback> {
    let tail = status
        .strip_prefix("enroll-")
        .or_else(|| status.strip_prefix("verify-"))?;
    match tail {
        "retry-scan" => Some(ScanFeedback::RetryScan),
        "swipe-too-short" => Some(ScanFeedback::SwipeTooShort),
        "finger-not-centered" => Some(ScanFeedback::FingerNotCentered),
        "remove-and-retry" => Some(ScanFeedback::RemoveAndRetry),
        _ => None,
    }
}

fn scan_timeout(timeout: Duration) -> FingerprintError {
    FingerprintError::Timeout(timeout.as_secs())
}

async fn enroll_on(
    claimed: &Claimed,
    finger: Finger,
    on_event: OnEvent<'_>,
    timeout: Duration,
) -> Result<(), FingerprintError> {
    let mut status = claimed
        .dev
        .receive_signal("EnrollStatus")
        .await
        .map_err(map_err)?;
    bounded(async {
        claimed
            .dev
            .call::<_, _, ()>("EnrollStart", &(finger.name(),))
            .await
            .map_err(map_err)
    })
    .await?;
    let total = claimed.info.enroll_stages;
    let mut done = 0u32;
    on_event(ScanEvent::Ready);
    let run = async {
        while let Some(msg) = status.next().await {
            let (result, finished): (String, bool) = msg
                .body()
                .deserialize()
                .map_err(|e| FingerprintError::Protocol(e.to_string()))?;
            match result.as_str() {
                "enroll-completed" => return Ok(()),
                "enroll-stage-passed" => {
                    done += 1;
                    on_event(ScanEvent::StagePassed { done, total });
                    on_event(ScanEvent::Ready);
                }
                "enroll-failed" => return Err(FingerprintError::EnrollFailed(result)),
                "enroll-data-full" => return Err(FingerprintError::DataFull),
                "enroll-duplicate" => return Err(FingerprintError::Duplicate),
                "enroll-disconnected" => return Err(FingerprintError::Disconnected),
                other => {
                    if let Some(f) = feedback(other) {
                        on_event(ScanEvent::Retry(f));
                        on_event(ScanEvent::Ready);
                    } else if finished {
                        return Err(FingerprintError::Device(other.chars().take(60).collect()));
                    }
                }
            }
        }
        Err(FingerprintError::NoService("fprintd left the bus".into()))
    };
    let r = match tokio::time::timeout(timeout, run).await {
        Ok(r) => r,
        Err(_) => Err(scan_timeout(timeout)),
    };
    let _ = tokio::time::timeout(
        CALL_TIMEOUT,
        claimed.dev.call::<_, _, ()>("EnrollStop", &()),
    )
    .await;
    r
}

async fn verify_on(
    claimed: &Claimed,
    on_event: OnEvent<'_>,
    timeout: Duration,
) -> Result<(Verdict, Option<Finger>), FingerprintError> {
    let mut status = claimed
        .dev
        .receive_signal("VerifyStatus")
        .await
        .map_err(map_err)?;
    let mut selected = claimed
        .dev
        .receive_signal("VerifyFingerSelected")
        .await
        .map_err(map_err)?;
    bounded(async {
        claimed
            .dev
            .call::<_, _, ()>("VerifyStart", &("any",))
            .await
            .map_err(map_err)
    })
    .await?;
    on_event(ScanEvent::Ready);
    let mut finger = None;
    let run = async {
        loop {
            tokio::select! {
                Some(msg) = selected.next() => {
                    if let Ok(name) = msg.body().deserialize::<String>() {
                        finger = name.parse::<Finger>().ok();
                        on_event(ScanEvent::FingerSelected(finger));
                    }
                }
                msg = status.next() => {
                    let Some(msg) = msg else {
                        return Err(FingerprintError::NoService("fprintd left the bus".into()));
                    };
                    let (result, finished): (String, bool) = msg
                        .body()
                        .deserialize()
                        .map_err(|e| FingerprintError::Protocol(e.to_string()))?;
                    match result.as_str() {
                        "verify-match" => return Ok(Verdict::Match),
                        "verify-no-match" => return Ok(Verdict::NoMatch),
                        "verify-disconnected" => return Err(FingerprintError::Disconnected),
                        other => {
                            if let Some(f) = feedback(other) {
                                on_event(ScanEvent::Retry(f));
                                on_event(ScanEvent::Ready);
                            } else if finished {
                                return Err(FingerprintError::Device(other.chars().take(60).collect()));
                            }
                        }
                    }
                }
            }
        }
    };
    let r = match tokio::time::timeout(timeout, run).await {
        Ok(r) => r,
        Err(_) => Err(scan_timeout(timeout)),
    };
    let _ = tokio::time::timeout(
        CALL_TIMEOUT,
        claimed.dev.call::<_, _, ()>("VerifyStop", &()),
    )
    .await;
    r.map(|v| (v, finger))
}

impl FingerprintStack for FprintdStack {
    fn devices(&self) -> BoxFuture<'_, Result<Vec<FingerprintDevice>, FingerprintError>> {
        Box::pin(bounded(async {
            let conn = connect().await?;
            let mut out = Vec::new();
            for p in device_paths(&conn).await? {
                out.push(describe(&conn, p.as_str()).await?);
            }
            Ok(out)
        }))
    }

    fn device<'a>(
        &'a self,
        device: Option<&'a str>,
    ) -> BoxFuture<'a, Result<FingerprintDevice, FingerprintError>> {
        Box::pin(bounded(async move {
            let conn = connect().await?;
            resolve(&conn, device).await
        }))
    }

    fn enrolled<'a>(
        &'a self,
        target: Target<'a>,
    ) -> BoxFuture<'a, Result<Vec<Finger>, FingerprintError>> {
        Box::pin(bounded(async move {
            let conn = connect().await?;
            let info = resolve(&conn, target.device).await?;
            let dev = proxy(&conn, &info.id, DEVICE).await?;
            let names: Vec<String> = match dev
                .call("ListEnrolledFingers", &(self.username(target.iin),))
                .await
                .map_err(map_err)
            {
                Ok(n) => n,
                Err(FingerprintError::NotEnrolled) => Vec::new(),
                Err(e) => return Err(e),
            };
            Ok(names.iter().filter_map(|n| n.parse().ok()).collect())
        }))
    }

    fn enroll<'a>(
        &'a self,
        target: Target<'a>,
        finger: Finger,
        on_event: OnEvent<'a>,
        timeout: Duration,
    ) -> BoxFuture<'a, Result<FingerprintDevice, FingerprintError>> {
        Box::pin(async move {
            let conn = connect().await?;
            let info = bounded(resolve(&conn, target.device)).await?;
            let claimed = Claimed::claim(&conn, info, &self.username(target.iin)).await?;
            let r = enroll_on(&claimed, finger, on_event, timeout).await;
            claimed.release().await;
            r.map(|()| claimed.info.clone())
        })
    }

    fn verify<'a>(
        &'a self,
        target: Target<'a>,
        on_event: OnEvent<'a>,
        timeout: Duration,
    ) -> BoxFuture<'a, Result<Verification, FingerprintError>> {
        Box::pin(async move {
            let conn = connect().await?;
            let info = bounded(resolve(&conn, target.device)).await?;
            let claimed = Claimed::claim(&conn, info, &self.username(target.iin)).await?;
            let r = verify_on(&claimed, on_event, timeout).await;
            claimed.release().await;
            let (verdict, finger) = r?;
            Ok(Verification {
                verdict,
                finger,
                device: claimed.info.clone(),
            })
        })
    }

    fn delete_enrolled<'a>(
        &'a self,
        target: Target<'a>,
    ) -> BoxFuture<'a, Result<(), FingerprintError>> {
        Box::pin(bounded(async move {
            let conn = connect().await?;
            let info = resolve(&conn, target.device).await?;
            let claimed = Claimed::claim(&conn, info, &self.username(target.iin)).await?;
            let r = claimed
                .dev
                .call::<_, _, ()>("DeleteEnrolledFingers2", &())
                .await
                .map_err(map_err);
            claimed.release().await;
            match r {
                Ok(()) | Err(FingerprintError::NotEnrolled) => Ok(()),
                Err(e) => Err(e),
            }
        }))
    }

    fn workstation_id(&self) -> Result<String, FingerprintError> {
        if let Some(id) = &self.workstation {
            return Ok(id.clone());
        }
        // The machine id is not shown as is (systemd asks for an application-specific hash).
        let id = std::fs::read_to_string("/etc/machine-id")
            .map_err(|e| FingerprintError::NoService(format!("/etc/machine-id: {e}")))?;
        let digest = Sha256::digest(format!("sio-pso-workstation:{}", id.trim()).as_bytes());
        Ok(format!(
            "ws-{}",
            digest[..10]
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect::<String>()
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn feedback_of_both_operations() {
        assert_eq!(feedback("verify-retry-scan"), Some(ScanFeedback::RetryScan));
        assert_eq!(
            feedback("enroll-swipe-too-short"),
            Some(ScanFeedback::SwipeTooShort)
        );
        assert_eq!(feedback("verify-match"), None);
    }

    #[test]
    fn per_iin_user_names() {
        let s = FprintdStack::new(FprintdUser::PerIin("sio-".into()));
        assert_eq!(s.username("880101300123"), "sio-880101300123");
        assert_eq!(FprintdStack::default().username("880101300123"), "");
    }
}
