//! Backup and restore of the gateway's SQLite database (`sio gateway backup` / `restore`).
//!
//! A backup is taken with SQLite's online backup API from a read-only connection in one step,
//! that is inside one read transaction: the copy is a consistent snapshot even while the gateway
//! runs and writes (write-ahead log), and the gateway is not blocked. The copy is written to a
//! temporary file next to the destination, switched to rollback journal mode (one
//! self-contained file), checked (`PRAGMA integrity_check`), synced and renamed into place,
//! mode 0600 — it holds sessions, consents and journals.
//!
//! A restore first checks that the file is a gateway database of this build's schema version
//! (tables present, `user_version`), that its schema is exactly the one this build's migrations
//! make — every table, index, view and trigger of `sqlite_master` (type, name, table, SQL), so
//! that a backup cannot smuggle in a trigger that would run inside the gateway on its next
//! write (`GW_RESTORE_SCHEMA_MISMATCH`) — and that it is intact (`integrity_check`). It then
//! keeps a copy of the current database (`pre-restore-<unix time>.sqlite3` in the data
//! directory, 0600) and copies the backup into the live database with the same backup API (so
//! its write-ahead log is handled by SQLite). Stop the gateway service before a restore.

use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags};

use crate::db::{DB_FILE, SCHEMA_VERSION};

/// Tables every gateway database has (schema version 1 on).
const REQUIRED_TABLES: &[&str] = &["organisations", "users", "sessions", "challenges", "otps"];

/// Why a backup or restore failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BackupError {
    /// Reading or writing a file failed.
    #[error("{what}: {detail}")]
    Io {
        /// What was being done.
        what: String,
        /// The cause.
        detail: String,
    },
    /// The data directory has no gateway database.
    #[error("no gateway database in {0}")]
    NoDatabase(PathBuf),
    /// The file to restore is not a gateway database (not SQLite, tables missing, damaged).
    #[error("{path} is not a gateway database: {detail}")]
    NotGatewayDb {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        detail: String,
    },
    /// The file to restore has objects (tables, indexes, views, triggers) that this build's
    /// migrations do not make, lacks some, or defines one differently.
    #[error("{path} does not have this gateway's database schema: {detail}")]
    SchemaMismatch {
        /// The file.
        path: PathBuf,
        /// The differences.
        detail: String,
    },
    /// The file to restore has another schema version than this gateway.
    #[error("{path} has schema version {found}; this gateway needs {SCHEMA_VERSION}")]
    SchemaVersion {
        /// The file.
        path: PathBuf,
        /// Its `user_version`.
        found: u32,
    },
}

// The stable codes of `BackupError` are in crate::error's table (`sio_error::coded!`).

fn io_err(what: impl Into<String>) -> impl FnOnce(String) -> BackupError {
    let what = what.into();
    move |detail| BackupError::Io { what, detail }
}

/// What a backup or restore did.
#[derive(Debug, Clone, serde::Serialize)]
pub struct BackupInfo {
    /// The file written (backup) or the live database (restore).
    pub file: PathBuf,
    /// Schema version of the copied database.
    pub schema_version: u32,
    /// Size of the copy in bytes.
    pub bytes: u64,
    /// Registered users in the copy.
    pub users: u64,
    /// The copy of the database kept before a restore.
    pub kept: Option<PathBuf>,
}

fn copy_all(src: &Connection, dst: &mut Connection) -> Result<(), BackupError> {
    let b = rusqlite::backup::Backup::new(src, dst)
        .map_err(|e| io_err("start the backup")(e.to_string()))?;
    // -1: every page in one step, i.e. within one read transaction of the source. Busy or
    // locked (a writer holds the destination or a checkpoint runs): retry for up to 10 s.
    for _ in 0..200 {
        match b
            .step(-1)
            .map_err(|e| io_err("copy the database")(e.to_string()))?
        {
            rusqlite::backup::StepResult::Done => return Ok(()),
            _ => std::thread::sleep(Duration::from_millis(50)),
        }
    }
    Err(io_err("copy the database")(
        "the database stayed busy for 10 s".into(),
    ))
}

/// One object of `sqlite_master`: type, name, table, SQL (whitespace runs collapsed, so that
/// only a change of meaning counts).
type SchemaObject = (String, String, String, Option<String>);

