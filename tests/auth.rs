//! Registry credentials and TLS: Basic (htpasswd) and Bearer (token service) registries over
//! HTTPS with a test CA, credentials from stdin, the environment and the Docker config.

mod support;

use essregistry_testbed::docker_config;
use essregistry_testbed::registry::{Registry, RegistryConfig};
use essregistry_testbed::scenario::{ESS, Scenario};
use essregistry_testbed::token::TokenPolicy;
use support::{Plugin, strs};

const USER: &str = "ess-admin";
const PASSWORD: &str = "Pa55-w0rd-in-stdin-7Q";

fn basic_tls() -> Scenario {
    let config =
        RegistryConfig { tls: true, basic_auth: Some((USER.into(), PASSWORD.into())), ..RegistryConfig::default() };
    Scenario::seed(Registry::start(config), &ESS)
}

#[test]
fn basic_auth_over_tls_with_the_password_on_stdin() {
    let scenario = basic_tls();
    let args = scenario.plan_args(&["-o", "json", "--registry-username", USER, "--registry-password-stdin"]);
    let run = Plugin::new().run_with_stdin(&strs(&args), &format!("{PASSWORD}\n"));
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(run.json()["summary"]["present"], 2);
    assert!(!run.stdout.contains(PASSWORD) && !run.stderr.contains(PASSWORD));
}

#[test]
fn a_wrong_password_fails_fast_naming_the_registry_and_the_source() {
    let scenario = basic_tls();
    scenario.registry.clear_requests();
    let plugin = Plugin::new().env("ESSREGISTRY_USERNAME", USER).env("ESSREGISTRY_PASSWORD", "wrong-password-xyz");
    let run = plugin.run(&strs(&scenario.plan_args(&[])));
    assert_eq!(run.code, 3, "{}", run.stderr);
    assert!(
        run.stderr.contains(&format!(
            "the registry {} refused the credentials from ESSREGISTRY_USERNAME and ESSREGISTRY_PASSWORD",
            scenario.registry.host()
        )),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("wrong-password-xyz"));
    let requests = scenario.registry.requests();
    assert!(requests.len() <= 2, "one probe and one login, no retry storm: {requests:#?}");
    assert!(requests.iter().all(|r| !r.path.contains("/manifests/")));
}

#[test]
fn no_credentials_for_a_registry_that_needs_them_is_exit_3() {
    let scenario = basic_tls();
    let run = Plugin::new().run(&strs(&scenario.plan_args(&[])));
    assert_eq!(run.code, 3, "{}", run.stderr);
    assert!(
        run.stderr.contains("no credentials (anonymous)") && run.stderr.contains("requires credentials"),
        "{}",
        run.stderr
    );
}

#[test]
fn credentials_come_from_the_docker_config() {
    let scenario = basic_tls();
    let plugin = Plugin::new();
    let docker = plugin.home().join(".docker");
    std::fs::create_dir_all(&docker).unwrap();
    std::fs::write(docker.join("config.json"), docker_config(&scenario.registry.host(), USER, PASSWORD)).unwrap();
    let run = plugin.run(&strs(&scenario.plan_args(&["-o", "json"])));
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(run.json()["summary"]["present"], 2);
}

