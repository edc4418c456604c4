//! Results: opened for viewing from the vault, closed (crypto-erased), attached to case
//! materials (rule 48 as of Order 88/2024) through [`sio_client::requests::attach_to_case`].

use chrono::Utc;
use serde_json::Value;
use sio_client::outbox::OutboxStatus as ClientOutboxStatus;
use sio_client::requests;
use sio_protocol::Secret;
use uuid::Uuid;

use super::requests::ui_item;
use super::{App, bad_args, client, guard, now_rfc3339, request};
use crate::error::{ErrorBody, app};
use crate::events::names;
use crate::model::{ExportReceipt, ShredReport};
use crate::token;

impl App {
    /// `open_result`: decrypt the result for viewing (fetched again from the gateway when no local
    /// copy is left). It stays open until `close_result`.
    pub async fn open_result(&self, request_id: &str) -> Result<Value, ErrorBody> {
        let id = Uuid::parse_str(request_id).map_err(bad_args)?;
        // Not even between two background rounds is an expired result served from memory.
        self.shred_expired_open_results();
        let mut live = self.inner.live.lock().await;
        let l = self.active(&mut live)?;
        if let Some(v) = guard(&self.inner.open).get(&id) {
            return serde_json::from_slice(v.plaintext())
                .map_err(|e| app("APP_INTERNAL", e.to_string()));
        }
        let stores = self.stores(Some(&l.session.info().user.iin))?;
        let rid = match stores.find_result(id)? {
            Some(r) => r,
            None => {
                // Viewed once and destroyed: never fetched again (the local copy must not
                // come back once it has been viewed).
                if stores
                    .outbox
                    .get(id)
                    .is_ok_and(|i| i.status == ClientOutboxStatus::Shredded)
                {
                    return Err(app(
                        "APP_RESULT_SHREDDED",
                        "this result was viewed and destroyed; send a new request if you need it again",
                    ));
                }
                let delivery = requests::result(&l.channel, &l.session, id)
                    .await
                    .map_err(request)?;
                requests::receive(&stores.vault, delivery).map_err(request)?
            }
        };
        drop(live);
        let viewed = stores.vault.view(rid)?;
        let value: Value = serde_json::from_slice(viewed.plaintext())
            .map_err(|e| app("APP_INTERNAL", e.to_string()))?;
        guard(&self.inner.open).insert(id, viewed);
        Ok(value)
    }

    /// `close_result`: close the viewer; the local copy is crypto-erased.
    pub async fn close_result(&self, request_id: &str) -> Result<ShredReport, ErrorBody> {
        let id = Uuid::parse_str(request_id).map_err(bad_args)?;
        let viewed = guard(&self.inner.open).remove(&id);
        let shredded = match viewed {
            Some(v) => v.close()?.slot_erased,
            None => {
                let stores = self.stores(None)?;
                match stores.find_result(id)? {
                    Some(rid) => stores.vault.shred(rid)?.slot_erased,
                    None => true,
                }
            }
        };
        if shredded {
            if let Some(stores) = guard(&self.inner.stores).clone() {
                if stores.outbox.get(id).is_ok() {
                    stores.outbox.set_status(id, ClientOutboxStatus::Shredded)?;
                    self.emit(names::REQUEST_STATUS, ui_item(&stores.outbox.get(id)?));
                }
            }
        }
        Ok(ShredReport {
            request_id: id.to_string(),
            shredded,
            at: now_rfc3339(),
        })
    }

    /// `export_result`: attach an open result to case materials (rule 48): written to the
    /// policy's export directory with a detached signature, journaled, and the gateway told
    /// with a signed notice. Two signatures with the signing key (the PIN is used for both).
    pub async fn export_result(
        &self,
        request_id: &str,
        case_key: &str,
        reason: &str,
        pin: Secret,
    ) -> Result<ExportReceipt, ErrorBody> {
        let id = Uuid::parse_str(request_id).map_err(bad_args)?;
        let dir = self
            .policy()?
            .results
            .export_dirs
            .first()
            .cloned()
            .ok_or_else(|| {
                app(
                    "APP_EXPORT_DISABLED",
                    "the policy allows no export directory on this workstation",
                )
            })?;
        let mut live = self.inner.live.lock().await;
        let l = self.active(&mut live)?;
        let safe: String = case_key
            .chars()
            .map(|c| {
                if c.is_alphanumeric() || c == '-' {
                    c
                } else {
                    '_'
                }
            })
            .take(60)
            .collect();
        let dest = dir.join(format!(
            "{id}-{safe}-{}.json",
            Utc::now().format("%Y%m%dT%H%M%S")
        ));
        self.shred_expired_open_results(); // an expired result is not attached
        let open = guard(&self.inner.open).remove(&id).ok_or_else(|| {
            app(
                "APP_RESULT_NOT_OPEN",
                "open the result before attaching it to the case",
            )
        })?;
        let reader = l.reader.clone();
        let signers = token::pin(&pin).and_then(|file_pin| {
            let notice_pin = token::pin(&pin)?;
            let signer = |p| sio_client::token::signing_signer(&l.key, p);
            signer(file_pin)
                .and_then(|f| Ok((f, signer(notice_pin)?)))
                .map_err(|e| self.card_failure(&reader, e.card_trouble(), client(e)))
        });
        let attached = match signers {
            Ok((mut file_signer, mut notice_signer)) => requests::attach_to_case(
                &l.channel,
                &l.session,
                &open,
                id,
                &dest,
                reason,
                &mut file_signer,
                &mut notice_signer,
            )
            .await
            .map_err(|e| self.card_failure(&reader, e.card_trouble(), request(e))),
            Err(e) => Err(e),
        };
        // The result stays open for the viewer either way.
        guard(&self.inner.open).insert(id, open);
        let (local, _receipt) = attached?;
        Ok(ExportReceipt {
            request_id: id.to_string(),
            path: local.path.display().to_string(),
            sha256: local.sha256,
            at: now_rfc3339(),
        })
    }
}
