//! A chart archive as `helm package` and `helm pull` write it: a gzip tar whose entries all sit
//! in one folder named for the chart (`matrix-stack/Chart.yaml`, `matrix-stack/values.yaml`,
//! ...). Read with the rules of Helm's own loader (pkg/chart/loader/archive): a path outside the
//! folder is refused, a UTF-8 byte-order mark dropped, and at most 100 MiB unpacked.

use crate::digests::MAX_INPUT_BYTES;
use crate::sanitize::printable;
use serde::Deserialize;
use std::io::Read;

/// Helm's `MaxDecompressedChartSize`.
const MAX_UNPACKED_BYTES: u64 = 100 * 1024 * 1024;
const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// What the plugin needs of a chart archive.
#[derive(Debug)]
pub struct ChartArchive {
    pub name: String,
    pub version: String,
    /// The chart's own values.yaml (not a subchart's); empty when it has none.
    pub values: Vec<u8>,
}

#[derive(Deserialize)]
struct ChartYaml {
    name: Option<String>,
    version: Option<serde_yaml::Value>,
}

/// Errors say what the file is instead, and what to pass.
pub fn read(archive: impl Read) -> Result<ChartArchive, String> {
    let mut tar = tar::Archive::new(flate2::read::GzDecoder::new(archive));
    let entries = tar.entries().map_err(|e| format!("not a chart archive (a gzip tar): {e}"))?;
    let (mut chart_yaml, mut values) = (None, None);
    let mut unpacked: u64 = 0;
    for entry in entries {
        let mut entry = entry.map_err(|e| format!("not a chart archive (a gzip tar): {e}"))?;
        let kind = entry.header().entry_type();
        if kind.is_dir() || kind.is_pax_global_extensions() || kind.is_pax_local_extensions() {
            continue;
        }
        let name = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
        let inside = inside_path(&name)?;
        unpacked += entry.size();
        if unpacked > MAX_UNPACKED_BYTES {
            return Err(format!("the archive unpacks to more than {} MiB, as Helm refuses", MAX_UNPACKED_BYTES >> 20));
        }
        let wanted = match inside.as_str() {
            "Chart.yaml" => &mut chart_yaml,
            "values.yaml" => &mut values,
            _ => continue,
        };
        if entry.size() > MAX_INPUT_BYTES as u64 {
            return Err(format!("{} is over {} MiB: not a chart's file", printable(&name), MAX_INPUT_BYTES >> 20));
        }
        let mut bytes = Vec::new();
        entry.read_to_end(&mut bytes).map_err(|e| format!("cannot read {} in the archive: {e}", printable(&name)))?;
        let bytes = bytes.strip_prefix(UTF8_BOM).map(<[u8]>::to_vec).unwrap_or(bytes);
        *wanted = Some(bytes);
    }
    let chart_yaml = chart_yaml
        .ok_or("the archive has no Chart.yaml in its chart folder: it is not a chart archive as helm pull writes it")?;
    let chart: ChartYaml =
        serde_yaml::from_slice(&chart_yaml).map_err(|e| format!("its Chart.yaml is not a chart's metadata: {e}"))?;
    let version = match chart.version {
        Some(serde_yaml::Value::String(text)) => text,
        Some(serde_yaml::Value::Number(number)) => number.to_string(),
        _ => String::new(),
    };
    Ok(ChartArchive { name: chart.name.unwrap_or_default(), version, values: values.unwrap_or_default() })
}

/// The entry's path inside the chart's folder, as Helm's loader computes it; a path that would
/// leave the folder is refused.
fn inside_path(name: &str) -> Result<String, String> {
    let delimiter = if name.contains('\\') { '\\' } else { '/' };
    let mut parts = name.split(delimiter);
    let first = parts.next().unwrap_or_default();
    if first == "Chart.yaml" {
        return Err(
            "Chart.yaml is at the top of the archive, not in a chart folder: Helm refuses such an archive".into()
        );
    }
    let mut clean: Vec<&str> = Vec::new();
    for part in parts {
        match part {
            "" | "." => {}
            ".." if clean.pop().is_some() => {}
            ".." => {
                return Err(format!(
                    "the entry {} points outside the chart's folder: Helm refuses it",
                    printable(name)
                ));
            }
            part => clean.push(part),
        }
    }
    if name.starts_with(['/', '\\']) || clean.first().is_some_and(|p| p.len() == 2 && p.ends_with(':')) {
        return Err(format!("the entry {} has an absolute path, which no chart archive has", printable(name)));
    }
    if clean.is_empty() {
        return Err(format!("the entry {} is not inside a chart folder: Helm refuses it", printable(name)));
    }
    Ok(clean.join("/"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use flate2::Compression;
    use flate2::write::GzEncoder;

    /// A gzip tar of `files`, as `helm package` writes one.
    fn archive(files: &[(&str, &[u8])]) -> Vec<u8> {
        let mut builder = tar::Builder::new(GzEncoder::new(Vec::new(), Compression::default()));
        for (name, bytes) in files {
            let mut header = tar::Header::new_gnu();
            header.set_size(bytes.len() as u64);
            header.set_mode(0o644);
            header.set_cksum();
            builder.append_data(&mut header, name, *bytes).unwrap();
        }
        builder.into_inner().unwrap().finish().unwrap()
    }

    #[test]
    fn reads_the_chart_folders_values_not_a_subcharts() {
        let bytes = archive(&[
            ("matrix-stack/Chart.yaml", b"apiVersion: v2\nname: matrix-stack\nversion: 26.1.0\n"),
            ("matrix-stack/charts/sub/values.yaml", b"sub: true\n"),
            ("matrix-stack/values.yaml", b"\xEF\xBB\xBFsynapse: {}\n"),
        ]);
        let chart = read(bytes.as_slice()).unwrap();
        assert_eq!((chart.name.as_str(), chart.version.as_str()), ("matrix-stack", "26.1.0"));
        assert_eq!(chart.values, b"synapse: {}\n");
    }

    #[test]
    fn refuses_what_helm_refuses_and_what_is_no_chart() {
        let error = |files: &[(&str, &[u8])]| read(archive(files).as_slice()).unwrap_err();
        assert!(error(&[("Chart.yaml", b"name: x\n")]).contains("not in a chart folder"));
        assert!(error(&[("matrix-stack/values.yaml", b"a: 1\n")]).contains("no Chart.yaml"));
        assert!(inside_path("matrix-stack/../../etc/passwd").unwrap_err().contains("outside the chart's folder"));
        assert_eq!(inside_path("matrix-stack\\templates\\x.yaml").unwrap(), "templates/x.yaml");
        assert!(inside_path("/matrix-stack/values.yaml").unwrap_err().contains("absolute"));
        assert!(read(&b"synapse:\n  image: {}\n"[..]).unwrap_err().contains("not a chart archive"));
    }
}
