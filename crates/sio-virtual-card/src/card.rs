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

    /// Card reset or power cycle: drops half-done chains and the application's session state.
    pub fn reset(&mut self) {
        self.chained = None;
        self.response.clear();
        self.offset = 0;
        self.app.deselect();
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
