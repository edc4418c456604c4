//! PC/SC backend on the `pcsc` crate: readers, insertion/removal events, connections, PIN pads.
//!
//! The context survives a restart of pcscd: a call that fails with `SCARD_E_NO_SERVICE` (or a
//! stale handle) drops the context, establishes a new one and tries once more.

use std::collections::BTreeMap;
use std::ffi::CString;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use pcsc::{Context, Disposition, Protocols, ReaderState, Scope, ShareMode, State};

use crate::TokenError;
use crate::backend::{CardBackend, CardTransaction};

/// A reader and what is in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReaderStatus {
    /// The reader name as PC/SC reports it.
    pub name: String,
    /// The ATR of the card in it, if a card is present.
    pub atr: Option<Vec<u8>>,
}

/// A change seen by [`PcscContext::wait_for_events`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ReaderEvent {
    /// A reader was connected (or was there when watching started).
    ReaderAdded(String),
    /// A reader was disconnected.
    ReaderRemoved(String),
    /// A card was inserted (or was present when watching started).
    CardInserted {
        /// The reader.
        reader: String,
        /// The card's ATR.
        atr: Vec<u8>,
    },
    /// A card was removed.
    CardRemoved(String),
}

/// What a watcher knows between calls: for each reader, its last PC/SC state and the ATR.
#[derive(Debug, Default)]
pub struct ReaderWatch {
    known: BTreeMap<String, (State, Option<Vec<u8>>)>,
    pnp: Option<State>,
}

/// A PC/SC resource-manager context.
pub struct PcscContext {
    ctx: Option<Context>,
}

impl std::fmt::Debug for PcscContext {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PcscContext")
            .field("established", &self.ctx.is_some())
            .finish()
    }
}

fn stale(e: pcsc::Error) -> bool {
    matches!(
        e,
        pcsc::Error::NoService
            | pcsc::Error::ServiceStopped
            | pcsc::Error::InvalidHandle
            | pcsc::Error::CommError
    )
}

impl PcscContext {
    /// Establish a context with the PC/SC service.
    pub fn establish() -> Result<Self, TokenError> {
        let ctx = Context::establish(Scope::User)
            .map_err(|e| TokenError::pcsc("establish context", e))?;
        Ok(Self { ctx: Some(ctx) })
    }

    /// Run `f` on the context; when the service was restarted, re-establish and run it once more.
    fn call<T>(
        &mut self,
        operation: &'static str,
        mut f: impl FnMut(&Context) -> Result<T, pcsc::Error>,
    ) -> Result<T, TokenError> {
        for attempt in 0..2 {
            if self.ctx.is_none() {
                let ctx =
                    Context::establish(Scope::User).map_err(|e| TokenError::pcsc(operation, e))?;
                self.ctx = Some(ctx);
            }
            let Some(ctx) = self.ctx.as_ref() else {
                continue;
            };
            match f(ctx) {
                Ok(v) => return Ok(v),
                Err(e) if stale(e) && attempt == 0 => {
                    tracing::info!(operation, error = %e, "PC/SC service went away; re-establishing the context");
                    self.ctx = None;
                }
                Err(e) => {
                    if stale(e) {
                        self.ctx = None;
                    }
                    return Err(TokenError::pcsc(operation, e));
                }
            }
        }
        Err(TokenError::NoService { operation })
    }

    /// Names of the connected readers (empty when there are none).
    pub fn reader_names(&mut self) -> Result<Vec<String>, TokenError> {
        self.call("list readers", |ctx| match ctx.list_readers_owned() {
            Ok(names) => Ok(names
                .into_iter()
                .map(|n| n.to_string_lossy().into_owned())
                .collect()),
            Err(pcsc::Error::NoReadersAvailable) => Ok(Vec::new()),
            Err(e) => Err(e),
        })
    }

