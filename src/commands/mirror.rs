//! `mirror`: the input (or a bundle's own images_digests) -> targets -> copies from upstream or a
//! bundle into the local registry or a bundle -> the report, printed whatever happens after.

use super::pipeline::read_input;
use crate::bundle;
use crate::bundle::assumed::{ASSUMED_FILE, Assumed, AssumedImage};
use crate::bundle::chart_record::Given;
use crate::bundle::layout::Layout;
use crate::bundle::space::Need;
use crate::cli::{GlobalArgs, MirrorArgs};
use crate::connect::{registry_options, resolve_auth};
use crate::error::Error;
use crate::exit::{self, Outcome};
use crate::input::{Content, Input};
use crate::inventory::Inventory;
use crate::mapping::{Image, Mapping, Pinned, map_images};
use crate::mirror::attached::{Found, discover};
use crate::mirror::referrers::keep_listings;
use crate::mirror::reuse::take_blobs;
use crate::mirror::source::Failure;
use crate::mirror::{
    CopyOptions, Delta, Have, Item, Outcome as Copied, Sink, Source, Surveyed, Upstreams, blobs_needed, copy_surveyed,
    dry_run, survey_all,
};
use crate::output::{color_enabled, describe_io, io_error};
use crate::reference::RegistryHost;
use crate::registry::{HttpRegistry, ManifestStore};
use crate::report::{self, BundleState, MirrorProgress, MirrorReport, OutputFormat, Target, Uploads};
use crate::signature::Key;
use crate::signed::{InBundle, judge, read_keys};
use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

