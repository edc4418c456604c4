//! SQLite storage: one file `gateway.sqlite3` in the data directory, versioned migrations
//! (`PRAGMA user_version`), write-ahead log with `synchronous = NORMAL` for journal records and
//! session bookkeeping and [`durable`] (`synchronous = FULL`: on disk before the client hears
//! "accepted") for requests, applications and consents, `secure_delete` so that spent SMS codes do not linger in
//! free pages, and a truncating checkpoint after a code is spent so they do not linger in the
//! log either ([`scrub`]).

use std::path::Path;

use rusqlite::Connection;

use crate::error::GwError;

/// File name of the database inside the data directory.
pub const DB_FILE: &str = "gateway.sqlite3";

/// Migrations in order; migration `i` brings `user_version` from `i` to `i + 1`.
const MIGRATIONS: &[&str] = &[
    // 1: the initial schema.
    r#"
CREATE TABLE organisations (
    bin  TEXT PRIMARY KEY,
    name TEXT NOT NULL
);
CREATE TABLE users (
    iin               TEXT PRIMARY KEY,
    full_name         TEXT NOT NULL,
    organisation_bin  TEXT NOT NULL REFERENCES organisations(bin),
    role              INTEGER,
    state             TEXT NOT NULL CHECK (state IN ('registered','blocked','pending')),
    mobile            TEXT NOT NULL,
    reports           INTEGER NOT NULL DEFAULT 0,
    hr                INTEGER NOT NULL DEFAULT 0,
    unit              TEXT NOT NULL DEFAULT '',
    position          TEXT NOT NULL DEFAULT '',
    consent_version   TEXT,
    consent_signed_at TEXT,
    consent_document  BLOB,
    consent_cms       BLOB,
    failed_attempts   INTEGER NOT NULL DEFAULT 0,
    locked_until      TEXT,
    blocked_reason    TEXT,
    created_at        TEXT NOT NULL
);
CREATE TABLE cases (
    basis     TEXT NOT NULL,
    case_key  TEXT NOT NULL,
    user_iin  TEXT NOT NULL,
    title     TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (basis, case_key, user_iin)
);
CREATE TABLE challenges (
    id          TEXT PRIMARY KEY,
    nonce       TEXT NOT NULL,
    tls_cert    TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    expires_at  TEXT NOT NULL,
    used_at     TEXT
);
CREATE TABLE sessions (
    token_hash  TEXT PRIMARY KEY,
    iin         TEXT NOT NULL REFERENCES users(iin),
    tls_cert    TEXT NOT NULL,
    auth_cert   TEXT NOT NULL,
    carrier     TEXT NOT NULL,
    stage       TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    expires_at  TEXT NOT NULL,
    idle_until  TEXT NOT NULL,
    ended_at    TEXT
);
CREATE TABLE otps (
    id          INTEGER PRIMARY KEY,
    session     TEXT NOT NULL,
    iin         TEXT NOT NULL,
    code_mac    TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    expires_at  TEXT NOT NULL,
    tries       INTEGER NOT NULL DEFAULT 0,
    used_at     TEXT,
    voided      INTEGER NOT NULL DEFAULT 0,
    outbox_id   INTEGER
);
CREATE TABLE sms_outbox (
    id          INTEGER PRIMARY KEY,
    phone       TEXT NOT NULL,
    iin         TEXT NOT NULL,
    text        TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    spent       INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE requests (
    request_id        TEXT PRIMARY KEY,
    user_iin          TEXT NOT NULL,
    organisation_bin  TEXT NOT NULL,
    role              INTEGER NOT NULL,
    basis             TEXT NOT NULL,
    service           INTEGER NOT NULL,
    case_key          TEXT NOT NULL,
    subject           TEXT NOT NULL,
    variant           TEXT NOT NULL,
    document          BLOB NOT NULL,
    document_sha256   TEXT NOT NULL,
    cms               BLOB NOT NULL,
    submitted_at      TEXT NOT NULL,
    ready_at          TEXT NOT NULL
);
CREATE INDEX requests_by_org ON requests (organisation_bin, submitted_at);
CREATE INDEX requests_by_user ON requests (user_iin, submitted_at);
CREATE TABLE results (
    request_id    TEXT PRIMARY KEY REFERENCES requests(request_id),
    generated_at  TEXT NOT NULL,
    title         TEXT NOT NULL,
    truncated     INTEGER NOT NULL,
    table_json    TEXT NOT NULL,
    pdf           BLOB NOT NULL
);
CREATE TABLE applications (
    application_id    TEXT PRIMARY KEY,
    action            TEXT NOT NULL,
    applicant_iin     TEXT NOT NULL,
    organisation_bin  TEXT NOT NULL,
    submitted_by      TEXT NOT NULL,
    document          BLOB NOT NULL,
    document_sha256   TEXT NOT NULL,
    cms               BLOB NOT NULL,
    state             TEXT NOT NULL,
    received_at       TEXT NOT NULL,
    done_at           TEXT,
    late              INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE journal (
    id         INTEGER PRIMARY KEY,
    at         TEXT NOT NULL,
    user       TEXT NOT NULL,
    ip         TEXT NOT NULL,
    resource   TEXT NOT NULL,
    operation  TEXT NOT NULL,
    outcome    TEXT NOT NULL
);
CREATE TABLE emergency_journal (
    id           INTEGER PRIMARY KEY,
    recorded_at  TEXT NOT NULL,
    user_iin     TEXT NOT NULL,
    delay_from   TEXT NOT NULL,
    delay_until  TEXT,
    description  TEXT NOT NULL,
    recorded_by  TEXT NOT NULL
);
"#,
    // 2: exports of results to case materials (rule 48 as of 2024).
    r#"
CREATE TABLE exports (
    export_id       TEXT PRIMARY KEY,
    request_id      TEXT NOT NULL REFERENCES requests(request_id),
    user_iin        TEXT NOT NULL,
    reason          TEXT NOT NULL,
    content_sha256  TEXT NOT NULL,
    document        BLOB NOT NULL,
    document_sha256 TEXT NOT NULL,
    cms             BLOB NOT NULL,
    recorded_at     TEXT NOT NULL
);
"#,
    // 3: fingerprint (rule 18), matched on the workstation: signed enrolment records (no
    // biometric data), single-use challenges, and every verdict received.
    r#"
CREATE TABLE fingerprint_enrolments (
    id          TEXT PRIMARY KEY,
    iin         TEXT NOT NULL REFERENCES users(iin),
    workstation TEXT NOT NULL,
    device      TEXT NOT NULL,
    finger      TEXT NOT NULL,
    document    BLOB NOT NULL,
    cms         BLOB NOT NULL,
    recorded_at TEXT NOT NULL,
    revoked_at  TEXT
);
CREATE INDEX fingerprint_enrolments_by_user ON fingerprint_enrolments (iin);
CREATE TABLE fingerprint_challenges (
    id         TEXT PRIMARY KEY,
    session    TEXT NOT NULL,
    nonce      TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    used_at    TEXT
);
CREATE TABLE fingerprint_verdicts (
    id           INTEGER PRIMARY KEY,
    iin          TEXT NOT NULL,
    session      TEXT NOT NULL,
    challenge_id TEXT NOT NULL,
    workstation  TEXT NOT NULL,
    device       TEXT NOT NULL,
    finger       TEXT,
    result       TEXT NOT NULL,
    enrolled     INTEGER NOT NULL,
    document     BLOB NOT NULL,
    cms          BLOB NOT NULL,
    recorded_at  TEXT NOT NULL
);
"#,
    // 4: Face ID (rule 18): templates sealed with the data directory's template key, and the
    // single-use liveness challenges.
    r#"
CREATE TABLE face_templates (
    iin         TEXT PRIMARY KEY REFERENCES users(iin),
    nonce       BLOB NOT NULL,
    sealed      BLOB NOT NULL,
    frames      INTEGER NOT NULL,
    enrolled_at TEXT NOT NULL
);
CREATE TABLE face_challenges (
    id         TEXT PRIMARY KEY,
    session    TEXT NOT NULL,
    nonce      TEXT NOT NULL,
    steps      TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    used_at    TEXT
);
"#,
    // HR (issue 16): the heads of each body as marked by the operator (only they co-sign HR
    // applications of that body), and the co-signing head of each application.
    r#"
CREATE TABLE heads (
    iin              TEXT NOT NULL,
    organisation_bin TEXT NOT NULL REFERENCES organisations(bin),
    full_name        TEXT NOT NULL DEFAULT '',
    position         TEXT NOT NULL DEFAULT '',
    marked_at        TEXT NOT NULL,
    marked_by        TEXT NOT NULL,
    PRIMARY KEY (iin, organisation_bin)
);
ALTER TABLE applications ADD COLUMN head_iin TEXT;
"#,
    // Fingerprint (issue 16): enrolments are the helpdesk's and bound to a workstation
    // certificate whose key signs the verdicts; the user-signed enrolments of before are ended.
    r#"
ALTER TABLE fingerprint_enrolments ADD COLUMN workstation_cert_sha256 TEXT;
ALTER TABLE fingerprint_enrolments ADD COLUMN workstation_cert BLOB;
ALTER TABLE fingerprint_enrolments ADD COLUMN workstation_serial TEXT;
ALTER TABLE fingerprint_enrolments ADD COLUMN enrolled_by TEXT;
UPDATE fingerprint_enrolments SET revoked_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
    WHERE revoked_at IS NULL;
CREATE INDEX fingerprint_enrolments_by_cert ON fingerprint_enrolments (workstation_cert_sha256);
ALTER TABLE fingerprint_verdicts ADD COLUMN workstation_cert_sha256 TEXT;
"#,
    // Revocation (issue 16): the certificates a session rests on — the TLS client certificate,
    // the authentication certificate of the login and the signing certificates used in it —
    // kept so that every call and every CRL change re-checks them.
    r#"
CREATE TABLE session_certs (
    session  TEXT NOT NULL,
    kind     TEXT NOT NULL CHECK (kind IN ('tls','auth','sign')),
    sha256   TEXT NOT NULL,
    der      BLOB NOT NULL,
    PRIMARY KEY (session, kind, sha256)
);
"#,
    // SMS codes (issue 16): the moment a session ends — logout, lock-out, block, revocation,
    // whatever ends it — its unused codes are void and blanked in the outbox, in the same
    // transaction (crate::auth::erase_codes_of_ended_sessions also covers expiry and truncates
    // the log).
    r#"
CREATE TRIGGER otps_end_with_session AFTER UPDATE OF ended_at ON sessions
WHEN NEW.ended_at IS NOT NULL
BEGIN
    UPDATE sms_outbox SET spent = 1, text = '[code used or void]'
     WHERE id IN (SELECT outbox_id FROM otps WHERE session = NEW.token_hash AND used_at IS NULL);
    UPDATE otps SET voided = 1 WHERE session = NEW.token_hash AND used_at IS NULL;
END;
"#,
];

/// Version of the schema this build writes.
pub const SCHEMA_VERSION: u32 = MIGRATIONS.len() as u32;

/// Open (creating if needed) the database in `data_dir` and bring it to [`SCHEMA_VERSION`].
///
/// The files are the owner's alone whatever the umask of whoever starts the gateway: a missing
/// data directory is made 0700, the database is created 0600 before SQLite opens it (SQLite
/// gives its `-wal` and `-shm` files the database's mode), and the database, its `-wal`,
/// `-shm` and `-journal`, the kept `pre-restore-*.sqlite3` copies and the `*.key` files already
/// there lose any group or other permission ([`restrict_data_files`]).
pub fn open(data_dir: &Path) -> Result<Connection, GwError> {
    let config_err =
        |e: std::io::Error| GwError::Config(format!("data directory {}: {e}", data_dir.display()));
    create_private_dir(data_dir).map_err(config_err)?;
    let path = data_dir.join(DB_FILE);
    create_private_file(&path).map_err(config_err)?;
    restrict_data_files(data_dir).map_err(config_err)?;
    let mut conn = Connection::open(&path).map_err(GwError::db("open the database"))?;
    conn.busy_timeout(std::time::Duration::from_secs(5))
        .map_err(GwError::db("set the busy timeout"))?;
    conn.pragma_update(None, "foreign_keys", "ON")
        .map_err(GwError::db("enable foreign keys"))?;
    conn.pragma_update(None, "secure_delete", "ON")
        .map_err(GwError::db("enable secure delete"))?;
    let mode: String = conn
        .pragma_update_and_check(None, "journal_mode", "WAL", |r| r.get(0))
        .map_err(GwError::db("switch to the write-ahead log"))?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(GwError::Config(format!(
            "the database refused WAL mode ({mode})"
        )));
    }
    conn.pragma_update(None, "synchronous", "NORMAL")
        .map_err(GwError::db("set the sync mode"))?;
    migrate(&mut conn)?;
    Ok(conn)
}

/// Make `dir` (and missing parents) if it is missing, the last one mode 0700. An existing
/// directory keeps its mode (it may be shared, e.g. a parent the administrator chose); the files
/// in it are restricted one by one.
pub(crate) fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    if dir.is_dir() {
        return Ok(());
    }
    if let Some(parent) = dir.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)?;
    }
    let mut b = std::fs::DirBuilder::new();
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt as _;
        b.mode(0o700);
    }
    match b.create(dir) {
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && dir.is_dir() => Ok(()),
        r => r,
    }
}

