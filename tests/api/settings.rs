//! The shop's settings: public to read, the owner's to change, checked, kept across restarts
//! and backups like any other data.

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{TestServer, assert_error};

#[tokio::test]
async fn anyone_reads_the_settings_and_only_the_owner_changes_them() {
    let mut s = TestServer::start().await;
    let (_, owner) = s.owner().await;
    let (_, staff) = s.staff(&owner, "cajera", "admin").await;
    let (_, member) = s.member("vecino").await;

    let (status, got) = s.get("/api/settings", None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(got["time_zone"], "America/Argentina/Cordoba");
    assert_eq!(got["language"], "es");
    assert_eq!(got["allow_negative_stock"], false);

    let change = json!({"shop_name": "Libros del Barrio", "tax_id": "30-71234567-8"});
    assert_error(
        &s.put("/api/settings", None, change.clone()).await,
        StatusCode::UNAUTHORIZED,
        None,
    );
    for token in [&member, &staff] {
        assert_error(
            &s.put("/api/settings", Some(token), change.clone()).await,
            StatusCode::FORBIDDEN,
            None,
        );
    }
    let before = s.records_written().await;
    for (body, field) in [
        (json!({"time_zone": "America/Springfield"}), "time_zone"),
        (json!({"language": "fr"}), "language"),
        (json!({"shop_name": "  "}), "shop_name"),
        (json!({"currency": "pesos"}), "currency"),
    ] {
        assert_error(
            &s.put("/api/settings", Some(&owner), body).await,
            StatusCode::BAD_REQUEST,
            Some(field),
        );
    }
    assert_eq!(s.records_written().await, before, "a refused change writes nothing");

    let (status, got) = s.put("/api/settings", Some(&owner), change).await;
    assert_eq!(status, StatusCode::OK, "{got}");
    assert_eq!(got["shop_name"], "Libros del Barrio");
    assert_eq!(got["time_zone"], "America/Argentina/Cordoba", "untouched fields keep their value");

    let dir = s.take_dir().unwrap();
    s.stop().await;
    let s = TestServer::start_in(dir.path(), &[]).await;
    let (_, got) = s.get("/api/settings", None).await;
    assert_eq!(got["tax_id"], "30-71234567-8", "settings survive a restart");
    drop(dir);
}
