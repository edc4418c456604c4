//! HR applications (2015 Appendix 5): registration, transfer, blocking.

use chrono::{DateTime, FixedOffset};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use ts_rs::TS;
use uuid::Uuid;

use crate::signed::Document;

/// `doc` tag of [`ApplicationDocument`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema, TS)]
pub enum ApplicationDocType {
    /// Version 1.
    #[serde(rename = "sio.application/v1")]
    V1,
}

/// What the application asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema, TS)]
#[serde(rename_all = "snake_case")]
pub enum ApplicationAction {
    /// Register a new user (waits for the operator's approval).
    Registration,
    /// Transfer to another post or unit of the same body (rule 14 as of Order 88/2024: the user
    /// files it within 24 hours of the order; the body's HR officer may file it too). A move to
    /// another body is a blocking by the old body and a registration by the new one.
    Transfer,
    /// Block the account (rule 15: within 24 hours of the order; takes effect at once).
    Blocking,
}

/// Why an account is blocked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema, TS)]
#[serde(rename_all = "snake_case")]
pub enum BlockingReason {
    /// Dismissal.
    Dismissal,
    /// Suspension from office.
    Suspension,
    /// Absence over two months (consent §11.2): the user blocks their own account.
    LongAbsence,
    /// Anything else (explained in `blocking_reason_text`).
    Other,
}

/// The applicant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema, TS)]
#[serde(deny_unknown_fields)]
pub struct Applicant {
    /// Full name.
    pub full_name: String,
    /// ИИН.
    pub iin: String,
}

/// The applicant's workplace (for a transfer: the new post, in the same body). The gateway takes
/// the person's current body from its own records and refuses a workplace naming another one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema, TS)]
#[serde(deny_unknown_fields)]
pub struct Workplace {
    /// Name of the organisation.
    pub organisation_name: String,
    /// The organisation's code in ЕРДР (2015 Appendix 5, kk: «СДТБТ ұйымының коды»; kk rule 5
    /// defines СДТБТ as ЕРДР): not a БИН, and the form has no БИН field (issue 18 item 2). Format:
    /// `sio_core::org::ErdrOrgCode` (1–12 digits, not all zeros). Applications stored before the
    /// field was renamed carry it as `organisation_bin`: that name is still read.
    #[serde(alias = "organisation_bin")]
    pub organisation_code: String,
    /// Structural unit.
    pub unit: String,
    /// Position.
    pub position: String,
}

/// Contacts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema, TS)]
#[serde(deny_unknown_fields)]
pub struct Contacts {
    /// Work phone.
    pub work_phone: String,
    /// Mobile phone (receives SMS codes), international format `+7…`.
    pub mobile_phone: String,
    /// E-mail.
    pub email: String,
    /// Work address.
    pub work_address: String,
}

/// The three confirmations of the form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema, TS)]
#[serde(deny_unknown_fields)]
pub struct Confirmations {
    /// Agrees to the consent.
    pub consent: bool,
    /// Holds an NCA RK signature.
    pub holds_nca_signature: bool,
    /// Agrees to the processing of personal data.
    pub personal_data: bool,
}

/// The applicant's head, who co-signs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema, TS)]
#[serde(deny_unknown_fields)]
pub struct Head {
    /// Position.
    pub position: String,
    /// Full name.
    pub full_name: String,
    /// ИИН (matched against the co-signer's certificate; the operator must have marked this person
    /// as a head of the body concerned).
    pub iin: String,
}

/// An HR application, signed by the applicant (or the responsible official) and by the head:
/// one detached CMS with two `SignerInfo`s.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema, TS)]
#[serde(deny_unknown_fields)]
pub struct ApplicationDocument {
    /// Always `sio.application/v1`.
    pub doc: ApplicationDocType,
    /// Chosen by the client (UUID v4); idempotent like request ids.
    pub application_id: Uuid,
    /// Registration, transfer or blocking.
    pub action: ApplicationAction,
    /// The person the application is about.
    pub applicant: Applicant,
    /// Workplace.
    pub workplace: Workplace,
    /// Contacts.
    pub contacts: Contacts,
    /// Role number asked for (registration, transfer).
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<u8>,
    /// Reason, for a blocking.
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub blocking_reason: Option<BlockingReason>,
    /// Free text for the reason `other`.
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub blocking_reason_text: Option<String>,
    /// When the order (dismissal, suspension, transfer) was signed, Astana time: starts the
    /// 24-hour deadline of rules 14–15.
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order_signed_at: Option<DateTime<FixedOffset>>,
    /// The confirmations.
    pub confirmations: Confirmations,
    /// The head.
    pub head: Head,
    /// The client's clock when signing.
    pub signed_at: DateTime<FixedOffset>,
}

