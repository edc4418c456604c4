//! What a request must carry about the case it is made in, by basis.
//!
//! | reference | fields | source |
//! |---|---|---|
//! | criminal case | ЕРДР number | 2015 rule 21 |
//! | investigative or prosecutor's instruction | case number + outgoing number of the instruction | 2024 rule 22 |
//! | international legal assistance | outgoing number of the request, requesting body, outgoing number of the cover letter | 2015 rule 22 part 2 (access as for a criminal case) |
//! | administrative offence (КПСиСУ) | case number in КПСиСУ's system | 2015 rule 23 |
//! | court: administrative, civil | case number, accounting year, court | 2026 rule 25 |
//! | wanted-person case | number in АИС СУ | 2015 rule 26 |
//! | enforcement proceedings | end-to-end number in АИС ОИП | 2015 rule 27 |
//!
//! Every field is a newtype that can only hold a valid value.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::basis::Basis;
use crate::error::CoreError;

/// The request fields a case-reference field may hold, for error messages and UI binding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Field {
    /// ЕРДР number of a criminal case.
    ErdrNumber,
    /// Outgoing number of an instruction, a legal-assistance request or a cover letter.
    OutgoingNumber,
    /// Name of a body (requesting state, authority) or of a court.
    BodyName,
    /// Case number in a court's or КПСиСУ's information system.
    CaseNumber,
    /// Accounting year of a court case.
    AccountingYear,
}

impl Field {
    /// The stable key of the field.
    pub fn key(self) -> &'static str {
        match self {
            Field::ErdrNumber => "erdr_number",
            Field::OutgoingNumber => "outgoing_number",
            Field::BodyName => "body_name",
            Field::CaseNumber => "case_number",
            Field::AccountingYear => "accounting_year",
        }
    }
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.key())
    }
}

/// Characters allowed in registry numbers besides letters and digits.
const NUMBER_PUNCT: &[char] = &['-', '/', '.', '№', ' ', '_'];

fn clean_number(s: &str, field: Field, max: usize) -> Result<String, CoreError> {
    let t = s.trim();
    let ok = !t.is_empty()
        && t.chars().count() <= max
        && t.chars().any(|c| c.is_alphanumeric())
        && t.chars()
            .all(|c| c.is_alphanumeric() || NUMBER_PUNCT.contains(&c))
        && !t.contains("  ");
    if ok {
        Ok(t.to_owned())
    } else {
        Err(CoreError::CaseField(field))
    }
}

fn clean_text(s: &str, field: Field, max: usize) -> Result<String, CoreError> {
    let t = s.split_whitespace().collect::<Vec<_>>().join(" ");
    let ok = !t.is_empty()
        && t.chars().count() <= max
        && t.chars().any(char::is_alphabetic)
        && !t.chars().any(char::is_control);
    if ok {
        Ok(t)
    } else {
        Err(CoreError::CaseField(field))
    }
}

