//! A token service for distribution's `auth.token`, so that Bearer registries (the kind Harbor,
//! GitLab and Artifactory run) are tested against the real registry. Tokens are ES256 JWTs whose
//! `kid` is the libtrust key ID of the signing certificate in the registry's `rootcertbundle`.
//! Both of distribution's token grants are served: GET with Basic credentials, and the OAuth2
//! refresh-token POST that docker uses once it holds a refresh token (an identity token). Other
//! products' token services differ from distribution's reference one: `TokenQuirks`.

use crate::loopback::LoopbackServer;
use crate::timestamp;
use data_encoding::{BASE32_NOPAD, BASE64, BASE64URL_NOPAD};
use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::{Method, Request, Response};
use rcgen::{CertificateParams, DnType, KeyPair, PublicKeyData};
use ring::rand::SystemRandom;
use ring::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair};
use serde_json::json;
use sha2::{Digest as _, Sha256};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

pub const ISSUER: &str = "essregistry-testbed-issuer";
pub const SERVICE: &str = "essregistry-testbed";

/// Who gets a token for what.
#[derive(Debug, Clone, Default)]
pub struct TokenPolicy {
    pub user: String,
    pub password: String,
    /// Repositories for which a pull token grants nothing (the registry then answers 401).
    pub deny: Vec<String>,
    /// Repositories for which the token service fails a pull token with 500.
    pub fail: Vec<String>,
    /// The refresh token that the OAuth2 POST grant takes for `user` (the same repositories
    /// are denied and failed); None: every refresh token is refused.
    pub refresh_token: Option<String>,
    /// Where this service answers otherwise than distribution's.
    pub quirks: TokenQuirks,
}

/// How a product's token service answers otherwise than distribution's reference one.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TokenQuirks {
    /// POST answers 405 (Quay's `/v2/auth` is a GET-only route): a client holding a refresh
    /// token must send it by GET, as the password of Basic credentials (any user name), the
    /// way Artifactory and ACR take tokens as passwords.
    pub get_only: bool,
    /// Answers are `{"access_token": ...}` alone, as OAuth2 servers give them: no `token`, no
    /// `expires_in` (the token spec names `access_token` as the alias a client must accept).
    pub access_token_only: bool,
    /// A GET without credentials gets a pull token, as for a public project: a client whose
    /// credentials were rightly left behind (a redirect to another host) still gets in.
    pub anonymous_pull: bool,
}

pub struct TokenServer {
    /// Every token request, in order: a GET's query string, or `POST ` and a POST's form with
    /// the refresh token's value replaced by `<refresh-token>`.
    pub requests: Arc<Mutex<Vec<String>>>,
    server: LoopbackServer,
}

/// What every token answer is made from.
struct Issuer {
    policy: TokenPolicy,
    /// The password stored hashed, as real token services keep it (at htpasswd -B's cost), so a
    /// token request costs what it costs there.
    hash: String,
    signer: EcdsaKeyPair,
    kid: String,
    /// Numbers the tokens, so that no two have the same ID.
    issued: AtomicU64,
}

