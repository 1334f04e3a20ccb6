//! The plugin as administrators install it: the archive and krew manifest that scripts/package
//! really builds (the release build, linked for an old glibc), checked against krew's rules for
//! the platform built here and rendered for all five platforms of a release; the glibc that the
//! packaged binary needs; kubectl finding the plugin on PATH; completion scripts in step with the
//! CLI; and `kubectl essregistry <TAB>` answered as kubectl asks.

use kubectl_essregistry::reference::Digest;
use std::path::{Path, PathBuf};
use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_kubectl-essregistry");

/// Every platform a release ships, as scripts/package names them.
const PLATFORMS: [&str; 5] = ["linux_amd64", "linux_arm64", "darwin_amd64", "darwin_arm64", "windows_amd64"];

/// The newest glibc the Linux binary may need: RHEL 8's.
const GLIBC_FLOOR: (u32, u32, u32) = (2, 28, 0);

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The lower-case hex sha256 of a file, as krew writes it.
fn sha256_hex(path: &Path) -> String {
    let digest = Digest::of(&std::fs::read(path).unwrap());
    digest.as_str().trim_start_matches("sha256:").to_owned()
}

/// What scripts/package made, as it makes it by default: the release build, packed.
struct Packaged {
    out: tempfile::TempDir,
    archive: PathBuf,
    /// The archive unpacked, as an administrator unpacks it.
    unpacked: tempfile::TempDir,
}

impl Packaged {
    fn binary(&self) -> PathBuf {
        self.unpacked.path().join("kubectl-essregistry")
    }
}

/// Runs scripts/package once for all tests here. It builds the release binary (LTO, so minutes),
/// and every test that needs a real package shares that one build.
fn package() -> &'static Packaged {
    static PACKAGED: std::sync::OnceLock<Packaged> = std::sync::OnceLock::new();
    PACKAGED.get_or_init(|| {
        let out = tempfile::tempdir().unwrap();
        let archive = run_package(&["--out".as_ref(), out.path().as_os_str()]);
        let unpacked = tempfile::tempdir().unwrap();
        let status = Command::new("tar").arg("-xzf").arg(&archive).arg("-C").arg(unpacked.path()).status().unwrap();
        assert!(status.success());
        Packaged { out, archive, unpacked }
    })
}

/// Runs scripts/package with `args`; checks that the sha256 it prints is its archive's and gives
/// the archive.
fn run_package(args: &[&std::ffi::OsStr]) -> PathBuf {
    let result = Command::new(root().join("scripts/package")).args(args).output().unwrap();
    assert!(result.status.success(), "scripts/package failed:\n{}", String::from_utf8_lossy(&result.stderr));
    let stdout = String::from_utf8(result.stdout).unwrap();
    let (sha, archive) = stdout.lines().next().unwrap().split_once("  ").unwrap();
    let archive = PathBuf::from(archive);
    assert_eq!(sha, sha256_hex(&archive), "the printed sha256 is the archive's");
    archive
}

/// The file names in a .tar.gz or .zip archive.
fn archive_files(archive: &Path) -> Vec<String> {
    let listing = if archive.extension().is_some_and(|e| e == "zip") {
        Command::new("unzip").arg("-Z1").arg(archive).output().unwrap()
    } else {
        Command::new("tar").arg("-tzf").arg(archive).output().unwrap()
    };
    assert!(listing.status.success(), "cannot list {}", archive.display());
    String::from_utf8(listing.stdout).unwrap().lines().map(str::to_owned).collect()
}

/// The platforms krew knows (its `os`/`arch` pairs); a selector must match at least one.
const KREW_PLATFORMS: [(&str, &str); 11] = [
    ("darwin", "amd64"),
    ("darwin", "arm64"),
    ("linux", "386"),
    ("linux", "amd64"),
    ("linux", "arm"),
    ("linux", "arm64"),
    ("linux", "ppc64le"),
    ("linux", "s390x"),
    ("windows", "386"),
    ("windows", "amd64"),
    ("windows", "arm64"),
];

