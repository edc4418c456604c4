//! "Reports" for departmental control (rule 10 as of Order 88/2024): all requests of the users of
//! the supervisor's body for a period, from the gateway, filterable and exportable as CSV.

use chrono::NaiveDate;
use sio_protocol::{Report, ReportRow, paths};

use crate::channel::Channel;
use crate::error::ClientError;
use crate::session::Session;

/// The body's requests from `from` to `to` (inclusive, Astana dates). The gateway grants this only
/// to users with report access (`GW_*` code otherwise).
pub async fn fetch(
    channel: &Channel,
    session: &Session,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Report, ClientError> {
    let path = format!("{}?from={from}&to={to}", paths::REPORTS);
    channel.get(&path, Some(session.token())).await
}

/// A filter over report rows; every given field must match.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// Only this user (ИИН).
    pub user_iin: Option<String>,
    /// Only this service number.
    pub service: Option<u8>,
    /// Only case numbers containing this text.
    pub case_contains: Option<String>,
}

impl Filter {
    /// Whether `row` passes.
    pub fn matches(&self, row: &ReportRow) -> bool {
        self.user_iin.as_deref().is_none_or(|i| row.user_iin == i)
            && self.service.is_none_or(|s| row.service == s)
            && self
                .case_contains
                .as_deref()
                .is_none_or(|c| row.case_number.contains(c))
    }
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_owned()
    }
}

/// The rows that pass `filter` as CSV (RFC 4180, CRLF line ends, UTF-8 with a byte-order mark so
/// spreadsheet programs read Cyrillic right). Times are Astana time; services are named as in
/// Appendix 2.
pub fn to_csv(report: &Report, filter: &Filter) -> String {
    let mut out = String::from("\u{feff}");
    out.push_str("request_id,submitted_at_astana,user_iin,user_name,basis,case_number,service,service_name\r\n");
    for row in report.rows.iter().filter(|r| filter.matches(r)) {
        let service_name = sio_core::ServiceId::new(row.service)
            .map(|s| s.service().name_ru)
            .unwrap_or("");
        let basis = serde_json::to_value(row.basis)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default();
        let fields = [
            row.request_id.to_string(),
            row.submitted_at.format("%Y-%m-%d %H:%M:%S %:z").to_string(),
            row.user_iin.clone(),
            row.user_name.clone(),
            basis,
            row.case_number.clone(),
            row.service.to_string(),
            service_name.to_owned(),
        ];
        let line: Vec<String> = fields.iter().map(|f| csv_field(f)).collect();
        out.push_str(&line.join(","));
        out.push_str("\r\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_quotes_and_filters() {
        let at = chrono::DateTime::parse_from_rfc3339("2026-11-23T10:00:00+05:00").unwrap();
        let row = |iin: &str, service: u8, case: &str| ReportRow {
            request_id: uuid::Uuid::nil(),
            user_iin: iin.into(),
            user_name: "ИВАНОВ, \"АЛЕКСЕЙ\"".into(),
            service,
            basis: sio_protocol::BasisKey::Criminal,
            case_number: case.into(),
            submitted_at: at,
        };
        let report = Report {
            organisation_bin: "040340001233".into(),
            from: at.date_naive(),
            to: at.date_naive(),
            generated_at: at,
            rows: vec![
                row("850415300121", 1, "241500031000123"),
                row("901120400238", 38, "241500031000777"),
            ],
        };
        let all = to_csv(&report, &Filter::default());
        assert!(all.starts_with('\u{feff}'));
        assert_eq!(all.lines().count(), 3);
        assert!(all.contains("\"ИВАНОВ, \"\"АЛЕКСЕЙ\"\"\""), "{all}");
        assert!(all.contains("2026-11-23 10:00:00 +05:00,850415300121"));
        assert!(all.contains(",criminal,"));
        assert!(
            all.contains("Государственная база данных \"\"Физические лица\"\"")
                || all.contains("\"Государственная база данных \"\"Физические лица\"\"\"")
        );
        let one = to_csv(
            &report,
            &Filter {
                service: Some(38),
                ..Filter::default()
            },
        );
        assert_eq!(one.lines().count(), 2);
        assert!(one.contains("901120400238"));
    }
}
