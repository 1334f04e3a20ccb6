//! A thousand distinct images against the real registry at `--concurrency 32`: every image
//! checked exactly once, and the results in the input's order.

mod support;

use essregistry_testbed::images::{Copy, Image};
use essregistry_testbed::registry::{Registry, RegistryConfig};
use std::collections::HashSet;
use support::Plugin;

const IMAGES: usize = 1000;

#[test]
fn a_thousand_images_are_each_checked_once_and_reported_in_order() {
    let registry = Registry::start(RegistryConfig::default());
    let image = Image::build("scale");
    std::thread::scope(|scope| {
        for worker in 0..8 {
            let (registry, image) = (&registry, &image);
            scope.spawn(move || {
                for i in (worker..IMAGES).step_by(8) {
                    image.push(registry, &format!("scale/image-{i:04}"), "v1", Copy::SinglePlatform);
                }
            });
        }
    });
    let entries: String = (0..IMAGES)
        .map(|i| {
            format!(
                "  c{i:04}:\n    image:\n      image_digest: {}\n      image_repository_path: image-{i:04}\n      image_repository_server: registry.example\n      image_tag: v1\n",
                image.amd64_digest
            )
        })
        .collect();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("images_digests.yml");
    std::fs::write(&file, format!("images_digests:\n{entries}")).unwrap();

    registry.clear_requests();
    let host = registry.host();
    let run = Plugin::new().run(&[
        "plan",
        "--offline",
        "-f",
        file.to_str().unwrap(),
        "--registry",
        &host,
        "--path-prefix",
        "scale",
        "--registry-plain-http",
        "--concurrency",
        "32",
        "-o",
        "json",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let report = run.json();
    assert_eq!(report["summary"]["present"], IMAGES);
    let order: Vec<String> =
        report["images"].as_array().unwrap().iter().map(|i| i["entries"][0].as_str().unwrap().to_owned()).collect();
    let expected: Vec<String> = (0..IMAGES).map(|i| format!("c{i:04}/image")).collect();
    assert_eq!(order, expected, "results in input order");

    let heads: Vec<String> =
        registry.requests().into_iter().filter(|r| r.path.contains("/manifests/")).map(|r| r.path).collect();
    assert_eq!(heads.len(), IMAGES, "one request per image");
    assert_eq!(heads.iter().collect::<HashSet<_>>().len(), IMAGES, "every image, none twice");
}
