//! Bundles as other tools write and read them, the damage a bundle meets on its way across an
//! air gap, and skopeo as the independent judge of what a registry or a bundle holds: what the
//! mirror tests hold the plugin to, without trusting its own report.

use crate::images::sha256;
use crate::registry::Registry;
use serde_json::{Value, json};
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Command;

/// One image a layout's index.json names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Named {
    /// `org.opencontainers.image.ref.name`: what `oci:DIR:NAME` finds.
    pub ref_name: Option<String>,
    /// `io.containerd.image.name`: what `ctr import` and hauler tag it as.
    pub containerd_name: Option<String>,
    pub digest: String,
    pub media_type: String,
}

/// What index.json of the layout at `dir` names, in order.
pub fn index(dir: &Path) -> Vec<Named> {
    let text = std::fs::read_to_string(dir.join("index.json")).expect("read index.json");
    let index: Value = serde_json::from_str(&text).expect("index.json is JSON");
    let annotation = |m: &Value, key: &str| m["annotations"][key].as_str().map(str::to_owned);
    index["manifests"]
        .as_array()
        .expect("index.json lists manifests")
        .iter()
        .map(|m| Named {
            ref_name: annotation(m, "org.opencontainers.image.ref.name"),
            containerd_name: annotation(m, "io.containerd.image.name"),
            digest: m["digest"].as_str().expect("digest").to_owned(),
            media_type: m["mediaType"].as_str().unwrap_or_default().to_owned(),
        })
        .collect()
}

/// Where a layout keeps the blob `digest`.
pub fn blob_path(dir: &Path, digest: &str) -> PathBuf {
    let (algorithm, hex) = digest.split_once(':').expect("algorithm:hex");
    dir.join("blobs").join(algorithm).join(hex)
}

/// Flips one byte in the middle of the file: the same size, another digest (a bad disk, a bad
/// copy onto removable media).
pub fn corrupt(path: &Path) {
    let mut bytes = std::fs::read(path).expect("read blob");
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0xff;
    std::fs::write(path, bytes).expect("write blob");
}

/// Cuts the file to half its size (a copy that stopped short).
pub fn truncate(path: &Path) {
    let file = std::fs::OpenOptions::new().write(true).open(path).expect("open blob");
    let size = file.metadata().expect("blob size").len();
    file.set_len(size / 2).expect("truncate blob");
}

/// The flags skopeo needs for `registry`: its CA (or no TLS) and its login, each flag named
/// with `prefix` (`--` for inspect, `--src-` for the source of a copy).
pub(crate) fn registry_flags(registry: &Registry, prefix: &str) -> Vec<OsString> {
    let mut flags: Vec<OsString> = Vec::new();
    match registry.ca_file() {
        Some(_) => flags.extend([format!("{prefix}cert-dir").into(), registry.cert_dir().into()]),
        None => flags.push(format!("{prefix}tls-verify=false").into()),
    }
    if let Some((user, password)) = &registry.credentials {
        flags.extend([format!("{prefix}creds").into(), format!("{user}:{password}").into()]);
    }
    flags
}

pub(crate) fn run(command: &mut Command) -> Result<Vec<u8>, String> {
    let output = command.output().expect("run skopeo (apt-get install skopeo)");
    if output.status.success() {
        Ok(output.stdout)
    } else {
        Err(String::from_utf8_lossy(&output.stderr).trim().to_owned())
    }
}

/// `skopeo inspect --raw docker://REGISTRY/REFERENCE`: the manifest's bytes as stored, or what
/// skopeo said.
pub fn registry_raw(registry: &Registry, reference: &str) -> Result<Vec<u8>, String> {
    let mut command = Command::new("skopeo");
    command.args(["inspect", "--raw"]).args(registry_flags(registry, "--"));
    run(command.arg(format!("docker://{}/{reference}", registry.host())))
}

/// `skopeo list-tags docker://REGISTRY/REPO`: the repository's tags, or what skopeo said.
pub fn registry_tags(registry: &Registry, repo: &str) -> Result<Vec<String>, String> {
    let mut command = Command::new("skopeo");
    command.arg("list-tags").args(registry_flags(registry, "--"));
    let listed = run(command.arg(format!("docker://{}/{repo}", registry.host())))?;
    let listed: Value = serde_json::from_slice(&listed).map_err(|e| format!("skopeo list-tags said no JSON: {e}"))?;
    Ok(listed["Tags"].as_array().into_iter().flatten().filter_map(|t| t.as_str().map(str::to_owned)).collect())
}

/// `skopeo inspect --raw TRANSPORT:REFERENCE` for a bundle (`oci:DIR:NAME`,
/// `oci-archive:FILE:NAME`): the top manifest's bytes, or what skopeo said.
pub fn bundle_raw(reference: &str) -> Result<Vec<u8>, String> {
    let mut command = Command::new("skopeo");
    run(command.args(["inspect", "--raw", reference]))
}

