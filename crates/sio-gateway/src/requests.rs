//! Requests: signature, idempotency, the rules (sio-core), the case registry (rule 5), results.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use chrono::{Duration, NaiveDate, TimeZone, Utc};
use rusqlite::{Connection, OptionalExtension, params};
use sio_core::access::Variant;
use sio_protocol::{
    BasisKey, ExportDocument, ExportReceipt, ReceivedSigned, Report, ReportRow, RequestDocument,
    RequestList, RequestState, RequestStatus, ResultDelivery, ResultTable,
};
use uuid::Uuid;

use crate::auth::User;
use crate::certs::sha256_hex;
use crate::clock::{astana, now, parse, stamp};
use crate::error::GwError;
use crate::server::Shared;

fn basis_key(key: &str) -> Option<BasisKey> {
    serde_json::from_value(serde_json::Value::String(key.to_string())).ok()
}

struct Row {
    request_id: String,
    service: u8,
    submitted_at: String,
    ready_at: String,
    user_iin: String,
    subject: String,
    variant: String,
    document_sha256: String,
}

fn load(conn: &Connection, id: &str) -> Result<Option<Row>, GwError> {
    conn.query_row(
        "SELECT request_id, service, submitted_at, ready_at, user_iin, subject, variant, document_sha256
         FROM requests WHERE request_id = ?1",
        [id],
        |r| {
            Ok(Row {
                request_id: r.get(0)?,
                service: r.get(1)?,
                submitted_at: r.get(2)?,
                ready_at: r.get(3)?,
                user_iin: r.get(4)?,
                subject: r.get(5)?,
                variant: r.get(6)?,
                document_sha256: r.get(7)?,
            })
        },
    )
    .optional()
    .map_err(GwError::db("load a request"))
}

fn status_of(row: &Row, duplicate: bool) -> RequestStatus {
    let at = now();
    let ready = parse(&row.ready_at);
    let is_ready = ready.is_some_and(|r| r <= at);
    RequestStatus {
        request_id: Uuid::parse_str(&row.request_id).unwrap_or_default(),
        state: if is_ready {
            RequestState::Ready
        } else {
            RequestState::Processing
        },
        service: row.service,
        submitted_at: astana(parse(&row.submitted_at).unwrap_or(at)),
        ready_at: ready.filter(|_| is_ready).map(astana),
        duplicate,
    }
}

