//! The fault proxy's registry profiles, judged from outside: skopeo (Go's containers/image, what
//! administrators mirror with) reads an image through every one of them, as it does through
//! the real products; and curl sees each product's answers as the profile documents them.

use essregistry_testbed::faults::{FaultProxy, Listener, Profile};
use essregistry_testbed::registry::Registry;
use essregistry_testbed::scenario::{ESS, Scenario};
use sha2::{Digest as _, Sha256};
use std::process::Command;

const USER: &str = "judge";
const PASSWORD: &str = "judge-pa55";
const ALL: [Profile; 8] = [
    Profile::Distribution,
    Profile::Harbor,
    Profile::Nexus,
    Profile::Artifactory,
    Profile::Quay,
    Profile::GitLab,
    Profile::Ecr,
    Profile::Zot,
];

/// haproxy mirrored into a registry of `profile`'s product, behind the proxy.
fn behind(profile: Profile) -> (Scenario, FaultProxy) {
    let scenario = Scenario::seed(Registry::start(profile.registry(USER, PASSWORD)), &ESS[..1]);
    let proxy = FaultProxy::with_profile(&scenario.registry.host(), profile);
    (scenario, proxy)
}

fn manifest_url(proxy: &FaultProxy, reference: &str) -> String {
    let scheme = if proxy.registry_flags()[0] == "--registry-ca-file" { "https" } else { "http" };
    format!("{scheme}://{}/v2/ess/library/haproxy/manifests/{reference}", proxy.host())
}

/// curl's status lines, headers and body for `args`.
fn curl(args: &[&str]) -> String {
    let output = Command::new("curl").args(["--silent", "--include", "--output", "-"]).args(args).output().unwrap();
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// The same, lower-cased, to compare header names and values that are case-insensitive.
fn curl_headers(args: &[&str]) -> String {
    curl(args).to_lowercase()
}

#[test]
fn skopeo_reads_an_image_through_every_profile_but_harbor() {
    // Debian's skopeo is built with a Go that drops credentials on a redirect to another port
    // of the same host (golang/go#35104, fixed since), which is where Harbor's http realm
    // leads: curl judges that profile below.
    for profile in ALL.into_iter().filter(|p| *p != Profile::Harbor) {
        let (scenario, proxy) = behind(profile);
        let certs = tempfile::tempdir().unwrap();
        let mut skopeo = Command::new("skopeo");
        skopeo.args(["inspect", "--raw", "--retry-times", "3", "--creds", &format!("{USER}:{PASSWORD}")]);
        match proxy.registry_flags().as_slice() {
            [flag, ca] if flag == "--registry-ca-file" => {
                std::fs::copy(ca, certs.path().join("ca.crt")).unwrap();
                skopeo.arg("--cert-dir").arg(certs.path());
            }
            _ => {
                skopeo.arg("--tls-verify=false");
            }
        }
        let output = skopeo.arg(format!("docker://{}/ess/library/haproxy:2.8-alpine", proxy.host())).output().unwrap();
        assert!(output.status.success(), "{profile:?}: {}", String::from_utf8_lossy(&output.stderr));
        let digest = format!("sha256:{:x}", Sha256::digest(&output.stdout));
        assert_eq!(digest, scenario.images[0].index_digest, "{profile:?}: the manifest came through unchanged");
        if matches!(profile, Profile::Quay) {
            let storage: Vec<_> = proxy.arrivals().into_iter().filter(|a| a.listener == Listener::Storage).collect();
            assert!(!storage.is_empty() && storage.iter().all(|a| !a.authorization), "{storage:#?}");
        }
    }
}

#[test]
fn curl_sees_each_product_answer_as_its_profile_says() {
    let basic = format!("{USER}:{PASSWORD}");
    let (_nexus, proxy) = behind(Profile::Nexus);
    let head = curl_headers(&["--head", "--user", &basic, &manifest_url(&proxy, "2.8-alpine")]);
    assert!(head.starts_with("http/1.1 404") && head.contains("content-type: text/html"), "{head}");
    let accept = "Accept: application/vnd.oci.image.index.v1+json";
    let get = curl_headers(&["--user", &basic, "--header", accept, &manifest_url(&proxy, "2.8-alpine")]);
    assert!(get.starts_with("http/1.1 200"), "{get}");

    let (_ecr, proxy) = behind(Profile::Ecr);
    for _ in 0..3 {
        let limited = curl_headers(&["--head", "--user", &basic, &manifest_url(&proxy, "2.8-alpine")]);
        assert!(limited.starts_with("http/1.1 429") && limited.contains("retry-after: 1\r\n"), "{limited}");
    }
    let head = curl_headers(&["--head", "--user", &basic, &manifest_url(&proxy, "2.8-alpine")]);
    assert!(head.starts_with("http/1.1 405") && head.contains("allow: get"), "{head}");

    let (_zot, proxy) = behind(Profile::Zot);
    let limited = curl_headers(&[&manifest_url(&proxy, "2.8-alpine")]);
    let retry_after = limited.lines().find_map(|l| l.strip_prefix("retry-after: ")).unwrap_or_default();
    assert!(retry_after.ends_with(" gmt") && retry_after.len() == 29, "an IMF-fixdate: {limited}");

    let (_artifactory, proxy) = behind(Profile::Artifactory);
    let challenge = curl_headers(&[&manifest_url(&proxy, "2.8-alpine")]);
    let challenge = challenge.lines().find(|l| l.starts_with("www-authenticate:")).unwrap_or_default();
    assert!(
        challenge.starts_with("www-authenticate: bearer realm=\"") && !challenge.contains("service="),
        "{challenge}"
    );

    let (harbor, proxy) = behind(Profile::Harbor);
    let ca = proxy.ca_file().unwrap().to_str().unwrap().to_owned();
    let challenge = curl_headers(&["--cacert", &ca, &manifest_url(&proxy, "2.8-alpine")]);
    let realm = challenge.split("realm=\"").nth(1).and_then(|r| r.split('"').next()).unwrap_or_default().to_owned();
    assert!(realm.starts_with("http://127.0.0.1:") && realm != harbor.registry.token_server.as_ref().unwrap().realm());
    let scope = "service=essregistry-testbed&scope=repository:ess/library/haproxy:pull";
    // curl drops credentials on a redirect to another port unless told to trust it.
    let answer = curl(&["--location-trusted", "--cacert", &ca, "--user", &basic, &format!("{realm}?{scope}")]);
    assert!(answer.starts_with("HTTP/1.1 308") && answer.contains("location: https://127.0.0.1:"), "{answer}");
    let token =
        answer.split("\"token\":\"").nth(1).and_then(|t| t.split('"').next()).unwrap_or_else(|| panic!("{answer}"));
    let https: Vec<_> = proxy.arrivals().into_iter().filter(|a| a.listener == Listener::RealmHttps).collect();
    assert!(https.len() == 1 && https[0].authorization, "{https:#?}");
    let bearer = format!("Authorization: Bearer {token}");
    let head =
        curl_headers(&["--head", "--cacert", &ca, "-H", &bearer, "-H", accept, &manifest_url(&proxy, "2.8-alpine")]);
    assert!(head.starts_with("http/1.1 200") && !head.contains("docker-content-digest"), "{head}");
}
