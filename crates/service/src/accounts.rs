//! Accounts: adding users (passwords hashed with argon2), signing in and out with sessions kept
//! in the database, API tokens, and the audit log. Secrets handed out (session ids, tokens) are
//! random 256-bit values; the store keeps only their SHA-256 hashes.

use crate::changes::in_transaction;
use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use sha2::{Digest, Sha256};
use throughline_domain::date::DAY_MS;
use throughline_domain::user::{User, UserRole};
use throughline_domain::{Email, Key, Name, Timestamp};
use throughline_store::{ApiToken, AuditEntry, SessionUser, Store, StoredUser};

use crate::{Result, ServiceError, blocking};

pub use crate::password_policy::MIN_PASSWORD_CHARS;
/// How long a session lasts.
pub const SESSION_HOURS: i64 = 12;
/// Failed sign-ins for one address from one client within [`LOCKOUT_MINUTES`] before that
/// client's further attempts at that address are refused until the window passes. The account
/// stays open to everyone else: a guesser locks out the guesser, not the administrator.
pub const MAX_FAILED_LOGINS: u64 = 5;
/// Failed sign-ins from one client, at any addresses, within [`LOCKOUT_MINUTES`] before the
/// client is refused altogether: guesses spread over many accounts are slowed too.
pub const MAX_FAILED_LOGINS_PER_CLIENT: u64 = 30;
pub const LOCKOUT_MINUTES: i64 = 15;

/// A fresh random secret, as 64 hex digits.
pub fn random_secret() -> String {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).expect("the operating system provides randomness");
    hex(&bytes)
}

/// The SHA-256 of a secret, as the store keeps it.
pub fn secret_hash(secret: &str) -> String {
    hex(&Sha256::digest(secret.as_bytes()))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

async fn hash_password(password: String) -> Result<String> {
    blocking(move || {
        let mut salt = [0u8; 16];
        getrandom::fill(&mut salt).expect("the operating system provides randomness");
        let salt = SaltString::encode_b64(&salt).expect("16 bytes make a valid salt");
        Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| ServiceError::Invalid(format!("cannot hash the password: {e}")))
    })
    .await
}

/// Checks a password against a hash; without a hash (no such user), against a hash of a random
/// password nobody knows, so that the answer takes as long either way.
async fn verify_password(password: String, hash: Option<String>) -> bool {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    blocking(move || {
        let known = hash.is_some();
        let hash = hash.unwrap_or_else(|| {
            DUMMY
                .get_or_init(|| {
                    let mut salt = [0u8; 16];
                    getrandom::fill(&mut salt).expect("the operating system provides randomness");
                    let salt = SaltString::encode_b64(&salt).expect("16 bytes make a valid salt");
                    Argon2::default()
                        .hash_password(random_secret().as_bytes(), &salt)
                        .map(|h| h.to_string())
                        .unwrap_or_default()
                })
                .clone()
        });
        let ok = PasswordHash::new(&hash).is_ok_and(|parsed| {
            Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        });
        known && ok
    })
    .await
}

/// The department an account is given (none when blank), which must be the organisation's.
async fn known_department(store: &Store, department: Option<&str>) -> Result<Option<Key>> {
    let Some(department) = department.map(str::trim).filter(|d| !d.is_empty()) else {
        return Ok(None);
    };
    let key = Key::parse(department)?;
    let org = store.load_organisation().await?;
    if org.is_none_or(|o| o.department(&key).is_none()) {
        return Err(ServiceError::Invalid(format!(
            "there is no department {:?} in the organisation",
            key.as_str()
        )));
    }
    Ok(Some(key))
}

/// What a person types to add a user.
#[derive(Debug, Clone)]
pub struct NewAccount {
    pub email: String,
    pub name: String,
    pub role: String,
    pub department: Option<String>,
    pub password: String,
}