/// Whether `registry` holds `repo@digest` byte for byte, and every manifest its index lists,
/// each under its own digest: the number of manifests so checked, or what is wrong.
pub fn check_pinned(registry: &Registry, repo: &str, digest: &str) -> Result<usize, String> {
    let top = registry_raw(registry, &format!("{repo}@{digest}"))?;
    if sha256(&top) != digest {
        return Err(format!("{repo}@{digest} is stored as {} bytes hashing to {}", top.len(), sha256(&top)));
    }
    let manifest: Value = serde_json::from_slice(&top).map_err(|e| format!("{repo}@{digest} is not JSON: {e}"))?;
    let mut checked = 1;
    for child in manifest["manifests"].as_array().into_iter().flatten() {
        let child = child["digest"].as_str().ok_or("a listed manifest without a digest")?;
        let bytes = registry_raw(registry, &format!("{repo}@{child}"))?;
        if sha256(&bytes) != child {
            return Err(format!("{repo}@{child} hashes to {}", sha256(&bytes)));
        }
        checked += 1;
    }
    Ok(checked)
}

/// `skopeo copy --all --preserve-digests` of `repo@digest` into a throwaway layout: every blob
/// of every platform is downloaded and checked against its digest, so Ok means the image pulls.
pub fn pull_whole(registry: &Registry, repo: &str, digest: &str) -> Result<(), String> {
    let dir = tempfile::tempdir().expect("pull dir");
    copy_to_layout(registry, repo, digest, dir.path(), "pulled").map(drop)
}

/// `skopeo copy --all --preserve-digests docker://REGISTRY/repo@digest oci:DIR:NAME`: a bundle
/// as administrators make one with skopeo today, for the plugin to read.
pub fn skopeo_layout(registry: &Registry, repo: &str, digest: &str, dir: &Path, name: &str) {
    copy_to_layout(registry, repo, digest, dir, name)
        .unwrap_or_else(|e| panic!("skopeo copy to oci:{}:{name}: {e}", dir.display()));
}

fn copy_to_layout(registry: &Registry, repo: &str, digest: &str, dir: &Path, name: &str) -> Result<Vec<u8>, String> {
    let mut command = Command::new("skopeo");
    command.args(["copy", "--quiet", "--all", "--preserve-digests"]).args(registry_flags(registry, "--src-"));
    command.arg(format!("docker://{}/{repo}@{digest}", registry.host()));
    run(command.arg(format!("oci:{}:{name}", dir.display())))
}

/// A `docker save` archive (the legacy format: manifest.json, repositories, a folder per layer)
/// of one small image tagged `repo_tag` (`haproxy:2.8-alpine`). Its manifest.json keeps no
/// registry manifest, so no digest pinned upstream survives it.
pub fn docker_archive(path: &Path, repo_tag: &str) {
    let layer = {
        let mut tar = tar::Builder::new(Vec::new());
        let content = b"an image saved with docker save\n";
        let mut header = tar::Header::new_gnu();
        header.set_size(content.len() as u64);
        header.set_mode(0o644);
        header.set_mtime(0);
        tar.append_data(&mut header, "etc/essregistry-saved.txt", &content[..]).expect("tar");
        tar.into_inner().expect("tar")
    };
    let diff_id = sha256(&layer);
    let layer_id = &diff_id["sha256:".len()..];
    let config = json!({
        "architecture": "amd64", "os": "linux", "created": "1970-01-01T00:00:00Z",
        "config": {"Cmd": ["/bin/sh"]},
        "rootfs": {"type": "layers", "diff_ids": [diff_id]}
    })
    .to_string();
    let config_id = sha256(config.as_bytes())["sha256:".len()..].to_owned();
    let (repo, tag) = repo_tag.rsplit_once(':').expect("repo:tag");
    let manifest = json!([{
        "Config": format!("{config_id}.json"), "RepoTags": [repo_tag], "Layers": [format!("{layer_id}/layer.tar")]
    }]);
    let files: Vec<(String, Vec<u8>)> = vec![
        (format!("{layer_id}/VERSION"), b"1.0".to_vec()),
        (format!("{layer_id}/json"), json!({"id": layer_id, "created": "1970-01-01T00:00:00Z"}).to_string().into()),
        (format!("{layer_id}/layer.tar"), layer),
        (format!("{config_id}.json"), config.into_bytes()),
        ("manifest.json".to_owned(), manifest.to_string().into_bytes()),
        ("repositories".to_owned(), json!({repo: {tag: layer_id}}).to_string().into_bytes()),
    ];
    let mut tar = tar::Builder::new(std::fs::File::create(path).expect("create docker archive"));
    for (name, bytes) in files {
        let mut header = tar::Header::new_gnu();
        header.set_size(bytes.len() as u64);
        header.set_mode(0o644);
        header.set_mtime(0);
        tar.append_data(&mut header, name, bytes.as_slice()).expect("tar");
    }
    tar.finish().expect("write docker archive");
}
