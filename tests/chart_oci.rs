//! The chart as Element publishes it, an OCI artifact (`helm push`): read by `plan`, `apply` and
//! `mirror` from an upstream stand-in (through `--source-mirror`), carried into a bundle and on
//! into the local registry byte for byte, read back from there inside the gap, and named by the
//! helm command `apply` prints.

mod support;

use essregistry_testbed::bundles;
use essregistry_testbed::helm::{chart_archive, push_chart};
use essregistry_testbed::images::{FamilySpec, sha256};
use essregistry_testbed::registry::{Registry, RegistryConfig};
use essregistry_testbed::upstream::{Entry, Upstreams};
use serde_json::json;
use support::{Plugin, Run, strs};

const CHART_REPO: &str = "element-hq/ess-helm/matrix-stack";
const UPSTREAM_CHART: &str = "oci://ghcr.io/element-hq/ess-helm/matrix-stack";

/// Chart values with one image block per upstream image, as the chart ships them (tags only).
fn chart_values(images: &[&Entry]) -> String {
    images
        .iter()
        .enumerate()
        .map(|(i, image)| {
            format!(
                "component{i}:\n  image:\n    registry: {}\n    repository: {}\n    tag: \"{}\"\n",
                image.server, image.path, image.tag
            )
        })
        .collect()
}

fn run(args: &[String]) -> Run {
    Plugin::new().run(&strs(args))
}

fn owned(args: &[&str]) -> Vec<String> {
    args.iter().map(|s| s.to_string()).collect()
}

