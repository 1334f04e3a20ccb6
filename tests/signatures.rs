//! Signatures, attestations and SBOMs travel with their image, byte for byte, in every form in
//! use, made by the testbed as the tools make them: cosign's tag-scheme `sha256-HEX.sig`,
//! `.att`, `.sbom`; cosign v3 bundles as OCI 1.1 referrers of the image's index and of one of
//! its platform manifests (read through the referrers API where the source serves it, else
//! the fallback tag `sha256-HEX`); a BuildKit attestation manifest inside an index. They go
//! upstream -> registry, upstream -> bundle -> registry, into a registry serving the referrers
//! API (the testbed's front) and into one without (distribution 2.8: the fallback tag, kept
//! without dropping what was there). skopeo is the judge of what arrived; a second run writes
//! nothing; `--no-signatures` leaves them all.

mod support;

use essregistry_testbed::artifacts::{self, Pushed, SIGSTORE_BUNDLE};
use essregistry_testbed::bundles;
use essregistry_testbed::faults::{FaultProxy, Profile};
use essregistry_testbed::images::{FamilySpec, sha256};
use essregistry_testbed::registry::{Registry, RegistryConfig};
use essregistry_testbed::upstream::{Entry, Upstreams, from_bundle_args};
use serde_json::Value;
use std::path::Path;
use support::{Plugin, strs};

/// The upstream registry, a front serving the referrers API in front of it, and what the
/// testbed attached there.
struct World {
    upstreams: Upstreams,
    front: FaultProxy,
    haproxy: Entry,
    web: Entry,
    jwt: Entry,
    /// haproxy's `.sig`, `.att` and `.sbom`.
    tag_scheme: Vec<Pushed>,
    /// cosign v3 bundles on element-web's index and on its first platform manifest.
    on_index: Pushed,
    on_platform: Pushed,
    platform: String,
    /// The attestation manifest BuildKit put in lk-jwt-service's index.
    buildkit: Pushed,
}

fn entry(upstreams: &Upstreams, path: &str) -> Entry {
    upstreams.images().into_iter().find(|image| image.path == path).expect("an ESS image").clone()
}

impl World {
    fn new() -> World {
        let (mut upstreams, _family) = Upstreams::ess(&FamilySpec::small(5));
        let front = FaultProxy::with_profile(&upstreams.registry.host(), Profile::Referrers);
        let (direct, through) = (upstreams.registry.host(), front.host());
        let jwt = entry(&upstreams, "element-hq/lk-jwt-service");
        let (index, buildkit) = artifacts::buildkit_attestation(&direct, &jwt.upstream_repo(), &jwt.tag);
        upstreams.repin(&jwt.upstream_repo(), &index.digest);
        let (haproxy, web, jwt) = (
            entry(&upstreams, "library/haproxy"),
            entry(&upstreams, "vectorim/element-web"),
            entry(&upstreams, "element-hq/lk-jwt-service"),
        );
        let tag_scheme = artifacts::tag_scheme(&direct, &haproxy.upstream_repo(), &haproxy.digest);
        // cosign v3 pushed through a registry serving the referrers API; the fallback tag kept
        // as well, for a client reading the registry behind it, which serves none.
        let repo = web.upstream_repo();
        let index = artifacts::fetch_manifest(&direct, &repo, &web.digest).expect("element-web's index");
        let on_index = artifacts::sigstore_bundle(&through, &repo, &index, "upstream", Some(&direct));
        let listed: Value = serde_json::from_slice(&index).unwrap();
        let platform = listed["manifests"][0]["digest"].as_str().unwrap().to_owned();
        let platform_bytes = artifacts::fetch_manifest(&direct, &repo, &platform).expect("a platform manifest");
        let on_platform = artifacts::sigstore_bundle(&through, &repo, &platform_bytes, "upstream", Some(&direct));
        World { upstreams, front, haproxy, web, jwt, tag_scheme, on_index, on_platform, platform, buildkit }
    }

