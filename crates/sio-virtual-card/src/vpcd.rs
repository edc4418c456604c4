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
///   then rewritten to `remove`;
/// - `hold-on-ins XX`: when the next APDU with that instruction arrives, the card neither answers
///   nor leaves; it rewrites the file to `held` and waits — the reader (pcscd) blocked in the
///   exchange — until the vpcd connection closes (e.g. pcscd killed) or the file is changed, then
///   handles the held APDU per the new word (answers it when the card is present, leaves on
///   `remove`, holds again on another `hold-on-ins` for the same instruction);
/// - `held`: written by the card while it holds an APDU; otherwise the card counts as inserted.
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
    /// The next APDU with this instruction byte is held unanswered until the file changes.
    HoldOnIns(u8),
    /// An APDU is being held (written by the card).
    Held,
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
            (Some("held"), None) => Self::Held,
            (Some(word @ ("remove-on-ins" | "hold-on-ins")), Some(ins)) => {
                match (u8::from_str_radix(ins, 16), words.next()) {
                    (Ok(ins), None) if word == "remove-on-ins" => Self::RemoveOnIns(ins),
                    (Ok(ins), None) => Self::HoldOnIns(ins),
                    _ => Self::Present,
                }
            }
            _ => Self::Present,
        }
    }
}

/// What to do with an APDU given the control word.
enum Verdict {
    Answer,
    Remove,
    Hold,
}

fn verdict(control: Control, ins: Option<u8>) -> Verdict {
    match control {
        Control::Remove => Verdict::Remove,
        Control::RemoveOnIns(want) if ins == Some(want) => Verdict::Remove,
        Control::HoldOnIns(want) if ins == Some(want) => Verdict::Hold,
        _ => Verdict::Answer,
    }
}

/// Why holding an APDU ended.
enum HoldEnd {
    /// The control file changed to this word.
    Changed(Control),
    /// vpcd closed the connection (pcscd stopped or killed) while the APDU was held.
    Closed,
}

