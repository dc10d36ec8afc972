//! `/api/posts`, `/api/timeline`, `/api/users/{id}/follow|followers|following|posts`.

use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::model::{FOLLOWERS, FOLLOWING, POSTS_BY_AUTHOR, Post, PostText, PostView, pair, second};
use super::rules;
use super::timeline;
use crate::accounts::User;
use crate::app::AppState;
use crate::auth::{AuthUser, MaybeAuthUser};
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::http::{Json, Page, PageParams, Path, Query};
use crate::media::{MAX_IMAGE, parse_image};
use crate::store::Reader;

/// The body limit of `POST /api/posts`: a 5 MiB image is about 6.7 MiB in base64.
pub const POST_BODY_MAX: usize = 8 * 1024 * 1024;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .merge(
            OpenApiRouter::new()
                .routes(routes!(create_post, list_posts))
                .layer(DefaultBodyLimit::max(POST_BODY_MAX)),
        )
        .routes(routes!(get_post, patch_post, delete_post))
        .routes(routes!(post_image))
        .routes(routes!(like, unlike))
        .routes(routes!(timeline_page))
        .routes(routes!(user_posts))
        .routes(routes!(follow, unfollow))
        .routes(routes!(followers))
        .routes(routes!(following))
}

fn viewer(caller: &MaybeAuthUser) -> Option<u64> {
    caller.0.as_ref().map(AuthUser::id)
}

fn one_view(s: &AppState, post: &Post, viewer: Option<u64>) -> ApiResult<axum::Json<PostView>> {
    let mut v = s.store.read(|r| Ok(rules::views(r, std::slice::from_ref(post), viewer)))??;
    v.pop().map(axum::Json).ok_or_else(|| ApiError::internal("no view of a post"))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewPost {
    /// 1–280 characters, counted as a person counts them (an emoji is one).
    text: String,
    /// Optional image: the standard base64 of a PNG, JPEG or WebP file of at most 5 MiB.
    /// Base64 in the JSON body keeps a post one request and one write job, with the same
    /// error format as every other field.
    image: Option<String>,
}

/// Post something. The image, if any, travels base64-encoded in the JSON body (at most
/// 5 MiB decoded; the body may be up to 8 MiB).
#[utoipa::path(post, path = "/api/posts", tag = "community", request_body = NewPost,
    responses((status = 201, body = PostView), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 413, body = ErrorBody)),
    security(("bearer" = [])))]
async fn create_post(
    State(s): State<AppState>,
    caller: AuthUser,
    Json(b): Json<NewPost>,
) -> ApiResult<impl IntoResponse> {
    let text = PostText::parse(&b.text)?;
    let image = match b.image.as_deref() {
        None => None,
        Some(data) => {
            // Refuse the obviously too large before decoding.
            if data.len() / 4 * 3 > MAX_IMAGE + 3 {
                return Err(ApiError::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "too_large",
                    format!("an image may be at most {} MiB", MAX_IMAGE / 1024 / 1024),
                )
                .with_field("image"));
            }
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(data.trim())
                .map_err(|_| ApiError::invalid("image", "the image is not valid base64"))?;
            let mime = parse_image("image", &bytes)?;
            Some((bytes, mime))
        }
    };
    let author = caller.id();
    let post = s
        .store
        .write(Some(author), move |w| {
            rules::create_post(w, author, &text, image.as_ref().map(|(b, m)| (b.as_slice(), *m)))
        })
        .await?;
    let view = one_view(&s, &post, Some(author))?;
    Ok((StatusCode::CREATED, view))
}

/// The public feed: every post, newest first. Readable anonymously.
#[utoipa::path(get, path = "/api/posts", tag = "community", params(PageParams),
    responses((status = 200, body = Page<PostView>), (status = 400, body = ErrorBody)))]
async fn list_posts(
    State(s): State<AppState>,
    caller: MaybeAuthUser,
    Query(page): Query<PageParams>,
) -> ApiResult<axum::Json<Page<PostView>>> {
    let (limit, after) = (page.limit()?, page.cursor_id()?);
    let me = viewer(&caller);
    let page = s
        .store
        .read_blocking(move |r| {
            let posts: Vec<Post> = r.list(after, limit + 1, true)?;
            Ok(view_page(r, posts, limit, me))
        })
        .await??;
    Ok(axum::Json(page))
}

fn view_page(
    r: &impl Reader,
    mut posts: Vec<Post>,
    limit: usize,
    me: Option<u64>,
) -> ApiResult<Page<PostView>> {
    let more = posts.len() > limit;
    posts.truncate(limit);
    let next_cursor = if more { posts.last().map(|p| p.id.to_string()) } else { None };
    Ok(Page { items: rules::views(r, &posts, me)?, next_cursor })
}

/// One post. Readable anonymously.
#[utoipa::path(get, path = "/api/posts/{id}", tag = "community", params(("id" = u64, Path)),
    responses((status = 200, body = PostView), (status = 404, body = ErrorBody)))]