/// Create `path` empty with mode 0600 if it does not exist (an existing file is left as it is;
/// [`restrict_private`] fixes its mode).
pub(crate) fn create_private_file(path: &Path) -> std::io::Result<()> {
    match create_new_private_file(path) {
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        other => other,
    }
}

/// Create `path` with mode 0600; it must not exist (not even as a link: `AlreadyExists`).
pub(crate) fn create_new_private_file(path: &Path) -> std::io::Result<()> {
    let mut o = std::fs::OpenOptions::new();
    o.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        o.mode(0o600);
    }
    o.open(path).map(drop)
}

/// Take group and other permissions away from `path` if it is a regular file (not followed if
/// it is a symbolic link).
pub(crate) fn restrict_private(path: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let meta = match std::fs::symlink_metadata(path) {
            Ok(m) => m,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
            Err(e) => return Err(e),
        };
        let mode = meta.permissions().mode();
        if meta.is_file() && mode & 0o077 != 0 {
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode & 0o700))?;
        }
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

/// [`restrict_private`] for the gateway's files in `data_dir`: the database and its companions,
/// the copies kept before a restore, and the key files.
pub(crate) fn restrict_data_files(data_dir: &Path) -> std::io::Result<()> {
    for entry in std::fs::read_dir(data_dir)? {
        let entry = entry?;
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name.starts_with(DB_FILE)
            || (name.starts_with("pre-restore-") && name.ends_with(".sqlite3"))
            || name.ends_with(".key")
        {
            restrict_private(&entry.path())?;
        }
    }
    Ok(())
}

