//! The gateway's logs (every level, structured fields) carry no secret: no SMS code, no session
//! token, no result data. Own test binary: it installs the global log subscriber.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::io::Write;
use std::sync::{Arc, Mutex};

use common::*;
use sio_protocol::*;

#[derive(Clone, Default)]
struct Buffer(Arc<Mutex<Vec<u8>>>);

impl Write for Buffer {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_secret_in_the_logs() {
    let buffer = Buffer::default();
    let writer = buffer.clone();
    tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .json()
        .init();
    let env = Env::start_with(|c| c.result_delay = std::time::Duration::ZERO).await;
    let mut c = env.client(INVESTIGATOR);
    c.login(KeyCarrier::Hardware).await.unwrap();
    let _: OtpSent = c.post_empty(paths::LOGIN_OTP).await.unwrap();
    let code = env.code("850415300121");
    let _: SessionInfo = c
        .post(paths::LOGIN_OTP_VERIFY, &serde_json::json!({"code": code}))
        .await
        .unwrap();
    c.sign_consent("850415300121").await.unwrap();
    let service = full_service_for(3, sio_core::Basis::Criminal);
    let d = c.request_doc(
        "850415300121",
        3,
        BasisKey::Criminal,
        service,
        criminal_case(),
    );
    let _: RequestStatus = c.post(paths::REQUESTS, &c.sign_request(&d)).await.unwrap();
    let r: ResultDelivery = c
        .get(&format!("/v1/requests/{}/result", d.request_id))
        .await
        .unwrap();
    let logs = String::from_utf8(buffer.0.lock().unwrap().clone()).unwrap();
    assert!(
        logs.contains("second factor accepted"),
        "the logs were captured"
    );
    let token = c.token.clone().unwrap();
    assert!(!logs.contains(&code), "SMS code in the logs");
    assert!(!logs.contains(&token), "session token in the logs");
    assert!(
        !logs.contains(&r.table.rows[0][1]),
        "result data in the logs"
    );
    assert!(
        !logs.contains(&r.pdf_base64[..40]),
        "result PDF in the logs"
    );
}
