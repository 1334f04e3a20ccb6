//! images_digests inside Kubernetes manifests: a ConfigMap whose `data.images_digests` holds it
//! as a string (what the installer's air-gap procedure has the administrator write, and what
//! `kubectl get configmap NAME -o yaml` prints), a `kind: List` of objects (what `kubectl get
//! configmaps -o yaml` prints), or one document among several. Documents are split as kubectl
//! splits a file, so a file reads here as it reads for `kubectl apply -f`.

use super::DATA_KEY;
use super::parse::{Place, is_blank, kind_of};
use crate::problem::Problem;
use crate::sanitize::printable;
use marked_yaml::types::MarkedMappingNode;
use marked_yaml::{Node, Span};

/// Enough objects named in a message to recognise the file, not a whole `kubectl get` dump.
const LISTED: usize = 8;
/// A bundle of manifests holds tens or hundreds of documents; far more is no images_digests, and
/// reading each would only cost time.
const MAX_DOCUMENTS: usize = 10_000;

/// One YAML document of the input, and the input's line it starts on.
pub(super) struct Document<'t> {
    pub first_line: usize,
    pub text: &'t str,
}

/// The documents that hold anything, split as kubectl splits a file: at each line that starts
/// with `---` and has nothing after it but spaces or a comment. kubectl refuses any other text
/// after `---`, and so does this.
pub(super) fn documents(text: &str) -> Result<Vec<Document<'_>>, Problem> {
    let mut documents = Vec::new();
    let (mut start, mut first_line, mut offset) = (0, 1, 0);
    for (index, line) in text.split_inclusive('\n').enumerate() {
        if let Some(rest) = line.strip_prefix("---") {
            let rest = rest.trim();
            if !rest.is_empty() && !rest.starts_with('#') {
                return Err(Problem {
                    line: Some(index + 1),
                    column: Some(4),
                    entry: None,
                    message: format!(
                        "kubectl reads a line that starts with --- as a document separator, and allows only a comment \
                         after it, not \"{}\": start that text on the next line",
                        printable(rest)
                    ),
                });
            }
            keep(&mut documents, first_line, &text[start..offset])?;
            start = offset + line.len();
            first_line = index + 2;
        }
        offset += line.len();
    }
    keep(&mut documents, first_line, &text[start..])?;
    Ok(documents)
}

/// kubectl skips documents that hold only blank lines and comments.
fn keep<'t>(documents: &mut Vec<Document<'t>>, first_line: usize, text: &'t str) -> Result<(), Problem> {
    if is_blank(text) {
        return Ok(());
    }
    if documents.len() == MAX_DOCUMENTS {
        return Err(Problem {
            line: Some(first_line),
            column: None,
            entry: None,
            message: format!(
                "the input holds more than {MAX_DOCUMENTS} YAML documents: images_digests is one, or a ConfigMap among \
                 a few objects"
            ),
        });
    }
    documents.push(Document { first_line, text });
    Ok(())
}

/// Where images_digests is in the input.
pub(super) enum Found<'t> {
    /// The input's one document is images_digests itself.
    Document {
        root: Node,
        place: Place,
    },
    ConfigMap(Embedded<'t>),
}

/// A ConfigMap's `data.images_digests`, found in one of the input's documents. Only this is
/// kept of a document once it is read, so a file of many documents never holds them all as trees.
pub(super) struct Embedded<'t> {
    pub name: String,
    pub value: String,
    /// The input's line where the string starts.
    pub line: usize,
    /// Where the string starts in its document (line, column), and that document's text.
    start: Option<(usize, usize)>,
    document: &'t str,
}

impl Embedded<'_> {
    pub fn what(&self) -> String {
        format!("data.{DATA_KEY} of ConfigMap {}", self.name)
    }

    /// Which ConfigMap was read, for the user who passed several.
    pub fn origin(&self) -> String {
        format!("{} (line {})", self.what(), self.line)
    }

    /// Where the string's lines are in the input. A `|` block (what kubectl prints, and what
    /// people write) holds the input's own lines, indented: then every place named is the
    /// input's line and column. Otherwise (a quoted or folded string) places are given inside the
    /// string. Checked line by line, not assumed from the style.
    pub fn place(&self) -> Place {
        let inside = Place::Inside { line: self.line, what: self.what() };
        let Some((line, column)) = self.start else { return inside };
        let indent = column.saturating_sub(1);
        let mut file_lines = self.document.lines().skip(line.saturating_sub(1));
        let same = |file: &str, line: &str| {
            if line.is_empty() {
                file.trim().is_empty()
            } else {
                file.get(..indent).is_some_and(|prefix| prefix.bytes().all(|b| b == b' '))
                    && file.get(indent..) == Some(line)
            }
        };
        let exact = self.value.lines().all(|line| file_lines.next().is_some_and(|file| same(file, line)));
        if exact { Place::Shifted { lines: self.line.saturating_sub(1), columns: indent } } else { inside }
    }
}

