//! Builds OCI images on disk and pushes them with `skopeo copy`, the way an administrator
//! mirrors ESS: a multi-platform index, a single-platform copy of it, or a converted copy; and,
//! for `mirror`, families of images that share base layers, and an image with one huge layer
//! written to disk as it is made (never held in memory).

use crate::registry::Registry;
use flate2::Compression;
use flate2::write::GzEncoder;
use ring::digest;
use serde_json::json;
use std::fs::File;
use std::io::{BufWriter, Read, Write};
use std::path::Path;
use std::process::Command;
use tempfile::TempDir;

const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
const OCI_INDEX: &str = "application/vnd.oci.image.index.v1+json";

/// An OCI image layout holding one multi-platform image (linux/amd64 and linux/arm64).
pub struct Image {
    dir: TempDir,
    /// Digest of the index: what images_digests pins upstream.
    pub index_digest: String,
    /// Digest of the linux/amd64 manifest alone.
    pub amd64_digest: String,
}

/// How an image reaches the local registry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Copy {
    /// `skopeo copy --all --preserve-digests`: the pinned digest is kept.
    All,
    /// Only the linux/amd64 manifest is copied: the tag gets another digest.
    SinglePlatform,
    /// The index is converted to Docker media types (`--format v2s2`): another digest.
    Converted,
}

/// `sha256:HEX` of `bytes`, as registries name content.
pub fn sha256(bytes: &[u8]) -> String {
    hex_digest(digest::digest(&digest::SHA256, bytes).as_ref())
}

fn hex_digest(hash: &[u8]) -> String {
    format!("sha256:{}", hash.iter().map(|b| format!("{b:02x}")).collect::<String>())
}

fn write_blob(dir: &Path, bytes: &[u8]) -> String {
    let digest = sha256(bytes);
    let path = dir.join("blobs/sha256").join(&digest["sha256:".len()..]);
    std::fs::write(path, bytes).expect("write blob");
    digest
}

/// A tar with one file; its sha256 is the layer's diff_id, its gzip the layer blob.
fn tar_of(content: &str) -> Vec<u8> {
    let mut tar = tar::Builder::new(Vec::new());
    let mut header = tar::Header::new_gnu();
    header.set_size(content.len() as u64);
    header.set_mode(0o644);
    header.set_mtime(0);
    header.set_cksum();
    tar.append_data(&mut header, "essregistry-test.txt", content.as_bytes()).expect("tar");
    tar.into_inner().expect("tar")
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = GzEncoder::new(Vec::new(), Compression::fast());
    std::io::Write::write_all(&mut encoder, bytes).expect("gzip");
    encoder.finish().expect("gzip")
}

