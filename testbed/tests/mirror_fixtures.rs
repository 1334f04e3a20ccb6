//! The fixtures the mirror tests and benchmark stand on are what they claim, by skopeo's word:
//! families share their base layers, upstream holds every image under its pinned digest, the
//! docker-archive is one, the judge fails a converted copy, and the upload faults break what they
//! say they break.

use essregistry_testbed::bundles::{self, Named};
use essregistry_testbed::faults::{Fault, FaultProxy, Rule};
use essregistry_testbed::images::{Copy, Family, FamilySpec, Image, sha256};
use essregistry_testbed::registry::{Registry, RegistryConfig};
use essregistry_testbed::upstream::{ESS, Upstreams};
use std::collections::HashSet;
use std::process::Command;

fn layers_of(member_oci: &str, arch: &str) -> Vec<String> {
    let output = Command::new("skopeo")
        .args(["inspect", "--override-arch", arch, "--format", "{{range .Layers}}{{.}} {{end}}", member_oci])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout).unwrap().split_whitespace().map(str::to_owned).collect()
}

#[test]
fn a_family_shares_its_base_layers_and_each_member_has_one_of_its_own() {
    let family = Family::build("fixture", &FamilySpec::small(3));
    for arch in ["amd64", "arm64"] {
        let layers: Vec<Vec<String>> = family.members.iter().map(|m| layers_of(&m.oci, arch)).collect();
        assert!(layers.iter().all(|l| l.len() == 3 && l[..2] == layers[0][..2]), "{arch}: {layers:?}");
        let own: HashSet<&String> = layers.iter().map(|l| &l[2]).collect();
        assert_eq!(own.len(), 3, "{arch}: each member's own layer differs");
    }
    for member in &family.members {
        let raw = bundles::bundle_raw(&member.oci).unwrap();
        assert_eq!(sha256(&raw), member.digest, "skopeo reads the index byte for byte");
        let index: serde_json::Value = serde_json::from_slice(&raw).unwrap();
        let listed: Vec<&str> =
            index["manifests"].as_array().unwrap().iter().map(|m| m["digest"].as_str().unwrap()).collect();
        let platforms: Vec<&str> = member.platforms.iter().map(|(_, d)| d.as_str()).collect();
        assert_eq!(listed, platforms);
    }
    // 2 platforms x (2 base layers + 3 own layers) + 3 members x (2 configs + 2 manifests + 1 index)
    let blobs = std::fs::read_dir(family.layout.path().join("blobs/sha256")).unwrap().count();
    assert_eq!(blobs, 2 * (2 + 3) + 3 * 5);
    assert!(family.layout.blob_bytes() > 2 * 64 * 1024, "the noise does not compress away");
}

#[test]
fn a_large_layer_is_written_whole_under_its_digest() {
    let family = Family::large(8 << 20);
    let member = &family.members[0];
    assert_eq!(member.platforms.len(), 1);
    let manifest: serde_json::Value = serde_json::from_slice(
        &std::fs::read(bundles::blob_path(family.layout.path(), &member.platforms[0].1)).unwrap(),
    )
    .unwrap();
    let layer = &manifest["layers"][0];
    assert_eq!(layer["mediaType"], "application/vnd.oci.image.layer.v1.tar");
    assert!(layer["size"].as_u64().unwrap() > 8 << 20);
    let digest = layer["digest"].as_str().unwrap();
    let bytes = std::fs::read(bundles::blob_path(family.layout.path(), digest)).unwrap();
    assert_eq!(sha256(&bytes), digest);
    let dir = tempfile::tempdir().unwrap();
    let copied = Command::new("skopeo")
        .args(["copy", "--quiet", "--all", "--preserve-digests", &member.oci])
        .arg(format!("oci:{}:copied", dir.path().display()))
        .status()
        .unwrap();
    assert!(copied.success(), "skopeo copies it, checking every digest");
}

#[test]
fn upstream_holds_every_ess_image_under_its_pinned_digest() {
    let (upstreams, _family) = Upstreams::ess(&FamilySpec::small(5));
    assert_eq!(upstreams.entries().len(), ESS.len());
    assert_eq!(upstreams.images().len(), 5, "haproxy is listed twice, pushed once");
    for image in upstreams.images() {
        let checked = bundles::check_pinned(&upstreams.registry, &image.upstream_repo(), &image.digest).unwrap();
        assert_eq!(checked, 3, "the index and its two platform manifests");
        let by_tag = bundles::registry_raw(&upstreams.registry, &format!("{}:{}", image.upstream_repo(), image.tag));
        assert_eq!(sha256(&by_tag.unwrap()), image.digest);
    }
    let yaml: serde_yaml::Value =
        serde_yaml::from_str(&std::fs::read_to_string(upstreams.digests_file()).unwrap()).unwrap();
    let pipe = &yaml["images_digests"]["pipe"]["pipe"];
    assert_eq!(pipe["image_repository_server"].as_str(), Some("gitlab-registry.matrix.org"));
    assert_eq!(pipe["image_repository_path"].as_str(), Some("ems-image-store/enterprise/pipe"));
    assert_eq!(pipe["image_tag"].as_str(), Some("2.7.0"));
    let args = upstreams.source_mirror_args();
    assert_eq!(args[1], format!("docker.io=http://{}/docker.io", upstreams.registry.host()));
}

