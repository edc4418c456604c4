//! Effective access: what a role may request on a basis from a service.
//!
//! Effective access = the bases of the user's role (Appendix 1, Order 34/2026) ∩ the bases of the
//! service (Appendix 2, Order 88/2024), with the service's mark on that basis deciding the variant:
//! the truncated pension data, or the State Revenue Committee services only under a Chapter 8
//! article. The client offers only what this allows; the gateway decides with the same function.

use serde::{Deserialize, Serialize};

use crate::article::CriminalCodeArticle;
use crate::basis::Basis;
use crate::error::CoreError;
use crate::role::RoleId;
use crate::service::{Access, SERVICES, ServiceId};

/// What variant of a service a permitted request gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "variant", rename_all = "snake_case")]
pub enum Variant {
    /// The whole service.
    Full,
    /// The truncated service: without the amounts paid in (Appendix 2 footnote 1).
    Truncated,
    /// A State Revenue Committee service under a Chapter 8 article (Appendix 2 footnote 2).
    UnderArticle {
        /// The article the criminal case is under.
        article: CriminalCodeArticle,
    },
}

/// A request the rules permit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Grant {
    /// The requesting role.
    pub role: RoleId,
    /// The basis.
    pub basis: Basis,
    /// The service.
    pub service: ServiceId,
    /// The variant of the service.
    pub variant: Variant,
}

/// Decide whether `role` may request `service` on `basis`; `article` is the Criminal Code article
/// of the criminal case, where the case has one.
pub fn grant(
    role: RoleId,
    basis: Basis,
    service: ServiceId,
    article: Option<CriminalCodeArticle>,
) -> Result<Grant, CoreError> {
    if !role.allows(basis) {
        return Err(CoreError::RoleLacksBasis { role, basis });
    }
    let variant = match service.service().access(basis) {
        None => return Err(CoreError::ServiceNotOnBasis { service, basis }),
        Some(Access::Full) => Variant::Full,
        Some(Access::Truncated) => Variant::Truncated,
        Some(Access::Articles) => match article {
            None => return Err(CoreError::ArticleRequired(service)),
            Some(a) if !a.in_chapter_8() => {
                return Err(CoreError::ArticleOutsideChapter8 {
                    service,
                    article: a,
                });
            }
            Some(a) => Variant::UnderArticle { article: a },
        },
    };
    Ok(Grant {
        role,
        basis,
        service,
        variant,
    })
}

/// The services `role` may request on `basis`, with the mark that applies; empty where the role
/// lacks the basis.
pub fn services_for(role: RoleId, basis: Basis) -> impl Iterator<Item = (ServiceId, Access)> {
    let allowed = role.allows(basis);
    SERVICES
        .iter()
        .filter(move |_| allowed)
        .filter_map(move |s| s.access(basis).map(|a| (s.id, a)))
}

/// The bases on which `role` may request `service`, with the mark that applies.
pub fn bases_for(role: RoleId, service: ServiceId) -> impl Iterator<Item = (Basis, Access)> {
    service
        .service()
        .marks()
        .filter(move |(b, _)| role.allows(*b))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::role::ROLES;

    fn r(n: u8) -> RoleId {
        RoleId::new(n).unwrap()
    }
    fn s(n: u8) -> ServiceId {
        ServiceId::new(n).unwrap()
    }
    fn art(n: u16) -> CriminalCodeArticle {
        CriminalCodeArticle::new(n, None).unwrap()
    }

    #[test]
    fn role_without_basis_is_refused_whatever_the_service() {
        // Bailiff (15) only has enforcement.
        let e = grant(r(15), Basis::Criminal, s(1), None).unwrap_err();
        assert_eq!(e.code(), "CORE_ROLE_BASIS_DENIED");
        assert!(grant(r(15), Basis::Enforcement, s(1), None).is_ok());
        assert_eq!(services_for(r(15), Basis::Criminal).count(), 0);
    }

    #[test]
    fn service_without_basis_is_refused() {
        // Service 67 (encumbrance on land) is enforcement only; the prosecutor has every basis.
        let e = grant(r(1), Basis::Criminal, s(67), None).unwrap_err();
        assert_eq!(e.code(), "CORE_SERVICE_BASIS_DENIED");
        assert_eq!(
            grant(r(1), Basis::Enforcement, s(67), None)
                .unwrap()
                .variant,
            Variant::Full
        );
    }

    #[test]
    fn truncated_pension_on_bases_2_to_4_only() {
        let judge = r(2);
        assert_eq!(
            grant(judge, Basis::AdminCourt, s(11), None)
                .unwrap()
                .variant,
            Variant::Truncated
        );
        assert_eq!(
            grant(judge, Basis::CivilCourt, s(11), None)
                .unwrap()
                .variant,
            Variant::Truncated
        );
        assert_eq!(
            grant(judge, Basis::Criminal, s(11), None).unwrap().variant,
            Variant::Full
        );
        assert_eq!(
            grant(judge, Basis::Enforcement, s(11), None)
                .unwrap()
                .variant,
            Variant::Full
        );
        let inv = r(3);
        assert_eq!(
            grant(inv, Basis::AdminOffence, s(11), None)
                .unwrap()
                .variant,
            Variant::Truncated
        );
    }

    #[test]
    fn revenue_services_need_a_chapter_8_article_in_a_criminal_case() {
        for no in [37, 38, 39, 40, 70, 71, 72, 73, 74] {
            let e = grant(r(3), Basis::Criminal, s(no), None).unwrap_err();
            assert_eq!(e.code(), "CORE_ARTICLE_REQUIRED");
            let e = grant(r(3), Basis::Criminal, s(no), Some(art(188))).unwrap_err();
            assert_eq!(e.code(), "CORE_ARTICLE_OUTSIDE_CHAPTER_8");
            for a in [214, 231, 249] {
                let g = grant(r(3), Basis::Criminal, s(no), Some(art(a))).unwrap();
                assert_eq!(g.variant, Variant::UnderArticle { article: art(a) });
            }
            let e = grant(r(1), Basis::AdminOffence, s(no), Some(art(216))).unwrap_err();
            assert_eq!(e.code(), "CORE_SERVICE_BASIS_DENIED");
        }
    }

    #[test]
    fn effective_access_is_the_intersection_for_every_role_service_basis() {
        for role in ROLES {
            for svc in SERVICES {
                for b in Basis::ALL {
                    let expect = role.bases.contains(b) && svc.access(b).is_some();
                    let got = grant(role.id, b, svc.id, Some(art(216))).is_ok();
                    assert_eq!(got, expect, "role {} service {} basis {b}", role.id, svc.id);
                }
                assert_eq!(
                    bases_for(role.id, svc.id).count(),
                    Basis::ALL
                        .into_iter()
                        .filter(|b| role.bases.contains(*b) && svc.access(*b).is_some())
                        .count()
                );
            }
        }
    }

    #[test]
    fn duty_officer_sees_only_wanted_services() {
        let duty = r(19);
        let n = services_for(duty, Basis::Wanted).count();
        assert_eq!(
            n,
            SERVICES
                .iter()
                .filter(|s| s.access(Basis::Wanted).is_some())
                .count()
        );
        assert!(services_for(duty, Basis::Criminal).next().is_none());
    }
}
