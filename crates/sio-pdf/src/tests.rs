//! The documents are checked with poppler's `pdftotext` (Debian `poppler-utils`) and set in DejaVu
//! Sans (`fonts-dejavu-core`), both in scripts/apt-packages.txt.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::*;
use crate::writer::Metrics;

fn font() -> Font {
    font_candidates()
        .iter()
        .find_map(|p| Font::from_bytes(std::fs::read(p).ok()?))
        .expect("DejaVu Sans (apt-get install fonts-dejavu-core, or set SIO_PDF_FONT)")
}

/// `pdftotext` output (with `-layout` when asked) and the page count.
fn extract(pdf: &[u8], layout: bool) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("d.pdf");
    std::fs::write(&path, pdf).unwrap();
    let mut cmd = std::process::Command::new("pdftotext");
    if layout {
        cmd.arg("-layout");
    }
    let out = cmd
        .arg(&path)
        .arg("-")
        .output()
        .expect("pdftotext (apt-get install poppler-utils)");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success() && stderr.trim().is_empty(), "{stderr}");
    String::from_utf8(out.stdout).unwrap()
}

fn check_xref(pdf: &[u8]) {
    let text = String::from_utf8_lossy(pdf);
    assert!(text.starts_with("%PDF-1.4"));
    let startxref: usize = text
        .rsplit("startxref\n")
        .next()
        .and_then(|t| t.lines().next())
        .and_then(|n| n.parse().ok())
        .expect("startxref");
    assert!(pdf[startxref..].starts_with(b"xref"));
}

const KAZAKH: &str = "әғқңөұүһі ӘҒҚҢӨҰҮҺІ";

#[test]
fn helvetica_fallback_is_well_formed_and_transliterated() {
    let pdf = text_document(None, "Сведения № 1", &["ИВАНОВ Қайрат (a)".to_string()]);
    check_xref(&pdf);
    let text = String::from_utf8_lossy(&pdf);
    assert!(text.contains("(Svedeniya No. 1) Tj"), "{text}");
    assert!(text.contains("(IVANOV Qayrat \\(a\\)) Tj"), "{text}");
    let extracted = extract(&pdf, false);
    assert!(extracted.contains("IVANOV Qayrat (a)"), "{extracted}");
}

#[test]
fn embedded_font_keeps_cyrillic_and_kazakh_in_text_documents() {
    let font = font();
    assert!(font.covers(KAZAKH));
    let lines = vec![
        "ИВАНОВ Қайрат, ИИН 850415300121".to_string(),
        "Сумма: 12 500 ₸".to_string(),
        KAZAKH.to_string(),
    ];
    let pdf = text_document(Some(&font), "Сведения о пенсионных взносах", &lines);
    check_xref(&pdf);
    assert!(
        pdf.len() < 60_000,
        "subset font keeps it small: {}",
        pdf.len()
    );
    let raw = String::from_utf8_lossy(&pdf);
    assert!(raw.contains("/FontFile2") && raw.contains("/ToUnicode"));
    let text = extract(&pdf, false);
    assert!(text.contains("Сведения о пенсионных взносах"), "{text}");
    assert!(text.contains("ИВАНОВ Қайрат"), "{text}");
    assert!(text.contains(KAZAKH), "{text}");
    assert!(text.replace(' ', "").contains("1/1"), "{text}");
}

#[test]
fn long_text_documents_wrap_and_paginate() {
    let lines: Vec<String> = (0..130).map(|i| format!("строка {i}")).collect();
    let pdf = text_document(Some(&font()), "Т", &lines);
    let text = extract(&pdf, false);
    assert!(text.contains("строка 129"), "{text}");
    assert!(text.replace(' ', "").contains("3/3"), "{text}");
}

fn header() -> Header {
    Header {
        title: "Запросы пользователей органа".into(),
        lines: vec!["Орган: БИН 040340001233".into()],
        period: Some((
            NaiveDate::from_ymd_opt(2026, 11, 1).unwrap(),
            NaiveDate::from_ymd_opt(2026, 11, 23).unwrap(),
        )),
        generated_at: DateTime::parse_from_rfc3339("2026-11-23T10:00:00Z")
            .unwrap()
            .with_timezone(&Utc),
        lang: Lang::Ru,
    }
}