pub async fn run(args: MirrorArgs, global: &GlobalArgs, out: &mut dyn Write, err: &mut dyn Write) -> Result<u8, Error> {
    check_args(&args, global)?;
    let keys = read_keys(&args.verify.verify_keys)?;
    let opened = args.from_bundle.as_deref().map(|path| bundle::open(path, "--from-bundle")).transpose()?;
    let inventories = args.have.iter().map(|path| Inventory::read(path)).collect::<Result<Vec<_>, _>>()?;
    // A delta is made for the mapping its inventories were made with: the targets they list.
    let mapping = match inventories.is_empty() {
        true => mapping_or_bundle(global),
        false => delta_mapping(global, &args.have, &inventories)?,
    };
    let delta = match (&opened, &args.from_bundle) {
        _ if !inventories.is_empty() => Delta::Have(Have::new(&inventories)),
        (Some(opened), Some(path)) => match Assumed::read(&opened.layout, path)? {
            Some(assumed) => Delta::Assumed { assumed, mount: !args.dry_run },
            None => Delta::None,
        },
        _ => Delta::None,
    };
    let bundle = opened.as_ref().zip(args.from_bundle.as_deref()).map(|(opened, given)| (given, &opened.layout));
    let input = read_input(global, Some(&global.cluster), bundle, args.version.chart_version.as_deref(), err).await?;
    // A chart pins tags: each is resolved once at the source, and the report records the digest
    // copied (a bundle names it by its tag). Blocks an overlay already points at the local
    // registry are carried from the chart's own images; into a bundle, that registry is the one
    // the overlay set.
    let local = args.to_bundle.is_none().then_some(&mapping.registry);
    let pinned = input.pinned(local, global.input.include_disabled);
    let images = map_images(&pinned, &mapping).map_err(|problems| input.invalid(problems))?;
    let images = carried(images, &pinned, err)?;
    let mut items = items_of(&input, &pinned, &images, &mapping);

    let options = registry_options(&global.registry);
    let source = match opened {
        Some(ref opened) => Source::Bundle(opened.layout.clone()),
        None => {
            // The sources share the local registry's trust and proxy rules; their own
            // certs.d folders are searched, and `--registry-cert-dir` stays the local registry's.
            let source_options =
                crate::registry::RegistryOptions { cert_dir: None, insecure_skip_tls_verify: false, ..options.clone() };
            let env = |key: &str| std::env::var(key).ok();
            Source::Upstream(Box::new(Upstreams::new(global.input.source_mirrors.clone(), source_options, env)))
        }
    };
    // The folder this run makes to assemble a bundle in, removed again if the disk lacks room.
    let mut made = None;
    let (sink, bundle_out) = match &args.to_bundle {
        // A dry run reads the bundle as far as it is there, and makes nothing.
        Some(path) if args.dry_run => {
            let layout = Layout::at(&bundle::Output::staging_of(path));
            (Sink::Bundle { layout, named: Mutex::new(vec![]) }, None)
        }
        Some(path) => {
            // Where nothing was, or an empty folder: what a refusal before the first blob puts back.
            let staging = bundle::Output::staging_of(path);
            let empty = staging.read_dir().map(|mut entries| entries.next().is_none()).unwrap_or(false);
            made = (!staging.exists() || empty).then_some((staging, empty));
            let (output, layout) = open_output(path, err).await?;
            (Sink::Bundle { layout, named: Mutex::new(vec![]) }, Some(output))
        }
        None => {
            let registry = &mapping.registry;
            let auth = resolve_auth(&global.registry, registry, err)?;
            let store = HttpRegistry::connect(registry, auth, &options).await?;
            // A dry run asks only to read.
            let store = if args.dry_run { store } else { store.with_push_access() };
            let store = store.with_chunk_size(args.chunk_size).taking_403_as_missing();
            let repos: Vec<_> = items.iter().map(|item| &item.to.repo).collect();
            store.prepare(&repos).await;
            (Sink::Registry { store: Box::new(store), registry: registry.clone() }, None)
        }
    };

    let copy_options = CopyOptions { platforms: args.platforms.clone(), concurrency: options.concurrency };
    let mut surveyed = survey_all(&items, &source, &sink, &copy_options).await;
    let mut full = HashMap::new();
    full.extend(blobs_needed(&surveyed).into_iter().map(|blob| (blob.digest.clone(), blob.size)));
    let mut assumed = delta.apply(&items, &mut surveyed, &source, &sink, options.concurrency).await;
    let mut outcomes = if args.dry_run {
        dry_run(&items, surveyed, &sink).await
    } else {
        if let (Some(output), Sink::Bundle { layout, .. }) = (&bundle_out, &sink)
            && let Err(refused) = bundle::space::check_room(&space_needed(output, layout, &surveyed))
        {
            if let Some((made, empty)) = &made {
                let _ = std::fs::remove_dir_all(made);
                if *empty {
                    let _ = std::fs::create_dir(made);
                }
            }
            return Err(refused);
        }
        let progress = MirrorProgress::new(items.len(), "sent");
        let outcomes = copy_surveyed(&items, surveyed, &source, &sink, &copy_options, &progress).await;
        progress.finish();
        outcomes
    };
    // What is attached to each image (signatures, attestations, SBOMs, referrers) travels with
    // it, and the referrers stay findable there; a dry run does not look for them.
    let found = match args.no_signatures || args.dry_run {
        true => Found::default(),
        false => discover(&source, &items, &outcomes, &copy_options.platforms).await.or_else(|failure| {
            writeln!(err, "warning: signatures and other attached artifacts were not looked for: {failure}")
                .map(|()| Found::default())
                .map_err(io_error)
        })?,
    };
    let first_attached = items.len();
    let mut attached = found.attached;
    if !attached.is_empty() {
        let extra: Vec<Item> = attached.iter().map(|found| found.item.clone()).collect();
        let mut surveyed = survey_all(&extra, &source, &sink, &copy_options).await;
        full.extend(blobs_needed(&surveyed).into_iter().map(|blob| (blob.digest.clone(), blob.size)));
        assumed.extend(delta.apply(&extra, &mut surveyed, &source, &sink, options.concurrency).await);
        let progress = MirrorProgress::new(extra.len(), "sent");
        outcomes.extend(copy_surveyed(&extra, surveyed, &source, &sink, &copy_options, &progress).await);
        progress.finish();
        items.extend(extra);
    }
    for (listing, outcome) in keep_listings(&sink, &found.listings).await {
        items.push(listing.item.clone());
        outcomes.push(outcome);
        attached.push(listing);
    }

    // The report is printed whatever finishing the bundle does; a bundle that could not be
    // finished is said after it, and counts as an image not ready.
    let missing: Vec<String> = items
        .iter()
        .zip(&outcomes)
        .filter(|(_, outcome)| matches!(outcome, Copied::Failed { .. }))
        .map(|(item, _)| item.to.name.clone())
        .collect();
    let unfinished = match (&sink, &bundle_out) {
        (Sink::Bundle { layout, named }, Some(output)) => {
            let digests = match &input.content {
                Content::Digests { bytes, .. } => Some(bytes.as_slice()),
                Content::Chart(_) => None,
            };
            let sets = global.input.sets();
            let chart = match input.chart().map(|chart| &chart.origin) {
                Some(crate::helm::Origin::Oci { reference, values, .. }) => {
                    Some((format!("oci://{}", reference.bundle_name()), values.clone()))
                }
                _ => None,
            };
            let chart = chart.as_ref().map(|(reference, values)| Given { chart: reference, values, sets: &sets });
            record_assumed(layout, &delta, &mapping, &assumed)
                .and_then(|()| {
                    let named = named.lock().expect("names");
                    output.finish(layout, &named, digests, chart.as_ref(), &missing, outcomes.len())
                })
                .err()
        }
        _ => None,
    };
    let to = match &args.to_bundle {
        Some(path) => Target::Bundle(path),
        None => Target::Registry(&mapping.registry),
    };
    let mut report = MirrorReport::new(MirrorReport::labels(&items, &pinned, &images, to), &outcomes);
    if let (Sink::Registry { store, registry }, false) = (&sink, args.dry_run) {
        report.uploads = Some(Uploads::new(registry, store.upload_facts()));
    }
    if !matches!(delta, Delta::None) {
        let full_bytes = matches!(delta, Delta::Have(_)).then(|| full.values().sum());
        report.mark_assumed(&assumed, inventories.len(), full_bytes);
    }
    report.mark_attached(first_attached, &attached);
    let unsigned = unsigned_at_destination(&sink, &keys, &items[..images.len()], &outcomes).await;
    for (index, reason) in &unsigned {
        report.mark_unsigned(*index, reason.clone());
    }
    report.bundle = bundle_out.as_ref().map(|output| BundleState {
        path: output.path().display().to_string(),
        made_from: input.name.clone(),
        images: first_attached,
        complete: unfinished.is_none(),
        missing,
        problem: unfinished.clone(),
    });
    report::write(&report, global.output.format, color_enabled(global.output.no_color), out).map_err(io_error)?;
    if report.summary.trimmed > 0 {
        writeln!(
            err,
            "note: {} trimmed to --platform: their tags hold other digests than the pinned ones, so write the \
             ConfigMap with `kubectl essregistry apply ... --digest-mismatch use-local`",
            crate::output::counted(report.summary.trimmed, "image was", "images were")
        )
        .map_err(io_error)?;
    }
    // The table says it last; a document for a program is said again where a person looks.
    if let Some(unfinished) = unfinished.as_ref().filter(|_| global.output.format != OutputFormat::Table) {
        writeln!(err, "error: {unfinished}").map_err(io_error)?;
    }
    let outcomes = outcomes.iter().map(Copied::exit_outcome);
    let unsigned = unsigned.iter().map(|_| Outcome::NotReady);
    Ok(exit::fold(outcomes.chain(unsigned).chain(unfinished.map(|_| Outcome::NotReady))))
}