    /// The connected readers with the ATR of the card in each, if any.
    pub fn readers(&mut self) -> Result<Vec<ReaderStatus>, TokenError> {
        let names = self.reader_names()?;
        if names.is_empty() {
            return Ok(Vec::new());
        }
        self.call("read reader states", |ctx| {
            let mut states: Vec<ReaderState> = names
                .iter()
                .filter_map(|n| CString::new(n.as_str()).ok())
                .map(|n| ReaderState::new(n, State::UNAWARE))
                .collect();
            ctx.get_status_change(Duration::ZERO, &mut states)?;
            Ok(states.iter().map(status_of).collect())
        })
    }

    /// Wait up to `timeout` for readers or cards to come or go, and return what changed since the
    /// last call with the same `watch` (on the first call: every reader and card present).
    ///
    /// Blocks in `SCardGetStatusChange` on all readers plus `\\?PnP?\Notification`; no polling.
    /// An empty result means the timeout passed with no change.
    pub fn wait_for_events(
        &mut self,
        watch: &mut ReaderWatch,
        timeout: Duration,
    ) -> Result<Vec<ReaderEvent>, TokenError> {
        let deadline = Instant::now() + timeout;
        loop {
            let names = self.reader_names()?;
            let mut events = Vec::new();
            // Readers that vanished from the list.
            let gone: Vec<String> = watch
                .known
                .keys()
                .filter(|k| !names.contains(k))
                .cloned()
                .collect();
            for name in gone {
                if let Some((_, Some(_))) = watch.known.remove(&name) {
                    events.push(ReaderEvent::CardRemoved(name.clone()));
                }
                events.push(ReaderEvent::ReaderRemoved(name));
            }
            let mut states = vec![ReaderState::new(
                pcsc::PNP_NOTIFICATION(),
                watch.pnp.unwrap_or(State::UNAWARE),
            )];
            for name in &names {
                let Ok(c) = CString::new(name.as_str()) else {
                    continue;
                };
                let current = watch.known.get(name).map_or(State::UNAWARE, |(s, _)| *s);
                states.push(ReaderState::new(c, current));
            }
            let remaining = if events.is_empty() {
                deadline.saturating_duration_since(Instant::now())
            } else {
                Duration::ZERO
            };
            let result = self.call("wait for reader events", |ctx| {
                match ctx.get_status_change(remaining, &mut states) {
                    Ok(()) => Ok(true),
                    Err(pcsc::Error::Timeout) => Ok(false),
                    Err(e) => Err(e),
                }
            });
            let changed = match result {
                Ok(changed) => changed,
                Err(e) => {
                    // The service restarted under us: forget its states, keep our view of the readers.
                    watch.pnp = None;
                    return Err(e);
                }
            };
            if changed {
                if let Some((pnp, readers)) = states.split_first() {
                    watch.pnp = Some(pnp.event_state() & !State::CHANGED);
                    for rs in readers {
                        let name = rs.name().to_string_lossy().into_owned();
                        let ev = rs.event_state();
                        if ev.intersects(State::UNKNOWN | State::IGNORE) {
                            if let Some((_, atr)) = watch.known.remove(&name) {
                                if atr.is_some() {
                                    events.push(ReaderEvent::CardRemoved(name.clone()));
                                }
                                events.push(ReaderEvent::ReaderRemoved(name));
                            }
                            continue;
                        }
                        let status = status_of(rs);
                        let before = watch
                            .known
                            .insert(name.clone(), (ev & !State::CHANGED, status.atr.clone()));
                        match before {
                            None => {
                                events.push(ReaderEvent::ReaderAdded(name.clone()));
                                if let Some(atr) = status.atr {
                                    events.push(ReaderEvent::CardInserted { reader: name, atr });
                                }
                            }
                            Some((_, old)) => match (old, status.atr) {
                                (None, Some(atr)) => {
                                    events.push(ReaderEvent::CardInserted { reader: name, atr })
                                }
                                (Some(_), None) => events.push(ReaderEvent::CardRemoved(name)),
                                (Some(a), Some(b)) if a != b => {
                                    events.push(ReaderEvent::CardRemoved(name.clone()));
                                    events.push(ReaderEvent::CardInserted {
                                        reader: name,
                                        atr: b,
                                    });
                                }
                                _ => {}
                            },
                        }
                    }
                }
            }
            if !events.is_empty() || Instant::now() >= deadline {
                return Ok(events);
            }
        }
    }

