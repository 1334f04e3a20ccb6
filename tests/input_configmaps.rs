//! images_digests as administrators also hold it: a ConfigMap manifest (as the installer's
//! air-gap procedure has it written, as `kubectl get configmap -o yaml` prints it), a List,
//! one document among several, a live ConfigMap (`--from-configmap`), and manifests in the
//! encodings kubectl reads. kubectl, against the tests' API server, makes the files and judges
//! what they say.

mod support;

use essregistry_testbed::apiserver::{ApiServer, Role};
use essregistry_testbed::kubectl::Kubectl;
use essregistry_testbed::registry::{Registry, RegistryConfig};
use serde_json::{Value, json};
use std::path::PathBuf;
use support::{Plugin, Run};

const FIXTURE: &str = include_str!("fixtures/images_digests.yml");
const DIGEST: &str = "sha256:75fc37d6372cc22410bdd6ad0191a8dfeababef2a7d8d585694f21b73c2bb3d6";

/// The fixture as a ConfigMap's string: components at the root under a comment line, as the
/// installer's published example has it.
fn configmap_string(text: &str) -> String {
    let components = text.split_once("images_digests:\n").expect("the installer's shape").1;
    let body: String = components.lines().map(|l| format!("{}\n", l.strip_prefix("  ").unwrap_or(l))).collect();
    format!("# Copyright 2024 New Vector Ltd\n{body}")
}

/// A ConfigMap manifest as the air-gap procedure has it written: the string as a `|` block.
/// The string's line N is the file's line N + 7.
fn manifest(name: &str, string: &str) -> String {
    let block: String = string.lines().map(|l| format!("    {l}\n")).collect();
    format!(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\n  namespace: element-onprem\ndata:\n  images_digests: |\n{block}"
    )
}

struct World {
    registry: Registry,
    api: ApiServer,
    plugin: Plugin,
    dir: tempfile::TempDir,
}

impl World {
    fn new() -> World {
        World {
            registry: Registry::start(RegistryConfig::default()),
            api: ApiServer::start(),
            plugin: Plugin::new(),
            dir: tempfile::tempdir().unwrap(),
        }
    }

    fn write(&self, file: &str, content: impl AsRef<[u8]>) -> PathBuf {
        let path = self.dir.path().join(file);
        std::fs::write(&path, content).unwrap();
        path
    }

    fn kubectl(&self) -> Kubectl {
        Kubectl::new(&self.api, Role::Admin)
    }

    /// kubectl's output for `args`, which must succeed.
    fn kubectl_output(&self, args: &[&str]) -> String {
        let (code, stdout, stderr) = self.kubectl().run(args, "");
        assert_eq!(code, 0, "kubectl {args:?}: {stderr}");
        stdout
    }

    /// What `kubectl create -f FILE --dry-run=client` reads from the file.
    fn kubectl_reads(&self, path: &std::path::Path) -> Value {
        self.kubectl().json(&[
            "create",
            "-f",
            path.to_str().unwrap(),
            "--dry-run=client",
            "--validate=false",
            "-o",
            "json",
        ])
    }

    fn put_configmap(&self, name: &str, data: Value) {
        self.api.put(json!({"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": name, "namespace": "element-onprem"}, "data": data}));
    }

    /// `plan` with the input flags `input`, against the registry and the API server.
    fn plan(&self, input: &[&str], extra: &[&str]) -> Run {
        let kubeconfig = self.api.kubeconfig(Role::Admin);
        let host = self.registry.host();
        let mut args = vec!["plan", "--registry", &host, "--registry-plain-http", "--kubeconfig"];
        args.push(kubeconfig.to_str().unwrap());
        args.extend(input);
        args.extend(extra);
        self.plugin.run(&args)
    }

    fn plan_file(&self, path: &std::path::Path, extra: &[&str]) -> Run {
        self.plan(&["--offline", "-f", path.to_str().unwrap()], extra)
    }
}

