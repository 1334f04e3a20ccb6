//! The adapter that reads the chart input: the chart's values.yaml or archive and the admin's
//! values files from this machine, or a deployed release from the cluster.

use super::release::{self, RELEASE_KEY, Release};
use super::{ImageBlock, Layer, Values, archive, blocks, values};
use crate::cluster::Cluster;
use crate::error::Error;
use crate::sanitize::printable;
use std::io::Read;
use std::path::{Path, PathBuf};

/// A chart archive is some hundred kilobytes; this is far beyond any.
const MAX_CHART_FILE_BYTES: u64 = 100 * 1024 * 1024;
const GZIP_MAGIC: &[u8] = b"\x1F\x8B";

/// The chart input: its values, the image blocks in them, and where it came from.
pub struct ChartInput {
    /// How messages name it.
    pub name: String,
    pub values: Values,
    pub blocks: Vec<ImageBlock>,
    pub origin: Origin,
}

/// Where the values came from, for the `helm` command that uses the overlay.
pub enum Origin {
    /// `--chart` with its `--values` files, in order; `archive` when `chart` is the chart archive
    /// (helm can install from it), not its values.yaml.
    Files { chart: PathBuf, archive: bool, values: Vec<PathBuf> },
    /// `--release`: the deployed revision.
    Release(Box<Release>),
}

/// `--chart PATH` (values.yaml, or the archive `helm pull` writes) and `--values FILE...`.
pub fn read_files(chart: &Path, value_files: &[PathBuf]) -> Result<ChartInput, Error> {
    let bytes = read(chart)?;
    let (chart_layer, archive) = if bytes.starts_with(GZIP_MAGIC) {
        let found = archive::read(bytes.as_slice()).map_err(|why| {
            Error::usage(
                format!("{}: {why}", chart.display()),
                "pass the chart archive as helm pull writes it (matrix-stack-VERSION.tgz), or the chart's values.yaml",
            )
        })?;
        let name = format!("values.yaml of {}", chart.display());
        let layer = Layer { values: parse(&name, &found.values)?, name };
        (layer, Some((found.name, found.version)))
    } else {
        let name = chart.display().to_string();
        (Layer { values: parse(&name, &bytes)?, name }, None)
    };
    let mut user = Vec::new();
    for path in value_files {
        let name = path.display().to_string();
        user.push(Layer { values: parse(&name, &read(path)?)?, name });
    }
    let name = match &archive {
        Some((chart_name, version)) => {
            format!("{} {} ({})", printable(chart_name), printable(version), chart.display())
        }
        None => chart.display().to_string(),
    };
    let name = match value_files {
        [] => name,
        files => {
            format!("{name} with {}", files.iter().map(|f| f.display().to_string()).collect::<Vec<_>>().join(", "))
        }
    };
    let origin = Origin::Files { chart: chart.to_owned(), archive: archive.is_some(), values: value_files.to_vec() };
    found(name, Values::new(chart_layer, user), origin)
}

/// `--release NAME`: the deployed revision's values and blocks.
pub async fn read_release(cluster: &Cluster, name: &str) -> Result<ChartInput, Error> {
    from_release(deployed_release(cluster, name).await?)
}

/// The deployed revision of the release in the cluster's namespace, as Helm itself finds it:
/// the Secrets labelled `name=NAME,owner=helm,status=deployed`, the highest revision if several
/// say so. `name` is a release name (`check_release_name`), as the flag's parser makes sure.
pub async fn deployed_release(cluster: &Cluster, name: &str) -> Result<Release, Error> {
    let secrets = cluster.list_secrets(&release::deployed_selector(name)).await?;
    let mut deployed: Option<Release> = None;
    for secret in &secrets {
        let secret_name = secret.metadata.name.clone().unwrap_or_default();
        let stored =
            secret.data.as_ref().and_then(|data| data.get(RELEASE_KEY)).map(|b| b.0.as_slice()).unwrap_or_default();
        let mut decoded = release::decode(stored).map_err(|why| {
            Error::usage(
                format!(
                    "the Secret {}/{} does not hold a Helm release: {why}",
                    cluster.namespace,
                    printable(&secret_name)
                ),
                format!("check it with `helm history {name} -n {}`; its Secrets are Helm's own", cluster.namespace),
            )
        })?;
        if decoded.namespace.is_empty() {
            decoded.namespace = cluster.namespace.clone();
        }
        if deployed.as_ref().is_none_or(|d| decoded.revision > d.revision) {
            deployed = Some(decoded);
        }
    }
    match deployed {
        Some(release) => Ok(release),
        None => Err(no_deployed_release(cluster, name).await),
    }
}

