//! The protected channel to СИО ПСО and the client side of the protocol.
//!
//! [`Channel`] speaks HTTPS over TLS 1.3 only, trusts only the gateway CA pinned by the
//! administrator's policy (no system roots), authenticates with a client certificate (the user's
//! authentication key on the token, or the workstation's), never follows redirects or proxies, and
//! retries transient failures of idempotent calls a bounded number of times with backoff. Only the
//! wire types of `sio-protocol` travel over it.

pub mod card;
mod channel;
mod error;
pub mod face;
pub mod fingerprint;
pub mod hr;
mod identity;
pub mod notices;
pub mod outbox;
mod refusal;
pub mod reports;
pub mod requests;
pub mod session;
pub mod stores;
pub mod token;

pub use card::{CardKey, CardKeySigner, PinAlwaysSigner, RemovalWatch};
pub use channel::{Channel, ChannelConfig, Retry, tls_config};
pub use error::{CODES, ClientError};
pub use identity::{ClientIdentity, TlsKey};
pub use refusal::GatewayRefusal;
pub use session::Session;
pub use token::{CardTrouble, LoginKey};
