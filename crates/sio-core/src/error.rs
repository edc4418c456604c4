//! Errors of the domain rules, each with a stable code (docs/failure-codes.md).

use thiserror::Error;

use crate::article::CriminalCodeArticle;
use crate::basis::Basis;
use crate::case::Field;
use crate::iin::IdKind;
use crate::role::RoleId;
use crate::service::ServiceId;

/// A rule of the seeds refused the input.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum CoreError {
    /// Not 12 ASCII digits.
    #[error("{0} must be exactly 12 digits")]
    IdFormat(IdKind),
    /// The check digit does not match (or the number can have none).
    #[error("{0} check digit is wrong: the number is mistyped")]
    IdCheckDigit(IdKind),
    /// No such basis key.
    #[error("unknown basis {0:?}")]
    UnknownBasis(String),
    /// No such row in Appendix 1.
    #[error("unknown role number {0} (Appendix 1 has roles 1–19)")]
    UnknownRole(u32),
    /// No such row in Appendix 2.
    #[error("unknown service number {0} (Appendix 2 has services 1–93)")]
    UnknownService(u32),
    /// The role's row of Appendix 1 has no "+" for the basis.
    #[error("role {role} may not request on the basis {basis}")]
    RoleLacksBasis {
        /// The role.
        role: RoleId,
        /// The basis.
        basis: Basis,
    },
    /// The service's row of Appendix 2 has an empty cell for the basis.
    #[error("service {service} is not available on the basis {basis}")]
    ServiceNotOnBasis {
        /// The service.
        service: ServiceId,
        /// The basis.
        basis: Basis,
    },
    /// A State Revenue Committee service without a Criminal Code article.
    #[error("service {0} needs the Criminal Code article of the case (Chapter 8, arts. 214–249)")]
    ArticleRequired(ServiceId),
    /// A State Revenue Committee service with an article outside Chapter 8.
    #[error("service {service} is available only under Chapter 8 (arts. 214–249), not {article}")]
    ArticleOutsideChapter8 {
        /// The service.
        service: ServiceId,
        /// The article given.
        article: CriminalCodeArticle,
    },
    /// An article that is not a plausible Criminal Code reference.
    #[error("a Criminal Code article is a number 1–500 with an optional part 1–20")]
    ArticleFormat,
    /// A case field does not have the form its register gives it.
    #[error("the case field {0} is missing or malformed")]
    CaseField(Field),
    /// The case reference is for a different basis than the request's.
    #[error("the case reference is for {reference}, the request is on {request}")]
    CaseBasisMismatch {
        /// Basis of the reference.
        reference: Basis,
        /// Basis of the request.
        request: Basis,
    },
    /// A wall-clock time that never occurred in Astana.
    #[error("this date and time did not exist in Astana (clock change)")]
    NonexistentLocalTime,
    /// A person's name holds what no name holds ([`crate::person_name`]).
    #[error("the name is not acceptable: {0}")]
    PersonName(crate::person_name::NameProblem),
    /// The organisation's code in ЕРДР (2015 Appendix 5) is not 1–12 digits, or is all zeros.
    #[error("the organisation's code in ЕРДР must be 1–12 digits, not all zeros")]
    OrgCodeFormat,
}

sio_error::coded! {
    CoreError, default FixInput;
    Self::IdFormat(IdKind::Iin) => "CORE_IIN_FORMAT",
    Self::IdFormat(IdKind::Bin) => "CORE_BIN_FORMAT",
    Self::IdCheckDigit(IdKind::Iin) => "CORE_IIN_CHECK_DIGIT",
    Self::IdCheckDigit(IdKind::Bin) => "CORE_BIN_CHECK_DIGIT",
    Self::UnknownBasis(_) => "CORE_UNKNOWN_BASIS",
    Self::UnknownRole(_) => "CORE_UNKNOWN_ROLE" [Operator],
    Self::UnknownService(_) => "CORE_UNKNOWN_SERVICE",
    Self::RoleLacksBasis { .. } => "CORE_ROLE_BASIS_DENIED",
    Self::ServiceNotOnBasis { .. } => "CORE_SERVICE_BASIS_DENIED",
    Self::ArticleRequired(_) => "CORE_ARTICLE_REQUIRED",
    Self::ArticleOutsideChapter8 { .. } => "CORE_ARTICLE_OUTSIDE_CHAPTER_8",
    Self::ArticleFormat => "CORE_ARTICLE_FORMAT",
    Self::CaseField(_) => "CORE_CASE_FIELD_INVALID",
    Self::CaseBasisMismatch { .. } => "CORE_CASE_BASIS_MISMATCH",
    Self::NonexistentLocalTime => "CORE_TIME_NONEXISTENT",
    Self::PersonName(_) => "CORE_NAME_INVALID",
    Self::OrgCodeFormat => "CORE_ORG_CODE_FORMAT",
}

/// Every code sio-core can return, one list per error enum (the failure-code catalogue check).
/// The structural warnings ([`crate::warnings`]) are listed too: they are never refusals, but their
/// codes are catalogued.
pub const CODES: &[&[&str]] = &[
    <CoreError as sio_error::CodeList>::CODES,
    crate::warnings::Warning::CODES,
];
