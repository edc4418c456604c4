//! Login: challenge, signed login document, second factor, session, consent.
//!
//! Flow: `POST /v1/login/challenge` → sign a [`LoginDocument`] binding the nonce, the
//! authentication certificate, the key carrier and the client's clock → `POST /v1/login`
//! returns a session in stage [`SessionStage::SecondFactor`] → `POST /v1/login/otp` (SMS sent to
//! the registered number, masked in the answer) → `POST /v1/login/otp/verify` →
//! stage [`SessionStage::Consent`] on the first login (sign [`ConsentDocument`], `POST
//! /v1/consent`) or [`SessionStage::Active`]. Every later call carries
//! `Authorization: Bearer <session token>` over the same mutual-TLS client certificate.

use std::fmt;

use chrono::{DateTime, FixedOffset};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use ts_rs::TS;
use uuid::Uuid;

use crate::signed::Document;

/// A server nonce to be signed. Single use; expires at `expires_at`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema, TS)]
pub struct LoginChallenge {
    /// Identifier of this challenge.
    pub challenge_id: Uuid,
    /// 32 random bytes, base64 (standard, padded).
    pub nonce: String,
    /// The gateway's clock when the challenge was made (Astana time). A client whose clock
    /// differs by more than the signing window is told so before it signs.
    pub gateway_time: DateTime<FixedOffset>,
    /// After this instant the challenge is void.
    pub expires_at: DateTime<FixedOffset>,
    /// Allowed difference between `client_time` in the login document and the gateway's clock, seconds.
    pub clock_window_seconds: u32,
}

/// Where the private key that signed the login lives, as the client declares it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema, TS)]
#[serde(rename_all = "snake_case")]
pub enum KeyCarrier {
    /// Smart card or USB token (PC/SC or a hardware PKCS#11 module).
    Hardware,
    /// A key file or software store (PKCS#12, PEM, SoftHSM2). Refused for login (rule 18).
    Software,
}

/// `doc` tag of [`LoginDocument`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema, TS)]
pub enum LoginDocType {
    /// Version 1.
    #[serde(rename = "sio.login/v1")]
    V1,
}

/// What the user signs with the authentication key to log in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema, TS)]
#[serde(deny_unknown_fields)]
pub struct LoginDocument {
    /// Always `sio.login/v1`.
    pub doc: LoginDocType,
    /// The challenge being answered.
    pub challenge_id: Uuid,
    /// The nonce of that challenge, exactly as received.
    pub nonce: String,
    /// SHA-256 of the DER of the authentication certificate, lowercase hex.
    pub certificate_sha256: String,
    /// Where the key is.
    pub carrier: KeyCarrier,
    /// The client's clock when signing.
    pub client_time: DateTime<FixedOffset>,
}

impl Document for LoginDocument {
    const DOC_TYPE: &'static str = "sio.login/v1";
}

/// Second factors an account may use (rule 18: biometrics or an SMS code).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema, TS)]
#[serde(rename_all = "snake_case")]
pub enum SecondFactor {
    /// One-time code sent by SMS to the registered mobile number.
    Sms,
    /// Fingerprint.
    Fingerprint,
    /// Face ID through a webcam.
    Face,
}

/// Where a session stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema, TS)]
#[serde(rename_all = "snake_case")]
pub enum SessionStage {
    /// Signature accepted; a second factor is due.
    SecondFactor,
    /// Both factors passed; the consent has not been signed yet — nothing else is allowed.
    Consent,
    /// Full access.
    Active,
}

/// The holder of the session as the gateway knows them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema, TS)]
pub struct SessionUser {
    /// ИИН.
    pub iin: String,
    /// Full name.
    pub full_name: String,
    /// БИН of the user's body.
    pub organisation_bin: String,
    /// Name of the user's body.
    pub organisation_name: String,
    /// Role number (Order 34/2026 Appendix 1), if the user may send requests.
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<u8>,
    /// Whether the user may read the body's reports (rule 10).
    pub reports: bool,
    /// Whether the user may file HR applications.
    pub hr: bool,
}

