//! ISO/IEC 7816-4 command and response APDUs.
//!
//! [`Command`] is a builder (CLA, INS, P1, P2, data, Ne) that serialises to a short or an extended APDU
//! and splits long data into a command chain. [`Response`] and [`StatusWord`] parse card answers with
//! `TryFrom<&[u8]>`; any byte string gives either a value or an error, never a panic.

use std::fmt;

/// Instruction bytes used by this crate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Ins {
    /// SELECT (A4).
    Select,
    /// VERIFY (20).
    Verify,
    /// CHANGE REFERENCE DATA (24).
    ChangeReferenceData,
    /// RESET RETRY COUNTER (2C).
    ResetRetryCounter,
    /// GENERAL AUTHENTICATE (87).
    GeneralAuthenticate,
    /// GET DATA with an odd INS (CB), as PIV uses it.
    GetData,
    /// GET RESPONSE (C0).
    GetResponse,
    /// Any other instruction byte.
    Other(u8),
}

impl From<Ins> for u8 {
    fn from(ins: Ins) -> u8 {
        match ins {
            Ins::Select => 0xA4,
            Ins::Verify => 0x20,
            Ins::ChangeReferenceData => 0x24,
            Ins::ResetRetryCounter => 0x2C,
            Ins::GeneralAuthenticate => 0x87,
            Ins::GetData => 0xCB,
            Ins::GetResponse => 0xC0,
            Ins::Other(b) => b,
        }
    }
}

/// Largest Nc of a short APDU.
pub const SHORT_MAX_DATA: usize = 255;
/// Largest Ne of a short APDU (encoded as 00).
pub const SHORT_MAX_NE: usize = 256;
/// Largest Ne of an extended APDU (encoded as 0000).
pub const EXTENDED_MAX_NE: usize = 65_536;
/// Largest Nc of an extended APDU.
pub const EXTENDED_MAX_DATA: usize = 65_535;

/// The chaining bit in CLA (ISO 7816-4 §5.1.1).
const CLA_CHAIN: u8 = 0x10;

/// A command APDU.
#[derive(Clone, PartialEq, Eq)]
pub struct Command {
    cla: u8,
    ins: u8,
    p1: u8,
    p2: u8,
    data: Vec<u8>,
    ne: usize,
}

impl fmt::Debug for Command {
    // Data may hold a PIN: show only the header and lengths.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Command({:02X} {:02X} {:02X} {:02X}, Nc={}, Ne={})",
            self.cla,
            self.ins,
            self.p1,
            self.p2,
            self.data.len(),
            self.ne
        )
    }
}

impl Drop for Command {
    fn drop(&mut self) {
        zeroize::Zeroize::zeroize(&mut self.data);
    }
}

impl Command {
    /// A command with CLA 00 and no data, expecting no response data.
    pub fn new(ins: Ins, p1: u8, p2: u8) -> Self {
        Self {
            cla: 0x00,
            ins: ins.into(),
            p1,
            p2,
            data: Vec::new(),
            ne: 0,
        }
    }

    /// Set the class byte.
    #[must_use]
    pub fn cla(mut self, cla: u8) -> Self {
        self.cla = cla;
        self
    }

    /// Set the command data (Nc bytes). Longer than [`EXTENDED_MAX_DATA`] is cut off at serialisation
    /// by chaining; see [`Command::chain`].
    #[must_use]
    pub fn data(mut self, data: impl Into<Vec<u8>>) -> Self {
        self.data = data.into();
        self
    }

    /// Set Ne, the maximum number of response bytes expected (0 = none, at most 65 536).
    #[must_use]
    pub fn ne(mut self, ne: usize) -> Self {
        self.ne = ne.min(EXTENDED_MAX_NE);
        self
    }

    /// The instruction byte.
    pub fn ins(&self) -> u8 {
        self.ins
    }

    /// The command data.
    pub fn payload(&self) -> &[u8] {
        &self.data
    }

    /// Whether this command needs the extended form (Nc > 255 or Ne > 256).
    pub fn needs_extended(&self) -> bool {
        self.data.len() > SHORT_MAX_DATA || self.ne > SHORT_MAX_NE
    }

    /// Serialise, choosing the short form when it fits and the extended form otherwise.
    pub fn to_bytes(&self) -> Vec<u8> {
        if self.needs_extended() {
            self.to_extended()
        } else {
            self.to_short()
        }
    }

