//! The biometric second factor (fingerprint, webcam Face ID): THE one place where capture and
//! matching are wired into the login.
//!
//! - Fingerprint: the app asks the workstation's fingerprint agent (`sio-fingerprint-agent`, a
//!   privileged service on `/run/sio/fingerprint.sock`, `SIO_FINGERPRINT_AGENT` overrides it),
//!   which has fprintd match the finger and signs the verdict with the workstation key — a key
//!   the user's account cannot read — bound to the gateway's single-use challenge
//!   (`sio_client::fingerprint`). The app never talks to fprintd for the login.
//! - Face ID: frames from the webcam (feature `camera`), detection, quality gates and the
//!   gateway's liveness challenge on the workstation; the signed key frames are matched on the
//!   gateway (`sio_client::face`). Built without the `camera` feature, the answer is
//!   `BIO_NO_CAMERA` and the UI offers another factor.
//!
//! The step is awaited on the command's own future: every signer is `Send + Sync`
//! (`sio_sign::Signer`), so the futures of `sio_client` are `Send` and no blocking bridge is
//! needed.

use std::sync::Arc;

use sio_client::{CardKey, Channel, Session};
use sio_protocol::{BiometricModality, SessionInfo};
use sio_token::PcscCard;

use crate::error::{ErrorBody, app};

/// Capture a sample of `modality` on this workstation and submit it as the second factor.
pub(crate) async fn verify(
    channel: &Channel,
    session: &mut Session,
    key: &Arc<CardKey<PcscCard>>,
    modality: BiometricModality,
) -> Result<SessionInfo, ErrorBody> {
    match modality {
        BiometricModality::Fingerprint => {
            let agent = sio_biometrics::fingerprint::agent::AgentClient::from_env();
            sio_client::fingerprint::verify_fingerprint(session, channel, &agent).await?;
        }
        BiometricModality::Face => {
            let mut signer = key.signer();
            let mut source = camera()?;
            sio_client::face::verify_face(session, channel, &mut signer, source.as_mut()).await?;
        }
    }
    Ok(session.info().clone())
}

#[cfg(feature = "camera")]
fn camera() -> Result<Box<dyn sio_biometrics::face::FrameSource>, ErrorBody> {
    use sio_biometrics::face::camera::{CameraSource, list};
    let first = list()
        .map_err(sio_client::ClientError::from)?
        .into_iter()
        .next()
        .ok_or_else(|| app("BIO_NO_CAMERA", "no camera found"))?;
    Ok(Box::new(
        CameraSource::open(first.index, 640, 480).map_err(sio_client::ClientError::from)?,
    ))
}

#[cfg(not(feature = "camera"))]
fn camera() -> Result<Box<dyn sio_biometrics::face::FrameSource>, ErrorBody> {
    Err(app(
        "BIO_NO_CAMERA",
        "this build has no camera support; use another factor",
    ))
}
