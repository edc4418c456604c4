//! The rows the operator's functions take and return.

use serde::Serialize;

/// A user to add.
#[derive(Debug, Clone)]
pub struct NewUser {
    /// ИИН.
    pub iin: String,
    /// Full name.
    pub full_name: String,
    /// БИН of the body.
    pub organisation_bin: String,
    /// Name of the body (recorded if the body is new).
    pub organisation_name: String,
    /// Role number (Appendix 1); `None` for users who do not send requests (HR only).
    pub role: Option<u8>,
    /// Mobile number for SMS codes.
    pub mobile: String,
    /// Access to reports (rule 10).
    pub reports: bool,
    /// HR officer (files applications).
    pub hr: bool,
}

/// A user as listed.
#[derive(Debug, Clone, Serialize)]
pub struct UserRow {
    /// ИИН.
    pub iin: String,
    /// Full name.
    pub full_name: String,
    /// БИН.
    pub organisation_bin: String,
    /// Role.
    pub role: Option<u8>,
    /// registered / blocked / pending.
    pub state: String,
    /// Reports access.
    pub reports: bool,
    /// HR officer.
    pub hr: bool,
    /// When the consent was signed (Astana).
    pub consent_signed_at: Option<String>,
    /// Locked until (Astana), if locked.
    pub locked_until: Option<String>,
}

/// One SMS in the outbox. The code is shown only while it can still be used.
#[derive(Debug, Clone, Serialize)]
pub struct SmsMessage {
    /// Id.
    pub id: i64,
    /// Phone number.
    pub phone: String,
    /// ИИН of the addressee.
    pub iin: String,
    /// Text (blanked once the code is used, voided or expired).
    pub text: String,
    /// When queued (Astana).
    pub created_at: String,
}

/// An application as listed: the person's account as the gateway's records have it now (not as
/// the document says), next to what approving the application would set from the stored
/// document (`requested_*`), and the differences as `field: current → requested` lines
/// (`changes`) so that a change of the SMS phone, the role or the body is seen before approval.
#[derive(Debug, Clone, Serialize)]
pub struct ApplicationRow {
    /// Id.
    pub application_id: String,
    /// registration / transfer / blocking.
    pub action: String,
    /// ИИН of the applicant.
    pub applicant_iin: String,
    /// pending / done / refused.
    pub state: String,
    /// Received (Astana).
    pub received_at: String,
    /// Filed later than 24 hours after the order.
    pub late: bool,
    /// БИН of the body the application acts in (from the records when it was filed).
    pub organisation_bin: String,
    /// ИИН of the user who filed it (the HR officer, or the person themselves).
    pub submitted_by: String,
    /// ИИН of the co-signing head, if any.
    pub head_iin: Option<String>,
    /// What approval would change on the account, one `field: current → requested` line each
    /// (a pending registration or transfer; empty for a blocking, carried out at once, and once
    /// decided).
    pub changes: Vec<String>,
    /// The account's state (registered / blocked / pending), if any.
    pub target_state: Option<String>,
    /// The person's current full name (records).
    pub target_full_name: Option<String>,
    /// The full name approval sets (a registration: the document's).
    pub requested_full_name: Option<String>,
    /// The person's current body (records), if they have an account.
    pub target_organisation_bin: Option<String>,
    /// Its name.
    pub target_organisation_name: Option<String>,
    /// The body approval puts the person in (registration, transfer): the body the application
    /// acts in.
    pub requested_organisation_bin: Option<String>,
    /// Its name.
    pub requested_organisation_name: Option<String>,
    /// The person's current role (records).
    pub target_role: Option<u8>,
    /// The role approval sets (the document's; none: a user who sends no requests).
    pub requested_role: Option<u8>,
    /// The person's mobile number for SMS codes (records).
    pub target_mobile: Option<String>,
    /// The mobile number for SMS codes approval sets (the document's).
    pub requested_mobile: Option<String>,
    /// The person's current unit (records).
    pub target_unit: Option<String>,
    /// The unit approval sets (the document's).
    pub requested_unit: Option<String>,
    /// The person's current position (records).
    pub target_position: Option<String>,
    /// The position approval sets (the document's).
    pub requested_position: Option<String>,
    /// When the operator's decision is due (Astana): received + one day («в течение суток»,
    /// 2015 r.14; a period of 24 hours, weekends and holidays included).
    pub decision_due: String,
    /// Still pending after `decision_due`.
    pub overdue: bool,
    /// Decided (approved or refused) after `decision_due`.
    pub decided_late: bool,
    /// The operator's reasons, when refused.
    pub refusal_reasons: Option<String>,
}