/// Group commit for requests: each request is committed with `synchronous = NORMAL` (written to
/// the log, not yet synced) under the database lock and takes a ticket; outside the lock,
/// [`GroupCommit::wait`] syncs the log once for every commit made so far, so concurrent requests
/// share one `fsync` and none is answered before its record is on disk.
#[derive(Debug)]
pub(crate) struct GroupCommit {
    wal: std::path::PathBuf,
    committed: std::sync::atomic::AtomicU64,
    flushed: std::sync::Mutex<u64>,
}

impl GroupCommit {
    pub(crate) fn new(data_dir: &Path) -> Self {
        Self {
            wal: data_dir.join(format!("{DB_FILE}-wal")),
            committed: std::sync::atomic::AtomicU64::new(0),
            flushed: std::sync::Mutex::new(0),
        }
    }

    /// Take a ticket right after a commit, still under the database lock.
    pub(crate) fn ticket(&self) -> u64 {
        self.committed
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst)
            + 1
    }

    /// Return once the commit of `ticket` is on disk.
    pub(crate) fn wait(&self, ticket: u64) -> Result<(), GwError> {
        let mut flushed = self
            .flushed
            .lock()
            .map_err(|_| GwError::Internal("group commit lock poisoned".into()))?;
        if *flushed >= ticket {
            return Ok(());
        }
        let target = self.committed.load(std::sync::atomic::Ordering::SeqCst);
        std::fs::File::open(&self.wal)
            .and_then(|f| f.sync_data())
            .map_err(|e| GwError::Internal(format!("sync the database log: {e}")))?;
        *flushed = target;
        Ok(())
    }
}

