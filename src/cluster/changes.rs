//! What applying would change: the live objects read and compared with the desired ones.

use super::Cluster;
use super::objects::{self, Action, Change};
use crate::error::Error;
use k8s_openapi::api::core::v1::{ConfigMap, Secret};

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
}