    /// Serialise in short form; Nc and Ne are clamped to 255 / 256 (use [`Command::chain`] for long data).
    fn to_short(&self) -> Vec<u8> {
        let nc = self.data.len().min(SHORT_MAX_DATA);
        let mut out = Vec::with_capacity(6 + nc);
        out.extend_from_slice(&[self.cla, self.ins, self.p1, self.p2]);
        if nc > 0 {
            out.push(nc as u8);
            out.extend_from_slice(&self.data[..nc]);
        }
        if self.ne > 0 {
            // 256 is encoded as 00.
            out.push((self.ne.min(SHORT_MAX_NE) & 0xFF) as u8);
        }
        out
    }

    /// Serialise in extended form (ISO 7816-4 §5.1: Lc = 00 XX XX, Le = XX XX or 00 XX XX).
    fn to_extended(&self) -> Vec<u8> {
        let nc = self.data.len().min(EXTENDED_MAX_DATA);
        let mut out = Vec::with_capacity(9 + nc);
        out.extend_from_slice(&[self.cla, self.ins, self.p1, self.p2]);
        if nc > 0 {
            out.push(0x00);
            out.extend_from_slice(&(nc as u16).to_be_bytes());
            out.extend_from_slice(&self.data[..nc]);
        }
        if self.ne > 0 {
            if nc == 0 {
                out.push(0x00);
            }
            // 65 536 is encoded as 0000.
            out.extend_from_slice(&((self.ne & 0xFFFF) as u16).to_be_bytes());
        }
        out
    }

    /// Split into a command chain of short APDUs with at most `chunk` data bytes each
    /// (1..=255): every part but the last has the chaining bit set in CLA and no Le.
    pub fn chain(&self, chunk: usize) -> Vec<Vec<u8>> {
        let chunk = chunk.clamp(1, SHORT_MAX_DATA);
        if self.data.len() <= chunk {
            return vec![self.to_short()];
        }
        let parts: Vec<&[u8]> = self.data.chunks(chunk).collect();
        let last = parts.len() - 1;
        parts
            .into_iter()
            .enumerate()
            .map(|(i, part)| {
                let is_last = i == last;
                let mut out = vec![
                    if is_last {
                        self.cla
                    } else {
                        self.cla | CLA_CHAIN
                    },
                    self.ins,
                    self.p1,
                    self.p2,
                    part.len() as u8,
                ];
                out.extend_from_slice(part);
                if is_last && self.ne > 0 {
                    out.push((self.ne.min(SHORT_MAX_NE) & 0xFF) as u8);
                }
                out
            })
            .collect()
    }
}

/// A status word (SW1 SW2), with the meanings of ISO 7816-4 and NIST SP 800-73-4 §5.6.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum StatusWord {
    /// 9000: success.
    Success,
    /// 61xx: success, `available` more bytes to fetch with GET RESPONSE (00 means 256 or more).
    MoreData {
        /// SW2 as sent.
        available: u8,
    },
    /// 62xx: warning, non-volatile memory unchanged.
    WarningUnchanged(u8),
    /// 63Cx: verification failed, `tries_left` attempts remain (63C0 = no attempt left).
    WrongPin {
        /// Retry counter.
        tries_left: u8,
    },
    /// 63xx other than 63Cx: warning, non-volatile memory changed.
    WarningChanged(u8),
    /// 64xx: execution error, memory unchanged.
    ExecutionError(u8),
    /// 65xx: execution error, memory changed.
    MemoryFailure(u8),
    /// 6700: wrong length.
    WrongLength,
    /// 6881: logical channel not supported.
    LogicalChannelNotSupported,
    /// 6882: secure messaging not supported.
    SecureMessagingNotSupported,
    /// 6883: last command of the chain expected.
    LastCommandOfChainExpected,
    /// 6884: command chaining not supported.
    ChainingNotSupported,
    /// 6982: security status not satisfied (PIN not verified).
    SecurityStatusNotSatisfied,
    /// 6983: authentication method blocked (PIN blocked).
    PinBlocked,
    /// 6984: reference data not usable.
    ReferenceDataNotUsable,
    /// 6985: conditions of use not satisfied.
    ConditionsNotSatisfied,
    /// 6986: command not allowed (no current EF).
    CommandNotAllowed,
    /// 6A80: incorrect parameters in the data field.
    IncorrectData,
    /// 6A81: function not supported.
    FunctionNotSupported,
    /// 6A82: file or application not found.
    FileNotFound,
    /// 6A84: not enough memory.
    NotEnoughMemory,
    /// 6A86: incorrect P1-P2.
    IncorrectP1P2,
    /// 6A88: referenced data or reference data not found.
    ReferenceNotFound,
    /// 6B00: wrong parameters P1-P2.
    WrongP1P2,
    /// 6Cxx: wrong Le; `exact` is the right Ne (00 means 256).
    WrongLe {
        /// SW2 as sent.
        exact: u8,
    },
    /// 6D00: instruction not supported.
    InsNotSupported,
    /// 6E00: class not supported.
    ClaNotSupported,
    /// 6F00: no precise diagnosis.
    NoDiagnosis,
    /// Any other value.
    Other(u16),
}

