//! SQLite storage: one file `gateway.sqlite3` in the data directory, versioned migrations
//! (`PRAGMA user_version`), write-ahead log, `secure_delete` so that spent SMS codes do not
//! linger in free pages, and a truncating checkpoint after a code is spent so they do not linger
//! in the log either ([`scrub`]).
//!
//! Connections (docs/PERFORMANCE.md):
//! - the hot writes (accepted requests, results, session bookkeeping, the access journal, logins)
//!   go to the [`Writer`]: one thread, `synchronous = FULL`, group commit — every job waiting
//!   runs in one transaction under a savepoint of its own, one `COMMIT` syncs the log, and only
//!   then is each caller answered. Nothing acknowledged is lost on a crash of the process or of
//!   the machine;
//! - the hot reads go to a small pool of [`Readers`] (WAL: they never wait for the writer);
//! - the cold paths (administration, HR, reports, revocation sweeps) keep one locked connection
//!   (`Shared::db`), `synchronous = NORMAL`, and use [`durable`] for what must be on disk before
//!   the answer (applications, consents, exports).
//!
//! Every connection keeps its statements prepared (`prepare_cached`).

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
    // HR form (issue 18 item 2): a body's code in ЕРДР («СДТБТ ұйымының коды», 2015 Appendix 5;
    // kk rule 5: СДТБТ is ЕРДР) as the operator records it, matched against the application form.
    r#"
ALTER TABLE organisations ADD COLUMN erdr_code TEXT;
ALTER TABLE applications ADD COLUMN refusal_reasons TEXT;
ALTER TABLE applications ADD COLUMN refused_by TEXT;
"#,
    // The Criminal Code article the investigator declares with a request (issue 18): State
    // Revenue Committee services only under Chapter 8, arts. 214–249 (2024 r.2, Appendix 2
    // footnote 2); kept for the body's report (rule 10). NULL when none was declared.
    r#"
ALTER TABLE requests ADD COLUMN article INTEGER;
ALTER TABLE requests ADD COLUMN article_part INTEGER;
"#,
    // The two-month absence reminder (issue 18; Appendix 6 §11.2 as amended by Order 88/2024):
    // each user's last successful login, and on each session the login before it. NULL until
    // the next login (old databases keep working: no reminder without a known last login).
    r#"
ALTER TABLE users ADD COLUMN last_login_at TEXT;
ALTER TABLE sessions ADD COLUMN previous_login_at TEXT;
"#,
    // The operator's motivated refusal, signed (2015 r.14), and whether the decision came after
    // the day the rule allows; the emergency journal in the columns of Appendix 7 and r.43
    // (section, cause, measures taken, time allowed, who is responsible); planned works
    // published to users in advance (r.44). Rows of before keep their description as the cause.
    r#"
ALTER TABLE applications ADD COLUMN refusal_document BLOB;
ALTER TABLE applications ADD COLUMN refusal_cms BLOB;
ALTER TABLE applications ADD COLUMN decided_late INTEGER NOT NULL DEFAULT 0;
ALTER TABLE emergency_journal ADD COLUMN section INTEGER;
ALTER TABLE emergency_journal ADD COLUMN cause TEXT;
ALTER TABLE emergency_journal ADD COLUMN measures TEXT;
ALTER TABLE emergency_journal ADD COLUMN max_minutes INTEGER;
ALTER TABLE emergency_journal ADD COLUMN responsible TEXT;
CREATE TABLE planned_works (
    id              INTEGER PRIMARY KEY,
    starts_at       TEXT NOT NULL,
    ends_at         TEXT NOT NULL,
    description_ru  TEXT NOT NULL,
    description_kk  TEXT NOT NULL,
    recorded_at     TEXT NOT NULL,
    recorded_by     TEXT NOT NULL,
    cancelled_at    TEXT
);
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
    conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
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

