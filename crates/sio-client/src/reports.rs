//! "Reports" for departmental control (rule 10 as of Order 88/2024): all requests of the users of
//! the supervisor's body for a period, from the gateway, filterable and exportable as CSV and PDF.

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

/// One CSV field (RFC 4180 quoting). A field that a spreadsheet would read as a formula — one
/// starting with `=`, `+`, `-`, `@`, a tab or a carriage return — is prefixed with a single
/// quote so that it is shown as text (OWASP "CSV Injection"). Names are checked on entry since
/// `CORE_NAME_INVALID`, but reports also cover records that predate that check, and case
/// numbers and other text come from documents too.
pub fn csv_field(s: &str) -> String {
    let s = if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{s}")
    } else {
        s.to_owned()
    };
    if s.contains([',', '"', '\n', '\r', ';', '\t']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s
    }
}

/// The rows that pass `filter` as CSV (RFC 4180, CRLF line ends, UTF-8 with a byte-order mark so
/// spreadsheet programs read Cyrillic right). Times are Astana time; services are named as in
/// Appendix 2.
pub fn to_csv(report: &Report, filter: &Filter) -> String {
    let mut out = String::from("\u{feff}");
    out.push_str("request_id,submitted_at_astana,user_iin,user_name,basis,case_number,article,service,service_name\r\n");
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
            // `216` or `216.2` (article 216, part 2), the form `sio check` reads.
            row.article
                .map(|a| match a.part {
                    Some(p) => format!("{}.{p}", a.article),
                    None => a.article.to_string(),
                })
                .unwrap_or_default(),
            row.service.to_string(),
            service_name.to_owned(),
        ];
        let line: Vec<String> = fields.iter().map(|f| csv_field(f)).collect();
        out.push_str(&line.join(","));
        out.push_str("\r\n");
    }
    out
}

/// The font for [`to_pdf`]: the first of [`sio_pdf::font_candidates`] that reads and parses
/// (DejaVu Sans from Debian `fonts-dejavu-core`, or the file named by `SIO_PDF_FONT`). Without one
/// the PDF is set in Helvetica with Cyrillic transliterated.
pub fn pdf_font() -> Option<sio_pdf::Font> {
    sio_pdf::font_candidates()
        .iter()
        .find_map(|p| sio_pdf::Font::from_bytes(std::fs::read(p).ok()?))
}

fn basis_name(basis: sio_protocol::BasisKey, lang: sio_pdf::Lang) -> String {
    match basis.key().parse::<sio_core::Basis>() {
        Ok(b) => match lang {
            sio_pdf::Lang::Kk => b.names().kk.to_owned(),
            sio_pdf::Lang::Ru => b.name_ru().to_owned(),
            sio_pdf::Lang::En => b.names().en.to_owned(),
        },
        Err(_) => basis.key().to_owned(),
    }
}

/// The declared Criminal Code article (2024 r.2: State Revenue services under Chapter 8).
fn article_name(article: Option<sio_protocol::Article>, lang: sio_pdf::Lang) -> String {
    let Some(a) = article else {
        return String::new();
    };
    match (lang, a.part) {
        (sio_pdf::Lang::Kk, Some(p)) => format!("{}-бап {p}-бөлік", a.article),
        (sio_pdf::Lang::Kk, None) => format!("{}-бап", a.article),
        (sio_pdf::Lang::Ru, Some(p)) => format!("ч.{p} ст.{}", a.article),
        (sio_pdf::Lang::Ru, None) => format!("ст.{}", a.article),
        (sio_pdf::Lang::En, Some(p)) => format!("art. {} part {p}", a.article),
        (sio_pdf::Lang::En, None) => format!("art. {}", a.article),
    }
}

fn service_name(service: u8, lang: sio_pdf::Lang) -> String {
    let name = sio_core::ServiceId::new(service).map(|s| match lang {
        sio_pdf::Lang::Kk => s.names().kk,
        sio_pdf::Lang::Ru => s.service().name_ru,
        sio_pdf::Lang::En => s.names().en,
    });
    match name {
        Ok(n) => format!("{service}. {n}"),
        Err(_) => service.to_string(),
    }
}