impl ApplicationRow {
    /// Fill the `requested_*` fields and `changes` from the stored document (registration and
    /// transfer; a blocking changes nothing on approval).
    pub(super) fn with_request(
        mut self,
        document: &[u8],
        requested_org_name: Option<String>,
    ) -> Self {
        if !matches!(self.action.as_str(), "registration" | "transfer") {
            return self;
        }
        let doc: sio_protocol::ApplicationDocument = match serde_json::from_slice(document) {
            Ok(d) => d,
            Err(e) => {
                self.changes.push(format!(
                    "the stored document cannot be read ({e}): refuse it"
                ));
                return self;
            }
        };
        self.requested_full_name = Some(doc.applicant.full_name);
        self.requested_organisation_bin = Some(self.organisation_bin.clone());
        self.requested_organisation_name = requested_org_name;
        self.requested_role = doc.role;
        self.requested_mobile = Some(doc.contacts.mobile_phone);
        self.requested_unit = Some(doc.workplace.unit);
        self.requested_position = Some(doc.workplace.position);

        if self.state != "pending" {
            // Decided: the records already hold what was approved (or never will).
            return self;
        }
        let shown = |v: Option<&str>| match v {
            Some(v) if !v.is_empty() => v.to_string(),
            _ => "—".to_string(),
        };
        let role = |r: Option<u8>| r.map_or_else(|| "—".to_string(), |r| r.to_string());
        let body = |bin: Option<&str>, name: Option<&str>| match (bin, name) {
            (Some(b), Some(n)) => format!("{b} ({n})"),
            (b, _) => shown(b),
        };
        let mut changes = Vec::new();
        let mut change = |field: &str, current: String, requested: String| {
            if current != requested {
                changes.push(format!("{field}: {current} → {requested}"));
            }
        };
        if self.action == "registration" {
            change(
                "state",
                shown(self.target_state.as_deref()),
                "registered".to_string(),
            );
            change(
                "full name",
                shown(self.target_full_name.as_deref()),
                shown(self.requested_full_name.as_deref()),
            );
        }
        change(
            "body",
            body(
                self.target_organisation_bin.as_deref(),
                self.target_organisation_name.as_deref(),
            ),
            body(
                self.requested_organisation_bin.as_deref(),
                self.requested_organisation_name.as_deref(),
            ),
        );
        change("role", role(self.target_role), role(self.requested_role));
        change(
            "mobile (SMS codes)",
            shown(self.target_mobile.as_deref()),
            shown(self.requested_mobile.as_deref()),
        );
        change(
            "unit",
            shown(self.target_unit.as_deref()),
            shown(self.requested_unit.as_deref()),
        );
        change(
            "position",
            shown(self.target_position.as_deref()),
            shown(self.requested_position.as_deref()),
        );
        if self.action == "transfer" || self.target_state.as_deref() == Some("blocked") {
            // What the approval resets whatever the document says (crate::hr::approve).
            changes.push("hr and reports rights, head marks: reset".to_string());
        }
        self.changes = changes;
        self
    }
}

/// A head of a body, as marked by the operator: only they co-sign that body's HR applications.
#[derive(Debug, Clone, Serialize)]
pub struct HeadRow {
    /// ИИН.
    pub iin: String,
    /// БИН of the body.
    pub organisation_bin: String,
    /// Full name.
    pub full_name: String,
    /// Position.
    pub position: String,
    /// When marked (Astana).
    pub marked_at: String,
    /// The operator who marked them.
    pub marked_by: String,
}
