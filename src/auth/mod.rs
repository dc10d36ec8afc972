//! Who is calling, and what they may do.
//!
//! - `password`: argon2id hashing off the async runtime, with a bound on how many run at once.
//! - `token`: HS256 JWTs and their revocation (per token on logout, per user on password
//!   change through the user's token generation).
//! - `throttle`: login attempts per username and per address.
//! - `policy`: the roles and the table of who may do what to accounts.
//! - `extract`: `AuthUser` / `MaybeAuthUser`, so a handler's signature says who may call it.

mod extract;
mod password;
pub mod policy;
mod throttle;
mod token;

pub use extract::{AuthUser, MaybeAuthUser, authenticate};
pub use password::{Argon2Settings, Passwords};
pub use policy::Role;
pub use throttle::Throttle;
pub use token::{RevokedToken, Tokens};

/// Everything the auth layer needs at run time, built once at start-up.
pub struct Auth {
    pub passwords: Passwords,
    pub tokens: Tokens,
    pub throttle: Throttle,
}
