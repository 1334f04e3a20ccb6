//! plan, apply and status against the tests' API server and a real registry, with kubectl as
//! the independent judge of what was written.

mod support;

use essregistry_testbed::apiserver::{ELEMENT_GROUP, ELEMENT_VERSION, Role};
use essregistry_testbed::images;
use essregistry_testbed::kubectl::Kubectl;
use essregistry_testbed::registry::RegistryConfig;
use essregistry_testbed::scenario::ESS;
use essregistry_testbed::token::TokenPolicy;
use kubectl_essregistry::reference::Digest;
use serde_json::json;
use support::Plugin;
use support::cluster_world::{DEPLOYMENT, PASSWORD, USER, World, ready_images};

#[test]
fn plan_apply_status_end_to_end_as_kubectl_sees_it() {
    let world = World::ready();
    let plan = world.run("plan", Role::Admin, &["-o", "json"]);
    assert_eq!(plan.code, 0, "{}", plan.stderr);
    let plan = plan.json();
    assert_eq!(plan["resources"][0]["kind"], "ConfigMap");
    assert_eq!(plan["resources"][0]["action"], "create");
    assert!(plan["resources"][0]["diff"].as_str().unwrap().contains("+  haproxy:"));
    assert_eq!(
        plan["resources"][1],
        json!({"kind": "Secret", "name": "ess-local-registry", "namespace": "element-onprem", "action": "create", "diff": null})
    );
    assert_eq!(world.patches(), 0, "plan writes nothing");

    let apply = world.run("apply", Role::Admin, &[]);
    assert_eq!(apply.code, 0, "{}\n{}", apply.stdout, apply.stderr);
    assert!(apply.stdout.contains("configmap/ess-images-digests created"), "{}", apply.stdout);
    assert!(apply.stdout.contains("secret/ess-local-registry created"), "{}", apply.stdout);
    assert!(apply.stdout.contains("Images Digests Config Map: ess-images-digests  not referenced"), "{}", apply.stdout);

    let applies: Vec<_> = world.api.requests().into_iter().filter(|r| r.method == "PATCH").collect();
    assert_eq!(applies.len(), 2, "{applies:#?}");
    assert!(
        applies.iter().all(|r| r.content_type.as_deref() == Some("application/apply-patch+yaml")
            && r.uri.contains("fieldManager=kubectl-essregistry")),
        "server-side apply: {applies:#?}"
    );

    let kubectl = Kubectl::new(&world.api, Role::Admin);
    let configmap = kubectl.json(&["get", "configmap", "ess-images-digests", "-o", "json"]);
    assert_eq!(configmap["data"]["images_digests"], plan["configMap"]);
    assert_eq!(configmap["metadata"]["labels"]["app.kubernetes.io/managed-by"], "kubectl-essregistry");
    let file_sha = Digest::of(&std::fs::read(&world.scenario.digests).unwrap()).to_string();
    assert_eq!(configmap["metadata"]["annotations"]["kubectl-essregistry/input-sha256"], file_sha.as_str());
    let managed = kubectl.json(&["get", "configmap", "ess-images-digests", "-o", "json", "--show-managed-fields"]);
    assert_eq!(managed["metadata"]["managedFields"][0]["manager"], "kubectl-essregistry");

    let secret = kubectl.json(&["get", "secret", "ess-local-registry", "-o", "json"]);
    let host = world.scenario.registry.host();
    let expected = kubectl.json(&[
        "create",
        "secret",
        "docker-registry",
        "ess-local-registry",
        "--docker-server",
        &host,
        "--docker-username",
        USER,
        "--docker-password",
        PASSWORD,
        "--dry-run=client",
        "-o",
        "json",
    ]);
    assert_eq!(secret["type"], expected["type"]);
    assert_eq!(
        secret["data"][".dockerconfigjson"], expected["data"][".dockerconfigjson"],
        "byte for byte as kubectl writes it"
    );

    let patches = world.patches();
    let again = world.run("apply", Role::Admin, &[]);
    assert_eq!(again.code, 0, "{}", again.stderr);
    assert!(
        again.stdout.contains("configmap/ess-images-digests unchanged")
            && again.stdout.contains("secret/ess-local-registry unchanged")
    );
    assert_eq!(world.patches(), patches, "a second apply writes nothing");

    world.installer_config(DEPLOYMENT);
    world.element_deployment(json!({"dockerSecrets": [{"name": "ess-local-registry"}],
        "imagesDigestsConfigMap": "ess-images-digests"}));
    world.pod("synapse-0", &format!("{host}/ess/library/haproxy:2.8-alpine"), None);
    let status = world.status(&[]);
    assert_eq!(status.code, 0, "{}\n{}", status.stdout, status.stderr);
    assert!(
        status.stdout.contains("found in deployment.yml: spec.global.k8s.common.dockerSecrets[0].name"),
        "{}",
        status.stdout
    );
    assert!(status.stdout.contains("Everything holds"), "{}", status.stdout);

    let element_web = &world.scenario.images[1];
    images::delete(&world.scenario.registry, "ess/vectorim/element-web", &element_web.index_digest);
    world.pod("element-web-0", &format!("{host}/ess/vectorim/element-web:v1.11.45"), Some("ImagePullBackOff"));
    world.pod("sidecar-0", "docker.io/library/busybox:1.36", None);
    let status = world.status(&["-o", "json"]);
    assert_eq!(status.code, 1, "{}", status.stderr);
    let report = status.json();
    assert_eq!(report["kind"], "Status");
    assert_eq!(report["healthy"], false);
    let problems: Vec<&str> = report["problems"].as_array().unwrap().iter().map(|p| p.as_str().unwrap()).collect();
    assert!(
        problems.iter().any(|p| p.contains("ess/vectorim/element-web@")
            && p.contains("is not in the registry (used by element_web/element_web)")),
        "{problems:#?}"
    );
    assert!(
        problems.iter().any(|p| p.contains("pod element-web-0 container main") && p.contains("ImagePullBackOff")),
        "{problems:#?}"
    );
    assert!(
        problems.iter().any(|p| p.contains("pod sidecar-0") && p.contains("does not come from the local registry")),
        "{problems:#?}"
    );
}

