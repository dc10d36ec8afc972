//! The binary's life: restarts, SIGKILL, the owner's command line, the data file's guards.

use std::process::Stdio;
use std::time::{Duration, Instant};

use futures::future::join_all;
use reqwest::StatusCode;
use serde_json::json;
use tokio::io::AsyncWriteExt;

use crate::helpers::{PASSWORD, TestServer, command};

#[tokio::test]
async fn accounts_and_tokens_survive_a_restart() {
    let mut s = TestServer::start().await;
    let (id, token) = s.member("persistente").await;
    let dir = s.take_dir().unwrap();
    assert!(s.stop().await.success());
    let s = TestServer::start_in(dir.path(), &[]).await;
    let (st, session) = s.get("/api/session", Some(&token)).await;
    assert_eq!(st, StatusCode::OK, "{session}");
    assert_eq!(session["user"]["id"], id);
    s.login("persistente", PASSWORD).await;
}

#[tokio::test]
async fn a_configured_secret_replaces_the_stored_one() {
    let mut s = TestServer::start().await;
    let (_, token) = s.member("secreta").await;
    let dir = s.take_dir().unwrap();
    s.stop().await;
    let s = TestServer::start_in(
        dir.path(),
        &[("BARRIO_JWT_SECRET", "a-different-secret-of-enough-length")],
    )
    .await;
    assert_eq!(s.get("/api/session", Some(&token)).await.0, StatusCode::UNAUTHORIZED);
    let fresh = s.login("secreta", PASSWORD).await;
    assert_eq!(s.get("/api/session", Some(&fresh)).await.0, StatusCode::OK);
}

#[tokio::test]
async fn acknowledged_writes_survive_kill_9() {
    let mut s = TestServer::start().await;
    let dir = s.take_dir().unwrap();
    let results = join_all((0..100).map(|i| {
        s.post("/api/users", None, json!({"username": format!("durable{i}"), "password": PASSWORD}))
    }))
    .await;
    let acked: Vec<u64> = results
        .iter()
        .filter(|r| r.0 == StatusCode::CREATED)
        .map(|r| r.1["id"].as_u64().unwrap())
        .collect();
    assert_eq!(acked.len(), 100);
    s.kill9().await;
    let s = TestServer::start_in(dir.path(), &[]).await;
    for id in acked {
        assert_eq!(
            s.get(&format!("/api/users/{id}"), None).await.0,
            StatusCode::OK,
            "user {id} lost"
        );
    }
}

async fn user_create(dir: &std::path::Path, args: &[&str], password: &str) -> std::process::Output {
    let mut cmd = command(dir);
    cmd.args(["user", "create"])
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(format!("{password}\n").as_bytes()).await.unwrap();
    drop(stdin);
    tokio::time::timeout(Duration::from_secs(20), child.wait_with_output())
        .await
        .expect("finishes")
        .unwrap()
}

#[tokio::test]
async fn the_owner_is_created_from_the_command_line() {
    let tmp = tempfile::tempdir().unwrap();
    let out = user_create(
        tmp.path(),
        &["--username", "duena", "--role", "super_admin", "--password-stdin"],
        "la clave de la duena",
    )
    .await;
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("super_admin"));

    let out = user_create(
        tmp.path(),
        &["--username", "duena", "--role", "super_admin", "--password-stdin"],
        "la clave de la duena",
    )
    .await;
    assert!(!out.status.success(), "a taken username is refused");
    assert!(String::from_utf8_lossy(&out.stderr).contains("taken"));
    let out = user_create(tmp.path(), &["--username", "x", "--password-stdin"], "whatever!").await;
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("username"));

    let s = TestServer::start_in(tmp.path(), &[]).await;
    let token = s.login("duena", "la clave de la duena").await;
    let (_, session) = s.get("/api/session", Some(&token)).await;
    assert_eq!(session["user"]["role"], "super_admin");
    assert_eq!(s.get("/api/setup", None).await.1["needed"], false);

    // While the server holds the data dir, the command fails at once instead of waiting.
    let started = Instant::now();
    let out = user_create(
        tmp.path(),
        &["--username", "otra", "--role", "admin", "--password-stdin"],
        "otra clave segura",
    )
    .await;
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("in use by another Barrio process"), "{err}");
    assert!(started.elapsed() < Duration::from_secs(10));
}

