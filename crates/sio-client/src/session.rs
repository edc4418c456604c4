//! Logging in (rule 18 as of Order 88/2024) and the session that follows.
//!
//! The UI drives the steps; each step is one call. The desktop app and the command line both go
//! through [`log_in`] (steps 1–3 on a card opened by [`crate::token::open`]), the second factor,
//! [`Session::give_consent`] and [`Session::unlock`]; neither writes these steps out again.
//!
//! 1. [`challenge`] — the gateway's nonce and clock; a client clock off by more than the window is
//!    refused here with `CLIENT_CLOCK_SKEW`, before anything is signed;
//! 2. [`sign_login`] — the login document signed on the token with the authentication key;
//! 3. [`submit_login`] — first factor done: a [`Session`] in stage `second_factor`;
//! 4. [`Session::request_sms`] / [`Session::verify_sms`] (or a biometric sample);
//! 5. on the first login, [`Session::consent_text`], [`sign_consent`] with the signing key,
//!    [`Session::submit_consent`];
//! 6. the session locks after the policy's idle minutes ([`Session::is_idle_locked`]) and when the
//!    card is removed ([`Session::lock`]); [`Session::unlock`] takes the PIN and a fresh signed
//!    challenge (no second factor); the session ends at the gateway's hard limit.

use std::time::{Duration, Instant};

use chrono::{DateTime, FixedOffset, Utc};
use sha2::{Digest, Sha256};
use sio_protocol::{
    ConsentDocType, ConsentDocument, ConsentText, KeyCarrier, LoginChallenge, LoginDocType,
    LoginDocument, OtpCheck, OtpSent, Secret, SessionInfo, SessionStage, Signed, paths,
};
use sio_sign::{Carrier, SignOptions, Signer};

use crate::channel::{Channel, ChannelConfig, Retry};
use crate::error::ClientError;
use crate::identity::ClientIdentity;
use crate::token::LoginKey;

/// The protected channel authenticated with the card's authentication key (mutual TLS 1.3).
pub fn card_channel(config: &ChannelConfig, key: &LoginKey) -> Result<Channel, ClientError> {
    let identity = ClientIdentity::Token {
        certificate: key.certificate_der().to_vec().into(),
        key: key.clone(),
    };
    Channel::new(config, &identity)
}

/// The first factor: the gateway's challenge, signed with the authentication key on a hardware
/// carrier, sent back; the session then waits for the second factor (or is active). A key held
/// in software is refused before anything is signed (rule 18 as of Order 88/2024).
pub async fn log_in(channel: &Channel, auth: &mut dyn Signer) -> Result<Session, ClientError> {
    if auth.carrier() != Carrier::Hardware {
        return Err(ClientError::CertNotForLogin(
            "the key is held in software; rule 18 admits only a protected carrier".into(),
        ));
    }
    let c = challenge(channel).await?;
    let signed = sign_login(&c, auth)?;
    submit_login(channel, &signed).await
}

/// Ask the gateway for a login challenge and check this computer's clock against the gateway's.
pub async fn challenge(channel: &Channel) -> Result<LoginChallenge, ClientError> {
    let c: LoginChallenge = channel
        .post(
            paths::LOGIN_CHALLENGE,
            &serde_json::json!({}),
            None,
            Retry::Idempotent,
        )
        .await?;
    check_clock(&c, Utc::now())?;
    Ok(c)
}

