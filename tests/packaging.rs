//! The plugin as administrators install it: the archive and krew manifest that scripts/package
//! really builds, checked against krew's rules; kubectl finding the plugin on PATH; completion
//! scripts in step with the CLI; and `kubectl essregistry <TAB>` answered as kubectl asks.

use kubectl_essregistry::reference::Digest;
use std::path::{Path, PathBuf};
use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_kubectl-essregistry");

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The lower-case hex sha256 of a file, as krew writes it.
fn sha256_hex(path: &Path) -> String {
    let digest = Digest::of(&std::fs::read(path).unwrap());
    digest.as_str().trim_start_matches("sha256:").to_owned()
}

/// Runs scripts/package on the binary cargo built, once for all tests here; returns the output
/// folder and the archive.
fn package() -> &'static (tempfile::TempDir, PathBuf) {
    static PACKAGED: std::sync::OnceLock<(tempfile::TempDir, PathBuf)> = std::sync::OnceLock::new();
    PACKAGED.get_or_init(build_package)
}

fn build_package() -> (tempfile::TempDir, PathBuf) {
    let out = tempfile::tempdir().unwrap();
    let result =
        Command::new(root().join("scripts/package")).args(["--binary", BIN, "--out"]).arg(out.path()).output().unwrap();
    assert!(result.status.success(), "{}", String::from_utf8_lossy(&result.stderr));
    let stdout = String::from_utf8(result.stdout).unwrap();
    let archive = PathBuf::from(stdout.lines().next().unwrap().split_once("  ").unwrap().1);
    assert_eq!(
        stdout.lines().next().unwrap().split_once("  ").unwrap().0,
        sha256_hex(&archive),
        "the printed sha256 is the archive's"
    );
    (out, archive)
}

fn archive_files(archive: &Path) -> Vec<String> {
    let listing = Command::new("tar").arg("-tzf").arg(archive).output().unwrap();
    String::from_utf8(listing.stdout).unwrap().lines().map(str::to_owned).collect()
}

#[test]
fn the_krew_manifest_follows_krews_rules_for_the_archive_really_built() {
    let (out, archive) = package();
    let version = env!("CARGO_PKG_VERSION");
    let name = archive.file_name().unwrap().to_str().unwrap();
    assert!(name.starts_with(&format!("kubectl-essregistry_{version}_linux_")) && name.ends_with(".tar.gz"), "{name}");
    let files = archive_files(archive);
    for expected in ["kubectl-essregistry", "kubectl_complete-essregistry", "LICENSE", "README.md"] {
        assert!(files.iter().any(|f| f == expected), "{expected} in {files:?}");
    }

    let manifest_path = out.path().join("essregistry.yaml");
    let manifest: serde_yaml::Value = serde_yaml::from_str(&std::fs::read_to_string(&manifest_path).unwrap()).unwrap();
    assert_eq!(manifest["apiVersion"].as_str(), Some("krew.googlecontainertools.github.com/v1alpha2"));
    assert_eq!(manifest["kind"].as_str(), Some("Plugin"));
    assert_eq!(
        manifest["metadata"]["name"].as_str(),
        manifest_path.file_stem().unwrap().to_str(),
        "name equals the file name"
    );
    let spec = &manifest["spec"];
    let spec_version = spec["version"].as_str().unwrap();
    let semver = spec_version.strip_prefix('v').unwrap().split('.').collect::<Vec<_>>();
    assert!(semver.len() == 3 && semver.iter().all(|p| p.parse::<u64>().is_ok()), "semver with a v: {spec_version}");
    assert_eq!(spec_version, format!("v{version}"));
    let short = spec["shortDescription"].as_str().unwrap();
    assert!(!short.contains('\n') && short.len() < 80, "one line: {short}");
    assert!(spec["description"].as_str().unwrap().contains("kubectl essregistry status"));
    assert!(spec["caveats"].as_str().unwrap().contains("images_digests.yml"));
    let platforms = spec["platforms"].as_sequence().unwrap();
    assert_eq!(platforms.len(), 1, "only the platform built here");
    for platform in platforms {
        let selector = platform["selector"].as_mapping().unwrap();
        assert_eq!(selector.len(), 1, "only matchLabels");
        let labels = platform["selector"]["matchLabels"].as_mapping().unwrap();
        assert!(labels.keys().all(|k| k.as_str() == Some("os") || k.as_str() == Some("arch")), "{labels:?}");
        let sha = platform["sha256"].as_str().unwrap();
        assert!(sha.len() == 64 && sha.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)), "{sha}");
        assert_eq!(sha, sha256_hex(archive), "the manifest's sha256 is the archive's");
        assert!(platform["uri"].as_str().unwrap().ends_with(name));
        let bin = platform["bin"].as_str().unwrap();
        assert!(files.iter().any(|f| f == bin), "bin {bin} is in the archive");
        for file in platform["files"].as_sequence().unwrap() {
            let from = file["from"].as_str().unwrap();
            assert!(files.iter().any(|f| f == from), "files[].from {from} is in the archive");
        }
    }
    let template = std::fs::read_to_string(root().join("plugin-manifest/essregistry.yaml")).unwrap();
    for platform in ["linux_amd64", "linux_arm64", "darwin_amd64", "darwin_arm64"] {
        assert!(template.contains(&format!("{{{{SHA256_{platform}}}}}")), "the template lists {platform}");
    }
}

