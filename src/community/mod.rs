//! The community feed: short posts, follows, likes, home timelines.
//!
//! - `model`: the `Post`, `Follow`, `Like` and `Mark` records, `PostText` (graphemes).
//! - `rules`: the writes and their invariants (idempotent follows and likes, like counts kept
//!   in the post, one notification per pair and minute, account deletion).
//! - `timeline`: fan-out on write in bounded jobs drained by a worker; the design and its
//!   figures.
//! - `routes`: the HTTP handlers.

mod model;
mod routes;
mod rules;
pub mod timeline;

pub use model::{Follow, Like, Mark, POSTS_BY_AUTHOR, Post, PostText, pair};
pub use routes::router;
pub use rules::{create_post, follow, forget_account, like};
pub use timeline::FanOutWorker;