macro_rules! text_newtype {
    ($(#[$m:meta])* $name:ident, $check:expr) => {
        $(#[$m])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            /// Validate and hold the value.
            pub fn new(s: &str) -> Result<Self, CoreError> {
                let check: fn(&str) -> Result<String, CoreError> = $check;
                check(s).map($name)
            }

            /// The value.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl TryFrom<String> for $name {
            type Error = CoreError;
            fn try_from(s: String) -> Result<Self, Self::Error> {
                Self::new(&s)
            }
        }

        impl From<$name> for String {
            fn from(v: $name) -> String {
                v.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

text_newtype!(
    /// The number a criminal case received in ЕРДР (the unified register of pre-trial
    /// investigations): 15 digits, the first two the year of registration.
    ErdrNumber,
    |s| {
        let t = s.trim();
        if t.len() == 15 && t.bytes().all(|b| b.is_ascii_digit()) {
            Ok(t.to_owned())
        } else {
            Err(CoreError::CaseField(Field::ErdrNumber))
        }
    }
);
text_newtype!(
    /// An outgoing (registration) number of a document: an instruction, a request for legal
    /// assistance, a cover letter. Letters, digits and `- / . № _` and single spaces, ≤ 50.
    OutgoingNumber,
    |s| clean_number(s, Field::OutgoingNumber, 50)
);
text_newtype!(
    /// The name of a body (a requesting state's authority, a court), ≤ 200 characters.
    BodyName,
    |s| clean_text(s, Field::BodyName, 200)
);
text_newtype!(
    /// A case number as registered in an information system (the courts', КПСиСУ's, АИС СУ,
    /// АИС ОИП). Letters, digits and `- / . № _` and single spaces, ≤ 50.
    CaseNumber,
    |s| clean_number(s, Field::CaseNumber, 50)
);

/// The accounting year of a court case (1991–2100).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "u16", into = "u16")]
pub struct AccountingYear(u16);

impl AccountingYear {
    /// Validate a year.
    pub fn new(year: u16) -> Result<Self, CoreError> {
        if (1991..=2100).contains(&year) {
            Ok(AccountingYear(year))
        } else {
            Err(CoreError::CaseField(Field::AccountingYear))
        }
    }

    /// The year.
    pub fn year(self) -> u16 {
        self.0
    }
}

impl TryFrom<u16> for AccountingYear {
    type Error = CoreError;
    fn try_from(y: u16) -> Result<Self, Self::Error> {
        AccountingYear::new(y)
    }
}

impl From<AccountingYear> for u16 {
    fn from(y: AccountingYear) -> u16 {
        y.0
    }
}

/// A court case as registered in the courts' information system (2026 rule 25).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct CourtCase {
    /// Case number.
    pub number: CaseNumber,
    /// Accounting year.
    pub year: AccountingYear,
    /// The court that took the decision.
    pub court: BodyName,
}

/// The case a request is made in, with the fields its basis requires.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum CaseReference {
    /// A criminal case by its ЕРДР number (2015 rule 21).
    CriminalCase {
        /// ЕРДР number.
        erdr: ErdrNumber,
    },
    /// Executing an investigative instruction, or a prosecutor's instruction on a case before the
    /// court (2024 rule 22): the case number and the instruction's outgoing number.
    Instruction {
        /// ЕРДР number of the case.
        erdr: ErdrNumber,
        /// Outgoing number of the instruction.
        instruction_no: OutgoingNumber,
    },
    /// Executing a request for international legal assistance (2015 rule 22 part 2); access as
    /// for a criminal case.
    LegalAssistance {
        /// Outgoing number of the request.
        request_no: OutgoingNumber,
        /// The requesting body.
        requesting_body: BodyName,
        /// Outgoing number of the cover letter of the RK authority that decided to execute it.
        cover_letter_no: OutgoingNumber,
    },
    /// An administrative case / administrative offence case in court (2026 rule 25).
    AdminCourt(CourtCase),
    /// An administrative offence case by its number in КПСиСУ's system (2015 rule 23).
    AdminOffence {
        /// Case number.
        number: CaseNumber,
    },
    /// A civil case in court (2026 rule 25).
    CivilCourt(CourtCase),
    /// Enforcement proceedings by the end-to-end number in АИС ОИП (2015 rule 27).
    Enforcement {
        /// End-to-end number.
        number: CaseNumber,
    },
    /// A wanted-person case by its number in АИС СУ (2015 rule 26).
    Wanted {
        /// Case number.
        number: CaseNumber,
    },
}

impl CaseReference {
    /// The basis this reference belongs to.
    pub fn basis(&self) -> Basis {
        match self {
            CaseReference::CriminalCase { .. }
            | CaseReference::Instruction { .. }
            | CaseReference::LegalAssistance { .. } => Basis::Criminal,
            CaseReference::AdminCourt(_) => Basis::AdminCourt,
            CaseReference::AdminOffence { .. } => Basis::AdminOffence,
            CaseReference::CivilCourt(_) => Basis::CivilCourt,
            CaseReference::Enforcement { .. } => Basis::Enforcement,
            CaseReference::Wanted { .. } => Basis::Wanted,
        }
    }

    /// A short human-readable key of the case, the one the operator's case registry is keyed on.
    pub fn case_key(&self) -> String {
        match self {
            CaseReference::CriminalCase { erdr } | CaseReference::Instruction { erdr, .. } => {
                erdr.to_string()
            }
            CaseReference::LegalAssistance { request_no, .. } => request_no.to_string(),
            CaseReference::AdminCourt(c) | CaseReference::CivilCourt(c) => {
                format!("{}/{}", c.number, c.year.year())
            }
            CaseReference::AdminOffence { number }
            | CaseReference::Enforcement { number }
            | CaseReference::Wanted { number } => number.to_string(),
        }
    }
}

/// Which form of case reference a basis takes, for a composer to show the right fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReferenceForm {
    /// [`CaseReference::CriminalCase`].
    CriminalCase,
    /// [`CaseReference::Instruction`].
    Instruction,
    /// [`CaseReference::LegalAssistance`].
    LegalAssistance,
    /// [`CaseReference::AdminCourt`].
    AdminCourt,
    /// [`CaseReference::AdminOffence`].
    AdminOffence,
    /// [`CaseReference::CivilCourt`].
    CivilCourt,
    /// [`CaseReference::Enforcement`].
    Enforcement,
    /// [`CaseReference::Wanted`].
    Wanted,
}

impl ReferenceForm {
    /// The forms a request on `basis` may take.
    pub fn for_basis(basis: Basis) -> &'static [ReferenceForm] {
        match basis {
            Basis::Criminal => &[
                ReferenceForm::CriminalCase,
                ReferenceForm::Instruction,
                ReferenceForm::LegalAssistance,
            ],
            Basis::AdminCourt => &[ReferenceForm::AdminCourt],
            Basis::AdminOffence => &[ReferenceForm::AdminOffence],
            Basis::CivilCourt => &[ReferenceForm::CivilCourt],
            Basis::Enforcement => &[ReferenceForm::Enforcement],
            Basis::Wanted => &[ReferenceForm::Wanted],
        }
    }

    /// The fields the form requires, in the order a form shows them.
    pub fn fields(self) -> &'static [(&'static str, Field)] {
        match self {
            ReferenceForm::CriminalCase => &[("erdr", Field::ErdrNumber)],
            ReferenceForm::Instruction => &[
                ("erdr", Field::ErdrNumber),
                ("instruction_no", Field::OutgoingNumber),
            ],
            ReferenceForm::LegalAssistance => &[
                ("request_no", Field::OutgoingNumber),
                ("requesting_body", Field::BodyName),
                ("cover_letter_no", Field::OutgoingNumber),
            ],
            ReferenceForm::AdminCourt | ReferenceForm::CivilCourt => &[
                ("number", Field::CaseNumber),
                ("year", Field::AccountingYear),
                ("court", Field::BodyName),
            ],
            ReferenceForm::AdminOffence | ReferenceForm::Enforcement | ReferenceForm::Wanted => {
                &[("number", Field::CaseNumber)]
            }
        }
    }
}

