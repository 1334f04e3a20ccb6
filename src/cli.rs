//! Every flag, in one place, grouped by topic. Parsing does no I/O; `commands` resolves.

use crate::exit;
use crate::helm::SetKind;
use crate::mapping::{Layout, MapRule, Mapping};
use crate::mirror::SourceMirror;
use crate::oci::Platform;
use crate::plan::MismatchPolicy;
use crate::reference::{RegistryHost, RepoPath};
use crate::report::OutputFormat;
use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;
use std::time::Duration;

const VERSION: &str = concat!(env!("CARGO_PKG_VERSION"), " (commit ", env!("ESSREGISTRY_GIT_COMMIT"), ")");

/// Point an air-gapped Element Server Suite at its local registry.
///
/// Reads the ESS installer's images_digests (or the matrix-stack Helm chart's values), maps every
/// image to the local registry, checks each one there and writes the images_digests ConfigMap
/// and pull secret the installer needs (or the pull secret and a values overlay for Helm).
///
/// The reference, one page per topic (every flag, how images are checked, trust and proxies,
/// the report's schema, mirror, Helm, behaviour under faults), is in docs/ beside the README:
/// https://github.com/element-hq/kubectl-essregistry/tree/main/docs
#[derive(Debug, Parser)]
#[command(name = "kubectl-essregistry", bin_name = "kubectl essregistry", version = VERSION, after_help = exit::HELP_TABLE)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,

    #[command(subcommand)]
    pub command: Command,
}

/// The flags that go before or after the command, as kubectl users type them
/// (`kubectl essregistry -n NS --context C --registry R status`): every flag more than one
/// command takes.
#[derive(Debug, Args)]
pub struct GlobalArgs {
    #[command(flatten)]
    pub input: InputArgs,
    #[command(flatten)]
    pub mapping: MappingArgs,
    #[command(flatten)]
    pub registry: RegistryArgs,
    #[command(flatten)]
    pub cluster: ClusterArgs,
    #[command(flatten)]
    pub output: OutputArgs,
}

impl GlobalArgs {
    /// What the flags mean together, once parsed: with a chart or a release, the namespace is
    /// helm's (the context's, else `default`), not the installer's.
    pub fn settle(&mut self) {
        if self.input.is_chart() {
            self.cluster.fallback_namespace = crate::cluster::HELM_NAMESPACE;
        }
    }

    /// `kubectl essregistry mirror` with this run's input, mapping, registry and cluster flags:
    /// the command that copies every image a plan found not ready (a password is never in it;
    /// `--registry-password-stdin` reads it again). An input read from a bundle is pushed from
    /// it (`--from-bundle`), as inside the air gap upstream cannot be reached.
    pub fn mirror_command(&self, bundle: Option<&std::path::Path>, version: Option<&str>) -> String {
        let mut words: Vec<String> = ["kubectl", "essregistry", "mirror"].map(str::to_owned).into();
        let mut flag = |name: &str, value: Option<String>| {
            words.push(name.to_owned());
            words.extend(value);
        };
        let input = &self.input;
        let path = |p: &PathBuf| Some(p.display().to_string());
        match bundle {
            Some(bundle) => flag("--from-bundle", Some(bundle.display().to_string())),
            None => input.digests.iter().for_each(|p| flag("-f", path(p))),
        }
        input.installer_dir.iter().for_each(|p| flag("--installer-dir", path(p)));
        input.from_configmap.iter().for_each(|name| flag("--from-configmap", Some(name.clone())));
        input.chart.iter().for_each(|p| flag("--chart", path(p)));
        input.values.iter().for_each(|p| flag("--values", path(p)));
        input.release.iter().for_each(|name| flag("--release", Some(name.clone())));
        version.iter().for_each(|version| flag("--version", Some((*version).to_owned())));
        for (kind, line) in input.sets() {
            flag(kind.flag(), Some(line));
        }
        if input.include_disabled {
            flag("--include-disabled", None);
        }
        if bundle.is_none() {
            input.source_mirrors.iter().for_each(|mirror| flag("--source-mirror", Some(mirror.to_string())));
        }
        let mapping = &self.mapping;
        mapping.registry.iter().for_each(|r| flag("--registry", Some(r.to_string())));
        mapping.path_prefix.iter().for_each(|p| flag("--path-prefix", Some(p.to_string())));
        if mapping.layout != Layout::Preserve
            && let Some(layout) = mapping.layout.to_possible_value()
        {
            flag("--layout", Some(layout.get_name().to_owned()));
        }
        mapping.map.iter().for_each(|rule| flag("--map", Some(rule.to_string())));
        let registry = &self.registry;
        registry.registry_ca_file.iter().for_each(|p| flag("--registry-ca-file", path(p)));
        registry.registry_cert_dir.iter().for_each(|p| flag("--registry-cert-dir", path(p)));
        registry.registry_client_cert.iter().for_each(|p| flag("--registry-client-cert", path(p)));
        registry.registry_client_key.iter().for_each(|p| flag("--registry-client-key", path(p)));
        registry.registry_username.iter().for_each(|user| flag("--registry-username", Some(user.clone())));
        if registry.registry_password_stdin {
            flag("--registry-password-stdin", None);
        }
        if registry.registry_plain_http {
            flag("--registry-plain-http", None);
        }
        if registry.registry_insecure_skip_tls_verify {
            flag("--registry-insecure-skip-tls-verify", None);
        }
        if input.from_configmap.is_some() || input.release.is_some() {
            self.cluster.context.iter().for_each(|c| flag("--context", Some(c.clone())));
            self.cluster.namespace.iter().for_each(|n| flag("-n", Some(n.clone())));
        }
        crate::sanitize::command_line(&words)
    }
}

