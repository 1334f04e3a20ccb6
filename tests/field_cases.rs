//! Field bugs of issue 17, as the user meets them, each asserted as it must behave once fixed:
//! `status` on registries whose HEAD lies (Nexus, ECR); a disk that fills up under an archive
//! bundle; refusals that can never change (a front's 413, Harbor's missing project) sent once
//! and explained, while a 503 is still retried; flags given before the subcommand; and Helm's
//! `-f` next to `--chart`. Real registries, the fault proxy, the tests' API server.

mod support;

use essregistry_testbed::apiserver::{ApiServer, Role};
use essregistry_testbed::disk::SmallDisk;
use essregistry_testbed::faults::{Fault, FaultProxy, Profile, Rule, Seen};
use essregistry_testbed::images::{Copy, FamilySpec};
use essregistry_testbed::registry::{Registry, RegistryConfig};
use essregistry_testbed::scenario::{ESS, Mirrored, Scenario};
use essregistry_testbed::upstream::{Entry, Upstreams};
use serde_json::Value;
use std::collections::HashMap;
use support::mirror_world::{World, reported};
use support::{Plugin, Run, strs};

const USER: &str = "ess-mirror";
const PASSWORD: &str = "Mirr0r-pa55";

fn states(report: &Value) -> Vec<String> {
    let images = report["images"].as_array().unwrap_or_else(|| panic!("no images[] in {report:#}"));
    images.iter().map(|i| i["state"].as_str().unwrap_or_default().to_owned()).collect()
}

fn summary(seen: &[Seen]) -> Vec<String> {
    seen.iter().map(|r| format!("{} {} {}", r.method, r.path, r.status)).collect()
}

// 1. `status` on a registry whose HEAD of a manifest is no answer.

/// haproxy and element-web (both mirrored right) in a registry of `profile`'s product, the
/// proxy that makes it answer as that product does, and the tests' API server.
struct Cluster {
    scenario: Scenario,
    proxy: FaultProxy,
    api: ApiServer,
    plugin: Plugin,
}

impl Cluster {
    fn new(profile: Profile) -> Cluster {
        let ready: Vec<Mirrored> = ESS.into_iter().filter(|m| m.copy == Some(Copy::All)).collect();
        let scenario = Scenario::seed(Registry::start(profile.registry(USER, PASSWORD)), &ready);
        let proxy = FaultProxy::with_profile(&scenario.registry.host(), profile);
        let plugin = Plugin::new().env("ESSREGISTRY_USERNAME", USER).env("ESSREGISTRY_PASSWORD", PASSWORD);
        Cluster { scenario, proxy, api: ApiServer::start(), plugin }
    }

    fn kubeconfig(&self) -> String {
        self.api.kubeconfig(Role::Admin).display().to_string()
    }

    /// `COMMAND -f FILE --registry PROXY --path-prefix ess --kubeconfig K`, then `extra`.
    fn run(&self, command: &str, extra: &[&str]) -> Run {
        let kubeconfig = self.kubeconfig();
        let extra = [&["--kubeconfig", kubeconfig.as_str()], extra].concat();
        let args = self.scenario.args_at(&self.proxy.host(), self.proxy.registry_flags(), command, &extra);
        self.plugin.run(&strs(&args))
    }

    /// `status -o json`: the registry and what to check come from the ConfigMap apply wrote.
    fn status(&self) -> Run {
        let kubeconfig = self.kubeconfig();
        let mut args: Vec<String> =
            ["status", "--kubeconfig", &kubeconfig, "-o", "json"].iter().map(|s| s.to_string()).collect();
        args.extend(self.proxy.registry_flags());
        self.plugin.run(&strs(&args))
    }
}