/// Holds an APDU: writes `held` to the control file and waits until it changes or the connection
/// closes. Bytes vpcd sends meanwhile are kept in `buf` for after the hold.
fn hold(stream: &mut TcpStream, path: &Path, buf: &mut Vec<u8>) -> io::Result<HoldEnd> {
    fs::write(path, "held\n")?;
    tracing::info!("holding an APDU unanswered (control file: held)");
    let mut chunk = [0u8; 4096];
    loop {
        match stream.read(&mut chunk) {
            Ok(0) => return Ok(HoldEnd::Closed),
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
            Err(err) if matches!(err.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
            Err(err) if err.kind() == ErrorKind::Interrupted => {}
            Err(err)
                if matches!(
                    err.kind(),
                    ErrorKind::ConnectionReset
                        | ErrorKind::ConnectionAborted
                        | ErrorKind::BrokenPipe
                ) =>
            {
                return Ok(HoldEnd::Closed);
            }
            Err(err) => return Err(err),
        }
        match Control::read(Some(path)) {
            Control::Held => {}
            other => return Ok(HoldEnd::Changed(other)),
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
                    let ins = apdu.get(1).copied();
                    let mut control = Control::read(config.control.as_deref());
                    loop {
                        match (verdict(control, ins), config.control.as_deref()) {
                            (Verdict::Answer, _) | (_, None) => break,
                            (Verdict::Remove, Some(path)) => {
                                fs::write(path, "remove\n")?;
                                let _ = stream.shutdown(Shutdown::Both);
                                return Ok("removed on request before answering an APDU");
                            }
                            (Verdict::Hold, Some(path)) => {
                                match hold(&mut stream, path, &mut buf)? {
                                    HoldEnd::Changed(next) => control = next,
                                    HoldEnd::Closed => {
                                        return Ok(
                                            "vpcd closed the connection while an APDU was held",
                                        );
                                    }
                                }
                            }
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
#[allow(clippy::unwrap_used)]
mod tests {
    use super::{ApduCard, Control, VpcdConfig, session};
    use std::{
        io::{ErrorKind, Read, Write},
        net::{TcpListener, TcpStream},
        thread,
        time::{Duration, Instant},
    };

    /// Answers every APDU with itself and 9000.
    struct Echo;
    impl ApduCard for Echo {
        fn execute(&mut self, apdu: &[u8]) -> Vec<u8> {
            [apdu, &[0x90, 0x00]].concat()
        }
        fn reset(&mut self) {}
    }

    fn frame(data: &[u8]) -> Vec<u8> {
        let len = u16::try_from(data.len()).unwrap().to_be_bytes();
        [&len[..], data].concat()
    }

    fn wait_held(path: &std::path::Path) {
        let start = Instant::now();
        while Control::read(Some(path)) != Control::Held {
            assert!(start.elapsed() < Duration::from_secs(5), "never held");
            thread::sleep(Duration::from_millis(10));
        }
    }

    /// The vpcd side of the test: a listener the card connects to.
    #[test]
    fn a_held_apdu_is_answered_when_released_and_ends_the_session_when_vpcd_closes() {
        let dir = tempfile::tempdir().unwrap();
        let control = dir.path().join("control");
        let vpcd = TcpListener::bind("127.0.0.1:0").unwrap();
        let config = VpcdConfig {
            addr: vpcd.local_addr().unwrap(),
            control: Some(control.clone()),
        };
        let card = thread::spawn(move || {
            let stream = TcpStream::connect(config.addr).unwrap();
            session(stream, &config, &mut Echo).map_err(|e| e.kind())
        });
        let (mut reader, _) = vpcd.accept().unwrap();
        reader
            .set_read_timeout(Some(Duration::from_millis(300)))
            .unwrap();
        let apdu = [0x00, 0x87, 0x07, 0x9C, 0x00];

        // Held: no answer while the file says `held`; deleting the file releases it.
        std::fs::write(&control, "hold-on-ins 87\n").unwrap();
        reader.write_all(&frame(&apdu)).unwrap();
        wait_held(&control);
        let mut buf = [0u8; 64];
        let err = reader.read(&mut buf).unwrap_err();
        assert!(matches!(
            err.kind(),
            ErrorKind::WouldBlock | ErrorKind::TimedOut
        ));
        std::fs::remove_file(&control).unwrap();
        reader
            .set_read_timeout(Some(Duration::from_secs(5)))
            .unwrap();
        let mut answer = vec![0u8; 2 + apdu.len() + 2];
        reader.read_exact(&mut answer).unwrap();
        assert_eq!(answer, frame(&[&apdu[..], &[0x90, 0x00]].concat()));

        // Other instructions pass; the held one stays unanswered until vpcd goes away.
        std::fs::write(&control, "hold-on-ins 87\n").unwrap();
        reader.write_all(&frame(&[0x00, 0x20, 0x00, 0x80])).unwrap();
        let mut answer = vec![0u8; 2 + 4 + 2];
        reader.read_exact(&mut answer).unwrap();
        reader.write_all(&frame(&apdu)).unwrap();
        wait_held(&control);
        drop(reader);
        assert_eq!(
            card.join().unwrap(),
            Ok("vpcd closed the connection while an APDU was held")
        );
        assert_eq!(Control::read(Some(&control)), Control::Held);
    }

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
        assert_eq!(Control::parse("hold-on-ins 87\n"), Control::HoldOnIns(0x87));
        assert_eq!(Control::parse(" hold-on-ins 20 "), Control::HoldOnIns(0x20));
        assert_eq!(Control::parse("hold-on-ins"), Control::Present);
        assert_eq!(Control::parse("hold-on-ins 187"), Control::Present);
        assert_eq!(Control::parse("hold-on-ins 87 88"), Control::Present);
        assert_eq!(Control::parse("remove-on-ins 87 88"), Control::Present);
        assert_eq!(Control::parse("held\n"), Control::Held);
        assert_eq!(Control::parse("held 87"), Control::Present);
        assert_eq!(Control::parse("remove now please"), Control::Present);
        assert_eq!(Control::parse("insert"), Control::Present);
        assert_eq!(Control::read(None), Control::Present);
    }
}