/// Reader connections kept open (and their cached statements with them).
const READERS: usize = 8;
/// Statements each connection keeps prepared (`prepare_cached`).
const STATEMENT_CACHE: usize = 64;
/// Most jobs the writer puts in one transaction (and so behind one `fsync`).
const MAX_BATCH: usize = 512;
/// How long the writer waits for more jobs before a commit, at most, when the last commit carried
/// more than one job (calls arrive concurrently). A lone call never waits.
const COMMIT_WINDOW: std::time::Duration = std::time::Duration::from_micros(300);

/// Open one more connection to the database of `data_dir` (already migrated by [`open`]), with
/// the gateway's settings and `synchronous` as given.
fn connect(path: &Path, synchronous: &str) -> Result<Connection, GwError> {
    let conn = Connection::open(path).map_err(GwError::db("open the database"))?;
    conn.busy_timeout(std::time::Duration::from_secs(5))
        .map_err(GwError::db("set the busy timeout"))?;
    conn.pragma_update(None, "foreign_keys", "ON")
        .map_err(GwError::db("enable foreign keys"))?;
    conn.pragma_update(None, "secure_delete", "ON")
        .map_err(GwError::db("enable secure delete"))?;
    conn.pragma_update(None, "synchronous", synchronous)
        .map_err(GwError::db("set the sync mode"))?;
    conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
    Ok(conn)
}

/// A small pool of connections for the hot reads (session check, request lookups, results), so
/// that they neither wait for the writer nor for one another: in WAL mode every reader sees the
/// last commit without blocking it. Statements are prepared once per connection
/// (`prepare_cached`). A reader may write too (rare cold paths reached from a read, such as
/// ending a session whose certificate was revoked); the hot writes go to the [`Writer`].
pub(crate) struct Readers {
    path: std::path::PathBuf,
    idle: std::sync::Mutex<Vec<Connection>>,
    returned: std::sync::Condvar,
    /// Connections open (idle or lent).
    open: std::sync::atomic::AtomicUsize,
}

impl std::fmt::Debug for Readers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Readers")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

/// A reader lent by [`Readers::get`]; derefs to the connection, goes back to the pool on drop.
pub(crate) struct Reader<'a> {
    pool: &'a Readers,
    conn: Option<Connection>,
}

impl std::ops::Deref for Reader<'_> {
    type Target = Connection;
    fn deref(&self) -> &Connection {
        // Taken out only in `drop`.
        self.conn.as_ref().unwrap_or_else(|| unreachable!())
    }
}

impl Drop for Reader<'_> {
    fn drop(&mut self) {
        if let Some(c) = self.conn.take() {
            let mut idle = self.pool.idle.lock().unwrap_or_else(|p| p.into_inner());
            idle.push(c);
            drop(idle);
            self.pool.returned.notify_one();
        }
    }
}

impl Readers {
    pub(crate) fn new(data_dir: &Path) -> Self {
        Self {
            path: data_dir.join(DB_FILE),
            idle: std::sync::Mutex::new(Vec::new()),
            returned: std::sync::Condvar::new(),
            open: std::sync::atomic::AtomicUsize::new(0),
        }
    }

    /// A reader connection: an idle one, a new one while fewer than [`READERS`] are open, or the
    /// first one given back. Blocking: call it from blocking threads only.
    pub(crate) fn get(&self) -> Result<Reader<'_>, GwError> {
        use std::sync::atomic::Ordering;
        let mut idle = self.idle.lock().unwrap_or_else(|p| p.into_inner());
        loop {
            if let Some(conn) = idle.pop() {
                return Ok(Reader {
                    pool: self,
                    conn: Some(conn),
                });
            }
            if self.open.load(Ordering::SeqCst) < READERS {
                self.open.fetch_add(1, Ordering::SeqCst);
                drop(idle);
                return match connect(&self.path, "NORMAL") {
                    Ok(conn) => Ok(Reader {
                        pool: self,
                        conn: Some(conn),
                    }),
                    Err(e) => {
                        self.open.fetch_sub(1, Ordering::SeqCst);
                        Err(e)
                    }
                };
            }
            idle = self.returned.wait(idle).unwrap_or_else(|p| p.into_inner());
        }
    }
}

