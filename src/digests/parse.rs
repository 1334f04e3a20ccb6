//! Reads images_digests text into validated entries, collecting every problem it finds.

use super::{Entry, ImagesDigests, LiveEntry, decode, manifest};
use crate::problem::Problem;
use crate::reference::{Digest, RegistryHost, RepoPath, Tag};
use crate::sanitize::printable;
use marked_yaml::{LoadError, LoaderOptions, Node, Span};

/// Larger inputs are refused before parsing: a real file is a few kilobytes.
pub const MAX_INPUT_BYTES: usize = 8 * 1024 * 1024;

const INSTALLER_KEY: &str = "images_digests";
const FIELDS: [&str; 4] = ["image_digest", "image_repository_path", "image_repository_server", "image_tag"];

/// What an entry must carry: the installer's input pins a tag and a digest; a ConfigMap written
/// for the Operator has no tag, and may have no digest (`--digest-mismatch drop`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Upstream,
    Live,
}

/// An entry as read, before the mode decides what must be there.
struct RawEntry {
    component: String,
    sub: String,
    server: RegistryHost,
    path: RepoPath,
    tag: Option<Tag>,
    digest: Option<Digest>,
    extra: Vec<(String, String)>,
    line: usize,
}

/// The entries of one images_digests, and what is worth saying about it.
struct Components {
    entries: Vec<RawEntry>,
    warnings: Vec<String>,
}

/// Parses the installer's images_digests (either shape, or a ConfigMap manifest holding it):
/// every entry pins a digest, and a tag unless it was written for the Operator.
pub fn parse(bytes: &[u8]) -> Result<ImagesDigests, Vec<Problem>> {
    let (Components { entries: raw, warnings }, origin) = read_input(bytes)?;
    let entries = raw
        .into_iter()
        .filter_map(|r| {
            Some(Entry {
                component: r.component,
                sub: r.sub,
                server: r.server,
                path: r.path,
                tag: r.tag,
                digest: r.digest?,
                extra: r.extra,
                line: r.line,
            })
        })
        .collect();
    Ok(ImagesDigests { entries, warnings, origin })
}

/// Parses a ConfigMap's images_digests string as the Operator reads it: tags are ignored and
/// a digest is optional.
pub fn parse_live(bytes: &[u8]) -> Result<Vec<LiveEntry>, Vec<Problem>> {
    check_size(bytes)?;
    let text = decode::text(bytes).map_err(|problem| vec![problem])?;
    if is_blank(&text) {
        return Err(vec![empty_input()]);
    }
    let root = load(&text, &Place::START)?;
    let raw = read_components(&root, Mode::Live, &Place::START)?.entries;
    Ok(raw
        .into_iter()
        .map(|r| LiveEntry {
            component: r.component,
            sub: r.sub,
            server: r.server,
            path: r.path,
            digest: r.digest,
            line: r.line,
        })
        .collect())
}

/// Where a text parsed on its own lies in the input, so that every line named is the input's.
#[derive(Debug)]
pub(super) enum Place {
    /// The text's lines are the input's from line `lines + 1` on, each indented by `columns`
    /// more: a document after a `---` line, or a ConfigMap string written as a `|` block.
    Shifted { lines: usize, columns: usize },
    /// A string whose lines are not the input's (quoted, or folded): places are inside the
    /// string, which starts on the input's `line`.
    Inside { line: usize, what: String },
}

impl Place {
    pub(super) const START: Place = Place::Shifted { lines: 0, columns: 0 };

    /// The input's line for a line of the text.
    pub(super) fn line(&self, line: usize) -> usize {
        match self {
            Place::Shifted { lines, .. } => line + lines,
            Place::Inside { line, .. } => *line,
        }
    }

