//! The emergency journal in the form of 2015 Appendix 7 and the planned works published to users.
//!
//! 2015 Rules (Order 151; repealed in 2023, but the acts in force say nothing of emergencies or
//! planned works, so this is the procedure that applies — SPEC.md):
//! - r.41: every emergency delaying messages by more than one hour is recorded;
//! - r.42: the user tells the operator of an unforeseen or emergency situation delaying access by
//!   more than one hour;
//! - r.43: the operator records it in the Emergency journal, in the form of Appendix 7, "with the
//!   date, the time of onset, the causes and the measures taken to remove the delay";
//! - r.44: notices of the time of planned technical works (outages, changes, updates…) are
//!   published on the portal (r.38: access is round the clock save those downtimes).
//!
//! Appendix 7 is a table per kind of situation (six sections) with the columns "№", "Actions",
//! "Time needed (max)", "Responsible", "Start date and time", "End date and time"; r.43 adds the
//! cause. Each entry keeps exactly those, and its duration.

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, params};
use serde::Serialize;

use super::Admin;
use crate::clock::{astana, now, parse, stamp};
use crate::error::GwError;

/// The six sections of Appendix 7 (ru, kk), as the form names them.
pub const APPENDIX7_SECTIONS: [(&str, &str); 6] = [
    (
        "Действия в случае серьезного повреждения оборудования, расположенного в серверной",
        "Серверлікте орналасқан жабдық айтарлықтай зақымдалған жағдайдағы әрекеттер",
    ),
    (
        "Действия при частичном повреждении помещений ЦА",
        "ОА орынжайларының ішінара зақымларған кезіндегі әрекеттер",
    ),
    (
        "Действия в случае пожарной тревоги",
        "Өрт дабылы жағдайындағы әрекеттер",
    ),
    (
        "Действия в случае отказа кондиционеров",
        "Кондиционерлерден бас тартқан жағдайдағы әрекеттер",
    ),
    (
        "Действия при отказе электропитания",
        "Электр қуатының көзінен бас тартқан кездегі әрекеттер",
    ),
    (
        "Действия в случае затопления",
        "Су басқан жағдайдағы әрекеттер",
    ),
];

/// The shortest delay the journal records (r.41, r.42: "more than one hour").
const ONE_HOUR_MINUTES: i64 = 60;

/// An emergency to record (Appendix 7, r.43).
#[derive(Debug, Clone, Default)]
pub struct NewEmergency {
    /// The section of Appendix 7 (1–6); `None`: another cause, named in `cause`.
    pub section: Option<u8>,
    /// The cause (r.43).
    pub cause: String,
    /// The actions / measures taken to remove the delay (Appendix 7 "Действия", r.43).
    pub measures: String,
    /// Who is responsible (Appendix 7 "Ответственный").
    pub responsible: String,
    /// Time needed at most, minutes (Appendix 7 "Необходимое время (max)").
    pub max_minutes: Option<u32>,
    /// ИИН of the user who reported it (r.42), if a user did.
    pub reported_by: Option<String>,
    /// Start, RFC 3339.
    pub started_at: String,
    /// End, RFC 3339; `None` only when `ongoing`.
    pub ended_at: Option<String>,
    /// Still going on: recorded before its end (closed later with [`Admin::emergency_close`]).
    pub ongoing: bool,
}

/// One entry of the emergency journal (Appendix 7, r.43).
#[derive(Debug, Clone, Serialize)]
pub struct EmergencyEntry {
    /// Id (the form's "№ п/п").
    pub id: i64,
    /// When recorded (Astana).
    pub recorded_at: String,
    /// The section of Appendix 7 (1–6), if one fits.
    pub section: Option<u8>,
    /// Its name (ru).
    pub section_ru: Option<String>,
    /// Its name (kk).
    pub section_kk: Option<String>,
    /// The cause (r.43).
    pub cause: String,
    /// Actions / measures taken (Appendix 7, r.43).
    pub measures: String,
    /// Time needed at most, minutes.
    pub max_minutes: Option<u32>,
    /// Who is responsible.
    pub responsible: String,
    /// Start (Astana).
    pub started_at: String,
    /// End (Astana), once over.
    pub ended_at: Option<String>,
    /// Duration in minutes, once over.
    pub duration_minutes: Option<i64>,
    /// Still going on.
    pub ongoing: bool,
    /// ИИН of the user who reported it ("" when none).
    pub reported_by: String,
    /// The operator who recorded it.
    pub recorded_by: String,
}

