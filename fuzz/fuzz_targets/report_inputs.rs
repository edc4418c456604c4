//! What goes into the reports the workstation prints: the gateway's report (JSON rows of
//! names, case numbers, ИИН) into CSV and PDF, and the gateway's result documents (text lines)
//! into PDF. Any bytes end in a refusal or a document, never a panic, a hang or an allocation
//! out of proportion (`-rss_limit_mb`, `-timeout`).
#![no_main]

#[path = "parts.rs"]
mod parts;

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use sio_client::reports::{Filter, to_csv, to_pdf};
use sio_pdf::Lang;

fn font() -> Option<&'static sio_pdf::Font> {
    static FONT: OnceLock<Option<sio_pdf::Font>> = OnceLock::new();
    FONT.get_or_init(sio_client::reports::pdf_font).as_ref()
}

fuzz_target!(|data: &[u8]| {
    let p = parts::parts(data, 2);
    let filter = Filter {
        user_iin: None,
        service: None,
        case_contains: std::str::from_utf8(p[1]).ok().map(str::to_owned),
    };
    match serde_json::from_slice::<sio_protocol::Report>(p[0]) {
        Ok(report) => {
            if report.rows.len() > 200 {
                return; // the PDF of a large report is slow by nature, not a hang
            }
            let csv = to_csv(&report, &filter);
            assert!(csv.starts_with('\u{feff}'));
            for lang in [Lang::Kk, Lang::Ru, Lang::En] {
                let pdf = to_pdf(&report, &filter, lang, font());
                assert!(pdf.starts_with(b"%PDF-"));
            }
        }
        Err(_) => {
            // As the lines of a result document (the gateway's text PDF).
            let text = String::from_utf8_lossy(p[0]);
            let lines: Vec<String> = text.lines().take(2000).map(str::to_owned).collect();
            let title = lines.first().cloned().unwrap_or_default();
            let pdf = sio_pdf::text_document(font(), &title, &lines);
            assert!(pdf.starts_with(b"%PDF-"));
            let _ = sio_client::reports::csv_field(&text);
        }
    }
});