impl From<u16> for StatusWord {
    fn from(sw: u16) -> Self {
        let [sw1, sw2] = sw.to_be_bytes();
        match (sw1, sw2) {
            (0x90, 0x00) => Self::Success,
            (0x61, n) => Self::MoreData { available: n },
            (0x62, n) => Self::WarningUnchanged(n),
            (0x63, n) if n & 0xF0 == 0xC0 => Self::WrongPin {
                tries_left: n & 0x0F,
            },
            (0x63, n) => Self::WarningChanged(n),
            (0x64, n) => Self::ExecutionError(n),
            (0x65, n) => Self::MemoryFailure(n),
            (0x67, 0x00) => Self::WrongLength,
            (0x68, 0x81) => Self::LogicalChannelNotSupported,
            (0x68, 0x82) => Self::SecureMessagingNotSupported,
            (0x68, 0x83) => Self::LastCommandOfChainExpected,
            (0x68, 0x84) => Self::ChainingNotSupported,
            (0x69, 0x82) => Self::SecurityStatusNotSatisfied,
            (0x69, 0x83) => Self::PinBlocked,
            (0x69, 0x84) => Self::ReferenceDataNotUsable,
            (0x69, 0x85) => Self::ConditionsNotSatisfied,
            (0x69, 0x86) => Self::CommandNotAllowed,
            (0x6A, 0x80) => Self::IncorrectData,
            (0x6A, 0x81) => Self::FunctionNotSupported,
            (0x6A, 0x82) => Self::FileNotFound,
            (0x6A, 0x84) => Self::NotEnoughMemory,
            (0x6A, 0x86) => Self::IncorrectP1P2,
            (0x6A, 0x88) => Self::ReferenceNotFound,
            (0x6B, 0x00) => Self::WrongP1P2,
            (0x6C, n) => Self::WrongLe { exact: n },
            (0x6D, 0x00) => Self::InsNotSupported,
            (0x6E, 0x00) => Self::ClaNotSupported,
            (0x6F, 0x00) => Self::NoDiagnosis,
            _ => Self::Other(sw),
        }
    }
}

impl From<StatusWord> for u16 {
    fn from(sw: StatusWord) -> u16 {
        use StatusWord as S;
        match sw {
            S::Success => 0x9000,
            S::MoreData { available } => 0x6100 | u16::from(available),
            S::WarningUnchanged(n) => 0x6200 | u16::from(n),
            S::WrongPin { tries_left } => 0x63C0 | u16::from(tries_left & 0x0F),
            S::WarningChanged(n) => 0x6300 | u16::from(n),
            S::ExecutionError(n) => 0x6400 | u16::from(n),
            S::MemoryFailure(n) => 0x6500 | u16::from(n),
            S::WrongLength => 0x6700,
            S::LogicalChannelNotSupported => 0x6881,
            S::SecureMessagingNotSupported => 0x6882,
            S::LastCommandOfChainExpected => 0x6883,
            S::ChainingNotSupported => 0x6884,
            S::SecurityStatusNotSatisfied => 0x6982,
            S::PinBlocked => 0x6983,
            S::ReferenceDataNotUsable => 0x6984,
            S::ConditionsNotSatisfied => 0x6985,
            S::CommandNotAllowed => 0x6986,
            S::IncorrectData => 0x6A80,
            S::FunctionNotSupported => 0x6A81,
            S::FileNotFound => 0x6A82,
            S::NotEnoughMemory => 0x6A84,
            S::IncorrectP1P2 => 0x6A86,
            S::ReferenceNotFound => 0x6A88,
            S::WrongP1P2 => 0x6B00,
            S::WrongLe { exact } => 0x6C00 | u16::from(exact),
            S::InsNotSupported => 0x6D00,
            S::ClaNotSupported => 0x6E00,
            S::NoDiagnosis => 0x6F00,
            S::Other(n) => n,
        }
    }
}

