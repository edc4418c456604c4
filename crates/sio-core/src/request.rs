//! A request as the rules see it: who asks, on what basis, in which case, about whom, from which
//! service. [`RequestSpec::check`] is the one decision both the client's composer and the gateway make.

use serde::{Deserialize, Serialize};

use crate::access::{Grant, grant};
use crate::article::CriminalCodeArticle;
use crate::basis::Basis;
use crate::case::CaseReference;
use crate::error::CoreError;
use crate::iin::Subject;
use crate::role::RoleId;
use crate::service::ServiceId;

/// The rule-relevant content of one request (one subject, one service).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct RequestSpec {
    /// The requesting user's role (Appendix 1).
    pub role: RoleId,
    /// The basis of the request.
    pub basis: Basis,
    /// The case, with the fields its basis requires.
    pub case: CaseReference,
    /// The individual or legal entity the request is about (rule 20).
    pub subject: Subject,
    /// The service (Appendix 2).
    pub service: ServiceId,
    /// The Criminal Code article of a criminal case, where the service needs one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub article: Option<CriminalCodeArticle>,
}

impl RequestSpec {
    /// Decide whether the rules permit this request, and with which variant.
    pub fn check(&self) -> Result<Grant, CoreError> {
        let reference = self.case.basis();
        if reference != self.basis {
            return Err(CoreError::CaseBasisMismatch {
                reference,
                request: self.basis,
            });
        }
        grant(self.role, self.basis, self.service, self.article)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::access::Variant;

    #[test]
    fn a_request_in_json_is_checked_end_to_end() {
        let j = r#"{"role":3,"basis":"criminal","case":{"kind":"criminal_case","erdr":"241500031000123"},
                    "subject":{"kind":"individual","id":"900101300106"},"service":38,"article":{"article":216}}"#;
        let spec: RequestSpec = serde_json::from_str(j).unwrap();
        assert!(matches!(
            spec.check().unwrap().variant,
            Variant::UnderArticle { .. }
        ));
        let mut wrong = spec.clone();
        wrong.basis = Basis::AdminOffence;
        assert_eq!(
            wrong.check().unwrap_err().code(),
            "CORE_CASE_BASIS_MISMATCH"
        );
        let mut none = spec;
        none.article = None;
        assert_eq!(none.check().unwrap_err().code(), "CORE_ARTICLE_REQUIRED");
    }
}