impl TokenServer {
    /// Starts on a free port and writes the certificate the registry trusts to `cert_file`.
    pub fn start(policy: TokenPolicy, cert_file: &Path) -> TokenServer {
        let rng = SystemRandom::new();
        let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &rng).expect("key");
        let signer = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, pkcs8.as_ref(), &rng).expect("signer");
        let key = KeyPair::try_from(pkcs8.as_ref()).expect("rcgen key");
        let mut params = CertificateParams::new(Vec::<String>::new()).expect("params");
        params.distinguished_name.push(DnType::CommonName, "essregistry token signer");
        let cert = params.self_signed(&key).expect("signing certificate");
        std::fs::write(cert_file, cert.pem()).expect("write token certificate");
        let kid = libtrust_key_id(&key.subject_public_key_info());
        let hash = bcrypt::hash(&policy.password, 5).expect("bcrypt");
        let issuer = Arc::new(Issuer { policy, hash, signer, kid, issued: AtomicU64::new(0) });

        let requests = Arc::new(Mutex::new(Vec::new()));
        let log = Arc::clone(&requests);
        let server = LoopbackServer::start(move |request: Request<Incoming>| {
            let (issuer, log) = (Arc::clone(&issuer), Arc::clone(&log));
            async move {
                let (status, body) = if request.method() == Method::POST {
                    let form = request.into_body().collect().await.map_err(std::io::Error::other)?.to_bytes();
                    let form = String::from_utf8_lossy(&form).into_owned();
                    log.lock().expect("requests").push(format!("POST {}", without_refresh_token(&form)));
                    if issuer.policy.quirks.get_only {
                        (405, json!({"error": "method not allowed"}).to_string())
                    } else {
                        refresh_grant(&issuer, &form)
                    }
                } else {
                    let query = request.uri().query().unwrap_or_default().to_owned();
                    log.lock().expect("requests").push(query.clone());
                    let authorization = request.headers().get("authorization").and_then(|v| v.to_str().ok());
                    basic_grant(&issuer, authorization, &query)
                };
                Response::builder()
                    .status(status)
                    .header("content-type", "application/json")
                    .body(Full::new(Bytes::from(body)))
                    .map_err(std::io::Error::other)
            }
        });
        TokenServer { requests, server }
    }

    pub fn realm(&self) -> String {
        format!("http://127.0.0.1:{}/token", self.server.port)
    }
}

