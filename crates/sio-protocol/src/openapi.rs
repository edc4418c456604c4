//! The OpenAPI 3.1 document, generated from the wire types (schemas are JSON Schema 2020-12,
//! which OpenAPI 3.1 uses as is). Checked in at `crates/sio-protocol/openapi.json`; a test
//! fails when that file differs from [`document`].

use schemars::generate::{SchemaGenerator, SchemaSettings};
use schemars::{JsonSchema, Schema};
use serde_json::{Map, Value, json};

use crate::paths;
use crate::*;

type SchemaFn = fn(&mut SchemaGenerator) -> Schema;

struct Endpoint {
    method: &'static str,
    path: &'static str,
    operation_id: &'static str,
    summary: &'static str,
    session: bool,
    body: Option<SchemaFn>,
    ok_status: &'static str,
    response: Option<SchemaFn>,
    query: &'static [(&'static str, &'static str)],
}

fn s<T: JsonSchema>(g: &mut SchemaGenerator) -> Schema {
    g.subschema_for::<T>()
}

fn endpoints() -> Vec<Endpoint> {
    let e = |method, path, operation_id, summary, session, body, ok_status, response| Endpoint {
        method,
        path,
        operation_id,
        summary,
        session,
        body,
        ok_status,
        response,
        query: &[],
    };
    vec![
        e(
            "get",
            paths::HEALTH,
            "health",
            "Liveness and the gateway's clock",
            false,
            None,
            "200",
            Some(s::<Health> as SchemaFn),
        ),
        e(
            "post",
            paths::LOGIN_CHALLENGE,
            "loginChallenge",
            "A fresh single-use login nonce",
            false,
            None,
            "200",
            Some(s::<LoginChallenge>),
        ),
        e(
            "post",
            paths::LOGIN,
            "login",
            "First factor: the signed login document (authentication key on a hardware carrier)",
            false,
            Some(s::<Signed<LoginDocument>>),
            "200",
            Some(s::<SessionInfo>),
        ),
        e(
            "post",
            paths::LOGIN_OTP,
            "sendOtp",
            "Send a one-time code by SMS to the registered number",
            true,
            None,
            "200",
            Some(s::<OtpSent>),
        ),
        e(
            "post",
            paths::LOGIN_OTP_VERIFY,
            "verifyOtp",
            "Check the one-time code",
            true,
            Some(s::<OtpCheck>),
            "200",
            Some(s::<SessionInfo>),
        ),
        e(
            "post",
            paths::LOGIN_BIOMETRIC,
            "verifyBiometric",
            "Second factor by fingerprint or face (answers GW_FACTOR_UNAVAILABLE for now)",
            true,
            Some(s::<BiometricSample>),
            "200",
            Some(s::<SessionInfo>),
        ),
        e(
            "post",
            paths::LOGIN_FACE_CHALLENGE,
            "faceChallenge",
            "A liveness challenge (random head movements, single use, time limit) for the Face ID second factor",
            true,
            None,
            "200",
            Some(s::<FaceChallenge>),
        ),
        e(
            "post",
            paths::LOGIN_FACE,
            "verifyFace",
            "Second factor by Face ID: key frames following the challenge, signed with the authentication key; the gateway re-checks liveness and matches against the enrolled template",
            true,
            Some(s::<Signed<FaceProof>>),
            "200",
            Some(s::<SessionInfo>),
        ),
        e(
            "post",
            paths::LOGIN_FINGERPRINT_CHALLENGE,
            "fingerprintChallenge",
            "A single-use challenge for the fingerprint second factor; the same for every user, enrolled or not",
            true,
            None,
            "200",
            Some(s::<FingerprintChallenge>),
        ),
        e(
            "post",
            paths::LOGIN_FINGERPRINT,
            "verifyFingerprint",
            "Second factor by fingerprint: the OS stack's verdict bound to the challenge, signed by the workstation key of a workstation the helpdesk enrolled the user at; a no-match counts towards the lockout",
            true,
            Some(s::<Signed<FingerprintVerdictDocument>>),
            "200",
            Some(s::<SessionInfo>),
        ),
        e(
            "post",
            paths::FINGERPRINT_ENROLMENTS,
            "recordFingerprintEnrolment",
            "Refused with GW_FINGERPRINT_ENROL_FORBIDDEN: a user cannot enrol themselves; the helpdesk records enrolments with `sio gateway admin enroll-fingerprint`",
            true,
            Some(s::<Signed<FingerprintEnrolmentDocument>>),
            "201",
            Some(s::<FingerprintEnrolment>),
        ),
        e(
            "get",
            paths::FINGERPRINT_ENROLMENTS,
            "listFingerprintEnrolments",
            "The user's fingerprint enrolments",
            true,
            None,
            "200",
            Some(s::<Vec<FingerprintEnrolment>>),
        ),
        e(
            "get",
            paths::SESSION,
            "session",
            "The current session",
            true,
            None,
            "200",
            Some(s::<SessionInfo>),
        ),
        e(
            "post",
            paths::SESSION_UNLOCK,
            "unlockSession",
            "Unlock a session locked after 15 idle minutes: a fresh challenge signed with the same authentication certificate (PIN again, no second factor)",
            true,
            Some(s::<Signed<LoginDocument>>),
            "200",
            Some(s::<SessionInfo>),
        ),
        e(
            "delete",
            paths::SESSION,
            "logout",
            "End the session",
            true,
            None,
            "204",
            None,
        ),
        e(
            "get",
            paths::CONSENT,
            "consentText",
            "The consent text to sign on first login",
            true,
            None,
            "200",
            Some(s::<ConsentText>),
        ),
        e(
            "post",
            paths::CONSENT,
            "signConsent",
            "The signed consent",
            true,
            Some(s::<Signed<ConsentDocument>>),
            "200",
            Some(s::<SessionInfo>),
        ),
        e(
            "post",
            paths::REQUESTS,
            "submitRequest",
            "Submit a signed request (idempotent by request_id)",
            true,
            Some(s::<Signed<RequestDocument>>),
            "202",
            Some(s::<RequestStatus>),
        ),
        e(
            "get",
            paths::REQUESTS,
            "listRequests",
            "The user's own requests",
            true,
            None,
            "200",
            Some(s::<RequestList>),
        ),
        e(
            "get",
            paths::REQUEST,
            "requestStatus",
            "Status of a request",
            true,
            None,
            "200",
            Some(s::<RequestStatus>),
        ),
        e(
            "get",
            paths::REQUEST_RESULT,
            "requestResult",
            "Result of a request (GW_RESULT_NOT_READY while processing)",
            true,
            None,
            "200",
            Some(s::<ResultDelivery>),
        ),
        e(
            "post",
            paths::APPLICATIONS,
            "submitApplication",
            "Submit an HR application signed by the applicant and the head",
            true,
            Some(s::<Signed<ApplicationDocument>>),
            "202",
            Some(s::<ApplicationStatus>),
        ),
        e(
            "get",
            paths::APPLICATION,
            "applicationStatus",
            "Status of an application",
            true,
            None,
            "200",
            Some(s::<ApplicationStatus>),
        ),
        e(
            "get",
            paths::STAFF,
            "staff",
            "The staff of the HR officer's body: last login, block due after two months' absence (Appendix 6 §11.2)",
            true,
            None,
            "200",
            Some(s::<StaffList>),
        ),
        e(
            "get",
            paths::NOTICES,
            "notices",
            "Planned works published in advance and open emergencies (2015 rr.38, 43, 44)",
            true,
            None,
            "200",
            Some(s::<Notices>),
        ),
        e(
            "post",
            paths::EXPORTS,
            "recordExport",
            "Record that a result was attached to case materials (signed; idempotent by export_id)",
            true,
            Some(s::<Signed<ExportDocument>>),
            "201",
            Some(s::<ExportReceipt>),
        ),
        Endpoint {
            query: &[
                ("from", "First day, YYYY-MM-DD (Astana)"),
                ("to", "Last day, YYYY-MM-DD (Astana), inclusive"),
            ],
            ..e(
                "get",
                paths::REPORTS,
                "report",
                "All requests of the caller's body in a period (rule 10)",
                true,
                None,
                "200",
                Some(s::<Report>),
            )
        },
    ]
}

