//! Registries as they are in the field: the fault proxy answers as each product does (the
//! testbed's `Profile`) in front of the real distribution, and `plan` must still tell an
//! administrator the truth about every image: present when it is there, missing only when the
//! registry really says so, refused or rate-limited when it is, at a cost a registry can bear.

mod support;

use essregistry_testbed::faults::{Arrival, Fault, FaultProxy, Listener, Profile, Rule, Seen};
use essregistry_testbed::registry::{Registry, RegistryConfig};
use essregistry_testbed::scenario::{ESS, Mirrored, Scenario};
use serde_json::Value;
use std::collections::HashMap;
use std::time::Duration;
use support::{Plugin, Run, strs};

const USER: &str = "ess-mirror";
const PASSWORD: &str = "Mirr0r-pa55";
const HAPROXY: &str = "ess/library/haproxy";
const ELEMENT_WEB: &str = "ess/vectorim/element-web";
const HOOKSHOT: &str = "ess/matrix-org/matrix-hookshot";

/// What an administrator sees for haproxy and element-web (mirrored right) and hookshot
/// (never mirrored) on a registry that tells the truth.
const TRUTH: [&str; 3] = ["present", "present", "missing"];

/// A registry of `profile`'s product holding haproxy and element-web (hookshot was never
/// mirrored), and the proxy that makes it answer as that product does.
struct Field {
    scenario: Scenario,
    proxy: FaultProxy,
}

impl Field {
    fn new(profile: Profile) -> Field {
        Field::with_registry(profile, profile.registry(USER, PASSWORD))
    }

    fn with_registry(profile: Profile, config: RegistryConfig) -> Field {
        let images: Vec<Mirrored> = ESS
            .into_iter()
            .filter(|m| matches!(m.path, "library/haproxy" | "vectorim/element-web" | "matrix-org/matrix-hookshot"))
            .collect();
        let scenario = Scenario::seed(Registry::start(config), &images);
        // Seeding asked for push tokens: only the plugin's requests count.
        if let Some(server) = &scenario.registry.token_server {
            server.requests.lock().unwrap().clear();
        }
        let proxy = FaultProxy::with_profile(&scenario.registry.host(), profile);
        Field { scenario, proxy }
    }

    /// `plan --offline -o json` through the proxy.
    fn plan(&self, plugin: &Plugin) -> Run {
        let args = self.scenario.args_at(
            &self.proxy.host(),
            self.proxy.registry_flags(),
            "plan",
            &["--offline", "-o", "json"],
        );
        plugin.run(&strs(&args))
    }

    /// The manifest requests for `repo`, in the order they arrived.
    fn manifests(&self, repo: &str) -> Vec<Seen> {
        let prefix = format!("/v2/{repo}/manifests/");
        let mut seen: Vec<Seen> = self.proxy.requests().into_iter().filter(|r| r.path.starts_with(&prefix)).collect();
        seen.sort_by_key(|r| r.at);
        seen
    }

    fn token_requests(&self) -> Vec<String> {
        self.scenario.registry.token_server.as_ref().expect("a token registry").requests.lock().unwrap().clone()
    }

    fn arrivals_at(&self, listener: Listener) -> Vec<Arrival> {
        self.proxy.arrivals().into_iter().filter(|a| a.listener == listener).collect()
    }
}

fn with_credentials() -> Plugin {
    Plugin::new().env("ESSREGISTRY_USERNAME", USER).env("ESSREGISTRY_PASSWORD", PASSWORD)
}

/// The state of every image, in the input's order.
fn states(report: &Value) -> Vec<&str> {
    report["images"].as_array().unwrap().iter().map(|i| i["state"].as_str().unwrap()).collect()
}

/// The report's image whose target is `repo`.
fn image<'a>(report: &'a Value, repo: &str) -> &'a Value {
    let images = report["images"].as_array().unwrap();
    images.iter().find(|i| i["target"].as_str().unwrap().contains(&format!("/{repo}:"))).unwrap()
}

fn summary(seen: &[Seen]) -> Vec<String> {
    seen.iter().map(|r| format!("{} {} {}", r.method, r.path, r.status)).collect()
}

/// A request answered 429 is asked again, if at all, no sooner than `wait` later; and some are.
fn assert_retry_after_honoured(seen: &[Seen], wait: Duration) {
    let mut retried = 0;
    for refused in seen.iter().filter(|r| r.status == 429) {
        let again = seen
            .iter()
            .filter(|r| r.method == refused.method && r.path == refused.path && r.at > refused.at)
            .min_by_key(|r| r.at);
        let Some(again) = again else { continue };
        retried += 1;
        let waited = again.at.duration_since(refused.at);
        assert!(
            waited >= wait,
            "{} {} was asked again {waited:?} after a 429 whose Retry-After asked for {wait:?}: {:#?}",
            refused.method,
            refused.path,
            summary(seen)
        );
    }
    assert!(retried > 0, "no request was retried after a 429: {:#?}", summary(seen));
}

