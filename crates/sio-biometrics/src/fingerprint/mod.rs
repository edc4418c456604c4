//! Fingerprint through the OS biometric stack: fprintd over the system D-Bus on Linux
//! ([`FprintdStack`]), the Windows Biometric Framework on Windows (`windows` module, named here,
//! built only there).
//!
//! The template never leaves the OS stack: enrolment stores it in fprintd (libfprint matches on
//! the workstation), and this crate only ever sees the verdict (`verify-match` /
//! `verify-no-match`). No image, template or sample passes through this code, so nothing of the
//! kind can be logged or written by it.
//!
//! The login does not ask fprintd itself: it asks the workstation's fingerprint agent
//! ([`agent`]), a privileged service that holds the workstation key, talks to fprintd and signs
//! the verdict; the helpdesk enrols through the same agent.
//!
//! Every failure has a stable code `BIO_FP_*` (docs/failure-codes.md).

#[cfg(target_os = "linux")]
pub mod agent;
#[cfg(target_os = "linux")]
mod fprintd;
#[cfg(feature = "virtual-device")]
pub mod virtual_device;
#[cfg(windows)]
pub mod windows;

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::str::FromStr;
use std::time::Duration;

#[cfg(target_os = "linux")]
pub use fprintd::{FprintdStack, FprintdUser};

/// A boxed future, so that [`FingerprintStack`] can be used as `&dyn FingerprintStack`.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Default time the user has to complete an enrolment (all stages).
pub const ENROLL_TIMEOUT: Duration = Duration::from_secs(120);
/// Default time the user has to put a finger for verification.
pub const VERIFY_TIMEOUT: Duration = Duration::from_secs(30);

/// A finger, named as fprintd names it (`right-index-finger`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Finger {
    /// Left thumb.
    LeftThumb,
    /// Left index finger.
    LeftIndex,
    /// Left middle finger.
    LeftMiddle,
    /// Left ring finger.
    LeftRing,
    /// Left little finger.
    LeftLittle,
    /// Right thumb.
    RightThumb,
    /// Right index finger.
    RightIndex,
    /// Right middle finger.
    RightMiddle,
    /// Right ring finger.
    RightRing,
    /// Right little finger.
    RightLittle,
}

impl Finger {
    /// All ten, in fprintd's order.
    pub const ALL: [Finger; 10] = [
        Finger::LeftThumb,
        Finger::LeftIndex,
        Finger::LeftMiddle,
        Finger::LeftRing,
        Finger::LeftLittle,
        Finger::RightThumb,
        Finger::RightIndex,
        Finger::RightMiddle,
        Finger::RightRing,
        Finger::RightLittle,
    ];

    /// fprintd's name of the finger.
    pub fn name(self) -> &'static str {
        match self {
            Finger::LeftThumb => "left-thumb",
            Finger::LeftIndex => "left-index-finger",
            Finger::LeftMiddle => "left-middle-finger",
            Finger::LeftRing => "left-ring-finger",
            Finger::LeftLittle => "left-little-finger",
            Finger::RightThumb => "right-thumb",
            Finger::RightIndex => "right-index-finger",
            Finger::RightMiddle => "right-middle-finger",
            Finger::RightRing => "right-ring-finger",
            Finger::RightLittle => "right-little-finger",
        }
    }
}

impl fmt::Display for Finger {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Finger {
    type Err = FingerprintError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Finger::ALL
            .into_iter()
            .find(|f| f.name() == s)
            .ok_or_else(|| FingerprintError::BadFinger(s.chars().take(40).collect()))
    }
}

/// How the reader takes a finger.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScanType {
    /// The finger is laid on the sensor.
    Press,
    /// The finger is swiped across the sensor.
    Swipe,
}

/// A fingerprint reader the OS stack knows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FingerprintDevice {
    /// The stack's identifier (fprintd: the D-Bus object path).
    pub id: String,
    /// Name the driver gives.
    pub name: String,
    /// Press or swipe.
    pub scan_type: ScanType,
    /// Scans an enrolment takes.
    pub enroll_stages: u32,
}

/// Something the user should do before the next scan counts (the scan was not usable).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScanFeedback {
    /// The scan was not good: scan again.
    RetryScan,
    /// The swipe was too short.
    SwipeTooShort,
    /// The finger was not centred on the sensor.
    FingerNotCentered,
    /// Lift the finger and put it again.
    RemoveAndRetry,
}

impl ScanFeedback {
    /// What to tell the user (English; the UI has its own kk/ru/en strings).
    pub fn message(self) -> &'static str {
        match self {
            ScanFeedback::RetryScan => {
                "The scan was not clear; put the finger on the reader again."
            }
            ScanFeedback::SwipeTooShort => "The swipe was too short; swipe the whole finger.",
            ScanFeedback::FingerNotCentered => "Centre the finger on the reader.",
            ScanFeedback::RemoveAndRetry => "Lift the finger, then put it on the reader again.",
        }
    }
}

/// What happens during an enrolment or a verification, for the UI.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScanEvent {
    /// The reader is waiting for the finger (first scan, or after a stage or a retry).
    Ready,
    /// Enrolment: `done` of `total` stages passed.
    StagePassed {
        /// Stages passed so far.
        done: u32,
        /// Stages the device needs.
        total: u32,
    },
    /// The last scan did not count; the user should do this.
    Retry(ScanFeedback),
    /// Verification: fprintd chose this finger to verify (or any enrolled one when `None`).
    FingerSelected(Option<Finger>),
}

