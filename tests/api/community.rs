//! Community: posts, images, follows, likes, timelines and their pagination, notifications,
//! bad input, and account deletion leaving nothing behind.

use std::collections::HashSet;

use base64::Engine;
use reqwest::StatusCode;
use reqwest::header::{CACHE_CONTROL, CONTENT_TYPE, ETAG, IF_NONE_MATCH};
use serde_json::{Value, json};

use crate::events::eventually;
use crate::helpers::{TestServer, assert_error};

async fn post(s: &TestServer, token: &str, text: &str) -> Value {
    let (st, body) = s.post("/api/posts", Some(token), json!({ "text": text })).await;
    assert_eq!(st, StatusCode::CREATED, "{body}");
    body
}

fn ids(page: &Value) -> Vec<u64> {
    page["items"].as_array().unwrap().iter().map(|p| p["id"].as_u64().unwrap()).collect()
}

async fn timeline_ids(s: &TestServer, token: &str) -> Vec<u64> {
    let (st, page) = s.get("/api/timeline?limit=200", Some(token)).await;
    assert_eq!(st, StatusCode::OK, "{page}");
    ids(&page)
}

async fn kinds(s: &TestServer, token: &str, kind: &str) -> usize {
    let (st, page) = s.get("/api/notifications?limit=200", Some(token)).await;
    assert_eq!(st, StatusCode::OK, "{page}");
    page["items"].as_array().unwrap().iter().filter(|n| n["kind"] == kind).count()
}

const PNG: &[u8] =
    b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89";

#[tokio::test]
async fn posts_are_created_read_edited_and_deleted_by_the_right_people() {
    let s = TestServer::start().await;
    let (_, owner) = s.owner().await;
    let (_, mod_token) = s.staff(&owner, "moderadora", "admin").await;
    let (ana_id, ana) = s.member("ana").await;
    let (_, beto) = s.member("beto").await;

    let p = post(&s, &ana, "  Leyendo Rayuela 📚  ").await;
    let id = p["id"].as_u64().unwrap();
    assert_eq!(p["author_id"], ana_id);
    assert_eq!(p["author_username"], "ana");
    assert_eq!(p["text"], "Leyendo Rayuela 📚");
    assert_eq!(p["image_url"], Value::Null);
    assert!(p["created_at"].is_string());
    assert_eq!(p["edited_at"], Value::Null);
    assert_eq!(p["like_count"], 0);
    assert_eq!(p["liked_by_me"], false);

    // Anonymous readers see the public feed, single posts and an author's posts.
    let (st, one) = s.get(&format!("/api/posts/{id}"), None).await;
    assert_eq!((st, one["text"].clone()), (StatusCode::OK, json!("Leyendo Rayuela 📚")));
    assert_eq!(ids(&s.get("/api/posts", None).await.1), vec![id]);
    assert_eq!(ids(&s.get(&format!("/api/users/{ana_id}/posts"), None).await.1), vec![id]);
    assert_error(&s.get("/api/users/999999/posts", None).await, StatusCode::NOT_FOUND, None);
    // Everything else wants a login.
    assert_error(
        &s.post("/api/posts", None, json!({"text": "hola"})).await,
        StatusCode::UNAUTHORIZED,
        None,
    );
    assert_error(&s.get("/api/timeline", None).await, StatusCode::UNAUTHORIZED, None);
    assert_error(
        &s.post(&format!("/api/posts/{id}/like"), None, json!({})).await,
        StatusCode::UNAUTHORIZED,
        None,
    );
    assert_error(
        &s.post(&format!("/api/users/{ana_id}/follow"), None, json!({})).await,
        StatusCode::UNAUTHORIZED,
        None,
    );
    assert_error(
        &s.get(&format!("/api/users/{ana_id}/followers"), None).await,
        StatusCode::UNAUTHORIZED,
        None,
    );
    assert_error(
        &s.delete(&format!("/api/posts/{id}"), None).await,
        StatusCode::UNAUTHORIZED,
        None,
    );

    // Only the author edits; staff may not either.
    let path = format!("/api/posts/{id}");
    assert_error(
        &s.patch(&path, Some(&beto), json!({"text": "mío"})).await,
        StatusCode::FORBIDDEN,
        None,
    );
    assert_error(
        &s.patch(&path, Some(&mod_token), json!({"text": "x"})).await,
        StatusCode::FORBIDDEN,
        None,
    );
    let (st, edited) = s.patch(&path, Some(&ana), json!({"text": "Terminé Rayuela"})).await;
    assert_eq!(st, StatusCode::OK, "{edited}");
    assert_eq!(edited["text"], "Terminé Rayuela");
    assert!(edited["edited_at"].is_string());
    assert_error(
        &s.patch("/api/posts/999999", Some(&ana), json!({"text": "x"})).await,
        StatusCode::NOT_FOUND,
        None,
    );

    // Others may not delete; the author and staff may.
    assert_error(&s.delete(&path, Some(&beto)).await, StatusCode::FORBIDDEN, None);
    assert_eq!(s.delete(&path, Some(&mod_token)).await.0, StatusCode::NO_CONTENT);
    assert_error(&s.get(&path, None).await, StatusCode::NOT_FOUND, None);
    assert_error(&s.delete(&path, Some(&ana)).await, StatusCode::NOT_FOUND, None);
    let mine = post(&s, &ana, "otra").await["id"].as_u64().unwrap();
    assert_eq!(s.delete(&format!("/api/posts/{mine}"), Some(&ana)).await.0, StatusCode::NO_CONTENT);
    assert!(ids(&s.get("/api/posts", None).await.1).is_empty());
    assert!(timeline_ids(&s, &ana).await.is_empty());
}