    pub(super) fn problem(&self, problem: Problem) -> Problem {
        match self {
            Place::Shifted { lines, columns } => Problem {
                line: problem.line.map(|line| line + lines),
                column: problem.column.map(|column| column + columns),
                ..problem
            },
            Place::Inside { line, what } => {
                let place = match (problem.line, problem.column) {
                    (Some(line), Some(column)) => format!(", line {line} of the string, column {column}"),
                    (Some(line), None) => format!(", line {line} of the string"),
                    _ => String::new(),
                };
                let entry = problem.entry.map(|entry| format!("{entry}: ")).unwrap_or_default();
                Problem {
                    line: Some(*line),
                    column: None,
                    entry: None,
                    message: format!("in {what}{place}: {entry}{}", problem.message),
                }
            }
        }
    }
}

/// The input as kubectl reads a manifest file: decoded, split into documents, and images_digests
/// taken from the one document that is it, or from the ConfigMap that holds it.
fn read_input(bytes: &[u8]) -> Result<(Components, Option<String>), Vec<Problem>> {
    check_size(bytes)?;
    let text = decode::text(bytes).map_err(|problem| vec![problem])?;
    let documents = manifest::documents(&text).map_err(|problem| vec![problem])?;
    if documents.is_empty() {
        return Err(vec![empty_input()]);
    }
    match manifest::find(&documents, load)? {
        manifest::Found::Document { root, place } => Ok((read_components(&root, Mode::Upstream, &place)?, None)),
        manifest::Found::ConfigMap(embedded) => {
            let place = embedded.place();
            if is_blank(&embedded.value) {
                let message = format!("{} holds no images_digests: it is empty or only comments", embedded.what());
                return Err(vec![problem_at(Some(embedded.line), None, message)]);
            }
            let root = load(&embedded.value, &place)?;
            Ok((read_components(&root, Mode::Upstream, &place)?, Some(embedded.origin())))
        }
    }
}

fn check_size(bytes: &[u8]) -> Result<(), Vec<Problem>> {
    if bytes.len() > MAX_INPUT_BYTES {
        return Err(vec![problem_at(
            None,
            None,
            format!(
                "the input is {} bytes, more than the {} MiB an images_digests file can sensibly be",
                bytes.len(),
                MAX_INPUT_BYTES / (1024 * 1024)
            ),
        )]);
    }
    Ok(())
}

/// Only blank lines and comments.
pub(super) fn is_blank(text: &str) -> bool {
    text.lines().all(|l| l.trim().is_empty() || l.trim_start().starts_with('#'))
}

fn empty_input() -> Problem {
    problem_at(None, None, "the input is empty: expected images_digests with at least one component".into())
}

/// One YAML document as a tree whose root is a mapping, with its problems placed by `place`.
/// Anchors and aliases are refused outright, which rules out alias bombs and keeps every value
/// where its line number says it is.
fn load(text: &str, place: &Place) -> Result<Node, Vec<Problem>> {
    let shifted = |problems: Vec<Problem>| problems.into_iter().map(|p| place.problem(p)).collect::<Vec<_>>();
    check_depth(text).map_err(shifted)?;
    let options = LoaderOptions::default().error_on_duplicate_keys(true);
    marked_yaml::parse_yaml_with_options(0, text, options).map_err(|error| vec![place.problem(load_problem(&error))])
}

