//! HR applications (2015 Appendix 5): completed, signed on the token (and the second signer's
//! token in another reader), sent, and kept in the list of applications filed here.

use std::path::PathBuf;

use chrono::Utc;
use serde_json::Value;
use sio_protocol::{ApplicationDocument, Secret};
use sio_token::PivSlot;
use uuid::Uuid;

use super::{App, bad_args, client, to_value};
use crate::error::{ErrorBody, app};
use crate::model::ApplicationItem;
use crate::token;

impl App {
    fn applications_path(&self) -> PathBuf {
        self.inner.config.data_dir.join("applications.json")
    }

    /// `submit_application`: complete the form (`doc`, a fresh id, the time), sign it and send
    /// it. A user blocking their own account after a long absence signs alone. Every other
    /// application carries two signatures (2015 Appendix 5): the user's, as the applicant or the
    /// responsible official, and the head's on the head's own token in a second reader
    /// (`cosigner`); when the user is the head, the second is the applicant's. Without it:
    /// `APP_COSIGNATURE_REQUIRED`.
    pub async fn submit_application(
        &self,
        application: &Value,
        pin: Secret,
        cosigner: Option<crate::model::Cosigner>,
    ) -> Result<ApplicationItem, ErrorBody> {
        let mut form = application.clone();
        let obj = form
            .as_object_mut()
            .ok_or_else(|| bad_args("application must be an object"))?;
        obj.insert("doc".into(), Value::String("sio.application/v1".into()));
        obj.insert("application_id".into(), to_value(Uuid::new_v4())?);
        obj.insert(
            "signed_at".into(),
            to_value(sio_core::time::to_astana(Utc::now()).fixed_offset())?,
        );
        let doc: ApplicationDocument = serde_json::from_value(form)
            .map_err(|e| ErrorBody::new("APP_APPLICATION_INVALID", e.to_string()))?;
        let mut live = self.inner.live.lock().await;
        let l = self.active(&mut live)?;
        let iin = l.session.info().user.iin.clone();
        let self_block = doc.action == sio_protocol::ApplicationAction::Blocking
            && doc.blocking_reason == Some(sio_protocol::BlockingReason::LongAbsence)
            && doc.applicant.iin == iin;
        let pin = token::pin(&pin)?;
        let reader = l.reader.clone();
        let signed = if self_block {
            let mut own = sio_client::token::signing_signer(&l.key, pin)
                .map_err(|e| self.card_failure(&reader, e.card_trouble(), client(e)))?;
            sio_client::hr::sign_self_block(doc.clone(), &mut own)
                .map_err(|e| self.card_failure(&reader, e.card_trouble(), e.into()))?
        } else {
            let user_is_head = doc.head.iin == iin;
            let (second, whose) = if user_is_head {
                (&doc.applicant.iin, "the applicant")
            } else {
                (&doc.head.iin, "the head")
            };
            let Some(co) = cosigner else {
                return Err(app(
                    "APP_COSIGNATURE_REQUIRED",
                    format!(
                        "this application needs the signature of {whose} ({second}) too: insert \
                         that person's token into a second reader, choose it and enter its PIN"
                    ),
                ));
            };
            if co.reader == reader {
                return Err(app(
                    "APP_COSIGNER_SAME_TOKEN",
                    "the second signature comes from another person's token in another reader",
                ));
            }
            let (other, other_iin) = token::cosigner(&co.reader)?;
            if other_iin != *second {
                return Err(app(
                    "APP_COSIGNER_WRONG_PERSON",
                    format!(
                        "the token in {} belongs to {other_iin}; this application needs the \
                         signature of {whose} ({second})",
                        co.reader
                    ),
                ));
            }
            let mut other = token::verify_cosigner(other, &co.pin)?;
            let mut theirs = token::Cosigning::new(
                other
                    .signer_with_pin(PivSlot::Signature, token::pin(&co.pin)?)
                    .map_err(token::cosigner_token)?,
            );
            let mut own = sio_client::token::signing_signer(&l.key, pin)
                .map_err(|e| self.card_failure(&reader, e.card_trouble(), client(e)))?;
            let signed = if user_is_head {
                sio_client::hr::sign(doc.clone(), &mut theirs, &mut own)
            } else {
                sio_client::hr::sign(doc.clone(), &mut own, &mut theirs)
            };
            signed.map_err(|e| {
                let trouble = e.card_trouble();
                if theirs.failed {
                    token::cosigner_card(trouble, e.into())
                } else {
                    self.card_failure(&reader, trouble, e.into())
                }
            })?
        };
        let status = sio_client::hr::submit(&l.channel, &l.session, &signed).await?;
        drop(live);
        let mut list = sio_client::hr::PendingList::open(&self.applications_path())?;
        list.upsert(signed.document.clone(), Some(status.clone()))?;
        Ok(ApplicationItem {
            status,
            applicant_name: signed.document.applicant.full_name.clone(),
            order_signed_at: signed.document.order_signed_at.map(|t| t.to_rfc3339()),
            refusal_error: None,
        })
    }

    /// `list_applications`: the applications filed from this workstation.
    pub async fn list_applications(&self) -> Result<Vec<ApplicationItem>, ErrorBody> {
        let mut list = sio_client::hr::PendingList::open(&self.applications_path())?;
        {
            let mut live = self.inner.live.lock().await;
            let l = self.active(&mut live)?;
            // The operator's word since (2015 rule 14: carried out, or refused with its reasons):
            // pending applications are asked again; a failure keeps the last known status.
            let pending: Vec<ApplicationDocument> = list
                .items()
                .iter()
                .filter(|p| {
                    p.status
                        .as_ref()
                        .is_some_and(|s| s.state == sio_protocol::ApplicationState::Pending)
                })
                .map(|p| p.document.clone())
                .collect();
            for doc in pending {
                let id = doc.application_id;
                if let Ok(status) = sio_client::hr::status(&l.channel, &l.session, id).await {
                    list.upsert(doc, Some(status))?;
                }
            }
        }
        // A refusal's reasons are shown only under the operator's signature, verified against
        // the CA pinned for the gateway each time the list is shown (2015 rule 14: a motivated
        // refusal, signed); otherwise the coded error instead of the reasons.
        let ca_pem = sio_client::ChannelConfig::from_policy(self.policy()?)
            .map_err(client)?
            .ca_pem;
        Ok(list
            .items()
            .iter()
            .filter_map(|p| {
                let mut status = p.status.clone()?;
                let refusal_error = match sio_client::hr::verify_refusal(&ca_pem, &status) {
                    Ok(_) => None,
                    Err(e) => {
                        status.refusal_reasons = None;
                        status.refusal = None;
                        Some(ErrorBody::from(e))
                    }
                };
                Some(ApplicationItem {
                    status,
                    applicant_name: p.document.applicant.full_name.clone(),
                    order_signed_at: p.document.order_signed_at.map(|t| t.to_rfc3339()),
                    refusal_error,
                })
            })
            .collect())
    }
}