/// What a job tells its caller once its transaction is committed (or not).
type Reply = Box<dyn FnOnce(Result<(), GwError>) + Send>;
/// A job of the writer: runs inside the batch's transaction (under a savepoint of its own),
/// returns whether it succeeded and how to answer.
type Job = Box<dyn FnOnce(&Connection) -> (bool, Reply) + Send>;

/// Counts of the writer since the gateway started: transactions committed (one `fsync` of the log
/// each) and jobs carried by them.
#[derive(Debug, Default)]
pub(crate) struct CommitStats {
    commits: std::sync::atomic::AtomicU64,
    jobs: std::sync::atomic::AtomicU64,
    largest: std::sync::atomic::AtomicU64,
}

/// A snapshot of the writer's counts ([`crate::GatewayHandle::commit_counts`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CommitCounts {
    /// Transactions committed with `synchronous = FULL`: one sync of the log each.
    pub commits: u64,
    /// Writes (jobs) those transactions carried: a request, a journal record, a session touch...
    pub jobs: u64,
    /// The most jobs one transaction carried.
    pub largest_batch: u64,
}

impl CommitStats {
    pub(crate) fn counts(&self) -> CommitCounts {
        use std::sync::atomic::Ordering;
        CommitCounts {
            commits: self.commits.load(Ordering::Relaxed),
            jobs: self.jobs.load(Ordering::Relaxed),
            largest_batch: self.largest.load(Ordering::Relaxed),
        }
    }
}

/// The writer of the hot paths: one thread, one connection with `synchronous = FULL`, group
/// commit that groups. Calls hand it jobs; it runs every job waiting (up to [`MAX_BATCH`], after
/// at most [`COMMIT_WINDOW`] more when calls come concurrently) in one transaction, each job under
/// a savepoint of its own (a failing job is rolled back alone), commits once — the log is synced
/// before `COMMIT` returns — and only then answers each job. So a call is answered only once its
/// writes are on disk, and one `fsync` covers every call of the batch.
pub(crate) struct Writer {
    jobs: std::sync::Mutex<Option<std::sync::mpsc::Sender<Job>>>,
    thread: std::sync::Mutex<Option<std::thread::JoinHandle<()>>>,
    pub(crate) stats: std::sync::Arc<CommitStats>,
}

impl std::fmt::Debug for Writer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Writer")
            .field("stats", &self.stats)
            .finish_non_exhaustive()
    }
}

fn commit_error(e: &rusqlite::Error) -> GwError {
    match e {
        rusqlite::Error::SqliteFailure(f, m) => GwError::Db {
            op: "commit",
            source: rusqlite::Error::SqliteFailure(*f, m.clone()),
        },
        other => GwError::Internal(format!("commit: {other}")),
    }
}

fn step(conn: &Connection, sql: &str) -> Result<(), rusqlite::Error> {
    conn.prepare_cached(sql)?.execute([]).map(drop)
}

impl Writer {
    /// Start the writer thread on the database of `data_dir` (already migrated by [`open`]).
    pub(crate) fn start(data_dir: &Path) -> Result<Self, GwError> {
        let conn = connect(&data_dir.join(DB_FILE), "FULL")?;
        let (tx, rx) = std::sync::mpsc::channel::<Job>();
        let stats = std::sync::Arc::new(CommitStats::default());
        let st = stats.clone();
        let thread = std::thread::Builder::new()
            .name("sio-gateway-writer".into())
            .spawn(move || write_loop(&conn, &rx, &st))
            .map_err(|e| GwError::Internal(format!("writer thread: {e}")))?;
        Ok(Self {
            jobs: std::sync::Mutex::new(Some(tx)),
            thread: std::sync::Mutex::new(Some(thread)),
            stats,
        })
    }

