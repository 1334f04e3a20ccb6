//! Pointing an applied configuration at a new registry: the ConfigMap `apply` wrote has no
//! tags (the Operator's format), so `--from-configmap` checks its images by digest alone.

mod support;

use essregistry_testbed::apiserver::{ApiServer, Role};
use essregistry_testbed::kubectl::Kubectl;
use essregistry_testbed::registry::{Registry, RegistryConfig};
use essregistry_testbed::scenario::{ESS, Mirrored, Scenario};
use support::Plugin;

#[test]
fn an_applied_configmap_moves_to_a_new_registry_checked_by_digest() {
    let ready: Vec<Mirrored> = ESS.into_iter().filter(|m| m.copy.is_some()).collect();
    let old = Scenario::seed(Registry::start(RegistryConfig { tls: true, ..RegistryConfig::default() }), &ready);
    let api = ApiServer::start();
    let kubeconfig = api.kubeconfig(Role::Admin);
    let kube = ["--kubeconfig", kubeconfig.to_str().unwrap()];
    let plugin = Plugin::new();
    let apply = plugin.run(
        &[&old.args("apply", &["--allow-incomplete"]).iter().map(String::as_str).collect::<Vec<_>>()[..], &kube[..]]
            .concat(),
    );
    assert!(matches!(apply.code, 0 | 1), "{}", apply.stderr);

    let new = Registry::start(RegistryConfig { tls: true, ..RegistryConfig::default() });
    let ca = new.ca_file().unwrap();
    let host = new.host();
    let from_live = |command: &str, extra: &[&str]| {
        let mut args = vec![command, "--from-configmap", "ess-images-digests", "--registry", &host];
        args.extend(["--registry-ca-file", ca.to_str().unwrap(), "-o", "json"]);
        args.extend(kube);
        args.extend(extra);
        plugin.run(&args)
    };
    // Nothing in the new registry yet: every image missing, by digest.
    let empty = from_live("plan", &[]);
    assert_eq!(empty.code, 1, "{}", empty.stderr);
    assert!(empty.stderr.contains("checked by its digest alone"), "{}", empty.stderr);
    let report = empty.json();
    let images = report["images"].as_array().unwrap();
    assert!(!images.is_empty());
    for image in images {
        assert_eq!(image["state"], "missing", "{image}");
        assert!(image["reason"].as_str().unwrap().contains(&format!("is not in {host}/ess/")), "{image}");
    }

    // Mirrored there at the same paths: present, and apply points the ConfigMap at it.
    old.mirror_to(&new, &ready);
    let moved = from_live("apply", &[]);
    assert_eq!(moved.code, 0, "{}", moved.stderr);
    let live = Kubectl::new(&api, Role::Admin).json(&[
        "get",
        "configmap",
        "ess-images-digests",
        "-n",
        "element-onprem",
        "-o",
        "json",
    ]);
    let text = live["data"]["images_digests"].as_str().unwrap();
    assert!(text.contains(&format!("image_repository_server: {host}")), "{text}");
    assert!(!text.contains(&old.registry.host()), "{text}");
}