impl Document for ApplicationDocument {
    const DOC_TYPE: &'static str = "sio.application/v1";
}

/// Where an application stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema, TS)]
#[serde(rename_all = "snake_case")]
pub enum ApplicationState {
    /// Waiting for the operator (registration, transfer).
    Pending,
    /// Carried out (a blocking at once; a registration after approval).
    Done,
    /// Refused by the operator.
    Refused,
}

/// The status of an application.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema, TS)]
pub struct ApplicationStatus {
    /// The id.
    pub application_id: Uuid,
    /// Action.
    pub action: ApplicationAction,
    /// State.
    pub state: ApplicationState,
    /// When received (Astana time).
    pub received_at: DateTime<FixedOffset>,
    /// When carried out.
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub done_at: Option<DateTime<FixedOffset>>,
    /// Whether the application arrived later than 24 hours after the order.
    pub late: bool,
    /// The operator's reasons, when refused: a refusal is motivated (2015 rule 14: the operator
    /// decides within one working day and refuses with its reasons).
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refusal_reasons: Option<String>,
    /// The operator's refusal as a signed document (2015 rule 14: "a motivated refusal … signed
    /// with the NCA RK signature registered to КПСиСУ"): the client verifies its signature
    /// against the pinned CA and shows the reasons only then.
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refusal: Option<crate::signed::Signed<RefusalDocument>>,
}

/// Subject CN of the operator's signing certificate the client accepts on a refusal (the test
/// PKI's `sio_pki::OPERATOR_COMMON_NAME`; a deployment's CA issues the operator's certificate
/// under this name).
pub const OPERATOR_SIGNER_CN: &str = "SIO PSO operator";

/// `doc` tag of [`RefusalDocument`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema, TS)]
pub enum RefusalDocType {
    /// Version 1.
    #[serde(rename = "sio.hr-refusal/v1")]
    V1,
}

/// The operator's motivated refusal of an application (2015 rule 14, ru «мотивированный отказ …
/// подписанный средствами ЭЦП НУЦ, зарегистрированной на КПСиСУ»; kk «дәлелді бас тарту»),
/// signed by the operator's certificate and kept with the application.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema, TS)]
pub struct RefusalDocument {
    /// Always `sio.hr-refusal/v1`.
    pub doc: RefusalDocType,
    /// The application refused.
    pub application_id: Uuid,
    /// What it asked for.
    pub action: ApplicationAction,
    /// The person it was about.
    pub applicant_iin: String,
    /// The body that filed it (БИН, from the gateway's records).
    pub organisation_bin: String,
    /// The reasons (a refusal is motivated).
    pub reasons: String,
    /// When the gateway received the application (Astana time).
    pub received_at: DateTime<FixedOffset>,
    /// When the operator refused it (Astana time).
    pub refused_at: DateTime<FixedOffset>,
    /// The operator's officer who decided (name or ИИН, as journaled).
    pub operator: String,
}

impl Document for RefusalDocument {
    const DOC_TYPE: &'static str = "sio.hr-refusal/v1";
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Issue 18 item 2: the field is the organisation's ЕРДР code (2015 Appendix 5); applications
    /// stored under the old name `organisation_bin` still read.
    #[test]
    fn the_old_field_name_is_still_read() {
        let old = r#"{"organisation_name":"ДП","organisation_bin":"040340001233","unit":"У","position":"П"}"#;
        let w: Workplace = serde_json::from_str(old).unwrap();
        assert_eq!(w.organisation_code, "040340001233");
        let new = serde_json::to_string(&w).unwrap();
        assert!(
            new.contains(r#""organisation_code":"040340001233""#),
            "{new}"
        );
        assert!(!new.contains("organisation_bin"));
    }
}