/// A planned work to publish (r.44).
#[derive(Debug, Clone, Default)]
pub struct NewPlannedWork {
    /// Start, RFC 3339.
    pub starts_at: String,
    /// End, RFC 3339.
    pub ends_at: String,
    /// What is done and what it affects (ru).
    pub description_ru: String,
    /// The same (kk).
    pub description_kk: String,
}

/// A planned work as the operator lists it.
#[derive(Debug, Clone, Serialize)]
pub struct PlannedWorkRow {
    /// Id.
    pub id: i64,
    /// Start (Astana).
    pub starts_at: String,
    /// End (Astana).
    pub ends_at: String,
    /// Description (ru).
    pub description_ru: String,
    /// Description (kk).
    pub description_kk: String,
    /// When published (Astana).
    pub recorded_at: String,
    /// By whom.
    pub recorded_by: String,
    /// When cancelled, if it was.
    pub cancelled_at: Option<String>,
}

fn input(msg: impl Into<String>) -> GwError {
    GwError::AdminInput(msg.into())
}

fn instant(arg: &str, value: &str) -> Result<DateTime<Utc>, GwError> {
    parse(value.trim()).ok_or_else(|| {
        input(format!(
            "{arg}: a date and time in RFC 3339, e.g. 2026-03-01T10:00:00+05:00"
        ))
    })
}

fn text(arg: &str, value: &str, max: usize) -> Result<String, GwError> {
    let v = value.split_whitespace().collect::<Vec<_>>().join(" ");
    if v.is_empty() || v.chars().count() > max || v.chars().any(char::is_control) {
        return Err(input(format!(
            "{arg}: required, at most {max} characters, no control characters"
        )));
    }
    Ok(v)
}

/// Refuse a delay of one hour or less (r.41, r.42: the journal records delays "of more than one
/// hour").
fn over_an_hour(start: DateTime<Utc>, end: DateTime<Utc>) -> Result<(), GwError> {
    if end <= start {
        return Err(input("--until: the end must come after the start"));
    }
    let minutes = (end - start).num_minutes();
    if minutes <= ONE_HOUR_MINUTES {
        return Err(GwError::EmergencyUnderHour(minutes));
    }
    Ok(())
}

