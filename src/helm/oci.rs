//! A chart published as an OCI artifact (`helm push`, helm's pkg/registry): its reference
//! (`oci://HOST/PATH/NAME` with `--version`, `:VERSION` or `@sha256:...`) and, in its manifest,
//! the layer that is the chart. Pure: the reader that fetches it is in `sources`.

use crate::oci::Descriptor;
use crate::reference::{Digest, RegistryHost, RepoPath};

/// The config media type of a Helm chart artifact.
pub const CONFIG_MEDIA_TYPE: &str = "application/vnd.cncf.helm.config.v1+json";
/// The chart's layer: the archive `helm package` writes; older charts used the generic type.
const CHART_LAYER_TYPES: [&str; 2] = ["application/vnd.cncf.helm.chart.content.v1.tar+gzip", "application/tar+gzip"];

/// `oci://HOST/PATH/NAME` pinned to a version (a tag) or a digest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChartReference {
    pub host: RegistryHost,
    pub path: RepoPath,
    pub pin: Pin,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Pin {
    /// The chart's version and its tag: Helm writes a version's `+` as `_` in the tag, since a
    /// tag cannot hold `+`.
    Version {
        version: String,
        tag: String,
    },
    Digest(Digest),
}

impl ChartReference {
    /// `text` is `--chart`'s value, `version` `--version`'s. Errors: what is wrong and the way to
    /// write it.
    pub fn parse(text: &str, version: Option<&str>) -> Result<ChartReference, String> {
        let rest = text.strip_prefix("oci://").ok_or_else(|| format!("{text} is not an oci:// reference"))?;
        let (host, path) = rest.split_once('/').ok_or_else(|| format!("{text} names no repository after the host"))?;
        let host = RegistryHost::parse(host).map_err(|why| format!("the host of {text} {why}"))?;
        let (path, pin) = match path.split_once('@') {
            Some((path, digest)) => {
                (path, Some(Pin::Digest(Digest::parse(digest).map_err(|why| format!("{text}: {why}"))?)))
            }
            None => match path.rsplit_once(':').filter(|(_, tag)| !tag.contains('/')) {
                Some((path, tag)) => (path, Some(Pin::Version { version: tag.replace('_', "+"), tag: tag.to_owned() })),
                None => (path, None),
            },
        };
        let path = RepoPath::parse(path).map_err(|why| format!("the repository of {text} {why}"))?;
        let pin = match (pin, version) {
            (Some(Pin::Version { version: named, .. }), Some(given)) if named != given => {
                return Err(format!("{text} names version {named}, and --version {given}: give one of them"));
            }
            (Some(pin), _) => pin,
            (None, Some(given)) => Pin::Version { version: given.to_owned(), tag: given.replace('+', "_") },
            (None, None) => {
                return Err(format!(
                    "{text} names no version: pass --version VERSION (an unpinned chart is whatever was pushed \
                     last, not the one the image digests belong to)"
                ));
            }
        };
        Ok(ChartReference { host, path, pin })
    }

    /// The tag or digest to fetch the manifest by.
    pub fn manifest_reference(&self) -> &str {
        match &self.pin {
            Pin::Version { tag, .. } => tag,
            Pin::Digest(digest) => digest.as_str(),
        }
    }

    /// `oci://HOST/PATH`, as helm takes it with `--version`.
    pub fn unpinned(&self) -> String {
        format!("oci://{}/{}", self.host, self.path)
    }

    /// How a bundle names it: `HOST/PATH:TAG` (or `@DIGEST`), as it names images.
    pub fn bundle_name(&self) -> String {
        match &self.pin {
            Pin::Version { tag, .. } => format!("{}/{}:{tag}", self.host, self.path),
            Pin::Digest(digest) => format!("{}/{}@{digest}", self.host, self.path),
        }
    }
}

/// The chart's layer among `blobs` (config first, as `oci::Manifest::Image` lists them).
/// Errors: what the artifact is instead, for a message.
pub fn chart_layer(blobs: &[Descriptor]) -> Result<&Descriptor, String> {
    let (config, layers) = blobs.split_first().ok_or("it has no config")?;
    if config.media_type != CONFIG_MEDIA_TYPE {
        let what = match config.media_type.as_str() {
            "application/vnd.oci.image.config.v1+json" | "application/vnd.docker.container.image.v1+json" => {
                "a container image".to_owned()
            }
            other => format!("an artifact whose config is {other}"),
        };
        return Err(format!("it is {what}, not a Helm chart (whose config is {CONFIG_MEDIA_TYPE})"));
    }
    layers
        .iter()
        .find(|layer| CHART_LAYER_TYPES.contains(&layer.media_type.as_str()))
        .ok_or_else(|| "it is a Helm chart artifact without a chart layer".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reference_is_pinned_by_version_tag_or_digest() {
        let by_flag =
            ChartReference::parse("oci://ghcr.io/element-hq/ess-helm/matrix-stack", Some("26.1.0+b1")).unwrap();
        assert_eq!(by_flag.manifest_reference(), "26.1.0_b1", "helm writes + as _ in a tag");
        assert_eq!(by_flag.unpinned(), "oci://ghcr.io/element-hq/ess-helm/matrix-stack");
        let by_tag = ChartReference::parse("oci://reg.local:5000/ess/matrix-stack:26.1.0", None).unwrap();
        assert_eq!(by_tag.pin, Pin::Version { version: "26.1.0".into(), tag: "26.1.0".into() });
        assert_eq!(by_tag.bundle_name(), "reg.local:5000/ess/matrix-stack:26.1.0");
        let digest = Digest::of(b"chart");
        let by_digest = ChartReference::parse(&format!("oci://reg.local/ess/matrix-stack@{digest}"), None).unwrap();
        assert_eq!(by_digest.manifest_reference(), digest.as_str());
        assert!(ChartReference::parse("oci://ghcr.io/x/matrix-stack", None).unwrap_err().contains("--version"));
        assert!(ChartReference::parse("oci://ghcr.io/x/m:1.0", Some("2.0")).unwrap_err().contains("give one of them"));
    }

    #[test]
    fn the_chart_layer_is_found_and_an_image_is_refused_for_what_it_is() {
        let blob = |media_type: &str| Descriptor {
            media_type: media_type.to_owned(),
            digest: Digest::of(media_type.as_bytes()),
            size: 1,
            platform: None,
        };
        let chart = [blob(CONFIG_MEDIA_TYPE), blob("application/vnd.cncf.helm.chart.content.v1.tar+gzip")];
        assert_eq!(chart_layer(&chart).unwrap().media_type, "application/vnd.cncf.helm.chart.content.v1.tar+gzip");
        let legacy = [blob(CONFIG_MEDIA_TYPE), blob("application/tar+gzip")];
        assert!(chart_layer(&legacy).is_ok());
        let image =
            [blob("application/vnd.oci.image.config.v1+json"), blob("application/vnd.oci.image.layer.v1.tar+gzip")];
        assert!(chart_layer(&image).unwrap_err().starts_with("it is a container image, not a Helm chart"));
    }
}
