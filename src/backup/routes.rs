//! `GET /api/admin/backup`: the owner downloads a consistent snapshot of the data file.

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, header};
use axum::response::Response;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::LOCAL_SECRET_HEADER;
use crate::app::AppState;
use crate::auth::{MaybeAuthUser, Role};
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::store::backup::file_time;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(download_backup))
}

/// A consistent snapshot of the whole data file, taken while the shop keeps working; itself
/// a valid data file (start Barrio on it with `--data-dir`). super_admin only.
#[utoipa::path(get, path = "/api/admin/backup", tag = "admin",
    responses(
        (status = 200, description = "The data file (application/octet-stream)", content_type = "application/octet-stream"),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
async fn download_backup(
    State(s): State<AppState>,
    headers: HeaderMap,
    caller: MaybeAuthUser,
) -> ApiResult<Response> {
    // The command line on this machine proves itself with the secret in `server.json`.
    let local = headers
        .get(LOCAL_SECRET_HEADER)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| s.backups.is_local_secret(v));
    if !local {
        match &caller.0 {
            None => return Err(ApiError::unauthorized("log in as a super_admin")),
            Some(u) if u.user.role != Role::SuperAdmin => {
                return Err(ApiError::forbidden("only a super_admin may download backups"));
            }
            Some(_) => {}
        }
    }
    let (file, len, at) =
        s.backups.snapshot_for_download(&s.store).await.map_err(ApiError::internal)?;
    let stream = tokio_util::io::ReaderStream::new(tokio::fs::File::from_std(file));
    Response::builder()
        .header(header::CONTENT_TYPE, "application/octet-stream")
        .header(header::CONTENT_LENGTH, len)
        .header(
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"barrio-{}.redb\"", file_time(at)),
        )
        .header(header::CACHE_CONTROL, "no-store")
        .body(Body::from_stream(stream))
        .map_err(ApiError::internal)
}
