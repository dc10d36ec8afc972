//! The catalog: genres, books, inventory and products over HTTP, with their filters, sorts,
//! pages, soft delete, price history, covers, views, the role matrix and the demo shop.

use std::collections::HashSet;

use barrio::auth::Role;
use barrio::catalog::rules::{CATALOG_RULES, CatalogAction, may};
use futures::future::join_all;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{TestServer, assert_error, command};

/// A valid ISBN-13 made from a small number.
fn isbn(n: u64) -> String {
    let body = format!("978{n:09}");
    let sum: u32 = body
        .chars()
        .enumerate()
        .map(|(i, c)| c.to_digit(10).unwrap() * if i % 2 == 0 { 1 } else { 3 })
        .sum();
    format!("{body}{}", (10 - sum % 10) % 10)
}

/// Every item of a list, page by page with `limit`; checks that no page repeats an item.
async fn all(s: &TestServer, path: &str, token: Option<&str>, limit: u32) -> Vec<Value> {
    let sep = if path.contains('?') { '&' } else { '?' };
    let mut items: Vec<Value> = Vec::new();
    let mut cursor: Option<String> = None;
    for _ in 0..10_000 {
        let url = match &cursor {
            Some(c) => format!("{path}{sep}limit={limit}&cursor={c}"),
            None => format!("{path}{sep}limit={limit}"),
        };
        let (st, page) = s.get(&url, token).await;
        assert_eq!(st, StatusCode::OK, "{url}: {page}");
        let got = page["items"].as_array().unwrap();
        assert!(got.len() <= limit as usize);
        items.extend(got.iter().cloned());
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
    }
    let ids: HashSet<u64> = items.iter().map(|i| i["id"].as_u64().unwrap()).collect();
    assert_eq!(ids.len(), items.len(), "{path}: pages repeat items");
    items
}

fn titles(items: &[Value]) -> Vec<&str> {
    items.iter().map(|b| b["title"].as_str().unwrap()).collect()
}

async fn created(got: (StatusCode, Value)) -> Value {
    assert_eq!(got.0, StatusCode::CREATED, "{}", got.1);
    got.1
}

async fn genre(s: &TestServer, token: &str, name: &str) -> u64 {
    created(s.post("/api/genres", Some(token), json!({"name": name})).await).await["id"]
        .as_u64()
        .unwrap()
}

#[tokio::test]
async fn genres_are_unique_regardless_of_case_and_accents() {
    let s = TestServer::start().await;
    let (_, owner) = s.owner().await;
    let (_, staff) = s.staff(&owner, "empleada", "admin").await;
    let (_, member) = s.member("lector").await;
    let g = created(
        s.post(
            "/api/genres",
            Some(&staff),
            json!({"name": "Ciencia Ficción", "description": "Futuros"}),
        )
        .await,
    )
    .await;
    let id = g["id"].as_u64().unwrap();
    assert_eq!(g["name"], "Ciencia Ficción");
    for dup in ["ciencia ficcion", "  CIENCIA  FICCIÓN "] {
        assert_error(
            &s.post("/api/genres", Some(&staff), json!({"name": dup})).await,
            StatusCode::CONFLICT,
            Some("name"),
        );
    }
    let (st, got) = s.get(&format!("/api/genres/{id}"), Some(&member)).await;
    assert_eq!((st, &got["description"]), (StatusCode::OK, &json!("Futuros")));

    let other = genre(&s, &staff, "Poesía").await;
    assert_error(
        &s.patch(&format!("/api/genres/{other}"), Some(&staff), json!({"name": "CIENCIA ficción"}))
            .await,
        StatusCode::CONFLICT,
        Some("name"),
    );
    let (st, got) = s
        .patch(
            &format!("/api/genres/{id}"),
            Some(&staff),
            json!({"name": "Sci-fi", "description": null}),
        )
        .await;
    assert_eq!(
        (st, &got["name"], &got["description"]),
        (StatusCode::OK, &json!("Sci-fi"), &Value::Null)
    );
    // The old name is free again.
    genre(&s, &staff, "ciencia ficción").await;

    for i in 0..9 {
        genre(&s, &staff, &format!("Género {i}")).await;
    }
    let listed = all(&s, "/api/genres", Some(&member), 4).await;
    assert_eq!(listed.len(), 12);
    assert!(listed.windows(2).all(|w| w[0]["id"].as_u64() < w[1]["id"].as_u64()));

    // A genre with books cannot go; an empty one can.
    let book = created(
        s.post(
            "/api/books",
            Some(&staff),
            json!({"title": "Solaris", "authors": ["Stanisław Lem"], "isbn": isbn(1), "genre_ids": [id]}),
        )
        .await,
    )
    .await;
    assert_error(
        &s.delete(&format!("/api/genres/{id}"), Some(&staff)).await,
        StatusCode::CONFLICT,
        None,
    );
    let path = format!("/api/books/{}", book["id"]);
    assert_eq!(s.patch(&path, Some(&staff), json!({"genre_ids": []})).await.0, StatusCode::OK);
    assert_eq!(
        s.delete(&format!("/api/genres/{id}"), Some(&staff)).await.0,
        StatusCode::NO_CONTENT
    );
    assert_error(
        &s.get(&format!("/api/genres/{id}"), Some(&member)).await,
        StatusCode::NOT_FOUND,
        None,
    );
    assert_error(
        &s.delete(&format!("/api/genres/{id}"), Some(&staff)).await,
        StatusCode::NOT_FOUND,
        None,
    );
}

