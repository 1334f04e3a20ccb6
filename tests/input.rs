//! Bad input is refused with every problem named, exit 2, and not one request to the registry;
//! the file in every encoding kubectl reads gives the same plan.

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
    let requests = setup.registry.requests();
    let manifests: Vec<_> = requests.iter().filter(|r| r.path.contains("/manifests/")).collect();
    let gets = manifests.iter().filter(|r| r.method == "GET").count();
    assert_eq!(
        (manifests.len(), gets),
        (72, 24),
        "a missing image costs a HEAD by tag, a HEAD by digest, and one GET that confirms it"
    );
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

/// `text` in UTF-16 after its byte-order mark, as Windows editors save "Unicode" text.
fn utf16(text: &str, bom: [u8; 2], unit: fn(u16) -> [u8; 2]) -> Vec<u8> {
    bom.into_iter().chain(text.encode_utf16().flat_map(unit)).collect()
}

/// The shipped file as editors save it: line endings and byte-order marks kubectl reads.
fn encodings(text: &str) -> Vec<(&'static str, Vec<u8>)> {
    let crlf = text.replace('\n', "\r\n");
    vec![
        ("crlf.yml", crlf.clone().into_bytes()),
        ("utf8-bom.yml", [b"\xEF\xBB\xBF".as_slice(), text.as_bytes()].concat()),
        ("utf8-bom-crlf.yml", [b"\xEF\xBB\xBF".as_slice(), crlf.as_bytes()].concat()),
        ("utf16le.yml", utf16(text, [0xFF, 0xFE], u16::to_le_bytes)),
        ("utf16be.yml", utf16(text, [0xFE, 0xFF], u16::to_be_bytes)),
        ("utf16le-crlf.yml", utf16(&crlf, [0xFF, 0xFE], u16::to_le_bytes)),
    ]
}

#[test]
fn byte_order_marks_utf16_and_crlf_read_as_for_kubectl() {
    let setup = setup();
    let plain = setup.plan("plain.yml", FIXTURE.as_bytes(), &["-o", "json"]).json();
    for (file, bytes) in encodings(FIXTURE) {
        let run = setup.plan(file, &bytes, &["-o", "json"]);
        assert_eq!(run.code, 1, "{file}: {}", run.stderr);
        assert!(run.stderr.is_empty(), "{file}: {}", run.stderr);
        let report = run.json();
        assert_eq!(report["summary"], plain["summary"], "{file}");
        assert_eq!(report["images"], plain["images"], "{file}");
        assert_eq!(report["configMap"], plain["configMap"], "{file}");
    }

    // A byte-order mark shifts no place: not on line 1, where it used to be read as part of
    // the first key, nor further down.
    setup.registry.clear_requests();
    let cases = [
        ("images_digests: 3\n", "line 1, column 17: images_digests must be a mapping, found a string"),
        (
            &FIXTURE.replacen("image_tag: 2.8-alpine", "image_tag: -2.8", 1),
            "line 17, column 18: adminbot/haproxy: image_tag \"-2.8\"",
        ),
    ];
    for (text, expected) in cases {
        for (file, bytes) in encodings(text) {
            let run = setup.plan(file, &bytes, &[]);
            assert_eq!(run.code, 2, "{file}: {}", run.stderr);
            let place = format!("{}: {expected}", setup.dir.path().join(file).display());
            assert!(run.stderr.contains(&place), "{place}\n{}", run.stderr);
        }
    }
    setup.assert_untouched();
}

#[test]
fn what_is_not_utf8_utf16_or_yaml_is_refused_with_its_place_and_what_to_do() {
    let setup = setup();
    let lines = FIXTURE.lines().count();
    let last = FIXTURE.lines().last().unwrap().chars().count();
    let mut cut = utf16(FIXTURE, [0xFF, 0xFE], u16::to_le_bytes);
    cut.pop();
    let latin1 = FIXTURE.replacen("image_tag: 2.8-alpine", "image_tag: caf@", 1);
    let latin1 = latin1.bytes().map(|b| if b == b'@' { 0xE9 } else { b });
    let cases: Vec<(&str, Vec<u8>, String)> = vec![
        (
            "latin1.yml",
            latin1.collect(),
            "line 17, column 21: the input is not UTF-8 text (byte 0xE9 here is not valid UTF-8)".into(),
        ),
        (
            "utf16-without-bom.yml",
            FIXTURE.encode_utf16().flat_map(u16::to_le_bytes).collect(),
            "line 1, column 2: the input holds NUL characters: it looks like UTF-16 without a byte-order mark".into(),
        ),
        (
            "logo.png",
            b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR".to_vec(),
            "line 1, column 1: the input is not UTF-8 text (byte 0x89 here is not valid UTF-8)".into(),
        ),
        (
            "images_digests.yml.gz",
            b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03\xcb\x48".to_vec(),
            "the input is a gzip archive, not YAML text: unpack it".into(),
        ),
        (
            "nul.yml",
            b"images_digests:\n  synapse:\x00\x01".to_vec(),
            "line 2, column 11: the input holds a NUL character here: it is a binary file".into(),
        ),
        (
            "cut-utf16.yml",
            cut,
            format!(
                "line {lines}, column {}: the input starts with the UTF-16LE byte-order mark, but ends in half a character",
                last + 1
            ),
        ),
    ];
    for (file, bytes, expected) in cases {
        let run = setup.plan(file, &bytes, &[]);
        assert_eq!(run.code, 2, "{file}: {}", run.stderr);
        let path = setup.dir.path().join(file);
        assert!(run.stderr.contains(&format!("{}: {expected}", path.display())), "{file}: {}", run.stderr);
        assert!(run.stderr.contains("hint: "), "{file}: {}", run.stderr);
    }
    setup.assert_untouched();
}