#[test]
fn distribution_costs_one_request_per_present_image() {
    let field = Field::new(Profile::Distribution);
    let run = field.plan(&Plugin::new());
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(states(&run.json()), TRUTH);
    for repo in [HAPROXY, ELEMENT_WEB] {
        let seen = field.manifests(repo);
        assert_eq!(seen.len(), 1, "one HEAD for a present image: {:#?}", summary(&seen));
        assert_eq!((seen[0].method.as_str(), seen[0].status), ("HEAD", 200));
    }
    let missing = field.manifests(HOOKSHOT);
    let gets = missing.iter().filter(|r| r.method == "GET").count();
    assert!(
        missing.len() <= 3 && gets <= 1,
        "a missing image costs its two HEADs and at most one GET: {:#?}",
        summary(&missing)
    );
}

#[test]
fn harbor_without_digests_on_head_and_its_realm_moved_to_https_on_the_same_host() {
    let field = Field::new(Profile::Harbor);
    let run = field.plan(&with_credentials());
    assert_eq!(run.code, 1, "logging in through the realm's redirect to https works: {}", run.stderr);
    assert_eq!(states(&run.json()), TRUTH);
    for repo in [HAPROXY, ELEMENT_WEB] {
        let seen = field.manifests(repo);
        assert!(
            seen.len() <= 2 && seen.iter().any(|r| r.method == "GET" && r.status == 200),
            "a HEAD without Docker-Content-Digest, then one GET to hash the manifest: {:#?}",
            summary(&seen)
        );
    }
    let https = field.arrivals_at(Listener::RealmHttps);
    assert!(!https.is_empty(), "the token requests followed the realm to https: {:#?}", field.proxy.arrivals());
    assert!(
        https.iter().all(|a| a.authorization),
        "the Basic credentials followed the redirect to the same host over https: {https:#?}"
    );
}

#[test]
fn nexus_head_404_in_html_is_checked_with_get_before_saying_missing() {
    let field = Field::new(Profile::Nexus);
    let run = field.plan(&with_credentials());
    let report = run.json();
    assert_eq!(states(&report), TRUTH, "HEAD's 404 page is no answer; GET's is: {}", run.stderr);
    assert_eq!(run.code, 1, "{}", run.stderr);
    for repo in [HAPROXY, ELEMENT_WEB, HOOKSHOT] {
        let seen = field.manifests(repo);
        let gets = seen.iter().filter(|r| r.method == "GET").count();
        assert!(gets <= 1, "an image that looks missing costs at most one GET: {:#?}", summary(&seen));
    }
    let missing = field.manifests(HOOKSHOT);
    assert!(
        missing.iter().any(|r| r.method == "GET" && r.status == 404),
        "hookshot is missing because GET agreed: {:#?}",
        summary(&missing)
    );
}

/// What the reason of an image refused with 403 must say (`some registries ... answer 403 for
/// a tag ... they do not have`), since the registry may just not have it.
const DENIED_MAY_BE_MISSING: [&str; 3] = ["some registries", "answer 403 for a tag", "they do not have"];

#[test]
fn artifactory_403_denied_is_unauthorized_and_says_it_may_be_missing() {
    let field = Field::new(Profile::Artifactory);
    let run = field.plan(&with_credentials());
    let report = run.json();
    assert_eq!(
        states(&report),
        ["present", "present", "unauthorized"],
        "a challenge without service or scope logs in; 403 DENIED is a refusal: {}",
        run.stderr
    );
    assert_eq!(run.code, 3, "an unauthorized image decides the exit code: {}", run.stderr);
    let reason = image(&report, HOOKSHOT)["reason"].as_str().unwrap_or_default();
    assert!(reason.contains("403"), "{reason}");
    assert!(
        DENIED_MAY_BE_MISSING.iter().all(|words| reason.contains(words)),
        "expected the reason to say that some registries answer 403 for a tag they do not have: {reason}"
    );
    assert!(
        field.token_requests().iter().all(|q| !q.contains("service=")),
        "the challenge named no service: {:#?}",
        field.token_requests()
    );
}

#[test]
fn quay_get_only_token_service_and_manifests_from_storage_on_another_host() {
    const REFRESH_TOKEN: &str = "quay-refresh-6f1c";
    let mut config = Profile::Quay.registry(USER, PASSWORD);
    config.token.as_mut().unwrap().refresh_token = Some(REFRESH_TOKEN.into());
    let field = Field::with_registry(Profile::Quay, config);
    let plugin = Plugin::new();
    let docker = plugin.home().join(".docker");
    std::fs::create_dir_all(&docker).unwrap();
    let config = serde_json::json!({"auths": {field.proxy.host(): {"auth": "", "identitytoken": REFRESH_TOKEN}}});
    std::fs::write(docker.join("config.json"), config.to_string()).unwrap();

    let run = field.plan(&plugin);
    assert_eq!(states(&run.json()), TRUTH, "{}", run.stderr);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let tokens = field.token_requests();
    assert!(
        tokens.iter().any(|r| !r.starts_with("POST ") && r.contains("scope=")),
        "after POST was refused with 405, the identity token went by GET: {tokens:#?}"
    );
    let storage = field.arrivals_at(Listener::Storage);
    assert!(!storage.is_empty(), "manifests were fetched from storage: {:#?}", field.proxy.requests());
    for arrival in &storage {
        assert_eq!(Some(&arrival.method), arrival.redirected_from.as_ref(), "the method is kept: {arrival:#?}");
        assert!(!arrival.authorization, "no credentials for another host: {arrival:#?}");
    }
}

