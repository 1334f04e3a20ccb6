//! The documentation stays true to the code.
//!
//! - The flag tables of `docs/flags.md`, each between `<!-- flags:NAME -->` and
//!   `<!-- /flags:NAME -->`, are generated from the CLI's definition (clap's `Command`, the one
//!   `--help` prints from): `global` for the top level, then one per command. The test fails with
//!   a diff when a table differs; with `ESSREGISTRY_UPDATE_DOCS=1` it rewrites the tables in place
//!   instead (and adds the block of a new command at the end of the page).
//! - Every relative link of README.md and `docs/*.md` names a file that exists (and a heading of
//!   it, for `#anchor` links), and README.md links to every page under `docs/`.

use clap::{Arg, ArgAction, Command, CommandFactory};
use kubectl_essregistry::cli::Cli;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");
const UPDATE: &str = "ESSREGISTRY_UPDATE_DOCS";
/// The block of the top-level command: its own flags and the global ones.
const GLOBAL: &str = "global";

fn flags_md() -> PathBuf {
    Path::new(ROOT).join("docs/flags.md")
}

/// Every table `docs/flags.md` must hold, by block name, in the order of `--help`.
fn expected_blocks() -> Vec<(String, String)> {
    let mut root = Cli::command();
    root.build();
    let globals: BTreeSet<String> =
        root.get_arguments().filter(|a| a.is_global_set()).map(|a| a.get_id().to_string()).collect();
    let mut blocks = vec![(GLOBAL.to_owned(), table(&root, &BTreeSet::new(), &root))];
    for sub in root.get_subcommands().filter(|s| !s.is_hide_set() && s.get_name() != "help") {
        blocks.push((sub.get_name().to_owned(), table(sub, &globals, &root)));
    }
    blocks
}

/// The flags of `command` as Markdown: one table per help heading, in the order of `--help`. `globals` (the top level's global flags, which clap copies into every command)
/// are left out: they are in the `global` block.
fn table(command: &Command, globals: &BTreeSet<String>, root: &Command) -> String {
    let mut groups: Vec<(String, Vec<&Arg>)> = Vec::new();
    let mut required_globals = Vec::new();
    for arg in command.get_arguments().filter(|a| !a.is_hide_set()) {
        let id = arg.get_id().as_str();
        if globals.contains(id) {
            // A global flag that this command requires (and the top level does not) is named.
            let required_at_top = root.get_arguments().any(|a| a.get_id() == id && a.is_required_set());
            if arg.is_required_set() && !required_at_top {
                required_globals.push(format!("`{}`", flag_names(arg)));
            }
            continue;
        }
        let heading = if arg.is_positional() { "Arguments" } else { arg.get_help_heading().unwrap_or("Options") };
        match groups.iter_mut().find(|(name, _)| name == heading) {
            Some((_, args)) => args.push(arg),
            None => groups.push((heading.to_owned(), vec![arg])),
        }
    }
    // As --help orders them: the arguments, the untitled options, then each heading.
    groups.sort_by_key(|(heading, _)| match heading.as_str() {
        "Arguments" => 0,
        "Options" => 1,
        _ => 2,
    });
    let mut out = String::new();
    for (heading, args) in &mut groups {
        args.sort_by_key(|arg| sort_key(arg));
        out.push_str(&format!("**{heading}**\n\n| flag | value | default | meaning |\n| --- | --- | --- | --- |\n"));
        for arg in args.iter() {
            out.push_str(&row(arg));
            out.push('\n');
        }
        out.push('\n');
    }
    if command.get_name() != root.get_name() {
        out.push_str("And every [global flag](#global-flags), before or after the command.\n");
        if !required_globals.is_empty() {
            out.push_str(&format!("Required here: {}.\n", required_globals.join(", ")));
        }
    }
    out.trim_end().to_owned() + "\n"
}

