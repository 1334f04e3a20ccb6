//! The Docker config as docker reads it, against real registries: `auth` values with line
//! breaks inside, and identity tokens (OAuth2 refresh tokens) through the token service.

mod support;

use base64::Engine as _;
use essregistry_testbed::registry::{Registry, RegistryConfig};
use essregistry_testbed::scenario::{ESS, Scenario};
use essregistry_testbed::token::TokenPolicy;
use support::{Plugin, strs};

const USER: &str = "robot$ess+mirror";
/// Long enough that `base64` (without -w0) breaks the line, with a colon inside.
const PASSWORD: &str = "eyJhbGciOiJSUzI1NiJ9:a-long-robot-secret-that-wraps-0123456789";
const REFRESH_TOKEN: &str = "refresh-token-s3cret-value";

fn write_docker_config(plugin: &Plugin, config: serde_json::Value) {
    let dir = plugin.home().join(".docker");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("config.json"), config.to_string()).unwrap();
}

#[test]
fn an_auth_value_with_line_breaks_logs_in_as_docker_would() {
    let config =
        RegistryConfig { tls: true, basic_auth: Some((USER.into(), PASSWORD.into())), ..RegistryConfig::default() };
    let scenario = Scenario::seed(Registry::start(config), &ESS);
    let encoded = base64::engine::general_purpose::STANDARD.encode(format!("{USER}:{PASSWORD}"));
    assert!(encoded.len() > 76);
    // What `echo -n user:pass | base64` prints: a line break every 76 characters.
    let wrapped = format!("{}\n{}", &encoded[..76], &encoded[76..]);
    let plugin = Plugin::new();
    write_docker_config(&plugin, serde_json::json!({"auths": {scenario.registry.host(): {"auth": wrapped}}}));
    let run = plugin.run(&strs(&scenario.plan_args(&["-o", "json"])));
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(run.json()["summary"]["present"], 2);
    assert!(!run.stderr.contains(PASSWORD));
}

fn token_scenario() -> Scenario {
    let policy = TokenPolicy {
        user: USER.into(),
        password: PASSWORD.into(),
        refresh_token: Some(REFRESH_TOKEN.into()),
        ..TokenPolicy::default()
    };
    Scenario::seed(
        Registry::start(RegistryConfig { tls: true, token: Some(policy), ..RegistryConfig::default() }),
        &ESS,
    )
}

#[test]
fn an_identity_token_checks_through_the_refresh_grant_but_never_becomes_a_pull_secret() {
    let scenario = token_scenario();
    let plugin = Plugin::new();
    write_docker_config(
        &plugin,
        serde_json::json!({"auths": {scenario.registry.host(): {"auth": "", "identitytoken": REFRESH_TOKEN}}}),
    );
    // Seeding the registry asked for push tokens with the password: only the plugin's count.
    scenario.registry.token_server.as_ref().unwrap().requests.lock().unwrap().clear();
    let run = plugin.run(&strs(&scenario.plan_args(&["-o", "json"])));
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(run.json()["summary"]["present"], 2);
    let requests = scenario.registry.token_server.as_ref().unwrap().requests.lock().unwrap().clone();
    assert!(requests.iter().any(|r| r.starts_with("POST ") && r.contains("grant_type=refresh_token")), "{requests:#?}");
    assert!(requests.iter().all(|r| r.starts_with("POST ")), "no password GET: {requests:#?}");

    let apply = plugin.run(&strs(&scenario.args("apply", &["--allow-incomplete", "--dry-run", "client"])));
    assert_eq!(apply.code, 2, "{}", apply.stderr);
    assert!(apply.stderr.contains("holds only an identity token"), "{}", apply.stderr);
    assert!(apply.stderr.contains("--no-secret"), "{}", apply.stderr);
    assert!(!apply.stdout.contains("kind: Secret") && !apply.stderr.contains(REFRESH_TOKEN));
    let without_secret =
        plugin.run(&strs(&scenario.args("apply", &["--allow-incomplete", "--dry-run", "client", "--no-secret"])));
    assert_eq!(without_secret.code, 1, "{}", without_secret.stderr);
}

#[test]
fn a_refused_identity_token_is_exit_3() {
    let scenario = token_scenario();
    let plugin = Plugin::new();
    write_docker_config(
        &plugin,
        serde_json::json!({"auths": {scenario.registry.host(): {"identitytoken": "revoked"}}}),
    );
    let run = plugin.run(&strs(&scenario.plan_args(&[])));
    assert_eq!(run.code, 3, "{}", run.stderr);
    assert!(run.stderr.contains("Docker config"), "{}", run.stderr);
    assert!(!run.stderr.contains("revoked"));
}