/// The rows that pass `filter` as a PDF table (A4 landscape, the header row on every page):
/// the title, the body's БИН, the filter, the period, the time the gateway made the report (Astana
/// time); each row's time (Astana), user, basis, case (with the declared article), service and
/// request id. Labels and the names of bases and services in `lang`; `font` from [`pdf_font`].
pub fn to_pdf(
    report: &Report,
    filter: &Filter,
    lang: sio_pdf::Lang,
    font: Option<&sio_pdf::Font>,
) -> Vec<u8> {
    use sio_pdf::Lang::{En, Kk, Ru};
    let pick = |kk: &str, ru: &str, en: &str| -> String {
        match lang {
            Kk => kk,
            Ru => ru,
            En => en,
        }
        .to_owned()
    };
    let title = pick(
        "Орган пайдаланушыларының сұраныстары (2024 ж. Қағидалардың 10-т.)",
        "Запросы пользователей органа (п. 10 Правил в ред. 2024 г.)",
        "Requests by the users of the body (rule 10 as of 2024)",
    );
    let mut lines = vec![format!(
        "{}: {}",
        pick("Органның БСН", "БИН органа", "Body's БИН"),
        report.organisation_bin
    )];
    let mut conditions = Vec::new();
    if let Some(iin) = &filter.user_iin {
        conditions.push(format!("{} {iin}", pick("ЖСН", "ИИН", "ИИН")));
    }
    if let Some(service) = filter.service {
        conditions.push(format!("{} {service}", pick("сервис", "сервис", "service")));
    }
    if let Some(case) = &filter.case_contains {
        conditions.push(format!("{} «{case}»", pick("іс", "дело", "case")));
    }
    if !conditions.is_empty() {
        lines.push(format!(
            "{}: {}",
            pick("Сүзгі", "Фильтр", "Filter"),
            conditions.join(", ")
        ));
    }
    let header = sio_pdf::Header {
        title,
        lines,
        period: Some((report.from, report.to)),
        generated_at: report.generated_at.with_timezone(&chrono::Utc),
        lang,
    };
    let columns = vec![
        "№".to_owned(),
        pick("Уақыты (Астана)", "Время (Астана)", "Time (Astana)"),
        pick("Пайдаланушы ЖСН", "ИИН пользователя", "User ИИН"),
        pick("Пайдаланушы", "Пользователь", "User"),
        pick("Негіз", "Основание", "Basis"),
        pick("Іс нөмірі", "Номер дела", "Case number"),
        pick("Сервис", "Сервис", "Service"),
        pick("Сұраныс ID", "ID запроса", "Request id"),
    ];
    let rows = report
        .rows
        .iter()
        .filter(|r| filter.matches(r))
        .enumerate()
        .map(|(i, row)| {
            vec![
                (i + 1).to_string(),
                sio_core::time::to_astana(row.submitted_at.with_timezone(&chrono::Utc))
                    .format("%d.%m.%Y %H:%M:%S")
                    .to_string(),
                row.user_iin.clone(),
                row.user_name.clone(),
                basis_name(row.basis, lang),
                // The declared article goes with the case (no column of its own: the table is
                // as wide as A4 landscape allows).
                match article_name(row.article, lang) {
                    a if a.is_empty() => row.case_number.clone(),
                    a => format!("{}, {a}", row.case_number),
                },
                service_name(row.service, lang),
                row.request_id.to_string(),
            ]
        })
        .collect();
    sio_pdf::table_document(font, &header, &sio_pdf::Table { columns, rows })
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
            article: (service == 38).then_some(sio_protocol::Article {
                article: 245,
                part: Some(2),
            }),
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
        // The declared Chapter 8 article has its column (2024 r.2); empty when none was declared.
        assert!(all.contains(",case_number,article,service,"), "{all}");
        assert!(all.contains(",241500031000777,245.2,38,"), "{all}");
        assert!(all.contains(",241500031000123,,1,"), "{all}");
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

    /// Formula starts (OWASP "CSV Injection") are neutralised by a leading single quote, in
    /// every field, also inside quotes; ordinary values are untouched.
    #[test]
    fn csv_escapes_formula_starts() {
        assert_eq!(csv_field("ИВАНОВ"), "ИВАНОВ");
        assert_eq!(
            csv_field("=HYPERLINK(\"http://x\")"),
            "\"'=HYPERLINK(\"\"http://x\"\")\""
        );
        assert_eq!(csv_field("=1+2"), "'=1+2");
        assert_eq!(csv_field("+7701"), "'+7701");
        assert_eq!(csv_field("-2+3"), "'-2+3");
        assert_eq!(csv_field("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(csv_field("\t=1"), "\"'\t=1\"");
        assert_eq!(csv_field("\r=1"), "\"'\r=1\"");
        assert_eq!(csv_field("=cmd|' /C calc'!A0"), "'=cmd|' /C calc'!A0");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(
            csv_field("2026-11-23 10:00:00 +05:00"),
            "2026-11-23 10:00:00 +05:00"
        );
        let at = chrono::DateTime::parse_from_rfc3339("2026-11-23T10:00:00+05:00").unwrap();
        let report = Report {
            organisation_bin: "040340001233".into(),
            from: at.date_naive(),
            to: at.date_naive(),
            generated_at: at,
            rows: vec![ReportRow {
                request_id: uuid::Uuid::nil(),
                user_iin: "850415300121".into(),
                user_name: "=HYPERLINK(\"http://evil.invalid\",\"ИВАНОВ\")".into(),
                service: 1,
                basis: sio_protocol::BasisKey::Criminal,
                case_number: "@241500031000123".into(),
                article: None,
                submitted_at: at,
            }],
        };
        let csv = to_csv(&report, &Filter::default());
        let row = csv.lines().nth(1).unwrap();
        assert!(row.contains(",\"'=HYPERLINK("), "{row}");
        assert!(row.contains(",'@241500031000123,"), "{row}");
        assert!(!row.contains(",=") && !row.contains(",\"="), "{row}");
    }

    /// The PDF export read back with poppler's `pdftotext` (Debian `poppler-utils`), set in DejaVu
    /// Sans (`fonts-dejavu-core`): every row that passes the filter, with Kazakh letters intact.
    #[test]
    fn pdf_has_every_filtered_row_with_kazakh_letters() {
        let at = chrono::DateTime::parse_from_rfc3339("2026-11-23T10:00:00+05:00").unwrap();
        let names = [
            "ӘБІЛҚАЙЫР Ұлжан Ғалымқызы",
            "ҢӨҮҺІ Әсет",
            "СЕРІКОВА АЙГЕРІМ",
        ];
        let rows: Vec<ReportRow> = (0..75u32)
            .map(|i| ReportRow {
                request_id: uuid::Uuid::from_u128(u128::from(i) + 1),
                user_iin: format!("8504153{:05}", i),
                user_name: names[i as usize % names.len()].to_owned(),
                service: if i % 5 == 0 { 38 } else { 1 },
                basis: sio_protocol::BasisKey::Criminal,
                case_number: format!("2415000310{:05}", i),
                article: None,
                submitted_at: at + chrono::Duration::minutes(i64::from(i)),
            })
            .collect();
        let report = Report {
            organisation_bin: "040340001233".into(),
            from: at.date_naive(),
            to: at.date_naive(),
            generated_at: at,
            rows,
        };
        let font = pdf_font().expect("DejaVu Sans (apt-get install fonts-dejavu-core)");
        let dir = tempfile::tempdir().unwrap();
        let text = |pdf: &[u8]| {
            let path = dir.path().join("r.pdf");
            std::fs::write(&path, pdf).unwrap();
            let out = std::process::Command::new("pdftotext")
                .args(["-layout"])
                .arg(&path)
                .arg("-")
                .output()
                .expect("pdftotext (apt-get install poppler-utils)");
            assert!(out.status.success() && out.stderr.is_empty());
            String::from_utf8(out.stdout).unwrap()
        };
        let all = text(&to_pdf(
            &report,
            &Filter::default(),
            sio_pdf::Lang::Ru,
            Some(&font),
        ));
        assert!(all.contains("Страница 1 / "), "{all}");
        assert!(all.contains("Период: 23.11.2026 — 23.11.2026"), "{all}");
        assert!(all.contains("Сформировано: 23.11.2026 10:00:00 (время Астаны, UTC+05:00)"));
        for (i, row) in report.rows.iter().enumerate() {
            let line = all
                .lines()
                .find(|l| l.contains(&row.user_iin))
                .unwrap_or_else(|| panic!("row {i} missing:\n{all}"));
            assert!(line.contains(&row.user_name), "{line}");
            assert!(line.contains(&row.case_number), "{line}");
            assert!(line.contains(&format!("{:02}:", 10 + (i / 60))), "{line}");
        }
        for letter in ["ә", "ғ", "қ", "ң", "ө", "ұ", "ү", "һ", "і"] {
            assert!(all.to_lowercase().contains(letter), "{letter} missing");
        }

        let only = Filter {
            service: Some(38),
            ..Filter::default()
        };
        let kk = text(&to_pdf(&report, &only, sio_pdf::Lang::Kk, Some(&font)));
        assert!(kk.contains("Сүзгі: сервис 38"), "{kk}");
        assert!(kk.contains("Жолдар: 15"), "{kk}");
        assert!(kk.contains("Бет 1 / 1"), "{kk}");
        for row in &report.rows {
            assert_eq!(
                kk.contains(&row.user_iin),
                row.service == 38,
                "{}",
                row.user_iin
            );
        }
    }

    /// The declared Chapter 8 article (2024 r.2; Appendix 2 footnote 2) is printed with the case.
    #[test]
    fn pdf_prints_the_declared_article_with_the_case() {
        let at = chrono::DateTime::parse_from_rfc3339("2026-11-23T10:00:00+05:00").unwrap();
        let row = |n: u32, article: Option<sio_protocol::Article>| ReportRow {
            request_id: uuid::Uuid::from_u128(u128::from(n)),
            user_iin: format!("85041530012{n}"),
            user_name: "СЕРІКОВА АЙГЕРІМ".into(),
            service: if article.is_some() { 38 } else { 1 },
            basis: sio_protocol::BasisKey::Criminal,
            case_number: format!("24150003100077{n}"),
            article,
            submitted_at: at,
        };
        let report = Report {
            organisation_bin: "040340001233".into(),
            from: at.date_naive(),
            to: at.date_naive(),
            generated_at: at,
            rows: vec![
                row(
                    1,
                    Some(sio_protocol::Article {
                        article: 245,
                        part: Some(2),
                    }),
                ),
                row(
                    2,
                    Some(sio_protocol::Article {
                        article: 216,
                        part: None,
                    }),
                ),
                row(3, None),
            ],
        };
        let font = pdf_font().expect("DejaVu Sans (apt-get install fonts-dejavu-core)");
        let dir = tempfile::tempdir().unwrap();
        for (lang, a, b) in [
            (sio_pdf::Lang::Ru, "ч.2 ст.245", "ст.216"),
            (sio_pdf::Lang::Kk, "245-бап 2-бөлік", "216-бап"),
            (sio_pdf::Lang::En, "art. 245 part 2", "art. 216"),
        ] {
            let path = dir.path().join("r.pdf");
            std::fs::write(
                &path,
                to_pdf(&report, &Filter::default(), lang, Some(&font)),
            )
            .unwrap();
            let out = std::process::Command::new("pdftotext")
                .args(["-layout"])
                .arg(&path)
                .arg("-")
                .output()
                .expect("pdftotext (apt-get install poppler-utils)");
            let text = String::from_utf8(out.stdout).unwrap();
            // A row's cell may wrap onto the next line: its words are in the row's two lines.
            let lines: Vec<&str> = text.lines().collect();
            let words = |iin: &str| -> Vec<String> {
                let k = lines.iter().position(|l| l.contains(iin)).unwrap();
                lines[k..(k + 2).min(lines.len())]
                    .iter()
                    .flat_map(|l| l.split_whitespace().map(str::to_owned))
                    .collect()
            };
            for (iin, case, article) in [
                ("850415300121", "241500031000771,", a),
                ("850415300122", "241500031000772,", b),
            ] {
                let w = words(iin);
                assert!(w.iter().any(|x| x == case), "{text}");
                for part in article.split_whitespace() {
                    assert!(w.iter().any(|x| x == part), "{part}: {text}");
                }
            }
            // No article: the case number alone.
            assert!(
                words("850415300123").iter().any(|x| x == "241500031000773"),
                "{text}"
            );
        }
    }
}