#[test]
fn an_unknown_ca_is_exit_4_and_names_the_flag() {
    let scenario = basic_tls();
    let args: Vec<String> =
        scenario.plan_args(&[]).into_iter().filter(|a| !a.ends_with("ca.pem") && a != "--registry-ca-file").collect();
    let run = Plugin::new().env("ESSREGISTRY_USERNAME", USER).env("ESSREGISTRY_PASSWORD", PASSWORD).run(&strs(&args));
    assert_eq!(run.code, 4, "{}", run.stderr);
    assert!(
        run.stderr.contains("not a trusted authority") && run.stderr.contains("--registry-ca-file"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_bearer_registry_gives_unauthorized_and_error_per_image() {
    let policy = TokenPolicy {
        user: USER.into(),
        password: PASSWORD.into(),
        deny: vec!["ess/vectorim/element-web".into()],
        fail: vec!["ess/matrix-org/matrix-hookshot".into()],
        ..TokenPolicy::default()
    };
    let scenario = Scenario::seed(
        Registry::start(RegistryConfig {
            tls: true,
            basic_auth: None,
            token: Some(policy),
            ..RegistryConfig::default()
        }),
        &ESS,
    );
    let token_server = scenario.registry.token_server.as_ref().unwrap();
    token_server.requests.lock().unwrap().clear();
    let plugin = Plugin::new().env("ESSREGISTRY_USERNAME", USER).env("ESSREGISTRY_PASSWORD", PASSWORD);
    let run = plugin.run(&strs(&scenario.plan_args(&["-o", "json"])));
    assert_eq!(run.code, 4, "an image in error decides the exit code: {}", run.stderr);
    let report = run.json();
    let states: Vec<&str> = report["images"].as_array().unwrap().iter().map(|i| i["state"].as_str().unwrap()).collect();
    assert_eq!(states, ["present", "mismatch", "mismatch", "unauthorized", "error"]);

    // The batch token for all five failed on hookshot: each repository was then asked alone.
    let token_requests = token_server.requests.lock().unwrap().clone();
    let haproxy_alone = token_requests.iter().filter(|q| scopes(q) == ["ess/library/haproxy"]).count();
    assert_eq!(haproxy_alone, 1, "{token_requests:#?}");

    let wrong = Plugin::new().env("ESSREGISTRY_USERNAME", USER).env("ESSREGISTRY_PASSWORD", "nope");
    let run = wrong.run(&strs(&scenario.plan_args(&[])));
    assert_eq!(run.code, 3, "{}", run.stderr);
}

#[test]
fn a_bearer_registry_is_asked_for_one_token_for_all_repositories() {
    // element-web is denied: the shared token leaves it out, the registry refuses it, and only
    // then is a token asked for element-web alone.
    let policy = TokenPolicy {
        user: USER.into(),
        password: PASSWORD.into(),
        deny: vec!["ess/vectorim/element-web".into()],
        fail: vec![],
        ..TokenPolicy::default()
    };
    let scenario = Scenario::seed(
        Registry::start(RegistryConfig { tls: true, token: Some(policy), ..RegistryConfig::default() }),
        &ESS,
    );
    let token_server = scenario.registry.token_server.as_ref().unwrap();
    token_server.requests.lock().unwrap().clear();
    let plugin = Plugin::new().env("ESSREGISTRY_USERNAME", USER).env("ESSREGISTRY_PASSWORD", PASSWORD);
    let run = plugin.run(&strs(&scenario.plan_args(&["-o", "json"])));
    let report = run.json();
    let states: Vec<&str> = report["images"].as_array().unwrap().iter().map(|i| i["state"].as_str().unwrap()).collect();
    assert_eq!(states, ["present", "mismatch", "mismatch", "unauthorized", "missing"], "{}", run.stderr);
    assert_eq!(run.code, 3, "an unauthorized image decides the exit code: {}", run.stderr);

    let token_requests = token_server.requests.lock().unwrap().clone();
    let scoped: Vec<Vec<String>> = token_requests.iter().map(|q| scopes(q)).filter(|s| !s.is_empty()).collect();
    let targets: Vec<String> = report["images"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["target"].as_str().unwrap().split_once('/').unwrap().1.rsplit_once(':').unwrap().0.to_owned())
        .collect();
    assert_eq!(scoped, vec![targets, vec!["ess/vectorim/element-web".to_owned()]], "{token_requests:#?}");
}

/// The repositories a token request's `scope` parameters name.
fn scopes(query: &str) -> Vec<String> {
    query
        .split('&')
        .filter_map(|pair| pair.strip_prefix("scope=repository%3A"))
        .map(|scope| scope.trim_end_matches("%3Apull").replace("%2F", "/"))
        .collect()
}

#[test]
fn a_docker_credential_helper_is_asked() {
    let scenario = basic_tls();
    let plugin = Plugin::new();
    let bin = plugin.home().join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let helper = bin.join("docker-credential-essdemo");
    std::fs::write(
        &helper,
        format!("#!/bin/sh\nread server\necho '{{\"ServerURL\":\"'$server'\",\"Username\":\"{USER}\",\"Secret\":\"{PASSWORD}\"}}'\n"),
    )
    .unwrap();
    std::fs::set_permissions(&helper, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let docker = plugin.home().join(".docker");
    std::fs::create_dir_all(&docker).unwrap();
    let config = format!(r#"{{"credHelpers":{{"{}":"essdemo"}}}}"#, scenario.registry.host());
    std::fs::write(docker.join("config.json"), config).unwrap();
    let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap());
    let run = plugin.env("PATH", &path).run(&strs(&scenario.plan_args(&["-o", "json"])));
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(run.json()["summary"]["present"], 2);
}

#[test]
fn skipping_tls_verification_is_possible_for_tests() {
    let scenario = basic_tls();
    let args: Vec<String> = scenario
        .plan_args(&["--registry-insecure-skip-tls-verify", "-o", "yaml"])
        .into_iter()
        .filter(|a| !a.ends_with("ca.pem") && a != "--registry-ca-file")
        .collect();
    let plugin = Plugin::new().env("ESSREGISTRY_USERNAME", USER).env("ESSREGISTRY_PASSWORD", PASSWORD);
    let run = plugin.run(&strs(&args));
    assert_eq!(run.code, 1, "{}", run.stderr);
    let report: serde_yaml::Value = serde_yaml::from_str(&run.stdout).unwrap();
    assert_eq!(report["kind"].as_str(), Some("Plan"));
    assert_eq!(report["summary"]["present"].as_u64(), Some(2));
}
