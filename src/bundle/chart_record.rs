//! The chart a bundle was made from (`mirror --chart oci://... --to-bundle`), kept beside
//! `index.json` as `chart.json`, with copies of the `--values` files in `chart-values/` and the
//! `--set` lines: so that inside the air gap `mirror --from-bundle` and `plan -f BUNDLE` read the
//! chart carried in the bundle, with the values it was carried for, and need no `--chart`.

use crate::helm::SetKind;
use serde::{Deserialize, Serialize};
use std::io;
use std::path::{Path, PathBuf};

/// The record's file name beside `index.json`.
pub const CHART_FILE: &str = "chart.json";
const VALUES_DIR: &str = "chart-values";

/// `chart.json`: the reference as `--chart` takes it, the values files in order (names under
/// `chart-values/`), and the `--set`, `--set-string`, `--set-json` lines in Helm's order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Record {
    chart: String,
    values: Vec<String>,
    sets: Vec<Set>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Set {
    /// `--set`, `--set-string` or `--set-json`.
    flag: String,
    line: String,
}

/// The chart a bundle holds, as read back: what `--chart`, `--values` and `--set` would say.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BundledChart {
    /// `oci://HOST/PATH/NAME:TAG` or `...@sha256:...`.
    pub chart: String,
    /// The copies of the values files in the bundle, in order.
    pub values: Vec<PathBuf>,
    pub sets: Vec<(SetKind, String)>,
}

/// What a bundle is made from, as `mirror --to-bundle` was given it: `--chart`, `--values`,
/// and the `--set` lines.
pub struct Given<'a> {
    pub chart: &'a str,
    pub values: &'a [PathBuf],
    pub sets: &'a [(SetKind, String)],
}

/// Writes the record into the bundle's folder `root`, replacing an earlier one. Errors: the
/// file system's (a values file unreadable or the disk full).
pub fn write(root: &Path, given: &Given) -> io::Result<()> {
    let Given { chart, values, sets } = *given;
    let dir = root.join(VALUES_DIR);
    if dir.exists() {
        std::fs::remove_dir_all(&dir)?;
    }
    let mut names = Vec::new();
    for (index, path) in values.iter().enumerate() {
        std::fs::create_dir_all(&dir)?;
        let base = path.file_name().map(|name| name.to_string_lossy().into_owned()).unwrap_or_default();
        let name = format!("{}-{base}", index + 1);
        std::fs::copy(path, dir.join(&name))?;
        names.push(name);
    }
    let sets = sets.iter().map(|(kind, line)| Set { flag: kind.flag().to_owned(), line: line.clone() }).collect();
    let record = Record { chart: chart.to_owned(), values: names, sets };
    let partial = root.join(format!("{CHART_FILE}.partial"));
    std::fs::write(&partial, serde_json::to_vec_pretty(&record).expect("a record serialises"))?;
    std::fs::rename(partial, root.join(CHART_FILE))
}

/// The chart recorded in the bundle's folder `root`; None when the bundle was not made from an
/// OCI chart. Errors: the record is damaged (what is wrong, for a message).
pub fn read(root: &Path) -> Result<Option<BundledChart>, String> {
    let bytes = match std::fs::read(root.join(CHART_FILE)) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(format!("cannot read its {CHART_FILE}: {e}")),
    };
    let record: Record = serde_json::from_slice(&bytes).map_err(|e| format!("its {CHART_FILE} is damaged: {e}"))?;
    let mut sets = Vec::new();
    for set in record.sets {
        let kind = [SetKind::Typed, SetKind::String, SetKind::Json]
            .into_iter()
            .find(|kind| kind.flag() == set.flag)
            .ok_or_else(|| format!("its {CHART_FILE} names an unknown flag {}", set.flag))?;
        sets.push((kind, set.line));
    }
    let values = record.values.iter().map(|name| root.join(VALUES_DIR).join(name)).collect();
    Ok(Some(BundledChart { chart: record.chart, values, sets }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_record_reads_back_with_its_values_files_and_set_lines_in_order() {
        let root = tempfile::tempdir().unwrap();
        let mine = root.path().join("mine.yaml");
        std::fs::write(&mine, "synapse:\n  enabled: true\n").unwrap();
        let sets = vec![(SetKind::Json, "a={\"b\":1}".to_owned()), (SetKind::String, "c=2".to_owned())];
        let given =
            Given { chart: "oci://reg/ess-helm/matrix-stack:26.1.0", values: std::slice::from_ref(&mine), sets: &sets };
        write(root.path(), &given).unwrap();
        let read = read(root.path()).unwrap().unwrap();
        assert_eq!(read.chart, "oci://reg/ess-helm/matrix-stack:26.1.0");
        assert_eq!(read.sets, sets);
        assert_eq!(std::fs::read_to_string(&read.values[0]).unwrap(), "synapse:\n  enabled: true\n");
        assert_eq!(super::read(&root.path().join("elsewhere")).unwrap(), None);
    }
}
