//! HR (kadr) applications: register, transfer or block an employee (2015 Appendix 5), within the
//! 24-hour deadlines of rules 14 and 15 (as of Order 88/2024), co-signed by the head, and the list
//! of pending ones kept across restarts.
//!
//! An application is checked here before anything is signed ([`check`]); it is signed by the
//! applicant — or, for a dismissal or suspension, the responsible official — and co-signed by the
//! head: one CMS SignedData with two signers ([`sign`]).

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sio_core::Iin;
use sio_core::time::{DeadlineRule, DeadlineState};
use sio_protocol::{
    ApplicationAction, ApplicationDocument, ApplicationState, ApplicationStatus, BlockingReason,
    RefusalDocument, Signed, paths,
};
use sio_sign::{KeyPurpose, Signer};

use crate::channel::{Channel, Retry};
use crate::error::ClientError;
use crate::session::{Session, sign_document};

/// Why an application cannot be signed or sent.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum HrError {
    /// A ИИН or БИН of the form is invalid.
    #[error("{field}: {source}")]
    Identifier {
        /// Which field.
        field: &'static str,
        /// The rule it breaks.
        source: sio_core::CoreError,
    },
    /// A required field is empty.
    #[error("the field {0} is required")]
    Missing(&'static str),
    /// Not every confirmation of the form is given.
    #[error(
        "all three confirmations of the form are required (consent, NCA RK signature, personal data)"
    )]
    Confirmations,
    /// Blocking without a reason, or a reason without blocking.
    #[error("a blocking application needs its reason, and only a blocking one has one")]
    BlockingReason,
    /// A transfer, dismissal or suspension without the date and time of the order.
    #[error("the date and time of the order are required to count the 24 hours")]
    OrderTime,
    /// The head's certificate is not a signing certificate.
    #[error("the head's certificate cannot sign documents (no signing key usage)")]
    HeadNotSigning,
    /// The co-signing certificate belongs to another person than the head the form names.
    #[error("the co-signing certificate is not the head's named in the form ({0})")]
    HeadMismatch(String),
    /// Not an own transfer: another action, or the user's certificate does not name the applicant
    /// (the message says which).
    #[error("{0}")]
    OwnTransfer(&'static str),
    /// Signing failed.
    #[error(transparent)]
    Sign(#[from] sio_sign::SignError),
    /// The document could not be signed (canonical form, token).
    #[error(transparent)]
    Client(#[from] ClientError),
    /// The operator's refusal is unsigned, or its signature does not verify against the pinned
    /// CA as the operator's (2015 rule 14: a refusal is signed): its reasons are not shown.
    #[error("the operator's refusal cannot be trusted: {0}")]
    Refusal(String),
    /// The pending list could not be read or written.
    #[error("the list of pending applications in {path} cannot be used: {reason}")]
    Store {
        /// The file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
}

impl HrError {
    /// The stable code.
    pub fn code(&self) -> &str {
        match self {
            HrError::Identifier { source, .. } => source.code(),
            HrError::Missing(_) => "CLIENT_HR_FIELD_MISSING",
            HrError::Confirmations => "CLIENT_HR_CONFIRMATIONS",
            HrError::BlockingReason => "CLIENT_HR_BLOCKING_REASON",
            HrError::OrderTime => "CLIENT_HR_ORDER_TIME",
            HrError::HeadNotSigning => "CLIENT_HR_HEAD_NOT_SIGNING",
            HrError::HeadMismatch(_) => "CLIENT_HR_HEAD_MISMATCH",
            HrError::OwnTransfer(_) => "CLIENT_HR_OWN_TRANSFER",
            HrError::Sign(e) => e.code(),
            HrError::Client(e) => e.code(),
            HrError::Store { .. } => "CLIENT_HR_STORE",
            HrError::Refusal(_) => "CLIENT_HR_REFUSAL_SIGNATURE",
        }
    }
}

/// The deadline rule an application falls under, if any.
pub fn deadline_rule(doc: &ApplicationDocument) -> Option<DeadlineRule> {
    match (doc.action, doc.blocking_reason) {
        (ApplicationAction::Transfer, _) => Some(DeadlineRule::Transfer),
        (
            ApplicationAction::Blocking,
            Some(BlockingReason::Dismissal | BlockingReason::Suspension),
        ) => Some(DeadlineRule::DismissalOrSuspension),
        _ => None,
    }
}

/// When the application is due: 24 hours after the order (rules 14, 15), if a rule applies.
pub fn due(doc: &ApplicationDocument) -> Option<DateTime<Utc>> {
    let rule = deadline_rule(doc)?;
    let order = doc.order_signed_at?;
    Some(rule.due(order.with_timezone(&Utc)))
}

/// Check the form before it is signed (the same rules the gateway applies). Nothing invalid is
/// ever signed or sent.
pub fn check(doc: &ApplicationDocument) -> Result<(), HrError> {
    let id = |field, r: Result<(), sio_core::CoreError>| {
        r.map_err(|source| HrError::Identifier { field, source })
    };
    id("applicant.iin", Iin::parse(&doc.applicant.iin).map(drop))?;
    id("head.iin", Iin::parse(&doc.head.iin).map(drop))?;
    // The gateway applies the same rule (CORE_NAME_INVALID); an empty name is reported as
    // missing below.
    for (field, name) in [
        ("applicant.full_name", &doc.applicant.full_name),
        ("head.full_name", &doc.head.full_name),
    ] {
        if !name.trim().is_empty() {
            id(field, sio_core::person_name::check(name))?;
        }
    }
    // The organisation's code in ЕРДР (2015 Appendix 5 «СДТБТ ұйымының коды»; kk rule 5: СДТБТ is
    // ЕРДР), not a БИН (issue 18 item 2).
    id(
        "workplace.organisation_code",
        sio_core::org::ErdrOrgCode::parse(&doc.workplace.organisation_code).map(drop),
    )?;
    let mut required: Vec<(&'static str, &str)> = vec![
        ("applicant.full_name", &doc.applicant.full_name),
        (
            "workplace.organisation_name",
            &doc.workplace.organisation_name,
        ),
        ("workplace.position", &doc.workplace.position),
        ("head.position", &doc.head.position),
        ("head.full_name", &doc.head.full_name),
    ];
    if doc.action != ApplicationAction::Blocking {
        // The contacts of the form matter for an account that will be used.
        required.extend([
            ("workplace.unit", doc.workplace.unit.as_str()),
            ("contacts.work_phone", &doc.contacts.work_phone),
            ("contacts.mobile_phone", &doc.contacts.mobile_phone),
            ("contacts.email", &doc.contacts.email),
            ("contacts.work_address", &doc.contacts.work_address),
        ]);
    }
    if let Some((field, _)) = required.iter().find(|(_, v)| v.trim().is_empty()) {
        return Err(HrError::Missing(field));
    }
    let c = doc.confirmations;
    if doc.action == ApplicationAction::Registration
        && !(c.consent && c.holds_nca_signature && c.personal_data)
    {
        return Err(HrError::Confirmations);
    }
    let blocking = doc.action == ApplicationAction::Blocking;
    if blocking != doc.blocking_reason.is_some() {
        return Err(HrError::BlockingReason);
    }
    if doc.blocking_reason == Some(BlockingReason::Other)
        && doc
            .blocking_reason_text
            .as_deref()
            .is_none_or(|t| t.trim().is_empty())
    {
        return Err(HrError::Missing("blocking_reason_text"));
    }
    if deadline_rule(doc).is_some() && doc.order_signed_at.is_none() {
        return Err(HrError::OrderTime);
    }
    Ok(())
}

/// A user absent for more than two months blocks their own account (consent §11.2, Appendix 6 as
/// of Order 88/2024): one application, signed by the user alone.
pub fn sign_self_block(
    mut doc: ApplicationDocument,
    user: &mut dyn Signer,
) -> Result<Signed<ApplicationDocument>, HrError> {
    doc.action = ApplicationAction::Blocking;
    doc.blocking_reason = Some(BlockingReason::LongAbsence);
    check(&doc)?;
    Ok(sign_document(doc, &mut [user])?)
}

/// Sign the application by the applicant (or the responsible official) and co-sign it by the
/// head: one SignedData, two signers, over the canonical bytes of the document.
pub fn sign(
    doc: ApplicationDocument,
    applicant: &mut dyn Signer,
    head: &mut dyn Signer,
) -> Result<Signed<ApplicationDocument>, HrError> {
    check(&doc)?;
    match sio_sign::check_purpose(head.certificate_der(), KeyPurpose::DocumentSigning) {
        Err(sio_sign::SignError::WrongKeyPurpose { .. }) => return Err(HrError::HeadNotSigning),
        other => other?,
    }
    // The gateway accepts only the head named in the form (and marked by the operator as a head
    // of the body): a token of someone else is caught here, before any PIN is spent on it.
    if let Some(iin) = iin_of(head)? {
        if iin != doc.head.iin {
            return Err(HrError::HeadMismatch(doc.head.iin.clone()));
        }
    }
    Ok(sign_document(doc, &mut [applicant, head])?)
}

fn iin_of(signer: &dyn Signer) -> Result<Option<String>, HrError> {
    Ok(sio_sign::CertSummary::from_der(signer.certificate_der())?.iin)
}

/// The user's own transfer to another post or unit of the same body: the user files it within
/// 24 hours of the order (rule 14 as of Order 88/2024), signs it as the applicant and the head of
/// the body co-signs it (2015 Appendix 5). The gateway accepts it from the user's own session
/// without HR rights; a move to another body is not a transfer (the old body blocks the account,
/// the new one registers the person) and is refused there (`GW_APPLICATION_OTHER_BODY`).
pub fn sign_own_transfer(
    doc: ApplicationDocument,
    user: &mut dyn Signer,
    head: &mut dyn Signer,
) -> Result<Signed<ApplicationDocument>, HrError> {
    if doc.action != ApplicationAction::Transfer {
        return Err(HrError::OwnTransfer(
            "an own application of this kind is a transfer to another post or unit",
        ));
    }
    if iin_of(user)?.as_deref() != Some(doc.applicant.iin.as_str()) {
        return Err(HrError::OwnTransfer(
            "the user signing an own transfer is the applicant named in the form",
        ));
    }
    if doc.head.iin == doc.applicant.iin {
        return Err(HrError::OwnTransfer(
            "the head who co-signs is another person than the applicant",
        ));
    }
    sign(doc, user, head)
}

/// Send a signed application.
pub async fn submit(
    channel: &Channel,
    session: &Session,
    signed: &Signed<ApplicationDocument>,
) -> Result<ApplicationStatus, ClientError> {
    // The application id makes a resend idempotent.
    channel
        .post(
            paths::APPLICATIONS,
            signed,
            Some(session.token()),
            Retry::Idempotent,
        )
        .await
}

/// The gateway's current word on an application the official filed: whether the operator carried
/// it out or refused it, and a refusal's reasons (2015 rule 14: a refusal is motivated).
pub async fn status(
    channel: &Channel,
    session: &Session,
    application_id: uuid::Uuid,
) -> Result<ApplicationStatus, ClientError> {
    channel
        .get(
            &format!("{}/{application_id}", paths::APPLICATIONS),
            Some(session.token()),
        )
        .await
}

/// Verify the operator's refusal carried by `status` (2015 rule 14: a motivated refusal, signed
/// by the operator), against the CA pinned for the gateway (`ca_pem`): the signature covers the
/// canonical bytes of the refusal document, the signer's certificate chains to the pinned CA, is
/// valid, has the signing purpose (emailProtection) and is the operator's
/// ([`sio_protocol::OPERATOR_SIGNER_CN`], no ИИН: not a user's certificate); the document is about
/// this very application and gives the reasons the status shows. `Ok(None)` when the status is
/// not a refusal; the refusal document when it verifies. A failure is `CLIENT_HR_REFUSAL_SIGNATURE`
/// and the caller shows that code, not the reasons.
pub fn verify_refusal<'a>(
    ca_pem: &[u8],
    status: &'a ApplicationStatus,
) -> Result<Option<&'a RefusalDocument>, HrError> {
    if status.state != ApplicationState::Refused {
        return Ok(None);
    }
    let bad = |m: &str| HrError::Refusal(m.to_owned());
    let signed = status
        .refusal
        .as_ref()
        .ok_or_else(|| bad("the refusal carries no operator's signature"))?;
    let doc = &signed.document;
    if doc.application_id != status.application_id || doc.action != status.action {
        return Err(bad("the signed refusal is about another application"));
    }
    if status.refusal_reasons.as_deref() != Some(doc.reasons.as_str()) {
        return Err(bad("the reasons shown are not the reasons signed"));
    }
    let cms = {
        use base64::Engine as _;
        base64::engine::general_purpose::STANDARD
            .decode(signed.cms.as_bytes())
            .map_err(|_| bad("the signature is not base64"))?
    };
    let canonical = Signed::<RefusalDocument>::canonical_bytes(doc)
        .map_err(|e| HrError::Refusal(e.to_string()))?;
    let verifier = sio_sign::Verifier::from_pem(ca_pem)
        .map_err(|e| HrError::Refusal(format!("pinned CA: {e}")))?
        .require_purpose(KeyPurpose::DocumentSigning)
        .with_max_signers(1);
    let sigs = verifier
        .verify(&cms, Some(&canonical))
        .map_err(|e| HrError::Refusal(format!("{}: {e}", e.code())))?;
    let signer = sigs
        .first()
        .ok_or_else(|| bad("the refusal has no signature"))?;
    if signer.certificate.common_name.as_deref() != Some(sio_protocol::OPERATOR_SIGNER_CN)
        || signer.certificate.iin.is_some()
    {
        return Err(bad(
            "the refusal is not signed by the operator's certificate",
        ));
    }
    Ok(Some(doc))
}

/// One application the HR officer is tracking.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pending {
    /// The application.
    pub document: ApplicationDocument,
    /// When it is due (24 h after the order), if a deadline applies.
    pub due: Option<DateTime<Utc>>,
    /// The gateway's last word on it, once sent.
    pub status: Option<ApplicationStatus>,
}