    fn send<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Connection) -> Result<T, GwError> + Send + 'static,
        done: impl FnOnce(Result<T, GwError>) + Send + 'static,
    ) -> Result<(), GwError> {
        let job: Job = Box::new(move |conn| {
            let r = f(conn);
            let ok = r.is_ok();
            let reply: Reply = Box::new(move |committed| {
                done(match r {
                    Err(e) => Err(e),
                    Ok(v) => committed.map(|()| v),
                })
            });
            (ok, reply)
        });
        let jobs = self.jobs.lock().unwrap_or_else(|p| p.into_inner());
        jobs.as_ref()
            .and_then(|tx| tx.send(job).ok())
            .ok_or_else(|| GwError::Internal("the database writer has stopped".into()))
    }

    /// Run `f` in the writer's next transaction and return its result once committed (durable).
    pub(crate) async fn write<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Connection) -> Result<T, GwError> + Send + 'static,
    ) -> Result<T, GwError> {
        let (tx, rx) = tokio::sync::oneshot::channel();
        self.send(f, move |r| {
            let _ = tx.send(r);
        })?;
        rx.await
            .map_err(|_| GwError::Internal("the database writer dropped a job".into()))?
    }

    /// Hand `f` to the writer's next transaction without waiting for it: for writes that
    /// acknowledge nothing (the journal record of `/v1/health`), so that the disk's sync time
    /// never slows the answer. A failure is logged.
    pub(crate) fn write_detached(
        &self,
        f: impl FnOnce(&Connection) -> Result<(), GwError> + Send + 'static,
    ) -> Result<(), GwError> {
        self.send(f, |r| {
            if let Err(e) = r {
                tracing::error!(code = e.code(), error = %e, "a detached write failed");
            }
        })
    }

    /// [`Writer::write`] for blocking threads.
    pub(crate) fn write_blocking<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Connection) -> Result<T, GwError> + Send + 'static,
    ) -> Result<T, GwError> {
        let (tx, rx) = std::sync::mpsc::sync_channel(1);
        self.send(f, move |r| {
            let _ = tx.send(r);
        })?;
        rx.recv()
            .map_err(|_| GwError::Internal("the database writer dropped a job".into()))?
    }
}

impl Drop for Writer {
    fn drop(&mut self) {
        // No more jobs: the thread commits what it holds and ends.
        self.jobs.lock().unwrap_or_else(|p| p.into_inner()).take();
        let thread = self.thread.lock().unwrap_or_else(|p| p.into_inner()).take();
        if let Some(t) = thread {
            if t.thread().id() != std::thread::current().id() {
                let _ = t.join();
            }
        }
    }
}