/// (title, author, year, language, genre ids)
type BookRow = (&'static str, &'static str, Option<i32>, &'static str, Vec<u64>);

#[tokio::test]
async fn books_filter_sort_page_and_link_genres_both_ways() {
    let s = TestServer::start().await;
    let (_, owner) = s.owner().await;
    let (_, member) = s.member("lectora").await;
    let t = Some(owner.as_str());
    let novela = genre(&s, &owner, "Novela").await;
    let poesia = genre(&s, &owner, "Poesía").await;
    let ensayo = genre(&s, &owner, "Ensayo").await;
    let data: [BookRow; 12] = [
        ("Cien años de soledad", "Gabriel García Márquez", Some(1967), "es", vec![novela]),
        ("Rayuela", "Julio Cortázar", Some(1963), "es", vec![novela]),
        ("Ficciones", "Jorge Luis Borges", Some(1944), "es", vec![novela, ensayo]),
        ("El Aleph", "Jorge Luis Borges", Some(1949), "es", vec![novela]),
        ("Otras inquisiciones", "Jorge Luis Borges", Some(1952), "es", vec![ensayo]),
        ("Ariel", "Sylvia Plath", Some(1965), "en", vec![poesia]),
        ("The Waste Land", "T. S. Eliot", Some(1922), "en", vec![poesia]),
        ("Árbol de Diana", "Alejandra Pizarnik", Some(1962), "es", vec![poesia]),
        (
            "Crónica de una muerte anunciada",
            "Gabriel García Márquez",
            Some(1981),
            "es",
            vec![novela],
        ),
        ("A Room of One's Own", "Virginia Woolf", Some(1929), "en", vec![ensayo]),
        ("Mrs Dalloway", "Virginia Woolf", Some(1925), "en", vec![novela]),
        ("Sin año", "Anónimo", None, "es", vec![]),
    ];
    let mut ids = std::collections::HashMap::new();
    for (i, (title, author, year, lang, genres)) in data.iter().enumerate() {
        let b = created(
            s.post(
                "/api/books",
                t,
                json!({"title": title, "authors": [author], "isbn": isbn(100 + i as u64),
                       "year": year, "language": lang, "genre_ids": genres,
                       "description": format!("Sobre {title}")}),
            )
            .await,
        )
        .await;
        assert_eq!(b["isbn"], isbn(100 + i as u64));
        ids.insert(*title, b["id"].as_u64().unwrap());
    }
    let m = Some(member.as_str());
    let by_title = [
        "A Room of One's Own",
        "Árbol de Diana",
        "Ariel",
        "Cien años de soledad",
        "Crónica de una muerte anunciada",
        "El Aleph",
        "Ficciones",
        "Mrs Dalloway",
        "Otras inquisiciones",
        "Rayuela",
        "Sin año",
        "The Waste Land",
    ];
    let by_year = [
        "The Waste Land",
        "Mrs Dalloway",
        "A Room of One's Own",
        "Ficciones",
        "El Aleph",
        "Otras inquisiciones",
        "Árbol de Diana",
        "Rayuela",
        "Ariel",
        "Cien años de soledad",
        "Crónica de una muerte anunciada",
        "Sin año",
    ];
    let newest: Vec<&str> = data.iter().rev().map(|d| d.0).collect();
    // Every sort, paged in small pages to the end, equals the whole list in one page.
    for (query, expected) in [
        ("/api/books", &by_title[..]),
        ("/api/books?sort=title", &by_title[..]),
        ("/api/books?sort=year", &by_year[..]),
        ("/api/books?sort=newest", &newest[..]),
    ] {
        for limit in [1, 5, 200] {
            assert_eq!(titles(&all(&s, query, m, limit).await), expected, "{query} limit {limit}");
        }
    }
    // Filters, alone and together, under each sort.
    let cases: Vec<(String, Vec<&str>)> = vec![
        (
            format!("/api/books?genre={novela}"),
            vec![
                "Cien años de soledad",
                "Crónica de una muerte anunciada",
                "El Aleph",
                "Ficciones",
                "Mrs Dalloway",
                "Rayuela",
            ],
        ),
        (
            format!("/api/books?genre={novela}&sort=year"),
            vec![
                "Mrs Dalloway",
                "Ficciones",
                "El Aleph",
                "Rayuela",
                "Cien años de soledad",
                "Crónica de una muerte anunciada",
            ],
        ),
        (
            format!("/api/books?genre={ensayo}&sort=newest"),
            vec!["A Room of One's Own", "Otras inquisiciones", "Ficciones"],
        ),
        ("/api/books?author=borges".into(), vec!["El Aleph", "Ficciones", "Otras inquisiciones"]),
        (
            "/api/books?author=garcia%20MARQUEZ".into(),
            vec!["Cien años de soledad", "Crónica de una muerte anunciada"],
        ),
        (
            "/api/books?year_from=1940&year_to=1965".into(),
            vec![
                "Árbol de Diana",
                "Ariel",
                "El Aleph",
                "Ficciones",
                "Otras inquisiciones",
                "Rayuela",
            ],
        ),
        (
            "/api/books?year_from=1940&year_to=1965&sort=year".into(),
            vec![
                "Ficciones",
                "El Aleph",
                "Otras inquisiciones",
                "Árbol de Diana",
                "Rayuela",
                "Ariel",
            ],
        ),
        (
            "/api/books?year_from=1966&sort=year".into(),
            vec!["Cien años de soledad", "Crónica de una muerte anunciada"],
        ),
        ("/api/books?year_to=1925&sort=newest".into(), vec!["Mrs Dalloway", "The Waste Land"]),
        (
            "/api/books?language=EN".into(),
            vec!["A Room of One's Own", "Ariel", "Mrs Dalloway", "The Waste Land"],
        ),
        (
            format!("/api/books?genre={novela}&author=borges&sort=year"),
            vec!["Ficciones", "El Aleph"],
        ),
        ("/api/books?author=nadie".into(), vec![]),
        ("/api/books?author=orges".into(), vec![]),
        (
            "/api/books?author=Luis%20JORGE&sort=year".into(),
            vec!["Ficciones", "El Aleph", "Otras inquisiciones"],
        ),
        (
            "/api/books?author=garc%20m%C3%A1r&sort=newest".into(),
            vec!["Crónica de una muerte anunciada", "Cien años de soledad"],
        ),
        (format!("/api/books?author=borges&genre={ensayo}&year_to=1950"), vec!["Ficciones"]),
        (
            "/api/books?author=w&language=en&sort=year".into(),
            vec!["Mrs Dalloway", "A Room of One's Own"],
        ),
    ];
    for (query, expected) in &cases {
        assert_eq!(&titles(&all(&s, query, m, 2).await), expected, "{query}");
    }

    // In stock: the sum of the book's inventory lines.
    let line = |book: &str, quantity: u32| json!({"kind": "book", "book_id": ids[book], "quantity": quantity, "shelf": "A-1"});
    let rayuela_line = created(s.post("/api/inventory", t, line("Rayuela", 2)).await).await;
    created(s.post("/api/inventory", t, line("Rayuela", 1)).await).await;
    created(s.post("/api/inventory", t, line("Ficciones", 0)).await).await;
    created(s.post("/api/inventory", t, line("Ariel", 1)).await).await;
    assert_eq!(titles(&all(&s, "/api/books?in_stock=true", m, 2).await), ["Ariel", "Rayuela"]);
    assert_eq!(all(&s, "/api/books?in_stock=false", m, 3).await.len(), 10);
    let (_, rayuela) = s.get(&format!("/api/books/{}", ids["Rayuela"]), m).await;
    assert_eq!(rayuela["stock"], 3);
    let item_path = format!("/api/inventory/{}", rayuela_line["id"]);
    assert_eq!(s.patch(&item_path, t, json!({"quantity": 5})).await.0, StatusCode::OK);
    let (_, rayuela) = s.get(&format!("/api/books/{}", ids["Rayuela"]), m).await;
    assert_eq!(rayuela["stock"], 6);

    // Many-to-many, both ways: the book lists its genres, each genre lists its books.
    let ficciones = format!("/api/books/{}", ids["Ficciones"]);
    let (_, b) = s.get(&ficciones, m).await;
    assert_eq!(b["genre_ids"], json!([novela, ensayo]));
    let in_genre = |g: u64| format!("/api/genres/{g}/books");
    assert_eq!(
        titles(&all(&s, &in_genre(ensayo), m, 2).await),
        ["A Room of One's Own", "Ficciones", "Otras inquisiciones"]
    );
    assert_eq!(
        titles(&all(&s, &format!("{}?sort=year", in_genre(poesia)), m, 2).await),
        ["The Waste Land", "Árbol de Diana", "Ariel"]
    );
    let (st, b) = s.patch(&ficciones, t, json!({"genre_ids": [poesia, poesia]})).await;
    assert_eq!((st, &b["genre_ids"]), (StatusCode::OK, &json!([poesia])));
    assert!(!titles(&all(&s, &in_genre(novela), m, 50).await).contains(&"Ficciones"));
    assert!(!titles(&all(&s, &in_genre(ensayo), m, 50).await).contains(&"Ficciones"));
    assert!(titles(&all(&s, &in_genre(poesia), m, 50).await).contains(&"Ficciones"));
    assert_error(&s.get("/api/genres/999/books", m).await, StatusCode::NOT_FOUND, None);

    // Editing moves the book in the sorts; ISBN-10 input is kept as ISBN-13.
    let (st, b) = s
        .patch(&ficciones, t, json!({"title": "Zzz Ficciones", "year": null, "isbn": "0-306-40615-2", "authors": ["J. L. Borges", "Bioy"]}))
        .await;
    assert_eq!(st, StatusCode::OK, "{b}");
    assert_eq!(
        (&b["isbn"], &b["year"], &b["authors"][1]),
        (&json!("9780306406157"), &Value::Null, &json!("Bioy"))
    );
    let sorted = all(&s, "/api/books", m, 200).await;
    assert_eq!(titles(&sorted).last(), Some(&"Zzz Ficciones"));
    assert_eq!(
        titles(&all(&s, "/api/books?sort=year", m, 4).await)[10..],
        ["Zzz Ficciones", "Sin año"]
    );

    // A book that inventory refers to cannot be deleted, and the answer says why.
    let rayuela_path = format!("/api/books/{}", ids["Rayuela"]);
    let got = s.delete(&rayuela_path, t).await;
    assert_error(&got, StatusCode::CONFLICT, None);
    assert!(got.1["error"]["message"].as_str().unwrap().contains("inventory"), "{}", got.1);
    for item in all(&s, &format!("/api/inventory?book_id={}", ids["Rayuela"]), t, 1).await {
        assert_eq!(
            s.delete(&format!("/api/inventory/{}", item["id"]), t).await.0,
            StatusCode::NO_CONTENT
        );
    }
    assert_eq!(s.delete(&rayuela_path, t).await.0, StatusCode::NO_CONTENT);
    assert_error(&s.get(&rayuela_path, m).await, StatusCode::NOT_FOUND, None);
    assert!(!titles(&all(&s, &in_genre(novela), m, 50).await).contains(&"Rayuela"));
    assert_eq!(all(&s, "/api/books?sort=year", m, 3).await.len(), 11);
}

#[tokio::test]
async fn inventory_lines_of_each_kind() {
    let s = TestServer::start().await;
    let (_, owner) = s.owner().await;
    let (_, member) = s.member("socio").await;
    let (t, m) = (Some(owner.as_str()), Some(member.as_str()));
    let book = created(
        s.post(
            "/api/books",
            t,
            json!({"title": "Rayuela", "authors": ["Julio Cortázar"], "isbn": isbn(7)}),
        )
        .await,
    )
    .await["id"]
        .as_u64()
        .unwrap();
    let copy = created(
        s.post("/api/inventory", t, json!({"kind": "book", "book_id": book, "condition": "like_new", "quantity": 2, "rentable": true}))
            .await,
    )
    .await;
    assert_eq!(
        (&copy["condition"], &copy["quantity"], &copy["rentable"]),
        (&json!("like_new"), &json!(2), &json!(true))
    );
    let film = created(
        s.post("/api/inventory", t, json!({"kind": "film", "title": "Nueve reinas", "director": "Fabián Bielinsky", "year": 2000, "format": "DVD", "shelf": "P-3"}))
            .await,
    )
    .await;
    assert_eq!(
        (&film["format"], &film["quantity"], &film["condition"]),
        (&json!("DVD"), &json!(1), &json!("good"))
    );
    let vhs = created(
        s.post(
            "/api/inventory",
            t,
            json!({"kind": "film", "title": "Camila", "format": "VHS", "rentable": true}),
        )
        .await,
    )
    .await;
    let other = created(
        s.post("/api/inventory", t, json!({"kind": "other", "title": "Señalador", "quantity": 40}))
            .await,
    )
    .await;

    // Fields that do not go with the kind are refused, naming the field.
    for (body, field) in [
        (json!({"kind": "book"}), "book_id"),
        (json!({"kind": "book", "book_id": 999}), "book_id"),
        (json!({"kind": "book", "book_id": book, "format": "DVD"}), "format"),
        (json!({"kind": "film", "title": "Sur"}), "format"),
        (json!({"kind": "film", "format": "Blu-ray"}), "title"),
        (json!({"kind": "film", "title": "Sur", "format": "Betamax"}), "format"),
        (json!({"kind": "other", "title": "Taza", "book_id": book}), "book_id"),
        (json!({"kind": "other"}), "title"),
        (json!({"kind": "book", "book_id": book, "quantity": -1}), "quantity"),
        (json!({"kind": "vinyl", "title": "x"}), "kind"),
    ] {
        assert_error(
            &s.post("/api/inventory", t, body.clone()).await,
            StatusCode::BAD_REQUEST,
            Some(field),
        );
    }

    let (_, got) = s.get(&format!("/api/inventory/{}", film["id"]), m).await;
    assert_eq!(got["director"], "Fabián Bielinsky");
    assert_eq!(all(&s, "/api/inventory", m, 3).await.len(), 4);
    assert_eq!(
        titles(&all(&s, "/api/inventory?kind=film", m, 1).await),
        ["Nueve reinas", "Camila"]
    );
    assert_eq!(titles(&all(&s, "/api/inventory?kind=film&rentable=true", m, 1).await), ["Camila"]);
    assert_eq!(all(&s, &format!("/api/inventory?book_id={book}"), m, 1).await[0]["id"], copy["id"]);
    assert_eq!(all(&s, "/api/inventory?rentable=true", m, 1).await.len(), 2);

    // Editing: a film becomes Blu-ray; a film cannot lose its format; a book line's copies
    // count in the book's stock.
    let vhs_path = format!("/api/inventory/{}", vhs["id"]);
    let (st, got) = s.patch(&vhs_path, t, json!({"format": "Blu-ray", "shelf": null})).await;
    assert_eq!(
        (st, &got["format"], &got["shelf"]),
        (StatusCode::OK, &json!("Blu-ray"), &Value::Null)
    );
    assert_error(
        &s.patch(&vhs_path, t, json!({"format": null})).await,
        StatusCode::BAD_REQUEST,
        Some("format"),
    );
    assert_error(
        &s.patch(&vhs_path, t, json!({"kind": "book"})).await,
        StatusCode::BAD_REQUEST,
        Some("book_id"),
    );
    let copy_path = format!("/api/inventory/{}", copy["id"]);
    s.patch(&copy_path, t, json!({"quantity": 7})).await;
    assert_eq!(s.get(&format!("/api/books/{book}"), m).await.1["stock"], 7);

    // A line that a product sells cannot go until the product does.
    let product = created(
        s.post("/api/products", t, json!({"sku": "SEN-1", "name": "Señalador", "price_cents": 150000, "inventory_item_id": other["id"]}))
            .await,
    )
    .await;
    let other_path = format!("/api/inventory/{}", other["id"]);
    assert_error(&s.delete(&other_path, t).await, StatusCode::CONFLICT, None);
    assert_eq!(s.delete(&format!("/api/products/{}", product["id"]), t).await.0, StatusCode::OK);
    assert_eq!(s.delete(&other_path, t).await.0, StatusCode::NO_CONTENT);
    assert_eq!(s.delete(&copy_path, t).await.0, StatusCode::NO_CONTENT);
    assert_eq!(s.get(&format!("/api/books/{book}"), m).await.1["stock"], 0);
    assert_error(&s.get(&copy_path, m).await, StatusCode::NOT_FOUND, None);
    assert_eq!(s.delete(&format!("/api/books/{book}"), t).await.0, StatusCode::NO_CONTENT);
}

#[tokio::test]
async fn products_soft_delete_frees_the_sku_and_both_keep_their_price_history() {
    let s = TestServer::start().await;
    let (owner_id, owner) = s.owner().await;
    let (staff_id, staff) = s.staff(&owner, "cajera", "admin").await;
    let (_, member) = s.member("cliente").await;
    let (t, m) = (Some(staff.as_str()), Some(member.as_str()));

    let p1 = created(s.post("/api/products", t, json!({"sku": "CAFE-1", "name": "Café de especialidad", "price_cents": 1000, "stock": 5})).await).await;
    assert_eq!(
        (&p1["currency"], &p1["created_by"], &p1["updated_by"]),
        (&json!("ARS"), &json!(staff_id), &json!(staff_id))
    );
    assert!(p1["deleted_at"].is_null() && p1["created_at"].is_string());
    let p1_path = format!("/api/products/{}", p1["id"]);
    let (st, got) =
        s.patch(&p1_path, Some(&owner), json!({"price_cents": 1200, "name": "Café"})).await;
    assert_eq!(
        (st, &got["price_cents"], &got["updated_by"], &got["created_by"]),
        (StatusCode::OK, &json!(1200), &json!(owner_id), &json!(staff_id))
    );
    // A change that leaves the price alone is not a price change.
    s.patch(&p1_path, t, json!({"price_cents": 1200, "stock": 4})).await;
    // Anyone can read it.
    assert_eq!(s.get(&p1_path, None).await.1["name"], "Café");

    let (st, deleted) = s.delete(&p1_path, t).await;
    assert_eq!(st, StatusCode::OK, "{deleted}");
    let sku = deleted["sku"].as_str().unwrap();
    let secs: i64 = sku.strip_prefix("CAFE-1_deleted_").expect(sku).parse().unwrap();
    assert!(
        (secs
            - std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs()
                as i64)
            .abs()
            < 60
    );
    assert!(deleted["deleted_at"].is_string());

    // Gone for everyone, except the staff who ask for it.
    assert_error(&s.get(&p1_path, None).await, StatusCode::NOT_FOUND, None);
    assert_error(&s.get(&p1_path, m).await, StatusCode::NOT_FOUND, None);
    assert_error(&s.get(&p1_path, t).await, StatusCode::NOT_FOUND, None);
    assert_eq!(s.get(&format!("{p1_path}?include_deleted=true"), t).await.1["sku"], sku);
    assert_error(
        &s.get(&format!("{p1_path}?include_deleted=true"), m).await,
        StatusCode::FORBIDDEN,
        None,
    );
    assert_error(
        &s.get(&format!("{p1_path}?include_deleted=true"), None).await,
        StatusCode::UNAUTHORIZED,
        None,
    );
    assert_error(
        &s.patch(&p1_path, t, json!({"price_cents": 1})).await,
        StatusCode::NOT_FOUND,
        None,
    );
    assert_error(&s.delete(&p1_path, t).await, StatusCode::NOT_FOUND, None);

    // The SKU is free again (regardless of case).
    let p2 = created(
        s.post(
            "/api/products",
            t,
            json!({"sku": "cafe-1", "name": "Café nuevo", "price_cents": 500, "currency": "usd"}),
        )
        .await,
    )
    .await;
    assert_eq!(p2["currency"], "USD");
    let p2_path = format!("/api/products/{}", p2["id"]);
    s.patch(&p2_path, t, json!({"price_cents": 700})).await;
    s.patch(&p2_path, t, json!({"price_cents": 650})).await;
    assert_error(
        &s.post("/api/products", t, json!({"sku": "CAFE-1", "name": "x", "price_cents": 1})).await,
        StatusCode::CONFLICT,
        Some("sku"),
    );

    let history = |path: &str| format!("{path}/prices");
    let h1 = all(&s, &history(&p1_path), t, 1).await;
    assert_eq!(h1.len(), 1);
    assert_eq!(
        (&h1[0]["old_cents"], &h1[0]["new_cents"], &h1[0]["by"]),
        (&json!(1000), &json!(1200), &json!(owner_id))
    );
    assert!(h1[0]["at"].is_string());
    let h2: Vec<(i64, i64)> = all(&s, &history(&p2_path), t, 1)
        .await
        .iter()
        .map(|c| (c["old_cents"].as_i64().unwrap(), c["new_cents"].as_i64().unwrap()))
        .collect();
    assert_eq!(h2, [(500, 700), (700, 650)]);
    assert_error(&s.get(&history(&p2_path), m).await, StatusCode::FORBIDDEN, None);

    // Lists: the deleted one only for the staff who ask.
    for i in 0..7 {
        created(s.post("/api/products", t, json!({"sku": format!("LIB-{i}"), "name": format!("Libro {i}"), "price_cents": 100 * i})).await).await;
    }
    let public = all(&s, "/api/products", None, 3).await;
    assert_eq!(public.len(), 8);
    assert!(public.iter().all(|p| p["deleted_at"].is_null()));
    assert!(public.windows(2).all(|w| w[0]["id"].as_u64() < w[1]["id"].as_u64()));
    let with_deleted = all(&s, "/api/products?include_deleted=true", t, 3).await;
    assert_eq!(with_deleted.len(), 9);
    assert_eq!(with_deleted[0]["sku"], sku);
    assert_error(
        &s.get("/api/products?include_deleted=true", m).await,
        StatusCode::FORBIDDEN,
        None,
    );

    // Renaming onto a taken SKU is a conflict; audit fields are the server's.
    assert_error(
        &s.patch(&p2_path, t, json!({"sku": "lib-3"})).await,
        StatusCode::CONFLICT,
        Some("sku"),
    );
    assert_error(
        &s.patch(&p2_path, t, json!({"created_by": 1})).await,
        StatusCode::BAD_REQUEST,
        Some("created_by"),
    );
    assert_error(
        &s.post(
            "/api/products",
            t,
            json!({"sku": "X", "name": "x", "price_cents": 1, "deleted_at": null}),
        )
        .await,
        StatusCode::BAD_REQUEST,
        Some("deleted_at"),
    );
}

#[tokio::test]
async fn fifty_racing_creates_of_one_sku_or_one_isbn_make_one_each() {
    let s = TestServer::start().await;
    let (_, owner) = s.owner().await;
    let t = Some(owner.as_str());
    let skus = join_all((0..50).map(|i| {
        s.post("/api/products", t, json!({"sku": if i % 2 == 0 { "GEMELO" } else { "gemelo" }, "name": format!("p{i}"), "price_cents": 100}))
    }));
    // The same ISBN written both ways.
    let isbns = join_all((0..50).map(|i| {
        let isbn = if i % 2 == 0 { "978-0-306-40615-7" } else { "0306406152" };
        s.post("/api/books", t, json!({"title": format!("b{i}"), "authors": ["A"], "isbn": isbn}))
    }));
    let (skus, isbns) = tokio::join!(skus, isbns);
    for (results, field) in [(skus, "sku"), (isbns, "isbn")] {
        let created = results.iter().filter(|r| r.0 == StatusCode::CREATED).count();
        let conflicts = results
            .iter()
            .filter(|r| r.0 == StatusCode::CONFLICT && r.1["error"]["field"] == field)
            .count();
        assert_eq!((created, conflicts), (1, 49), "{field}: {results:?}");
    }
    assert_eq!(all(&s, "/api/products", None, 200).await.len(), 1);
    assert_eq!(all(&s, "/api/books", t, 200).await.len(), 1);
}

/// One operation of this issue per variant; the role matrix runs each for every role.
#[derive(Debug, Clone, Copy)]
enum Op {
    ListGenres,
    CreateGenre,
    GetGenre,
    PatchGenre,
    DeleteGenre,
    GenreBooks,
    ListBooks,
    CreateBook,
    GetBook,
    PatchBook,
    DeleteBook,
    PutCover,
    GetCover,
    ListItems,
    CreateItem,
    GetItem,
    PatchItem,
    DeleteItem,
    ListProducts,
    ListDeletedProducts,
    CreateProduct,
    GetProduct,
    GetDeletedProduct,
    PatchProduct,
    DeleteProduct,
    PriceHistory,
    ProductViews,
}

/// Every endpoint of the catalog and the rule that governs it.
const ENDPOINTS: &[(Op, CatalogAction)] = {
    use CatalogAction::*;
    &[
        (Op::ListGenres, ReadCatalog),
        (Op::CreateGenre, WriteCatalog),
        (Op::GetGenre, ReadCatalog),
        (Op::PatchGenre, WriteCatalog),
        (Op::DeleteGenre, WriteCatalog),
        (Op::GenreBooks, ReadCatalog),
        (Op::ListBooks, ReadCatalog),
        (Op::CreateBook, WriteCatalog),
        (Op::GetBook, ReadCatalog),
        (Op::PatchBook, WriteCatalog),
        (Op::DeleteBook, WriteCatalog),
        (Op::PutCover, WriteCatalog),
        (Op::GetCover, ReadCatalog),
        (Op::ListItems, ReadCatalog),
        (Op::CreateItem, WriteCatalog),
        (Op::GetItem, ReadCatalog),
        (Op::PatchItem, WriteCatalog),
        (Op::DeleteItem, WriteCatalog),
        (Op::ListProducts, ReadProducts),
        (Op::ListDeletedProducts, ReadDeletedProducts),
        (Op::CreateProduct, WriteProducts),
        (Op::GetProduct, ReadProducts),
        (Op::GetDeletedProduct, ReadDeletedProducts),
        (Op::PatchProduct, WriteProducts),
        (Op::DeleteProduct, WriteProducts),
        (Op::PriceHistory, ReadPriceHistory),
        (Op::ProductViews, ReadViews),
    ]
};

const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR not really an image, but it starts like one";

/// Things for one operation to act on, made by the owner.
struct Fixture {
    genre: u64,
    empty_genre: u64,
    book: u64,
    lone_book: u64,
    item: u64,
    lone_item: u64,
    product: u64,
    deleted_product: u64,
}

async fn fixture(s: &TestServer, owner: &str, n: u64) -> Fixture {
    let t = Some(owner);
    let id = |v: Value| v["id"].as_u64().unwrap();
    let genre = genre(s, owner, &format!("Género {n}")).await;
    let empty_genre = self::genre(s, owner, &format!("Vacío {n}")).await;
    let book = id(created(s.post("/api/books", t, json!({"title": format!("Libro {n}"), "authors": ["A"], "isbn": isbn(1000 + 2 * n), "genre_ids": [genre]})).await).await);
    let lone_book = id(created(
        s.post(
            "/api/books",
            t,
            json!({"title": format!("Suelto {n}"), "authors": ["B"], "isbn": isbn(1001 + 2 * n)}),
        )
        .await,
    )
    .await);
    let cover = s
        .client
        .put(s.url(&format!("/api/books/{book}/cover")))
        .bearer_auth(owner)
        .body(PNG)
        .send()
        .await
        .unwrap();
    assert_eq!(cover.status(), StatusCode::OK);
    let item =
        id(created(s.post("/api/inventory", t, json!({"kind": "book", "book_id": book})).await)
            .await);
    let lone_item =
        id(created(s.post("/api/inventory", t, json!({"kind": "other", "title": "Taza"})).await)
            .await);
    let product = id(created(s.post("/api/products", t, json!({"sku": format!("P-{n}"), "name": "p", "price_cents": 100, "inventory_item_id": item})).await).await);
    let deleted_product = id(created(
        s.post(
            "/api/products",
            t,
            json!({"sku": format!("D-{n}"), "name": "d", "price_cents": 100}),
        )
        .await,
    )
    .await);
    assert_eq!(s.delete(&format!("/api/products/{deleted_product}"), t).await.0, StatusCode::OK);
    Fixture { genre, empty_genre, book, lone_book, item, lone_item, product, deleted_product }
}

async fn perform(
    s: &TestServer,
    op: Op,
    token: Option<&str>,
    f: &Fixture,
    n: u64,
) -> (StatusCode, Value) {
    match op {
        Op::ListGenres => s.get("/api/genres", token).await,
        Op::CreateGenre => {
            s.post("/api/genres", token, json!({"name": format!("Nuevo {n}")})).await
        }
        Op::GetGenre => s.get(&format!("/api/genres/{}", f.genre), token).await,
        Op::PatchGenre => {
            s.patch(&format!("/api/genres/{}", f.genre), token, json!({"description": "d"})).await
        }
        Op::DeleteGenre => s.delete(&format!("/api/genres/{}", f.empty_genre), token).await,
        Op::GenreBooks => s.get(&format!("/api/genres/{}/books", f.genre), token).await,
        Op::ListBooks => s.get("/api/books?sort=year", token).await,
        Op::CreateBook => {
            s.post(
                "/api/books",
                token,
                json!({"title": "Nuevo", "authors": ["C"], "isbn": isbn(500_000 + n)}),
            )
            .await
        }
        Op::GetBook => s.get(&format!("/api/books/{}", f.book), token).await,
        Op::PatchBook => {
            s.patch(&format!("/api/books/{}", f.book), token, json!({"year": 2001})).await
        }
        Op::DeleteBook => s.delete(&format!("/api/books/{}", f.lone_book), token).await,
        Op::PutCover => {
            let mut req = s.client.put(s.url(&format!("/api/books/{}/cover", f.book))).body(PNG);
            if let Some(t) = token {
                req = req.bearer_auth(t);
            }
            let res = req.send().await.unwrap();
            (res.status(), res.json().await.unwrap_or(Value::Null))
        }
        Op::GetCover => {
            let mut req = s.client.get(s.url(&format!("/api/books/{}/cover", f.book)));
            if let Some(t) = token {
                req = req.bearer_auth(t);
            }
            let res = req.send().await.unwrap();
            let st = res.status();
            let body = res.bytes().await.unwrap();
            (st, serde_json::from_slice(&body).unwrap_or(Value::Null))
        }
        Op::ListItems => s.get("/api/inventory", token).await,
        Op::CreateItem => {
            s.post("/api/inventory", token, json!({"kind": "other", "title": "Lámpara"})).await
        }
        Op::GetItem => s.get(&format!("/api/inventory/{}", f.item), token).await,
        Op::PatchItem => {
            s.patch(&format!("/api/inventory/{}", f.item), token, json!({"quantity": 3})).await
        }
        Op::DeleteItem => s.delete(&format!("/api/inventory/{}", f.lone_item), token).await,
        Op::ListProducts => s.get("/api/products", token).await,
        Op::ListDeletedProducts => s.get("/api/products?include_deleted=true", token).await,
        Op::CreateProduct => {
            s.post(
                "/api/products",
                token,
                json!({"sku": format!("N-{n}"), "name": "n", "price_cents": 1}),
            )
            .await
        }
        Op::GetProduct => s.get(&format!("/api/products/{}", f.product), token).await,
        Op::GetDeletedProduct => {
            s.get(&format!("/api/products/{}?include_deleted=true", f.deleted_product), token).await
        }
        Op::PatchProduct => {
            s.patch(&format!("/api/products/{}", f.product), token, json!({"price_cents": 250}))
                .await
        }
        Op::DeleteProduct => s.delete(&format!("/api/products/{}", f.product), token).await,
        Op::PriceHistory => s.get(&format!("/api/products/{}/prices", f.product), token).await,
        Op::ProductViews => s.get(&format!("/api/products/{}/views", f.product), token).await,
    }
}

#[tokio::test]
async fn every_role_against_every_catalog_endpoint() {
    let s = TestServer::start().await;
    let (_, owner) = s.owner().await;
    let (_, admin) = s.staff(&owner, "admin1", "admin").await;
    let (_, super2) = s.staff(&owner, "super2", "super_admin").await;
    let (_, user) = s.member("user1").await;
    let roles = [
        (None, None),
        (Some(Role::User), Some(user)),
        (Some(Role::Admin), Some(admin)),
        (Some(Role::SuperAdmin), Some(super2)),
    ];
    // The test's table covers every rule of the server's table.
    for (action, _) in CATALOG_RULES {
        assert!(ENDPOINTS.iter().any(|(_, a)| a == action), "no endpoint exercises {action:?}");
    }
    let mut n = 0;
    for &(op, action) in ENDPOINTS {
        for (role, token) in &roles {
            n += 1;
            let f = fixture(&s, &owner, n).await;
            let got = perform(&s, op, token.as_deref(), &f, n).await;
            let case = format!("{role:?} {op:?}: {} {}", got.0, got.1);
            match role {
                _ if may(*role, action) => assert!(got.0.is_success(), "{case}"),
                None => assert_error(&got, StatusCode::UNAUTHORIZED, None),
                Some(_) => assert_error(&got, StatusCode::FORBIDDEN, None),
            }
        }
    }
    assert_eq!(n as usize, ENDPOINTS.len() * 4);
}

async fn put_raw(
    s: &TestServer,
    path: &str,
    token: &str,
    content_type: &str,
    body: Vec<u8>,
) -> (StatusCode, Value) {
    let res = s
        .client
        .put(s.url(path))
        .bearer_auth(token)
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .unwrap();
    let st = res.status();
    (st, res.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn bad_input_is_a_4xx_naming_the_field_and_writes_nothing() {
    let s = TestServer::start().await;
    let (_, owner) = s.owner().await;
    let (_, member) = s.member("curiosa").await;
    let t = Some(owner.as_str());
    let g = genre(&s, &owner, "Novela").await;
    let book = created(
        s.post(
            "/api/books",
            t,
            json!({"title": "Rayuela", "authors": ["Julio Cortázar"], "isbn": isbn(1)}),
        )
        .await,
    )
    .await["id"]
        .as_u64()
        .unwrap();
    let product = created(
        s.post("/api/products", t, json!({"sku": "A-1", "name": "a", "price_cents": 10})).await,
    )
    .await["id"]
        .as_u64()
        .unwrap();
    let writes = s.records_written().await;

    let good_book = |extra: Value| {
        let mut b =
            json!({"title": "Ficciones", "authors": ["Borges"], "isbn": isbn(2), "genre_ids": [g]});
        for (k, v) in extra.as_object().unwrap() {
            b[k] = v.clone();
        }
        b
    };
    let cover = format!("/api/books/{book}/cover");
    let cases: Vec<((StatusCode, Value), StatusCode, Option<&str>)> = vec![
        (
            s.post("/api/books", t, good_book(json!({"isbn": "978-0-306-40615-8"}))).await,
            StatusCode::BAD_REQUEST,
            Some("isbn"),
        ),
        (
            s.post("/api/books", t, good_book(json!({"isbn": "12345"}))).await,
            StatusCode::BAD_REQUEST,
            Some("isbn"),
        ),
        (
            s.post("/api/books", t, good_book(json!({"genre_ids": [g, 999]}))).await,
            StatusCode::BAD_REQUEST,
            Some("genre_ids"),
        ),
        (
            s.patch(&format!("/api/books/{book}"), t, json!({"genre_ids": [999]})).await,
            StatusCode::BAD_REQUEST,
            Some("genre_ids"),
        ),
        (
            s.post("/api/books", t, good_book(json!({"authors": []}))).await,
            StatusCode::BAD_REQUEST,
            Some("authors"),
        ),
        (
            s.post("/api/books", t, good_book(json!({"title": "  "}))).await,
            StatusCode::BAD_REQUEST,
            Some("title"),
        ),
        (
            s.post("/api/books", t, good_book(json!({"year": "old"}))).await,
            StatusCode::BAD_REQUEST,
            Some("year"),
        ),
        (
            s.post("/api/books", t, good_book(json!({"year": 30000}))).await,
            StatusCode::BAD_REQUEST,
            Some("year"),
        ),
        (
            s.post("/api/books", t, good_book(json!({"language": "español!"}))).await,
            StatusCode::BAD_REQUEST,
            Some("language"),
        ),
        (
            s.post("/api/books", t, good_book(json!({"stock": 3}))).await,
            StatusCode::BAD_REQUEST,
            Some("stock"),
        ),
        (
            s.post("/api/products", t, json!({"sku": "B-1", "name": "b", "price_cents": -1})).await,
            StatusCode::BAD_REQUEST,
            Some("price_cents"),
        ),
        (
            s.patch(&format!("/api/products/{product}"), t, json!({"price_cents": -500})).await,
            StatusCode::BAD_REQUEST,
            Some("price_cents"),
        ),
        (
            s.post("/api/products", t, json!({"sku": "B 1", "name": "b", "price_cents": 1})).await,
            StatusCode::BAD_REQUEST,
            Some("sku"),
        ),
        (
            s.post(
                "/api/products",
                t,
                json!({"sku": "B-1", "name": "b", "price_cents": 1, "currency": "pesos"}),
            )
            .await,
            StatusCode::BAD_REQUEST,
            Some("currency"),
        ),
        (
            s.post(
                "/api/products",
                t,
                json!({"sku": "B-1", "name": "b", "price_cents": 1, "inventory_item_id": 77}),
            )
            .await,
            StatusCode::BAD_REQUEST,
            Some("inventory_item_id"),
        ),
        (
            s.post(
                "/api/products",
                t,
                json!({"sku": "B-1", "name": "b", "price_cents": 1, "created_by": 1}),
            )
            .await,
            StatusCode::BAD_REQUEST,
            Some("created_by"),
        ),
        (
            s.post("/api/products", t, json!({"sku": "B-1", "name": "b", "price_cents": 1.5}))
                .await,
            StatusCode::BAD_REQUEST,
            Some("price_cents"),
        ),
        (
            s.post("/api/genres", t, json!({"name": ""})).await,
            StatusCode::BAD_REQUEST,
            Some("name"),
        ),
        (
            s.post("/api/inventory", t, json!({"kind": "book", "book_id": 4242})).await,
            StatusCode::BAD_REQUEST,
            Some("book_id"),
        ),
        (
            put_raw(&s, &cover, &owner, "image/png", b"GIF89a pretending to be a PNG".to_vec())
                .await,
            StatusCode::BAD_REQUEST,
            Some("cover"),
        ),
        (
            put_raw(&s, &cover, &owner, "image/png", Vec::new()).await,
            StatusCode::BAD_REQUEST,
            Some("cover"),
        ),
        (
            put_raw(
                &s,
                &cover,
                &owner,
                "image/png",
                [PNG, &vec![0u8; 5 * 1024 * 1024 + 1 - PNG.len()]].concat(),
            )
            .await,
            StatusCode::PAYLOAD_TOO_LARGE,
            Some("cover"),
        ),
        (
            put_raw(&s, "/api/books/999/cover", &owner, "image/png", PNG.to_vec()).await,
            StatusCode::NOT_FOUND,
            None,
        ),
        (s.get("/api/books?cursor=zz", t).await, StatusCode::BAD_REQUEST, Some("cursor")),
        (s.get("/api/books?sort=popular", t).await, StatusCode::BAD_REQUEST, Some("sort")),
        (s.get("/api/books?year_from=abc", t).await, StatusCode::BAD_REQUEST, Some("year_from")),
        (s.get("/api/products?cursor=abcd", None).await, StatusCode::BAD_REQUEST, Some("cursor")),
        (s.get("/api/books/abc", t).await, StatusCode::BAD_REQUEST, Some("id")),
        (s.get("/api/products/-3", None).await, StatusCode::BAD_REQUEST, Some("id")),
        (
            s.get(&format!("/api/products/{product}?include_deleted=true"), Some(&member)).await,
            StatusCode::FORBIDDEN,
            None,
        ),
    ];
    for (got, status, field) in &cases {
        assert_error(got, *status, *field);
    }
    // Malformed JSON names no field (there is none to name): its code says what is wrong.
    for path in ["/api/genres", "/api/books", "/api/inventory", "/api/products"] {
        let res = s
            .client
            .post(s.url(path))
            .bearer_auth(&owner)
            .header("content-type", "application/json")
            .body("{\"ti")
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::BAD_REQUEST);
        assert_eq!(res.json::<Value>().await.unwrap()["error"]["code"], "malformed_json");
    }
    assert_eq!(s.records_written().await, writes, "bad input wrote nothing");
    assert_eq!(all(&s, "/api/books", t, 50).await.len(), 1);
    assert!(s.get(&format!("/api/books/{book}"), t).await.1["cover"].is_null());
    assert_eq!(all(&s, "/api/products", None, 50).await.len(), 1);
    assert_eq!(s.get(&format!("/api/products/{product}/prices"), t).await.1["items"], json!([]));
}

#[tokio::test]
async fn covers_are_recognised_by_content_and_served_with_caching_headers() {
    let s = TestServer::start().await;
    let (_, owner) = s.owner().await;
    let (_, member) = s.member("lectora").await;
    let book = created(
        s.post(
            "/api/books",
            Some(&owner),
            json!({"title": "Rayuela", "authors": ["Julio Cortázar"], "isbn": isbn(3)}),
        )
        .await,
    )
    .await["id"]
        .as_u64()
        .unwrap();
    let path = format!("/api/books/{book}/cover");
    let get = |inm: Option<String>| {
        let mut req = s.client.get(s.url(&path)).bearer_auth(&member);
        if let Some(v) = inm {
            req = req.header("if-none-match", v);
        }
        req.send()
    };
    assert_error(&s.get(&path, Some(&member)).await, StatusCode::NOT_FOUND, None);

    // A PNG sent as text/plain is still a PNG: the header is not trusted.
    let png = [PNG, &[7u8; 3000][..]].concat();
    let (st, b) = put_raw(&s, &path, &owner, "text/plain", png.clone()).await;
    assert_eq!(st, StatusCode::OK, "{b}");
    assert_eq!(
        (&b["cover"]["mime"], &b["cover"]["bytes"], &b["cover"]["url"]),
        (&json!("image/png"), &json!(png.len()), &json!(path))
    );
    let etag = format!("\"{}\"", b["cover"]["etag"].as_str().unwrap());

    let res = get(None).await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["content-type"], "image/png");
    assert_eq!(res.headers()["etag"].to_str().unwrap(), etag);
    assert!(res.headers()["cache-control"].to_str().unwrap().contains("private"));
    assert_eq!(res.bytes().await.unwrap().as_ref(), png.as_slice());

    let res = get(Some(etag.clone())).await.unwrap();
    assert_eq!(res.status(), StatusCode::NOT_MODIFIED);
    assert_eq!(res.headers()["etag"].to_str().unwrap(), etag);
    assert!(res.bytes().await.unwrap().is_empty());
    assert_eq!(
        get(Some(format!("\"other\", W/{etag}"))).await.unwrap().status(),
        StatusCode::NOT_MODIFIED
    );

    // A new cover (JPEG) has a new ETag; the old one no longer matches.
    let jpeg = [&[0xFFu8, 0xD8, 0xFF, 0xE0][..], &[1u8; 100][..]].concat();
    let (st, b) = put_raw(&s, &path, &owner, "application/octet-stream", jpeg.clone()).await;
    assert_eq!((st, &b["cover"]["mime"]), (StatusCode::OK, &json!("image/jpeg")));
    let res = get(Some(etag)).await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["content-type"], "image/jpeg");
    assert_eq!(res.bytes().await.unwrap().as_ref(), jpeg.as_slice());

    // Covers need a token like the rest of the book.
    assert_eq!(s.client.get(s.url(&path)).send().await.unwrap().status(), StatusCode::UNAUTHORIZED);
}