/// The rules krew's validate-krew-manifest applies to a plugin manifest and the archives it
/// names, restated here because krew cannot be installed on this machine. Gives every rule the
/// manifest breaks, empty when krew would take it. Archives are looked for in `archives` by the
/// file name that ends their `uri`.
fn krew_violations(manifest_path: &Path, archives: &Path) -> Vec<String> {
    let mut broken = Vec::new();
    let text = std::fs::read_to_string(manifest_path).unwrap();
    let manifest: serde_yaml::Value = match serde_yaml::from_str(&text) {
        Ok(value) => value,
        Err(e) => return vec![format!("not YAML: {e}")],
    };
    if manifest["apiVersion"].as_str() != Some("krew.googlecontainertools.github.com/v1alpha2") {
        broken.push(format!(
            "apiVersion {:?} is not krew.googlecontainertools.github.com/v1alpha2",
            manifest["apiVersion"]
        ));
    }
    if manifest["kind"].as_str() != Some("Plugin") {
        broken.push("kind is not Plugin".into());
    }
    let name = manifest["metadata"]["name"].as_str().unwrap_or_default();
    // Go's \w: ASCII letters, digits and underscore.
    if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-') {
        broken.push(format!("metadata.name {name:?} does not match ^[\\w-]+$"));
    }
    let file_name = manifest_path.file_name().unwrap().to_string_lossy();
    if file_name != format!("{name}.yaml") {
        broken.push(format!("the file {file_name} is not named metadata.name {name:?} + .yaml"));
    }
    let spec = &manifest["spec"];
    let version = spec["version"].as_str().unwrap_or_default();
    if !is_semver_with_v(version) {
        broken.push(format!("spec.version {version:?} is not semver with a leading v"));
    }
    let short = spec["shortDescription"].as_str().unwrap_or_default();
    if short.trim().is_empty() || short.trim_end().contains('\n') {
        broken.push(format!("spec.shortDescription {short:?} is not one line"));
    }
    let homepage = spec["homepage"].as_str().unwrap_or_default();
    if homepage.strip_prefix("https://").is_none_or(|host| host.is_empty()) {
        broken.push(format!("spec.homepage {homepage:?} is not an https URL"));
    }
    let platforms = spec["platforms"].as_sequence().cloned().unwrap_or_default();
    if platforms.is_empty() {
        broken.push("spec.platforms is empty".into());
    }
    let mut matched: Vec<Vec<(&str, &str)>> = Vec::new();
    for (i, platform) in platforms.iter().enumerate() {
        let at = format!("spec.platforms[{i}]");
        let selector = platform["selector"].as_mapping().cloned().unwrap_or_default();
        if selector.keys().any(|k| k.as_str() != Some("matchLabels")) {
            broken.push(format!("{at}.selector uses more than matchLabels"));
        }
        let labels = platform["selector"]["matchLabels"].as_mapping().cloned().unwrap_or_default();
        let label = |key: &str| labels.get(key).and_then(|v| v.as_str()).map(str::to_owned);
        if labels.is_empty() || labels.keys().any(|k| k.as_str() != Some("os") && k.as_str() != Some("arch")) {
            broken.push(format!("{at}.selector selects on something other than os and arch: {labels:?}"));
        }
        let (os, arch) = (label("os"), label("arch"));
        let matches: Vec<(&str, &str)> = KREW_PLATFORMS
            .into_iter()
            .filter(|(o, a)| os.as_deref().is_none_or(|x| x == *o) && arch.as_deref().is_none_or(|x| x == *a))
            .collect();
        if matches.is_empty() {
            broken.push(format!("{at}.selector matches no platform krew supports: {os:?}/{arch:?}"));
        }
        let uri = platform["uri"].as_str().unwrap_or_default();
        if uri.is_empty() {
            broken.push(format!("{at}.uri is missing"));
        }
        let sha = platform["sha256"].as_str().unwrap_or_default();
        if sha.len() != 64 || !sha.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)) {
            broken.push(format!("{at}.sha256 {sha:?} is not 64 lower-case hex digits"));
        }
        let bin = platform["bin"].as_str().unwrap_or_default();
        if bin.is_empty() {
            broken.push(format!("{at}.bin is missing"));
        }
        if matches.iter().any(|(o, _)| *o == "windows") && !bin.ends_with(".exe") {
            broken.push(format!("{at}.bin {bin:?} is for Windows and does not end in .exe"));
        }
        let files = platform["files"].as_sequence().cloned().unwrap_or_default();
        if files.is_empty() {
            broken.push(format!("{at}.files is empty"));
        }
        let mut froms = Vec::new();
        for (j, file) in files.iter().enumerate() {
            match (file["from"].as_str(), file["to"].as_str()) {
                (Some(from), Some(to)) if !from.is_empty() && !to.is_empty() => froms.push(from.to_owned()),
                _ => broken.push(format!("{at}.files[{j}] lacks from or to")),
            }
        }
        matched.push(matches);

        let archive = archives.join(uri.rsplit('/').next().unwrap_or_default());
        if !archive.is_file() {
            broken.push(format!("{at}: the archive {} is not there", archive.display()));
            continue;
        }
        if sha != sha256_hex(&archive) {
            broken.push(format!("{at}.sha256 is not the sha256 of {}", archive.display()));
        }
        let held = archive_files(&archive);
        if !held.iter().any(|f| f == bin) {
            broken.push(format!("{at}: bin {bin} is not in the archive ({held:?})"));
        }
        for from in &froms {
            if !held.iter().any(|f| f == from) {
                broken.push(format!("{at}: files[].from {from} is not in the archive ({held:?})"));
            }
        }
        let is_licence = |f: &String| ["license", "licence", "copying"].iter().any(|l| f.to_lowercase().starts_with(l));
        if !froms.iter().any(is_licence) || !held.iter().any(is_licence) {
            broken.push(format!("{at}: the archive holds and installs no licence file"));
        }
    }
    for platform in KREW_PLATFORMS {
        let selecting: Vec<usize> = (0..matched.len()).filter(|i| matched[*i].contains(&platform)).collect();
        if selecting.len() > 1 {
            broken.push(format!("{}/{} is matched by more than one platform: {selecting:?}", platform.0, platform.1));
        }
    }
    broken
}