/// The plan of the installer's own file, which every other form must reproduce.
fn expected(world: &World) -> Value {
    let path = world.write("images_digests.yml", FIXTURE);
    let run = world.plan_file(&path, &["-o", "json"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    run.json()
}

fn assert_same_plan(run: &Run, expected: &Value, what: &str) {
    assert_eq!(run.code, 1, "{what}: {}", run.stderr);
    let report = run.json();
    assert_eq!(report["summary"], expected["summary"], "{what}");
    assert_eq!(report["images"], expected["images"], "{what}");
    assert_eq!(report["configMap"], expected["configMap"], "{what}");
}

/// The text of line `line` of the file at `path`, as an editor shows it.
fn line_of(path: &std::path::Path, line: usize) -> String {
    std::fs::read_to_string(path).unwrap().lines().nth(line - 1).unwrap().to_owned()
}

#[test]
fn the_air_gap_procedures_configmap_manifest_reads_as_the_installers_file() {
    let world = World::new();
    let expected = expected(&world);
    let path = world.write("configmap.yaml", manifest("ess-images-digests", &configmap_string(FIXTURE)));
    assert_eq!(world.kubectl_reads(&path)["data"]["images_digests"], configmap_string(FIXTURE), "kubectl agrees");

    let run = world.plan_file(&path, &["-o", "json"]);
    assert_same_plan(&run, &expected, "the manifest");
    let used = format!("Using data.images_digests of ConfigMap ess-images-digests (line 8) in {}", path.display());
    assert!(run.stderr.contains(&used), "{}", run.stderr);

    // A problem inside the string is placed on the file's own line and column.
    let broken = configmap_string(&FIXTURE.replacen(DIGEST, "sha256:zz", 1));
    let path = world.write("broken.yaml", manifest("ess-images-digests", &broken));
    let run = world.plan_file(&path, &[]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    let place = format!("{}: line 16, column 23: adminbot/haproxy: image_digest \"sha256:zz\"", path.display());
    assert!(run.stderr.contains(&place), "{}", run.stderr);
    assert_eq!(&line_of(&path, 16)[22..], "sha256:zz", "line 16, column 23 of the file");
}

#[test]
fn what_kubectl_get_prints_for_one_configmap_or_several_is_read() {
    let world = World::new();
    let expected = expected(&world);
    let applied = world.write("configmap.yaml", manifest("ess-images-digests", &configmap_string(FIXTURE)));
    world.kubectl_output(&["apply", "--server-side", "--validate=false", "-f", applied.to_str().unwrap()]);
    world.put_configmap("kube-root-ca.crt", json!({"ca.crt": "-----BEGIN CERTIFICATE-----\n"}));

    let one = world.kubectl_output(&["get", "configmap", "ess-images-digests", "-o", "yaml", "--show-managed-fields"]);
    assert!(one.contains("managedFields:") && one.contains("images_digests: |"), "{one}");
    let path = world.write("get-one.yaml", &one);
    assert_same_plan(&world.plan_file(&path, &["-o", "json"]), &expected, "kubectl get configmap NAME -o yaml");

    let json =
        world.write("get-one.json", world.kubectl_output(&["get", "configmap", "ess-images-digests", "-o", "json"]));
    assert_same_plan(&world.plan_file(&json, &["-o", "json"]), &expected, "kubectl get configmap NAME -o json");

    let all = world.kubectl_output(&["get", "configmaps", "-o", "yaml"]);
    assert!(all.contains("kind: List") && all.contains("kube-root-ca.crt"), "{all}");
    let path = world.write("get-all.yaml", &all);
    let run = world.plan_file(&path, &["-o", "json"]);
    assert_same_plan(&run, &expected, "kubectl get configmaps -o yaml");
    assert!(run.stderr.contains("Using data.images_digests of ConfigMap ess-images-digests (line "), "{}", run.stderr);

    // A second ConfigMap with the key makes the List ambiguous; its own problems are placed on
    // the file's lines in YAML, and inside the string in JSON.
    let broken = configmap_string(&FIXTURE.replacen(DIGEST, "sha256:zz", 1));
    world.put_configmap("broken", json!({"images_digests": broken}));
    let path = world.write("get-all-2.yaml", world.kubectl_output(&["get", "configmaps", "-o", "yaml"]));
    let run = world.plan_file(&path, &[]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains("2 ConfigMaps hold data.images_digests: broken (line ")
            && run.stderr.contains("ess-images-digests (line ")
            && run.stderr.contains("pass a file that holds only the one to use"),
        "{}",
        run.stderr
    );

    let path = world.write("broken.yaml", world.kubectl_output(&["get", "configmap", "broken", "-o", "yaml"]));
    let run = world.plan_file(&path, &[]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    let prefix = format!("{}: line ", path.display());
    let place = run.stderr.lines().find_map(|l| l.trim().strip_prefix(&prefix)).expect("a placed problem");
    let (line, rest) = place.split_once(", column ").unwrap();
    let (column, message) = rest.split_once(": ").unwrap();
    assert!(message.starts_with("adminbot/haproxy: image_digest \"sha256:zz\""), "{}", run.stderr);
    let text = line_of(&path, line.parse().unwrap());
    assert_eq!(&text[column.parse::<usize>().unwrap() - 1..], "sha256:zz", "the place is the file's: {text}");

    let path = world.write("broken.json", world.kubectl_output(&["get", "configmap", "broken", "-o", "json"]));
    let run = world.plan_file(&path, &[]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    let inside = "in data.images_digests of ConfigMap broken, line 9 of the string, column 19: adminbot/haproxy: \
                  image_digest \"sha256:zz\"";
    assert!(run.stderr.contains(inside), "{}", run.stderr);
}

#[test]
fn one_configmap_among_several_documents_is_read() {
    let world = World::new();
    let expected = expected(&world);
    let namespace = "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: element-onprem\n";
    let secret = "apiVersion: v1\nkind: Secret\nmetadata:\n  name: ess-local-registry\n  namespace: element-onprem\ntype: Opaque\n";
    let configmap = manifest("ess-images-digests", &configmap_string(FIXTURE));
    let path = world.write("bundle.yaml", format!("---\n{namespace}---\n{secret}--- # the images\n{configmap}---\n"));
    let kubectl = world
        .kubectl()
        .run(&["create", "-f", path.to_str().unwrap(), "--dry-run=client", "--validate=false", "-o", "name"], "");
    assert_eq!(kubectl.0, 0, "kubectl reads the file: {}", kubectl.2);
    assert_eq!(kubectl.1.lines().count(), 3, "{}", kubectl.1);
    let run = world.plan_file(&path, &["-o", "json"]);
    assert_same_plan(&run, &expected, "several documents");
    assert!(run.stderr.contains("ConfigMap ess-images-digests (line 21)"), "{}", run.stderr);

    let other = configmap.replace("images_digests: |", "settings: |");
    let path = world.write("none.yaml", format!("{namespace}---\n{other}"));
    let run = world.plan_file(&path, &[]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    let message = "found no ConfigMap with data.images_digests: the input holds Namespace element-onprem (line 1); \
                   ConfigMap ess-images-digests (line 6), whose data holds settings but not images_digests";
    assert!(run.stderr.contains(message), "{}", run.stderr);

    let path = world.write("two.yaml", format!("{configmap}---\n{}", configmap.replace("name: ess-", "name: old-")));
    let run = world.plan_file(&path, &[]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    let second = configmap.lines().count() + 9;
    let message = format!(
        "{}: line {second}: 2 ConfigMaps hold data.images_digests: ess-images-digests (line 8); old-images-digests \
         (line {second})",
        path.display()
    );
    assert!(run.stderr.contains(&message), "{}", run.stderr);
}

#[test]
fn manifests_with_a_byte_order_mark_or_in_utf16_read_as_kubectl_reads_them() {
    let world = World::new();
    let expected = expected(&world);
    let text = manifest("ess-images-digests", &configmap_string(FIXTURE));
    let crlf = text.replace('\n', "\r\n");
    let utf16 = |text: &str, bom: [u8; 2], unit: fn(u16) -> [u8; 2]| -> Vec<u8> {
        bom.into_iter().chain(text.encode_utf16().flat_map(unit)).collect()
    };
    let files = [
        ("bom.yaml", [b"\xEF\xBB\xBF".as_slice(), text.as_bytes()].concat()),
        ("utf16le.yaml", utf16(&text, [0xFF, 0xFE], u16::to_le_bytes)),
        ("utf16be.yaml", utf16(&text, [0xFE, 0xFF], u16::to_be_bytes)),
        ("utf16le-crlf.yaml", utf16(&crlf, [0xFF, 0xFE], u16::to_le_bytes)),
        ("crlf.yaml", crlf.clone().into_bytes()),
    ];
    for (file, bytes) in files {
        let path = world.write(file, bytes);
        let read = world.kubectl_reads(&path);
        assert_eq!(read["data"]["images_digests"], configmap_string(FIXTURE), "kubectl reads {file}");
        assert_same_plan(&world.plan_file(&path, &["-o", "json"]), &expected, file);
    }
}

#[test]
fn from_configmap_reads_the_live_configmap() {
    let world = World::new();
    let expected = expected(&world);
    world.put_configmap("ess-upstream", json!({"images_digests": configmap_string(FIXTURE)}));
    world.api.clear_requests();
    let run = world.plan(&["--from-configmap", "ess-upstream"], &["-o", "json"]);
    assert_same_plan(&run, &expected, "--from-configmap");
    let reads = world.api.requests();
    assert!(
        reads.iter().any(
            |r| r.method == "GET" && r.uri.starts_with("/api/v1/namespaces/element-onprem/configmaps/ess-upstream")
        ),
        "{reads:#?}"
    );

    let broken = configmap_string(&FIXTURE.replacen(DIGEST, "sha256:zz", 1));
    world.put_configmap("broken", json!({"images_digests": broken}));
    let run = world.plan(&["--from-configmap", "broken"], &[]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    let place = "data.images_digests of the ConfigMap element-onprem/broken (context \"testbed\"): line 9, column 19: \
                 adminbot/haproxy: image_digest \"sha256:zz\"";
    assert!(run.stderr.contains(place), "{}", run.stderr);

    let run = world.plan(&["--from-configmap", "absent"], &[]);
    assert_eq!(run.code, 5, "{}", run.stderr);
    assert!(
        run.stderr.contains(
            "failed to get configmaps/absent in namespace element-onprem (context testbed): configmaps \"absent\" not found"
        ) && run.stderr.contains("kubectl get configmaps -n element-onprem --context testbed"),
        "{}",
        run.stderr
    );
    let run = world.plan(&["--from-configmap", "absent", "-n", "elsewhere"], &[]);
    assert_eq!(run.code, 5, "{}", run.stderr);
    assert!(run.stderr.contains("the namespace elsewhere does not exist in context \"testbed\""), "{}", run.stderr);

    world.put_configmap("settings", json!({"log_level": "debug", "theme": "dark"}));
    let run = world.plan(&["--from-configmap", "settings"], &[]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains(
            "the ConfigMap element-onprem/settings (context \"testbed\") has no data.images_digests: it holds only log_level, theme"
        ),
        "{}",
        run.stderr
    );

    let status = world.plugin.run(&[
        "status",
        "--kubeconfig",
        world.api.kubeconfig(Role::Admin).to_str().unwrap(),
        "--from-configmap",
        "absent",
    ]);
    assert_eq!(status.code, 5, "status reads the same input: {}", status.stderr);

    world.api.clear_requests();
    world.registry.clear_requests();
    let run = world.plan(&["--offline", "--from-configmap", "ess-upstream"], &[]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("--offline makes no Kubernetes API call"), "{}", run.stderr);
    assert!(run.stderr.contains("kubectl get configmap ess-upstream -o yaml > ess-upstream.yaml"), "{}", run.stderr);
    let run = world.plan(&["-f", "images_digests.yml", "--from-configmap", "ess-upstream"], &[]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("cannot be used with"), "{}", run.stderr);
    assert!(world.api.requests().is_empty() && world.registry.requests().is_empty());
}
