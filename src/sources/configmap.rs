//! `--from-configmap NAME`: the installer's images_digests kept in the cluster, read from the
//! ConfigMap's `data.images_digests` without a copy on this machine.

use super::Read;
use crate::cluster::Cluster;
use crate::digests::DATA_KEY;
use crate::error::Error;
use crate::sanitize::printable;

/// `data.images_digests` of the live ConfigMap `name`: the installer's images_digests kept in the
/// cluster, read without a copy on this machine. A ConfigMap that is not there is an API answer about
/// the cluster (exit 5, as a missing namespace); one without the key is bad input (exit 2).
pub async fn read(cluster: &Cluster, name: &str) -> Result<Read, Error> {
    let whole = format!("ConfigMap {}/{name} (context \"{}\")", cluster.namespace, cluster.context);
    let Some(configmap) = cluster.get_configmap(name).await? else {
        if cluster.namespace_exists().await? == Some(false) {
            return Err(cluster.missing_namespace());
        }
        return Err(cluster.refusal(
            format!("get configmaps/{name}"),
            format!("configmaps \"{name}\" not found"),
            format!(
                "--from-configmap names a ConfigMap of namespace {ns}: see which there are with `kubectl get \
                 configmaps -n {ns} --context {context}`, or pass -n NAMESPACE",
                ns = cluster.namespace,
                context = cluster.context
            ),
        ));
    };
    let data = configmap.data.unwrap_or_default();
    let Some(text) = data.get(DATA_KEY) else {
        let holds = if data.is_empty() {
            "no data".to_owned()
        } else {
            format!("only {}", data.keys().map(|k| printable(k)).collect::<Vec<_>>().join(", "))
        };
        return Err(Error::usage(
            format!("the {whole} has no data.{DATA_KEY}: it holds {holds}"),
            "name the ConfigMap whose data.images_digests holds images_digests, or pass the installer's file with -f FILE",
        ));
    };
    Ok(Read {
        name: format!("data.{DATA_KEY} of the {whole}"),
        bytes: text.clone().into_bytes(),
        notes: vec![],
        bundle: None,
    })
}
