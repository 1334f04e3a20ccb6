//! The report's documented schema is the report: every key `docs/report-schema.md` shows in its
//! examples is one that `plan`, `apply`, `status` or `mirror -o json` really prints, so that a
//! script written from the page finds what it reads (`installerField`, not `installer_field`).

mod support;

use essregistry_testbed::apiserver::Role;
use serde_json::Value;
use std::collections::BTreeSet;
use support::cluster_world::World;

/// Every mapping key in `value`, at any depth.
fn keys_of_json(value: &Value, keys: &mut BTreeSet<String>) {
    match value {
        Value::Object(map) => {
            for (key, child) in map {
                keys.insert(key.clone());
                keys_of_json(child, keys);
            }
        }
        Value::Array(items) => items.iter().for_each(|item| keys_of_json(item, keys)),
        _ => {}
    }
}

fn keys_of_yaml(value: &serde_yaml::Value, keys: &mut BTreeSet<String>) {
    match value {
        serde_yaml::Value::Mapping(map) => {
            for (key, child) in map {
                if let Some(key) = key.as_str() {
                    keys.insert(key.to_owned());
                }
                keys_of_yaml(child, keys);
            }
        }
        serde_yaml::Value::Sequence(items) => items.iter().for_each(|item| keys_of_yaml(item, keys)),
        _ => {}
    }
}

/// The keys of every YAML example of the page (its ```yaml blocks).
fn documented_keys() -> BTreeSet<String> {
    let page = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/report-schema.md")).unwrap();
    let mut keys = BTreeSet::new();
    for block in page.split("```yaml\n").skip(1) {
        let text = block.split("```").next().unwrap();
        let value: serde_yaml::Value =
            serde_yaml::from_str(text).unwrap_or_else(|e| panic!("an example of the page is not YAML: {e}\n{text}"));
        keys_of_yaml(&value, &mut keys);
    }
    keys
}

#[test]
fn every_key_the_schema_page_shows_is_one_the_reports_print() {
    let world = World::ready();
    let mut printed = BTreeSet::new();
    let mut record = |run: support::Run| keys_of_json(&run.json(), &mut printed);
    record(world.run("plan", Role::Admin, &["--offline", "-o", "json"]));
    record(world.run("apply", Role::Admin, &["-o", "json"]));
    // A second release against the applied ConfigMap: the plan's `release` section.
    let old = &world.scenario.images[1].index_digest;
    let new = kubectl_essregistry::reference::Digest::of(b"a rebuilt element-web").to_string();
    let first = std::fs::read_to_string(&world.scenario.digests).unwrap();
    let release_1 = world.scenario.dir().join("release-1.yml");
    std::fs::write(&release_1, &first).unwrap();
    std::fs::write(&world.scenario.digests, first.replace(old.as_str(), &new)).unwrap();
    record(world.run("plan", Role::Admin, &["-o", "json"]));
    record(world.run("plan", Role::Admin, &["--offline", "--against", release_1.to_str().unwrap(), "-o", "json"]));
    record(world.status(&["-o", "json"]));
    let bundle = world.scenario.dir().join("bundle");
    let mut mirror = vec!["mirror", "-f", world.scenario.digests_arg(), "--to-bundle", bundle.to_str().unwrap()];
    mirror.extend(["--source-mirror", "docker.io=http://127.0.0.1:9", "-o", "json"]);
    record(world.plugin.run(&mirror));

    let documented = documented_keys();
    assert!(documented.contains("installerField") && documented.len() > 30, "{documented:?}");
    let missing: Vec<&String> = documented.iter().filter(|key| !printed.contains(*key)).collect();
    assert!(missing.is_empty(), "documented but never printed: {missing:?}\nprinted: {printed:?}");
}