/// Run `f` and make its commit (and every earlier one) durable before returning.
pub(crate) fn durable<T>(
    conn: &Connection,
    f: impl FnOnce(&Connection) -> Result<T, GwError>,
) -> Result<T, GwError> {
    conn.pragma_update(None, "synchronous", "FULL")
        .map_err(GwError::db("switch to durable commits"))?;
    let r = f(conn);
    conn.pragma_update(None, "synchronous", "NORMAL")
        .map_err(GwError::db("switch back to normal commits"))?;
    r
}

/// Move the log into the database and truncate it, so that overwritten secrets (spent SMS
/// codes) are gone from the log file. Best effort: a concurrent reader may delay it.
pub(crate) fn scrub(conn: &Connection) {
    if let Err(e) = conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(())) {
        tracing::warn!(error = %e, "WAL checkpoint failed");
    }
}

/// Bring `conn` to [`SCHEMA_VERSION`] (also used on an in-memory database to know the expected
/// schema of a restore, `crate::backup`).
pub(crate) fn migrate(conn: &mut Connection) -> Result<(), GwError> {
    let current: u32 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .map_err(GwError::db("read the schema version"))?;
    if current > SCHEMA_VERSION {
        return Err(GwError::Config(format!(
            "the database has schema version {current}, newer than this gateway's {SCHEMA_VERSION}"
        )));
    }
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(current as usize) {
        let tx = conn
            .transaction()
            .map_err(GwError::db("begin a migration"))?;
        tx.execute_batch(sql)
            .map_err(GwError::db("migrate the schema"))?;
        tx.pragma_update(None, "user_version", (i + 1) as u32)
            .map_err(GwError::db("record the schema version"))?;
        tx.commit().map_err(GwError::db("commit a migration"))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrates_once_and_reopens() {
        let dir = tempfile::tempdir().expect("tempdir");
        let conn = open(dir.path()).expect("open");
        let mode: String = conn
            .query_row("PRAGMA journal_mode", [], |r| r.get(0))
            .expect("mode");
        assert_eq!(mode, "wal");
        let v: u32 = conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .expect("v");
        assert_eq!(v, SCHEMA_VERSION);
        drop(conn);
        let conn = open(dir.path()).expect("reopen");
        let n: i64 = conn
            .query_row("SELECT count(*) FROM users", [], |r| r.get(0))
            .expect("users");
        assert_eq!(n, 0);
    }
}
