//! The organisation's code on the HR application form (2015 Appendix 5, kk text: «СДТБТ
//! ұйымының коды»; kk rule 5 defines СДТБТ as ЕРДР, the Unified Register of Pre-trial
//! Investigations): the code of the organisation in ЕРДР — not a БИН (issue 18 item 2).
//!
//! The acts give the code no format. It is held as what a register code can be: 1–12 ASCII
//! digits, not all zeros (a bound, so that no text, no spaces and no absurd length reach the
//! operator's records).

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::error::CoreError;

/// The longest organisation code accepted (digits).
pub const ORG_CODE_MAX_DIGITS: usize = 12;

/// An organisation's code in ЕРДР (СДТБТ ұйымының коды, 2015 Appendix 5).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ErdrOrgCode(String);

impl ErdrOrgCode {
    /// 1–12 ASCII digits (surrounding spaces trimmed), not all zeros.
    pub fn parse(s: &str) -> Result<Self, CoreError> {
        let t = s.trim();
        let ok = !t.is_empty()
            && t.len() <= ORG_CODE_MAX_DIGITS
            && t.bytes().all(|b| b.is_ascii_digit())
            && t.bytes().any(|b| b != b'0');
        if ok {
            Ok(ErdrOrgCode(t.to_owned()))
        } else {
            Err(CoreError::OrgCodeFormat)
        }
    }

    /// The digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for ErdrOrgCode {
    type Error = CoreError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        ErdrOrgCode::parse(&s)
    }
}

impl From<ErdrOrgCode> for String {
    fn from(c: ErdrOrgCode) -> String {
        c.0
    }
}

impl fmt::Display for ErdrOrgCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digits_of_bounded_length_not_all_zeros() {
        for good in ["1", "1501", " 19150001 ", "040340001233"] {
            assert!(ErdrOrgCode::parse(good).is_ok(), "{good}");
        }
        for bad in ["", "0", "0000", "1234567890123", "15-01", "БИН", "15 01"] {
            assert_eq!(
                ErdrOrgCode::parse(bad).unwrap_err().code(),
                "CORE_ORG_CODE_FORMAT",
                "{bad}"
            );
        }
    }
}