impl Admin {
    /// Record an emergency in the journal (2015 r.43, Appendix 7). A delay of one hour or less is
    /// refused (`GW_EMERGENCY_UNDER_HOUR`, rr.41–42) unless the entry is `ongoing` (its end not
    /// yet known). Journaled.
    pub fn emergency_add(&self, e: &NewEmergency) -> Result<i64, GwError> {
        let section = match e.section {
            None => None,
            Some(s @ 1..=6) => Some(s),
            Some(_) => return Err(input("--section: 1–6 (the sections of Appendix 7)")),
        };
        let cause = text("--cause", &e.cause, 2000)?;
        let measures = text("--measures", &e.measures, 2000)?;
        let responsible = text("--responsible", &e.responsible, 200)?;
        let reported_by = match e.reported_by.as_deref().map(str::trim) {
            None | Some("") => String::new(),
            Some(iin) => {
                sio_core::Iin::parse(iin)
                    .map_err(|_| input("--user: the ИИН of the user who reported it"))?;
                iin.to_owned()
            }
        };
        let start = instant("--from", &e.started_at)?;
        if start > now() {
            return Err(input("--from: the start cannot be in the future"));
        }
        let end = match (&e.ended_at, e.ongoing) {
            (Some(_), true) => {
                return Err(input("--ongoing has no end: give --until or --ongoing"));
            }
            (None, false) => {
                return Err(input(
                    "--until: give the end of the delay, or --ongoing while it goes on",
                ));
            }
            (None, true) => None,
            (Some(u), false) => {
                let end = instant("--until", u)?;
                over_an_hour(start, end)?;
                Some(stamp(end))
            }
        };
        self.conn
            .execute(
                "INSERT INTO emergency_journal (recorded_at, user_iin, delay_from, delay_until, description,
                     recorded_by, section, cause, measures, max_minutes, responsible)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
                params![
                    stamp(now()),
                    reported_by,
                    stamp(start),
                    end,
                    cause,
                    self.operator,
                    section,
                    cause,
                    measures,
                    e.max_minutes,
                    responsible
                ],
            )
            .map_err(GwError::db("record an emergency"))?;
        let id = self.conn.last_insert_rowid();
        self.journal_action("emergency", &format!("add {id}"))?;
        Ok(id)
    }

    /// Close an ongoing emergency with its end (over one hour after its start, rr.41–42).
    /// Journaled.
    pub fn emergency_close(&self, id: i64, ended_at: &str) -> Result<(), GwError> {
        let from: String = self
            .conn
            .query_row(
                "SELECT delay_from FROM emergency_journal WHERE id = ?1 AND delay_until IS NULL",
                [id],
                |r| r.get(0),
            )
            .optional()
            .map_err(GwError::db("read the emergency journal"))?
            .ok_or_else(|| input(format!("no ongoing emergency {id}")))?;
        let start = parse(&from).ok_or_else(|| GwError::Internal("stored start".into()))?;
        let end = instant("--until", ended_at)?;
        over_an_hour(start, end)?;
        self.conn
            .execute(
                "UPDATE emergency_journal SET delay_until = ?2 WHERE id = ?1",
                params![id, stamp(end)],
            )
            .map_err(GwError::db("close an emergency"))?;
        self.journal_action("emergency", &format!("close {id}"))
    }

    /// The emergency journal, oldest first (the form's order).
    pub fn emergency_list(&self) -> Result<Vec<EmergencyEntry>, GwError> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT id, recorded_at, section, COALESCE(cause, description), COALESCE(measures, ''),
                        max_minutes, COALESCE(responsible, ''), delay_from, delay_until, user_iin, recorded_by
                 FROM emergency_journal ORDER BY id",
            )
            .map_err(GwError::db("read the emergency journal"))?;
        let rows = stmt
            .query_map([], |r| {
                let section: Option<u8> = r.get(2)?;
                let started_at: String = r.get(7)?;
                let ended_at: Option<String> = r.get(8)?;
                let duration_minutes =
                    match (parse(&started_at), ended_at.as_deref().and_then(parse)) {
                        (Some(s), Some(e)) => Some((e - s).num_minutes()),
                        _ => None,
                    };
                let names =
                    section.and_then(|s| APPENDIX7_SECTIONS.get(usize::from(s).wrapping_sub(1)));
                Ok(EmergencyEntry {
                    id: r.get(0)?,
                    recorded_at: r.get(1)?,
                    section,
                    section_ru: names.map(|n| n.0.to_owned()),
                    section_kk: names.map(|n| n.1.to_owned()),
                    cause: r.get(3)?,
                    measures: r.get(4)?,
                    max_minutes: r.get(5)?,
                    responsible: r.get(6)?,
                    ongoing: ended_at.is_none(),
                    started_at,
                    ended_at,
                    duration_minutes,
                    reported_by: r.get(9)?,
                    recorded_by: r.get(10)?,
                })
            })
            .map_err(GwError::db("read the emergency journal"))?;
        rows.collect::<Result<_, _>>()
            .map_err(GwError::db("read the emergency journal"))
    }

    /// The journal as CSV (RFC 4180, UTF-8 with BOM for spreadsheet programs), in the columns of
    /// Appendix 7 and r.43, Russian headers; times in Astana time. A cell that a spreadsheet would
    /// read as a formula is prefixed with `'`.
    pub fn emergency_csv(&self) -> Result<String, GwError> {
        let (columns, rows) = self.emergency_table()?;
        let mut out = String::from("\u{feff}");
        for line in std::iter::once(columns).chain(rows) {
            let cells: Vec<String> = line.iter().map(|c| csv_cell(c)).collect();
            out.push_str(&cells.join(","));
            out.push_str("\r\n");
        }
        Ok(out)
    }

    /// The journal as a PDF table (A4 landscape, `sio-pdf`), titled as the form.
    pub fn emergency_pdf(&self) -> Result<Vec<u8>, GwError> {
        let (columns, rows) = self.emergency_table()?;
        let header = sio_pdf::Header {
            title: "Журнал аварийных ситуаций".into(),
            lines: vec![
                "Приложение 7 к Правилам использования СИО ПСО (Приказ № 151 от 22.12.2015), пп. 41–43"
                    .into(),
            ],
            period: None,
            generated_at: now(),
            lang: sio_pdf::Lang::Ru,
        };
        Ok(crate::pdf::table(
            &header,
            &sio_pdf::Table { columns, rows },
        ))
    }

    fn emergency_table(&self) -> Result<(Vec<String>, Vec<Vec<String>>), GwError> {
        let columns = [
            "№ п/п",
            "Раздел (Приложение 7)",
            "Причина",
            "Действия (принятые меры)",
            "Необходимое время (max), мин",
            "Ответственный",
            "Дата и время начала",
            "Дата и время окончания",
            "Продолжительность, мин",
            "Сообщил (ИИН)",
            "Записал",
        ]
        .map(String::from)
        .to_vec();
        let local = |s: &str| {
            parse(s)
                .map(|t| astana(t).format("%d.%m.%Y %H:%M").to_string())
                .unwrap_or_else(|| s.to_owned())
        };
        let rows = self
            .emergency_list()?
            .into_iter()
            .map(|e| {
                vec![
                    e.id.to_string(),
                    match (e.section, e.section_ru) {
                        (Some(n), Some(name)) => format!("{n}. {name}"),
                        _ => "—".into(),
                    },
                    e.cause,
                    e.measures,
                    e.max_minutes.map(|m| m.to_string()).unwrap_or_default(),
                    e.responsible,
                    local(&e.started_at),
                    e.ended_at
                        .as_deref()
                        .map_or_else(|| "продолжается".to_owned(), local),
                    e.duration_minutes
                        .map(|m| m.to_string())
                        .unwrap_or_default(),
                    e.reported_by,
                    e.recorded_by,
                ]
            })
            .collect();
        Ok((columns, rows))
    }

    /// Publish a planned work to users (2015 r.44: in advance; `GET /v1/notices` lists it until
    /// it ends). Journaled.
    pub fn planned_add(&self, w: &NewPlannedWork) -> Result<i64, GwError> {
        let start = instant("--from", &w.starts_at)?;
        let end = instant("--until", &w.ends_at)?;
        if end <= start {
            return Err(input("--until: the end must come after the start"));
        }
        if end <= now() {
            return Err(input(
                "--until: the work is already over; nothing to announce",
            ));
        }
        let ru = text("--description-ru", &w.description_ru, 1000)?;
        let kk = text("--description-kk", &w.description_kk, 1000)?;
        self.conn
            .execute(
                "INSERT INTO planned_works (starts_at, ends_at, description_ru, description_kk, recorded_at, recorded_by)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![stamp(start), stamp(end), ru, kk, stamp(now()), self.operator],
            )
            .map_err(GwError::db("publish a planned work"))?;
        let id = self.conn.last_insert_rowid();
        self.journal_action("planned-works", &format!("add {id}"))?;
        Ok(id)
    }

    /// Every planned work published, newest first (cancelled and past ones included).
    pub fn planned_list(&self) -> Result<Vec<PlannedWorkRow>, GwError> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT id, starts_at, ends_at, description_ru, description_kk, recorded_at, recorded_by, cancelled_at
                 FROM planned_works ORDER BY id DESC",
            )
            .map_err(GwError::db("list planned works"))?;
        let rows = stmt
            .query_map([], |r| {
                Ok(PlannedWorkRow {
                    id: r.get(0)?,
                    starts_at: r.get(1)?,
                    ends_at: r.get(2)?,
                    description_ru: r.get(3)?,
                    description_kk: r.get(4)?,
                    recorded_at: r.get(5)?,
                    recorded_by: r.get(6)?,
                    cancelled_at: r.get(7)?,
                })
            })
            .map_err(GwError::db("list planned works"))?;
        rows.collect::<Result<_, _>>()
            .map_err(GwError::db("list planned works"))
    }

    /// Cancel a published planned work (users no longer see it). Journaled.
    pub fn planned_cancel(&self, id: i64) -> Result<(), GwError> {
        let n = self
            .conn
            .execute(
                "UPDATE planned_works SET cancelled_at = ?2 WHERE id = ?1 AND cancelled_at IS NULL",
                params![id, stamp(now())],
            )
            .map_err(GwError::db("cancel a planned work"))?;
        if n == 0 {
            return Err(input(format!("no planned work {id} to cancel")));
        }
        self.journal_action("planned-works", &format!("cancel {id}"))
    }
}

/// One CSV cell (RFC 4180): quoted when needed; a leading `=`, `+`, `-`, `@` (a formula to a
/// spreadsheet) is prefixed with `'`.
fn csv_cell(c: &str) -> String {
    let c = if c.starts_with(['=', '+', '-', '@']) {
        format!("'{c}")
    } else {
        c.to_owned()
    };
    if c.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", c.replace('"', "\"\""))
    } else {
        c
    }
}
