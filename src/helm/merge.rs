//! Values laid over values as Helm lays them, so that the images checked are the ones that will
//! run. Helm's `-f` files merge with `mergeMaps` (pkg/cli/values): maps merge key by key, later
//! files win, and anything else (lists included) is replaced whole, `null` too. The result then
//! goes over the chart's values with `CoalesceValues` (pkg/chartutil): the user's values win, maps
//! merge deeply, and a user's `null` deletes the chart's key.

use serde_yaml::{Mapping, Value};

/// The `-f` files, first to last, merged into the user's values.
pub fn user_values(files: impl IntoIterator<Item = Mapping>) -> Mapping {
    files.into_iter().fold(Mapping::new(), merge_maps)
}

fn merge_maps(mut base: Mapping, over: Mapping) -> Mapping {
    for (key, value) in over {
        match (base.get_mut(&key), value) {
            (Some(Value::Mapping(mine)), Value::Mapping(theirs)) => {
                let merged = merge_maps(std::mem::take(mine), theirs);
                *mine = merged;
            }
            (_, value) => {
                base.insert(key, value);
            }
        }
    }
    base
}

/// The user's values over the chart's. Keys come in the chart's order, then the user's own; a
/// user's `null` over a chart's key removes it, and a `null` the chart does not have stays.
pub fn coalesce(user: Mapping, chart: &Mapping) -> Mapping {
    let mut user = user;
    let mut out = Mapping::with_capacity(chart.len() + user.len());
    for (key, theirs) in chart {
        match user.remove(key) {
            None => {
                out.insert(key.clone(), theirs.clone());
            }
            Some(Value::Null) => {}
            Some(Value::Mapping(mine)) => {
                let merged = match theirs {
                    Value::Mapping(theirs) => coalesce(mine, theirs),
                    _ => mine,
                };
                out.insert(key.clone(), Value::Mapping(merged));
            }
            // A scalar or a list wins, even over a chart's table (Helm warns and keeps it).
            Some(mine) => {
                out.insert(key.clone(), mine);
            }
        }
    }
    out.extend(user);
    out
}

/// The value at `keys`, if every step is a mapping that has it.
pub fn lookup<'a>(values: &'a Mapping, keys: &[String]) -> Option<&'a Value> {
    let (first, rest) = keys.split_first()?;
    let value = values.get(first.as_str())?;
    match (rest.is_empty(), value) {
        (true, value) => Some(value),
        (false, Value::Mapping(inner)) => lookup(inner, rest),
        (false, _) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn yaml(text: &str) -> Mapping {
        serde_yaml::from_str(text).unwrap()
    }

    const CHART: &str = "image:\n  pullSecrets: []\nsynapse:\n  enabled: true\n  image:\n    registry: ghcr.io\n    repository: element-hq/synapse\n    tag: v1.0\n    digest: sha256:aa\n  workers: {a: 1}\n";

    #[test]
    fn later_files_win_maps_merge_and_lists_are_replaced() {
        let user = user_values([
            yaml("synapse:\n  image:\n    tag: v1.1\n    pullSecrets: [{name: a}]\n  extra: 1\n"),
            yaml("synapse:\n  image:\n    pullSecrets: [{name: b}]\n    digest: null\n"),
        ]);
        assert_eq!(
            user,
            yaml("synapse:\n  image:\n    tag: v1.1\n    pullSecrets: [{name: b}]\n    digest: null\n  extra: 1\n")
        );
        let merged = coalesce(user, &yaml(CHART));
        let image = &merged["synapse"]["image"];
        assert_eq!(image["tag"], Value::from("v1.1"));
        assert!(image.get("digest").is_none(), "null deletes the chart's digest: {image:?}");
        assert_eq!(image["registry"], Value::from("ghcr.io"));
        assert_eq!(merged["synapse"]["extra"], Value::from(1));
        let keys: Vec<_> = merged["synapse"].as_mapping().unwrap().keys().filter_map(Value::as_str).collect();
        assert_eq!(keys, ["enabled", "image", "workers", "extra"], "the chart's order, then the user's keys");
    }

    #[test]
    fn the_user_wins_over_a_table_and_a_null_the_chart_lacks_stays() {
        let merged = coalesce(yaml("synapse:\n  workers: none\n  newKey: null\nimage: null\n"), &yaml(CHART));
        assert_eq!(merged["synapse"]["workers"], Value::from("none"));
        assert_eq!(merged["synapse"]["newKey"], Value::Null);
        assert!(merged.get("image").is_none());
        let keys = ["synapse".to_owned(), "image".to_owned(), "repository".to_owned()];
        assert_eq!(lookup(&merged, &keys), Some(&Value::from("element-hq/synapse")));
        assert_eq!(lookup(&merged, &keys[..1]).map(Value::is_mapping), Some(true));
        assert_eq!(lookup(&merged, &["nothing".to_owned()]), None);
    }
}
