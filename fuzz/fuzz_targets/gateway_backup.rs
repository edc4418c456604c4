//! The file `sio gateway restore <file>` takes (an administrator's backup, possibly from another
//! machine or a damaged disk): any bytes end in a `GW_RESTORE_*`/`GW_BACKUP_*` code, or in a
//! restored database that the gateway opens. A refused file leaves the live database as it was,
//! byte for byte (the check runs before anything is copied).
#![no_main]

#[path = "parts.rs"]
mod parts;

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use sio_gateway::backup;
use sio_gateway::db::DB_FILE;

/// A live gateway database of this build's schema, made once by the gateway's own migrations.
fn live_template() -> &'static [u8] {
    static LIVE: OnceLock<Vec<u8>> = OnceLock::new();
    LIVE.get_or_init(|| {
        let dir = parts::scratch();
        drop(sio_gateway::db::open(dir.path()).expect("a fresh gateway database"));
        // One self-contained file: the backup path writes it in rollback-journal mode.
        let copy = dir.path().join("template.sqlite3");
        backup::backup(dir.path(), &copy).expect("a backup of the fresh database");
        std::fs::read(copy).expect("read the template")
    })
}

fuzz_target!(|data: &[u8]| {
    let dir = parts::scratch();
    let data_dir = dir.path().join("data");
    std::fs::create_dir(&data_dir).expect("data dir");
    let live = data_dir.join(DB_FILE);
    std::fs::write(&live, live_template()).expect("live database");
    let file = dir.path().join("backup.sqlite3");
    std::fs::write(&file, data).expect("backup file");
    match backup::restore(&data_dir, &file) {
        Ok(info) => {
            assert_eq!(info.file, live);
            // The gateway starts on what was restored.
            let opened = sio_gateway::db::open(&data_dir);
            if let Err(e) = opened {
                parts::assert_code(e.code());
            }
        }
        Err(e) => {
            let code = e.code();
            parts::assert_code(code);
            assert!(
                code.starts_with("GW_RESTORE_") || code.starts_with("GW_BACKUP_"),
                "{code}"
            );
            if code.starts_with("GW_RESTORE_") {
                assert!(
                    std::fs::read(&live).expect("live database") == live_template(),
                    "a refused backup changed the live database"
                );
            }
        }
    }
});
