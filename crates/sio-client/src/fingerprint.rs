//! The fingerprint second factor and the helpdesk's enrolment, through the workstation's OS
//! biometric stack ([`FingerprintStack`]: fprintd on Linux). Matching happens in the OS stack; the
//! client signs the verdict with the authentication key, bound to the gateway's single-use
//! challenge. No image or template passes through this code.

use std::time::Duration;

use sio_biometrics::fingerprint::{
    self as fp, FingerprintDevice, FingerprintError, FingerprintStack, OnEvent, Target, Verdict,
};
use sio_protocol::{
    Finger, FingerprintChallenge, FingerprintEnrolment, FingerprintEnrolmentDocType,
    FingerprintEnrolmentDocument, FingerprintResult, FingerprintVerdictDocType,
    FingerprintVerdictDocument, SessionInfo, paths,
};
use sio_sign::Signer;

use crate::channel::{Channel, Retry};
use crate::error::ClientError;
use crate::session::{Session, now_astana, sign_document};

fn wire_finger(f: fp::Finger) -> Option<Finger> {
    Finger::from_name(f.name())
}

/// Verify the user's finger on the workstation's default reader and pass the second factor with
/// the signed verdict. `Ok(Verdict::Match)` when the session moved on; a finger not recognised is
/// sent too (it counts towards the lockout) and comes back as the gateway's
/// `GW_FINGERPRINT_NO_MATCH` (or `GW_ACCOUNT_LOCKED`).
pub async fn verify_fingerprint(
    session: &mut Session,
    channel: &Channel,
    signer: &mut dyn Signer,
    stack: &dyn FingerprintStack,
) -> Result<Verdict, ClientError> {
    verify_fingerprint_with(session, channel, signer, stack, &|_| {}, fp::VERIFY_TIMEOUT).await
}

/// [`verify_fingerprint`] with a callback for the UI (reader ready, retry, …) and a time limit for
/// the scan.
pub async fn verify_fingerprint_with(
    session: &mut Session,
    channel: &Channel,
    signer: &mut dyn Signer,
    stack: &dyn FingerprintStack,
    on_event: OnEvent<'_>,
    timeout: Duration,
) -> Result<Verdict, ClientError> {
    let iin = session.info().user.iin.clone();
    let workstation = stack.workstation_id()?;
    let device = stack.device(None).await?;
    let challenge: FingerprintChallenge = channel
        .post(
            paths::LOGIN_FINGERPRINT_CHALLENGE,
            &serde_json::json!({}),
            Some(session.token()),
            Retry::Once,
        )
        .await?;
    if !challenge
        .enrolments
        .iter()
        .any(|e| e.workstation == workstation && e.device == device.name)
    {
        return Err(FingerprintError::NotEnrolled.into());
    }
    let v = stack
        .verify(
            Target {
                device: Some(&device.id),
                iin: &iin,
            },
            on_event,
            timeout,
        )
        .await?;
    let doc = FingerprintVerdictDocument {
        doc: FingerprintVerdictDocType::V1,
        challenge_id: challenge.challenge_id,
        nonce: challenge.nonce,
        iin,
        workstation,
        device: v.device.name.clone(),
        finger: v.finger.and_then(wire_finger),
        result: match v.verdict {
            Verdict::Match => FingerprintResult::Match,
            Verdict::NoMatch => FingerprintResult::NoMatch,
        },
        verified_at: now_astana(),
    };
    let signed = sign_document(doc, &mut [signer])?;
    let info: SessionInfo = channel
        .post(
            paths::LOGIN_FINGERPRINT,
            &signed,
            Some(session.token()),
            Retry::Once,
        )
        .await?;
    session.update_info(info);
    Ok(v.verdict)
}

/// The helpdesk at the workstation: enrol `finger` of the logged-in user on the reader `device`
/// (default reader when `None`), then record the enrolment on the gateway, signed by the user
/// with the authentication key. The template stays in the OS stack.
pub async fn enroll_fingerprint(
    session: &Session,
    channel: &Channel,
    signer: &mut dyn Signer,
    stack: &dyn FingerprintStack,
    device: Option<&str>,
    finger: fp::Finger,
    on_event: OnEvent<'_>,
) -> Result<(FingerprintDevice, FingerprintEnrolment), ClientError> {
    let iin = session.info().user.iin.clone();
    let workstation = stack.workstation_id()?;
    let target = Target { device, iin: &iin };
    // A finger enrolled before is enrolled again from scratch.
    let dev = stack
        .enroll(target, finger, on_event, fp::ENROLL_TIMEOUT)
        .await?;
    let doc = FingerprintEnrolmentDocument {
        doc: FingerprintEnrolmentDocType::V1,
        iin,
        workstation,
        device: dev.name.clone(),
        finger: wire_finger(finger)
            .ok_or_else(|| ClientError::from(FingerprintError::BadFinger(finger.to_string())))?,
        enrolled_at: now_astana(),
    };
    let signed = sign_document(doc, &mut [signer])?;
    let rec: FingerprintEnrolment = channel
        .post(
            paths::FINGERPRINT_ENROLMENTS,
            &signed,
            Some(session.token()),
            Retry::Once,
        )
        .await?;
    Ok((dev, rec))
}

/// The user's enrolments on record at the gateway.
pub async fn enrolments(
    session: &Session,
    channel: &Channel,
) -> Result<Vec<FingerprintEnrolment>, ClientError> {
    channel
        .get(paths::FINGERPRINT_ENROLMENTS, Some(session.token()))
        .await
}
