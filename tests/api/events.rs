//! Events and notifications: the inbox, exactly-once delivery across kill -9, e-mail with a
//! relay that comes and goes, dead letters, lag, and nobody reading anyone else's.

use std::time::{Duration, Instant};

use futures::StreamExt;
use futures::future::join_all;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{PASSWORD, TestServer, assert_error};
use crate::smtp::{Sink, free_port};

/// Polls `f` until it returns Some, or panics after `secs`.
pub async fn eventually<T, F, Fut>(secs: u64, what: &str, mut f: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = Instant::now() + Duration::from_secs(secs);
    loop {
        if let Some(v) = f().await {
            return v;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn inbox(s: &TestServer, token: &str, query: &str) -> Vec<Value> {
    let (st, page) = s.get(&format!("/api/notifications{query}"), Some(token)).await;
    assert_eq!(st, StatusCode::OK, "{page}");
    page["items"].as_array().unwrap().clone()
}

#[tokio::test]
async fn a_member_is_welcomed_and_manages_the_inbox() {
    let s = TestServer::start().await;
    let (_, token) = s.member("nueva").await;
    let items = eventually(5, "the welcome", || async {
        let items = inbox(&s, &token, "").await;
        (!items.is_empty()).then_some(items)
    })
    .await;
    assert_eq!(items.len(), 1);
    let n = &items[0];
    assert_eq!(n["kind"], "welcome");
    assert!(n["text"].as_str().unwrap().contains("nueva"));
    assert_eq!(n["link"], "/profile");
    assert_eq!(n["read"], false);
    assert!(n["created_at"].is_string());
    assert_eq!(s.get("/api/notifications/unread-count", Some(&token)).await.1["unread"], 1);
    assert_eq!(inbox(&s, &token, "?unread=true").await.len(), 1);

    let id = n["id"].as_u64().unwrap();
    assert_eq!(
        s.post(&format!("/api/notifications/{id}/read"), Some(&token), json!({})).await.0,
        StatusCode::NO_CONTENT
    );
    assert_eq!(s.get("/api/notifications/unread-count", Some(&token)).await.1["unread"], 0);
    assert!(inbox(&s, &token, "?unread=true").await.is_empty());
    assert_eq!(inbox(&s, &token, "").await[0]["read"], true);
    assert_eq!(
        s.post("/api/notifications/read-all", Some(&token), json!({})).await.0,
        StatusCode::NO_CONTENT
    );

    assert_error(&s.get("/api/notifications", None).await, StatusCode::UNAUTHORIZED, None);
    assert_error(
        &s.post("/api/notifications/999999/read", Some(&token), json!({})).await,
        StatusCode::NOT_FOUND,
        None,
    );
}

#[tokio::test]
async fn nobody_reads_marks_or_streams_anothers_notifications() {
    let s = TestServer::start().await;
    let (_, ana) = s.member("ana").await;
    let (_, beto) = s.member("beto").await;
    let ana_items = eventually(5, "ana's welcome", || async {
        let items = inbox(&s, &ana, "").await;
        (!items.is_empty()).then_some(items)
    })
    .await;
    let ana_id = ana_items[0]["id"].as_u64().unwrap();
    // Beto sees only his own, cannot mark Ana's (404: not even its existence leaks).
    eventually(5, "beto's welcome", || async {
        (inbox(&s, &beto, "").await.len() == 1).then_some(())
    })
    .await;
    assert!(inbox(&s, &beto, "").await.iter().all(|n| n["id"].as_u64() != Some(ana_id)));
    assert_error(
        &s.post(&format!("/api/notifications/{ana_id}/read"), Some(&beto), json!({})).await,
        StatusCode::NOT_FOUND,
        None,
    );
    s.post("/api/notifications/read-all", Some(&beto), json!({})).await;
    assert_eq!(
        s.get("/api/notifications/unread-count", Some(&ana)).await.1["unread"],
        1,
        "beto's read-all left ana's alone"
    );

    // Beto's stream, even asking to replay from the start, carries none of Ana's.
    let res = s
        .client
        .get(s.url("/api/notifications/stream"))
        .bearer_auth(&beto)
        .header("last-event-id", "0")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let text = read_sse_for(res, Duration::from_millis(800)).await;
    assert!(text.contains("welcome") && text.contains("beto"), "{text}");
    assert!(!text.contains(&format!("id: {ana_id}\n")), "{text}");
    // No token, a bad token: 401.
    assert_eq!(
        s.client.get(s.url("/api/notifications/stream")).send().await.unwrap().status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        s.client
            .get(s.url("/api/notifications/stream?access_token=nope"))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::UNAUTHORIZED
    );
}

/// Reads an SSE response body for a while and returns what came.
pub async fn read_sse_for(res: reqwest::Response, dur: Duration) -> String {
    let mut body = res.bytes_stream();
    let mut text = String::new();
    let deadline = tokio::time::Instant::now() + dur;
    while let Ok(Some(Ok(chunk))) = tokio::time::timeout_at(deadline, body.next()).await {
        text.push_str(&String::from_utf8_lossy(&chunk));
    }
    text
}

#[tokio::test]
async fn the_stream_replays_from_last_event_id_with_a_query_token() {
    let s = TestServer::start().await;
    let (_, token) = s.member("lectora").await;
    let first =
        eventually(5, "the welcome", || async { inbox(&s, &token, "").await.first().cloned() })
            .await;
    let id = first["id"].as_u64().unwrap();
    // Reconnecting with the id just before it replays it (the browser's EventSource passes
    // the token in the query).
    let res = s
        .client
        .get(s.url(&format!("/api/notifications/stream?access_token={token}")))
        .header("last-event-id", (id - 1).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.headers()["content-type"].to_str().unwrap().starts_with("text/event-stream"));
    let text = read_sse_for(res, Duration::from_millis(800)).await;
    assert!(
        text.contains(&format!("id: {id}\n")) && text.contains("event: notification"),
        "{text}"
    );
    // With Last-Event-ID equal to the newest, nothing is replayed.
    let res = s
        .client
        .get(s.url("/api/notifications/stream"))
        .bearer_auth(&token)
        .header("last-event-id", id.to_string())
        .send()
        .await
        .unwrap();
    let text = read_sse_for(res, Duration::from_millis(500)).await;
    assert!(!text.contains("event: notification"), "{text}");
}

#[tokio::test]
async fn every_welcome_exactly_once_across_kill_9() {
    let tmp = tempfile::tempdir().unwrap();
    let mut acked = Vec::new();
    for round in 0..6u64 {
        let mut s = TestServer::start_in(tmp.path(), &[]).await;
        let burst = join_all((0..25).map(|i| {
            let s = &s;
            async move {
                let name = format!("r{round}u{i}");
                let res = s
                    .client
                    .post(s.url("/api/users"))
                    .json(&json!({"username": name, "password": PASSWORD}))
                    .send()
                    .await;
                matches!(res, Ok(r) if r.status() == StatusCode::CREATED).then_some(name)
            }
        }));
        // Kill at a different moment of each burst (pseudo-random, reproducible).
        let delay = Duration::from_millis((round * 37 + 11) % 120);
        let killer = async {
            tokio::time::sleep(delay).await;
        };
        let (names, _) = tokio::join!(burst, killer);
        s.kill9().await;
        acked.extend(names.into_iter().flatten());
    }
    assert!(!acked.is_empty());
    let s = TestServer::start_in(tmp.path(), &[]).await;
    // Wait until the notifier has caught up with everything.
    eventually(20, "the notifier to catch up", || async {
        let h = s.get("/healthz", None).await.1;
        let notifier =
            h["subscribers"].as_array()?.iter().find(|x| x["name"] == "notifier")?.clone();
        (notifier["behind"] == 0).then_some(())
    })
    .await;
    for name in &acked {
        let token = s.login(name, PASSWORD).await;
        let welcomes =
            inbox(&s, &token, "").await.into_iter().filter(|n| n["kind"] == "welcome").count();
        assert_eq!(welcomes, 1, "{name} got {welcomes} welcomes");
    }
}

#[tokio::test]
async fn mail_waits_for_the_relay_and_goes_exactly_once() {
    let port = free_port().await;
    let url = format!("smtp://127.0.0.1:{port}");
    let s =
        TestServer::start_with(&[("BARRIO_SMTP_URL", &url), ("BARRIO_EVENTS_BACKOFF_MS", "50")])
            .await;
    let (st, _) = s
        .post(
            "/api/users",
            None,
            json!({"username": "cartero", "password": PASSWORD, "email": "cartero@example.com"}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED);
    // The relay is down: the mail waits.
    eventually(5, "a failed attempt", || async {
        (s.metric("barrio_outbox_pending").await == 1).then_some(())
    })
    .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let sink = Sink::start(port).await;
    let mails = eventually(10, "the mail", || async {
        let m = sink.mails();
        (!m.is_empty()).then_some(m)
    })
    .await;
    assert_eq!(mails[0].to, ["cartero@example.com"]);
    assert!(mails[0].data.contains("Welcome to Barrio, cartero"), "{}", mails[0].data);
    assert!(mails[0].data.contains("Message-ID: <barrio-outbox-"), "{}", mails[0].data);
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert_eq!(sink.mails().len(), 1, "exactly once");
    assert_eq!(s.metric("barrio_outbox_pending").await, 0);

    // Members without an e-mail address get none; preferences reject unknown kinds.
    let (id, token) = s.member("sinmail").await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(sink.mails().len(), 1);
    assert_error(
        &s.patch(
            &format!("/api/users/{id}"),
            Some(&token),
            json!({"email_notifications": {"spam": false}}),
        )
        .await,
        StatusCode::BAD_REQUEST,
        Some("email_notifications"),
    );
    let (st, me) = s
        .patch(
            &format!("/api/users/{id}"),
            Some(&token),
            json!({"email_notifications": {"price_changed": false}}),
        )
        .await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(me["email_notifications"]["price_changed"], false);
    assert_eq!(me["email_notifications"]["welcome"], true);
    sink.stop();
}

#[tokio::test]
async fn a_handler_that_always_fails_ends_in_dead_letters_and_the_rest_flows() {
    let s = TestServer::start_with(&[
        ("BARRIO_CHAOS_SUBSCRIBER", "true"),
        ("BARRIO_EVENTS_MAX_ATTEMPTS", "2"),
        ("BARRIO_EVENTS_BACKOFF_MS", "20"),
    ])
    .await;
    let (_, owner) = s.owner().await;
    let (_, member) = s.member("fluye").await;
    // The notifier keeps delivering while the chaos subscriber fails.
    eventually(5, "the welcome", || async {
        (!inbox(&s, &member, "").await.is_empty()).then_some(())
    })
    .await;
    let letters = eventually(10, "dead letters", || async {
        let (st, page) = s.get("/api/admin/dead-letters", Some(&owner)).await;
        assert_eq!(st, StatusCode::OK, "{page}");
        let items = page["items"].as_array().unwrap().clone();
        (items.len() >= 2).then_some(items)
    })
    .await;
    assert!(
        letters.iter().all(|d| d["subscriber"] == "chaos"
            && d["attempts"] == 2
            && d["change_kind"] == "events")
    );
    assert!(letters[0]["error"].as_str().unwrap().contains("chaos"));
    // The chaos subscriber moved on: it is not stuck behind its failures.
    eventually(10, "chaos to move on", || async {
        let h = s.get("/healthz", None).await.1;
        let c = h["subscribers"].as_array()?.iter().find(|x| x["name"] == "chaos")?.clone();
        (c["behind"] == 0).then_some(())
    })
    .await;
    let id = letters[0]["id"].as_u64().unwrap();
    assert_error(
        &s.post(&format!("/api/admin/dead-letters/{id}/retry"), Some(&owner), json!({})).await,
        StatusCode::CONFLICT,
        None,
    );
    assert_error(
        &s.get("/api/admin/dead-letters", Some(&member)).await,
        StatusCode::FORBIDDEN,
        None,
    );
    assert_error(
        &s.post(&format!("/api/admin/dead-letters/{id}/retry"), Some(&member), json!({})).await,
        StatusCode::FORBIDDEN,
        None,
    );
    assert_eq!(s.metric("barrio_dead_letters").await as usize, letters.len().max(2));
}

#[tokio::test]
async fn lag_is_reported_and_the_change_log_is_trimmed() {
    let s = TestServer::start().await;
    for i in 0..5 {
        s.sign_up(&format!("log{i}")).await;
    }
    let h = s.get("/healthz", None).await.1;
    let notifier = h["subscribers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["name"] == "notifier")
        .unwrap()
        .clone();
    assert!(
        notifier["cursor"].is_u64()
            && notifier["behind"].is_u64()
            && notifier["oldest_age_ms"].is_i64()
    );
    let text = s.client.get(s.url("/metrics")).send().await.unwrap().text().await.unwrap();
    assert!(text.contains("barrio_subscriber_behind{subscriber=\"notifier\"}"), "{text}");
    // Once the notifier has passed everything, the trimmer empties the log.
    eventually(10, "the trim", || async {
        let last = s.metric("barrio_changelog_last_seq").await;
        let first = s.metric("barrio_changelog_first_seq").await;
        (last > 0 && first == 0).then_some(())
    })
    .await;
}

/// The kinds in a member's inbox, oldest first.
async fn kinds(s: &TestServer, token: &str) -> Vec<String> {
    let mut k: Vec<String> =
        inbox(s, token, "").await.iter().map(|n| n["kind"].as_str().unwrap().to_owned()).collect();
    k.reverse();
    k
}

async fn wait_kinds(s: &TestServer, token: &str, want: &[&str]) {
    eventually(5, &format!("notifications {want:?}"), || async {
        let got = kinds(s, token).await;
        (got == want).then_some(())
    })
    .await;
}

#[tokio::test]
async fn courses_notify_their_members() {
    let s = TestServer::start().await;
    let (_, owner) = s.owner().await;
    let (_, first) = s.member("primera").await;
    let (_, second) = s.member("segunda").await;
    let (st, course) = s
        .post(
            "/api/courses",
            Some(&owner),
            json!({"title": "Club de cine", "starts_at": "2027-03-03T19:00:00-03:00", "ends_at": "2027-06-30T21:00:00-03:00",
                   "capacity": 1, "price_cents": 0, "status": "open"}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{course}");
    let path = format!("/api/courses/{}", course["id"]);
    assert!(s.post(&format!("{path}/enrolments"), Some(&first), json!({})).await.0.is_success());
    assert!(s.post(&format!("{path}/enrolments"), Some(&second), json!({})).await.0.is_success());
    wait_kinds(&s, &first, &["welcome", "enrolled"]).await;
    wait_kinds(&s, &second, &["welcome"]).await;
    // The first leaves: the second is moved in from the waiting list.
    assert!(s.delete(&format!("{path}/enrolments"), Some(&first)).await.0.is_success());
    wait_kinds(&s, &second, &["welcome", "waitlist_promoted"]).await;
    // A new start, then a cancellation: everyone on the course hears of both.
    assert!(
        s.patch(&path, Some(&owner), json!({"starts_at": "2027-03-10T19:00:00-03:00"}))
            .await
            .0
            .is_success()
    );
    assert!(s.patch(&path, Some(&owner), json!({"status": "cancelled"})).await.0.is_success());
    wait_kinds(
        &s,
        &second,
        &["welcome", "waitlist_promoted", "course_rescheduled", "course_cancelled"],
    )
    .await;
    let text = inbox(&s, &second, "").await[0]["text"].as_str().unwrap().to_owned();
    assert!(text.contains("Club de cine") && text.contains("cancelled"), "{text}");
}

#[tokio::test]
async fn deliveries_notify_the_client_and_the_staff() {
    let s = TestServer::start().await;
    let (_, owner) = s.owner().await;
    let (member_id, member) = s.member("clienta").await;
    let o = Some(owner.as_str());
    let id = |v: (StatusCode, Value)| {
        assert_eq!(v.0, StatusCode::CREATED, "{}", v.1);
        v.1["id"].as_u64().unwrap()
    };
    let client =
        id(s.post("/api/clients", o, json!({"name": "Clienta", "user_id": member_id})).await);
    let home = id(s
        .post(
            "/api/locations",
            o,
            json!({"label": "Casa", "street": "Colón 100", "client_id": client}),
        )
        .await);
    let shop = id(s
        .post("/api/locations", o, json!({"label": "Librería", "street": "Dean Funes 1"}))
        .await);
    let bike = id(s
        .post("/api/resources", o, json!({"name": "Bici", "kind": "bicycle", "capacity": 2}))
        .await);
    let travel = |day: u32| {
        json!({"client_id": client, "from_location_id": shop, "to_location_id": home, "resource_id": bike,
               "window_start": format!("2027-01-{day:02}T10:00:00Z"), "window_end": format!("2027-01-{day:02}T12:00:00Z")})
    };
    let t1 = id(s.post("/api/travels", o, travel(1)).await);
    let t2 = id(s.post("/api/travels", o, travel(2)).await);
    for status in ["on_the_way", "delivered"] {
        let (st, body) =
            s.post(&format!("/api/travels/{t1}/status"), o, json!({"status": status})).await;
        assert!(st.is_success(), "{status}: {body}");
    }
    assert!(
        s.post(&format!("/api/travels/{t2}/status"), o, json!({"status": "cancelled"}))
            .await
            .0
            .is_success()
    );
    wait_kinds(&s, &member, &["welcome", "delivery_on_the_way", "delivery_delivered"]).await;
    wait_kinds(&s, &owner, &["welcome", "travel_cancelled"]).await;
}

async fn product(s: &TestServer, token: &str, sku: &str, cents: i64) -> u64 {
    let (st, p) = s
        .post(
            "/api/products",
            Some(token),
            json!({"sku": sku, "name": "Mate de calabaza", "price_cents": cents}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{p}");
    p["id"].as_u64().unwrap()
}

async fn price_notices(s: &TestServer, token: &str) -> Vec<Value> {
    inbox(s, token, "").await.into_iter().filter(|n| n["kind"] == "price_changed").collect()
}

#[tokio::test]
async fn a_price_change_reaches_every_staff_member_once_also_across_kill_9() {
    let tmp = tempfile::tempdir().unwrap();
    let mut s = TestServer::start_in(tmp.path(), &[]).await;
    let (_, owner) = s.owner().await;
    let (_, admin) = s.staff(&owner, "vendedora", "admin").await;
    let (_, member) = s.member("socia").await;
    let id = product(&s, &owner, "MATE-1", 250000).await;
    let (st, body) =
        s.patch(&format!("/api/products/{id}"), Some(&admin), json!({"price_cents": 275050})).await;
    assert_eq!(st, StatusCode::OK, "{body}");
    // Killed right after the change was acknowledged, perhaps before the notifier saw it.
    s.kill9().await;
    let s = TestServer::start_in(tmp.path(), &[]).await;
    for token in [&owner, &admin] {
        let notices = eventually(5, "the price notice", || async {
            let n = price_notices(&s, token).await;
            (!n.is_empty()).then_some(n)
        })
        .await;
        assert_eq!(notices.len(), 1);
        let text = notices[0]["text"].as_str().unwrap();
        assert!(
            text.contains("Mate de calabaza")
                && text.contains("$2500.00")
                && text.contains("$2750.50"),
            "{text}"
        );
        assert_eq!(notices[0]["link"], format!("/products/{id}"));
    }
    s.records_written().await;
    assert!(price_notices(&s, &member).await.is_empty(), "members are not told");
    for token in [&owner, &admin] {
        assert_eq!(price_notices(&s, token).await.len(), 1, "still exactly one");
    }
}

#[tokio::test]
async fn a_connected_stream_gets_the_notification_within_a_second() {
    let s = TestServer::start().await;
    let (_, owner) = s.owner().await;
    let (_, admin) = s.staff(&owner, "mostrador", "admin").await;
    let id = product(&s, &owner, "LIVE-1", 1000).await;
    s.records_written().await;
    let res =
        s.client.get(s.url("/api/notifications/stream")).bearer_auth(&owner).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let mut body = res.bytes_stream();
    tokio::time::sleep(Duration::from_millis(200)).await;
    let changed_at = Instant::now();
    assert!(
        s.patch(&format!("/api/products/{id}"), Some(&admin), json!({"price_cents": 1200}))
            .await
            .0
            .is_success()
    );
    let mut text = String::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(1);
    while !text.contains("price_changed") {
        match tokio::time::timeout_at(deadline, body.next()).await {
            Ok(Some(Ok(chunk))) => text.push_str(&String::from_utf8_lossy(&chunk)),
            _ => panic!("no notification within a second of the change: {text:?}"),
        }
    }
    assert!(changed_at.elapsed() < Duration::from_secs(1));
    assert!(text.contains("event: notification"), "{text}");
    // Reconnecting with Last-Event-ID replays what came after it: here, nothing more.
    let last = text.lines().filter_map(|l| l.strip_prefix("id: ")).next_back().unwrap().to_owned();
    assert!(
        s.patch(&format!("/api/products/{id}"), Some(&admin), json!({"price_cents": 1300}))
            .await
            .0
            .is_success()
    );
    s.records_written().await;
    let res = s
        .client
        .get(s.url("/api/notifications/stream"))
        .bearer_auth(&owner)
        .header("last-event-id", last)
        .send()
        .await
        .unwrap();
    let missed = read_sse_for(res, Duration::from_millis(600)).await;
    assert_eq!(missed.matches("event: notification").count(), 1, "{missed}");
    assert!(missed.contains("$13.00"), "{missed}");
}

#[tokio::test]
async fn a_kind_turned_off_is_not_mailed_but_still_in_the_inbox() {
    let sink = Sink::start(0).await;
    let url = format!("smtp://127.0.0.1:{}", sink.port);
    let s =
        TestServer::start_with(&[("BARRIO_SMTP_URL", &url), ("BARRIO_EVENTS_BACKOFF_MS", "50")])
            .await;
    let (owner_id, owner) = s.owner().await;
    let (st, _) = s
        .patch(
            &format!("/api/users/{owner_id}"),
            Some(&owner),
            json!({"email": "duena@example.com", "email_notifications": {"price_changed": false}}),
        )
        .await;
    assert_eq!(st, StatusCode::OK);
    let (st, _) = s
        .post("/api/users", Some(&owner), json!({"username": "socio2", "password": PASSWORD, "role": "super_admin", "email": "socio@example.com"}))
        .await;
    assert_eq!(st, StatusCode::CREATED);
    let partner = s.login("socio2", PASSWORD).await;
    let id = product(&s, &owner, "MUTE-1", 500).await;
    assert!(
        s.patch(&format!("/api/products/{id}"), Some(&owner), json!({"price_cents": 700}))
            .await
            .0
            .is_success()
    );
    let price_mails =
        || sink.mails().into_iter().filter(|m| m.data.contains("Price of")).collect::<Vec<_>>();
    let mails = eventually(10, "the partner's price mail", || async {
        let m = price_mails();
        (!m.is_empty()).then_some(m)
    })
    .await;
    s.records_written().await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(price_mails().len(), 1, "{mails:?}");
    assert_eq!(mails[0].to, ["socio@example.com"], "the owner turned price mails off");
    // Both still see it in the app.
    for t in [&owner, &partner] {
        assert_eq!(price_notices(&s, t).await.len(), 1);
    }
    sink.stop();
}
