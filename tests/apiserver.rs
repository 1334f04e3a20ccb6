//! kubectl, an independent client, judges the tests' API server: if kubectl cannot read, apply
//! and patch through it as it would against a real cluster, the server is wrong.

use essregistry_testbed::apiserver::{ApiServer, MAX_DATA_BYTES, Role};
use essregistry_testbed::kubectl::Kubectl;

const CONFIGMAP: &str =
    "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: probe\n  namespace: element-onprem\ndata:\n  key: one\n";

#[test]
fn kubectl_reads_applies_and_sees_ownership() {
    let server = ApiServer::start();
    let kubectl = Kubectl::new(&server, Role::Admin);
    let namespace = kubectl.json(&["get", "namespace", "element-onprem", "-o", "json"]);
    assert_eq!(namespace["metadata"]["name"], "element-onprem");

    let (code, _, stderr) =
        kubectl.run(&["apply", "--server-side", "--validate=false", "--field-manager", "gitops", "-f", "-"], CONFIGMAP);
    assert_eq!(code, 0, "{stderr}");
    let applied = kubectl.json(&["get", "configmap", "probe", "-o", "json", "--show-managed-fields"]);
    assert_eq!(applied["data"]["key"], "one");
    assert_eq!(applied["metadata"]["managedFields"][0]["manager"], "gitops");
    assert_eq!(applied["metadata"]["managedFields"][0]["operation"], "Apply");
    assert!(applied["metadata"]["uid"].as_str().unwrap().len() == 36);

    let other = CONFIGMAP.replace("key: one", "key: two");
    let (code, _, stderr) = kubectl
        .run(&["apply", "--server-side", "--validate=false", "--field-manager", "someone-else", "-f", "-"], &other);
    assert_ne!(code, 0);
    assert!(stderr.contains("conflict with \"gitops\"") && stderr.contains(".data.key"), "{stderr}");
    let (code, _, stderr) = kubectl.run(
        &[
            "apply",
            "--server-side",
            "--validate=false",
            "--field-manager",
            "someone-else",
            "--force-conflicts",
            "-f",
            "-",
        ],
        &other,
    );
    assert_eq!(code, 0, "{stderr}");
    let forced = kubectl.json(&["get", "cm", "probe", "-o", "json"]);
    assert_eq!(forced["data"]["key"], "two");
    assert!(
        forced["metadata"]["resourceVersion"].as_str().unwrap().parse::<u64>().unwrap()
            > applied["metadata"]["resourceVersion"].as_str().unwrap().parse::<u64>().unwrap()
    );

    let (code, _, stderr) =
        kubectl.run(&["patch", "configmap", "probe", "--type", "merge", "-p", r#"{"data":{"extra":"x"}}"#], "");
    assert_eq!(code, 0, "{stderr}");
    let listed = kubectl.json(&["get", "configmaps", "-o", "json"]);
    assert_eq!(listed["items"][0]["data"]["extra"], "x");

    let (code, _, stderr) = kubectl.run(
        &["apply", "--server-side", "--validate=false", "--dry-run=server", "--field-manager", "x", "-f", "-"],
        &CONFIGMAP.replace("probe", "dry"),
    );
    assert_eq!(code, 0, "{stderr}");
    assert!(server.get("configmaps", "element-onprem", "dry").is_none());
}

#[test]
fn kubectl_sees_the_servers_errors_as_a_real_cluster_gives_them() {
    let server = ApiServer::start();
    let reader = Kubectl::new(&server, Role::ReadOnly);
    let (code, _, stderr) = reader.run(&["apply", "--server-side", "--validate=false", "-f", "-"], CONFIGMAP);
    assert_ne!(code, 0);
    assert!(
        stderr.contains("is forbidden: User \"essregistry-readonly\" cannot patch resource \"configmaps\""),
        "{stderr}"
    );
    let (code, _, stderr) = reader.run(&["get", "configmap", "missing"], "");
    assert_ne!(code, 0);
    assert!(stderr.contains("configmaps \"missing\" not found"), "{stderr}");
    let (code, _, stderr) = reader.run(&["get", "elementdeployments", "-o", "json"], "");
    assert_eq!(code, 0, "the custom resource is discovered: {stderr}");
}

/// A manifest for kubectl's stdin.
fn secret(name: &str, kind: &str) -> String {
    format!(
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: {name}\n  namespace: element-onprem\ntype: {kind}\ndata:\n  .dockerconfigjson: e30=\n"
    )
}

fn server_side_apply(kubectl: &Kubectl, manifest: &str) -> (i32, String) {
    let (code, _, stderr) =
        kubectl.run(&["apply", "--server-side", "--validate=false", "--field-manager", "gitops", "-f", "-"], manifest);
    (code, stderr)
}

#[test]
fn kubectl_is_refused_what_kube_apiserver_refuses() {
    let server = ApiServer::start();
    let kubectl = Kubectl::new(&server, Role::Admin);

    let (code, stderr) = server_side_apply(&kubectl, &secret("pull", "Opaque"));
    assert_eq!(code, 0, "{stderr}");
    let (code, stderr) = server_side_apply(&kubectl, &secret("pull", "kubernetes.io/dockerconfigjson"));
    assert_ne!(code, 0);
    assert!(
        stderr.contains(
            "Secret \"pull\" is invalid: type: Invalid value: \"kubernetes.io/dockerconfigjson\": field is immutable"
        ),
        "{stderr}"
    );
    assert_eq!(server.get("secrets", "element-onprem", "pull").unwrap()["type"], "Opaque");

    let frozen = CONFIGMAP.replace("name: probe", "name: frozen").replace("\ndata:", "\nimmutable: true\ndata:");
    let (code, stderr) = server_side_apply(&kubectl, &frozen);
    assert_eq!(code, 0, "{stderr}");
    let (code, stderr) = server_side_apply(&kubectl, &frozen.replace("key: one", "key: two"));
    assert_ne!(code, 0);
    assert!(
        stderr.contains("ConfigMap \"frozen\" is invalid: data: Forbidden: field is immutable when `immutable` is set"),
        "{stderr}"
    );

    let big = CONFIGMAP
        .replace("name: probe", "name: big")
        .replace("key: one", &format!("key: {}", "x".repeat(MAX_DATA_BYTES + 1)));
    let (code, stderr) = server_side_apply(&kubectl, &big);
    assert_ne!(code, 0);
    assert!(stderr.contains("ConfigMap \"big\" is invalid: []: Too long: must have at most 1048576 bytes"), "{stderr}");
    assert!(server.get("configmaps", "element-onprem", "big").is_none());
}

#[test]
fn kubectl_deletes_and_prints_the_servers_warnings() {
    let server = ApiServer::start();
    let kubectl = Kubectl::new(&server, Role::Admin);
    let (code, stderr) = server_side_apply(&kubectl, CONFIGMAP);
    assert_eq!(code, 0, "{stderr}");
    let (code, stdout, stderr) = kubectl.run(&["delete", "configmap", "probe"], "");
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("configmap \"probe\" deleted"), "{stdout}");
    assert!(server.get("configmaps", "element-onprem", "probe").is_none());
    let (code, _, stderr) = kubectl.run(&["delete", "configmap", "probe"], "");
    assert_ne!(code, 0);
    assert!(stderr.contains("configmaps \"probe\" not found"), "{stderr}");

    server.add_warning("policy ess-local-images: images should come from the \"local\" registry");
    let (code, stderr) = server_side_apply(&kubectl, &secret("pull", "Opaque"));
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains("Warning: policy ess-local-images: images should come from the \"local\" registry"),
        "{stderr}"
    );
    let (code, _, stderr) = kubectl.run(&["delete", "secret", "pull"], "");
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("Warning: policy ess-local-images"), "{stderr}");
    let (_, _, stderr) = kubectl.run(&["get", "secrets"], "");
    assert!(!stderr.contains("Warning:"), "reads carry no warning: {stderr}");
}

