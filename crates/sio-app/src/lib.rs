//! The application layer of АРМ СИО ПСО: the one API surface the desktop shell (src-tauri) and
//! tests call.
//!
//! [`App`] holds the state of one desktop session — the administrator's policy, the protected
//! channel, the session in memory, the result vault, the outbox, the chosen reader and card —
//! and has one async method per command of the UI's contract (the table in `dispatch.rs`),
//! each returning `Result<T, ErrorBody>` with a code from docs/failure-codes.md.
//! [`App::dispatch`] runs a command by name with its JSON arguments, as the UI sends them, so
//! the shell and an HTTP harness share one table. Events (`card`, `session`, `request_status`)
//! go to an [`EventSink`].
//!
//! Configuration ([`AppConfig::from_env`]): the policy file `SIO_POLICY` (default
//! `/etc/sio/policy.toml`; an override must be protected like the installed file), the data directory `SIO_DATA_DIR` (default `~/.local/share/sio`),
//! and `SIO_KEYSTORE=memory` for a demonstration whose keys die with the process.

mod app;
mod biometric;
mod card_pin;
mod dispatch;
mod error;
pub mod events;
mod helpdesk;
pub mod model;
mod start;
mod token;
pub mod typescript;

pub use app::{App, AppConfig, CardWatch, ENV_DATA_DIR, ENV_KEYSTORE, ENV_POLICY};
pub use dispatch::COMMANDS;
pub use error::{AppCode, CODES, ErrorBody};
pub use events::{EventSink, NullSink, RecordingSink};
pub use start::{START_GLOBAL, start_script};
