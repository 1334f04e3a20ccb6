//! A token service for distribution's `auth.token`, so that Bearer registries (the kind Harbor,
//! GitLab and Artifactory run) are tested against the real registry. Tokens are ES256 JWTs whose
//! `kid` is the libtrust key ID of the signing certificate in the registry's `rootcertbundle`.

use crate::loopback::LoopbackServer;
use data_encoding::{BASE32_NOPAD, BASE64, BASE64URL_NOPAD};
use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::{Request, Response};
use rcgen::{CertificateParams, DnType, KeyPair, PublicKeyData};
use ring::rand::SystemRandom;
use ring::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair};
use serde_json::json;
use sha2::{Digest as _, Sha256};
use std::path::Path;
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
}

pub struct TokenServer {
    /// The query string of every token request, in order.
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
        let issuer = Arc::new(Issuer { policy, hash, signer, kid });

        let requests = Arc::new(Mutex::new(Vec::new()));
        let log = Arc::clone(&requests);
        let server = LoopbackServer::start(move |request: Request<Incoming>| {
            let query = request.uri().query().unwrap_or_default().to_owned();
            log.lock().expect("requests").push(query.clone());
            let authorization = request.headers().get("authorization").and_then(|v| v.to_str().ok());
            let (status, body) = answer(&issuer, authorization, &query);
            let response = Response::builder()
                .status(status)
                .header("content-type", "application/json")
                .body(Full::new(Bytes::from(body)));
            async move { response }
        });
        TokenServer { requests, server }
    }

    pub fn realm(&self) -> String {
        format!("http://127.0.0.1:{}/token", self.server.port)
    }
}

fn answer(issuer: &Issuer, authorization: Option<&str>, query: &str) -> (u16, String) {
    let Issuer { policy, hash, signer, kid } = issuer;
    let authorised = authorization
        .and_then(|value| value.strip_prefix("Basic "))
        .and_then(|encoded| BASE64.decode(encoded.as_bytes()).ok())
        .and_then(|decoded| String::from_utf8(decoded).ok())
        .and_then(|pair| pair.split_once(':').map(|(u, p)| (u.to_owned(), p.to_owned())))
        .is_some_and(|(user, password)| user == policy.user && bcrypt::verify(password, hash).unwrap_or(false));
    if !authorised {
        return (401, r#"{"details":"invalid credentials"}"#.into());
    }
    // Each scope is `repository:NAME:ACTIONS`; every requested action is granted, except
    // on the repositories the policy denies or fails.
    let scopes: Vec<(String, Vec<String>)> = query
        .split('&')
        .filter_map(|pair| pair.strip_prefix("scope="))
        .map(percent_decode)
        .filter_map(|scope| {
            let (name, actions) = scope.strip_prefix("repository:")?.rsplit_once(':')?;
            Some((name.to_owned(), actions.split(',').map(str::to_owned).collect()))
        })
        .collect();
    // Pushes (pull,push) are always granted, so a test can seed a repository it then denies.
    let pull_only = |actions: &Vec<String>| actions.iter().all(|a| a == "pull");
    if scopes.iter().any(|(name, actions)| pull_only(actions) && policy.fail.contains(name)) {
        return (500, "token service failure".into());
    }
    let access: Vec<_> = scopes
        .iter()
        .filter(|(name, actions)| !(pull_only(actions) && policy.deny.contains(name)))
        .map(|(name, actions)| json!({"type": "repository", "name": name, "actions": actions}))
        .collect();
    let now = SystemTime::now().duration_since(UNIX_EPOCH).expect("clock").as_secs();
    let header = json!({"typ": "JWT", "alg": "ES256", "kid": kid});
    let claims = json!({
        "iss": ISSUER, "sub": policy.user, "aud": SERVICE,
        "exp": now + 300, "nbf": now - 10, "iat": now, "jti": format!("{now}-{query}"),
        "access": access
    });
    let signing_input = format!(
        "{}.{}",
        BASE64URL_NOPAD.encode(header.to_string().as_bytes()),
        BASE64URL_NOPAD.encode(claims.to_string().as_bytes())
    );
    let signature = signer.sign(&SystemRandom::new(), signing_input.as_bytes()).expect("sign");
    let token = format!("{signing_input}.{}", BASE64URL_NOPAD.encode(signature.as_ref()));
    (200, json!({"token": token, "expires_in": 300}).to_string())
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
