//! The fingerprint second factor through the workstation's fingerprint agent
//! ([`AgentClient`], `sio-fingerprint-agent`): the agent asks the OS stack (fprintd) to verify the
//! finger and signs the verdict with the **workstation key**, bound to the gateway's single-use
//! challenge; this code only carries the challenge to the agent and the signed verdict to the
//! gateway. It holds no key for the verdict and sees no image or template.
//!
//! Enrolment is the helpdesk's: the finger is enrolled through the agent (`sio fingerprint
//! enroll`, as root) and recorded on the gateway by the operator (`sio gateway admin
//! enroll-fingerprint`); the user cannot record one.

use std::time::Duration;

use sio_biometrics::fingerprint::agent::AgentClient;
use sio_biometrics::fingerprint::{self as fp, FingerprintError, OnEvent, Verdict};
use sio_protocol::{
    FingerprintChallenge, FingerprintEnrolment, FingerprintVerdictDocument, SessionInfo, Signed,
    paths,
};

use crate::channel::{Channel, Retry};
use crate::error::ClientError;
use crate::session::Session;

/// Verify the user's finger through the workstation's agent and pass the second factor with the
/// verdict it signed. `Ok(Verdict::Match)` when the session moved on; a finger not recognised is
/// sent too (it counts towards the lockout) and comes back as the gateway's
/// `GW_FINGERPRINT_NO_MATCH` (or `GW_ACCOUNT_LOCKED`).
pub async fn verify_fingerprint(
    session: &mut Session,
    channel: &Channel,
    agent: &AgentClient,
) -> Result<Verdict, ClientError> {
    verify_fingerprint_with(session, channel, agent, &|_| {}, fp::VERIFY_TIMEOUT).await
}

/// [`verify_fingerprint`] with a callback for the UI (reader ready, retry, …) and a time limit for
/// the scan.
pub async fn verify_fingerprint_with(
    session: &mut Session,
    channel: &Channel,
    agent: &AgentClient,
    on_event: OnEvent<'_>,
    timeout: Duration,
) -> Result<Verdict, ClientError> {
    let iin = session.info().user.iin.clone();
    let challenge: FingerprintChallenge = channel
        .post(
            paths::LOGIN_FINGERPRINT_CHALLENGE,
            &serde_json::json!({}),
            Some(session.token()),
            Retry::Once,
        )
        .await?;
    let v = agent
        .verify(
            &challenge.challenge_id.to_string(),
            &challenge.nonce,
            &iin,
            on_event,
            timeout,
        )
        .await?;
    // What the agent signed must answer this challenge for this user; the gateway checks it
    // again, this only catches a confused agent before a failure is counted.
    let signed: Signed<FingerprintVerdictDocument> = serde_json::from_value(v.signed)
        .map_err(|e| FingerprintError::Protocol(format!("agent verdict: {e}")))?;
    if signed.document.challenge_id != challenge.challenge_id
        || signed.document.nonce != challenge.nonce
        || signed.document.iin != iin
    {
        return Err(FingerprintError::Protocol(
            "the agent's verdict answers another challenge or user".into(),
        )
        .into());
    }
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

/// The user's enrolments on record at the gateway (after login).
pub async fn enrolments(
    session: &Session,
    channel: &Channel,
) -> Result<Vec<FingerprintEnrolment>, ClientError> {
    channel
        .get(paths::FINGERPRINT_ENROLMENTS, Some(session.token()))
        .await
}
