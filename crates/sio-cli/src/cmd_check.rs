//! `sio check`: decide a request against the rules, as the composer and the gateway do.

use std::io::Read;
use std::path::PathBuf;
use std::process::ExitCode;

use serde_json::Value;
use serde_json::json;
use sio_core::case::{RawValue, ReferenceForm};
use sio_core::{
    Basis, Bin, CoreError, CriminalCodeArticle, Iin, RequestSpec, RoleId, ServiceId, Variant,
};

/// Arguments of `sio check`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// A request as JSON (`RequestSpec`: role, basis, case, subject, service, article); `-` reads
    /// standard input.
    request: PathBuf,
}

/// Run `sio check`: prints `{"allowed":true,"variant":…}` or `{"allowed":false,"code":…}`.
pub(crate) fn run(args: Args) -> ExitCode {
    let mut text = String::new();
    let read = if args.request.as_os_str() == "-" {
        std::io::stdin().read_to_string(&mut text).map(|_| ())
    } else {
        std::fs::read_to_string(&args.request).map(|t| text = t)
    };
    if let Err(e) = read {
        eprintln!("sio check: cannot read {}: {e}", args.request.display());
        return ExitCode::from(2);
    }
    let verdict = match serde_json::from_str::<RequestSpec>(&text) {
        Err(e) => match field_error(&text) {
            Some((field, Some(core))) => {
                json!({"allowed": false, "code": core.code(), "field": field,
                       "message": format!("{field}: {core}")})
            }
            Some((field, None)) => {
                json!({"allowed": false, "code": "CLI_REQUEST_MALFORMED", "field": field,
                       "message": format!("{field}: {e}")})
            }
            None => {
                json!({"allowed": false, "code": "CLI_REQUEST_MALFORMED", "message": e.to_string()})
            }
        },
        Ok(spec) => {
            // Structural warnings (issue 18: the acts are silent, a real person with a malformed
            // number must still be searchable): printed, never a silent pass, never a refusal.
            let today = sio_core::time::astana_today(chrono::Utc::now());
            let warnings: Vec<Value> = sio_core::warnings::request_warnings(&spec, today)
                .into_iter()
                .map(|w| json!({"code": w.code(), "field": w.field(), "message": w.message()}))
                .collect();
            for w in &warnings {
                eprintln!(
                    "sio check: warning {}: {} ({})",
                    w["code"].as_str().unwrap_or_default(),
                    w["message"].as_str().unwrap_or_default(),
                    w["field"].as_str().unwrap_or_default()
                );
            }
            match spec.check() {
                Ok(grant) => {
                    let variant = match grant.variant {
                        Variant::Full => json!("full"),
                        Variant::Truncated => json!("truncated"),
                        Variant::UnderArticle { article } => {
                            json!({"under_article": article.to_string()})
                        }
                    };
                    json!({"allowed": true, "service": grant.service, "basis": grant.basis,
                           "variant": variant, "warnings": warnings})
                }
                Err(e) => json!({"allowed": false, "code": e.code(), "message": e.to_string(),
                                 "warnings": warnings}),
            }
        }
    };
    println!("{verdict}");
    if verdict["allowed"] == true {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// The field of a request that failed to deserialise, and the rule it breaks, so the user sees the
/// field's name and its stable code (e.g. `case.instruction_no` and `CORE_CASE_FIELD_INVALID`)
/// rather than a generic parse error (issue 18 item 4). `(field, None)`: the field is missing or
/// of the wrong JSON type (`CLI_REQUEST_MALFORMED`).
fn field_error(text: &str) -> Option<(String, Option<CoreError>)> {
    let v: Value = serde_json::from_str(text).ok()?;
    v.as_object()?;
    for k in ["role", "basis", "case", "subject", "service"] {
        if v.get(k).is_none_or(Value::is_null) {
            return Some((k.to_string(), None));
        }
    }
    let num = |k: &str| {
        v.get(k)
            .and_then(Value::as_u64)
            .map(|n| u8::try_from(n).unwrap_or(0))
    };
    if let Some(Err(e)) = num("role").map(RoleId::new) {
        return Some(("role".into(), Some(e)));
    }
    if let Some(Err(e)) = num("service").map(ServiceId::new) {
        return Some(("service".into(), Some(e)));
    }
    if let Some(Err(e)) = v
        .get("basis")
        .and_then(Value::as_str)
        .map(str::parse::<Basis>)
    {
        return Some(("basis".into(), Some(e)));
    }
    // Chapter 8 article (2015 Appendix 2 footnote 2 / rule 2 as of 2024): `{"article":216,"part":0}`
    // is a malformed article, CORE_ARTICLE_FORMAT.
    if let Some(a) = v.get("article").filter(|a| !a.is_null()) {
        if serde_json::from_value::<CriminalCodeArticle>(a.clone()).is_err() {
            return Some(("article".into(), Some(CoreError::ArticleFormat)));
        }
    }
    let subject = &v["subject"];
    let id = subject
        .get("id")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let id_check = match subject.get("kind").and_then(Value::as_str) {
        Some("individual") => Iin::parse(id).err(),
        Some("legal_entity") => Bin::parse(id).err(),
        _ => return Some(("subject.kind".into(), None)),
    };
    if let Some(e) = id_check {
        return Some(("subject.id".into(), Some(e)));
    }
    let case = &v["case"];
    let Some(form) = case
        .get("kind")
        .and_then(Value::as_str)
        .and_then(ReferenceForm::from_kind)
    else {
        return Some(("case.kind".into(), None));
    };
    // The fields each basis requires (2015 rr.21–27, 2024 r.22, 2026 r.25).
    let raw = |k: &str| match case.get(k) {
        None | Some(Value::Null) => RawValue::Missing,
        Some(Value::String(s)) => RawValue::Str(s),
        Some(n) => n.as_u64().map_or(RawValue::Other, RawValue::Num),
    };
    if let Some((key, field)) = form.first_bad_field(raw) {
        return Some((format!("case.{key}"), Some(CoreError::CaseField(field))));
    }
    None
}