#[tokio::test]
async fn an_image_is_stored_and_served_with_its_type_and_etag() {
    let s = TestServer::start().await;
    let (_, ana) = s.member("ana").await;
    let b64 = base64::engine::general_purpose::STANDARD.encode(PNG);
    let (st, p) = s.post("/api/posts", Some(&ana), json!({"text": "tapa", "image": b64})).await;
    assert_eq!(st, StatusCode::CREATED, "{p}");
    let id = p["id"].as_u64().unwrap();
    assert_eq!(p["image_url"], format!("/api/posts/{id}/image"));
    let res = s.client.get(s.url(&format!("/api/posts/{id}/image"))).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()[CONTENT_TYPE], "image/png");
    assert!(res.headers().contains_key(CACHE_CONTROL));
    let etag = res.headers()[ETAG].to_str().unwrap().to_owned();
    assert_eq!(res.bytes().await.unwrap().as_ref(), PNG);
    let again = s
        .client
        .get(s.url(&format!("/api/posts/{id}/image")))
        .header(IF_NONE_MATCH, &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
    // A post without an image has none to serve.
    let plain = post(&s, &ana, "sin foto").await["id"].as_u64().unwrap();
    assert_error(
        &s.get(&format!("/api/posts/{plain}/image"), None).await,
        StatusCode::NOT_FOUND,
        None,
    );
}

#[tokio::test]
async fn bad_posts_are_refused_naming_the_field_and_write_nothing() {
    let s = TestServer::start().await;
    let (_, ana) = s.member("ana").await;
    let before = s.records_written().await;
    let b64 = |b: &[u8]| base64::engine::general_purpose::STANDARD.encode(b);
    let cases = [
        (json!({"text": ""}), StatusCode::BAD_REQUEST, "text"),
        (json!({"text": "   \n "}), StatusCode::BAD_REQUEST, "text"),
        (json!({"text": "a".repeat(281)}), StatusCode::BAD_REQUEST, "text"),
        (json!({"text": "🙂".repeat(281)}), StatusCode::BAD_REQUEST, "text"),
        (json!({"text": 5}), StatusCode::BAD_REQUEST, "text"),
        (
            json!({"text": "hola", "image": b64(b"I am a text file, not a PNG.\n")}),
            StatusCode::BAD_REQUEST,
            "image",
        ),
        (json!({"text": "hola", "image": "%%% not base64 %%%"}), StatusCode::BAD_REQUEST, "image"),
        (
            json!({"text": "hola", "image": b64(&vec![0xFF; 5 * 1024 * 1024 + 1])}),
            StatusCode::PAYLOAD_TOO_LARGE,
            "image",
        ),
        (json!({"text": "hola", "extra": 1}), StatusCode::BAD_REQUEST, "extra"),
    ];
    for (body, status, field) in cases {
        assert_error(&s.post("/api/posts", Some(&ana), body).await, status, Some(field));
    }
    let p = post(&s, &ana, "ok").await["id"].as_u64().unwrap();
    let after_post = s.records_written().await;
    assert!(after_post > before);
    assert_error(
        &s.patch(&format!("/api/posts/{p}"), Some(&ana), json!({"text": ""})).await,
        StatusCode::BAD_REQUEST,
        Some("text"),
    );
    assert_eq!(s.records_written().await, after_post, "a refused edit writes nothing");
    // Exactly 280 graphemes, even when they are many code points, is fine.
    let (st, body) =
        s.post("/api/posts", Some(&ana), json!({"text": "e\u{301}".repeat(280)})).await;
    assert_eq!(st, StatusCode::CREATED, "{body}");
    let (st, body) = s.post("/api/posts", Some(&ana), json!({"text": "👩‍👩‍👧".repeat(280)})).await;
    assert_eq!(st, StatusCode::CREATED, "{body}");
}

