//! `mirror`: images_digests (or a bundle's) -> targets -> copies from upstream or a bundle into
//! the local registry or a bundle -> the report.

use super::steps::{input_error, read_chart_input, read_input, registry_options, resolve_auth};
use crate::bundle::{self, archive::Packing, layout::Layout};
use crate::cli::{GlobalArgs, MirrorArgs};
use crate::digests;
use crate::error::Error;
use crate::exit;
use crate::helm;
use crate::input::DigestsInput;
use crate::mapping::{Image, Layout as PathLayout, Mapping, Pinned, map_images};
use crate::mirror::{
    CopyOptions, Destination, FailureKind, Item, Origin, Outcome, Progress, Sink, Source, Upstreams, copy_all,
};
use crate::output::{color_enabled, describe_io, io_error};
use crate::reference::RegistryHost;
use crate::registry::{HttpRegistry, ManifestStore};
use crate::report::{MirrorReport, OutputFormat, human_bytes, write_mirror_table};
use indicatif::{ProgressBar, ProgressStyle};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

pub async fn run(args: MirrorArgs, global: &GlobalArgs, out: &mut dyn Write, err: &mut dyn Write) -> Result<u8, Error> {
    if args.mapping.registry.is_none() && args.to_bundle.is_none() {
        return Err(Error::usage(
            "mirror needs a destination: --registry HOST[:PORT] or --to-bundle PATH",
            "on the connected side write a bundle with --to-bundle; inside the air gap push it with --from-bundle \
             PATH --registry HOST",
        ));
    }
    if global.output.format == OutputFormat::Values {
        return Err(Error::usage(
            "mirror writes no values: -o values is plan's and apply's",
            "use -o table, json or yaml",
        ));
    }
    for (i, mirror) in args.source_mirrors.iter().enumerate() {
        if let Some(other) = args.source_mirrors[..i].iter().find(|m| m.upstream == mirror.upstream) {
            return Err(Error::usage(
                format!("--source-mirror names two mirrors for {}: {other} and {mirror}", mirror.upstream),
                "keep one --source-mirror per upstream host",
            ));
        }
    }
    let opened = args.from_bundle.as_deref().map(bundle::open).transpose()?;
    // A bundle keeps the upstream names; its targets are not used.
    let mapping = args.mapping.mapping(None).unwrap_or_else(|| Mapping {
        registry: RegistryHost::parse("bundle").expect("valid"),
        prefix: None,
        layout: PathLayout::Preserve,
        rules: vec![],
    });
    let (items, entries, digests_input) = match read_chart_input(&args.input, Some(&global.cluster)).await? {
        // A chart pins tags: each is resolved once at the source, and the report records the
        // digest copied (a bundle names it by its tag).
        Some(chart) => {
            // Blocks an overlay already points at the local registry are carried from the
            // chart's own images; into a bundle, that registry is the one the overlay set.
            let local = match &args.to_bundle {
                Some(_) => helm::overlaid_registry(&chart.values, &chart.blocks),
                None => Some(mapping.registry.clone()),
            };
            let blocks = match &local {
                Some(local) => helm::upstream(&chart.values, &chart.blocks, local),
                None => chart.blocks.clone(),
            };
            let images = map_images(&blocks, &mapping)
                .map_err(|problems| Error::Values { source_name: chart.name.clone(), problems })?;
            (items(&blocks, &images), used_by(&blocks, &images), None)
        }
        None => {
            let input = match (&opened, &args.input.digests) {
                (Some(opened), None) => {
                    bundle_digests(opened.layout.root(), args.from_bundle.as_deref().unwrap_or(Path::new("")))?
                }
                _ => read_input(&args.input, Some(&global.cluster), &global.registry, err).await?,
            };
            let parsed = digests::parse(&input.bytes).map_err(|problems| input_error(&input, problems))?;
            for warning in &parsed.warnings {
                writeln!(err, "warning: {}: {warning}", input.name).map_err(io_error)?;
            }
            let images = map_images(&parsed.entries, &mapping).map_err(|problems| input_error(&input, problems))?;
            (items(&parsed.entries, &images), used_by(&parsed.entries, &images), Some(input))
        }
    };

    let options = registry_options(&global.registry);
    let source = match opened {
        Some(ref opened) => Source::Bundle(opened.layout.clone()),
        None => {
            // The sources share the local registry's trust and proxy rules; their own
            // certs.d folders are searched, and `--registry-cert-dir` stays the local registry's.
            let source_options =
                crate::registry::RegistryOptions { cert_dir: None, insecure_skip_tls_verify: false, ..options.clone() };
            let env = |key: &str| std::env::var(key).ok();
            Source::Upstream(Box::new(Upstreams::new(args.source_mirrors.clone(), source_options, env)))
        }
    };
    let (sink, bundle_out) = match &args.to_bundle {
        Some(path) => {
            let (staging, packing) = bundle::staging(path);
            let layout = Layout::create(&staging).map_err(|e| {
                Error::usage(
                    format!("--to-bundle {}: {}", path.display(), describe_io(&e)),
                    "choose a folder this user can write to",
                )
            })?;
            (Sink::Bundle { layout, named: Mutex::new(vec![]) }, Some((path.clone(), staging, packing)))
        }
        None => {
            let registry = &mapping.registry;
            let auth = resolve_auth(&global.registry, registry, err)?;
            let store = HttpRegistry::connect(registry, auth, &options).await?.with_push_access();
            let repos: Vec<_> = items.iter().map(|item| &item.to.repo).collect();
            store.prepare(&repos).await;
            (Sink::Registry(Box::new(store)), None)
        }
    };

    let progress = Bar::new(items.len());
    let copy_options = CopyOptions { platforms: args.platforms.clone(), concurrency: options.concurrency };
    let outcomes = copy_all(&items, &source, &sink, &copy_options, &progress).await;
    progress.bar.finish_and_clear();

    if let (Sink::Bundle { layout, named }, Some((path, staging, packing))) = (&sink, &bundle_out) {
        finish_bundle(
            layout,
            &named.lock().expect("names"),
            digests_input.as_ref(),
            path,
            staging,
            *packing,
            &outcomes,
        )?;
    }
    let labels = items
        .iter()
        .zip(entries)
        .map(|(item, entries)| {
            let source = match &item.digest {
                Some(digest) => format!("{}@{digest}", item.origin.name.split('@').next().unwrap_or_default()),
                None => item.origin.name.clone(),
            };
            let target = match &bundle_out {
                Some((path, ..)) => format!("oci:{}:{}", path.display(), item.to.name),
                None => match &item.to.tag {
                    Some(tag) => format!("{}/{}:{tag}", mapping.registry, item.to.repo),
                    None => format!("{}/{}", mapping.registry, item.to.repo),
                },
            };
            (source, target, entries)
        })
        .collect();
    let report = MirrorReport::new(labels, &outcomes);
    match global.output.format {
        OutputFormat::Json => {
            serde_json::to_writer_pretty(&mut *out, &report).map_err(|e| io_error(e.into()))?;
            writeln!(out).map_err(io_error)?;
        }
        OutputFormat::Yaml => {
            let text = serde_yaml::to_string(&report).map_err(|e| io_error(std::io::Error::other(e)))?;
            out.write_all(text.as_bytes()).map_err(io_error)?;
        }
        _ => write_mirror_table(&report, color_enabled(global.output.no_color), out).map_err(io_error)?,
    }
    if report.summary.trimmed > 0 {
        writeln!(
            err,
            "note: {} images were trimmed to --platform: their tags hold other digests than the pinned ones, so \
             write the ConfigMap with `kubectl essregistry apply ... --digest-mismatch use-local`",
            report.summary.trimmed
        )
        .map_err(io_error)?;
    }
    Ok(exit_code(&outcomes))
}

