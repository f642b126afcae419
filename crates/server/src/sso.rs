//! Single sign-on with an OpenID Connect provider (Keycloak, Entra ID, Okta, Google, Authentik,
//! …): the authorization code flow with PKCE. The sign-in page sends a person to the provider
//! with a fresh `state`, `nonce` and code challenge (kept in a short-lived cookie); the provider
//! sends them back with a code, which this server exchanges at the provider's token endpoint
//! for an ID token; the token's RS256 signature is checked against the provider's published
//! keys, then its issuer, audience, expiry and nonce. The role comes from one claim (a string or
//! a list, such as `groups`) through the administrator's mapping; an account is made on first
//! sign-in. The provider's documents are read on each sign-in (sign-ins are rare; keys rotate).
//! The pages are in `pages/sso.rs`.

use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Deserialize;
use serde_json::Value;
use throughline_domain::user::UserRole;

/// One line of the role mapping: people whose role claim holds `value` (`*`: anyone) get
/// `role` (and, for a member, `department`). The first line that matches wins.
#[derive(Debug, Clone, PartialEq)]
pub struct RoleRule {
    pub role: UserRole,
    pub department: Option<String>,
    pub value: String,
}

impl RoleRule {
    /// `admin=cx-admins,member:billing=billing-team,viewer=*`: lines `ROLE[:DEPARTMENT]=VALUE`
    /// separated by commas, first match wins.
    pub fn parse_list(text: &str) -> Result<Vec<Self>, String> {
        let rules: Vec<Self> = text
            .split(',')
            .map(str::trim)
            .filter(|line| !line.is_empty())
            .map(|line| {
                let (left, value) = line.split_once('=').ok_or_else(|| {
                    format!("{line:?}: a role mapping line is ROLE[:DEPARTMENT]=VALUE")
                })?;
                let (role, department) = match left.split_once(':') {
                    Some((role, department)) => (role.trim(), Some(department.trim().to_owned())),
                    None => (left.trim(), None),
                };
                let role: UserRole = role.parse().map_err(|e| format!("{line:?}: {e}"))?;
                if role == UserRole::Member && department.is_none() {
                    return Err(format!(
                        "{line:?}: a member belongs to a department (member:DEPARTMENT=VALUE)"
                    ));
                }
                let value = value.trim();
                if value.is_empty() {
                    return Err(format!("{line:?}: the value to match is empty"));
                }
                Ok(Self {
                    role,
                    department,
                    value: value.to_owned(),
                })
            })
            .collect::<Result<_, String>>()?;
        if rules.is_empty() {
            return Err(
                "the role mapping is empty: say which claim values get which role \
                        (admin=cx-admins,viewer=*)"
                    .to_owned(),
            );
        }
        Ok(rules)
    }
}

/// How this server signs people in through the provider.
#[derive(Debug, Clone)]
pub struct SsoConfig {
    /// The provider's issuer URL; its documents are under `/.well-known/openid-configuration`.
    pub issuer: String,
    pub client_id: String,
    pub client_secret: String,
    /// The address people reach this server at: the provider sends them back to
    /// `PUBLIC_URL/login/sso/callback`, which must be registered with it.
    pub public_url: String,
    /// The claim the role mapping reads (`groups`, `roles`, …).
    pub role_claim: String,
    pub roles: Vec<RoleRule>,
    /// What the sign-in button says ("Sign in with NAME").
    pub name: String,
}

impl SsoConfig {
    /// Refuses a configuration that cannot work, saying what is wrong.
    pub fn check(&self) -> Result<(), String> {
        check_url("the issuer", &self.issuer)?;
        check_url("the public URL", &self.public_url)?;
        if self.client_id.trim().is_empty() {
            return Err("the client id is empty".to_owned());
        }
        if self.roles.is_empty() {
            return Err("the role mapping is empty".to_owned());
        }
        Ok(())
    }

    pub fn redirect_uri(&self) -> String {
        format!(
            "{}/login/sso/callback",
            self.public_url.trim_end_matches('/')
        )
    }

    /// The role (and a member's department) the claims map to, if any line matches.
    pub fn role_of(&self, claims: &Value) -> Option<(UserRole, Option<String>)> {
        let held: Vec<&str> = match claims.get(&self.role_claim) {
            Some(Value::String(one)) => vec![one.as_str()],
            Some(Value::Array(many)) => many.iter().filter_map(Value::as_str).collect(),
            _ => Vec::new(),
        };
        self.roles
            .iter()
            .find(|rule| rule.value == "*" || held.contains(&rule.value.as_str()))
            .map(|rule| (rule.role, rule.department.clone()))
    }
}