    /// `mirror -f FILE --registry TARGET ...` reading upstream through the referrers front.
    fn mirror_through_front(&self, target: &str) -> Vec<String> {
        let digests = self.upstreams.digests_file().display().to_string();
        let mut args: Vec<String> = ["mirror", "-f", &digests, "--registry", target, "--registry-plain-http"]
            .into_iter()
            .chain(["--path-prefix", "ess", "-o", "json"])
            .map(str::to_owned)
            .collect();
        args.extend(self.upstreams.source_mirror_args_via(&self.front.host()));
        args
    }

    /// Every form arrived in `registry`, byte for byte, as skopeo reads it: the tag-scheme
    /// artifacts under their tags (and listed), the referrers and the BuildKit attestation by
    /// digest.
    fn arrived_in(&self, registry: &Registry) {
        let repo = self.haproxy.target_repo();
        let tags = bundles::registry_tags(registry, &repo).unwrap();
        for pushed in &self.tag_scheme {
            let tag = pushed.tag.as_deref().unwrap();
            assert!(tags.iter().any(|t| t == tag), "skopeo list-tags sees {tag}: {tags:?}");
            assert_eq!(bundles::registry_raw(registry, &format!("{repo}:{tag}")), Ok(pushed.bytes.clone()), "{tag}");
        }
        for pushed in [&self.on_index, &self.on_platform] {
            let reference = format!("{}@{}", self.web.target_repo(), pushed.digest);
            assert_eq!(bundles::registry_raw(registry, &reference), Ok(pushed.bytes.clone()), "{reference}");
        }
        let attestation = format!("{}@{}", self.jwt.target_repo(), self.buildkit.digest);
        assert_eq!(bundles::registry_raw(registry, &attestation), Ok(self.buildkit.bytes.clone()));
        assert_eq!(bundles::check_pinned(registry, &self.jwt.target_repo(), &self.jwt.digest), Ok(4));
    }

    /// The fallback index `registry` holds for `subject` in element-web's repository.
    fn fallback_at(&self, registry: &Registry, subject: &str) -> Result<Vec<u8>, String> {
        bundles::registry_raw(registry, &format!("{}:{}", self.web.target_repo(), artifacts::attached_tag(subject, "")))
    }
}

/// The digests an index lists, each with its artifactType.
fn listed(index: &[u8]) -> Vec<(String, Option<String>)> {
    let index: Value = serde_json::from_slice(index).expect("an index");
    let entries = index["manifests"].as_array().expect("manifests").iter();
    entries.map(|m| (m["digest"].as_str().unwrap().to_owned(), m["artifactType"].as_str().map(str::to_owned))).collect()
}

/// Each attached row as (kind, digest, subject, state).
fn attached_rows(report: &Value) -> Vec<(String, String, String, String)> {
    let rows = report["images"].as_array().unwrap().iter().filter(|row| row["attached"].is_object());
    let text = |value: &Value| value.as_str().unwrap_or_default().to_owned();
    let mut rows: Vec<_> = rows
        .map(|row| {
            let attached = &row["attached"];
            (text(&attached["kind"]), text(&attached["digest"]), text(&attached["subject"]), text(&row["state"]))
        })
        .collect();
    rows.sort();
    rows
}

fn kinds(report: &Value) -> Vec<String> {
    attached_rows(report).into_iter().map(|(kind, ..)| kind).collect()
}

/// No request that writes reached the registry.
fn writes(requests: impl Iterator<Item = (String, String)>) -> Vec<String> {
    requests
        .filter(|(method, _)| !matches!(method.as_str(), "GET" | "HEAD"))
        .map(|(method, path)| format!("{method} {path}"))
        .collect()
}

