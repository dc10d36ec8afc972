//! The web UI in a real headless Chromium: runs `tests/browser/scenarios.mjs` (Playwright)
//! against the real binary on a fresh data dir. `scripts/test` installs Chromium and
//! playwright-core when they are missing.

use std::path::Path;
use std::time::Duration;

use crate::helpers::TestServer;

#[tokio::test(flavor = "multi_thread")]
async fn the_ui_end_to_end_in_chromium() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let script = root.join("tests/browser/scenarios.mjs");
    let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    assert!(
        Path::new(&chromium).exists()
            && root.join("tests/browser/node_modules/playwright-core").exists(),
        "the browser tests need {chromium} and tests/browser/node_modules: run scripts/test, \
         which installs them"
    );
    let server = TestServer::start().await;
    let run = tokio::process::Command::new("node")
        .arg(&script)
        .arg(&server.base)
        .current_dir(root)
        .kill_on_drop(true)
        .output();
    let out = tokio::time::timeout(Duration::from_secs(300), run)
        .await
        .expect("the browser scenarios finish within 300 s")
        .expect("node runs");
    let text = format!(
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    println!("{text}");
    assert!(out.status.success(), "browser scenarios failed:\n{text}");
}

#[tokio::test]
async fn ui_assets_are_compressed_cached_and_routes_fall_back_to_the_app() {
    let s = TestServer::start().await;
    let paths = ["/", "/js/main.js", "/js/pages/catalog/books.js", "/app.css", "/i18n/es.js"];
    for path in paths {
        let res = s
            .client
            .get(s.url(path))
            .header("accept-encoding", "gzip")
            .send()
            .await
            .expect("request");
        assert_eq!(res.status(), 200, "{path}");
        let h = res.headers();
        assert_eq!(h.get("content-encoding").map(|v| v.to_str().unwrap()), Some("gzip"), "{path}");
        assert!(h.get("etag").is_some(), "{path} has an ETag");
        assert!(h.get("cache-control").is_some(), "{path} has Cache-Control");
        // A module nested under js/ is served as JavaScript, or the browser refuses it.
        if path.ends_with(".js") {
            let mime = h.get("content-type").map(|v| v.to_str().unwrap_or_default().to_owned());
            assert!(mime.as_deref().is_some_and(|m| m.contains("javascript")), "{path}: {mime:?}");
        }
    }
    // A route of the app (no dot) is the app; a missing file is a 404.
    let page = s.client.get(s.url("/staff/products/7")).send().await.expect("request");
    assert_eq!(page.status(), 200);
    assert!(page.text().await.expect("body").contains("/js/main.js"));
    let missing = s.client.get(s.url("/nope.js")).send().await.expect("request");
    assert_eq!(missing.status(), 404);
}
