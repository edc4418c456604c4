//! Domain rules of СИО ПСО, encoded once from the legal acts (no I/O).
//!
//! - [`basis`]: the six bases; [`role`]: the 19 roles of Appendix 1 as of Order 34/2026;
//!   [`service`]: the 93 services of Appendix 2 as of Order 88/2024;
//! - [`access`]: effective access (role bases ∩ service bases, with the truncated variant and the
//!   Chapter 8 article restriction as data); [`request::RequestSpec::check`] decides a request;
//! - [`case`]: the fields each basis requires; [`iin`]: ИИН/БИН with check digits;
//!   [`article`]: Criminal Code articles; [`time`]: Astana time and deadlines;
//! - [`catalogue`]: the tables in one serialisable view; [`error`]: stable error codes;
//! - [`warnings`]: structural warnings the user confirms (the acts are silent; never a refusal).

pub mod access;
pub mod article;
pub mod basis;
pub mod case;
pub mod catalogue;
pub mod error;
pub mod iin;
pub mod names;
pub mod org;
pub mod person_name;
pub mod request;
pub mod role;
pub mod service;
pub mod time;
pub mod warnings;

pub use access::{Grant, Variant, grant};
pub use article::CriminalCodeArticle;
pub use basis::{Basis, BasisSet};
pub use case::CaseReference;
pub use error::CoreError;
pub use iin::{Bin, Iin, Subject};
pub use request::RequestSpec;
pub use role::{ROLES, Role, RoleId};
pub use service::{Access, SERVICES, Service, ServiceId};