impl GlobalArgs {
    /// The `skopeo copy` flags that reach the local registry as this run does: `plan`'s copy by
    /// hand ends with them (skopeo takes flags after its arguments). A CA file or a client
    /// certificate has none: skopeo reads them from the registry's certs.d folder, as docker does.
    pub fn skopeo_destination_flags(&self) -> Vec<String> {
        let registry = &self.registry;
        let mut flags = Vec::new();
        if registry.registry_plain_http || registry.registry_insecure_skip_tls_verify {
            flags.push("--dest-tls-verify=false".to_owned());
        }
        if let Some(dir) = &registry.registry_cert_dir {
            flags.extend(["--dest-cert-dir".to_owned(), dir.display().to_string()]);
        }
        if let Some(user) = &registry.registry_username {
            // skopeo asks for the password.
            flags.extend(["--dest-creds".to_owned(), user.clone()]);
        }
        flags
    }
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check every image in the local registry and show what would be written
    #[command(after_help = format!("{PLAN_EXAMPLES}\n\n{}", exit::HELP_TABLE))]
    Plan(PlanArgs),
    /// Write the images_digests ConfigMap and the pull secret (server-side apply)
    #[command(after_help = format!("{APPLY_EXAMPLES}\n\n{}", exit::HELP_TABLE))]
    Apply(ApplyArgs),
    /// Verify the live state end to end: ConfigMap, registry, secret, installer, pods
    #[command(after_help = format!("{STATUS_EXAMPLES}\n\n{}", exit::HELP_TABLE))]
    Status(StatusArgs),
    /// Copy every image into the local registry or a bundle, digests preserved byte for byte
    #[command(after_help = format!("{MIRROR_EXAMPLES}\n\n{}", exit::HELP_TABLE))]
    Mirror(MirrorArgs),
    /// List what the local registry holds of the inputs' images, to carry out of the air gap
    #[command(after_help = format!("{INVENTORY_EXAMPLES}\n\n{}", exit::HELP_TABLE))]
    Inventory(InventoryArgs),
    /// Remove from the local registry what no kept release and no pod uses (a dry run unless --yes)
    #[command(after_help = format!("{PRUNE_EXAMPLES}\n\n{}", exit::HELP_TABLE))]
    Prune(PruneArgs),
    /// Say what the local registry does (TLS, auth, uploads, mounts, indexes, path depth, referrers, delete) before the first push
    #[command(after_help = format!("{PROBE_EXAMPLES}\n\n{}", exit::HELP_TABLE))]
    Probe(ProbeArgs),
    /// Print a shell completion script
    #[command(after_help = COMPLETION_EXAMPLES)]
    Completion {
        /// The shell to complete in
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Completion candidates for `kubectl essregistry <TAB>`, in kubectl's plugin protocol
    #[command(name = "__complete", hide = true)]
    Complete {
        /// The words typed after `kubectl essregistry`, the last one being completed
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        words: Vec<String>,
    },
}

const INVENTORY_EXAMPLES: &str = "\
Examples:
  # Inside the air gap: what the registry holds of this release and the last one, as a file
  kubectl essregistry inventory -f images_digests.yml --also previous/images_digests.yml \\
      --registry localregistry.local --path-prefix elementdeployment -o yaml > inventory.yaml";

const PRUNE_EXAMPLES: &str = "\
Examples:
  # What the current release and the one kept for rollback do not use, in their repositories
  kubectl essregistry prune -f images_digests.yml --keep previous/images_digests.yml \\
      --old older/images_digests.yml --registry localregistry.local --path-prefix elementdeployment

  # Delete it (then run the registry's garbage collection, which prune prints)
  kubectl essregistry prune -f images_digests.yml --registry localregistry.local --yes";

const COMPLETION_EXAMPLES: &str = "\
Examples:
  # bash, for the plugin run on its own (kubectl-essregistry ...)
  source <(kubectl-essregistry completion bash)

  # For `kubectl essregistry <TAB>` (kubectl 1.26+), put kubectl_complete-essregistry on PATH
  # next to the plugin: kubectl runs it to complete the plugin's arguments";

const APPLY_EXAMPLES: &str = "\
Examples:
  # Write both objects into the ESS namespace of the current context
  kubectl essregistry apply -f images_digests.yml \\
      --registry localregistry.local --path-prefix elementdeployment

  # Let the API server validate without writing anything
  kubectl essregistry apply -f images_digests.yml \\
      --registry localregistry.local --dry-run=server

  # The two manifests, for a GitOps repository (the Secret included)
  kubectl essregistry apply -f images_digests.yml \\
      --registry localregistry.local --dry-run=client -o yaml

