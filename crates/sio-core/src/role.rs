//! The roles of СИО ПСО users and the bases each role may request on.
//!
//! Source: Appendix 1 "Перечень распределения ролей СИО ПСО по основаниям" to the Rules, as worded
//! by Order of the Prosecutor General No. 34 of 23 Feb 2026 (seed 002), which supersedes the 2024
//! table: the Anti-Corruption Service rows and the HR officer row are gone (HR officers keep only
//! the application functions), the MES inquirer row (8) is new, and the AFM officer's wanted-person
//! column (row 10) is a plain "+". Row 8's and row 17's names are split over two lines in the seed.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::basis::{Basis, BasisSet};
use crate::error::CoreError;
use crate::names::{Names, ROLE_NAMES};

/// A role's number in Appendix 1 (1–19). Holds only numbers that exist in the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "u8", into = "u8")]
pub struct RoleId(u8);

/// One row of Appendix 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Role {
    /// The row number.
    pub id: RoleId,
    /// The role's name as written in the seed (Russian).
    pub name_ru: &'static str,
    /// The bases marked "+" in the row.
    pub bases: BasisSet,
}

const fn role(no: u8, name_ru: &'static str, row: [u8; 6]) -> Role {
    Role {
        id: RoleId(no),
        name_ru,
        bases: BasisSet::from_row([
            row[0] == 1,
            row[1] == 1,
            row[2] == 1,
            row[3] == 1,
            row[4] == 1,
            row[5] == 1,
        ]),
    }
}

/// Appendix 1 as of Order 34/2026. Columns: 1 criminal, 2 administrative (court),
/// 3 administrative offence (КПСиСУ), 4 civil (court), 5 enforcement (form 4), 6 wanted-person.
/// `1` stands for "+", `0` for an empty cell.
#[rustfmt::skip]
pub const ROLES: [Role; 19] = [
    role(1, "Прокурор", [1, 1, 1, 1, 1, 1]),
    role(2, "Судья", [1, 1, 0, 1, 1, 0]),
    role(3, "Следователь органов внутренних дел (далее – ОВД)", [1, 0, 1, 0, 0, 0]),
    role(4, "Следователь органов национальной безопасности (далее – ОНБ)", [1, 0, 1, 0, 0, 0]),
    role(5, "Следователь Агентства Республики Казахстан по финансовому мониторингу (далее – АФМ)", [1, 0, 1, 0, 0, 0]),
    role(6, "Дознаватель ОВД", [1, 0, 1, 0, 0, 0]),
    role(7, "Дознаватель ОНБ", [1, 0, 1, 0, 0, 0]),
    role(8, "Дознаватель Министерства по чрезвычайным ситуациям Республики Казахстан (далее – МЧС)", [1, 0, 1, 0, 0, 0]),
    role(9, "Дознаватель Службы государственной охраны Республики Казахстан (далее – СГО)", [1, 0, 1, 0, 0, 0]),
    role(10, "Офицер АФМ", [1, 0, 1, 0, 0, 1]),
    role(11, "Сотрудник Министерства обороны Республики Казахстан (Главное управление военной полиции Вооруженных Сил)", [1, 0, 1, 0, 0, 1]),
    role(12, "Сотрудник уголовно-исполнительной системы ОВД", [1, 0, 1, 0, 0, 0]),
    role(13, "Сотрудник МЧС", [1, 0, 1, 0, 0, 0]),
    role(14, "Сотрудник, военнослужащий ОНБ", [1, 0, 1, 0, 0, 1]),
    role(15, "Судебный исполнитель", [0, 0, 0, 0, 1, 0]),
    role(16, "Сотрудник СГО", [1, 0, 0, 0, 0, 1]),
    role(17, "Сотрудник административной полиции ОВД (за исключением конвойной службы, специальных учреждений и иных подразделений, осуществляющих охрану общественного порядка)", [0, 0, 1, 0, 0, 0]),
    role(18, "Сотрудник криминальной полиции ОВД", [1, 0, 1, 0, 0, 1]),
    role(19, "Сотрудник дежурной части", [0, 0, 0, 0, 0, 1]),
];

