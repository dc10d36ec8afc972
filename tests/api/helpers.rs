//! Starts the real `barrio` binary on an ephemeral port with a temporary data dir, and
//! talks to it over HTTP as any client would.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use tempfile::TempDir;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

pub const PASSWORD: &str = "correct horse battery";

/// Cheap argon2 settings: the tests hash thousands of passwords.
pub const FAST_ARGON: [(&str, &str); 3] =
    [("BARRIO_ARGON2_M_KIB", "64"), ("BARRIO_ARGON2_T", "1"), ("BARRIO_ARGON2_P", "1")];

pub struct TestServer {
    pub base: String,
    pub dir: PathBuf,
    child: Option<Child>,
    _tmp: Option<TempDir>,
    pub client: reqwest::Client,
}

pub fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_barrio")
}

/// A fresh command for the binary with test settings and no inherited BARRIO_ variables.
pub fn command(dir: &Path) -> Command {
    let mut cmd = Command::new(bin());
    for (k, _) in std::env::vars() {
        if k.starts_with("BARRIO_") {
            cmd.env_remove(k);
        }
    }
    cmd.envs(FAST_ARGON).env("BARRIO_DATA_DIR", dir).env("RUST_LOG", "info");
    cmd
}

impl TestServer {
    pub async fn start() -> TestServer {
        Self::start_with(&[]).await
    }

    pub async fn start_with(env: &[(&str, &str)]) -> TestServer {
        let tmp = tempfile::tempdir().expect("tempdir");
        let dir = tmp.path().to_path_buf();
        let mut s = Self::start_in(&dir, env).await;
        s._tmp = Some(tmp);
        s
    }

    /// Starts on an existing data dir (whose lifetime the caller manages).
    pub async fn start_in(dir: &Path, env: &[(&str, &str)]) -> TestServer {
        Self::try_start_in(dir, env).await.unwrap_or_else(|e| panic!("server did not start: {e}"))
    }

