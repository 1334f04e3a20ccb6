//! How an images_digests input differs from the live ConfigMap, entry by entry (matched by
//! `component/sub`): what `status` reports as drift, and what `plan` shows a new release
//! changes. Pure.

use crate::digests::{Entry, LiveEntry};
use crate::mapping::Mapping;
use crate::plan::MismatchPolicy;
use crate::reference::Digest;
use serde::Serialize;

/// What happens to one entry when the input replaces the live ConfigMap.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Change {
    Unchanged,
    /// The input pins another digest (a new release of the image).
    NewDigest,
    /// Same digest, another path or registry: the mapping differs.
    Moved,
    /// In the input, not in the ConfigMap: it still pulls from upstream.
    Added,
    /// In the ConfigMap, not in the input any more.
    Removed,
}

impl Change {
    pub fn as_str(self) -> &'static str {
        match self {
            Change::Unchanged => "unchanged",
            Change::NewDigest => "new digest",
            Change::Moved => "moved",
            Change::Added => "added",
            Change::Removed => "removed",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EntryChange {
    /// `component/sub`.
    pub entry: String,
    pub change: Change,
    /// What the live ConfigMap pins (None: no digest, or not in it).
    pub live_digest: Option<Digest>,
    /// What the input pins (None: removed).
    pub input_digest: Option<Digest>,
    /// `server/path` the ConfigMap points at and the one the mapping gives, where they differ.
    pub live_path: Option<String>,
    pub mapped_path: Option<String>,
}

/// Every entry of `input` in its order, then the live entries it no longer has. Paths are
/// compared only under a known `mapping`; digests under `policy` (with `use-local` the live
/// digest may differ, with `drop` it may be absent).
pub fn compare(
    input: &[Entry],
    live: &[LiveEntry],
    mapping: Option<&Mapping>,
    policy: MismatchPolicy,
) -> Vec<EntryChange> {
    let same_entry =
        |entry: &Entry, current: &LiveEntry| current.component == entry.component && current.sub == entry.sub;
    let mut changes: Vec<EntryChange> = input
        .iter()
        .map(|entry| {
            let current = live.iter().find(|current| same_entry(entry, current));
            let mut change = EntryChange {
                entry: entry.name(),
                change: Change::Added,
                live_digest: current.and_then(|c| c.digest.clone()),
                input_digest: Some(entry.digest.clone()),
                live_path: None,
                mapped_path: None,
            };
            let Some(current) = current else { return change };
            if let Some(mapping) = mapping {
                let target = mapping.target_path(&entry.server, &entry.path);
                if current.server != mapping.registry || current.path != target {
                    change.live_path = Some(format!("{}/{}", current.server, current.path));
                    change.mapped_path = Some(format!("{}/{target}", mapping.registry));
                }
            }
            let digest_holds = match (&current.digest, policy) {
                (Some(digest), _) => digest == &entry.digest || policy == MismatchPolicy::UseLocal,
                (None, policy) => policy == MismatchPolicy::Drop,
            };
            change.change = match (digest_holds, change.live_path.is_some()) {
                (false, _) => Change::NewDigest,
                (true, true) => Change::Moved,
                (true, false) => Change::Unchanged,
            };
            change
        })
        .collect();
    for current in live.iter().filter(|current| !input.iter().any(|entry| same_entry(entry, current))) {
        changes.push(EntryChange {
            entry: current.name(),
            change: Change::Removed,
            live_digest: current.digest.clone(),
            input_digest: None,
            live_path: None,
            mapped_path: None,
        });
    }
    changes
}

impl EntryChange {
    /// What differs, one line for a person each (none for an unchanged entry).
    pub fn describe(&self) -> Vec<String> {
        let name = &self.entry;
        let mut lines = Vec::new();
        match self.change {
            Change::Added => lines.push(format!(
                "{name} is in the installer's file but not in the ConfigMap: it still pulls from upstream"
            )),
            Change::Removed => lines.push(format!("{name} is in the ConfigMap but no longer in the installer's file")),
            Change::NewDigest => lines.push(match (&self.live_digest, &self.input_digest) {
                (Some(live), Some(input)) => format!(
                    "{name}: the ConfigMap pins {}, the file pins {} (a new installer release)",
                    live.short(),
                    input.short()
                ),
                (_, input) => format!(
                    "{name}: the ConfigMap pins no digest, the file pins {}",
                    input.as_ref().map_or("none", |d| d.short())
                ),
            }),
            Change::Moved | Change::Unchanged => {}
        }
        if let (Some(live), Some(mapped)) = (&self.live_path, &self.mapped_path) {
            lines.push(format!("{name}: the ConfigMap points at {live}, the file maps it to {mapped}"));
        }
        lines
    }
}

/// The drift `status` reports: a line for a mapping `given` by flags that differs from the one
/// the ConfigMap was `recorded` with (once, rather than a path per entry), then each change.
pub fn lines(changes: &[EntryChange], recorded: Option<&Mapping>, given: Option<&Mapping>) -> Vec<String> {
    let mapping = match (recorded, given) {
        (Some(recorded), Some(given)) if recorded != given => Some(format!(
            "the ConfigMap was applied with {recorded}, the flags map to {given}: apply with these flags would point \
             every entry elsewhere"
        )),
        _ => None,
    };
    mapping.into_iter().chain(changes.iter().flat_map(EntryChange::describe)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::digests::{parse, parse_live};
    use crate::mapping::Layout;
    use crate::reference::{RegistryHost, RepoPath};

    const UPSTREAM: &str = "images_digests:\n  synapse:\n    haproxy:\n      image_digest: sha256:75fc37d6372cc22410bdd6ad0191a8dfeababef2a7d8d585694f21b73c2bb3d6\n      image_repository_path: library/haproxy\n      image_repository_server: docker.io\n      image_tag: 2.8\n    redis:\n      image_digest: sha256:f786a9a04e0a87bbf4e704d8fb99dbc1b2e36ed738ee7d8dfdedc9e4624a8d02\n      image_repository_path: library/redis\n      image_repository_server: docker.io\n      image_tag: 7.2\n";
    const LIVE: &str = "synapse:\n  haproxy:\n    image_digest: sha256:0000000000000000000000000000000000000000000000000000000000000000\n    image_repository_path: ess/library/haproxy\n    image_repository_server: reg.local\n  hydrogen:\n    image_repository_path: ess/hydrogen\n    image_repository_server: reg.local\n";

    fn mapping(prefix: &str) -> Mapping {
        Mapping {
            registry: RegistryHost::parse("reg.local").unwrap(),
            prefix: Some(RepoPath::parse(prefix).unwrap()),
            layout: Layout::Preserve,
            rules: vec![],
        }
    }

    #[test]
    fn new_digests_added_and_removed_entries_each_say_what_they_are() {
        let upstream = parse(UPSTREAM.as_bytes()).unwrap().entries;
        let live = parse_live(LIVE.as_bytes()).unwrap();
        let changes = compare(&upstream, &live, Some(&mapping("ess")), MismatchPolicy::Fail);
        let kinds: Vec<_> = changes.iter().map(|c| (c.entry.as_str(), c.change)).collect();
        assert_eq!(
            kinds,
            [
                ("synapse/haproxy", Change::NewDigest),
                ("synapse/redis", Change::Added),
                ("synapse/hydrogen", Change::Removed)
            ]
        );
        let lines: Vec<String> = changes.iter().flat_map(EntryChange::describe).collect();
        assert_eq!(lines.len(), 3, "{lines:#?}");
        assert!(
            lines[0].starts_with(
                "synapse/haproxy: the ConfigMap pins sha256:000000000000, the file pins sha256:75fc37d6372c"
            )
        );
        assert!(lines[1].starts_with("synapse/redis is in the installer's file but not in the ConfigMap"));
        assert!(lines[2].starts_with("synapse/hydrogen is in the ConfigMap but no longer"));
        let accepted = compare(&upstream, &live, None, MismatchPolicy::UseLocal);
        assert_eq!(accepted[0].change, Change::Unchanged, "use-local accepts the local digest");
    }

    #[test]
    fn paths_are_compared_only_under_a_known_mapping() {
        let upstream = parse(UPSTREAM.as_bytes()).unwrap().entries;
        let live = parse_live(
            LIVE.replace(
                "0000000000000000000000000000000000000000000000000000000000000000",
                "75fc37d6372cc22410bdd6ad0191a8dfeababef2a7d8d585694f21b73c2bb3d6",
            )
            .as_bytes(),
        )
        .unwrap();
        assert_eq!(compare(&upstream, &live, None, MismatchPolicy::Fail)[0].change, Change::Unchanged);
        let moved = &compare(&upstream, &live, Some(&mapping("mirror")), MismatchPolicy::Fail)[0];
        assert_eq!(moved.change, Change::Moved);
        assert_eq!(
            moved.describe(),
            [
                "synapse/haproxy: the ConfigMap points at reg.local/ess/library/haproxy, the file maps it to reg.local/mirror/library/haproxy"
            ]
        );
    }
}