fn write_loop(conn: &Connection, rx: &std::sync::mpsc::Receiver<Job>, stats: &CommitStats) {
    use std::sync::atomic::Ordering;
    let mut last_batch = 0usize;
    while let Ok(first) = rx.recv() {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(j) => batch.push(j),
                Err(_) => break,
            }
        }
        if last_batch > 1 && batch.len() < MAX_BATCH {
            let until = std::time::Instant::now() + COMMIT_WINDOW;
            while batch.len() < MAX_BATCH {
                let left = until.saturating_duration_since(std::time::Instant::now());
                if left.is_zero() {
                    break;
                }
                match rx.recv_timeout(left) {
                    Ok(j) => batch.push(j),
                    Err(_) => break,
                }
            }
        }
        last_batch = batch.len();
        if let Err(e) = step(conn, "BEGIN IMMEDIATE") {
            // Dropped unrun: nothing of theirs is written, their callers hear that the writer
            // dropped the job (`GW_INTERNAL`).
            tracing::error!(error = %e, jobs = batch.len(), "the writer could not begin a transaction");
            continue;
        }
        let mut replies: Vec<Reply> = Vec::with_capacity(batch.len());
        for job in batch {
            if let Err(e) = step(conn, "SAVEPOINT job") {
                tracing::error!(error = %e, "the writer could not open a savepoint");
                drop(job);
                continue;
            }
            let ran = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| job(conn)));
            let ok = matches!(ran, Ok((true, _)));
            if !ok && step(conn, "ROLLBACK TO job").is_err() {
                tracing::error!("the writer could not roll a failed job back");
            }
            if let Err(e) = step(conn, "RELEASE job") {
                tracing::error!(error = %e, "the writer could not release a savepoint");
            }
            if let Ok((_, reply)) = ran {
                replies.push(reply);
            }
        }
        let n = replies.len() as u64;
        match step(conn, "COMMIT") {
            Ok(()) => {
                stats.commits.fetch_add(1, Ordering::Relaxed);
                stats.jobs.fetch_add(n, Ordering::Relaxed);
                stats.largest.fetch_max(n, Ordering::Relaxed);
                for reply in replies {
                    reply(Ok(()));
                }
            }
            Err(e) => {
                tracing::error!(error = %e, jobs = n, "the writer's commit failed; the batch is rolled back");
                let _ = step(conn, "ROLLBACK");
                for reply in replies {
                    reply(Err(commit_error(&e)));
                }
            }
        }
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

    #[test]
    fn the_writer_groups_commits_and_rolls_a_failed_job_back_alone() {
        let dir = tempfile::tempdir().expect("tempdir");
        drop(open(dir.path()).expect("open"));
        let writer = std::sync::Arc::new(Writer::start(dir.path()).expect("writer"));
        let insert = |c: &Connection, i: i64| {
            c.execute(
                "INSERT INTO journal (id, at, user, ip, resource, operation, outcome) VALUES (?1, '', '', '', '', '', '')",
                [i],
            )
            .map_err(GwError::db("insert"))
        };
        // 16 threads × 50 writes, one of them failing each time (a duplicate id).
        let threads: Vec<_> = (0..16i64)
            .map(|t| {
                let w = writer.clone();
                std::thread::spawn(move || {
                    for k in 0..50i64 {
                        let id = t * 1000 + k;
                        w.write_blocking(move |c| insert(c, id)).expect("write");
                        let again = w.write_blocking(move |c| {
                            insert(c, id + 500)?;
                            insert(c, id) // fails: the whole job is undone, not the batch
                        });
                        assert!(again.is_err());
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().expect("thread");
        }
        let counts = writer.stats.counts();
        assert_eq!(counts.jobs, 16 * 50 * 2);
        assert!(counts.commits < counts.jobs, "no grouping: {counts:?}");
        drop(writer);
        let conn = open(dir.path()).expect("reopen");
        let n: i64 = conn
            .query_row("SELECT count(*) FROM journal", [], |r| r.get(0))
            .expect("count");
        assert_eq!(n, 16 * 50, "only the good jobs are committed");
    }

    #[test]
    fn readers_see_the_writers_commits() {
        let dir = tempfile::tempdir().expect("tempdir");
        drop(open(dir.path()).expect("open"));
        let readers = Readers::new(dir.path());
        let writer = Writer::start(dir.path()).expect("writer");
        let held: Vec<_> = (0..READERS)
            .map(|_| readers.get().expect("reader"))
            .collect();
        drop(held);
        writer
            .write_blocking(|c| {
                c.execute(
                    "INSERT INTO organisations (bin, name) VALUES ('1', 'x')",
                    [],
                )
                .map_err(GwError::db("insert"))
            })
            .expect("write");
        let r = readers.get().expect("reader");
        let n: i64 = r
            .query_row("SELECT count(*) FROM organisations", [], |r| r.get(0))
            .expect("count");
        assert_eq!(n, 1);
    }
}
