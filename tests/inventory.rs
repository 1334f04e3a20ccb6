//! `inventory`: what the local registry holds of the inputs' images, as skopeo sees it there,
//! in a document that names no secret and no host but the registry's.

mod support;

use essregistry_testbed::bundles;
use essregistry_testbed::images::{Copy, Image, sha256};
use essregistry_testbed::registry::{Registry, RegistryConfig};
use essregistry_testbed::scenario::{ESS, Scenario};
use serde_json::Value;
use support::Plugin;

const USER: &str = "ess-admin";
const PASSWORD: &str = "inventory-s3cret";

fn digests_of(raw: &[u8], key: &str) -> Vec<String> {
    let manifest: Value = serde_json::from_slice(raw).unwrap();
    manifest[key]
        .as_array()
        .map(|items| items.iter().map(|i| i["digest"].as_str().unwrap().to_owned()).collect())
        .unwrap_or_default()
}

#[test]
fn inventory_lists_what_the_registry_holds_as_skopeo_sees_it_and_what_it_lacks() {
    let config =
        RegistryConfig { tls: true, basic_auth: Some((USER.into(), PASSWORD.into())), ..RegistryConfig::default() };
    let scenario = Scenario::seed(Registry::start(config), &ESS);
    let registry = &scenario.registry;
    let haproxy = &scenario.images[0];
    // A cosign signature beside haproxy, by the tag scheme: sha256-HEX.sig.
    let signature = Image::build("a signature of haproxy");
    let hex = &haproxy.index_digest["sha256:".len()..];
    signature.push(registry, "ess/library/haproxy", &format!("sha256-{hex}.sig"), Copy::All);

    let mut args: Vec<String> = scenario.args("inventory", &["-o", "json"]);
    let previous = scenario.dir().join("previous.yml");
    std::fs::write(&previous, std::fs::read_to_string(&scenario.digests).unwrap()).unwrap();
    args.extend(["--also".to_owned(), previous.display().to_string()]);
    let plugin = Plugin::new().env("ESSREGISTRY_USERNAME", USER).env("ESSREGISTRY_PASSWORD", PASSWORD);
    let run = plugin.run(&args.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(run.code, 1, "hookshot is not in the registry: {}", run.stderr);
    assert!(!run.stdout.contains(PASSWORD) && !run.stdout.contains("ghcr.io"), "no secret, no upstream host");
    let inventory = run.json();
    assert_eq!(inventory["kind"], "Inventory");
    assert_eq!(inventory["mapping"]["pathPrefix"], "ess");
    // Not there as pinned: hookshot (never copied), and the two copied with another digest.
    let missing = inventory["missing"].as_array().unwrap();
    assert_eq!(missing.len(), 3, "each listed once, though two inputs name them: {missing:?}");
    assert!(missing[2].as_str().unwrap().starts_with("ess/matrix-org/matrix-hookshot@sha256:"), "{missing:?}");
    // What a tag holds instead (a converted copy) is listed, with the tag: its blobs are there.
    let converted = &inventory["repositories"]["ess/element-hq/lk-jwt-service"]["manifests"];
    assert!(converted.as_object().unwrap().values().any(|m| m["tags"][0] == "0.1.1"), "{converted}");

    let held = &inventory["repositories"]["ess/library/haproxy"];
    let index = &held["manifests"][&haproxy.index_digest];
    assert_eq!(index["tags"], serde_json::json!(["2.8-alpine"]), "{held}");
    // Every platform manifest and blob skopeo reads there is listed, with its size.
    let raw = bundles::registry_raw(registry, &format!("ess/library/haproxy@{}", haproxy.index_digest)).unwrap();
    for platform in digests_of(&raw, "manifests") {
        assert!(held["manifests"][&platform].is_object(), "platform manifest {platform}: {held}");
        let manifest = bundles::registry_raw(registry, &format!("ess/library/haproxy@{platform}")).unwrap();
        for layer in digests_of(&manifest, "layers") {
            assert!(held["blobs"][&layer].as_u64().unwrap() > 0, "layer {layer}: {held}");
        }
    }
    let sig_tag = format!("sha256-{hex}.sig");
    let signature_manifest = held["manifests"].as_object().unwrap().values().find(|m| m["tags"][0] == sig_tag.as_str());
    assert!(signature_manifest.is_some(), "the signature is listed by its tag: {held}");
    assert_eq!(sha256(&raw), haproxy.index_digest);

    let table = plugin.run(&scenario.args("inventory", &[]).iter().map(String::as_str).collect::<Vec<_>>());
    assert!(table.stdout.contains(&format!("{} holds", registry.host())), "{}", table.stdout);
    assert!(table.stdout.contains("Not there (3): ess/element-hq/lk-jwt-service@sha256:"), "{}", table.stdout);
}
