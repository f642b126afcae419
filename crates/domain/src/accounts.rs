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
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
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

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
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
    check(&file.accounts, org)?;
    Ok(file.accounts)
}

/// Checks a list of key accounts (a file's, or the stored ones after an edit in the interface):
/// every problem, each saying which account and field.
pub fn check(accounts: &[KeyAccount], org: Option<&Organisation>) -> Result<(), Vec<String>> {
    let mut problems = Vec::new();
    let mut keys = HashSet::new();
    for (i, a) in accounts.iter().enumerate() {
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
        let mut goals = HashSet::new();
        for goal in &a.goals {
            if !goals.insert(goal.trim()) {
                problems.push(format!("{at}: the goal {goal:?} is named twice"));
            }
        }
        let people = std::iter::once(("sponsor".to_owned(), &a.sponsor)).chain(
            a.team
                .iter()
                .enumerate()
                .map(|(k, m)| (format!("team[{k}]"), m)),
        );
        for (field, person) in people {
            if let Some(email) = &person.email
                && crate::Email::parse(email).is_err()
            {
                problems.push(format!(
                    "{at}: {field} ({}) has the e-mail address {email:?}, which is not one",
                    person.name
                ));
            }
        }
    }
    if problems.is_empty() {
        Ok(())
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
        let mut accounts = parse(FILE, None).unwrap();
        accounts[0].goals.push(" Renewal signed by March".into());
        accounts[0].team[0].email = Some("aisha.khan@northwind".into());
        let problems = check(&accounts, None).unwrap_err().join("; ");
        assert!(
            problems.contains("the goal \" Renewal signed by March\" is named twice"),
            "{problems}"
        );
        assert!(
            problems
                .contains("team[0] (Aisha Khan) has the e-mail address \"aisha.khan@northwind\""),
            "{problems}"
        );
        let e = (parse("[[accounts]]\nkey = 1", None))
            .unwrap_err()
            .join("; ");
        assert!(e.contains("expected a string"), "{e}");
    }
}
