//! `plan`: images_digests -> targets -> registry checks -> plan -> output.

use crate::check::check_images;
use crate::cli::PlanArgs;
use crate::digests::{self, Problem};
use crate::error::Error;
use crate::input::{DigestsInput, read_digests};
use crate::mapping::{Mapping, map_images};
use crate::output::{color_enabled, io_error};
use crate::plan::Plan;
use crate::registry::{HttpRegistry, RegistryAuth, RegistryOptions};
use crate::report::write_plan;
use indicatif::ProgressBar;
use std::io::{Read, Write};

pub async fn run(args: PlanArgs, out: &mut dyn Write, err: &mut dyn Write) -> Result<u8, Error> {
    if args.registry.registry_password_stdin && args.input.digests.as_deref() == Some("-".as_ref()) {
        return Err(Error::usage(
            "-f - and --registry-password-stdin cannot both read stdin",
            "pass images_digests as a file with -f FILE",
        ));
    }
    let input = read_digests(args.input.digests.as_deref(), args.input.installer_dir.as_deref())?;
    if let Some(path) = &input.found_in {
        writeln!(err, "Using {}", path.display()).map_err(io_error)?;
    }
    let parsed = digests::parse(&input.bytes).map_err(|problems| input_error(&input, problems))?;
    for warning in &parsed.warnings {
        writeln!(err, "warning: {}: {warning}", input.name).map_err(io_error)?;
    }

    let mapping = Mapping {
        registry: args.mapping.registry.clone(),
        prefix: args.mapping.path_prefix.clone(),
        layout: args.mapping.layout,
        rules: args.mapping.map.clone(),
    };
    let images = map_images(&parsed.entries, &mapping).map_err(|problems| input_error(&input, problems))?;

    let password = match args.registry.registry_password_stdin {
        true => Some(read_password()?),
        false => None,
    };
    let auth = RegistryAuth::resolve(
        &mapping.registry,
        args.registry.registry_username.as_deref(),
        password,
        |key| std::env::var(key).ok(),
    )?;
    for warning in &auth.warnings {
        writeln!(err, "warning: {warning}").map_err(io_error)?;
    }
    let options = RegistryOptions {
        plain_http: args.registry.registry_plain_http,
        ca_files: args.registry.registry_ca_file.clone(),
        insecure_skip_tls_verify: args.registry.registry_insecure_skip_tls_verify,
        timeout: args.registry.registry_timeout,
        concurrency: usize::from(args.registry.concurrency),
    };
    let registry = HttpRegistry::connect(&mapping.registry, auth, &options).await?;

    let progress = ProgressBar::new(images.len() as u64).with_message("checking images");
    let findings = check_images(&registry, &mapping.registry, &images, options.concurrency, || {
        progress.inc(1)
    })
    .await;
    progress.finish_and_clear();

    let plan = Plan::new(
        mapping.registry,
        parsed.entries,
        images,
        findings,
        args.mapping.digest_mismatch,
    );
    write_plan(&plan, args.output.format, color_enabled(args.output.no_color), out).map_err(io_error)?;
    Ok(plan.exit_code())
}

fn input_error(input: &DigestsInput, problems: Vec<Problem>) -> Error {
    Error::Input {
        source_name: input.name.clone(),
        problems,
    }
}

/// The whole of stdin, without its final line break (`echo` adds one).
fn read_password() -> Result<String, Error> {
    let mut password = String::new();
    std::io::stdin()
        .lock()
        .take(64 * 1024)
        .read_to_string(&mut password)
        .map_err(|e| {
            Error::usage(
                format!("cannot read the password from stdin: {e}"),
                "pipe the password in as text",
            )
        })?;
    let password = password
        .strip_suffix('\n')
        .map(|p| p.strip_suffix('\r').unwrap_or(p))
        .unwrap_or(&password)
        .to_owned();
    if password.is_empty() {
        return Err(Error::usage(
            "--registry-password-stdin read an empty password",
            "pipe the password in on stdin",
        ));
    }
    Ok(password)
}
