//! `/api/users`, `/api/login`, `/api/logout`, `/api/session`, `/api/setup`.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::model::{
    Email, Password, PublicUser, ROLE_INDEX, User, UserView, Username, parse_display_name,
};
use super::rules::{self, AccountForm, AccountPatch, create_account};
use crate::app::AppState;
use crate::auth::policy::{AccountAction, Whose, may};
use crate::auth::{AuthUser, MaybeAuthUser, RevokedToken, Role};
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::http::{Json, Page, PageParams, Path, Query, double_option, rfc3339};
use crate::store::Reader;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(sign_up, list_users))
        .routes(routes!(get_user, patch_user, delete_user))
        .routes(routes!(change_password))
        .routes(routes!(login))
        .routes(routes!(logout))
        .routes(routes!(session))
        .routes(routes!(setup_status, setup))
}

fn require(user: &AuthUser, action: AccountAction, target: u64) -> ApiResult<()> {
    let whose = if user.id() == target { Whose::Own } else { Whose::Other };
    if may(user.user.role, action, whose) {
        Ok(())
    } else {
        Err(ApiError::forbidden(match action {
            AccountAction::List => "only staff may list accounts",
            AccountAction::ChangeRole | AccountAction::CreatePrivileged => {
                "only a super_admin manages roles"
            }
            _ if user.user.role == Role::Admin => "staff accounts are managed by a super_admin",
            _ => "you may only change your own account",
        }))
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SignUp {
    username: String,
    password: String,
    email: Option<String>,
    display_name: Option<String>,
    /// Only a super_admin may ask for another role than `user`.
    role: Option<Role>,
}

fn parse_form(b: SignUp, role: Role) -> ApiResult<AccountForm> {
    Ok(AccountForm {
        username: Username::parse(&b.username)?,
        password: Password::parse("password", b.password)?,
        email: b.email.as_deref().filter(|e| !e.trim().is_empty()).map(Email::parse).transpose()?,
        display_name: parse_display_name(b.display_name.as_deref())?,
        role,
    })
}

/// Sign up (anyone), or create an account with a role (a super_admin).
#[utoipa::path(post, path = "/api/users", tag = "accounts", request_body = SignUp,
    responses((status = 201, body = UserView), (status = 400, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn sign_up(
    State(s): State<AppState>,
    caller: MaybeAuthUser,
    Json(body): Json<SignUp>,
) -> ApiResult<impl IntoResponse> {
    let role = body.role.unwrap_or(Role::User);
    if role != Role::User {
        match &caller.0 {
            None => {
                return Err(ApiError::unauthorized(
                    "log in as a super_admin to create staff accounts",
                ));
            }
            Some(u) => require(u, AccountAction::CreatePrivileged, 0)?,
        }
    }
    let form = parse_form(body, role)?;
    let actor = caller.0.as_ref().map(AuthUser::id);
    let user = create_account(&s.store, &s.auth.passwords, form, actor, false).await?;
    Ok((StatusCode::CREATED, axum::Json(UserView::from(&user))))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UserFilter {
    /// Only accounts with this role.
    role: Option<Role>,
    limit: Option<u32>,
    cursor: Option<String>,
}

/// List accounts (staff), by id.
#[utoipa::path(get, path = "/api/users", tag = "accounts", params(UserFilter),
    responses((status = 200, body = Page<UserView>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
async fn list_users(
    State(s): State<AppState>,
    caller: AuthUser,
    Query(f): Query<UserFilter>,
) -> ApiResult<axum::Json<Page<UserView>>> {
    require(&caller, AccountAction::List, 0)?;
    let page = PageParams { limit: f.limit, cursor: f.cursor };
    let (limit, after) = (page.limit()?, page.cursor_id()?);
    let users = s
        .store
        .read_blocking(move |r| match f.role {
            None => r.list::<User>(after, limit + 1, false),
            Some(role) => {
                let after_key = after.map(|a| super::model::role_key(role, a));
                let ids =
                    r.scan(ROLE_INDEX, &[role as u8], after_key.as_deref(), limit + 1, false)?;
                ids.into_iter().filter_map(|(_, id)| r.get::<User>(id).transpose()).collect()
            }
        })
        .await?;
    Ok(axum::Json(Page::from_overfetch(users, limit, |u| u.id.to_string(), |u| UserView::from(&u))))
}

/// A profile as the caller may see it: in full to its owner and the staff, public to others.
#[derive(Serialize, ToSchema)]
#[serde(untagged)]
pub enum Profile {
    Full(UserView),
    Public(PublicUser),
}

/// One account: the full profile for its owner and the staff, the public one for others.
#[utoipa::path(get, path = "/api/users/{id}", tag = "accounts", params(("id" = u64, Path)),
    responses((status = 200, body = Profile), (status = 404, body = ErrorBody)))]
async fn get_user(
    State(s): State<AppState>,
    caller: MaybeAuthUser,
    Path(id): Path<u64>,
) -> ApiResult<axum::Json<Profile>> {
    let user: User = s.store.read(|r| r.get(id))?.ok_or_else(|| ApiError::not_found("user"))?;
    let full = caller.0.as_ref().is_some_and(|c| {
        let whose = if c.id() == id { Whose::Own } else { Whose::Other };
        may(c.user.role, AccountAction::ReadFull, whose)
    });
    Ok(axum::Json(if full {
        Profile::Full((&user).into())
    } else {
        Profile::Public((&user).into())
    }))
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserPatch {
    /// null removes it.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    email: Option<Option<String>>,
    /// null removes it.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    display_name: Option<Option<String>>,
    /// super_admin only.
    role: Option<Role>,
    /// Turn e-mail on or off per notification kind, e.g. `{"price_changed": false}`.
    email_notifications: Option<std::collections::BTreeMap<String, bool>>,
}

/// Edit an account: its owner (not staff), or a super_admin; roles by a super_admin only.
#[utoipa::path(patch, path = "/api/users/{id}", tag = "accounts", params(("id" = u64, Path)), request_body = UserPatch,
    responses((status = 200, body = UserView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn patch_user(
    State(s): State<AppState>,
    caller: AuthUser,
    Path(id): Path<u64>,
    Json(body): Json<UserPatch>,
) -> ApiResult<axum::Json<UserView>> {
    if body.role.is_some() {
        require(&caller, AccountAction::ChangeRole, id)?;
    }
    if body.email.is_some()
        || body.display_name.is_some()
        || body.email_notifications.is_some()
        || body.role.is_none()
    {
        require(&caller, AccountAction::EditProfile, id)?;
    }
    let patch = AccountPatch {
        email: body
            .email
            .map(|e| e.filter(|e| !e.trim().is_empty()).as_deref().map(Email::parse).transpose())
            .transpose()?,
        display_name: body.display_name.map(|d| parse_display_name(d.as_deref())).transpose()?,
        role: body.role,
        email_notifications: body.email_notifications,
    };
    if let Some(unknown) = patch
        .email_notifications
        .iter()
        .flat_map(|m| m.keys())
        .find(|k| !crate::events::KINDS.contains(&k.as_str()))
    {
        return Err(ApiError::invalid(
            "email_notifications",
            format!(
                "no notification kind {unknown:?}; kinds are {}",
                crate::events::KINDS.join(", ")
            ),
        ));
    }
    let user = s.store.write(Some(caller.id()), move |w| rules::update(w, id, &patch)).await?;
    Ok(axum::Json((&user).into()))
}

/// Delete an account: its owner (not staff), or a super_admin; never the last super_admin.
#[utoipa::path(delete, path = "/api/users/{id}", tag = "accounts", params(("id" = u64, Path)),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn delete_user(
    State(s): State<AppState>,
    caller: AuthUser,
    Path(id): Path<u64>,
) -> ApiResult<StatusCode> {
    require(&caller, AccountAction::Delete, id)?;
    s.store.write(Some(caller.id()), move |w| rules::delete(w, id)).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordChange {
    /// Required when changing one's own password.
    current_password: Option<String>,
    new_password: String,
}

/// Change a password (one's own, with the current one; a super_admin may reset anyone's).
/// Revokes every token of that account.
#[utoipa::path(put, path = "/api/users/{id}/password", tag = "accounts", params(("id" = u64, Path)), request_body = PasswordChange,
    responses((status = 204), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
async fn change_password(
    State(s): State<AppState>,
    caller: AuthUser,
    Path(id): Path<u64>,
    Json(body): Json<PasswordChange>,
) -> ApiResult<StatusCode> {
    require(&caller, AccountAction::ChangePassword, id)?;
    let new = Password::parse("new_password", body.new_password)?;
    if caller.id() == id {
        let current = body
            .current_password
            .ok_or_else(|| ApiError::invalid("current_password", "give your current password"))?;
        if !s.auth.passwords.verify(current, Some(caller.user.password_hash.clone())).await? {
            return Err(ApiError::invalid("current_password", "the current password is wrong"));
        }
    }
    let hash = s.auth.passwords.hash(new.into_inner()).await?;
    s.store.write(Some(caller.id()), move |w| rules::set_password(w, id, &hash)).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Login {
    username: String,
    password: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TokenResponse {
    access_token: String,
    /// Always `bearer`.
    token_type: &'static str,
    /// Seconds until the token expires.
    expires_in: u64,
}

/// Log in. Too many failures for one username or from one address answer 429 for a while.
#[utoipa::path(post, path = "/api/login", tag = "accounts", request_body = Login,
    responses((status = 200, body = TokenResponse), (status = 401, body = ErrorBody), (status = 429, body = ErrorBody)))]
async fn login(
    State(s): State<AppState>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    Json(body): Json<Login>,
) -> ApiResult<axum::Json<TokenResponse>> {
    let name = body.username.to_ascii_lowercase();
    s.auth.throttle.check(&name, addr.ip()).map_err(ApiError::too_many)?;
    let user = s.store.read(|r| Ok(rules::find_by_username(r, &name)))??;
    let ok = s
        .auth
        .passwords
        .verify(body.password, user.as_ref().map(|u| u.password_hash.clone()))
        .await?;
    let Some(user) = user.filter(|_| ok) else {
        s.auth.throttle.failed(&name, addr.ip());
        return Err(ApiError::unauthorized("wrong username or password"));
    };
    s.auth.throttle.succeeded(&name);
    let (token, _) = s.auth.tokens.issue(user.id, user.token_generation)?;
    Ok(axum::Json(TokenResponse {
        access_token: token,
        token_type: "bearer",
        expires_in: s.auth.tokens.ttl_s(),
    }))
}

/// Log out: this token stops working.
#[utoipa::path(post, path = "/api/logout", tag = "accounts", responses((status = 204), (status = 401, body = ErrorBody)),
    security(("bearer" = [])))]
async fn logout(State(s): State<AppState>, caller: AuthUser) -> ApiResult<StatusCode> {
    let revoked = RevokedToken { jti: caller.claims.token_id()?, expires_at_s: caller.claims.exp };
    s.store
        .write(Some(caller.id()), move |w| {
            w.insert(&revoked)?;
            Ok::<_, ApiError>(())
        })
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Session {
    user: UserView,
    expires_at: String,
}

/// Who this token belongs to, and until when.
#[utoipa::path(get, path = "/api/session", tag = "accounts", responses((status = 200, body = Session), (status = 401, body = ErrorBody)),
    security(("bearer" = [])))]
async fn session(caller: AuthUser) -> axum::Json<Session> {
    axum::Json(Session {
        user: (&caller.user).into(),
        expires_at: rfc3339(caller.claims.exp as i64 * 1000),
    })
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SetupStatus {
    /// True while no super_admin exists: the UI then shows the first-run setup page.
    needed: bool,
}

/// Whether the first-run setup is still to be done.
#[utoipa::path(get, path = "/api/setup", tag = "accounts", responses((status = 200, body = SetupStatus)))]
async fn setup_status(State(s): State<AppState>) -> ApiResult<axum::Json<SetupStatus>> {
    let owners = s.store.read(|r| Ok(rules::count_role(r, Role::SuperAdmin, 1)))??;
    Ok(axum::Json(SetupStatus { needed: owners == 0 }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Setup {
    username: String,
    password: String,
    email: Option<String>,
    display_name: Option<String>,
}

/// First-run setup: creates the owner (super_admin). Works only while none exists.
#[utoipa::path(post, path = "/api/setup", tag = "accounts", request_body = Setup,
    responses((status = 201, body = UserView), (status = 409, body = ErrorBody)))]
async fn setup(State(s): State<AppState>, Json(b): Json<Setup>) -> ApiResult<impl IntoResponse> {
    let form = parse_form(
        SignUp {
            username: b.username,
            password: b.password,
            email: b.email,
            display_name: b.display_name,
            role: None,
        },
        Role::SuperAdmin,
    )?;
    let user = create_account(&s.store, &s.auth.passwords, form, None, true).await?;
    Ok((StatusCode::CREATED, axum::Json(UserView::from(&user))))
}
