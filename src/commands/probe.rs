//! `probe`: the registry flags -> the one transport -> what the registry does -> the report.

use crate::cli::{GlobalArgs, ProbeArgs};
use crate::connect::{registry_options, resolve_auth};
use crate::error::Error;
use crate::exit::{self, Outcome};
use crate::output::{color_enabled, io_error};
use crate::probe::{PROBE_REPOSITORY, Trouble, probe};
use crate::reference::RepoPath;
use crate::registry::HttpRegistry;
use crate::report::{self, OutputFormat, ProbeReport};
use std::io::Write;
use std::time::SystemTime;

pub async fn run(args: &ProbeArgs, global: &GlobalArgs, out: &mut dyn Write, err: &mut dyn Write) -> Result<u8, Error> {
    let Some(registry) = &global.mapping.registry else {
        return Err(Error::usage("probe needs the registry: --registry HOST[:PORT]", "name the local registry"));
    };
    if global.output.format == OutputFormat::Values {
        return Err(Error::usage(
            "probe writes no values: -o values is plan's and apply's",
            "use -o table, json or yaml",
        ));
    }
    let probed = RepoPath::parse(PROBE_REPOSITORY).expect("valid");
    let base = match &global.mapping.path_prefix {
        Some(prefix) => prefix.join(&probed),
        None => probed,
    };
    let auth = resolve_auth(&global.registry, registry, err)?;
    let store = HttpRegistry::connect(registry, auth, &registry_options(&global.registry)).await?;
    let store = if args.write { store.with_delete_access() } else { store };
    let nonce = SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).unwrap_or_default().as_nanos().to_string();
    let (findings, troubles) = probe(&store, &base, args.write, &nonce).await;
    let report = ProbeReport::new(registry.to_string(), base.to_string(), args.write, findings);
    report::write(&report, global.output.format, color_enabled(global.output.no_color), out).map_err(io_error)?;
    let outcomes = troubles.into_iter().map(|trouble| match trouble {
        Trouble::Refused => Outcome::Refused,
        Trouble::Failed => Outcome::NotReady,
    });
    Ok(exit::fold(outcomes))
}
