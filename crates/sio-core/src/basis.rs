//! The six bases (основания) on which a request may be made.
//!
//! Source: the column heads of Appendix 1 (Order No. 34 of 23 Feb 2026) and Appendix 2
//! (Order No. 88 of 4 Jul 2024) to the Rules (Order No. 21 of 13 Jan 2023). "Primary check"
//! (первичная проверка), a basis in 2015, is not one any more.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::error::CoreError;
use crate::names::{BASIS_NAMES, Names};

/// A basis of a request: the kind of proceedings the request is made in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Basis {
    /// Column 1: criminal case (уголовное дело).
    Criminal,
    /// Column 2: administrative case / administrative offence case heard by a court.
    AdminCourt,
    /// Column 3: administrative offence case of КПСиСУ.
    AdminOffence,
    /// Column 4: civil case (court).
    CivilCourt,
    /// Column 5: enforcement proceedings (form 4).
    Enforcement,
    /// Column 6: wanted-person case (розыскное дело).
    Wanted,
}

impl Basis {
    /// All bases in the order of the tables' columns 1–6.
    pub const ALL: [Basis; 6] = [
        Basis::Criminal,
        Basis::AdminCourt,
        Basis::AdminOffence,
        Basis::CivilCourt,
        Basis::Enforcement,
        Basis::Wanted,
    ];

    /// The column number of this basis in the Appendix 1 and 2 tables (1–6).
    pub fn column(self) -> u8 {
        self.index() as u8 + 1
    }

    pub(crate) fn index(self) -> usize {
        match self {
            Basis::Criminal => 0,
            Basis::AdminCourt => 1,
            Basis::AdminOffence => 2,
            Basis::CivilCourt => 3,
            Basis::Enforcement => 4,
            Basis::Wanted => 5,
        }
    }

    /// The stable key used on the wire and in `sio catalogue --json`.
    pub fn key(self) -> &'static str {
        match self {
            Basis::Criminal => "criminal",
            Basis::AdminCourt => "admin_court",
            Basis::AdminOffence => "admin_offence",
            Basis::CivilCourt => "civil_court",
            Basis::Enforcement => "enforcement",
            Basis::Wanted => "wanted",
        }
    }

    /// The Russian name, as the column head of Appendix 1 (Order 34/2026).
    pub fn name_ru(self) -> &'static str {
        match self {
            Basis::Criminal => "Уголовное дело",
            Basis::AdminCourt => {
                "Административное дело / дело об административном правонарушении (суд)"
            }
            Basis::AdminOffence => "Дело об административном правонарушении (КПСиСУ)",
            Basis::CivilCourt => "Гражданское дело (суд)",
            Basis::Enforcement => "Исполнительное производство (форма 4)",
            Basis::Wanted => "Розыскное дело",
        }
    }

    /// Kazakh and English names.
    pub fn names(self) -> &'static Names {
        &BASIS_NAMES[self.index()]
    }
}

impl fmt::Display for Basis {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.key())
    }
}

impl FromStr for Basis {
    type Err = CoreError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Basis::ALL
            .into_iter()
            .find(|b| b.key() == s)
            .ok_or_else(|| CoreError::UnknownBasis(s.chars().take(40).collect()))
    }
}

/// A set of bases, as a role's row of Appendix 1 holds them.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct BasisSet(u8);

impl BasisSet {
    /// The empty set.
    pub const EMPTY: BasisSet = BasisSet(0);

    /// A set from a row of "+" marks in column order 1–6.
    pub(crate) const fn from_row(row: [bool; 6]) -> BasisSet {
        let mut bits = 0u8;
        let mut i = 0;
        while i < 6 {
            if row[i] {
                bits |= 1 << i;
            }
            i += 1;
        }
        BasisSet(bits)
    }

    /// Whether `basis` is in the set.
    pub fn contains(self, basis: Basis) -> bool {
        self.0 & (1 << basis.index()) != 0
    }

    /// The bases in column order.
    pub fn iter(self) -> impl Iterator<Item = Basis> {
        Basis::ALL.into_iter().filter(move |b| self.contains(*b))
    }

    /// Number of bases in the set.
    pub fn len(self) -> usize {
        self.0.count_ones() as usize
    }

    /// Whether the set is empty.
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }
}

impl fmt::Debug for BasisSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.iter()).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_round_trip_and_columns_are_1_to_6() {
        for (i, b) in Basis::ALL.into_iter().enumerate() {
            assert_eq!(b.key().parse::<Basis>().unwrap(), b);
            assert_eq!(b.column() as usize, i + 1);
            assert_eq!(
                serde_json::to_string(&b).unwrap(),
                format!("\"{}\"", b.key())
            );
        }
        let err = "primary_check".parse::<Basis>().unwrap_err();
        assert_eq!(err.code(), "CORE_UNKNOWN_BASIS");
    }

    #[test]
    fn set_from_row() {
        let s = BasisSet::from_row([true, false, true, false, false, true]);
        assert_eq!(
            s.iter().collect::<Vec<_>>(),
            vec![Basis::Criminal, Basis::AdminOffence, Basis::Wanted]
        );
        assert_eq!(s.len(), 3);
        assert!(BasisSet::EMPTY.is_empty());
    }
}