  # ESS on Helm: the pull secret, the overlay in a file, and the helm command
  kubectl essregistry apply --release ess -n ess \\
      --registry localregistry.local --values-out overlay.yaml";

const STATUS_EXAMPLES: &str = "\
Examples:
  # Is the air-gapped ESS still consistent? Exit 0 only when everything holds
  kubectl essregistry status

  # In CI, against a new installer release: also report drift from it (under the mapping
  # apply recorded on the ConfigMap: no mapping flags needed)
  kubectl essregistry status -f images_digests.yml -o json

  # ESS on Helm: the release's pods, pull secret and drift from the overlay
  kubectl essregistry status --release ess -n ess --registry localregistry.local";

const MIRROR_EXAMPLES: &str = "\
Examples:
  # Connected side: every image of the release into one archive to carry across
  kubectl essregistry mirror -f images_digests.yml \\
      --to-bundle ess-images.tar.zst

  # The next release: only what the registry's inventory (carried out of the gap) lacks
  kubectl essregistry mirror -f images_digests.yml \\
      --to-bundle ess-delta.tar.zst --have inventory.yaml

  # Either side, offline: is every image in the bundle, every blob whole?
  kubectl essregistry mirror --verify-bundle ess-images.tar.zst

  # Air-gapped side: push the bundle where `plan` looks for the images
  kubectl essregistry mirror --from-bundle ess-images.tar.zst \\
      --registry localregistry.local --path-prefix elementdeployment

  # Both at once, upstream read through an Artifactory remote repository
  kubectl essregistry mirror -f images_digests.yml \\
      --registry localregistry.local \\
      --source-mirror docker.io=https://artifactory.example/docker-remote";

const PROBE_EXAMPLES: &str = "\
Examples:
  # What can be learnt without writing (the rest is unknown)
  kubectl essregistry probe --registry localregistry.local --path-prefix elementdeployment

  # Push throwaway images under elementdeployment/essregistry-probe to learn the rest
  kubectl essregistry probe --registry localregistry.local --path-prefix elementdeployment \\
      --write -o yaml";

const PLAN_EXAMPLES: &str = "\
Examples:
  # First run: images live under the project 'elementdeployment'
  kubectl essregistry plan -f images_digests.yml \\
      --registry localregistry.local --path-prefix elementdeployment

  # A registry with a private CA, the password read from stdin, not from argv
  kubectl essregistry plan -f images_digests.yml --registry harbor.corp:443 \\
      --registry-ca-file corp-ca.pem \\
      --registry-username robot --registry-password-stdin < robot.pass

  # In CI: fail the pipeline unless every image is mirrored, keep the report
  kubectl essregistry plan -f images_digests.yml \\
      --registry localregistry.local -o json > plan.json

  # ESS on Helm: the matrix-stack chart with your values, the overlay alone
  kubectl essregistry plan --chart matrix-stack-26.1.0.tgz --values yours.yaml \\
      --registry localregistry.local -o values";

#[derive(Debug, Args)]
pub struct ProbeArgs {
    /// Push throwaway images of a few small generated blobs under <path-prefix>/essregistry-probe to learn what needs a write, and delete them where the registry allows
    #[arg(long, help_heading = "Probe")]
    pub write: bool,
}

/// `--verify-key`: images count as ready only when signed by one of these keys.
#[derive(Debug, Args)]
#[command(next_help_heading = "Signatures")]
pub struct VerifyArgs {
    /// An image is ready only when a signature by this public key (PEM, as cosign.pub: ECDSA P-256, RSA or Ed25519) names its pinned digest: a .sig tag or a Sigstore bundle referrer, checked offline (repeatable: any of the keys)
    #[arg(long = "verify-key", value_name = "FILE")]
    pub verify_keys: Vec<PathBuf>,
}

#[derive(Debug, Args)]
pub struct PlanArgs {
    #[command(flatten)]
    pub objects: ObjectArgs,

    #[command(flatten)]
    pub verify: VerifyArgs,

    /// Do not read the cluster: no Kubernetes API call at all
    #[arg(long, help_heading = "Cluster")]
    pub offline: bool,

    /// Compare the release with an earlier one (images_digests or bundle, as -f takes it): the images it adds, removes and changes, with bytes
    #[arg(long, value_name = "FILE", conflicts_with = "have", help_heading = "Release")]
    pub against: Option<PathBuf>,

    /// Compare the release with what `inventory -o yaml` found in the local registry (repeatable): the images it adds, removes and changes, with the bytes to carry
    #[arg(long, value_name = "INVENTORY", help_heading = "Release")]
    pub have: Vec<PathBuf>,

    #[command(flatten)]
    pub version: ChartVersionArgs,
}

#[derive(Debug, Args)]
pub struct ApplyArgs {
    #[command(flatten)]
    pub objects: ObjectArgs,

    /// Apply the ready entries even when some images are not ready (the rest keep pulling from upstream)
    #[arg(long, help_heading = "Apply")]
    pub allow_incomplete: bool,

    /// none: write; server: the API server validates and writes nothing; client: print the manifests only
    #[arg(long, value_enum, default_value_t = DryRun::None, help_heading = "Apply")]
    pub dry_run: DryRun,

    /// Take over fields another field manager owns, instead of stopping on the conflict
    #[arg(long, help_heading = "Apply")]
    pub force_conflicts: bool,

