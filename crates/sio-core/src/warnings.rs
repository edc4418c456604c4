//! Structural warnings: what the acts imply but do not spell out (issue 18, "Missing").
//!
//! The acts ask for an ИИН, a БИН, a ЕРДР number, a court case's accounting year (2015 rr.20–27,
//! 2026 r.25) but say nothing of their inner structure. A real person or entity may carry a
//! number that breaks the structure (registers hold such numbers), and must still be searchable:
//! these are **warnings** the user confirms, never refusals, and never a silent pass. The check
//! digit stays a refusal ([`crate::iin`]).
//!
//! Structure of the ИИН (Law of the RK of 12 January 2007 No. 223-III «О национальных реестрах
//! идентификационных номеров» and the rules of forming identification numbers under it; not in
//! the seeds): digits 1–6 the date of birth YYMMDD, digit 7 the century of birth and sex
//! (1/2: 19th century, 3/4: 20th, 5/6: 21st; odd male, even female), digits 8–11 the register
//! number, digit 12 the check digit. Structure of the БИН (the same law): digits 1–4 the year and
//! month of registration YYMM, digit 5 the type of entity (4 a resident legal entity, 5 a
//! non-resident legal entity, 6 a joint individual entrepreneurship), digit 6 the attribute,
//! digits 7–11 the register number, digit 12 the check digit.

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::case::{CaseReference, ErdrNumber};
use crate::iin::{Bin, Iin, Subject};
use crate::request::RequestSpec;

/// One structural warning.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Warning {
    /// ИИН digits 3–4 (month of birth) are not 01–12.
    IinMonth,
    /// ИИН digits 5–6 (day of birth) are not a day of that month.
    IinDay,
    /// ИИН date of birth 29 February in a year that is not a leap year.
    IinNotLeapYear,
    /// ИИН digit 7 (century and sex) is not 1–6.
    IinCentury,
    /// БИН digits 3–4 (month of registration) are not 01–12.
    BinMonth,
    /// БИН digit 5 (type of entity) is not 4, 5 or 6.
    BinTypeDigit,
    /// A ЕРДР number of all zeros (2015 r.21).
    ErdrAllZero,
    /// A court case's accounting year after the current year (2026 r.25).
    CourtYearFuture,
}

impl Warning {
    /// The stable code (docs/failure-codes.md, warnings).
    pub fn code(self) -> &'static str {
        match self {
            Warning::IinMonth => "CORE_WARN_IIN_MONTH",
            Warning::IinDay => "CORE_WARN_IIN_DAY",
            Warning::IinNotLeapYear => "CORE_WARN_IIN_NOT_LEAP_YEAR",
            Warning::IinCentury => "CORE_WARN_IIN_CENTURY",
            Warning::BinMonth => "CORE_WARN_BIN_MONTH",
            Warning::BinTypeDigit => "CORE_WARN_BIN_TYPE_DIGIT",
            Warning::ErdrAllZero => "CORE_WARN_ERDR_ALL_ZERO",
            Warning::CourtYearFuture => "CORE_WARN_COURT_YEAR_FUTURE",
        }
    }

    /// Every warning code, for the catalogue check.
    pub const CODES: &'static [&'static str] = &[
        "CORE_WARN_IIN_MONTH",
        "CORE_WARN_IIN_DAY",
        "CORE_WARN_IIN_NOT_LEAP_YEAR",
        "CORE_WARN_IIN_CENTURY",
        "CORE_WARN_BIN_MONTH",
        "CORE_WARN_BIN_TYPE_DIGIT",
        "CORE_WARN_ERDR_ALL_ZERO",
        "CORE_WARN_COURT_YEAR_FUTURE",
    ];

    /// The request field the warning is about.
    pub fn field(self) -> &'static str {
        match self {
            Warning::IinMonth
            | Warning::IinDay
            | Warning::IinNotLeapYear
            | Warning::IinCentury
            | Warning::BinMonth
            | Warning::BinTypeDigit => "subject",
            Warning::ErdrAllZero => "erdr",
            Warning::CourtYearFuture => "year",
        }
    }

    /// An English explanation (the UI has its own kk/ru/en texts by code).
    pub fn message(self) -> &'static str {
        match self {
            Warning::IinMonth => "ИИН digits 3–4 (month of birth) are not a month 01–12",
            Warning::IinDay => "ИИН digits 5–6 (day of birth) are not a day of that month",
            Warning::IinNotLeapYear => {
                "ИИН date of birth is 29 February of a year that is not a leap year"
            }
            Warning::IinCentury => "ИИН digit 7 (century and sex) is not 1–6",
            Warning::BinMonth => "БИН digits 3–4 (month of registration) are not a month 01–12",
            Warning::BinTypeDigit => {
                "БИН digit 5 (type of entity) is not 4 (resident), 5 (non-resident) or 6 (joint entrepreneurship)"
            }
            Warning::ErdrAllZero => "the ЕРДР number is all zeros",
            Warning::CourtYearFuture => "the court case's accounting year is in the future",
        }
    }
}

fn digits(s: &str) -> Vec<u32> {
    s.bytes().map(|b| u32::from(b.wrapping_sub(b'0'))).collect()
}

