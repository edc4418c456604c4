//! Heads of bodies, who co-sign their body's HR applications.

use rusqlite::params;
use sio_core::{Bin, Iin};

use super::{Admin, HeadRow};
use crate::clock::{now, stamp};
use crate::error::GwError;

impl Admin {
    /// Mark `iin` as a head of the body `bin` (journaled): only marked heads co-sign the HR
    /// applications of that body.
    pub fn mark_head(
        &self,
        iin: &str,
        bin: &str,
        full_name: &str,
        position: &str,
    ) -> Result<(), GwError> {
        Iin::parse(iin)?;
        Bin::parse(bin)?;
        let known: bool = self
            .conn
            .query_row(
                "SELECT EXISTS (SELECT 1 FROM organisations WHERE bin = ?1)",
                [bin],
                |r| r.get(0),
            )
            .map_err(GwError::db("look up a body"))?;
        if !known {
            return Err(GwError::AdminInput(format!(
                "--org: no body with БИН {bin}: add it first (add-user or seed-demo)"
            )));
        }
        self.conn
            .execute(
                "INSERT INTO heads (iin, organisation_bin, full_name, position, marked_at, marked_by)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                 ON CONFLICT(iin, organisation_bin) DO UPDATE SET full_name = excluded.full_name,
                   position = excluded.position, marked_at = excluded.marked_at, marked_by = excluded.marked_by",
                params![iin, bin, full_name, position, stamp(now()), self.operator],
            )
            .map_err(GwError::db("mark a head"))?;
        self.journal_action("heads", &format!("mark head {iin} of {bin}"))
    }

    /// Remove the head mark of `iin` in the body `bin` (journaled); whether there was one.
    pub fn unmark_head(&self, iin: &str, bin: &str) -> Result<bool, GwError> {
        let n = self
            .conn
            .execute(
                "DELETE FROM heads WHERE iin = ?1 AND organisation_bin = ?2",
                params![iin, bin],
            )
            .map_err(GwError::db("remove a head mark"))?;
        self.journal_action("heads", &format!("unmark head {iin} of {bin}"))?;
        Ok(n > 0)
    }

    /// The heads of every body.
    pub fn heads(&self) -> Result<Vec<HeadRow>, GwError> {
        let mut stmt = self
            .conn
            .prepare("SELECT iin, organisation_bin, full_name, position, marked_at, marked_by FROM heads ORDER BY organisation_bin, iin")
            .map_err(GwError::db("list heads"))?;
        let rows = stmt
            .query_map([], |r| {
                Ok(HeadRow {
                    iin: r.get(0)?,
                    organisation_bin: r.get(1)?,
                    full_name: r.get(2)?,
                    position: r.get(3)?,
                    marked_at: r.get(4)?,
                    marked_by: r.get(5)?,
                })
            })
            .map_err(GwError::db("list heads"))?;
        rows.collect::<Result<_, _>>()
            .map_err(GwError::db("list heads"))
    }
}
