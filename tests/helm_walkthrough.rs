//! ESS on Helm as a Helm administrator meets it (issue 19): the real matrix-stack chart's image
//! blocks (tests/fixtures/matrix-stack-real), an admin's own values, stand-in upstreams that
//! serve Docker Hub's official images only as `library/NAME`, a local registry with TLS and a
//! login, and releases stored as Helm stores them. The README's Helm walkthrough runs whole, and
//! each case the issue lists is a test of what the administrator would notice.

mod support;

use essregistry_testbed::apiserver::{ApiServer, Role};
use essregistry_testbed::bundles;
use essregistry_testbed::helm::{Revision, chart_archive, push_chart, release_secret};
use essregistry_testbed::images::{Copy, Family, FamilySpec, Image, sha256};
use essregistry_testbed::kubectl::Kubectl;
use essregistry_testbed::registry::{Registry, RegistryConfig};
use essregistry_testbed::upstream::{ChartBlock, Entry, Upstreams, served_repository};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::Command;
use support::cluster_world::{PASSWORD, USER};
use support::helm_values::{at, merged, release_pod, schema_errors, stored_user_values, yaml_file};
use support::{Plugin, Run, strs};

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/matrix-stack-real");
/// The version the tests pack the fixture's values as.
const VERSION: &str = "26.8.2-dev";
/// The namespace the release lives in.
const NAMESPACE: &str = "ess";
/// The pull Secret apply writes.
const SECRET: &str = "ess-local-registry";

const fn block(
    path: &'static str,
    registry: &'static str,
    repository: &'static str,
    tag: &'static str,
) -> ChartBlock<'static> {
    ChartBlock { path, registry, repository, tag }
}

/// Every image block of the fixture, in the values' order.
const BLOCKS: [ChartBlock<'static>; 14] = [
    block("matrixTools.image", "ghcr.io", "element-hq/ess-helm/matrix-tools", "0.10.0"),
    block("matrixRTC.image", "oci.element.io", "lk-jwt-service", "0.6.0"),
    block("matrixRTC.sfu.image", "docker.io", "livekit/livekit-server", "v1.13.6"),
    block("elementAdmin.image", "oci.element.io", "element-admin", "0.1.12"),
    block("elementWeb.image", "oci.element.io", "element-web", "v1.12.26"),
    block("haproxy.image", "docker.io", "library/haproxy", "3.4-alpine"),
    block("hookshot.image", "ghcr.io", "matrix-org/matrix-hookshot", "7.4.4"),
    block("matrixAuthenticationService.image", "ghcr.io", "element-hq/matrix-authentication-service", "1.23.0"),
    block(
        "matrixAuthenticationService.syn2mas.image",
        "ghcr.io",
        "element-hq/matrix-authentication-service",
        "1.23.0-debug",
    ),
    block("postgres.postgresExporter.image", "ghcr.io", "prometheus-community/postgres-exporter", "v0.20.1"),
    block("postgres.image", "docker.io", "postgres", "17-alpine"),
    block("redis.image", "docker.io", "library/redis", "7.4-alpine"),
    block("redis.redisExporter.image", "ghcr.io", "oliver006/redis_exporter", "v1.90.0"),
    block("synapse.image", "oci.element.io", "synapse", "v1.159.0"),
];
/// The one block still disabled once admin.yaml has enabled Hookshot.
const SYN2MAS: &str = "matrixAuthenticationService.syn2mas.image";

fn fixture(name: &str) -> PathBuf {
    Path::new(FIXTURES).join(name)
}

fn find(path: &str) -> &'static ChartBlock<'static> {
    BLOCKS.iter().find(|b| b.path == path).unwrap_or_else(|| panic!("no block {path}"))
}

/// The chart's images upstream (on loopback, as `--source-mirror` reaches them), an empty local
/// registry with TLS and a login, the tests' API server with the namespace `ess`, the chart
/// packed as `helm package` packs it, and a plugin holding the local registry's credentials.
struct World {
    upstreams: Upstreams,
    _family: Family,
    local: Registry,
    api: ApiServer,
    plugin: Plugin,
    dir: tempfile::TempDir,
    archive: PathBuf,
}