/// `POST /v1/requests`. A new request comes with its group-commit ticket: the caller answers
/// only after [`crate::db::GroupCommit::wait`].
pub(crate) fn submit(
    sh: &Shared,
    user: &User,
    body: &[u8],
) -> Result<(RequestStatus, Option<u64>), GwError> {
    let at = now();
    let received = ReceivedSigned::from_body(body)?;
    let verifiers = sh.tls.verifiers()?;
    let checked = verifiers.identified(&received.canonical, &received.cms_der, 1..=1)?;
    let doc: RequestDocument = received.parse()?;
    let signer = checked
        .signers()
        .first()
        .and_then(|v| v.certificate.iin.clone());
    if signer.as_deref() != Some(user.iin.as_str()) || doc.user_iin != user.iin {
        return Err(GwError::SignerMismatch);
    }
    let doc_sha = sha256_hex(&received.canonical);
    let id = doc.request_id.to_string();
    {
        let conn = sh.db()?;
        if let Some(existing) = load(&conn, &id)? {
            if existing.document_sha256 == doc_sha && existing.user_iin == user.iin {
                return Ok((status_of(&existing, true), None));
            }
            return Err(GwError::RequestIdConflict);
        }
    }
    // A new request: its CMS signingTime, too, must be live.
    checked.fresh()?;
    let skew = (doc.signed_at.with_timezone(&Utc) - at).num_seconds();
    if skew.unsigned_abs() > u64::from(sio_protocol::CLOCK_WINDOW_SECONDS) {
        return Err(GwError::ClockSkew {
            skew_seconds: skew,
            window: sio_protocol::CLOCK_WINDOW_SECONDS,
        });
    }
    let role = user.role.ok_or(GwError::NoRequestRights)?;
    if doc.role != role {
        return Err(GwError::RoleMismatch);
    }
    let spec = doc.to_spec()?;
    let grant = spec.check()?;
    let case_key = spec.case.case_key();
    let conn = sh.db()?;
    // The operator checks that the case is in the user's proceedings (rule 5), except for a
    // request for international legal assistance: 2015 r.5 exempts part 2 of r.22 from that
    // check, and the 2024 text of rule 5 its point 23. Such a request has no case of the user's
    // in ЕРДР to look up; its reference is the foreign request and the RK authority's cover letter.
    let exempt = matches!(spec.case, sio_core::CaseReference::LegalAssistance { .. });
    if !exempt {
        let assigned: Option<i64> = conn
            .query_row(
                "SELECT 1 FROM cases WHERE basis = ?1 AND case_key = ?2 AND user_iin = ?3",
                params![spec.basis.key(), case_key, user.iin],
                |r| r.get(0),
            )
            .optional()
            .map_err(GwError::db("look up the case registry"))?;
        if assigned.is_none() {
            return Err(GwError::CaseNotAssigned);
        }
    }
    let variant = match grant.variant {
        Variant::Full => "full",
        Variant::Truncated => "truncated",
        Variant::UnderArticle { .. } => "under_article",
    };
    let subject = match &spec.subject {
        sio_core::Subject::Individual(i) => i.as_string(),
        sio_core::Subject::LegalEntity(b) => b.as_string(),
    };
    let delay = Duration::from_std(sh.config.result_delay).unwrap_or(Duration::seconds(3));
    let ready = at + delay;
    conn.execute(
        "INSERT INTO requests (request_id, user_iin, organisation_bin, role, basis, service, case_key, subject, variant,
                               document, document_sha256, cms, submitted_at, ready_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
        params![
            id,
            user.iin,
            user.organisation_bin,
            role,
            spec.basis.key(),
            spec.service.number(),
            case_key,
            subject,
            variant,
            received.canonical,
            doc_sha,
            received.cms_der,
            stamp(at),
            stamp(ready)
        ],
    )
    .map_err(GwError::db("store a request"))?;
    let ticket = sh.commits.ticket();
    tracing::info!(user = %user.iin, request = %id, service = spec.service.number(), "request accepted");
    let row = load(&conn, &id)?.ok_or(GwError::RequestNotFound)?;
    Ok((status_of(&row, false), Some(ticket)))
}

fn own(conn: &Connection, user: &User, id: &str) -> Result<Row, GwError> {
    match load(conn, id)? {
        Some(r) if r.user_iin == user.iin => Ok(r),
        _ => Err(GwError::RequestNotFound),
    }
}

/// `GET /v1/requests/{id}`.
pub(crate) fn status(sh: &Shared, user: &User, id: &str) -> Result<RequestStatus, GwError> {
    let conn = sh.db()?;
    Ok(status_of(&own(&conn, user, id)?, false))
}

/// `GET /v1/requests`.
pub(crate) fn list(sh: &Shared, user: &User) -> Result<RequestList, GwError> {
    let conn = sh.db()?;
    let mut stmt = conn
        .prepare("SELECT request_id FROM requests WHERE user_iin = ?1 ORDER BY submitted_at DESC LIMIT 500")
        .map_err(GwError::db("list requests"))?;
    let ids: Vec<String> = stmt
        .query_map([&user.iin], |r| r.get(0))
        .map_err(GwError::db("list requests"))?
        .collect::<Result<_, _>>()
        .map_err(GwError::db("list requests"))?;
    let mut requests = Vec::with_capacity(ids.len());
    for id in ids {
        if let Some(r) = load(&conn, &id)? {
            requests.push(status_of(&r, false));
        }
    }
    Ok(RequestList { requests })
}