/// A byte string that is not a response APDU.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ParseError {
    /// Fewer than two bytes: no status word.
    #[error("response of {0} bytes has no status word")]
    TooShort(usize),
    /// A status word must be exactly two bytes.
    #[error("status word of {0} bytes")]
    StatusLength(usize),
}

impl TryFrom<&[u8]> for StatusWord {
    type Error = ParseError;
    fn try_from(bytes: &[u8]) -> Result<Self, ParseError> {
        match bytes {
            [sw1, sw2] => Ok(u16::from_be_bytes([*sw1, *sw2]).into()),
            other => Err(ParseError::StatusLength(other.len())),
        }
    }
}

impl StatusWord {
    /// Whether this is 9000.
    pub fn is_success(self) -> bool {
        self == Self::Success
    }
}

impl fmt::Display for StatusWord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04X} ({self:?})", u16::from(*self))
    }
}

/// A response APDU: data and status word.
#[derive(Clone, PartialEq, Eq)]
pub struct Response {
    data: Vec<u8>,
    status: StatusWord,
}

impl fmt::Debug for Response {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Response({} bytes, {})", self.data.len(), self.status)
    }
}

impl TryFrom<&[u8]> for Response {
    type Error = ParseError;
    fn try_from(bytes: &[u8]) -> Result<Self, ParseError> {
        let Some(split) = bytes.len().checked_sub(2) else {
            return Err(ParseError::TooShort(bytes.len()));
        };
        let (data, sw) = bytes.split_at(split);
        Ok(Self {
            data: data.to_vec(),
            status: StatusWord::try_from(sw)?,
        })
    }
}

impl Response {
    /// Build from parts (used when GET RESPONSE pieces are joined).
    pub fn new(data: Vec<u8>, status: StatusWord) -> Self {
        Self { data, status }
    }

    /// The response data.
    pub fn data(&self) -> &[u8] {
        &self.data
    }

    /// Take the response data.
    pub fn into_data(self) -> Vec<u8> {
        self.data
    }

    /// The status word.
    pub fn status(&self) -> StatusWord {
        self.status
    }