/// The verdict of the OS stack on one verification.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// The finger matches an enrolled print.
    Match,
    /// The finger matches no enrolled print.
    NoMatch,
}

/// One verification: verdict, the finger (when the stack says), the reader.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verification {
    /// Match or no match.
    pub verdict: Verdict,
    /// The finger verified against, when the stack tells it.
    pub finger: Option<Finger>,
    /// The reader used.
    pub device: FingerprintDevice,
}

/// Which reader and whose prints an operation is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Target<'a> {
    /// The reader (its [`FingerprintDevice::id`]); `None` for the stack's default reader.
    pub device: Option<&'a str>,
    /// The SIO user's ИИН; the stack maps it to its own account (see [`FprintdUser`]).
    pub iin: &'a str,
}

/// Callback for [`ScanEvent`]s.
pub type OnEvent<'a> = &'a (dyn Fn(ScanEvent) + Send + Sync);

/// The OS biometric stack as the login and the helpdesk use it.
pub trait FingerprintStack: Send + Sync {
    /// Readers present (may be empty).
    fn devices(&self) -> BoxFuture<'_, Result<Vec<FingerprintDevice>, FingerprintError>>;
    /// The reader `device`, or the default reader.
    fn device<'a>(
        &'a self,
        device: Option<&'a str>,
    ) -> BoxFuture<'a, Result<FingerprintDevice, FingerprintError>>;
    /// Fingers enrolled for the user on the reader.
    fn enrolled<'a>(
        &'a self,
        target: Target<'a>,
    ) -> BoxFuture<'a, Result<Vec<Finger>, FingerprintError>>;
    /// Enrol `finger` for the user (the helpdesk at the workstation): every stage until the
    /// stack says it is complete, within `timeout`.
    fn enroll<'a>(
        &'a self,
        target: Target<'a>,
        finger: Finger,
        on_event: OnEvent<'a>,
        timeout: Duration,
    ) -> BoxFuture<'a, Result<FingerprintDevice, FingerprintError>>;
    /// Verify the user's finger (any enrolled finger) within `timeout`.
    fn verify<'a>(
        &'a self,
        target: Target<'a>,
        on_event: OnEvent<'a>,
        timeout: Duration,
    ) -> BoxFuture<'a, Result<Verification, FingerprintError>>;
    /// Delete every print of the user on the reader.
    fn delete_enrolled<'a>(
        &'a self,
        target: Target<'a>,
    ) -> BoxFuture<'a, Result<(), FingerprintError>>;
    /// A stable identifier of this workstation, to which enrolments are bound.
    fn workstation_id(&self) -> Result<String, FingerprintError>;
}

/// Why a fingerprint operation failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FingerprintError {
    /// The OS stack is not there (no system bus, fprintd not installed or not running).
    #[error("the fingerprint service is not available: {0}")]
    NoService(String),
    /// No reader is connected, or not the one asked for.
    #[error("no fingerprint reader: {0}")]
    NoDevice(String),
    /// Another program (or another user) is using the reader.
    #[error("the fingerprint reader is busy: {0}")]
    DeviceBusy(String),
    /// The OS refused the operation to this user (polkit).
    #[error("the system does not allow this fingerprint operation: {0}")]
    PermissionDenied(String),
    /// No finger enrolled for this user on this reader.
    #[error("no finger is enrolled for this user on this reader")]
    NotEnrolled,
    /// The finger does not match the enrolled prints.
    #[error("the finger was not recognised")]
    NoMatch,
    /// The user did not complete the scan in time.
    #[error("no finger on the reader within {0} s")]
    Timeout(u64),
    /// The reader was unplugged during the operation.
    #[error("the fingerprint reader was disconnected")]
    Disconnected,
    /// The enrolment failed (too many bad scans).
    #[error("the enrolment failed: {0}")]
    EnrollFailed(String),
    /// The reader's storage is full.
    #[error("the fingerprint reader's storage is full")]
    DataFull,
    /// This finger is already enrolled (for this or another account).
    #[error("this finger is already enrolled on this reader")]
    Duplicate,
    /// A finger name fprintd does not know.
    #[error("unknown finger name {0:?}")]
    BadFinger(String),
    /// The reader or its driver reported an error.
    #[error("the fingerprint reader reported an error: {0}")]
    Device(String),
    /// The answer of the OS stack is not understood.
    #[error("unexpected answer from the fingerprint service: {0}")]
    Protocol(String),
    /// The workstation's fingerprint agent is not running or cannot be reached.
    #[error("the workstation's fingerprint agent is not available: {0}")]
    AgentUnavailable(String),
    /// The fingerprint agent does not allow this operation to this account (enrolment and
    /// deletion are the helpdesk's).
    #[error("the fingerprint agent does not allow this: {0}")]
    AgentForbidden(String),
}

// The stable codes of `FingerprintError` are in the crate root's table (`sio_error::coded!`).

impl Verification {
    /// `Ok` on a match, [`FingerprintError::NoMatch`] otherwise (for local checks; the login sends
    /// both verdicts to the gateway).
    pub fn require_match(&self) -> Result<(), FingerprintError> {
        match self.verdict {
            Verdict::Match => Ok(()),
            Verdict::NoMatch => Err(FingerprintError::NoMatch),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finger_names_round_trip() {
        for f in Finger::ALL {
            assert_eq!(f.name().parse::<Finger>().ok(), Some(f));
        }
        let e = "left-toe".parse::<Finger>().err();
        assert_eq!(e.map(|e| e.code()), Some("BIO_FP_BAD_FINGER"));
    }
}