/// Helm finds a release's deployed revision by label (`name=NAME,owner=helm,status=deployed`),
/// and the release's pods are found by theirs: kubectl's `-l` must select here as on a cluster.
#[test]
fn kubectl_selects_by_labels_and_reads_helm_releases_and_pod_statuses() {
    use essregistry_testbed::helm::{Revision, release_secret};
    use serde_json::json;
    use std::io::Read;
    let server = ApiServer::start();
    let revision = |name, version, status| Revision {
        name,
        namespace: "element-onprem",
        version,
        status,
        chart_name: "matrix-stack",
        chart_version: "26.1.0",
        chart_values: json!({"synapse": {"image": {"repository": "element-hq/synapse", "tag": "v1"}}}),
        config: json!({"serverName": format!("{name}.test")}),
        manifest: "",
    };
    server.put(release_secret(&revision("ess", 1, "superseded")));
    server.put(release_secret(&revision("ess", 2, "deployed")));
    server.put(release_secret(&revision("ess-staging", 1, "deployed")));
    server.put(json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "unlabelled"}, "data": {}}));
    let kubectl = Kubectl::new(&server, Role::Admin);
    let names = |selector: &str| {
        let (code, stdout, stderr) = kubectl.run(&["get", "secrets", "-l", selector, "-o", "name"], "");
        assert_eq!(code, 0, "{selector}: {stderr}");
        stdout.lines().map(|l| l.trim_start_matches("secret/").to_owned()).collect::<Vec<_>>()
    };
    assert_eq!(names("name=ess,owner=helm,status=deployed"), ["sh.helm.release.v1.ess.v2"]);
    assert_eq!(names("owner=helm,status!=deployed"), ["sh.helm.release.v1.ess.v1"]);
    assert_eq!(
        names("name in (ess, ess-staging),status==deployed"),
        ["sh.helm.release.v1.ess-staging.v1", "sh.helm.release.v1.ess.v2"]
    );
    assert_eq!(names("!owner"), ["unlabelled"]);
    assert_eq!(names("status notin (deployed)"), ["sh.helm.release.v1.ess.v1", "unlabelled"]);
    let (code, _, stderr) = kubectl.run(&["get", "secrets", "-l", "status is deployed"], "");
    assert_ne!(code, 0, "{stderr}");

    // data.release as kubectl shows it: base64 (the Secret's) of base64 of gzip of the JSON (Helm's).
    let secret = kubectl.json(&["get", "secret", "sh.helm.release.v1.ess.v2", "-o", "json"]);
    let decode = |text: &[u8]| {
        use base64::Engine as _;
        base64::engine::general_purpose::STANDARD.decode(text).unwrap()
    };
    let gzip = decode(&decode(secret["data"]["release"].as_str().unwrap().as_bytes()));
    let mut json = String::new();
    flate2::read::GzDecoder::new(gzip.as_slice()).read_to_string(&mut json).unwrap();
    let release: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!((release["version"].as_u64(), release["config"]["serverName"].as_str()), (Some(2), Some("ess.test")));
    assert_eq!(secret["type"], "helm.sh/release.v1");

    server.put(json!({"apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": "ess-synapse-main-0", "labels": {"app.kubernetes.io/instance": "ess-synapse-main"}},
        "spec": {"containers": [{"name": "synapse", "image": "reg.local/ess/synapse:v1"}]},
        "status": {"phase": "Pending", "containerStatuses": [{"name": "synapse", "image": "reg.local/ess/synapse:v1",
            "imageID": "", "ready": false, "restartCount": 0, "state": {"waiting": {"reason": "ImagePullBackOff"}}}]}}));
    let pods =
        kubectl.json(&["get", "pods", "-l", "app.kubernetes.io/instance in (ess,ess-synapse-main)", "-o", "json"]);
    assert_eq!(pods["items"][0]["status"]["containerStatuses"][0]["state"]["waiting"]["reason"], "ImagePullBackOff");
    let none = kubectl.json(&["get", "pods", "-l", "app.kubernetes.io/instance=ess", "-o", "json"]);
    assert_eq!(none["items"], json!([]));
}
