//! `mirror --verify-bundle PATH`: the bundle opened (an archive unpacked beside it), its own
//! images_digests (or the input given) -> the images -> each checked in the bundle, offline ->
//! the report. No registry and no cluster is contacted.

use super::mirror::{carried, items_of, mapping_or_bundle};
use super::pipeline::read_input;
use crate::bundle;
use crate::bundle::assumed::Assumed;
use crate::cli::GlobalArgs;
use crate::error::Error;
use crate::exit::{self, Outcome};
use crate::mapping::map_images;
use crate::mirror::{Checked, check_bundle};
use crate::output::{color_enabled, io_error};
use crate::report::{self, BundleCheckReport, MirrorProgress, MirrorReport, OutputFormat, Target};
use std::io::Write;
use std::path::Path;

pub async fn run(
    path: &Path,
    version: Option<&str>,
    global: &GlobalArgs,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<u8, Error> {
    check_args(global)?;
    let opened = bundle::open(path, "--verify-bundle")?;
    // None: an input kept in the cluster is refused above, and nothing else is contacted.
    // A chart given as `--chart oci://` is read from the bundle, as `--from-bundle` reads it.
    let input = read_input(global, None, Some((path, &opened.layout)), version, err).await?;
    let pinned = input.pinned(None, global.input.include_disabled);
    let mapping = mapping_or_bundle(global);
    let images = map_images(&pinned, &mapping).map_err(|problems| input.invalid(problems))?;
    let images = carried(images, &pinned, err)?;
    let items = items_of(&input, &pinned, &images, &mapping);

    let progress = MirrorProgress::new(items.len(), "checked");
    let assumed = Assumed::read(&opened.layout, path)?;
    let concurrency = usize::from(global.registry.concurrency);
    let checked = check_bundle(&items, &opened.layout, assumed, concurrency, &progress).await;
    progress.finish();

    let labels = MirrorReport::labels(&items, &pinned, &images, Target::Bundle(path));
    let report = BundleCheckReport::new(path.display().to_string(), input.name.clone(), labels, &checked);
    report::write(&report, global.output.format, color_enabled(global.output.no_color), out).map_err(io_error)?;
    let whole =
        |checked: &Checked| if matches!(checked, Checked::Whole { .. }) { Outcome::Ready } else { Outcome::NotReady };
    Ok(exit::fold(checked.iter().map(whole)))
}

/// What `--verify-bundle` cannot be given, refused before anything is read.
fn check_args(global: &GlobalArgs) -> Result<(), Error> {
    if let Some(registry) = &global.mapping.registry {
        return Err(Error::usage(
            format!("--verify-bundle checks the bundle alone, offline: --registry {registry} is not used"),
            "drop --registry; to push the bundle, use --from-bundle PATH --registry HOST",
        ));
    }
    if global.input.release.is_some() || global.input.from_configmap.is_some() {
        return Err(Error::usage(
            "--verify-bundle reads nothing from the cluster: --release and --from-configmap cannot name its images",
            "drop them: the bundle keeps the images_digests it was made from (or give -f FILE, or --chart)",
        ));
    }
    if global.output.format == OutputFormat::Values {
        return Err(Error::usage("--verify-bundle writes no values", "use -o table, json or yaml"));
    }
    Ok(())
}