#[tokio::test]
async fn a_second_server_on_the_same_data_dir_refuses() {
    let s = TestServer::start().await;
    let second = TestServer::try_start_in(&s.dir, &[]).await;
    let err = second.err().expect("the second server must not start");
    assert!(err.contains("in use"), "{err}");
    assert_eq!(s.get("/healthz", None).await.0, StatusCode::OK);
}

#[tokio::test]
async fn a_data_file_from_a_newer_barrio_is_refused_untouched() {
    let tmp = tempfile::tempdir().unwrap();
    {
        let mut s = TestServer::start_in(tmp.path(), &[]).await;
        s.sign_up("antigua").await;
        s.stop().await;
    }
    let path = tmp.path().join("barrio.redb");
    {
        let db = redb::Database::create(&path).unwrap();
        let tx = db.begin_write().unwrap();
        {
            let mut meta =
                tx.open_table(redb::TableDefinition::<&str, &[u8]>::new("meta")).unwrap();
            meta.insert("schema_version", 99u32.to_le_bytes().as_slice()).unwrap();
        }
        tx.commit().unwrap();
    }
    let before = std::fs::read(&path).unwrap();
    let err = TestServer::try_start_in(tmp.path(), &[]).await.err().expect("refused");
    let log = std::fs::read_to_string(tmp.path().join("server.log")).unwrap();
    assert!(log.contains("newer Barrio (schema version 99)"), "{err} / {log}");
    assert!(std::fs::read(&path).unwrap() == before, "the file was not touched");

    // A file that is not Barrio's at all is refused too, and said so.
    let other = tempfile::tempdir().unwrap();
    let list = other.path().join("barrio.redb");
    std::fs::write(&list, "this is not a database, it is a shopping list\n".repeat(200)).unwrap();
    assert!(TestServer::try_start_in(other.path(), &[]).await.is_err());
    let log = std::fs::read_to_string(other.path().join("server.log")).unwrap();
    assert!(log.contains("not a Barrio data file"), "{log}");
    assert!(std::fs::read(&list).unwrap().starts_with(b"this is not a database"));
}

#[tokio::test]
async fn a_damaged_data_file_is_refused_with_what_to_do() {
    let tmp = tempfile::tempdir().unwrap();
    {
        let mut s = TestServer::start_in(tmp.path(), &[]).await;
        for i in 0..20 {
            s.sign_up(&format!("vecina{i}")).await;
        }
        s.stop().await;
    }
    let path = tmp.path().join("barrio.redb");
    let mut bytes = std::fs::read(&path).unwrap();
    for page in (2..bytes.len() / 4096).map(|p| p * 4096) {
        for b in &mut bytes[page + 64..page + 512] {
            *b ^= 0x5a;
        }
    }
    std::fs::write(&path, &bytes).unwrap();
    let err = TestServer::try_start_in(tmp.path(), &[]).await.err().expect("refused");
    let log = std::fs::read_to_string(tmp.path().join("server.log")).unwrap();
    assert!(!log.contains("panicked"), "{log}");
    assert!(log.contains("damaged") && log.contains("barrio check --repair"), "{err} / {log}");
}

/// The server limits glibc's allocator to two arenas (it runs itself again with
/// `MALLOC_ARENA_MAX=2` when the variable is not set): same process, which still answers.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
#[tokio::test]
async fn the_server_runs_with_two_allocator_arenas() {
    let s = TestServer::start().await;
    let env = std::fs::read(format!("/proc/{}/environ", s.pid())).unwrap();
    let vars: Vec<&[u8]> = env.split(|b| *b == 0).collect();
    assert!(vars.contains(&&b"MALLOC_ARENA_MAX=2"[..]), "the server's environment lacks it");
    assert_eq!(s.get("/healthz", None).await.0, StatusCode::OK);
}
