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

const LOAD: &str = "SELECT request_id, service, submitted_at, ready_at, user_iin, subject, variant, document_sha256
     FROM requests WHERE request_id = ?1";

fn load(conn: &Connection, id: &str) -> Result<Option<Row>, GwError> {
    conn.prepare_cached(LOAD)
        .and_then(|mut st| {
            st.query_row([id], |r| {
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
            })
            .optional()
        })
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

/// A new request, checked and ready to store.
pub(crate) struct NewRequest {
    row: Row,
    organisation_bin: String,
    role: u8,
    basis: String,
    case_key: String,
    /// The declared Criminal Code article and part (for the report; 2024 r.2).
    article: Option<(u16, Option<u8>)>,
    document: Vec<u8>,
    cms: Vec<u8>,
    /// The session it came in, and the signing certificate it rests on from now on (issue 16:
    /// the session's certificates are re-checked on every call).
    session: String,
    signer_der: Vec<u8>,
}

/// What the checks of `POST /v1/requests` found.
pub(crate) enum Checked {
    /// A resend, byte for byte, of a request already held: its stored answer (`duplicate`).
    Known(RequestStatus, String, Vec<u8>),
    /// A new request to store ([`store`]).
    New(Box<NewRequest>),
}

/// `POST /v1/requests`, the part on the bounded pool: the signature, the rules, the case
/// registry (rule 5), read through a reader; nothing is written here.
pub(crate) fn check(
    sh: &Shared,
    user: &User,
    session: &str,
    body: &[u8],
) -> Result<Checked, GwError> {
    let at = now();
    let received = ReceivedSigned::from_body(body)?;
    let verifiers = sh.tls.verifiers()?;
    let checked = verifiers.identified(&received.canonical, &received.cms_der, 1..=1)?;
    let doc: RequestDocument = received.parse()?;
    let signer = checked.signers().first();
    if signer.and_then(|v| v.certificate.iin.as_deref()) != Some(user.iin.as_str())
        || doc.user_iin != user.iin
    {
        return Err(GwError::SignerMismatch);
    }
    let signer_der = signer
        .map(|v| v.certificate_der.clone())
        .unwrap_or_default();
    let doc_sha = sha256_hex(&received.canonical);
    let id = doc.request_id.to_string();
    let conn = sh.reader()?;
    if let Some(existing) = load(&conn, &id)? {
        if existing.document_sha256 == doc_sha && existing.user_iin == user.iin {
            return Ok(Checked::Known(
                status_of(&existing, true),
                session.to_string(),
                signer_der,
            ));
        }
        return Err(GwError::RequestIdConflict);
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
    // The operator checks that the case is in the user's proceedings (rule 5), except for a
    // request for international legal assistance: 2015 r.5 exempts part 2 of r.22 from that
    // check, and the 2024 text of rule 5 its point 23. Such a request has no case of the user's
    // in ЕРДР to look up; its reference is the foreign request and the RK authority's cover letter.
    let exempt = matches!(spec.case, sio_core::CaseReference::LegalAssistance { .. });
    if !exempt {
        let assigned: Option<i64> = conn
            .prepare_cached(
                "SELECT 1 FROM cases WHERE basis = ?1 AND case_key = ?2 AND user_iin = ?3",
            )
            .and_then(|mut st| {
                st.query_row(params![spec.basis.key(), case_key, user.iin], |r| r.get(0))
                    .optional()
            })
            .map_err(GwError::db("look up the case registry"))?;
        if assigned.is_none() {
            return Err(GwError::CaseNotAssigned);
        }
    }
    drop(conn);
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
    Ok(Checked::New(Box::new(NewRequest {
        row: Row {
            request_id: id,
            service: spec.service.number(),
            submitted_at: stamp(at),
            ready_at: stamp(ready),
            user_iin: user.iin.clone(),
            subject,
            variant: variant.to_string(),
            document_sha256: doc_sha,
        },
        organisation_bin: user.organisation_bin.clone(),
        role,
        basis: spec.basis.key().to_string(),
        case_key,
        article: spec.article.map(|a| (a.article(), a.part())),
        document: received.canonical,
        cms: received.cms_der,
        session: session.to_string(),
        signer_der,
    })))
}

const KEEP_SIGNER: &str =
    "INSERT OR IGNORE INTO session_certs (session, kind, sha256, der) VALUES (?1, 'sign', ?2, ?3)";

/// `POST /v1/requests`, the write: one job of the writer — the request and the session's signing
/// certificate in one transaction — answered once its batch is committed and synced: an accepted
/// request is on disk before the client hears 202. The id is checked again inside the
/// transaction, so two concurrent sends of one request store it once (the second is a duplicate).
pub(crate) async fn store(sh: &Shared, checked: Checked) -> Result<RequestStatus, GwError> {
    let new = match checked {
        Checked::Known(status, session, der) => {
            // A resend in another session: that session rests on the certificate too.
            if !der.is_empty() {
                sh.writer
                    .write(move |c| {
                        c.prepare_cached(KEEP_SIGNER)
                            .and_then(|mut st| st.execute(params![session, sha256_hex(&der), der]))
                            .map_err(GwError::db("keep a session's certificate"))
                    })
                    .await?;
            }
            return Ok(status);
        }
        Checked::New(new) => new,
    };
    let user = new.row.user_iin.clone();
    let status = sh
        .writer
        .write(move |c| {
            let n = &new;
            if let Some(existing) = load(c, &n.row.request_id)? {
                if existing.document_sha256 == n.row.document_sha256
                    && existing.user_iin == n.row.user_iin
                {
                    return Ok(status_of(&existing, true));
                }
                return Err(GwError::RequestIdConflict);
            }
            c.prepare_cached(
                "INSERT INTO requests (request_id, user_iin, organisation_bin, role, basis, service, case_key, subject, variant,
                                       document, document_sha256, cms, submitted_at, ready_at, article, article_part)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)",
            )
            .and_then(|mut st| {
                st.execute(params![
                    n.row.request_id,
                    n.row.user_iin,
                    n.organisation_bin,
                    n.role,
                    n.basis,
                    n.row.service,
                    n.case_key,
                    n.row.subject,
                    n.row.variant,
                    n.document,
                    n.row.document_sha256,
                    n.cms,
                    n.row.submitted_at,
                    n.row.ready_at,
                    n.article.map(|a| a.0),
                    n.article.and_then(|a| a.1)
                ])
            })
            .map_err(GwError::db("store a request"))?;
            if !n.signer_der.is_empty() {
                c.prepare_cached(KEEP_SIGNER)
                    .and_then(|mut st| {
                        st.execute(params![n.session, sha256_hex(&n.signer_der), n.signer_der])
                    })
                    .map_err(GwError::db("keep a session's certificate"))?;
            }
            Ok(status_of(&n.row, false))
        })
        .await?;
    if !status.duplicate {
        tracing::info!(user = %user, request = %status.request_id, service = status.service, "request accepted");
    }
    Ok(status)
}

