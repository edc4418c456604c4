//! The vpicc side of vsmartcard's vpcd protocol over TCP, with card removal and insertion.
//!
//! Frames are a big-endian `u16` length followed by the payload. A one-byte payload is a control
//! command (0 power off, 1 power on, 2 reset, 4 get ATR); longer payloads are command APDUs, each
//! answered with one response frame. Closing the connection is what vpcd sees as card removal.

use std::{
    fs,
    io::{self, ErrorKind, Read, Write},
    net::{Shutdown, SocketAddr, TcpStream},
    path::{Path, PathBuf},
    thread,
    time::Duration,
};

/// The ATR the card presents (the vpicc default ATR).
pub const ATR: &[u8] = vpicc::DEFAULT_ATR;

/// How often the card looks at its control file while idle.
const POLL: Duration = Duration::from_millis(50);

/// Something that answers APDUs and reacts to power events.
pub trait ApduCard {
    /// Executes a command APDU and returns the response APDU.
    fn execute(&mut self, apdu: &[u8]) -> Vec<u8>;
    /// Power off or reset of the card.
    fn reset(&mut self);
}

impl<C: piv_authenticator::Client> ApduCard for crate::card::PivCard<C> {
    fn execute(&mut self, apdu: &[u8]) -> Vec<u8> {
        crate::card::PivCard::execute(self, apdu)
    }
    fn reset(&mut self) {
        crate::card::PivCard::reset(self);
    }
}

/// What the control file asks for.
///
/// The control file holds one word (surrounding whitespace ignored):
/// - absent or empty: the card is inserted;
/// - `remove`: the card is removed now (the vpcd connection is closed) and stays out;
/// - `remove-on-ins XX` (hex instruction byte, e.g. `87` for GENERAL AUTHENTICATE): the card is
///   removed when the next APDU with that instruction arrives, without answering it; the file is
///   then rewritten to `remove`.
///
/// Deleting the file (or emptying it) inserts the card again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Control {
    /// Card inserted.
    Present,
    /// Card removed.
    Remove,
    /// Card removed on the next APDU with this instruction byte.
    RemoveOnIns(u8),
}

impl Control {
    /// Reads the control file; unreadable or unknown contents count as [`Control::Present`].
    pub fn read(path: Option<&Path>) -> Self {
        let Some(path) = path else {
            return Self::Present;
        };
        let Ok(text) = fs::read_to_string(path) else {
            return Self::Present;
        };
        Self::parse(&text)
    }

    /// Parses the control file's text.
    pub fn parse(text: &str) -> Self {
        let mut words = text.split_whitespace();
        match (words.next(), words.next()) {
            (Some("remove"), None) => Self::Remove,
            (Some("remove-on-ins"), Some(ins)) => u8::from_str_radix(ins, 16)
                .map(Self::RemoveOnIns)
                .unwrap_or(Self::Present),
            _ => Self::Present,
        }
    }
}

/// Where to connect and where the control file lives.
#[derive(Debug, Clone)]
pub struct VpcdConfig {
    /// vpcd's address (127.0.0.1:35963 by default).
    pub addr: SocketAddr,
    /// Control file for removal and insertion.
    pub control: Option<PathBuf>,
}

impl Default for VpcdConfig {
    fn default() -> Self {
        Self {
            addr: SocketAddr::from((vpicc::DEFAULT_HOST, vpicc::DEFAULT_PORT)),
            control: None,
        }
    }
}

/// Serves the card to vpcd forever: connects, answers, reconnects when vpcd goes away (pcscd
/// restart), and honours the control file.
pub fn serve<C: ApduCard>(config: &VpcdConfig, card: &mut C) -> ! {
    let mut waiting_logged = false;
    loop {
        if Control::read(config.control.as_deref()) == Control::Remove {
            thread::sleep(POLL);
            continue;
        }
        let stream = match TcpStream::connect_timeout(&config.addr, Duration::from_secs(1)) {
            Ok(stream) => stream,
            Err(err) => {
                if !waiting_logged {
                    tracing::warn!(addr = %config.addr, error = %err, "vpcd not reachable, retrying");
                    waiting_logged = true;
                }
                thread::sleep(Duration::from_millis(200));
                continue;
            }
        };
        waiting_logged = false;
        tracing::info!(addr = %config.addr, "card inserted (connected to vpcd)");
        card.reset();
        let outcome = session(stream, config, card);
        card.reset();
        match outcome {
            Ok(reason) => tracing::info!(reason, "card removed"),
            Err(err) => tracing::info!(error = %err, "vpcd connection lost"),
        }
        thread::sleep(Duration::from_millis(100));
    }
}