/// `GET /v1/requests/{id}/result`: produced once when first asked after it is ready, then kept.
pub(crate) fn result(sh: &Shared, user: &User, id: &str) -> Result<ResultDelivery, GwError> {
    let conn = sh.db()?;
    let row = own(&conn, user, id)?;
    let st = status_of(&row, false);
    if st.state != RequestState::Ready {
        return Err(GwError::ResultNotReady);
    }
    let stored: Option<(String, String, bool, String, Vec<u8>)> = conn
        .query_row(
            "SELECT generated_at, title, truncated, table_json, pdf FROM results WHERE request_id = ?1",
            [id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
        )
        .optional()
        .map_err(GwError::db("load a result"))?;
    let (generated_at, title, truncated, table, pdf) = match stored {
        Some((g, title, truncated, json, pdf)) => {
            let table: ResultTable = serde_json::from_str(&json)
                .map_err(|e| GwError::Internal(format!("stored result table: {e}")))?;
            (parse(&g).unwrap_or_else(now), title, truncated, table, pdf)
        }
        None => {
            let service = sio_core::ServiceId::new(row.service)?;
            let at = parse(&row.ready_at).unwrap_or_else(now);
            let g = crate::results::generate(
                &row.request_id,
                service,
                &row.subject,
                row.variant == "truncated",
                at,
            );
            let json = serde_json::to_string(&g.table)
                .map_err(|e| GwError::Internal(format!("result table: {e}")))?;
            conn.execute(
                "INSERT INTO results (request_id, generated_at, title, truncated, table_json, pdf) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![id, stamp(at), g.title, g.truncated, json, g.pdf],
            )
            .map_err(GwError::db("store a result"))?;
            (at, g.title, g.truncated, g.table, g.pdf)
        }
    };
    Ok(ResultDelivery {
        request_id: st.request_id,
        service: row.service,
        title,
        generated_at: astana(generated_at),
        truncated,
        table,
        pdf_base64: STANDARD.encode(pdf),
    })
}

/// `GET /v1/reports?from=&to=` (rule 10): every request of the caller's body in the period.
pub(crate) fn report(
    sh: &Shared,
    user: &User,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Report, GwError> {
    if !user.reports {
        return Err(GwError::NoReportRights);
    }
    if to < from {
        return Err(GwError::BadPeriod("the end is before the start"));
    }
    if (to - from).num_days() > 366 {
        return Err(GwError::BadPeriod("at most one year per report"));
    }
    let start = sio_core::time::ASTANA
        .from_local_datetime(&from.and_hms_opt(0, 0, 0).unwrap_or_default())
        .earliest()
        .map(|t| t.with_timezone(&Utc))
        .ok_or(GwError::BadPeriod("start"))?;
    let end = sio_core::time::ASTANA
        .from_local_datetime(
            &(to + Duration::days(1))
                .and_hms_opt(0, 0, 0)
                .unwrap_or_default(),
        )
        .earliest()
        .map(|t| t.with_timezone(&Utc))
        .ok_or(GwError::BadPeriod("end"))?;
    let conn = sh.db()?;
    let mut stmt = conn
        .prepare(
            "SELECT r.request_id, r.user_iin, COALESCE(u.full_name, ''), r.service, r.basis, r.case_key, r.submitted_at
             FROM requests r LEFT JOIN users u ON u.iin = r.user_iin
             WHERE r.organisation_bin = ?1 ORDER BY r.submitted_at",
        )
        .map_err(GwError::db("make a report"))?;
    let rows = stmt
        .query_map([&user.organisation_bin], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, u8>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, String>(5)?,
                r.get::<_, String>(6)?,
            ))
        })
        .map_err(GwError::db("make a report"))?;
    let mut out = Vec::new();
    for r in rows {
        let (id, iin, name, service, basis, case_key, submitted) =
            r.map_err(GwError::db("make a report"))?;
        let Some(t) = parse(&submitted) else { continue };
        if t < start || t >= end {
            continue;
        }
        let Some(basis) = basis_key(&basis) else {
            continue;
        };
        out.push(ReportRow {
            request_id: Uuid::parse_str(&id).unwrap_or_default(),
            user_iin: iin,
            user_name: name,
            service,
            basis,
            case_number: case_key,
            submitted_at: astana(t),
        });
    }
    Ok(Report {
        organisation_bin: user.organisation_bin.clone(),
        from,
        to,
        generated_at: astana(now()),
        rows: out,
    })
}

