//! The emergency journal in the form of 2015 Appendix 7 (rr.41–43) with its CSV and PDF exports,
//! and the planned works published to users in advance (r.44) read over TLS at `/v1/notices`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use sio_gateway::admin::{NewEmergency, NewPlannedWork};
use sio_protocol::*;

fn entry(from: &str, until: Option<&str>, ongoing: bool) -> NewEmergency {
    NewEmergency {
        section: Some(1),
        cause: "Отказ дискового массива в серверной".into(),
        measures: "Замена контроллера, восстановление из резервной копии".into(),
        responsible: "Дежурный инженер Ахметов".into(),
        max_minutes: Some(240),
        reported_by: Some("850415300121".into()),
        started_at: from.into(),
        ended_at: until.map(str::to_owned),
        ongoing,
    }
}

fn rfc(t: chrono::DateTime<chrono::Utc>) -> String {
    sio_core::time::to_astana(t).fixed_offset().to_rfc3339()
}

/// 2015 rr.41–42: the journal records delays of more than one hour; a shorter one is refused
/// with a code (GW_EMERGENCY_UNDER_HOUR) unless it is recorded while it goes on, and an ongoing
/// one is closed only after more than an hour.
#[test]
fn a_delay_of_an_hour_or_less_is_refused_unless_ongoing() {
    let dir = tempfile::tempdir().unwrap();
    let admin = sio_gateway::admin::Admin::open(dir.path()).unwrap();
    let e = admin
        .emergency_add(&entry(
            "2026-03-01T09:00:00+05:00",
            Some("2026-03-01T09:45:00+05:00"),
            false,
        ))
        .unwrap_err();
    assert_eq!(e.code(), "GW_EMERGENCY_UNDER_HOUR");
    let e = admin
        .emergency_add(&entry(
            "2026-03-01T09:00:00+05:00",
            Some("2026-03-01T10:00:00+05:00"),
            false,
        ))
        .unwrap_err();
    assert_eq!(
        e.code(),
        "GW_EMERGENCY_UNDER_HOUR",
        "exactly one hour is not more"
    );
    assert!(admin.emergency_list().unwrap().is_empty());
    // Neither an end nor --ongoing.
    let e = admin
        .emergency_add(&entry("2026-03-01T09:00:00+05:00", None, false))
        .unwrap_err();
    assert_eq!(e.code(), "GW_ADMIN_INPUT");
    // Ongoing: recorded before its end.
    let id = admin
        .emergency_add(&entry("2026-03-01T09:00:00+05:00", None, true))
        .unwrap();
    let e = admin
        .emergency_close(id, "2026-03-01T09:30:00+05:00")
        .unwrap_err();
    assert_eq!(e.code(), "GW_EMERGENCY_UNDER_HOUR");
    admin
        .emergency_close(id, "2026-03-01T11:05:00+05:00")
        .unwrap();
    let list = admin.emergency_list().unwrap();
    assert_eq!(list.len(), 1);
    assert!(!list[0].ongoing);
    assert_eq!(list[0].duration_minutes, Some(125));
}

/// Appendix 7 and r.43: the export has the form's columns and the cause, in Astana time, as CSV
/// (read back cell by cell) and as PDF (read with poppler's `pdftotext`).
#[test]
fn the_journal_exports_as_csv_and_pdf_in_the_forms_columns() {
    let dir = tempfile::tempdir().unwrap();
    let admin = sio_gateway::admin::Admin::open(dir.path())
        .unwrap()
        .as_operator("Оператор Нурланов");
    admin
        .emergency_add(&entry(
            "2026-03-01T09:00:00+05:00",
            Some("2026-03-01T10:30:00+05:00"),
            false,
        ))
        .unwrap();
    let mut formula = entry("2026-03-02T09:00:00+05:00", None, true);
    formula.section = None;
    formula.cause = "=HYPERLINK(\"x\"), сбой канала".into();
    admin.emergency_add(&formula).unwrap();
    let csv = admin.emergency_csv().unwrap();
    let lines: Vec<&str> = csv.trim_start_matches('\u{feff}').split("\r\n").collect();
    assert_eq!(
        lines[0],
        "№ п/п,Раздел (Приложение 7),Причина,Действия (принятые меры),Необходимое время (max), мин,Ответственный,Дата и время начала,Дата и время окончания,Продолжительность, мин,Сообщил (ИИН),Записал"
            .replace("Необходимое время (max), мин", "\"Необходимое время (max), мин\"")
            .replace("Продолжительность, мин", "\"Продолжительность, мин\"")
    );
    assert!(lines[1].starts_with("1,\"1. Действия в случае серьезного повреждения оборудования, расположенного в серверной\",Отказ дискового массива в серверной,"), "{}", lines[1]);
    assert!(lines[1].contains(",240,Дежурный инженер Ахметов,01.03.2026 09:00,01.03.2026 10:30,90,850415300121,Оператор Нурланов"), "{}", lines[1]);
    // A formula is neutralised; an open entry says so.
    assert!(
        lines[2].contains("\"'=HYPERLINK(\"\"x\"\"), сбой канала\""),
        "{}",
        lines[2]
    );
    assert!(lines[2].contains(",продолжается,"), "{}", lines[2]);

    let pdf = admin.emergency_pdf().unwrap();
    assert!(pdf.starts_with(b"%PDF-"));
    let path = dir.path().join("journal.pdf");
    std::fs::write(&path, &pdf).unwrap();
    if let Ok(out) = std::process::Command::new("pdftotext")
        .arg(&path)
        .arg("-")
        .output()
    {
        let text = String::from_utf8_lossy(&out.stdout);
        if text.contains("Журнал") {
            for needle in [
                "Журнал аварийных ситуаций",
                "Приложение 7",
                "Ответственный",
                "Дежурный",
                "Ахметов",
                "контроллера",
                "01.03.2026",
                "09:00",
                "10:30",
                "продолжается",
            ] {
                assert!(text.contains(needle), "{needle} not in:\n{text}");
            }
        } else {
            // No Cyrillic font installed: the PDF is transliterated; the dates still read.
            // (Cells wrap inside their columns: words are checked, not phrases.)
            assert!(text.contains("01.03.2026"), "{text}");
        }
    }
}