async fn view(
    s: &TestServer,
    path: &str,
    token: Option<&str>,
    headers: &[(&str, &str)],
) -> Option<String> {
    let mut req = s.client.request(Method::GET, s.url(path));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let res = req.send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    res.headers().get("set-cookie").map(|c| c.to_str().unwrap().to_owned())
}

#[tokio::test]
async fn product_views_are_counted_and_survive_a_clean_restart() {
    let mut s = TestServer::start().await;
    let (_, owner) = s.owner().await;
    let (_, member) = s.member("mirona").await;
    let t = Some(owner.as_str());
    let product = created(
        s.post("/api/products", t, json!({"sku": "V-1", "name": "v", "price_cents": 10})).await,
    )
    .await["id"]
        .as_u64()
        .unwrap();
    let other = created(
        s.post("/api/products", t, json!({"sku": "V-2", "name": "w", "price_cents": 10})).await,
    )
    .await["id"]
        .as_u64()
        .unwrap();
    let path = format!("/api/products/{product}");

    // Anonymous with a header: no cookie needed.
    assert_eq!(view(&s, &path, None, &[("x-visitor-id", "visitor-1")]).await, None);
    view(&s, &path, None, &[("x-visitor-id", "visitor-1")]).await;
    view(&s, &path, None, &[("x-visitor-id", "visitor-2")]).await;
    // Anonymous with nothing: the server hands out a cookie, and knows it next time.
    let cookie = view(&s, &path, None, &[]).await.expect("a visitor cookie");
    assert!(cookie.starts_with("barrio_visitor=") && cookie.contains("HttpOnly"), "{cookie}");
    let pair = cookie.split(';').next().unwrap().to_owned();
    assert_eq!(view(&s, &path, None, &[("cookie", &pair)]).await, None);
    // Logged in: counted as the user.
    view(&s, &path, Some(&member), &[("x-visitor-id", "visitor-1")]).await;
    view(&s, &path, Some(&member), &[]).await;
    view(&s, &format!("/api/products/{other}"), None, &[("x-visitor-id", "visitor-1")]).await;

    let (st, stats) = s.get(&format!("{path}/views"), t).await;
    assert_eq!(st, StatusCode::OK, "{stats}");
    assert_eq!(
        (&stats["total"], &stats["unique_visitors"], &stats["unique_users"]),
        (&json!(7), &json!(3), &json!(1)),
        "{stats}"
    );
    let days = stats["per_day"].as_array().unwrap();
    assert!(!days.is_empty() && days.len() <= 2, "{stats}");
    assert_eq!(days.iter().map(|d| d["views"].as_u64().unwrap()).sum::<u64>(), 7);
    assert_eq!(days.last().unwrap()["day"].as_str().unwrap().len(), 10);
    assert_error(
        &s.get(&format!("{path}/views"), Some(&member)).await,
        StatusCode::FORBIDDEN,
        None,
    );

    // A deleted product is not viewed (404), and staff looking into it record nothing.
    s.delete(&format!("/api/products/{other}"), t).await;
    assert_error(
        &s.get(&format!("/api/products/{other}"), None).await,
        StatusCode::NOT_FOUND,
        None,
    );
    view(&s, &format!("/api/products/{other}?include_deleted=true"), t, &[]).await;

    // Views still in the buffer when the server stops are written before it exits.
    view(&s, &path, None, &[("x-visitor-id", "visitor-3")]).await;
    view(&s, &path, None, &[("x-visitor-id", "visitor-3")]).await;
    let dir = s.take_dir().unwrap();
    assert!(s.stop().await.success());
    let s = TestServer::start_in(dir.path(), &[]).await;
    let (_, stats) = s.get(&format!("{path}/views"), t).await;
    assert_eq!(
        (&stats["total"], &stats["unique_visitors"], &stats["unique_users"]),
        (&json!(9), &json!(4), &json!(1)),
        "{stats}"
    );
    let (_, other_stats) = s.get(&format!("/api/products/{other}/views"), t).await;
    assert_eq!(other_stats["total"], 1);
}

