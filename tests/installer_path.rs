//! The installer's path as the Operator reads it: the names entered in the right fields of the
//! live ElementDeployment, and a second release seen for what it is by `plan` and `status`,
//! against the tests' API server and a real registry.

mod support;

use essregistry_testbed::apiserver::Role;
use essregistry_testbed::images::{Copy, Image};
use serde_json::{Value, json};
use support::cluster_world::{DEPLOYMENT, World};

fn both_names() -> Value {
    json!({"dockerSecrets": [{"name": "ess-local-registry"}], "imagesDigestsConfigMap": "ess-images-digests"})
}

fn problems(report: &Value) -> Vec<String> {
    report["problems"].as_array().unwrap().iter().map(|p| p.as_str().unwrap().to_owned()).collect()
}

/// The first release applied, deployed and running: the names in the live ElementDeployment
/// and a pod pulling haproxy from the local registry.
fn deployed() -> World {
    let world = World::ready();
    let apply = world.run("apply", Role::Admin, &[]);
    assert_eq!(apply.code, 0, "{}", apply.stderr);
    world.element_deployment(both_names());
    let host = world.scenario.registry.host();
    world.pod("synapse-0", &format!("{host}/ess/library/haproxy@{}", world.scenario.images[0].index_digest), None);
    world
}

