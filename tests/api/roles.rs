//! The role matrix: every role, and anonymous, against every account operation, checked
//! against the same rule table the server's policy reads, plus the special rules.

use barrio::auth::Role;
use barrio::auth::policy::{ACCOUNT_RULES, AccountAction, Whose, may};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{PASSWORD, TestServer, assert_error};

/// Makes an actor of `role` (None: anonymous) and a target account; returns
/// (actor id, actor token, target id, target role name).
async fn actors(
    s: &TestServer,
    owner: &str,
    n: &mut u32,
    role: Option<Role>,
    whose: Whose,
) -> (u64, Option<String>, u64, &'static str) {
    *n += 1;
    let name = format!("actor{n}");
    let actor = match role {
        None => None,
        Some(Role::User) => Some(s.member(&name).await),
        Some(r) => Some(s.staff(owner, &name, r.as_str()).await),
    };
    match (actor, whose) {
        (Some((id, token)), Whose::Own) => {
            (id, Some(token), id, role.map_or("user", |r| r.as_str()))
        }
        (actor, _) => {
            let target = s.sign_up(&format!("target{n}")).await;
            (actor.as_ref().map_or(0, |a| a.0), actor.map(|a| a.1), target, "user")
        }
    }
}

async fn perform(
    s: &TestServer,
    action: AccountAction,
    token: Option<&str>,
    target: u64,
    target_role: &str,
    n: u32,
) -> (StatusCode, Value) {
    let path = format!("/api/users/{target}");
    match action {
        AccountAction::List => s.get("/api/users", token).await,
        AccountAction::ReadFull => s.get(&path, token).await,
        AccountAction::EditProfile => {
            s.patch(&path, token, json!({"display_name": "Nuevo Nombre"})).await
        }
        AccountAction::ChangeRole => s.patch(&path, token, json!({"role": target_role})).await,
        AccountAction::Delete => s.delete(&path, token).await,
        AccountAction::ChangePassword => {
            s.put(
                &format!("{path}/password"),
                token,
                json!({"current_password": PASSWORD, "new_password": "another password"}),
            )
            .await
        }
        AccountAction::CreatePrivileged => {
            s.post(
                "/api/users",
                token,
                json!({"username": format!("made{n}"), "password": PASSWORD, "role": "admin"}),
            )
            .await
        }
    }
}

#[tokio::test]
async fn every_role_against_every_account_operation() {
    let s = TestServer::start().await;
    let (_, owner) = s.owner().await;
    let mut n = 0;
    let mut checked = 0;
    for &(action, whose, _) in ACCOUNT_RULES {
        for role in [None, Some(Role::User), Some(Role::Admin), Some(Role::SuperAdmin)] {
            let (_, token, target, target_role) = actors(&s, &owner, &mut n, role, whose).await;
            let got = perform(&s, action, token.as_deref(), target, target_role, n).await;
            let case = format!("{role:?} {action:?} {whose:?}: {} {}", got.0, got.1);
            match role {
                // Reading a profile is open to all; it is the full one only for some.
                _ if action == AccountAction::ReadFull => {
                    assert_eq!(got.0, StatusCode::OK, "{case}");
                    let full = role.is_some_and(|r| may(r, action, whose));
                    assert_eq!(got.1.get("email").is_some(), full, "{case}");
                    assert_eq!(got.1.get("role").is_some(), full, "{case}");
                }
                None => assert_error(&got, StatusCode::UNAUTHORIZED, None),
                Some(r) if may(r, action, whose) => assert!(got.0.is_success(), "{case}"),
                Some(_) => assert_error(&got, StatusCode::FORBIDDEN, None),
            }
            checked += 1;
        }
    }
    assert_eq!(checked, ACCOUNT_RULES.len() * 4);
}