/// r.44 (planned works published in advance) and r.43 (open emergencies): a user with a session
/// reads the current and upcoming works and the open emergencies over TLS; a work already over
/// or cancelled is not listed; the operator cannot announce a work already over.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn users_read_planned_works_and_open_emergencies_over_tls() {
    let env = Env::start().await;
    let c = env.active_client(INVESTIGATOR).await;
    let empty: Notices = c.get(paths::NOTICES).await.unwrap();
    assert!(empty.planned_works.is_empty() && empty.emergencies.is_empty());

    let now = chrono::Utc::now();
    let admin = env.admin();
    let upcoming = admin
        .planned_add(&NewPlannedWork {
            starts_at: rfc(now + chrono::Duration::days(2)),
            ends_at: rfc(now + chrono::Duration::days(2) + chrono::Duration::hours(3)),
            description_ru: "Обновление СУБД шлюза; доступ прерывается".into(),
            description_kk: "Шлюздің ДҚБЖ жаңартылады; қолжетімділік үзіледі".into(),
        })
        .unwrap();
    let cancelled = admin
        .planned_add(&NewPlannedWork {
            starts_at: rfc(now + chrono::Duration::days(3)),
            ends_at: rfc(now + chrono::Duration::days(3) + chrono::Duration::hours(1)),
            description_ru: "Отменённые работы".into(),
            description_kk: "Тоқтатылған жұмыстар".into(),
        })
        .unwrap();
    admin.planned_cancel(cancelled).unwrap();
    let past = admin
        .planned_add(&NewPlannedWork {
            starts_at: rfc(now - chrono::Duration::hours(1)),
            ends_at: rfc(now + chrono::Duration::minutes(30)),
            description_ru: "Прошедшие работы".into(),
            description_kk: "Өткен жұмыстар".into(),
        })
        .unwrap();
    // Announcing a work already over is refused.
    let e = admin
        .planned_add(&NewPlannedWork {
            starts_at: rfc(now - chrono::Duration::hours(3)),
            ends_at: rfc(now - chrono::Duration::hours(1)),
            description_ru: "x".into(),
            description_kk: "x".into(),
        })
        .unwrap_err();
    assert_eq!(e.code(), "GW_ADMIN_INPUT");
    // The "past" one ends: moved into the past in the database (the clock cannot be moved).
    let conn = rusqlite::Connection::open(env.data.join(sio_gateway::db::DB_FILE)).unwrap();
    conn.execute(
        "UPDATE planned_works SET ends_at = ?2 WHERE id = ?1",
        rusqlite::params![past, rfc(now - chrono::Duration::minutes(5))],
    )
    .unwrap();
    let open = admin
        .emergency_add(&entry(
            &rfc(now - chrono::Duration::minutes(20)),
            None,
            true,
        ))
        .unwrap();

    let n: Notices = c.get(paths::NOTICES).await.unwrap();
    assert_eq!(n.planned_works.len(), 1, "{n:?}");
    let w = &n.planned_works[0];
    assert_eq!(i64::from(w.id), upcoming);
    assert_eq!(
        w.description_kk,
        "Шлюздің ДҚБЖ жаңартылады; қолжетімділік үзіледі"
    );
    assert_eq!(
        w.starts_at.offset().local_minus_utc(),
        5 * 3600,
        "Astana time"
    );
    assert_eq!(n.emergencies.len(), 1);
    assert_eq!(i64::from(n.emergencies[0].id), open);
    // Closed: no longer listed.
    admin
        .emergency_close(open, &rfc(now + chrono::Duration::hours(2)))
        .unwrap();
    let n: Notices = c.get(paths::NOTICES).await.unwrap();
    assert!(n.emergencies.is_empty());
    // Without a session: nothing.
    let anonymous = env.client(PROSECUTOR);
    let e = anonymous.get::<Notices>(paths::NOTICES).await.unwrap_err();
    assert_eq!(e.body.code, "GW_NO_SESSION");
}
