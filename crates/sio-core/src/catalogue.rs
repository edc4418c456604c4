//! The encoded tables in one serialisable view: what `sio catalogue --json` prints and what the
//! UI and reviewers read.

use serde::ser::{Serialize, SerializeMap, Serializer};

use crate::basis::Basis;
use crate::names::KkSource;
use crate::role::ROLES;
use crate::service::{SERVICES, Service};

/// The whole catalogue: bases, roles (Order 34/2026 App. 1), services (Order 88/2024 App. 2).
#[derive(Debug, serde::Serialize)]
pub struct Catalogue {
    /// The six bases in column order.
    pub bases: Vec<BasisEntry>,
    /// The 19 roles.
    pub roles: Vec<RoleEntry>,
    /// The 93 services.
    pub services: Vec<ServiceEntry>,
}

/// A basis in the catalogue.
#[derive(Debug, serde::Serialize)]
pub struct BasisEntry {
    /// Stable key.
    pub key: &'static str,
    /// Column number in the tables.
    pub column: u8,
    /// Russian name.
    pub name_ru: &'static str,
    /// Kazakh name.
    pub name_kk: &'static str,
    /// English name.
    pub name_en: &'static str,
}

/// A role in the catalogue.
#[derive(Debug, serde::Serialize)]
pub struct RoleEntry {
    /// Row number.
    pub no: u8,
    /// Russian name as in the seed.
    pub name_ru: &'static str,
    /// Kazakh name.
    pub name_kk: &'static str,
    /// Whether the Kazakh name is a translation (not from the 2015 Kazakh text).
    pub name_kk_translated: bool,
    /// English name.
    pub name_en: &'static str,
    /// Keys of the bases marked "+".
    pub bases: Vec<&'static str>,
}

/// A service in the catalogue.
#[derive(Debug, serde::Serialize)]
pub struct ServiceEntry {
    /// Row number.
    pub no: u8,
    /// Russian name as in the seed.
    pub name_ru: &'static str,
    /// Kazakh name.
    pub name_kk: &'static str,
    /// Whether the Kazakh name is a translation (not from the 2015 Kazakh text).
    pub name_kk_translated: bool,
    /// English name.
    pub name_en: &'static str,
    /// Basis key → `full` | `truncated` | `articles`; absent bases are not allowed.
    pub access: AccessMap,
}

/// A service's marks, serialised as a map in column order.
#[derive(Debug)]
pub struct AccessMap(&'static Service);

impl Serialize for AccessMap {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(None)?;
        for (b, a) in self.0.marks() {
            m.serialize_entry(b.key(), a.key())?;
        }
        m.end()
    }
}

impl Catalogue {
    /// Build the catalogue from the encoded tables.
    pub fn build() -> Catalogue {
        Catalogue {
            bases: Basis::ALL
                .into_iter()
                .map(|b| BasisEntry {
                    key: b.key(),
                    column: b.column(),
                    name_ru: b.name_ru(),
                    name_kk: b.names().kk,
                    name_en: b.names().en,
                })
                .collect(),
            roles: ROLES
                .iter()
                .map(|r| RoleEntry {
                    no: r.id.number(),
                    name_ru: r.name_ru,
                    name_kk: r.id.names().kk,
                    name_kk_translated: r.id.names().kk_source == KkSource::Translation,
                    name_en: r.id.names().en,
                    bases: r.bases.iter().map(Basis::key).collect(),
                })
                .collect(),
            services: SERVICES
                .iter()
                .map(|s| ServiceEntry {
                    no: s.id.number(),
                    name_ru: s.name_ru,
                    name_kk: s.id.names().kk,
                    name_kk_translated: s.id.names().kk_source == KkSource::Translation,
                    name_en: s.id.names().en,
                    access: AccessMap(s),
                })
                .collect(),
        }
    }
}