/// `v` then MAJOR.MINOR.PATCH, each without leading zeros, then optional -pre and +build.
fn is_semver_with_v(version: &str) -> bool {
    let Some(rest) = version.strip_prefix('v') else { return false };
    let core = rest.split(['-', '+']).next().unwrap_or_default();
    let parts: Vec<&str> = core.split('.').collect();
    parts.len() == 3
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()) && (p.len() == 1 || !p.starts_with('0')))
}

fn yaml(path: &Path) -> serde_yaml::Value {
    serde_yaml::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[test]
fn the_krew_manifest_follows_krews_rules_for_the_archive_really_built() {
    let packaged = package();
    let version = env!("CARGO_PKG_VERSION");
    let name = packaged.archive.file_name().unwrap().to_str().unwrap();
    assert!(name.starts_with(&format!("kubectl-essregistry_{version}_linux_")) && name.ends_with(".tar.gz"), "{name}");
    let files = archive_files(&packaged.archive);
    for expected in ["kubectl-essregistry", "kubectl_complete-essregistry", "LICENSE", "README.md", "docs/flags.md"] {
        assert!(files.iter().any(|f| f == expected), "{expected} in {files:?}");
    }

    let manifest_path = packaged.out.path().join("essregistry.yaml");
    assert_eq!(krew_violations(&manifest_path, packaged.out.path()), Vec::<String>::new());
    let manifest = yaml(&manifest_path);
    let spec = &manifest["spec"];
    assert_eq!(spec["version"].as_str(), Some(format!("v{version}").as_str()));
    assert!(spec["description"].as_str().unwrap().contains("kubectl essregistry status"));
    assert!(spec["caveats"].as_str().unwrap().contains("images_digests.yml"));
    let platforms = spec["platforms"].as_sequence().unwrap();
    assert_eq!(platforms.len(), 1, "only the platform built here");
    assert_eq!(platforms[0]["selector"]["matchLabels"]["os"].as_str(), Some("linux"));
    assert!(platforms[0]["uri"].as_str().unwrap().ends_with(&format!("/releases/download/v{version}/{name}")));
}

/// The glibc symbol versions a binary asks for, from `objdump -T`: (version, symbol). A private
/// glibc symbol ties the binary to one glibc build, so it counts as newer than any version.
fn glibc_needs(objdump: &str) -> Vec<((u32, u32, u32), String)> {
    objdump
        .lines()
        .filter_map(|line| {
            let words: Vec<&str> = line.split_whitespace().collect();
            let version = words.iter().find_map(|w| w.trim_matches(['(', ')']).strip_prefix("GLIBC_"))?;
            let mut numbers = version.split('.').map(|n| n.parse::<u32>());
            let parsed = match (numbers.next(), numbers.next(), numbers.next()) {
                (Some(Ok(major)), Some(Ok(minor)), patch) => (major, minor, patch.and_then(Result::ok).unwrap_or(0)),
                _ => (u32::MAX, 0, 0),
            };
            Some((parsed, words.last()?.to_string()))
        })
        .collect()
}

#[test]
fn the_packaged_linux_binary_needs_at_most_glibc_2_28() {
    let packaged = package();
    let dump = Command::new("objdump").arg("-T").arg(packaged.binary()).output().unwrap();
    assert!(dump.status.success(), "{}", String::from_utf8_lossy(&dump.stderr));
    let needs = glibc_needs(&String::from_utf8_lossy(&dump.stdout));
    // It is linked against glibc, so some versions are listed: none would mean a misread dump.
    assert!(needs.len() > 10, "objdump -T lists the binary's glibc symbols: {needs:?}");
    let newest = needs.iter().map(|(v, _)| *v).max().unwrap();
    let too_new: Vec<_> = needs.iter().filter(|(v, _)| *v > GLIBC_FLOOR).collect();
    assert!(
        too_new.is_empty(),
        "the packaged binary does not start on RHEL 8 (glibc 2.28); it needs newer glibc for {too_new:?}"
    );
    eprintln!("newest glibc symbol version needed: {}.{}.{}", newest.0, newest.1, newest.2);
}

#[test]
fn glibc_versions_are_read_from_objdump_as_it_prints_them() {
    let dump = "\
0000000000000000      DF *UND*\t0000000000000000 (GLIBC_2.2.5) free
0000000000000000      DF *UND*\t0000000000000000  GLIBC_2.34  __libc_start_main
0000000000000000      DF *UND*\t0000000000000000 (GCC_3.0)    _Unwind_Resume
0000000000000000      DF *UND*\t0000000000000000 (GLIBC_PRIVATE) _dl_find_object
";
    let needs = glibc_needs(dump);
    assert_eq!(
        needs,
        [
            ((2, 2, 5), "free".to_owned()),
            ((2, 34, 0), "__libc_start_main".to_owned()),
            ((u32::MAX, 0, 0), "_dl_find_object".to_owned())
        ]
    );
    assert!(needs.iter().filter(|(v, _)| *v > GLIBC_FLOOR).count() == 2, "2.34 and a private symbol are too new");
}

#[test]
fn the_manifest_rendered_for_all_five_platforms_follows_krews_rules() {
    // The release workflow builds each binary on its own system and packs it with --platform;
    // here the Linux release binary stands in for the other four, which only this machine's
    // toolchain cannot build. The archives, their names and the manifest are the real ones.
    let packaged = package();
    let out = tempfile::tempdir().unwrap();
    for platform in PLATFORMS {
        run_package(&[
            "--binary".as_ref(),
            packaged.binary().as_os_str(),
            "--platform".as_ref(),
            platform.as_ref(),
            "--out".as_ref(),
            out.path().as_os_str(),
        ]);
    }
    let manifest_path = out.path().join("essregistry.yaml");
    assert_eq!(krew_violations(&manifest_path, out.path()), Vec::<String>::new());

    let manifest = yaml(&manifest_path);
    let mut selected: Vec<String> = manifest["spec"]["platforms"]
        .as_sequence()
        .unwrap()
        .iter()
        .map(|p| {
            let labels = &p["selector"]["matchLabels"];
            format!("{}_{}", labels["os"].as_str().unwrap(), labels["arch"].as_str().unwrap())
        })
        .collect();
    selected.sort();
    let mut expected = PLATFORMS.to_vec();
    expected.sort();
    assert_eq!(selected, expected, "one platform block for each archive a release ships");

    let version = env!("CARGO_PKG_VERSION");
    let zip = out.path().join(format!("kubectl-essregistry_{version}_windows_amd64.zip"));
    let mut files = archive_files(&zip);
    files.sort();
    let mut expected: Vec<String> =
        ["LICENSE", "README.md", "kubectl-essregistry.exe", "kubectl_complete-essregistry.cmd"]
            .map(String::from)
            .into();
    let mut docs: Vec<String> = std::fs::read_dir("docs")
        .unwrap()
        .map(|entry| format!("docs/{}", entry.unwrap().file_name().to_string_lossy()))
        .collect();
    expected.append(&mut docs);
    expected.sort();
    assert_eq!(files, expected, "the README's docs/ goes along");
    let unzipped = Command::new("unzip").arg("-p").arg(&zip).arg("kubectl_complete-essregistry.cmd").output().unwrap();
    let script = String::from_utf8(unzipped.stdout).unwrap();
    // cmd.exe reads CRLF lines; the plugin it runs is the .exe beside it, asked for completions.
    assert!(script.ends_with("\r\n") && !script.replace("\r\n", "").contains('\n'), "{script:?}");
    assert!(script.contains("\"%~dp0kubectl-essregistry.exe\" __complete %*\r\n"), "{script}");
}

#[test]
fn the_krew_rules_refuse_what_krew_refuses() {
    // A stand-in binary is enough: these manifests break rules that do not look inside it.
    let work = tempfile::tempdir().unwrap();
    let stand_in = work.path().join("kubectl-essregistry");
    std::fs::write(&stand_in, "#!/bin/sh\n").unwrap();
    let out = work.path().join("dist");
    for platform in PLATFORMS {
        run_package(&[
            "--binary".as_ref(),
            stand_in.as_os_str(),
            "--platform".as_ref(),
            platform.as_ref(),
            "--out".as_ref(),
            out.as_os_str(),
        ]);
    }
    let good_path = out.join("essregistry.yaml");
    let good = std::fs::read_to_string(&good_path).unwrap();
    assert_eq!(krew_violations(&good_path, &out), Vec::<String>::new(), "the control passes");

    let zip_sha = sha256_hex(&out.join(format!("kubectl-essregistry_{}_windows_amd64.zip", env!("CARGO_PKG_VERSION"))));
    let cases: Vec<(&str, String, &str)> = vec![
        (
            "a Windows bin without .exe",
            good.replace("bin: kubectl-essregistry.exe", "bin: kubectl-essregistry"),
            "end in .exe",
        ),
        ("an upper-case sha256", good.replace(&zip_sha, &zip_sha.to_uppercase()), "lower-case hex"),
        ("another archive's sha256", good.replace(&zip_sha, &"0".repeat(64)), "not the sha256 of"),
        ("two blocks for darwin/amd64", good.replacen("arch: arm64", "arch: amd64", 2), "more than one platform"),
        (
            "a selector on another label",
            good.replacen("os: linux", "os: linux\n        distro: rhel", 1),
            "other than os and arch",
        ),
        ("an os krew does not know", good.replacen("os: linux", "os: plan9", 1), "no platform krew supports"),
        ("a version without v", good.replace("version: v", "version: "), "semver with a leading v"),
        ("an http homepage", good.replace("homepage: https://", "homepage: http://"), "https"),
        (
            "a two-line short description",
            good.replace("shortDescription: ", "shortDescription: |\n    a\n    b\n  x: "),
            "one line",
        ),
        (
            "a bin that is not in the archive",
            good.replacen("bin: kubectl-essregistry\n", "bin: kubectl-ess\n", 1),
            "not in the archive",
        ),
        ("no licence installed", good.replace("    - {from: LICENSE, to: .}\n", ""), "licence"),
        ("a name krew refuses", good.replace("name: essregistry", "name: ess.registry"), "^[\\w-]+$"),
        ("a file not named after the plugin", good.clone(), "not named"),
    ];
    for (what, text, rule) in cases {
        let file = if text == good { "other.yaml" } else { "essregistry.yaml" };
        let path = work.path().join(file);
        std::fs::write(&path, &text).unwrap();
        let broken = krew_violations(&path, &out);
        assert!(
            broken.iter().any(|b| b.contains(rule)),
            "{what}: expected a broken rule with {rule:?}, got {broken:?}"
        );
        std::fs::remove_file(&path).unwrap();
    }
}

#[test]
fn kubectl_finds_the_installed_plugin_and_completes_its_arguments() {
    let packaged = package();
    let install = tempfile::tempdir().unwrap();
    let unpacked =
        Command::new("tar").arg("-xzf").arg(&packaged.archive).arg("-C").arg(install.path()).status().unwrap();
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