impl World {
    fn new() -> World {
        let (upstreams, family) = Upstreams::chart(&BLOCKS, &FamilySpec::small(BLOCKS.len()));
        // From here on, the upstream's log holds only what the plugin asked.
        upstreams.registry.clear_requests();
        let config =
            RegistryConfig { tls: true, basic_auth: Some((USER.into(), PASSWORD.into())), ..RegistryConfig::default() };
        let api = ApiServer::start();
        api.put(json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": NAMESPACE}}));
        let dir = tempfile::tempdir().unwrap();
        let files = [
            ("values.yaml", std::fs::read(fixture("values.yaml")).unwrap()),
            ("values.schema.json", std::fs::read(fixture("values.schema.json")).unwrap()),
        ];
        let files: Vec<(&str, &[u8])> = files.iter().map(|(name, bytes)| (*name, bytes.as_slice())).collect();
        let archive = chart_archive(dir.path(), "matrix-stack", VERSION, &files);
        World {
            upstreams,
            _family: family,
            local: Registry::start(config),
            api,
            plugin: Plugin::new().env("ESSREGISTRY_USERNAME", USER).env("ESSREGISTRY_PASSWORD", PASSWORD),
            dir,
            archive,
        }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn run(&self, args: &[&str]) -> Run {
        self.plugin.run(args)
    }

    /// `--chart ARCHIVE --values admin.yaml`, as the admin has them on both sides of the gap.
    fn chart_args(&self) -> Vec<String> {
        let admin = fixture("admin.yaml");
        ["--chart", self.archive.to_str().unwrap(), "--values", admin.to_str().unwrap()].map(str::to_owned).into()
    }

    /// `--registry LOCAL --registry-ca-file CA`: how the local registry is reached.
    fn local_args(&self) -> Vec<String> {
        let ca = self.local.ca_file().unwrap();
        ["--registry", &self.local.host(), "--registry-ca-file", ca.to_str().unwrap()].map(str::to_owned).into()
    }

    /// `COMMAND` with the chart and admin.yaml, the local registry, `--path-prefix ess`, then `extra`.
    fn chart_run(&self, command: &str, extra: &[&str]) -> Run {
        let mut args = vec![command.to_owned()];
        args.extend(self.chart_args());
        args.extend(self.local_args());
        args.extend(["--path-prefix".to_owned(), "ess".to_owned()]);
        args.extend(extra.iter().map(|a| (*a).to_owned()));
        self.run(&strs(&args))
    }

    fn kubeconfig(&self) -> String {
        self.api.kubeconfig(Role::Admin).display().to_string()
    }

    /// `status --release ess -n ess`, trusting the local registry's CA and no mapping flag,
    /// run by `plugin` (whose credentials, if any, are the ones given), then `extra`.
    fn release_status(&self, plugin: &Plugin, extra: &[&str]) -> Run {
        let (kubeconfig, ca) = (self.kubeconfig(), self.local.ca_file().unwrap());
        let args = ["status", "--release", "ess", "--kubeconfig", &kubeconfig, "-n", NAMESPACE, "--registry-ca-file"];
        plugin.run(&[&args[..], &[ca.to_str().unwrap()], extra].concat())
    }

    /// The connected side: the chart's images into the bundle folder `bundle`, through the
    /// stand-in upstreams.
    fn pack_bundle(&self, bundle: &Path, extra: &[&str]) -> Run {
        let mut args = vec!["mirror".to_owned()];
        args.extend(self.chart_args());
        args.extend(["--to-bundle".to_owned(), bundle.display().to_string()]);
        args.extend(self.upstreams.source_mirror_args());
        args.extend(extra.iter().map(|a| (*a).to_owned()));
        self.run(&strs(&args))
    }

    /// The air-gapped side: the bundle into the local registry under `ess/`.
    fn push_bundle(&self, bundle: &Path, extra: &[&str]) -> Run {
        let bundle = bundle.display().to_string();
        self.chart_run("mirror", &[&["--from-bundle", &bundle], extra].concat())
    }

    /// Every image straight from upstream into the local registry (both sides at once).
    fn mirror_all(&self) {
        let mut args = vec!["mirror".to_owned()];
        args.extend(self.chart_args());
        args.extend(self.local_args());
        args.extend(["--path-prefix".to_owned(), "ess".to_owned(), "--include-disabled".to_owned()]);
        args.extend(self.upstreams.source_mirror_args());
        let run = self.run(&strs(&args));
        assert_eq!(run.code, 0, "mirror: {}\n{}", run.stdout, run.stderr);
    }

    /// The upstream image of `block` (digest of the member published for it).
    fn upstream(&self, path: &str) -> &Entry {
        self.upstreams.entries().iter().find(|e| e.component == path).unwrap_or_else(|| panic!("{path} upstream"))
    }

    /// `LOCAL/ess/REPOSITORY@DIGEST`: how a pod pulls `block` once the overlay is applied.
    fn local_image(&self, path: &str) -> String {
        let block = find(path);
        format!("{}/ess/{}@{}", self.local.host(), block.repository, self.upstream(path).digest)
    }

    /// The digest skopeo reads for `repo:tag` or `repo@digest` in the local registry.
    fn served(&self, reference: &str) -> Option<String> {
        bundles::registry_raw(&self.local, reference).ok().map(|raw| sha256(&raw))
    }

    /// Release `name` revision `version` in `ess`, as Helm stores it, with `config` as its
    /// user values and the workloads of synapse, postgres and hookshot in its manifest.
    fn release(&self, name: &str, version: u64, status: &str, config: Value) {
        let manifest: String = ["synapse-main", "postgres", "hookshot"]
            .iter()
            .map(|component| {
                format!("---\napiVersion: apps/v1\nkind: StatefulSet\nmetadata:\n  name: {name}-{component}\nspec:\n  template:\n    metadata:\n      labels:\n        app.kubernetes.io/instance: {name}-{component}\n")
            })
            .collect();
        self.api.put(release_secret(&Revision {
            name,
            namespace: NAMESPACE,
            version,
            status,
            chart_name: "matrix-stack",
            chart_version: VERSION,
            chart_values: serde_json::to_value(yaml_file(&fixture("values.yaml"))).unwrap(),
            config,
            manifest: &manifest,
        }));
    }

    /// The pods of release `name`, each pulling what `image` says for its block.
    fn pods(&self, name: &str, image: impl Fn(&str) -> String, waiting: Option<&str>) {
        let tools = image("matrixTools.image");
        let pods = [
            ("synapse-main", "synapse-main-0", vec![("main", image("synapse.image"))]),
            (
                "postgres",
                "postgres-0",
                vec![("main", image("postgres.image")), ("exporter", image("postgres.postgresExporter.image"))],
            ),
            ("hookshot", "hookshot-7d9f", vec![("main", image("hookshot.image"))]),
        ];
        for (instance, pod, containers) in pods {
            let mut all = vec![("render-config", tools.as_str())];
            all.extend(containers.iter().map(|(c, i)| (*c, i.as_str())));
            let instance = format!("{name}-{instance}");
            self.api.put(release_pod(NAMESPACE, &format!("{name}-{pod}"), &instance, &all, waiting));
        }
    }
}

/// The admin's values and then the overlay at `overlay`, as Helm stores them after
/// `helm upgrade -f admin.yaml -f overlay.yaml`.
fn admin_then(overlay: &Path) -> Value {
    stored_user_values(&[yaml_file(&fixture("admin.yaml")), yaml_file(overlay)])
}

/// `skopeo copy oci:BUNDLE:NAME oci:OUT:copied`: whether another tool finds NAME in the bundle.
fn skopeo_finds(bundle: &Path, name: &str) -> Result<(), String> {
    let out = tempfile::tempdir().unwrap();
    let output = Command::new("skopeo")
        .args(["copy", "--quiet", "--all", "--preserve-digests"])
        .arg(format!("oci:{}:{name}", bundle.display()))
        .arg(format!("oci:{}:copied", out.path().display()))
        .output()
        .expect("run skopeo");
    if output.status.success() { Ok(()) } else { Err(String::from_utf8_lossy(&output.stderr).into_owned()) }
}

/// The report names the chart packed by the tests, by its Chart.yaml's name, and its version.
fn assert_chart(report: &Value, version: &str) {
    assert_eq!(report["chart"], json!({"name": "matrix-stack", "version": version}));
}

fn image_of<'a>(report: &'a Value, path: &str) -> &'a Value {
    let images = report["images"].as_array().expect("images");
    images
        .iter()
        .find(|i| i["entries"].as_array().unwrap().iter().any(|e| e == path))
        .unwrap_or_else(|| panic!("{path} is not in {report:#}"))
}

