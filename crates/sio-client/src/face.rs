//! Face ID as the second factor (rule 18), the client's side: ask the gateway for a liveness
//! challenge, follow it on the camera (detection, quality gates and the movements checked here
//! first, so the user is told at once what is wrong), sign the key frames with the authentication
//! key bound to the challenge, send them. The gateway checks everything again and matches the
//! face against the template it alone holds; nothing here decides the outcome.
//!
//! No frame or face leaves memory: frames are zeroed on drop, the proof is never written to disk
//! or logged (`Debug` of the frames is redacted).
//!
//! For the desktop app: [`verify_face`] does the whole step; [`preview_frame`] gives one frame and
//! its face box for a live preview with a face guide before the user starts;
//! [`verify_face_with`] reports every frame to the UI while the challenge runs.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use sio_biometrics::face::{
    self as bio, CaptureSettings, Captured, Detector, FaceError, Frame, FrameSource, LivenessStep,
    Preview, QualityGates,
};
use sio_protocol::{
    FaceChallenge, FaceProof, FaceProofDocType, FaceStep, Secret, SessionInfo, Signed, paths,
};
use sio_sign::Signer;
use zeroize::Zeroizing;

use crate::channel::{Channel, Retry};
use crate::error::ClientError;
use crate::session::{Session, now_astana, sign_document};

/// Seconds of a challenge's time limit kept for signing and sending.
const SEND_MARGIN_SECONDS: u64 = 8;

fn step_of(s: FaceStep) -> LivenessStep {
    match s {
        FaceStep::TurnLeft => LivenessStep::TurnLeft,
        FaceStep::TurnRight => LivenessStep::TurnRight,
        FaceStep::Closer => LivenessStep::Closer,
    }
}

/// Ask the gateway for a liveness challenge (stage `second_factor`).
pub async fn challenge(session: &Session, channel: &Channel) -> Result<FaceChallenge, ClientError> {
    channel
        .post(
            paths::LOGIN_FACE_CHALLENGE,
            &serde_json::json!({}),
            Some(session.token()),
            Retry::Once,
        )
        .await
}

/// Follow `challenge` on `source` (blocking: a few hundred milliseconds to several seconds of
/// camera time). `on_frame` sees each frame and what the checks say of it, for the preview.
pub fn follow(
    challenge: &FaceChallenge,
    source: &mut dyn FrameSource,
    settings: &CaptureSettings,
    on_frame: &mut (dyn FnMut(&Frame, &Preview) + Send),
) -> Result<Captured, ClientError> {
    let steps: Vec<LivenessStep> = challenge.steps.iter().map(|s| step_of(*s)).collect();
    let mut s = *settings;
    let left = u64::from(challenge.time_limit_seconds).saturating_sub(SEND_MARGIN_SECONDS);
    s.time_limit = s
        .time_limit
        .min(std::time::Duration::from_secs(left.max(1)));
    Ok(bio::capture(source, &steps, &s, on_frame)?)
}

/// The proof for `challenge`: the key frames as JPEG, signed with the authentication key. The
/// frames are not checked here (see [`follow`]); the gateway checks them in any case.
pub fn sign_proof(
    challenge: &FaceChallenge,
    key_frames: &[Frame],
    auth: &mut dyn Signer,
) -> Result<Signed<FaceProof>, ClientError> {
    let mut frames = Vec::with_capacity(key_frames.len());
    for f in key_frames {
        let jpeg = Zeroizing::new(f.to_key_frame().encode_jpeg()?);
        frames.push(Secret::new(STANDARD.encode(&*jpeg)));
    }
    let doc = FaceProof {
        doc: FaceProofDocType::V1,
        challenge_id: challenge.challenge_id,
        nonce: challenge.nonce.clone(),
        steps: challenge.steps.clone(),
        frames,
        client_time: now_astana(),
    };
    sign_document(doc, &mut [auth])
}

/// Send a signed proof; on success the session moves past the second factor.
pub async fn submit(
    session: &mut Session,
    channel: &Channel,
    proof: &Signed<FaceProof>,
) -> Result<(), ClientError> {
    let info: SessionInfo = channel
        .post(paths::LOGIN_FACE, proof, Some(session.token()), Retry::Once)
        .await?;
    session.update_info(info);
    Ok(())
}

/// The whole Face ID step: challenge, capture following it, signed proof, gateway's answer.
/// On a multi-threaded tokio runtime the capture runs in `block_in_place`; otherwise on the
/// calling thread.
pub async fn verify_face(
    session: &mut Session,
    channel: &Channel,
    signer: &mut dyn Signer,
    source: &mut dyn FrameSource,
) -> Result<(), ClientError> {
    verify_face_with(
        session,
        channel,
        signer,
        source,
        &CaptureSettings::default(),
        &mut |_, _| {},
    )
    .await
}

/// [`verify_face`] with capture settings and a callback seeing every frame (live preview with the
/// current instruction and the face box).
pub async fn verify_face_with(
    session: &mut Session,
    channel: &Channel,
    signer: &mut dyn Signer,
    source: &mut dyn FrameSource,
    settings: &CaptureSettings,
    on_frame: &mut (dyn FnMut(&Frame, &Preview) + Send),
) -> Result<(), ClientError> {
    let c = challenge(session, channel).await?;
    let multi = tokio::runtime::Handle::try_current()
        .is_ok_and(|h| h.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread);
    let captured = if multi {
        tokio::task::block_in_place(|| follow(&c, source, settings, on_frame))?
    } else {
        follow(&c, source, settings, on_frame)?
    };
    let proof = sign_proof(&c, &captured.key_frames, signer)?;
    drop(captured);
    submit(session, channel, &proof).await
}

/// One frame from `source` and what the quality gates say of it (face box in the 320-wide copy,
/// the failing gate's code), for a live preview with a face guide.
pub fn preview_frame(
    source: &mut dyn FrameSource,
    detector: &mut Detector,
) -> Result<(Frame, Preview), ClientError> {
    Ok(bio::preview(source, detector, &QualityGates::default())?)
}

impl From<FaceError> for ClientError {
    fn from(e: FaceError) -> Self {
        ClientError::Face(e)
    }
}
