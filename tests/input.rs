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

/// Every file of tests/corpus, the fragment its message must hold, and the line it must name.
const CORPUS: [(&str, &str, Option<usize>); 30] = [
    ("empty.yml", "the input is empty", None),
    ("comments-only.yml", "the input is empty", None),
    ("not-yaml.yml", "not valid YAML", Some(3)),
    ("list.yml", "the document is not a mapping", Some(1)),
    ("scalar.yml", "the document is not a mapping", Some(1)),
    ("images-digests-not-a-mapping.yml", "images_digests must be a mapping, found a string", Some(1)),
    ("component-not-a-mapping.yml", "synapse: a component must be a mapping", Some(2)),
    ("empty-component.yml", "synapse: has no sub-components", Some(2)),
    ("missing-field.yml", "synapse/haproxy: missing field image_tag", Some(3)),
    ("wrong-type.yml", "synapse/haproxy: image_digest must be a string, found a mapping", Some(4)),
    ("null-field.yml", "synapse/haproxy: image_tag is empty", Some(7)),
    ("malformed-digest.yml", "synapse/haproxy: image_digest \"sha256:zz\" is not a sha256 digest", Some(4)),
    ("sha512-digest.yml", "uses the digest algorithm \"sha512\"; only sha256 is supported", Some(4)),
    ("md5-like-digest.yml", "is not a sha256 digest", Some(4)),
    ("dotdot-path.yml", "has an invalid component \"..\"", Some(5)),
    ("uppercase-path.yml", "upper-case letters are not allowed", Some(5)),
    ("space-path.yml", "spaces are not allowed", Some(5)),
    ("scheme-host.yml", "must be a host[:port] without a scheme", Some(6)),
    ("path-host.yml", "must be a host[:port] without a path", Some(6)),
    ("port-host.yml", "has an invalid port \"99999\"", Some(6)),
    ("bad-tag.yml", "image_tag \"-latest\" is not a valid tag", Some(7)),
    ("duplicate-keys.yml", "duplicate key \"haproxy\" (first defined on line 3)", Some(8)),
    ("duplicate-field.yml", "duplicate key \"image_tag\"", Some(8)),
    ("billion-laughs.yml", "YAML anchors and aliases are not accepted", Some(1)),
    ("deep-nesting.yml", "nested more than 32 levels deep", Some(33)),
    ("deep-flow.yml", "recursion limit exceeded", Some(1)),
    ("tabs-in-configmap-string.yml", "tabs disallowed", Some(3)),
    ("yaml-tag.yml", "YAML tags (!!type) are not accepted", Some(4)),
    ("extra-field-list.yml", "image_pull_secrets must be a string, found a list", Some(8)),
    ("non-utf8.yml", "not UTF-8", Some(4)),
];

#[test]
fn the_hostile_corpus_is_refused_with_its_place_and_nothing_contacted() {
    let setup = setup();
    let corpus = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus");
    let files = std::fs::read_dir(&corpus).unwrap().count();
    assert_eq!(files, CORPUS.len(), "every corpus file has an expectation");
    for (file, expected, line) in CORPUS {
        let content = std::fs::read(corpus.join(file)).unwrap();
        let run = setup.plan(file, &content, &[]);
        assert_eq!(run.code, 2, "{file}: {}", run.stderr);
        let path = setup.dir.path().join(file);
        let place = match line {
            Some(line) => format!("{}: line {line}", path.display()),
            None => format!("{}: ", path.display()),
        };
        assert!(run.stderr.contains(&place), "{file} names its place ({place}): {}", run.stderr);
        assert!(run.stderr.contains(expected), "{file}: {}", run.stderr);
        assert!(!run.stderr.contains("panicked"), "{file}: {}", run.stderr);
    }
    setup.assert_untouched();
}

#[test]
fn huge_inputs_are_refused_before_parsing() {
    let setup = setup();
    let entry = |i: usize| {
        format!(
            "  c{i}:\n    s:\n      image_digest: sha256:{:064x}\n      image_repository_path: p{i}\n      image_repository_server: docker.io\n      image_tag: t\n",
            i
        )
    };
    let many: String = std::iter::once("images_digests:\n".to_owned()).chain((0..100_000).map(entry)).collect();
    let run = setup.plan("100000-entries.yml", many.as_bytes(), &[]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("more than the 8 MiB"), "{}", run.stderr);
    let run = setup.plan("huge.yml", &vec![b'#'; 9 * 1024 * 1024], &[]);
    assert_eq!(run.code, 2);
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