    /// Delete and re-create an object that cannot be updated in place (a Secret of another type, an immutable ConfigMap)
    #[arg(long, help_heading = "Apply")]
    pub force: bool,

    /// With --chart or --release: write the values overlay to FILE, for helm upgrade -f FILE
    #[arg(long, value_name = "FILE", help_heading = "Apply")]
    pub values_out: Option<PathBuf>,

    #[command(flatten)]
    pub helm: HelmArgs,

    #[command(flatten)]
    pub version: ChartVersionArgs,
}

/// What the printed helm command installs, as it is inside the air gap (`apply` with a chart).
#[derive(Debug, Args)]
#[command(next_help_heading = "Helm command")]
pub struct HelmArgs {
    /// The Helm release the values are for [default: the one release of matrix-stack in the namespace, else ess]
    #[arg(long, value_name = "NAME", value_parser = parse_release)]
    pub release_name: Option<String>,

    /// The chart as helm reaches it inside the air gap, for the printed command: oci://LOCAL/PATH/matrix-stack, or an archive [default: the --chart archive]
    #[arg(long, value_name = "CHART")]
    pub chart_ref: Option<String>,
}

/// `--version`, Helm's: after the command only, as the plugin's own `--version` comes before it.
#[derive(Debug, Args)]
#[command(next_help_heading = "Helm chart")]
pub struct ChartVersionArgs {
    /// The chart's version, as helm --version takes it: of --chart oci://... (or :VERSION on the reference), or of a bare values.yaml for the printed helm command (an archive or a release carries its own)
    #[arg(long = "version", value_name = "VERSION")]
    pub chart_version: Option<String>,
}

/// `mirror`: from upstream or a bundle, to the local registry or a bundle.
#[derive(Debug, Args)]
pub struct MirrorArgs {
    /// Write the images into this bundle instead of a registry: a folder (an OCI image layout), or an archive if PATH ends in .tar, .tar.gz or .tar.zst
    #[arg(long, value_name = "PATH", conflicts_with = "from_bundle", help_heading = "Mirror")]
    pub to_bundle: Option<PathBuf>,

    /// With --to-bundle: leave out the blobs this inventory (written by `inventory` inside the air gap) lists, making a delta bundle; manifests always travel (repeatable). The import checks the left-out blobs first
    #[arg(long, value_name = "INVENTORY", requires = "to_bundle", help_heading = "Mirror")]
    pub have: Vec<PathBuf>,

    /// Read the images from this bundle (folder or archive) instead of upstream; -f may name the images_digests when the bundle has none
    #[arg(long, value_name = "PATH", help_heading = "Mirror")]
    pub from_bundle: Option<PathBuf>,

    /// Copy nothing: check offline that this bundle (folder or archive) holds every image of its images_digests, every manifest and blob matching its digest; exit 0 when complete, 1 when not
    #[arg(long, value_name = "PATH", conflicts_with_all = ["to_bundle", "from_bundle", "source_mirrors", "platforms"], help_heading = "Mirror")]
    pub verify_bundle: Option<PathBuf>,

    /// Copy only this platform of multi-platform images, OS/ARCH[/VARIANT] (repeatable); the trimmed index has another digest
    #[arg(long = "platform", value_name = "OS/ARCH", value_parser = Platform::parse, help_heading = "Mirror")]
    pub platforms: Vec<Platform>,

    /// Leave out what is attached to each image: cosign signatures, attestations, SBOMs (sha256-HEX.sig, .att, .sbom) and OCI 1.1 referrers (cosign v3 bundles among them), with their fallback index (sha256-HEX)
    #[arg(long, help_heading = "Mirror")]
    pub no_signatures: bool,

    #[command(flatten)]
    pub version: ChartVersionArgs,

    /// Upload blobs in chunks of SIZE from the first byte (bytes, or with K, M, G: KiB, MiB, GiB; 64K to 1G), for a registry whose limit is known; without it uploads adapt to what the registry takes
    #[arg(long, value_name = "SIZE", value_parser = parse_chunk_size, help_heading = "Mirror")]
    pub chunk_size: Option<u64>,

    /// Print what each image would move (bytes, blobs already there) and write nothing
    #[arg(long, help_heading = "Mirror")]
    pub dry_run: bool,

    #[command(flatten)]
    pub verify: VerifyArgs,
}

/// `inventory`: the main input, and more.
#[derive(Debug, Args)]
pub struct InventoryArgs {
    /// Another images_digests file or bundle whose images to list too, as -f takes it (repeatable: several releases)
    #[arg(long, value_name = "FILE", help_heading = "Inventory")]
    pub also: Vec<PathBuf>,

    #[command(flatten)]
    pub version: ChartVersionArgs,
}

/// `prune`: what to keep, where else to look, and whether to delete.
#[derive(Debug, Args)]
pub struct PruneArgs {
    /// Another release to keep (for rollback): an images_digests file or bundle, as -f takes it (repeatable)
    #[arg(long, value_name = "FILE", help_heading = "Prune")]
    pub keep: Vec<PathBuf>,

    /// An older release whose repositories are searched too (what it pins is not kept) (repeatable)
    #[arg(long, value_name = "FILE", help_heading = "Prune")]
    pub old: Vec<PathBuf>,