    /// Connect to the card in `reader` (shared mode, T=0 or T=1).
    pub fn connect(&mut self, reader: &str) -> Result<PcscCard, TokenError> {
        let cname = CString::new(reader).map_err(|_| TokenError::ReaderNotFound {
            reader: reader.to_owned(),
        })?;
        let card = self
            .call("connect", |ctx| {
                ctx.connect(&cname, ShareMode::Shared, Protocols::ANY)
            })
            .map_err(|e| match e {
                TokenError::Pcsc {
                    source: pcsc::Error::UnknownReader,
                    ..
                } => TokenError::ReaderNotFound {
                    reader: reader.to_owned(),
                },
                TokenError::CardRemoved { .. } => TokenError::NoCard {
                    reader: reader.to_owned(),
                },
                other => other,
            })?;
        let atr = card
            .get_attribute_owned(pcsc::Attribute::AtrString)
            .or_else(|_| card.status2_owned().map(|s| s.atr().to_vec()))
            .map_err(|e| TokenError::pcsc("read ATR", e))?;
        let pin_verify_ioctl = pin_pad_features(&card).verify_pin_direct;
        Ok(PcscCard {
            card: Some(card),
            reader: reader.to_owned(),
            atr,
            pin_verify_ioctl,
            verified: None,
        })
    }
}

fn status_of(rs: &ReaderState) -> ReaderStatus {
    let ev = rs.event_state();
    let present = ev.contains(State::PRESENT) && !ev.contains(State::MUTE);
    ReaderStatus {
        name: rs.name().to_string_lossy().into_owned(),
        atr: present.then(|| rs.atr().to_vec()),
    }
}

/// `CM_IOCTL_GET_FEATURE_REQUEST` = SCARD_CTL_CODE(3400) (PC/SC part 10 §2.2).
const IOCTL_GET_FEATURE_REQUEST: u32 = 3400;
/// `FEATURE_VERIFY_PIN_DIRECT` (PC/SC part 10 §2.3).
const FEATURE_VERIFY_PIN_DIRECT: u8 = 0x06;

/// Control codes for the reader features we use.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct PinPadFeatures {
    /// Control code of `FEATURE_VERIFY_PIN_DIRECT`, if the reader has it.
    pub verify_pin_direct: Option<u32>,
}

/// Parse the answer to `CM_IOCTL_GET_FEATURE_REQUEST`: a list of tag (1 byte), length (4), control
/// code (4 bytes, big endian).
pub fn parse_features(bytes: &[u8]) -> PinPadFeatures {
    let mut out = PinPadFeatures::default();
    let mut rest = bytes;
    while let [tag, len, tail @ ..] = rest {
        let len = usize::from(*len);
        if tail.len() < len {
            break;
        }
        let (value, r) = tail.split_at(len);
        if *tag == FEATURE_VERIFY_PIN_DIRECT {
            if let Ok(code) = <[u8; 4]>::try_from(value) {
                out.verify_pin_direct = Some(u32::from_be_bytes(code));
            }
        }
        rest = r;
    }
    out
}

fn pin_pad_features(card: &pcsc::Card) -> PinPadFeatures {
    let mut buf = [0u8; 256];
    match card.control(
        pcsc::ctl_code(IOCTL_GET_FEATURE_REQUEST.into()),
        &[],
        &mut buf,
    ) {
        Ok(answer) => parse_features(answer),
        // Readers without part 10 support (vpcd among them) refuse the control code.
        Err(_) => PinPadFeatures::default(),
    }
}

