//! The helm command that lays the overlay over the admin's values. The plugin never runs helm:
//! it prints the line, for the admin to run where helm and the chart are, inside the air gap.
//! So the line names the chart as it is there and always pins its version (an unpinned
//! `helm upgrade` installs the newest chart, whose templates and labels would not match the
//! image digests the overlay pins); where either cannot be known, no line is printed, but why
//! and the flag that gives it.

use super::Origin;
use super::SetKind;
use crate::sanitize::command_line;
use std::path::Path;

/// Where Element publishes the chart: reachable only outside the air gap.
pub const CHART_REFERENCE: &str = "oci://ghcr.io/element-hq/ess-helm/matrix-stack";
/// The chart's name, as its Chart.yaml and every release of it say.
pub const CHART_NAME: &str = "matrix-stack";
/// The release name ESS's documentation installs with, for a first install.
const DOCUMENTED_RELEASE: &str = "ess";

/// What the admin says of the install (`apply --release-name`, `--chart-ref`, `--version`), and
/// the releases of the chart already deployed in the namespace.
#[derive(Debug, Default)]
pub struct Install<'a> {
    pub release_name: Option<&'a str>,
    /// The chart as helm reaches it inside the air gap: `oci://LOCAL/PATH/matrix-stack`, or an
    /// archive's path.
    pub chart_ref: Option<&'a str>,
    /// The chart's version, for values that do not carry it (a bare values.yaml).
    pub version: Option<&'a str>,
    /// Names of the deployed releases of the chart in the namespace; None when they were not
    /// read (a client dry run calls no API).
    pub deployed: Option<&'a [String]>,
    /// The `--set`, `--set-string`, `--set-json` lines the values were read with, in Helm's
    /// order: helm must be given them too, or it renders other values than were checked.
    pub sets: &'a [(SetKind, String)],
}

/// The line to run, or why there is none; and a note on what it assumes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HelmCommand {
    pub line: Option<String>,
    /// Why no line is printed and the flag that gives one, or what the line assumes.
    pub note: Option<String>,
}

/// `helm upgrade` with the overlay last, so that it wins: for `--chart`, the chart with the
/// `--values` files in their order; for `--release`, the release's chart version with its
/// values reused (the overlay then leaves out what the release keeps).
pub fn command(origin: &Origin, namespace: &str, overlay: &Path, install: &Install) -> HelmCommand {
    let refused = |note: String| HelmCommand { line: None, note: Some(note) };
    let mut notes = Vec::new();
    // The chart helm is given unless --chart-ref says otherwise, the version it carries, and
    // where that version was read (for a message).
    let (carried, chart, files) = match origin {
        Origin::Release(deployed) => {
            let chart = install.chart_ref.map(str::to_owned).unwrap_or_else(|| published(&mut notes));
            let words = [
                "helm",
                "upgrade",
                "--install",
                &deployed.name,
                &chart,
                "--version",
                &deployed.chart_version,
                "--namespace",
                &deployed.namespace,
                "--reuse-values",
            ];
            let mut words: Vec<String> = words.into_iter().map(str::to_owned).collect();
            words.extend(["-f".to_owned(), overlay.display().to_string()]);
            set_lines(install.sets, &mut words, &mut notes);
            return HelmCommand { line: Some(command_line(&words)), note: joined(notes) };
        }
        Origin::Files { chart: path, archive, version, values } => {
            let chart = match (install.chart_ref, archive) {
                (Some(chart), _) => chart.to_owned(),
                (None, true) => path.display().to_string(),
                (None, false) => published(&mut notes),
            };
            (version.as_ref().map(|v| (v.clone(), format!("the chart archive {}", path.display()))), chart, values)
        }
        Origin::Oci { reference, digest, version, values } => {
            let unpinned = reference.unpinned();
            notes.push(format!("Helm 3.18 or newer can pin the chart by its digest too: {unpinned}@{digest}"));
            let chart = install.chart_ref.map(str::to_owned).unwrap_or(unpinned);
            (Some((version.clone(), format!("the chart {}", reference.bundle_name()))), chart, values)
        }
    };
    let release = match (install.release_name, install.deployed) {
        (Some(name), _) => name.to_owned(),
        (None, None) => {
            return refused(
                "a client dry run reads nothing from the cluster, so the release these values are for is not known: \
                 pass --release-name NAME, or use --dry-run=server"
                    .to_owned(),
            );
        }
        (None, Some([])) => DOCUMENTED_RELEASE.to_owned(),
        (None, Some([one])) => one.clone(),
        (None, Some(several)) => {
            return refused(format!(
                "several releases of the chart are deployed in namespace {namespace} ({}): pass --release-name NAME \
                 for the one these values are for",
                several.join(", ")
            ));
        }
    };
    let version = match (carried, install.version) {
        (Some((carried, from)), Some(given)) if carried != given => {
            return refused(format!(
                "--version {given} but {from} is version {carried}: drop --version, or pass {given}'s"
            ));
        }
        (Some((carried, _)), _) => carried,
        (None, Some(given)) => given.to_owned(),
        (None, None) => {
            return refused(
                "the values carry no chart version, and helm without --version installs the newest chart, not the \
                 one these image digests belong to: pass --version VERSION (the chart's, as helm show chart prints \
                 it), or the chart archive with --chart"
                    .to_owned(),
            );
        }
    };
    let mut words: Vec<String> =
        ["helm", "upgrade", "--install", &release, &chart, "--version", &version, "--namespace", namespace]
            .into_iter()
            .map(str::to_owned)
            .collect();
    for file in files {
        words.extend(["-f".to_owned(), file.display().to_string()]);
    }
    words.extend(["-f".to_owned(), overlay.display().to_string()]);
    set_lines(install.sets, &mut words, &mut notes);
    HelmCommand { line: Some(command_line(&words)), note: joined(notes) }
}