async fn get_post(
    State(s): State<AppState>,
    caller: MaybeAuthUser,
    Path(id): Path<u64>,
) -> ApiResult<axum::Json<PostView>> {
    let post = s.store.read(|r| r.get::<Post>(id))?.ok_or_else(|| ApiError::not_found("post"))?;
    one_view(&s, &post, viewer(&caller))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PostChanges {
    /// 1–280 characters.
    text: String,
}

/// Edit a post's text (its author only); sets `edited_at`.
#[utoipa::path(patch, path = "/api/posts/{id}", tag = "community", params(("id" = u64, Path)), request_body = PostChanges,
    responses((status = 200, body = PostView), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
async fn patch_post(
    State(s): State<AppState>,
    caller: AuthUser,
    Path(id): Path<u64>,
    Json(b): Json<PostChanges>,
) -> ApiResult<axum::Json<PostView>> {
    let text = PostText::parse(&b.text)?;
    let me = caller.id();
    let post = s.store.write(Some(me), move |w| rules::edit_post(w, me, id, &text)).await?;
    one_view(&s, &post, Some(me))
}

/// Delete a post: its author, or staff (moderation).
#[utoipa::path(delete, path = "/api/posts/{id}", tag = "community", params(("id" = u64, Path)),
    responses((status = 204), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
async fn delete_post(
    State(s): State<AppState>,
    caller: AuthUser,
    Path(id): Path<u64>,
) -> ApiResult<StatusCode> {
    let (me, staff) = (caller.id(), caller.user.role.is_staff());
    s.store.write(Some(me), move |w| rules::delete_post(w, me, staff, id)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A post's image, with its content type. Readable anonymously.
#[utoipa::path(get, path = "/api/posts/{id}/image", tag = "community", params(("id" = u64, Path)),
    responses((status = 200, content_type = "image/*", body = Vec<u8>), (status = 304), (status = 404, body = ErrorBody)))]
async fn post_image(
    State(s): State<AppState>,
    Path(id): Path<u64>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let (image, bytes) = s
        .store
        .read(|r| {
            let Some(image) = r.get::<Post>(id)?.and_then(|p| p.image) else { return Ok(None) };
            let bytes = r.blob(&image.hash)?;
            Ok(bytes.map(|b| (image, b)))
        })?
        .ok_or_else(|| ApiError::not_found("image"))?;
    let etag = format!("\"{}\"", image.hash);
    let cache = "public, max-age=3600";
    let matches = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag || t.trim() == "*"));
    if matches {
        return Ok((
            StatusCode::NOT_MODIFIED,
            [(header::ETAG, etag), (header::CACHE_CONTROL, cache.into())],
        )
            .into_response());
    }
    Ok((
        [
            (header::CONTENT_TYPE, image.mime),
            (header::ETAG, etag),
            (header::CACHE_CONTROL, cache.into()),
        ],
        bytes,
    )
        .into_response())
}

/// Like a post (again is fine). Answers the post as it now is.
#[utoipa::path(post, path = "/api/posts/{id}/like", tag = "community", params(("id" = u64, Path)),
    responses((status = 200, body = PostView), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
async fn like(
    State(s): State<AppState>,
    caller: AuthUser,
    Path(id): Path<u64>,
) -> ApiResult<axum::Json<PostView>> {
    let me = caller.id();
    let post = s.store.write(Some(me), move |w| rules::like(w, me, id)).await?;
    one_view(&s, &post, Some(me))
}

/// Take a like back (not liking is fine). Answers the post as it now is.
#[utoipa::path(delete, path = "/api/posts/{id}/like", tag = "community", params(("id" = u64, Path)),
    responses((status = 200, body = PostView), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
async fn unlike(
    State(s): State<AppState>,
    caller: AuthUser,
    Path(id): Path<u64>,
) -> ApiResult<axum::Json<PostView>> {
    let me = caller.id();
    let post = s.store.write(Some(me), move |w| rules::unlike(w, me, id)).await?;
    one_view(&s, &post, Some(me))
}

/// The caller's home timeline: its own posts and those of the accounts it follows, newest
/// first. The cursor is a post id, so pages stay stable while new posts arrive.
#[utoipa::path(get, path = "/api/timeline", tag = "community", params(PageParams),
    responses((status = 200, body = Page<PostView>), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)),
    security(("bearer" = [])))]
async fn timeline_page(
    State(s): State<AppState>,
    caller: AuthUser,
    Query(page): Query<PageParams>,
) -> ApiResult<axum::Json<Page<PostView>>> {
    let (limit, after) = (page.limit()?, page.cursor_id()?);
    let me = caller.id();
    let page = s
        .store
        .read_blocking(move |r| {
            let (posts, next) = timeline::home_page(r, me, after, limit)?;
            Ok(rules::views(r, &posts, Some(me))
                .map(|items| Page { items, next_cursor: next.map(|n| n.to_string()) }))
        })
        .await??;
    Ok(axum::Json(page))
}

