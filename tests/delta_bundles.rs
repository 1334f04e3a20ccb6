//! The next release across the gap as a delta: release 1 carried in a full bundle, `inventory`
//! of the registry it went into, release 2 written with `--have` that inventory. The delta
//! carries exactly the blobs release 2 needs that release 1 did not bring (worked out here from
//! the manifests, as skopeo reads them), lands whole (skopeo and `plan` the judges), and a
//! registry that lost a blob the delta assumed refuses that image alone, before any of it is
//! tagged.

mod support;

use essregistry_testbed::bundles;
use essregistry_testbed::images::{Family, FamilySpec, sha256};
use essregistry_testbed::registry::{Registry, RegistryConfig};
use essregistry_testbed::upstream::{self, Entry, Publish, Upstreams, distinct};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use support::mirror_world::reported;
use support::{Plugin, Run, strs};

/// Release 1: ESS's five images (haproxy shared by two components), members 0 to 4.
const RELEASE_1: [(&str, &str, &str, usize); 6] = [
    ("adminbot", "haproxy", "docker.io/library/haproxy:2.8-alpine", 0),
    ("element_call", "jwt", "ghcr.io/element-hq/lk-jwt-service:0.1.1", 1),
    ("element_web", "element_web", "docker.io/vectorim/element-web:v1.11.45", 2),
    ("hookshot", "hookshot", "ghcr.io/matrix-org/matrix-hookshot:5.2.1", 3),
    ("pipe", "pipe", "gitlab-registry.matrix.org/ems-image-store/enterprise/pipe:2.7.0", 4),
    ("synapse", "haproxy", "docker.io/library/haproxy:2.8-alpine", 0),
];

/// Release 2: haproxy and lk-jwt-service unchanged; element-web and hookshot new versions (new
/// top layers over the family's base layers); element-call added; pipe removed.
const RELEASE_2: [(&str, &str, &str, usize); 6] = [
    ("adminbot", "haproxy", "docker.io/library/haproxy:2.8-alpine", 0),
    ("element_call", "jwt", "ghcr.io/element-hq/lk-jwt-service:0.1.1", 1),
    ("element_call", "element_call", "ghcr.io/element-hq/element-call:0.5.0", 7),
    ("element_web", "element_web", "docker.io/vectorim/element-web:v1.11.46", 5),
    ("hookshot", "hookshot", "ghcr.io/matrix-org/matrix-hookshot:5.3.0", 6),
    ("synapse", "haproxy", "docker.io/library/haproxy:2.8-alpine", 0),
];

struct Releases {
    upstreams: Upstreams,
    /// Kept for its layout, which skopeo published from.
    _family: Family,
    dir: tempfile::TempDir,
    first: Vec<Entry>,
    second: Vec<Entry>,
}