fn table(rows: usize) -> Table {
    Table {
        columns: vec![
            "№".into(),
            "ИИН".into(),
            "Пользователь".into(),
            "Сервис".into(),
        ],
        rows: (0..rows)
            .map(|i| {
                vec![
                    (i + 1).to_string(),
                    format!("85041530{:04}", i),
                    format!("ӘБІЛҚАЙЫР Ұлжан Ғалымқызы {i}"),
                    "Сведения о ңөүһ из государственной базы данных «Физические лица»".into(),
                ]
            })
            .collect(),
    }
}

#[test]
fn a_table_spans_pages_with_its_header_on_each_and_every_row_readable() {
    let pdf = table_document(Some(&font()), &header(), &table(90));
    check_xref(&pdf);
    let text = extract(&pdf, true);
    let pages = text.split('\u{c}').filter(|p| !p.trim().is_empty()).count();
    assert!(pages >= 3, "{pages} pages:\n{text}");
    assert!(
        text.contains(&format!("Страница {pages} / {pages}")),
        "{text}"
    );
    // The header row on every page.
    assert_eq!(text.matches("Пользователь").count(), pages, "{text}");
    assert!(text.contains("Период: 01.11.2026 — 23.11.2026"), "{text}");
    // 10:00 UTC is 15:00 in Astana.
    assert!(
        text.contains("Сформировано: 23.11.2026 15:00:00 (время Астаны, UTC+05:00)"),
        "{text}"
    );
    assert!(text.contains("Строк: 90"));
    for i in 0..90 {
        let line = text
            .lines()
            .find(|l| l.contains(&format!("85041530{i:04}")))
            .unwrap_or_else(|| panic!("row {i} missing:\n{text}"));
        assert!(
            line.contains(&format!("ӘБІЛҚАЙЫР Ұлжан Ғалымқызы {i}")),
            "{line}"
        );
    }
    assert!(text.contains("ңөүһ"), "{text}");
}

#[test]
fn a_row_taller_than_a_page_continues_and_long_words_are_broken_not_lost() {
    let long: String = (0..400)
        .map(|i| format!("слово{i}"))
        .collect::<Vec<_>>()
        .join(" ");
    let word = "Қ".repeat(300);
    let t = Table {
        columns: vec!["А".into(), "Б".into()],
        rows: vec![
            vec![long.clone(), word.clone()],
            vec!["после".into(), "x".into()],
        ],
    };
    let pdf = table_document(Some(&font()), &header(), &t);
    let text = extract(&pdf, false);
    let squeezed: String = text.split_whitespace().collect();
    assert!(squeezed.contains(&word), "the long word was lost");
    for i in [0, 199, 399] {
        assert!(text.contains(&format!("слово{i}")), "слово{i}:\n{text}");
    }
    assert!(text.contains("после"));
    assert!(text.contains("Страница 2 /"), "{text}");
}

#[test]
fn an_empty_table_says_so_and_helvetica_tables_work() {
    let pdf = table_document(Some(&font()), &header(), &table(0));
    let text = extract(&pdf, false);
    assert!(text.contains("За период записей нет."), "{text}");
    let pdf = table_document(None, &header(), &table(3));
    check_xref(&pdf);
    let text = extract(&pdf, true);
    assert!(text.contains("AeBILQAYYR Ulzhan Ghalymqyzy 2"), "{text}");
    assert!(text.contains("Stranitsa 1 / 1"), "{text}");
}

#[test]
fn wrapping_keeps_words_inside_the_width() {
    let face_font = font();
    let face = ttf_parser::Face::parse(face_font.data(), 0).unwrap();
    let m = Metrics::for_tests(face);
    let lines = layout::wrap(&m, "Сведения о ңөүһ из базы данных", 60.0, 8.0);
    assert!(lines.len() > 1);
    for l in &lines {
        assert!(m.width(l, 8.0) <= 60.0, "{l}");
    }
    assert_eq!(lines.join(" "), "Сведения о ңөүһ из базы данных");
}