#[test]
fn names_in_each_others_fields_fail_status_with_the_field_they_are_in() {
    let world = deployed();
    world.element_deployment(
        json!({"dockerSecrets": [{"name": "ess-images-digests"}], "imagesDigestsConfigMap": "ess-local-registry"}),
    );
    let run = world.status(&["-o", "json"]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    let report = run.json();
    assert_eq!(report["installer"]["configMap"]["state"], "wrong-field");
    assert_eq!(report["installer"]["secret"]["state"], "wrong-field");
    let problems = problems(&report);
    assert!(
        problems.iter().any(|p| p.starts_with(
            "ess-images-digests is entered as a Docker Secret (ElementDeployment/ess: \
             spec.global.k8s.common.dockerSecrets[0].name), where the Operator needs Cluster > Advanced > Images \
             Digests Config Map"
        )),
        "{problems:#?}"
    );
    assert!(
        problems.iter().any(|p| p.starts_with("ess-local-registry is entered as the Images Digests Config Map")),
        "{problems:#?}"
    );
    let table = world.status(&[]);
    assert!(
        table.stdout.contains("Images Digests Config Map: ess-images-digests  in the wrong field"),
        "{}",
        table.stdout
    );
}

#[test]
fn names_saved_in_the_installer_but_not_deployed_fail_status_until_deployed() {
    let world = deployed();
    world.element_deployment(json!({}));
    world.installer_config(DEPLOYMENT);
    let run = world.status(&[]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert!(
        run.stdout.contains(
            "ess-images-digests is saved in the installer (deployment.yml), not deployed yet: deploy from the installer"
        ),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("ess-local-registry is saved in the installer (deployment.yml)"), "{}", run.stdout);

    world.element_deployment(both_names());
    let run = world.status(&[]);
    assert_eq!(run.code, 0, "deployed now: {}", run.stdout);
    assert!(run.stdout.contains("Everything holds: every image comes from the local registry."), "{}", run.stdout);
}

#[test]
fn status_in_a_namespace_without_pods_says_nothing_has_pulled_yet() {
    let world = World::ready();
    assert_eq!(world.run("apply", Role::Admin, &[]).code, 0);
    world.element_deployment(both_names());
    let run = world.status(&[]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert!(
        run.stdout.contains("no pods run in namespace element-onprem: no image has been pulled yet"),
        "{}",
        run.stdout
    );
    assert!(!run.stdout.contains("every image comes from the local registry"), "{}", run.stdout);
    assert_eq!(world.status(&["-o", "json"]).json()["podsChecked"], 0);
}

/// The next release: element-web rebuilt under the same tag (a new digest), hookshot added,
/// haproxy as it was.
struct NextRelease {
    element_web: Image,
    hookshot: Image,
    yaml: String,
}

impl NextRelease {
    fn new(world: &World) -> NextRelease {
        let element_web = Image::build("vectorim/element-web, next release");
        let hookshot = Image::build("matrix-org/matrix-hookshot");
        let first = std::fs::read_to_string(&world.scenario.digests).unwrap();
        let old_element_web = &world.scenario.images[1].index_digest;
        let yaml = first.replace(old_element_web.as_str(), &element_web.index_digest).replace(
            "  synapse:\n",
            &format!(
                "  hookshot:\n    hookshot:\n      image_digest: {}\n      image_repository_path: matrix-org/matrix-hookshot\n      image_repository_server: ghcr.io\n      image_tag: 5.2.1\n  synapse:\n",
                hookshot.index_digest
            ),
        );
        assert_ne!(yaml, first);
        NextRelease { element_web, hookshot, yaml }
    }

    /// Into the installer's folder, where the installer unpacks a release, and over the file
    /// the world's commands name with `-f`.
    fn unpack(&self, world: &World) -> std::path::PathBuf {
        let folder = world.plugin.home().join(".element-enterprise-server");
        std::fs::create_dir_all(&folder).unwrap();
        let path = folder.join("images_digests.yml");
        std::fs::write(&path, &self.yaml).unwrap();
        std::fs::write(&world.scenario.digests, &self.yaml).unwrap();
        path
    }

    fn mirror(&self, world: &World) {
        let registry = &world.scenario.registry;
        self.element_web.push(registry, "ess/vectorim/element-web", "v1.11.45", Copy::All);
        self.hookshot.push(registry, "ess/matrix-org/matrix-hookshot", "5.2.1", Copy::All);
    }
}

fn drift(report: &Value) -> Vec<String> {
    report["drift"].as_array().unwrap().iter().map(|d| d.as_str().unwrap().to_owned()).collect()
}

#[test]
fn status_without_flags_reports_exactly_what_the_next_release_changes() {
    let world = deployed();
    let next = NextRelease::new(&world);
    let path = next.unpack(&world);

    let run = world.status(&["-o", "json"]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert!(run.stderr.contains(&format!("Using {}", path.display())), "{}", run.stderr);
    let drift = drift(&run.json());
    let old = &world.scenario.images[1].index_digest["sha256:".len()..][..12];
    let new = &next.element_web.index_digest["sha256:".len()..][..12];
    assert_eq!(
        drift,
        [
            format!(
                "element_web/element_web: the ConfigMap pins sha256:{old}, the file pins sha256:{new} (a new installer release)"
            ),
            "hookshot/hookshot is in the installer's file but not in the ConfigMap: it still pulls from upstream"
                .to_owned(),
        ],
        "only what changed, no path lines without the mapping flags"
    );

    // A mapping flag that differs from the one the ConfigMap was applied with: one line.
    let run = world.status(&["--path-prefix", "elsewhere", "-o", "json"]);
    let drift = self::drift(&run.json());
    assert_eq!(drift.len(), 3, "{drift:#?}");
    assert!(
        drift[0].starts_with(&format!(
            "the ConfigMap was applied with --registry {} --path-prefix ess, the flags map to --registry {} \
             --path-prefix elsewhere",
            world.scenario.registry.host(),
            world.scenario.registry.host()
        )),
        "{drift:#?}"
    );

    next.mirror(&world);
    let apply = world.run("apply", Role::Admin, &[]);
    assert_eq!(apply.code, 0, "{}\n{}", apply.stdout, apply.stderr);
    let run = world.status(&[]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert!(run.stdout.contains("Everything holds"), "{}", run.stdout);
}

#[test]
fn plan_shows_the_next_release_as_new_digests_and_added_entries_and_the_configmap_it_heads_for() {
    let world = deployed();
    let next = NextRelease::new(&world);
    next.unpack(&world);

    let run = world.run("plan", Role::Admin, &["-o", "json"]);
    assert_eq!(run.code, 1, "not ready yet: {}", run.stderr);
    let plan = run.json();
    let entries: Vec<(String, String, Value)> = plan["release"]["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (e["entry"].as_str().unwrap().to_owned(), e["change"].as_str().unwrap().to_owned(), e["ready"].clone())
        })
        .collect();
    assert_eq!(
        entries,
        [
            ("adminbot/haproxy".to_owned(), "unchanged".to_owned(), json!(true)),
            ("element_web/element_web".to_owned(), "new-digest".to_owned(), json!(false)),
            ("hookshot/hookshot".to_owned(), "added".to_owned(), json!(false)),
            ("synapse/haproxy".to_owned(), "unchanged".to_owned(), json!(true)),
        ]
    );
    assert_eq!(plan["release"]["configMap"], "element-onprem/ess-images-digests");
    let element_web =
        plan["images"].as_array().unwrap().iter().find(|i| i["entries"][0] == "element_web/element_web").unwrap();
    assert_eq!(element_web["state"], "mismatch");
    assert!(
        element_web["reason"].as_str().unwrap().contains("the digest the live ConfigMap pins (the previous release)"),
        "{element_web}"
    );
    let configmap = plan["configMap"].as_str().unwrap();
    assert!(configmap.contains(&next.element_web.index_digest) && configmap.contains(&next.hookshot.index_digest));
    let diff = plan["resources"][0]["diff"].as_str().unwrap();
    assert!(!diff.contains("-  element_web:") && !diff.contains("-element_web:"), "nothing reads as removed: {diff}");
    assert!(diff.contains(&format!("+    image_digest: {}", next.hookshot.index_digest)), "{diff}");

    let table = world.run("plan", Role::Admin, &[]);
    for line in [
        "Against the live ConfigMap element-onprem/ess-images-digests:",
        "  new digest  element_web/element_web",
        "  added       hookshot/hookshot  not ready: mirror it",
        "  2 entries unchanged",
        "The ConfigMap below is as it will be once every image is ready",
    ] {
        assert!(table.stdout.contains(line), "{line:?} in:\n{}", table.stdout);
    }
    let fix = table.stdout.find("fix: kubectl essregistry mirror").expect("the mirror command is the fix");
    assert!(table.stdout.find("by hand: skopeo").is_none_or(|by_hand| fix < by_hand), "{}", table.stdout);

    next.mirror(&world);
    let run = world.run("plan", Role::Admin, &["-o", "json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let ready: Vec<Value> =
        run.json()["release"]["entries"].as_array().unwrap().iter().map(|e| e["ready"].clone()).collect();
    assert_eq!(ready, vec![json!(true); 4]);
}
