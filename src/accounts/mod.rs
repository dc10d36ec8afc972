//! Accounts: sign-up, profiles, roles, passwords, sessions, and the owner's first-run setup.
//!
//! - `model`: the `User` record and the parsed types of its fields.
//! - `rules`: the writes, with the invariants that hold across accounts (unique usernames and
//!   e-mails, the last super_admin).
//! - `routes`: the HTTP handlers; who may call what is `auth::policy`.

mod model;
mod routes;
mod rules;

pub use model::{Email, Password, ROLE_INDEX, User, Username, migrate_to_v2};
pub use routes::router;
pub use rules::{AccountForm, create_account};
