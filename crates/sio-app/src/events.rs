//! Events the application layer pushes to the UI: `card`, `session`, `request_status`,
//! `result_expired`.

use std::sync::Mutex;

/// Event names of the contract (ui/src/lib/backend/tauri.ts).
pub mod names {
    /// `CardEvent`.
    pub const CARD: &str = "card";
    /// `SessionEvent`.
    pub const SESSION: &str = "session";
    /// `OutboxItem`.
    pub const REQUEST_STATUS: &str = "request_status";
    /// `ResultExpired`: an open result's viewing time ran out and it was destroyed.
    pub const RESULT_EXPIRED: &str = "result_expired";
}

/// Where events go: the Tauri shell forwards them with `app.emit`, an HTTP harness over SSE,
/// tests into a list. Called from any thread; must not block.
pub trait EventSink: Send + Sync {
    /// Deliver one event.
    fn emit(&self, event: &str, payload: serde_json::Value);
}

/// Drops every event.
#[derive(Debug, Default)]
pub struct NullSink;

impl EventSink for NullSink {
    fn emit(&self, _event: &str, _payload: serde_json::Value) {}
}

/// Keeps every event in memory (tests, diagnostics).
#[derive(Debug, Default)]
pub struct RecordingSink {
    events: Mutex<Vec<(String, serde_json::Value)>>,
}

impl RecordingSink {
    /// An empty recorder.
    pub fn new() -> Self {
        Self::default()
    }

    /// The events so far, oldest first.
    pub fn events(&self) -> Vec<(String, serde_json::Value)> {
        self.events
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }
}

impl EventSink for RecordingSink {
    fn emit(&self, event: &str, payload: serde_json::Value) {
        self.events
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .push((event.to_owned(), payload));
    }
}