fn own(conn: &Connection, user: &User, id: &str) -> Result<Row, GwError> {
    match load(conn, id)? {
        Some(r) if r.user_iin == user.iin => Ok(r),
        _ => Err(GwError::RequestNotFound),
    }
}

/// `GET /v1/requests/{id}` (blocking: a reader).
pub(crate) fn status(sh: &Shared, user: &User, id: &str) -> Result<RequestStatus, GwError> {
    let conn = sh.reader()?;
    Ok(status_of(&own(&conn, user, id)?, false))
}

/// `GET /v1/requests` (blocking: a reader).
pub(crate) fn list(sh: &Shared, user: &User) -> Result<RequestList, GwError> {
    let conn = sh.reader()?;
    let mut stmt = conn
        .prepare_cached(
            "SELECT request_id, service, submitted_at, ready_at, user_iin, subject, variant, document_sha256
             FROM requests WHERE user_iin = ?1 ORDER BY submitted_at DESC LIMIT 500",
        )
        .map_err(GwError::db("list requests"))?;
    let rows = stmt
        .query_map([&user.iin], |r| {
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
        })
        .map_err(GwError::db("list requests"))?;
    let mut requests = Vec::new();
    for r in rows {
        requests.push(status_of(&r.map_err(GwError::db("list requests"))?, false));
    }
    Ok(RequestList { requests })
}

type StoredResult = (String, String, bool, String, Vec<u8>);

const LOAD_RESULT: &str =
    "SELECT generated_at, title, truncated, table_json, pdf FROM results WHERE request_id = ?1";

fn load_result(conn: &Connection, id: &str) -> Result<Option<StoredResult>, GwError> {
    conn.prepare_cached(LOAD_RESULT)
        .and_then(|mut st| {
            st.query_row([id], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
            })
            .optional()
        })
        .map_err(GwError::db("load a result"))
}

/// `GET /v1/requests/{id}/result`: produced once when first asked after it is ready, then kept
/// (blocking: a reader, the generation, and the writer for the first delivery).
pub(crate) fn result(sh: &Shared, user: &User, id: &str) -> Result<ResultDelivery, GwError> {
    let (row, stored) = {
        let conn = sh.reader()?;
        let row = own(&conn, user, id)?;
        let stored = load_result(&conn, id)?;
        (row, stored)
    };
    let st = status_of(&row, false);
    if st.state != RequestState::Ready {
        return Err(GwError::ResultNotReady);
    }
    let stored = match stored {
        Some(s) => s,
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
            let id = id.to_string();
            // Generated the same way whoever asks first; the first stored one is kept.
            sh.writer.write_blocking(move |c| {
                c.prepare_cached(
                    "INSERT OR IGNORE INTO results (request_id, generated_at, title, truncated, table_json, pdf)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                )
                .and_then(|mut st| {
                    st.execute(params![id, stamp(at), g.title, g.truncated, json, g.pdf])
                })
                .map_err(GwError::db("store a result"))?;
                load_result(c, &id)?.ok_or(GwError::RequestNotFound)
            })?
        }
    };
    let (generated_at, title, truncated, json, pdf) = stored;
    let table: ResultTable = serde_json::from_str(&json)
        .map_err(|e| GwError::Internal(format!("stored result table: {e}")))?;
    Ok(ResultDelivery {
        request_id: st.request_id,
        service: row.service,
        title,
        generated_at: astana(parse(&generated_at).unwrap_or_else(now)),
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
            "SELECT r.request_id, r.user_iin, COALESCE(u.full_name, ''), r.service, r.basis, r.case_key, r.submitted_at,
                    r.article, r.article_part
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
                r.get::<_, Option<u16>>(7)?,
                r.get::<_, Option<u8>>(8)?,
            ))
        })
        .map_err(GwError::db("make a report"))?;
    let mut out = Vec::new();
    for r in rows {
        let (id, iin, name, service, basis, case_key, submitted, article, part) =
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
            // The Chapter 8 article declared (2024 r.2; Appendix 2 footnote 2), if any.
            article: article.map(|article| sio_protocol::Article { article, part }),
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