#[tokio::test]
async fn catalog_endpoints_are_documented() {
    let s = TestServer::start().await;
    let (_, doc) = s.get("/api/openapi.json", None).await;
    let paths = doc["paths"].as_object().unwrap();
    for (path, methods) in [
        ("/api/genres", &["get", "post"][..]),
        ("/api/genres/{id}", &["get", "patch", "delete"]),
        ("/api/genres/{id}/books", &["get"]),
        ("/api/books", &["get", "post"]),
        ("/api/books/{id}", &["get", "patch", "delete"]),
        ("/api/books/{id}/cover", &["get", "put"]),
        ("/api/inventory", &["get", "post"]),
        ("/api/inventory/{id}", &["get", "patch", "delete"]),
        ("/api/products", &["get", "post"]),
        ("/api/products/{id}", &["get", "patch", "delete"]),
        ("/api/products/{id}/prices", &["get"]),
        ("/api/products/{id}/views", &["get"]),
    ] {
        for m in methods {
            let op = &paths[path][*m];
            assert_eq!(op["tags"], json!(["catalog"]), "{m} {path}");
        }
    }
}

#[tokio::test]
async fn the_demo_shop_loads_in_seconds_and_the_server_serves_it() {
    let tmp = tempfile::tempdir().unwrap();
    let started = std::time::Instant::now();
    let out = command(tmp.path()).arg("demo").output().await.unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(started.elapsed().as_secs() < 30);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("2000 books") && stdout.contains("barrio-demo"), "{stdout}");

    let s = TestServer::start_in(tmp.path(), &[]).await;
    // A second load refuses while the server holds the data dir.
    let again = command(tmp.path()).arg("demo").output().await.unwrap();
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("in use"));

    let staff = s.login("staff", "barrio-demo").await;
    let t = Some(staff.as_str());
    let books = all(&s, "/api/books?sort=newest", t, 200).await;
    assert!(books.len() >= 2000, "{}", books.len());
    assert!(
        books.iter().any(|b| b["language"] == "es") && books.iter().any(|b| b["language"] == "en")
    );
    assert_eq!(all(&s, "/api/genres", t, 200).await.len(), 20);
    let films = s.get("/api/inventory?kind=film&limit=5", t).await.1;
    assert_eq!(films["items"].as_array().unwrap().len(), 5);
    let products = s.get("/api/products?limit=200", None).await.1;
    assert_eq!(products["items"].as_array().unwrap().len(), 200);
    let (_, first) = s.get("/api/products/1/prices", t).await;
    assert_eq!(first["items"].as_array().unwrap().len(), 1);
    s.login("lucia", "barrio-demo").await;
}
