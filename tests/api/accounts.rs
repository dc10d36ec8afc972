//! Sign-up, login, sessions, logout, passwords, token expiry and revocation, setup,
//! throttling.

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{PASSWORD, TestServer, assert_error};

#[tokio::test]
async fn sign_up_login_session_logout() {
    let s = TestServer::start().await;
    let (st, user) = s
        .post("/api/users", None, json!({"username": "Lucia.M", "password": PASSWORD, "email": "lucia@example.com", "display_name": "Lucía"}))
        .await;
    assert_eq!(st, StatusCode::CREATED, "{user}");
    assert_eq!(user["username"], "Lucia.M");
    assert_eq!(user["role"], "user", "sign-up always makes a user");
    assert_eq!(user["email"], "lucia@example.com");
    assert_eq!(user["display_name"], "Lucía");
    assert!(user["created_at"].as_str().unwrap().ends_with('Z'));
    assert!(user.get("password_hash").is_none() && !user.to_string().contains("argon2"));

    // Usernames are case-insensitive for login and uniqueness.
    let (st, login) =
        s.post("/api/login", None, json!({"username": "lucia.m", "password": PASSWORD})).await;
    assert_eq!(st, StatusCode::OK, "{login}");
    assert_eq!(login["token_type"], "bearer");
    assert_eq!(login["expires_in"], 3600);
    let token = login["access_token"].as_str().unwrap().to_owned();
    assert_error(
        &s.post("/api/users", None, json!({"username": "LUCIA.m", "password": PASSWORD})).await,
        StatusCode::CONFLICT,
        Some("username"),
    );
    assert_error(
        &s.post(
            "/api/users",
            None,
            json!({"username": "other", "password": PASSWORD, "email": "LUCIA@example.com"}),
        )
        .await,
        StatusCode::CONFLICT,
        Some("email"),
    );

    let (st, session) = s.get("/api/session", Some(&token)).await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(session["user"]["id"], user["id"]);
    assert!(session["expires_at"].is_string());

    assert_error(
        &s.post("/api/login", None, json!({"username": "lucia.m", "password": "wrong password"}))
            .await,
        StatusCode::UNAUTHORIZED,
        None,
    );
    assert_error(
        &s.post("/api/login", None, json!({"username": "nobody", "password": PASSWORD})).await,
        StatusCode::UNAUTHORIZED,
        None,
    );

    let (st, _) = s.post("/api/logout", Some(&token), json!({})).await;
    assert_eq!(st, StatusCode::NO_CONTENT);
    assert_error(&s.get("/api/session", Some(&token)).await, StatusCode::UNAUTHORIZED, None);
    assert_error(&s.get("/api/session", None).await, StatusCode::UNAUTHORIZED, None);
}

#[tokio::test]
async fn password_change_revokes_every_token() {
    let s = TestServer::start().await;
    let (id, t1) = s.member("marta").await;
    let t2 = s.login("marta", PASSWORD).await;
    let path = format!("/api/users/{id}/password");

    assert_error(
        &s.put(
            &path,
            Some(&t1),
            json!({"current_password": "not it at all", "new_password": "a new secret"}),
        )
        .await,
        StatusCode::BAD_REQUEST,
        Some("current_password"),
    );
    assert_error(
        &s.put(&path, Some(&t1), json!({"new_password": "a new secret"})).await,
        StatusCode::BAD_REQUEST,
        Some("current_password"),
    );
    assert_error(
        &s.put(&path, Some(&t1), json!({"current_password": PASSWORD, "new_password": "short"}))
            .await,
        StatusCode::BAD_REQUEST,
        Some("new_password"),
    );
    assert_eq!(
        s.get("/api/session", Some(&t2)).await.0,
        StatusCode::OK,
        "refused changes revoke nothing"
    );

    let (st, _) = s
        .put(
            &path,
            Some(&t1),
            json!({"current_password": PASSWORD, "new_password": "a new secret"}),
        )
        .await;
    assert_eq!(st, StatusCode::NO_CONTENT);
    for t in [&t1, &t2] {
        assert_error(&s.get("/api/session", Some(t)).await, StatusCode::UNAUTHORIZED, None);
    }
    assert_eq!(
        s.post("/api/login", None, json!({"username": "marta", "password": PASSWORD})).await.0,
        StatusCode::UNAUTHORIZED
    );
    let t3 = s.login("marta", "a new secret").await;
    assert_eq!(s.get("/api/session", Some(&t3)).await.0, StatusCode::OK);
}

