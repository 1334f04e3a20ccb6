//! Gathers what the installer references, from its files and from ElementDeployment objects
//! (the live ones are what the Operator reconciles).

use super::Cluster;
use super::installer::{self, Field, InstallerReport, Source};
use std::path::Path;

impl Cluster {
    /// Both sources are optional: a missing folder or a cluster without the kind is no error;
    /// an API failure while looking is a warning, since the evidence is advice, not state.
    pub async fn installer_report(
        &self,
        installer_dir: &Path,
        configmap_name: &str,
        secret_name: Option<&str>,
        still_upstream: Vec<String>,
        warnings: &mut Vec<String>,
    ) -> InstallerReport {
        let mut sources = installer::read_installer_files(installer_dir, warnings);
        let mut searched = vec![format!("{}/config/*.yml", installer_dir.display())];
        match self.element_deployments().await {
            Ok(Some(objects)) => {
                searched.push(format!("ElementDeployment objects in {}", self.namespace));
                for object in objects {
                    let label = format!("ElementDeployment/{}", object.metadata.name.clone().unwrap_or_default());
                    let document = serde_json::to_value(&object).unwrap_or_default();
                    sources.push(Source { label, deployed: true, document });
                }
            }
            Ok(None) => searched.push("no ElementDeployment kind in the cluster".into()),
            Err(error) => warnings.push(format!("could not read ElementDeployment objects: {error}")),
        }
        InstallerReport {
            evidence_available: !sources.is_empty(),
            config_map: installer::reference(configmap_name, Field::ImagesDigestsConfigMap, &sources),
            secret: secret_name.map(|name| installer::reference(name, Field::DockerSecrets, &sources)),
            still_upstream,
            searched,
        }
    }
}