/// The `operationId` of an endpoint (`method` lower case, `path` as in [`crate::paths`], ids
/// as `{id}`), e.g. `("post", "/v1/requests")` → `submitRequest`. Used in the access journal.
pub fn operation_id(method: &str, path: &str) -> Option<&'static str> {
    endpoints()
        .into_iter()
        .find(|e| e.method.eq_ignore_ascii_case(method) && e.path == path)
        .map(|e| e.operation_id)
}

/// The OpenAPI 3.1 document as JSON.
pub fn document() -> Value {
    let mut settings = SchemaSettings::draft2020_12();
    settings.definitions_path = "/components/schemas".into();
    settings.meta_schema = None;
    let mut g = settings.into_generator();
    let error_ref = g.subschema_for::<ErrorBody>();
    let _ = g.subschema_for::<JournalEntry>();

    let mut paths_obj = Map::new();
    for ep in endpoints() {
        let mut op = Map::new();
        op.insert("operationId".into(), json!(ep.operation_id));
        op.insert("summary".into(), json!(ep.summary));
        if ep.session {
            op.insert(
                "security".into(),
                json!([{ "mutualTLS": [], "session": [] }]),
            );
        } else {
            op.insert("security".into(), json!([{ "mutualTLS": [] }]));
        }
        let mut params: Vec<Value> = Vec::new();
        if ep.path.contains("{id}") {
            params.push(json!({"name": "id", "in": "path", "required": true, "schema": {"type": "string", "format": "uuid"}}));
        }
        for (name, desc) in ep.query {
            params.push(json!({"name": name, "in": "query", "required": true, "description": desc, "schema": {"type": "string", "format": "date"}}));
        }
        if !params.is_empty() {
            op.insert("parameters".into(), Value::Array(params));
        }
        if let Some(body) = ep.body {
            let schema = body(&mut g);
            op.insert(
                "requestBody".into(),
                json!({"required": true, "content": {"application/json": {"schema": schema}}}),
            );
        }
        let mut responses = Map::new();
        match ep.response {
            Some(r) => {
                let schema = r(&mut g);
                responses.insert(
                    ep.ok_status.into(),
                    json!({"description": "Success", "content": {"application/json": {"schema": schema}}}),
                );
            }
            None => {
                responses.insert(
                    ep.ok_status.into(),
                    json!({"description": "Success, no content"}),
                );
            }
        }
        responses.insert(
            "default".into(),
            json!({"description": "Failure: a stable code (docs/failure-codes.md) and a message", "content": {"application/json": {"schema": error_ref}}}),
        );
        op.insert("responses".into(), Value::Object(responses));
        let entry = paths_obj
            .entry(ep.path.to_string())
            .or_insert_with(|| Value::Object(Map::new()));
        if let Value::Object(m) = entry {
            m.insert(ep.method.into(), Value::Object(op));
        }
    }
    let schemas = g.take_definitions(true);
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "СИО ПСО reference gateway",
            "version": "1",
            "description": "Protocol v1 between АРМ СИО ПСО and the gateway. Transport: HTTPS, TLS 1.3 only, mutual TLS with a client certificate chained to the gateway's CA. Documents with legal weight travel as `Signed<T>`: the document plus a detached CMS SignedData over its canonical bytes (RFC 8785 JSON, integers only)."
        },
        "servers": [{"url": "https://127.0.0.1:8443"}],
        "paths": paths_obj,
        "components": {
            "schemas": schemas,
            "securitySchemes": {
                "mutualTLS": {"type": "mutualTLS", "description": "Client certificate (authentication, EKU clientAuth) chained to the gateway's CA"},
                "session": {"type": "http", "scheme": "bearer", "description": "Session token from POST /v1/login"}
            }
        }
    })
}

/// The document as pretty-printed JSON with a final newline (the checked-in form).
pub fn document_pretty() -> String {
    let mut s = serde_json::to_string_pretty(&document()).unwrap_or_default();
    s.push('\n');
    s
}