/// The structural warnings of an ИИН (its check digit is already verified).
pub fn iin_warnings(iin: &Iin) -> Vec<Warning> {
    let d = digits(&iin.as_string());
    let mut out = Vec::new();
    let (yy, mm, dd, c) = (d[0] * 10 + d[1], d[2] * 10 + d[3], d[4] * 10 + d[5], d[6]);
    let century = match c {
        1 | 2 => Some(1800),
        3 | 4 => Some(1900),
        5 | 6 => Some(2000),
        _ => {
            out.push(Warning::IinCentury);
            None
        }
    };
    if !(1..=12).contains(&mm) {
        out.push(Warning::IinMonth);
        return out;
    }
    // With the century unknown, 29 February is taken as possible when YY % 4 == 0 (no false alarm).
    let year = century.map_or(if yy % 4 == 0 { 2000 } else { 2001 }, |c| c + yy);
    let Ok(year) = i32::try_from(year) else {
        return out;
    };
    if NaiveDate::from_ymd_opt(year, mm, dd).is_none() {
        if mm == 2 && dd == 29 {
            out.push(Warning::IinNotLeapYear);
        } else {
            out.push(Warning::IinDay);
        }
    }
    out
}

/// The structural warnings of a БИН (its check digit is already verified).
pub fn bin_warnings(bin: &Bin) -> Vec<Warning> {
    let d = digits(&bin.as_string());
    let mut out = Vec::new();
    if !(1..=12).contains(&(d[2] * 10 + d[3])) {
        out.push(Warning::BinMonth);
    }
    if !(4..=6).contains(&d[4]) {
        out.push(Warning::BinTypeDigit);
    }
    out
}

/// The structural warnings of a subject (rule 20).
pub fn subject_warnings(subject: &Subject) -> Vec<Warning> {
    match subject {
        Subject::Individual(i) => iin_warnings(i),
        Subject::LegalEntity(b) => bin_warnings(b),
    }
}

fn erdr_warnings(erdr: &ErdrNumber) -> Vec<Warning> {
    if erdr.as_str().bytes().all(|b| b == b'0') {
        vec![Warning::ErdrAllZero]
    } else {
        Vec::new()
    }
}

/// The structural warnings of a case reference, `today` being Astana's date.
pub fn case_warnings(case: &CaseReference, today: NaiveDate) -> Vec<Warning> {
    match case {
        CaseReference::CriminalCase { erdr } | CaseReference::Instruction { erdr, .. } => {
            erdr_warnings(erdr)
        }
        CaseReference::AdminCourt(c) | CaseReference::CivilCourt(c) => {
            if i32::from(c.year.year()) > today.year() {
                vec![Warning::CourtYearFuture]
            } else {
                Vec::new()
            }
        }
        _ => Vec::new(),
    }
}

/// Every structural warning of a request, `today` being Astana's date
/// ([`crate::time::astana_today`]).
pub fn request_warnings(spec: &RequestSpec, today: NaiveDate) -> Vec<Warning> {
    let mut w = subject_warnings(&spec.subject);
    w.extend(case_warnings(&spec.case, today));
    w
}

#[cfg(test)]
mod tests {
    use super::*;

    fn iin(first11: &str) -> Iin {
        Iin::from_first11(first11).unwrap()
    }
    fn bin(first11: &str) -> Bin {
        Bin::from_first11(first11).unwrap()
    }

    #[test]
    fn iin_structure_per_the_national_registers_law() {
        assert_eq!(iin_warnings(&Iin::parse("900101300106").unwrap()), vec![]);
        // Month 13, day 32, 29 Feb of a non-leap year, century digits 0/7/8/9.
        assert_eq!(iin_warnings(&iin("90130130010")), vec![Warning::IinMonth]);
        assert_eq!(iin_warnings(&iin("90013230010")), vec![Warning::IinDay]);
        assert_eq!(iin_warnings(&iin("90043130010")), vec![Warning::IinDay]);
        assert_eq!(
            iin_warnings(&iin("01022950010")),
            vec![Warning::IinNotLeapYear]
        );
        assert_eq!(iin_warnings(&iin("00022950010")), vec![]); // 2000 was a leap year
        assert_eq!(
            iin_warnings(&iin("00022930010")),
            vec![Warning::IinNotLeapYear]
        ); // 1900 was not
        for c in ['0', '7', '8', '9'] {
            let first = format!("900101{c}0010");
            assert!(
                iin_warnings(&iin(&first)).contains(&Warning::IinCentury),
                "{first}"
            );
        }
        // A malformed ИИН is still a valid ИИН to search by: the warning does not refuse.
        assert!(Iin::parse(&iin("90130130010").as_string()).is_ok());
    }

    #[test]
    fn bin_type_digit() {
        assert_eq!(bin_warnings(&Bin::parse("040340001233").unwrap()), vec![]);
        assert_eq!(
            bin_warnings(&bin("04037000123")),
            vec![Warning::BinTypeDigit]
        );
        assert_eq!(bin_warnings(&bin("04134000123")), vec![Warning::BinMonth]);
    }

    #[test]
    fn erdr_zero_and_future_court_year() {
        let today = NaiveDate::from_ymd_opt(2026, 12, 5).unwrap();
        let zero = CaseReference::CriminalCase {
            erdr: ErdrNumber::new("000000000000000").unwrap(),
        };
        assert_eq!(case_warnings(&zero, today), vec![Warning::ErdrAllZero]);
        let j = |y: u16| {
            serde_json::from_str::<CaseReference>(&format!(
                r#"{{"kind":"civil_court","number":"7527-24-00-2/1234","year":{y},"court":"Есильский районный суд"}}"#
            ))
            .unwrap()
        };
        assert_eq!(
            case_warnings(&j(2027), today),
            vec![Warning::CourtYearFuture]
        );
        assert_eq!(case_warnings(&j(2026), today), vec![]);
        for w in [Warning::IinMonth, Warning::CourtYearFuture] {
            assert!(Warning::CODES.contains(&w.code()));
        }
    }
}
