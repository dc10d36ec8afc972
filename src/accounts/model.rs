//! The account record and its parsed field types.

use serde::{Deserialize, Serialize};

use crate::auth::Role;
use crate::error::{ApiError, ApiResult};
use crate::http::rfc3339;
use crate::store::Record;

/// An account. The password hash never leaves the server: responses use [`UserView`] or
/// [`PublicUser`].
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct User {
    pub id: u64,
    pub username: String,
    pub email: Option<String>,
    pub display_name: Option<String>,
    pub role: Role,
    pub password_hash: String,
    /// Bumped by a password change; tokens of an older generation are refused.
    pub token_generation: u32,
    pub created_at_ms: i64,
    pub updated_at_ms: i64,
    /// Notification kinds this account does not want by e-mail (v2).
    pub email_off: Vec<String>,
}

/// The account record as schema version 1 wrote it (before e-mail preferences).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct UserV1 {
    pub id: u64,
    pub username: String,
    pub email: Option<String>,
    pub display_name: Option<String>,
    pub role: Role,
    pub password_hash: String,
    pub token_generation: u32,
    pub created_at_ms: i64,
    pub updated_at_ms: i64,
}

impl Record for UserV1 {
    const TABLE: &'static str = "users";
    const VERSION: u8 = 1;
    fn id(&self) -> u64 {
        self.id
    }
    fn unique_keys(&self) -> Vec<(&'static str, String)> {
        let mut keys = vec![(USERNAME_INDEX, self.username.to_ascii_lowercase())];
        if let Some(e) = &self.email {
            keys.push((EMAIL_INDEX, e.to_lowercase()));
        }
        keys
    }
    fn index_keys(&self) -> Vec<(&'static str, Vec<u8>)> {
        vec![(ROLE_INDEX, role_key(self.role, self.id))]
    }
}

/// Schema 2: accounts get e-mail preferences (all kinds on).
pub fn migrate_to_v2(w: &mut crate::store::WriteTx<'_>) -> crate::store::Result<()> {
    w.migrate_table(|u: UserV1| User {
        id: u.id,
        username: u.username,
        email: u.email,
        display_name: u.display_name,
        role: u.role,
        password_hash: u.password_hash,
        token_generation: u.token_generation,
        created_at_ms: u.created_at_ms,
        updated_at_ms: u.updated_at_ms,
        email_off: Vec::new(),
    })?;
    Ok(())
}

impl Record for User {
    const TABLE: &'static str = "users";
    const VERSION: u8 = 2;
    fn id(&self) -> u64 {
        self.id
    }
    fn unique_keys(&self) -> Vec<(&'static str, String)> {
        let mut keys = vec![(USERNAME_INDEX, self.username.to_ascii_lowercase())];
        if let Some(e) = &self.email {
            keys.push((EMAIL_INDEX, e.to_lowercase()));
        }
        keys
    }
    fn index_keys(&self) -> Vec<(&'static str, Vec<u8>)> {
        vec![(ROLE_INDEX, role_key(self.role, self.id))]
    }
}

pub const USERNAME_INDEX: &str = "users.username";
pub const EMAIL_INDEX: &str = "users.email";
pub const ROLE_INDEX: &str = "users.role";

pub fn role_key(role: Role, id: u64) -> Vec<u8> {
    let mut k = vec![role as u8];
    k.extend(id.to_be_bytes());
    k
}

/// 3–32 characters of `a-z 0-9 _ .`; upper-case letters are accepted as typed and folded
/// for uniqueness and login.
#[derive(Debug, Clone)]
pub struct Username(String);

impl Username {
    pub fn parse(s: &str) -> ApiResult<Username> {
        let n = s.chars().count();
        if !(3..=32).contains(&n) {
            return Err(ApiError::invalid("username", "a username has 3 to 32 characters"));
        }
        if !s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.') {
            return Err(ApiError::invalid(
                "username",
                "a username uses only letters a-z, digits, _ and .",
            ));
        }
        Ok(Username(s.to_owned()))
    }

    /// The key in the unique index: case-folded.
    pub fn key(&self) -> String {
        self.0.to_ascii_lowercase()
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A plausible e-mail address: one `@`, something before it, a dotted domain after it.
#[derive(Debug, Clone)]
pub struct Email(String);

impl Email {
    pub fn parse(s: &str) -> ApiResult<Email> {
        let s = s.trim();
        let bad = || ApiError::invalid("email", "not an e-mail address");
        if s.len() > 254 || s.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(bad());
        }
        let (local, domain) = s.split_once('@').ok_or_else(bad)?;
        if local.is_empty() || domain.contains('@') || !domain.contains('.') {
            return Err(bad());
        }
        if domain.starts_with('.') || domain.ends_with('.') || domain.contains("..") {
            return Err(bad());
        }
        Ok(Email(s.to_owned()))
    }

    pub fn key(&self) -> String {
        self.0.to_lowercase()
    }

    pub fn into_inner(self) -> String {
        self.0
    }
}

