//! `--chart oci://HOST/PATH/NAME`: a chart published as an OCI artifact (`helm push`), read from
//! where the reference points. A bundle given to `mirror --from-bundle` holds it under its
//! name; the local registry (`--registry`) is read with the local registry's credentials;
//! anything else is upstream, read with the Docker config's credentials and through
//! `--source-mirror`, as `mirror` reads images. The manifest and the chart layer are checked
//! against their digests, and the layer is then read as a chart archive.

use super::Request;
use super::chart_files;
use crate::connect::{registry_options, resolve_auth};
use crate::error::Error;
use crate::helm::oci::{ChartReference, chart_layer};
use crate::helm::{Chart, Origin, archive};
use crate::mirror::source::Failure;
use crate::mirror::{ByteStream, Origin as Place, Source, Upstreams};
use crate::oci::Manifest;
use crate::reference::Digest;
use crate::registry::HttpRegistry;
use futures::StreamExt;

/// A chart archive is some hundred kilobytes; Helm refuses one over this.
const MAX_CHART_BYTES: u64 = 100 * 1024 * 1024;

pub async fn read(text: &str, request: &Request<'_>) -> Result<(Chart, Vec<String>), Error> {
    let args = request.args;
    let refused = |why: String| {
        Error::usage(
            format!("--chart {text}: {why}"),
            "give the chart as helm takes it: oci://HOST/PATH/matrix-stack with --version VERSION",
        )
    };
    let reference = ChartReference::parse(text, request.version).map_err(refused)?;
    let mut notes = Vec::new();
    let place = Place {
        server: reference.host.clone(),
        path: reference.path.clone(),
        tag: None,
        name: reference.bundle_name(),
    };
    let (digest, layer) = match (request.bundle, request.local) {
        (Some((_, layout)), _) => fetch(&Source::Bundle(layout.clone()), &place, &reference).await,
        (None, Some(local)) if *local == reference.host => {
            let mut warnings = Vec::new();
            let auth = resolve_auth(request.registry, local, &mut warnings)?;
            notes.extend(String::from_utf8_lossy(&warnings).lines().map(str::to_owned));
            let store = HttpRegistry::connect(local, auth, &registry_options(request.registry)).await?;
            fetch_local(&store, &reference).await
        }
        (None, _) => {
            let options = crate::registry::RegistryOptions {
                cert_dir: None,
                insecure_skip_tls_verify: false,
                ..registry_options(request.registry)
            };
            let env = |key: &str| std::env::var(key).ok();
            let upstreams = Upstreams::new(args.source_mirrors.clone(), options, env);
            fetch(&Source::Upstream(Box::new(upstreams)), &place, &reference).await
        }
    }
    .map_err(refused)?;
    let found = archive::read(layer.as_slice()).map_err(|why| refused(format!("its chart layer: {why}")))?;
    notes.push(format!(
        "Using the chart {} (version {}, manifest {})",
        reference.bundle_name(),
        found.version,
        digest.short()
    ));
    let origin = Origin::Oci { reference, digest, version: found.version.clone(), values: args.values.clone() };
    let chart = chart_files::from_archive(found, text, &args.values, &args.sets(), origin)?;
    Ok((chart, notes))
}

/// The manifest's digest and the chart layer's bytes, from an upstream or a bundle.
async fn fetch(source: &Source, place: &Place, reference: &ChartReference) -> Result<(Digest, Vec<u8>), String> {
    let unavailable = |failure: Failure| failure.to_string();
    let (digest, manifest) = match &reference.pin {
        crate::helm::oci::Pin::Digest(digest) => {
            (digest.clone(), source.manifest(place, digest).await.map_err(unavailable)?)
        }
        crate::helm::oci::Pin::Version { tag, .. } => {
            let tagged = Place { tag: Some(tag.clone()), ..place.clone() };
            source.by_tag(&tagged).await.map_err(unavailable)?
        }
    };
    let blobs = match Manifest::parse(&manifest.bytes)? {
        Manifest::Image(blobs) => blobs,
        Manifest::Index(_) => return Err("it is a multi-platform image index, not a Helm chart".to_owned()),
    };
    let layer = chart_layer(&blobs)?.clone();
    let mut stream = source.blob(place, &layer).await.map_err(unavailable)?;
    let bytes = collect(&mut stream, &layer).await?;
    Ok((digest, bytes))
}

/// As `fetch`, from the local registry.
async fn fetch_local(store: &HttpRegistry, reference: &ChartReference) -> Result<(Digest, Vec<u8>), String> {
    let wanted = reference.manifest_reference();
    let manifest = store
        .fetch_manifest(&reference.path, wanted)
        .await
        .map_err(|e| Failure::from(e).to_string())?
        .ok_or_else(|| format!("{} has no {}:{wanted}", reference.host, reference.path))?;
    let digest = Digest::of(&manifest.bytes);
    if let crate::helm::oci::Pin::Digest(pinned) = &reference.pin
        && *pinned != digest
    {
        return Err(format!("{} sent a manifest whose bytes have another digest than {pinned}", reference.host));
    }
    let blobs = match Manifest::parse(&manifest.bytes)? {
        Manifest::Image(blobs) => blobs,
        Manifest::Index(_) => return Err("it is a multi-platform image index, not a Helm chart".to_owned()),
    };
    let layer = chart_layer(&blobs)?.clone();
    let mut stream =
        store.blob_stream(&reference.path, &layer.digest).await.map_err(|e| Failure::from(e).to_string())?.boxed();
    let bytes = collect(&mut stream, &layer).await?;
    Ok((digest, bytes))
}

/// The layer's bytes, at most Helm's limit, checked against its digest.
async fn collect(stream: &mut ByteStream, layer: &crate::oci::Descriptor) -> Result<Vec<u8>, String> {
    if layer.size > MAX_CHART_BYTES {
        return Err(format!("its chart layer is {} bytes, over Helm's limit of 100 MiB", layer.size));
    }
    let mut bytes = Vec::with_capacity(layer.size as usize);
    while let Some(chunk) = stream.next().await {
        bytes.extend_from_slice(&chunk.map_err(|e| format!("reading the chart layer: {e}"))?);
        if bytes.len() as u64 > MAX_CHART_BYTES {
            return Err("its chart layer is over Helm's limit of 100 MiB".to_owned());
        }
    }
    if Digest::of(&bytes) != layer.digest {
        return Err(format!("the chart layer's bytes do not have its digest {}", layer.digest));
    }
    Ok(bytes)
}