/// Two shapes are accepted: the installer's file (everything under a top-level
/// `images_digests:` key) and the ConfigMap's string (components at the root).
fn read_components(root: &Node, mode: Mode, place: &Place) -> Result<Components, Vec<Problem>> {
    let shifted = |problems: Vec<Problem>| problems.into_iter().map(|p| place.problem(p)).collect::<Vec<_>>();
    let root = root.as_mapping().ok_or_else(|| shifted(vec![not_a_mapping(root, None, "the document")]))?;

    let mut warnings = Vec::new();
    let installer_file = root.get_node(INSTALLER_KEY).is_some();
    let components = match root.get_node(INSTALLER_KEY) {
        Some(inner) => {
            for key in root.keys().filter(|k| k.as_str() != INSTALLER_KEY) {
                let message = format!("ignored the top-level key \"{}\" next to images_digests", key.as_str());
                warnings.push(place.problem(problem_at(line_of(key.span()), None, message)).to_string());
            }
            inner.as_mapping().ok_or_else(|| shifted(vec![not_a_mapping(inner, None, "images_digests")]))?
        }
        None => root,
    };

    // The ConfigMap string written for the Operator (no top-level images_digests key) drops
    // every tag: its images are known by their digests. In the installer's file, or where
    // some entries have a tag, an entry without one is a mistake.
    let tagless = mode == Mode::Upstream
        && !installer_file
        && components
            .iter()
            .filter_map(|(_, subs)| subs.as_mapping())
            .flat_map(|subs| subs.iter().filter_map(|(_, fields)| fields.as_mapping()))
            .all(|fields| fields.get_node("image_tag").is_none());
    let mut problems = Vec::new();
    let mut entries = Vec::new();
    if components.is_empty() {
        problems.push(problem_at(line_of(components.span()), None, "images_digests has no components".into()));
    }
    for (component, subs) in components.iter() {
        let Some(subs) = subs.as_mapping() else {
            problems.push(not_a_mapping(subs, Some(component.as_str()), "a component"));
            continue;
        };
        if subs.is_empty() {
            problems.push(located(component.span(), Some(component.as_str().into()), "has no sub-components".into()));
        }
        for (sub, fields) in subs.iter() {
            let name = format!("{}/{}", component.as_str(), sub.as_str());
            match fields.as_mapping() {
                Some(fields) => {
                    if let Some(mut entry) =
                        read_entry(component.as_str(), sub.as_str(), sub.span(), fields, mode, tagless, &mut problems)
                    {
                        entry.line = place.line(entry.line);
                        entries.push(entry);
                    }
                }
                None => problems.push(not_a_mapping(fields, Some(&name), "an entry")),
            }
        }
    }
    if tagless && !entries.is_empty() {
        warnings.push(
            "no entry has an image_tag (images_digests as written for the Operator): every image is checked \
             by its digest alone"
                .into(),
        );
    }
    if problems.is_empty() { Ok(Components { entries, warnings }) } else { Err(shifted(problems)) }
}

/// images_digests is four levels deep. A document nested far deeper is refused before any tree
/// is built, since building and dropping one recurses once per level. The event parser is
/// iterative, so this scan itself is safe at any depth.
const MAX_DEPTH: usize = 32;

/// The same scan refuses a second document after a `...` line: the loader would silently read
/// only the first, and kubectl splits documents at `---` lines only.
fn check_depth(text: &str) -> Result<(), Vec<Problem>> {
    use yaml_rust2::parser::{Event, Parser};
    let mut parser = Parser::new_from_str(text);
    let mut depth = 0usize;
    let mut documents = 0usize;
    loop {
        match parser.next_token() {
            Ok((Event::DocumentStart, mark)) => {
                documents += 1;
                if documents > 1 {
                    let message = "a second YAML document starts here, after a `...` line: separate documents with a \
                                   `---` line, as kubectl reads them"
                        .to_owned();
                    // The mark is past the document's first token: the line is right, the column is not.
                    return Err(vec![problem_at(Some(mark.line()), None, message)]);
                }
            }
            Ok((Event::MappingStart(..) | Event::SequenceStart(..), mark)) => {
                depth += 1;
                if depth > MAX_DEPTH {
                    let message =
                        format!("the document is nested more than {MAX_DEPTH} levels deep; images_digests has four");
                    return Err(vec![problem_at(Some(mark.line()), Some(mark.col() + 1), message)]);
                }
            }
            Ok((Event::MappingEnd | Event::SequenceEnd, _)) => depth = depth.saturating_sub(1),
            Ok((Event::StreamEnd, _)) => return Ok(()),
            Ok(_) => {}
            // The loader reports a syntax error with its place.
            Err(_) => return Ok(()),
        }
    }
}

