//! People who sign in, and what each role may do.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::primitives::{Email, Key, Name, ValidationError};

/// Roles, from most to least powerful.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UserRole {
    /// Manages users, tokens and the organisation; sees the audit log.
    Admin,
    /// Runs the council: edits any department's work, meetings and the Top Ten.
    CouncilChair,
    /// Edits the work of their own department only.
    Member,
    /// Reads everything, changes nothing.
    Viewer,
}

impl UserRole {
    pub const ALL: [UserRole; 4] = [Self::Admin, Self::CouncilChair, Self::Member, Self::Viewer];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Admin => "admin",
            Self::CouncilChair => "council_chair",
            Self::Member => "member",
            Self::Viewer => "viewer",
        }
    }

    /// May this role change work that belongs to `department`, when the user belongs to
    /// `own_department`?
    pub fn may_edit_department(self, own_department: Option<&Key>, department: &Key) -> bool {
        match self {
            Self::Admin | Self::CouncilChair => true,
            Self::Member => own_department == Some(department),
            Self::Viewer => false,
        }
    }
}

impl fmt::Display for UserRole {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for UserRole {
    type Err = ValidationError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let wanted = s.trim().to_lowercase().replace(['-', ' '], "_");
        Self::ALL
            .into_iter()
            .find(|role| role.as_str() == wanted)
            .ok_or_else(|| {
                ValidationError::new(format!(
                    "unknown role {s:?}: expected admin, council_chair, member or viewer"
                ))
            })
    }
}

/// A person who signs in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    pub email: Email,
    pub display_name: Name,
    pub role: UserRole,
    /// The department a member belongs to; required for members, whose rights depend on it.
    pub department: Option<Key>,
}

impl User {
    pub fn new(
        email: Email,
        display_name: Name,
        role: UserRole,
        department: Option<Key>,
    ) -> Result<Self, ValidationError> {
        if role == UserRole::Member && department.is_none() {
            return Err(ValidationError::new(format!(
                "{email} is a member and needs a department: members edit only their own \
                 department's work"
            )));
        }
        Ok(Self {
            email,
            display_name,
            role,
            department,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_parse_in_the_forms_people_type() {
        assert_eq!(
            "Council chair".parse::<UserRole>().unwrap(),
            UserRole::CouncilChair
        );
        assert_eq!(
            "council-chair".parse::<UserRole>().unwrap(),
            UserRole::CouncilChair
        );
        assert_eq!("ADMIN".parse::<UserRole>().unwrap(), UserRole::Admin);
        let e = ("owner".parse::<UserRole>()).unwrap_err().to_string();
        assert!(e.contains("unknown role \"owner\""), "{e}");
    }

    #[test]
    fn members_edit_only_their_own_department() {
        let sales = Key::parse("sales").unwrap();
        let billing = Key::parse("billing").unwrap();
        assert!(UserRole::Member.may_edit_department(Some(&sales), &sales));
        assert!(!UserRole::Member.may_edit_department(Some(&sales), &billing));
        assert!(!UserRole::Member.may_edit_department(None, &billing));
        assert!(!UserRole::Viewer.may_edit_department(Some(&billing), &billing));
        assert!(UserRole::CouncilChair.may_edit_department(None, &billing));
    }

    #[test]
    fn a_member_needs_a_department() {
        let email = Email::parse("sam@example.com").unwrap();
        let name = Name::parse("Sam").unwrap();
        let e = (User::new(email.clone(), name.clone(), UserRole::Member, None))
            .unwrap_err()
            .to_string();
        assert!(e.contains("needs a department"), "{e}");
        assert!(User::new(email, name, UserRole::Viewer, None).is_ok());
    }
}
