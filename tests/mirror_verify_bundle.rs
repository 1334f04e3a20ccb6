//! `mirror --verify-bundle`: a bundle checked offline, on either side of the gap, folder or
//! archive: a missing image and a damaged blob are found and named, a whole bundle passes, and
//! nothing is contacted (no registry flag is given, and the upstream registry is gone). skopeo
//! is the independent judge that the blob found damaged is damaged.

mod support;

use essregistry_testbed::bundles;
use essregistry_testbed::upstream::Entry;
use serde_json::Value;
use std::path::Path;
use support::archives::edit_archive;
use support::mirror_world::World;
use support::{Plugin, Run};

fn verify(bundle: &Path, output: &str) -> Run {
    Plugin::new().run(&["mirror", "--verify-bundle", bundle.to_str().unwrap(), "-o", output])
}

/// The report's entry for `image`, by its upstream reference.
fn checked<'a>(report: &'a Value, image: &Entry) -> &'a Value {
    let images = report["images"].as_array().expect("images");
    let found = images.iter().find(|i| i["source"].as_str().is_some_and(|s| s.starts_with(&image.reference())));
    found.unwrap_or_else(|| panic!("{} is not in the report: {report:#}", image.reference()))
}

/// One image made missing (its manifest removed) and one blob of another damaged (a byte
/// flipped), in the unpacked bundle at `folder`.
fn damage(folder: &Path, missing: &Entry, blob: &str) {
    std::fs::remove_file(bundles::blob_path(folder, &missing.digest)).unwrap();
    bundles::corrupt(&bundles::blob_path(folder, blob));
}

#[test]
fn the_check_finds_a_missing_image_and_a_damaged_blob_in_a_folder_and_in_an_archive_offline() {
    let world = World::new();
    let dir = tempfile::tempdir().unwrap();
    let folder = world.bundle(dir.path());
    let archive = dir.path().join("ess-images.tar.zst");
    world.to_bundle(&archive);
    let images = world.images();
    let (missing, damaged) = (&images[0], &images[2]);
    let blob = world.member(damaged).own_layers[0].digest.clone();
    // The far side of the gap: upstream is gone, and no registry flag is given.
    drop(world);

    for bundle in [&folder, &archive] {
        let whole = verify(bundle, "json");
        assert_eq!(whole.code, 0, "{}: {}\n{}", bundle.display(), whole.stdout, whole.stderr);
        let report = whole.json();
        assert_eq!((report["kind"].as_str(), report["complete"].as_bool()), (Some("BundleCheck"), Some(true)));
        assert_eq!(report["summary"]["ok"], 5, "{report:#}");
    }
    damage(&folder, missing, &blob);
    edit_archive(&archive, |unpacked| damage(unpacked, missing, &blob));

    for bundle in [&folder, &archive] {
        let run = verify(bundle, "json");
        assert_eq!(run.code, 1, "{}: {}\n{}", bundle.display(), run.stdout, run.stderr);
        let report = run.json();
        assert_eq!(report["complete"], false, "{report:#}");
        let summary = &report["summary"];
        assert_eq!(
            (summary["ok"].as_u64(), summary["missing"].as_u64(), summary["damaged"].as_u64()),
            (Some(3), Some(1), Some(1))
        );
        assert_eq!(checked(&report, missing)["state"], "missing", "{report:#}");
        let entry = checked(&report, damaged);
        assert_eq!(entry["state"], "damaged", "{entry:#}");
        let reason = entry["reason"].as_str().unwrap();
        assert!(reason.contains(&blob) && reason.contains("does not match its digest"), "names the blob: {reason}");

        let table = verify(bundle, "table");
        assert_eq!(table.code, 1);
        assert!(table.stdout.contains(&format!("missing  {}", missing.reference())), "{}", table.stdout);
        assert!(table.stdout.contains(&format!("damaged  {}", damaged.reference())), "{}", table.stdout);
        let last = table.stdout.lines().last().unwrap();
        assert!(last.contains("not complete") && last.contains("1 missing, 1 damaged"), "{last}");
        let yaml: Value = serde_yaml::from_str(&verify(bundle, "yaml").stdout).unwrap();
        assert_eq!((yaml["apiVersion"].as_str(), yaml["kind"].as_str()), (Some("essregistry/v1"), Some("BundleCheck")));
    }

    // skopeo agrees: the damaged image cannot be copied out of the folder, an image found whole can.
    let copy = |image: &Entry| {
        let out = tempfile::tempdir().unwrap();
        std::process::Command::new("skopeo")
            .args(["copy", "--quiet", "--all", "--preserve-digests"])
            .arg(format!("oci:{}:{}", folder.display(), image.reference()))
            .arg(format!("oci:{}:copy", out.path().display()))
            .output()
            .unwrap()
            .status
            .success()
    };
    assert!(!copy(damaged), "skopeo copies the damaged image");
    assert!(copy(&images[1]), "skopeo cannot copy an image the check found whole");
}

