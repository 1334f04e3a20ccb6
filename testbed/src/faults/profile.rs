//! Registry products as administrators run them in front of an air-gapped cluster, each reduced
//! to the field behaviours that break clients written against distribution alone. The sources
//! are the products' issue trackers and the workarounds other clients carry; each variant says
//! which it reproduces.

use super::quirks::{Head, Quirks, RateLimit, Realm, RetryAfter};
use super::uploads::{BodyLimit, UploadQuirks};
use crate::registry::RegistryConfig;
use crate::token::{TokenPolicy, TokenQuirks};
use std::time::Duration;

const MIB: u64 = 1024 * 1024;

/// A registry product, as the fault proxy plays it in front of the real distribution.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Profile {
    /// CNCF distribution itself: every answer as the reference implementation gives it, the
    /// yardstick for what a well-behaved registry costs a client.
    Distribution,
    /// Harbor, over HTTPS. `HEAD` of a manifest answers 200 without `Docker-Content-Digest`
    /// (proxy-cache projects before Harbor added its HEAD middleware: goharbor/harbor#13266,
    /// the failure crossplane/crossplane#3222 reports). The token realm is `http://`, and the
    /// front redirects it (308) to `https://` on the same host: Harbor builds the realm from
    /// its `external_url`, which stays on http when TLS ends at a proxy in front. Credentials
    /// must follow that redirect, the host being the same: Go's client keeps them on a redirect
    /// to the same host name since golang/go#35104 (before, it dropped them on a new port).
    Harbor,
    /// Sonatype Nexus Repository. `HEAD` of a manifest answers 404 with an HTML error page
    /// while `GET` of the same manifest answers 200 (andrey-pohilko/registry-cli#14 on Nexus
    /// 3.2, crazy-max/diun#1614 on a current one): a 404 to HEAD proves nothing until GET
    /// agrees.
    Nexus,
    /// JFrog Artifactory. A manifest it does not have answers 403 with an OCI `DENIED` error
    /// instead of 404 (virtual repositories: google/go-containerregistry#1691 says Artifactory
    /// has done so since 2017). Its Bearer challenge names no `scope` (containerd#3556,
    /// RTFACT-20170, devcontainers/cli#692) and here no `service` either, both optional in
    /// RFC 6750 and the token spec.
    Artifactory,
    /// Red Hat Quay. Its token endpoint `/v2/auth` is a GET-only route, so a POST (the OAuth2
    /// refresh-token grant) answers 405; a client holding an identity token must send it by
    /// GET. Content is handed out from its object storage (S3, CloudFront) by redirect: here
    /// manifest requests are redirected (307 by tag, 308 by digest) to another host, which a
    /// client must ask with the same method and without the registry's credentials.
    Quay,
    /// GitLab's container registry. Its token realm is GitLab's `/jwt/auth`, and when the
    /// instance moved to another external URL the old one answers 301 to the new host: the
    /// credentials must not follow. The project is public, so the token service gives pull
    /// tokens without them. Its tokens live five minutes by default
    /// (`container_registry_token_expire_delay`): here a token is refused after three uses
    /// with a bare 401, no challenge, and the client must log in again, once.
    GitLab,
    /// Amazon ECR. `HEAD` of a manifest answers 405 Method Not Allowed (moby/buildkit#1194),
    /// the answer containerd falls back to GET on. Its API throttles (`TOOMANYREQUESTS: Rate
    /// exceeded`): the first three manifest requests answer 429 with `Retry-After: 1`. A
    /// regional API behind a load balancer, it answers manifests in tens of milliseconds: here
    /// 50 ms each. Its logins are Basic (the `AWS` user and a 12-hour password).
    Ecr,
    /// zot. Its Bearer mode takes tokens from an external OAuth2 server, whose answer carries
    /// `access_token` alone (no `token`, no `expires_in`). zot limits request rates itself
    /// (`http.ratelimit`): the first three manifest requests answer 429, here with
    /// `Retry-After` in its other legal form, an HTTP date two seconds ahead.
    Zot,
    /// JFrog Artifactory's uploads alone (anonymous, answering 404 for what it lacks): it takes
    /// blob data only by `PATCH`, and a `PUT` carrying the blob with no `PATCH` before it answers
    /// 416 `BLOB_UPLOAD_INVALID` (containerd#3533).
    PatchOnly,
    /// distribution behind nginx with its default `client_max_body_size 1m` (many ingress and
    /// reverse-proxy set-ups: pulp-operator#330, goharbor/harbor#3270): a request body over
    /// 1 MiB answers nginx's 413 page, and the registry never sees it.
    NginxBodyLimit,
    /// GitHub's container registry: one request carries at most 4 MiB, a larger body answers 413.
    Ghcr,
    /// A registry announcing the smallest chunk it takes (`OCI-Chunk-Min-Length`, distribution
    /// spec 1.1) on the answer that opens an upload: here 1 MiB; a chunk shorter than that which
    /// is not the last is refused with 416.
    MinChunkLength,
    /// A slow link that drops: the first upload chunk over 256 KiB is cut off half way, the
    /// registry keeping the half that arrived and saying so (`GET` on the upload location,
    /// `Range: 0-N`), its upload location still valid.
    CutUpload,
    /// SAP Keppel (and Nexus) answer a cross-repository mount with 202 and a plain upload
    /// session, as the spec allows a registry that cannot mount: the bytes must then be sent.
    Keppel,
    /// A registry serving the OCI 1.1 referrers API (distribution 3, Harbor 2.8+, zot, Quay
    /// 3.12+): it takes a manifest's `subject`, answers `OCI-Subject`, and lists referrers at
    /// `/v2/<name>/referrers/<digest>`, where distribution 2.8 answers 404.
    Referrers,
}

