//! Courses: CRUD and visibility, the role matrix, enrolment with a waiting list (also under
//! 50 concurrent enrolments for the last seat), and bad input that writes nothing.

use futures::future::join_all;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{TestServer, assert_error};

fn course_body(capacity: i64, status: &str) -> Value {
    json!({
        "title": "Taller de escritura",
        "description": "Cuentos breves",
        "starts_at": "2026-03-03T19:00:00-03:00",
        "ends_at": "2026-06-30T21:00:00-03:00",
        "schedule": "martes 19 h",
        "capacity": capacity,
        "price_cents": 12000,
        "status": status,
    })
}

async fn new_course(s: &TestServer, token: &str, capacity: i64, status: &str) -> u64 {
    let (st, body) = s.post("/api/courses", Some(token), course_body(capacity, status)).await;
    assert_eq!(st, StatusCode::CREATED, "{body}");
    body["id"].as_u64().unwrap()
}

fn ids(page: &Value) -> Vec<u64> {
    page["items"].as_array().unwrap().iter().map(|c| c["id"].as_u64().unwrap()).collect()
}

#[tokio::test]
async fn staff_manage_courses_and_everyone_reads_the_open_ones() {
    let s = TestServer::start().await;
    let (_, owner) = s.owner().await;
    let (teacher, _) = s.member("profe").await;

    let mut body = course_body(12, "draft");
    body["teacher_id"] = json!(teacher);
    let (st, c) = s.post("/api/courses", Some(&owner), body).await;
    assert_eq!(st, StatusCode::CREATED, "{c}");
    let id = c["id"].as_u64().unwrap();
    for (k, v) in [
        ("title", json!("Taller de escritura")),
        ("description", json!("Cuentos breves")),
        ("teacher_id", json!(teacher)),
        ("starts_at", json!("2026-03-03T22:00:00.000Z")),
        ("ends_at", json!("2026-07-01T00:00:00.000Z")),
        ("schedule", json!("martes 19 h")),
        ("capacity", json!(12)),
        ("price_cents", json!(12000)),
        ("status", json!("draft")),
    ] {
        assert_eq!(c[k], v, "{k} in {c}");
    }

    // A draft is the staff's alone.
    let path = format!("/api/courses/{id}");
    assert_error(&s.get(&path, None).await, StatusCode::NOT_FOUND, None);
    assert_eq!(s.get(&path, Some(&owner)).await.0, StatusCode::OK);
    assert!(ids(&s.get("/api/courses", None).await.1).is_empty());
    assert_eq!(ids(&s.get("/api/courses", Some(&owner)).await.1), vec![id]);
    assert!(ids(&s.get("/api/courses?status=draft", None).await.1).is_empty());

    // Opened, anyone sees it.
    let (st, c) = s
        .patch(
            &path,
            Some(&owner),
            json!({"status": "open", "title": "Club de cine", "schedule": null}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{c}");
    assert_eq!((c["title"].as_str(), c["schedule"].is_null()), (Some("Club de cine"), true));
    assert_eq!(s.get(&path, None).await.1["status"], "open");
    let closed = new_course(&s, &owner, 5, "closed").await;
    assert_eq!(ids(&s.get("/api/courses", None).await.1), vec![id], "open only by default");
    assert_eq!(ids(&s.get("/api/courses?status=closed", None).await.1), vec![closed]);
    assert_eq!(
        ids(&s.get(&format!("/api/courses?teacher_id={teacher}"), Some(&owner)).await.1),
        vec![id]
    );
    let page = s.get("/api/courses?limit=1", Some(&owner)).await.1;
    assert_eq!(ids(&page), vec![id]);
    let next = page["next_cursor"].as_str().unwrap().to_owned();
    assert_eq!(
        ids(&s.get(&format!("/api/courses?limit=1&cursor={next}"), Some(&owner)).await.1),
        vec![closed]
    );

    // Moving the start and ending before it is refused; moving both is fine.
    assert_error(
        &s.patch(&path, Some(&owner), json!({"starts_at": "2026-08-01T19:00:00Z"})).await,
        StatusCode::BAD_REQUEST,
        Some("starts_at"),
    );
    let (st, c) = s
        .patch(
            &path,
            Some(&owner),
            json!({"starts_at": "2026-04-07T19:00:00Z", "ends_at": "2026-04-28T21:00:00Z"}),
        )
        .await;
    assert_eq!((st, c["starts_at"].as_str()), (StatusCode::OK, Some("2026-04-07T19:00:00.000Z")));

    // Deleting: a course without enrolments goes; one with enrolments is cancelled instead.
    let (_, member) = s.member("alumna").await;
    assert_eq!(
        s.post(&format!("{path}/enrolments"), Some(&member), json!({})).await.0,
        StatusCode::CREATED
    );
    assert_error(&s.delete(&path, Some(&owner)).await, StatusCode::CONFLICT, None);
    let (st, c) = s.patch(&path, Some(&owner), json!({"status": "cancelled"})).await;
    assert_eq!((st, c["status"].as_str()), (StatusCode::OK, Some("cancelled")));
    assert_eq!(
        s.delete(&format!("/api/courses/{closed}"), Some(&owner)).await.0,
        StatusCode::NO_CONTENT
    );
    assert_error(
        &s.get(&format!("/api/courses/{closed}"), Some(&owner)).await,
        StatusCode::NOT_FOUND,
        None,
    );
    assert_error(
        &s.delete(&format!("/api/courses/{closed}"), Some(&owner)).await,
        StatusCode::NOT_FOUND,
        None,
    );
    assert_error(
        &s.patch("/api/courses/999", Some(&owner), json!({"capacity": 1})).await,
        StatusCode::NOT_FOUND,
        None,
    );
}

#[tokio::test]
async fn enrolment_waiting_list_leaving_and_more_seats() {
    let s = TestServer::start().await;
    let (_, owner) = s.owner().await;
    let (teacher, teacher_token) = s.member("maestra").await;
    let mut body = course_body(2, "open");
    body["teacher_id"] = json!(teacher);
    let id = s.post("/api/courses", Some(&owner), body).await.1["id"].as_u64().unwrap();
    let path = format!("/api/courses/{id}/enrolments");

    let mut members = Vec::new();
    for name in ["ana", "beto", "carla", "dario", "elena"] {
        members.push(s.member(name).await);
    }
    let mut got = Vec::new();
    for (_, t) in &members {
        let (st, e) = s.post(&path, Some(t), json!({})).await;
        assert_eq!(st, StatusCode::CREATED, "{e}");
        got.push((e["status"].as_str().unwrap().to_owned(), e["position"].as_u64()));
    }
    let expected = [
        ("enrolled", None),
        ("enrolled", None),
        ("waiting", Some(1)),
        ("waiting", Some(2)),
        ("waiting", Some(3)),
    ];
    assert_eq!(got, expected.map(|(a, b)| (a.to_owned(), b)).to_vec());
    let e = s.get(&format!("/api/users/{}/courses", members[0].0), Some(&members[0].1)).await.1;
    assert_eq!(e["items"][0]["enrolment"]["user_id"], members[0].0);
    assert_eq!(e["items"][0]["course"]["id"], id);
    for k in ["id", "course_id", "user_id", "status", "created_at"] {
        assert!(!e["items"][0]["enrolment"][k].is_null(), "{k}");
    }

    // Twice is refused; the teacher and staff see the list, in order.
    assert_error(&s.post(&path, Some(&members[0].1), json!({})).await, StatusCode::CONFLICT, None);
    assert_error(&s.post(&path, Some(&members[3].1), json!({})).await, StatusCode::CONFLICT, None);
    let list = s.get(&path, Some(&teacher_token)).await;
    assert_eq!(list.0, StatusCode::OK, "{}", list.1);
    let order: Vec<(u64, Option<u64>)> = list.1["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["user_id"].as_u64().unwrap(), e["position"].as_u64()))
        .collect();
    let m: Vec<u64> = members.iter().map(|m| m.0).collect();
    assert_eq!(
        order,
        vec![(m[0], None), (m[1], None), (m[2], Some(1)), (m[3], Some(2)), (m[4], Some(3))]
    );
    let page = s.get(&format!("{path}?limit=3"), Some(&owner)).await.1;
    let cursor = page["next_cursor"].as_str().unwrap().to_owned();
    let rest = s.get(&format!("{path}?limit=3&cursor={cursor}"), Some(&owner)).await.1;
    assert_eq!(rest["items"][0]["user_id"], m[3]);
    assert_eq!(rest["items"][0]["position"], 2);

    // Leaving: an enrolled member's seat goes to the first waiting one.
    assert_eq!(s.delete(&path, Some(&members[1].1)).await.0, StatusCode::NO_CONTENT);
    assert_error(&s.delete(&path, Some(&members[1].1)).await, StatusCode::NOT_FOUND, None);
    let mine = s.get(&format!("/api/users/{}/courses", m[2]), Some(&members[2].1)).await.1;
    assert_eq!(mine["items"][0]["enrolment"]["status"], "enrolled");
    let mine = s.get(&format!("/api/users/{}/courses", m[4]), Some(&members[4].1)).await.1;
    assert_eq!(mine["items"][0]["enrolment"]["position"], 2);
    // A waiting member leaving moves those behind it up, and frees no seat.
    assert_eq!(s.delete(&format!("{path}/{}", m[3]), Some(&owner)).await.0, StatusCode::NO_CONTENT);
    let mine = s.get(&format!("/api/users/{}/courses", m[4]), Some(&owner)).await.1;
    assert_eq!(mine["items"][0]["enrolment"]["position"], 1);

    // More seats move the waiting list in; closing stops enrolment.
    let (st, _) =
        s.patch(&format!("/api/courses/{id}"), Some(&owner), json!({"capacity": 5})).await;
    assert_eq!(st, StatusCode::OK);
    let list = s.get(&path, Some(&owner)).await.1;
    assert!(list["items"].as_array().unwrap().iter().all(|e| e["status"] == "enrolled"), "{list}");
    s.patch(&format!("/api/courses/{id}"), Some(&owner), json!({"status": "closed"})).await;
    let (_, late) = s.member("tarde").await;
    assert_error(&s.post(&path, Some(&late), json!({})).await, StatusCode::CONFLICT, None);
    assert_error(
        &s.post("/api/courses/999/enrolments", Some(&late), json!({})).await,
        StatusCode::NOT_FOUND,
        None,
    );
}

#[tokio::test]
async fn fifty_racing_enrolments_for_the_last_seat() {
    let s = TestServer::start().await;
    let (_, owner) = s.owner().await;
    let id = new_course(&s, &owner, 2, "open").await;
    let path = format!("/api/courses/{id}/enrolments");
    let (_, first) = s.member("primera").await;
    assert_eq!(s.post(&path, Some(&first), json!({})).await.1["status"], "enrolled");
    let members = join_all((0..50).map(|i| {
        let name = format!("racer{i:02}");
        let s = &s;
        async move { s.member(&name).await }
    }))
    .await;

    let results = join_all(members.iter().map(|(_, t)| s.post(&path, Some(t), json!({})))).await;
    assert!(results.iter().all(|r| r.0 == StatusCode::CREATED), "{results:?}");
    let winners: Vec<usize> = (0..50).filter(|&i| results[i].1["status"] == "enrolled").collect();
    assert_eq!(winners.len(), 1, "exactly one takes the last seat");
    let mut positions: Vec<u64> = results.iter().filter_map(|r| r.1["position"].as_u64()).collect();
    positions.sort();
    assert_eq!(positions, (1..=49).collect::<Vec<u64>>(), "49 waiting, no gaps");

    // The list agrees, in queue order.
    let list = s.get(&format!("{path}?limit=200"), Some(&owner)).await.1;
    let items = list["items"].as_array().unwrap();
    assert_eq!(items.iter().filter(|e| e["status"] == "enrolled").count(), 2);
    let waiting: Vec<&Value> = items.iter().filter(|e| e["status"] == "waiting").collect();
    let listed: Vec<u64> = waiting.iter().map(|e| e["position"].as_u64().unwrap()).collect();
    assert_eq!(listed, (1..=49).collect::<Vec<u64>>());
    let first_waiting = waiting[0]["user_id"].as_u64().unwrap();
    let second_waiting = waiting[1]["user_id"].as_u64().unwrap();

    // The winner leaves: the first in line takes the seat, everyone moves up one.
    let winner = &members[winners[0]];
    assert_eq!(s.delete(&path, Some(&winner.1)).await.0, StatusCode::NO_CONTENT);
    let list = s.get(&format!("{path}?limit=200"), Some(&owner)).await.1;
    let items = list["items"].as_array().unwrap();
    let enrolled: Vec<u64> = items
        .iter()
        .filter(|e| e["status"] == "enrolled")
        .map(|e| e["user_id"].as_u64().unwrap())
        .collect();
    assert_eq!(enrolled.len(), 2);
    assert!(enrolled.contains(&first_waiting), "the first waiting member was moved in");
    let waiting: Vec<&Value> = items.iter().filter(|e| e["status"] == "waiting").collect();
    let listed: Vec<u64> = waiting.iter().map(|e| e["position"].as_u64().unwrap()).collect();
    assert_eq!(listed, (1..=48).collect::<Vec<u64>>());
    assert_eq!(waiting[0]["user_id"], second_waiting);
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Who {
    Anonymous,
    User,
    Admin,
    SuperAdmin,
}

#[derive(Debug, Clone, Copy)]
enum Action {
    Create,
    List,
    GetOpen,
    GetDraft,
    Patch,
    Delete,
    Enrol,
    Leave,
    ListEnrolments,
    RemoveOther,
    OwnCourses,
    OthersCourses,
}

/// Expected statuses for (anonymous, user, admin, super_admin): DESIGN.md's role table for
/// courses, written out independently of the server's code.
const MATRIX: &[(Action, [u16; 4])] = {
    use Action::*;
    &[
        (Create, [401, 403, 201, 201]),
        (List, [200, 200, 200, 200]),
        (GetOpen, [200, 200, 200, 200]),
        (GetDraft, [404, 404, 200, 200]),
        (Patch, [401, 403, 200, 200]),
        (Delete, [401, 403, 204, 204]),
        (Enrol, [401, 201, 201, 201]),
        (Leave, [401, 204, 204, 204]),
        (ListEnrolments, [401, 403, 200, 200]),
        (RemoveOther, [401, 403, 204, 204]),
        (OwnCourses, [401, 200, 200, 200]),
        (OthersCourses, [401, 403, 200, 200]),
    ]
};

#[tokio::test]
async fn the_role_matrix_of_courses() {
    let s = TestServer::start().await;
    let (_, owner) = s.owner().await;
    let (uid, user) = s.member("socio").await;
    let (aid, admin) = s.staff(&owner, "admin1", "admin").await;
    let (sid, superadmin) = s.staff(&owner, "super2", "super_admin").await;
    let actors = [
        (Who::Anonymous, 0, None),
        (Who::User, uid, Some(user)),
        (Who::Admin, aid, Some(admin)),
        (Who::SuperAdmin, sid, Some(superadmin)),
    ];
    let (other, other_token) = s.member("otro").await;
    let mut checked = 0;
    for &(action, expected) in MATRIX {
        for (col, (who, me, token)) in actors.iter().enumerate() {
            let token = token.as_deref();
            let open = new_course(&s, &owner, 10, "open").await;
            let c = format!("/api/courses/{open}");
            let got = match action {
                Action::Create => s.post("/api/courses", token, course_body(3, "open")).await,
                Action::List => s.get("/api/courses", token).await,
                Action::GetOpen => s.get(&c, token).await,
                Action::GetDraft => {
                    let d = new_course(&s, &owner, 10, "draft").await;
                    s.get(&format!("/api/courses/{d}"), token).await
                }
                Action::Patch => s.patch(&c, token, json!({"capacity": 11})).await,
                Action::Delete => s.delete(&c, token).await,
                Action::Enrol => s.post(&format!("{c}/enrolments"), token, json!({})).await,
                Action::Leave => {
                    if token.is_some() {
                        s.post(&format!("{c}/enrolments"), token, json!({})).await;
                    }
                    s.delete(&format!("{c}/enrolments"), token).await
                }
                Action::ListEnrolments => s.get(&format!("{c}/enrolments"), token).await,
                Action::RemoveOther => {
                    s.post(&format!("{c}/enrolments"), Some(&other_token), json!({})).await;
                    s.delete(&format!("{c}/enrolments/{other}"), token).await
                }
                Action::OwnCourses => {
                    let me = if *who == Who::Anonymous { other } else { *me };
                    s.get(&format!("/api/users/{me}/courses"), token).await
                }
                Action::OthersCourses => s.get(&format!("/api/users/{other}/courses"), token).await,
            };
            assert_eq!(got.0.as_u16(), expected[col], "{action:?} as {who:?}: {}", got.1);
            if got.0.is_client_error() {
                assert!(got.1["error"]["code"].is_string(), "{action:?} as {who:?}: {}", got.1);
            }
            checked += 1;
        }
    }
    assert_eq!(checked, MATRIX.len() * 4);

    // The special rules beside the table: a teacher reads its course's enrolments, and
    // members take only themselves out.
    let (teacher, teacher_token) = s.member("docente").await;
    let mut body = course_body(3, "open");
    body["teacher_id"] = json!(teacher);
    let id = s.post("/api/courses", Some(&owner), body).await.1["id"].as_u64().unwrap();
    assert_eq!(
        s.get(&format!("/api/courses/{id}/enrolments"), Some(&teacher_token)).await.0,
        StatusCode::OK
    );
    s.post(&format!("/api/courses/{id}/enrolments"), Some(&other_token), json!({})).await;
    assert_eq!(
        s.delete(&format!("/api/courses/{id}/enrolments/{other}"), Some(&other_token)).await.0,
        StatusCode::NO_CONTENT
    );
    let draft = new_course(&s, &owner, 3, "draft").await;
    assert_error(
        &s.post(&format!("/api/courses/{draft}/enrolments"), Some(&other_token), json!({})).await,
        StatusCode::NOT_FOUND,
        None,
    );
    assert_error(
        &s.get(&format!("/api/courses/{draft}/enrolments"), Some(&teacher_token)).await,
        StatusCode::NOT_FOUND,
        None,
    );
}

#[tokio::test]
async fn bad_course_input_is_refused_and_writes_nothing() {
    let s = TestServer::start().await;
    let (_, owner) = s.owner().await;
    let id = new_course(&s, &owner, 3, "open").await;
    let writes = s.records_written().await;
    let with = |k: &str, v: Value| {
        let mut b = course_body(3, "open");
        b[k] = v;
        b
    };
    let path = format!("/api/courses/{id}");
    let cases: Vec<((StatusCode, Value), StatusCode, Option<&str>)> = vec![
        (
            s.post("/api/courses", Some(&owner), with("ends_at", json!("2026-03-01T00:00:00Z")))
                .await,
            StatusCode::BAD_REQUEST,
            Some("ends_at"),
        ),
        (
            s.post("/api/courses", Some(&owner), with("ends_at", json!("2026-03-03T22:00:00Z")))
                .await,
            StatusCode::BAD_REQUEST,
            Some("ends_at"),
        ),
        (
            s.post("/api/courses", Some(&owner), with("capacity", json!(-1))).await,
            StatusCode::BAD_REQUEST,
            Some("capacity"),
        ),
        (
            s.post("/api/courses", Some(&owner), with("capacity", json!("many"))).await,
            StatusCode::BAD_REQUEST,
            Some("capacity"),
        ),
        (
            s.post("/api/courses", Some(&owner), with("price_cents", json!(-100))).await,
            StatusCode::BAD_REQUEST,
            Some("price_cents"),
        ),
        (
            s.post("/api/courses", Some(&owner), with("teacher_id", json!(999))).await,
            StatusCode::BAD_REQUEST,
            Some("teacher_id"),
        ),
        (
            s.post("/api/courses", Some(&owner), with("starts_at", json!("martes"))).await,
            StatusCode::BAD_REQUEST,
            Some("starts_at"),
        ),
        (
            s.post("/api/courses", Some(&owner), with("title", json!("  "))).await,
            StatusCode::BAD_REQUEST,
            Some("title"),
        ),
        (
            s.post("/api/courses", Some(&owner), with("status", json!("maybe"))).await,
            StatusCode::BAD_REQUEST,
            Some("status"),
        ),
        (
            s.post("/api/courses", Some(&owner), with("room", json!("B"))).await,
            StatusCode::BAD_REQUEST,
            Some("room"),
        ),
        (
            s.patch(&path, Some(&owner), json!({"ends_at": "2020-01-01T00:00:00Z"})).await,
            StatusCode::BAD_REQUEST,
            Some("ends_at"),
        ),
        (
            s.patch(&path, Some(&owner), json!({"capacity": -3})).await,
            StatusCode::BAD_REQUEST,
            Some("capacity"),
        ),
        (
            s.patch(&path, Some(&owner), json!({"teacher_id": 12345})).await,
            StatusCode::BAD_REQUEST,
            Some("teacher_id"),
        ),
        (s.get("/api/courses/abc", None).await, StatusCode::BAD_REQUEST, Some("id")),
        (s.get("/api/courses?limit=0", None).await, StatusCode::BAD_REQUEST, Some("limit")),
        (s.get("/api/courses?status=secret", None).await, StatusCode::BAD_REQUEST, Some("status")),
        (
            s.post("/api/courses/999/enrolments", Some(&owner), json!({})).await,
            StatusCode::NOT_FOUND,
            None,
        ),
        (s.delete("/api/courses/999/enrolments", Some(&owner)).await, StatusCode::NOT_FOUND, None),
        (s.get("/api/users/999/courses", Some(&owner)).await, StatusCode::NOT_FOUND, None),
    ];
    for (i, (got, status, field)) in cases.iter().enumerate() {
        assert_eq!(got.0, *status, "case {i}: {}", got.1);
        assert_error(got, *status, *field);
    }
    assert_eq!(s.records_written().await, writes, "refusals wrote nothing");
    assert_eq!(s.get(&path, None).await.1["capacity"], 3);
}
