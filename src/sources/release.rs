//! `--release NAME`: the deployed Helm release read back from the cluster as Helm's Secret
//! driver keeps it (`sh.helm.release.v1.NAME.vN`, labelled `owner=helm`).

use crate::cluster::Cluster;
use crate::error::Error;
use crate::helm::{self, Chart, RELEASE_KEY, Release, SetKind};
use crate::sanitize::printable;

/// `--release NAME`: the deployed revision's values and blocks.
pub async fn read(cluster: &Cluster, name: &str, sets: &[(SetKind, String)]) -> Result<Chart, Error> {
    Chart::from_release(deployed(cluster, name).await?, sets).map_err(|why| match why {
        Ok(error) => error,
        Err(set) => super::chart_files::set_refused(set),
    })
}

/// The names of the releases of `chart` deployed in the cluster's namespace, sorted; Secrets
/// that do not decode as releases are not counted (`--release` says why, when named).
pub async fn deployed_of_chart(cluster: &Cluster, chart: &str) -> Result<Vec<String>, Error> {
    let secrets = cluster.list_secrets(helm::EVERY_DEPLOYED).await?;
    let mut names: Vec<String> = secrets
        .iter()
        .filter_map(|secret| {
            let stored = secret.data.as_ref()?.get(RELEASE_KEY)?;
            helm::decode_release(&stored.0).ok().filter(|release| release.chart_name == chart).map(|r| r.name)
        })
        .collect();
    names.sort();
    names.dedup();
    Ok(names)
}

/// The deployed revision of the release in the cluster's namespace, as Helm itself finds it:
/// the Secrets labelled `name=NAME,owner=helm,status=deployed`, the highest revision if several
/// say so. `name` is a release name (`check_release_name`), as the flag's parser makes sure.
async fn deployed(cluster: &Cluster, name: &str) -> Result<Release, Error> {
    let secrets = cluster.list_secrets(&helm::deployed_selector(name)).await?;
    let mut deployed: Option<Release> = None;
    for secret in &secrets {
        let secret_name = secret.metadata.name.clone().unwrap_or_default();
        let stored =
            secret.data.as_ref().and_then(|data| data.get(RELEASE_KEY)).map(|b| b.0.as_slice()).unwrap_or_default();
        let mut decoded = helm::decode_release(stored).map_err(|why| {
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

/// Why no deployed revision was found: no release of that name here, or only revisions that
/// are not deployed (failed, superseded, pending).
async fn no_deployed_release(cluster: &Cluster, name: &str) -> Error {
    let history = match cluster.list_secrets(&helm::history_selector(name)).await {
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