    /// Delete what is unused; without it, only list it
    #[arg(long, help_heading = "Prune")]
    pub yes: bool,

    /// Do not read the cluster's pods (what a pod runs is then not known, and not kept for that)
    #[arg(long, help_heading = "Prune")]
    pub offline: bool,

    #[command(flatten)]
    pub version: ChartVersionArgs,
}

/// `--dry-run`, as kubectl has it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum DryRun {
    None,
    Client,
    Server,
}

#[derive(Debug, Args)]
pub struct StatusArgs {
    #[command(flatten)]
    pub objects: ObjectArgs,

    #[command(flatten)]
    pub verify: VerifyArgs,
}

#[derive(Debug, Args)]
#[command(next_help_heading = "Cluster")]
pub struct ClusterArgs {
    /// The kubeconfig file [default: KUBECONFIG, else ~/.kube/config]
    #[arg(long, value_name = "FILE", global = true)]
    pub kubeconfig: Option<PathBuf>,

    /// The kubeconfig context [default: the current context]
    #[arg(long, value_name = "NAME", global = true)]
    pub context: Option<String>,

    /// The ESS namespace [default: the context's namespace, else element-onprem, or default for a chart or release as helm has it]
    #[arg(short = 'n', long, value_name = "NAMESPACE", global = true)]
    pub namespace: Option<String>,

    /// The namespace when neither `-n` nor the context names one (`GlobalArgs::settle`).
    #[arg(skip = crate::cluster::DEFAULT_NAMESPACE)]
    pub fallback_namespace: &'static str,

    /// How long one Kubernetes API request may take
    #[arg(long, value_name = "DURATION", default_value = "30s", value_parser = humantime::parse_duration, global = true)]
    pub request_timeout: Duration,

    /// The kubeconfig cluster to use [default: the context's]
    #[arg(long, value_name = "NAME", global = true)]
    pub cluster: Option<String>,

    /// The kubeconfig user to use [default: the context's]
    #[arg(long, value_name = "NAME", global = true)]
    pub user: Option<String>,

    /// The API server's address, instead of the kubeconfig's
    #[arg(long, short = 's', value_name = "URL", global = true)]
    pub server: Option<String>,

    /// A bearer token for the API server, instead of the kubeconfig user's credentials
    #[arg(long, value_name = "TOKEN", global = true)]
    pub token: Option<String>,

    /// Act as this user (impersonation; needs the impersonate verb)
    #[arg(long = "as", value_name = "USER", global = true)]
    pub impersonate: Option<String>,

    /// Act as a member of this group (repeatable; with --as)
    #[arg(long = "as-group", value_name = "GROUP", global = true)]
    pub impersonate_groups: Vec<String>,

    /// Act as the user with this UID (with --as)
    #[arg(long = "as-uid", value_name = "UID", global = true)]
    pub impersonate_uid: Option<String>,

    /// A CA file for the API server's certificate, instead of the kubeconfig's
    #[arg(long, value_name = "FILE", global = true)]
    pub certificate_authority: Option<PathBuf>,

    /// A client certificate file for the API server
    #[arg(long, value_name = "FILE", global = true)]
    pub client_certificate: Option<PathBuf>,

    /// The key file of --client-certificate
    #[arg(long, value_name = "FILE", global = true)]
    pub client_key: Option<PathBuf>,

    /// The name the API server's certificate is checked against, instead of the server's host
    #[arg(long, value_name = "NAME", global = true)]
    pub tls_server_name: Option<String>,

    /// Do not verify the API server's certificate (insecure)
    #[arg(long, global = true)]
    pub insecure_skip_tls_verify: bool,
}

impl ClusterArgs {
    /// The connection flags that are laid over the kubeconfig.
    pub fn overrides(&self) -> crate::cluster::Overrides {
        crate::cluster::Overrides {
            cluster: self.cluster.clone(),
            user: self.user.clone(),
            server: self.server.clone(),
            certificate_authority: self.certificate_authority.clone(),
            tls_server_name: self.tls_server_name.clone(),
            insecure_skip_tls_verify: self.insecure_skip_tls_verify,
            token: self.token.clone(),
            client_certificate: self.client_certificate.clone(),
            client_key: self.client_key.clone(),
            impersonate: self.impersonate.clone(),
            impersonate_groups: self.impersonate_groups.clone(),
            impersonate_uid: self.impersonate_uid.clone(),
        }
    }
}

#[derive(Debug, Args)]
#[command(next_help_heading = "Objects")]
pub struct ObjectArgs {
    /// The images_digests ConfigMap the installer is told about
    #[arg(long, value_name = "NAME", default_value = "ess-images-digests")]
    pub configmap_name: String,

    /// The docker-registry pull secret the installer is told about
    #[arg(long, value_name = "NAME", default_value = "ess-local-registry")]
    pub secret_name: String,

    /// No pull secret: the registry needs none, or it is managed elsewhere (apply writes none, status expects none)
    #[arg(long)]
    pub no_secret: bool,
}

#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Input")]
pub struct InputArgs {
    /// The installer's images_digests.yml, its ConfigMap string, or a ConfigMap manifest holding it ('-' reads stdin)
    #[arg(short = 'f', long = "digests", value_name = "FILE", global = true)]
    pub digests: Option<PathBuf>,