impl Profile {
    pub(super) fn quirks(self) -> Quirks {
        let throttled = |retry_after| Some(RateLimit { requests: 3, retry_after });
        let uploads = |uploads| Quirks { uploads, ..Quirks::default() };
        let none = UploadQuirks::default();
        match self {
            Profile::Distribution => Quirks::default(),
            Profile::Harbor => {
                Quirks { https: true, head: Some(Head::NoDigest), realm: Realm::HttpsOnSameHost, ..Quirks::default() }
            }
            Profile::Nexus => Quirks { head: Some(Head::NotFoundHtml), ..Quirks::default() },
            Profile::Artifactory => Quirks { denied_when_missing: true, realm: Realm::Bare, ..Quirks::default() },
            Profile::Quay => Quirks { storage_redirect: true, ..Quirks::default() },
            Profile::GitLab => Quirks { realm: Realm::MovedToAnotherHost, token_uses: Some(3), ..Quirks::default() },
            Profile::Ecr => Quirks {
                head: Some(Head::MethodNotAllowed),
                rate_limit: throttled(RetryAfter::Seconds(1)),
                latency: Some(Duration::from_millis(50)),
                ..Quirks::default()
            },
            Profile::Zot => {
                Quirks { rate_limit: throttled(RetryAfter::Date(Duration::from_secs(2))), ..Quirks::default() }
            }
            Profile::PatchOnly => uploads(UploadQuirks { patch_only: true, ..none }),
            Profile::NginxBodyLimit => uploads(UploadQuirks { body_limit: Some(BodyLimit::Nginx(MIB)), ..none }),
            Profile::Ghcr => uploads(UploadQuirks { body_limit: Some(BodyLimit::Ghcr(4 * MIB)), ..none }),
            Profile::MinChunkLength => uploads(UploadQuirks { min_chunk: Some(MIB), ..none }),
            Profile::CutUpload => uploads(UploadQuirks { cut_chunk: Some(256 * 1024), ..none }),
            Profile::Keppel => uploads(UploadQuirks { no_mount: true, ..none }),
            Profile::Referrers => Quirks { referrers: true, ..Quirks::default() },
        }
    }

    /// The registry behind the proxy, logging in as the product does: anonymous
    /// (Distribution), Basic (Nexus, ECR) or through a token service with the product's
    /// quirks (the others), for `user` and `password`.
    pub fn registry(self, user: &str, password: &str) -> RegistryConfig {
        let credentials = (user.to_owned(), password.to_owned());
        let token = |quirks| RegistryConfig {
            token: Some(TokenPolicy { user: user.into(), password: password.into(), quirks, ..TokenPolicy::default() }),
            ..RegistryConfig::default()
        };
        match self {
            Profile::Distribution
            | Profile::PatchOnly
            | Profile::NginxBodyLimit
            | Profile::Ghcr
            | Profile::MinChunkLength
            | Profile::CutUpload
            | Profile::Keppel
            | Profile::Referrers => RegistryConfig::default(),
            Profile::Nexus | Profile::Ecr => {
                RegistryConfig { basic_auth: Some(credentials), ..RegistryConfig::default() }
            }
            Profile::Harbor | Profile::Artifactory => token(TokenQuirks::default()),
            Profile::Quay => token(TokenQuirks { get_only: true, ..TokenQuirks::default() }),
            Profile::GitLab => token(TokenQuirks { anonymous_pull: true, ..TokenQuirks::default() }),
            Profile::Zot => token(TokenQuirks { access_token_only: true, ..TokenQuirks::default() }),
        }
    }
}
