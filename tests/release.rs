//! The release pipeline as GitHub would run it, checked here because it runs nowhere else before a
//! tag is pushed: the workflows pass actionlint (with shellcheck on their shell steps), the
//! release workflow builds and packs every platform the krew manifest names, and pull requests
//! run the whole test suite.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::process::Command;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn workflow(name: &str) -> serde_yaml::Value {
    let path = root().join(".github/workflows").join(name);
    serde_yaml::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

/// Runs actionlint on `files` (every workflow of the repository when empty), from `dir`.
fn actionlint(dir: &std::path::Path, files: &[&str]) -> (bool, String) {
    let output = Command::new("actionlint")
        .args(["-no-color"])
        .args(files)
        .current_dir(dir)
        .output()
        .expect("actionlint runs: scripts/install-deps installs it");
    let said = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    (output.status.success(), said)
}

#[test]
fn the_workflows_pass_actionlint() {
    let (clean, said) = actionlint(&root(), &[]);
    assert!(clean, "actionlint finds mistakes in .github/workflows:\n{said}");

    // The control: actionlint really reads workflows, and shellcheck their shell steps.
    let scratch = tempfile::tempdir().unwrap();
    std::fs::write(
        scratch.path().join("broken.yml"),
        "on: push\njobs:\n  pack:\n    needs: build\n    runs-on: ubuntu-24.04\n    steps:\n      - run: tar -czf $OUT dist\n",
    )
    .unwrap();
    let (clean, said) = actionlint(scratch.path(), &["broken.yml"]);
    assert!(!clean, "{said}");
    assert!(said.contains("\"build\" which does not exist"), "{said}");
    assert!(said.contains("SC2086"), "shellcheck checks run: steps (scripts/install-deps installs it):\n{said}");
}

/// The platforms the krew manifest template has a checksum for, as `os_arch` (its comments
/// name the placeholders too, and are not the manifest).
fn manifest_platforms() -> BTreeSet<String> {
    let template = std::fs::read_to_string(root().join("plugin-manifest/essregistry.yaml")).unwrap();
    let manifest: String = template.lines().filter(|l| !l.starts_with('#')).collect::<Vec<_>>().join("\n");
    manifest.split("{{SHA256_").skip(1).map(|rest| rest.split("}}").next().unwrap().to_owned()).collect()
}

/// Every `run:` script of a job, one after the other.
fn run_scripts(job: &serde_yaml::Value) -> String {
    let steps = job["steps"].as_sequence().unwrap();
    steps.iter().filter_map(|s| s["run"].as_str()).collect::<Vec<_>>().join("\n")
}

#[test]
fn the_release_workflow_builds_and_packs_every_platform_of_the_krew_manifest() {
    let release = workflow("release.yml");
    let tags: Vec<&str> =
        release["on"]["push"]["tags"].as_sequence().unwrap().iter().map(|t| t.as_str().unwrap()).collect();
    assert_eq!(tags, ["v*"]);

    // Which job builds each platform: the artifact it uploads is named after the platform.
    let jobs = release["jobs"].as_mapping().unwrap();
    let mut built = Vec::new();
    for (job_name, job) in jobs {
        let job_name = job_name.as_str().unwrap();
        let includes = job["strategy"]["matrix"]["include"].as_sequence().cloned().unwrap_or_default();
        for step in job["steps"].as_sequence().unwrap() {
            if !step["uses"].as_str().is_some_and(|u| u.starts_with("actions/upload-artifact@")) {
                continue;
            }
            let name = step["with"]["name"].as_str().unwrap();
            if name.contains("${{ matrix.platform }}") {
                for include in &includes {
                    built.push((
                        name.replace("${{ matrix.platform }}", include["platform"].as_str().unwrap()),
                        job_name,
                    ));
                }
            } else {
                built.push((name.to_owned(), job_name));
            }
        }
    }
    let built_platforms: BTreeSet<String> =
        built.iter().map(|(name, _)| name.clone()).filter(|n| n != "krew-manifest").collect();
    assert_eq!(built_platforms, manifest_platforms(), "the release builds exactly the manifest's platforms");

    // Each is packed by scripts/package, so its archive is named and filled as the tests check:
    // in the job that built it, or in the release job with --platform.
    let release_job = run_scripts(&release["jobs"]["release"]);
    for (platform, job) in built.iter().filter(|(name, _)| name != "krew-manifest") {
        let packed_where_built = run_scripts(&release["jobs"][*job]).contains("scripts/package");
        let packed_at_release =
            release_job.lines().any(|l| l.contains("scripts/package") && l.contains(&format!("--platform {platform}")));
        assert!(packed_where_built || packed_at_release, "{platform} is packed by scripts/package");
    }
    assert!(release_job.contains("gh release create"), "the archives are attached to the release");
    assert!(release_job.contains("sha256sum"), "with their checksums");

    let krew = release["jobs"]["krew-index"]["steps"].as_sequence().unwrap();
    let bot = krew
        .iter()
        .find(|s| s["uses"].as_str().is_some_and(|u| u.starts_with("rajatjindal/krew-release-bot@")))
        .expect("krew-release-bot opens the krew-index pull request");
    assert!(bot["with"]["krew_template_file"].as_str().unwrap().ends_with("/essregistry.yaml"));
}

#[test]
fn pull_requests_run_the_whole_test_suite() {
    let ci = workflow("ci.yml");
    assert!(ci["on"].as_mapping().unwrap().contains_key("pull_request"));
    let runs: Vec<String> = ci["jobs"].as_mapping().unwrap().values().map(run_scripts).collect();
    assert!(runs.iter().any(|r| r.lines().any(|l| l.trim() == "scripts/test")), "{runs:?}");
}
