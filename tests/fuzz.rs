//! Property tests in the normal suite: the parser and the mapping take any input without a
//! panic, a hang or unbounded memory, and what the mapping produces is always a valid path.

use kubectl_essregistry::digests::{parse, parse_live};
use kubectl_essregistry::mapping::{Layout, MapRule, Mapping};
use kubectl_essregistry::reference::{Digest, RegistryHost, RepoPath, Tag};
use proptest::prelude::*;

/// Pieces of images_digests and of YAML, shuffled into documents that are nearly right.
fn yamlish() -> impl Strategy<Value = String> {
    let token = prop_oneof![
        Just("images_digests:".to_owned()),
        Just("synapse:".to_owned()),
        Just("haproxy:".to_owned()),
        Just("image_digest: sha256:75fc37d6372cc22410bdd6ad0191a8dfeababef2a7d8d585694f21b73c2bb3d6".to_owned()),
        Just("image_repository_path: library/haproxy".to_owned()),
        Just("image_repository_server: docker.io".to_owned()),
        Just("image_tag: 2.8".to_owned()),
        Just("&a [x]".to_owned()),
        Just("*a".to_owned()),
        Just("- ".to_owned()),
        Just("{".to_owned()),
        Just("}".to_owned()),
        Just("[".to_owned()),
        Just("\"".to_owned()),
        Just("|".to_owned()),
        Just("!!str".to_owned()),
        Just("\t".to_owned()),
        "[ -~]{0,12}",
    ];
    prop::collection::vec((0usize..8, token), 0..60)
        .prop_map(|lines| lines.into_iter().map(|(indent, t)| format!("{}{t}\n", "  ".repeat(indent))).collect())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn any_bytes_parse_or_fail_cleanly(bytes in prop::collection::vec(any::<u8>(), 0..4096)) {
        let _ = parse(&bytes);
        let _ = parse_live(&bytes);
    }

    #[test]
    fn nearly_right_documents_parse_or_fail_cleanly(text in yamlish()) {
        if let Err(problems) = parse(text.as_bytes()) {
            prop_assert!(!problems.is_empty());
        }
        let _ = parse_live(text.as_bytes());
    }

    #[test]
    fn reference_parts_never_panic(text in "\\PC{0,80}") {
        let _ = RegistryHost::parse(&text);
        let _ = RepoPath::parse(&text);
        let _ = Tag::parse(&text);
        let _ = Digest::parse(&text);
        let _ = text.parse::<MapRule>();
    }

    #[test]
    fn every_mapping_gives_a_valid_path(
        server in "[a-z]([a-z0-9-]{0,8}[a-z0-9])?(\\.[a-z]{2,5})?(:[1-9][0-9]{0,3})?",
        path in "[a-z0-9]{1,8}(/[a-z0-9]{1,8}){0,4}",
        prefix in prop::option::of("[a-z0-9]{1,8}(/[a-z0-9]{1,8}){0,2}"),
        layout in prop_oneof![Just(Layout::Preserve), Just(Layout::SourceHost), Just(Layout::Flat)],
        rule in prop::option::of(("[a-z0-9]{1,8}", "[a-z0-9]{1,8}")),
    ) {
        let server = RegistryHost::parse(&server).unwrap();
        let path = RepoPath::parse(&path).unwrap();
        let rules = rule.into_iter().map(|(from, to)| format!("{server}/{from}={to}").parse().unwrap()).collect();
        let mapping = Mapping {
            registry: RegistryHost::parse("registry.local").unwrap(),
            prefix: prefix.map(|p| RepoPath::parse(&p).unwrap()),
            layout,
            rules,
        };
        let target = mapping.target_path(&server, &path);
        prop_assert!(RepoPath::parse(target.as_str()).is_ok(), "{target}");
        if let Some(prefix) = &mapping.prefix {
            let with_slash = format!("{prefix}/");
            prop_assert!(target.as_str().starts_with(&with_slash));
        }
    }
}
