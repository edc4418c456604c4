//! The small backend trait the protocol layer talks to, and the APDU exchange on top of it.

use crate::TokenError;
use zeroize::Zeroizing;

use crate::apdu::{Command, Ins, Response, StatusWord};

/// Something that reaches a card: a PC/SC reader connection, or any other transport.
///
/// A transaction gives exclusive access to the card for a sequence of APDUs (for example VERIFY
/// followed by GENERAL AUTHENTICATE); it ends when the returned value is dropped.
pub trait CardBackend {
    /// Begin a transaction (`SCardBeginTransaction`); it ends (`SCardEndTransaction`) on drop.
    fn transaction(&mut self) -> Result<Box<dyn CardTransaction + '_>, TokenError>;

    /// Told after the card accepted a PIN on this connection. A PC/SC connection then clears the
    /// card's security state when it closes (see [`crate::PcscCard`]).
    fn pin_verified(&mut self) {}
}

/// An open transaction with a card.
pub trait CardTransaction {
    /// Send one raw command APDU and return the raw response (data ‖ SW1 SW2).
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TokenError>;

    /// Whether the reader has a PIN pad that can verify a PIN itself (PC/SC part 10
    /// `FEATURE_VERIFY_PIN_DIRECT`).
    fn has_pin_pad(&self) -> bool {
        false
    }

    /// Let the reader's PIN pad build and send a VERIFY: `template` is the VERIFY APDU with the
    /// PIN positions filled with the pad byte; returns the raw response. Only valid when
    /// [`CardTransaction::has_pin_pad`] is true.
    fn verify_pin_on_pad(&mut self, template: &[u8]) -> Result<Vec<u8>, TokenError> {
        let _ = template;
        Err(TokenError::PinPad {
            detail: "the reader has no PIN pad".into(),
        })
    }

    /// Send `command` and collect the complete response: long data goes as a command chain, 61xx is
    /// followed by GET RESPONSE until the card has no more, and 6Cxx is retried with the exact Le.
    fn exchange(
        &mut self,
        command: &Command,
        operation: &'static str,
    ) -> Result<Response, TokenError> {
        // The serialised command may hold a PIN (VERIFY): wipe every copy after sending.
        let parts: Vec<Zeroizing<Vec<u8>>> = command
            .chain(crate::apdu::SHORT_MAX_DATA)
            .into_iter()
            .map(Zeroizing::new)
            .collect();
        let last = parts.len().saturating_sub(1);
        let mut response = None;
        for (i, part) in parts.iter().enumerate() {
            let raw = self.transmit(part)?;
            let r = Response::try_from(raw.as_slice())
                .map_err(|e| TokenError::bad(operation, e.to_string()))?;
            if i < last && !r.status().is_success() {
                return Err(TokenError::status(operation, r.status()));
            }
            response = Some(r);
        }
        let mut response = response.ok_or_else(|| TokenError::bad(operation, "empty command"))?;
        let mut data = Vec::new();
        // Bounded: no card sends more than 64 KiB for one command here.
        for _ in 0..=256 {
            match response.status() {
                StatusWord::MoreData { available } => {
                    data.extend_from_slice(response.data());
                    let ne = if available == 0 {
                        256
                    } else {
                        usize::from(available)
                    };
                    let get = Command::new(Ins::GetResponse, 0, 0).ne(ne).to_bytes();
                    let raw = self.transmit(&get)?;
                    response = Response::try_from(raw.as_slice())
                        .map_err(|e| TokenError::bad(operation, e.to_string()))?;
                }
                StatusWord::WrongLe { exact } if data.is_empty() => {
                    let ne = if exact == 0 { 256 } else { usize::from(exact) };
                    let retry = Zeroizing::new(command.clone().ne(ne).to_bytes());
                    let raw = self.transmit(&retry)?;
                    response = Response::try_from(raw.as_slice())
                        .map_err(|e| TokenError::bad(operation, e.to_string()))?;
                    if let StatusWord::WrongLe { .. } = response.status() {
                        return Err(TokenError::status(operation, response.status()));
                    }
                }
                status => {
                    data.extend_from_slice(response.data());
                    return Ok(Response::new(data, status));
                }
            }
        }
        Err(TokenError::bad(
            operation,
            "the card keeps announcing more data",
        ))
    }
}