/// The document that is images_digests, or the one ConfigMap that holds it, each document
/// parsed by `load` and dropped once its ConfigMap, if any, is taken. A lone document without `kind` and `apiVersion` is images_digests itself;
/// among several, every document must be a Kubernetes object, as for kubectl.
pub(super) fn find<'t>(
    documents: &[Document<'t>],
    load: impl Fn(&str, &Place) -> Result<Node, Vec<Problem>>,
) -> Result<Found<'t>, Vec<Problem>> {
    let mut found = Vec::new();
    let mut others = Others::default();
    // As kubectl, the first document that cannot be read stops the reading.
    for document in documents {
        let place = Place::Shifted { lines: document.first_line - 1, columns: 0 };
        let root = load(document.text, &place)?;
        let Some(object) = root.as_mapping().filter(|root| is_object(root)) else {
            if documents.len() == 1 {
                return Ok(Found::Document { root, place });
            }
            return Err(vec![problem(
                line(root.span(), &place),
                "this document is not a Kubernetes object (it has no kind): in a file of several documents, \
                 images_digests is read from the ConfigMap whose data.images_digests holds it"
                    .to_owned(),
            )]);
        };
        let mut objects = Objects { document: document.text, place: &place, found: &mut found, others: &mut others };
        objects.collect(object).map_err(|problem| vec![problem])?;
    }
    match found.len() {
        1 => Ok(Found::ConfigMap(found.remove(0))),
        0 => Err(vec![problem(
            None,
            format!(
                "found no ConfigMap with data.{DATA_KEY}: the input holds {}; pass the installer's images_digests.yml, \
                 or the ConfigMap whose data.{DATA_KEY} holds it",
                others.listed()
            ),
        )]),
        several => {
            let mut names = Others::default();
            for embedded in &found {
                names.push(format!("{} (line {})", embedded.name, embedded.line));
            }
            Err(vec![problem(
                Some(found[1].line),
                format!(
                    "{several} ConfigMaps hold data.{DATA_KEY}: {}; pass a file that holds only the one to use",
                    names.listed()
                ),
            )])
        }
    }
}

/// Kubernetes objects have a kind and an apiVersion, and images_digests' components are
/// mappings, so one string-valued key of the two tells them apart; an installer's file with a
/// stray `kind:` next to its `images_digests:` key stays the installer's file.
fn is_object(root: &MarkedMappingNode) -> bool {
    (root.get_scalar("kind").is_some() || root.get_scalar("apiVersion").is_some()) && root.get_node(DATA_KEY).is_none()
}

/// The objects of one document, sorted into ConfigMaps with the key and the rest.
struct Objects<'a, 't> {
    document: &'t str,
    place: &'a Place,
    found: &'a mut Vec<Embedded<'t>>,
    others: &'a mut Others,
}