#[test]
fn the_readme_helm_walkthrough_runs_whole_from_upstream_to_a_healthy_release() {
    let world = World::new();
    let host = world.local.host();

    // 1. Connected side: what would it take? The chart and its version named, image blocks counted.
    let plan = world.chart_run("plan", &["--offline", "-o", "json"]);
    assert_eq!(plan.code, 1, "nothing is in the local registry yet: {}", plan.stderr);
    let report = plan.json();
    assert_chart(&report, VERSION);
    let paths: Vec<&str> =
        report["images"].as_array().unwrap().iter().map(|i| i["entries"][0].as_str().unwrap()).collect();
    assert_eq!(paths, BLOCKS.map(|b| b.path), "every block of the chart, in the values' order");
    assert_eq!(report["disabled"], json!([SYN2MAS]), "admin.yaml enabled Hookshot; syn2mas stays off");

    // 2. Every image that runs into a bundle, through the internal upstream mirror.
    let bundle = world.path("bundle");
    let packed = world.pack_bundle(&bundle, &["-o", "json"]);
    assert_eq!(packed.code, 0, "{}\n{}", packed.stdout, packed.stderr);
    let packed = packed.json();
    let carried: Vec<&str> =
        packed["images"].as_array().unwrap().iter().map(|i| i["source"].as_str().unwrap()).collect();
    assert_eq!(carried.len(), BLOCKS.len() - 1, "{carried:#?}");
    assert!(carried.contains(&"docker.io/library/postgres:17-alpine"), "{carried:#?}");
    let names: Vec<String> = bundles::index(&bundle).into_iter().filter_map(|n| n.ref_name).collect();
    for block in BLOCKS.iter().filter(|b| b.path != SYN2MAS) {
        let name = format!("{}/{}:{}", block.registry, served_repository(block.registry, block.repository), block.tag);
        assert!(names.contains(&name), "{name} in the bundle: {names:#?}");
    }

    // 3. Air-gapped side: into the local registry, then the pull Secret and the overlay.
    let pushed = world.push_bundle(&bundle, &["-o", "json"]);
    assert_eq!(pushed.code, 0, "{}\n{}", pushed.stdout, pushed.stderr);
    let kubeconfig = world.kubeconfig();
    let overlay_file = world.path("overlay.yaml");
    let chart_ref = format!("oci://{host}/ess/matrix-stack");
    let overlay_path = overlay_file.display().to_string();
    let apply = world.chart_run(
        "apply",
        &["--kubeconfig", &kubeconfig, "-n", NAMESPACE, "--values-out", &overlay_path, "--chart-ref", &chart_ref],
    );
    assert_eq!(apply.code, 0, "{}\n{}", apply.stdout, apply.stderr);
    let admin = fixture("admin.yaml");
    let command = format!(
        "helm upgrade --install ess {chart_ref} --version {VERSION} --namespace {NAMESPACE} -f {} -f {overlay_path}",
        admin.display()
    );
    assert!(apply.stdout.contains(&format!("  {command}\n")), "{}", apply.stdout);
    assert!(!apply.stdout.contains("ghcr.io/element-hq/ess-helm"), "nothing points outside the gap: {}", apply.stdout);
    assert!(
        Kubectl::new(&world.api, Role::Admin).json(&["get", "secret", SECRET, "-n", NAMESPACE, "-o", "json"])["type"]
            == "kubernetes.io/dockerconfigjson"
    );

    // The overlay over the chart's values and admin.yaml passes the chart's schema, and every
    // image the chart renders from it (`registry/repository@digest`) is in the registry.
    let overlay = yaml_file(&overlay_file);
    let values = merged(&fixture("values.yaml"), &[yaml_file(&admin), overlay.clone()]);
    let errors = schema_errors(&fixture("values.schema.json"), &serde_json::to_value(&values).unwrap());
    assert!(errors.is_empty(), "{errors:#?}");
    for block in BLOCKS.iter().filter(|b| b.path != SYN2MAS) {
        let image = at(&values, block.path);
        let field = |name: &str| image[name].as_str().unwrap_or_default().to_owned();
        let rendered = format!("{}/{}@{}", field("registry"), field("repository"), field("digest"));
        assert_eq!(rendered, world.local_image(block.path), "{}", block.path);
        let reference = rendered.trim_start_matches(&format!("{host}/"));
        assert_eq!(world.served(reference).as_deref(), Some(field("digest").as_str()), "skopeo: {rendered}");
    }
    assert_eq!(at(&values, "postgres.image")["repository"], "ess/postgres", "the target path as the chart writes it");
    assert_eq!(
        at(&values, "image")["pullSecrets"],
        serde_yaml::to_value(json!([{"name": "corp-pull"}, {"name": SECRET}])).unwrap()
    );

    // 4. `helm upgrade --install ... -f admin.yaml -f overlay.yaml`, as Helm stores it; the pods
    // pull from the local registry; status of the release without any mapping flag holds.
    world.release("ess", 1, "deployed", admin_then(&overlay_file));
    world.pods("ess", |path| world.local_image(path), None);
    let status = world.release_status(&Plugin::new(), &[]);
    assert_eq!(status.code, 0, "{}\n{}", status.stdout, status.stderr);
    assert!(status.stdout.contains("Everything holds"), "{}", status.stdout);
    assert!(
        status.stdout.contains(&format!("Secret {SECRET}: exists (authenticates to {host})")),
        "the pull Secret's own login: {}",
        status.stdout
    );
    // The same check fails once a pod of the release pulls from upstream.
    world.pods(
        "ess",
        |path| {
            if path == "synapse.image" { "oci.element.io/synapse:v1.159.0".to_owned() } else { world.local_image(path) }
        },
        None,
    );
    let status = world.release_status(&Plugin::new(), &[]);
    assert_eq!(status.code, 1, "{}\n{}", status.stdout, status.stderr);
    assert!(
        status.stdout.contains("image oci.element.io/synapse:v1.159.0 does not come from the local registry"),
        "{}",
        status.stdout
    );
}