#[test]
fn what_is_not_a_bundle_is_refused_with_the_reason_and_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let not_a_layout = dir.path().join("photos");
    std::fs::create_dir(&not_a_layout).unwrap();
    let cut = dir.path().join("ess-images.tar.zst");
    std::fs::write(&cut, b"not zstd at all").unwrap();
    let cases = [
        (dir.path().join("absent.tar"), "no such file or folder"),
        (not_a_layout, "not an OCI image layout"),
        (cut.clone(), "damaged or cut off"),
    ];
    for (path, why) in cases {
        let run = verify(&path, "json");
        assert_eq!(run.code, 2, "{}: {}\n{}", path.display(), run.stdout, run.stderr);
        assert!(run.stderr.contains(&format!("--verify-bundle {}", path.display())), "names it: {}", run.stderr);
        assert!(run.stderr.contains(why), "{}", run.stderr);
        assert!(run.stdout.is_empty(), "{}", run.stdout);
    }
    assert_eq!(std::fs::read(&cut).unwrap(), b"not zstd at all", "nothing changed");
    let leftovers: Vec<_> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(leftovers.len(), 2, "no unpacked folder left behind: {leftovers:?}");
    let with_registry =
        Plugin::new().run(&["mirror", "--verify-bundle", cut.to_str().unwrap(), "--registry", "r.local"]);
    assert_eq!(with_registry.code, 2, "{}", with_registry.stderr);
    assert!(with_registry.stderr.contains("offline"), "{}", with_registry.stderr);
}

#[test]
fn a_layout_skopeo_wrote_and_a_bundle_trimmed_to_one_platform_are_checked_too() {
    let world = World::new();
    let dir = tempfile::tempdir().unwrap();
    let layout = dir.path().join("skopeo-layout");
    world.skopeo_layout(&layout);
    let digests = dir.path().join("images_digests.yml");
    std::fs::copy(world.upstreams.digests_file(), &digests).unwrap();
    let trimmed = dir.path().join("amd64");
    let args = world.upstreams.to_bundle_args(&trimmed, &["--platform", "linux/amd64"]);
    let made = Plugin::new().run(&support::strs(&args));
    assert_eq!(made.code, 0, "{}\n{}", made.stdout, made.stderr);
    let images = world.images();
    drop(world);

    // skopeo keeps no images_digests: it is given, as to --from-bundle.
    let run = Plugin::new().run(&[
        "mirror",
        "--verify-bundle",
        layout.to_str().unwrap(),
        "-f",
        digests.to_str().unwrap(),
        "-o",
        "json",
    ]);
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    assert_eq!(run.json()["summary"]["ok"], 5);

    let run = verify(&trimmed, "json");
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    let report = run.json();
    for image in &images {
        let entry = checked(&report, image);
        assert_eq!(entry["trimmedFrom"].as_str(), Some(image.digest.as_str()), "{entry:#}");
        assert_ne!(entry["digest"].as_str(), Some(image.digest.as_str()), "{entry:#}");
    }
}