#[test]
fn a_chart_published_as_an_oci_artifact_is_read_carried_across_and_installed_from_the_local_registry() {
    let (upstreams, _family) = Upstreams::ess(&FamilySpec::small(5));
    let images = upstreams.images();
    let dir = tempfile::tempdir().unwrap();
    let values = chart_values(&images);
    let archive = chart_archive(dir.path(), "matrix-stack", "26.1.0", &[("values.yaml", values.as_bytes())]);
    let config = json!({"apiVersion": "v2", "name": "matrix-stack", "version": "26.1.0"});
    let pushed = push_chart(&upstreams.registry, &format!("ghcr.io/{CHART_REPO}"), "26.1.0", &archive, &config);

    // plan, on the connected side: the chart read from upstream through the mirror flags.
    let local = Registry::start(RegistryConfig::default());
    let host = local.host();
    let mut plan = owned(&["plan", "--chart", UPSTREAM_CHART, "--version", "26.1.0", "--registry", &host]);
    plan.extend(owned(&["--registry-plain-http", "--offline", "-o", "json"]));
    plan.extend(upstreams.source_mirror_args());
    let planned = run(&plan);
    assert_eq!(planned.code, 1, "nothing is mirrored yet: {}", planned.stderr);
    let report = planned.json();
    assert_eq!(report["chart"]["version"], "26.1.0", "{report}");
    assert_eq!(report["images"].as_array().unwrap().len(), images.len());
    assert!(
        planned.stderr.contains(&format!("Using the chart ghcr.io/{CHART_REPO}:26.1.0 (version 26.1.0, manifest")),
        "{}",
        planned.stderr
    );

    // mirror into a bundle: the images and the chart, one component disabled by --set.
    let bundle = dir.path().join("ess.tar.gz");
    let mut to_bundle = owned(&["mirror", "--chart", UPSTREAM_CHART, "--version", "26.1.0"]);
    to_bundle.extend(owned(&["--set", "component4.enabled=false"]));
    to_bundle.extend(owned(&["--to-bundle", bundle.to_str().unwrap(), "-o", "json"]));
    to_bundle.extend(upstreams.source_mirror_args());
    let packed = run(&to_bundle);
    assert_eq!(packed.code, 0, "{}\n{}", packed.stdout, packed.stderr);
    let carried = packed.json();
    let chart = carried["images"].as_array().unwrap().iter().find(|i| i["entries"] == json!(["the Helm chart"]));
    assert_eq!(chart.expect("the chart is carried")["digest"], pushed.as_str(), "{carried}");
    assert_eq!(carried["images"].as_array().unwrap().len(), images.len(), "four images and the chart: {carried}");

    // Either side, offline: the bundle checked for the chart's images and the chart itself, with
    // no --chart: the bundle says what it was made from, the --set line included.
    let checked = run(&owned(&["mirror", "--verify-bundle", bundle.to_str().unwrap(), "-o", "json"]));
    assert_eq!(checked.code, 0, "{}\n{}", checked.stdout, checked.stderr);
    let checked = checked.json();
    let chart = checked["images"].as_array().unwrap().iter().find(|i| i["entries"] == json!(["the Helm chart"]));
    assert_eq!(chart.expect("the chart is checked")["state"], "ok", "{checked}");

    // Inside the gap: from the bundle into the empty local registry, the chart read from the
    // bundle, which needs no --chart.
    let mut from_bundle = owned(&["mirror", "--from-bundle", bundle.to_str().unwrap(), "--registry", &host]);
    from_bundle.extend(owned(&["--registry-plain-http", "--path-prefix", "ess"]));
    let landed = run(&from_bundle);
    assert_eq!(landed.code, 0, "{}\n{}", landed.stdout, landed.stderr);
    assert!(landed.stderr.contains("Using the chart and values the bundle"), "{}", landed.stderr);
    let raw = bundles::registry_raw(&local, &format!("ess/{CHART_REPO}:26.1.0")).unwrap();
    assert_eq!(sha256(&raw), pushed, "skopeo: the chart's manifest digest is unchanged");

    // plan -f BUNDLE reads the same chart and values: every image it carried is there.
    let mut planned = owned(&["plan", "-f", bundle.to_str().unwrap(), "--registry", &host, "--path-prefix", "ess"]);
    planned.extend(owned(&["--registry-plain-http", "--offline", "-o", "json"]));
    let planned = run(&planned);
    assert_eq!(planned.code, 0, "ready: {}\n{}", planned.stdout, planned.stderr);
    assert_eq!(planned.json()["chart"]["version"], "26.1.0");
    assert_eq!(planned.json()["summary"]["images"], images.len() - 1, "component4 disabled as carried");
    // A --set of this run goes over the bundle's own lines.
    let mut more = owned(&["plan", "-f", bundle.to_str().unwrap(), "--registry", &host, "--path-prefix", "ess"]);
    more.extend(owned(&["--set", "component3.enabled=false", "--registry-plain-http", "--offline", "-o", "json"]));
    let more = run(&more);
    assert_eq!(more.code, 0, "{}", more.stderr);
    assert_eq!(more.json()["summary"]["images"], images.len() - 2, "component3 disabled too");

    // apply reads the chart from the local registry and prints the command that installs it.
    let local_chart = format!("oci://{host}/ess/{CHART_REPO}");
    let mut apply = owned(&["apply", "--chart", &local_chart, "--version", "26.1.0", "--registry", &host]);
    apply.extend(owned(&["--set", "component4.enabled=false"]));
    apply.extend(owned(&[
        "--registry-plain-http",
        "--path-prefix",
        "ess",
        "--dry-run",
        "client",
        "--release-name",
        "ess",
    ]));
    apply.extend(owned(&["--values-out", dir.path().join("overlay.yaml").to_str().unwrap()]));
    let applied = run(&apply);
    assert_eq!(applied.code, 0, "{}\n{}", applied.stdout, applied.stderr);
    assert!(
        applied
            .stdout
            .contains(&format!("helm upgrade --install ess {local_chart} --version 26.1.0 --namespace default")),
        "{}",
        applied.stdout
    );
    assert!(applied.stdout.contains(&format!("{local_chart}@{pushed}")), "the digest form: {}", applied.stdout);
}

#[test]
fn an_oci_reference_that_is_not_a_chart_or_names_no_version_is_refused_with_what_it_is() {
    let (upstreams, _family) = Upstreams::ess(&FamilySpec::small(5));
    let image = &upstreams.images()[0];
    let image_ref = format!("oci://{}/{}:{}", image.server, image.path, image.tag);
    let mut args = owned(&["plan", "--chart", &image_ref, "--registry", "r.local", "--offline"]);
    args.extend(upstreams.source_mirror_args());
    let refused = run(&args);
    assert_eq!(refused.code, 2, "{}", refused.stderr);
    assert!(refused.stderr.contains("it is a multi-platform image index, not a Helm chart"), "{}", refused.stderr);

    let unversioned = run(&owned(&["plan", "--chart", UPSTREAM_CHART, "--registry", "r.local", "--offline"]));
    assert_eq!(unversioned.code, 2, "{}", unversioned.stderr);
    assert!(unversioned.stderr.contains("names no version: pass --version VERSION"), "{}", unversioned.stderr);
}