    pub async fn try_start_in(dir: &Path, env: &[(&str, &str)]) -> Result<TestServer, String> {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(dir.join("server.log"))
            .map_err(|e| e.to_string())?;
        let mut cmd = command(dir);
        cmd.args(["--addr", "127.0.0.1:0"])
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(log)
            .kill_on_drop(true);
        let mut child = cmd.spawn().map_err(|e| e.to_string())?;
        let stdout = child.stdout.take().ok_or("no stdout")?;
        let mut lines = BufReader::new(stdout).lines();
        let line = tokio::time::timeout(Duration::from_secs(30), lines.next_line())
            .await
            .map_err(|_| "timed out waiting for the listening line".to_string())?
            .map_err(|e| e.to_string())?;
        let Some(line) = line else {
            let log = std::fs::read_to_string(dir.join("server.log")).unwrap_or_default();
            return Err(format!("exited before listening: {}", log.lines().last().unwrap_or("")));
        };
        let base = line.rsplit(' ').next().ok_or("no address")?.to_owned();
        // Keep draining stdout so the child never blocks on a full pipe.
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        let client = reqwest::Client::builder().no_proxy().build().map_err(|e| e.to_string())?;
        Ok(TestServer { base, dir: dir.to_path_buf(), child: Some(child), _tmp: None, client })
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    pub fn pid(&self) -> u32 {
        self.child.as_ref().and_then(|c| c.id()).expect("running")
    }

    /// SIGTERM, and the exit status.
    pub async fn stop(&mut self) -> std::process::ExitStatus {
        let pid = self.pid();
        std::process::Command::new("kill")
            .args(["-TERM", &pid.to_string()])
            .status()
            .expect("kill");
        let mut child = self.child.take().expect("running");
        tokio::time::timeout(Duration::from_secs(20), child.wait())
            .await
            .expect("stops")
            .expect("wait")
    }

    /// SIGKILL: no chance to clean up.
    pub async fn kill9(&mut self) {
        let mut child = self.child.take().expect("running");
        child.start_kill().expect("kill -9");
        child.wait().await.expect("wait");
    }

    /// Keeps the temp dir alive beyond this server (for restarts).
    pub fn take_dir(&mut self) -> Option<TempDir> {
        self._tmp.take()
    }

    pub async fn call(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut req = self.client.request(method, self.url(path));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        let res = req.send().await.expect("request");
        let status = res.status();
        let text = res.text().await.expect("body");
        let value = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or(Value::String(text))
        };
        (status, value)
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> (StatusCode, Value) {
        self.call(Method::GET, path, token, None).await
    }
    pub async fn post(&self, path: &str, token: Option<&str>, body: Value) -> (StatusCode, Value) {
        self.call(Method::POST, path, token, Some(body)).await
    }
    pub async fn patch(&self, path: &str, token: Option<&str>, body: Value) -> (StatusCode, Value) {
        self.call(Method::PATCH, path, token, Some(body)).await
    }
    pub async fn put(&self, path: &str, token: Option<&str>, body: Value) -> (StatusCode, Value) {
        self.call(Method::PUT, path, token, Some(body)).await
    }
    pub async fn delete(&self, path: &str, token: Option<&str>) -> (StatusCode, Value) {
        self.call(Method::DELETE, path, token, None).await
    }

    /// Signs up `username` with [`PASSWORD`]; returns its id.
    pub async fn sign_up(&self, username: &str) -> u64 {
        let (st, body) = self
            .post("/api/users", None, json!({"username": username, "password": PASSWORD}))
            .await;
        assert_eq!(st, StatusCode::CREATED, "sign up {username}: {body}");
        body["id"].as_u64().expect("id")
    }

    pub async fn login(&self, username: &str, password: &str) -> String {
        let (st, body) = self
            .post("/api/login", None, json!({"username": username, "password": password}))
            .await;
        assert_eq!(st, StatusCode::OK, "login {username}: {body}");
        body["access_token"].as_str().expect("token").to_owned()
    }

    /// Signs up and logs in; returns (id, token).
    pub async fn member(&self, username: &str) -> (u64, String) {
        let id = self.sign_up(username).await;
        (id, self.login(username, PASSWORD).await)
    }

    /// Runs first-run setup with the owner `owner`; returns (id, token).
    pub async fn owner(&self) -> (u64, String) {
        let (st, body) =
            self.post("/api/setup", None, json!({"username": "owner", "password": PASSWORD})).await;
        assert_eq!(st, StatusCode::CREATED, "setup: {body}");
        (body["id"].as_u64().expect("id"), self.login("owner", PASSWORD).await)
    }

    /// An account with `role`, created by a super_admin's token; returns (id, token).
    pub async fn staff(&self, owner_token: &str, username: &str, role: &str) -> (u64, String) {
        let (st, body) = self
            .post(
                "/api/users",
                Some(owner_token),
                json!({"username": username, "password": PASSWORD, "role": role}),
            )
            .await;
        assert_eq!(st, StatusCode::CREATED, "create {role} {username}: {body}");
        (body["id"].as_u64().expect("id"), self.login(username, PASSWORD).await)
    }

    /// How many records have ever been written (the change log's last sequence), once the
    /// background subscribers have caught up. Use it to show that a request wrote nothing:
    /// the writer's own job counter also moves for background work.
    pub async fn records_written(&self) -> u64 {
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        loop {
            let h = self.get("/healthz", None).await.1;
            let caught_up = h["subscribers"]
                .as_array()
                .is_some_and(|subs| subs.iter().all(|x| x["behind"] == 0));
            if caught_up {
                return self.metric("barrio_changelog_last_seq").await;
            }
            assert!(std::time::Instant::now() < deadline, "subscribers did not catch up: {h}");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// A counter from `/metrics`.
    pub async fn metric(&self, name: &str) -> u64 {
        let text = self
            .client
            .get(self.url("/metrics"))
            .send()
            .await
            .expect("metrics")
            .text()
            .await
            .expect("text");
        text.lines()
            .find_map(|l| l.strip_prefix(name).and_then(|rest| rest.trim().parse().ok()))
            .unwrap_or_else(|| panic!("no metric {name}"))
    }
}

/// Asserts an error response: its status, and that it names `field` (when given).
pub fn assert_error(got: &(StatusCode, Value), status: StatusCode, field: Option<&str>) {
    assert_eq!(got.0, status, "{}", got.1);
    assert!(got.1["error"]["code"].is_string(), "no error code: {}", got.1);
    assert!(got.1["error"]["message"].is_string(), "no error message: {}", got.1);
    if let Some(f) = field {
        assert_eq!(got.1["error"]["field"], f, "{}", got.1);
    }
}