fn require_user(s: &AppState, id: u64) -> ApiResult<()> {
    s.store.read(|r| r.get::<User>(id))?.map(|_| ()).ok_or_else(|| ApiError::not_found("user"))
}

/// An account's posts, newest first. Readable anonymously.
#[utoipa::path(get, path = "/api/users/{id}/posts", tag = "community", params(("id" = u64, Path), PageParams),
    responses((status = 200, body = Page<PostView>), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn user_posts(
    State(s): State<AppState>,
    caller: MaybeAuthUser,
    Path(id): Path<u64>,
    Query(page): Query<PageParams>,
) -> ApiResult<axum::Json<Page<PostView>>> {
    let (limit, after) = (page.limit()?, page.cursor_id()?);
    require_user(&s, id)?;
    let me = viewer(&caller);
    let page = s
        .store
        .read_blocking(move |r| {
            let from = after.map(|a| pair(id, a));
            let keys =
                r.scan(POSTS_BY_AUTHOR, &id.to_be_bytes(), from.as_deref(), limit + 1, true)?;
            let mut posts = Vec::with_capacity(keys.len());
            for (_, pid) in keys {
                if let Some(p) = r.get::<Post>(pid)? {
                    posts.push(p);
                }
            }
            Ok(view_page(r, posts, limit, me))
        })
        .await??;
    Ok(axum::Json(page))
}

/// Follow an account (again is fine; yourself is not).
#[utoipa::path(post, path = "/api/users/{id}/follow", tag = "community", params(("id" = u64, Path)),
    responses((status = 204), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
async fn follow(
    State(s): State<AppState>,
    caller: AuthUser,
    Path(id): Path<u64>,
) -> ApiResult<StatusCode> {
    let me = caller.id();
    s.store.write(Some(me), move |w| rules::follow(w, me, id)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Stop following an account (not following is fine).
#[utoipa::path(delete, path = "/api/users/{id}/follow", tag = "community", params(("id" = u64, Path)),
    responses((status = 204), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
async fn unfollow(
    State(s): State<AppState>,
    caller: AuthUser,
    Path(id): Path<u64>,
) -> ApiResult<StatusCode> {
    let me = caller.id();
    s.store.write(Some(me), move |w| rules::unfollow(w, me, id)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// An account in a followers or following list.
#[derive(Debug, Serialize, ToSchema)]
pub struct UserRef {
    pub id: u64,
    pub username: String,
}

/// A page of accounts, with how many there are in all.
#[derive(Debug, Serialize, ToSchema)]
pub struct FollowPage {
    pub items: Vec<UserRef>,
    pub next_cursor: Option<String>,
    pub count: u64,
}

async fn follow_list(
    s: &AppState,
    index: &'static str,
    id: u64,
    page: PageParams,
) -> ApiResult<axum::Json<FollowPage>> {
    let (limit, after) = (page.limit()?, page.cursor_id()?);
    require_user(s, id)?;
    let page = s
        .store
        .read_blocking(move |r| {
            let prefix = id.to_be_bytes();
            let count = r.scan(index, &prefix, None, usize::MAX, false)?.len() as u64;
            let from = after.map(|a| pair(id, a));
            let keys = r.scan(index, &prefix, from.as_deref(), limit + 1, false)?;
            let more = keys.len() > limit;
            let mut items = Vec::with_capacity(limit);
            for (k, _) in keys.into_iter().take(limit) {
                let Some(other) = second(&k) else { continue };
                let username = r.get::<User>(other)?.map(|u| u.username).unwrap_or_default();
                items.push(UserRef { id: other, username });
            }
            let next_cursor = if more { items.last().map(|u| u.id.to_string()) } else { None };
            Ok(FollowPage { items, next_cursor, count })
        })
        .await?;
    Ok(axum::Json(page))
}

/// Who follows an account, by account id, with the count.
#[utoipa::path(get, path = "/api/users/{id}/followers", tag = "community", params(("id" = u64, Path), PageParams),
    responses((status = 200, body = FollowPage), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
async fn followers(
    State(s): State<AppState>,
    _caller: AuthUser,
    Path(id): Path<u64>,
    Query(page): Query<PageParams>,
) -> ApiResult<axum::Json<FollowPage>> {
    follow_list(&s, FOLLOWERS, id, page).await
}

/// Whom an account follows, by account id, with the count.
#[utoipa::path(get, path = "/api/users/{id}/following", tag = "community", params(("id" = u64, Path), PageParams),
    responses((status = 200, body = FollowPage), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
async fn following(
    State(s): State<AppState>,
    _caller: AuthUser,
    Path(id): Path<u64>,
    Query(page): Query<PageParams>,
) -> ApiResult<axum::Json<FollowPage>> {
    follow_list(&s, FOLLOWING, id, page).await
}