/// `--verify-key`: the images (`items`, with their `outcomes`) that the destination holds but
/// that no signature there by one of `keys` names, each with the reason. What is checked is
/// what the run left where the cluster (or the next `--from-bundle`) takes it from: the local
/// registry, or the bundle; so an image carried unsigned is reported, never trusted.
async fn unsigned_at_destination(
    sink: &Sink,
    keys: &[Key],
    items: &[Item],
    outcomes: &[Copied],
) -> Vec<(usize, String)> {
    if keys.is_empty() {
        return Vec::new();
    }
    let names = match sink {
        Sink::Bundle { named, .. } => named.lock().expect("names").clone(),
        _ => Vec::new(),
    };
    let mut unsigned = Vec::new();
    for (index, (item, outcome)) in items.iter().zip(outcomes).enumerate() {
        let digest = match outcome {
            Copied::Copied { digest, .. } | Copied::Present { digest, .. } => digest,
            Copied::Failed { .. } | Copied::WouldCopy { .. } => continue,
        };
        let verdict = match sink {
            Sink::Registry { store, .. } => judge(store.as_ref(), keys, item.to.repo.as_str(), digest).await,
            Sink::Bundle { layout, .. } => {
                let holder = InBundle { layout, named: &names };
                judge(&holder, keys, &format!("{}/{}", item.origin.server, item.origin.path), digest).await
            }
            Sink::Check => None,
        };
        unsigned.extend(verdict.map(|(_, reason)| (index, reason)));
    }
    unsigned
}