/// plan says present, apply writes, and status agrees with plan: exit 0, every image present.
fn status_agrees_with_plan(profile: Profile) {
    let cluster = Cluster::new(profile);
    let plan = cluster.run("plan", &["-o", "json"]);
    assert_eq!(plan.code, 0, "{profile:?}: plan\n{}\n{}", plan.stdout, plan.stderr);
    assert!(states(&plan.json()).iter().all(|s| s == "present"), "{profile:?}: plan {}", plan.stdout);

    let apply = cluster.run("apply", &[]);
    assert_eq!(apply.code, 0, "{profile:?}: apply\n{}\n{}", apply.stdout, apply.stderr);
    assert!(cluster.api.get("configmaps", "element-onprem", "ess-images-digests").is_some(), "{}", apply.stdout);
    assert!(cluster.api.get("secrets", "element-onprem", "ess-local-registry").is_some(), "{}", apply.stdout);

    let before = cluster.proxy.requests().len();
    let status = cluster.status();
    let asked: Vec<Seen> = cluster.proxy.requests().split_off(before);
    let refused_head = if profile == Profile::Nexus { 404 } else { 405 };
    assert!(
        asked.iter().any(|r| r.method == "HEAD" && r.path.contains("/manifests/") && r.status == refused_head),
        "{profile:?}: status met the product's HEAD ({refused_head}), or this test shows nothing: {:#?}",
        summary(&asked)
    );
    let report = status.json();
    let states = states(&report);
    assert!(
        !states.is_empty() && states.iter().all(|s| s == "present"),
        "{profile:?}: status must find what plan found (HEAD's {} proves nothing until GET agrees): {states:?}\n{}\n{}",
        if profile == Profile::Nexus { "404 page" } else { "405" },
        status.stdout,
        status.stderr
    );
    assert_eq!(status.code, 0, "{profile:?}: status\n{}\n{}", status.stdout, status.stderr);
    assert!(
        asked.iter().any(|r| r.method == "GET" && r.path.contains("/manifests/") && r.status == 200),
        "{profile:?}: status read the manifests by GET: {:#?}",
        summary(&asked)
    );
}

#[test]
fn status_on_nexus_finds_the_images_plan_found_and_exits_0() {
    status_agrees_with_plan(Profile::Nexus);
}

#[test]
fn status_on_ecr_finds_the_images_plan_found_and_exits_0() {
    status_agrees_with_plan(Profile::Ecr);
}

// 2. A full disk under a bundle.

/// Five upstream images of 2.5 MiB each (one incompressible layer of their own): 12.5 MiB,
/// which an 8 MiB disk cannot hold.
fn big_upstreams() -> Upstreams {
    let spec = FamilySpec {
        members: 5,
        base_layers: vec![64 * 1024],
        own_layer: 5 * 512 * 1024,
        architectures: vec!["amd64"],
        gzip: true,
    };
    Upstreams::ess(&spec).0
}

const DISK: &str = "8m";

fn small_disk() -> Option<SmallDisk> {
    match SmallDisk::mount(DISK) {
        Ok(disk) => Some(disk),
        Err(why) => {
            eprintln!("SKIPPED: a full disk needs a tmpfs, which needs root: {why}");
            None
        }
    }
}

/// `mirror --to-bundle` into `bundle` on a disk without the room: refused before the first
/// blob, exit 1, the bytes needed and free both named, nothing of the bundle written. Returns
/// what it said.
fn refused_for_room(upstreams: &Upstreams, bundle: &std::path::Path, staging: &std::path::Path) -> String {
    upstreams.registry.clear_requests();
    let run = Plugin::new().run(&strs(&upstreams.to_bundle_args(bundle, &[])));
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
    assert!(run.stderr.contains("not enough disk space for the bundle: it needs"), "{}", run.stderr);
    assert!(run.stderr.contains("free") && run.stderr.contains("MiB"), "both figures: {}", run.stderr);
    assert!(!bundle.exists() && !staging.exists(), "nothing of the bundle is written");
    let blobs = upstreams.registry.requests().into_iter().filter(|r| r.method == "GET" && r.path.contains("/blobs/"));
    assert_eq!(blobs.count(), 0, "no blob was fetched");
    run.stderr
}

#[test]
fn a_folder_bundle_the_disk_cannot_hold_is_refused_before_its_first_blob() {
    let upstreams = big_upstreams();
    let Some(disk) = small_disk() else { return };
    let bundle = disk.path().join("bundle");
    let said = refused_for_room(&upstreams, &bundle, &bundle);
    assert!(said.contains("for the blobs still needed in"), "{said}");
    // An empty folder made for it beforehand is left empty.
    std::fs::create_dir(&bundle).unwrap();
    let run = Plugin::new().run(&strs(&upstreams.to_bundle_args(&bundle, &[])));
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(std::fs::read_dir(&bundle).unwrap().count(), 0, "nothing written into the empty folder");
}

