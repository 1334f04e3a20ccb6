//! The helm command that lays the overlay over the admin's values. The plugin never runs helm:
//! it prints the line, for the admin to run where helm and the chart are.

use super::Origin;
use crate::sanitize::command_line;
use std::path::Path;

/// Where Element publishes the chart.
pub const CHART_REFERENCE: &str = "oci://ghcr.io/element-hq/ess-helm/matrix-stack";
/// The release name ESS's documentation installs with; `--chart` knows no release of its own.
const DOCUMENTED_RELEASE: &str = "ess";

/// `helm upgrade` with the overlay last, so that it wins: for `--chart`, the chart archive given
/// (or the published chart) with the `--values` files in their order; for `--release`, the
/// release's chart version with its values reused.
pub fn command(origin: &Origin, namespace: &str, overlay: &Path) -> String {
    let mut words: Vec<String> = match origin {
        Origin::Files { chart, archive, values } => {
            let chart = if *archive { chart.display().to_string() } else { CHART_REFERENCE.to_owned() };
            let mut words = vec!["helm", "upgrade", "--install", DOCUMENTED_RELEASE, &chart, "--namespace", namespace]
                .into_iter()
                .map(str::to_owned)
                .collect::<Vec<_>>();
            for file in values {
                words.extend(["-f".to_owned(), file.display().to_string()]);
            }
            words
        }
        Origin::Release(release) => {
            let mut words: Vec<String> = ["helm", "upgrade", &release.name, CHART_REFERENCE].map(str::to_owned).into();
            if !release.chart_version.is_empty() {
                words.extend(["--version".to_owned(), release.chart_version.clone()]);
            }
            words.extend(["--namespace".to_owned(), namespace.to_owned(), "--reuse-values".to_owned()]);
            words
        }
    };
    words.extend(["-f".to_owned(), overlay.display().to_string()]);
    command_line(&words)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::helm::Release;
    use std::path::PathBuf;

    #[test]
    fn the_overlay_comes_last_after_the_admins_values() {
        let origin = Origin::Files {
            chart: PathBuf::from("charts/matrix-stack-26.1.0.tgz"),
            archive: true,
            values: vec![PathBuf::from("hostnames.yaml"), PathBuf::from("my values.yaml")],
        };
        assert_eq!(
            command(&origin, "ess", Path::new("overlay.yaml")),
            "helm upgrade --install ess charts/matrix-stack-26.1.0.tgz --namespace ess -f hostnames.yaml -f 'my values.yaml' -f overlay.yaml"
        );
        let values_only = Origin::Files { chart: PathBuf::from("values.yaml"), archive: false, values: vec![] };
        assert_eq!(
            command(&values_only, "ess", Path::new("o.yaml")),
            "helm upgrade --install ess oci://ghcr.io/element-hq/ess-helm/matrix-stack --namespace ess -f o.yaml"
        );
    }

    #[test]
    fn a_release_keeps_its_chart_version_and_its_values() {
        let release = Release {
            name: "ess".into(),
            namespace: "ess".into(),
            revision: 2,
            chart_name: "matrix-stack".into(),
            chart_version: "26.1.0".into(),
            chart_values: Default::default(),
            config: Default::default(),
            pod_instances: vec![],
        };
        assert_eq!(
            command(&Origin::Release(Box::new(release)), "ess", Path::new("/tmp/it's.yaml")),
            "helm upgrade ess oci://ghcr.io/element-hq/ess-helm/matrix-stack --version 26.1.0 --namespace ess --reuse-values -f '/tmp/it'\\''s.yaml'"
        );
    }
}