impl RoleId {
    /// The role with row number `no`, if Appendix 1 has it.
    pub fn new(no: u8) -> Result<RoleId, CoreError> {
        if (1..=ROLES.len() as u8).contains(&no) {
            Ok(RoleId(no))
        } else {
            Err(CoreError::UnknownRole(u32::from(no)))
        }
    }

    /// The row number.
    pub fn number(self) -> u8 {
        self.0
    }

    /// The row of Appendix 1.
    pub fn role(self) -> &'static Role {
        &ROLES[usize::from(self.0) - 1]
    }

    /// Whether this role may request on `basis`.
    pub fn allows(self, basis: Basis) -> bool {
        self.role().bases.contains(basis)
    }

    /// Kazakh and English names of the role.
    pub fn names(self) -> &'static Names {
        &ROLE_NAMES[usize::from(self.0) - 1]
    }
}

impl TryFrom<u8> for RoleId {
    type Error = CoreError;
    fn try_from(no: u8) -> Result<Self, Self::Error> {
        RoleId::new(no)
    }
}

impl From<RoleId> for u8 {
    fn from(id: RoleId) -> u8 {
        id.0
    }
}

impl fmt::Display for RoleId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl FromStr for RoleId {
    type Err = CoreError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let no: u32 = s.trim().parse().map_err(|_| CoreError::UnknownRole(0))?;
        u8::try_from(no)
            .map_err(|_| CoreError::UnknownRole(no))
            .and_then(RoleId::new)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Basis::*;

    fn bases(no: u8) -> Vec<Basis> {
        RoleId::new(no).unwrap().role().bases.iter().collect()
    }

    #[test]
    fn numbering_is_dense() {
        for (i, r) in ROLES.iter().enumerate() {
            assert_eq!(usize::from(r.id.number()), i + 1);
            assert!(!r.bases.is_empty(), "row {} has no basis", i + 1);
        }
        assert_eq!(RoleId::new(0).unwrap_err().code(), "CORE_UNKNOWN_ROLE");
        assert_eq!(RoleId::new(20).unwrap_err().code(), "CORE_UNKNOWN_ROLE");
        assert_eq!(
            "300".parse::<RoleId>().unwrap_err().code(),
            "CORE_UNKNOWN_ROLE"
        );
    }

    /// Every row of the 2026 table, checked one by one against the seed.
    #[test]
    fn every_row_of_appendix_1_as_of_2026() {
        let expected: [&[Basis]; 19] = [
            &[
                Criminal,
                AdminCourt,
                AdminOffence,
                CivilCourt,
                Enforcement,
                Wanted,
            ],
            &[Criminal, AdminCourt, CivilCourt, Enforcement],
            &[Criminal, AdminOffence],
            &[Criminal, AdminOffence],
            &[Criminal, AdminOffence],
            &[Criminal, AdminOffence],
            &[Criminal, AdminOffence],
            &[Criminal, AdminOffence],
            &[Criminal, AdminOffence],
            &[Criminal, AdminOffence, Wanted],
            &[Criminal, AdminOffence, Wanted],
            &[Criminal, AdminOffence],
            &[Criminal, AdminOffence],
            &[Criminal, AdminOffence, Wanted],
            &[Enforcement],
            &[Criminal, Wanted],
            &[AdminOffence],
            &[Criminal, AdminOffence, Wanted],
            &[Wanted],
        ];
        for (i, want) in expected.iter().enumerate() {
            assert_eq!(bases(i as u8 + 1), *want, "role {}", i + 1);
        }
    }

    #[test]
    fn split_names_are_joined_and_removed_rows_are_absent() {
        assert!(
            ROLES[7]
                .name_ru
                .starts_with("Дознаватель Министерства по чрезвычайным ситуациям")
        );
        assert!(ROLES[16].name_ru.ends_with("охрану общественного порядка)"));
        for r in ROLES {
            assert!(
                !r.name_ru.contains("противодействию коррупции"),
                "{}",
                r.name_ru
            );
            assert!(!r.name_ru.contains("кадров"), "{}", r.name_ru);
            assert!(!r.name_ru.contains("  "));
        }
    }

    #[test]
    fn serde_refuses_unknown_role() {
        assert_eq!(serde_json::from_str::<RoleId>("19").unwrap().number(), 19);
        assert!(serde_json::from_str::<RoleId>("20").is_err());
    }
}
