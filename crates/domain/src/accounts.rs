//! Key accounts: the customers whose relationship an executive sponsors — "each key account has
//! an executive sponsor and a cross-department account team meeting weekly to review progress
//! of the account and the goals set for it". Written in an accounts file (TOML) beside the
//! organisation file; checked against the organisation's departments.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};

use crate::org::Organisation;

/// An accounts file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccountsFile {
    #[serde(default)]
    pub accounts: Vec<KeyAccount>,
}

/// One key account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeyAccount {
    pub key: String,
    pub name: String,
    /// The customer ids its feedback carries (the `customer` field of imported records).
    pub customers: Vec<String>,
    /// The executive who sponsors the relationship.
    pub sponsor: AccountPerson,
    /// The account team: people of the departments that serve the customer.
    #[serde(default)]
    pub team: Vec<AccountPerson>,
    /// The goals set for the account, reviewed every week.
    #[serde(default)]
    pub goals: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccountPerson {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// For a team member: their department's key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub department: Option<String>,
}

/// Reads and checks an accounts file: every problem, each saying which account and field.
pub fn parse(source: &str, org: Option<&Organisation>) -> Result<Vec<KeyAccount>, Vec<String>> {
    let file: AccountsFile = toml::from_str(source).map_err(|e| {
        vec![format!(
            "the accounts file cannot be read: {}",
            e.message().trim()
        )]
    })?;
    let mut problems = Vec::new();
    let mut keys = HashSet::new();
    for (i, a) in file.accounts.iter().enumerate() {
        let at = format!("accounts[{i}] ({:?})", a.key);
        if crate::Key::parse(&a.key).is_err() {
            problems.push(format!(
                "{at}: key must be lower case letters, digits and hyphens"
            ));
        }
        if !keys.insert(a.key.clone()) {
            problems.push(format!("{at}: the key {:?} is used twice", a.key));
        }
        if a.name.trim().is_empty() {
            problems.push(format!("{at}: name cannot be empty"));
        }
        if a.customers.iter().all(|c| c.trim().is_empty()) {
            problems.push(format!(
                "{at}: customers must name at least one customer id its feedback carries"
            ));
        }
        if a.sponsor.name.trim().is_empty() {
            problems.push(format!(
                "{at}: sponsor must name the executive who sponsors the account"
            ));
        }
        for (k, member) in a.team.iter().enumerate() {
            if member.name.trim().is_empty() {
                problems.push(format!("{at}: team[{k}] has no name"));
            }
            if let (Some(dept), Some(org)) = (&member.department, org)
                && !org.departments.iter().any(|d| d.key.as_str() == dept)
            {
                problems.push(format!(
                    "{at}: team[{k}] ({}) belongs to {dept:?}, which is no department of the \
                     organisation",
                    member.name
                ));
            }
        }
        if a.goals.iter().any(|g| g.trim().is_empty()) {
            problems.push(format!("{at}: a goal cannot be empty"));
        }
    }
    if problems.is_empty() {
        Ok(file.accounts)
    } else {
        Err(problems)
    }
}

/// Where a goal stands at a weekly review.
pub const GOAL_STATUSES: [&str; 4] = ["on track", "at risk", "off track", "done"];

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = r#"
[[accounts]]
key = "harbour-hotels"
name = "Harbour Hotels Group"
customers = ["C-10004", "C-10065"]
sponsor = { name = "Victor Hale", title = "Chief Financial Officer" }
team = [{ name = "Aisha Khan", department = "sales" }]
goals = ["Renewal signed by March"]
"#;

    #[test]
    fn an_accounts_file_is_read_and_checked() {
        let accounts = parse(FILE, None).unwrap();
        assert_eq!(accounts[0].customers, ["C-10004", "C-10065"]);
        let broken = FILE
            .replace("\"C-10004\", \"C-10065\"", "")
            .replace("key = \"harbour-hotels\"", "key = \"Harbour Hotels\"");
        let problems = parse(&broken, None).unwrap_err();
        assert!(
            problems.iter().any(|p| p.contains("key must be")),
            "{problems:?}"
        );
        assert!(
            problems.iter().any(|p| p.contains("customers must")),
            "{problems:?}"
        );
        let e = (parse("[[accounts]]\nkey = 1", None))
            .unwrap_err()
            .join("; ");
        assert!(e.contains("expected a string"), "{e}");
    }
}