/// Adds a user; `actor` is who did it, for the audit log.
pub async fn add_user(store: &Store, account: NewAccount, actor: &str) -> Result<StoredUser> {
    let department = known_department(store, account.department.as_deref()).await?;
    let user = User::new(
        Email::parse(account.email.trim())?,
        Name::parse(&account.name)?,
        account.role.parse::<UserRole>()?,
        department,
    )?;
    if let Some(problem) = crate::password_policy::problem(&account.password, &account.email) {
        return Err(ServiceError::Invalid(problem));
    }
    let hash = hash_password(account.password).await?;
    create_audited(store, &user, &hash, actor).await
}

/// Stores the new account `user` with the password hash `hash` and its audit row
/// (`user.add` by `actor`) in one transaction; an address already in use is refused.
async fn create_audited(store: &Store, user: &User, hash: &str, actor: &str) -> Result<StoredUser> {
    in_transaction(store, async |store| {
        let id = store.create_user(user, hash).await?.ok_or_else(|| {
            ServiceError::Invalid(format!("there is already a user {}", user.email.as_str()))
        })?;
        let stored = store
            .users()
            .await?
            .into_iter()
            .find(|u| u.id == id)
            .ok_or_else(|| ServiceError::NotFound(format!("user {id} vanished")))?;
        let after = serde_json::to_value(&stored).expect("a user always serialises");
        store
            .audit(actor, "user.add", &format!("user {id}"), None, Some(&after))
            .await?;
        Ok(stored)
    })
    .await
}

/// What an administrator does to an account.
#[derive(Debug, Clone)]
pub enum AccountChange {
    /// The account can no longer sign in or use its tokens; its sessions end.
    Disable,
    Enable,
    /// A new role, and the department a member belongs to.
    Role {
        role: String,
        department: Option<String>,
    },
    /// A new password set by the administrator (told to the person another way); every session
    /// of theirs ends.
    ResetPassword(String),
}

/// An administrator (a signed-in one, or the command line) changes the account `email`.
/// Refused: a change by anyone but an administrator, disabling or demoting oneself, leaving the
/// workspace without an enabled administrator, a password the policy refuses. Audited (never
/// with a password or hash).
pub async fn change_account(
    store: &Store,
    actor: crate::changes::Actor<'_>,
    email: &str,
    change: AccountChange,
) -> Result<StoredUser> {
    if actor.role() != UserRole::Admin {
        return Err(ServiceError::Forbidden(
            "only administrators change other people's accounts".to_owned(),
        ));
    }
    let everyone = store.all_users().await?;
    let target = everyone
        .iter()
        .find(|u| u.user.email.as_str().eq_ignore_ascii_case(email.trim()))
        .cloned()
        .ok_or_else(|| ServiceError::NotFound(format!("there is no user {}", email.trim())))?;
    let demotes = match &change {
        AccountChange::Disable => true,
        AccountChange::Role { role, .. } => role.trim() != UserRole::Admin.as_str(),
        _ => false,
    };
    let is_self = matches!(actor, crate::changes::Actor::User(me) if me.id == target.id);
    if demotes && is_self {
        return Err(ServiceError::Invalid(
            "you cannot disable or demote your own account: ask another administrator".to_owned(),
        ));
    }
    let other_admins = everyone
        .iter()
        .filter(|u| u.id != target.id && u.user.role == UserRole::Admin && u.disabled_at.is_none())
        .count();
    if demotes && target.user.role == UserRole::Admin && other_admins == 0 {
        return Err(ServiceError::Invalid(format!(
            "{} is the only enabled administrator: make someone else an administrator first",
            target.user.email.as_str()
        )));
    }
    let before = serde_json::to_value(&target).expect("a user always serialises");
    let (actor_name, subject) = (actor.audit_name(), format!("user {}", target.id));
    // The audit line is written in the change's own transaction.
    let line = |action, after| throughline_store::AuditLine {
        actor: &actor_name,
        action,
        subject: &subject,
        before: Some(&before),
        after: Some(after),
    };
    match change {
        AccountChange::Disable => {
            let after = serde_json::json!({ "disabled": true });
            store
                .set_user_disabled(target.id, true, &line("user.disable", &after))
                .await?;
        }
        AccountChange::Enable => {
            let after = serde_json::json!({ "disabled": false });
            store
                .set_user_disabled(target.id, false, &line("user.enable", &after))
                .await?;
        }
        AccountChange::Role { role, department } => {
            let department = known_department(store, department.as_deref()).await?;
            // The same rules as a new account (a member needs a department).
            let checked = User::new(
                target.user.email.clone(),
                target.user.display_name.clone(),
                role.trim().parse::<UserRole>()?,
                department,
            )?;
            let after = serde_json::json!({
                "role": checked.role.as_str(),
                "department": checked.department.as_ref().map(Key::as_str),
            });
            store
                .set_user_role(
                    target.id,
                    checked.role,
                    checked.department.as_ref(),
                    &line("user.role", &after),
                )
                .await?;
        }
        AccountChange::ResetPassword(password) => {
            if let Some(problem) =
                crate::password_policy::problem(&password, target.user.email.as_str())
            {
                return Err(ServiceError::Invalid(format!(
                    "{problem}: nothing was changed"
                )));
            }
            let after = serde_json::json!({ "sessions": "ended" });
            let hash = hash_password(password).await?;
            store
                .reset_password(target.id, &hash, &line("user.password_reset", &after))
                .await?;
        }
    }
    store
        .all_users()
        .await?
        .into_iter()
        .find(|u| u.id == target.id)
        .ok_or_else(|| ServiceError::NotFound(format!("user {} vanished", target.id)))
}