impl Image {
    /// A distinct image: `name` goes into its content, so different names give different digests.
    pub fn build(name: &str) -> Image {
        let dir = tempfile::tempdir().expect("layout dir");
        std::fs::create_dir_all(dir.path().join("blobs/sha256")).expect("blobs dir");
        std::fs::write(dir.path().join("oci-layout"), r#"{"imageLayoutVersion":"1.0.0"}"#).expect("oci-layout");
        let mut platforms = Vec::new();
        for arch in ["amd64", "arm64"] {
            let tar = tar_of(&format!("{name} for {arch}\n"));
            let diff_id = sha256(&tar);
            let layer = gzip(&tar);
            let layer_digest = write_blob(dir.path(), &layer);
            let config = json!({
                "architecture": arch, "os": "linux",
                "config": {"Labels": {"essregistry.test/name": name}},
                "rootfs": {"type": "layers", "diff_ids": [diff_id]}
            })
            .to_string();
            let config_digest = write_blob(dir.path(), config.as_bytes());
            let manifest = json!({
                "schemaVersion": 2, "mediaType": OCI_MANIFEST,
                "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": config_digest, "size": config.len()},
                "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": layer_digest, "size": layer.len()}]
            })
            .to_string();
            let digest = write_blob(dir.path(), manifest.as_bytes());
            platforms.push((arch, digest, manifest.len()));
        }
        let index = json!({
            "schemaVersion": 2, "mediaType": OCI_INDEX,
            "manifests": platforms.iter().map(|(arch, digest, size)| json!({
                "mediaType": OCI_MANIFEST, "digest": digest, "size": size,
                "platform": {"architecture": arch, "os": "linux"}
            })).collect::<Vec<_>>()
        })
        .to_string();
        let index_digest = write_blob(dir.path(), index.as_bytes());
        let layout = json!({
            "schemaVersion": 2,
            "manifests": [
                {"mediaType": OCI_INDEX, "digest": index_digest, "size": index.len(),
                 "annotations": {"org.opencontainers.image.ref.name": "all"}},
                {"mediaType": OCI_MANIFEST, "digest": platforms[0].1, "size": platforms[0].2,
                 "annotations": {"org.opencontainers.image.ref.name": "amd64"}}
            ]
        });
        std::fs::write(dir.path().join("index.json"), layout.to_string()).expect("index.json");
        Image { dir, index_digest, amd64_digest: platforms[0].1.clone() }
    }

    /// Pushes the image to `repo:tag` in the registry with skopeo.
    pub fn push(&self, registry: &Registry, repo: &str, tag: &str, copy: Copy) {
        let (source, extra): (&str, &[&str]) = match copy {
            Copy::All => ("all", &["--all", "--preserve-digests"]),
            Copy::SinglePlatform => ("amd64", &[]),
            Copy::Converted => ("all", &["--all", "--format", "v2s2"]),
        };
        skopeo_push(&format!("oci:{}:{source}", self.dir.path().display()), extra, registry, repo, tag);
    }
}

/// `skopeo copy [extra] SOURCE docker://REGISTRY/repo:tag`, with the registry's TLS and login.
fn skopeo_push(source: &str, extra: &[&str], registry: &Registry, repo: &str, tag: &str) {
    let mut command = Command::new("skopeo");
    command.args(["copy", "--quiet"]).args(extra);
    if registry.ca_file().is_some() {
        command.arg("--dest-cert-dir").arg(registry.cert_dir());
    } else {
        command.arg("--dest-tls-verify=false");
    }
    if let Some((user, password)) = &registry.credentials {
        command.arg("--dest-creds").arg(format!("{user}:{password}"));
    }
    command.arg(source).arg(format!("docker://{}/{repo}:{tag}", registry.host()));
    let output = command.output().expect("run skopeo (apt-get install skopeo)");
    assert!(output.status.success(), "skopeo copy failed: {}", String::from_utf8_lossy(&output.stderr));
}

/// Deletes a manifest from the registry, as an administrator cleaning up would.
pub fn delete(registry: &Registry, repo: &str, digest: &str) {
    let mut command = Command::new("skopeo");
    command.arg("delete");
    if registry.ca_file().is_some() {
        command.arg("--cert-dir").arg(registry.cert_dir());
    } else {
        command.arg("--tls-verify=false");
    }
    if let Some((user, password)) = &registry.credentials {
        command.arg("--creds").arg(format!("{user}:{password}"));
    }
    let output = command.arg(format!("docker://{}/{repo}@{digest}", registry.host())).output().expect("run skopeo");
    assert!(output.status.success(), "skopeo delete failed: {}", String::from_utf8_lossy(&output.stderr));
}

const OCI_CONFIG: &str = "application/vnd.oci.image.config.v1+json";
const LAYER_GZIP: &str = "application/vnd.oci.image.layer.v1.tar+gzip";
const LAYER_TAR: &str = "application/vnd.oci.image.layer.v1.tar";

/// A blob in a layout, as a descriptor names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Blob {
    pub digest: String,
    pub size: u64,
}

/// An OCI image layout being written, in a folder of its own (removed on drop).
pub struct Layout {
    dir: TempDir,
    named: Vec<serde_json::Value>,
}