impl Objects<'_, '_> {
    /// `object` itself, or a List's items.
    fn collect(&mut self, object: &MarkedMappingNode) -> Result<(), Problem> {
        let kind = object.get_scalar("kind").map(|kind| kind.as_str());
        let name = object
            .get_mapping("metadata")
            .and_then(|metadata| metadata.get_scalar("name"))
            .map_or_else(|| "without a name".to_owned(), |name| printable(name));
        let at = line(object.span(), self.place).unwrap_or(0);
        if kind == Some("ConfigMap") {
            let data = object.get_mapping("data");
            match data.and_then(|data| data.get_node(DATA_KEY)) {
                Some(Node::Scalar(value)) => {
                    let start = value.span().start().map(|start| (start.line(), start.column()));
                    self.found.push(Embedded {
                        name,
                        value: value.as_str().to_owned(),
                        line: start.map_or(at, |(line, _)| self.place.line(line)),
                        start,
                        document: self.document,
                    });
                }
                Some(other) => {
                    return Err(problem(
                        line(other.span(), self.place),
                        format!(
                            "data.{DATA_KEY} of ConfigMap {name} must be a string, found {}: ConfigMap data holds \
                             strings, so write it as a block (`{DATA_KEY}: |`) with images_digests indented below",
                            kind_of(other)
                        ),
                    ));
                }
                None => {
                    let keys: Vec<String> = data.into_iter().flat_map(|d| d.keys()).map(|k| printable(k)).collect();
                    self.others.push(if keys.is_empty() {
                        format!("ConfigMap {name} (line {at}) without data")
                    } else {
                        format!("ConfigMap {name} (line {at}), whose data holds {} but not {DATA_KEY}", keys.join(", "))
                    });
                }
            }
        } else if let Some(items) = object.get_sequence("items") {
            // A List, as `kubectl get -o yaml` prints several objects.
            if items.is_empty() {
                self.others.push(format!("an empty {} (line {at})", printable(kind.unwrap_or("List"))));
            }
            for item in items.iter().filter_map(Node::as_mapping) {
                self.collect(item)?;
            }
        } else {
            let kind = kind.map_or_else(|| "an object without a kind".to_owned(), printable);
            self.others.push(format!("{kind} {name} (line {at})"));
        }
        Ok(())
    }
}

/// The first few of many things, for a message, and how many more there were.
#[derive(Default)]
struct Others {
    listed: Vec<String>,
    more: usize,
}

impl Others {
    fn push(&mut self, what: String) {
        if self.listed.len() < LISTED {
            self.listed.push(what);
        } else {
            self.more += 1;
        }
    }

    fn listed(&self) -> String {
        match (self.listed.is_empty(), self.more) {
            (true, _) => "no objects".to_owned(),
            (false, 0) => self.listed.join("; "),
            (false, more) => format!("{}; and {more} more", self.listed.join("; ")),
        }
    }
}

fn line(span: &Span, place: &Place) -> Option<usize> {
    span.start().map(|start| place.line(start.line()))
}

fn problem(line: Option<usize>, message: String) -> Problem {
    Problem { line, column: None, entry: None, message }
}

#[cfg(test)]
mod tests {
    use crate::digests::parse;
    use crate::problem::Problem;

    const DIGEST: &str = "sha256:75fc37d6372cc22410bdd6ad0191a8dfeababef2a7d8d585694f21b73c2bb3d6";

    /// images_digests in the ConfigMap string's shape, indented by `indent`.
    fn string(indent: &str, tag: &str) -> String {
        ["# Copyright 2024 New Vector Ltd", "synapse:", "  haproxy:", &format!("    image_digest: {DIGEST}")]
            .into_iter()
            .chain(["    image_repository_path: library/haproxy", "    image_repository_server: docker.io"])
            .chain([format!("    image_tag: {tag}").as_str()])
            .map(|line| format!("{indent}{line}\n"))
            .collect()
    }

    fn configmap(name: &str, tag: &str) -> String {
        format!(
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\n  namespace: element-onprem\ndata:\n  images_digests: |\n{}",
            string("    ", tag)
        )
    }

    fn problems(text: &str) -> Vec<Problem> {
        parse(text.as_bytes()).unwrap_err()
    }

    #[test]
    fn a_configmap_manifest_is_read_from_its_block_with_the_files_lines() {
        let parsed = parse(configmap("ess-images-digests", "2.8-alpine").as_bytes()).unwrap();
        assert_eq!(parsed.entries.len(), 1);
        assert_eq!(parsed.entries[0].line, 10, "the line of haproxy in the file, not in the string");
        assert_eq!(parsed.origin.as_deref(), Some("data.images_digests of ConfigMap ess-images-digests (line 8)"));

        let problem = &problems(&configmap("ess-images-digests", "-bad"))[0];
        assert_eq!((problem.line, problem.column), (Some(14), Some(20)), "{problem}");
        assert_eq!(problem.entry.as_deref(), Some("synapse/haproxy"));
    }

    #[test]
    fn a_quoted_string_is_placed_inside_the_string() {
        let quoted = format!(
            "{{\"apiVersion\": \"v1\", \"kind\": \"ConfigMap\", \"metadata\": {{\"name\": \"cm\"}},\n \"data\": {{\"images_digests\": {:?}}}}}\n",
            string("", "-bad")
        );
        let problem = problems(&quoted)[0].to_string();
        let place = "line 2: in data.images_digests of ConfigMap cm, line 7 of the string, column 16: synapse/haproxy:";
        assert!(problem.starts_with(&format!("{place} image_tag \"-bad\" is not a valid tag")), "{problem}");
        assert_eq!(parse(quoted.replace("-bad", "v1").as_bytes()).unwrap().entries.len(), 1);
    }