/// A signed-in session: the secret for the cookie, the token forms carry, and who.
#[derive(Debug, Clone)]
pub struct Session {
    pub secret: String,
    pub csrf_token: String,
    pub user: StoredUser,
}

#[derive(Debug, thiserror::Error)]
pub enum SignInError {
    #[error("the e-mail address or the password is wrong")]
    Wrong,
    #[error("too many failed sign-ins for this address: try again in {LOCKOUT_MINUTES} minutes")]
    TooMany,
    #[error(
        "too many failed sign-ins from this network address: try again in {LOCKOUT_MINUTES} minutes"
    )]
    TooManyFromClient,
    #[error(transparent)]
    Service(#[from] ServiceError),
}

impl From<throughline_store::StoreError> for SignInError {
    fn from(err: throughline_store::StoreError) -> Self {
        Self::Service(err.into())
    }
}

/// Every account, with its role and department.
pub async fn users(store: &Store) -> Result<Vec<StoredUser>> {
    Ok(store.users().await?)
}

/// Every account, the disabled ones too (the administration page).
pub async fn all_users(store: &Store) -> Result<Vec<StoredUser>> {
    Ok(store.all_users().await?)
}

/// A person's API tokens (names and dates; never the secrets).
pub async fn api_tokens(store: &Store, user_id: i64) -> Result<Vec<ApiToken>> {
    Ok(store.api_tokens(user_id).await?)
}

/// The latest `limit` lines of the audit log, newest first.
pub async fn audit_log(store: &Store, limit: u32) -> Result<Vec<AuditEntry>> {
    Ok(store.audit_log(limit).await?)
}

/// Up to `limit` audit entries `filter` picks, newest first, older than entry `before`.
pub async fn audit_entries(
    store: &Store,
    filter: &throughline_store::AuditFilter,
    before: Option<i64>,
    limit: u32,
) -> Result<Vec<AuditEntry>> {
    Ok(store.audit_entries(filter, before, limit).await?)
}

/// How many audit entries `filter` picks.
pub async fn count_audit(store: &Store, filter: &throughline_store::AuditFilter) -> Result<u64> {
    Ok(store.count_audit(filter).await?)
}

/// Every action the audit log holds, in order.
pub async fn audit_actions(store: &Store) -> Result<Vec<String>> {
    Ok(store.audit_actions().await?)
}

