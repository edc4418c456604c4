//! In the background: the idle lock, the gateway's hard session limit, and the readers watched
//! for card insertion and removal (a removed session card locks the session).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use chrono::Utc;
use sio_protocol::SessionStage;

use super::{App, guard};
use crate::events::names;
use crate::model::{CardEvent, CardEventKind, LockReason, SessionEvent};

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
