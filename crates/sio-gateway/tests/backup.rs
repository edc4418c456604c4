//! `sio gateway backup` / `restore`: a consistent copy while the database is being written,
//! a restore that brings the data back, and refusals of files that are not gateway databases.
#![allow(clippy::unwrap_used)]

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use sio_gateway::admin::Admin;
use sio_gateway::backup::{backup, restore};

#[test]
fn backup_while_writing_then_restore() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let adm = Admin::open(&data).unwrap();
    adm.seed_demo().unwrap();
    let users = adm.users().unwrap().len();
    assert!(users > 0);

    // A writer keeps adding organisations while the backup runs.
    let stop = Arc::new(AtomicBool::new(false));
    let writer = {
        let stop = stop.clone();
        let data = data.clone();
        std::thread::spawn(move || {
            let w = rusqlite::Connection::open(data.join(sio_gateway::db::DB_FILE)).unwrap();
            w.busy_timeout(std::time::Duration::from_secs(10)).unwrap();
            let mut i = 0u64;
            while !stop.load(Ordering::Relaxed) && i < 5000 {
                w.execute(
                    "INSERT INTO organisations (bin, name) VALUES (?1, 'writer')",
                    [format!("{:012}", 900_000_000_000u64 + i)],
                )
                .unwrap();
                i += 1;
            }
            i
        })
    };
    let file = dir.path().join("gw.backup.sqlite3");
    let info = backup(&data, &file).unwrap();
    stop.store(true, Ordering::Relaxed);
    let written = writer.join().unwrap();
    assert!(written > 0);
    assert_eq!(info.users as usize, users);
    assert!(info.bytes > 0);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&file).unwrap().permissions().mode();
        assert_eq!(mode & 0o077, 0, "a backup is readable by its owner only");
    }
    assert!(!dir.path().join("gw.backup.sqlite3-wal").exists());

    // Change the live data, then restore: the change is gone and a copy was kept.
    adm.block(&sio_gateway::admin::demo_users()[0].iin, "test")
        .unwrap();
    drop(adm);
    let r = restore(&data, &file).unwrap();
    assert!(r.kept.as_ref().unwrap().is_file());
    let adm = Admin::open(&data).unwrap();
    let after = adm.users().unwrap();
    assert_eq!(after.len(), users);
    let first = &sio_gateway::admin::demo_users()[0].iin;
    let u = after.iter().find(|u| &u.iin == first).unwrap();
    assert_ne!(u.state, "blocked", "the block after the backup is undone");

    // Into an empty data directory too.
    let fresh = dir.path().join("fresh");
    restore(&fresh, &file).unwrap();
    assert_eq!(Admin::open(&fresh).unwrap().users().unwrap().len(), users);
}

#[test]
fn restore_refuses_what_is_not_a_gateway_database() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    Admin::open(&data).unwrap().seed_demo().unwrap();

    let junk = dir.path().join("junk.sqlite3");
    std::fs::write(&junk, b"this is not sqlite at all, just some bytes").unwrap();
    assert_eq!(
        restore(&data, &junk).unwrap_err().code(),
        "GW_RESTORE_NOT_GATEWAY_DB"
    );

    let other = dir.path().join("other.sqlite3");
    let c = rusqlite::Connection::open(&other).unwrap();
    c.execute_batch("CREATE TABLE notes (x TEXT);").unwrap();
    drop(c);
    assert_eq!(
        restore(&data, &other).unwrap_err().code(),
        "GW_RESTORE_NOT_GATEWAY_DB"
    );

    let newer = dir.path().join("newer.sqlite3");
    backup(&data, &newer).unwrap();
    let c = rusqlite::Connection::open(&newer).unwrap();
    c.pragma_update(None, "user_version", 999).unwrap();
    drop(c);
    assert_eq!(
        restore(&data, &newer).unwrap_err().code(),
        "GW_RESTORE_SCHEMA_VERSION"
    );
    assert_eq!(
        restore(&data, &dir.path().join("missing"))
            .unwrap_err()
            .code(),
        "GW_RESTORE_NOT_GATEWAY_DB"
    );
    assert_eq!(
        backup(&dir.path().join("empty"), &dir.path().join("x"))
            .unwrap_err()
            .code(),
        "GW_BACKUP_NO_DATABASE"
    );
    // The live database is untouched by the refusals.
    assert!(!Admin::open(&data).unwrap().users().unwrap().is_empty());
}

/// Issue 16: a backup carrying objects this build's migrations do not make — a trigger that
/// would run inside the gateway on its next write (here: grant HR rights to everybody whenever
/// the journal grows), a view, a table, a changed index — is refused before anything is
/// copied; the live database keeps its schema.
#[test]
fn restore_refuses_a_backup_with_extra_schema_objects() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    Admin::open(&data).unwrap().seed_demo().unwrap();
    let clean = dir.path().join("clean.sqlite3");
    backup(&data, &clean).unwrap();
    // The clean backup itself is accepted.
    restore(&data, &clean).unwrap();

    let tampered = |name: &str, sql: &str| {
        let file = dir.path().join(name);
        std::fs::copy(&clean, &file).unwrap();
        let c = rusqlite::Connection::open(&file).unwrap();
        c.execute_batch(sql).unwrap();
        drop(c);
        file
    };
    let cases = [
        (
            "trigger.sqlite3",
            "CREATE TRIGGER grant_hr AFTER INSERT ON journal BEGIN UPDATE users SET hr = 1, reports = 1; END;",
            "grant_hr",
        ),
        (
            "view.sqlite3",
            "CREATE VIEW everyone AS SELECT iin, mobile FROM users;",
            "everyone",
        ),
        ("table.sqlite3", "CREATE TABLE stash (x BLOB);", "stash"),
        (
            "index.sqlite3",
            "DROP INDEX requests_by_user; CREATE INDEX requests_by_user ON requests (user_iin);",
            "requests_by_user",
        ),
        (
            "column.sqlite3",
            "ALTER TABLE users ADD COLUMN note TEXT;",
            "users",
        ),
    ];
    for (name, sql, object) in cases {
        let file = tampered(name, sql);
        let e = restore(&data, &file).unwrap_err();
        assert_eq!(e.code(), "GW_RESTORE_SCHEMA_MISMATCH", "{name}: {e}");
        assert!(e.to_string().contains(object), "{name}: {e}");
    }
    // Nothing came into the live database: no trigger, view or extra table.
    let live = rusqlite::Connection::open(data.join(sio_gateway::db::DB_FILE)).unwrap();
    let extra: i64 = live
        .query_row(
            "SELECT count(*) FROM sqlite_master WHERE name IN ('grant_hr', 'everyone', 'stash')",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(extra, 0);
    // `sio gateway restore` calls this function: crates/sio-cli/tests/hardening_cli.rs runs it.
}