#[test]
fn an_archive_bundle_the_disk_cannot_hold_is_refused_and_leaves_no_archive() {
    let upstreams = big_upstreams();
    let Some(disk) = small_disk() else { return };
    let archive = disk.path().join("b.tar");
    refused_for_room(&upstreams, &archive, &disk.path().join("b.tar.d"));
}

/// Every blob would fit, but not the archive packed beside them: refused before the first
/// blob too, the archive's share named; the same images as a folder fit and are written.
#[test]
fn a_disk_with_room_for_the_blobs_but_not_their_archive_refuses_the_archive_alone() {
    let upstreams = big_upstreams();
    let Ok(disk) = SmallDisk::mount("20m") else { return };
    let archive = disk.path().join("b.tar");
    let said = refused_for_room(&upstreams, &archive, &disk.path().join("b.tar.d"));
    assert!(said.contains("for the archive packed from them"), "{said}");
    let folder = Plugin::new().run(&strs(&upstreams.to_bundle_args(&disk.path().join("bundle"), &[])));
    assert_eq!(folder.code, 0, "{}\n{}", folder.stdout, folder.stderr);
    drop(disk);
}

/// Inside the air gap the input is the bundle: the fix copies from it, never from upstream.
#[test]
fn plan_on_a_bundle_fixes_with_mirror_from_the_bundle() {
    let world = World::new();
    let scratch = tempfile::tempdir().unwrap();
    let bundle = world.bundle(scratch.path());
    let run = Plugin::new().run(&strs(&essregistry_testbed::upstream::plan_args(&bundle, &world.target.host(), &[])));
    assert_eq!(run.code, 1, "nothing is in the target yet: {}", run.stderr);
    let command = run.json()["mirrorCommand"].as_str().unwrap_or_default().to_owned();
    let from =
        format!("kubectl essregistry mirror --from-bundle {} --registry {}", bundle.display(), world.target.host());
    assert!(command.starts_with(&from), "{command}");
    assert!(!command.contains(" -f "), "{command}");
    let mut table_args = essregistry_testbed::upstream::plan_args(&bundle, &world.target.host(), &[]);
    let format = table_args.iter().position(|a| a == "json").expect("-o json");
    table_args[format] = "table".to_owned();
    let table = Plugin::new().run(&strs(&table_args));
    let once = "fix: kubectl essregistry mirror --from-bundle";
    assert_eq!(table.stdout.matches(once).count(), 1, "the mirror command once:\n{}\n{}", table.stdout, table.stderr);
    let pushed = Plugin::new().run(&strs(&command.split(' ').skip(2).map(str::to_owned).collect::<Vec<_>>()));
    assert_eq!(pushed.code, 0, "the printed command works: {}\n{}", pushed.stdout, pushed.stderr);
}

// 3. Refusals that can never change are sent once, and say what to do; a 503 is retried.

/// `mirror` straight from upstream into the registry behind `proxy` (`--path-prefix ess`).
fn mirror_through(world: &World, proxy: &FaultProxy) -> Run {
    Plugin::new().run(&strs(&world.upstreams.mirror_args(&proxy.host(), &["-o", "json"])))
}

fn leak(text: String) -> &'static str {
    text.leak()
}

/// `/v2/ess/PATH/blobs/uploads/`: where `image`'s blobs are uploaded.
fn uploads(image: &Entry) -> &'static str {
    leak(format!("/v2/{}/blobs/uploads/", image.target_repo()))
}

/// The digest a blob upload's final `PUT ...?digest=` names.
fn put_digest(path: &str) -> Option<String> {
    let query = path.split_once('?')?.1;
    let digest = query.split('&').find_map(|pair| pair.strip_prefix("digest="))?;
    Some(digest.replace("%3A", ":").replace("%3a", ":"))
}

/// How often each blob's final `PUT` went to `uploads`.
fn puts_per_blob(seen: &[Seen], uploads: &str) -> HashMap<String, Vec<u16>> {
    let mut puts: HashMap<String, Vec<u16>> = HashMap::new();
    for request in seen.iter().filter(|r| r.method == "PUT" && r.path.starts_with(uploads)) {
        let digest = put_digest(&request.path).unwrap_or_else(|| panic!("a PUT without ?digest=: {}", request.path));
        puts.entry(digest).or_default().push(request.status);
    }
    puts
}

fn all_output(run: &Run) -> String {
    format!("{}\n{}", run.stdout, run.stderr)
}