/// One connection: returns why the card left.
fn session<C: ApduCard>(
    mut stream: TcpStream,
    config: &VpcdConfig,
    card: &mut C,
) -> io::Result<&'static str> {
    stream.set_read_timeout(Some(POLL))?;
    stream.set_nodelay(true)?;
    let mut buf: Vec<u8> = Vec::with_capacity(4096);
    let mut chunk = [0u8; 4096];
    loop {
        // Handle every complete frame in the buffer.
        while buf.len() >= 2 {
            let len = usize::from(u16::from_be_bytes([buf[0], buf[1]]));
            if buf.len() < 2 + len {
                break;
            }
            let frame: Vec<u8> = buf.drain(..2 + len).skip(2).collect();
            match frame.as_slice() {
                [] => return Err(io::Error::new(ErrorKind::InvalidData, "empty frame")),
                [0] | [2] => card.reset(),
                [1] => {}
                [4] => send(&mut stream, ATR)?,
                [other] => {
                    tracing::warn!(command = other, "unknown vpcd control command");
                }
                apdu => {
                    if let Control::RemoveOnIns(ins) = Control::read(config.control.as_deref()) {
                        if apdu.get(1) == Some(&ins) {
                            if let Some(path) = &config.control {
                                fs::write(path, "remove\n")?;
                            }
                            let _ = stream.shutdown(Shutdown::Both);
                            return Ok("removed on request before answering an APDU");
                        }
                    }
                    let response = card.execute(apdu);
                    tracing::debug!(
                        ins = format_args!("{:02X}", apdu.get(1).copied().unwrap_or_default()),
                        len = apdu.len(),
                        sw = format_args!(
                            "{:02X?}",
                            response.get(response.len().saturating_sub(2)..)
                        ),
                        "APDU"
                    );
                    send(&mut stream, &response)?;
                }
            }
        }
        // vpcd writes the length and the body of a frame separately; acknowledge at once so its
        // Nagle algorithm does not hold the body back for a delayed-ACK period (~40 ms).
        let _ = socket2::SockRef::from(&stream).set_tcp_quickack(true);
        match stream.read(&mut chunk) {
            Ok(0) => return Err(io::Error::new(ErrorKind::UnexpectedEof, "vpcd closed")),
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
            Err(err) if matches!(err.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                if Control::read(config.control.as_deref()) == Control::Remove {
                    let _ = stream.shutdown(Shutdown::Both);
                    return Ok("removed on request");
                }
            }
            Err(err) if err.kind() == ErrorKind::Interrupted => {}
            Err(err) => return Err(err),
        }
    }
}

fn send(stream: &mut TcpStream, data: &[u8]) -> io::Result<()> {
    let len = u16::try_from(data.len())
        .map_err(|_| io::Error::new(ErrorKind::InvalidInput, "response too long"))?;
    let mut frame = Vec::with_capacity(data.len() + 2);
    frame.extend_from_slice(&len.to_be_bytes());
    frame.extend_from_slice(data);
    stream.write_all(&frame)
}

#[cfg(test)]
mod tests {
    use super::Control;

    #[test]
    fn control_file_words() {
        assert_eq!(Control::parse(""), Control::Present);
        assert_eq!(Control::parse("remove\n"), Control::Remove);
        assert_eq!(Control::parse("  remove  "), Control::Remove);
        assert_eq!(
            Control::parse("remove-on-ins 87\n"),
            Control::RemoveOnIns(0x87)
        );
        assert_eq!(Control::parse("remove-on-ins zz"), Control::Present);
        assert_eq!(Control::parse("remove now please"), Control::Present);
        assert_eq!(Control::parse("insert"), Control::Present);
        assert_eq!(Control::read(None), Control::Present);
    }
}