/// Where `--help` puts an argument within its heading: positionals by position, the others by
/// display order, then by short flag (lower case first), long flag or name.
fn sort_key(arg: &Arg) -> (usize, usize, String) {
    if arg.is_positional() {
        return (0, arg.get_index().unwrap_or_default(), String::new());
    }
    let name = match (arg.get_short(), arg.get_long()) {
        (Some(short), _) => {
            format!("{}{}", short.to_ascii_lowercase(), if short.is_ascii_lowercase() { '0' } else { '1' })
        }
        (None, Some(long)) => long.to_owned(),
        (None, None) => format!("{{{}", arg.get_id()),
    };
    (1, arg.get_display_order(), name)
}

/// `-f, --digests`, or `<SHELL>` for a positional argument.
fn flag_names(arg: &Arg) -> String {
    let mut names = Vec::new();
    if let Some(short) = arg.get_short() {
        names.push(format!("-{short}"));
    }
    for short in arg.get_visible_short_aliases().unwrap_or_default() {
        names.push(format!("-{short}"));
    }
    if let Some(long) = arg.get_long() {
        names.push(format!("--{long}"));
    }
    for long in arg.get_visible_aliases().unwrap_or_default() {
        names.push(format!("--{long}"));
    }
    if names.is_empty() {
        names.push(value_names(arg));
    }
    names.join(", ")
}

/// `<FILE>`, as `--help` shows what a flag takes.
fn value_names(arg: &Arg) -> String {
    match arg.get_value_names() {
        Some(names) => names.iter().map(|n| format!("<{n}>")).collect::<Vec<_>>().join(" "),
        None => format!("<{}>", arg.get_id().as_str().to_uppercase()),
    }
}

fn row(arg: &Arg) -> String {
    let takes_value = arg.get_action().takes_values();
    let flag = format!("`{}`", flag_names(arg));
    let mut value = if takes_value && !arg.is_positional() { format!("`{}`", value_names(arg)) } else { String::new() };
    if matches!(arg.get_action(), ArgAction::Append) {
        value.push_str(if value.is_empty() { "(repeatable)" } else { " (repeatable)" });
    }
    let mut default = Vec::new();
    if arg.is_required_set() {
        default.push("required".to_owned());
    }
    let defaults: Vec<String> = arg.get_default_values().iter().map(|v| v.to_string_lossy().into_owned()).collect();
    if takes_value && !defaults.is_empty() && !arg.is_hide_default_value_set() {
        default.push(format!("`{}`", defaults.join(",")));
    }
    if let Some(env) = arg.get_env().filter(|_| !arg.is_hide_env_set()) {
        default.push(format!("env `{}`", env.to_string_lossy()));
    }
    let help = arg.get_long_help().or_else(|| arg.get_help()).map(ToString::to_string).unwrap_or_default();
    let mut meaning = escape(&help);
    let values: Vec<String> = arg
        .get_possible_values()
        .iter()
        .filter(|v| !v.is_hide_set())
        .map(|v| match v.get_help() {
            Some(help) => format!("`{}`: {}", v.get_name(), escape(&help.to_string())),
            None => format!("`{}`", v.get_name()),
        })
        .collect();
    // A switch's possible values (true, false) say nothing.
    if takes_value && !values.is_empty() {
        if !meaning.is_empty() {
            meaning.push_str(". ");
        }
        meaning.push_str("One of: ");
        meaning.push_str(&values.join("; "));
    }
    format!("| {flag} | {value} | {} | {meaning} |", default.join(", "))
}

