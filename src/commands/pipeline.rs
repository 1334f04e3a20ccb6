//! The wiring `plan` and `apply` share: input -> pinned images -> targets -> registry checks ->
//! plan -> what is written, each step called once, in that order.

use crate::bundle::layout::Layout;
use crate::check::check_images;
use crate::cli::{ClusterArgs, GlobalArgs, InputArgs, MappingArgs, ObjectArgs};
use crate::connect::{registry_options, resolve_auth};
use crate::desired::Names;
use crate::error::Error;
use crate::helm;
use crate::input::{Input, Written};
use crate::mapping::{Image, Mapping, Pinned, map_images};
use crate::output::io_error;
use crate::plan::Plan;
use crate::registry::{HttpRegistry, RegistryAuth};
use crate::signature::Key;
use crate::signed::verify_findings;
use crate::sources::{self, Request};
use indicatif::ProgressBar;
use std::io::Write;
use std::path::Path;

/// A plan, what it was made from, and what applying it writes.
pub struct Planned {
    pub input: Input,
    pub plan: Plan,
    pub mapping: Mapping,
    pub written: Written,
    pub auth: RegistryAuth,
}

/// What the pipeline knows before it contacts the registry: the input read, its images mapped,
/// the credentials found. `apply` refuses here what it would refuse later, so that a refusal
/// contacts nothing.
pub struct Prepared {
    pub input: Input,
    pub pinned: Vec<Pinned>,
    pub mapping: Mapping,
    pub images: Vec<Image>,
    pub auth: RegistryAuth,
}

/// Input -> pinned images -> targets -> credentials. `cluster` is None where no API call may be
/// made (`plan --offline`); the cluster is read only for an input kept there.
pub async fn prepare(
    global: &GlobalArgs,
    cluster: Option<&ClusterArgs>,
    version: Option<&str>,
    err: &mut dyn Write,
) -> Result<Prepared, Error> {
    let mapping = required_mapping(&global.mapping, "plan and apply")?;
    let input = read_input(global, cluster, None, version, err).await?;
    let pinned = input.pinned(Some(&mapping.registry), global.input.include_disabled);
    let images = map_images(&pinned, &mapping).map_err(|problems| input.invalid(problems))?;
    let auth = resolve_auth(&global.registry, &mapping.registry, err)?;
    Ok(Prepared { input, pinned, mapping, images, auth })
}

/// Registry checks -> plan -> what is written.
/// `keys` (`--verify-key`): a present image not signed by one of them is `unsigned`.
pub async fn check(
    prepared: Prepared,
    global: &GlobalArgs,
    objects: &ObjectArgs,
    keys: &[Key],
) -> Result<Planned, Error> {
    let Prepared { input, pinned, mapping, images, auth } = prepared;
    let options = registry_options(&global.registry);
    let store = HttpRegistry::connect(&mapping.registry, auth.clone(), &options).await?;
    let progress = ProgressBar::new(images.len() as u64).with_message("checking images");
    let mut findings = check_images(&store, &mapping.registry, &images, options.concurrency, || progress.inc(1)).await;
    progress.finish_and_clear();
    verify_findings(&store, keys, &images, &mut findings).await;
    let by_hand = crate::sanitize::command_line(&global.skopeo_destination_flags());
    for fix in findings.iter_mut().filter_map(|finding| finding.fix.as_mut()).filter(|_| !by_hand.is_empty()) {
        fix.push(' ');
        fix.push_str(&by_hand);
    }
    let plan = Plan::new(mapping.registry.clone(), &pinned, images, findings, global.mapping.digest_mismatch);
    let pull_secrets = input.chart().and_then(|chart| overlay_pull_secrets(&auth, chart, &objects.secret_name));
    let written = input.written(&plan, pull_secrets);
    Ok(Planned { input, plan, mapping, written, auth })
}

/// The input the flags name, read through the one source seam; what its reader found worth
/// saying goes to `err` first.
/// `bundle` is `mirror --from-bundle`'s, read when no other input is named; `version` is
/// `--version`, of an `oci://` chart.
pub async fn read_input(
    global: &GlobalArgs,
    cluster: Option<&ClusterArgs>,
    bundle: Option<(&Path, &Layout)>,
    version: Option<&str>,
    err: &mut dyn Write,
) -> Result<Input, Error> {
    let request = Request {
        args: &global.input,
        cluster,
        stdin_taken: global.registry.registry_password_stdin,
        bundle,
        version,
        registry: &global.registry,
        local: global.mapping.registry.as_ref(),
    };
    let input = sources::read(&request).await?;
    print_notes(&input, err)?;
    Ok(input)
}

/// An images_digests file or a bundle at `path`, read as `-f path` would be, whatever else the
/// input flags name.
pub async fn read_file_input(global: &GlobalArgs, path: &Path, err: &mut dyn Write) -> Result<Input, Error> {
    let args = InputArgs {
        digests: Some(path.to_owned()),
        chart: None,
        release: None,
        from_configmap: None,
        set: vec![],
        set_string: vec![],
        set_json: vec![],
        ..global.input.clone()
    };
    let request = Request {
        args: &args,
        cluster: None,
        stdin_taken: global.registry.registry_password_stdin,
        bundle: None,
        version: None,
        registry: &global.registry,
        local: global.mapping.registry.as_ref(),
    };
    let input = sources::read(&request).await?;
    print_notes(&input, err)?;
    Ok(input)
}

fn print_notes(input: &Input, err: &mut dyn Write) -> Result<(), Error> {
    for note in &input.notes {
        writeln!(err, "{note}").map_err(io_error)?;
    }
    Ok(())
}

/// The mapping, which `commands` need a registry for.
pub fn required_mapping(args: &MappingArgs, commands: &str) -> Result<Mapping, Error> {
    args.mapping(None).ok_or_else(|| {
        Error::usage(
            format!("{commands} need the local registry: --registry HOST[:PORT] is missing"),
            "pass --registry HOST[:PORT], before or after the command",
        )
    })
}

/// The `image.pullSecrets` the overlay sets: when the run logs in to the registry, pods need the
/// pull secret too (the one apply writes, or one managed elsewhere under that name).
pub fn overlay_pull_secrets(auth: &RegistryAuth, chart: &helm::Chart, secret_name: &str) -> Option<serde_yaml::Value> {
    let logs_in = auth.credentials.is_some() || auth.identity_token.is_some();
    logs_in.then(|| helm::pull_secrets(&chart.values.merged, secret_name)).flatten()
}

/// The object flags as `Desired` takes them.
pub fn names(objects: &ObjectArgs) -> Names<'_> {
    Names { configmap: &objects.configmap_name, secret: &objects.secret_name, no_secret: objects.no_secret }
}
