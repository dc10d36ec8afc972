//! Auth as extractors: a handler that takes [`AuthUser`] can only be reached with a valid
//! token (401 otherwise); one that takes [`MaybeAuthUser`] serves anonymous callers too, but
//! still refuses a token that is present and bad (a silent downgrade would hide expiry).

use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;

use super::token::{Claims, RevokedToken};
use crate::accounts::User;
use crate::app::AppState;
use crate::error::{ApiError, ApiResult};
use crate::store::Reader;

/// The caller, authenticated: the account as it is now, and the token's claims.
#[derive(Debug)]
pub struct AuthUser {
    pub user: User,
    pub claims: Claims,
}

impl AuthUser {
    pub fn id(&self) -> u64 {
        self.user.id
    }

    /// 403 unless the caller is staff (admin or super_admin).
    pub fn require_staff(&self) -> ApiResult<()> {
        if self.user.role.is_staff() {
            Ok(())
        } else {
            Err(ApiError::forbidden("only staff may do this"))
        }
    }
}

pub struct MaybeAuthUser(pub Option<AuthUser>);

fn bearer(parts: &Parts) -> ApiResult<Option<&str>> {
    let Some(value) = parts.headers.get(AUTHORIZATION) else { return Ok(None) };
    let value =
        value.to_str().map_err(|_| ApiError::unauthorized("invalid Authorization header"))?;
    match value.split_once(' ') {
        Some((scheme, token)) if scheme.eq_ignore_ascii_case("bearer") => Ok(Some(token.trim())),
        _ => Err(ApiError::unauthorized("use Authorization: Bearer <token>")),
    }
}

/// Checks a token against its signature, its expiry, logout, password changes and the
/// account's existence, all in one read snapshot.
pub fn authenticate(state: &AppState, token: &str) -> ApiResult<AuthUser> {
    let claims = state.auth.tokens.verify(token)?;
    let (user_id, jti) = (claims.user_id()?, claims.token_id()?);
    let (user, revoked) = state
        .store
        .read(|r| Ok((r.get::<User>(user_id)?, r.get::<RevokedToken>(jti)?.is_some())))?;
    let user = user.ok_or_else(|| ApiError::unauthorized("the account no longer exists"))?;
    if revoked || user.token_generation != claims.generation {
        return Err(ApiError::unauthorized("the token was revoked; log in again"));
    }
    Ok(AuthUser { user, claims })
}

impl FromRequestParts<AppState> for AuthUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> ApiResult<Self> {
        let token = bearer(parts)?.ok_or_else(|| ApiError::unauthorized("log in first"))?;
        authenticate(state, token)
    }
}

impl FromRequestParts<AppState> for MaybeAuthUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> ApiResult<Self> {
        match bearer(parts)? {
            None => Ok(MaybeAuthUser(None)),
            Some(token) => authenticate(state, token).map(|u| MaybeAuthUser(Some(u))),
        }
    }
}
