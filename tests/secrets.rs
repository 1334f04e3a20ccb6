//! The registry password never shows: every command, on its success and its failure paths, is
//! run with a recognisable password, and every byte it prints is searched for it, raw and
//! encoded. The one exception is the manifest the user asks for with --dry-run=client -o yaml.

mod support;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use essregistry_testbed::apiserver::{ApiServer, Role};
use essregistry_testbed::docker_config;
use essregistry_testbed::images::Copy;
use essregistry_testbed::registry::{Registry, RegistryConfig};
use essregistry_testbed::scenario::{ESS, Scenario};
use support::{Plugin, Run};

const USER: &str = "robot-ess";
const PASSWORD: &str = "Zebra-Quartz-7731-Kiwi";
const WRONG: &str = "Wrong-Mango-4410-Lemon";

/// The password in every form an output could carry it.
fn forms(host: &str, password: &str) -> Vec<String> {
    let auth = STANDARD.encode(format!("{USER}:{password}"));
    let config = format!(r#"{{"auths":{{"{host}":{{"username":"{USER}","password":"{password}","auth":"{auth}"}}}}}}"#);
    vec![password.to_owned(), STANDARD.encode(password), auth, STANDARD.encode(config)]
}

fn assert_hidden(what: &str, run: &Run, host: &str) {
    for secret in forms(host, PASSWORD).iter().chain(&forms(host, WRONG)) {
        assert!(!run.stdout.contains(secret.as_str()), "{what}: stdout shows a secret ({secret})");
        assert!(!run.stderr.contains(secret.as_str()), "{what}: stderr shows a secret ({secret})");
    }
}

#[test]
fn no_command_prints_the_password_on_any_path() {
    let ready: Vec<_> = ESS.into_iter().filter(|m| m.copy == Some(Copy::All)).collect();
    let config =
        RegistryConfig { tls: true, basic_auth: Some((USER.into(), PASSWORD.into())), ..RegistryConfig::default() };
    let scenario = Scenario::seed(Registry::start(config), &ready);
    let host = scenario.registry.host();
    let api = ApiServer::start();
    let admin = api.kubeconfig(Role::Admin);
    let no_secrets = api.kubeconfig(Role::NoSecretWrites);
    let with_env = Plugin::new().env("ESSREGISTRY_USERNAME", USER).env("ESSREGISTRY_PASSWORD", PASSWORD);
    let wrong_env = Plugin::new().env("ESSREGISTRY_USERNAME", USER).env("ESSREGISTRY_PASSWORD", WRONG);
    let args = |command: &str, kubeconfig: &std::path::Path, extra: &[&str]| -> Vec<String> {
        let mut args = scenario.args(command, &["--kubeconfig", kubeconfig.to_str().unwrap()]);
        args.extend(extra.iter().map(|s| s.to_string()));
        args
    };
    let run = |plugin: &Plugin, args: Vec<String>| plugin.run(&args.iter().map(String::as_str).collect::<Vec<_>>());

    let mut runs: Vec<(String, Run)> = Vec::new();
    for format in ["table", "json", "yaml"] {
        runs.push((format!("plan -o {format}"), run(&with_env, args("plan", &admin, &["-o", format]))));
    }
    runs.push(("apply without Secret rights".into(), run(&with_env, args("apply", &no_secrets, &[]))));
    runs.push(("apply".into(), run(&with_env, args("apply", &admin, &["-o", "json"]))));
    runs.push(("apply again".into(), run(&with_env, args("apply", &admin, &[]))));
    runs.push((
        "apply --dry-run=server".into(),
        run(&with_env, args("apply", &admin, &["--dry-run", "server", "-o", "yaml"])),
    ));
    for format in ["table", "json", "yaml"] {
        let mut status =
            vec!["status".to_owned(), "--kubeconfig".into(), admin.display().to_string(), "-o".into(), format.into()];
        status.extend(scenario.registry_flags());
        runs.push((format!("status -o {format} (the Secret's credentials)"), run(&Plugin::new(), status)));
    }
    runs.push(("plan with a wrong password".into(), run(&wrong_env, args("plan", &admin, &[]))));
    runs.push(("status with a wrong password".into(), run(&wrong_env, args("status", &admin, &[]))));
    let stdin = Plugin::new().run_with_stdin(
        &args("plan", &admin, &["--registry-username", USER, "--registry-password-stdin", "-o", "json"])
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>(),
        &format!("{PASSWORD}\n"),
    );
    runs.push(("plan with the password on stdin".into(), stdin));
    let docker = Plugin::new();
    std::fs::create_dir_all(docker.home().join(".docker")).unwrap();
    std::fs::write(docker.home().join(".docker/config.json"), docker_config(&host, USER, PASSWORD)).unwrap();
    runs.push(("plan with the Docker config".into(), run(&docker, args("plan", &admin, &[]))));
    for command in ["plan", "apply", "status", "completion"] {
        runs.push((format!("{command} --help"), with_env.run(&[command, "--help"])));
    }
    runs.push(("completion bash".into(), with_env.run(&["completion", "bash"])));
    drop(api);
    runs.push(("apply with the API server gone".into(), run(&with_env, args("apply", &admin, &[]))));
    let unreachable =
        ["plan", "--offline", "-f", scenario.digests_arg(), "--registry", "127.0.0.1:1", "--registry-plain-http"];
    runs.push(("plan with the registry unreachable".into(), with_env.run(&unreachable)));

    let codes: Vec<(&str, i32)> = runs.iter().map(|(what, run)| (what.as_str(), run.code)).collect();
    assert!(
        codes.iter().any(|(_, code)| *code == 3)
            && codes.iter().any(|(_, code)| *code == 4)
            && codes.iter().any(|(_, code)| *code == 5),
        "the failure paths ran: {codes:?}"
    );
    for (what, run) in &runs {
        assert_hidden(what, run, &host);
    }
}

#[test]
fn only_the_requested_manifest_carries_the_secret() {
    let ready: Vec<_> = ESS.into_iter().filter(|m| m.copy == Some(Copy::All)).collect();
    let config =
        RegistryConfig { tls: true, basic_auth: Some((USER.into(), PASSWORD.into())), ..RegistryConfig::default() };
    let scenario = Scenario::seed(Registry::start(config), &ready);
    let plugin = Plugin::new().env("ESSREGISTRY_USERNAME", USER).env("ESSREGISTRY_PASSWORD", PASSWORD);
    let args = scenario.args("apply", &["--dry-run", "client", "-o", "yaml"]);
    let run = plugin.run(&args.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(!run.stdout.contains(PASSWORD), "not in clear, even here");
    let secret: serde_yaml::Value = serde_yaml::from_str(run.stdout.split("\n---\n").nth(1).unwrap()).unwrap();
    let config = STANDARD.decode(secret["data"][".dockerconfigjson"].as_str().unwrap()).unwrap();
    assert!(String::from_utf8(config).unwrap().contains(PASSWORD), "the manifest asked for is the one place it is");
}