    /// The ESS installer's folder, searched for images_digests.yml when -f is not given [default: ~/.element-enterprise-server]
    #[arg(long, value_name = "DIR", global = true)]
    pub installer_dir: Option<PathBuf>,

    /// Read images_digests from data.images_digests of this ConfigMap in the namespace, through the kubeconfig context
    #[arg(long, value_name = "NAME", global = true)]
    pub from_configmap: Option<String>,

    /// The matrix-stack Helm chart instead of images_digests: its values.yaml (as helm show values prints it), its archive (as helm pull writes it), or oci://HOST/PATH/NAME (with --version, or :VERSION)
    #[arg(long, value_name = "PATH|oci://REF", conflicts_with_all = ["from_configmap", "installer_dir"], global = true)]
    pub chart: Option<PathBuf>,

    /// Your own values file, laid over the chart's as helm -f lays it (repeatable: later files win)
    #[arg(long = "values", value_name = "FILE", requires = "chart", global = true)]
    pub values: Vec<PathBuf>,

    /// The deployed Helm release NAME instead of images_digests, read through the kubeconfig context: its chart's values with its user values over them
    #[arg(long, value_name = "NAME", value_parser = parse_release, conflicts_with_all = ["from_configmap", "installer_dir", "chart"], global = true)]
    pub release: Option<String>,

    /// Read UPSTREAM's images (and an oci:// chart there) from an internal mirror: UPSTREAM=[http://|https://]HOST[:PORT][/PREFIX] (repeatable)
    #[arg(long = "source-mirror", value_name = "UPSTREAM=URL", global = true)]
    pub source_mirrors: Vec<SourceMirror>,

    /// Set a value over the --values files, as helm --set does: a.b=c, a[0]=c, a={x,y}; several separated by commas (repeatable)
    #[arg(long = "set", value_name = "KEY=VALUE", global = true)]
    pub set: Vec<String>,

    /// As --set, every value a string (helm --set-string)
    #[arg(long = "set-string", value_name = "KEY=VALUE", global = true)]
    pub set_string: Vec<String>,

    /// As --set, every value JSON (helm --set-json)
    #[arg(long = "set-json", value_name = "KEY=JSON", global = true)]
    pub set_json: Vec<String>,

    /// Count, check and mirror the images of components the values disable (enabled: false), for components you may enable later
    #[arg(long, global = true)]
    pub include_disabled: bool,
}

impl InputArgs {
    /// The `--set`, `--set-string` and `--set-json` lines, each with its flag.
    pub fn sets(&self) -> Vec<(SetKind, String)> {
        let of =
            |kind: SetKind, lines: &[String]| lines.iter().map(move |line| (kind, line.clone())).collect::<Vec<_>>();
        [of(SetKind::Json, &self.set_json), of(SetKind::Typed, &self.set), of(SetKind::String, &self.set_string)]
            .concat()
    }

    /// Whether the input is a Helm chart's values (`--chart` or `--release`), not images_digests.
    pub fn is_chart(&self) -> bool {
        self.chart.is_some() || self.release.is_some()
    }
}

#[derive(Debug, Args)]
#[command(next_help_heading = "Mapping to the local registry")]
pub struct MappingArgs {
    /// The local registry every image is pulled from (plan, apply: required; mirror: or --to-bundle; status: default from the ConfigMap)
    #[arg(long, value_name = "HOST[:PORT]", value_parser = parse_registry, global = true)]
    pub registry: Option<RegistryHost>,

    /// A path put in front of every image in the local registry (a Harbor project, say)
    #[arg(long, value_name = "PREFIX", value_parser = parse_prefix, global = true)]
    pub path_prefix: Option<RepoPath>,

    /// How upstream paths are laid out in the local registry
    #[arg(long, value_enum, default_value_t = Layout::Preserve, global = true)]
    pub layout: Layout,

    /// Replace the upstream prefix FROM (server[/path]) by the path TO; the longest FROM wins over --layout
    #[arg(long = "map", value_name = "FROM=TO", global = true)]
    pub map: Vec<MapRule>,

    /// What the ConfigMap carries for an image whose local tag has another digest
    #[arg(long, value_enum, default_value_t = MismatchPolicy::Fail, global = true)]
    pub digest_mismatch: MismatchPolicy,
}

impl MappingArgs {
    /// The mapping, when a registry is known (plan and apply require one; status may take it
    /// from the live ConfigMap).
    pub fn mapping(&self, registry: Option<&RegistryHost>) -> Option<Mapping> {
        Some(Mapping {
            registry: self.registry.clone().or_else(|| registry.cloned())?,
            prefix: self.path_prefix.clone(),
            layout: self.layout,
            rules: self.map.clone(),
        })
    }

    /// Whether any flag that decides a target path was given.
    pub fn given(&self) -> bool {
        self.registry.is_some()
            || self.path_prefix.is_some()
            || self.layout != Layout::default()
            || !self.map.is_empty()
    }

    /// Whether a flag that decides paths (not only the registry) was given.
    pub fn paths_given(&self) -> bool {
        self.path_prefix.is_some() || self.layout != Layout::default() || !self.map.is_empty()
    }