#[tokio::test]
async fn follows_and_likes_are_idempotent_and_counted() {
    let s = TestServer::start().await;
    let (ana_id, ana) = s.member("ana").await;
    let (beto_id, beto) = s.member("beto").await;
    let follow = format!("/api/users/{beto_id}/follow");

    assert_error(
        &s.post(&format!("/api/users/{ana_id}/follow"), Some(&ana), json!({})).await,
        StatusCode::BAD_REQUEST,
        Some("id"),
    );
    assert_error(
        &s.post("/api/users/999999/follow", Some(&ana), json!({})).await,
        StatusCode::NOT_FOUND,
        None,
    );
    assert_eq!(s.post(&follow, Some(&ana), json!({})).await.0, StatusCode::NO_CONTENT);
    let written = s.records_written().await;
    assert_eq!(s.post(&follow, Some(&ana), json!({})).await.0, StatusCode::NO_CONTENT);
    assert_eq!(s.records_written().await, written, "following again writes nothing");
    let (st, f) = s.get(&format!("/api/users/{beto_id}/followers"), Some(&ana)).await;
    assert_eq!(st, StatusCode::OK, "{f}");
    assert_eq!(f["count"], 1);
    assert_eq!(f["items"][0]["id"], ana_id);
    assert_eq!(f["items"][0]["username"], "ana");
    let f = s.get(&format!("/api/users/{ana_id}/following"), Some(&beto)).await.1;
    assert_eq!((f["count"].clone(), f["items"][0]["id"].clone()), (json!(1), json!(beto_id)));
    assert_eq!(s.get(&format!("/api/users/{ana_id}/followers"), Some(&ana)).await.1["count"], 0);

    assert_eq!(s.delete(&follow, Some(&ana)).await.0, StatusCode::NO_CONTENT);
    assert_eq!(s.delete(&follow, Some(&ana)).await.0, StatusCode::NO_CONTENT);
    assert_eq!(s.get(&format!("/api/users/{beto_id}/followers"), Some(&ana)).await.1["count"], 0);

    let p = post(&s, &beto, "¿Alguien leyó a Borges?").await["id"].as_u64().unwrap();
    let like = format!("/api/posts/{p}/like");
    let (st, v) = s.post(&like, Some(&ana), json!({})).await;
    assert_eq!(st, StatusCode::OK, "{v}");
    assert_eq!((v["like_count"].clone(), v["liked_by_me"].clone()), (json!(1), json!(true)));
    let (st, v) = s.post(&like, Some(&ana), json!({})).await;
    assert_eq!((st, v["like_count"].clone()), (StatusCode::OK, json!(1)));
    let seen_by_beto = s.get(&format!("/api/posts/{p}"), Some(&beto)).await.1;
    assert_eq!(
        (seen_by_beto["like_count"].clone(), seen_by_beto["liked_by_me"].clone()),
        (json!(1), json!(false))
    );
    assert_eq!(s.get("/api/posts", Some(&ana)).await.1["items"][0]["liked_by_me"], true);
    let (st, v) = s.delete(&like, Some(&ana)).await;
    assert_eq!(
        (st, v["like_count"].clone(), v["liked_by_me"].clone()),
        (StatusCode::OK, json!(0), json!(false))
    );
    assert_eq!(s.delete(&like, Some(&ana)).await.1["like_count"], 0);

    assert_error(
        &s.post("/api/posts/999999/like", Some(&ana), json!({})).await,
        StatusCode::NOT_FOUND,
        None,
    );
    assert_eq!(s.delete(&format!("/api/posts/{p}"), Some(&beto)).await.0, StatusCode::NO_CONTENT);
    assert_error(&s.post(&like, Some(&ana), json!({})).await, StatusCode::NOT_FOUND, None);
}

