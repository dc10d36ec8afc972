//! Full-text search: relevance, freshness, rebuilds and access (issue 5).

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{PASSWORD, TestServer, command};

fn enc(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

async fn search(s: &TestServer, query: &str, token: Option<&str>) -> Value {
    let (st, body) = s.get(&format!("/api/search?q={}", enc(query)), token).await;
    assert_eq!(st, StatusCode::OK, "{query}: {body}");
    body
}

fn titles(v: &Value) -> Vec<String> {
    v["hits"].as_array().unwrap().iter().map(|h| h["title"].as_str().unwrap().to_owned()).collect()
}

fn keys(v: &Value) -> BTreeSet<(String, u64)> {
    v["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| (h["kind"].as_str().unwrap().to_owned(), h["id"].as_u64().unwrap()))
        .collect()
}

/// Polls `f` every 50 ms until it holds, for at most `deadline`.
async fn within<F, Fut>(deadline: Duration, what: &str, mut f: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let until = Instant::now() + deadline;
    loop {
        if f().await {
            return;
        }
        assert!(Instant::now() < until, "not within {deadline:?}: {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn created(s: &TestServer, path: &str, token: &str, body: Value) -> Value {
    let (st, v) = s.post(path, Some(token), body).await;
    assert_eq!(st, StatusCode::CREATED, "{path}: {v}");
    v
}

/// A small shop: García Márquez and friends, a mug, a post. Returns the owner's token.
async fn shop(s: &TestServer) -> String {
    let (_, owner) = s.owner().await;
    let g = created(s, "/api/genres", &owner, json!({"name": "Novela"})).await["id"].clone();
    let books = [
        (
            "Cien años de soledad",
            "Gabriel García Márquez",
            "9788437604947",
            "La historia de los Buendía en Macondo.",
            1967,
        ),
        (
            "El coronel no tiene quien le escriba",
            "Gabriel García Márquez",
            "9780306406157",
            "Un viejo militar espera su pensión.",
            1961,
        ),
        (
            "El amor en los tiempos del cólera",
            "Gabriel García Márquez",
            "9780141032221",
            "Florentino espera; aparece un coronel retirado.",
            1985,
        ),
        ("Soledad y compañía", "Ana Marquez", "9780441013593", "Una novela breve.", 2001),
        (
            "Ficciones",
            "Jorge Luis Borges",
            "9780802130303",
            "Cuentos de laberintos, espejos y soledad.",
            1944,
        ),
    ];
    for (title, author, isbn, description, year) in books {
        created(
            s,
            "/api/books",
            &owner,
            json!({"title": title, "authors": [author], "isbn": isbn, "description": description,
                   "year": year, "genre_ids": [g]}),
        )
        .await;
    }
    created(
        s,
        "/api/products",
        &owner,
        json!({"sku": "TAZ-001", "name": "Taza de cerámica", "description": "Para el café de la mañana.", "price_cents": 5000, "stock": 3}),
    )
    .await;
    created(
        s,
        "/api/posts",
        &owner,
        json!({"text": "Hoy llegaron libros de García Márquez a la librería"}),
    )
    .await;
    within(Duration::from_secs(5), "the shop is indexed", || async {
        let v = search(s, "ficciones", Some(&owner)).await;
        v["ready"] == json!(true) && titles(&v) == ["Ficciones"]
    })
    .await;
    owner
}

#[tokio::test]
async fn accents_fold_both_ways() {
    let s = TestServer::start().await;
    let t = shop(&s).await;
    let v = search(&s, "garcia marquez", Some(&t)).await;
    let found = titles(&v);
    assert!(found.contains(&"Cien años de soledad".to_owned()), "{found:?}");
    assert!(found.contains(&"El coronel no tiene quien le escriba".to_owned()), "{found:?}");
    let v = search(&s, "cien anos", Some(&t)).await;
    assert_eq!(titles(&v)[0], "Cien años de soledad");
    assert!(v["hits"][0]["snippet"].is_string());
    let v = search(&s, "márquez", Some(&t)).await;
    assert!(titles(&v).contains(&"Soledad y compañía".to_owned()), "{v}");
}

#[tokio::test]
async fn a_typo_in_a_surname_still_finds_the_colonel_first() {
    let s = TestServer::start().await;
    let t = shop(&s).await;
    let v = search(&s, "garcia marques coronel", Some(&t)).await;
    let found = titles(&v);
    assert_eq!(found[0], "El coronel no tiene quien le escriba", "{found:?}");
    assert!(v["hits"][0]["snippet"].as_str().unwrap().contains("<b>"), "{v}");
}

#[tokio::test]
async fn the_word_being_typed_matches_as_a_prefix() {
    let s = TestServer::start().await;
    let t = shop(&s).await;
    let found = titles(&search(&s, "soled", Some(&t)).await);
    assert!(found.contains(&"Soledad y compañía".to_owned()), "{found:?}");
    assert!(found.contains(&"Cien años de soledad".to_owned()), "{found:?}");
    // Only the last word is a prefix.
    assert!(titles(&search(&s, "soled y", Some(&t)).await).is_empty());
}

#[tokio::test]
async fn quoted_phrases_match_in_order() {
    let s = TestServer::start().await;
    let t = shop(&s).await;
    assert_eq!(
        titles(&search(&s, "\"no tiene quien\"", Some(&t)).await),
        ["El coronel no tiene quien le escriba"]
    );
    assert!(titles(&search(&s, "\"quien tiene no\"", Some(&t)).await).is_empty());
}

#[tokio::test]
async fn isbns_match_with_and_without_dashes() {
    let s = TestServer::start().await;
    let t = shop(&s).await;
    for q in ["978-84-376-0494-7", "9788437604947", "843760494X", "84-376-0494-X"] {
        assert_eq!(titles(&search(&s, q, Some(&t)).await), ["Cien años de soledad"], "{q}");
    }
}

#[tokio::test]
async fn skus_match_anonymously() {
    let s = TestServer::start().await;
    shop(&s).await;
    for q in ["TAZ-001", "taz001", "taz-001"] {
        let v = search(&s, q, None).await;
        assert_eq!(titles(&v), ["Taza de cerámica"], "{q}");
        assert_eq!(v["hits"][0]["kind"], "products");
    }
}

#[tokio::test]
async fn title_matches_rank_above_description_matches() {
    let s = TestServer::start().await;
    let t = shop(&s).await;
    let found = titles(&search(&s, "soledad", Some(&t)).await);
    assert_eq!(found.last().map(String::as_str), Some("Ficciones"), "{found:?}");
    let found = titles(&search(&s, "coronel", Some(&t)).await);
    assert_eq!(found[0], "El coronel no tiene quien le escriba", "{found:?}");
}

#[tokio::test]
async fn filters_and_facets() {
    let s = TestServer::start().await;
    let t = shop(&s).await;
    let (st, v) = s.get("/api/search?q=garcia&kind=all", Some(&t)).await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(v["facets"]["kind"]["books"], 3, "{v}");
    assert_eq!(v["facets"]["kind"]["posts"], 1, "{v}");
    // Genre facets carry the genre's id (for the filter) and its name (to show).
    let (_, genres) = s.get("/api/genres", Some(&t)).await;
    let novela = genres["items"][0]["id"].as_u64().unwrap();
    assert_eq!(v["facets"]["genre"], json!([{"id": novela, "name": "Novela", "count": 3}]), "{v}");
    let (_, v) = s.get(&format!("/api/search?q=garcia&kind=books&genre={novela}"), Some(&t)).await;
    assert_eq!(v["hits"].as_array().unwrap().len(), 3, "{v}");
    let (_, v) =
        s.get("/api/search?q=garcia&kind=books&year_from=1960&year_to=1970", Some(&t)).await;
    assert_eq!(v["hits"].as_array().unwrap().len(), 2, "{v}");
    let (_, v) = s.get("/api/search?q=garcia&kind=books&limit=2", Some(&t)).await;
    let next = v["next_cursor"].as_str().unwrap().to_owned();
    let (_, v2) =
        s.get(&format!("/api/search?q=garcia&kind=books&limit=2&cursor={next}"), Some(&t)).await;
    assert_eq!(v2["hits"].as_array().unwrap().len(), 1);
    assert!(v2["next_cursor"].is_null());
}

#[tokio::test]
async fn books_need_a_token_products_and_posts_do_not() {
    let s = TestServer::start().await;
    shop(&s).await;
    let (st, _) = s.get("/api/search?q=garcia&kind=books", None).await;
    assert_eq!(st, StatusCode::UNAUTHORIZED);
    let v = search(&s, "garcia", None).await;
    assert!(v["hits"].as_array().unwrap().iter().all(|h| h["kind"] != "books"), "{v}");
    assert_eq!(titles(&v).len(), 1, "the post: {v}");
    let (st, v) = s.get("/api/search?q=taza&kind=products", None).await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(titles(&v), ["Taza de cerámica"]);
}

#[tokio::test]
async fn writes_are_searchable_within_a_second() {
    let s = TestServer::start().await;
    let t = shop(&s).await;
    let p = created(
        &s,
        "/api/products",
        &t,
        json!({"sku": "LAM-7", "name": "Lámpara de lectura", "price_cents": 9000}),
    )
    .await;
    let path = format!("/api/products/{}", p["id"]);
    within(Duration::from_secs(1), "a new product", || async {
        titles(&search(&s, "lampara", None).await) == ["Lámpara de lectura"]
    })
    .await;
    let (st, _) = s.patch(&path, Some(&t), json!({"name": "Farol de jardín"})).await;
    assert_eq!(st, StatusCode::OK);
    within(Duration::from_secs(1), "a renamed product", || async {
        titles(&search(&s, "farol", None).await) == ["Farol de jardín"]
            && titles(&search(&s, "lampara", None).await).is_empty()
    })
    .await;
    // Soft delete.
    assert_eq!(s.delete(&path, Some(&t)).await.0, StatusCode::OK);
    within(Duration::from_secs(1), "a deleted product", || async {
        titles(&search(&s, "farol", None).await).is_empty()
    })
    .await;
    // A post, then its deletion.
    let post =
        created(&s, "/api/posts", &t, json!({"text": "Mañana hay tertulia de poesía"})).await;
    within(Duration::from_secs(1), "a new post", || async {
        titles(&search(&s, "tertulia", None).await).len() == 1
    })
    .await;
    let (st, _) = s.delete(&format!("/api/posts/{}", post["id"]), Some(&t)).await;
    assert!(st.is_success(), "{st}");
    within(Duration::from_secs(1), "a deleted post", || async {
        titles(&search(&s, "tertulia", None).await).is_empty()
    })
    .await;
}

#[tokio::test]
async fn a_steady_write_load_stays_fresh() {
    let s = TestServer::start().await;
    let t = shop(&s).await;
    for i in 0..30 {
        let sku = format!("LOAD-{i}");
        created(
            &s,
            "/api/products",
            &t,
            json!({"sku": sku, "name": format!("Carga {i}"), "price_cents": 100}),
        )
        .await;
        if i % 10 == 9 {
            within(Duration::from_secs(1), "the latest product under load", || async {
                titles(&search(&s, &sku, None).await) == [format!("Carga {i}")]
            })
            .await;
        }
    }
}

const QUERIES: [&str; 6] =
    ["garcia marques coronel", "soled", "taza", "978-84-376-0494-7", "libros", "novela"];

async fn snapshot(s: &TestServer, t: &str) -> Vec<BTreeSet<(String, u64)>> {
    let mut out = Vec::new();
    for q in QUERIES {
        out.push(keys(&search(s, q, Some(t)).await));
    }
    out
}

#[tokio::test]
async fn reindex_and_a_deleted_index_give_the_same_results() {
    let mut s = TestServer::start().await;
    let t = shop(&s).await;
    // Some history: a deleted product and an edited book genre name.
    let p = created(
        &s,
        "/api/products",
        &t,
        json!({"sku": "X-1", "name": "Borrable", "price_cents": 1}),
    )
    .await;
    s.delete(&format!("/api/products/{}", p["id"]), Some(&t)).await;
    within(Duration::from_secs(2), "the deletion", || async {
        titles(&search(&s, "borrable", None).await).is_empty()
    })
    .await;
    let live = snapshot(&s, &t).await;
    assert!(live.iter().all(|r| !r.is_empty()), "{live:?}");
    let dir = s.dir.clone();
    let _keep = s.take_dir();
    assert!(s.stop().await.success());

    let out = command(&dir).arg("reindex").output().await.unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let mut s = TestServer::start_in(&dir, &[]).await;
    let t = s.login("owner", PASSWORD).await;
    assert_eq!(search(&s, "taza", None).await["ready"], true);
    assert_eq!(snapshot(&s, &t).await, live);
    assert!(s.stop().await.success());

    std::fs::remove_dir_all(dir.join("index")).unwrap();
    let s = TestServer::start_in(&dir, &[]).await;
    within(Duration::from_secs(5), "the rebuilt index", || async {
        search(&s, "taza", None).await["ready"] == json!(true)
    })
    .await;
    assert_eq!(snapshot(&s, &t).await, live);
}

#[tokio::test]
async fn healthz_and_metrics_show_the_indexer_lag() {
    let s = TestServer::start().await;
    let t = shop(&s).await;
    created(&s, "/api/products", &t, json!({"sku": "LAG-1", "name": "Lupa", "price_cents": 700}))
        .await;
    // Caught up: ready, not rebuilding, and holding the newest change.
    within(Duration::from_secs(5), "the indexer caught up", || async {
        let h = s.get("/healthz", None).await.1;
        h["search"]["ready"] == json!(true)
            && h["search"]["rebuilding"] == json!(false)
            && h["search"]["behind"] == json!(0)
            && h["search"]["seq"].as_u64().is_some_and(|n| n > 0)
    })
    .await;
    let metric = |text: &str, name: &str| {
        text.lines().find_map(|l| l.strip_prefix(name)?.strip_prefix(' ')?.parse::<u64>().ok())
    };
    let text = s.client.get(s.url("/metrics")).send().await.unwrap().text().await.unwrap();
    assert_eq!(metric(&text, "barrio_search_ready"), Some(1), "{text}");
    assert_eq!(metric(&text, "barrio_search_rebuilding"), Some(0), "{text}");
    let behind = metric(&text, "barrio_search_behind").expect("barrio_search_behind");
    // Only cursor writes (which touch no document) can have come since.
    let (_, h) = s.get("/healthz", None).await;
    let seq = h["search"]["seq"].as_u64().unwrap();
    let last = metric(&text, "barrio_changelog_last_seq").unwrap();
    assert!(behind <= 3 && seq + 3 >= last, "behind {behind}, seq {seq}, last {last}");
}

/// A shop big enough that the rebuild at start-up flushes many segments (100,000 books and
/// their products): the index is built while the server answers, becomes ready, holds every
/// product, and the indexer goes on following writes afterwards. (A background merge racing
/// the rebuild's own final merge once stopped the indexer for good at this size.)
#[tokio::test]
async fn a_big_shop_is_indexed_at_start_and_the_indexer_keeps_following() {
    let dir = tempfile::tempdir().unwrap();
    let out = command(dir.path()).args(["demo", "--books", "100000"]).output().await.unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let s = TestServer::start_in(dir.path(), &[]).await;
    within(Duration::from_secs(180), "the rebuilt index", || async {
        s.get("/healthz", None).await.1["search"]["ready"] == json!(true)
    })
    .await;
    let t = s.login("staff", barrio::catalog::demo::DEMO_PASSWORD).await;
    let (st, products) = s.get("/api/products?limit=1", Some(&t)).await;
    assert_eq!(st, StatusCode::OK);
    let sku = products["items"][0]["sku"].as_str().unwrap().to_owned();
    let found = search(&s, &sku, None).await;
    assert!(
        keys(&found).contains(&("products".into(), products["items"][0]["id"].as_u64().unwrap()))
    );
    let log = std::fs::read_to_string(dir.path().join("server.log")).unwrap_or_default();
    assert!(!log.contains("the search indexer stopped"), "{log}");
    created(
        &s,
        "/api/products",
        &t,
        json!({"sku": "BIG-1", "name": "Marcapáginas gigante", "price_cents": 100}),
    )
    .await;
    within(Duration::from_secs(3), "a product created after the rebuild", || async {
        titles(&search(&s, "marcapaginas gigante", None).await)
            .contains(&"Marcapáginas gigante".to_owned())
    })
    .await;
}
