//! `mirror`: the input (or a bundle's own images_digests) -> targets -> copies from upstream or a
//! bundle into the local registry or a bundle -> the report, printed whatever happens after.

use super::pipeline::print_notes;
use crate::bundle::{self, archive::Packing, layout::Layout};
use crate::cli::{GlobalArgs, MirrorArgs};
use crate::connect::{registry_options, resolve_auth};
use crate::error::Error;
use crate::exit::{self, Outcome};
use crate::input::{Content, Input};
use crate::mapping::{Image, Layout as PathLayout, Mapping, Pinned, map_images};
use crate::mirror::{
    CopyOptions, Destination, Item, Origin, Outcome as Copied, Progress, Sink, Source, Upstreams, copy_all,
};
use crate::output::{color_enabled, describe_io, io_error};
use crate::reference::RegistryHost;
use crate::registry::{HttpRegistry, ManifestStore};
use crate::report::{self, MirrorReport, OutputFormat, human_bytes};
use crate::sources::{self, Request};
use indicatif::{ProgressBar, ProgressStyle};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

pub async fn run(args: MirrorArgs, global: &GlobalArgs, out: &mut dyn Write, err: &mut dyn Write) -> Result<u8, Error> {
    check_args(&args, global)?;
    let opened = args.from_bundle.as_deref().map(bundle::open).transpose()?;
    // A bundle keeps the upstream names; its targets are not used.
    let mapping = global.mapping.mapping(None).unwrap_or_else(|| Mapping {
        registry: RegistryHost::parse("bundle").expect("valid"),
        prefix: None,
        layout: PathLayout::Preserve,
        rules: vec![],
    });
    let request = Request {
        args: &global.input,
        cluster: Some(&global.cluster),
        stdin_taken: global.registry.registry_password_stdin,
        bundle: opened.as_ref().zip(args.from_bundle.as_deref()).map(|(opened, given)| (given, &opened.layout)),
    };
    let input = sources::read(&request).await?;
    print_notes(&input, err)?;
    // A chart pins tags: each is resolved once at the source, and the report records the digest
    // copied (a bundle names it by its tag). Blocks an overlay already points at the local
    // registry are carried from the chart's own images; into a bundle, that registry is the one
    // the overlay set.
    let local = args.to_bundle.is_none().then_some(&mapping.registry);
    let pinned = input.pinned(local);
    let images = map_images(&pinned, &mapping).map_err(|problems| input.invalid(problems))?;
    let items = items(&pinned, &images);

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
            (
                Sink::Bundle { layout, named: Mutex::new(vec![]) },
                Some(BundleOut { path: path.clone(), staging, packing }),
            )
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

    let progress = Bar::new(items.len());
    let copy_options = CopyOptions { platforms: args.platforms.clone(), concurrency: options.concurrency };
    let outcomes = copy_all(&items, &source, &sink, &copy_options, &progress).await;
    progress.bar.finish_and_clear();

    // The report is printed whatever finishing the bundle does; a bundle that could not be
    // finished is said after it, and counts as an image not ready.
    let unfinished = match (&sink, &bundle_out) {
        (Sink::Bundle { layout, named }, Some(out)) => {
            out.finish(layout, &named.lock().expect("names"), &input, &outcomes)
        }
        _ => None,
    };
    let labels = labels(&items, &pinned, &images, &mapping, bundle_out.as_ref().map(|out| out.path.as_path()));
    let report = MirrorReport::new(labels, &outcomes);
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
    if let Some(unfinished) = &unfinished {
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
    for (i, mirror) in args.source_mirrors.iter().enumerate() {
        if let Some(other) = args.source_mirrors[..i].iter().find(|m| m.upstream == mirror.upstream) {
            return Err(Error::usage(
                format!("--source-mirror names two mirrors for {}: {other} and {mirror}", mirror.upstream),
                "keep one --source-mirror per upstream host",
            ));
        }
    }
    Ok(())
}

/// One item per distinct image: where it comes from (its first entry's upstream) and goes.
fn items(pinned: &[Pinned], images: &[Image]) -> Vec<Item> {
    images
        .iter()
        .map(|image| {
            let entry = &pinned[image.entries[0]];
            let tag = image.tag.as_ref().map(ToString::to_string);
            let name = image.source();
            Item {
                origin: Origin {
                    server: entry.server.clone(),
                    path: entry.path.clone(),
                    tag: tag.clone(),
                    name: name.clone(),
                },
                to: Destination { repo: image.target.clone(), tag, name },
                digest: image.digest.clone(),
            }
        })
        .collect()
}

/// Each image's (source, target, entries that use it), for the report.
fn labels(
    items: &[Item],
    pinned: &[Pinned],
    images: &[Image],
    mapping: &Mapping,
    bundle: Option<&Path>,
) -> Vec<(String, String, Vec<String>)> {
    items
        .iter()
        .zip(images)
        .map(|(item, image)| {
            let source = match &item.digest {
                Some(digest) => format!("{}@{digest}", item.origin.name.split('@').next().unwrap_or_default()),
                None => item.origin.name.clone(),
            };
            let target = match bundle {
                Some(path) => format!("oci:{}:{}", path.display(), item.to.name),
                None => match &item.to.tag {
                    Some(tag) => format!("{}/{}:{tag}", mapping.registry, item.to.repo),
                    None => format!("{}/{}", mapping.registry, item.to.repo),
                },
            };
            (source, target, image.entries.iter().map(|&i| pinned[i].name.clone()).collect())
        })
        .collect()
}

/// `--to-bundle PATH`: where the bundle goes, the folder it is assembled in, and its packing.
struct BundleOut {
    path: PathBuf,
    staging: PathBuf,
    packing: Packing,
}

impl BundleOut {
    /// Names the images in `index.json` and keeps the images_digests beside them (a chart's
    /// values stay with the chart: from a bundle, `--chart` names the images again). An archive
    /// is packed only when every image is in: a rerun resumes from the staging folder, and
    /// nobody carries an incomplete archive across. Returns why the bundle is not finished.
    fn finish(
        &self,
        layout: &Layout,
        named: &[crate::bundle::layout::Named],
        input: &Input,
        outcomes: &[Copied],
    ) -> Option<String> {
        let path = self.path.display();
        let failed = |e: std::io::Error| {
            format!(
                "cannot finish the bundle {path}: {}; run again: what was copied stays, and only what is missing is \
                 fetched",
                describe_io(&e)
            )
        };
        if let Err(e) = layout.name_images(named) {
            return Some(failed(e));
        }
        if let Content::Digests { bytes, .. } = &input.content {
            let digests = layout.root().join(bundle::layout::DIGESTS_FILE);
            let partial = digests.with_extension("yml.partial");
            if let Err(e) = std::fs::write(&partial, bytes).and_then(|()| std::fs::rename(&partial, &digests)) {
                return Some(failed(e));
            }
        }
        if self.packing == Packing::Folder {
            return None;
        }
        let missing = outcomes.iter().filter(|o| matches!(o, Copied::Failed { .. })).count();
        if missing > 0 {
            return Some(format!(
                "the archive {path} was not written: {missing} of {} images are not in the bundle; what was copied is \
                 kept in {}, and a rerun fetches only what is missing, then writes the archive",
                outcomes.len(),
                self.staging.display()
            ));
        }
        if let Err(e) = bundle::archive::pack(&self.staging, &self.path, self.packing) {
            return Some(failed(e));
        }
        std::fs::remove_dir_all(&self.staging).err().map(failed)
    }
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