#[tokio::test]
async fn the_timeline_has_own_and_followed_posts_and_drops_unfollowed_ones() {
    let s = TestServer::start().await;
    let (_, ana) = s.member("ana").await;
    let (beto_id, beto) = s.member("beto").await;
    let (_, carla) = s.member("carla").await;
    let old = post(&s, &beto, "antes del follow").await["id"].as_u64().unwrap();
    let mine = post(&s, &ana, "mío").await["id"].as_u64().unwrap();
    post(&s, &carla, "de alguien que ana no sigue").await;
    assert_eq!(timeline_ids(&s, &ana).await, vec![mine]);

    s.post(&format!("/api/users/{beto_id}/follow"), Some(&ana), json!({})).await;
    assert_eq!(timeline_ids(&s, &ana).await, vec![mine, old], "backfilled at once");
    let new = post(&s, &beto, "después").await["id"].as_u64().unwrap();
    eventually(10, "the fan-out", || async {
        (timeline_ids(&s, &ana).await == vec![new, mine, old]).then_some(())
    })
    .await;
    // A deleted post leaves every timeline.
    s.delete(&format!("/api/posts/{new}"), Some(&beto)).await;
    assert_eq!(timeline_ids(&s, &ana).await, vec![mine, old]);
    s.delete(&format!("/api/users/{beto_id}/follow"), Some(&ana)).await;
    assert_eq!(timeline_ids(&s, &ana).await, vec![mine]);
    // Posts that came while not following do not appear, even once the fan-out settles.
    post(&s, &beto, "no lo ve").await;
    s.records_written().await;
    assert_eq!(timeline_ids(&s, &ana).await, vec![mine]);
}

#[tokio::test]
async fn paging_the_timeline_while_someone_posts_shows_each_older_post_once() {
    let s = TestServer::start().await;
    let (_, reader) = s.member("lectora").await;
    let (beto_id, beto) = s.member("beto").await;
    s.post(&format!("/api/users/{beto_id}/follow"), Some(&reader), json!({})).await;
    let mut all = Vec::new();
    for i in 0..37 {
        all.push(post(&s, &beto, &format!("post {i}")).await["id"].as_u64().unwrap());
    }
    eventually(10, "the fan-out", || async {
        (timeline_ids(&s, &reader).await.len() == 37).then_some(())
    })
    .await;

    // Another client keeps posting while the reader pages.
    let writer = {
        let (client, url, token) = (s.client.clone(), s.url("/api/posts"), beto.clone());
        tokio::spawn(async move {
            for i in 0..40 {
                let res = client
                    .post(&url)
                    .bearer_auth(&token)
                    .json(&json!({"text": format!("mientras tanto {i}")}))
                    .send()
                    .await
                    .unwrap();
                assert_eq!(res.status(), StatusCode::CREATED);
            }
        })
    };
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    let mut first: Option<u64> = None;
    loop {
        let q = cursor.as_ref().map_or(String::new(), |c| format!("&cursor={c}"));
        let (st, page) = s.get(&format!("/api/timeline?limit=4{q}"), Some(&reader)).await;
        assert_eq!(st, StatusCode::OK, "{page}");
        let got = ids(&page);
        first = first.or(got.first().copied());
        seen.extend(got);
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
    }
    writer.await.unwrap();
    let first = first.unwrap();
    let unique: HashSet<u64> = seen.iter().copied().collect();
    assert_eq!(unique.len(), seen.len(), "no duplicates: {seen:?}");
    assert!(seen.windows(2).all(|w| w[0] > w[1]), "newest first: {seen:?}");
    for id in all.iter().filter(|id| **id <= first) {
        assert!(unique.contains(id), "post {id} missing: {seen:?}");
    }
    assert!(seen.iter().all(|id| *id <= first));
}

