//! Fingerprint as the second factor (rule 18 of the 2015 rules as amended by Order 88/2024),
//! matched on the workstation by the OS biometric stack (fprintd / Windows Biometric Framework);
//! the template never leaves the workstation.
//!
//! Enrolment is the helpdesk's, never the user's alone: the finger is enrolled in the OS stack
//! through the workstation's fingerprint agent (root only), and the operator records it on the
//! gateway with `sio gateway admin enroll-fingerprint --iin … --workstation-cert … --finger …`
//! (journaled), binding the user to that **workstation certificate**. `POST
//! /v1/fingerprint/enrolments` is refused (`GW_FINGERPRINT_ENROL_FORBIDDEN`).
//!
//! Login, in stage `second_factor`: `POST /v1/login/fingerprint/challenge` →
//! [`FingerprintChallenge`] (single use, bound to the session, short-lived; the same shape for
//! every user, it says nothing about enrolments) → the app hands the challenge and the ИИН to the
//! workstation's fingerprint agent (`sio-fingerprint-agent`, a privileged service the user's
//! account cannot read the key of), which asks fprintd and signs a [`FingerprintVerdictDocument`]
//! with the **workstation key** → `POST /v1/login/fingerprint`. The gateway checks that the
//! signer is the workstation certificate registered for this user's enrolment (chained to the CA,
//! not revoked, valid now), the challenge, and journals the verdict; a no-match counts towards
//! the lockout like a wrong SMS code. What trusting the workstation's verdict means: SECURITY.md.

use chrono::{DateTime, FixedOffset};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use ts_rs::TS;
use uuid::Uuid;

use crate::signed::Document;

/// A finger, named as fprintd names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema, TS)]
#[serde(rename_all = "kebab-case")]
pub enum Finger {
    /// Left thumb.
    LeftThumb,
    /// Left index finger.
    LeftIndexFinger,
    /// Left middle finger.
    LeftMiddleFinger,
    /// Left ring finger.
    LeftRingFinger,
    /// Left little finger.
    LeftLittleFinger,
    /// Right thumb.
    RightThumb,
    /// Right index finger.
    RightIndexFinger,
    /// Right middle finger.
    RightMiddleFinger,
    /// Right ring finger.
    RightRingFinger,
    /// Right little finger.
    RightLittleFinger,
}

impl Finger {
    /// The fprintd name (`right-index-finger`).
    pub fn name(self) -> &'static str {
        match self {
            Finger::LeftThumb => "left-thumb",
            Finger::LeftIndexFinger => "left-index-finger",
            Finger::LeftMiddleFinger => "left-middle-finger",
            Finger::LeftRingFinger => "left-ring-finger",
            Finger::LeftLittleFinger => "left-little-finger",
            Finger::RightThumb => "right-thumb",
            Finger::RightIndexFinger => "right-index-finger",
            Finger::RightMiddleFinger => "right-middle-finger",
            Finger::RightRingFinger => "right-ring-finger",
            Finger::RightLittleFinger => "right-little-finger",
        }
    }

    /// The finger of an fprintd name.
    pub fn from_name(name: &str) -> Option<Finger> {
        [
            Finger::LeftThumb,
            Finger::LeftIndexFinger,
            Finger::LeftMiddleFinger,
            Finger::LeftRingFinger,
            Finger::LeftLittleFinger,
            Finger::RightThumb,
            Finger::RightIndexFinger,
            Finger::RightMiddleFinger,
            Finger::RightRingFinger,
            Finger::RightLittleFinger,
        ]
        .into_iter()
        .find(|f| f.name() == name)
    }
}

/// `doc` tag of [`FingerprintEnrolmentDocument`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema, TS)]
pub enum FingerprintEnrolmentDocType {
    /// Version 1.
    #[serde(rename = "sio.fingerprint-enrolment/v1")]
    V1,
}

