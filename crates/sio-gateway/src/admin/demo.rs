//! The demo accounts and cases.

use sio_core::Basis;

use super::{Admin, NewUser};
use crate::clock::{now, stamp};
use crate::error::GwError;

impl Admin {
    /// The demo accounts matching `sio_pki::PkiSpec::demo()` and their cases.
    pub fn seed_demo(&self) -> Result<(), GwError> {
        for u in demo_users() {
            self.add_user(&u)?;
        }
        for (iin, basis, key, title) in DEMO_CASES {
            self.assign_case(iin, *basis, key, title)?;
        }
        // The demo head of the police body (she co-signs its HR applications); demo data, not
        // an operator's action, so not journaled.
        self.conn
            .execute(
                "INSERT OR IGNORE INTO heads (iin, organisation_bin, full_name, position, marked_at, marked_by)
                 VALUES ('901120400238', '040340001233', 'СЕРІКОВА АЙГЕРІМ', 'Начальник управления', ?1, 'seed-demo')",
                [stamp(now())],
            )
            .map_err(GwError::db("mark the demo head"))?;
        Ok(())
    }
}

/// Demo case registry: (user, basis, case key, title).
pub const DEMO_CASES: &[(&str, Basis, &str, &str)] = &[
    (
        "850415300121",
        Basis::Criminal,
        "241500031000123",
        "Кража, ст. 188 УК",
    ),
    (
        "850415300121",
        Basis::Criminal,
        "241500031000777",
        "Уклонение от уплаты налогов, ст. 245 УК",
    ),
    (
        "850415300121",
        Basis::AdminOffence,
        "АП-2025/0042",
        "Административное правонарушение",
    ),
    (
        "780302300344",
        Basis::Criminal,
        "241500031000123",
        "Надзор: кража, ст. 188 УК",
    ),
    (
        "780302300344",
        Basis::CivilCourt,
        "2-1234/2025",
        "Гражданское дело",
    ),
    (
        "780302300344",
        Basis::AdminCourt,
        "5-77/2025",
        "Административное дело (суд)",
    ),
    (
        "901120400238",
        Basis::Wanted,
        "РД-2025-0007",
        "Розыскное дело",
    ),
];

/// Demo users, the people of `sio_pki::PkiSpec::demo()`.
pub fn demo_users() -> Vec<NewUser> {
    let police = ("040340001233", "ДЕПАРТАМЕНТ ПОЛИЦИИ ГОРОДА АСТАНЫ (TEST)");
    let prosecutor = ("050540000125", "ПРОКУРАТУРА ГОРОДА АСТАНЫ (TEST)");
    vec![
        NewUser {
            iin: "850415300121".into(),
            full_name: "ИВАНОВ АЛЕКСЕЙ".into(),
            organisation_bin: police.0.into(),
            organisation_name: police.1.into(),
            role: Some(3),
            mobile: "+77010000001".into(),
            reports: false,
            hr: false,
        },
        NewUser {
            iin: "901120400238".into(),
            full_name: "СЕРІКОВА АЙГЕРІМ".into(),
            organisation_bin: police.0.into(),
            organisation_name: police.1.into(),
            role: Some(18),
            mobile: "+77010000002".into(),
            reports: true,
            hr: true,
        },
        NewUser {
            iin: "780302300344".into(),
            full_name: "ЖУМАБЕКОВ ДАНИЯР".into(),
            organisation_bin: prosecutor.0.into(),
            organisation_name: prosecutor.1.into(),
            role: Some(1),
            mobile: "+77010000003".into(),
            reports: true,
            hr: false,
        },
    ]
}