/// What a request's JSON holds under a key, as far as [`ReferenceForm::first_bad_field`] needs it
/// (sio-core stays free of any JSON library: the caller maps its value).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RawValue<'a> {
    /// The key is absent (or null).
    Missing,
    /// A string.
    Str(&'a str),
    /// A non-negative integer.
    Num(u64),
    /// Anything else (a negative or fractional number, an object, an array, a boolean).
    Other,
}

impl ReferenceForm {
    /// The form of a case reference's `kind` tag (`criminal_case`, `instruction`, …).
    pub fn from_kind(kind: &str) -> Option<ReferenceForm> {
        Some(match kind {
            "criminal_case" => ReferenceForm::CriminalCase,
            "instruction" => ReferenceForm::Instruction,
            "legal_assistance" => ReferenceForm::LegalAssistance,
            "admin_court" => ReferenceForm::AdminCourt,
            "admin_offence" => ReferenceForm::AdminOffence,
            "civil_court" => ReferenceForm::CivilCourt,
            "enforcement" => ReferenceForm::Enforcement,
            "wanted" => ReferenceForm::Wanted,
            _ => return None,
        })
    }

    /// The first field this form requires (2015 rr.21–27, 2024 r.22, 2026 r.25: the table at the
    /// top of this module) that is missing or does not hold a valid value: its key in the request
    /// (`instruction_no`, `court`, …) and what it is. `None` when every field is valid.
    /// Errors name the field that is wrong (issue 18 item 4), not a fixed one.
    pub fn first_bad_field<'a>(
        self,
        get: impl Fn(&str) -> RawValue<'a>,
    ) -> Option<(&'static str, Field)> {
        self.fields().iter().copied().find(|&(key, field)| {
            let ok = match (field, get(key)) {
                (Field::AccountingYear, RawValue::Num(n)) => u16::try_from(n)
                    .ok()
                    .is_some_and(|y| AccountingYear::new(y).is_ok()),
                (Field::AccountingYear, _) => false,
                (_, RawValue::Str(s)) => match field {
                    Field::ErdrNumber => ErdrNumber::new(s).is_ok(),
                    Field::OutgoingNumber => OutgoingNumber::new(s).is_ok(),
                    Field::BodyName => BodyName::new(s).is_ok(),
                    Field::CaseNumber => CaseNumber::new(s).is_ok(),
                    Field::AccountingYear => false,
                },
                _ => false,
            };
            !ok
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn erdr_is_15_digits() {
        assert!(ErdrNumber::new("241500031000123").is_ok());
        assert!(ErdrNumber::new(" 241500031000123 ").is_ok());
        for bad in ["", "24150003100012", "2415000310001234", "24150003100012a"] {
            assert_eq!(
                ErdrNumber::new(bad).unwrap_err().code(),
                "CORE_CASE_FIELD_INVALID"
            );
        }
    }

    #[test]
    fn numbers_and_names() {
        assert!(OutgoingNumber::new("2-15/1234").is_ok());
        assert!(OutgoingNumber::new("№ 12-3").is_ok());
        assert!(OutgoingNumber::new("---").is_err());
        assert!(OutgoingNumber::new("1;DROP").is_err());
        assert!(OutgoingNumber::new(&"1".repeat(51)).is_err());
        assert_eq!(
            BodyName::new("  Специализированный   межрайонный суд ")
                .unwrap()
                .as_str(),
            "Специализированный межрайонный суд"
        );
        assert!(BodyName::new("123").is_err());
        assert!(BodyName::new("суд\u{0}").is_err());
        assert!(AccountingYear::new(1990).is_err());
        assert!(AccountingYear::new(2026).is_ok());
    }

    #[test]
    fn the_bad_field_is_named_by_its_key() {
        let get = |pairs: &'static [(&'static str, RawValue<'static>)]| {
            move |k: &str| {
                pairs
                    .iter()
                    .find(|(key, _)| *key == k)
                    .map_or(RawValue::Missing, |(_, v)| *v)
            }
        };
        // 2024 r.22: an instruction without its outgoing number.
        let f = ReferenceForm::from_kind("instruction").unwrap();
        assert_eq!(
            f.first_bad_field(get(&[("erdr", RawValue::Str("241500031000123"))])),
            Some(("instruction_no", Field::OutgoingNumber))
        );
        // 2026 r.25: a court case without the court.
        let f = ReferenceForm::from_kind("civil_court").unwrap();
        assert_eq!(
            f.first_bad_field(get(&[
                ("number", RawValue::Str("7527-24-00-2/1234")),
                ("year", RawValue::Num(2024))
            ])),
            Some(("court", Field::BodyName))
        );
        assert_eq!(
            f.first_bad_field(get(&[
                ("number", RawValue::Str("7527")),
                ("year", RawValue::Str("2024")),
                ("court", RawValue::Str("Суд"))
            ])),
            Some(("year", Field::AccountingYear))
        );
        // 2015 r.22 part 2: legal assistance without the requesting body.
        let f = ReferenceForm::from_kind("legal_assistance").unwrap();
        assert_eq!(
            f.first_bad_field(get(&[
                ("request_no", RawValue::Str("17/2")),
                ("cover_letter_no", RawValue::Str("2-11/99"))
            ])),
            Some(("requesting_body", Field::BodyName))
        );
        // 2015 r.27: enforcement without its number.
        let f = ReferenceForm::from_kind("enforcement").unwrap();
        assert_eq!(
            f.first_bad_field(get(&[])),
            Some(("number", Field::CaseNumber))
        );
        assert_eq!(
            f.first_bad_field(get(&[("number", RawValue::Str("19-0001"))])),
            None
        );
        assert_eq!(ReferenceForm::from_kind("nonsense"), None);
    }

    #[test]
    fn references_know_their_basis_and_deserialise_validated() {
        let j = r#"{"kind":"civil_court","number":"7527-24-00-2/1234","year":2024,"court":"Есильский районный суд г. Астаны"}"#;
        let r: CaseReference = serde_json::from_str(j).unwrap();
        assert_eq!(r.basis(), Basis::CivilCourt);
        assert_eq!(r.case_key(), "7527-24-00-2/1234/2024");
        let bad = r#"{"kind":"criminal_case","erdr":"12"}"#;
        assert!(serde_json::from_str::<CaseReference>(bad).is_err());
        let la = r#"{"kind":"legal_assistance","request_no":"17/2","requesting_body":"Ministry of Justice of X","cover_letter_no":"2-11/99"}"#;
        assert_eq!(
            serde_json::from_str::<CaseReference>(la).unwrap().basis(),
            Basis::Criminal
        );
        for b in Basis::ALL {
            assert!(!ReferenceForm::for_basis(b).is_empty());
        }
    }
}
