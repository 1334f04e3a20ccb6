//! `--verify-key`: an image is ready only when a signature by one of the keys names its pinned
//! digest. The testbed signs with keys openssl makes, in cosign's two forms (a `sha256-HEX.sig`
//! simple-signing payload, a cosign v3 Sigstore bundle as a referrer); the plugin's verdict is
//! held to `openssl dgst -verify` / `openssl pkeyutl -verify` on the same bytes and key.

mod support;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use essregistry_testbed::faults::{FaultProxy, Profile};
use essregistry_testbed::images::FamilySpec;
use essregistry_testbed::registry::{Registry, RegistryConfig};
use essregistry_testbed::scenario::Scenario;
use essregistry_testbed::signing::{
    KeyKind, Signer, dsse_bundle, pae, push_bundles, push_sig, sign_statement, signed, simple_signing_payload,
};
use essregistry_testbed::upstream::{Upstreams, from_bundle_args};
use serde_json::Value;
use support::cluster_world::{World, ready_images};
use support::{Plugin, Run, strs};

fn key_flags(keys: &[&Signer]) -> Vec<String> {
    keys.iter().flat_map(|key| ["--verify-key".to_owned(), key.public.display().to_string()]).collect()
}

/// Each image's (state, reason) in a report, by the start of its source (or image) reference.
fn state(report: &Value, source: &str) -> (String, String) {
    let images = report["images"].as_array().expect("images");
    let image = images
        .iter()
        .find(|i| i["source"].as_str().or(i["image"].as_str()).unwrap_or_default().contains(source))
        .unwrap_or_else(|| panic!("no image {source} in {report}"));
    (image["state"].as_str().unwrap().to_owned(), image["reason"].as_str().unwrap_or_default().to_owned())
}

const HAPROXY: &str = "library/haproxy";
const WEB: &str = "vectorim/element-web";

#[test]
fn plan_accepts_a_good_signature_of_every_key_kind_and_refuses_missing_foreign_and_misdirected_ones() {
    let scenario = Scenario::seed(Registry::start(RegistryConfig::default()), &ready_images());
    let registry = &scenario.registry;
    let (haproxy, web) = (&scenario.images[0].index_digest, &scenario.images[1].index_digest);
    let signers = [KeyKind::EcdsaP256, KeyKind::Rsa, KeyKind::Ed25519].map(Signer::generate);
    let stranger = Signer::generate(KeyKind::EcdsaP256);
    let plan = |keys: &[&Signer]| -> Run {
        let extra = [vec!["-o".to_owned(), "json".to_owned()], key_flags(keys)].concat();
        Plugin::new().run(&strs(&scenario.plan_args(&strs(&extra))))
    };

    let unsigned = plan(&[&signers[0]]);
    assert_eq!(unsigned.code, 1, "not ready: {}", unsigned.stderr);
    let report = unsigned.json();
    assert_eq!((report["summary"]["unsigned"].as_u64(), report["summary"]["ready"].as_u64()), (Some(2), Some(0)));
    let (state_of, reason) = state(&report, HAPROXY);
    assert_eq!(state_of, "unsigned");
    assert!(
        reason.starts_with("no signature") && reason.contains(&format!("sha256-{}.sig", &haproxy[7..])),
        "{reason}"
    );
    assert_eq!(report["images"][0]["digestAction"], "skip");

    // Signed by the key, but over another image's digest.
    let reference = format!("{}/ess/{HAPROXY}", registry.host());
    push_sig(
        registry,
        &format!("ess/{HAPROXY}"),
        haproxy,
        &[signed(&signers[0], simple_signing_payload(&reference, web))],
    );
    let misdirected = plan(&[&signers[0]]);
    assert_eq!(misdirected.code, 1);
    let (state_of, reason) = state(&misdirected.json(), HAPROXY);
    assert_eq!(state_of, "unsigned");
    assert!(reason.contains(&format!("but over {web}, not the pinned {haproxy}")), "{reason}");

    // haproxy: a .sig layer by each key; element-web: a cosign v3 bundle by each key.
    let payload = simple_signing_payload(&reference, haproxy);
    let sigs: Vec<_> = signers.iter().map(|signer| signed(signer, payload.clone())).collect();
    push_sig(registry, &format!("ess/{HAPROXY}"), haproxy, &sigs);
    let statement = sign_statement(&format!("ess/{WEB}"), web);
    let bundles: Vec<Vec<u8>> = signers.iter().map(|signer| dsse_bundle(signer, &statement)).collect();
    push_bundles(&registry.host(), &format!("ess/{WEB}"), web, &bundles, true);
    for ((signer, sig), bundle) in signers.iter().zip(&sigs).zip(&bundles) {
        let envelope: Value = serde_json::from_slice(bundle).unwrap();
        let dsse_sig = STANDARD.decode(envelope["dsseEnvelope"]["signatures"][0]["sig"].as_str().unwrap()).unwrap();
        // The anchor: openssl verifies each with its key, and not with the stranger's.
        assert!(signer.openssl_verifies(&sig.payload, &sig.signature), "{:?}", signer.kind);
        assert!(signer.openssl_verifies(&pae(&statement), &dsse_sig), "{:?}", signer.kind);
        assert!(!stranger.openssl_verifies(&sig.payload, &sig.signature));
        let good = plan(&[signer]);
        assert_eq!(good.code, 0, "{:?}: {}\n{}", signer.kind, good.stdout, good.stderr);
        let report = good.json();
        assert_eq!(state(&report, HAPROXY).0, "present", "{:?}: {report}", signer.kind);
        assert_eq!(state(&report, WEB).0, "present", "{:?}: {report}", signer.kind);
    }
    let foreign = plan(&[&stranger]);
    assert_eq!(foreign.code, 1);
    let report = foreign.json();
    let (state_of, reason) = state(&report, WEB);
    assert_eq!(
        (state_of.as_str(), reason),
        ("unsigned", format!("3 signatures found, none made by {}", stranger.public.display()))
    );
    assert_eq!(state(&report, HAPROXY).0, "unsigned");
    assert_eq!(plan(&[&stranger, &signers[2]]).code, 0, "one of the keys is enough");
    let table = Plugin::new().run(&strs(&scenario.plan_args(&strs(&key_flags(&[&stranger])))));
    assert!(table.stdout.contains("unsigned") && table.stdout.contains("2 unsigned"), "{}", table.stdout);

    // A bad key file: named with what is wrong, exit 2, nothing contacted.
    registry.clear_requests();
    let dir = tempfile::tempdir().unwrap();
    let private = dir.path().join("cosign.key");
    std::fs::write(&private, std::fs::read(signers[0].public.with_file_name("key.pem")).unwrap()).unwrap();
    let garbage = dir.path().join("notes.txt");
    std::fs::write(&garbage, "not a key").unwrap();
    for (path, what) in [
        (&private, "holds a private key"),
        (&garbage, "is not a PEM file"),
        (&dir.path().join("absent.pub"), "cannot be read"),
    ] {
        let run = Plugin::new().run(&strs(&scenario.plan_args(&["--verify-key", path.to_str().unwrap()])));
        assert_eq!(run.code, 2, "{}", run.stderr);
        assert!(run.stderr.contains(&format!("--verify-key {} {what}", path.display())), "{}", run.stderr);
    }
    assert!(registry.requests().is_empty(), "a bad key stops before the registry: {:?}", registry.requests());
}