#[test]
fn a_503_on_the_upload_post_or_put_is_retried_and_the_image_lands() {
    let world = World::new();
    let images = world.images();
    let hookshot = &images[3];
    assert!(hookshot.path.ends_with("matrix-hookshot"), "{hookshot:?}");
    let unavailable = Fault::Status { code: 503, retry_after: None };
    for method in ["PUT", "POST"] {
        let target = Registry::start(RegistryConfig::default());
        let proxy = FaultProxy::start(&target.host());
        proxy.add(Rule { path: uploads(hookshot), method: Some(method), fault: unavailable.clone(), times: Some(1) });
        let run = mirror_through(&world, &proxy);
        let seen = proxy.requests();
        assert_eq!(run.code, 0, "a 503 on {method} is retried:\n{}\n{}\n{:#?}", run.stdout, run.stderr, summary(&seen));
        assert_eq!(reported(&run.json(), hookshot)["state"], "copied");
        let refused: Vec<&Seen> = seen.iter().filter(|r| r.status == 503).collect();
        assert_eq!(refused.len(), 1, "{:#?}", summary(&seen));
        let again = seen.iter().filter(|r| r.method == method && r.path.starts_with(uploads(hookshot)));
        if method == "PUT" {
            let digest = put_digest(&refused[0].path).unwrap();
            let sent = puts_per_blob(&seen, uploads(hookshot)).remove(&digest).unwrap_or_default();
            assert!(sent.len() > 1 && sent.contains(&201), "the PUT of {digest} was sent again: {sent:?}");
        } else {
            assert!(
                again.filter(|r| r.at > refused[0].at).count() > 0,
                "the POST was sent again: {:#?}",
                summary(&seen)
            );
        }
    }
}

#[test]
fn a_413_from_nginx_in_front_is_sent_once_per_blob_and_names_client_max_body_size() {
    let world = World::new();
    let proxy = FaultProxy::start(&world.target.host());
    let images = world.images();
    let hookshot = &images[3];
    proxy.add(Rule { path: uploads(hookshot), method: Some("PUT"), fault: Fault::nginx_body_too_large(), times: None });
    let run = mirror_through(&world, &proxy);
    let seen = proxy.requests();
    let puts = puts_per_blob(&seen, uploads(hookshot));
    assert!(puts.values().flatten().any(|s| *s == 413), "the 413 fired: {:#?}", summary(&seen));
    let report = run.json();
    let reason = reported(&report, hookshot)["reason"].clone();
    let resent: Vec<(&String, &Vec<u16>)> = puts.iter().filter(|(_, sent)| sent.len() > 1).collect();
    assert!(
        resent.is_empty(),
        "a 413 never changes: each blob's PUT is sent once, these were resent: {resent:?}\nreason: {reason}"
    );
    assert_eq!(reported(&report, hookshot)["state"], "failed", "{report:#}");
    for image in images.iter().filter(|i| *i != hookshot) {
        assert_eq!(reported(&report, image)["state"], "copied", "{report:#}");
    }
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        all_output(&run).contains("client_max_body_size"),
        "a 413 with an HTML page comes from a proxy in front: the hint names its body limit:\n{}",
        all_output(&run)
    );
}