/// The user-signed enrolment record of protocol v1. **Refused** now: `POST
/// /v1/fingerprint/enrolments` answers `GW_FINGERPRINT_ENROL_FORBIDDEN` whatever it carries,
/// because a user must not enrol themselves (the helpdesk does, with `sio gateway admin
/// enroll-fingerprint`). Kept so that the refusal is documented with its body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema, TS)]
#[serde(deny_unknown_fields)]
pub struct FingerprintEnrolmentDocument {
    /// Always `sio.fingerprint-enrolment/v1`.
    pub doc: FingerprintEnrolmentDocType,
    /// ИИН of the user whose finger was enrolled.
    pub iin: String,
    /// Identifier of the workstation (a hash of its machine id).
    pub workstation: String,
    /// Name of the reader the finger was enrolled on.
    pub device: String,
    /// The finger.
    pub finger: Finger,
    /// The client's clock when signing.
    pub enrolled_at: DateTime<FixedOffset>,
}

impl Document for FingerprintEnrolmentDocument {
    const DOC_TYPE: &'static str = "sio.fingerprint-enrolment/v1";
}

/// An enrolment the gateway recorded (the helpdesk's).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema, TS)]
pub struct FingerprintEnrolment {
    /// Identifier of the record.
    pub enrolment_id: Uuid,
    /// The workstation: common name of its certificate.
    pub workstation: String,
    /// SHA-256 (lowercase hex) of the workstation certificate whose key must sign the verdicts.
    pub workstation_certificate: String,
    /// Reader the verdicts must name; empty for any reader of that workstation.
    pub device: String,
    /// Finger.
    pub finger: Finger,
    /// When the gateway recorded it.
    pub recorded_at: DateTime<FixedOffset>,
}

/// A single-use challenge for the fingerprint second factor. Issued to every user in stage
/// `second_factor`, enrolled or not, with nothing else in it: it must not tell someone holding a
/// card and PIN which workstation would be accepted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema, TS)]
pub struct FingerprintChallenge {
    /// Identifier of this challenge.
    pub challenge_id: Uuid,
    /// 32 random bytes, base64.
    pub nonce: String,
    /// After this instant the challenge is void.
    pub expires_at: DateTime<FixedOffset>,
}

/// The OS stack's verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema, TS)]
#[serde(rename_all = "kebab-case")]
pub enum FingerprintResult {
    /// `verify-match`.
    Match,
    /// `verify-no-match`.
    NoMatch,
}

/// `doc` tag of [`FingerprintVerdictDocument`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema, TS)]
pub enum FingerprintVerdictDocType {
    /// Version 2: signed by the workstation key (version 1, signed by the user's card, is
    /// refused).
    #[serde(rename = "sio.fingerprint-verdict/v2")]
    V2,
}

/// What the workstation's fingerprint agent signs with the **workstation key** (the key of the
/// workstation certificate, readable only by the agent) after the OS stack verified the finger.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema, TS)]
#[serde(deny_unknown_fields)]
pub struct FingerprintVerdictDocument {
    /// Always `sio.fingerprint-verdict/v2`.
    pub doc: FingerprintVerdictDocType,
    /// The challenge being answered.
    pub challenge_id: Uuid,
    /// Its nonce, exactly as received.
    pub nonce: String,
    /// ИИН of the user whose prints were checked.
    pub iin: String,
    /// SHA-256 (lowercase hex) of the workstation certificate that signs this verdict.
    pub workstation_certificate: String,
    /// Name of the reader.
    pub device: String,
    /// The finger verified, when the OS stack says.
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finger: Option<Finger>,
    /// Match or no match.
    pub result: FingerprintResult,
    /// The workstation's clock when signing.
    pub verified_at: DateTime<FixedOffset>,
}

impl Document for FingerprintVerdictDocument {
    const DOC_TYPE: &'static str = "sio.fingerprint-verdict/v2";
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finger_wire_names_are_fprintd_names() {
        let f = Finger::RightIndexFinger;
        assert_eq!(
            serde_json::to_string(&f).ok().as_deref(),
            Some("\"right-index-finger\"")
        );
        assert_eq!(Finger::from_name(f.name()), Some(f));
        assert_eq!(Finger::from_name("left-toe"), None);
    }
}
