//! Readers and tokens, the login (first factor, second factor, consent), lock, unlock, logout:
//! each step is `sio_client`'s ([`sio_client::token`], [`sio_client::session`]); the app keeps
//! the session's state.

use sio_protocol::{BiometricModality, ConsentText, OtpSent, Secret, SessionInfo, SessionStage};

use super::{App, Live, blocking, client, guard, not_logged_in};
use crate::error::{ErrorBody, app};
use crate::events::names;
use crate::model::{CertificateInfo, Language, LockReason, PinStatus, ReaderInfo, SessionEvent};
use crate::token;

impl App {
    // ---- readers and tokens ----

    /// `list_readers`.
    pub async fn list_readers(&self) -> Result<Vec<ReaderInfo>, ErrorBody> {
        blocking(token::readers).await
    }

    /// `list_certificates`.
    pub async fn list_certificates(&self, reader: &str) -> Result<Vec<CertificateInfo>, ErrorBody> {
        let reader = reader.to_owned();
        blocking(move || token::certificates(&reader)).await
    }

    /// `pin_status`.
    pub async fn pin_status(&self, reader: &str) -> Result<PinStatus, ErrorBody> {
        let reader = reader.to_owned();
        blocking(move || token::pin_status(&reader)).await
    }

    // ---- login ----

    /// The token in `reader` opened with every check of [`sio_client::token::open`] (certificate
    /// validity and purpose, PIN state) and `pin` verified on it.
    async fn login_key(
        &self,
        reader: &str,
        pin: &Secret,
    ) -> Result<sio_client::LoginKey, ErrorBody> {
        let pin = token::pin(pin)?;
        let r = reader.to_owned();
        blocking(move || {
            sio_client::token::login_key(Some(&r), pin)
                .map(|(key, _iin)| key)
                .map_err(client)
        })
        .await
    }

    /// `login`: verify the PIN on the token, sign the gateway's challenge with the
    /// authentication key; the session waits for the second factor. The PIN is dropped here.
    pub async fn login(
        &self,
        reader: &str,
        certificate_id: &str,
        pin: Secret,
    ) -> Result<SessionInfo, ErrorBody> {
        self.policy()?;
        if certificate_id != token::AUTH_ID {
            return Err(app(
                "APP_CERT_NOT_FOR_LOGIN",
                "log in with the authentication certificate (slot 9A); the signing key signs documents",
            ));
        }
        let key = self.login_key(reader, &pin).await?;
        drop(pin);
        let channel = self.channel_for(&key)?;
        let session = sio_client::session::log_in(&channel, &mut key.signer())
            .await
            .map_err(client)?;
        let info = session.info().clone();
        let mut live = self.inner.live.lock().await;
        self.close_all_results();
        *live = Some(Live {
            reader: reader.to_owned(),
            key,
            channel,
            session,
        });
        *guard(&self.inner.session_reader) = Some(reader.to_owned());
        *guard(&self.inner.lock) = None;
        Ok(info)
    }

    /// `request_sms_code`.
    pub async fn request_sms_code(&self) -> Result<OtpSent, ErrorBody> {
        let mut live = self.inner.live.lock().await;
        let l = self.at_stage(&mut live, SessionStage::SecondFactor)?;
        l.session.request_sms(&l.channel).await.map_err(client)
    }

    /// `verify_sms_code`. The code is dropped (zeroized) after the call.
    pub async fn verify_sms_code(&self, code: Secret) -> Result<SessionInfo, ErrorBody> {
        let mut live = self.inner.live.lock().await;
        let l = self.at_stage(&mut live, SessionStage::SecondFactor)?;
        l.session
            .verify_sms(&l.channel, code)
            .await
            .map_err(client)?;
        let info = l.session.info().clone();
        drop(live);
        self.on_stage(&info)?;
        Ok(info)
    }

    /// `verify_biometric`: see [`crate::biometric`].
    pub async fn verify_biometric(
        &self,
        modality: BiometricModality,
    ) -> Result<SessionInfo, ErrorBody> {
        let mut live = self.inner.live.lock().await;
        let l = self.at_stage(&mut live, SessionStage::SecondFactor)?;
        let info = crate::biometric::verify(&l.channel, &mut l.session, &l.key, modality).await?;
        drop(live);
        self.on_stage(&info)?;
        Ok(info)
    }

    /// `consent_text`.
    pub async fn consent_text(&self) -> Result<ConsentText, ErrorBody> {
        let mut live = self.inner.live.lock().await;
        let l = self.at_stage(&mut live, SessionStage::Consent)?;
        l.session.consent_text(&l.channel).await.map_err(client)
    }