fn schema_of(conn: &Connection) -> rusqlite::Result<Vec<SchemaObject>> {
    let mut s = conn.prepare(
        "SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name, tbl_name",
    )?;
    s.query_map([], |r| {
        let sql: Option<String> = r.get(3)?;
        Ok((
            r.get(0)?,
            r.get(1)?,
            r.get(2)?,
            sql.map(|q| q.split_whitespace().collect::<Vec<_>>().join(" ")),
        ))
    })?
    .collect()
}

/// The schema this build's migrations make, from an in-memory database.
fn expected_schema() -> Result<Vec<SchemaObject>, BackupError> {
    let fail = |e: String| io_err("build the expected schema")(e);
    let mut mem = Connection::open_in_memory().map_err(|e| fail(e.to_string()))?;
    crate::db::migrate(&mut mem).map_err(|e| fail(e.to_string()))?;
    schema_of(&mem).map_err(|e| fail(e.to_string()))
}

/// The differences between `found` and `expected`, named (names escaped: they come from the
/// file), at most 10.
fn schema_differences(found: &[SchemaObject], expected: &[SchemaObject]) -> Vec<String> {
    let key = |o: &SchemaObject| (o.0.clone(), o.1.clone());
    let mut out = Vec::new();
    for o in found {
        match expected.iter().find(|e| key(e) == key(o)) {
            None => out.push(format!("unexpected {} {:?} on {:?}", o.0, o.1, o.2)),
            Some(e) if e != o => out.push(format!("{} {:?} is defined differently", o.0, o.1)),
            Some(_) => {}
        }
    }
    for e in expected {
        if !found.iter().any(|o| key(o) == key(e)) {
            out.push(format!("{} {:?} is missing", e.0, e.1));
        }
    }
    if out.len() > 10 {
        let more = out.len() - 10;
        out.truncate(10);
        out.push(format!("and {more} more"));
    }
    out
}

/// Inspect a database file: a gateway database of this schema version and exactly this
/// schema, intact.
fn inspect(path: &Path) -> Result<(u32, u64), BackupError> {
    let not_db = |detail: String| BackupError::NotGatewayDb {
        path: path.to_owned(),
        detail,
    };
    if !path.is_file() {
        return Err(not_db("no such file".into()));
    }
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(|e| not_db(e.to_string()))?;
    let tables: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table'")
        .and_then(|mut s| {
            s.query_map([], |r| r.get::<_, String>(0))?
                .collect::<Result<Vec<_>, _>>()
        })
        .map_err(|e| not_db(e.to_string()))?;
    let missing: Vec<&str> = REQUIRED_TABLES
        .iter()
        .copied()
        .filter(|t| !tables.iter().any(|have| have == t))
        .collect();
    if !missing.is_empty() {
        return Err(not_db(format!("tables missing: {}", missing.join(", "))));
    }
    let version: u32 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .map_err(|e| not_db(e.to_string()))?;
    if version != SCHEMA_VERSION {
        return Err(BackupError::SchemaVersion {
            path: path.to_owned(),
            found: version,
        });
    }
    // Before anything else reads a table: nothing but this build's schema (a trigger, a view
    // shadowing a table, an index with a function would otherwise come into the live database).
    let found = schema_of(&conn).map_err(|e| not_db(e.to_string()))?;
    let differences = schema_differences(&found, &expected_schema()?);
    if !differences.is_empty() {
        return Err(BackupError::SchemaMismatch {
            path: path.to_owned(),
            detail: differences.join("; "),
        });
    }
    let check: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .map_err(|e| not_db(e.to_string()))?;
    if check != "ok" {
        return Err(not_db(format!("integrity check: {check}")));
    }
    let users: i64 = conn
        .query_row("SELECT count(*) FROM users", [], |r| r.get(0))
        .map_err(|e| not_db(e.to_string()))?;
    Ok((version, u64::try_from(users).unwrap_or(0)))
}

/// Take group and other permissions away from `path` ([`crate::db::restrict_private`]).
fn restrict(path: &Path) -> Result<(), BackupError> {
    crate::db::restrict_private(path)
        .map_err(|e| io_err(format!("set the mode of {}", path.display()))(e.to_string()))
}