/// Reads the four fields of one entry; every problem is recorded, none stops the others.
fn read_entry(
    component: &str,
    sub: &str,
    at: &Span,
    fields: &marked_yaml::types::MarkedMappingNode,
    mode: Mode,
    tagless: bool,
    problems: &mut Vec<Problem>,
) -> Option<RawEntry> {
    let name = format!("{component}/{sub}");
    let before = problems.len();
    let pinned = mode == Mode::Upstream;
    let mut text = |field: &str, required: bool| -> Option<(&str, &Span)> {
        let Some(node) = fields.get_node(field) else {
            if required {
                problems.push(located(at, Some(name.clone()), format!("missing field {field}")));
            }
            return None;
        };
        match node {
            Node::Scalar(scalar)
                if scalar.as_str().is_empty()
                    || (scalar.may_coerce() && matches!(scalar.as_str(), "~" | "null" | "Null" | "NULL")) =>
            {
                problems.push(located(node.span(), Some(name.clone()), format!("{field} is empty")));
                None
            }
            Node::Scalar(scalar) => Some((scalar.as_str(), node.span())),
            other => {
                problems.push(located(
                    node.span(),
                    Some(name.clone()),
                    format!("{field} must be a string, found {}", kind_of(other)),
                ));
                None
            }
        }
    };
    let digest = text("image_digest", pinned);
    let path = text("image_repository_path", true);
    let server = text("image_repository_server", true);
    let tag = text("image_tag", pinned && !tagless);

    let mut check = |field: &str, value: Option<(&str, &Span)>, parse: &dyn Fn(&str) -> Result<(), String>| {
        if let Some((value, span)) = value
            && let Err(why) = parse(value)
        {
            problems.push(located(span, Some(name.clone()), format!("{field} \"{}\" {why}", printable(value))));
        }
    };
    check("image_digest", digest, &|v| Digest::parse(v).map(drop));
    check("image_repository_path", path, &|v| RepoPath::parse(v).map(drop));
    check("image_repository_server", server, &|v| RegistryHost::parse(v).map(drop));
    check("image_tag", tag, &|v| Tag::parse(v).map(drop));

    let mut extra = Vec::new();
    for (key, value) in fields.iter().filter(|(k, _)| !FIELDS.contains(&k.as_str())) {
        match value.as_scalar() {
            Some(scalar) => extra.push((key.as_str().to_owned(), scalar.as_str().to_owned())),
            None => problems.push(located(
                value.span(),
                Some(name.clone()),
                format!("{} must be a string, found {}", key.as_str(), kind_of(value)),
            )),
        }
    }
    if problems.len() != before {
        return None;
    }
    // Every field present was valid, as checked just above.
    Some(RawEntry {
        component: component.to_owned(),
        sub: sub.to_owned(),
        digest: digest.and_then(|(v, _)| Digest::parse(v).ok()),
        path: RepoPath::parse(path?.0).ok()?,
        server: RegistryHost::parse(server?.0).ok()?,
        tag: tag.and_then(|(v, _)| Tag::parse(v).ok()),
        extra,
        line: line_of(at).unwrap_or(0),
    })
}

fn load_problem(error: &LoadError) -> Problem {
    let at = |marker: &marked_yaml::Marker| (Some(marker.line()), Some(marker.column()));
    let ((line, column), message) = match error {
        LoadError::TopLevelMustBeMapping(m) | LoadError::TopLevelMustBeSequence(m) => {
            (at(m), "the document is not a mapping: expected images_digests or components at the top level".to_owned())
        }
        LoadError::UnexpectedAnchor(m) => {
            (at(m), "YAML anchors and aliases are not accepted in images_digests".to_owned())
        }
        LoadError::MappingKeyMustBeScalar(m) => (at(m), "a mapping key must be a plain string".to_owned()),
        LoadError::UnexpectedTag(m) => (at(m), "YAML tags (!!type) are not accepted in images_digests".to_owned()),
        LoadError::ScanError(m, e) => (at(m), format!("not valid YAML: {}", scan_message(e))),
        LoadError::DuplicateKey(inner) => {
            let first = line_of(inner.prev_key.span()).map_or_else(|| "?".to_owned(), |l| l.to_string());
            let second = inner.key.span().start().map(|m| (Some(m.line()), Some(m.column()))).unwrap_or((None, None));
            (
                second,
                format!("duplicate key \"{}\" (first defined on line {first})", printable(inner.prev_key.as_str())),
            )
        }
    };
    problem_at(line, column, message)
}

