//! `--chart PATH` with `--values FILE...`: the chart's values.yaml (as `helm show values` prints
//! it) or its archive (as `helm pull` writes it), and the admin's values files laid over it.

use crate::error::Error;
use crate::helm::{Chart, Layer, Origin, SetKind, Values, archive};
use crate::sanitize::printable;
use std::io::Read;
use std::path::{Path, PathBuf};

/// A chart archive is some hundred kilobytes; this is far beyond any.
const MAX_CHART_FILE_BYTES: u64 = 100 * 1024 * 1024;
const GZIP_MAGIC: &[u8] = b"\x1F\x8B";

/// `--chart PATH` (values.yaml, or the archive `helm pull` writes) and `--values FILE...`.
pub fn read(chart: &Path, value_files: &[PathBuf], sets: &[(SetKind, String)]) -> Result<Chart, Error> {
    let bytes = read_file(chart)?;
    if !bytes.starts_with(GZIP_MAGIC) {
        let name = chart.display().to_string();
        let layer = Layer { values: parse(&name, &bytes)?, name: name.clone() };
        let origin =
            Origin::Files { chart: chart.to_owned(), archive: false, version: None, values: value_files.to_vec() };
        return assemble(name, None, layer, value_files, sets, origin);
    }
    let found = archive::read(bytes.as_slice()).map_err(|why| {
        Error::usage(
            format!("{}: {why}", chart.display()),
            "pass the chart archive as helm pull writes it (matrix-stack-VERSION.tgz), or the chart's values.yaml",
        )
    })?;
    let origin = Origin::Files {
        chart: chart.to_owned(),
        archive: true,
        version: Some(found.version.clone()).filter(|version| !version.is_empty()),
        values: value_files.to_vec(),
    };
    from_archive(found, &chart.display().to_string(), value_files, sets, origin)
}

/// A chart archive's values, found at `place` (a file, an `oci://` reference), with the
/// admin's files and `--set` lines over them.
pub fn from_archive(
    found: archive::ChartArchive,
    place: &str,
    value_files: &[PathBuf],
    sets: &[(SetKind, String)],
    origin: Origin,
) -> Result<Chart, Error> {
    let name = format!("values.yaml of {place}");
    let layer = Layer { values: parse(&name, &found.values)?, name };
    let described = format!("{} {} ({place})", printable(&found.name), printable(&found.version));
    assemble(described, Some(found.name).filter(|name| !name.is_empty()), layer, value_files, sets, origin)
}

/// The chart's values, the `--values` files over them in order, then the `--set` lines.
fn assemble(
    described: String,
    chart_name: Option<String>,
    chart_layer: Layer,
    value_files: &[PathBuf],
    sets: &[(SetKind, String)],
    origin: Origin,
) -> Result<Chart, Error> {
    let mut user = Vec::new();
    for path in value_files {
        let name = path.display().to_string();
        user.push(Layer { values: parse(&name, &read_file(path)?)?, name });
    }
    let name = match value_files {
        [] => described,
        files => {
            format!("{described} with {}", files.iter().map(|f| f.display().to_string()).collect::<Vec<_>>().join(", "))
        }
    };
    let values = Values::new(chart_layer, user).with_sets(sets).map_err(set_refused)?;
    Ok(Chart { chart_name, ..Chart::new(name, values, origin)? })
}

/// A `--set` line Helm would refuse (exit 2).
pub fn set_refused(why: String) -> Error {
    Error::usage(
        why,
        "write it as helm --set takes it: a.b=c for a nested key, a[0]=c for a list item, a={x,y} for a list, \\, for \
         a comma in a value",
    )
}

fn parse(name: &str, bytes: &[u8]) -> Result<serde_yaml::Mapping, Error> {
    crate::helm::parse_values(bytes).map_err(|problems| Error::Values { source_name: name.to_owned(), problems })
}

fn read_file(path: &Path) -> Result<Vec<u8>, Error> {
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
