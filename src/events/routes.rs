//! `/api/notifications` (the caller's own inbox and its live stream) and
//! `/api/admin/dead-letters` (the super_admin's view of what subscribers gave up on).

use std::convert::Infallible;
use std::time::Duration;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::sse::{Event as SseEvent, KeepAlive, Sse};
use serde::{Deserialize, Serialize};
use tokio_stream::Stream;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::notify::{BY_USER, Notification, NotificationView, UNREAD, user_key};
use super::subscriber::DeadLetter;
use crate::app::AppState;
use crate::auth::{AuthUser, Role, authenticate};
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::http::{Page, PageParams, Path, Query, rfc3339};
use crate::store::{Reader, Store};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list))
        .routes(routes!(unread_count))
        .routes(routes!(mark_read))
        .routes(routes!(mark_all_read))
        .routes(routes!(stream))
        .routes(routes!(dead_letters))
        .routes(routes!(retry_dead_letter))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct InboxFilter {
    /// Only unread ones.
    unread: Option<bool>,
    limit: Option<u32>,
    cursor: Option<String>,
}

/// The caller's notifications, newest first.
#[utoipa::path(get, path = "/api/notifications", tag = "notifications", params(InboxFilter),
    responses((status = 200, body = Page<NotificationView>), (status = 401, body = ErrorBody)), security(("bearer" = [])))]
async fn list(
    State(s): State<AppState>,
    caller: AuthUser,
    Query(f): Query<InboxFilter>,
) -> ApiResult<axum::Json<Page<NotificationView>>> {
    let page = PageParams { limit: f.limit, cursor: f.cursor };
    let (limit, before) = (page.limit()?, page.cursor_id()?);
    let me = caller.id();
    let index = if f.unread.unwrap_or(false) { UNREAD } else { BY_USER };
    let rows = s.store.read(|r| {
        let after = before.map(|b| user_key(me, b));
        r.scan(index, &me.to_be_bytes(), after.as_deref(), limit + 1, true)?
            .into_iter()
            .filter_map(|(_, id)| r.get::<Notification>(id).transpose())
            .collect::<Result<Vec<_>, _>>()
    })?;
    Ok(axum::Json(Page::from_overfetch(
        rows,
        limit,
        |n| n.id.to_string(),
        |n| NotificationView::from(&n),
    )))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UnreadCount {
    unread: usize,
}

const COUNT_CAP: usize = 10_000;

/// How many of the caller's notifications are unread (counted up to 10,000).
#[utoipa::path(get, path = "/api/notifications/unread-count", tag = "notifications",
    responses((status = 200, body = UnreadCount), (status = 401, body = ErrorBody)), security(("bearer" = [])))]
async fn unread_count(
    State(s): State<AppState>,
    caller: AuthUser,
) -> ApiResult<axum::Json<UnreadCount>> {
    let me = caller.id();
    let unread =
        s.store.read(|r| Ok(r.scan(UNREAD, &me.to_be_bytes(), None, COUNT_CAP, false)?.len()))?;
    Ok(axum::Json(UnreadCount { unread }))
}

/// Marks one of the caller's notifications read. Another person's is 404.
#[utoipa::path(post, path = "/api/notifications/{id}/read", tag = "notifications", params(("id" = u64, Path)),
    responses((status = 204), (status = 404, body = ErrorBody)), security(("bearer" = [])))]
async fn mark_read(
    State(s): State<AppState>,
    caller: AuthUser,
    Path(id): Path<u64>,
) -> ApiResult<StatusCode> {
    let me = caller.id();
    s.store
        .write(Some(me), move |w| {
            let mut n = w
                .get::<Notification>(id)?
                .filter(|n| n.user_id == me)
                .ok_or_else(|| ApiError::not_found("notification"))?;
            if n.read_at_ms.is_none() {
                n.read_at_ms = Some(w.now_ms());
                w.update(&n)?;
            }
            Ok::<_, ApiError>(())
        })
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Marks all of the caller's notifications read.
#[utoipa::path(post, path = "/api/notifications/read-all", tag = "notifications",
    responses((status = 204), (status = 401, body = ErrorBody)), security(("bearer" = [])))]