/// Signs in with e-mail and password from `client` (the network address the request came from).
/// Wrong addresses and wrong passwords read the same. After [`MAX_FAILED_LOGINS`] failures in
/// [`LOCKOUT_MINUTES`] at one address from one client, that client is refused at that address;
/// after [`MAX_FAILED_LOGINS_PER_CLIENT`] at any addresses, everywhere. Other clients — the
/// account's owner — still sign in.
pub async fn sign_in(
    store: &Store,
    email: &str,
    password: &str,
    client: &str,
) -> Result<Session, SignInError> {
    let window = Timestamp::from_millis(Timestamp::now().as_millis() - LOCKOUT_MINUTES * 60_000);
    let (at_this_address, at_any) = store.failed_logins(email, client, window).await?;
    if at_any >= MAX_FAILED_LOGINS_PER_CLIENT {
        return Err(SignInError::TooManyFromClient);
    }
    if at_this_address >= MAX_FAILED_LOGINS {
        return Err(SignInError::TooMany);
    }
    let credentials = store.credentials(email).await?;
    let hash = credentials.as_ref().map(|c| c.password_hash.clone());
    let matches = verify_password(password.to_owned(), hash).await;
    let Some(credentials) = credentials.filter(|_| matches) else {
        store.record_failed_login(email, client).await?;
        return Err(SignInError::Wrong);
    };
    Ok(start_session(store, credentials.user).await?)
}

/// A new session of `user`, [`SESSION_HOURS`] long.
async fn start_session(store: &Store, user: StoredUser) -> Result<Session> {
    let secret = random_secret();
    let csrf_token = random_secret();
    let expires = Timestamp::from_millis(Timestamp::now().as_millis() + SESSION_HOURS * 3_600_000);
    store
        .create_session(&secret_hash(&secret), user.id, &csrf_token, expires)
        .await?;
    Ok(Session {
        secret,
        csrf_token,
        user,
    })
}

/// Who a single sign-on provider says signed in, and the role its claims map to.
#[derive(Debug, Clone)]
pub struct ProviderIdentity {
    pub email: String,
    pub name: String,
    pub role: UserRole,
    /// A member's department (the mapping names it).
    pub department: Option<String>,
}

/// Signs in someone a single sign-on provider vouched for: their account is made on first
/// sign-in with the role the provider's claims map to, and its role follows the provider's
/// afterwards (the provider is the authority on who belongs where); a disabled account stays
/// shut. Each account made or role changed is audited, with `provider` as the actor.
pub async fn sign_in_from_provider(
    store: &Store,
    identity: ProviderIdentity,
    provider: &str,
) -> Result<Session> {
    let department = known_department(store, identity.department.as_deref()).await?;
    let email = Email::parse(identity.email.trim())?;
    let name = Name::parse(identity.name.trim())
        .or_else(|_| Name::parse(email.as_str()))
        .map_err(ServiceError::from)?;
    let wanted = User::new(email, name, identity.role, department)?;
    let actor = format!("single sign-on ({provider})");
    let existing = store.all_users().await?.into_iter().find(|u| {
        u.user
            .email
            .as_str()
            .eq_ignore_ascii_case(wanted.email.as_str())
    });
    let user = match existing {
        Some(user) if user.disabled_at.is_some() => {
            return Err(ServiceError::Forbidden(format!(
                "the account {} is disabled: ask an administrator",
                user.user.email.as_str()
            )));
        }
        Some(user)
            if user.user.role != wanted.role || user.user.department != wanted.department =>
        {
            let before = serde_json::to_value(&user).expect("a user always serialises");
            let after = serde_json::json!({
                "role": wanted.role.as_str(),
                "department": wanted.department.as_ref().map(Key::as_str),
            });
            let subject = format!("user {}", user.id);
            store
                .set_user_role(
                    user.id,
                    wanted.role,
                    wanted.department.as_ref(),
                    &throughline_store::AuditLine {
                        actor: &actor,
                        action: "user.role",
                        subject: &subject,
                        before: Some(&before),
                        after: Some(&after),
                    },
                )
                .await?;
            StoredUser {
                user: wanted,
                ..user
            }
        }
        Some(user) => user,
        None => {
            // No password signs in to an account the provider made: its hash is of a secret
            // nobody is told (an administrator may set one later).
            let hash = hash_password(random_secret()).await?;
            create_audited(store, &wanted, &hash, &actor).await?
        }
    };
    start_session(store, user).await
}