#[test]
fn kubectl_finds_the_installed_plugin_and_completes_its_arguments() {
    let (_out, archive) = package();
    let install = tempfile::tempdir().unwrap();
    let unpacked = Command::new("tar").arg("-xzf").arg(archive).arg("-C").arg(install.path()).status().unwrap();
    assert!(unpacked.success());
    let path = format!("{}:{}", install.path().display(), std::env::var("PATH").unwrap());
    let kubectl = |args: &[&str]| {
        let output =
            Command::new("kubectl").args(args).env("PATH", &path).env("KUBECONFIG", "/nonexistent").output().unwrap();
        (output.status.success(), String::from_utf8_lossy(&output.stdout).into_owned())
    };
    let (_, plugins) = kubectl(&["plugin", "list"]);
    assert!(plugins.contains(&install.path().join("kubectl-essregistry").display().to_string()), "{plugins}");
    let (ok, version) = kubectl(&["essregistry", "--version"]);
    assert!(
        ok && version.starts_with(&format!("kubectl-essregistry {} (commit ", env!("CARGO_PKG_VERSION"))),
        "{version}"
    );

    // kubectl's own completion entry point, which runs kubectl_complete-essregistry from PATH.
    let (_, subcommands) = kubectl(&["__complete", "essregistry", ""]);
    assert!(
        ["plan", "apply", "status", "completion"].iter().all(|c| subcommands.lines().any(|l| l == *c)),
        "{subcommands}"
    );
    let (_, layouts) = kubectl(&["__complete", "essregistry", "plan", "--layout", ""]);
    assert_eq!(layouts.lines().take(3).collect::<Vec<_>>(), ["preserve", "source-host", "flat"], "{layouts}");
    let (_, dry_run) = kubectl(&["__complete", "essregistry", "apply", "--dry-run", "s"]);
    assert_eq!(dry_run.lines().next(), Some("server"), "{dry_run}");
}

#[test]
fn the_committed_completion_scripts_are_up_to_date() {
    for (shell, file) in [
        ("bash", "kubectl-essregistry.bash"),
        ("zsh", "_kubectl-essregistry"),
        ("fish", "kubectl-essregistry.fish"),
        ("powershell", "kubectl-essregistry.ps1"),
    ] {
        let generated = Command::new(BIN).args(["completion", shell]).output().unwrap().stdout;
        let committed = std::fs::read(root().join("completions").join(file)).unwrap();
        assert!(generated == committed, "completions/{file} is out of date: run scripts/completions");
    }
}

#[test]
fn usage_says_kubectl_essregistry_and_every_flag_has_help() {
    for command in ["plan", "apply", "status"] {
        let help = Command::new(BIN).args([command, "--help"]).output().unwrap();
        let help = String::from_utf8(help.stdout).unwrap();
        assert!(help.contains(&format!("Usage: kubectl essregistry {command} [OPTIONS]")), "{help}");
        assert!(help.contains("Examples:") && help.contains("Exit codes:"), "{help}");
        assert!(help.contains("[default: 8]") && help.contains("[default: ess-images-digests]"), "{help}");
    }
    let cli = <kubectl_essregistry::cli::Cli as clap::CommandFactory>::command();
    for sub in cli.get_subcommands().filter(|s| !s.is_hide_set()) {
        assert!(sub.get_about().is_some(), "{} has a description", sub.get_name());
        for arg in sub.get_arguments().filter(|a| a.get_id() != "help") {
            assert!(arg.get_help().is_some(), "{} --{} has help", sub.get_name(), arg.get_id());
        }
    }
}