/// The mapping the flags give; without `--registry`, one for a bundle, which keeps the upstream
/// names (its targets are not used).
pub(super) fn mapping_or_bundle(global: &GlobalArgs) -> Mapping {
    global.mapping.mapping(None).unwrap_or_else(|| Mapping::identity(RegistryHost::parse("bundle").expect("valid")))
}

/// What a copy carries: the images, and a chart read as an OCI artifact, which travels with
/// them (helm needs it inside the gap), last.
pub(super) fn items_of(input: &Input, pinned: &[Pinned], images: &[Image], mapping: &Mapping) -> Vec<Item> {
    let mut items = Item::for_images(pinned, images);
    if let Some(crate::helm::Origin::Oci { reference, digest, .. }) = input.chart().map(|chart| &chart.origin) {
        items.push(Item::for_chart(reference, digest, mapping.target_path(&reference.host, &reference.path)));
    }
    items
}

/// The images a copy carries: what does not run is not, unless asked (`--include-disabled`);
/// those left out are named on `err`.
pub(super) fn carried(mut images: Vec<Image>, pinned: &[Pinned], err: &mut dyn Write) -> Result<Vec<Image>, Error> {
    let disabled: Vec<String> = images.iter().filter(|image| !image.enabled(pinned)).map(Image::source).collect();
    images.retain(|image| image.enabled(pinned));
    if !disabled.is_empty() {
        writeln!(
            err,
            "not carried, as their components are disabled in the values (--include-disabled carries them): {}",
            disabled.join(", ")
        )
        .map_err(io_error)?;
    }
    Ok(images)
}

/// The bundle `--to-bundle` writes and the layout it is assembled in; the blobs of an archive
/// an earlier run left under its name are taken into that layout, each checked against its
/// digest, and the archive removed, so that only this run's complete archive takes the name.
async fn open_output(path: &Path, err: &mut dyn Write) -> Result<(bundle::Output, Layout), Error> {
    let (output, layout, previous) = bundle::Output::create(path)?;
    let Some(previous) = previous else { return Ok((output, layout)) };
    let reused = take_blobs(&previous.layout, &layout).await.map_err(|e| Error::NotWritten {
        message: format!("cannot take the blobs of the archive {} already there: {}", path.display(), describe_io(&e)),
        hint: "free space beside it, or name another archive, and run again".into(),
    })?;
    output.remove_previous(previous)?;
    writeln!(
        err,
        "reusing {} blobs of the archive already at {}, each checked against its digest",
        reused.blobs,
        path.display()
    )
    .map_err(io_error)?;
    if !reused.damaged.is_empty() {
        let damaged: Vec<String> = reused.damaged.iter().map(ToString::to_string).collect();
        writeln!(err, "fetching again {} blobs it held damaged: {}", damaged.len(), damaged.join(", "))
            .map_err(io_error)?;
    }
    Ok((output, layout))
}

/// What the bundle still needs, before its first blob: the blobs it lacks in the folder it is
/// assembled in, and for an archive the whole bundle again where the archive is packed.
fn space_needed(output: &bundle::Output, layout: &Layout, surveyed: &[Result<Surveyed, Failure>]) -> Vec<Need> {
    let missing = blobs_needed(surveyed).into_iter().filter(|blob| !layout.has_blob(blob));
    let blobs: u64 = missing.map(|blob| blob.size).sum();
    let mut needs = vec![Need { path: layout.root().to_owned(), bytes: blobs, what: "the blobs still needed" }];
    if layout.root() != output.path() {
        let packed = blobs + bundle::space::used_by(layout.root());
        needs.push(Need { path: output.path().to_owned(), bytes: packed, what: "the archive packed from them" });
    }
    needs
}

