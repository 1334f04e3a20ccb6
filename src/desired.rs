//! The objects `apply` writes for a plan, built and checked before the cluster is contacted: the
//! images_digests ConfigMap (for images_digests input) and the docker-registry pull Secret.

use crate::check::{Finding, ImageState};
use crate::cluster::objects;
use crate::error::Error;
use crate::input::{Content, Input, Written};
use crate::mapping::{Image, Mapping, Pinned};
use crate::plan::{MismatchPolicy, Plan};
use crate::reference::{Digest, RegistryHost};
use crate::registry::RegistryAuth;
use k8s_openapi::api::core::v1::{ConfigMap, Secret};

/// The names and choices of the objects (`--configmap-name`, `--secret-name`, `--no-secret`).
pub struct Names<'a> {
    pub configmap: &'a str,
    pub secret: &'a str,
    pub no_secret: bool,
}

/// The objects `apply` writes for a plan.
pub struct Desired {
    /// None for a chart's values: the overlay goes to a file, not into the cluster.
    pub configmap: Option<ConfigMap>,
    /// None when the registry needs no credentials, or with `--no-secret`.
    pub secret: Option<Secret>,
}

impl Desired {
    /// What `new` would refuse, found before the registry is contacted: the credentials, and
    /// the ConfigMap as large as it can be (every image ready, every digest written).
    pub fn refuse_early(
        input: &Input,
        pinned: &[Pinned],
        images: &[Image],
        mapping: &Mapping,
        auth: &RegistryAuth,
        names: &Names,
    ) -> Result<(), Error> {
        refuse_identity_token(&mapping.registry, auth, names)?;
        let found = |_| Finding {
            state: ImageState::Present,
            observed: None,
            reason: None,
            fix: None,
            warning: None,
            tagged: None,
        };
        let all_ready = Plan::new(
            mapping.registry.clone(),
            pinned,
            images.to_vec(),
            images.iter().map(found).collect(),
            MismatchPolicy::Fail,
        );
        if let (Content::Digests { bytes, .. }, Written::ConfigMap(text)) =
            (&input.content, input.written(&all_ready, None))
        {
            configmap(bytes, &text, mapping, names.configmap, "")?;
        }
        Ok(())
    }

    /// Errors (exit 2): the registry's only credential is an identity token, which cannot become
    /// a pull secret (kubelet pulls with a password), and `--no-secret` was not given; or the
    /// ConfigMap would be over the API's 1 MiB limit.
    pub fn new(
        input: &Input,
        written: &Written,
        mapping: &Mapping,
        auth: &RegistryAuth,
        names: &Names,
        namespace: &str,
    ) -> Result<Desired, Error> {
        let registry = &mapping.registry;
        refuse_identity_token(registry, auth, names)?;
        let configmap = match (&input.content, written.configmap()) {
            (Content::Digests { bytes, .. }, Some(text)) => {
                Some(configmap(bytes, text, mapping, names.configmap, namespace)?)
            }
            _ => None,
        };
        let secret = match (&auth.credentials, names.no_secret) {
            (Some(credentials), false) => {
                Some(objects::pull_secret(names.secret, namespace, registry.as_str(), credentials))
            }
            _ => None,
        };
        Ok(Desired { configmap, secret })
    }
}

fn refuse_identity_token(registry: &RegistryHost, auth: &RegistryAuth, names: &Names) -> Result<(), Error> {
    if auth.credentials.is_none() && auth.identity_token.is_some() && !names.no_secret {
        return Err(Error::usage(
            format!(
                "{} holds only an identity token for {registry}: it logs in to the token service, but kubelet \
                     cannot pull with it, so no pull secret can be made from it; nothing was written",
                auth.source
            ),
            "give a robot account with --registry-username and --registry-password-stdin, or pass --no-secret \
                 if the pull secret is managed elsewhere",
        ));
    }
    Ok(())
}

fn configmap(input: &[u8], text: &str, mapping: &Mapping, name: &str, namespace: &str) -> Result<ConfigMap, Error> {
    let configmap = objects::configmap(name, namespace, text, &Digest::of(input).to_string(), &mapping.recorded());
    let bytes = objects::configmap_data_bytes(&configmap);
    if bytes > objects::MAX_DATA_BYTES {
        return Err(Error::usage(
            format!(
                "the ConfigMap {name} would hold {bytes} bytes of data, over the API's limit of {} bytes (1 MiB); \
                 nothing was sent to the cluster",
                objects::MAX_DATA_BYTES
            ),
            "an images_digests this large is not an ESS release: check the file given with -f",
        ));
    }
    Ok(configmap)
}
