//! ИИН (individual identification number) and БИН (business identification number), and the
//! subject of a request (rule 20 as of 2024: an individual or a legal entity).
//!
//! Both are 12 digits, the last a check digit: the sum of the first 11 digits weighted 1..11,
//! mod 11; if that is 10, the sum with weights 3,4,5,6,7,8,9,10,11,1,2, mod 11; if that is 10
//! again the number is invalid.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::error::CoreError;

const WEIGHTS_1: [u32; 11] = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];
const WEIGHTS_2: [u32; 11] = [3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2];

/// The check digit for the first 11 digits, or `None` where both weightings give 10 (such
/// numbers are never issued).
pub fn check_digit(first11: &[u8; 11]) -> Option<u8> {
    let sum = |w: &[u32; 11]| -> u32 {
        first11
            .iter()
            .zip(w)
            .map(|(d, w)| u32::from(*d) * w)
            .sum::<u32>()
            % 11
    };
    match sum(&WEIGHTS_1) {
        10 => match sum(&WEIGHTS_2) {
            10 => None,
            d => Some(d as u8),
        },
        d => Some(d as u8),
    }
}

/// Which kind of number failed, for the error code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdKind {
    /// ИИН.
    Iin,
    /// БИН.
    Bin,
}

impl IdKind {
    fn label(self) -> &'static str {
        match self {
            IdKind::Iin => "ИИН",
            IdKind::Bin => "БИН",
        }
    }
}

impl fmt::Display for IdKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

fn parse12(s: &str, kind: IdKind) -> Result<[u8; 12], CoreError> {
    let s = s.trim();
    let bytes = s.as_bytes();
    if bytes.len() != 12 || !bytes.iter().all(u8::is_ascii_digit) {
        return Err(CoreError::IdFormat(kind));
    }
    let mut d = [0u8; 12];
    for (o, b) in d.iter_mut().zip(bytes) {
        *o = b - b'0';
    }
    let mut first = [0u8; 11];
    first.copy_from_slice(&d[..11]);
    match check_digit(&first) {
        Some(c) if c == d[11] => Ok(d),
        _ => Err(CoreError::IdCheckDigit(kind)),
    }
}

fn complete(first11: &str, kind: IdKind) -> Result<String, CoreError> {
    let b = first11.as_bytes();
    if b.len() != 11 || !b.iter().all(u8::is_ascii_digit) {
        return Err(CoreError::IdFormat(kind));
    }
    let mut first = [0u8; 11];
    for (o, c) in first.iter_mut().zip(b) {
        *o = c - b'0';
    }
    let c = check_digit(&first).ok_or(CoreError::IdCheckDigit(kind))?;
    Ok(format!("{first11}{c}"))
}

macro_rules! id_type {
    ($name:ident, $kind:expr, $doc:literal) => {
        #[doc = $doc]
        #[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name([u8; 12]);

        impl $name {
            /// Parse and check a 12-digit number.
            pub fn parse(s: &str) -> Result<Self, CoreError> {
                parse12(s, $kind).map($name)
            }

            /// Append the check digit to 11 digits (for test data and synthetic datasets).
            pub fn from_first11(first11: &str) -> Result<Self, CoreError> {
                Self::parse(&complete(first11, $kind)?)
            }

            /// The 12 digits as a string.
            pub fn as_string(&self) -> String {
                self.0.iter().map(|d| char::from(b'0' + d)).collect()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.as_string())
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({})", stringify!($name), self.as_string())
            }
        }

        impl FromStr for $name {
            type Err = CoreError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::parse(s)
            }
        }

        impl TryFrom<String> for $name {
            type Error = CoreError;
            fn try_from(s: String) -> Result<Self, Self::Error> {
                Self::parse(&s)
            }
        }

        impl From<$name> for String {
            fn from(v: $name) -> String {
                v.as_string()
            }
        }
    };
}

id_type!(
    Iin,
    IdKind::Iin,
    "An individual identification number (ИИН), check digit verified."
);
id_type!(
    Bin,
    IdKind::Bin,
    "A business identification number (БИН), check digit verified."
);

/// The subject of a request: an individual (by ИИН) or a legal entity (by БИН) — rule 20.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", content = "id", rename_all = "snake_case")]
pub enum Subject {
    /// An individual, by ИИН.
    Individual(Iin),
    /// A legal entity, by БИН.
    LegalEntity(Bin),
}

