//! Account writes and the invariants that span accounts.
//!
//! Each function runs inside one writer job and checks everything before it writes, so a
//! refusal leaves the transaction untouched (see `store::writer`).

use crate::auth::{Passwords, Role};
use crate::error::{ApiError, ApiResult};
use crate::store::{Reader, Record, Store, WriteTx};

use super::model::{Email, Password, ROLE_INDEX, USERNAME_INDEX, User, Username};

/// How many super_admins there are, counting at most to `upto`.
pub fn count_role(r: &impl Reader, role: Role, upto: usize) -> ApiResult<usize> {
    Ok(r.scan(ROLE_INDEX, &[role as u8], None, upto, false)?.len())
}

/// A new account as asked for, validated.
pub struct AccountForm {
    pub username: Username,
    pub password: Password,
    pub email: Option<Email>,
    pub display_name: Option<String>,
    pub role: Role,
}

/// A new account, validated, with its password already hashed.
pub struct NewAccount {
    pub username: Username,
    pub email: Option<Email>,
    pub display_name: Option<String>,
    pub role: Role,
    pub password_hash: String,
}

pub fn insert(w: &mut WriteTx<'_>, new: &NewAccount) -> ApiResult<User> {
    let id = w.next_id(User::TABLE)?;
    let user = User {
        id,
        username: new.username.as_str().to_owned(),
        email: new.email.clone().map(Email::into_inner),
        display_name: new.display_name.clone(),
        role: new.role,
        password_hash: new.password_hash.clone(),
        token_generation: 0,
        created_at_ms: w.now_ms(),
        updated_at_ms: w.now_ms(),
        email_off: Vec::new(),
    };
    // Refuses (409, naming username or email) before writing when a key is taken.
    w.insert(&user)?;
    crate::events::emit(w, crate::events::Event::SignedUp { user_id: id })?;
    Ok(user)
}

/// Creates an account. With `only_if_no_owner`, refuses (409) once a super_admin exists:
/// that is the first-run setup, safe against two people setting up at once.
pub async fn create_account(
    store: &Store,
    passwords: &Passwords,
    form: AccountForm,
    actor: Option<u64>,
    only_if_no_owner: bool,
) -> ApiResult<User> {
    // Cheap refusals first, so a taken name costs no hash.
    let key = form.username.key();
    if store.read(|r| r.unique(USERNAME_INDEX, &key))?.is_some() {
        return Err(ApiError::conflict(Some("username"), "that username is taken"));
    }
    let password_hash = passwords.hash(form.password.into_inner()).await?;
    let AccountForm { username, email, display_name, role, .. } = form;
    let new = NewAccount { username, email, display_name, role, password_hash };
    store
        .write(actor, move |w| {
            // Checked here, inside the writer, so two racing setups cannot both pass.
            if only_if_no_owner && count_role(w, Role::SuperAdmin, 1)? > 0 {
                return Err(ApiError::conflict(
                    None,
                    "Barrio is already set up: log in as the owner",
                ));
            }
            insert(w, &new)
        })
        .await
}

/// Changes to an account; `None` leaves a field as it is.
#[derive(Default)]
pub struct AccountPatch {
    pub email: Option<Option<Email>>,
    pub display_name: Option<Option<String>>,
    pub role: Option<Role>,
    /// Notification kind → whether to send it by e-mail; kinds not named keep their setting.
    pub email_notifications: Option<std::collections::BTreeMap<String, bool>>,
}

pub fn update(w: &mut WriteTx<'_>, id: u64, patch: &AccountPatch) -> ApiResult<User> {
    let mut user: User = w.get(id)?.ok_or_else(|| ApiError::not_found("user"))?;
    if let Some(role) = patch.role
        && user.role == Role::SuperAdmin
        && role != Role::SuperAdmin
        && count_role(w, Role::SuperAdmin, 2)? < 2
    {
        return Err(ApiError::conflict(
            Some("role"),
            "the last super_admin cannot be demoted; make another one first",
        ));
    }
    if let Some(e) = &patch.email {
        user.email = e.clone().map(Email::into_inner);
    }
    if let Some(d) = &patch.display_name {
        user.display_name = d.clone();
    }
    if let Some(role) = patch.role {
        user.role = role;
    }
    if let Some(prefs) = &patch.email_notifications {
        for (kind, on) in prefs {
            user.email_off.retain(|k| k != kind);
            if !on {
                user.email_off.push(kind.clone());
            }
        }
    }
    user.updated_at_ms = w.now_ms();
    w.update(&user)?;
    Ok(user)
}

pub fn set_password(w: &mut WriteTx<'_>, id: u64, password_hash: &str) -> ApiResult<()> {
    let mut user: User = w.get(id)?.ok_or_else(|| ApiError::not_found("user"))?;
    user.password_hash = password_hash.to_owned();
    user.token_generation = user.token_generation.wrapping_add(1);
    user.updated_at_ms = w.now_ms();
    w.update(&user)?;
    Ok(())
}

pub fn delete(w: &mut WriteTx<'_>, id: u64) -> ApiResult<()> {
    let user: User = w.get(id)?.ok_or_else(|| ApiError::not_found("user"))?;
    if user.role == Role::SuperAdmin && count_role(w, Role::SuperAdmin, 2)? < 2 {
        return Err(ApiError::conflict(None, "the last super_admin cannot be deleted"));
    }
    // Nothing may point at an account that is gone (checks above, writes below).
    crate::courses::forget_account(w, id)?;
    crate::deliveries::forget_account(w, id)?;
    crate::community::forget_account(w, id)?;
    crate::events::forget_account(w, id)?;
    w.remove::<User>(id)?;
    Ok(())
}

/// The account with this username (case-insensitively).
pub fn find_by_username(r: &impl Reader, username: &str) -> ApiResult<Option<User>> {
    match r.unique(USERNAME_INDEX, &username.to_ascii_lowercase())? {
        Some(id) => Ok(r.get(id)?),
        None => Ok(None),
    }
}
