//! Concurrency: unique usernames under racing sign-ups, and the writer's group commit.

use futures::future::join_all;
use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{PASSWORD, TestServer};

#[tokio::test]
async fn fifty_racing_sign_ups_of_one_name_make_one_account() {
    let s = TestServer::start().await;
    let results =
        join_all((0..50).map(|_| {
            s.post("/api/users", None, json!({"username": "gemelo", "password": PASSWORD}))
        }))
        .await;
    let created = results.iter().filter(|r| r.0 == StatusCode::CREATED).count();
    let conflicts = results
        .iter()
        .filter(|r| r.0 == StatusCode::CONFLICT && r.1["error"]["field"] == "username")
        .count();
    assert_eq!((created, conflicts), (1, 49), "{results:?}");
}

#[tokio::test]
async fn two_hundred_racing_sign_ups_all_survive_a_restart() {
    let mut s = TestServer::start().await;
    let (_, owner) = s.owner().await;
    let results = join_all((0..200).map(|i| {
        s.post(
            "/api/users",
            None,
            json!({"username": format!("vecino{i:03}"), "password": PASSWORD}),
        )
    }))
    .await;
    assert!(
        results.iter().all(|r| r.0 == StatusCode::CREATED),
        "{:?}",
        results.iter().find(|r| r.0 != StatusCode::CREATED)
    );

    let dir = s.take_dir().unwrap();
    assert!(s.stop().await.success(), "clean shutdown exits 0");
    let s = TestServer::start_in(dir.path(), &[]).await;
    // The owner's token still works after the restart (the secret is in the data file).
    let mut names = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("/api/users?limit=37&cursor={c}"),
            None => "/api/users?limit=37".to_owned(),
        };
        let (st, page) = s.get(&path, Some(&owner)).await;
        assert_eq!(st, StatusCode::OK, "{page}");
        names.extend(
            page["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|u| u["username"].as_str().unwrap().to_owned()),
        );
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
    }
    assert_eq!(names.len(), 201);
    for i in 0..200 {
        assert!(names.contains(&format!("vecino{i:03}")));
    }
    let mut sorted = names.clone();
    sorted.dedup();
    assert_eq!(sorted.len(), 201, "pages neither repeat nor skip");
}

#[tokio::test]
async fn concurrent_writes_share_commits_and_a_refusal_fails_no_neighbour() {
    let s = TestServer::start().await;
    s.sign_up("batcher").await;
    // Logouts are pure writes (no hashing), so 64 of them reach the writer together.
    let tokens = join_all((0..64).map(|_| s.login("batcher", PASSWORD))).await;
    // Let the background workers (the notifier's welcome) settle first; the trimmer may
    // still commit once inside the window, so the count below is "at least 64".
    s.records_written().await;
    let (commits0, writes0) =
        (s.metric("barrio_store_commits_total").await, s.metric("barrio_store_writes_total").await);
    let results = join_all(tokens.iter().map(|t| s.post("/api/logout", Some(t), json!({})))).await;
    assert!(results.iter().all(|r| r.0 == StatusCode::NO_CONTENT), "{results:?}");
    let commits = s.metric("barrio_store_commits_total").await - commits0;
    let writes = s.metric("barrio_store_writes_total").await - writes0;
    assert!((64..=66).contains(&writes), "{writes} writes");
    assert!(commits < writes, "{writes} writes took {commits} commits");

    // A mix: 32 racing sign-ups of one name (31 refusals) beside 32 distinct ones. Every
    // distinct one commits, whatever batch it shared with a refused neighbour.
    let dup = (0..32)
        .map(|_| s.post("/api/users", None, json!({"username": "mismo", "password": PASSWORD})));
    let distinct = (0..32).map(|i| {
        s.post(
            "/api/users",
            None,
            json!({"username": format!("distinto{i}"), "password": PASSWORD}),
        )
    });
    let (dup, distinct) = tokio::join!(join_all(dup), join_all(distinct));
    assert_eq!(dup.iter().filter(|r| r.0 == StatusCode::CREATED).count(), 1);
    assert!(distinct.iter().all(|r| r.0 == StatusCode::CREATED), "{distinct:?}");
}