#[test]
fn server_dry_run_writes_nothing_and_client_dry_run_prints_the_manifests() {
    let world = World::ready();
    let run = world.run("apply", Role::Admin, &["--dry-run", "server"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains("configmap/ess-images-digests created (server dry run)"), "{}", run.stdout);
    assert!(world.api.get("configmaps", "element-onprem", "ess-images-digests").is_none());
    assert!(world.api.requests().iter().any(|r| r.method == "PATCH" && r.uri.contains("dryRun=All")));

    world.api.clear_requests();
    let run = world.run("apply", Role::Admin, &["--dry-run", "client", "-o", "yaml"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(world.api.requests().is_empty(), "client dry run calls no API");
    let documents: Vec<serde_yaml::Value> =
        run.stdout.split("\n---\n").map(|d| serde_yaml::from_str(d).unwrap()).collect();
    assert_eq!(documents[0]["kind"].as_str(), Some("ConfigMap"));
    assert_eq!(documents[1]["kind"].as_str(), Some("Secret"));
    assert_eq!(documents[1]["type"].as_str(), Some("kubernetes.io/dockerconfigjson"));
    assert!(documents[1]["data"][".dockerconfigjson"].as_str().is_some());
}

#[test]
fn a_read_only_token_gets_a_clear_403_and_exit_5() {
    let world = World::ready();
    let run = world.run("apply", Role::ReadOnly, &[]);
    assert_eq!(run.code, 5, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("failed to patch configmaps/ess-images-digests in namespace element-onprem (context testbed)"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("kubectl auth can-i patch configmaps -n element-onprem"), "{}", run.stderr);
    assert!(world.api.get("configmaps", "element-onprem", "ess-images-digests").is_none());
}

#[test]
fn a_refused_secret_says_exactly_what_was_written_and_a_rerun_completes_it() {
    let world = World::ready();
    let run = world.run("apply", Role::NoSecretWrites, &[]);
    assert_eq!(run.code, 5, "{}", run.stderr);
    assert!(run.stderr.contains("error: wrote configmap/ess-images-digests but not secret/ess-local-registry; failed to patch secrets/ess-local-registry"), "{}", run.stderr);
    assert!(run.stderr.contains("run apply again"), "{}", run.stderr);
    assert!(world.api.get("configmaps", "element-onprem", "ess-images-digests").is_some());
    assert!(world.api.get("secrets", "element-onprem", "ess-local-registry").is_none());

    let rerun = world.run("apply", Role::Admin, &[]);
    assert_eq!(rerun.code, 0, "{}", rerun.stderr);
    assert!(
        rerun.stdout.contains("configmap/ess-images-digests unchanged")
            && rerun.stdout.contains("secret/ess-local-registry created"),
        "{}",
        rerun.stdout
    );
}

#[test]
fn a_conflict_names_the_other_manager_unless_forced() {
    let world = World::ready();
    let kubectl = Kubectl::new(&world.api, Role::Admin);
    let theirs = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ess-images-digests\n  namespace: element-onprem\ndata:\n  images_digests: 'hand-written'\n";
    let (code, _, stderr) =
        kubectl.run(&["apply", "--server-side", "--validate=false", "--field-manager", "helm", "-f", "-"], theirs);
    assert_eq!(code, 0, "{stderr}");
    let run = world.run("apply", Role::Admin, &[]);
    assert_eq!(run.code, 5, "{}", run.stderr);
    assert!(
        run.stderr.contains("conflict with \"helm\"")
            && run.stderr.contains("owned by helm; rerun with --force-conflicts"),
        "{}",
        run.stderr
    );
    let forced = world.run("apply", Role::Admin, &["--force-conflicts"]);
    assert_eq!(forced.code, 0, "{}", forced.stderr);
    assert!(forced.stdout.contains("configmap/ess-images-digests configured"), "{}", forced.stdout);
}

#[test]
fn apply_refuses_while_images_are_not_ready_unless_allowed() {
    let world = World::new(&ESS);
    let run = world.run("apply", Role::Admin, &[]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr.contains("refusing to apply: 3 of 5 images are not ready; nothing was written"),
        "{}",
        run.stderr
    );
    assert_eq!(world.patches(), 0);

    let run = world.run("apply", Role::Admin, &["--allow-incomplete", "-o", "json"]);
    assert_eq!(run.code, 1, "some images still pull from upstream: {}", run.stderr);
    let report = run.json();
    assert_eq!(report["kind"], "Apply");
    assert_eq!(
        report["installer"]["stillUpstream"],
        json!(["element_call/jwt", "element_call/sfu", "hookshot/hookshot"])
    );
    let written = world.api.get("configmaps", "element-onprem", "ess-images-digests").unwrap();
    assert!(!written["data"]["images_digests"].as_str().unwrap().contains("hookshot"));
}

#[test]
fn status_reports_drift_and_finds_element_deployment_references() {
    let world = World::ready();
    assert_eq!(world.run("apply", Role::Admin, &[]).code, 0);
    world.element_deployment(json!({"dockerSecrets": [{"name": "ess-local-registry"}]}));
    let newer = std::fs::read_to_string(&world.scenario.digests).unwrap().replace("v1.11.45", "v1.11.46");
    let newer_file = world.scenario.dir().join("newer.yml");
    std::fs::write(&newer_file, newer).unwrap();
    let host = world.scenario.registry.host();
    let run =
        world.status(&["-f", newer_file.to_str().unwrap(), "--registry", &host, "--path-prefix", "ess", "-o", "json"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let report = run.json();
    let secret = &report["installer"]["secret"];
    assert_eq!(secret["state"], "referenced");
    assert_eq!(secret["installerField"], "Cluster > Advanced > Docker Secrets");
    assert_eq!(
        secret["evidence"],
        json!([
            "ElementDeployment/ess: spec.global.k8s.common.dockerSecrets[0].name (Cluster > Advanced > Docker Secrets, \
             recognised by its key)"
        ])
    );
    assert_eq!(report["installer"]["configMap"]["state"], "not-referenced");
    let problems = report["problems"].to_string();
    assert!(problems.contains("the installer does not reference ess-images-digests"), "{problems}");
    assert_eq!(report["secret"]["detail"], format!("authenticates to {host}"));
    let per_group = format!("/apis/{ELEMENT_GROUP}/{ELEMENT_VERSION}");
    assert!(!world.api.requests().iter().any(|r| r.uri == per_group), "aggregated discovery: one request");

    // A server without aggregated discovery: each group is asked, and the evidence is the same.
    world.api.set_legacy_discovery(true);
    let legacy = world.status(&["-o", "json"]).json();
    assert_eq!(legacy["installer"]["secret"]["evidence"], secret["evidence"]);
    assert!(world.api.requests().iter().any(|r| r.uri == per_group));
}

#[test]
fn a_missing_namespace_and_an_unreachable_cluster_are_exit_5_with_advice() {
    let world = World::ready();
    let run = world.run("plan", Role::Admin, &["-n", "nowhere"]);
    assert_eq!(run.code, 5, "{}", run.stderr);
    let run = world.run("apply", Role::Admin, &["-n", "nowhere"]);
    assert_eq!(run.code, 5, "{}", run.stderr);
    assert!(
        run.stderr.contains("the namespace nowhere does not exist in context \"testbed\": pass -n NAMESPACE"),
        "{}",
        run.stderr
    );

    let kubeconfig = world.scenario.dir().join("kubeconfig");
    std::fs::copy(world.api.kubeconfig(Role::Admin), &kubeconfig).unwrap();
    drop(world.api);
    let args = world.scenario.args("plan", &["--kubeconfig", kubeconfig.to_str().unwrap()]);
    let run = world.plugin.run(&args.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(run.code, 5, "{}", run.stderr);
    assert!(run.stderr.contains("cannot reach the API server"), "{}", run.stderr);
}

#[test]
fn an_expired_token_and_a_hanging_server_are_exit_5_and_say_what_to_do() {
    let world = World::ready();
    let expired = world.api.kubeconfig_with_unknown_token();
    let args = world.scenario.args("plan", &["--kubeconfig", expired.to_str().unwrap()]);
    let run = world.plugin.run(&args.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(run.code, 5, "{}", run.stderr);
    assert!(
        run.stderr.contains("refused the credentials (401 Unauthorized)")
            && run.stderr.contains("has probably expired"),
        "{}",
        run.stderr
    );

    world.api.set_hang(true);
    let run = world.run("plan", Role::Admin, &["--request-timeout", "1s"]);
    assert_eq!(run.code, 5, "{}", run.stderr);
    assert!(
        run.stderr.contains("did not answer in time") && run.stderr.contains("--request-timeout"),
        "{}",
        run.stderr
    );
}

#[test]
fn status_uses_the_pull_secret_when_no_credentials_are_given_and_plan_shows_updates() {
    let world = World::ready();
    assert_eq!(world.run("apply", Role::Admin, &[]).code, 0);
    let kubeconfig = world.api.kubeconfig(Role::Admin);
    let mut args = vec![
        "status".to_owned(),
        "--kubeconfig".to_owned(),
        kubeconfig.display().to_string(),
        "-o".into(),
        "json".into(),
    ];
    args.extend(world.scenario.registry_flags());
    let run = Plugin::new().run(&args.iter().map(String::as_str).collect::<Vec<_>>());
    let report = run.json();
    assert_eq!(report["secret"]["detail"], format!("authenticates to {}", world.scenario.registry.host()), "{report}");
    assert_eq!(report["images"].as_array().unwrap().len(), 2);

    let fewer: String =
        std::fs::read_to_string(&world.scenario.digests).unwrap().replace("  synapse:\n", "  synapse_renamed:\n");
    std::fs::write(&world.scenario.digests, fewer).unwrap();
    let plan = world.run("plan", Role::Admin, &["-o", "json"]).json();
    assert_eq!(plan["resources"][0]["action"], "update");
    let diff = plan["resources"][0]["diff"].as_str().unwrap();
    assert!(diff.contains("-synapse:\n") && diff.contains("+synapse_renamed:\n"), "{diff}");
    assert_eq!(plan["resources"][1]["action"], "unchanged");
}

#[test]
fn status_on_a_token_registry_checks_every_image_with_one_token_request() {
    let policy = TokenPolicy { user: USER.into(), password: PASSWORD.into(), ..TokenPolicy::default() };
    let config = RegistryConfig { tls: true, token: Some(policy), ..RegistryConfig::default() };
    let world = World::with_registry(config, &ready_images());
    assert_eq!(world.run("apply", Role::Admin, &[]).code, 0);
    let token_server = world.scenario.registry.token_server.as_ref().unwrap();
    token_server.requests.lock().unwrap().clear();

    let report = world.status(&["-o", "json"]).json();
    let states: Vec<&str> = report["images"].as_array().unwrap().iter().map(|i| i["state"].as_str().unwrap()).collect();
    assert_eq!(states, ["present", "present"], "{report}");
    let requests = token_server.requests.lock().unwrap().clone();
    let scoped: Vec<&String> = requests.iter().filter(|q| q.contains("scope=")).collect();
    assert_eq!(scoped.len(), 1, "one token for both repositories: {requests:#?}");
    assert_eq!(scoped[0].matches("scope=").count(), 2, "{requests:#?}");
}

#[test]
fn two_applies_at_once_end_consistent() {
    let world = World::ready();
    let (first, second) = std::thread::scope(|scope| {
        let a = scope.spawn(|| world.run("apply", Role::Admin, &[]));
        let b = scope.spawn(|| world.run("apply", Role::Admin, &[]));
        (a.join().unwrap(), b.join().unwrap())
    });
    for run in [&first, &second] {
        assert!(run.code == 0 || (run.code == 5 && run.stderr.contains("conflict")), "{}", run.stderr);
    }
    let plan = world.run("plan", Role::Admin, &["-o", "json"]).json();
    let live = world.api.get("configmaps", "element-onprem", "ess-images-digests").unwrap();
    assert_eq!(live["data"]["images_digests"], plan["configMap"]);
    assert_eq!(plan["resources"][0]["action"], "unchanged");
    assert_eq!(plan["resources"][1]["action"], "unchanged");
}