#[tokio::test]
async fn followers_and_likers_are_notified_once_and_never_for_self_likes() {
    let s = TestServer::start().await;
    let (ana_id, ana) = s.member("ana").await;
    let (beto_id, beto) = s.member("beto").await;
    let follow = format!("/api/users/{beto_id}/follow");
    s.post(&follow, Some(&ana), json!({})).await;
    let n = eventually(10, "the new follower notice", || async {
        let n = kinds(&s, &beto, "new_follower").await;
        (n > 0).then_some(n)
    })
    .await;
    assert_eq!(n, 1);
    let (_, page) = s.get("/api/notifications", Some(&beto)).await;
    let notice = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["kind"] == "new_follower")
        .unwrap()
        .clone();
    assert_eq!(notice["link"], format!("/users/{ana_id}"));
    assert!(notice["text"].as_str().unwrap().contains("ana"));
    // Follow, unfollow, follow again within the minute: no second notice.
    s.delete(&follow, Some(&ana)).await;
    s.post(&follow, Some(&ana), json!({})).await;
    s.post(&follow, Some(&ana), json!({})).await;

    let p = post(&s, &beto, "me gusta mi propio post").await["id"].as_u64().unwrap();
    let like = format!("/api/posts/{p}/like");
    s.post(&like, Some(&beto), json!({})).await;
    s.post(&like, Some(&ana), json!({})).await;
    s.delete(&like, Some(&ana)).await;
    s.post(&like, Some(&ana), json!({})).await;
    s.records_written().await;
    assert_eq!(kinds(&s, &beto, "new_follower").await, 1);
    assert_eq!(kinds(&s, &beto, "post_liked").await, 1);
    assert_eq!(kinds(&s, &ana, "post_liked").await, 0);
    let (_, page) = s.get("/api/notifications", Some(&beto)).await;
    let liked = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["kind"] == "post_liked")
        .unwrap()
        .clone();
    assert_eq!(liked["link"], format!("/posts/{p}"));
    // A self-like alone notifies nobody.
    let own = post(&s, &ana, "solo yo").await["id"].as_u64().unwrap();
    s.post(&format!("/api/posts/{own}/like"), Some(&ana), json!({})).await;
    s.records_written().await;
    assert_eq!(kinds(&s, &ana, "post_liked").await, 0);
}

#[tokio::test]
async fn deleting_an_account_takes_its_posts_likes_and_follows() {
    let s = TestServer::start().await;
    let (ana_id, ana) = s.member("ana").await;
    let (beto_id, beto) = s.member("beto").await;
    let (carla_id, carla) = s.member("carla").await;
    let ana_post = post(&s, &ana, "de ana").await["id"].as_u64().unwrap();
    let beto_post = post(&s, &beto, "de beto").await["id"].as_u64().unwrap();
    s.post(&format!("/api/posts/{ana_post}/like"), Some(&beto), json!({})).await;
    s.post(&format!("/api/posts/{ana_post}/like"), Some(&carla), json!({})).await;
    s.post(&format!("/api/posts/{beto_post}/like"), Some(&ana), json!({})).await;
    s.post(&format!("/api/users/{beto_id}/follow"), Some(&carla), json!({})).await;
    s.post(&format!("/api/users/{ana_id}/follow"), Some(&beto), json!({})).await;
    eventually(10, "beto's post in carla's timeline", || async {
        timeline_ids(&s, &carla).await.contains(&beto_post).then_some(())
    })
    .await;
    assert_eq!(s.get(&format!("/api/posts/{ana_post}"), None).await.1["like_count"], 2);

    assert_eq!(
        s.delete(&format!("/api/users/{beto_id}"), Some(&beto)).await.0,
        StatusCode::NO_CONTENT
    );
    assert_error(
        &s.get(&format!("/api/posts/{beto_post}"), None).await,
        StatusCode::NOT_FOUND,
        None,
    );
    assert_eq!(ids(&s.get("/api/posts", None).await.1), vec![ana_post]);
    assert!(!timeline_ids(&s, &carla).await.contains(&beto_post));
    assert_eq!(s.get(&format!("/api/posts/{ana_post}"), None).await.1["like_count"], 1);
    assert_eq!(s.get(&format!("/api/users/{ana_id}/followers"), Some(&ana)).await.1["count"], 0);
    assert_eq!(
        s.get(&format!("/api/users/{carla_id}/following"), Some(&carla)).await.1["count"],
        0
    );
    assert_error(
        &s.get(&format!("/api/users/{beto_id}/posts"), None).await,
        StatusCode::NOT_FOUND,
        None,
    );
    // The others carry on as before.
    let (st, _) = s.post(&format!("/api/posts/{ana_post}/like"), Some(&carla), json!({})).await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(s.get(&format!("/api/posts/{ana_post}"), None).await.1["like_count"], 1);
}

