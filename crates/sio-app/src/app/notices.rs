//! The operator's notices: planned technical works published in advance (2015 Rules r.44) and
//! open emergencies (rr.41–43), shown as a banner on the home screen.

use sio_protocol::Notices;

use super::App;
use crate::error::ErrorBody;

impl App {
    /// `notices`: the planned works not yet over and the open emergencies, from the gateway.
    pub async fn notices(&self) -> Result<Notices, ErrorBody> {
        let mut live = self.inner.live.lock().await;
        let l = self.active(&mut live)?;
        Ok(sio_client::notices::notices(&l.channel, &l.session).await?)
    }
}