/// The mapping a delta is made for: the first inventory's, each mapping flag given replacing its
/// part. Errors (exit 2): an inventory made in another registry or with another mapping than
/// that, whose repositories are not where this run's images go (a delta against it would assume
/// blobs where the import will not find them).
fn delta_mapping(global: &GlobalArgs, files: &[PathBuf], inventories: &[Inventory]) -> Result<Mapping, Error> {
    let recorded = |inventory: &Inventory| Mapping::from_recorded(&inventory.mapping.to_string());
    let Some(first) = recorded(&inventories[0]) else {
        return Err(Error::usage(
            format!("--have {}: its mapping cannot be read: {}", files[0].display(), inventories[0].mapping),
            "make the inventory again with this version of kubectl essregistry",
        ));
    };
    let mapping = global.mapping.given_over(&first).unwrap_or(first);
    for (file, inventory) in files.iter().zip(inventories) {
        let theirs = recorded(inventory);
        if theirs.as_ref() != Some(&mapping) || inventory.registry != mapping.registry.to_string() {
            let theirs = theirs.map_or_else(|| inventory.mapping.to_string(), |theirs| theirs.to_string());
            return Err(Error::usage(
                format!(
                    "--have {}: the inventory was made in {} with {theirs}, and this delta is for {mapping}: its \
                     repositories are not where the images go, so no delta was written",
                    file.display(),
                    inventory.registry
                ),
                "give the mapping flags the bundle will be pushed with, the same as the inventory's, or make the \
                 inventory again with them; every --have must be made with the same mapping",
            ));
        }
    }
    Ok(mapping)
}

/// Records in the bundle what a delta assumes (`assumed.json`), or removes what an earlier
/// delta run left there when this one writes a full bundle.
fn record_assumed(
    layout: &Layout,
    delta: &Delta,
    mapping: &Mapping,
    assumed: &[Option<AssumedImage>],
) -> Result<(), String> {
    let written = match delta {
        Delta::Have(_) => {
            let recorded = serde_json::from_str(&mapping.recorded()).unwrap_or_default();
            let images = assumed.iter().flatten().cloned().collect();
            Assumed::new(mapping.registry.to_string(), recorded, images).write(layout.root())
        }
        Delta::None | Delta::Assumed { .. } => Assumed::remove(layout.root()),
    };
    written.map_err(|e| format!("cannot write {ASSUMED_FILE} into the bundle: {}", describe_io(&e)))
}

/// What the flags cannot say together, refused before anything is read or contacted.
fn check_args(args: &MirrorArgs, global: &GlobalArgs) -> Result<(), Error> {
    match (&global.mapping.registry, &args.to_bundle) {
        (None, None) => {
            return Err(Error::usage(
                "mirror needs a destination: --registry HOST[:PORT] or --to-bundle PATH",
                "on the connected side write a bundle with --to-bundle; inside the air gap push it with --from-bundle \
                 PATH --registry HOST",
            ));
        }
        // With --have, the mapping flags name the targets the inventories list.
        (Some(_), Some(_)) if !args.have.is_empty() => {}
        (Some(registry), Some(path)) => {
            return Err(Error::usage(
                format!("mirror goes to one destination: --registry {registry} or --to-bundle {}", path.display()),
                "drop one of them: a bundle is pushed to the registry later with --from-bundle",
            ));
        }
        _ => {}
    }
    if !args.verify.verify_keys.is_empty() && (args.no_signatures || args.dry_run) {
        let flag = if args.no_signatures { "--no-signatures leaves out" } else { "--dry-run carries none of" };
        return Err(Error::usage(
            format!("{flag} the signatures --verify-key checks"),
            "drop one of them: mirror --verify-key checks the signatures it carried, where it put them",
        ));
    }
    if global.output.format == OutputFormat::Values {
        return Err(Error::usage(
            "mirror writes no values: -o values is plan's and apply's",
            "use -o table, json or yaml",
        ));
    }
    for (i, mirror) in global.input.source_mirrors.iter().enumerate() {
        if let Some(other) = global.input.source_mirrors[..i].iter().find(|m| m.upstream == mirror.upstream) {
            return Err(Error::usage(
                format!("--source-mirror names two mirrors for {}: {other} and {mirror}", mirror.upstream),
                "keep one --source-mirror per upstream host",
            ));
        }
    }
    Ok(())
}
