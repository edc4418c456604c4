//! In the background: the idle lock, the gateway's hard session limit, the viewing time of open
//! results, and the readers watched for card insertion and removal (a removed session card locks
//! the session).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use chrono::Utc;
use sio_protocol::SessionStage;

use sio_client::outbox::OutboxStatus;
use sio_vault::ViewedResult;
use uuid::Uuid;

use super::requests::ui_item;
use super::{App, guard, now_rfc3339};
use crate::events::names;
use crate::model::{CardEvent, CardEventKind, LockReason, ResultExpired, SessionEvent};

impl App {
    /// Run forever: lock the session after the idle time, end it at the gateway's hard limit.
    /// The shell spawns this once on its async runtime.
    pub async fn run_background(&self) {
        let mut tick = tokio::time::interval(Duration::from_secs(1));
        loop {
            tick.tick().await;
            self.check_session().await;
        }
    }

    /// One round of [`App::run_background`].
    pub async fn check_session(&self) {
        // Open results live in `inner.open`, not in the session: checked even while a command
        // runs or after the session ended.
        self.shred_expired_open_results();
        let Ok(mut live) = self.inner.live.try_lock() else {
            return; // a command is running: the user is active
        };
        let Some(l) = live.as_mut() else { return };
        if l.session.info().expires_at.with_timezone(&Utc) <= Utc::now() {
            *live = None;
            drop(live);
            self.close_all_results();
            *guard(&self.inner.session_reader) = None;
            *guard(&self.inner.lock) = None;
            self.emit(names::SESSION, SessionEvent::Expired);
            return;
        }
        if l.session.stage() == SessionStage::Active
            && self.locked().is_none()
            && l.session.is_idle_locked(self.idle_lock())
        {
            self.set_lock(LockReason::Idle);
        }
    }

    /// Destroy every result open in the viewer whose viewing time is over (2015 r.52: the local
    /// copy is destroyed once viewed; the policy's `results.shred_after_view_minutes` bounds how
    /// long it may stay open), judged by the vault on the boot clock, and tell the UI
    /// (`result_expired`) so that it stops showing it. Journaled by the vault as `expired`.
    pub fn shred_expired_open_results(&self) {
        let expired: Vec<(Uuid, ViewedResult)> = {
            let mut open = guard(&self.inner.open);
            let over: Vec<Uuid> = open
                .iter()
                .filter(|(_, v)| v.window_over())
                .map(|(id, _)| *id)
                .collect();
            over.into_iter()
                .filter_map(|id| open.remove(&id).map(|v| (id, v)))
                .collect()
        };
        for (id, viewed) in expired {
            // The plaintext is zeroized either way; if the shred fails the view marker stays
            // and the next start's recovery (or the vault's timer) destroys the files.
            match viewed.close_expired() {
                Ok(_) => self.mark_shredded(id),
                Err(e) => tracing::warn!(code = e.code(), "shredding an expired result failed"),
            }
            self.emit(
                names::RESULT_EXPIRED,
                ResultExpired {
                    request_id: id.to_string(),
                    at: now_rfc3339(),
                },
            );
        }
    }

    /// The request's outbox entry says its result is destroyed (as `close_result` does).
    fn mark_shredded(&self, id: Uuid) {
        let Some(stores) = guard(&self.inner.stores).clone() else {
            return;
        };
        if stores.outbox.get(id).is_err() {
            return;
        }
        match stores
            .outbox
            .set_status(id, OutboxStatus::Shredded)
            .and_then(|()| stores.outbox.get(id))
        {
            Ok(item) => self.emit(names::REQUEST_STATUS, ui_item(&item)),
            Err(e) => tracing::warn!(code = e.code(), "outbox status not updated"),
        }
    }

    /// Watch the readers on a thread of its own: `card` events for every insertion and removal,
    /// and the session locked when its card leaves. Stops when the handle is dropped.
    pub fn start_card_watch(&self) -> CardWatch {
        let stop = Arc::new(AtomicBool::new(false));
        let (this, s) = (self.clone(), stop.clone());
        let thread = std::thread::Builder::new()
            .name("sio-card-watch".into())
            .spawn(move || this.watch_cards(&s))
            .map_err(|e| tracing::warn!(error = %e, "card watch not started"))
            .ok();
        CardWatch { stop, thread }
    }

    fn watch_cards(&self, stop: &AtomicBool) {
        while !stop.load(Ordering::Relaxed) {
            let mut ctx = match sio_token::PcscContext::establish() {
                Ok(c) => c,
                Err(_) => {
                    std::thread::sleep(Duration::from_secs(2));
                    continue;
                }
            };
            let mut watch = sio_token::ReaderWatch::default();
            while !stop.load(Ordering::Relaxed) {
                let events = match ctx.wait_for_events(&mut watch, Duration::from_millis(500)) {
                    Ok(ev) => ev,
                    Err(e) => {
                        tracing::debug!(code = e.code(), "reader watch restarts");
                        std::thread::sleep(Duration::from_millis(500));
                        break;
                    }
                };
                for ev in events {
                    self.card_event(ev);
                }
            }
        }
    }

    /// Handle one reader event (public for the shell's tests and for hot-plug sources other
    /// than PC/SC).
    pub fn card_event(&self, ev: sio_token::ReaderEvent) {
        let (kind, reader) = match ev {
            sio_token::ReaderEvent::CardInserted { reader, .. } => {
                (CardEventKind::Inserted, reader)
            }
            sio_token::ReaderEvent::CardRemoved(reader) => (CardEventKind::Removed, reader),
            _ => return,
        };
        self.emit(
            names::CARD,
            CardEvent {
                kind,
                reader: reader.clone(),
            },
        );
        if kind == CardEventKind::Removed
            && guard(&self.inner.session_reader).as_deref() == Some(reader.as_str())
        {
            self.set_lock(LockReason::CardRemoved);
        }
    }
}

/// The running card watch; dropping it stops the thread.
#[derive(Debug)]
pub struct CardWatch {
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Drop for CardWatch {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}