/// A new password someone chose, typed twice: held to the password rules and the same both
/// times; the message says what is wrong and that nothing was changed.
fn check_new_password(new: &str, repeated: &str, email: &str) -> Result<()> {
    if let Some(problem) = crate::password_policy::problem(new, email) {
        return Err(ServiceError::Invalid(format!(
            "{problem}: nothing was changed"
        )));
    }
    if new != repeated {
        return Err(ServiceError::Invalid(
            "the new password and its repetition differ: type it the same twice".to_owned(),
        ));
    }
    Ok(())
}

/// A person changes their own password: the current one first, the new one twice. Their other
/// sessions end (whoever knew the old password is signed out), this one (`session_secret`) stays;
/// audited without any password or hash.
pub async fn change_password(
    store: &Store,
    user: &StoredUser,
    session_secret: &str,
    current: &str,
    new: &str,
    repeated: &str,
) -> Result<()> {
    let known = store.credentials(user.user.email.as_str()).await?;
    let hash = known.map(|c| c.password_hash);
    if !verify_password(current.to_owned(), hash).await {
        return Err(ServiceError::Invalid(
            "the current password is wrong: nothing was changed".to_owned(),
        ));
    }
    check_new_password(new, repeated, user.user.email.as_str())?;
    if new == current {
        return Err(ServiceError::Invalid(
            "the new password is the current one: choose another".to_owned(),
        ));
    }
    let hash = hash_password(new.to_owned()).await?;
    let after = serde_json::json!({ "other_sessions": "ended" });
    let subject = format!("user {}", user.id);
    let line = throughline_store::AuditLine {
        actor: user.user.email.as_str(),
        action: "user.password",
        subject: &subject,
        before: None,
        after: Some(&after),
    };
    store
        .set_password(user.id, &hash, &secret_hash(session_secret), Some(&line))
        .await?;
    Ok(())
}

pub async fn session(store: &Store, secret: &str) -> Result<Option<SessionUser>> {
    Ok(store.session_user(&secret_hash(secret)).await?)
}

pub async fn sign_out(store: &Store, secret: &str) -> Result<()> {
    Ok(store.delete_session(&secret_hash(secret)).await?)
}

/// Creates an API token for a user; the secret is shown once and never stored.
/// How long a token made on the account page lasts unless chosen otherwise.
pub const DEFAULT_TOKEN_DAYS: u32 = 365;

/// What a new token may do, and for how long.
#[derive(Debug, Clone, Copy)]
pub struct TokenOptions {
    /// Days until it stops working; `None`: it does not expire.
    pub expires_in_days: Option<u32>,
    /// It reads; any change made with it is refused (403).
    pub read_only: bool,
}

impl Default for TokenOptions {
    fn default() -> Self {
        Self {
            expires_in_days: Some(DEFAULT_TOKEN_DAYS),
            read_only: false,
        }
    }
}

/// Creates an API token for a user that may read and write and expires after
/// [`DEFAULT_TOKEN_DAYS`]; the secret is shown once and never stored.
pub async fn create_token(store: &Store, user: &StoredUser, name: &str) -> Result<(i64, String)> {
    create_token_with(store, user, name, TokenOptions::default()).await
}

/// Creates an API token with `options`; the secret is shown once and never stored.
pub async fn create_token_with(
    store: &Store,
    user: &StoredUser,
    name: &str,
    options: TokenOptions,
) -> Result<(i64, String)> {
    in_transaction(store, async |store| {
        let name = throughline_domain::action::required_text("the token's name", name, 100)?;
        if options
            .expires_in_days
            .is_some_and(|d| !(1..=3650).contains(&d))
        {
            return Err(ServiceError::Invalid(
                "a token lasts from 1 to 3,650 days (or does not expire)".to_owned(),
            ));
        }
        let expires_at = options.expires_in_days.map(|days| {
            Timestamp::from_millis(Timestamp::now().as_millis() + i64::from(days) * DAY_MS)
        });
        let secret = format!("tl_{}", random_secret());
        let id = store
            .create_api_token(
                user.id,
                &name,
                &secret_hash(&secret),
                expires_at,
                options.read_only,
            )
            .await?;
        store
            .audit(
                user.user.email.as_str(),
                "token.create",
                &format!("token {id} ({name})"),
                None,
                Some(&serde_json::json!({
                    "expires_at": expires_at.map(|t| t.as_millis()),
                    "read_only": options.read_only,
                })),
            )
            .await?;
        Ok((id, secret))
    })
    .await
}