async fn fanout_queued(s: &TestServer) -> u64 {
    s.get("/healthz", None).await.1["timeline_fanout_queued"].as_u64().unwrap()
}

/// A popular author's post goes out in many small jobs (here 2 followers per job), and a
/// kill -9 in the middle of them neither loses nor duplicates an entry: the progress commits
/// with each chunk, and the restarted server goes on from there.
#[tokio::test]
async fn a_popular_authors_post_reaches_every_follower_in_chunks_also_across_kill_9() {
    let tmp = tempfile::tempdir().unwrap();
    let chunked = [("BARRIO_FANOUT_CHUNK", "2")];
    let mut s = TestServer::start_in(tmp.path(), &chunked).await;
    let (star_id, star) = s.member("estrella").await;
    let mut fans = Vec::new();
    for i in 0..11 {
        let (_, token) = s.member(&format!("fan{i}")).await;
        let (st, body) =
            s.post(&format!("/api/users/{star_id}/follow"), Some(&token), json!({})).await;
        assert_eq!(st, StatusCode::NO_CONTENT, "{body}");
        fans.push(token);
    }
    let first = post(&s, &star, "uno").await["id"].as_u64().unwrap();
    // Every follower gets it, however many jobs that takes.
    for token in &fans {
        eventually(10, "the chunked fan-out", || async {
            (timeline_ids(&s, token).await == vec![first]).then_some(())
        })
        .await;
    }
    eventually(10, "an empty queue", || async { (fanout_queued(&s).await == 0).then_some(()) })
        .await;

    // Two more posts (22 deliveries, 11+ jobs), and a kill -9 as soon as the first follower
    // has the newer one: the fan-out is under way.
    let second = post(&s, &star, "dos").await["id"].as_u64().unwrap();
    let third = post(&s, &star, "tres").await["id"].as_u64().unwrap();
    eventually(10, "the fan-out to start", || async {
        timeline_ids(&s, &fans[0]).await.contains(&second).then_some(())
    })
    .await;
    s.kill9().await;
    let s = TestServer::start_in(tmp.path(), &chunked).await;
    eventually(20, "the fan-out to finish after the restart", || async {
        (fanout_queued(&s).await == 0).then_some(())
    })
    .await;
    for token in &fans {
        assert_eq!(timeline_ids(&s, token).await, vec![third, second, first], "each exactly once");
    }
    assert_eq!(timeline_ids(&s, &star).await, vec![third, second, first]);
    // A post deleted before its fan-out finished leaves no entry and no queue behind.
    let fourth = post(&s, &star, "cuatro").await["id"].as_u64().unwrap();
    assert_eq!(
        s.delete(&format!("/api/posts/{fourth}"), Some(&star)).await.0,
        StatusCode::NO_CONTENT
    );
    s.records_written().await;
    eventually(10, "an empty queue", || async { (fanout_queued(&s).await == 0).then_some(()) })
        .await;
    for token in &fans {
        assert_eq!(timeline_ids(&s, token).await, vec![third, second, first]);
    }
}