#[test]
fn every_form_arrives_byte_for_byte_with_and_without_the_referrers_api_and_a_second_run_writes_nothing() {
    let world = World::new();
    let web_repo = world.web.target_repo();

    // Upstream through the referrers API, into distribution 2.8, which has none: the fallback
    // tag is kept there, and an entry another client put there first is kept.
    let plain = Registry::start(RegistryConfig::default());
    let index =
        artifacts::fetch_manifest(&world.upstreams.registry.host(), &world.web.upstream_repo(), &world.web.digest)
            .unwrap();
    let earlier =
        artifacts::sigstore_bundle(&plain.host(), &web_repo, &index, "an earlier client", Some(&plain.host()));
    let direct = Plugin::new().run(&strs(&world.mirror_through_front(&plain.host())));
    assert_eq!(direct.code, 0, "{}\n{}", direct.stdout, direct.stderr);
    world.arrived_in(&plain);
    let rows = attached_rows(&direct.json());
    let referrer =
        |pushed: &Pushed, subject: &str| ("referrer".into(), pushed.digest.clone(), subject.into(), "copied".into());
    assert!(rows.contains(&referrer(&world.on_index, &world.web.digest)), "{rows:?}");
    assert!(rows.contains(&referrer(&world.on_platform, &world.platform)), "{rows:?}");
    assert_eq!(
        kinds(&direct.json()),
        ["attestation", "referrer", "referrer", "referrers", "referrers", "sbom", "signature"]
    );
    let kept = world.fallback_at(&plain, &world.web.digest).unwrap();
    let bundle_type = Some(SIGSTORE_BUNDLE.to_owned());
    assert_eq!(
        listed(&kept),
        [(earlier.digest.clone(), bundle_type.clone()), (world.on_index.digest.clone(), bundle_type.clone())],
        "the entry that was there is kept, the new one added with its artifactType"
    );
    let on_platform = world.fallback_at(&plain, &world.platform).unwrap();
    assert_eq!(listed(&on_platform), [(world.on_platform.digest.clone(), bundle_type.clone())]);

    // An index trimmed to one platform is a new manifest: the referrers of the platform
    // manifest it keeps travel with it.
    let trimmed = Registry::start(RegistryConfig::default());
    let mut args = world.mirror_through_front(&trimmed.host());
    args.extend(["--platform".to_owned(), "linux/amd64".to_owned()]);
    let one = Plugin::new().run(&strs(&args));
    assert_eq!(one.code, 0, "{}\n{}", one.stdout, one.stderr);
    let rows = attached_rows(&one.json());
    let referrers: Vec<_> = rows.iter().filter(|(kind, ..)| kind == "referrer").collect();
    assert_eq!(referrers, [&referrer(&world.on_platform, &world.platform)], "{rows:?}");
    let reference = format!("{web_repo}@{}", world.on_platform.digest);
    assert_eq!(bundles::registry_raw(&trimmed, &reference), Ok(world.on_platform.bytes.clone()));

    // Upstream without the referrers API (the registry itself, the fallback tag) into a bundle.
    let dir = tempfile::tempdir().unwrap();
    let bundle = dir.path().join("bundle");
    let packed = Plugin::new().run(&strs(&world.upstreams.to_bundle_args(&bundle, &["-o", "json"])));
    assert_eq!(packed.code, 0, "{}\n{}", packed.stdout, packed.stderr);
    assert_eq!(
        kinds(&packed.json()),
        ["attestation", "referrer", "referrer", "referrers", "referrers", "sbom", "signature"]
    );
    in_the_bundle(&world, &bundle);

    // From the bundle into a registry serving the referrers API: the referrers by digest, their
    // subject kept, and no fallback tag.
    let behind = Registry::start(RegistryConfig::default());
    let api = FaultProxy::with_profile(&behind.host(), Profile::Referrers);
    let pushed = Plugin::new().run(&strs(&from_bundle_args(&bundle, &api.host(), &["-o", "json"])));
    assert_eq!(pushed.code, 0, "{}\n{}", pushed.stdout, pushed.stderr);
    world.arrived_in(&behind);
    assert_eq!(kinds(&pushed.json()), ["attestation", "referrer", "referrer", "sbom", "signature"]);
    let (status, listing) = artifacts::list_referrers(&api.host(), &web_repo, &world.web.digest);
    assert_eq!(
        (status, listed(&serde_json::to_vec(&listing).unwrap())),
        (200, vec![(world.on_index.digest.clone(), bundle_type)])
    );
    let tags = bundles::registry_tags(&behind, &web_repo).unwrap();
    assert!(!tags.iter().any(|tag| !tag.contains('.') && tag.starts_with("sha256-")), "no fallback tag: {tags:?}");
    let before = api.requests().len();
    let again = Plugin::new().run(&strs(&from_bundle_args(&bundle, &api.host(), &["-o", "json"])));
    let report = again.json();
    assert_eq!(report["summary"]["bytes"], 0, "{report}");
    assert!(attached_rows(&report).iter().all(|(.., state)| state == "present"), "{report}");
    let requests = api.requests().into_iter().skip(before).map(|seen| (seen.method, seen.path));
    assert_eq!(writes(requests), Vec::<String>::new(), "a second run writes nothing");

    // From the bundle into a registry without it: the fallback tag, as upstream had it, byte
    // for byte; a second run writes nothing there either.
    let fallback = Registry::start(RegistryConfig::default());
    let into = Plugin::new().run(&strs(&from_bundle_args(&bundle, &fallback.host(), &["-o", "json"])));
    assert_eq!(into.code, 0, "{}\n{}", into.stdout, into.stderr);
    world.arrived_in(&fallback);
    let upstream_tag = artifacts::attached_tag(&world.web.digest, "");
    let upstream_index =
        artifacts::fetch_manifest(&world.upstreams.registry.host(), &world.web.upstream_repo(), &upstream_tag).unwrap();
    assert_eq!(world.fallback_at(&fallback, &world.web.digest), Ok(upstream_index));
    fallback.clear_requests();
    let again = Plugin::new().run(&strs(&from_bundle_args(&bundle, &fallback.host(), &["-o", "json"])));
    assert_eq!(again.json()["summary"]["bytes"], 0);
    let requests = fallback.requests().into_iter().map(|request| (request.method, request.path));
    assert_eq!(writes(requests), Vec::<String>::new(), "a second run writes nothing");

    let bare = Registry::start(RegistryConfig::default());
    let skipped =
        Plugin::new().run(&strs(&from_bundle_args(&bundle, &bare.host(), &["--no-signatures", "-o", "json"])));
    assert_eq!(skipped.code, 0, "{}", skipped.stderr);
    assert_eq!(kinds(&skipped.json()), Vec::<String>::new());
    let tags = bundles::registry_tags(&bare, &world.haproxy.target_repo()).unwrap();
    assert_eq!(tags, std::slice::from_ref(&world.haproxy.tag), "--no-signatures leaves them all");
    assert!(bundles::registry_raw(&bare, &format!("{web_repo}@{}", world.on_index.digest)).is_err());
}

/// The bundle holds each form byte for byte: the tag-scheme artifacts and the fallback index
/// under their tags' names (as skopeo reads `oci:DIR:NAME`), the referrers' bytes as blobs.
fn in_the_bundle(world: &World, bundle: &Path) {
    for pushed in &world.tag_scheme {
        let named =
            format!("oci:{}:{}:{}", bundle.display(), world.haproxy.upstream_repo(), pushed.tag.as_deref().unwrap());
        assert_eq!(bundles::bundle_raw(&named), Ok(pushed.bytes.clone()), "{named}");
    }
    for pushed in [&world.on_index, &world.on_platform, &world.buildkit] {
        let held = std::fs::read(bundles::blob_path(bundle, &pushed.digest)).unwrap();
        assert_eq!(sha256(&held), pushed.digest);
    }
    let tag = artifacts::attached_tag(&world.web.digest, "");
    let named = format!("oci:{}:{}:{tag}", bundle.display(), world.web.upstream_repo());
    let index = bundles::bundle_raw(&named).unwrap();
    assert_eq!(listed(&index), [(world.on_index.digest.clone(), Some(SIGSTORE_BUNDLE.to_owned()))]);
}