/// The `PIN_VERIFY_STRUCTURE` of PC/SC part 10 §2.5.2 for a PIV-style VERIFY: ASCII PIN, 6 to 8
/// digits, left-justified and padded with FF to 8 bytes, confirmed with the OK key.
/// `apdu` is the VERIFY command with 8 placeholder bytes (FF) as its data.
pub fn pin_verify_structure(apdu: &[u8]) -> Vec<u8> {
    let mut s = vec![
        0x00, // bTimerOut: reader default
        0x00, // bTimerOut2
        0x82, // bmFormatString: byte units, PIN at offset 0, left-justified, ASCII
        0x08, // bmPINBlockString: no length field, PIN block of 8 bytes
        0x00, // bmPINLengthFormat: no length in the block
        0x08, 0x06, // wPINMaxExtraDigit: max 8, min 6 (little endian)
        0x02, // bEntryValidationCondition: validation key pressed
        0x01, // bNumberMessage
        0x09, 0x04, // wLangId 0x0409
        0x00, // bMsgIndex
        0x00, 0x00, 0x00, // bTeoPrologue
    ];
    s.extend_from_slice(&(apdu.len() as u32).to_le_bytes());
    s.extend_from_slice(apdu);
    s
}

/// For each reader, the connection of this process that verified a PIN last (its number from
/// [`NEXT_VERIFICATION`]). PIV keeps one security state per card, shared by every connection.
static LAST_VERIFIED: Mutex<BTreeMap<String, u64>> = Mutex::new(BTreeMap::new());
static NEXT_VERIFICATION: AtomicU64 = AtomicU64::new(1);

/// A connection to the card in one reader.
///
/// Closing it leaves the card as it is (`SCARD_LEAVE_CARD`): listing certificates, reading the
/// PIN counter or a diagnosis does not disturb a session another connection holds (the `pcsc`
/// crate's default would reset the card). Only the connection that verified the PIN last clears
/// the card's security state when it closes (`SCARD_RESET_CARD`), so a PIN entered for a session
/// does not outlive it. A connection that finds the card reset by someone else reconnects (same
/// ATR required) and goes on; the card then asks for the PIN again where one is needed.
pub struct PcscCard {
    card: Option<pcsc::Card>,
    reader: String,
    atr: Vec<u8>,
    pin_verify_ioctl: Option<u32>,
    verified: Option<u64>,
}

impl std::fmt::Debug for PcscCard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PcscCard")
            .field("reader", &self.reader)
            .field("atr", &hex::encode_upper(&self.atr))
            .field("pin_pad", &self.pin_verify_ioctl.is_some())
            .field("pin_verified", &self.verified.is_some())
            .finish()
    }
}

impl PcscCard {
    /// The ATR read when connecting.
    pub fn atr(&self) -> &[u8] {
        &self.atr
    }

    /// The reader name.
    pub fn reader(&self) -> &str {
        &self.reader
    }

    /// Whether the reader verifies PINs on its own PIN pad.
    pub fn has_pin_pad(&self) -> bool {
        self.pin_verify_ioctl.is_some()
    }

    /// Whether this connection is the one that last verified the PIN in this reader.
    fn verified_last(&self) -> bool {
        let Some(n) = self.verified else {
            return false;
        };
        let mut last = LAST_VERIFIED.lock().unwrap_or_else(PoisonError::into_inner);
        if last.get(&self.reader) == Some(&n) {
            last.remove(&self.reader);
            true
        } else {
            false
        }
    }
}

impl Drop for PcscCard {
    fn drop(&mut self) {
        let Some(card) = self.card.take() else {
            return;
        };
        let disposition = if self.verified_last() {
            Disposition::ResetCard
        } else {
            Disposition::LeaveCard
        };
        if let Err((_card, e)) = card.disconnect(disposition) {
            // The handle is gone already (card removed, service stopped); dropping it is all
            // that is left.
            tracing::debug!(reader = %self.reader, error = %e, "disconnect failed");
        }
    }
}

