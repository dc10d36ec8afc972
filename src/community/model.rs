//! Community records (posts, follows, likes, notification marks), the parsed type of a
//! post's text, and how a post is shown.

use serde::{Deserialize, Serialize};
use unicode_segmentation::UnicodeSegmentation;
use utoipa::ToSchema;

use crate::error::{ApiError, ApiResult};
use crate::store::Record;

/// The most grapheme clusters a post may have.
pub const POST_MAX: usize = 280;

/// A post's text: trimmed, 1–280 characters as a person counts them (Unicode extended
/// grapheme clusters: "é" written as e + combining accent, or a family emoji made of several
/// code points, each count as one).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PostText(String);

impl PostText {
    pub fn parse(s: &str) -> ApiResult<PostText> {
        let t = s.trim();
        if t.is_empty() {
            return Err(ApiError::invalid("text", "a post needs some text"));
        }
        if t.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
            return Err(ApiError::invalid("text", "the text has control characters"));
        }
        let n = t.graphemes(true).count();
        if n > POST_MAX {
            return Err(ApiError::invalid(
                "text",
                format!("a post has at most {POST_MAX} characters; this one has {n}"),
            ));
        }
        Ok(PostText(t.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_inner(self) -> String {
        self.0
    }
}

/// An image attached to a post: the blob's content hash and its MIME type.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PostImage {
    pub hash: String,
    pub mime: String,
}

/// A short post. Its id orders it in every timeline (ids only grow).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Post {
    pub id: u64,
    pub author_id: u64,
    pub text: String,
    pub image: Option<PostImage>,
    pub created_at_ms: i64,
    pub edited_at_ms: Option<i64>,
    /// Kept here, in the same job as each like and unlike, so a page never counts likes.
    pub like_count: u64,
}

/// (author, id) → id: an author's posts, newest last.
pub const POSTS_BY_AUTHOR: &str = "posts.author";

impl Record for Post {
    const TABLE: &'static str = "posts";
    const VERSION: u8 = 1;
    fn id(&self) -> u64 {
        self.id
    }
    fn index_keys(&self) -> Vec<(&'static str, Vec<u8>)> {
        vec![(POSTS_BY_AUTHOR, pair(self.author_id, self.id))]
    }
}

/// Two big-endian u64s: a prefix and an id, so keys sort by prefix, then id.
pub fn pair(a: u64, b: u64) -> Vec<u8> {
    let mut k = a.to_be_bytes().to_vec();
    k.extend(b.to_be_bytes());
    k
}

/// The second u64 of a [`pair`] key.
pub fn second(key: &[u8]) -> Option<u64> {
    key.get(8..16).and_then(|b| <[u8; 8]>::try_from(b).ok()).map(u64::from_be_bytes)
}

/// One account following another.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Follow {
    pub id: u64,
    pub follower_id: u64,
    pub followee_id: u64,
    pub created_at_ms: i64,
}

/// "follower:followee", unique: following twice finds the first follow.
pub const FOLLOW_PAIR: &str = "follows.followee_id";
/// (followee, follower) → follow id: an account's followers, by account id. The follower
/// is in the key so the fan-out reads keys only, never the follow records.
pub const FOLLOWERS: &str = "follows.followee";
/// (follower, followee) → follow id: the accounts one follows, by account id.
pub const FOLLOWING: &str = "follows.follower";

pub fn follow_key(follower_id: u64, followee_id: u64) -> String {
    format!("{follower_id}:{followee_id}")
}

impl Record for Follow {
    const TABLE: &'static str = "follows";
    const VERSION: u8 = 1;
    fn id(&self) -> u64 {
        self.id
    }
    fn unique_keys(&self) -> Vec<(&'static str, String)> {
        vec![(FOLLOW_PAIR, follow_key(self.follower_id, self.followee_id))]
    }
    fn index_keys(&self) -> Vec<(&'static str, Vec<u8>)> {
        vec![
            (FOLLOWERS, pair(self.followee_id, self.follower_id)),
            (FOLLOWING, pair(self.follower_id, self.followee_id)),
        ]
    }
}

/// One account liking one post.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Like {
    pub id: u64,
    pub post_id: u64,
    pub user_id: u64,
    pub created_at_ms: i64,
}

