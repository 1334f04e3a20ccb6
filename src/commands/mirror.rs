//! `mirror`: the input (or a bundle's own images_digests) -> targets -> copies from upstream or a
//! bundle into the local registry or a bundle -> the report, printed whatever happens after.

use super::pipeline::read_input;
use crate::bundle;
use crate::cli::{GlobalArgs, MirrorArgs};
use crate::connect::{registry_options, resolve_auth};
use crate::error::Error;
use crate::exit::{self, Outcome};
use crate::input::Content;
use crate::mapping::{Image, Mapping, map_images};
use crate::mirror::attached::discover;
use crate::mirror::{CopyOptions, Item, Outcome as Copied, Sink, Source, Upstreams, copy_all};
use crate::output::{color_enabled, describe_io, io_error};
use crate::reference::RegistryHost;
use crate::registry::{HttpRegistry, ManifestStore};
use crate::report::{self, BundleState, MirrorProgress, MirrorReport, OutputFormat, Target};
use std::io::Write;
use std::sync::Mutex;

pub async fn run(args: MirrorArgs, global: &GlobalArgs, out: &mut dyn Write, err: &mut dyn Write) -> Result<u8, Error> {
    check_args(&args, global)?;
    let opened = args.from_bundle.as_deref().map(bundle::open).transpose()?;
    // A bundle keeps the upstream names; its targets are not used.
    let mapping = global
        .mapping
        .mapping(None)
        .unwrap_or_else(|| Mapping::identity(RegistryHost::parse("bundle").expect("valid")));
    let bundle = opened.as_ref().zip(args.from_bundle.as_deref()).map(|(opened, given)| (given, &opened.layout));
    let input = read_input(global, Some(&global.cluster), bundle, args.version.chart_version.as_deref(), err).await?;
    // A chart pins tags: each is resolved once at the source, and the report records the digest
    // copied (a bundle names it by its tag). Blocks an overlay already points at the local
    // registry are carried from the chart's own images; into a bundle, that registry is the one
    // the overlay set.
    let local = args.to_bundle.is_none().then_some(&mapping.registry);
    let pinned = input.pinned(local, global.input.include_disabled);
    let mut images = map_images(&pinned, &mapping).map_err(|problems| input.invalid(problems))?;
    // What does not run is not carried, unless asked (`--include-disabled`).
    let disabled: Vec<String> = images.iter().filter(|image| !image.enabled(&pinned)).map(Image::source).collect();
    images.retain(|image| image.enabled(&pinned));
    if !disabled.is_empty() {
        writeln!(
            err,
            "not carried, as their components are disabled in the values (--include-disabled carries them): {}",
            disabled.join(", ")
        )
        .map_err(io_error)?;
    }
    let mut items = Item::for_images(&pinned, &images);
    // A chart read as an OCI artifact travels with its images: helm needs it inside the gap.
    if let Some(crate::helm::Origin::Oci { reference, digest, .. }) = input.chart().map(|chart| &chart.origin) {
        items.push(Item::for_chart(reference, digest, mapping.target_path(&reference.host, &reference.path)));
    }

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
    let (sink, bundle_out) = match &args.to_bundle {
        Some(path) => {
            // Nothing was contacted yet but to read the input: the path given is wrong.
            let (output, layout) = bundle::Output::create(path).map_err(|e| {
                Error::usage(
                    format!("--to-bundle {}: {}", path.display(), describe_io(&e)),
                    "choose a folder this user can write to",
                )
            })?;
            (Sink::Bundle { layout, named: Mutex::new(vec![]) }, Some(output))
        }
        None => {
            let registry = &mapping.registry;
            let auth = resolve_auth(&global.registry, registry, err)?;
            let store = HttpRegistry::connect(registry, auth, &options).await?.with_push_access();
            let repos: Vec<_> = items.iter().map(|item| &item.to.repo).collect();
            store.prepare(&repos).await;
            (Sink::Registry { store: Box::new(store), registry: registry.clone() }, None)
        }
    };

    let progress = MirrorProgress::new(items.len());
    let copy_options = CopyOptions { platforms: args.platforms.clone(), concurrency: options.concurrency };
    let mut outcomes = copy_all(&items, &source, &sink, &copy_options, &progress).await;
    progress.finish();
    // What is attached to each image (signatures, attestations, SBOMs) travels with it.
    let attached = match args.no_signatures {
        true => Vec::new(),
        false => discover(&source, &items, &outcomes).await.or_else(|failure| {
            writeln!(err, "warning: signatures and other attached artifacts were not looked for: {failure}")
                .map(|()| Vec::new())
                .map_err(io_error)
        })?,
    };
    let first_attached = items.len();
    if !attached.is_empty() {
        let extra: Vec<Item> = attached.iter().map(|found| found.item.clone()).collect();
        let progress = MirrorProgress::new(extra.len());
        outcomes.extend(copy_all(&extra, &source, &sink, &copy_options, &progress).await);
        progress.finish();
        items.extend(extra);
    }

    // The report is printed whatever finishing the bundle does; a bundle that could not be
    // finished is said after it, and counts as an image not ready.
    let unfinished = match (&sink, &bundle_out) {
        (Sink::Bundle { layout, named }, Some(output)) => {
            let digests = match &input.content {
                Content::Digests { bytes, .. } => Some(bytes.as_slice()),
                Content::Chart(_) => None,
            };
            let missing = outcomes.iter().filter(|o| matches!(o, Copied::Failed { .. })).count();
            output.finish(layout, &named.lock().expect("names"), digests, missing, outcomes.len()).err()
        }
        _ => None,
    };
    let to = match &bundle_out {
        Some(output) => Target::Bundle(output.path()),
        None => Target::Registry(&mapping.registry),
    };
    let mut report = MirrorReport::new(MirrorReport::labels(&items, &pinned, &images, to), &outcomes);
    let kinds: Vec<_> = attached.iter().map(|found| (found.kind, found.image)).collect();
    report.mark_attached(first_attached, &kinds);
    report.bundle = bundle_out.as_ref().map(|output| BundleState {
        path: output.path().display().to_string(),
        complete: unfinished.is_none(),
        problem: unfinished.clone(),
    });
    report::write(&report, global.output.format, color_enabled(global.output.no_color), out).map_err(io_error)?;
    if report.summary.trimmed > 0 {
        writeln!(
            err,
            "note: {} images were trimmed to --platform: their tags hold other digests than the pinned ones, so \
             write the ConfigMap with `kubectl essregistry apply ... --digest-mismatch use-local`",
            report.summary.trimmed
        )
        .map_err(io_error)?;
    }
    // The table says it last; a document for a program is said again where a person looks.
    if let Some(unfinished) = unfinished.as_ref().filter(|_| global.output.format != OutputFormat::Table) {
        writeln!(err, "error: {unfinished}").map_err(io_error)?;
    }
    let outcomes = outcomes.iter().map(Copied::exit_outcome);
    Ok(exit::fold(outcomes.chain(unfinished.map(|_| Outcome::NotReady))))
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
        (Some(registry), Some(path)) => {
            return Err(Error::usage(
                format!("mirror goes to one destination: --registry {registry} or --to-bundle {}", path.display()),
                "drop one of them: a bundle is pushed to the registry later with --from-bundle",
            ));
        }
        _ => {}
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
