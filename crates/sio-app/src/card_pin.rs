//! The officer's own PIN on the PIV token (issue 19 item 9): change it with the current PIN
//! (CHANGE REFERENCE DATA), or unblock it with the PUK and set a new one (RESET RETRY COUNTER).
//! Both work on the token in `reader` over PC/SC, without a session (a blocked PIN cannot sign
//! in), and answer with the PIN's retry counter after. The PINs and the PUK are moved into the
//! token's secret type and dropped when the card has answered.
//!
//! A wrong or blocked PUK is told apart from a wrong PIN: `TOKEN_WRONG_PUK` (with the PUK's tries
//! left) and `TOKEN_PUK_BLOCKED` (docs/failure-codes.md).

use sio_protocol::Secret;
use sio_token::{PcscContext, PivSession, TokenError};

use crate::app::App;
use crate::error::{ErrorBody, app};
use crate::model::PinStatus;
use crate::token;

async fn on_card<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, ErrorBody> + Send + 'static,
) -> Result<T, ErrorBody> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| app("APP_INTERNAL", e.to_string()))?
}

fn open(reader: &str) -> Result<PivSession<sio_token::PcscCard>, ErrorBody> {
    let mut ctx = PcscContext::establish()?;
    let card = ctx.connect(reader)?;
    Ok(PivSession::open(card)?)
}

/// The card's answer to a PUK: its errors are about the PUK, not the PIN.
fn puk_error(e: TokenError) -> ErrorBody {
    match e {
        TokenError::WrongPin { tries_left } => TokenError::WrongPuk { tries_left }.into(),
        TokenError::PinBlocked => TokenError::PukBlocked.into(),
        other => other.into(),
    }
}

impl App {
    /// `change_pin`: the current PIN and a new one (6–8 characters) on the token in `reader`.
    pub async fn change_pin(
        &self,
        reader: &str,
        current: Secret,
        new: Secret,
    ) -> Result<PinStatus, ErrorBody> {
        let reader = reader.to_owned();
        on_card(move || {
            let (current, new) = (token::pin(&current)?, token::pin(&new)?);
            open(&reader)?.change_pin(current, new)?;
            token::pin_status(&reader)
        })
        .await
    }

    /// `unblock_pin`: the PUK and a new PIN (6–8 characters) on the token in `reader`.
    pub async fn unblock_pin(
        &self,
        reader: &str,
        puk: Secret,
        new: Secret,
    ) -> Result<PinStatus, ErrorBody> {
        let reader = reader.to_owned();
        on_card(move || {
            let (puk, new) = (token::pin(&puk)?, token::pin(&new)?);
            open(&reader)?.unblock_pin(puk, new).map_err(puk_error)?;
            token::pin_status(&reader)
        })
        .await
    }
}
