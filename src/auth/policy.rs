//! Roles and the rules for accounts, as one table that the handlers and the tests both read.
//!
//! | action                         | whose | user | admin | super_admin |
//! |--------------------------------|-------|------|-------|-------------|
//! | list accounts                  | any   | no   | yes   | yes         |
//! | read the full profile          | own   | yes  | yes   | yes         |
//! | read the full profile          | other | no   | yes   | yes         |
//! | edit profile (e-mail, name)    | own   | yes  | no    | yes         |
//! | edit profile                   | other | no   | no    | yes         |
//! | change a role                  | any   | no   | no    | yes         |
//! | delete                         | own   | yes  | no    | yes         |
//! | delete                         | other | no   | no    | yes         |
//! | change password                | own   | yes  | yes   | yes         |
//! | change password (no current)   | other | no   | no    | yes         |
//! | create an admin or super_admin | any   | no   | no    | yes         |
//!
//! Anonymous callers may only sign up (as `user`) and read public profiles; everything else
//! answers 401. Two invariants sit on top of the table, in the accounts domain: the last
//! super_admin can be neither demoted nor deleted, and sign-up always makes a `user`.

use serde::{Deserialize, Serialize};

/// A role. The order of the variants is part of the data file format (postcard encodes the
/// variant index): add new roles at the end.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    User,
    Admin,
    SuperAdmin,
}

impl Role {
    pub const ALL: [Role; 3] = [Role::User, Role::Admin, Role::SuperAdmin];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::User => "user",
            Role::Admin => "admin",
            Role::SuperAdmin => "super_admin",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// Staff: may manage the catalog, courses and deliveries.
    pub fn is_staff(self) -> bool {
        matches!(self, Role::Admin | Role::SuperAdmin)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccountAction {
    List,
    ReadFull,
    EditProfile,
    ChangeRole,
    Delete,
    ChangePassword,
    CreatePrivileged,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Whose {
    Own,
    Other,
}

/// (action, whose, [user, admin, super_admin]). `Whose` is ignored for actions that are not
/// about one account (`List`, `CreatePrivileged`) and for `ChangeRole`.
pub const ACCOUNT_RULES: &[(AccountAction, Whose, [bool; 3])] = {
    use AccountAction::*;
    use Whose::*;
    &[
        (List, Other, [false, true, true]),
        (ReadFull, Own, [true, true, true]),
        (ReadFull, Other, [false, true, true]),
        (EditProfile, Own, [true, false, true]),
        (EditProfile, Other, [false, false, true]),
        (ChangeRole, Own, [false, false, true]),
        (ChangeRole, Other, [false, false, true]),
        (Delete, Own, [true, false, true]),
        (Delete, Other, [false, false, true]),
        (ChangePassword, Own, [true, true, true]),
        (ChangePassword, Other, [false, false, true]),
        (CreatePrivileged, Other, [false, false, true]),
    ]
};

/// Whether `role` may do `action` to an account that is its own or another's.
pub fn may(role: Role, action: AccountAction, whose: Whose) -> bool {
    let whose = match action {
        AccountAction::List | AccountAction::CreatePrivileged => Whose::Other,
        _ => whose,
    };
    let column = match role {
        Role::User => 0,
        Role::Admin => 1,
        Role::SuperAdmin => 2,
    };
    ACCOUNT_RULES
        .iter()
        .find(|(a, w, _)| *a == action && *w == whose)
        .is_some_and(|(_, _, allowed)| allowed[column])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_says_what_design_md_says() {
        use AccountAction::*;
        // Spot checks of the sentences in DESIGN.md, independent of the table's layout.
        assert!(!may(Role::Admin, EditProfile, Whose::Own), "admins cannot edit their own account");
        assert!(may(Role::Admin, ChangePassword, Whose::Own), "except their own password");
        assert!(!may(Role::Admin, Delete, Whose::Own));
        assert!(may(Role::User, Delete, Whose::Own));
        assert!(!may(Role::User, ChangeRole, Whose::Own));
        assert!(may(Role::SuperAdmin, CreatePrivileged, Whose::Own));
        assert!(!may(Role::Admin, CreatePrivileged, Whose::Other));
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()), Some(role));
        }
    }
}