/// `POST /v1/exports`: record that the user attached a result to case materials.
pub(crate) fn export(
    sh: &Shared,
    user: &User,
    body: &[u8],
) -> Result<(ExportReceipt, bool), GwError> {
    let at = now();
    let received = ReceivedSigned::from_body(body)?;
    let verifiers = sh.tls.verifiers()?;
    let checked = verifiers.identified(&received.canonical, &received.cms_der, 1..=1)?;
    let doc: ExportDocument = received.parse()?;
    if checked
        .signers()
        .first()
        .and_then(|v| v.certificate.iin.as_deref())
        != Some(user.iin.as_str())
        || doc.user_iin != user.iin
    {
        return Err(GwError::SignerMismatch);
    }
    let doc_sha = sha256_hex(&received.canonical);
    let conn = sh.db()?;
    let existing: Option<(String, String, String)> = conn
        .query_row(
            "SELECT document_sha256, request_id, recorded_at FROM exports WHERE export_id = ?1",
            [doc.export_id.to_string()],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()
        .map_err(GwError::db("look up an export"))?;
    if let Some((sha, request, recorded)) = existing {
        if sha != doc_sha {
            return Err(GwError::RequestIdConflict);
        }
        return Ok((
            ExportReceipt {
                export_id: doc.export_id,
                request_id: Uuid::parse_str(&request).unwrap_or_default(),
                recorded_at: astana(parse(&recorded).unwrap_or(at)),
            },
            false,
        ));
    }
    checked.fresh()?;
    let skew = (doc.signed_at.with_timezone(&Utc) - at).num_seconds();
    if skew.unsigned_abs() > u64::from(sio_protocol::CLOCK_WINDOW_SECONDS) {
        return Err(GwError::ClockSkew {
            skew_seconds: skew,
            window: sio_protocol::CLOCK_WINDOW_SECONDS,
        });
    }
    if doc.reason.trim().is_empty() {
        return Err(GwError::ExportInvalid("the reason is required"));
    }
    if doc.content_sha256.len() != 64 || !doc.content_sha256.bytes().all(|b| b.is_ascii_hexdigit())
    {
        return Err(GwError::ExportInvalid(
            "content_sha256 must be 64 hex digits",
        ));
    }
    let request_id = doc.request_id.to_string();
    own(&conn, user, &request_id)?;
    let delivered: Option<i64> = conn
        .query_row(
            "SELECT 1 FROM results WHERE request_id = ?1",
            [&request_id],
            |r| r.get(0),
        )
        .optional()
        .map_err(GwError::db("look up a result"))?;
    if delivered.is_none() {
        return Err(GwError::ExportInvalid(
            "the result of this request has not been delivered",
        ));
    }
    crate::db::durable(&conn, |conn| {
        conn.execute(
            "INSERT INTO exports (export_id, request_id, user_iin, reason, content_sha256, document, document_sha256, cms, recorded_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            params![
                doc.export_id.to_string(),
                request_id,
                user.iin,
                doc.reason.trim(),
                doc.content_sha256.to_ascii_lowercase(),
                received.canonical,
                doc_sha,
                received.cms_der,
                stamp(at)
            ],
        )
        .map_err(GwError::db("record an export"))
    })?;
    tracing::info!(user = %user.iin, request = %request_id, "export to case materials recorded");
    Ok((
        ExportReceipt {
            export_id: doc.export_id,
            request_id: doc.request_id,
            recorded_at: astana(at),
        },
        true,
    ))
}