#[test]
fn mirror_checks_what_it_carried_where_it_put_it() {
    let (upstreams, _family) = Upstreams::ess(&FamilySpec::small(5));
    let images = upstreams.images();
    let haproxy = images.iter().find(|i| i.path == HAPROXY).unwrap();
    let web = images.iter().find(|i| i.path == WEB).unwrap();
    let (ecdsa, ed25519) = (Signer::generate(KeyKind::EcdsaP256), Signer::generate(KeyKind::Ed25519));
    let payload = simple_signing_payload(&haproxy.reference(), &haproxy.digest);
    push_sig(&upstreams.registry, &haproxy.upstream_repo(), &haproxy.digest, &[signed(&ecdsa, payload)]);
    let statement = sign_statement(&web.upstream_repo(), &web.digest);
    push_bundles(
        &upstreams.registry.host(),
        &web.upstream_repo(),
        &web.digest,
        &[dsse_bundle(&ed25519, &statement)],
        true,
    );
    let keys = key_flags(&[&ecdsa, &ed25519]);
    let extra: Vec<&str> = ["-o", "json"].into_iter().chain(strs(&keys)).collect();
    let verdicts = |run: &Run| {
        assert_eq!(run.code, 1, "three images are unsigned: {}\n{}", run.stdout, run.stderr);
        let report = run.json();
        assert_eq!(report["summary"]["unsigned"], 3, "{report}");
        assert_ne!(state(&report, &haproxy.reference()).0, "unsigned", "{report}");
        assert_ne!(state(&report, &web.reference()).0, "unsigned", "{report}");
        let hookshot = state(&report, "matrix-hookshot");
        assert_eq!(hookshot.0, "unsigned");
        assert!(hookshot.1.starts_with("no signature"), "{}", hookshot.1);
    };

    let target = Registry::start(RegistryConfig::default());
    verdicts(&Plugin::new().run(&strs(&upstreams.mirror_args(&target.host(), &extra))));
    let dir = tempfile::tempdir().unwrap();
    let bundle = dir.path().join("bundle");
    verdicts(&Plugin::new().run(&strs(&upstreams.to_bundle_args(&bundle, &extra))));
    let inside = Registry::start(RegistryConfig::default());
    verdicts(&Plugin::new().run(&strs(&from_bundle_args(&bundle, &inside.host(), &extra))));

    let refused = Plugin::new().run(&strs(&from_bundle_args(
        &bundle,
        &inside.host(),
        &[&extra[..], &["--no-signatures"]].concat(),
    )));
    assert_eq!(refused.code, 2, "{}", refused.stderr);
    assert!(
        refused.stderr.contains("--no-signatures leaves out the signatures --verify-key checks"),
        "{}",
        refused.stderr
    );
}

