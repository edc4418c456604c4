//! Face ID as the second factor (rule 18): a liveness challenge from the gateway, and the key
//! frames that follow it, signed with the authentication key.
//!
//! Flow, in stage `second_factor`: `POST /v1/login/face/challenge` → [`FaceChallenge`] (random
//! steps, single use, bound to the session, a time limit) → the client follows the steps in front
//! of the camera and keeps one key frame at the start and one after each step → it signs a
//! [`FaceProof`] naming the challenge and its nonce with the authentication key → `POST
//! /v1/login/face`. The gateway detects the faces again, checks the movements, computes the
//! embeddings and compares them with the user's enrolled template; it never trusts the client's
//! verdict. A failure counts towards the lockout like a wrong SMS code.

use chrono::{DateTime, FixedOffset};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use ts_rs::TS;
use uuid::Uuid;

use crate::auth::Secret;
use crate::signed::Document;

/// One movement of the liveness challenge, in the user's own terms.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema, TS)]
#[serde(rename_all = "snake_case")]
pub enum FaceStep {
    /// Turn and move the head to the user's left.
    TurnLeft,
    /// Turn and move the head to the user's right.
    TurnRight,
    /// Come closer to the camera.
    Closer,
}

/// The gateway's liveness challenge.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema, TS)]
pub struct FaceChallenge {
    /// Identifier of this challenge (single use, bound to the session).
    pub challenge_id: Uuid,
    /// 16 random bytes, base64: signed back in the proof.
    pub nonce: String,
    /// The movements to make, in this order.
    pub steps: Vec<FaceStep>,
    /// The proof must arrive before this instant.
    pub expires_at: DateTime<FixedOffset>,
    /// Seconds allowed from the challenge to the proof.
    pub time_limit_seconds: u32,
}

/// `doc` tag of [`FaceProof`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema, TS)]
pub enum FaceProofDocType {
    /// Version 1.
    #[serde(rename = "sio.face/v1")]
    V1,
}

/// The key frames following a [`FaceChallenge`], signed with the authentication key. The frames
/// are biometric samples: `Debug` redacts them and nothing stores them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema, TS)]
#[serde(deny_unknown_fields)]
pub struct FaceProof {
    /// Always `sio.face/v1`.
    pub doc: FaceProofDocType,
    /// The challenge answered.
    pub challenge_id: Uuid,
    /// Its nonce, exactly as received.
    pub nonce: String,
    /// Its steps, as received.
    pub steps: Vec<FaceStep>,
    /// JPEG key frames (at most 320×240), base64: the start, then one after each step.
    pub frames: Vec<Secret>,
    /// The client's clock when signing.
    pub client_time: DateTime<FixedOffset>,
}

impl Document for FaceProof {
    const DOC_TYPE: &'static str = "sio.face/v1";
}