impl Releases {
    /// One family of eight members over shared base layers, both releases published upstream.
    fn publish() -> Releases {
        let family = Family::build("ess", &FamilySpec::small(8));
        let mut upstreams = Upstreams::start();
        let publish = |release: &[(&'static str, &'static str, &'static str, usize)]| -> Vec<Publish> {
            let members = &family.members;
            release
                .iter()
                .map(|(component, sub, reference, member)| Publish {
                    component,
                    sub,
                    reference,
                    member: &members[*member],
                })
                .collect()
        };
        upstreams.publish(&publish(&RELEASE_1));
        upstreams.publish(&publish(&RELEASE_2));
        let (first, second) = upstreams.entries().split_at(RELEASE_1.len());
        let (first, second) = (first.to_vec(), second.to_vec());
        let dir = tempfile::tempdir().expect("releases dir");
        std::fs::write(dir.path().join("release-1.yml"), upstream::images_digests(&first)).unwrap();
        std::fs::write(dir.path().join("release-2.yml"), upstream::images_digests(&second)).unwrap();
        Releases { upstreams, _family: family, dir, first, second }
    }

    fn digests(&self, release: usize) -> PathBuf {
        self.dir.path().join(format!("release-{release}.yml"))
    }

    /// `mirror -f release-N.yml --to-bundle BUNDLE`, upstream read through the stand-in, `extra`.
    fn to_bundle(&self, release: usize, bundle: &Path, extra: &[&str]) -> Run {
        let digests = self.digests(release).display().to_string();
        let mut args = vec!["mirror".to_owned(), "-f".into(), digests, "--to-bundle".into()];
        args.push(bundle.display().to_string());
        args.extend(self.upstreams.source_mirror_args());
        args.extend(extra.iter().map(|a| (*a).to_owned()));
        Plugin::new().run(&strs(&args))
    }
}

/// Every blob (config and layers, of every platform) the images need, digest -> size, read
/// with skopeo from the stand-in upstream; and every manifest digest on the way.
fn blobs_of(upstreams: &Upstreams, images: &[&Entry]) -> (BTreeMap<String, u64>, BTreeSet<String>) {
    let (mut blobs, mut manifests) = (BTreeMap::new(), BTreeSet::new());
    for image in images {
        let repo = image.upstream_repo();
        let raw = |digest: &str| bundles::registry_raw(&upstreams.registry, &format!("{repo}@{digest}")).unwrap();
        let index: Value = serde_json::from_slice(&raw(&image.digest)).unwrap();
        manifests.insert(image.digest.clone());
        for platform in index["manifests"].as_array().unwrap() {
            let digest = platform["digest"].as_str().unwrap();
            manifests.insert(digest.to_owned());
            let manifest: Value = serde_json::from_slice(&raw(digest)).unwrap();
            let layers = manifest["layers"].as_array().unwrap().iter();
            for blob in std::iter::once(&manifest["config"]).chain(layers) {
                blobs.insert(blob["digest"].as_str().unwrap().to_owned(), blob["size"].as_u64().unwrap());
            }
        }
    }
    (blobs, manifests)
}

/// The blob files of a bundle folder, digest -> size.
fn files_of(bundle: &Path) -> BTreeMap<String, u64> {
    let files = std::fs::read_dir(bundle.join("blobs/sha256")).unwrap();
    files
        .map(|file| {
            let file = file.unwrap();
            (format!("sha256:{}", file.file_name().to_string_lossy()), file.metadata().unwrap().len())
        })
        .collect()
}

fn push(bundle: &Path, target: &Registry) -> Run {
    let args = upstream::from_bundle_args(bundle, &target.host(), &["-o", "json"]);
    Plugin::new().run(&strs(&args))
}

#[test]
fn a_delta_carries_only_what_the_inventory_lacks_and_an_image_whose_blob_is_lost_is_refused_untagged() {
    let releases = Releases::publish();
    let work = tempfile::tempdir().unwrap();
    // Release 1, carried whole into two registries alike.
    let full = work.path().join("release-1");
    let run = releases.to_bundle(1, &full, &["-o", "json"]);
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    let (inside, mut lost) = (Registry::start(RegistryConfig::default()), Registry::start(RegistryConfig::default()));
    for registry in [&inside, &lost] {
        let run = push(&full, registry);
        assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    }

    // Inside the gap: what the registry holds of release 1, carried out.
    let mut args = vec!["inventory".to_owned(), "-f".into(), releases.digests(1).display().to_string()];
    let host = inside.host();
    let flags = ["--registry", &host, "--registry-plain-http", "--path-prefix", "ess", "-o", "yaml"];
    args.extend(flags.iter().map(|a| (*a).to_owned()));
    let inventory_run = Plugin::new().run(&strs(&args));
    assert_eq!(inventory_run.code, 0, "{}", inventory_run.stderr);
    let inventory = work.path().join("inventory.yaml");
    std::fs::write(&inventory, &inventory_run.stdout).unwrap();

    // What release 2 needs that release 1 did not bring, from the manifests alone.
    let (needed, manifests) = blobs_of(&releases.upstreams, &distinct(&releases.second));
    let (held, _) = blobs_of(&releases.upstreams, &distinct(&releases.first));
    let lacking: BTreeMap<String, u64> =
        needed.iter().filter(|(digest, _)| !held.contains_key(*digest)).map(|(d, s)| (d.clone(), *s)).collect();
    let lacking_bytes: u64 = lacking.values().sum();
    let needed_bytes: u64 = needed.values().sum();
    assert!(!lacking.is_empty() && lacking.len() < needed.len(), "the releases share base layers");

    // The dry run says per image what would be carried and what assumed, and the total.
    let delta = work.path().join("release-2-delta");
    let have = inventory.display().to_string();
    let dry = releases.to_bundle(2, &delta, &["--have", &have, "--dry-run", "-o", "json"]);
    assert_eq!(dry.code, 0, "{}\n{}", dry.stdout, dry.stderr);
    assert!(!delta.exists(), "a dry run writes nothing");
    let dry = dry.json();
    assert_eq!(dry["delta"]["carriedBytes"], lacking_bytes, "{dry:#}");
    assert_eq!(dry["delta"]["fullBytes"], needed_bytes, "{dry:#}");

    let run = releases.to_bundle(2, &delta, &["--have", &have, "-o", "json"]);
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    let report = run.json();
    // The bundle holds every manifest of release 2 and, of blobs, exactly those lacking.
    let files = files_of(&delta);
    let blob_files: BTreeMap<String, u64> =
        files.iter().filter(|(digest, _)| !manifests.contains(*digest)).map(|(d, s)| (d.clone(), *s)).collect();
    assert_eq!(blob_files, lacking, "the delta's blobs are exactly what the inventory lacks");
    assert!(manifests.iter().all(|manifest| files.contains_key(manifest)), "every manifest travels");
    assert_eq!(report["delta"]["carriedBytes"], lacking_bytes, "{report:#}");
    assert_eq!(report["delta"]["fullBytes"], needed_bytes, "{report:#}");
    assert_eq!(report["delta"]["assumedBytes"], needed_bytes - lacking_bytes, "{report:#}");
    let web = releases.second.iter().find(|e| e.path == "vectorim/element-web").unwrap();
    assert!(reported(&report, web)["assumed"]["bytes"].as_u64().unwrap() > 0, "{report:#}");
    let table = releases.to_bundle(2, &work.path().join("dry"), &["--have", &have, "--dry-run"]);
    assert!(table.stdout.contains("assumed in the registry (not carried)"), "{}", table.stdout);
    assert!(table.stdout.contains("a full bundle would carry"), "{}", table.stdout);

    // Offline, the delta is complete: what it left out is not missing.
    let verify = Plugin::new().run(&["mirror", "--verify-bundle", &delta.display().to_string(), "-o", "json"]);
    assert_eq!(verify.code, 0, "{}\n{}", verify.stdout, verify.stderr);
    assert_eq!(verify.json()["summary"]["assumedBytes"], needed_bytes - lacking_bytes, "{}", verify.stdout);

    // Inside: the delta lands, and release 2 is all there, as skopeo and plan see it.
    let run = push(&delta, &inside);
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    for image in distinct(&releases.second) {
        assert_eq!(bundles::check_pinned(&inside, &image.target_repo(), &image.digest), Ok(3), "{}", image.reference());
        let tagged = bundles::registry_raw(&inside, &format!("{}:{}", image.target_repo(), image.tag)).unwrap();
        assert_eq!(sha256(&tagged), image.digest, "{}", image.reference());
        bundles::pull_whole(&inside, &image.target_repo(), &image.digest).unwrap();
    }
    let plan = Plugin::new().run(&strs(&upstream::plan_args(&releases.digests(2), &inside.host(), &[])));
    assert_eq!(plan.code, 0, "{}\n{}", plan.stdout, plan.stderr);
    assert_eq!(plan.json()["summary"]["present"], 5, "{}", plan.stdout);

    // A registry that lost one blob element-web's new version assumes in its repository (the
    // link removed on disk, the registry restarted): that image is refused, naming the blob,
    // before anything of it is pushed; the others land.
    let web_manifest: Value = serde_json::from_slice(
        &bundles::registry_raw(&releases.upstreams.registry, &format!("{}@{}", web.upstream_repo(), web.digest))
            .unwrap(),
    )
    .unwrap();
    let amd64 = web_manifest["manifests"][0]["digest"].as_str().unwrap();
    let amd64: Value = serde_json::from_slice(
        &bundles::registry_raw(&releases.upstreams.registry, &format!("{}@{amd64}", web.upstream_repo())).unwrap(),
    )
    .unwrap();
    let base = amd64["layers"][0]["digest"].as_str().unwrap().to_owned();
    assert!(held.contains_key(&base) && !lacking.contains_key(&base), "the base layer is assumed");
    let link = lost.storage().join(format!(
        "docker/registry/v2/repositories/{}/_layers/sha256/{}",
        web.target_repo(),
        &base["sha256:".len()..]
    ));
    std::fs::remove_dir_all(&link).unwrap_or_else(|e| panic!("{}: {e}", link.display()));
    lost.restart();
    lost.clear_requests();
    // Carried as an archive this time: what it assumes travels inside it.
    let archive = work.path().join("release-2-delta.tar.zst");
    let written = releases.to_bundle(2, &archive, &["--have", &have]);
    assert_eq!(written.code, 0, "{}\n{}", written.stdout, written.stderr);
    let run = push(&archive, &lost);
    assert_eq!(run.code, 1, "one image refused: {}\n{}", run.stdout, run.stderr);
    let report = run.json();
    let refused = reported(&report, web);
    assert_eq!(refused["state"], "failed", "{refused}");
    let reason = refused["reason"].as_str().unwrap();
    assert!(reason.contains(&base) && reason.contains("fresh inventory"), "{reason}");
    let web_pushes = lost
        .requests()
        .into_iter()
        .filter(|r| r.method == "PUT" && r.path.starts_with(&format!("/v2/{}/manifests/", web.target_repo())))
        .count();
    assert_eq!(web_pushes, 0, "no manifest of the refused image was pushed");
    let tag = format!("{}:{}", web.target_repo(), web.tag);
    assert!(bundles::registry_raw(&lost, &tag).is_err(), "skopeo finds no tag {tag}");
    for image in distinct(&releases.second).into_iter().filter(|image| image.path != web.path) {
        assert_eq!(bundles::check_pinned(&lost, &image.target_repo(), &image.digest), Ok(3), "{}", image.reference());
        bundles::pull_whole(&lost, &image.target_repo(), &image.digest).unwrap();
    }

    // The fix the message names: a fresh inventory there says the blob is lost (exit 1) and
    // leaves it out of element-web's repository, so a delta made from it assumes the blob where
    // it still is (another image's repository, mounted from there), and element-web lands too.
    let mut args = vec!["inventory".to_owned(), "-f".into(), releases.digests(1).display().to_string()];
    let lost_host = lost.host();
    let flags = ["--registry", &lost_host, "--registry-plain-http", "--path-prefix", "ess", "-o", "yaml"];
    args.extend(flags.iter().map(|a| (*a).to_owned()));
    let fresh = Plugin::new().run(&strs(&args));
    assert_eq!(fresh.code, 1, "a lost blob: {}", fresh.stderr);
    let listed: Value = serde_yaml::from_str(&fresh.stdout).unwrap();
    assert_eq!(listed["lost"], serde_json::json!([format!("{}@{base}", web.target_repo())]), "{}", fresh.stdout);
    let fresh_inventory = work.path().join("fresh.yaml");
    std::fs::write(&fresh_inventory, &fresh.stdout).unwrap();
    let again = work.path().join("release-2-again");
    let written = releases.to_bundle(2, &again, &["--have", &fresh_inventory.display().to_string()]);
    assert_eq!(written.code, 0, "{}\n{}", written.stdout, written.stderr);
    let run = push(&again, &lost);
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    assert_eq!(bundles::check_pinned(&lost, &web.target_repo(), &web.digest), Ok(3), "{}", web.reference());
}

#[test]
fn an_inventory_made_with_another_mapping_is_refused_and_no_delta_is_written() {
    let work = tempfile::tempdir().unwrap();
    let inventory = work.path().join("inventory.yaml");
    std::fs::write(
        &inventory,
        "apiVersion: essregistry/v1\nkind: Inventory\nregistry: reg.local\nmapping:\n  registry: reg.local\n  \
         pathPrefix: ess\n  layout: preserve\n  map: []\nrepositories: {}\nmissing: []\n",
    )
    .unwrap();
    let digests = work.path().join("images_digests.yml");
    let entry = Entry {
        component: "synapse".into(),
        sub: "synapse".into(),
        server: "ghcr.io".into(),
        path: "element-hq/synapse".into(),
        tag: "1.0".into(),
        digest: format!("sha256:{}", "a".repeat(64)),
    };
    std::fs::write(&digests, upstream::images_digests(&[entry])).unwrap();
    let bundle = work.path().join("delta");
    let (digests, bundle_arg, have) =
        (digests.display().to_string(), bundle.display().to_string(), inventory.display().to_string());
    let base = ["mirror", "-f", &digests, "--to-bundle", &bundle_arg, "--have", &have];
    let run = Plugin::new().run(&[&base[..], &["--path-prefix", "elementdeployment"]].concat());
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains(&format!("--have {have}: the inventory was made in reg.local")), "{}", run.stderr);
    assert!(run.stderr.contains("--path-prefix elementdeployment"), "{}", run.stderr);
    assert!(!bundle.exists(), "nothing written");
    let not_inventory = work.path().join("values.yaml");
    std::fs::write(&not_inventory, "kind: Plan\napiVersion: essregistry/v1\n").unwrap();
    let run = Plugin::new().run(&[
        "mirror",
        "-f",
        &digests,
        "--to-bundle",
        &bundle_arg,
        "--have",
        &not_inventory.display().to_string(),
    ]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("it is not an inventory"), "{}", run.stderr);
    assert!(!bundle.exists(), "nothing written");
}