#[test]
fn postgres_is_fetched_as_library_postgres_named_so_in_the_bundle_and_kept_as_ess_postgres() {
    let world = World::new();
    // As on Docker Hub, the stand-in upstream has no one-segment `postgres`: only library/postgres.
    let upstream = &world.upstreams.registry;
    assert!(bundles::registry_raw(upstream, "docker.io/postgres:17-alpine").is_err());
    assert!(bundles::registry_raw(upstream, "docker.io/library/postgres:17-alpine").is_ok());
    upstream.clear_requests();
    let bundle = world.path("bundle");
    let packed = world.pack_bundle(&bundle, &["-o", "json"]);
    assert_eq!(packed.code, 0, "{}\n{}", packed.stdout, packed.stderr);
    // Upstream was asked for library/postgres only.
    let asked = world.upstreams.manifest_requests("docker.io", "library/postgres");
    assert!(asked.iter().any(|(status, tag)| *status == 200 && tag == "17-alpine"), "{asked:?}");
    assert_eq!(world.upstreams.manifest_requests("docker.io", "postgres"), vec![], "never the one-segment name");
    let digest = &world.upstream("postgres.image").digest;
    let packed = packed.json();
    let postgres = image_of(&packed, "postgres.image");
    assert_eq!(postgres["source"], "docker.io/library/postgres:17-alpine", "{postgres}");
    assert_eq!(postgres["digest"], digest.as_str());
    // Another tool finds it in the bundle by the name docker gives it.
    skopeo_finds(&bundle, "docker.io/library/postgres:17-alpine").unwrap();
    assert!(skopeo_finds(&bundle, "docker.io/postgres:17-alpine").is_err(), "not under the short name");

    // Inside the gap it lands where the chart's path says, under the prefix: ess/postgres.
    let pushed = world.push_bundle(&bundle, &["-o", "json"]);
    assert_eq!(pushed.code, 0, "{}\n{}", pushed.stdout, pushed.stderr);
    assert_eq!(world.served("ess/postgres:17-alpine").as_ref(), Some(digest));
    assert_eq!(world.served("ess/library/postgres:17-alpine"), None);
    let plan = world.chart_run("plan", &["--offline", "-o", "json"]);
    let report = plan.json();
    let postgres = image_of(&report, "postgres.image");
    assert_eq!(postgres["target"], format!("{}/ess/postgres:17-alpine", world.local.host()));
    assert_eq!(postgres["state"], "present");
    assert_eq!(report["helmValues"]["postgres"]["image"]["repository"], "ess/postgres");
}

#[test]
fn mirror_carries_disabled_components_only_when_asked_and_says_replaced_where_it_moved_a_tag() {
    let world = World::new();
    let debug = "ghcr.io/element-hq/matrix-authentication-service:1.23.0-debug";
    let bundle = world.path("bundle");
    let packed = world.pack_bundle(&bundle, &[]);
    assert_eq!(packed.code, 0, "{}\n{}", packed.stdout, packed.stderr);
    assert!(
        packed.stderr.contains(&format!(
            "not carried, as their components are disabled in the values (--include-disabled carries them): {debug}"
        )),
        "{}",
        packed.stderr
    );
    assert!(!packed.stdout.contains(debug), "{}", packed.stdout);
    assert!(skopeo_finds(&bundle, debug).is_err(), "syn2mas is disabled: not in the bundle");
    let asked = world.upstreams.manifest_requests("ghcr.io", "element-hq/matrix-authentication-service");
    assert!(!asked.iter().any(|(_, tag)| tag == "1.23.0-debug"), "not even asked for upstream: {asked:?}");

    // For components the admin may enable later: --include-disabled carries them too.
    let all = world.pack_bundle(&bundle, &["--include-disabled", "-o", "json"]);
    assert_eq!(all.code, 0, "{}\n{}", all.stdout, all.stderr);
    let report = all.json();
    assert_eq!(image_of(&report, SYN2MAS)["state"], "copied", "{report:#}");
    assert_eq!(image_of(&report, "synapse.image")["state"], "present", "the rest was there already");
    skopeo_finds(&bundle, debug).unwrap();

    // Inside the gap, the local tag of postgres holds an image copied by hand earlier.
    let stale = Image::build("a postgres copied by hand");
    stale.push(&world.local, "ess/postgres", "17-alpine", Copy::All);
    let pinned = world.upstream("postgres.image").digest.clone();
    let pushed = world.push_bundle(&bundle, &["-o", "json"]);
    assert_eq!(pushed.code, 0, "{}\n{}", pushed.stdout, pushed.stderr);
    let report = pushed.json();
    let postgres = image_of(&report, "postgres.image");
    assert_eq!(postgres["state"], "replaced", "{postgres}");
    assert_eq!(postgres["replaced"], stale.index_digest.as_str(), "the digest the tag held: {postgres}");
    assert_eq!(postgres["digest"], pinned.as_str());
    assert_eq!(image_of(&report, "synapse.image")["state"], "copied", "an empty tag is copied, not replaced");
    assert_eq!(image_of(&report, "synapse.image")["replaced"], Value::Null);
    assert_eq!(world.served("ess/postgres:17-alpine"), Some(pinned.clone()));

    // The table says so too: someone moves the tag back, and the next run moves it again.
    stale.push(&world.local, "ess/postgres", "17-alpine", Copy::All);
    let table = world.push_bundle(&bundle, &[]);
    assert_eq!(table.code, 0, "{}\n{}", table.stdout, table.stderr);
    let lines: Vec<&str> = table.stdout.lines().collect();
    let index = lines
        .iter()
        .position(|l| l.starts_with("replaced ") && l.contains("postgres:17-alpine"))
        .unwrap_or_else(|| {
            panic!("no replaced line for postgres:\n{}", table.stdout);
        });
    assert_eq!(
        lines[index + 1].trim(),
        format!("the tag held {} before: it now holds the pinned image", stale.index_digest),
        "{}",
        table.stdout
    );
    assert!(lines.iter().filter(|l| l.starts_with("replaced ")).count() == 1, "{}", table.stdout);
}