#[test]
fn skopeo_names_a_layout_image_by_its_full_upstream_reference() {
    let (upstreams, _family) = Upstreams::ess(&FamilySpec::small(5));
    let haproxy = upstreams.images()[0];
    let dir = tempfile::tempdir().unwrap();
    let name = haproxy.reference();
    bundles::skopeo_layout(&upstreams.registry, &haproxy.upstream_repo(), &haproxy.digest, dir.path(), &name);
    let named = bundles::index(dir.path());
    assert_eq!(named.len(), 1);
    let Named { ref_name, digest, .. } = &named[0];
    assert_eq!((ref_name.as_deref(), digest.as_str()), (Some(name.as_str()), haproxy.digest.as_str()));
    let raw = bundles::bundle_raw(&format!("oci:{}:{name}", dir.path().display())).unwrap();
    assert_eq!(sha256(&raw), haproxy.digest);
}

#[test]
fn the_judge_fails_a_converted_copy_and_a_missing_one() {
    let registry = Registry::start(RegistryConfig::default());
    let image = Image::build("judged");
    image.push(&registry, "ess/judged", "v1", Copy::Converted);
    let error = bundles::check_pinned(&registry, "ess/judged", &image.index_digest).unwrap_err();
    assert!(error.contains("manifest unknown"), "{error}");
    image.push(&registry, "ess/judged", "v1", Copy::SinglePlatform);
    assert!(bundles::pull_whole(&registry, "ess/judged", &image.index_digest).is_err());
    image.push(&registry, "ess/judged", "v1", Copy::All);
    assert_eq!(bundles::check_pinned(&registry, "ess/judged", &image.index_digest), Ok(3));
    bundles::pull_whole(&registry, "ess/judged", &image.index_digest).unwrap();
}

#[test]
fn the_docker_archive_is_one_by_skopeo_s_word() {
    let dir = tempfile::tempdir().unwrap();
    let archive = dir.path().join("haproxy.tar");
    bundles::docker_archive(&archive, "docker.io/library/haproxy:2.8-alpine");
    let output = Command::new("skopeo")
        .args(["inspect", "--format", "{{.Architecture}} {{len .Layers}}"])
        .arg(format!("docker-archive:{}", archive.display()))
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    assert_eq!(String::from_utf8_lossy(&output.stdout).trim(), "amd64 1");
}

#[test]
fn damage_keeps_or_halves_the_size_and_always_changes_the_digest() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("blob");
    std::fs::write(&path, vec![7u8; 1000]).unwrap();
    let before = sha256(&std::fs::read(&path).unwrap());
    bundles::corrupt(&path);
    let corrupted = std::fs::read(&path).unwrap();
    assert_eq!(corrupted.len(), 1000);
    assert_ne!(sha256(&corrupted), before);
    bundles::truncate(&path);
    assert_eq!(std::fs::metadata(&path).unwrap().len(), 500);
}

/// `skopeo copy` of a new image through `proxy` (plain HTTP) to `repo:v1`: Ok, or what skopeo said.
fn push_through(proxy: &FaultProxy, repo: &str) -> Result<(), String> {
    let family = Family::build(repo, &FamilySpec::small(1));
    let output = Command::new("skopeo")
        .args(["copy", "--quiet", "--all", "--preserve-digests", "--retry-times", "0", "--dest-tls-verify=false"])
        .arg(&family.members[0].oci)
        .arg(format!("docker://{}/{repo}:v1", proxy.host()))
        .output()
        .unwrap();
    if output.status.success() { Ok(()) } else { Err(String::from_utf8_lossy(&output.stderr).into_owned()) }
}

#[test]
fn a_refused_manifest_reaches_the_client_in_the_registry_s_words() {
    let registry = Registry::start(RegistryConfig::default());
    let proxy = FaultProxy::start(&registry.host());
    let fault = Fault::manifest_blob_unknown("sha256:0123");
    proxy.add(Rule { path: "/refused/manifests/", method: Some("PUT"), fault, times: None });
    let error = push_through(&proxy, "refused").unwrap_err();
    assert!(error.contains("blob unknown to registry"), "{error}");
    let refused = proxy.requests().into_iter().filter(|r| r.status == 400).count();
    assert!(refused >= 1, "{:#?}", proxy.requests());
}

#[test]
fn a_lost_answer_leaves_the_work_done_at_the_registry() {
    let registry = Registry::start(RegistryConfig::default());
    let proxy = FaultProxy::start(&registry.host());
    proxy.add(Rule { path: "/lost/manifests/", method: Some("PUT"), fault: Fault::LoseAnswer, times: Some(1) });
    assert!(push_through(&proxy, "lost").is_err(), "the client never heard the answer");
    let stored: Vec<_> =
        registry.requests().into_iter().filter(|r| r.method == "PUT" && r.path.contains("/manifests/")).collect();
    assert_eq!(stored[0].status, 201, "the registry stored the manifest: {stored:#?}");
}
