//! Sources are reached as the local registry is, and as skopeo reaches them: an upstream (or an
//! internal mirror) with a private CA is refused until its certs.d folder holds the CA, and then
//! both skopeo and the plugin copy from it; one that needs a login is read with the Docker config.

mod support;

use essregistry_testbed::bundles;
use essregistry_testbed::images::{Family, FamilySpec, sha256};
use essregistry_testbed::registry::{Registry, RegistryConfig};
use essregistry_testbed::upstream::{Entry, images_digests};
use std::path::Path;
use std::process::Command;
use support::{Plugin, strs};

fn owned(args: &[&str]) -> Vec<String> {
    args.iter().map(|a| (*a).to_owned()).collect()
}

/// One image published at `upstream` as `server/path:tag`, the images_digests pinning it, an
/// empty target registry, and the `mirror` arguments that copy it there through the upstream
/// standing in for `server` over `scheme`.
struct Case {
    member_digest: String,
    target: Registry,
    args: Vec<String>,
    _dir: tempfile::TempDir,
    _family: Family,
}

fn case(upstream: &Registry, scheme: &str, server: &str, path: &str, tag: &str) -> Case {
    let family = Family::build(path, &FamilySpec::small(1));
    let member = &family.members[0];
    member.push(upstream, &format!("{server}/{path}"), tag);
    let entry = Entry {
        component: "component".into(),
        sub: "sub".into(),
        server: server.into(),
        path: path.into(),
        tag: tag.into(),
        digest: member.digest.clone(),
    };
    let dir = tempfile::tempdir().unwrap();
    let digests = dir.path().join("images_digests.yml");
    std::fs::write(&digests, images_digests(&[entry])).unwrap();
    let target = Registry::start(RegistryConfig::default());
    let source = format!("{server}={scheme}://{}/{server}", upstream.host());
    let args = owned(&[
        "mirror",
        "-f",
        digests.to_str().unwrap(),
        "--registry",
        &target.host(),
        "--registry-plain-http",
        "--source-mirror",
        &source,
        "-o",
        "json",
    ]);
    Case { member_digest: member.digest.clone(), target, args, _dir: dir, _family: family }
}

#[test]
fn a_tls_source_is_trusted_through_its_certs_d_folder_as_skopeo_trusts_it() {
    let upstream = Registry::start(RegistryConfig { tls: true, ..RegistryConfig::default() });
    // Bound whole: the images_digests file lives as long as the case.
    let published = case(&upstream, "https", "ghcr.io", "element-hq/synapse", "v1");
    let (member_digest, target, args) = (&published.member_digest, &published.target, &published.args);
    let from = format!("docker://{}/ghcr.io/element-hq/synapse:v1", upstream.host());
    let to = format!("docker://{}/judge/synapse:v1", target.host());

    // No trust anywhere: skopeo refuses, and so does the plugin, naming the certificate (exit 4).
    let root = tempfile::tempdir().unwrap();
    let plugin = Plugin::new().env("ESSREGISTRY_TEST_FS_ROOT", root.path().to_str().unwrap());
    let refused = plugin.run(&strs(args));
    assert!(!skopeo_copy_status(&from, &to, &[&format!("--src-cert-dir={}", root.path().display())]));
    assert_eq!(refused.code, 4, "{}\n{}", refused.stdout, refused.stderr);
    let report = refused.json();
    let reason = report["images"][0]["reason"].as_str().unwrap();
    assert!(reason.contains(&upstream.host()) && reason.contains("certificate"), "{reason}");

    // The CA in /etc/containers/certs.d/HOST:PORT (under the test-only root): both copy.
    let certs_d = root.path().join("etc/containers/certs.d").join(upstream.host());
    copy_dir(&upstream.cert_dir(), &certs_d);
    assert!(skopeo_copy_status(&from, &to, &[&format!("--src-cert-dir={}", certs_d.display())]));
    let copied = plugin.run(&strs(args));
    assert_eq!(copied.code, 0, "{}\n{}", copied.stdout, copied.stderr);
    let raw = bundles::registry_raw(target, "element-hq/synapse:v1").unwrap();
    assert_eq!(&sha256(&raw), member_digest);
}