    /// The mapping these flags give over `base` (the one a ConfigMap was applied with): each
    /// flag given replaces its part of it. None when no mapping flag is given.
    pub fn given_over(&self, base: &Mapping) -> Option<Mapping> {
        self.given().then(|| Mapping {
            registry: self.registry.clone().unwrap_or_else(|| base.registry.clone()),
            prefix: self.path_prefix.clone().or_else(|| base.prefix.clone()),
            layout: if self.layout == Layout::default() { base.layout } else { self.layout },
            rules: if self.map.is_empty() { base.rules.clone() } else { self.map.clone() },
        })
    }
}

/// A name that cannot be a release's is refused before it reaches a label selector.
fn parse_release(text: &str) -> Result<String, String> {
    crate::helm::check_release_name(text).map(|()| text.to_owned())
}

/// `--registry`, with the flag to use for what a URL would say: the path, the scheme.
fn parse_registry(text: &str) -> Result<RegistryHost, String> {
    RegistryHost::parse(text).map_err(|why| {
        let rest = text.split_once("://").map_or(text, |(_, rest)| rest);
        let path = rest.split_once('/').map(|(_, path)| path.trim_matches('/')).filter(|p| !p.is_empty());
        let mut tips = Vec::new();
        if text.starts_with("http://") {
            tips.push("--registry-plain-http for a registry served over plain HTTP".to_owned());
        }
        if let Some(path) = path {
            tips.push(format!("--path-prefix {path} for the path"));
        }
        match tips.as_slice() {
            [] => why,
            tips => format!("{why}; use {}", tips.join(", and ")),
        }
    })
}

/// `--chunk-size`: a number of bytes, with K, M or G (also KiB, MiB, GiB) for 1024's powers.
fn parse_chunk_size(text: &str) -> Result<u64, String> {
    let lower = text.trim().to_ascii_lowercase();
    let number = lower.trim_end_matches(['b', 'i']);
    let (digits, unit) = match number.char_indices().last() {
        Some((at, 'k')) => (&number[..at], 1024),
        Some((at, 'm')) => (&number[..at], 1024 * 1024),
        Some((at, 'g')) => (&number[..at], 1024 * 1024 * 1024),
        _ if number.len() == lower.len() || lower.ends_with('b') => (number, 1),
        _ => return Err(format!("\"{text}\" is not a size: write bytes, or a number with K, M or G")),
    };
    let size = digits
        .trim()
        .parse::<u64>()
        .ok()
        .and_then(|n| n.checked_mul(unit))
        .ok_or_else(|| format!("\"{text}\" is not a size: write bytes, or a number with K, M or G"))?;
    let (floor, ceiling) = (crate::registry::CHUNK_FLOOR, crate::registry::CHUNK_CEILING);
    if !(floor..=ceiling).contains(&size) {
        return Err(format!("a chunk is between 64K and 1G, not {text}"));
    }
    Ok(size)
}

fn parse_prefix(text: &str) -> Result<RepoPath, String> {
    RepoPath::parse(text.trim_matches('/'))
}

#[derive(Debug, Args)]
#[command(next_help_heading = "Registry access")]
pub struct RegistryArgs {
    /// The registry user; the password is read from stdin with --registry-password-stdin
    #[arg(long, value_name = "USER", requires = "registry_password_stdin", global = true)]
    pub registry_username: Option<String>,

    /// Read the registry password from stdin (there is no password flag: it would show in ps and shell history)
    #[arg(long, requires = "registry_username", global = true)]
    pub registry_password_stdin: bool,

    /// A PEM file with a CA for the registry's certificate, trusted besides the system's and certs.d's (repeatable)
    #[arg(long, value_name = "PATH", global = true)]
    pub registry_ca_file: Vec<PathBuf>,

    /// The registry's certificate folder (*.crt CAs, *.cert with *.key), instead of the certs.d search (skopeo's --cert-dir)
    #[arg(long, value_name = "DIR", global = true)]
    pub registry_cert_dir: Option<PathBuf>,

    /// A client certificate (PEM) for registries that require mutual TLS
    #[arg(long, value_name = "PATH", requires = "registry_client_key", global = true)]
    pub registry_client_cert: Option<PathBuf>,

    /// The private key (PEM: RSA, EC or PKCS#8) of --registry-client-cert
    #[arg(long, value_name = "PATH", requires = "registry_client_cert", global = true)]
    pub registry_client_key: Option<PathBuf>,

    /// Do not verify the registry's TLS certificate (for tests only)
    #[arg(long, global = true)]
    pub registry_insecure_skip_tls_verify: bool,

    /// Talk to the registry over plain HTTP
    #[arg(long, conflicts_with_all = ["registry_ca_file", "registry_cert_dir", "registry_client_cert", "registry_insecure_skip_tls_verify"], global = true)]
    pub registry_plain_http: bool,

    /// How long one registry request may take
    #[arg(long, value_name = "DURATION", default_value = "10s", value_parser = humantime::parse_duration, global = true)]
    pub registry_timeout: Duration,

    /// How many images are checked at once
    #[arg(long, value_name = "N", default_value_t = 8, value_parser = clap::value_parser!(u16).range(1..=256), global = true)]
    pub concurrency: u16,
}

