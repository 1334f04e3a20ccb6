//! `plan --against OLD` and `plan --have INVENTORY`: which images a release adds, removes and
//! changes, with bytes that match what skopeo reads of the same manifests in the registry.

mod support;

use essregistry_testbed::bundles;
use essregistry_testbed::images::{Copy, Image};
use essregistry_testbed::registry::{Registry, RegistryConfig};
use essregistry_testbed::scenario::Scenario;
use serde_json::Value;
use std::collections::BTreeMap;
use support::Plugin;
use support::cluster_world::ready_images;

/// The blobs (config and layers) of the index `digest` and its platform manifests, as skopeo
/// reads them from `registry`, each once, with sizes.
fn blobs_of(registry: &Registry, repo: &str, digest: &str) -> BTreeMap<String, u64> {
    let json = |reference: &str| -> Value {
        serde_json::from_slice(&bundles::registry_raw(registry, &format!("{repo}@{reference}")).unwrap()).unwrap()
    };
    let mut blobs = BTreeMap::new();
    for platform in json(digest)["manifests"].as_array().unwrap() {
        let manifest = json(platform["digest"].as_str().unwrap());
        let layers = manifest["layers"].as_array().unwrap().iter();
        for blob in std::iter::once(&manifest["config"]).chain(layers) {
            blobs.insert(blob["digest"].as_str().unwrap().to_owned(), blob["size"].as_u64().unwrap());
        }
    }
    blobs
}

/// An images_digests entry for a component of its own.
fn entry(component: &str, path: &str, digest: &str) -> String {
    format!(
        "  {component}:\n    main:\n      image_digest: {digest}\n      image_repository_path: {path}\n      \
         image_repository_server: ghcr.io\n      image_tag: \"1.0\"\n"
    )
}

fn by_repository<'a>(diff: &'a Value, repository: &str) -> &'a Value {
    let images = diff["images"].as_array().unwrap();
    images.iter().find(|image| image["repository"] == repository).unwrap_or_else(|| panic!("{repository}: {diff}"))
}

#[test]
fn a_release_against_the_last_one_and_against_an_inventory_says_what_changed_with_the_bytes_skopeo_reads() {
    let scenario = Scenario::seed(Registry::start(RegistryConfig::default()), &ready_images());
    let registry = &scenario.registry;
    let base = std::fs::read_to_string(&scenario.digests).unwrap();
    let old_web = scenario.images[1].index_digest.clone();
    // Release 1 has a component release 2 retires; release 2 a new element-web and a new one.
    let retired = Image::build("retired component");
    retired.push(registry, "ess/element-hq/retired", "1.0", Copy::All);
    let added = Image::build("added component");
    added.push(registry, "ess/element-hq/added", "1.0", Copy::All);
    let new_web = Image::build("element-web, release 2");
    new_web.push(registry, "ess/vectorim/element-web", "v1.11.46", Copy::All);
    let release_1 = scenario.dir().join("release-1.yml");
    std::fs::write(&release_1, format!("{base}{}", entry("retired", "element-hq/retired", &retired.index_digest)))
        .unwrap();
    let release_2 = base.replace(&old_web, &new_web.index_digest).replace("v1.11.45", "v1.11.46");
    std::fs::write(
        &scenario.digests,
        format!("{release_2}{}", entry("added", "element-hq/added", &added.index_digest)),
    )
    .unwrap();

    let web_bytes = blobs_of(registry, "ess/vectorim/element-web", &new_web.index_digest);
    let added_bytes = blobs_of(registry, "ess/element-hq/added", &added.index_digest);
    let retired_bytes = blobs_of(registry, "ess/element-hq/retired", &retired.index_digest);
    let sum = |blobs: &BTreeMap<String, u64>| blobs.values().sum::<u64>();

    let plugin = Plugin::new();
    let plan = |extra: &[&str]| {
        let args = scenario.plan_args(&[&["-o", "json"], extra].concat());
        plugin.run(&args.iter().map(String::as_str).collect::<Vec<_>>())
    };
    let check = |diff: &Value| {
        let web = by_repository(diff, "ess/vectorim/element-web");
        assert_eq!(web["change"], "changed", "{diff}");
        assert_eq!(
            (web["oldDigest"].as_str(), web["newDigest"].as_str()),
            (Some(&*old_web), Some(&*new_web.index_digest))
        );
        assert_eq!(web["bytes"].as_u64(), Some(sum(&web_bytes)), "{diff}");
        assert_eq!(web["newBytes"].as_u64(), Some(sum(&web_bytes)), "no layer of release 1 in it");
        let added = by_repository(diff, "ess/element-hq/added");
        assert_eq!((added["change"].as_str(), added["newBytes"].as_u64()), (Some("added"), Some(sum(&added_bytes))));
        let retired = by_repository(diff, "ess/element-hq/retired");
        assert_eq!(
            (retired["change"].as_str(), retired["bytes"].as_u64()),
            (Some("removed"), Some(sum(&retired_bytes)))
        );
        assert_eq!(by_repository(diff, "ess/library/haproxy")["change"], "unchanged");
        assert_eq!(diff["newBytes"].as_u64(), Some(sum(&web_bytes) + sum(&added_bytes)), "{diff}");
    };

    let run = plan(&["--against", release_1.to_str().unwrap()]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    check(&run.json()["releaseDiff"]);

    // The same through the inventory of release 1, as it is carried out of the gap.
    let mut inventory = scenario.args("inventory", &["-o", "json"]);
    inventory[2] = release_1.display().to_string();
    let listed = plugin.run(&inventory.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(listed.code, 0, "{}", listed.stderr);
    let inventory_file = scenario.dir().join("inventory.json");
    std::fs::write(&inventory_file, &listed.stdout).unwrap();
    let run = plan(&["--have", inventory_file.to_str().unwrap()]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    check(&run.json()["releaseDiff"]);

    let table = plugin.run(
        &scenario
            .plan_args(&["--have", inventory_file.to_str().unwrap()])
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>(),
    );
    assert!(table.stdout.contains("1 added, 1 removed, 1 changed"), "{}", table.stdout);

    // An inventory made with another mapping is refused, as mirror --have refuses it.
    let moved = scenario.dir().join("moved.json");
    std::fs::write(&moved, listed.stdout.replace("\"pathPrefix\": \"ess\"", "\"pathPrefix\": \"other\"")).unwrap();
    let run = plan(&["--have", moved.to_str().unwrap()]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("was made with"), "{}", run.stderr);

    // An inventory of another registry is refused, naming it.
    let other = scenario.dir().join("other.json");
    std::fs::write(&other, listed.stdout.replace(&registry.host(), "elsewhere.local")).unwrap();
    let run = plan(&["--have", other.to_str().unwrap()]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("lists the registry elsewhere.local"), "{}", run.stderr);
}