/// Help text as one table cell: on one line, with what Markdown would read as markup escaped.
fn escape(text: &str) -> String {
    let mut out = String::new();
    for c in text.split_whitespace().collect::<Vec<_>>().join(" ").chars() {
        if matches!(c, '\\' | '|' | '*' | '<' | '>' | '`' | '~') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// One `<!-- flags:NAME -->` block of the page: where its content starts and ends.
struct Block {
    name: String,
    start: usize,
    end: usize,
}

fn blocks_in(text: &str) -> Result<Vec<Block>, String> {
    let mut blocks = Vec::new();
    let mut rest = 0;
    while let Some(found) = text[rest..].find("<!-- flags:") {
        let open = rest + found;
        let name_start = open + "<!-- flags:".len();
        let name_end =
            text[name_start..].find(" -->").map(|i| name_start + i).ok_or("an unclosed <!-- flags: marker")?;
        let name = text[name_start..name_end].to_owned();
        let start = name_end + " -->".len();
        let close = format!("<!-- /flags:{name} -->");
        let end =
            text[start..].find(&close).map(|i| start + i).ok_or(format!("<!-- flags:{name} --> has no {close}"))?;
        if blocks.iter().any(|b: &Block| b.name == name) {
            return Err(format!("the block flags:{name} is there twice"));
        }
        blocks.push(Block { name, start, end });
        rest = end + close.len();
    }
    Ok(blocks)
}

#[test]
fn the_flag_tables_in_docs_are_what_help_prints() {
    let path = flags_md();
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    let blocks = blocks_in(&text).unwrap_or_else(|e| panic!("docs/flags.md: {e}"));
    let expected = expected_blocks();
    let update = std::env::var(UPDATE).is_ok_and(|v| v == "1");

    let stale: Vec<&str> =
        blocks.iter().filter(|b| !expected.iter().any(|(n, _)| *n == b.name)).map(|b| b.name.as_str()).collect();
    assert!(
        stale.is_empty(),
        "docs/flags.md has tables for commands the CLI no longer has: {}; remove those blocks and their sections",
        stale.join(", ")
    );

    let mut updated = text.clone();
    let mut diffs = Vec::new();
    // From the last block back, so that the offsets of the earlier ones hold.
    for block in blocks.iter().rev() {
        let want = &expected.iter().find(|(n, _)| *n == block.name).expect("not stale").1;
        let want = format!("\n{want}");
        let have = &text[block.start..block.end];
        if have != want {
            let diff = similar::TextDiff::from_lines(have, want.as_str())
                .unified_diff()
                .header(&format!("docs/flags.md flags:{}", block.name), &format!("--help of {}", block.name))
                .to_string();
            diffs.insert(0, diff);
            updated.replace_range(block.start..block.end, &want);
        }
    }
    let missing: Vec<&(String, String)> =
        expected.iter().filter(|(n, _)| !blocks.iter().any(|b| b.name == *n)).collect();
    for (name, table) in &missing {
        updated.push_str(&format!(
            "\n## `kubectl essregistry {name}`\n\n<!-- flags:{name} -->\n{table}<!-- /flags:{name} -->\n"
        ));
    }
    if updated == text {
        return;
    }
    if update {
        std::fs::write(&path, &updated).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
        eprintln!("{UPDATE}=1: rewrote the flag tables of docs/flags.md");
        return;
    }
    let missing: Vec<&str> = missing.iter().map(|(n, _)| n.as_str()).collect();
    panic!(
        "docs/flags.md is not what --help prints.\n{}{}\nRewrite the tables with: {UPDATE}=1 cargo test --test docs",
        if missing.is_empty() { String::new() } else { format!("No table for: {}\n", missing.join(", ")) },
        diffs.join("\n"),
    );
}

/// The relative links of a Markdown text, `[text](target)`, outside code blocks and spans.
fn links(text: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut fenced = false;
    for line in text.lines() {
        if line.trim_start().starts_with("```") {
            fenced = !fenced;
            continue;
        }
        if fenced {
            continue;
        }
        // Code spans are left out: what is between backticks is not a link.
        let outside: String = line.split('`').step_by(2).collect::<Vec<_>>().join(" ");
        let mut rest = outside.as_str();
        while let Some(i) = rest.find("](") {
            let after = &rest[i + 2..];
            let Some(end) = after.find(')') else { break };
            let target = after[..end].trim().to_owned();
            if !target.contains("://") && !target.starts_with("mailto:") {
                found.push(target);
            }
            rest = &after[end..];
        }
    }
    found
}

/// The anchors GitHub gives the headings of a Markdown text.
fn anchors(text: &str) -> BTreeSet<String> {
    let mut seen = BTreeSet::new();
    let mut fenced = false;
    for line in text.lines() {
        if line.trim_start().starts_with("```") {
            fenced = !fenced;
        }
        if fenced || !line.starts_with('#') {
            continue;
        }
        let title = line.trim_start_matches('#').trim();
        let slug: String = title
            .to_lowercase()
            .chars()
            .filter(|c| c.is_alphanumeric() || *c == ' ' || *c == '-' || *c == '_')
            .map(|c| if c == ' ' { '-' } else { c })
            .collect();
        let mut anchor = slug.clone();
        let mut n = 1;
        while seen.contains(&anchor) {
            anchor = format!("{slug}-{n}");
            n += 1;
        }
        seen.insert(anchor);
    }
    seen
}

fn pages() -> Vec<PathBuf> {
    let mut pages: Vec<PathBuf> = std::fs::read_dir(Path::new(ROOT).join("docs"))
        .expect("docs/")
        .map(|e| e.expect("docs/ entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .collect();
    pages.sort();
    pages
}

#[test]
fn every_link_of_the_readme_and_the_docs_names_a_file_and_heading_that_exist() {
    let readme = Path::new(ROOT).join("README.md");
    let mut broken = Vec::new();
    for page in std::iter::once(readme.clone()).chain(pages()) {
        let text = std::fs::read_to_string(&page).expect("read a page");
        let name = page.strip_prefix(ROOT).unwrap_or(&page).display().to_string();
        for link in links(&text) {
            let (file, anchor) = link.split_once('#').unwrap_or((&link, ""));
            let target = if file.is_empty() { page.clone() } else { page.parent().expect("a folder").join(file) };
            if !target.exists() {
                broken.push(format!("{name}: {link}: no such file"));
                continue;
            }
            let is_markdown = target.extension().is_some_and(|e| e == "md");
            if !anchor.is_empty() && is_markdown {
                let headings = anchors(&std::fs::read_to_string(&target).expect("read the linked page"));
                if !headings.contains(anchor) {
                    broken.push(format!("{name}: {link}: no heading #{anchor} there"));
                }
            }
        }
    }
    assert!(broken.is_empty(), "broken links:\n{}", broken.join("\n"));
}

#[test]
fn the_readme_links_to_every_page_of_the_docs() {
    let readme = std::fs::read_to_string(Path::new(ROOT).join("README.md")).expect("README.md");
    let linked: BTreeSet<String> =
        links(&readme).into_iter().map(|l| l.split('#').next().unwrap_or_default().to_owned()).collect();
    let unlinked: Vec<String> = pages()
        .iter()
        .map(|p| format!("docs/{}", p.file_name().expect("a file").to_string_lossy()))
        .filter(|p| !linked.contains(p))
        .collect();
    assert!(unlinked.is_empty(), "README.md does not link to: {}", unlinked.join(", "));
    assert!(linked.iter().any(|l| l.starts_with("docs/")), "README.md links to no page of docs/");
}

#[test]
fn the_link_checks_see_links_and_headings_as_github_does() {
    let text = "# Trust and proxies\n## `--chart` and `--values`\n```sh\n# not a heading [x](nope.md)\n```\n\
                See [flags](docs/flags.md#plan), `[not](a-link.md)` and [web](https://example.test/).\n## Trust and proxies\n";
    assert_eq!(links(text), ["docs/flags.md#plan"]);
    let anchors = anchors(text);
    for anchor in ["trust-and-proxies", "--chart-and---values", "trust-and-proxies-1"] {
        assert!(anchors.contains(anchor), "{anchor} in {anchors:?}");
    }
    assert_eq!(escape("a | b *c* <d>\n  e"), r"a \| b \*c\* \<d\> e");
}