#[test]
fn disabled_blocks_are_listed_not_counted_and_reports_name_the_chart_and_count_image_blocks() {
    let world = World::new();
    world.mirror_all();
    let debug = world.upstream(SYN2MAS);
    essregistry_testbed::images::delete(&world.local, "ess/element-hq/matrix-authentication-service", &debug.digest);
    assert_eq!(world.served("ess/element-hq/matrix-authentication-service:1.23.0-debug"), None);

    // Only the disabled syn2mas image is missing: listed, not counted, exit 0.
    let table = world.chart_run("plan", &["--offline"]);
    assert_eq!(table.code, 0, "{}\n{}", table.stdout, table.stderr);
    let chart_line = table.stdout.lines().next().unwrap();
    assert!(chart_line.starts_with(&format!("Chart: matrix-stack {VERSION} (")), "{}", table.stdout);
    assert!(chart_line.ends_with(&format!(" (version {VERSION})")), "{}", table.stdout);
    assert!(table.stdout.contains(&format!("{SYN2MAS} (disabled)")), "{}", table.stdout);
    let summary = table.stdout.lines().last().unwrap();
    assert_eq!(
        summary,
        format!(
            "13 images for 14 image blocks: 13 present, 0 mismatch, 0 missing, 0 unauthorized, 0 error. 13 of 13 images ready; every image block will pull from {}. Not counted, disabled in the values (--include-disabled counts them): {SYN2MAS}.",
            world.local.host()
        )
    );
    let json = world.chart_run("plan", &["--offline", "-o", "json"]);
    assert_eq!(json.code, 0, "{}", json.stderr);
    let report = json.json();
    assert_chart(&report, VERSION);
    assert_eq!(report["disabled"], json!([SYN2MAS]));
    assert_eq!(report["stillUpstream"], json!([]));
    assert_eq!(image_of(&report, SYN2MAS)["state"], "missing", "checked and shown all the same");
    assert!(report.get("installer").is_none(), "{report:#}");
    let overlay = world.chart_run("plan", &["--offline", "-o", "values"]);
    assert!(!overlay.stdout.contains("Not ready"), "a disabled component pulls nothing: {}", overlay.stdout);

    // Asked to count them, for an admin who pre-mirrors what may be enabled later: exit 1.
    let counted = world.chart_run("plan", &["--offline", "--include-disabled", "-o", "json"]);
    assert_eq!(counted.code, 1, "{}", counted.stderr);
    assert_eq!(counted.json()["stillUpstream"], json!([SYN2MAS]));

    // A bare values.yaml names the chart without a version.
    let admin = fixture("admin.yaml");
    let values = fixture("values.yaml");
    let mut bare: Vec<String> =
        ["plan", "--chart", values.to_str().unwrap(), "--values", admin.to_str().unwrap()].map(str::to_owned).into();
    bare.extend(world.local_args());
    bare.extend(["--path-prefix", "ess", "--offline"].map(str::to_owned));
    let run = world.run(&strs(&bare));
    let chart_line = run.stdout.lines().next().unwrap();
    assert!(
        chart_line.starts_with("Chart: ") && chart_line.ends_with(" (version unknown: a bare values.yaml)"),
        "{}",
        run.stdout
    );
    bare.extend(["-o", "json"].map(str::to_owned));
    assert_eq!(world.run(&strs(&bare)).json()["chart"]["version"], Value::Null);

    // apply and status of a Helm input speak of the chart, never of the installer.
    let kubeconfig = world.kubeconfig();
    let out = world.path("overlay.yaml");
    let apply = world.chart_run(
        "apply",
        &["--kubeconfig", &kubeconfig, "-n", NAMESPACE, "--values-out", out.to_str().unwrap(), "-o", "json"],
    );
    assert_eq!(apply.code, 0, "{}", apply.stderr);
    let report = apply.json();
    assert!(report.get("installer").is_none(), "{report:#}");
    assert_eq!(report["chart"]["version"], VERSION);
    assert!(report["helm"]["command"].as_str().unwrap().contains(&format!("--version {VERSION}")), "{report:#}");
    world.release("ess", 1, "deployed", admin_then(&out));
    world.pods("ess", |path| world.local_image(path), None);
    let status = world.release_status(&world.plugin, &["-o", "json"]);
    assert!(status.json().get("installer").is_none(), "{}", status.stdout);
    assert_eq!(status.code, 0, "{}\n{}", status.stdout, status.stderr);
}