/// One item per distinct image: where it comes from (its first entry's upstream) and goes.
fn items<E: Pinned>(entries: &[E], images: &[Image]) -> Vec<Item> {
    images
        .iter()
        .map(|image| {
            let entry = &entries[image.entries[0]];
            let tag = image.tag.as_ref().map(ToString::to_string);
            let name = match (&tag, &image.digest) {
                (Some(tag), _) => format!("{}:{tag}", image.upstream),
                (None, Some(digest)) => format!("{}@{digest}", image.upstream),
                (None, None) => image.upstream.clone(),
            };
            Item {
                origin: Origin {
                    server: entry.server().clone(),
                    path: entry.path().clone(),
                    tag: tag.clone(),
                    name: name.clone(),
                },
                to: Destination { repo: image.target.clone(), tag, name },
                digest: image.digest.clone(),
            }
        })
        .collect()
}

/// The names of the entries (`component/sub`) or blocks (values paths) that use each image.
fn used_by<E: Pinned>(entries: &[E], images: &[Image]) -> Vec<Vec<String>> {
    images.iter().map(|image| image.entries.iter().map(|&i| entries[i].name()).collect()).collect()
}

/// 0 when every image is there; 3 or 4 when a source or the registry refused the
/// credentials or could not be reached (as `plan`); else 1 when some image failed.
fn exit_code(outcomes: &[Outcome]) -> u8 {
    let failed = |kind| outcomes.iter().any(|o| matches!(o, Outcome::Failed { failure, .. } if *failure == kind));
    if failed(FailureKind::Unreachable) {
        exit::REGISTRY_UNREACHABLE
    } else if failed(FailureKind::Refused) {
        exit::REGISTRY_AUTH
    } else if failed(FailureKind::Image) {
        exit::NOT_READY
    } else {
        exit::READY
    }
}

