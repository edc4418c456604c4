//! The biometric second factor (fingerprint, webcam Face ID): THE one place where capture and
//! matching are wired into the login.
//!
//! When `sio-client` offers capture-and-submit functions for a face or a fingerprint, call them
//! from [`verify`] with the session and the channel (the session's `update` then moves it to the
//! next stage), and return the new [`SessionInfo`]. Until then the answer is the gateway's own
//! code for an unavailable factor, so the UI offers the SMS code instead.

use sio_client::{Channel, Session};
use sio_protocol::{BiometricModality, SessionInfo};

use crate::error::ErrorBody;

/// Capture a sample of `modality` on this workstation and submit it as the second factor.
pub(crate) async fn verify(
    _channel: &Channel,
    _session: &mut Session,
    modality: BiometricModality,
) -> Result<SessionInfo, ErrorBody> {
    let what = match modality {
        BiometricModality::Fingerprint => "fingerprint",
        BiometricModality::Face => "Face ID",
    };
    Err(ErrorBody::new(
        "GW_FACTOR_UNAVAILABLE",
        format!("{what} matching is not available yet; use the SMS code"),
    ))
}