#[derive(Debug, Args)]
#[command(next_help_heading = "Output")]
pub struct OutputArgs {
    /// Output format
    #[arg(short = 'o', long = "output", value_enum, default_value_t = OutputFormat::Table, global = true)]
    pub format: OutputFormat,

    /// No colours (also when NO_COLOR is set, or stdout is not a terminal)
    #[arg(long, global = true)]
    pub no_color: bool,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn a_chunk_size_is_bytes_or_a_number_with_a_binary_unit() {
        assert_eq!(parse_chunk_size("4M"), Ok(4 * 1024 * 1024));
        assert_eq!(parse_chunk_size("512KiB"), Ok(512 * 1024));
        assert_eq!(parse_chunk_size("1g"), Ok(1024 * 1024 * 1024));
        assert_eq!(parse_chunk_size("65536"), Ok(65536));
        assert_eq!(parse_chunk_size("1048576B"), Ok(1048576));
        assert!(parse_chunk_size("1K").unwrap_err().contains("between 64K and 1G"));
        assert!(parse_chunk_size("4 parsecs").unwrap_err().contains("is not a size"));
        assert!(parse_chunk_size("2T").is_err());
    }

    #[test]
    fn the_cli_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn the_mirror_command_carries_this_runs_input_mapping_and_registry_flags_wherever_they_were_typed() {
        let cli = Cli::try_parse_from([
            "kubectl-essregistry",
            "--registry",
            "reg.local:5000",
            "plan",
            "-f",
            "my digests.yml",
            "--path-prefix",
            "ess",
            "--map",
            "docker.io=hub",
            "--registry-username",
            "robot",
            "--registry-password-stdin",
        ])
        .unwrap();
        assert_eq!(
            cli.global.mirror_command(None, None),
            "kubectl essregistry mirror -f 'my digests.yml' --registry reg.local:5000 --path-prefix ess --map \
             docker.io=hub --registry-username robot --registry-password-stdin"
        );
        let chart = Cli::try_parse_from([
            "kubectl-essregistry",
            "plan",
            "--release",
            "ess",
            "-n",
            "matrix",
            "--registry",
            "r",
            "--layout",
            "flat",
        ])
        .unwrap();
        assert_eq!(
            cli.global.mirror_command(Some(std::path::Path::new("ess.tar.zst")), None),
            "kubectl essregistry mirror --from-bundle ess.tar.zst --registry reg.local:5000 --path-prefix ess --map \
             docker.io=hub --registry-username robot --registry-password-stdin",
            "a bundle is pushed from, not read as upstream's list"
        );
        assert_eq!(
            chart.global.mirror_command(None, None),
            "kubectl essregistry mirror --release ess --registry r --layout flat -n matrix"
        );
        let oci = Cli::try_parse_from([
            "kubectl-essregistry",
            "plan",
            "--chart",
            "oci://ghcr.io/element-hq/ess-helm/matrix-stack",
            "--set",
            "synapse.enabled=false",
            "--set-string",
            "a=1",
            "--source-mirror",
            "ghcr.io=http://127.0.0.1:5001",
            "--registry",
            "r",
        ])
        .unwrap();
        assert_eq!(
            oci.global.mirror_command(None, Some("26.1.0")),
            "kubectl essregistry mirror --chart oci://ghcr.io/element-hq/ess-helm/matrix-stack --version 26.1.0 --set \
             synapse.enabled=false --set-string a=1 --source-mirror ghcr.io=http://127.0.0.1:5001 --registry r",
            "what the run read the chart with, so the fix mirrors the same images"
        );
    }

    #[test]
    fn a_registry_given_as_a_url_is_refused_with_the_flags_for_its_scheme_and_path() {
        let why = parse_registry("http://reg.local:5000/ess/").unwrap_err();
        assert!(
            why.ends_with(
                "use --registry-plain-http for a registry served over plain HTTP, and --path-prefix ess for the path"
            ),
            "{why}"
        );
        assert!(parse_registry("reg.local/a/b").unwrap_err().ends_with("use --path-prefix a/b for the path"));
        assert_eq!(parse_registry("reg.local:5000").unwrap().as_str(), "reg.local:5000");
    }

    #[test]
    fn the_copy_by_hand_reaches_the_registry_as_the_run_does() {
        let cli = Cli::try_parse_from([
            "kubectl-essregistry",
            "plan",
            "--registry",
            "r",
            "--registry-plain-http",
            "--registry-username",
            "robot",
            "--registry-password-stdin",
        ])
        .unwrap();
        assert_eq!(cli.global.skopeo_destination_flags(), ["--dest-tls-verify=false", "--dest-creds", "robot"]);
        let dir = Cli::try_parse_from(["kubectl-essregistry", "plan", "--registry-cert-dir", "certs d"]).unwrap();
        assert_eq!(dir.global.skopeo_destination_flags(), ["--dest-cert-dir", "certs d"]);
    }

    #[test]
    fn no_flag_takes_a_password() {
        let command = Cli::command();
        let plan = command.find_subcommand("plan").unwrap();
        for arg in plan.get_arguments() {
            let long = arg.get_long().unwrap_or_default();
            assert!(!long.contains("password") || long == "registry-password-stdin", "{long}");
        }
    }
}
