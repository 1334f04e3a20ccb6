//! What the pods say: containers whose image does not come from the local registry, and
//! containers that cannot pull. Pure over the listed pods.

use k8s_openapi::api::core::v1::Pod;
use serde::Serialize;

/// One container that needs attention.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PodProblem {
    pub pod: String,
    pub container: String,
    pub image: String,
    /// `upstream`, or the waiting reason (`ErrImagePull`, `ImagePullBackOff`).
    pub problem: String,
}

const PULL_FAILURES: [&str; 2] = ["ErrImagePull", "ImagePullBackOff"];

pub fn pod_problems(pods: &[Pod], registry: &str) -> Vec<PodProblem> {
    let prefix = format!("{registry}/");
    let mut problems = Vec::new();
    for pod in pods {
        let pod_name = pod.metadata.name.clone().unwrap_or_default();
        let spec = pod.spec.as_ref();
        let containers = spec.iter().flat_map(|s| s.init_containers.iter().flatten().chain(&s.containers));
        for container in containers {
            let image = container.image.clone().unwrap_or_default();
            if !image.starts_with(&prefix) {
                problems.push(PodProblem {
                    pod: pod_name.clone(),
                    container: container.name.clone(),
                    image: image.clone(),
                    problem: "upstream".into(),
                });
            }
        }
        let status = pod.status.as_ref();
        let statuses = status
            .iter()
            .flat_map(|s| s.init_container_statuses.iter().flatten().chain(s.container_statuses.iter().flatten()));
        for container in statuses {
            let waiting = container.state.as_ref().and_then(|s| s.waiting.as_ref()).and_then(|w| w.reason.clone());
            if let Some(reason) = waiting.filter(|r| PULL_FAILURES.contains(&r.as_str())) {
                problems.push(PodProblem {
                    pod: pod_name.clone(),
                    container: container.name.clone(),
                    image: container.image.clone(),
                    problem: reason,
                });
            }
        }
    }
    problems
}

/// The images pods run from `registry`, as (repository, tag or digest): each container's image
/// (init containers too) and the digest its status says was pulled (`imageID`).
pub fn images_run(pods: &[Pod], registry: &str) -> Vec<(String, String)> {
    let prefix = format!("{registry}/");
    let mut found = Vec::new();
    let mut add = |image: &str| {
        let image = image.rsplit_once("://").map_or(image, |(_, rest)| rest);
        let Some(rest) = image.strip_prefix(&prefix) else { return };
        let (repository, reference) = match rest.split_once('@') {
            Some((named, digest)) => {
                (named.rsplit_once(':').filter(|(_, t)| !t.contains('/')).map_or(named, |(r, _)| r), digest)
            }
            None => match rest.rsplit_once(':').filter(|(_, tag)| !tag.contains('/')) {
                Some(split) => split,
                None => (rest, "latest"),
            },
        };
        found.push((repository.to_owned(), reference.to_owned()));
    };
    for pod in pods {
        let spec = pod.spec.as_ref();
        for container in spec.iter().flat_map(|s| s.init_containers.iter().flatten().chain(&s.containers)) {
            add(container.image.as_deref().unwrap_or_default());
        }
        let status = pod.status.as_ref();
        let statuses = status
            .iter()
            .flat_map(|s| s.init_container_statuses.iter().flatten().chain(s.container_statuses.iter().flatten()));
        for container in statuses {
            add(&container.image_id);
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn flags_upstream_images_and_pull_failures_in_init_containers_too() {
        let pod: Pod = serde_json::from_value(json!({
            "metadata": {"name": "synapse-0"},
            "spec": {"initContainers": [{"name": "init", "image": "docker.io/library/busybox:1"}],
                     "containers": [{"name": "synapse", "image": "reg.local/ess/synapse:1"}]},
            "status": {"containerStatuses": [{"name": "synapse", "image": "reg.local/ess/synapse:1", "imageID": "",
                "ready": false, "restartCount": 0, "state": {"waiting": {"reason": "ImagePullBackOff"}}}]}
        }))
        .unwrap();
        let problems = pod_problems(&[pod], "reg.local");
        assert_eq!(problems.len(), 2);
        assert_eq!((problems[0].container.as_str(), problems[0].problem.as_str()), ("init", "upstream"));
        assert_eq!((problems[1].container.as_str(), problems[1].problem.as_str()), ("synapse", "ImagePullBackOff"));
    }
}