pub async fn token_user(
    store: &Store,
    secret: &str,
) -> Result<Option<throughline_store::TokenUser>> {
    Ok(store.token_user(&secret_hash(secret)).await?)
}

pub async fn revoke_token(store: &Store, user: &StoredUser, token_id: i64) -> Result<()> {
    in_transaction(store, async |store| {
        if !store.revoke_api_token(user.id, token_id).await? {
            return Err(ServiceError::NotFound(format!(
                "you have no live token {token_id}"
            )));
        }
        store
            .audit(
                user.user.email.as_str(),
                "token.revoke",
                &format!("token {token_id}"),
                None,
                None,
            )
            .await?;
        Ok(())
    })
    .await
}

/// How long a password reset link works.
pub const RESET_LINK_MINUTES: i64 = 60;
/// At most this many reset links an account receives in an hour.
pub const RESETS_PER_HOUR: u64 = 3;

/// A password reset link to e-mail: to whom, and the secret its address carries.
#[derive(Debug, Clone)]
pub struct ResetLink {
    pub email: String,
    pub name: String,
    pub token: String,
}

/// Makes a reset link for the active account with `email` — unless it already had
/// [`RESETS_PER_HOUR`] links in the last hour. `None` otherwise: whoever asks is told the same
/// either way, so the form says nothing about which addresses have an account.
pub async fn request_password_reset(store: &Store, email: &str) -> Result<Option<ResetLink>> {
    let Some(known) = store.credentials(email).await? else {
        return Ok(None);
    };
    let user = known.user;
    let hour_ago = Timestamp::from_millis(Timestamp::now().as_millis() - 3_600_000);
    if store.password_resets_since(user.id, hour_ago).await? >= RESETS_PER_HOUR {
        return Ok(None);
    }
    let token = random_secret();
    let expires =
        Timestamp::from_millis(Timestamp::now().as_millis() + RESET_LINK_MINUTES * 60_000);
    store
        .create_password_reset(user.id, &secret_hash(&token), expires)
        .await?;
    Ok(Some(ResetLink {
        email: user.user.email.as_str().to_owned(),
        name: user.user.display_name.as_str().to_owned(),
        token,
    }))
}

/// The account a reset link opens, while the link works (unused, not expired).
pub async fn reset_link_user(store: &Store, token: &str) -> Result<Option<StoredUser>> {
    Ok(store
        .password_reset_user(&secret_hash(token.trim()), Timestamp::now())
        .await?)
}

fn link_expired() -> ServiceError {
    ServiceError::Invalid(
        "this link has expired or was already used: ask for a new one on the sign-in page"
            .to_owned(),
    )
}

/// Sets a new password through a reset link: the link works once; every session of the
/// account ends; audited (`user.password_reset`). A refused password leaves the link working.
pub async fn reset_password(store: &Store, token: &str, new: &str, repeated: &str) -> Result<()> {
    let user = reset_link_user(store, token)
        .await?
        .ok_or_else(link_expired)?;
    check_new_password(new, repeated, user.user.email.as_str())?;
    let hash = hash_password(new.to_owned()).await?;
    let after = serde_json::json!({ "by": "reset link", "sessions": "ended" });
    let subject = format!("user {}", user.id);
    let line = throughline_store::AuditLine {
        actor: user.user.email.as_str(),
        action: "user.password_reset_by_link",
        subject: &subject,
        before: None,
        after: Some(&after),
    };
    if !store
        .redeem_password_reset(&secret_hash(token.trim()), Timestamp::now(), &hash, &line)
        .await?
    {
        return Err(link_expired());
    }
    Ok(())
}