#[test]
fn name_unknown_for_a_missing_harbor_project_is_sent_once_and_says_to_check_the_path_prefix() {
    let world = World::new();
    let proxy = FaultProxy::start(&world.target.host());
    proxy.add(Rule {
        path: "/blobs/uploads/",
        method: Some("POST"),
        fault: Fault::harbor_project_not_found("ess"),
        times: None,
    });
    let run = mirror_through(&world, &proxy);
    let seen = proxy.requests();
    let images = world.images();
    let report = run.json();
    let reason = reported(&report, &images[0])["reason"].as_str().unwrap_or_default().to_owned();
    for image in &images {
        // A plain upload POST names no blob: it opens the upload of the blob the client has
        // just asked about (HEAD .../blobs/D) or asks to mount (?mount=D). One POST per blob
        // asked about, and never more than the image has: no blob's upload is opened twice.
        let repo = leak(format!("/v2/{}/", image.target_repo()));
        let blobs = world.member(image).platforms.len() * 4;
        let posts = seen.iter().filter(|r| r.method == "POST" && r.path.starts_with(uploads(image))).count();
        let mut asked: Vec<&str> = seen
            .iter()
            .filter(|r| r.path.starts_with(repo))
            .filter_map(|r| r.path.split_once("/blobs/sha256:").or_else(|| r.path.split_once("mount=sha256:")))
            .map(|(_, digest)| &digest[..64.min(digest.len())])
            .collect();
        asked.sort();
        asked.dedup();
        assert!(
            (1..=blobs.min(asked.len())).contains(&posts),
            "{}: {posts} upload POSTs for {} blobs asked about (the image has {blobs}): NAME_UNKNOWN never \
             changes, it is not resent (reason: {reason}): {:#?}",
            image.reference(),
            asked.len(),
            summary(&seen)
        );
    }
    let mounts: Vec<&Seen> = seen.iter().filter(|r| r.method == "POST" && r.path.contains("mount=")).collect();
    let mut distinct: Vec<&str> = mounts.iter().map(|r| r.path.as_str()).collect();
    distinct.sort();
    distinct.dedup();
    assert_eq!(distinct.len(), mounts.len(), "no mount asked twice: {:#?}", summary(&seen));
    assert!(states(&report).iter().all(|s| s == "failed"), "{report:#}");
    assert!(reason.contains("NAME_UNKNOWN") && reason.contains("project ess not found"), "{reason}");
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        all_output(&run).contains("--path-prefix"),
        "the hint says to create the project or check --path-prefix:\n{}",
        all_output(&run)
    );
}

// 4. Flags before the subcommand.

#[test]
fn flags_before_the_subcommand_work_as_after_it() {
    let scenario = Scenario::seed(Registry::start(RegistryConfig::default()), &ESS);
    let host = scenario.registry.host();
    let file = scenario.digests_arg();
    let plugin = Plugin::new();
    let plain = ["--registry-plain-http", "--offline", "-o", "json"];
    let cases: [(&str, Vec<&str>, Vec<&str>); 4] = [
        ("--registry and --path-prefix", vec!["--registry", &host, "--path-prefix", "ess"], vec!["-f", file]),
        ("-f", vec!["-f", file], vec!["--registry", &host, "--path-prefix", "ess"]),
        (
            "--layout and --map",
            vec!["--layout", "flat", "--map", "docker.io/vectorim=web"],
            vec!["-f", file, "--registry", &host],
        ),
        ("all of them", vec!["-f", file, "--registry", &host, "--layout", "source-host"], vec![]),
    ];
    let mut wrong = Vec::new();
    for (what, moved, rest) in &cases {
        let after = plugin.run(&[&["plan"], moved.as_slice(), rest.as_slice(), &plain].concat());
        assert!(matches!(after.code, 0 | 1), "{what} after plan: {}\n{}", after.stdout, after.stderr);
        after.json();
        let before = plugin.run(&[moved.as_slice(), &["plan"], rest.as_slice(), &plain].concat());
        if (before.code, &before.stdout) != (after.code, &after.stdout) {
            wrong.push(format!(
                "{what} before plan: exit {} (after: {}), stderr: {}",
                before.code,
                after.code,
                before.stderr.lines().next().unwrap_or_default()
            ));
        }
    }
    assert!(wrong.is_empty(), "flags before the subcommand must work as after it:\n{}", wrong.join("\n"));
}

// 5. Helm's -f next to --chart.

const CHART: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/matrix-stack");

#[test]
fn helm_s_dash_f_with_chart_is_refused_pointing_at_values_never_at_digests() {
    let values = format!("{CHART}/values.yaml");
    let mine = format!("{CHART}/yours.yaml");
    let registry = ["--registry", "127.0.0.1:1", "--registry-plain-http", "--offline"];
    let plugin = Plugin::new();
    let run = plugin.run(&[&["plan", "--chart", &values, "-f", &mine], registry.as_slice()].concat());
    assert_eq!(run.code, 2, "{}\n{}", run.stdout, run.stderr);
    assert!(run.stderr.contains("--values"), "with --chart your own values go in --values:\n{}", run.stderr);
    assert!(!all_output(&run).contains("--digests"), "the user never typed --digests:\n{}", run.stderr);
    // What the hint says to type is accepted (the registry is not there: exit 4, not 2).
    let hinted = plugin.run(&[&["plan", "--chart", &values, "--values", &mine], registry.as_slice()].concat());
    assert_ne!(hinted.code, 2, "{}", hinted.stderr);
}
