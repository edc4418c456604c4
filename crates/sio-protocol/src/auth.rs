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

use chrono::{DateTime, FixedOffset, NaiveDate};
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
    /// The user's previous successful login (both factors passed), if any.
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous_login_at: Option<DateTime<FixedOffset>>,
    /// Set when the user was away longer than two months before this login: the day from which
    /// they were due to file a block of their own account (Appendix 6 §11.2 as amended by Order
    /// 88/2024). The app reminds them until they file it.
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub absence_block_due: Option<NaiveDate>,
}

/// One employee of the HR officer's body, as `GET /v1/staff` lists them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema, TS)]
pub struct StaffMember {
    /// ИИН.
    pub iin: String,
    /// Full name.
    pub full_name: String,
    /// Position as recorded from the HR application (may be empty).
    pub position: String,
    /// Account state: `registered`, `blocked` or `pending`.
    pub state: String,
    /// The last successful login (both factors), if any is recorded.
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_login_at: Option<DateTime<FixedOffset>>,
    /// Set for a registered account unused for more than two months: the day from which a block
    /// of the account was due (Appendix 6 §11.2 as amended by Order 88/2024).
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub absence_block_due: Option<NaiveDate>,
}

/// Answer of `GET /v1/staff`: the staff of the caller's body (HR officers only).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema, TS)]
pub struct StaffList {
    /// БИН of the body.
    pub organisation_bin: String,
    /// Its users, by name.
    pub members: Vec<StaffMember>,
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

/// Language of a consent text (Appendix 6 to the Rules).
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema, TS,
)]
#[serde(rename_all = "snake_case")]
pub enum ConsentLanguage {
    /// Russian: the text of the act in force (Order 21/2023 as amended by Order 88/2024).
    #[default]
    Ru,
    /// Kazakh.
    Kk,
}

/// The fields of the Appendix 6 form as the gateway filled them in the signed text: the blanks
/// «город», «"___"___ 20__ года», «в лице … (фамилия, имя, отчество, должность)» and
/// «являющийся сотрудником … (наименование государственного органа)».
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema, TS)]
pub struct ConsentFields {
    /// City (locality `L` of the user's certificate), if the certificate names one; the blank
    /// stays in the text otherwise.
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
    /// The date of the form (Astana).
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<NaiveDate>,
    /// Surname, name, patronymic as the gateway's user record holds them.
    #[serde(default)]
    pub full_name: String,
    /// Position as recorded from the user's HR application, if recorded.
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub position: Option<String>,
    /// Name of the user's state body.
    #[serde(default)]
    pub organisation_name: String,
}

/// The consent (Appendix 6 to the Rules, Order 21/2023 as amended by Order 88/2024; rule 17 of
/// the Rules: signed on the first login) with the form's fields filled for this user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema, TS)]
pub struct ConsentText {
    /// Version of the text. A user who signed another version is asked again.
    pub version: String,
    /// Language of the text that is signed and whose hash is `sha256`. Always `ru` today: the
    /// only text of the edition in force (Order 88/2024) is the Russian one.
    #[serde(default)]
    pub signed_language: ConsentLanguage,
    /// SHA-256 of the UTF-8 of the signed text (`ru`, filled), lowercase hex.
    pub sha256: String,
    /// The date of the form, to be repeated in [`ConsentDocument::form_date`].
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub form_date: Option<NaiveDate>,
    /// Russian text of the act, verbatim, with the form's fields filled: the text that is signed.
    pub ru: String,
    /// Kazakh notice: what is signed and why the text is Russian.
    pub kk: String,
    /// English courtesy translation, not legally binding; never signed.
    pub en: String,
    /// The form's fields as filled in `ru`.
    #[serde(default)]
    pub fields: ConsentFields,
    /// For reference only, never signed: the Kazakh text of Appendix 6 of the repealed 2015
    /// edition (Order 151/2015), the only Kazakh text of the form the acts give.
    #[serde(default)]
    pub kk_reference_2015: String,
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
    /// Language of the text signed (as in [`ConsentText::signed_language`]). Documents of before
    /// this field were of the Russian text.
    #[serde(default)]
    pub text_language: ConsentLanguage,
    /// SHA-256 of the filled text of that language, as in [`ConsentText::sha256`].
    pub text_sha256: String,
    /// The date written in the form, as in [`ConsentText::form_date`].
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub form_date: Option<NaiveDate>,
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