impl CardBackend for PcscCard {
    fn transaction(&mut self) -> Result<Box<dyn CardTransaction + '_>, TokenError> {
        let pin_verify_ioctl = self.pin_verify_ioctl;
        let card = self.card.as_mut().ok_or(TokenError::CardRemoved {
            operation: "begin transaction",
        })?;
        let tx = match card.transaction2() {
            Ok(tx) => tx,
            Err((card, pcsc::Error::ResetCard)) => {
                // Reset by another connection or program: the same card is in the reader (a
                // removal reports SCARD_W_REMOVED_CARD), without its security state.
                card.reconnect(ShareMode::Shared, Protocols::ANY, Disposition::LeaveCard)
                    .map_err(|e| TokenError::pcsc("reconnect after a reset", e))?;
                let status = card
                    .status2_owned()
                    .map_err(|e| TokenError::pcsc("reconnect after a reset", e))?;
                if status.atr() != self.atr.as_slice() {
                    return Err(TokenError::CardRemoved {
                        operation: "reconnect after a reset",
                    });
                }
                self.verified = None;
                tracing::info!(reader = %self.reader, "the card was reset; reconnected");
                card.transaction()
                    .map_err(|e| TokenError::pcsc("begin transaction", e))?
            }
            Err((_, e)) => return Err(TokenError::pcsc("begin transaction", e)),
        };
        Ok(Box::new(PcscTransaction {
            tx,
            pin_verify_ioctl,
        }))
    }

    fn pin_verified(&mut self) {
        let n = NEXT_VERIFICATION.fetch_add(1, Ordering::Relaxed);
        LAST_VERIFIED
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(self.reader.clone(), n);
        self.verified = Some(n);
    }
}

struct PcscTransaction<'a> {
    tx: pcsc::Transaction<'a>,
    pin_verify_ioctl: Option<u32>,
}

impl CardTransaction for PcscTransaction<'_> {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TokenError> {
        let mut buf = vec![0u8; pcsc::MAX_BUFFER_SIZE_EXTENDED];
        let answer = self.tx.transmit(command, &mut buf).map_err(|e| match e {
            // What pcsc-lite returns when the card left in the middle of the exchange.
            pcsc::Error::NotTransacted => TokenError::CardRemoved {
                operation: "transmit",
            },
            e => TokenError::pcsc("transmit", e),
        })?;
        if answer.is_empty() {
            // Every response APDU has a status word. An empty answer is what some readers (vpcd
            // among them) give when the card vanished mid-command, before PC/SC reports
            // SCARD_W_REMOVED_CARD: nothing was executed that we can know of.
            return Err(TokenError::CardRemoved {
                operation: "transmit",
            });
        }
        Ok(answer.to_vec())
    }

    fn has_pin_pad(&self) -> bool {
        self.pin_verify_ioctl.is_some()
    }

    fn verify_pin_on_pad(&mut self, template: &[u8]) -> Result<Vec<u8>, TokenError> {
        let Some(code) = self.pin_verify_ioctl else {
            return Err(TokenError::PinPad {
                detail: "the reader has no PIN pad".into(),
            });
        };
        let mut buf = [0u8; 258];
        let answer = self
            .tx
            .control(code.into(), &pin_verify_structure(template), &mut buf)
            .map_err(|e| TokenError::pcsc("verify PIN on PIN pad", e))?;
        match answer {
            [0x64, 0x00] => Err(TokenError::PinPad {
                detail: "timeout".into(),
            }),
            [0x64, 0x01] => Err(TokenError::PinPad {
                detail: "cancelled by the user".into(),
            }),
            [0x64, 0x03] => Err(TokenError::PinPad {
                detail: "PIN too short or too long".into(),
            }),
            other => Ok(other.to_vec()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn features_tlv() {
        // A reader answering with FEATURE_VERIFY_PIN_START (01) and FEATURE_VERIFY_PIN_DIRECT (06).
        let answer = [
            0x01, 0x04, 0x42, 0x33, 0x00, 0x01, 0x06, 0x04, 0x42, 0x33, 0x00, 0x06,
        ];
        assert_eq!(parse_features(&answer).verify_pin_direct, Some(0x4233_0006));
        assert_eq!(parse_features(&[]).verify_pin_direct, None);
        assert_eq!(parse_features(&[0x06, 0x04, 0x42]).verify_pin_direct, None);
    }

    #[test]
    fn verify_structure_layout() {
        let apdu = [
            0x00, 0x20, 0x00, 0x80, 0x08, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
        ];
        let s = pin_verify_structure(&apdu);
        assert_eq!(s.len(), 15 + 4 + 13);
        assert_eq!(&s[15..19], [13, 0, 0, 0]);
        assert_eq!(&s[19..], apdu);
    }
}
