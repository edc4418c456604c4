//! Notices from the operator: planned technical works published in advance (2015 Rules r.44)
//! and open emergencies (rr.41–43), `GET /v1/notices` with any session.

use sio_protocol::{Notices, paths};

use crate::channel::Channel;
use crate::error::ClientError;
use crate::session::Session;

/// The planned works not yet over and the open emergencies.
pub async fn notices(channel: &Channel, session: &Session) -> Result<Notices, ClientError> {
    channel.get(paths::NOTICES, Some(session.token())).await
}
