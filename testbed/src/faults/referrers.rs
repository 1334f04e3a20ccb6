//! A registry that serves the OCI 1.1 referrers API (distribution 3, Harbor 2.8+, zot, Quay
//! 3.12+), played in front of Debian's distribution 2.8, which serves none: a manifest `PUT`
//! carrying a `subject` is recorded and answered with `OCI-Subject` (distribution-spec 1.1,
//! "Pushing Manifests with Subject"), and `GET /v2/<name>/referrers/<digest>` answers an OCI
//! index of what was recorded for that digest, filtered by `artifactType` when asked
//! ("Listing Referrers"). Everything else reaches the registry unchanged.

use super::Shared;
use crate::images::sha256;
use hyper::body::Bytes;
use hyper::http::response::Parts;
use hyper::{Response, StatusCode};
use serde_json::{Value, json};

/// The referrers recorded for one repository and subject digest, as index entries.
pub(super) type Recorded = std::collections::HashMap<(String, String), Vec<Value>>;

/// `(name, digest, artifactType filter)` of `/v2/<name>/referrers/<digest>[?artifactType=T]`.
fn listing_of(path: &str) -> Option<(&str, &str, Option<&str>)> {
    let (path, query) = path.split_once('?').unwrap_or((path, ""));
    let (name, digest) = path.strip_prefix("/v2/")?.split_once("/referrers/")?;
    let filter = query.split('&').find_map(|pair| pair.strip_prefix("artifactType="));
    Some((name, digest, filter))
}

/// The listing for a referrers request, when the profile serves the API; None forwards.
pub(super) fn answer(shared: &Shared, method: &str, path: &str) -> Option<Response<Bytes>> {
    let (name, digest, filter) = listing_of(path).filter(|_| shared.quirks.referrers && method == "GET")?;
    let filter = filter.map(|t| t.replace("%2F", "/").replace("%2f", "/").replace("%2B", "+").replace("%2b", "+"));
    let state = shared.state.lock().expect("state");
    let listed = state.referrers.get(&(name.to_owned(), digest.to_owned())).cloned().unwrap_or_default();
    let manifests: Vec<Value> = listed
        .into_iter()
        .filter(|entry| filter.as_deref().is_none_or(|wanted| entry["artifactType"].as_str() == Some(wanted)))
        .collect();
    let index =
        json!({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json", "manifests": manifests});
    let mut response =
        Response::builder().status(StatusCode::OK).header("content-type", "application/vnd.oci.image.index.v1+json");
    if filter.is_some() {
        response = response.header("oci-filters-applied", "artifactType");
    }
    Some(response.body(Bytes::from(index.to_string())).expect("response"))
}

/// After the registry stored a manifest: one with a `subject` is recorded as its referrer, and
/// the answer says so with `OCI-Subject`.
pub(super) fn stored(shared: &Shared, method: &str, path: &str, body: &Bytes, parts: &mut Parts) {
    if !shared.quirks.referrers || method != "PUT" || parts.status != StatusCode::CREATED {
        return;
    }
    let Some(name) = path.strip_prefix("/v2/").and_then(|rest| rest.split_once("/manifests/")).map(|(name, _)| name)
    else {
        return;
    };
    let Ok(manifest) = serde_json::from_slice::<Value>(body) else { return };
    let Some(subject) = manifest["subject"]["digest"].as_str() else { return };
    let digest = sha256(body);
    let artifact_type = manifest["artifactType"].as_str().or(manifest["config"]["mediaType"].as_str());
    let mut entry = json!({"mediaType": manifest["mediaType"], "digest": digest, "size": body.len()});
    if let Some(artifact_type) = artifact_type {
        entry["artifactType"] = json!(artifact_type);
    }
    if let Some(annotations) = manifest.get("annotations") {
        entry["annotations"] = annotations.clone();
    }
    let mut state = shared.state.lock().expect("state");
    let listed = state.referrers.entry((name.to_owned(), subject.to_owned())).or_default();
    if !listed.iter().any(|old| old["digest"] == entry["digest"]) {
        listed.push(entry);
    }
    parts.headers.insert("oci-subject", subject.parse().expect("a digest is a header value"));
}

#[cfg(test)]
mod tests {
    #[test]
    fn reads_a_referrers_request_and_its_filter() {
        let listing = super::listing_of("/v2/a/b/referrers/sha256:ab?artifactType=x");
        assert_eq!(listing, Some(("a/b", "sha256:ab", Some("x"))));
        assert_eq!(super::listing_of("/v2/a/b/manifests/sha256:ab"), None);
    }
}
