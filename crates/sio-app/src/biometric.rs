//! The biometric second factor (fingerprint, webcam Face ID): THE one place where capture and
//! matching are wired into the login.
//!
//! - Fingerprint: the OS stack (fprintd over the system D-Bus) matches on the workstation; the
//!   verdict is signed with the card's login key, bound to the gateway's single-use challenge
//!   (`sio_client::fingerprint`).
//! - Face ID: frames from the webcam (feature `camera`), detection, quality gates and the
//!   gateway's liveness challenge on the workstation; the signed key frames are matched on the
//!   gateway (`sio_client::face`). Built without the `camera` feature, the answer is
//!   `BIO_NO_CAMERA` and the UI offers another factor.
//!
//! The client functions hold a signer across their network waits, and such a signer is not
//! `Send`, while every command future must be. So the whole step runs inside
//! `block_in_place` on the shell's multi-threaded runtime, driven by `Handle::block_on`: the
//! command's own future holds nothing but references across it.

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
    let handle = tokio::runtime::Handle::current();
    if handle.runtime_flavor() != tokio::runtime::RuntimeFlavor::MultiThread {
        return Err(app(
            "APP_INTERNAL",
            "the biometric step needs the multi-threaded runtime",
        ));
    }
    tokio::task::block_in_place(|| {
        handle.block_on(async {
            let mut signer = key.signer();
            match modality {
                BiometricModality::Fingerprint => {
                    let stack = fingerprint_stack();
                    sio_client::fingerprint::verify_fingerprint(
                        session,
                        channel,
                        &mut signer,
                        &stack,
                    )
                    .await?;
                }
                BiometricModality::Face => {
                    let mut source = camera()?;
                    sio_client::face::verify_face(session, channel, &mut signer, source.as_mut())
                        .await?;
                }
            }
            Ok::<_, ErrorBody>(())
        })
    })?;
    Ok(session.info().clone())
}

/// fprintd keeps the prints of the OS account running the app (one officer per OS account, as
/// on a certified workstation); `SIO_FPRINTD_PER_IIN=1` keeps them per ИИН instead (several
/// officers on one account; needs polkit's `setusername`).
fn fingerprint_stack() -> sio_biometrics::fingerprint::FprintdStack {
    use sio_biometrics::fingerprint::{FprintdStack, FprintdUser};
    FprintdStack::new(FprintdUser::from_env())
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