/// yaml-rust2's message without its own " at line X column Y" suffix, which we print first.
fn scan_message(error: &impl std::fmt::Display) -> String {
    let text = error.to_string();
    match text.find(" at byte ").or_else(|| text.find(" at line ")) {
        Some(cut) => text[..cut].to_owned(),
        None => text,
    }
}

fn not_a_mapping(node: &Node, entry: Option<&str>, what: &str) -> Problem {
    located(node.span(), entry.map(str::to_owned), format!("{what} must be a mapping, found {}", kind_of(node)))
}

pub(super) fn kind_of(node: &Node) -> &'static str {
    match node {
        Node::Scalar(_) => "a string",
        Node::Mapping(_) => "a mapping",
        Node::Sequence(_) => "a list",
    }
}

fn located(span: &Span, entry: Option<String>, message: String) -> Problem {
    let start = span.start();
    Problem { line: start.map(|m| m.line()), column: start.map(|m| m.column()), entry, message }
}

fn problem_at(line: Option<usize>, column: Option<usize>, message: String) -> Problem {
    Problem { line, column, entry: None, message }
}

fn line_of(span: &Span) -> Option<usize> {
    span.start().map(|m| m.line())
}

#[cfg(test)]
mod tests {
    use super::*;

    const ENTRY: &str = "      image_digest: sha256:75fc37d6372cc22410bdd6ad0191a8dfeababef2a7d8d585694f21b73c2bb3d6\n      image_repository_path: library/haproxy\n      image_repository_server: docker.io\n      image_tag: 2.8-alpine\n";

    fn installer(body: &str) -> String {
        format!("images_digests:\n{body}")
    }

    fn errors(text: &str) -> Vec<String> {
        parse(text.as_bytes()).unwrap_err().iter().map(ToString::to_string).collect()
    }

    #[test]
    fn reads_the_installer_shape_in_file_order() {
        let text = installer(&format!("  synapse:\n    haproxy:\n{ENTRY}  adminbot:\n    haproxy:\n{ENTRY}"));
        let parsed = parse(text.as_bytes()).unwrap();
        let names: Vec<_> = parsed.entries.iter().map(Entry::name).collect();
        assert_eq!(names, ["synapse/haproxy", "adminbot/haproxy"]);
        assert_eq!(parsed.entries[0].line, 3);
        assert_eq!(parsed.entries[1].tag.as_ref().map(|t| t.as_str()), Some("2.8-alpine"));
    }

    #[test]
    fn reads_the_configmap_shape_with_a_leading_comment_and_any_key_order() {
        let text = "# Copyright 2024 New Vector Ltd\nhydrogen:\n  hydrogen:\n    image_tag: v0.1\n    image_repository_server: ghcr.io\n    image_repository_path: element-hq/hydrogen\n    image_digest: sha256:75fc37d6372cc22410bdd6ad0191a8dfeababef2a7d8d585694f21b73c2bb3d6\n    image_pull_hint: keep-me\n";
        let parsed = parse(text.as_bytes()).unwrap();
        assert_eq!(parsed.entries[0].name(), "hydrogen/hydrogen");
        assert_eq!(parsed.entries[0].extra, [("image_pull_hint".to_owned(), "keep-me".to_owned())]);
    }

