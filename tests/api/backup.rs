//! Backups, restore, check, export/import and upgrade fixtures, through the real binary.

use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use redb::{ReadableDatabase, ReadableTable, TableDefinition};
use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{PASSWORD, TestServer, command};

const USERS: TableDefinition<u64, &[u8]> = TableDefinition::new("users");
const META: TableDefinition<&str, &[u8]> = TableDefinition::new("meta");
const BLOBS: TableDefinition<&str, &[u8]> = TableDefinition::new("blobs");
const SEQUENCES: TableDefinition<&str, u64> = TableDefinition::new("sequences");
const USERNAMES: TableDefinition<&str, u64> = TableDefinition::new("uniq:users.username");

/// Runs `barrio ARGS` on the data dir `dir`.
async fn barrio(dir: &Path, args: &[&str]) -> Output {
    let mut cmd = command(dir);
    cmd.args(args).stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped());
    tokio::time::timeout(Duration::from_secs(60), cmd.output())
        .await
        .expect("the command finishes")
        .expect("runs")
}

fn text(out: &Output) -> String {
    format!(
        "status {:?}\nstdout:\n{}\nstderr:\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// `barrio check FILE` passes.
async fn assert_checks(file: &Path) {
    let out = barrio(file.parent().unwrap(), &["check", file.to_str().unwrap()]).await;
    assert!(out.status.success(), "check {}: {}", file.display(), text(&out));
}

/// The user ids in a (cleanly closed) data file.
fn user_ids(file: &Path) -> Vec<u64> {
    let db = redb::ReadOnlyDatabase::open(file).expect("opens read-only");
    let tx = db.begin_read().unwrap();
    let t = tx.open_table(USERS).unwrap();
    t.iter().unwrap().map(|e| e.unwrap().0.value()).collect()
}

fn p99(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v.get((v.len() * 99 / 100).min(v.len().saturating_sub(1))).copied().unwrap_or_default()
}

async fn download(s: &TestServer, token: Option<&str>) -> reqwest::Response {
    let mut req = s.client.get(s.url("/api/admin/backup"));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    req.send().await.expect("request")
}

#[tokio::test]
async fn backups_under_load_hold_every_acknowledged_write() {
    let s = Arc::new(TestServer::start().await);
    let (_, owner) = s.owner().await;
    let (_, admin) = s.staff(&owner, "encargada", "admin").await;
    let (_, member) = s.member("socio").await;
    assert_eq!(download(&s, None).await.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(download(&s, Some(&member)).await.status(), StatusCode::FORBIDDEN);
    assert_eq!(download(&s, Some(&admin)).await.status(), StatusCode::FORBIDDEN);

    // 8 writers sign up members continuously; each records what was acknowledged and how
    // long it took, tagged with whether backups were running.
    let acked = Arc::new(Mutex::new(Vec::<u64>::new()));
    let errors = Arc::new(Mutex::new(Vec::<String>::new()));
    let during = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let latencies = Arc::new(Mutex::new((Vec::<Duration>::new(), Vec::<Duration>::new())));
    let writers: Vec<_> = (0..8)
        .map(|w| {
            let (s, acked, errors) = (s.clone(), acked.clone(), errors.clone());
            let (during, stop, latencies) = (during.clone(), stop.clone(), latencies.clone());
            tokio::spawn(async move {
                for i in 0..3000 {
                    if stop.load(std::sync::atomic::Ordering::Relaxed) {
                        break;
                    }
                    let backing_up = during.load(std::sync::atomic::Ordering::Relaxed);
                    let started = Instant::now();
                    let (st, body) = s
                        .post(
                            "/api/users",
                            None,
                            json!({"username": format!("w{w}n{i}"), "password": PASSWORD}),
                        )
                        .await;
                    let took = started.elapsed();
                    if st == StatusCode::CREATED {
                        acked.lock().unwrap().push(body["id"].as_u64().unwrap());
                        let mut l = latencies.lock().unwrap();
                        if backing_up { l.1.push(took) } else { l.0.push(took) }
                    } else {
                        errors.lock().unwrap().push(format!("{st}: {body}"));
                    }
                }
            })
        })
        .collect();

    tokio::time::sleep(Duration::from_millis(1500)).await;
    during.store(true, std::sync::atomic::Ordering::Relaxed);
    let out = tempfile::tempdir().unwrap();
    let mut taken = Vec::new();
    for n in 0..5 {
        let before: Vec<u64> = acked.lock().unwrap().clone();
        let res = download(&s, Some(&owner)).await;
        assert_eq!(res.status(), StatusCode::OK);
        let disposition = res.headers()["content-disposition"].to_str().unwrap().to_owned();
        assert!(disposition.contains("barrio-20"), "{disposition}");
        let bytes = res.bytes().await.unwrap();
        let path = out.path().join(format!("backup{n}.redb"));
        std::fs::write(&path, &bytes).unwrap();
        taken.push((path, before));
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    during.store(false, std::sync::atomic::Ordering::Relaxed);
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    for w in writers {
        w.await.unwrap();
    }
    assert!(errors.lock().unwrap().is_empty(), "writers saw errors: {:?}", errors.lock().unwrap());

    for (path, before) in &taken {
        assert_checks(path).await;
        let ids = user_ids(path);
        for id in before {
            assert!(
                ids.binary_search(id).is_ok(),
                "{}: acknowledged user {id} missing",
                path.display()
            );
        }
    }
    // A backup is a data file: a server starts on it and its accounts log in.
    let copy = tempfile::tempdir().unwrap();
    std::fs::copy(&taken[4].0, copy.path().join("barrio.redb")).unwrap();
    let restored = TestServer::start_in(copy.path(), &[]).await;
    restored.login("w3n0", PASSWORD).await;

    let (without, with) = latencies.lock().unwrap().clone();
    eprintln!(
        "writer p99 without backups: {:?} ({} writes); during backups: {:?} ({} writes); {} users in the last backup",
        p99(without.clone()),
        without.len(),
        p99(with.clone()),
        with.len(),
        user_ids(&taken[4].0).len()
    );
}

#[tokio::test]
async fn the_command_line_backs_up_a_running_server_and_a_stopped_one() {
    let mut s = TestServer::start().await;
    s.owner().await;
    s.sign_up("primera").await;
    let out = tempfile::tempdir().unwrap();
    let online = out.path().join("online.redb");
    let res = barrio(&s.dir, &["backup", online.to_str().unwrap()]).await;
    assert!(res.status.success(), "{}", text(&res));
    assert!(String::from_utf8_lossy(&res.stdout).contains("running server"), "{}", text(&res));
    assert_checks(&online).await;
    assert_eq!(user_ids(&online).len(), 2);
    let res = barrio(&s.dir, &["backup", s.dir.join("barrio.redb").to_str().unwrap()]).await;
    assert!(!res.status.success(), "a backup over the data file itself is refused");
    // While the server runs, check refuses with advice instead of waiting.
    let res = barrio(&s.dir, &["check"]).await;
    assert!(!res.status.success());
    assert!(
        String::from_utf8_lossy(&res.stderr).contains("stop the server first"),
        "{}",
        text(&res)
    );

    let dir = s.take_dir().unwrap();
    s.stop().await;
    assert!(!dir.path().join("server.json").exists(), "a clean stop removes server.json");
    let offline = out.path().join("offline.redb");
    let res = barrio(dir.path(), &["backup", offline.to_str().unwrap()]).await;
    assert!(res.status.success(), "{}", text(&res));
    assert!(String::from_utf8_lossy(&res.stdout).contains("no server was running"));
    assert_checks(&offline).await;
    let res = barrio(dir.path(), &["check"]).await;
    assert!(res.status.success(), "{}", text(&res));
}

#[tokio::test]
async fn scheduled_backups_rotate_and_show_in_healthz() {
    let backups = tempfile::tempdir().unwrap();
    let dir = backups.path().to_str().unwrap().to_owned();
    let s = TestServer::start_with(&[
        ("BARRIO_BACKUP_DIR", &dir),
        ("BARRIO_BACKUP_EVERY", "1s"),
        ("BARRIO_BACKUP_KEEP", "2"),
    ])
    .await;
    s.sign_up("programada").await;
    let started = Instant::now();
    let files = loop {
        let files: Vec<PathBuf> = std::fs::read_dir(backups.path())
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "redb"))
            .collect();
        let log = std::fs::read_to_string(s.dir.join("server.log")).unwrap_or_default();
        if log.matches("backup written and checked").count() >= 4 {
            break files;
        }
        assert!(started.elapsed() < Duration::from_secs(30), "no backups: {log}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert!(files.len() <= 3, "rotation keeps 2 (and one may be in progress): {files:?}");
    let (st, health) = s.get("/healthz", None).await;
    assert_eq!(st, StatusCode::OK);
    assert!(health["last_backup"].as_str().is_some_and(|t| t.starts_with("20")), "{health}");
    let mut names: Vec<_> = files.iter().filter(|p| p.exists()).collect();
    names.sort();
    assert_checks(names.last().unwrap()).await;
    let (_, none) = TestServer::start().await.get("/healthz", None).await;
    assert!(none["last_backup"].is_null(), "{none}");
}

#[tokio::test]
async fn kill_9_during_write_bursts_loses_no_acknowledged_write() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("barrio.redb");
    let mut all_acked: Vec<u64> = Vec::new();
    let started = Instant::now();
    for round in 0..20 {
        let mut s = TestServer::start_in(tmp.path(), &[]).await;
        // After each restart the writes acknowledged before the last kill are served.
        for id in all_acked.iter().rev().take(5) {
            assert_eq!(s.get(&format!("/api/users/{id}"), None).await.0, StatusCode::OK);
        }
        let acked = Arc::new(Mutex::new(Vec::new()));
        let burst: Vec<_> = (0..12)
            .map(|w| {
                let (client, url, acked) = (s.client.clone(), s.url("/api/users"), acked.clone());
                tokio::spawn(async move {
                    for i in 0..200 {
                        let body =
                            json!({"username": format!("r{round}w{w}n{i}"), "password": PASSWORD});
                        // Once the server is killed, requests fail: those were never
                        // acknowledged.
                        let Ok(res) = client.post(&url).json(&body).send().await else { break };
                        if res.status() != StatusCode::CREATED {
                            break;
                        }
                        let Ok(body) = res.json::<serde_json::Value>().await else { break };
                        acked.lock().unwrap().push(body["id"].as_u64().unwrap());
                    }
                })
            })
            .collect();
        tokio::time::sleep(Duration::from_millis(20 + rand::random::<u64>() % 150)).await;
        s.kill9().await;
        for b in burst {
            b.await.unwrap();
        }
        let acked = acked.lock().unwrap().clone();
        assert!(!acked.is_empty() || round > 0, "the burst wrote something");
        all_acked.extend(acked);
        let out = barrio(tmp.path(), &["check"]).await;
        assert!(out.status.success(), "round {round}: {}", text(&out));
        let ids = user_ids(&file);
        for id in &all_acked {
            assert!(ids.binary_search(id).is_ok(), "round {round}: acknowledged user {id} lost");
        }
    }
    eprintln!(
        "20 kill -9 rounds, {} acknowledged writes, {:?}",
        all_acked.len(),
        started.elapsed()
    );
}

/// A stopped shop with an owner, members and a logged-out token; returns (dir, owner token).
async fn stopped_shop() -> (tempfile::TempDir, String) {
    let mut s = TestServer::start().await;
    let (_, owner) = s.owner().await;
    s.staff(&owner, "cajera", "admin").await;
    for name in ["ana", "beto", "carla"] {
        let (_, token) = s.member(name).await;
        assert_eq!(s.post("/api/logout", Some(&token), json!({})).await.0, StatusCode::NO_CONTENT);
    }
    s.post(
        "/api/users",
        None,
        json!({"username": "dora", "password": PASSWORD, "email": "dora@example.com"}),
    )
    .await;
    let dir = s.take_dir().unwrap();
    assert!(s.stop().await.success());
    (dir, owner)
}

fn files_in(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

#[tokio::test]
async fn restore_refuses_bad_backups_and_leaves_the_data_untouched() {
    let (shop, _) = stopped_shop().await;
    let data = shop.path().join("barrio.redb");
    let work = tempfile::tempdir().unwrap();
    let good = work.path().join("good.redb");
    let out = barrio(shop.path(), &["backup", good.to_str().unwrap()]).await;
    assert!(out.status.success(), "{}", text(&out));
    let bytes = std::fs::read(&good).unwrap();

    let corrupt = work.path().join("corrupt.redb");
    let mut c = bytes.clone();
    for page in (2..c.len() / 4096).map(|p| p * 4096) {
        for b in &mut c[page + 64..page + 512] {
            *b ^= 0x5a;
        }
    }
    std::fs::write(&corrupt, &c).unwrap();
    let truncated = work.path().join("truncated.redb");
    std::fs::write(&truncated, &bytes[..bytes.len() / 2]).unwrap();
    let newer = work.path().join("newer.redb");
    std::fs::write(&newer, &bytes).unwrap();
    {
        let db = redb::Database::create(&newer).unwrap();
        let tx = db.begin_write().unwrap();
        tx.open_table(META)
            .unwrap()
            .insert("schema_version", 99u32.to_le_bytes().as_slice())
            .unwrap();
        tx.commit().unwrap();
    }
    let foreign = work.path().join("foreign.redb");
    {
        let db = redb::Database::create(&foreign).unwrap();
        let tx = db.begin_write().unwrap();
        tx.open_table(TableDefinition::<u64, u64>::new("invoices")).unwrap().insert(1, 2).unwrap();
        tx.commit().unwrap();
    }
    let text_file = work.path().join("list.redb");
    std::fs::write(&text_file, "milk, eggs, bread\n".repeat(300)).unwrap();

    let before = std::fs::read(&data).unwrap();
    let listing = files_in(shop.path());
    for (file, expected) in [
        (&corrupt, "damaged"),
        (&truncated, "truncated"),
        (&newer, "newer Barrio (schema version 99)"),
        (&foreign, "not a Barrio data file"),
        (&text_file, "not a Barrio data file"),
    ] {
        let out = barrio(shop.path(), &["restore", file.to_str().unwrap()]).await;
        assert!(!out.status.success(), "{} was restored", file.display());
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains(expected) && err.contains("Nothing was changed"),
            "{}: {err}",
            file.display()
        );
        assert!(
            std::fs::read(&data).unwrap() == before,
            "{}: the data file changed",
            file.display()
        );
        assert_eq!(files_in(shop.path()), listing, "{}: files left behind", file.display());
    }

    // While a server runs on the data dir, even a good backup is refused.
    let mut s = TestServer::start_in(shop.path(), &[]).await;
    s.sign_up("despues").await;
    let out = barrio(shop.path(), &["restore", good.to_str().unwrap()]).await;
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("server is running"), "{}", text(&out));
    s.stop().await;

    // A good one replaces the file, keeps the old one, and drops the derived index.
    std::fs::create_dir_all(shop.path().join("index")).unwrap();
    std::fs::write(shop.path().join("index").join("segment"), b"derived").unwrap();
    let current = std::fs::read(&data).unwrap();
    let out = barrio(shop.path(), &["restore", good.to_str().unwrap()]).await;
    assert!(out.status.success(), "{}", text(&out));
    assert!(!shop.path().join("index").exists());
    let replaced: Vec<String> = files_in(shop.path())
        .into_iter()
        .filter(|n| n.starts_with("barrio.redb.replaced-"))
        .collect();
    assert_eq!(replaced.len(), 1);
    assert!(std::fs::read(shop.path().join(&replaced[0])).unwrap() == current);
    assert!(std::fs::read(&good).unwrap() == bytes, "the backup itself is untouched");
    // Restoring over a data file that is itself broken works too: that is when one restores.
    let mut c = std::fs::read(&data).unwrap();
    let len = c.len();
    c[4096..len].iter_mut().for_each(|b| *b ^= 0xa5);
    std::fs::write(&data, &c).unwrap();
    let out = barrio(shop.path(), &["restore", good.to_str().unwrap()]).await;
    assert!(out.status.success(), "{}", text(&out));

    let s = TestServer::start_in(shop.path(), &[]).await;
    s.login("ana", PASSWORD).await;
    let (st, _) =
        s.post("/api/login", None, json!({"username": "despues", "password": PASSWORD})).await;
    assert_eq!(st, StatusCode::UNAUTHORIZED, "the account made after the backup is gone");
}

#[tokio::test]
async fn export_import_export_gives_equal_files() {
    let (shop, old_token) = stopped_shop().await;
    // A blob and a subscriber cursor, written as the store writes them.
    {
        use sha2::Digest;
        let db = redb::Database::create(shop.path().join("barrio.redb")).unwrap();
        let tx = db.begin_write().unwrap();
        let image = b"\x89PNG\r\n\x1a\nnot really an image";
        let hash = hex::encode(sha2::Sha256::digest(image));
        tx.open_table(BLOBS).unwrap().insert(hash.as_str(), image.as_slice()).unwrap();
        tx.open_table(META)
            .unwrap()
            .insert("cursor:notifier", 2u64.to_le_bytes().as_slice())
            .unwrap();
        tx.commit().unwrap();
    }
    let work = tempfile::tempdir().unwrap();
    let first = work.path().join("first.json");
    let out = barrio(shop.path(), &["export", first.to_str().unwrap()]).await;
    assert!(out.status.success(), "{}", text(&out));
    let doc: serde_json::Value = serde_json::from_slice(&std::fs::read(&first).unwrap()).unwrap();
    assert_eq!(doc["tables"]["users"].as_array().unwrap().len(), 6);
    assert_eq!(doc["tables"]["revoked_tokens"].as_array().unwrap().len(), 3);
    assert_eq!(doc["blobs"].as_object().unwrap().len(), 1);
    assert!(doc["meta"]["cursor:notifier"].is_string());
    assert!(doc["meta"].get("jwt_secret").is_none(), "the signing secret stays home");

    let empty = tempfile::tempdir().unwrap();
    let out = barrio(empty.path(), &["import", first.to_str().unwrap()]).await;
    assert!(out.status.success(), "{}", text(&out));
    let out = barrio(empty.path(), &["import", first.to_str().unwrap()]).await;
    assert!(!out.status.success(), "import only goes into an empty data dir");
    assert_checks(&empty.path().join("barrio.redb")).await;
    let second = work.path().join("second.json");
    let out = barrio(empty.path(), &["export", second.to_str().unwrap()]).await;
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        std::fs::read(&first).unwrap() == std::fs::read(&second).unwrap(),
        "the exports differ"
    );

    // The imported shop works: passwords carry over, tokens do not, uniqueness holds.
    let s = TestServer::start_in(empty.path(), &[]).await;
    assert_eq!(s.get("/api/session", Some(&old_token)).await.0, StatusCode::UNAUTHORIZED);
    let owner = s.login("owner", PASSWORD).await;
    assert_eq!(s.get("/api/session", Some(&owner)).await.0, StatusCode::OK);
    let (st, _) =
        s.post("/api/users", None, json!({"username": "Ana", "password": PASSWORD})).await;
    assert_eq!(st, StatusCode::CONFLICT);
    let id = s.sign_up("nueva").await;
    assert_eq!(id, 7, "ids continue after the imported ones");
}

#[tokio::test]
async fn check_finds_an_injected_problem_and_repair_fixes_it() {
    let (shop, _) = stopped_shop().await;
    let data = shop.path().join("barrio.redb");
    let out = barrio(shop.path(), &["check"]).await;
    assert!(out.status.success(), "{}", text(&out));
    {
        let db = redb::Database::create(&data).unwrap();
        let tx = db.begin_write().unwrap();
        assert!(tx.open_table(USERNAMES).unwrap().remove("beto").unwrap().is_some());
        tx.open_table(USERNAMES).unwrap().insert("fantasma", 99).unwrap();
        tx.open_table(SEQUENCES).unwrap().insert("users", 2).unwrap();
        tx.commit().unwrap();
    }
    let out = barrio(shop.path(), &["check"]).await;
    assert!(!out.status.success(), "{}", text(&out));
    let report = String::from_utf8_lossy(&out.stdout);
    for expected in
        ["\"beto\" of users 4 is missing", "\"fantasma\" points to 99", "sequence users is at 2"]
    {
        assert!(report.contains(expected), "{expected}: {report}");
    }
    assert!(report.contains("can be fixed with --repair"), "{report}");

    let out = barrio(shop.path(), &["check", "--repair"]).await;
    assert!(out.status.success(), "{}", text(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("repaired"), "{}", text(&out));
    let out = barrio(shop.path(), &["check"]).await;
    assert!(out.status.success(), "{}", text(&out));

    let s = TestServer::start_in(shop.path(), &[]).await;
    s.login("beto", PASSWORD).await;
    let (st, _) =
        s.post("/api/users", None, json!({"username": "beto", "password": PASSWORD})).await;
    assert_eq!(st, StatusCode::CONFLICT, "the rebuilt index guards the name again");
    assert_eq!(s.sign_up("fantasma").await, 7);
}

/// Every data file a released schema version wrote (`tests/fixtures/v<N>/barrio.redb`, see
/// `scripts/make-fixture`) opens with this binary, migrates, serves its accounts and passes
/// `check`.
#[tokio::test]
async fn fixtures_of_every_released_schema_open_migrate_and_check() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let mut seen = 0;
    for entry in std::fs::read_dir(&root).unwrap() {
        let dir = entry.unwrap().path();
        let fixture = dir.join("barrio.redb");
        if !fixture.is_file() {
            continue;
        }
        seen += 1;
        let tmp = tempfile::tempdir().unwrap();
        std::fs::copy(&fixture, tmp.path().join("barrio.redb")).unwrap();
        let mut s = TestServer::start_in(tmp.path(), &[]).await;
        let owner = s.login("duena", "fixture owner password").await;
        let (_, session) = s.get("/api/session", Some(&owner)).await;
        assert_eq!(session["user"]["role"], "super_admin", "{}", dir.display());
        s.login("cajero", "fixture staff password").await;
        s.login("vecina", "fixture member password").await;
        s.sign_up("recien_llegada").await;
        assert!(s.stop().await.success());
        let out = barrio(tmp.path(), &["check"]).await;
        assert!(out.status.success(), "{}: {}", dir.display(), text(&out));
    }
    assert!(seen >= 1, "no fixtures under {}", root.display());
}

#[tokio::test]
async fn check_knows_the_timeline_indexes_of_a_healthy_shop() {
    let mut s = TestServer::start().await;
    let (ana, ana_token) = s.member("ana").await;
    let (_, beto_token) = s.member("beto").await;
    let (st, _) = s.post(&format!("/api/users/{ana}/follow"), Some(&beto_token), json!({})).await;
    assert_eq!(st, StatusCode::NO_CONTENT, "follow");
    for i in 0..3 {
        let (st, _) =
            s.post("/api/posts", Some(&ana_token), json!({"text": format!("leyendo {i}")})).await;
        assert_eq!(st, StatusCode::CREATED);
    }
    let dir = s.take_dir().unwrap();
    assert!(s.stop().await.success());
    let out = barrio(dir.path(), &["check"]).await;
    assert!(out.status.success(), "{}", text(&out));
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(report.contains("(0 warnings)"), "{}", text(&out));
    assert!(report.contains("idx:timeline: kept by hand next to posts"), "{}", text(&out));
}