#[test]
fn status_says_which_deployed_images_are_unsigned() {
    let world = World::ready();
    let apply = world.run("apply", essregistry_testbed::apiserver::Role::Admin, &[]);
    assert_eq!(apply.code, 0, "{}\n{}", apply.stdout, apply.stderr);
    let signer = Signer::generate(KeyKind::Rsa);
    let keys = key_flags(&[&signer]);
    let extra: Vec<&str> = ["-o", "json"].into_iter().chain(strs(&keys)).collect();

    let before = world.status(&extra);
    assert_eq!(before.code, 1, "{}", before.stderr);
    let report = before.json();
    let (state_of, reason) = state(&report, HAPROXY);
    assert_eq!(state_of, "unsigned");
    assert!(reason.contains("is unsigned: no signature"), "{reason}");
    assert!(
        report["problems"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p.as_str().unwrap().contains("is unsigned: no signature"))
    );

    let registry = &world.scenario.registry;
    let reference = format!("{}/ess/{HAPROXY}", registry.host());
    for (path, image) in [(HAPROXY, &world.scenario.images[0]), (WEB, &world.scenario.images[1])] {
        let payload = simple_signing_payload(&reference, &image.index_digest);
        push_sig(registry, &format!("ess/{path}"), &image.index_digest, &[signed(&signer, payload)]);
    }
    let after = world.status(&extra).json();
    assert_eq!(state(&after, HAPROXY).0, "present", "{after}");
    assert_eq!(state(&after, WEB).0, "present", "{after}");
    assert!(!after["problems"].to_string().contains("unsigned"), "{after}");
}

#[test]
fn an_image_the_local_tag_holds_otherwise_is_checked_as_the_cluster_would_pull_it() {
    let scenario = Scenario::seed(Registry::start(RegistryConfig::default()), &essregistry_testbed::scenario::ESS);
    let signer = Signer::generate(KeyKind::Ed25519);
    let keys = key_flags(&[&signer]);
    let extra: Vec<&str> = ["-o", "json", "--digest-mismatch", "use-local"].into_iter().chain(strs(&keys)).collect();
    let run = Plugin::new().run(&strs(&scenario.plan_args(&extra)));
    assert_eq!(run.code, 1, "{}", run.stderr);
    let report = run.json();
    // use-local would point at the local tag's digest: unsigned, it is not ready.
    let (state_of, reason) = state(&report, "livekit/livekit-server");
    assert_eq!(state_of, "unsigned");
    assert!(reason.contains("not the pinned digest, and no signature"), "{reason}");
    let sfu = report["images"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["source"].as_str().unwrap().contains("livekit"))
        .unwrap();
    assert_eq!(sfu["digestAction"], "skip");
    assert_eq!(state(&report, "matrix-hookshot").0, "missing");
}

#[test]
fn a_bundle_listed_only_by_the_referrers_api_is_found() {
    let scenario = Scenario::seed(Registry::start(RegistryConfig::default()), &ready_images());
    let front = FaultProxy::with_profile(&scenario.registry.host(), Profile::Referrers);
    let web = &scenario.images[1].index_digest;
    let signer = Signer::generate(KeyKind::EcdsaP256);
    let statement = sign_statement(&format!("ess/{WEB}"), web);
    push_bundles(&front.host(), &format!("ess/{WEB}"), web, &[dsse_bundle(&signer, &statement)], false);
    let keys = key_flags(&[&signer]);
    let flags = vec!["--registry-plain-http".to_owned()];
    let extra: Vec<&str> = ["--offline", "-o", "json"].into_iter().chain(strs(&keys)).collect();
    let run = Plugin::new().run(&strs(&scenario.args_at(&front.host(), flags, "plan", &extra)));
    let report = run.json();
    assert_eq!(state(&report, WEB).0, "present", "found through GET /v2/<name>/referrers/<digest>: {report}");
    assert_eq!(state(&report, HAPROXY).0, "unsigned", "{report}");
}
