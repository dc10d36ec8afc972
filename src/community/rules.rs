//! Community writes and their invariants. Each function runs inside one writer job and
//! checks everything before it writes (see `store::writer`), so a refusal writes nothing.

use std::collections::HashMap;

use super::model::{
    FOLLOW_PAIR, FOLLOWERS, FOLLOWING, Follow, LIKE_PAIR, LIKES_BY_POST, LIKES_BY_USER, Like,
    MARK_KEY, MARKS_BY_POST, MARKS_BY_USER, Mark, POSTS_BY_AUTHOR, Post, PostImage, PostText,
    PostView, follow_key, like_key,
};
use super::timeline;
use crate::accounts::User;
use crate::error::{ApiError, ApiResult};
use crate::events::{Event, emit};
use crate::http::rfc3339;
use crate::store::{Reader, Record, WriteTx};

/// A repeat of the same follow or like within this long tells nobody again.
pub const QUIET_MS: i64 = 60_000;

/// A new post by `author`, with an image already checked (`media::parse_image`).
pub fn create_post(
    w: &mut WriteTx<'_>,
    author: u64,
    text: &PostText,
    image: Option<(&[u8], &'static str)>,
) -> ApiResult<Post> {
    let id = w.next_id(Post::TABLE)?;
    let image = match image {
        Some((bytes, mime)) => Some(PostImage { hash: w.put_blob(bytes)?, mime: mime.to_owned() }),
        None => None,
    };
    let post = Post {
        id,
        author_id: author,
        text: text.as_str().to_owned(),
        image,
        created_at_ms: w.now_ms(),
        edited_at_ms: None,
        like_count: 0,
    };
    w.insert(&post)?;
    // The author's own entry now; followers' entries come from the fan-out jobs.
    timeline::put_entry(w, author, id)?;
    timeline::enqueue(w, id)?;
    Ok(post)
}

/// Changes a post's text: its author only.
pub fn edit_post(w: &mut WriteTx<'_>, caller: u64, id: u64, text: &PostText) -> ApiResult<Post> {
    let mut post: Post = w.get(id)?.ok_or_else(|| ApiError::not_found("post"))?;
    if post.author_id != caller {
        return Err(ApiError::forbidden("only its author may edit a post"));
    }
    post.text = text.as_str().to_owned();
    post.edited_at_ms = Some(w.now_ms());
    w.update(&post)?;
    Ok(post)
}

/// Deletes a post: its author, or staff (moderation).
pub fn delete_post(w: &mut WriteTx<'_>, caller: u64, staff: bool, id: u64) -> ApiResult<()> {
    let post: Post = w.get(id)?.ok_or_else(|| ApiError::not_found("post"))?;
    if post.author_id != caller && !staff {
        return Err(ApiError::forbidden("only its author or staff may delete a post"));
    }
    remove_post(w, id)
}

/// Removes a post with its likes, marks and timeline entries. (Its image blob stays: blobs
/// are content-addressed and not garbage-collected yet.)
fn remove_post(w: &mut WriteTx<'_>, id: u64) -> ApiResult<()> {
    for (_, like) in w.scan(LIKES_BY_POST, &id.to_be_bytes(), None, usize::MAX, false)? {
        w.remove::<Like>(like)?;
    }
    for (_, mark) in w.scan(MARKS_BY_POST, &id.to_be_bytes(), None, usize::MAX, false)? {
        w.remove::<Mark>(mark)?;
    }
    timeline::remove_post(w, id)?;
    w.remove::<Post>(id)?;
    Ok(())
}

/// Emits `event` unless one was emitted for `key` less than [`QUIET_MS`] ago.
fn emit_once(
    w: &mut WriteTx<'_>,
    key: String,
    users: Vec<u64>,
    post_id: Option<u64>,
    event: Event,
) -> ApiResult<()> {
    let now = w.now_ms();
    match w.unique(MARK_KEY, &key)?.map(|id| w.get::<Mark>(id)).transpose()?.flatten() {
        Some(m) if now - m.last_emitted_ms < QUIET_MS => return Ok(()),
        Some(mut m) => {
            m.last_emitted_ms = now;
            w.update(&m)?;
        }
        None => {
            let id = w.next_id(Mark::TABLE)?;
            w.insert(&Mark { id, key, users, post_id, last_emitted_ms: now })?;
        }
    }
    emit(w, event)?;
    Ok(())
}

fn require_user(r: &impl Reader, id: u64) -> ApiResult<User> {
    r.get::<User>(id)?.ok_or_else(|| ApiError::not_found("user"))
}

/// `follower` follows `followee`; following again changes nothing.
pub fn follow(w: &mut WriteTx<'_>, follower: u64, followee: u64) -> ApiResult<()> {
    if follower == followee {
        return Err(ApiError::invalid("id", "you cannot follow yourself"));
    }
    require_user(w, followee)?;
    if w.unique(FOLLOW_PAIR, &follow_key(follower, followee))?.is_some() {
        return Ok(());
    }
    let id = w.next_id(Follow::TABLE)?;
    w.insert(&Follow {
        id,
        follower_id: follower,
        followee_id: followee,
        created_at_ms: w.now_ms(),
    })?;
    timeline::backfill(w, follower, followee)?;
    emit_once(
        w,
        format!("f:{follower}:{followee}"),
        vec![follower, followee],
        None,
        Event::Followed { follower_id: follower, followee_id: followee },
    )
}

/// `follower` stops following `followee`; not following is fine.
pub fn unfollow(w: &mut WriteTx<'_>, follower: u64, followee: u64) -> ApiResult<()> {
    require_user(w, followee)?;
    let Some(id) = w.unique(FOLLOW_PAIR, &follow_key(follower, followee))? else { return Ok(()) };
    w.remove::<Follow>(id)?;
    timeline::unbackfill(w, follower, followee)?;
    Ok(())
}

/// `user` likes a post; liking again changes nothing. Returns the post as it now is.
pub fn like(w: &mut WriteTx<'_>, user: u64, post_id: u64) -> ApiResult<Post> {
    let mut post: Post = w.get(post_id)?.ok_or_else(|| ApiError::not_found("post"))?;
    if w.unique(LIKE_PAIR, &like_key(post_id, user))?.is_some() {
        return Ok(post);
    }
    let id = w.next_id(Like::TABLE)?;
    w.insert(&Like { id, post_id, user_id: user, created_at_ms: w.now_ms() })?;
    post.like_count += 1;
    w.update(&post)?;
    if post.author_id != user {
        emit_once(
            w,
            format!("l:{post_id}:{user}"),
            vec![user],
            Some(post_id),
            Event::Liked { post_id, liker_id: user, author_id: post.author_id },
        )?;
    }
    Ok(post)
}

/// `user` takes its like back; not liking is fine. Returns the post as it now is.
pub fn unlike(w: &mut WriteTx<'_>, user: u64, post_id: u64) -> ApiResult<Post> {
    let mut post: Post = w.get(post_id)?.ok_or_else(|| ApiError::not_found("post"))?;
    let Some(id) = w.unique(LIKE_PAIR, &like_key(post_id, user))? else { return Ok(post) };
    w.remove::<Like>(id)?;
    post.like_count = post.like_count.saturating_sub(1);
    w.update(&post)?;
    Ok(post)
}

/// An account is being deleted: its posts (with their likes and timeline entries), its
/// likes (correcting the counts), its follows both ways and its timeline go. Posts are
/// deleted, not anonymised.
pub fn forget_account(w: &mut WriteTx<'_>, user: u64) -> ApiResult<()> {
    let prefix = user.to_be_bytes();
    for (_, post) in w.scan(POSTS_BY_AUTHOR, &prefix, None, usize::MAX, false)? {
        remove_post(w, post)?;
    }
    for (_, like) in w.scan(LIKES_BY_USER, &prefix, None, usize::MAX, false)? {
        if let Some(l) = w.remove::<Like>(like)?
            && let Some(mut p) = w.get::<Post>(l.post_id)?
        {
            p.like_count = p.like_count.saturating_sub(1);
            w.update(&p)?;
        }
    }
    // Its posts are gone, so no one's timeline names them; its own timeline goes below.
    for index in [FOLLOWING, FOLLOWERS] {
        for (_, follow) in w.scan(index, &prefix, None, usize::MAX, false)? {
            w.remove::<Follow>(follow)?;
        }
    }
    timeline::forget_reader(w, user)?;
    for (_, mark) in w.scan(MARKS_BY_USER, &prefix, None, usize::MAX, false)? {
        w.remove::<Mark>(mark)?;
    }
    Ok(())
}

/// Posts as `viewer` sees them: with author names and whether the viewer likes each.
pub fn views(r: &impl Reader, posts: &[Post], viewer: Option<u64>) -> ApiResult<Vec<PostView>> {
    let mut names: HashMap<u64, String> = HashMap::new();
    let mut out = Vec::with_capacity(posts.len());
    for p in posts {
        let author_username = match names.get(&p.author_id) {
            Some(n) => n.clone(),
            None => {
                let n = r.get::<User>(p.author_id)?.map(|u| u.username).unwrap_or_default();
                names.insert(p.author_id, n.clone());
                n
            }
        };
        let liked_by_me = match viewer {
            Some(v) => r.unique(LIKE_PAIR, &like_key(p.id, v))?.is_some(),
            None => false,
        };
        out.push(PostView {
            id: p.id,
            author_id: p.author_id,
            author_username,
            text: p.text.clone(),
            image_url: p.image.as_ref().map(|_| format!("/api/posts/{}/image", p.id)),
            created_at: rfc3339(p.created_at_ms),
            edited_at: p.edited_at_ms.map(rfc3339),
            like_count: p.like_count,
            liked_by_me,
        });
    }
    Ok(out)
}
