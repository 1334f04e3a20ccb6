//! The fault proxy's refusals that never change, as curl hears them: nginx's 413 page for a
//! body over `client_max_body_size` (after the whole body was sent), and Harbor's 404
//! `NAME_UNKNOWN` for an upload into a project that does not exist.

use essregistry_testbed::disk::SmallDisk;
use essregistry_testbed::faults::{Fault, FaultProxy, Rule};
use essregistry_testbed::registry::{Registry, RegistryConfig};
use std::process::Command;

/// `curl -X METHOD [extra] URL`: the status, the Content-Type and the body.
fn curl(method: &str, extra: &[&str], url: &str) -> (u16, String, String) {
    let output = Command::new("curl")
        .args(["--silent", "--show-error", "-X", method, "--write-out", "\n%{http_code} %{content_type}"])
        .args(extra)
        .arg(url)
        .output()
        .expect("run curl");
    assert!(output.status.success(), "curl: {}", String::from_utf8_lossy(&output.stderr));
    let text = String::from_utf8_lossy(&output.stdout).into_owned();
    let (body, last) = text.rsplit_once('\n').expect("the write-out line");
    let (code, content_type) = last.split_once(' ').unwrap_or((last, ""));
    (code.parse().expect("a status"), content_type.to_owned(), body.to_owned())
}

#[test]
fn a_413_page_and_a_missing_project_are_answered_every_time_without_forwarding() {
    let registry = Registry::start(RegistryConfig::default());
    let proxy = FaultProxy::start(&registry.host());
    let uploads = "/v2/ess/library/haproxy/blobs/uploads/";
    proxy.add(Rule { path: uploads, method: Some("PUT"), fault: Fault::nginx_body_too_large(), times: None });
    proxy.add(Rule { path: uploads, method: Some("POST"), fault: Fault::harbor_project_not_found("ess"), times: None });
    let url = format!("http://{}{uploads}", proxy.host());
    let dir = tempfile::tempdir().unwrap();
    let blob = dir.path().join("blob");
    std::fs::write(&blob, vec![b'x'; 2 * 1024 * 1024]).unwrap();
    let body = format!("@{}", blob.display());
    for _ in 0..2 {
        let put = format!("{url}some-upload?digest=sha256:{}", "0".repeat(64));
        let (code, content_type, page) = curl("PUT", &["--data-binary", &body], &put);
        assert_eq!((code, content_type.as_str()), (413, "text/html"), "{page}");
        assert!(page.contains("<title>413 Request Entity Too Large</title>") && page.contains("nginx"), "{page}");
        assert!(!page.contains("errors"), "no distribution error body: {page}");

        let (code, content_type, answer) = curl("POST", &[], &url);
        assert_eq!((code, content_type.as_str()), (404, "application/json"), "{answer}");
        let answer: serde_json::Value = serde_json::from_str(&answer).unwrap();
        assert_eq!(answer["errors"][0]["code"], "NAME_UNKNOWN");
        assert_eq!(answer["errors"][0]["message"], "repository name not known to registry");
        assert_eq!(answer["errors"][0]["detail"], "project ess not found");
    }
    let statuses: Vec<u16> = proxy.requests().iter().map(|r| r.status).collect();
    assert_eq!(statuses, [413, 404, 413, 404]);
    assert!(registry.requests().iter().all(|r| !r.path.contains("/blobs/uploads/")), "nothing was forwarded");
}

#[test]
fn a_small_disk_holds_what_its_size_says_and_goes_when_dropped() {
    let disk = match SmallDisk::mount("1m") {
        Ok(disk) => disk,
        Err(why) => return eprintln!("SKIPPED: a tmpfs needs root: {why}"),
    };
    let path = disk.path().to_owned();
    assert!(disk.free() <= 1024 * 1024, "{}", disk.free());
    let full = std::fs::write(path.join("big"), vec![7u8; 2 * 1024 * 1024]).unwrap_err();
    assert_eq!(full.raw_os_error(), Some(28), "ENOSPC: {full}");
    drop(disk);
    assert!(!path.exists(), "unmounted and removed");
}
