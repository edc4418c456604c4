//! The disk fills up while the outbox is written (a small tmpfs mounted by the test, filled to
//! the last page): queuing a request and changing its status are refused with
//! `CLIENT_OUTBOX_IO`; the outbox never holds a half-written item (the previous state of an item
//! stays readable, a request that failed to queue is not there); nothing in the clear is on
//! disk; once there is space, the outbox opens (unfinished temporaries removed) and works.
//!
//! Needs root for `mount -t tmpfs` (the test command runs as root); otherwise SKIPPED.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../../sio-vault/tests/fault_support/mod.rs"]
mod fault_support;

use std::sync::Arc;

use fault_support::{Tmpfs, files_containing, leftovers};
use sio_client::outbox::{Outbox, OutboxStatus};
use sio_protocol::{RequestDocument, Signed};
use sio_vault::MemoryKeyStore;

fn request(n: u32) -> Signed<RequestDocument> {
    let document: RequestDocument = serde_json::from_value(serde_json::json!({
        "doc": "sio.request/v1",
        "request_id": format!("6f1c1a2e-8d52-4c1e-9a59-{n:012}"),
        "user_iin": "850415300121",
        "role": 3,
        "basis": "criminal",
        "service": 1,
        "case": {"kind": "criminal_case", "erdr": "241500031000123"},
        "subject": {"kind": "individual", "id": "900101300106"},
        "signed_at": "2026-03-01T10:00:00+05:00"
    }))
    .unwrap();
    // The outbox keeps the envelope as signed; a CMS-sized blob is enough here.
    Signed::new(document, &vec![0x30; 3000])
}

#[test]
fn disk_full_while_writing_the_outbox() {
    let Some(fs) = Tmpfs::mount(512) else { return };
    let keys = Arc::new(MemoryKeyStore::new());
    let dir = fs.path().join("outbox");
    let outbox = Outbox::open(&dir, keys.clone(), "outbox").unwrap();
    let first = outbox.enqueue(&request(1)).unwrap();
    fs.fill_leaving(0);
    let mut refused = 0;
    let mut queued = vec![first];
    for n in 2..40 {
        match outbox.enqueue(&request(n)) {
            Ok(id) => queued.push(id),
            Err(e) => {
                assert_eq!(e.code(), "CLIENT_OUTBOX_IO", "{e}");
                refused += 1;
            }
        }
    }
    assert!(refused > 0, "the disk never filled");
    // A status change with the disk full: refused, and the item keeps its previous state.
    if let Err(e) = outbox.set_status(first, OutboxStatus::Sent) {
        assert_eq!(e.code(), "CLIENT_OUTBOX_IO");
        assert_eq!(outbox.get(first).unwrap().status, OutboxStatus::Queued);
    }
    let listed: Vec<_> = outbox.list().unwrap().iter().map(|i| i.id()).collect();
    assert_eq!(listed.len(), queued.len(), "only whole items are listed");
    assert!(
        files_containing(fs.path(), b"900101300106").is_empty(),
        "a request in the clear"
    );
    assert!(
        files_containing(fs.path(), b"sio.request/v1").is_empty(),
        "a request in the clear"
    );
    fs.free();
    drop(outbox);
    let outbox = Outbox::open(&dir, keys, "outbox").unwrap();
    assert!(leftovers(&dir).is_empty(), "{:?}", leftovers(&dir));
    let mut listed: Vec<_> = outbox.list().unwrap().iter().map(|i| i.id()).collect();
    listed.sort();
    queued.sort();
    assert_eq!(listed, queued);
    outbox
        .enqueue(&request(99))
        .expect("queues again with space");
    outbox.set_status(first, OutboxStatus::Sent).unwrap();
    eprintln!(
        "outbox: {} requests queued, {refused} refused with the disk full (CLIENT_OUTBOX_IO)",
        queued.len()
    );
}