/// The images_digests inside a bundle given without `-f`.
fn bundle_digests(root: &Path, given: &Path) -> Result<DigestsInput, Error> {
    let file = root.join(bundle::layout::DIGESTS_FILE);
    let bytes = std::fs::read(&file).map_err(|_| {
        Error::usage(
            format!(
                "the bundle {} holds no images_digests.yml: it was made from a Helm chart's values, or by another tool",
                given.display()
            ),
            "name what it was made from: --chart (with the same --values) for a chart, or -f images_digests.yml",
        )
    })?;
    Ok(DigestsInput { name: format!("images_digests.yml in {}", given.display()), bytes, found_in: None })
}

/// Names the images in `index.json`, keeps the images_digests beside them (a chart's values
/// stay with the chart: from a bundle, `--chart` names the images again) and, for an
/// archive, packs the staging folder (removed once every image is in).
fn finish_bundle(
    layout: &Layout,
    named: &[crate::bundle::layout::Named],
    input: Option<&DigestsInput>,
    path: &Path,
    staging: &PathBuf,
    packing: Packing,
    outcomes: &[Outcome],
) -> Result<(), Error> {
    let failed = |e: std::io::Error| {
        Error::usage(
            format!("cannot finish the bundle {}: {}", path.display(), describe_io(&e)),
            "run again: what was copied stays, and only what is missing is fetched",
        )
    };
    layout.name_images(named).map_err(failed)?;
    if let Some(input) = input {
        let digests = layout.root().join(bundle::layout::DIGESTS_FILE);
        let partial = digests.with_extension("yml.partial");
        std::fs::write(&partial, &input.bytes).and_then(|()| std::fs::rename(&partial, &digests)).map_err(failed)?;
    }
    if packing != Packing::Folder {
        bundle::archive::pack(staging, path, packing).map_err(failed)?;
        if outcomes.iter().all(|o| !matches!(o, Outcome::Failed { .. })) {
            std::fs::remove_dir_all(staging).map_err(failed)?;
        }
    }
    Ok(())
}

/// The progress bar on a terminal (hidden otherwise): images done of all, and bytes sent.
struct Bar {
    bar: ProgressBar,
    sent: AtomicU64,
}

impl Bar {
    fn new(images: usize) -> Self {
        let bar = ProgressBar::new(images as u64).with_message("0 B");
        if let Ok(style) = ProgressStyle::with_template("{bar:30} {pos}/{len} images, {msg} sent, {elapsed}") {
            bar.set_style(style);
        }
        Self { bar, sent: AtomicU64::new(0) }
    }
}

impl Progress for Bar {
    fn bytes(&self, count: u64) {
        let total = self.sent.fetch_add(count, Ordering::Relaxed) + count;
        self.bar.set_message(human_bytes(total));
    }

    fn image_done(&self) {
        self.bar.inc(1);
    }
}