/// GET with Basic credentials (none, where anonymous pulls are allowed) and the scopes in the
/// query: `{"token", "expires_in"}`, or `{"access_token"}` alone.
fn basic_grant(issuer: &Issuer, authorization: Option<&str>, query: &str) -> (u16, String) {
    let policy = &issuer.policy;
    let credentials = authorization
        .and_then(|value| value.strip_prefix("Basic "))
        .and_then(|encoded| BASE64.decode(encoded.as_bytes()).ok())
        .and_then(|decoded| String::from_utf8(decoded).ok())
        .and_then(|pair| pair.split_once(':').map(|(u, p)| (u.to_owned(), p.to_owned())));
    let anonymous = authorization.is_none() && policy.quirks.anonymous_pull;
    let authorised = anonymous
        || credentials.is_some_and(|(user, password)| {
            (user == policy.user && bcrypt::verify(&password, &issuer.hash).unwrap_or(false))
                || (policy.quirks.get_only && policy.refresh_token.as_ref() == Some(&password))
        });
    if !authorised {
        return (401, r#"{"details":"invalid credentials"}"#.into());
    }
    match access_token(issuer, query, anonymous) {
        Ok((token, _)) if policy.quirks.access_token_only => (200, json!({"access_token": token}).to_string()),
        Ok((token, _)) => (200, json!({"token": token, "expires_in": EXPIRES_IN}).to_string()),
        Err(failure) => failure,
    }
}

/// POST of the OAuth2 refresh-token grant, its parameters in the form:
/// `{"access_token", "scope", "expires_in", "issued_at"}`.
fn refresh_grant(issuer: &Issuer, form: &str) -> (u16, String) {
    let value = |key: &str| parameter(form, key).next();
    let error = |status: u16, error: &str| (status, json!({"error": error}).to_string());
    if value("grant_type").as_deref() != Some("refresh_token") {
        return error(400, "unsupported_grant_type");
    }
    if value("client_id").is_none() || value("service").is_none() {
        return error(400, "invalid_request");
    }
    if issuer.policy.refresh_token.is_none() || value("refresh_token") != issuer.policy.refresh_token {
        return error(401, "invalid_grant");
    }
    match access_token(issuer, form, false) {
        Ok((token, scope)) => (
            200,
            json!({"access_token": token, "scope": scope, "expires_in": EXPIRES_IN, "issued_at": timestamp::now()})
                .to_string(),
        ),
        Err(failure) => failure,
    }
}

/// How long a token lasts, in seconds.
const EXPIRES_IN: u64 = 300;

/// A token for the scopes in `parameters` (a query or a form), and the scope it grants; or the
/// failure the policy asks for. An anonymous client is granted pulls only.
fn access_token(issuer: &Issuer, parameters: &str, anonymous: bool) -> Result<(String, String), (u16, String)> {
    let Issuer { policy, signer, kid, .. } = issuer;
    // Each scope is `repository:NAME:ACTIONS` (a form puts several in one parameter, apart by
    // spaces); every requested action is granted, except on the repositories the policy
    // denies or fails.
    let scopes: Vec<(String, Vec<String>)> = parameter(parameters, "scope")
        .flat_map(|scope| scope.split(' ').map(str::to_owned).collect::<Vec<_>>())
        .filter_map(|scope| {
            let (name, actions) = scope.strip_prefix("repository:")?.rsplit_once(':')?;
            let actions = actions.split(',').filter(|action| !anonymous || *action == "pull").map(str::to_owned);
            Some((name.to_owned(), actions.collect::<Vec<_>>())).filter(|(_, actions)| !actions.is_empty())
        })
        .collect();
    // Pushes (pull,push) are always granted, so a test can seed a repository it then denies.
    let pull_only = |actions: &Vec<String>| actions.iter().all(|a| a == "pull");
    if scopes.iter().any(|(name, actions)| pull_only(actions) && policy.fail.contains(name)) {
        return Err((500, "token service failure".into()));
    }
    let granted: Vec<&(String, Vec<String>)> =
        scopes.iter().filter(|(name, actions)| !(pull_only(actions) && policy.deny.contains(name))).collect();
    let access: Vec<_> =
        granted.iter().map(|(name, actions)| json!({"type": "repository", "name": name, "actions": actions})).collect();
    let scope: Vec<String> =
        granted.iter().map(|(name, actions)| format!("repository:{name}:{}", actions.join(","))).collect();
    let now = SystemTime::now().duration_since(UNIX_EPOCH).expect("clock").as_secs();
    let header = json!({"typ": "JWT", "alg": "ES256", "kid": kid});
    let claims = json!({
        "iss": ISSUER, "sub": policy.user, "aud": SERVICE,
        "exp": now + EXPIRES_IN, "nbf": now - 10, "iat": now,
        "jti": format!("{now}-{}", issuer.issued.fetch_add(1, Ordering::Relaxed)),
        "access": access
    });
    let signing_input = format!(
        "{}.{}",
        BASE64URL_NOPAD.encode(header.to_string().as_bytes()),
        BASE64URL_NOPAD.encode(claims.to_string().as_bytes())
    );
    let signature = signer.sign(&SystemRandom::new(), signing_input.as_bytes()).expect("sign");
    Ok((format!("{signing_input}.{}", BASE64URL_NOPAD.encode(signature.as_ref())), scope.join(" ")))
}

/// Every value of `key` in `parameters` (`a=1&b=2`), decoded.
fn parameter<'a>(parameters: &'a str, key: &'a str) -> impl Iterator<Item = String> + 'a {
    parameters.split('&').filter_map(move |pair| pair.strip_prefix(key)?.strip_prefix('=')).map(percent_decode)
}

/// The form as logged: a test sees that a refresh token was sent, and the log holds no secret.
fn without_refresh_token(form: &str) -> String {
    form.split('&')
        .map(|pair| if pair.starts_with("refresh_token=") { "refresh_token=<refresh-token>" } else { pair })
        .collect::<Vec<_>>()
        .join("&")
}

/// libtrust's key ID: the first 240 bits of the SPKI's sha256, base32, in groups of four.
fn libtrust_key_id(spki_der: &[u8]) -> String {
    let hash = Sha256::digest(spki_der);
    let encoded = BASE32_NOPAD.encode(&hash[..30]);
    encoded.as_bytes().chunks(4).map(|c| std::str::from_utf8(c).expect("ascii")).collect::<Vec<_>>().join(":")
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match (
            bytes[i],
            bytes.get(i + 1..i + 3).and_then(|h| u8::from_str_radix(std::str::from_utf8(h).ok()?, 16).ok()),
        ) {
            (b'%', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (b'+', _) => {
                out.push(b' ');
                i += 1;
            }
            (byte, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}
