//! `mirror` with a Helm chart's values as input (`--chart`): the chart pins tags, so the
//! connected side resolves each tag once upstream; the air-gapped side finds the images in the
//! bundle by name; and the overlay `plan -o values` then points every block at the digest copied.

mod support;

use essregistry_testbed::bundles;
use essregistry_testbed::images::{FamilySpec, sha256};
use essregistry_testbed::registry::{Registry, RegistryConfig};
use essregistry_testbed::upstream::{Entry, Upstreams};
use std::path::Path;
use support::{Plugin, strs};

/// The chart's values, one image block per upstream image, the last one nested as the chart
/// nests its exporters, and none of them pinning a digest (as the chart ships).
fn chart_values(images: &[&Entry]) -> String {
    let mut yaml = String::from("image:\n  pullSecrets: []\n");
    for (i, image) in images.iter().enumerate() {
        let block =
            format!("image:\n  registry: {}\n  repository: {}\n  tag: \"{}\"\n", image.server, image.path, image.tag);
        let indent =
            |text: &str, by: usize| text.lines().map(|l| format!("{}{l}\n", " ".repeat(by))).collect::<String>();
        if i + 1 == images.len() {
            yaml += &format!("postgres:\n  enabled: false\n  postgresExporter:\n{}", indent(&block, 4));
        } else {
            yaml += &format!("component{i}:\n{}", indent(&block, 2));
        }
    }
    yaml
}

fn owned(args: &[&str]) -> Vec<String> {
    args.iter().map(|a| (*a).to_owned()).collect()
}

fn run(args: Vec<String>) -> support::Run {
    Plugin::new().run(&strs(&args))
}

fn target_flags(target: &Registry) -> Vec<String> {
    ["--registry", &target.host(), "--registry-plain-http", "--path-prefix", "ess"].map(String::from).to_vec()
}

#[test]
fn a_chart_is_carried_across_by_tag_and_the_overlay_pins_what_was_copied() {
    let (upstreams, _family) = Upstreams::ess(&FamilySpec::small(5));
    let images = upstreams.images();
    let dir = tempfile::tempdir().unwrap();
    let values = dir.path().join("values.yaml");
    std::fs::write(&values, chart_values(&images)).unwrap();
    let chart = values.display().to_string();
    let bundle = dir.path().join("ess.tar.gz");

    // The exporter's component is disabled in these values: carried only when asked.
    let mut dry = owned(&["mirror", "--chart", &chart, "--to-bundle", &dir.path().join("b").display().to_string()]);
    dry.extend(upstreams.source_mirror_args());
    let without = run(dry);
    assert!(
        without.stderr.contains("not carried, as their components are disabled in the values (--include-disabled")
            && without.stderr.contains(&images[images.len() - 1].reference()),
        "{}",
        without.stderr
    );
    let mut to_bundle = owned(&[
        "mirror",
        "--chart",
        &chart,
        "--include-disabled",
        "--to-bundle",
        &bundle.display().to_string(),
        "-o",
        "json",
    ]);
    to_bundle.extend(upstreams.source_mirror_args());
    let packed = run(to_bundle);
    assert_eq!(packed.code, 0, "{}\n{}", packed.stdout, packed.stderr);
    for entry in packed.json()["images"].as_array().unwrap() {
        let upstream =
            images.iter().find(|i| entry["source"] == i.reference().as_str()).expect("an image of the chart");
        assert_eq!(entry["digest"], upstream.digest.as_str(), "the tag resolved upstream is recorded: {entry}");
        let last = images.iter().position(|i| i.reference() == upstream.reference()) == Some(images.len() - 1);
        let block = if last { "postgres.postgresExporter.image".to_owned() } else { "component".to_owned() };
        let named = entry["entries"].as_array().unwrap();
        assert!(named.iter().any(|n| n.as_str().unwrap().starts_with(&block)), "blocks named by values path: {entry}");
    }

    // The air-gapped side: a registry that never saw upstream, the same chart values.
    let target = Registry::start(RegistryConfig::default());
    let mut from_bundle =
        owned(&["mirror", "--chart", &chart, "--include-disabled", "--from-bundle", &bundle.display().to_string()]);
    from_bundle.extend(target_flags(&target));
    let pushed = run(from_bundle);
    assert_eq!(pushed.code, 0, "{}\n{}", pushed.stdout, pushed.stderr);
    for image in &images {
        let by_tag = bundles::registry_raw(&target, &format!("{}:{}", image.target_repo(), image.tag)).unwrap();
        assert_eq!(sha256(&by_tag), image.digest, "skopeo: the tag of {} holds the upstream index", image.reference());
    }

    let mut plan = owned(&["plan", "--offline", "--chart", &chart, "-o", "values"]);
    plan.extend(target_flags(&target));
    let overlay = run(plan);
    assert_eq!(overlay.code, 0, "{}\n{}", overlay.stdout, overlay.stderr);
    let overlay: serde_yaml::Value = serde_yaml::from_str(&overlay.stdout).unwrap();
    for (i, image) in images.iter().enumerate() {
        let block = if i + 1 == images.len() {
            &overlay["postgres"]["postgresExporter"]["image"]
        } else {
            &overlay[format!("component{i}").as_str()]["image"]
        };
        let rendered = format!(
            "{}/{}@{}",
            block["registry"].as_str().unwrap(),
            block["repository"].as_str().unwrap(),
            block["digest"].as_str().unwrap()
        );
        assert_eq!(rendered, format!("{}/{}@{}", target.host(), image.target_repo(), image.digest));
    }
    assert!(!Path::new(&format!("{}.d", bundle.display())).exists(), "the staging folder is gone once all is in");
}
