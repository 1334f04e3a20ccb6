//! Bad input is refused with every problem named, exit 2, and not one request to the registry.

mod support;

use essregistry_testbed::registry::{Registry, RegistryConfig};
use support::Plugin;

const FIXTURE: &str = include_str!("fixtures/images_digests.yml");

struct Setup {
    registry: Registry,
    dir: tempfile::TempDir,
}

fn setup() -> Setup {
    Setup { registry: Registry::start(RegistryConfig::default()), dir: tempfile::tempdir().unwrap() }
}

impl Setup {
    fn plan(&self, file: &str, content: &[u8], extra: &[&str]) -> support::Run {
        let path = self.dir.path().join(file);
        std::fs::write(&path, content).unwrap();
        let host = self.registry.host();
        let mut args =
            vec!["plan", "--offline", "-f", path.to_str().unwrap(), "--registry", &host, "--registry-plain-http"];
        args.extend(extra);
        Plugin::new().run(&args)
    }

    fn assert_untouched(&self) {
        assert!(self.registry.requests().is_empty(), "the registry was contacted: {:#?}", self.registry.requests());
    }
}

#[test]
fn the_shipped_file_has_30_entries_and_24_images() {
    let setup = setup();
    let run = setup.plan("images_digests.yml", FIXTURE.as_bytes(), &["-o", "json"]);
    assert_eq!(run.code, 1, "nothing is mirrored yet: {}", run.stderr);
    let summary = &run.json()["summary"];
    assert_eq!(
        (summary["entries"].as_u64(), summary["images"].as_u64(), summary["missing"].as_u64()),
        (Some(30), Some(24), Some(24))
    );
    let manifest_requests = setup.registry.requests().iter().filter(|r| r.path.contains("/manifests/")).count();
    assert_eq!(manifest_requests, 48, "a missing image costs a tag and a digest request");
}

#[test]
fn every_problem_is_reported_with_file_line_and_entry() {
    let setup = setup();
    let broken = FIXTURE
        .replacen("sha256:75fc37d6372cc22410bdd6ad0191a8dfeababef2a7d8d585694f21b73c2bb3d6", "sha256:zz", 1)
        .replacen("image_repository_path: vectorim/element-web", "image_repository_path: VectorIM/element web", 1)
        .replacen("      image_tag: v0.14.0\n", "", 1);
    let run = setup.plan("broken.yml", broken.as_bytes(), &[]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    let file = setup.dir.path().join("broken.yml");
    let file = file.display();
    assert!(
        run.stderr.contains(&format!("error: {file} is not a usable images_digests (3 problems):")),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains(&format!(
            "{file}: line 14, column 21: adminbot/haproxy: image_digest \"sha256:zz\" is not a sha256 digest"
        )),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains(
            "element_web/element_web: image_repository_path \"VectorIM/element web\" has an invalid component"
        ),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("groupsync/groupsync: missing field image_tag"), "{}", run.stderr);
    assert!(run.stdout.is_empty());
    setup.assert_untouched();
}

#[test]
fn broken_and_hostile_files_are_refused_without_contacting_anything() {
    let setup = setup();
    let cases: [(&str, &[u8], &str); 8] = [
        ("empty.yml", b"", "the input is empty"),
        ("not-yaml.yml", b"images_digests:\n  synapse: [unclosed\n", "not valid YAML"),
        ("list.yml", b"- synapse\n- haproxy\n", "not a mapping"),
        ("duplicate.yml", b"synapse:\n  a: {}\nsynapse:\n  b: {}\n", "duplicate key \"synapse\""),
        ("bomb.yml", b"a: &a [x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a]\nc: [*b, *b, *b, *b, *b, *b, *b, *b]\n", "anchors and aliases"),
        ("binary.yml", b"synapse:\n  haproxy:\n    image_tag: \xff\n", "not UTF-8"),
        ("wrong-type.yml", b"synapse:\n  haproxy:\n    image_digest: {a: b}\n    image_repository_path: p\n    image_repository_server: docker.io\n    image_tag: t\n", "image_digest must be a string, found a mapping"),
        ("scheme.yml", b"synapse:\n  haproxy:\n    image_digest: sha256:75fc37d6372cc22410bdd6ad0191a8dfeababef2a7d8d585694f21b73c2bb3d6\n    image_repository_path: library/haproxy\n    image_repository_server: https://docker.io/v2\n    image_tag: t\n", "without a scheme"),
    ];
    for (file, content, expected) in cases {
        let run = setup.plan(file, content, &[]);
        assert_eq!(run.code, 2, "{file}: {}", run.stderr);
        assert!(run.stderr.contains(file) && run.stderr.contains(expected), "{file}: {}", run.stderr);
    }
    let huge = vec![b'#'; 9 * 1024 * 1024];
    let run = setup.plan("huge.yml", &huge, &[]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("8 MiB"), "{}", run.stderr);
    setup.assert_untouched();
}

#[test]
fn two_images_on_one_target_are_refused_before_any_request() {
    let setup = setup();
    let maps = [
        "--map",
        "gitlab-registry.matrix.org/ems-image-store/enterprise/access-token-elementweb=web",
        "--map",
        "docker.io/vectorim/element-web=web",
    ];
    let run = setup.plan("images_digests.yml", FIXTURE.as_bytes(), &maps);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("would both be"), "{}", run.stderr);
    assert!(run.stderr.contains("choose another --layout or add a --map"), "{}", run.stderr);
    setup.assert_untouched();
}

#[test]
fn the_installer_folder_is_searched_and_stdin_is_read() {
    let setup = setup();
    let plugin = Plugin::new();
    let config = plugin.home().join(".element-enterprise-server/config");
    std::fs::create_dir_all(&config).unwrap();
    let host = setup.registry.host();
    let search = ["plan", "--offline", "--registry", &host, "--registry-plain-http", "-o", "json"];
    let run = plugin.run(&search);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("none found under") && run.stderr.contains("-f FILE"), "{}", run.stderr);

    std::fs::write(config.join("images_digests.yml"), FIXTURE).unwrap();
    let run = plugin.run(&search);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let used = format!("Using {}", config.join("images_digests.yml").display());
    assert!(run.stderr.contains(&used), "{}", run.stderr);

    let stdin = ["plan", "--offline", "-f", "-", "--registry", &host, "--registry-plain-http", "-o", "json"];
    let run = plugin.run_with_stdin(&stdin, FIXTURE);
    assert_eq!(run.json()["summary"]["entries"], 30);
}

#[test]
fn flags_are_checked_before_anything_runs() {
    let plugin = Plugin::new();
    let run = plugin.run(&["plan", "-f", "x.yml", "--registry", "https://registry.local"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("without a scheme"), "{}", run.stderr);
    let run = plugin.run(&["plan", "-f", "x.yml", "--registry", "r.local", "--registry-username", "u"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("--registry-password-stdin"), "{}", run.stderr);
    let run = plugin.run(&["plan", "-f", "/nonexistent/images_digests.yml", "--registry", "r.local"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("cannot read /nonexistent/images_digests.yml"), "{}", run.stderr);
}