/// The `--set` lines, after the files: helm lets them win over every `-f` file, the overlay
/// included, so one that sets an image block's field is said to override the overlay's.
fn set_lines(sets: &[(SetKind, String)], words: &mut Vec<String>, notes: &mut Vec<String>) {
    for (kind, line) in sets {
        words.extend([kind.flag().to_owned(), line.clone()]);
        if line.split(',').any(|part| part.split('=').next().is_some_and(|key| key.contains("image"))) {
            notes.push(format!(
                "helm lets {} {line} win over the overlay: an image's registry, repository or digest set there \
                 is pulled as set, not from the local registry; put it in a values file instead",
                kind.flag()
            ));
        }
    }
}

/// The published chart, which the line names where nothing else is known, and the note that it
/// cannot be pulled inside the gap.
fn published(notes: &mut Vec<String>) -> String {
    notes.push(format!(
        "{CHART_REFERENCE} cannot be pulled inside the air gap: pass --chart-ref with the chart as helm reaches it \
         there (the local registry's copy, or the archive)"
    ));
    CHART_REFERENCE.to_owned()
}

fn joined(notes: Vec<String>) -> Option<String> {
    (!notes.is_empty()).then(|| notes.join("; "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::helm::Release;
    use std::path::PathBuf;

    /// What the admin says of nothing, with no release of the chart deployed.
    fn install() -> Install<'static> {
        Install { deployed: Some(&[]), ..Install::default() }
    }

    fn archive() -> Origin {
        Origin::Files {
            chart: PathBuf::from("charts/matrix-stack-26.1.0.tgz"),
            archive: true,
            version: Some("26.1.0".into()),
            values: vec![PathBuf::from("hostnames.yaml"), PathBuf::from("my values.yaml")],
        }
    }

    #[test]
    fn the_set_lines_the_values_were_read_with_go_to_helm_and_one_on_an_image_is_said_to_win() {
        let sets =
            [(SetKind::Typed, "haproxy.enabled=false".to_owned()), (SetKind::String, "a.image.tag=v1".to_owned())];
        let command = command(&archive(), "ess", Path::new("o.yaml"), &Install { sets: &sets, ..install() });
        let line = command.line.unwrap();
        assert!(line.ends_with("-f o.yaml --set haproxy.enabled=false --set-string a.image.tag=v1"), "{line}");
        assert!(command.note.unwrap().contains("--set-string a.image.tag=v1 win over the overlay"));
    }

    #[test]
    fn the_archive_is_installed_at_its_version_with_the_overlay_last() {
        let command = command(&archive(), "ess", Path::new("overlay.yaml"), &install());
        assert_eq!(
            command.line.as_deref(),
            Some(
                "helm upgrade --install ess charts/matrix-stack-26.1.0.tgz --version 26.1.0 --namespace ess -f \
                 hostnames.yaml -f 'my values.yaml' -f overlay.yaml"
            )
        );
        assert_eq!(command.note, None);
        let deployed = ["matrix".to_owned()];
        let install =
            Install { chart_ref: Some("oci://reg.local/ess/matrix-stack"), deployed: Some(&deployed), ..install() };
        let line = super::command(&archive(), "ess", Path::new("o.yaml"), &install).line.unwrap();
        assert!(
            line.starts_with("helm upgrade --install matrix oci://reg.local/ess/matrix-stack --version 26.1.0"),
            "{line}"
        );
    }

    #[test]
    fn bare_values_need_a_version_and_several_releases_a_name() {
        let values =
            Origin::Files { chart: PathBuf::from("values.yaml"), archive: false, version: None, values: vec![] };
        let none = command(&values, "ess", Path::new("o.yaml"), &install());
        assert_eq!(none.line, None);
        assert!(none.note.unwrap().contains("pass --version VERSION"));
        let given = command(&values, "ess", Path::new("o.yaml"), &Install { version: Some("26.8.2"), ..install() });
        assert_eq!(
            given.line.as_deref(),
            Some(
                "helm upgrade --install ess oci://ghcr.io/element-hq/ess-helm/matrix-stack --version 26.8.2 --namespace ess -f o.yaml"
            )
        );
        assert!(given.note.unwrap().contains("cannot be pulled inside the air gap: pass --chart-ref"));
        let deployed = ["a".to_owned(), "b".to_owned()];
        let several =
            command(&archive(), "ess", Path::new("o.yaml"), &Install { deployed: Some(&deployed), ..install() });
        assert_eq!(several.line, None);
        assert!(several.note.unwrap().contains("(a, b): pass --release-name NAME"));
        let wrong = command(&archive(), "ess", Path::new("o.yaml"), &Install { version: Some("26.2.0"), ..install() });
        assert!(wrong.note.unwrap().starts_with("--version 26.2.0 but the chart archive"));
    }

    #[test]
    fn a_release_keeps_its_name_namespace_chart_version_and_values() {
        let release = Release {
            name: "matrix".into(),
            namespace: "chat".into(),
            revision: 2,
            chart_name: "matrix-stack".into(),
            chart_version: "26.1.0".into(),
            chart_values: Default::default(),
            config: Default::default(),
            pod_instances: vec![],
        };
        let install = Install { chart_ref: Some("oci://reg.local/ess/matrix-stack"), ..install() };
        assert_eq!(
            command(&Origin::Release(Box::new(release)), "other", Path::new("/tmp/it's.yaml"), &install)
                .line
                .as_deref(),
            Some(
                "helm upgrade --install matrix oci://reg.local/ess/matrix-stack --version 26.1.0 --namespace chat \
                 --reuse-values -f '/tmp/it'\\''s.yaml'"
            )
        );
    }
}