/// skopeo's verdict: whether `skopeo copy --all --preserve-digests` gets through with `extra`.
fn skopeo_copy_status(from: &str, to: &str, extra: &[&str]) -> bool {
    let output = Command::new("skopeo")
        .args(["copy", "--quiet", "--all", "--preserve-digests", "--dest-tls-verify=false"])
        .args(extra)
        .args([from, to])
        .output()
        .expect("run skopeo");
    output.status.success()
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let path = entry.unwrap().path();
        std::fs::copy(&path, to.join(path.file_name().unwrap())).unwrap();
    }
}

#[test]
fn a_source_that_needs_a_login_is_read_with_the_docker_config_s_credentials() {
    let upstream = Registry::start(RegistryConfig {
        basic_auth: Some(("puller".into(), "s3cret-pull".into())),
        ..RegistryConfig::default()
    });
    let published = case(&upstream, "http", "gitlab-registry.matrix.org", "ems/pipe", "v2");
    let (member_digest, target, args) = (&published.member_digest, &published.target, &published.args);

    // No Docker config: the source refuses (exit 3), and the password never shows.
    let empty = tempfile::tempdir().unwrap();
    let refused = Plugin::new().env("DOCKER_CONFIG", empty.path().to_str().unwrap()).run(&strs(args));
    assert_eq!(refused.code, 3, "{}\n{}", refused.stdout, refused.stderr);

    // `docker login` of the mirror host: the copy goes through, and the password never shows.
    let config = tempfile::tempdir().unwrap();
    let json = essregistry_testbed::docker_config(&upstream.host(), "puller", "s3cret-pull");
    std::fs::write(config.path().join("config.json"), json).unwrap();
    let copied = Plugin::new().env("DOCKER_CONFIG", config.path().to_str().unwrap()).run(&strs(args));
    assert_eq!(copied.code, 0, "{}\n{}", copied.stdout, copied.stderr);
    assert!(!format!("{}{}{}", copied.stdout, copied.stderr, refused.stderr).contains("s3cret-pull"));
    let raw = bundles::registry_raw(target, "ems/pipe:v2").unwrap();
    assert_eq!(&sha256(&raw), member_digest);
}

/// Docker Hub serves an official image only as `library/NAME`: an images_digests that names it
/// `postgres` on docker.io is fetched as `library/postgres` (as docker, containerd, skopeo and
/// kubelet normalise it), named so in the bundle, and lands where the file's path says.
#[test]
fn a_one_segment_docker_hub_name_is_fetched_as_library_and_lands_at_its_own_path() {
    let upstream = Registry::start(RegistryConfig::default());
    let family = Family::build("postgres", &FamilySpec::small(1));
    let member = &family.members[0];
    member.push(&upstream, "docker.io/library/postgres", "17-alpine");
    let entry = Entry {
        component: "postgres".into(),
        sub: "postgres".into(),
        server: "docker.io".into(),
        path: "postgres".into(),
        tag: "17-alpine".into(),
        digest: member.digest.clone(),
    };
    let dir = tempfile::tempdir().unwrap();
    let digests = dir.path().join("images_digests.yml");
    std::fs::write(&digests, images_digests(&[entry])).unwrap();
    let bundle = dir.path().join("bundle");
    let mirror = format!("docker.io=http://{}/docker.io", upstream.host());
    let packed = Plugin::new().run(&strs(&owned(&[
        "mirror",
        "-f",
        digests.to_str().unwrap(),
        "--to-bundle",
        bundle.to_str().unwrap(),
        "--source-mirror",
        &mirror,
    ])));
    assert_eq!(packed.code, 0, "{}\n{}", packed.stdout, packed.stderr);
    let asked: Vec<String> = upstream.requests().into_iter().map(|r| r.path).collect();
    assert!(asked.iter().all(|path| !path.starts_with("/v2/docker.io/postgres/")), "{asked:#?}");
    let named = format!("oci:{}:docker.io/library/postgres:17-alpine", bundle.display());
    assert_eq!(sha256(&bundles::bundle_raw(&named).unwrap()), member.digest, "skopeo finds it by the normalised name");

    let target = Registry::start(RegistryConfig::default());
    let host = target.host();
    let pushed = Plugin::new().run(&strs(&owned(&[
        "mirror",
        "--from-bundle",
        bundle.to_str().unwrap(),
        "--registry",
        &host,
        "--registry-plain-http",
        "--path-prefix",
        "ess",
    ])));
    assert_eq!(pushed.code, 0, "{}\n{}", pushed.stdout, pushed.stderr);
    let landed = bundles::registry_raw(&target, "ess/postgres:17-alpine").unwrap();
    assert_eq!(sha256(&landed), member.digest, "the local path is the file's: ess/postgres");
}