    /// The data if the status is 9000, otherwise the mapped error.
    pub fn success(self, operation: &'static str) -> Result<Vec<u8>, crate::TokenError> {
        if self.status.is_success() {
            Ok(self.data)
        } else {
            Err(crate::TokenError::status(operation, self.status))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn case1_and_case2_short() {
        assert_eq!(
            Command::new(Ins::Verify, 0x00, 0x80).to_bytes(),
            [0x00, 0x20, 0x00, 0x80]
        );
        // Case 2S with Ne = 256 → Le = 00.
        assert_eq!(
            Command::new(Ins::GetResponse, 0, 0).ne(256).to_bytes(),
            [0x00, 0xC0, 0, 0, 0x00]
        );
        assert_eq!(
            Command::new(Ins::GetResponse, 0, 0).ne(0x10).to_bytes(),
            [0x00, 0xC0, 0, 0, 0x10]
        );
    }

    #[test]
    fn select_piv_case4_short() {
        // SP 800-73-4 §3.1.1: SELECT with the PIV AID, Le 00.
        let aid = [0xA0, 0x00, 0x00, 0x03, 0x08, 0x00, 0x00, 0x10, 0x00];
        let c = Command::new(Ins::Select, 0x04, 0x00)
            .data(aid)
            .ne(256)
            .to_bytes();
        assert_eq!(hex::encode_upper(c), "00A4040009A0000003080000100000");
    }

    #[test]
    fn extended_forms() {
        // Case 2E: Le = 00 XX XX.
        let c = Command::new(Ins::GetData, 0x3F, 0xFF).ne(65_536).to_bytes();
        assert_eq!(c, [0x00, 0xCB, 0x3F, 0xFF, 0x00, 0x00, 0x00]);
        // Case 3E: Lc = 00 01 00.
        let c = Command::new(Ins::GeneralAuthenticate, 7, 0x9A)
            .data(vec![0xAB; 256])
            .to_bytes();
        assert_eq!(&c[..7], [0x00, 0x87, 0x07, 0x9A, 0x00, 0x01, 0x00]);
        assert_eq!(c.len(), 7 + 256);
        // Case 4E: Lc then a two-byte Le.
        let c = Command::new(Ins::GeneralAuthenticate, 7, 0x9A)
            .data(vec![1; 300])
            .ne(1000)
            .to_bytes();
        assert_eq!(&c[c.len() - 2..], [0x03, 0xE8]);
        assert_eq!(&c[4..7], [0x00, 0x01, 0x2C]);
    }

    #[test]
    fn chaining_sets_cla_bit_and_le_only_on_last() {
        let parts = Command::new(Ins::GeneralAuthenticate, 7, 0x9A)
            .data(vec![0x55; 300])
            .ne(256)
            .chain(255);
        assert_eq!(parts.len(), 2);
        assert_eq!(&parts[0][..5], [0x10, 0x87, 0x07, 0x9A, 0xFF]);
        assert_eq!(parts[0].len(), 5 + 255);
        assert_eq!(&parts[1][..5], [0x00, 0x87, 0x07, 0x9A, 45]);
        assert_eq!(parts[1].len(), 5 + 45 + 1);
        assert_eq!(parts[1][parts[1].len() - 1], 0x00);
    }

    #[test]
    fn status_words_from_spec() {
        let sw = |b: &[u8]| StatusWord::try_from(b).expect("two bytes");
        assert_eq!(sw(&[0x90, 0x00]), StatusWord::Success);
        assert_eq!(sw(&[0x63, 0xC3]), StatusWord::WrongPin { tries_left: 3 });
        assert_eq!(sw(&[0x63, 0xC0]), StatusWord::WrongPin { tries_left: 0 });
        assert_eq!(sw(&[0x63, 0x00]), StatusWord::WarningChanged(0));
        assert_eq!(sw(&[0x69, 0x83]), StatusWord::PinBlocked);
        assert_eq!(sw(&[0x69, 0x82]), StatusWord::SecurityStatusNotSatisfied);
        assert_eq!(sw(&[0x6A, 0x82]), StatusWord::FileNotFound);
        assert_eq!(sw(&[0x6A, 0x80]), StatusWord::IncorrectData);
        assert_eq!(sw(&[0x61, 0x00]), StatusWord::MoreData { available: 0 });
        assert_eq!(sw(&[0x6C, 0x10]), StatusWord::WrongLe { exact: 0x10 });
        assert_eq!(sw(&[0x12, 0x34]), StatusWord::Other(0x1234));
        assert!(StatusWord::try_from(&[0x90][..]).is_err());
        assert!(StatusWord::try_from(&[0x90, 0x00, 0x00][..]).is_err());
    }

    #[test]
    fn status_word_round_trip_all_values() {
        for v in 0..=u16::MAX {
            let sw = StatusWord::from(v);
            assert_eq!(u16::from(sw), v, "{v:04X}");
        }
    }

    #[test]
    fn responses() {
        let r = Response::try_from(&[0x7C, 0x00, 0x90, 0x00][..]).expect("valid");
        assert_eq!(r.data(), [0x7C, 0x00]);
        assert!(r.status().is_success());
        assert_eq!(Response::try_from(&[][..]), Err(ParseError::TooShort(0)));
        assert_eq!(
            Response::try_from(&[0x90][..]),
            Err(ParseError::TooShort(1))
        );
        let blocked = Response::try_from(&[0x69, 0x83][..]).expect("valid");
        assert_eq!(
            blocked.success("verify").expect_err("blocked").code(),
            "TOKEN_PIN_BLOCKED"
        );
        let wrong = Response::try_from(&[0x63, 0xC2][..]).expect("valid");
        assert!(matches!(
            wrong.success("verify"),
            Err(crate::TokenError::WrongPin {
                tries_left: Some(2)
            })
        ));
    }

    #[test]
    fn debug_does_not_show_data() {
        let c = Command::new(Ins::Verify, 0, 0x80).data(b"123456\xFF\xFF".to_vec());
        assert!(!format!("{c:?}").contains("31"));
    }

    /// Random byte strings through both parsers: never a panic (a simple LCG, no extra crates).
    #[test]
    fn random_bytes_never_panic() {
        let mut state: u64 = 0x5EED_1234_ABCD_0001;
        let mut next = || {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (state >> 33) as u32
        };
        for _ in 0..20_000 {
            let len = (next() % 300) as usize;
            let bytes: Vec<u8> = (0..len).map(|_| next() as u8).collect();
            let _ = Response::try_from(bytes.as_slice());
            let _ = StatusWord::try_from(bytes.as_slice());
            let _ = crate::tlv::parse_all(&bytes);
            let _ = crate::piv::parse_certificate_object(&bytes);
            let _ = crate::piv::parse_signature_response(&bytes);
        }
    }
}
