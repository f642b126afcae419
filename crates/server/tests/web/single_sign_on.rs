//! Single sign-on (issue 28): an OpenID Connect provider run by the test — a minimal,
//! standards-following one on a real socket (discovery document, authorization endpoint with
//! PKCE, token endpoint checking the client's secret and the code verifier, a JSON Web Key Set,
//! RS256-signed ID tokens) — signs people in with the role its groups map to, on both backends;
//! a forged, misaddressed or unmapped sign-in is refused and stores nothing.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::{Form, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get as route_get, post as route_post};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use serde_json::json;
use throughline_server::sso::{RoleRule, SsoConfig};
use throughline_server::{AppState, router};
use throughline_service::accounts;
use throughline_store::testing::TestDatabase;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::{PASSWORD, get, send, sign_in};

/// The provider's signing key (RSA 2048, PKCS#1 DER), made for this test alone.
const KEY: &str = "MIIEpAIBAAKCAQEAoALSxaP0U8NvMctKZCyS+vMpLbvFajtDafiE+YXGenLJuS68gcYgLBfeaucTM/erLJqKQlZgsAFoJF1RmLsbCZeNT0WGBKCA/obqPUKlgbtx9VfTdtfhAemK96LFr8fDgk60Mf74aj16ZV2poqNMTFsdNZqFsXh88Np7EXcDpAJEj1tztUR2bEZLcF3NHAeXo7Lkn9mI3XmQIpuvsNlv72iLm0vNRiu11QQdZ8H4nb/vnTIO33kRjIcw1LBWSZy44jQmzXi+wNj7QCnaR3eBtauXeF1hfQO+T7Jmtc8f+HpWt9DT2/L5jT4jH/9f+FEGpSeoiJvvuCFNU7fgsz57hQIDAQABAoIBABM385fgduaeqRrad29ruSWiEhaXoID/aDvwqQwNSMcJRXhUCDkwEkopfcHqSjCqNSmQ0D1igY9yQ89mU/gbtQYkaUkVqSCiJIwtqTG9cQKRgID+0PvLtw9TPSk8KDFSNYXPrS36GV0tUCefpdHOekoLgYkgK6GivqLxIun4mPvYRv8zDL+maGuCY4KOtPbB0NChhF5MnVwzJHc1HqStDN41i+7UEbCjh1PCm4bd/xm7V08rUf2JcTW9s24nEGlrpX4z9HYfbw18S3dD4hKGoI1waOAyQ2OJtz1/WjzmrkPyvcSRIeW0H6j/cSXrQvVLssK0dJbsyTAEQSJs+cwfs+sCgYEA4OXXuYHB1Ji1SmeVEgQ9pwJHlEtLG592Tpb0J9kT7NT4fLoPpSiNuo1FrB3sF+lLTuOxKo6vS92NG2N3tboWl7puCg/EC9R4cQGGmYHCcYuFiC/iNw24nkWIQfCXfdeCnJoHgrRBE8xh5nUcHKTKm+tMmfTsaSjEeJc9Rz+872MCgYEAtiPDxAAOBVTVOBiyXvlz3fsObgukRs6KyagXrDWkIF+En7jsZRrL/E/DR27UNDLfPCHtvTZI3Jbt8oSaz2jegw17MQx6fpCewcZTdvD4ydldQZeBiZG3CqpiFzuZ+cGUTI397FMgvPuLK5C1zPm1muUSKBQOOiezCv52l4d1YfcCgYAyWUKCdVo/jjCIB8iH0As9aHU97d1SwdBqp8DhaufbDZLT2ZPHFd0k9puyfMBuWfxSHQd8z5TPFzqP9yTFunN0ZHheKElrnJWaNw07MKGnaeTrKE0sphW+2TI4EPTZZ3YGOTWVPWWUWR1RysYQY5Q4c+UiUoLayBW0Kae+W7agoQKBgQCEecDipzOLdydaFMRvxbobo4XcToVeps1VXPhS3fURQsggsAzogLQLQSyEoTyg9rtdbkQPkhMutmw9L2u2Hc1xvnVyuGPD+IYv5INCiIQ7s+hbU8n4+E4M6N5NjaExgjXN9JzSraerLL4NosRIYPtQvPoWwneSnttfzLMPBYxAAwKBgQCywqAarMA4lLt1OzTTSXFAGFVXg+CxLhgfDdxjv2CmZevKHzyxRVYkWs39tc4RZ9SBLkHNDJF31NyprZoWR5V1TbkkLRlKhxrBYCilAz1B5d9pkDoDWcRgbleg7BGecJ9YHoY1qs9CEai2I+oKdKNd1Jl5WcKYPzCZmQDrOHOP3A==";
const CLIENT_ID: &str = "throughline";
const CLIENT_SECRET: &str = "a-client-secret";
const PUBLIC_URL: &str = "http://127.0.0.1:8080";