/// Writes through to a file, hashing and counting on the way, so that a blob of any size is
/// named by its digest without being held in memory.
pub struct Hashing {
    file: BufWriter<File>,
    hash: digest::Context,
    size: u64,
}

impl Write for Hashing {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let written = self.file.write(buf)?;
        self.hash.update(&buf[..written]);
        self.size += written as u64;
        Ok(written)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.file.flush()
    }
}

/// Hashes the bytes that pass through it: the uncompressed tar's digest is a layer's diff_id.
struct Tee<'a, W> {
    inner: W,
    hash: &'a mut digest::Context,
}

impl<W: Write> Write for Tee<'_, W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let written = self.inner.write(buf)?;
        self.hash.update(&buf[..written]);
        Ok(written)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// `left` bytes that look random, the same for the same seed: different seeds make different
/// layers, and gzip cannot shrink them (a pattern of up to 1 MiB from xorshift64*, repeated:
/// far beyond deflate's 32 KiB window). Repeating a pattern keeps a 1 GiB layer quick to make.
struct Noise {
    pattern: Vec<u8>,
    at: usize,
    left: u64,
}

impl Noise {
    fn new(seed: &str, left: u64) -> Noise {
        // FNV-1a of the seed; xorshift must not start at zero.
        let hash =
            seed.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3));
        let mut state = hash | 1;
        let words = usize::try_from(left.div_ceil(8)).unwrap_or(usize::MAX).clamp(1, 1 << 17);
        let pattern = (0..words)
            .flat_map(|_| {
                state ^= state >> 12;
                state ^= state << 25;
                state ^= state >> 27;
                state.wrapping_mul(0x2545_f491_4f6c_dd1d).to_le_bytes()
            })
            .collect();
        Noise { pattern, at: 0, left }
    }
}

impl Read for Noise {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let left = usize::try_from(self.left).unwrap_or(usize::MAX);
        let n = buf.len().min(left).min(self.pattern.len() - self.at);
        buf[..n].copy_from_slice(&self.pattern[self.at..self.at + n]);
        self.at = (self.at + n) % self.pattern.len();
        self.left -= n as u64;
        Ok(n)
    }
}

/// A layer's blob with what its config says of it.
#[derive(Clone)]
struct Layer {
    blob: Blob,
    diff_id: String,
    media_type: &'static str,
}

/// Writes a tar holding one file of `size` noise bytes into `sink`, hashing the tar into `hash`.
fn tar_of_noise<W: Write>(sink: W, seed: &str, size: u64, hash: &mut digest::Context) -> std::io::Result<W> {
    let mut tar = tar::Builder::new(Tee { inner: sink, hash });
    let mut header = tar::Header::new_gnu();
    header.set_size(size);
    header.set_mode(0o644);
    header.set_mtime(0);
    tar.append_data(&mut header, "essregistry-test.bin", Noise::new(seed, size))?;
    Ok(tar.into_inner()?.inner)
}

impl Default for Layout {
    fn default() -> Layout {
        Layout::new()
    }
}

