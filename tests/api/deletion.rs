//! Deleting an account leaves nothing pointing at it.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::events::eventually;
use crate::helpers::TestServer;

#[tokio::test]
async fn a_deleted_account_frees_its_seat_and_loses_its_links() {
    let s = TestServer::start().await;
    let (_, owner) = s.owner().await;
    let o = Some(owner.as_str());
    let (leaver_id, leaver) = s.member("se_va").await;
    let (_, waiting) = s.member("espera").await;
    let id = |v: (StatusCode, Value)| {
        assert_eq!(v.0, StatusCode::CREATED, "{}", v.1);
        v.1["id"].as_u64().unwrap()
    };
    let course = id(s
        .post(
            "/api/courses",
            o,
            json!({"title": "Taller", "teacher_id": leaver_id, "starts_at": "2027-03-03T19:00:00Z",
            "ends_at": "2027-03-04T19:00:00Z", "capacity": 1, "price_cents": 0, "status": "open"}),
        )
        .await);
    assert!(
        s.post(&format!("/api/courses/{course}/enrolments"), Some(&leaver), json!({}))
            .await
            .0
            .is_success()
    );
    assert!(
        s.post(&format!("/api/courses/{course}/enrolments"), Some(&waiting), json!({}))
            .await
            .0
            .is_success()
    );
    let client =
        id(s.post("/api/clients", o, json!({"name": "Se Va", "user_id": leaver_id})).await);
    let bike = id(s
        .post(
            "/api/resources",
            o,
            json!({"name": "Bici", "kind": "bicycle", "capacity": 1, "courier_id": leaver_id}),
        )
        .await);

    assert_eq!(
        s.delete(&format!("/api/users/{leaver_id}"), Some(&leaver)).await.0,
        StatusCode::NO_CONTENT
    );

    let (_, c) = s.get(&format!("/api/courses/{course}"), o).await;
    assert_eq!(c["teacher_id"], Value::Null, "{c}");
    let (_, enrolments) = s.get(&format!("/api/courses/{course}/enrolments"), o).await;
    let items = enrolments["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{enrolments}");
    assert_eq!(items[0]["status"], "enrolled", "the waiting member got the freed seat");
    assert_eq!(s.get(&format!("/api/clients/{client}"), o).await.1["user_id"], Value::Null);
    assert_eq!(s.get(&format!("/api/resources/{bike}"), o).await.1["courier_id"], Value::Null);
    eventually(5, "the promotion notice", || async {
        let (_, page) = s.get("/api/notifications", Some(&waiting)).await;
        page["items"].as_array()?.iter().any(|n| n["kind"] == "waitlist_promoted").then_some(())
    })
    .await;
}