/// Who the provider says signs in next, and how it misbehaves when asked to.
#[derive(Debug, Clone, Default)]
struct Person {
    email: String,
    name: String,
    groups: Vec<String>,
    /// The ID token's signature spoiled.
    forge: bool,
    /// The ID token made out to another client.
    audience: Option<String>,
}

#[derive(Default)]
struct ProviderState {
    issuer: String,
    person: Person,
    /// Per code given out: the PKCE challenge, the nonce and the redirect address it came with.
    codes: HashMap<String, (String, String, String)>,
    issued: u64,
}

type Shared = Arc<Mutex<ProviderState>>;
/// What a test does to the waiting sign-in's cookie before the callback.
type Tamper = fn(String) -> String;

fn key() -> ring::signature::RsaKeyPair {
    ring::signature::RsaKeyPair::from_der(&STANDARD.decode(KEY).unwrap()).unwrap()
}

async fn discovery(State(state): State<Shared>) -> Response {
    let issuer = state.lock().unwrap().issuer.clone();
    axum::Json(json!({
        "issuer": issuer,
        "authorization_endpoint": format!("{issuer}/authorize"),
        "token_endpoint": format!("{issuer}/token"),
        "jwks_uri": format!("{issuer}/jwks"),
        "response_types_supported": ["code"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "code_challenge_methods_supported": ["S256"],
    }))
    .into_response()
}

async fn jwks() -> Response {
    let public: ring::rsa::PublicKeyComponents<Vec<u8>> = key().public().into();
    axum::Json(json!({"keys": [{
        "kty": "RSA", "use": "sig", "alg": "RS256", "kid": "test-key",
        "n": URL_SAFE_NO_PAD.encode(&public.n), "e": URL_SAFE_NO_PAD.encode(&public.e),
    }]}))
    .into_response()
}

/// The authorization endpoint: the person is taken to be signed in already; the code goes back
/// to the client's redirect address with its state.
async fn authorize(
    State(state): State<Shared>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let param = |k: &str| query.get(k).cloned().unwrap_or_default();
    if param("response_type") != "code"
        || param("client_id") != CLIENT_ID
        || param("code_challenge_method") != "S256"
        || param("code_challenge").is_empty()
        || !param("scope").split(' ').any(|s| s == "openid")
    {
        return (StatusCode::BAD_REQUEST, "invalid_request").into_response();
    }
    let mut state = state.lock().unwrap();
    state.issued += 1;
    let code = format!("code-{}", state.issued);
    state.codes.insert(
        code.clone(),
        (
            param("code_challenge"),
            param("nonce"),
            param("redirect_uri"),
        ),
    );
    Redirect::to(&format!(
        "{}?code={code}&state={}",
        param("redirect_uri"),
        param("state")
    ))
    .into_response()
}

/// The token endpoint: the code once, for the client with its secret, with the verifier of the
/// code's challenge and the same redirect address; an RS256-signed ID token.
async fn token(State(state): State<Shared>, Form(form): Form<HashMap<String, String>>) -> Response {
    let param = |k: &str| form.get(k).cloned().unwrap_or_default();
    let mut state = state.lock().unwrap();
    let Some((challenge, nonce, redirect)) = state.codes.remove(&param("code")) else {
        return (StatusCode::BAD_REQUEST, r#"{"error":"invalid_grant"}"#).into_response();
    };
    use sha2::Digest;
    let verified = URL_SAFE_NO_PAD.encode(sha2::Sha256::digest(param("code_verifier").as_bytes()));
    if param("grant_type") != "authorization_code"
        || param("client_id") != CLIENT_ID
        || param("client_secret") != CLIENT_SECRET
        || param("redirect_uri") != redirect
        || verified != challenge
    {
        return (StatusCode::BAD_REQUEST, r#"{"error":"invalid_grant"}"#).into_response();
    }
    let person = state.person.clone();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let claims = json!({
        "iss": state.issuer, "sub": person.email, "aud": person.audience.as_deref().unwrap_or(CLIENT_ID),
        "iat": now, "exp": now + 300, "nonce": nonce,
        "email": person.email, "email_verified": true, "name": person.name, "groups": person.groups,
    });
    let head = URL_SAFE_NO_PAD
        .encode(json!({"alg": "RS256", "kid": "test-key", "typ": "JWT"}).to_string());
    let body = URL_SAFE_NO_PAD.encode(claims.to_string());
    let key = key();
    let mut signature = vec![0; key.public().modulus_len()];
    key.sign(
        &ring::signature::RSA_PKCS1_SHA256,
        &ring::rand::SystemRandom::new(),
        format!("{head}.{body}").as_bytes(),
        &mut signature,
    )
    .unwrap();
    if person.forge {
        signature[10] ^= 0xff;
    }
    let id_token = format!("{head}.{body}.{}", URL_SAFE_NO_PAD.encode(signature));
    axum::Json(json!({"access_token": "at", "token_type": "Bearer", "id_token": id_token}))
        .into_response()
}

/// The provider on a port of its own; its issuer URL and what it says.
async fn provider() -> (String, Shared) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let issuer = format!("http://{}", listener.local_addr().unwrap());
    let state: Shared = Arc::new(Mutex::new(ProviderState {
        issuer: issuer.clone(),
        ..Default::default()
    }));
    let app = Router::new()
        .route("/.well-known/openid-configuration", route_get(discovery))
        .route("/jwks", route_get(jwks))
        .route("/authorize", route_get(authorize))
        .route("/token", route_post(token))
        .with_state(state.clone());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (issuer, state)
}

/// Where a plain GET to `url` (on this machine) is redirected, as a browser would follow it.
async fn redirected_to(url: &str) -> String {
    let rest = url.strip_prefix("http://").unwrap();
    let (host, path) = rest.split_at(rest.find('/').unwrap());
    let mut stream = tokio::net::TcpStream::connect(host).await.unwrap();
    stream
        .write_all(
            format!("GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n").as_bytes(),
        )
        .await
        .unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).await.unwrap();
    answer
        .lines()
        .find_map(|l| {
            l.strip_prefix("location: ")
                .or_else(|| l.strip_prefix("Location: "))
        })
        .unwrap_or_else(|| panic!("no redirect in {answer}"))
        .trim()
        .to_owned()
}

/// A sign-in through the provider as a browser makes it: the sign-in button, the provider,
/// back to the callback with the cookie the button set (changed by `tamper` first).
async fn through_provider(app: &Router, tamper: impl Fn(String) -> String) -> super::Reply {
    let start = send(app, get("/login/sso?next=/themes", None)).await;
    assert_eq!(start.status, StatusCode::SEE_OTHER, "{}", start.body);
    let waiting = start
        .cookie_value("throughline_sso")
        .expect("the sign-in waits in a cookie");
    assert!(
        start
            .cookie("throughline_sso")
            .unwrap()
            .contains("Path=/login/sso")
    );
    let at_provider = start.headers[header::LOCATION].to_str().unwrap().to_owned();
    assert!(
        at_provider.contains("code_challenge_method=S256"),
        "{at_provider}"
    );
    let back = redirected_to(&at_provider).await;
    let callback = back.strip_prefix(PUBLIC_URL).expect("back to this server");
    assert!(
        callback.starts_with("/login/sso/callback?code="),
        "{callback}"
    );
    let cookie = format!("throughline_sso={}", tamper(waiting));
    send(app, get(callback, Some(&cookie))).await
}

async fn user(
    store: &throughline_store::Store,
    email: &str,
) -> Option<throughline_store::StoredUser> {
    accounts::all_users(store)
        .await
        .unwrap()
        .into_iter()
        .find(|u| u.user.email.as_str() == email)
}

/// Throughline's settings for the test's provider at `issuer`.
fn config_for(issuer: &str) -> SsoConfig {
    SsoConfig {
        issuer: issuer.to_owned(),
        client_id: CLIENT_ID.to_owned(),
        client_secret: CLIENT_SECRET.to_owned(),
        public_url: PUBLIC_URL.to_owned(),
        role_claim: "groups".to_owned(),
        roles: RoleRule::parse_list(
            "admin=cx-admins, member:billing=billing-team, viewer=cx-viewers",
        )
        .unwrap(),
        name: "Northwind ID".to_owned(),
    }
}

pub async fn single_sign_on_signs_people_in_with_their_mapped_role(db: &TestDatabase) {
    let store = super::organisation_and_admin(db).await;
    let (issuer, provider_state) = provider().await;
    let config = config_for(&issuer);
    config.check().unwrap();
    let app = router(AppState::new(store.clone()).with_sso(config));
    let says = |person: Person| provider_state.lock().unwrap().person = person;

    // The sign-in page offers it beside the password.
    let page = send(&app, get("/login", None)).await;
    assert!(
        page.body.contains("Sign in with Northwind ID"),
        "{}",
        page.body
    );
    assert!(page.body.contains("sso?next=%2F\""), "{}", page.body);

    // First sign-in: the account is made with the role the groups map to.
    says(Person {
        email: "sam@northwind.example".into(),
        name: "Sam Okafor".into(),
        groups: vec!["staff".into(), "cx-admins".into()],
        ..Person::default()
    });
    let signed_in = through_provider(&app, |c| c).await;
    assert_eq!(
        signed_in.status,
        StatusCode::SEE_OTHER,
        "{}",
        signed_in.body
    );
    assert_eq!(signed_in.headers[header::LOCATION], "/themes");
    assert_eq!(
        signed_in.cookie_value("throughline_sso").as_deref(),
        Some("")
    );
    let session = signed_in
        .cookie_value("throughline_session")
        .expect("a session");
    let overview = send(
        &app,
        get("/", Some(&format!("throughline_session={session}"))),
    )
    .await;
    assert_eq!(overview.status, StatusCode::OK);
    assert!(overview.body.contains("Sam Okafor"), "signed in as Sam");
    let sam = user(&store, "sam@northwind.example")
        .await
        .expect("made on first sign-in");
    assert_eq!(sam.user.role.as_str(), "admin");
    let audit = accounts::audit_log(&store, 20).await.unwrap();
    assert!(
        audit
            .iter()
            .any(|a| a.action == "user.add" && a.actor == "single sign-on (Northwind ID)"),
        "{audit:?}"
    );
    // No password signs in to it.
    assert!(
        sign_in(&app, "sam@northwind.example", PASSWORD)
            .await
            .is_err()
    );

    // The provider is the authority: moved to the billing team, Sam signs in as its member.
    says(Person {
        email: "sam@northwind.example".into(),
        name: "Sam Okafor".into(),
        groups: vec!["billing-team".into()],
        ..Person::default()
    });
    assert_eq!(
        through_provider(&app, |c| c).await.status,
        StatusCode::SEE_OTHER
    );
    let sam = user(&store, "sam@northwind.example").await.unwrap();
    assert_eq!(sam.user.role.as_str(), "member");
    assert_eq!(
        sam.user.department.as_ref().map(|d| d.as_str()),
        Some("billing")
    );
    let audit = accounts::audit_log(&store, 20).await.unwrap();
    assert!(
        audit
            .iter()
            .any(|a| a.action == "user.role" && a.actor == "single sign-on (Northwind ID)")
    );

    // Refused, and nothing stored: a group the mapping does not name, a forged signature, a
    // token for another client, a callback whose state is not this browser's, a verifier that
    // does not match the challenge (the provider refuses the code).
    let refusals: [(Person, Tamper, StatusCode, &str); 5] = [
        (
            Person {
                groups: vec!["guests".into()],
                ..Person::default()
            },
            |c| c,
            StatusCode::FORBIDDEN,
            "has no role in Throughline",
        ),
        (
            Person {
                groups: vec!["cx-admins".into()],
                forge: true,
                ..Person::default()
            },
            |c| c,
            StatusCode::FORBIDDEN,
            "signature that does not match",
        ),
        (
            Person {
                groups: vec!["cx-admins".into()],
                audience: Some("another-app".into()),
                ..Person::default()
            },
            |c| c,
            StatusCode::FORBIDDEN,
            "not this server",
        ),
        (
            Person {
                groups: vec!["cx-admins".into()],
                ..Person::default()
            },
            |c| format!("x{c}"),
            StatusCode::BAD_REQUEST,
            "did not start here",
        ),
        (
            Person {
                groups: vec!["cx-admins".into()],
                ..Person::default()
            },
            |c| {
                let mut parts: Vec<String> = c.split('.').map(str::to_owned).collect();
                parts[2] = "0".repeat(64);
                parts.join(".")
            },
            StatusCode::FORBIDDEN,
            "refused the sign-in code",
        ),
    ];
    for (i, (person, tamper, status, why)) in refusals.into_iter().enumerate() {
        let email = format!("intruder{i}@northwind.example");
        says(Person {
            email: email.clone(),
            name: "Intruder".into(),
            ..person
        });
        let refused = through_provider(&app, tamper).await;
        assert_eq!(refused.status, status, "case {i}: {}", refused.body);
        assert!(
            refused.body.contains(why),
            "case {i}: {why} in {}",
            refused.body
        );
        assert!(
            refused.cookie_value("throughline_session").is_none(),
            "case {i}"
        );
        assert!(
            user(&store, &email).await.is_none(),
            "case {i}: no account made"
        );
    }

    // A disabled account stays shut though the provider vouches for it.
    accounts::change_account(
        &store,
        throughline_service::changes::Actor::CommandLine { os_user: "ops" },
        "sam@northwind.example",
        accounts::AccountChange::Disable,
    )
    .await
    .unwrap();
    says(Person {
        email: "sam@northwind.example".into(),
        name: "Sam Okafor".into(),
        groups: vec!["cx-admins".into()],
        ..Person::default()
    });
    let shut = through_provider(&app, |c| c).await;
    assert_eq!(shut.status, StatusCode::FORBIDDEN);
    assert!(shut.body.contains("is disabled"), "{}", shut.body);

    // A provider that cannot be reached: the sign-in page again, saying so (502), no cookie.
    let unreachable = SsoConfig {
        issuer: "http://127.0.0.1:1".to_owned(),
        ..config_for(&issuer)
    };
    let app_down = router(AppState::new(store.clone()).with_sso(unreachable));
    let down = send(&app_down, get("/login/sso", None)).await;
    assert_eq!(down.status, StatusCode::BAD_GATEWAY, "{}", down.body);
    assert!(
        down.body.contains("Northwind ID cannot be reached"),
        "{}",
        down.body
    );
    assert!(
        down.body.contains("name=\"password\""),
        "the password form is still there"
    );
    assert_eq!(down.cookie_value("throughline_sso").as_deref(), Some(""));

    // Without single sign-on set up there is no such page.
    let plain = router(AppState::new(store.clone()));
    assert_eq!(
        send(&plain, get("/login/sso", None)).await.status,
        StatusCode::NOT_FOUND
    );
    assert!(
        !send(&plain, get("/login", None))
            .await
            .body
            .contains("Sign in with")
    );
}