async fn mark_all_read(State(s): State<AppState>, caller: AuthUser) -> ApiResult<StatusCode> {
    let me = caller.id();
    s.store
        .write(Some(me), move |w| {
            let unread = w.scan(UNREAD, &me.to_be_bytes(), None, usize::MAX, false)?;
            for (_, id) in unread {
                if let Some(mut n) = w.get::<Notification>(id)? {
                    n.read_at_ms = Some(w.now_ms());
                    w.update(&n)?;
                }
            }
            Ok::<_, ApiError>(())
        })
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StreamParams {
    /// The token, for browsers' EventSource, which cannot send headers.
    access_token: Option<String>,
}

/// The caller's notifications with an id above `after`, oldest first.
fn newer(store: &Store, user: u64, after: u64) -> ApiResult<Vec<Notification>> {
    Ok(store.read(|r| {
        r.scan(BY_USER, &user.to_be_bytes(), Some(&user_key(user, after)), 100, false)?
            .into_iter()
            .filter_map(|(_, id)| r.get::<Notification>(id).transpose())
            .collect::<Result<Vec<_>, _>>()
    })?)
}

/// Live notifications (Server-Sent Events, event `notification`, id = notification id).
/// Reconnect with `Last-Event-ID` to get what was missed; without it, only new ones come.
#[utoipa::path(get, path = "/api/notifications/stream", tag = "notifications", params(StreamParams),
    responses((status = 200, description = "text/event-stream of NotificationView"), (status = 401, body = ErrorBody)))]
async fn stream(
    State(s): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<StreamParams>,
) -> ApiResult<Sse<impl Stream<Item = Result<SseEvent, Infallible>>>> {
    let header_token = headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer ")))
        .map(str::to_owned);
    let token =
        header_token.or(q.access_token).ok_or_else(|| ApiError::unauthorized("log in first"))?;
    let me = authenticate(&s, &token)?.id();
    let last_event_id = headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    let start = match last_event_id {
        Some(id) => id,
        // No history asked for: start after the newest one there is now.
        None => s.store.read(|r| {
            Ok(r.scan(BY_USER, &me.to_be_bytes(), None, 1, true)?.first().map_or(0, |(_, id)| *id))
        })?,
    };
    let mut changes = s.store.changes();
    let mut stop = s.events.stopping();
    let stream = async_stream::stream! {
        let mut last = start;
        loop {
            // Re-check the token each time: logout, expiry or a deleted account end the stream.
            if authenticate(&s, &token).is_err() {
                break;
            }
            match newer(&s.store, me, last) {
                Ok(list) => {
                    for n in list {
                        last = n.id;
                        if let Ok(ev) = SseEvent::default().id(n.id.to_string()).event("notification").json_data(NotificationView::from(&n)) {
                            yield Ok(ev);
                        }
                    }
                }
                Err(_) => break,
            }
            tokio::select! {
                r = changes.changed() => if r.is_err() { break },
                _ = tokio::time::sleep(Duration::from_secs(30)) => {}
                _ = stop.changed() => break,
            }
        }
    };
    Ok(Sse::new(stream).keep_alive(KeepAlive::new().interval(Duration::from_secs(15))))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DeadLetterView {
    id: u64,
    subscriber: String,
    /// The change-log entry: what kind of record, which id, which operation.
    change_kind: String,
    change_id: u64,
    change_op: String,
    error: String,
    attempts: u32,
    at: String,
}

fn require_owner(caller: &AuthUser) -> ApiResult<()> {
    if caller.user.role == Role::SuperAdmin {
        Ok(())
    } else {
        Err(ApiError::forbidden("only a super_admin sees dead letters"))
    }
}

/// What subscribers gave up on (super_admin).
#[utoipa::path(get, path = "/api/admin/dead-letters", tag = "admin", params(PageParams),
    responses((status = 200, body = Page<DeadLetterView>), (status = 403, body = ErrorBody)), security(("bearer" = [])))]
async fn dead_letters(
    State(s): State<AppState>,
    caller: AuthUser,
    Query(p): Query<PageParams>,
) -> ApiResult<axum::Json<Page<DeadLetterView>>> {
    require_owner(&caller)?;
    let (limit, after) = (p.limit()?, p.cursor_id()?);
    let rows = s.store.read(|r| r.list::<DeadLetter>(after, limit + 1, false))?;
    Ok(axum::Json(Page::from_overfetch(
        rows,
        limit,
        |d| d.id.to_string(),
        |d| DeadLetterView {
            id: d.id,
            subscriber: d.subscriber,
            change_kind: d.change.kind,
            change_id: d.change.id,
            change_op: format!("{:?}", d.change.op).to_lowercase(),
            error: d.error,
            attempts: d.attempts,
            at: rfc3339(d.at_ms),
        },
    )))
}

/// Runs a dead letter's handler again; on success it leaves the list (204), on failure 409
/// with the handler's error.
#[utoipa::path(post, path = "/api/admin/dead-letters/{id}/retry", tag = "admin", params(("id" = u64, Path)),
    responses((status = 204), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)), security(("bearer" = [])))]
async fn retry_dead_letter(
    State(s): State<AppState>,
    caller: AuthUser,
    Path(id): Path<u64>,
) -> ApiResult<StatusCode> {
    require_owner(&caller)?;
    s.events.subscribers.retry(&s.store, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