impl fmt::Display for Subject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Subject::Individual(i) => write!(f, "ИИН {i}"),
            Subject::LegalEntity(b) => write!(f, "БИН {b}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn digits(s: &str) -> [u8; 11] {
        let mut d = [0u8; 11];
        for (o, c) in d.iter_mut().zip(s.bytes()) {
            *o = c - b'0';
        }
        d
    }

    #[test]
    fn first_weights() {
        // 1*9+2*0+3*0+4*1+5*0+6*1+7*3+8*0+9*0+10*1+11*2 = 72 = 6*11+6
        assert_eq!(check_digit(&digits("90010130010")), Some(6));
        let iin = Iin::parse("900101300106").unwrap();
        assert_eq!(iin.to_string(), "900101300106");
        assert_eq!(
            Iin::parse("900101300107").unwrap_err().code(),
            "CORE_IIN_CHECK_DIGIT"
        );
    }

    #[test]
    fn second_weights_case() {
        // 00000000010: weights 1..11 give 10*1 = 10 → second weights: 1*1 = 1.
        let d = digits("00000000010");
        assert_eq!(
            d.iter()
                .zip(WEIGHTS_1)
                .map(|(a, w)| u32::from(*a) * w)
                .sum::<u32>()
                % 11,
            10
        );
        assert_eq!(check_digit(&d), Some(1));
        assert!(Iin::parse("000000000101").is_ok());
        assert!(Iin::parse("000000000100").is_err());
    }

    #[test]
    fn invalid_when_both_weightings_give_ten() {
        // Search the space for a prefix where both sums are 10; such numbers are never valid.
        let mut found = None;
        'outer: for a in 0..10u8 {
            for b in 0..10u8 {
                for c in 0..10u8 {
                    let d = [a, b, c, 0, 0, 0, 0, 0, 0, 0, 0];
                    let mut d2 = d;
                    d2[10] = (a + b + c) % 10;
                    if check_digit(&d2).is_none() {
                        found = Some(d2);
                        break 'outer;
                    }
                }
            }
        }
        let d = found.expect("a prefix with no check digit exists");
        let s: String = d.iter().map(|x| char::from(b'0' + x)).collect();
        for last in 0..10 {
            let e = Iin::parse(&format!("{s}{last}")).unwrap_err();
            assert_eq!(e.code(), "CORE_IIN_CHECK_DIGIT");
            let e = Bin::parse(&format!("{s}{last}")).unwrap_err();
            assert_eq!(e.code(), "CORE_BIN_CHECK_DIGIT");
        }
        assert_eq!(
            Iin::from_first11(&s).unwrap_err().code(),
            "CORE_IIN_CHECK_DIGIT"
        );
    }

    #[test]
    fn format_errors() {
        for bad in [
            "",
            "12345678901",
            "1234567890123",
            "90010130010a",
            "９００１０１３００１０６",
        ] {
            assert_eq!(
                Iin::parse(bad).unwrap_err().code(),
                "CORE_IIN_FORMAT",
                "{bad}"
            );
            assert_eq!(
                Bin::parse(bad).unwrap_err().code(),
                "CORE_BIN_FORMAT",
                "{bad}"
            );
        }
    }

    #[test]
    fn exhaustive_property_on_a_slice() {
        // For many prefixes: exactly one last digit is valid, or none when both weightings give 10.
        for n in (0..100_000_000_000u64).step_by(7_919_191) {
            let s = format!("{n:011}");
            let valid: Vec<u8> = (0..10)
                .filter(|l| Iin::parse(&format!("{s}{l}")).is_ok())
                .collect();
            assert!(valid.len() <= 1);
            assert_eq!(
                valid.first().copied(),
                check_digit(&digits(&s)).filter(|c| *c < 10)
            );
        }
    }

    #[test]
    fn serde_validates() {
        let b = Bin::from_first11("08044000123").unwrap();
        let json = serde_json::to_string(&b).unwrap();
        assert_eq!(serde_json::from_str::<Bin>(&json).unwrap(), b);
        let s = b.to_string();
        let last = (s.as_bytes()[11] - b'0' + 1) % 10;
        let wrong = format!("\"{}{last}\"", &s[..11]);
        assert!(serde_json::from_str::<Bin>(&wrong).is_err());
        let subj = Subject::LegalEntity(b);
        let j = serde_json::to_string(&subj).unwrap();
        assert!(j.contains("legal_entity"));
        assert_eq!(serde_json::from_str::<Subject>(&j).unwrap(), subj);
        assert!(
            serde_json::from_str::<Subject>(r#"{"kind":"individual","id":"900101300107"}"#)
                .is_err()
        );
    }
}