    #[test]
    fn reports_every_problem_with_line_and_entry() {
        let text = installer(
            "  synapse:\n    haproxy:\n      image_digest: sha256:zz\n      image_repository_path: Library/haproxy\n      image_repository_server: https://docker.io\n      image_tag: 2.8\n  element_web:\n    element_web:\n      image_digest: [1]\n      image_repository_path: vectorim/element-web\n      image_repository_server: docker.io\n",
        );
        let errors = errors(&text);
        assert_eq!(errors.len(), 5, "{errors:#?}");
        assert_eq!(
            errors[0],
            "line 4, column 21: synapse/haproxy: image_digest \"sha256:zz\" is not a sha256 digest (expected sha256: and 64 lower-case hex digits)"
        );
        assert!(
            errors[1].starts_with("line 5, column 30: synapse/haproxy: image_repository_path \"Library/haproxy\""),
            "{}",
            errors[1]
        );
        assert!(
            errors[2].contains("image_repository_server \"https://docker.io\" must be a host[:port] without a scheme"),
            "{}",
            errors[2]
        );
        assert!(
            errors[3].starts_with(
                "line 10, column 21: element_web/element_web: image_digest must be a string, found a list"
            ),
            "{}",
            errors[3]
        );
        assert!(
            errors[4].starts_with("line 9, column 5: element_web/element_web: missing field image_tag"),
            "{}",
            errors[4]
        );
    }

    #[test]
    fn refuses_what_is_not_images_digests() {
        assert!(errors("")[0].contains("empty"));
        assert!(errors("# only a comment\n\n")[0].contains("empty"));
        assert!(errors("- a\n- b\n")[0].contains("not a mapping"));
        assert!(errors("key: [unclosed\n")[0].starts_with("line 2"), "{:?}", errors("key: [unclosed\n"));
        assert!(errors("images_digests: 3\n")[0].contains("images_digests must be a mapping, found a string"));
        assert!(errors("synapse: text\n")[0].contains("synapse: a component must be a mapping"));
        assert!(
            errors("synapse:\n  haproxy: []\n")[0]
                .contains("synapse/haproxy: an entry must be a mapping, found a list")
        );
        let dup = installer(&format!("  synapse:\n    haproxy:\n{ENTRY}    haproxy:\n{ENTRY}"));
        assert_eq!(errors(&dup)[0], "line 8, column 5: duplicate key \"haproxy\" (first defined on line 3)");
    }

    #[test]
    fn a_written_configmap_reads_back_without_tags_and_with_optional_digests() {
        let text = "# Written by kubectl-essregistry\nsynapse:\n  haproxy:\n    image_digest: sha256:75fc37d6372cc22410bdd6ad0191a8dfeababef2a7d8d585694f21b73c2bb3d6\n    image_repository_path: ess/library/haproxy\n    image_repository_server: reg.local\n  redis:\n    image_repository_path: ess/library/redis\n    image_repository_server: reg.local\n";
        let live = parse_live(text.as_bytes()).unwrap();
        assert_eq!(live.len(), 2);
        assert!(live[0].digest.is_some() && live[1].digest.is_none());
        // As input, the entry without a digest cannot be checked: the one with a digest can.
        let problems = parse(text.as_bytes()).unwrap_err();
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(problems[0].message.contains("missing field image_digest"), "{problems:?}");
    }

    #[test]
    fn refuses_deep_nesting_before_building_a_tree() {
        let deep: String = (0..3000).map(|i| format!("{}k:\n", " ".repeat(i))).collect();
        let problem = &parse(deep.as_bytes()).unwrap_err()[0];
        assert!(problem.message.contains("nested more than 32 levels"), "{problem}");
        assert_eq!(problem.line, Some(33));
    }

    #[test]
    fn refuses_alias_bombs_and_oversized_and_binary_input() {
        let bomb = "a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: [*b, *b, *b, *b, *b, *b, *b, *b, *b]\n";
        assert!(errors(bomb)[0].contains("anchors and aliases"));
        let huge = vec![b'#'; MAX_INPUT_BYTES + 1];
        assert!(parse(&huge).unwrap_err()[0].message.contains("8 MiB"));
        let binary = b"synapse:\n  haproxy:\n    image_tag: \xff\xfe\n";
        let problem = &parse(binary).unwrap_err()[0];
        assert_eq!((problem.line, problem.message.contains("UTF-8")), (Some(3), true));
    }
}
