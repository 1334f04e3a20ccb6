//! The token service's OAuth2 refresh-token grant, checked with curl against the real registry:
//! the access token it issues is one the registry takes, within the same policy as Basic's.

use essregistry_testbed::registry::{Registry, RegistryConfig};
use essregistry_testbed::token::TokenPolicy;
use serde_json::Value;
use std::process::Command;

const REFRESH_TOKEN: &str = "refresh-secret";

/// curl's answer: the status, and the body.
fn curl(args: &[&str]) -> (u16, String) {
    let output = Command::new("curl").args(["--silent", "--write-out", "\n%{http_code}"]).args(args).output().unwrap();
    let text = String::from_utf8_lossy(&output.stdout).into_owned();
    let (body, status) = text.rsplit_once('\n').expect("a status line");
    (status.parse().expect("a status"), body.to_owned())
}

fn registry(refresh_token: Option<&str>) -> Registry {
    let policy = TokenPolicy {
        user: "user".into(),
        password: "secret".into(),
        deny: vec!["ess/denied".into()],
        refresh_token: refresh_token.map(str::to_owned),
        ..TokenPolicy::default()
    };
    Registry::start(RegistryConfig { token: Some(policy), ..RegistryConfig::default() })
}

fn grant(registry: &Registry, form: &str) -> (u16, String) {
    curl(&["--data", form, &registry.token_server.as_ref().unwrap().realm()])
}

/// What the registry answers for `repository`'s tags with `token`.
fn tags_status(registry: &Registry, token: &str, repository: &str) -> u16 {
    let url = format!("http://{}/v2/{repository}/tags/list", registry.host());
    curl(&["--output", "/dev/null", "--header", &format!("Authorization: Bearer {token}"), &url]).0
}

#[test]
fn a_refresh_token_is_exchanged_for_an_access_token_the_registry_takes() {
    let registry = registry(Some(REFRESH_TOKEN));
    let form = format!(
        "grant_type=refresh_token&refresh_token={REFRESH_TOKEN}&service=essregistry-testbed&client_id=essregistry&scope=repository%3Aess%2Fallowed%3Apull+repository%3Aess%2Fdenied%3Apull"
    );
    let (status, body) = grant(&registry, &form);
    assert_eq!(status, 200, "{body}");
    let answer: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(answer["expires_in"], 300);
    assert_eq!(answer["scope"], "repository:ess/allowed:pull", "the denied repository is left out");
    assert!(answer["issued_at"].as_str().unwrap().ends_with('Z'), "{answer}");
    let token = answer["access_token"].as_str().unwrap();
    assert_eq!(tags_status(&registry, token, "ess/allowed"), 404, "granted: the repository is just empty");
    assert_eq!(tags_status(&registry, token, "ess/denied"), 401);

    let requests = registry.token_server.as_ref().unwrap().requests.lock().unwrap().clone();
    assert_eq!(requests, [format!("POST {}", form.replace(REFRESH_TOKEN, "<refresh-token>"))]);
}

#[test]
fn other_refresh_tokens_and_incomplete_forms_are_refused() {
    let registry = registry(Some(REFRESH_TOKEN));
    let form = |token: &str| {
        format!(
            "grant_type=refresh_token&refresh_token={token}&service=essregistry-testbed&client_id=essregistry&scope=repository%3Aess%2Fa%3Apull"
        )
    };
    assert_eq!(grant(&registry, &form("stolen")).0, 401);
    let without_client = form(REFRESH_TOKEN).replace("&client_id=essregistry", "");
    assert_eq!(grant(&registry, &without_client).0, 400);
    let password_grant = form(REFRESH_TOKEN).replace("grant_type=refresh_token", "grant_type=password");
    assert_eq!(grant(&registry, &password_grant).0, 400);

    let without_refresh_tokens = self::registry(None);
    assert_eq!(grant(&without_refresh_tokens, &form(REFRESH_TOKEN)).0, 401);
}