#[test]
fn gitlab_realm_on_another_host_gets_no_credentials_and_an_expired_token_is_renewed_once() {
    let field = Field::new(Profile::GitLab);
    let run = field.plan(&with_credentials());
    assert_eq!(states(&run.json()), TRUTH, "{}", run.stderr);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let moved = field.arrivals_at(Listener::RealmElsewhere);
    assert!(!moved.is_empty(), "the token requests followed the realm to its new host: {:#?}", field.proxy.arrivals());
    assert!(moved.iter().all(|a| !a.authorization), "no credentials for another host: {moved:#?}");
    let expired = field.proxy.requests().iter().filter(|r| r.status == 401 && r.path.contains("/manifests/")).count();
    assert!(expired > 0, "a token expired during the run: {:#?}", summary(&field.proxy.requests()));
    let scoped = field.token_requests().into_iter().filter(|q| q.contains("scope=")).count();
    assert_eq!(
        scoped,
        2,
        "one token for every repository, and one more once it expired: {:#?}",
        field.token_requests()
    );
}

#[test]
fn ecr_head_405_throttling_and_an_image_that_stays_rate_limited() {
    let field = Field::new(Profile::Ecr);
    let hookshot_manifests = "/v2/ess/matrix-org/matrix-hookshot/manifests/";
    field.proxy.add(Rule {
        path: hookshot_manifests,
        method: None,
        fault: Fault::Status { code: 429, retry_after: Some(1) },
        times: None,
    });
    let run = field.plan(&with_credentials());
    let report = run.json();
    assert_eq!(
        states(&report),
        ["present", "present", "error"],
        "HEAD refused with 405 is asked by GET; an image always rate-limited is an error: {}",
        run.stderr
    );
    assert_eq!(run.code, 4, "{}", run.stderr);
    let reason = image(&report, HOOKSHOT)["reason"].as_str().unwrap_or_default();
    assert!(
        reason.contains("429") || reason.to_lowercase().contains("rate"),
        "the reason says the registry rate-limited it, never that it is missing: {reason}"
    );

    let mut seen = field.proxy.requests();
    seen.retain(|r| r.path.contains("/manifests/"));
    seen.sort_by_key(|r| r.at);
    assert_retry_after_honoured(&seen, Duration::from_secs(1));
    // The first request of each (method, path) was sent before any push back; the others are
    // retries after a 429, which must not all go at once.
    let mut asked: HashMap<(String, String), usize> = HashMap::new();
    let (mut first, mut retries) = (0, 0);
    for request in &seen {
        let count = asked.entry((request.method.clone(), request.path.clone())).or_default();
        if *count == 0 {
            first = first.max(request.in_flight)
        } else {
            retries = retries.max(request.in_flight)
        }
        *count += 1;
    }
    assert!(first > 1, "the first requests went concurrently, or this test shows nothing: {:#?}", summary(&seen));
    assert_eq!(field.proxy.max_in_flight(), first, "the most requests at once were the first ones");
    assert!(
        retries < first,
        "while pushed back the client asked {retries} at once, as many as before ({first}): {:#?}",
        summary(&seen)
    );
}

#[test]
fn zot_access_token_only_and_retry_after_as_an_http_date() {
    let field = Field::new(Profile::Zot);
    let run = field.plan(&with_credentials());
    assert_eq!(states(&run.json()), TRUTH, "a token answer with access_token alone logs in: {}", run.stderr);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let mut seen = field.proxy.requests();
    seen.retain(|r| r.path.contains("/manifests/"));
    seen.sort_by_key(|r| r.at);
    // The date is two seconds ahead, in whole seconds: at least one second to wait.
    assert_retry_after_honoured(&seen, Duration::from_secs(1));
}

#[test]
fn ecr_a_missing_image_is_read_once_per_reference_when_head_is_refused() {
    let field = Field::new(Profile::Ecr);
    let run = field.plan(&with_credentials());
    assert_eq!(states(&run.json()), TRUTH, "{}", run.stderr);
    // Once HEAD is refused every lookup is a GET: the missing image's tag and digest are each
    // read once (after any 429), and no confirming GET repeats the tag.
    let mut answered: HashMap<String, usize> = HashMap::new();
    for seen in field.proxy.requests().iter().filter(|r| r.path.contains(HOOKSHOT) && r.status != 429) {
        *answered.entry(format!("{} {}", seen.method, seen.path)).or_default() += 1;
    }
    assert!(answered.values().all(|n| *n == 1), "{answered:#?}");
    assert!(answered.len() <= 3, "at most the refused HEAD, the tag and the digest: {answered:#?}");
}