impl Layout {
    pub fn new() -> Layout {
        let dir = tempfile::tempdir().expect("layout dir");
        std::fs::create_dir_all(dir.path().join("blobs/sha256")).expect("blobs dir");
        std::fs::write(dir.path().join("oci-layout"), r#"{"imageLayoutVersion":"1.0.0"}"#).expect("oci-layout");
        let layout = Layout { dir, named: Vec::new() };
        layout.write_index();
        layout
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn blob(&self, bytes: &[u8]) -> Blob {
        Blob { digest: write_blob(self.path(), bytes), size: bytes.len() as u64 }
    }

    /// A blob that `write` makes a piece at a time: hashed on its way to a temporary file, which
    /// is renamed to its digest once complete.
    pub fn stream(&self, write: impl FnOnce(&mut Hashing) -> std::io::Result<()>) -> Blob {
        let partial = self.path().join("blobs/sha256/partial");
        let file = File::create(&partial).expect("create blob");
        let hash = digest::Context::new(&digest::SHA256);
        let mut hashing = Hashing { file: BufWriter::with_capacity(1 << 16, file), hash, size: 0 };
        write(&mut hashing).expect("write blob");
        hashing.flush().expect("flush blob");
        let digest = hex_digest(hashing.hash.finish().as_ref());
        std::fs::rename(&partial, self.path().join("blobs/sha256").join(&digest["sha256:".len()..]))
            .expect("name blob");
        Blob { digest, size: hashing.size }
    }

    /// Names `blob` in index.json (`org.opencontainers.image.ref.name`), as `oci:DIR:NAME` reads it.
    fn name(&mut self, name: &str, media_type: &str, blob: &Blob) {
        self.named.push(json!({
            "mediaType": media_type, "digest": blob.digest, "size": blob.size,
            "annotations": {"org.opencontainers.image.ref.name": name}
        }));
        self.write_index();
    }

    fn write_index(&self) {
        let index = json!({"schemaVersion": 2, "manifests": self.named});
        std::fs::write(self.path().join("index.json"), index.to_string()).expect("index.json");
    }

    /// The size of every distinct blob held: what a mirror that sends each blob once moves.
    pub fn blob_bytes(&self) -> u64 {
        let blobs = std::fs::read_dir(self.path().join("blobs/sha256")).expect("blobs dir");
        blobs.map(|entry| entry.expect("blob").metadata().expect("blob size").len()).sum()
    }

    /// A layer holding one file of `size` noise bytes made from `seed`, gzipped or a plain tar.
    fn noise_layer(&self, seed: &str, size: u64, gzip: bool) -> Layer {
        let mut diff = digest::Context::new(&digest::SHA256);
        let blob = self.stream(|out| {
            if gzip {
                tar_of_noise(GzEncoder::new(out, Compression::fast()), seed, size, &mut diff)?.finish().map(drop)
            } else {
                tar_of_noise(out, seed, size, &mut diff).map(drop)
            }
        });
        let diff_id = hex_digest(diff.finish().as_ref());
        Layer { blob, diff_id, media_type: if gzip { LAYER_GZIP } else { LAYER_TAR } }
    }

    /// A linux/`arch` manifest over `layers`, its config labelled with `name`.
    fn platform(&self, name: &str, arch: &str, layers: &[Layer]) -> Blob {
        let diff_ids: Vec<&str> = layers.iter().map(|l| l.diff_id.as_str()).collect();
        let config = json!({
            "architecture": arch, "os": "linux",
            "config": {"Labels": {"essregistry.test/name": name}},
            "rootfs": {"type": "layers", "diff_ids": diff_ids}
        })
        .to_string();
        let config = self.blob(config.as_bytes());
        let manifest = json!({
            "schemaVersion": 2, "mediaType": OCI_MANIFEST,
            "config": {"mediaType": OCI_CONFIG, "digest": config.digest, "size": config.size},
            "layers": layers.iter().map(|l| json!({
                "mediaType": l.media_type, "digest": l.blob.digest, "size": l.blob.size
            })).collect::<Vec<_>>()
        })
        .to_string();
        self.blob(manifest.as_bytes())
    }

    /// An index of linux platform manifests.
    fn index(&self, platforms: &[(&str, Blob)]) -> Blob {
        let index = json!({
            "schemaVersion": 2, "mediaType": OCI_INDEX,
            "manifests": platforms.iter().map(|(arch, blob)| json!({
                "mediaType": OCI_MANIFEST, "digest": blob.digest, "size": blob.size,
                "platform": {"architecture": arch, "os": "linux"}
            })).collect::<Vec<_>>()
        })
        .to_string();
        self.blob(index.as_bytes())
    }
}

/// How a family of images is made: for each platform, every member has the same base layers
/// and one layer of its own, as images built `FROM` one base image do. Sizes are in bytes.
#[derive(Debug, Clone)]
pub struct FamilySpec {
    pub members: usize,
    pub base_layers: Vec<u64>,
    /// 0: the members have no layer of their own (only their config tells them apart).
    pub own_layer: u64,
    pub architectures: Vec<&'static str>,
    /// Gzipped layers, as registries serve them; plain tars are cheaper to make when huge.
    pub gzip: bool,
}

impl FamilySpec {
    /// `members` images for linux/amd64 and linux/arm64 over two small base layers: quick to
    /// build and push, and still sharing most of their bytes.
    pub fn small(members: usize) -> FamilySpec {
        FamilySpec {
            members,
            base_layers: vec![48 * 1024, 16 * 1024],
            own_layer: 4 * 1024,
            architectures: vec!["amd64", "arm64"],
            gzip: true,
        }
    }
}

/// Images of one family, all in one layout.
pub struct Family {
    pub layout: Layout,
    pub members: Vec<Member>,
}

/// One image of a family.
#[derive(Debug, Clone)]
pub struct Member {
    /// `oci:DIR:NAME`, as skopeo reads it.
    pub oci: String,
    /// Digest of the member's index: what images_digests pins.
    pub digest: String,
    /// `linux/ARCH` and the digest of its manifest, for each platform the index lists.
    pub platforms: Vec<(String, String)>,
    /// The layer only this member has, per platform: damaging one spoils this image alone.
    pub own_layers: Vec<Blob>,
}

impl Family {
    /// `name` seeds every byte: the same name and spec give the same digests.
    pub fn build(name: &str, spec: &FamilySpec) -> Family {
        let mut layout = Layout::new();
        let bases: Vec<Vec<Layer>> = spec
            .architectures
            .iter()
            .map(|arch| {
                let sizes = spec.base_layers.iter().enumerate();
                sizes
                    .map(|(j, size)| layout.noise_layer(&format!("{name} base {j} {arch}"), *size, spec.gzip))
                    .collect()
            })
            .collect();
        let mut members = Vec::new();
        for i in 0..spec.members {
            let member_name = format!("{name}-{i}");
            let (mut platforms, mut own_layers) = (Vec::new(), Vec::new());
            for (arch, base) in spec.architectures.iter().zip(&bases) {
                let own = (spec.own_layer > 0)
                    .then(|| layout.noise_layer(&format!("{member_name} {arch}"), spec.own_layer, spec.gzip));
                let layers: Vec<Layer> = base.iter().chain(&own).cloned().collect();
                platforms.push((*arch, layout.platform(&member_name, arch, &layers)));
                own_layers.extend(own.map(|layer| layer.blob));
            }
            let index = layout.index(&platforms);
            layout.name(&member_name, OCI_INDEX, &index);
            members.push(Member {
                oci: format!("oci:{}:{member_name}", layout.path().display()),
                digest: index.digest,
                platforms: platforms.into_iter().map(|(arch, blob)| (format!("linux/{arch}"), blob.digest)).collect(),
                own_layers,
            });
        }
        Family { layout, members }
    }

    /// One linux/amd64 image whose single layer is a plain tar of `size` bytes, written to disk
    /// as it is made: for measuring what mirroring a huge layer costs in memory.
    pub fn large(size: u64) -> Family {
        let spec =
            FamilySpec { members: 1, base_layers: vec![size], own_layer: 0, architectures: vec!["amd64"], gzip: false };
        Family::build("large", &spec)
    }
}

impl Member {
    /// `skopeo copy --all --preserve-digests` to `repo:tag` in `registry`: the index and every
    /// platform manifest keep their digests.
    pub fn push(&self, registry: &Registry, repo: &str, tag: &str) {
        skopeo_push(&self.oci, &["--all", "--preserve-digests"], registry, repo, tag);
    }
}
