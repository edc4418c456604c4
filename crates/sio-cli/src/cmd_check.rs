//! `sio check`: decide a request against the rules, as the composer and the gateway do.

use std::io::Read;
use std::path::PathBuf;
use std::process::ExitCode;

use serde_json::Value;
use serde_json::json;
use sio_core::{
    Basis, Bin, CaseReference, CoreError, Iin, RequestSpec, RoleId, ServiceId, Variant,
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
            Some(core) => {
                json!({"allowed": false, "code": core.code(), "message": core.to_string()})
            }
            None => {
                json!({"allowed": false, "code": "CLI_REQUEST_MALFORMED", "message": e.to_string()})
            }
        },
        Ok(spec) => match spec.check() {
            Ok(grant) => {
                let variant = match grant.variant {
                    Variant::Full => json!("full"),
                    Variant::Truncated => json!("truncated"),
                    Variant::UnderArticle { article } => {
                        json!({"under_article": article.to_string()})
                    }
                };
                json!({"allowed": true, "service": grant.service, "basis": grant.basis, "variant": variant})
            }
            Err(e) => json!({"allowed": false, "code": e.code(), "message": e.to_string()}),
        },
    };
    println!("{verdict}");
    if verdict["allowed"] == true {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// The rule a field of a request that failed to deserialise breaks, so the user sees its stable
/// code (e.g. `CORE_IIN_CHECK_DIGIT`) rather than a generic parse error.
fn field_error(text: &str) -> Option<CoreError> {
    let v: Value = serde_json::from_str(text).ok()?;
    let num = |k: &str| {
        v.get(k)
            .and_then(Value::as_u64)
            .map(|n| u8::try_from(n).unwrap_or(0))
    };
    if let Some(Err(e)) = num("role").map(RoleId::new) {
        return Some(e);
    }
    if let Some(Err(e)) = num("service").map(ServiceId::new) {
        return Some(e);
    }
    if let Some(Err(e)) = v
        .get("basis")
        .and_then(Value::as_str)
        .map(str::parse::<Basis>)
    {
        return Some(e);
    }
    let subject = v.get("subject")?;
    let id = subject
        .get("id")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let id_check = match subject.get("kind").and_then(Value::as_str) {
        Some("individual") => Iin::parse(id).err(),
        Some("legal_entity") => Bin::parse(id).err(),
        _ => None,
    };
    if id_check.is_some() {
        return id_check;
    }
    let case = v.get("case")?;
    if case.get("kind").is_some() && serde_json::from_value::<CaseReference>(case.clone()).is_err()
    {
        return Some(CoreError::CaseField(case_field(case)));
    }
    None
}

/// The first case field that does not hold a valid value.
fn case_field(case: &Value) -> sio_core::case::Field {
    use sio_core::case::{BodyName, CaseNumber, ErdrNumber, Field, OutgoingNumber};
    let s = |k: &str| case.get(k).and_then(Value::as_str).unwrap_or_default();
    if case.get("erdr").is_some() && ErdrNumber::new(s("erdr")).is_err() {
        return Field::ErdrNumber;
    }
    for k in ["instruction_no", "request_no", "cover_letter_no"] {
        if case.get(k).is_some() && OutgoingNumber::new(s(k)).is_err() {
            return Field::OutgoingNumber;
        }
    }
    for k in ["requesting_body", "court"] {
        if case.get(k).is_some() && BodyName::new(s(k)).is_err() {
            return Field::BodyName;
        }
    }
    if case.get("year").is_some() && !case["year"].is_u64() {
        return Field::AccountingYear;
    }
    if CaseNumber::new(s("number")).is_err() && case.get("number").is_some() {
        return Field::CaseNumber;
    }
    Field::AccountingYear
}