/// A release's values: the chart's, with the release's user values over them.
pub fn from_release(release: Release) -> Result<ChartInput, Error> {
    let revision = format!("release {} (revision {}, namespace {})", release.name, release.revision, release.namespace);
    let chart = Layer { name: format!("the chart's values in {revision}"), values: release.chart_values.clone() };
    let user = Layer { name: format!("the user values of {revision}"), values: release.config.clone() };
    let title = format!("{revision}, chart {} {}", printable(&release.chart_name), printable(&release.chart_version));
    found(title, Values::new(chart, vec![user]), Origin::Release(Box::new(release)))
}

/// Why no deployed revision was found: no release of that name here, or only revisions that
/// are not deployed (failed, superseded, pending).
async fn no_deployed_release(cluster: &Cluster, name: &str) -> Error {
    let history = match cluster.list_secrets(&release::history_selector(name)).await {
        Ok(history) => history,
        Err(error) => return error,
    };
    if history.is_empty() && matches!(cluster.namespace_exists().await, Ok(Some(false))) {
        return cluster.missing_namespace();
    }
    let namespace = &cluster.namespace;
    let mut revisions: Vec<(u64, String)> = history
        .iter()
        .filter_map(|secret| {
            let labels = secret.metadata.labels.as_ref()?;
            let version = labels.get("version")?.parse().ok()?;
            Some((version, printable(labels.get("status").map_or("unknown", String::as_str))))
        })
        .collect();
    revisions.sort();
    let reason = if revisions.is_empty() {
        format!("no Helm release {name} in namespace {namespace} (no Secret labelled name={name},owner=helm)")
    } else {
        let listed: Vec<String> = revisions.iter().map(|(v, status)| format!("{v} ({status})")).collect();
        format!("the release {name} has no deployed revision: {}", listed.join(", "))
    };
    cluster.refusal(
        format!("find the deployed release {name}"),
        reason,
        format!(
            "see the releases with `helm list -n {namespace}` (or `helm list -A`) and their revisions with `helm history \
             {name} -n {namespace}`, or pass -n NAMESPACE; releases kept with HELM_DRIVER=configmap are not read"
        ),
    )
}

/// The blocks of `values`, or every problem with them.
fn found(name: String, values: Values, origin: Origin) -> Result<ChartInput, Error> {
    let blocks = blocks::find(&values).map_err(|problems| Error::Values { source_name: name.clone(), problems })?;
    if blocks.is_empty() {
        return Err(Error::usage(
            format!("{name} has no image block (a mapping under a key named image, with a repository)"),
            "pass the matrix-stack chart's values.yaml or archive with --chart, or its deployed release with --release",
        ));
    }
    Ok(ChartInput { name, values, blocks, origin })
}

fn parse(name: &str, bytes: &[u8]) -> Result<serde_yaml::Mapping, Error> {
    values::parse(bytes).map_err(|problems| Error::Values { source_name: name.to_owned(), problems })
}

fn read(path: &Path) -> Result<Vec<u8>, Error> {
    let unreadable = |e: std::io::Error| {
        Error::usage(
            format!("cannot read {}: {e}", path.display()),
            "pass the chart's values.yaml or archive with --chart, and your own values files with --values",
        )
    };
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .and_then(|file| file.take(MAX_CHART_FILE_BYTES + 1).read_to_end(&mut bytes))
        .map_err(unreadable)?;
    if bytes.len() as u64 > MAX_CHART_FILE_BYTES {
        return Err(Error::usage(
            format!("{} is over {} MiB: no chart or values file is", path.display(), MAX_CHART_FILE_BYTES >> 20),
            "pass the chart's values.yaml or archive with --chart, and your own values files with --values",
        ));
    }
    Ok(bytes)
}