/// The kubeconfig of the tests' API server with its context's namespace set to `namespace`
/// (None: no namespace in the context).
fn kubeconfig_in(world: &World, namespace: Option<&str>) -> String {
    let path = world.api.kubeconfig(Role::Admin);
    let text = std::fs::read_to_string(&path).unwrap();
    let line = "\n    namespace: element-onprem\n";
    assert!(text.contains(line), "{text}");
    let context = namespace.map_or("\n".to_owned(), |ns| format!("\n    namespace: {ns}\n"));
    let name = format!("kubeconfig-{}", namespace.unwrap_or("none"));
    let changed = world.path(&name);
    std::fs::write(&changed, text.replace(line, &context)).unwrap();
    changed.display().to_string()
}

#[test]
fn the_helm_command_names_the_release_the_local_chart_and_its_version_or_says_why_it_cannot() {
    let world = World::new();
    world.mirror_all();
    let kubeconfig = world.kubeconfig();
    let out = world.path("overlay.yaml");
    let out = out.to_str().unwrap();
    let chart_ref = format!("oci://{}/ess/matrix-stack", world.local.host());
    let admin = fixture("admin.yaml");
    let admin = admin.to_str().unwrap();
    let apply = |extra: &[&str]| {
        world
            .chart_run("apply", &[&["--kubeconfig", &kubeconfig, "-n", NAMESPACE, "--values-out", out], extra].concat())
    };
    let line = |release: &str| {
        format!(
            "  helm upgrade --install {release} {chart_ref} --version {VERSION} --namespace {NAMESPACE} -f {admin} -f {out}\n"
        )
    };

    // A bare values.yaml carries no version: no command, but why and the flag that gives one.
    let values = fixture("values.yaml");
    let mut bare: Vec<String> =
        ["apply", "--chart", values.to_str().unwrap(), "--values", admin].map(str::to_owned).into();
    bare.extend(world.local_args());
    bare.extend(
        ["--path-prefix", "ess", "--kubeconfig", &kubeconfig, "-n", NAMESPACE, "--values-out", out].map(str::to_owned),
    );
    bare.extend(["--chart-ref".to_owned(), chart_ref.clone()]);
    let run = world.run(&strs(&bare));
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    assert!(!run.stdout.contains("helm upgrade"), "{}", run.stdout);
    assert!(run.stdout.contains("No helm command can be printed yet:\n"), "{}", run.stdout);
    let note = run.stdout.lines().find(|l| l.trim_start().starts_with("note: ")).unwrap_or_default();
    assert!(note.contains("no chart version") && note.contains("installs the newest chart"), "{}", run.stdout);
    assert!(note.contains("pass --version VERSION"), "the fix: {}", run.stdout);
    bare.extend(["--version", VERSION].map(str::to_owned));
    let given = world.run(&strs(&bare));
    let command = format!(
        "  helm upgrade --install ess {chart_ref} --version {VERSION} --namespace {NAMESPACE} -f {admin} -f {out}\n"
    );
    assert!(given.stdout.contains(&command), "{}", given.stdout);

    // The archive carries its version; with no release of the chart deployed, ESS's name.
    let run = apply(&["--chart-ref", &chart_ref]);
    assert!(run.stdout.contains(&line("ess")), "{}", run.stdout);
    let run = apply(&[]);
    assert!(
        run.stdout.contains(&format!("helm upgrade --install ess {} --version {VERSION}", world.archive.display())),
        "{}",
        run.stdout
    );
    // The release the values are for, when the admin names it.
    let run = apply(&["--chart-ref", &chart_ref, "--release-name", "chat"]);
    assert!(run.stdout.contains(&line("chat")), "{}", run.stdout);
    // Else the one release of matrix-stack deployed in the namespace.
    world.release("matrix", 1, "superseded", json!({}));
    world.release("matrix", 2, "deployed", json!({}));
    let run = apply(&["--chart-ref", &chart_ref, "-o", "json"]);
    assert_eq!(run.json()["helm"]["command"].as_str().map(|c| format!("  {c}\n")), Some(line("matrix")));
    // Two of them: which one cannot be guessed.
    world.release("staging", 1, "deployed", json!({}));
    let run = apply(&["--chart-ref", &chart_ref]);
    assert!(!run.stdout.contains("helm upgrade"), "{}", run.stdout);
    assert!(
        run.stdout.contains(&format!(
            "several releases of the chart are deployed in namespace {NAMESPACE} (matrix, staging): pass --release-name NAME"
        )),
        "{}",
        run.stdout
    );

    // A client dry run writes nothing and shows the overlay and the command.
    std::fs::remove_file(out).unwrap();
    let dry = apply(&["--chart-ref", &chart_ref, "--release-name", "chat", "--dry-run=client"]);
    assert_eq!(dry.code, 0, "{}\n{}", dry.stdout, dry.stderr);
    assert!(!Path::new(out).exists(), "a dry run writes no overlay");
    assert!(dry.stdout.contains(&format!("secret/{SECRET} created (dry run)")), "{}", dry.stdout);
    assert!(
        dry.stdout.contains(&format!("The values overlay, for {out} (not written: client dry run):\n")),
        "{}",
        dry.stdout
    );
    assert!(dry.stdout.contains("      repository: ess/postgres\n"), "{}", dry.stdout);
    assert!(dry.stdout.contains(&line("chat")), "{}", dry.stdout);
    let yaml = apply(&["--chart-ref", &chart_ref, "--release-name", "chat", "--dry-run=client", "-o", "yaml"]);
    assert_eq!(yaml.code, 0, "{}", yaml.stderr);
    let documents: Vec<serde_yaml::Value> =
        serde_yaml::Deserializer::from_str(&yaml.stdout).map(|d| serde::Deserialize::deserialize(d).unwrap()).collect();
    assert_eq!(documents.len(), 2, "the Secret, then the overlay: {}", yaml.stdout);
    assert_eq!(documents[0]["kind"], "Secret");
    let overlay = documents[1].as_mapping().unwrap();
    assert_eq!(at(overlay, "postgres.image")["repository"], "ess/postgres");
    assert_eq!(at(overlay, "synapse.image")["digest"].as_str(), Some(world.upstream("synapse.image").digest.as_str()));
    assert!(yaml.stdout.contains(&format!("# {}", line("chat").trim_start())), "{}", yaml.stdout);
    assert!(!Path::new(out).exists());
}