    #[test]
    fn one_configmap_is_taken_from_a_list_or_from_several_documents() {
        let item = |name: &str| format!("- {}", configmap(name, "v1").replace('\n', "\n  ").trim_end());
        let list = format!(
            "apiVersion: v1\nitems:\n{}\n- apiVersion: v1\n  kind: Secret\n  metadata:\n    name: s\nkind: List\nmetadata:\n  resourceVersion: \"\"\n",
            item("one")
        );
        let parsed = parse(list.as_bytes()).unwrap();
        assert_eq!(parsed.origin.as_deref(), Some("data.images_digests of ConfigMap one (line 10)"));
        assert_eq!(parsed.entries[0].line, 12);

        let two =
            list.replace("- apiVersion: v1\n  kind: Secret\n  metadata:\n    name: s\n", &format!("{}\n", item("two")));
        let problem = &problems(&two)[0];
        assert!(
            problem.message.starts_with("2 ConfigMaps hold data.images_digests: one (line 10); two (line 24)"),
            "{problem}"
        );

        let documents = format!(
            "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: element-onprem\n---\n{}",
            configmap("cm", "v1")
        );
        assert_eq!(parse(documents.as_bytes()).unwrap().entries[0].line, 15);
        let none = documents.replace("images_digests: |", "other: |");
        let problem = problems(&none)[0].to_string();
        assert!(
            problem.starts_with("found no ConfigMap with data.images_digests: the input holds Namespace element-onprem (line 1); ConfigMap cm (line 6), whose data holds other but not images_digests;"),
            "{problem}"
        );
        let stray = format!("{documents}---\nimages_digests: {{}}\n");
        assert!(problems(&stray)[0].to_string().starts_with("line 21: this document is not a Kubernetes object"));
    }

    #[test]
    fn documents_are_split_as_kubectl_splits_them() {
        let entry = format!(
            "    haproxy:\n      image_digest: {DIGEST}\n      image_repository_path: p\n      image_repository_server: docker.io\n"
        );
        let leading = format!("--- # the installer's file\nimages_digests:\n  synapse:\n{entry}");
        let problem = problems(&leading)[0].to_string();
        assert_eq!(problem, "line 4, column 5: synapse/haproxy: missing field image_tag");
        assert_eq!(problems("a: b\n--- c: d\n")[0].line, Some(2));
        let dots = problems("a: b\n...\nc: d\n")[0].to_string();
        assert!(dots.starts_with("line 3: a second YAML document starts here"), "{dots}");
        assert!(problems("---\n# nothing\n---\n")[0].message.contains("the input is empty"));
        let stray = parse(format!("kind: notes\nimages_digests:\n  synapse:\n{entry}      image_tag: v1\n").as_bytes());
        assert_eq!(stray.unwrap().warnings, ["line 1: ignored the top-level key \"kind\" next to images_digests"]);
        let many = problems(&"kind: A\n---\n".repeat(10_001))[0].to_string();
        assert!(many.starts_with("line 20001: the input holds more than 10000 YAML documents"), "{many}");
    }

    #[test]
    fn what_is_not_a_usable_configmap_is_named() {
        let mapping = "kind: ConfigMap\nmetadata:\n  name: cm\ndata:\n  images_digests:\n    synapse: {}\n";
        let problem = problems(mapping)[0].to_string();
        assert!(
            problem.starts_with("line 6: data.images_digests of ConfigMap cm must be a string, found a mapping"),
            "{problem}"
        );
        let empty = "kind: ConfigMap\nmetadata:\n  name: cm\ndata:\n  images_digests: |\n    # only this\n";
        assert!(problems(empty)[0].to_string().contains("holds no images_digests: it is empty or only comments"));
        // Written for the Operator, without tags: read, each image known by its digest.
        let untagged = configmap("cm", "v1").replace("        image_tag: v1\n", "");
        let parsed = super::super::parse(untagged.as_bytes()).unwrap();
        assert!(parsed.entries.iter().all(|e| e.tag.is_none()));
        assert!(parsed.warnings.iter().any(|w| w.contains("checked by its digest alone")), "{:?}", parsed.warnings);
    }
}