/// HTTPS, or HTTP to this machine (a provider run beside the server, or in a test).
fn check_url(what: &str, url: &str) -> Result<(), String> {
    let local = ["http://127.0.0.1", "http://localhost", "http://[::1]"]
        .iter()
        .any(|p| url.starts_with(p));
    if url.starts_with("https://") || local {
        Ok(())
    } else {
        Err(format!(
            "{what} {url:?} must be an https:// address (http:// only on this machine)"
        ))
    }
}

/// The provider's endpoints, from its discovery document.
#[derive(Debug, Deserialize)]
pub struct Provider {
    pub issuer: String,
    pub authorization_endpoint: String,
    pub token_endpoint: String,
    pub jwks_uri: String,
}

async fn get_json<T: serde::de::DeserializeOwned>(url: &str, what: &str) -> Result<T, String> {
    let (status, body) = throughline_notify::webhook::get(url)
        .await
        .map_err(|e| format!("the provider's {what} could not be read: {e}"))?;
    if status != 200 {
        return Err(format!("the provider answered {status} for its {what}"));
    }
    serde_json::from_str(&body).map_err(|e| format!("the provider's {what} is not readable: {e}"))
}

impl Provider {
    /// Reads the issuer's discovery document; its `issuer` must be the one configured.
    pub async fn discover(issuer: &str) -> Result<Self, String> {
        let url = format!(
            "{}/.well-known/openid-configuration",
            issuer.trim_end_matches('/')
        );
        let provider: Self = get_json(&url, "discovery document").await?;
        if provider.issuer.trim_end_matches('/') != issuer.trim_end_matches('/') {
            return Err(format!(
                "the provider says it is {:?}, not the configured issuer {issuer:?}",
                provider.issuer
            ));
        }
        for (what, url) in [
            ("authorization endpoint", &provider.authorization_endpoint),
            ("token endpoint", &provider.token_endpoint),
            ("key set", &provider.jwks_uri),
        ] {
            check_url(&format!("the provider's {what}"), url)?;
        }
        Ok(provider)
    }

    /// Exchanges the code for the ID token (the client's secret and the PKCE verifier sent
    /// along), checks it, and returns its claims.
    pub async fn redeem(
        &self,
        config: &SsoConfig,
        code: &str,
        verifier: &str,
        nonce: &str,
    ) -> Result<Value, String> {
        let redirect = config.redirect_uri();
        let (status, body) = throughline_notify::webhook::post_form(
            &self.token_endpoint,
            &[
                ("grant_type", "authorization_code"),
                ("code", code),
                ("redirect_uri", &redirect),
                ("client_id", &config.client_id),
                ("client_secret", &config.client_secret),
                ("code_verifier", verifier),
            ],
        )
        .await
        .map_err(|e| format!("the provider's token endpoint could not be reached: {e}"))?;
        if status != 200 {
            let reply: String = body.chars().take(200).collect();
            return Err(format!(
                "the provider refused the sign-in code ({status}: {reply})"
            ));
        }
        #[derive(Deserialize)]
        struct Tokens {
            id_token: String,
        }
        let tokens: Tokens = serde_json::from_str(&body)
            .map_err(|_| "the provider's answer holds no ID token".to_owned())?;
        let keys: KeySet = get_json(&self.jwks_uri, "key set").await?;
        verify_id_token(
            &tokens.id_token,
            &keys.keys,
            &self.issuer,
            &config.client_id,
            nonce,
            now_seconds(),
        )
    }
}

/// The provider's published keys.
#[derive(Debug, Deserialize)]
pub struct KeySet {
    pub keys: Vec<Jwk>,
}

#[derive(Debug, Deserialize)]
pub struct Jwk {
    pub kty: String,
    #[serde(default)]
    pub kid: Option<String>,
    #[serde(default)]
    pub n: Option<String>,
    #[serde(default)]
    pub e: Option<String>,
}

fn now_seconds() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// How far the provider's clock may be from ours.
const CLOCK_SKEW_SECONDS: i64 = 120;

