//! Signatures and other artifacts attached to an image by tag travel with it, byte for byte:
//! cosign's `sha256-HEX.sig` (and `.att`, `.sbom`), and the OCI referrers fallback index
//! `sha256-HEX`; upstream into a bundle, the bundle into the local registry, where skopeo sees
//! them under the same tags. `--no-signatures` leaves them.

mod support;

use essregistry_testbed::bundles;
use essregistry_testbed::images::{Copy, FamilySpec, Image, sha256};
use essregistry_testbed::registry::{Registry, RegistryConfig};
use essregistry_testbed::upstream::{Upstreams, from_bundle_args};
use serde_json::Value;
use support::{Plugin, strs};

fn attached_rows(report: &Value) -> Vec<(String, String)> {
    report["images"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|row| row["attached"].is_object())
        .map(|row| (row["attached"]["kind"].as_str().unwrap().to_owned(), row["state"].as_str().unwrap().to_owned()))
        .collect()
}

#[test]
fn attached_artifacts_cross_the_gap_under_their_tags_and_a_second_run_moves_nothing() {
    let (upstreams, _family) = Upstreams::ess(&FamilySpec::small(5));
    let haproxy = upstreams.images()[0].clone();
    let web = upstreams.images().into_iter().find(|i| i.path == "vectorim/element-web").unwrap().clone();
    let sig_tag = format!("sha256-{}.sig", &haproxy.digest["sha256:".len()..]);
    let referrers_tag = format!("sha256-{}", &web.digest["sha256:".len()..]);
    let signature = Image::build("a cosign signature of haproxy");
    signature.push(&upstreams.registry, &haproxy.upstream_repo(), &sig_tag, Copy::All);
    let referrers = Image::build("the referrers of element-web");
    referrers.push(&upstreams.registry, &web.upstream_repo(), &referrers_tag, Copy::All);

    let dir = tempfile::tempdir().unwrap();
    let bundle = dir.path().join("bundle");
    let packed = Plugin::new().run(&strs(&upstreams.to_bundle_args(&bundle, &["-o", "json"])));
    assert_eq!(packed.code, 0, "{}\n{}", packed.stdout, packed.stderr);
    let mut rows = attached_rows(&packed.json());
    rows.sort();
    assert_eq!(rows, [("referrers".into(), "copied".into()), ("signature".into(), "copied".into())]);
    let named = format!("oci:{}:{}:{sig_tag}", bundle.display(), haproxy.upstream_repo());
    assert_eq!(sha256(&bundles::bundle_raw(&named).unwrap()), signature.index_digest, "in the bundle by its tag");

    let target = Registry::start(RegistryConfig::default());
    let pushed = Plugin::new().run(&strs(&from_bundle_args(&bundle, &target.host(), &["-o", "json"])));
    assert_eq!(pushed.code, 0, "{}\n{}", pushed.stdout, pushed.stderr);
    let at_target =
        |repo: &str, tag: &str| bundles::registry_raw(&target, &format!("{repo}:{tag}")).map(|raw| sha256(&raw));
    assert_eq!(at_target(&haproxy.target_repo(), &sig_tag), Ok(signature.index_digest.clone()), "skopeo sees it");
    assert_eq!(at_target(&web.target_repo(), &referrers_tag), Ok(referrers.index_digest.clone()));

    let again = Plugin::new().run(&strs(&from_bundle_args(&bundle, &target.host(), &["-o", "json"])));
    let report = again.json();
    assert_eq!(report["summary"]["bytes"], 0, "a second run moves nothing: {report}");
    assert!(attached_rows(&report).iter().all(|(_, state)| state == "present"), "{report}");

    let bare = Registry::start(RegistryConfig::default());
    let skipped = Plugin::new().run(&strs(&from_bundle_args(&bundle, &bare.host(), &["--no-signatures"])));
    assert_eq!(skipped.code, 0, "{}", skipped.stderr);
    assert!(bundles::registry_raw(&bare, &format!("{}:{sig_tag}", haproxy.target_repo())).is_err());
}