/// Write a consistent copy of the database of `data_dir` to `dest` (works while the gateway
/// runs).
pub fn backup(data_dir: &Path, dest: &Path) -> Result<BackupInfo, BackupError> {
    let live = data_dir.join(DB_FILE);
    if !live.is_file() {
        return Err(BackupError::NoDatabase(data_dir.to_owned()));
    }
    let src = Connection::open_with_flags(&live, OpenFlags::SQLITE_OPEN_READ_ONLY)
        .map_err(|e| io_err(format!("open {}", live.display()))(e.to_string()))?;
    src.busy_timeout(Duration::from_secs(10))
        .map_err(|e| io_err("set the busy timeout")(e.to_string()))?;
    let name = dest
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "backup".into());
    let tmp = dest.with_file_name(format!(".{name}.tmp-{}", std::process::id()));
    let _ = std::fs::remove_file(&tmp);
    let result = (|| {
        {
            // Created 0600 before SQLite opens it: never readable by others, not even briefly
            // (its rollback journal gets the same mode).
            crate::db::create_new_private_file(&tmp)
                .map_err(|e| io_err(format!("create {}", tmp.display()))(e.to_string()))?;
            let mut dst = Connection::open(&tmp)
                .map_err(|e| io_err(format!("create {}", tmp.display()))(e.to_string()))?;
            restrict(&tmp)?;
            copy_all(&src, &mut dst)?;
            // One self-contained file, no -wal beside it.
            dst.pragma_update(None, "journal_mode", "DELETE")
                .map_err(|e| io_err("set the journal mode")(e.to_string()))?;
        }
        let (schema_version, users) = inspect(&tmp)?;
        std::fs::File::open(&tmp)
            .and_then(|f| f.sync_all())
            .map_err(|e| io_err("sync the backup")(e.to_string()))?;
        std::fs::rename(&tmp, dest)
            .map_err(|e| io_err(format!("write {}", dest.display()))(e.to_string()))?;
        let bytes = std::fs::metadata(dest).map(|m| m.len()).unwrap_or(0);
        Ok(BackupInfo {
            file: dest.to_owned(),
            schema_version,
            bytes,
            users,
            kept: None,
        })
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// Replace the database of `data_dir` with the backup `file`, after checking that it is a
/// gateway database of this schema version. The current database is kept beside it first.
/// Stop the gateway before calling this.
pub fn restore(data_dir: &Path, file: &Path) -> Result<BackupInfo, BackupError> {
    let (schema_version, users) = inspect(file)?;
    crate::db::create_private_dir(data_dir)
        .map_err(|e| io_err(format!("create {}", data_dir.display()))(e.to_string()))?;
    let live_path = data_dir.join(DB_FILE);
    let kept = if live_path.is_file() {
        let secs = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        let keep = data_dir.join(format!("pre-restore-{secs}.sqlite3"));
        backup(data_dir, &keep)?;
        Some(keep)
    } else {
        None
    };
    let src = Connection::open_with_flags(file, OpenFlags::SQLITE_OPEN_READ_ONLY)
        .map_err(|e| io_err(format!("open {}", file.display()))(e.to_string()))?;
    crate::db::create_private_file(&live_path)
        .map_err(|e| io_err(format!("create {}", live_path.display()))(e.to_string()))?;
    crate::db::restrict_data_files(data_dir)
        .map_err(|e| io_err(format!("set the modes in {}", data_dir.display()))(e.to_string()))?;
    let mut live = Connection::open(&live_path)
        .map_err(|e| io_err(format!("open {}", live_path.display()))(e.to_string()))?;
    live.busy_timeout(Duration::from_secs(10))
        .map_err(|e| io_err("set the busy timeout")(e.to_string()))?;
    restrict(&live_path)?;
    copy_all(&src, &mut live)?;
    drop(live);
    let (_, users_now) = inspect(&live_path)?;
    let bytes = std::fs::metadata(&live_path).map(|m| m.len()).unwrap_or(0);
    debug_assert_eq!(users, users_now);
    Ok(BackupInfo {
        file: live_path,
        schema_version,
        bytes,
        users: users_now,
        kept,
    })
}
