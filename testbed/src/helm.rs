//! Helm's artifacts made the way Helm makes them, for tests that have no helm binary: a chart
//! archive as `helm package` writes it (chartutil.Save), and a release Secret as Helm's Secret
//! storage driver writes it.

use crate::bundles::{registry_flags, run};
use crate::images::sha256;
use crate::registry::Registry;
use flate2::{Compression, GzBuilder};
use serde_json::{Value, json};
use std::io::Write;
use std::path::{Path, PathBuf};

/// What `helm package` puts in the gzip header's extra field and comment of every archive.
const GZIP_EXTRA: &[u8] = b"+aHR0cHM6Ly95b3V0dS5iZS96OVV6MWljandyTQo=";
const GZIP_COMMENT: &str = "Helm";

/// Writes `DIR/NAME-VERSION.tgz`: a gzip tar holding `NAME/Chart.yaml` first, then `files` (paths
/// inside the chart's folder), each a plain file of mode 0644 without folder entries, as
/// chartutil.Save writes them.
pub fn chart_archive(dir: &Path, name: &str, version: &str, files: &[(&str, &[u8])]) -> PathBuf {
    let path = dir.join(format!("{name}-{version}.tgz"));
    let chart_yaml = format!("apiVersion: v2\nname: {name}\ntype: application\nversion: {version}\n");
    let gzip = GzBuilder::new()
        .extra(GZIP_EXTRA)
        .comment(GZIP_COMMENT)
        .write(std::fs::File::create(&path).expect("create the chart archive"), Compression::default());
    let mut tar = tar::Builder::new(gzip);
    for (inside, bytes) in std::iter::once(("Chart.yaml", chart_yaml.as_bytes())).chain(files.iter().copied()) {
        let mut header = tar::Header::new_ustar();
        header.set_size(bytes.len() as u64);
        header.set_mode(0o644);
        header.set_mtime(1_767_225_600);
        header.set_cksum();
        tar.append_data(&mut header, format!("{name}/{inside}"), bytes).expect("write a chart file");
    }
    tar.into_inner().expect("finish the tar").finish().expect("finish the gzip").flush().expect("flush");
    path
}

/// Pushes `archive` to `registry` as `helm push` publishes a chart (helm's pkg/registry): an
/// OCI manifest whose config is `application/vnd.cncf.helm.config.v1+json` (the chart's
/// metadata) and whose one layer is the archive, tagged `tag`. Returns the manifest's digest.
/// The artifact is laid out on disk and copied with skopeo, which moves it byte for byte.
pub fn push_chart(registry: &Registry, repo: &str, tag: &str, archive: &Path, config: &Value) -> String {
    let dir = tempfile::tempdir().expect("chart layout");
    let blobs = dir.path().join("blobs/sha256");
    std::fs::create_dir_all(&blobs).expect("blobs dir");
    let write = |bytes: &[u8]| {
        let digest = sha256(bytes);
        std::fs::write(blobs.join(&digest["sha256:".len()..]), bytes).expect("write a blob");
        digest
    };
    let config = config.to_string();
    let layer = std::fs::read(archive).expect("read the chart archive");
    let manifest = json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.cncf.helm.config.v1+json", "digest": write(config.as_bytes()), "size": config.len()},
        "layers": [{"mediaType": "application/vnd.cncf.helm.chart.content.v1.tar+gzip", "digest": write(&layer), "size": layer.len()}],
        "annotations": {"org.opencontainers.image.title": "matrix-stack"}
    })
    .to_string();
    let digest = write(manifest.as_bytes());
    let index = json!({"schemaVersion": 2, "manifests": [{"mediaType": "application/vnd.oci.image.manifest.v1+json",
        "digest": digest, "size": manifest.len(), "annotations": {"org.opencontainers.image.ref.name": "chart"}}]});
    std::fs::write(dir.path().join("index.json"), index.to_string()).expect("index.json");
    std::fs::write(dir.path().join("oci-layout"), r#"{"imageLayoutVersion":"1.0.0"}"#).expect("oci-layout");
    let mut command = std::process::Command::new("skopeo");
    command.args(["copy", "--quiet", "--preserve-digests"]).args(registry_flags(registry, "--dest-"));
    command
        .arg(format!("oci:{}:chart", dir.path().display()))
        .arg(format!("docker://{}/{repo}:{tag}", registry.host()));
    run(&mut command).unwrap_or_else(|e| panic!("skopeo copy of the chart to {repo}:{tag}: {e}"));
    digest
}

/// One revision of a release, as Helm records it.
pub struct Revision<'a> {
    pub name: &'a str,
    pub namespace: &'a str,
    pub version: u64,
    /// `deployed`, `superseded`, `failed`, ...
    pub status: &'a str,
    pub chart_name: &'a str,
    pub chart_version: &'a str,
    /// The chart's values.yaml, as JSON.
    pub chart_values: Value,
    /// The user's values of that revision.
    pub config: Value,
    /// The rendered objects, as YAML documents.
    pub manifest: &'a str,
}

/// The Secret `sh.helm.release.v1.NAME.vN` for `ApiServer::put`: type `helm.sh/release.v1`, the
/// labels Helm queries by, and `data.release` = base64 of gzip of the release's JSON (Helm's own
/// encoding), base64-encoded again as every Secret's data is.
pub fn release_secret(revision: &Revision) -> Value {
    let release = json!({
        "name": revision.name,
        "namespace": revision.namespace,
        "version": revision.version,
        "info": {"status": revision.status, "description": "Install complete"},
        "chart": {
            "metadata": {"apiVersion": "v2", "name": revision.chart_name, "version": revision.chart_version},
            "values": revision.chart_values,
            "templates": [],
        },
        "config": revision.config,
        "manifest": revision.manifest,
    });
    let mut gzip = flate2::write::GzEncoder::new(Vec::new(), Compression::best());
    gzip.write_all(release.to_string().as_bytes()).expect("gzip in memory");
    let helm_encoded = data_encoding::BASE64.encode(&gzip.finish().expect("gzip in memory"));
    json!({
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {
            "name": format!("sh.helm.release.v1.{}.v{}", revision.name, revision.version),
            "namespace": revision.namespace,
            "labels": {
                "name": revision.name,
                "owner": "helm",
                "status": revision.status,
                "version": revision.version.to_string(),
                "modifiedAt": "1767225600",
            },
        },
        "type": "helm.sh/release.v1",
        "data": {"release": data_encoding::BASE64.encode(helm_encoded.as_bytes())},
    })
}
