//! The Criminal Code article an investigator declares with a request is kept by the gateway and
//! shown in the body's report (rule 10), over real mutual TLS. State Revenue Committee services
//! are available only in criminal cases under Chapter 8 of the Criminal Code, arts. 214–249
//! (2024 r.2; Appendix 2 footnote 2): the report lets the body's control see under which article.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use sio_protocol::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_declared_chapter_8_article_is_in_the_bodys_report() {
    let env = Env::start().await;
    let iin = env.iin(INVESTIGATOR);
    // Reports are a right of the post (rule 10); the operator grants it.
    env.admin().set_rights(&iin, false, true).unwrap();
    let c = env.active_client(INVESTIGATOR).await;

    // Service 38 (State Revenue Committee) under art. 245 part 2: Chapter 8.
    let mut revenue = c.request_doc(
        &iin,
        3,
        BasisKey::Criminal,
        38,
        CaseReference::CriminalCase {
            erdr: "241500031000777".into(),
        },
    );
    revenue.article = Some(Article {
        article: 245,
        part: Some(2),
    });
    let _: RequestStatus = c
        .post(paths::REQUESTS, &c.sign_request(&revenue))
        .await
        .unwrap();
    // A request without an article.
    let service = full_service_for(3, sio_core::Basis::Criminal);
    let plain = c.request_doc(&iin, 3, BasisKey::Criminal, service, criminal_case());
    let _: RequestStatus = c
        .post(paths::REQUESTS, &c.sign_request(&plain))
        .await
        .unwrap();

    let today = chrono::Utc::now()
        .with_timezone(&sio_core::time::ASTANA)
        .date_naive();
    let rep: Report = c
        .get(&format!("/v1/reports?from={today}&to={today}"))
        .await
        .unwrap();
    let row = |id| rep.rows.iter().find(|r| r.request_id == id).unwrap();
    assert_eq!(
        row(revenue.request_id).article,
        Some(Article {
            article: 245,
            part: Some(2),
        })
    );
    assert_eq!(row(revenue.request_id).service, 38);
    assert_eq!(row(plain.request_id).article, None);

    // The raw JSON: no `article` key when none was declared (older clients read the report).
    let raw: serde_json::Value = c
        .get(&format!("/v1/reports?from={today}&to={today}"))
        .await
        .unwrap();
    let rows = raw["rows"].as_array().unwrap();
    let plain_id = plain.request_id.to_string();
    let plain_row = rows.iter().find(|r| r["request_id"] == plain_id).unwrap();
    assert!(plain_row.get("article").is_none(), "{plain_row}");
    let revenue_id = revenue.request_id.to_string();
    let revenue_row = rows.iter().find(|r| r["request_id"] == revenue_id).unwrap();
    assert_eq!(
        revenue_row["article"],
        serde_json::json!({"article": 245, "part": 2})
    );
}