#[tokio::test]
async fn the_special_rules() {
    let s = TestServer::start().await;
    let (owner_id, owner) = s.owner().await;
    let owner_path = format!("/api/users/{owner_id}");

    // The last super_admin can be neither demoted nor deleted, also by itself.
    assert_error(
        &s.patch(&owner_path, Some(&owner), json!({"role": "admin"})).await,
        StatusCode::CONFLICT,
        Some("role"),
    );
    assert_error(&s.delete(&owner_path, Some(&owner)).await, StatusCode::CONFLICT, None);

    // With a second one, either can go.
    let (second_id, second) = s.staff(&owner, "second", "super_admin").await;
    let (st, body) = s.patch(&owner_path, Some(&second), json!({"role": "admin"})).await;
    assert_eq!((st, body["role"].as_str()), (StatusCode::OK, Some("admin")));
    // The demoted owner's token now carries admin rights only.
    assert_error(
        &s.patch(&format!("/api/users/{second_id}"), Some(&owner), json!({"role": "user"})).await,
        StatusCode::FORBIDDEN,
        None,
    );
    assert_error(
        &s.delete(&format!("/api/users/{second_id}"), Some(&second)).await,
        StatusCode::CONFLICT,
        None,
    );

    // Staff: no edits to any account, its own included, but its own password.
    let (admin_id, admin) = s.staff(&second, "staff1", "admin").await;
    let (member_id, _) = s.member("socio").await;
    for (path, body) in [
        (format!("/api/users/{admin_id}"), json!({"display_name": "Yo"})),
        (format!("/api/users/{admin_id}"), json!({"role": "super_admin"})),
        (format!("/api/users/{member_id}"), json!({"email": "x@example.com"})),
        (format!("/api/users/{admin_id}"), json!({})),
    ] {
        assert_error(&s.patch(&path, Some(&admin), body).await, StatusCode::FORBIDDEN, None);
    }
    assert_error(
        &s.delete(&format!("/api/users/{member_id}"), Some(&admin)).await,
        StatusCode::FORBIDDEN,
        None,
    );
    assert_error(
        &s.put(
            &format!("/api/users/{member_id}/password"),
            Some(&admin),
            json!({"new_password": "hijacked!!"}),
        )
        .await,
        StatusCode::FORBIDDEN,
        None,
    );
    let (st, _) = s
        .put(
            &format!("/api/users/{admin_id}/password"),
            Some(&admin),
            json!({"current_password": PASSWORD, "new_password": "staff secret"}),
        )
        .await;
    assert_eq!(st, StatusCode::NO_CONTENT);
    assert_error(&s.get("/api/session", Some(&admin)).await, StatusCode::UNAUTHORIZED, None);
    let admin = s.login("staff1", "staff secret").await;

    // A super_admin resets someone's password without knowing it.
    let (st, _) = s
        .put(
            &format!("/api/users/{member_id}/password"),
            Some(&second),
            json!({"new_password": "reset by owner"}),
        )
        .await;
    assert_eq!(st, StatusCode::NO_CONTENT);
    s.login("socio", "reset by owner").await;

    // Members cannot grant themselves anything, and anonymous callers cannot create staff.
    let (_, member) = s.member("otro").await;
    assert_error(
        &s.post(
            "/api/users",
            Some(&member),
            json!({"username": "sneaky", "password": PASSWORD, "role": "admin"}),
        )
        .await,
        StatusCode::FORBIDDEN,
        None,
    );
    assert_error(
        &s.post(
            "/api/users",
            None,
            json!({"username": "sneaky", "password": PASSWORD, "role": "super_admin"}),
        )
        .await,
        StatusCode::UNAUTHORIZED,
        None,
    );
    let (st, body) = s
        .post(
            "/api/users",
            None,
            json!({"username": "plain", "password": PASSWORD, "role": "user"}),
        )
        .await;
    assert_eq!((st, body["role"].as_str()), (StatusCode::CREATED, Some("user")));

    // Members edit and delete their own account.
    let (me, token) = s.member("propio").await;
    let (st, body) = s
        .patch(
            &format!("/api/users/{me}"),
            Some(&token),
            json!({"email": "propio@example.com", "display_name": "Propio"}),
        )
        .await;
    assert_eq!((st, body["email"].as_str()), (StatusCode::OK, Some("propio@example.com")));
    let (st, body) =
        s.patch(&format!("/api/users/{me}"), Some(&token), json!({"email": null})).await;
    assert_eq!((st, body["email"].clone()), (StatusCode::OK, Value::Null));
    assert_eq!(s.delete(&format!("/api/users/{me}"), Some(&token)).await.0, StatusCode::NO_CONTENT);

    // Lists: staff only, paginated, filterable by role.
    assert_error(&s.get("/api/users", Some(&member)).await, StatusCode::FORBIDDEN, None);
    let (st, page) = s.get("/api/users?role=super_admin", Some(&admin)).await;
    assert_eq!(st, StatusCode::OK);
    let names: Vec<_> =
        page["items"].as_array().unwrap().iter().map(|u| u["username"].as_str().unwrap()).collect();
    assert_eq!(names, ["second"]);
}
