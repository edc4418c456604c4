//! The PIV application behind an APDU interface: command chaining, response chaining
//! (`61xx` + GET RESPONSE) and status words.

use iso7816::{Command, Instruction, Status, command::FromSliceError};
use piv_authenticator::Authenticator;

/// Largest command (after chaining) and response the card buffers.
pub const BUFFER_LEN: usize = 7609;

/// A PIV card: the application plus the buffers of the transport layer.
pub struct PivCard<C: piv_authenticator::Client> {
    app: Authenticator<C>,
    chained: Option<Command<BUFFER_LEN>>,
    response: heapless::Vec<u8, BUFFER_LEN>,
    offset: usize,
}

impl<C: piv_authenticator::Client> PivCard<C> {
    /// Wraps a PIV application.
    pub fn new(app: Authenticator<C>) -> Self {
        Self {
            app,
            chained: None,
            response: heapless::Vec::new(),
            offset: 0,
        }
    }

    /// Card reset or power cycle: drops half-done chains and clears the PIN's verified state,
    /// as a real card's reset does (the application itself keeps it across resets).
    pub fn reset(&mut self) {
        self.chained = None;
        self.response.clear();
        self.offset = 0;
        self.app.deselect();
        // VERIFY with P1 = FF: reset the security status of the application PIN.
        if let Ok(logout) = Command::<BUFFER_LEN>::try_from(&[0x00, 0x20, 0xFF, 0x80][..]) {
            let _ = self
                .app
                .respond(logout.as_view(), self.response.as_mut_view());
            self.response.clear();
        }
    }

    /// Executes one APDU and returns the response APDU (data followed by SW1 SW2).
    pub fn execute(&mut self, apdu: &[u8]) -> Vec<u8> {
        let (data, status) = match self.handle(apdu) {
            Ok((data, status)) => (data, status),
            Err(status) => (Vec::new(), status),
        };
        let sw: [u8; 2] = status.into();
        let mut out = data;
        out.extend_from_slice(&sw);
        out
    }

    fn handle(&mut self, apdu: &[u8]) -> Result<(Vec<u8>, Status), Status> {
        let expanded = expand_partial_select(apdu);
        let apdu = expanded.as_deref().unwrap_or(apdu);
        let command = Command::<BUFFER_LEN>::try_from(apdu).map_err(|err| match err {
            FromSliceError::InvalidSliceLength
            | FromSliceError::TooShort
            | FromSliceError::TooLong => Status::WrongLength,
            FromSliceError::InvalidClass => Status::ClassNotSupported,
            FromSliceError::InvalidFirstBodyByteForExtended => Status::UnspecifiedCheckingError,
        })?;

        if command.instruction() == Instruction::GetResponse {
            return Ok(self.next_chunk(command.expected()));
        }

        // Command chaining: collect until the last block.
        let command = if let Some(mut buffer) = self.chained.take() {
            buffer
                .extend_from_command(&command)
                .map_err(|_| Status::WrongLength)?;
            if command.class().chain().last_or_only() {
                buffer
            } else {
                self.chained = Some(buffer);
                return Ok((Vec::new(), Status::Success));
            }
        } else if command.class().chain().last_or_only() {
            command
        } else {
            self.chained = Some(command);
            return Ok((Vec::new(), Status::Success));
        };

        self.response.clear();
        self.offset = 0;
        self.app
            .respond(command.as_view(), self.response.as_mut_view())?;
        Ok(self.next_chunk(command.expected()))
    }

    fn next_chunk(&mut self, expected: usize) -> (Vec<u8>, Status) {
        // Without Le (or Le = 00) hand out up to 256 bytes, as USB PIV tokens do; the rest
        // follows through 61xx / GET RESPONSE.
        let expected = if expected == 0 { 256 } else { expected };
        let rest = self.response.len().saturating_sub(self.offset);
        let n = expected.min(rest);
        let data = self
            .response
            .get(self.offset..self.offset + n)
            .map(<[u8]>::to_vec)
            .unwrap_or_default();
        self.offset += n;
        let left = self.response.len().saturating_sub(self.offset);
        let status = if left == 0 {
            Status::Success
        } else {
            Status::MoreAvailable(u8::try_from(left).unwrap_or(u8::MAX))
        };
        (data, status)
    }
}

/// The PIV application identifier (NIST SP 800-73-4), with version.
const PIV_AID_FULL: [u8; 11] = [
    0xA0, 0x00, 0x00, 0x03, 0x08, 0x00, 0x00, 0x10, 0x00, 0x01, 0x00,
];

/// ISO 7816-4 selection by a partial DF name: SELECT with the 5-byte RID `A000000308` (as
/// yubico-piv-tool sends it) or any other prefix of the PIV AID selects the PIV application.
/// Returns the APDU rewritten with the full AID, or `None` if nothing needs to change.
fn expand_partial_select(apdu: &[u8]) -> Option<Vec<u8>> {
    let [0x00, 0xA4, 0x04, 0x00, lc, rest @ ..] = apdu else {
        return None;
    };
    let lc = usize::from(*lc);
    let aid = rest.get(..lc)?;
    if !(5..9).contains(&lc) || !PIV_AID_FULL.starts_with(aid) {
        return None;
    }
    let le = &rest[lc..];
    let mut out = vec![0x00, 0xA4, 0x04, 0x00, 11];
    out.extend_from_slice(&PIV_AID_FULL);
    out.extend_from_slice(le);
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partial_select_is_expanded() {
        let apdu = [
            0x00, 0xA4, 0x04, 0x00, 5, 0xA0, 0x00, 0x00, 0x03, 0x08, 0x00,
        ];
        let out = expand_partial_select(&apdu).expect("expanded");
        assert_eq!(out[4], 11);
        assert_eq!(&out[5..16], &PIV_AID_FULL);
        assert_eq!(&out[16..], &[0x00]);
    }

    #[test]
    fn other_apdus_are_untouched() {
        assert!(expand_partial_select(&[0x00, 0xA4, 0x04, 0x00, 2, 0xA0, 0x00]).is_none());
        assert!(
            expand_partial_select(&[0x00, 0xA4, 0x04, 0x00, 5, 0xD2, 0x76, 0, 1, 0x24]).is_none()
        );
        assert!(expand_partial_select(&[0x00, 0xCB, 0x3F, 0xFF]).is_none());
        assert!(expand_partial_select(&[0x00, 0xA4]).is_none());
        let full = [&[0x00, 0xA4, 0x04, 0x00, 11][..], &PIV_AID_FULL[..]].concat();
        assert!(expand_partial_select(&full).is_none());
    }
}
