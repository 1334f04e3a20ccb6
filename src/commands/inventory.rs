//! `inventory`: the images of the inputs (the one the input flags name, and each `--also`),
//! mapped as `plan` maps them, walked in the local registry; the document of what is there.
//! Exit 0 when every image is there, 1 when some are not (listed), 3/4 as for `plan`.

use super::pipeline::{read_file_input, read_input, required_mapping};
use crate::cli::{GlobalArgs, InventoryArgs};
use crate::connect::{registry_options, resolve_auth};
use crate::error::Error;
use crate::exit;
use crate::inventory::{self, Inventory};
use crate::mapping::{Image, map_images};
use crate::output::{color_enabled, io_error};
use crate::registry::HttpRegistry;
use crate::report;
use std::io::Write;

pub async fn run(
    args: InventoryArgs,
    global: &GlobalArgs,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<u8, Error> {
    let mapping = required_mapping(&global.mapping, "inventory")?;
    let version = args.version.chart_version.as_deref();
    let mut inputs = vec![read_input(global, Some(&global.cluster), None, version, err).await?];
    for file in &args.also {
        inputs.push(read_file_input(global, file, err).await?);
    }
    // Every input's images, each distinct one once (a release shares most with the last).
    let mut images: Vec<Image> = Vec::new();
    for input in &inputs {
        let include_disabled = global.input.include_disabled;
        let pinned = input.pinned(Some(&mapping.registry), include_disabled);
        let mapped = map_images(&pinned, &mapping).map_err(|problems| input.invalid(problems))?;
        // A component the values disable does not run, and plan does not count it: nor here.
        for image in mapped.into_iter().filter(|image| include_disabled || image.enabled(&pinned)) {
            if !images
                .iter()
                .any(|known| (&known.target, &known.tag, &known.digest) == (&image.target, &image.tag, &image.digest))
            {
                images.push(image);
            }
        }
    }
    let auth = resolve_auth(&global.registry, &mapping.registry, err)?;
    let options = registry_options(&global.registry);
    let store = HttpRegistry::connect(&mapping.registry, auth, &options).await?;
    let recorded = serde_json::from_str(&mapping.recorded()).unwrap_or_default();
    let mut found = Inventory::new(mapping.registry.to_string(), recorded);
    inventory::walk(&store, &mapping.registry, &images, options.concurrency, &mut found).await?;
    report::write(&found, global.output.format, color_enabled(global.output.no_color), out).map_err(io_error)?;
    Ok(if found.missing.is_empty() && found.lost.is_empty() { exit::READY } else { exit::NOT_READY })
}