/// The claims of `token` when it is an RS256-signed JWT by one of `keys`, issued by `issuer`
/// for `client_id`, not expired at `now`, carrying `nonce`; else what is wrong.
pub fn verify_id_token(
    token: &str,
    keys: &[Jwk],
    issuer: &str,
    client_id: &str,
    nonce: &str,
    now: i64,
) -> Result<Value, String> {
    let bad = |what: &str| format!("the provider's ID token {what}");
    let mut parts = token.split('.');
    let (Some(head), Some(body), Some(signature), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(bad("is not a signed token"));
    };
    let decode = |part: &str| URL_SAFE_NO_PAD.decode(part.trim_end_matches('='));
    let header: Value = decode(head)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .ok_or_else(|| bad("has an unreadable header"))?;
    if header["alg"] != "RS256" {
        return Err(bad(&format!("is signed with {}, not RS256", header["alg"])));
    }
    let kid = header["kid"].as_str();
    let key = keys
        .iter()
        .filter(|k| k.kty == "RSA")
        .find(|k| kid.is_none() || k.kid.as_deref() == kid)
        .ok_or_else(|| bad("is signed by a key the provider does not publish"))?;
    let component = |c: &Option<String>| {
        c.as_deref()
            .and_then(|c| decode(c).ok())
            .ok_or_else(|| bad("names a key without its modulus or exponent"))
    };
    let public = ring::signature::RsaPublicKeyComponents {
        n: component(&key.n)?,
        e: component(&key.e)?,
    };
    let signature = decode(signature).map_err(|_| bad("has an unreadable signature"))?;
    public
        .verify(
            &ring::signature::RSA_PKCS1_2048_8192_SHA256,
            format!("{head}.{body}").as_bytes(),
            &signature,
        )
        .map_err(|_| bad("has a signature that does not match the provider's key"))?;
    let claims: Value = decode(body)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .ok_or_else(|| bad("has unreadable claims"))?;
    if claims["iss"].as_str().map(|i| i.trim_end_matches('/')) != Some(issuer.trim_end_matches('/'))
    {
        return Err(bad(&format!(
            "was issued by {}, not {issuer}",
            claims["iss"]
        )));
    }
    let audience_ok = match &claims["aud"] {
        Value::String(one) => one == client_id,
        Value::Array(many) => many.iter().any(|a| a == client_id),
        _ => false,
    };
    if !audience_ok {
        return Err(bad(&format!(
            "is for {}, not this server ({client_id})",
            claims["aud"]
        )));
    }
    let expires = claims["exp"].as_i64().ok_or_else(|| bad("has no expiry"))?;
    if expires + CLOCK_SKEW_SECONDS < now {
        return Err(bad("has expired: sign in again"));
    }
    if claims["nonce"].as_str() != Some(nonce) {
        return Err(bad("was not made for this sign-in (its nonce differs)"));
    }
    Ok(claims)
}

/// The PKCE challenge of `verifier` (S256).
pub fn code_challenge(verifier: &str) -> String {
    use sha2::Digest;
    URL_SAFE_NO_PAD.encode(sha2::Sha256::digest(verifier.as_bytes()))
}

/// The e-mail address and name the claims give: `email` (refused when the provider says it is
/// not verified), else `preferred_username` when it is an address.
pub fn identity_of(claims: &Value) -> Result<(String, String), String> {
    if claims["email_verified"] == Value::Bool(false) {
        return Err("the provider has not verified this account's e-mail address".to_owned());
    }
    let email = claims["email"]
        .as_str()
        .or_else(|| {
            claims["preferred_username"]
                .as_str()
                .filter(|u| u.contains('@'))
        })
        .ok_or_else(|| {
            "the provider's ID token carries no e-mail address: add the `email` scope or claim"
                .to_owned()
        })?;
    let name = claims["name"]
        .as_str()
        .filter(|n| !n.trim().is_empty())
        .unwrap_or(email);
    Ok((email.to_owned(), name.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_role_mapping_reads_lines_and_refuses_bad_ones() {
        let rules =
            RoleRule::parse_list("admin=cx-admins, member:billing=billing, viewer=*").unwrap();
        assert_eq!(rules.len(), 3);
        assert_eq!(rules[1].department.as_deref(), Some("billing"));
        let config = SsoConfig {
            issuer: "https://id.example".to_owned(),
            client_id: "throughline".to_owned(),
            client_secret: String::new(),
            public_url: "https://cx.example".to_owned(),
            role_claim: "groups".to_owned(),
            roles: rules,
            name: "Example".to_owned(),
        };
        let role = |claims: Value| config.role_of(&claims);
        assert_eq!(
            role(serde_json::json!({"groups": ["staff", "cx-admins"]})),
            Some((UserRole::Admin, None))
        );
        assert_eq!(
            role(serde_json::json!({"groups": "billing"})),
            Some((UserRole::Member, Some("billing".to_owned())))
        );
        assert_eq!(role(serde_json::json!({})), Some((UserRole::Viewer, None)));
        for (bad, says) in [
            ("member=billing", "belongs to a department"),
            ("admin", "ROLE[:DEPARTMENT]=VALUE"),
            ("emperor=x", "emperor"),
            ("admin=", "empty"),
            (" , ", "mapping is empty"),
        ] {
            let err = RoleRule::parse_list(bad).unwrap_err();
            assert!(err.contains(says), "{bad}: {err}");
        }
        assert!(check_url("the issuer", "http://id.example").is_err());
        assert!(check_url("the issuer", "http://127.0.0.1:9000").is_ok());
    }
}