/// The state of a session, returned by login, each factor and `GET /v1/session`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema, TS)]
pub struct SessionInfo {
    /// Bearer token for `Authorization`. Present only in the answer to `POST /v1/login`.
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token: Option<SessionToken>,
    /// Stage.
    pub stage: SessionStage,
    /// Factors this account may use for the second step.
    pub factors: Vec<SecondFactor>,
    /// The user.
    pub user: SessionUser,
    /// The session ends at this instant whatever happens (12 hours after login).
    pub expires_at: DateTime<FixedOffset>,
    /// The session is locked if idle past this instant (15 minutes).
    pub idle_until: DateTime<FixedOffset>,
    /// Version of the consent text the user has to sign (stage `consent`) or has signed.
    pub consent_version: String,
    /// When the user signed the consent, if they have.
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub consent_signed_at: Option<DateTime<FixedOffset>>,
}

/// Answer to an SMS code request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema, TS)]
pub struct OtpSent {
    /// The registered number with all but the last four digits masked, e.g. `+7 *** *** 12 34`.
    pub masked_phone: String,
    /// The code is void after this instant (10 minutes).
    pub expires_at: DateTime<FixedOffset>,
    /// A new code may be requested after this many seconds.
    pub resend_after_seconds: u32,
}

/// The one-time code typed by the user.
#[derive(Clone, Serialize, Deserialize, JsonSchema, TS)]
#[serde(deny_unknown_fields)]
pub struct OtpCheck {
    /// Six digits.
    pub code: Secret,
}

/// Kind of biometric sample.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema, TS)]
#[serde(rename_all = "snake_case")]
pub enum BiometricModality {
    /// Fingerprint image or template.
    Fingerprint,
    /// Face image or embedding.
    Face,
}

/// A biometric sample for the second factor. The matching itself is specified in its own
/// issue; the gateway answers `GW_FACTOR_UNAVAILABLE` until then.
#[derive(Clone, Serialize, Deserialize, JsonSchema, TS)]
#[serde(deny_unknown_fields)]
pub struct BiometricSample {
    /// Fingerprint or face.
    pub modality: BiometricModality,
    /// Format of `data`, e.g. `png`, `iso19794-2`, `embedding-f32le`.
    pub format: String,
    /// The sample, base64.
    pub data: Secret,
}

/// The consent text (Appendix 6 as of Order 88/2024) the user has to sign on first login.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema, TS)]
pub struct ConsentText {
    /// Version of the text.
    pub version: String,
    /// SHA-256 of the UTF-8 of `ru`, lowercase hex: the text being consented to.
    pub sha256: String,
    /// Russian text (authoritative).
    pub ru: String,
    /// Kazakh text.
    pub kk: String,
    /// English text.
    pub en: String,
}

/// `doc` tag of [`ConsentDocument`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema, TS)]
pub enum ConsentDocType {
    /// Version 1.
    #[serde(rename = "sio.consent/v1")]
    V1,
}

/// What the user signs with the signing key to give consent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema, TS)]
#[serde(deny_unknown_fields)]
pub struct ConsentDocument {
    /// Always `sio.consent/v1`.
    pub doc: ConsentDocType,
    /// ИИН of the user giving consent.
    pub iin: String,
    /// Version of the text.
    pub consent_version: String,
    /// SHA-256 of the text, as in [`ConsentText::sha256`].
    pub text_sha256: String,
    /// The client's clock when signing.
    pub signed_at: DateTime<FixedOffset>,
}

impl Document for ConsentDocument {
    const DOC_TYPE: &'static str = "sio.consent/v1";
}

/// A secret string on the wire (OTP code, session token, biometric sample): `Debug` prints
/// `<redacted>`, memory is zeroed on drop.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema, TS)]
#[serde(transparent)]
#[schemars(transparent)]
#[ts(type = "string")]
pub struct Secret(String);

impl Secret {
    /// Wrap a secret.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }
    /// The secret itself — only where it is used.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl Drop for Secret {
    fn drop(&mut self) {
        zeroize::Zeroize::zeroize(&mut self.0);
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

impl fmt::Debug for OtpCheck {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("OtpCheck { code: <redacted> }")
    }
}

impl fmt::Debug for BiometricSample {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "BiometricSample {{ modality: {:?}, format: {:?}, data: <redacted> }}",
            self.modality, self.format
        )
    }
}

/// A session bearer token.
pub type SessionToken = Secret;
