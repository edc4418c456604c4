//! The two-month absence (Appendix 6 §11.2 to the Rules, Order 21/2023 as amended by Order
//! 88/2024: «в случае длительного, более двух месяцев, отсутствия на рабочем месте подать
//! электронную заявку на блокировку своей учетной записи»). The gateway records each user's last
//! successful login ([`crate::auth::after_second_factor`]); the session tells the user the day
//! the block was due ([`crate::auth::absence_block_due`]), and `GET /v1/staff` shows an HR
//! officer of a body who of its staff is due.

use rusqlite::Connection;
use sio_protocol::{StaffList, StaffMember};

use crate::auth::{User, absence_block_due};
use crate::clock::{astana, now, parse};
use crate::error::GwError;

/// `GET /v1/staff`: the users of the HR officer's own body, by name. Others: `GW_NO_HR_RIGHTS`.
pub(crate) fn staff(conn: &Connection, user: &User) -> Result<StaffList, GwError> {
    if !user.hr {
        return Err(GwError::NoHrRights);
    }
    let at = now();
    let mut st = conn
        .prepare_cached(
            "SELECT iin, full_name, position, state, last_login_at FROM users
             WHERE organisation_bin = ?1 ORDER BY full_name, iin",
        )
        .map_err(GwError::db("list the staff"))?;
    let members = st
        .query_map([&user.organisation_bin], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, Option<String>>(4)?,
            ))
        })
        .and_then(Iterator::collect::<Result<Vec<_>, _>>)
        .map_err(GwError::db("list the staff"))?
        .into_iter()
        .map(|(iin, full_name, position, state, last)| {
            let last = last.as_deref().and_then(parse);
            StaffMember {
                absence_block_due: last
                    .filter(|_| state == "registered")
                    .and_then(|l| absence_block_due(l, at)),
                last_login_at: last.map(astana),
                iin,
                full_name,
                position,
                state,
            }
        })
        .collect();
    Ok(StaffList {
        organisation_bin: user.organisation_bin.clone(),
        members,
    })
}