    /// `sign_consent`: sign the consent with the signing key (PIN-always; the PIN is used for
    /// this signature only). The signed text is the Russian text of Appendix 6 in force, filled
    /// for the user (`text.ru`, hash `text.sha256`), whatever the interface language.
    pub async fn sign_consent(
        &self,
        reader: &str,
        certificate_id: &str,
        pin: Secret,
        _language: Language,
        shown_sha256: Option<&str>,
    ) -> Result<SessionInfo, ErrorBody> {
        if certificate_id != token::AUTH_ID && certificate_id != token::SIGN_ID {
            return Err(super::bad_args(format!(
                "unknown certificate {certificate_id:?}"
            )));
        }
        let mut live = self.inner.live.lock().await;
        let l = self.at_stage(&mut live, SessionStage::Consent)?;
        if l.reader != reader {
            return Err(app(
                "APP_OTHER_TOKEN",
                "sign with the token you logged in with",
            ));
        }
        let text = l.session.consent_text(&l.channel).await.map_err(client)?;
        // What is signed is exactly what the user was shown (Appendix 6, rule 17): the Russian
        // text filled by the gateway, whose hash the UI saw. A text changed in between (a new
        // version, another day in the form's date) is shown again rather than signed unseen.
        if shown_sha256.is_some_and(|h| h != text.sha256) {
            return Err(app(
                "APP_CONSENT_CHANGED",
                "the consent text changed since it was shown; read it again before signing",
            ));
        }
        let pin = token::pin(&pin)?;
        let mut signer = sio_client::token::signing_signer(&l.key, pin)
            .map_err(|e| self.card_failure(reader, e.card_trouble(), client(e)))?;
        l.session
            .give_consent(&l.channel, &text, &mut signer)
            .await
            .map_err(|e| self.card_failure(reader, e.card_trouble(), client(e)))?;
        let info = l.session.info().clone();
        drop(live);
        self.on_stage(&info)?;
        Ok(info)
    }

    /// `staff_list`: for an HR officer, the staff of their body with each one's last login and
    /// the day a block of their account was due after two months' absence (Appendix 6 §11.2).
    pub async fn staff_list(&self) -> Result<sio_protocol::StaffList, ErrorBody> {
        let mut live = self.inner.live.lock().await;
        let l = self.active(&mut live)?;
        l.session.staff(&l.channel).await.map_err(client)
    }

    /// A login step finished: once the session is active, the local stores open for its user.
    fn on_stage(&self, info: &SessionInfo) -> Result<(), ErrorBody> {
        if info.stage == SessionStage::Active {
            self.stores(Some(&info.user.iin))?;
        }
        Ok(())
    }

    /// `session`: the session, or `None` when nobody is logged in.
    pub async fn session(&self) -> Result<Option<SessionInfo>, ErrorBody> {
        let live = self.inner.live.lock().await;
        Ok(live.as_ref().map(|l| l.session.info().clone()))
    }

    /// `lock`.
    pub async fn lock(&self, reason: LockReason) -> Result<(), ErrorBody> {
        let live = self.inner.live.lock().await;
        if live.is_some() {
            self.set_lock(reason);
        }
        Ok(())
    }

    /// `unlock`: the PIN of the same token (verified afresh on the card, with the token's checks)
    /// and a new signed challenge ([`sio_client::Session::unlock`]); no second factor.
    pub async fn unlock(&self, pin: Secret) -> Result<SessionInfo, ErrorBody> {
        let mut live = self.inner.live.lock().await;
        let l = live.as_mut().ok_or_else(not_logged_in)?;
        let reader = l.reader.clone();
        let key = self.login_key(&reader, &pin).await?;
        drop(pin);
        if key.certificate_der() != l.key.certificate_der() {
            return Err(app(
                "APP_OTHER_TOKEN",
                "unlock with the token you logged in with",
            ));
        }
        let channel = self.channel_for(&key)?;
        l.session
            .unlock(&channel, &mut key.signer())
            .await
            .map_err(client)?;
        l.key = key;
        l.channel = channel;
        let info = l.session.info().clone();
        if guard(&self.inner.lock).take().is_some() {
            self.emit(names::SESSION, SessionEvent::Unlocked);
        }
        Ok(info)
    }

    /// `logout`: end the session at the gateway (best effort) and shred every open result.
    pub async fn logout(&self) -> Result<(), ErrorBody> {
        let mut live = self.inner.live.lock().await;
        self.close_all_results();
        if let Some(l) = live.take() {
            if let Err(e) = l.session.logout(&l.channel).await {
                tracing::info!(
                    code = e.code(),
                    "logout at the gateway failed; session dropped"
                );
            }
        }
        *guard(&self.inner.session_reader) = None;
        *guard(&self.inner.lock) = None;
        *guard(&self.inner.preview) = None;
        Ok(())
    }
}