#[tokio::test]
async fn tokens_expire() {
    let s = TestServer::start_with(&[("BARRIO_TOKEN_TTL", "1")]).await;
    let (_, token) = s.member("pablo").await;
    assert_eq!(s.get("/api/session", Some(&token)).await.0, StatusCode::OK);
    tokio::time::sleep(std::time::Duration::from_millis(2100)).await;
    let got = s.get("/api/session", Some(&token)).await;
    assert_error(&got, StatusCode::UNAUTHORIZED, None);
    assert!(got.1["error"]["message"].as_str().unwrap().contains("expired"));
}

#[tokio::test]
async fn tampered_and_foreign_tokens_are_refused() {
    let s = TestServer::start().await;
    let (_, token) = s.member("sofia").await;
    let (_, other) = s.member("tomas").await;
    // Swap the payloads: a valid signature over someone else's claims.
    let parts: Vec<&str> = token.split('.').collect();
    let other_parts: Vec<&str> = other.split('.').collect();
    let forged = format!("{}.{}.{}", parts[0], other_parts[1], parts[2]);
    assert_error(&s.get("/api/session", Some(&forged)).await, StatusCode::UNAUTHORIZED, None);
    let mut sig: Vec<char> = parts[2].chars().collect();
    sig[3] = if sig[3] == 'A' { 'B' } else { 'A' };
    let tampered = format!("{}.{}.{}", parts[0], parts[1], sig.into_iter().collect::<String>());
    assert_error(&s.get("/api/session", Some(&tampered)).await, StatusCode::UNAUTHORIZED, None);
    for junk in ["", "abc", "a.b.c", &token[..token.len() - 1]] {
        assert_error(&s.get("/api/session", Some(junk)).await, StatusCode::UNAUTHORIZED, None);
    }
    let res = s
        .client
        .get(s.url("/api/session"))
        .header("authorization", format!("Basic {token}"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_deleted_accounts_token_is_refused() {
    let s = TestServer::start().await;
    let (id, token) = s.member("bruno").await;
    let (st, _) = s.delete(&format!("/api/users/{id}"), Some(&token)).await;
    assert_eq!(st, StatusCode::NO_CONTENT);
    assert_error(&s.get("/api/session", Some(&token)).await, StatusCode::UNAUTHORIZED, None);
    assert_eq!(s.get(&format!("/api/users/{id}"), None).await.0, StatusCode::NOT_FOUND);
    // The username is free again.
    s.sign_up("bruno").await;
}

#[tokio::test]
async fn first_run_setup_works_once() {
    let s = TestServer::start().await;
    assert_eq!(s.get("/api/setup", None).await.1["needed"], true);
    // Ten people race to set up the shop: exactly one becomes the owner.
    let tries = (0..10).map(|i| {
        let s = &s;
        async move {
            s.post(
                "/api/setup",
                None,
                json!({"username": format!("owner{i}"), "password": PASSWORD}),
            )
            .await
        }
    });
    let results = futures::future::join_all(tries).await;
    let created: Vec<_> = results.iter().filter(|r| r.0 == StatusCode::CREATED).collect();
    assert_eq!(created.len(), 1, "{results:?}");
    assert_eq!(created[0].1["role"], "super_admin");
    assert!(results.iter().all(|r| r.0 == StatusCode::CREATED || r.0 == StatusCode::CONFLICT));
    assert_eq!(s.get("/api/setup", None).await.1["needed"], false);
}

#[tokio::test]
async fn login_throttling_per_username_and_per_address() {
    let s = TestServer::start().await;
    s.sign_up("ana").await;
    for _ in 0..5 {
        assert_eq!(
            s.post("/api/login", None, json!({"username": "ana", "password": "wrong password"}))
                .await
                .0,
            StatusCode::UNAUTHORIZED
        );
    }
    // Now even the right password waits.
    let res = s
        .client
        .post(s.url("/api/login"))
        .json(&json!({"username": "ana", "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry: u64 = res.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!(retry > 0 && retry <= 900, "{retry}");
    // Another username from the same address is not affected (yet).
    s.sign_up("beto").await;
    s.login("beto", PASSWORD).await;
    // 20 failures from one address throttle every username from it.
    for i in 0..14 {
        s.post(
            "/api/login",
            None,
            json!({"username": format!("ghost{i}"), "password": "wrong password"}),
        )
        .await;
    }
    s.login("beto", PASSWORD).await;
    s.post("/api/login", None, json!({"username": "ghost", "password": "wrong password"})).await;
    assert_error(
        &s.post("/api/login", None, json!({"username": "beto", "password": PASSWORD})).await,
        StatusCode::TOO_MANY_REQUESTS,
        None,
    );
}