/// "post:user", unique: liking twice finds the first like.
pub const LIKE_PAIR: &str = "likes.post_id";
/// (post, like id) → like id.
pub const LIKES_BY_POST: &str = "likes.post";
/// (user, like id) → like id.
pub const LIKES_BY_USER: &str = "likes.user";

pub fn like_key(post_id: u64, user_id: u64) -> String {
    format!("{post_id}:{user_id}")
}

impl Record for Like {
    const TABLE: &'static str = "likes";
    const VERSION: u8 = 1;
    fn id(&self) -> u64 {
        self.id
    }
    fn unique_keys(&self) -> Vec<(&'static str, String)> {
        vec![(LIKE_PAIR, like_key(self.post_id, self.user_id))]
    }
    fn index_keys(&self) -> Vec<(&'static str, Vec<u8>)> {
        vec![
            (LIKES_BY_POST, pair(self.post_id, self.id)),
            (LIKES_BY_USER, pair(self.user_id, self.id)),
        ]
    }
}

/// When the last notification-worthy event for a pair (a follow, a like) was emitted, so a
/// follow-unfollow-follow within a minute tells nobody twice. Not logged: bookkeeping.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Mark {
    pub id: u64,
    /// "f:<follower>:<followee>" or "l:<post>:<liker>".
    pub key: String,
    /// The accounts it is about (removed with either of them).
    pub users: Vec<u64>,
    /// The post it is about (removed with it).
    pub post_id: Option<u64>,
    pub last_emitted_ms: i64,
}

pub const MARK_KEY: &str = "community_marks.key";
pub const MARKS_BY_USER: &str = "community_marks.user";
pub const MARKS_BY_POST: &str = "community_marks.post";

impl Record for Mark {
    const TABLE: &'static str = "community_marks";
    const VERSION: u8 = 1;
    const LOGGED: bool = false;
    fn id(&self) -> u64 {
        self.id
    }
    fn unique_keys(&self) -> Vec<(&'static str, String)> {
        vec![(MARK_KEY, self.key.clone())]
    }
    fn index_keys(&self) -> Vec<(&'static str, Vec<u8>)> {
        let mut keys: Vec<_> =
            self.users.iter().map(|u| (MARKS_BY_USER, pair(*u, self.id))).collect();
        if let Some(p) = self.post_id {
            keys.push((MARKS_BY_POST, pair(p, self.id)));
        }
        keys
    }
}

/// A post as the API shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct PostView {
    pub id: u64,
    pub author_id: u64,
    pub author_username: String,
    pub text: String,
    /// `/api/posts/{id}/image`, when the post has an image.
    pub image_url: Option<String>,
    pub created_at: String,
    pub edited_at: Option<String>,
    pub like_count: u64,
    /// Whether the caller likes it (false for anonymous callers).
    pub liked_by_me: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_counted_in_graphemes() {
        assert_eq!(PostText::parse("  hola  ").unwrap().as_str(), "hola");
        assert_eq!(PostText::parse("").unwrap_err().field.as_deref(), Some("text"));
        assert!(PostText::parse(" \n\t ").is_err());
        // 280 family emoji (each several code points) and 280 e + combining acute pass.
        let family = "👨‍👩‍👧‍👦".repeat(POST_MAX);
        assert!(family.chars().count() > POST_MAX);
        assert!(PostText::parse(&family).is_ok());
        let accents = "e\u{301}".repeat(POST_MAX);
        assert!(PostText::parse(&accents).is_ok());
        assert!(PostText::parse(&"ñ".repeat(POST_MAX)).is_ok());
        // One more is too many.
        let e = PostText::parse(&"a".repeat(POST_MAX + 1)).unwrap_err();
        assert_eq!(e.field.as_deref(), Some("text"));
        assert!(PostText::parse(&format!("{family}🙂")).is_err());
        assert!(PostText::parse("bad\u{0}byte").is_err());
    }

    #[test]
    fn pair_keys_sort_by_prefix_then_id() {
        assert!(pair(1, 300) < pair(2, 1));
        assert!(pair(1, 2) < pair(1, 256));
        assert_eq!(second(&pair(7, 42)), Some(42));
        assert_eq!(second(&[1, 2]), None);
    }
}