/// At least 8 characters; at most 1,024 bytes (hashing cost must stay bounded).
pub struct Password(String);

impl Password {
    pub fn parse(field: &str, s: String) -> ApiResult<Password> {
        if s.chars().count() < 8 {
            return Err(ApiError::invalid(field, "a password has at least 8 characters"));
        }
        if s.len() > 1024 {
            return Err(ApiError::invalid(field, "a password has at most 1024 bytes"));
        }
        Ok(Password(s))
    }

    pub fn into_inner(self) -> String {
        self.0
    }
}

/// Trimmed, 1–64 characters; empty means none.
pub fn parse_display_name(s: Option<&str>) -> ApiResult<Option<String>> {
    let Some(s) = s.map(str::trim).filter(|s| !s.is_empty()) else { return Ok(None) };
    if s.chars().count() > 64 || s.chars().any(char::is_control) {
        return Err(ApiError::invalid("display_name", "a display name has at most 64 characters"));
    }
    Ok(Some(s.to_owned()))
}

/// An account as its owner and the staff see it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct UserView {
    pub id: u64,
    pub username: String,
    pub email: Option<String>,
    pub display_name: Option<String>,
    pub role: Role,
    pub created_at: String,
    /// Whether each kind of notification is also sent by e-mail.
    #[schema(value_type = std::collections::BTreeMap<String, bool>)]
    pub email_notifications: std::collections::BTreeMap<String, bool>,
}

/// An account as everyone else sees it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PublicUser {
    pub id: u64,
    pub username: String,
    pub display_name: Option<String>,
    pub created_at: String,
}

impl From<&User> for UserView {
    fn from(u: &User) -> Self {
        UserView {
            id: u.id,
            username: u.username.clone(),
            email: u.email.clone(),
            display_name: u.display_name.clone(),
            role: u.role,
            created_at: rfc3339(u.created_at_ms),
            email_notifications: crate::events::KINDS
                .iter()
                .map(|k| ((*k).to_owned(), !u.email_off.iter().any(|o| o == k)))
                .collect(),
        }
    }
}

impl From<&User> for PublicUser {
    fn from(u: &User) -> Self {
        PublicUser {
            id: u.id,
            username: u.username.clone(),
            display_name: u.display_name.clone(),
            created_at: rfc3339(u.created_at_ms),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames() {
        assert!(Username::parse("ana").is_ok());
        assert_eq!(Username::parse("Ana.Maria_2").unwrap().key(), "ana.maria_2");
        for bad in ["ab", "a b c", "ñandú", "x".repeat(33).as_str(), "ana-maria", ""] {
            assert_eq!(
                Username::parse(bad).unwrap_err().field.as_deref(),
                Some("username"),
                "{bad}"
            );
        }
    }

    #[test]
    fn emails() {
        assert_eq!(Email::parse(" Ana@Example.com ").unwrap().key(), "ana@example.com");
        for bad in [
            "ana",
            "ana@",
            "@x.com",
            "ana@localhost",
            "a b@x.com",
            "a@b@c.com",
            "a@.com",
            "a@x..com",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn passwords_and_names() {
        assert!(Password::parse("password", "1234567".into()).is_err());
        assert!(Password::parse("password", "contraseña".into()).is_ok());
        assert!(Password::parse("password", "x".repeat(1025)).is_err());
        assert_eq!(parse_display_name(Some("  ")).unwrap(), None);
        assert_eq!(parse_display_name(Some(" Ana ")).unwrap().as_deref(), Some("Ana"));
        assert!(parse_display_name(Some(&"x".repeat(65))).is_err());
    }
}
