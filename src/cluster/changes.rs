//! What applying would change (the live objects read and compared with the desired ones), and
//! the changes written.

use super::objects::{self, Action, Change};
use super::{Cluster, WriteMode};
use crate::error::Error;
use k8s_openapi::api::core::v1::{ConfigMap, Secret};
use std::io::Write;

impl Cluster {
    /// Reads the live objects and says what applying `configmap` and `secret` would change, the
    /// ConfigMap first. A namespace that does not exist is an error (exit 5) when an object would
    /// be created in it: server-side apply would be refused there.
    pub async fn changes(&self, configmap: Option<&ConfigMap>, secret: Option<&Secret>) -> Result<Vec<Change>, Error> {
        let mut changes = Vec::new();
        if let Some(configmap) = configmap {
            let live = self.get_configmap(configmap.metadata.name.as_deref().unwrap_or_default()).await?;
            changes.push(objects::configmap_change(live.as_ref(), configmap));
        }
        if let Some(secret) = secret {
            let live = self.get_secret(secret.metadata.name.as_deref().unwrap_or_default()).await?;
            changes.push(objects::secret_change(live.as_ref(), secret));
        }
        if changes.iter().any(|change| change.action == Action::Create) && self.namespace_exists().await? == Some(false)
        {
            return Err(self.missing_namespace());
        }
        Ok(changes)
    }

    /// Writes what changed, the ConfigMap first; an object already as desired is not written. A
    /// failure after a write says exactly what was and was not written.
    pub async fn write_changes(
        &self,
        changes: &[Change],
        configmap: Option<&ConfigMap>,
        secret: Option<&Secret>,
        mode: WriteMode,
        err: &mut dyn Write,
    ) -> Result<(), Error> {
        let mut written: Vec<String> = Vec::new();
        for change in changes.iter().filter(|c| c.action != Action::Unchanged) {
            let resource = change.resource();
            let object = format!("{}/{}", change.kind.to_lowercase(), change.name);
            let result = async {
                if change.action == Action::Replace {
                    self.delete(&change.name, resource, mode).await?;
                    let why = change.blocker.as_deref().unwrap_or("it cannot be updated in place");
                    writeln!(err, "deleted {object} to re-create it (--force): {why}").map_err(Error::Output)?;
                    if mode.server_dry_run {
                        // The server's dry run deleted nothing, so the re-creation cannot be tried.
                        return Ok(());
                    }
                }
                match (change.kind, secret, configmap) {
                    ("Secret", Some(secret), _) => self.apply(secret, resource, mode).await.map(drop),
                    ("ConfigMap", _, Some(configmap)) => self.apply(configmap, resource, mode).await.map(drop),
                    // `changes` holds a change for each desired object, and no other.
                    _ => Ok(()),
                }
            }
            .await;
            if let Err(failure) = result {
                if written.is_empty() && change.action != Action::Replace {
                    return Err(failure);
                }
                let done = if written.is_empty() {
                    format!("deleted {object}")
                } else {
                    format!("wrote {}", written.join(" and "))
                };
                let rerun = match &failure {
                    Error::Cluster(cluster_failure) if !cluster_failure.rerun_helps => {
                        "A rerun alone cannot finish it: fix that first, then run apply again to write what is missing."
                    }
                    _ => "Then run apply again: it writes what is missing and leaves the rest as it is.",
                };
                let hint = format!("{} {rerun}", failure.hint().unwrap_or("Fix the cause above."));
                return Err(Error::PartlyApplied {
                    written: format!("{done} but not {object}"),
                    failure: Box::new(failure),
                    hint,
                });
            }
            written.push(object);
        }
        Ok(())
    }
}