#[test]
fn in_helm_mode_the_namespace_is_the_contexts_else_default_and_a_missing_one_is_named_once() {
    let world = World::new();
    world.mirror_all();
    world.api.put(json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "default"}}));
    let out = world.path("overlay.yaml");
    let out = out.to_str().unwrap();
    let apply = |kubeconfig: &str, extra: &[&str]| {
        world.chart_run("apply", &[&["--kubeconfig", kubeconfig, "--values-out", out], extra].concat())
    };

    // No namespace in the context: helm's and kubectl's `default`, not the installer's.
    let run = apply(&kubeconfig_in(&world, None), &[]);
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    assert!(world.api.get("secrets", "default", SECRET).is_some(), "{}", run.stdout);
    assert!(world.api.get("secrets", "element-onprem", SECRET).is_none());
    assert!(run.stdout.contains(" --namespace default "), "{}", run.stdout);
    // The context's namespace when it names one.
    let run = apply(&kubeconfig_in(&world, Some(NAMESPACE)), &[]);
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    assert!(world.api.get("secrets", NAMESPACE, SECRET).is_some(), "{}", run.stdout);
    assert!(run.stdout.contains(&format!(" --namespace {NAMESPACE} ")), "{}", run.stdout);

    // A namespace that does not exist: refused, and named once.
    let run = apply(&world.kubeconfig(), &["-n", "nowhere"]);
    assert_eq!(run.code, 5, "{}\n{}", run.stdout, run.stderr);
    assert!(run.stderr.contains("nowhere"), "{}", run.stderr);
    assert!(!run.stderr.contains("namespace nowhere in namespace nowhere"), "{}", run.stderr);
    let error = run.stderr.lines().find(|l| l.starts_with("error: ")).unwrap_or_default();
    assert_eq!(error.matches("namespace nowhere").count(), 1, "{}", run.stderr);
    let run = world.run(&[
        "plan",
        "--release",
        "ess",
        "--kubeconfig",
        &kubeconfig_in(&world, None),
        "--registry",
        &world.local.host(),
    ]);
    assert_eq!(run.code, 5, "{}", run.stderr);
    assert!(run.stderr.contains("no Helm release ess in namespace default"), "{}", run.stderr);
}

#[test]
fn a_release_gets_a_reuse_values_overlay_and_status_reports_what_it_can_when_the_registry_refuses() {
    let world = World::new();
    world.mirror_all();
    let kubeconfig = world.kubeconfig();
    let chart_ref = format!("oci://{}/ess/matrix-stack", world.local.host());
    let admin = stored_user_values(&[yaml_file(&fixture("admin.yaml"))]);
    world.release("ess", 1, "deployed", admin.clone());

    // The overlay written from a release is laid with --reuse-values: its header and the
    // command printed with it say so, and neither asks for the admin's files.
    let out = world.path("overlay.yaml");
    let mut args: Vec<String> =
        ["apply", "--release", "ess", "--kubeconfig", &kubeconfig, "-n", NAMESPACE].map(str::to_owned).into();
    args.extend(world.local_args());
    args.extend(
        ["--path-prefix", "ess", "--values-out", out.to_str().unwrap(), "--chart-ref", &chart_ref].map(str::to_owned),
    );
    let run = world.run(&strs(&args));
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    let command = format!(
        "  helm upgrade --install ess {chart_ref} --version {VERSION} --namespace {NAMESPACE} --reuse-values -f {}\n",
        out.display()
    );
    assert!(run.stdout.contains(&command), "{}", run.stdout);
    let written = std::fs::read_to_string(&out).unwrap();
    let header: Vec<&str> = written.lines().take_while(|l| l.starts_with('#')).collect();
    assert!(header.iter().any(|l| l.contains("--reuse-values -f this-file.yaml")), "{header:#?}");
    assert!(!header.iter().any(|l| l.contains("-f yours.yaml")), "{header:#?}");
    // Without --chart-ref the command names Element's chart, and says it cannot be pulled here.
    args.truncate(args.len() - 2);
    args.extend(["-o", "json"].map(str::to_owned));
    let run = world.run(&strs(&args));
    let note = run.json()["helm"]["note"].as_str().unwrap_or_default().to_owned();
    assert!(note.contains("cannot be pulled inside the air gap: pass --chart-ref"), "{}", run.stdout);

    // Helm's revision 2 of that command; then the pull Secret goes, the pods back off, and the
    // registry refuses the credentials given: every other problem is still reported, exit 3.
    world.release("ess", 1, "superseded", admin.clone());
    world.release("ess", 2, "deployed", stored_user_values(&[yaml_file(&fixture("admin.yaml")), yaml_file(&out)]));
    world.pods("ess", |path| world.local_image(path), Some("ImagePullBackOff"));
    let kubectl = Kubectl::new(&world.api, Role::Admin);
    let (code, _, stderr) = kubectl.run(&["delete", "secret", SECRET, "-n", NAMESPACE], "");
    assert_eq!(code, 0, "{stderr}");
    let refused = world.release_status(
        &Plugin::new().env("ESSREGISTRY_USERNAME", USER).env("ESSREGISTRY_PASSWORD", "wrong"),
        &["-o", "json"],
    );
    assert_eq!(refused.code, 3, "{}\n{}", refused.stdout, refused.stderr);
    let report = refused.json();
    let problems: Vec<&str> = report["problems"].as_array().unwrap().iter().map(|p| p.as_str().unwrap()).collect();
    let expect = |needle: &str| assert!(problems.iter().any(|p| p.contains(needle)), "{needle}: {problems:#?}");
    expect("the registry's images were not checked");
    expect(&format!("the pull Secret {NAMESPACE}/{SECRET} does not exist"));
    expect(&format!(
        "pod ess-synapse-main-0 container main: image {} is in ImagePullBackOff",
        world.local_image("synapse.image")
    ));
    expect(&format!(
        "pod ess-postgres-0 container exporter: image {} is in ImagePullBackOff",
        world.local_image("postgres.postgresExporter.image")
    ));
    assert!(report.get("installer").is_none(), "{report:#}");
}