impl Pending {
    /// Where the deadline stands at `now`.
    pub fn deadline_state(&self, now: DateTime<Utc>) -> Option<DeadlineState> {
        self.due.map(|due| DeadlineState::at(due, now))
    }
}

/// The applications an HR officer tracks, kept in a JSON file across restarts (written
/// atomically: a crash leaves the old list or the new one).
#[derive(Debug)]
pub struct PendingList {
    path: PathBuf,
    items: Vec<Pending>,
}

impl PendingList {
    /// Open (or start) the list stored at `path`.
    pub fn open(path: &Path) -> Result<Self, HrError> {
        let store = |reason: String| HrError::Store {
            path: path.to_owned(),
            reason,
        };
        let items = match std::fs::read(path) {
            Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| store(e.to_string()))?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
            Err(e) => return Err(store(e.to_string())),
        };
        Ok(PendingList {
            path: path.to_owned(),
            items,
        })
    }

    /// The tracked applications, soonest deadline first.
    pub fn items(&self) -> &[Pending] {
        &self.items
    }

    /// Track an application (replacing one with the same id) and save.
    pub fn upsert(
        &mut self,
        document: ApplicationDocument,
        status: Option<ApplicationStatus>,
    ) -> Result<(), HrError> {
        let due = due(&document);
        self.items
            .retain(|p| p.document.application_id != document.application_id);
        self.items.push(Pending {
            document,
            due,
            status,
        });
        self.items.sort_by_key(|p| p.due);
        self.save()
    }

    /// The ones past their deadline at `now` and not done.
    pub fn overdue(&self, now: DateTime<Utc>) -> impl Iterator<Item = &Pending> {
        self.items.iter().filter(move |p| {
            matches!(p.deadline_state(now), Some(DeadlineState::Overdue { .. }))
                && p.status
                    .as_ref()
                    .is_none_or(|s| s.state != sio_protocol::ApplicationState::Done)
        })
    }

    fn save(&self) -> Result<(), HrError> {
        let store = |reason: String| HrError::Store {
            path: self.path.clone(),
            reason,
        };
        let bytes = serde_json::to_vec_pretty(&self.items).map_err(|e| store(e.to_string()))?;
        let tmp = self.path.with_extension("tmp");
        std::fs::write(&tmp, bytes).map_err(|e| store(e.to_string()))?;
        std::fs::rename(&tmp, &self.path).map_err(|e| store(e.to_string()))
    }
}