/// Refuse to sign when this computer's clock is off by more than the gateway's window.
pub fn check_clock(c: &LoginChallenge, now: DateTime<Utc>) -> Result<(), ClientError> {
    let skew = (now - c.gateway_time.with_timezone(&Utc)).num_seconds();
    if skew.unsigned_abs() > u64::from(c.clock_window_seconds) {
        return Err(ClientError::ClockSkew { seconds: skew });
    }
    Ok(())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Now, in Astana time, as signed documents carry it.
pub(crate) fn now_astana() -> DateTime<FixedOffset> {
    sio_core::time::to_astana(Utc::now()).fixed_offset()
}

/// Sign the login document for `challenge` with the authentication key.
pub fn sign_login(
    challenge: &LoginChallenge,
    auth: &mut dyn Signer,
) -> Result<Signed<LoginDocument>, ClientError> {
    let doc = LoginDocument {
        doc: LoginDocType::V1,
        challenge_id: challenge.challenge_id,
        nonce: challenge.nonce.clone(),
        certificate_sha256: hex(&Sha256::digest(auth.certificate_der())),
        carrier: match auth.carrier() {
            Carrier::Hardware => KeyCarrier::Hardware,
            _ => KeyCarrier::Software,
        },
        client_time: now_astana(),
    };
    sign_document(doc, &mut [auth])
}

/// A document with legal weight signed by `signers` (one SignedData, one SignerInfo each) over its
/// canonical bytes: the one way every client document is signed.
pub(crate) fn sign_document<T: sio_protocol::Document>(
    doc: T,
    signers: &mut [&mut dyn Signer],
) -> Result<Signed<T>, ClientError> {
    let bytes = Signed::canonical_bytes(&doc).map_err(|e| ClientError::Canonical(e.to_string()))?;
    let cms = sio_sign::sign(&bytes, signers, &SignOptions::default())?;
    Ok(Signed::new(doc, &cms))
}

/// Send the signed login document: the first factor.
pub async fn submit_login(
    channel: &Channel,
    signed: &Signed<LoginDocument>,
) -> Result<Session, ClientError> {
    let info: SessionInfo = channel
        .post(paths::LOGIN, signed, None, Retry::Once)
        .await?;
    let token = info
        .token
        .clone()
        .ok_or_else(|| ClientError::BadResponse("login answer without a session token".into()))?;
    Ok(Session::new(token, info))
}

/// Sign the consent (Appendix 6 as of Order 88/2024, the Russian text with the form's fields
/// filled, rule 17) with the signing key. The text signed is `text.ru`, whose hash is
/// `text.sha256`: the language and hash are stated in the document.
pub fn sign_consent(
    text: &ConsentText,
    iin: &str,
    signing: &mut dyn Signer,
) -> Result<Signed<ConsentDocument>, ClientError> {
    // The document names the language of the text signed, its hash and the form's date as the
    // gateway filled them: the gateway recomputes the filled text and checks the hash.
    let doc = ConsentDocument {
        doc: ConsentDocType::V1,
        iin: iin.to_owned(),
        consent_version: text.version.clone(),
        text_language: text.signed_language,
        text_sha256: text.sha256.clone(),
        form_date: text.form_date,
        signed_at: now_astana(),
    };
    sign_document(doc, &mut [signing])
}

/// An authenticated session: the bearer token (a zeroized secret, memory only) and its state.
#[derive(Debug)]
pub struct Session {
    token: Secret,
    info: SessionInfo,
    last_activity: Instant,
    locked: bool,
}

impl Session {
    fn new(token: Secret, mut info: SessionInfo) -> Self {
        info.token = None;
        Session {
            token,
            info,
            last_activity: Instant::now(),
            locked: false,
        }
    }

    /// The session as the gateway last described it (without the token).
    pub fn info(&self) -> &SessionInfo {
        &self.info
    }

    /// The stage: second factor due, consent due, or active.
    pub fn stage(&self) -> SessionStage {
        self.info.stage
    }

    /// The bearer token, for calls this module does not wrap.
    pub fn token(&self) -> &Secret {
        &self.token
    }

    /// Note user activity (resets the idle timer).
    pub fn touch(&mut self) {
        self.last_activity = Instant::now();
    }

    /// Whether the session has been idle for `idle_lock` or longer.
    pub fn is_idle_locked(&self, idle_lock: Duration) -> bool {
        self.locked || self.last_activity.elapsed() >= idle_lock
    }

    /// Lock now (the card was removed, or the user asked).
    pub fn lock(&mut self) {
        self.locked = true;
    }

    /// Whether the session is locked.
    pub fn is_locked(&self) -> bool {
        self.locked
    }

    /// Take the gateway's new description of the session (after a second factor).
    pub(crate) fn update_info(&mut self, info: SessionInfo) {
        self.update(info);
    }

    fn update(&mut self, info: SessionInfo) {
        self.info = SessionInfo {
            token: None,
            ..info
        };
        self.touch();
    }

    /// Unlock after the idle lock: a fresh challenge signed with the same authentication key (the
    /// PIN was entered again to unlock the card's key); no second factor.
    pub async fn unlock(
        &mut self,
        channel: &Channel,
        auth: &mut dyn Signer,
    ) -> Result<(), ClientError> {
        let c = challenge(channel).await?;
        let signed = sign_login(&c, auth)?;
        let info = channel
            .post(
                paths::SESSION_UNLOCK,
                &signed,
                Some(&self.token),
                Retry::Once,
            )
            .await?;
        self.locked = false;
        self.update(info);
        Ok(())
    }

    /// Send an SMS code to the registered number.
    pub async fn request_sms(&mut self, channel: &Channel) -> Result<OtpSent, ClientError> {
        let sent = channel
            .post(
                paths::LOGIN_OTP,
                &serde_json::json!({}),
                Some(&self.token),
                Retry::Once,
            )
            .await?;
        self.touch();
        Ok(sent)
    }

    /// Check the SMS code the user typed. The code is dropped (zeroized) after the call.
    pub async fn verify_sms(&mut self, channel: &Channel, code: Secret) -> Result<(), ClientError> {
        let info = channel
            .post(
                paths::LOGIN_OTP_VERIFY,
                &OtpCheck { code },
                Some(&self.token),
                Retry::Once,
            )
            .await?;
        self.update(info);
        Ok(())
    }

    /// The consent text to sign.
    pub async fn consent_text(&self, channel: &Channel) -> Result<ConsentText, ClientError> {
        channel.get(paths::CONSENT, Some(&self.token)).await
    }

    /// Send the signed consent.
    pub async fn submit_consent(
        &mut self,
        channel: &Channel,
        signed: &Signed<ConsentDocument>,
    ) -> Result<(), ClientError> {
        let info = channel
            .post(paths::CONSENT, signed, Some(&self.token), Retry::Once)
            .await?;
        self.update(info);
        Ok(())
    }

    /// Sign the consent `text` (Appendix 6 as of Order 88/2024) with the signing key and send it:
    /// the last step of a first login.
    pub async fn give_consent(
        &mut self,
        channel: &Channel,
        text: &ConsentText,
        signing: &mut dyn Signer,
    ) -> Result<(), ClientError> {
        let iin = self.info.user.iin.clone();
        let signed = sign_consent(text, &iin, signing)?;
        self.submit_consent(channel, &signed).await
    }

    /// `GET /v1/staff`: for an HR officer, the staff of their body with each one's last login
    /// and the day a block was due after two months' absence (Appendix 6 §11.2).
    pub async fn staff(&self, channel: &Channel) -> Result<sio_protocol::StaffList, ClientError> {
        channel.get(paths::STAFF, Some(&self.token)).await
    }

    /// Ask the gateway where the session stands.
    pub async fn refresh(&mut self, channel: &Channel) -> Result<(), ClientError> {
        let info = channel.get(paths::SESSION, Some(&self.token)).await?;
        self.update(info);
        Ok(())
    }

    /// End the session at the gateway.
    pub async fn logout(self, channel: &Channel) -> Result<(), ClientError> {
        channel.delete(paths::SESSION, Some(&self.token)).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_skewed_clock_is_refused_before_signing() {
        let gw = DateTime::parse_from_rfc3339("2026-11-23T15:00:00+05:00").unwrap();
        let c = LoginChallenge {
            challenge_id: uuid::Uuid::nil(),
            nonce: String::new(),
            gateway_time: gw,
            expires_at: gw,
            clock_window_seconds: 300,
        };
        let at = |s: i64| gw.with_timezone(&Utc) + chrono::Duration::seconds(s);
        assert!(check_clock(&c, at(299)).is_ok());
        assert!(check_clock(&c, at(-299)).is_ok());
        let e = check_clock(&c, at(-3600)).unwrap_err();
        assert_eq!(e.code(), "CLIENT_CLOCK_SKEW");
        assert!(e.to_string().contains("-3600"), "{e}");
    }
}