#[test]
fn the_chart_itself_crosses_the_gap_and_the_helm_command_installs_it_from_the_local_registry() {
    let world = World::new();
    let metadata = json!({"apiVersion": "v2", "name": "matrix-stack", "version": VERSION});
    let published = push_chart(
        &world.upstreams.registry,
        "ghcr.io/element-hq/ess-helm/matrix-stack",
        VERSION,
        &world.archive,
        &metadata,
    );
    let admin = fixture("admin.yaml");
    let chart = |reference: &str| -> Vec<String> {
        ["--chart", reference, "--version", VERSION, "--values", admin.to_str().unwrap()].map(str::to_owned).into()
    };
    let upstream_chart = "oci://ghcr.io/element-hq/ess-helm/matrix-stack";

    // Connected side: the chart as Element publishes it, read through the internal mirror, and
    // carried in the bundle with the images its values run.
    let bundle = world.path("bundle");
    let mut args = vec!["mirror".to_owned()];
    args.extend(chart(upstream_chart));
    args.extend(["--to-bundle".to_owned(), bundle.display().to_string(), "-o".to_owned(), "json".to_owned()]);
    args.extend(world.upstreams.source_mirror_args());
    let packed = world.run(&strs(&args));
    assert_eq!(packed.code, 0, "{}\n{}", packed.stdout, packed.stderr);
    let report = packed.json();
    let carried = report["images"].as_array().unwrap();
    let the_chart = carried.iter().find(|i| i["entries"] == json!(["the Helm chart"])).expect("the chart is carried");
    assert_eq!(the_chart["digest"], published.as_str(), "{report:#}");
    assert_eq!(carried.len(), BLOCKS.len(), "13 images that run, and the chart: {report:#}");

    // Air-gapped side: images and chart into the local registry, read from the bundle alone.
    let mut args = vec!["mirror".to_owned()];
    args.extend(chart(upstream_chart));
    args.extend(["--from-bundle".to_owned(), bundle.display().to_string()]);
    args.extend(world.local_args());
    args.extend(["--path-prefix", "ess"].map(str::to_owned));
    let landed = world.run(&strs(&args));
    assert_eq!(landed.code, 0, "{}\n{}", landed.stdout, landed.stderr);
    assert_eq!(world.served(&format!("ess/element-hq/ess-helm/matrix-stack:{VERSION}")), Some(published.clone()));

    // apply reads the chart from the local registry, and the command installs that copy.
    let local_chart = format!("oci://{}/ess/element-hq/ess-helm/matrix-stack", world.local.host());
    let out = world.path("overlay.yaml");
    let kubeconfig = world.kubeconfig();
    let mut args = vec!["apply".to_owned()];
    args.extend(chart(&local_chart));
    args.extend(world.local_args());
    args.extend(
        ["--path-prefix", "ess", "--kubeconfig", &kubeconfig, "-n", NAMESPACE, "--values-out", out.to_str().unwrap()]
            .map(str::to_owned),
    );
    let applied = world.run(&strs(&args));
    assert_eq!(applied.code, 0, "{}\n{}", applied.stdout, applied.stderr);
    let command = format!(
        "helm upgrade --install ess {local_chart} --version {VERSION} --namespace {NAMESPACE} -f {} -f {}",
        admin.display(),
        out.display()
    );
    assert!(applied.stdout.contains(&command), "{}", applied.stdout);
    assert!(!applied.stdout.contains("ghcr.io"), "nothing the gap cannot reach: {}", applied.stdout);
    let values = merged(&fixture("values.yaml"), &[yaml_file(&admin), yaml_file(&out)]);
    assert!(schema_errors(&fixture("values.schema.json"), &serde_json::to_value(&values).unwrap()).is_empty());
}

/// A client dry run reads nothing from the cluster, so it cannot know the release deployed: it
/// asks for `--release-name` rather than print a line that would install a second release.
#[test]
fn a_client_dry_run_names_the_release_the_real_apply_would() {
    let world = World::new();
    world.mirror_all();
    world.release("matrix", 1, "deployed", json!({}));
    let (kubeconfig, out) = (world.kubeconfig(), world.path("overlay.yaml"));
    let apply = |extra: &[&str]| {
        let base = ["--kubeconfig", &kubeconfig, "-n", NAMESPACE, "--values-out", out.to_str().unwrap()];
        world.chart_run("apply", &[&base[..], extra].concat())
    };
    let real = apply(&["--dry-run=server"]);
    assert!(real.stdout.contains("helm upgrade --install matrix "), "{}", real.stdout);
    let client = apply(&["--dry-run=client"]);
    let named_matrix = client.stdout.contains("helm upgrade --install matrix ");
    let asks_for_the_name =
        !client.stdout.contains("helm upgrade --install") && client.stdout.contains("--release-name");
    assert!(named_matrix || asks_for_the_name, "{}", client.stdout);
}

/// The report's `chart.name` is the chart's (its Chart.yaml's), not a description of the input.
#[test]
fn the_report_names_the_chart_by_its_name() {
    let world = World::new();
    let plan = world.chart_run("plan", &["--offline", "-o", "json"]);
    assert_eq!(plan.json()["chart"], json!({"name": "matrix-stack", "version": VERSION}), "{}", plan.stdout);
}
