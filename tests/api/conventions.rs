//! The HTTP conventions: bad input of every kind is a clear 4xx that writes nothing, and
//! the server describes itself (health, OpenAPI, docs).

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{PASSWORD, TestServer, assert_error};

async fn raw(
    s: &TestServer,
    method: reqwest::Method,
    path: &str,
    content_type: Option<&str>,
    body: Vec<u8>,
    token: Option<&str>,
) -> (StatusCode, Value) {
    let mut req = s.client.request(method, s.url(path)).body(body);
    if let Some(ct) = content_type {
        req = req.header("content-type", ct);
    }
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let res = req.send().await.unwrap();
    let st = res.status();
    (st, res.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn bad_input_is_a_clear_4xx_and_writes_nothing() {
    let s = TestServer::start().await;
    let (me, token) = s.member("cuidadosa").await;
    let (_, owner) = s.owner().await;
    let writes = s.records_written().await;
    let json_ct = Some("application/json");
    use reqwest::Method as M;

    let cases: Vec<((StatusCode, Value), StatusCode, Option<&str>)> = vec![
        (
            raw(&s, M::POST, "/api/users", json_ct, b"{\"username\": \"x".to_vec(), None).await,
            StatusCode::BAD_REQUEST,
            None,
        ),
        (
            raw(&s, M::POST, "/api/users", json_ct, b"[1, 2]".to_vec(), None).await,
            StatusCode::BAD_REQUEST,
            None,
        ),
        (
            raw(&s, M::POST, "/api/users", json_ct, b"".to_vec(), None).await,
            StatusCode::BAD_REQUEST,
            None,
        ),
        (
            raw(
                &s,
                M::POST,
                "/api/users",
                None,
                br#"{"username":"abc","password":"12345678"}"#.to_vec(),
                None,
            )
            .await,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            None,
        ),
        (
            raw(
                &s,
                M::POST,
                "/api/users",
                Some("text/plain"),
                br#"{"username":"abc","password":"12345678"}"#.to_vec(),
                None,
            )
            .await,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            None,
        ),
        (
            s.post("/api/users", None, json!({"username": 12, "password": PASSWORD})).await,
            StatusCode::BAD_REQUEST,
            Some("username"),
        ),
        (
            s.post("/api/users", None, json!({"password": PASSWORD})).await,
            StatusCode::BAD_REQUEST,
            Some("username"),
        ),
        (
            s.post(
                "/api/users",
                None,
                json!({"username": "nuevo", "password": PASSWORD, "is_admin": true}),
            )
            .await,
            StatusCode::BAD_REQUEST,
            Some("is_admin"),
        ),
        (
            s.post(
                "/api/users",
                None,
                json!({"username": "nuevo", "password": PASSWORD, "role": "emperor"}),
            )
            .await,
            StatusCode::BAD_REQUEST,
            Some("role"),
        ),
        (
            s.post("/api/users", None, json!({"username": "no spaces", "password": PASSWORD}))
                .await,
            StatusCode::BAD_REQUEST,
            Some("username"),
        ),
        (
            s.post("/api/users", None, json!({"username": "nuevo", "password": "short"})).await,
            StatusCode::BAD_REQUEST,
            Some("password"),
        ),
        (
            s.post(
                "/api/users",
                None,
                json!({"username": "nuevo", "password": PASSWORD, "email": "not-an-email"}),
            )
            .await,
            StatusCode::BAD_REQUEST,
            Some("email"),
        ),
        (
            s.post(
                "/api/users",
                None,
                json!({"username": "nuevo", "password": PASSWORD, "display_name": "x".repeat(65)}),
            )
            .await,
            StatusCode::BAD_REQUEST,
            Some("display_name"),
        ),
        (
            raw(&s, M::POST, "/api/users", json_ct, vec![b' '; 1024 * 1024 + 10], None).await,
            StatusCode::PAYLOAD_TOO_LARGE,
            None,
        ),
        (
            s.patch(&format!("/api/users/{me}"), Some(&token), json!({"email": 5})).await,
            StatusCode::BAD_REQUEST,
            Some("email"),
        ),
        (
            s.patch(&format!("/api/users/{me}"), Some(&token), json!({"nickname": "x"})).await,
            StatusCode::BAD_REQUEST,
            Some("nickname"),
        ),
        (s.get("/api/users/abc", None).await, StatusCode::BAD_REQUEST, Some("id")),
        (s.get("/api/users/-1", None).await, StatusCode::BAD_REQUEST, Some("id")),
        (
            s.get("/api/users/99999999999999999999999", None).await,
            StatusCode::BAD_REQUEST,
            Some("id"),
        ),
        (s.get("/api/users/424242", None).await, StatusCode::NOT_FOUND, None),
        (s.delete("/api/users/abc", Some(&token)).await, StatusCode::BAD_REQUEST, Some("id")),
        (s.get("/api/users?limit=abc", Some(&owner)).await, StatusCode::BAD_REQUEST, Some("limit")),
        (s.get("/api/users?limit=0", Some(&owner)).await, StatusCode::BAD_REQUEST, Some("limit")),
        (
            s.post("/api/login", None, json!({"username": "cuidadosa"})).await,
            StatusCode::BAD_REQUEST,
            Some("password"),
        ),
        (s.get("/api/no-such-route", None).await, StatusCode::NOT_FOUND, None),
        (
            s.call(M::PUT, "/api/session", Some(&token), Some(json!({}))).await,
            StatusCode::METHOD_NOT_ALLOWED,
            None,
        ),
    ];
    for (got, status, field) in &cases {
        assert_error(got, *status, *field);
        let msg = got.1["error"]["message"].as_str().unwrap();
        assert!(
            !msg.contains("redb") && !msg.contains("panicked") && !msg.contains("src/"),
            "leaks internals: {msg}"
        );
    }
    // A wrong method says which ones the route takes.
    let res = s.client.put(s.url("/api/session")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::METHOD_NOT_ALLOWED);
    let allow = res.headers().get("allow").map(|v| v.to_str().unwrap().to_owned());
    assert!(allow.as_deref().is_some_and(|a| a.contains("GET")), "Allow: {allow:?}");
    assert_eq!(s.records_written().await, writes, "bad input wrote nothing");
    // Cursors only come from the server.
    assert_error(
        &s.get("/api/users?cursor=zzz", Some(&owner)).await,
        StatusCode::BAD_REQUEST,
        Some("cursor"),
    );
    // Still serving.
    assert_eq!(s.get("/healthz", None).await.0, StatusCode::OK);
}

#[tokio::test]
async fn health_openapi_and_docs() {
    let s = TestServer::start().await;
    let (st, health) = s.get("/healthz", None).await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(health["status"], "ok");
    assert_eq!(health["data_file_open"], true);
    assert_eq!(health["version"], env!("CARGO_PKG_VERSION"));

    let (st, doc) = s.get("/api/openapi.json", None).await;
    assert_eq!(st, StatusCode::OK);
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    let paths = doc["paths"].as_object().unwrap();
    for (path, methods) in [
        ("/api/users", &["get", "post"][..]),
        ("/api/users/{id}", &["get", "patch", "delete"]),
        ("/api/users/{id}/password", &["put"]),
        ("/api/login", &["post"]),
        ("/api/logout", &["post"]),
        ("/api/session", &["get"]),
        ("/api/setup", &["get", "post"]),
    ] {
        for m in methods {
            assert!(
                paths.get(path).and_then(|p| p.get(*m)).is_some(),
                "{m} {path} is not documented"
            );
        }
    }
    assert!(doc["components"]["schemas"]["ErrorBody"].is_object());

    let res = s.client.get(s.url("/api/docs")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.headers()["content-type"].to_str().unwrap().starts_with("text/html"));
    let html = res.text().await.unwrap();
    assert!(html.contains("/api/openapi.json"));
    assert!(!html.contains("https://"), "the docs page needs no internet");
}
