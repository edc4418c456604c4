//! `GET /v1/notices`: what users are told now — planned technical works not yet over, published
//! in advance (2015 Rules r.44; r.38: access is round the clock save emergencies and planned
//! works published on the portal), and the emergencies the operator recorded and has not closed
//! (rr.41–43). Read-only; any user with a session reads it.

use rusqlite::Connection;
use sio_protocol::{Notices, OpenEmergency, PlannedWork};

use crate::clock::{astana, now, parse};
use crate::error::GwError;

/// The most of each kind listed.
const MAX_LISTED: u32 = 50;

/// The current notices.
pub(crate) fn current(conn: &Connection) -> Result<Notices, GwError> {
    let at = now();
    let mut stmt = conn
        .prepare_cached(
            "SELECT id, starts_at, ends_at, description_ru, description_kk FROM planned_works
             WHERE cancelled_at IS NULL ORDER BY id DESC LIMIT 500",
        )
        .map_err(GwError::db("read planned works"))?;
    let rows = stmt
        .query_map([], |r| {
            Ok((
                r.get::<_, u32>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
            ))
        })
        .map_err(GwError::db("read planned works"))?;
    let mut planned_works = Vec::new();
    for row in rows {
        let (id, starts, ends, ru, kk) = row.map_err(GwError::db("read planned works"))?;
        let (Some(starts), Some(ends)) = (parse(&starts), parse(&ends)) else {
            continue;
        };
        // Instants compared as instants (the stored offsets may differ: UTC+6 before 2024-03-01).
        if ends <= at {
            continue;
        }
        planned_works.push(PlannedWork {
            id,
            starts_at: astana(starts),
            ends_at: astana(ends),
            description_ru: ru,
            description_kk: kk,
        });
    }
    planned_works.sort_by_key(|w| w.starts_at);
    planned_works.truncate(MAX_LISTED as usize);
    let mut stmt = conn
        .prepare_cached(
            "SELECT id, delay_from, COALESCE(cause, description) FROM emergency_journal
             WHERE delay_until IS NULL ORDER BY id DESC LIMIT ?1",
        )
        .map_err(GwError::db("read the emergency journal"))?;
    let emergencies = stmt
        .query_map([MAX_LISTED], |r| {
            let from: String = r.get(1)?;
            Ok(OpenEmergency {
                id: r.get(0)?,
                started_at: astana(parse(&from).unwrap_or(at)),
                cause: r.get(2)?,
            })
        })
        .map_err(GwError::db("read the emergency journal"))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(GwError::db("read the emergency journal"))?;
    Ok(Notices {
        planned_works,
        emergencies,
    })
}
