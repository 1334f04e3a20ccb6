//! The world the cluster tests work in: the ESS scenario's images in a real TLS registry with a
//! login, the tests' API server, and a plugin with the registry's credentials in its environment.

use super::{Plugin, Run};
use essregistry_testbed::apiserver::{ApiServer, ELEMENT_GROUP, ELEMENT_VERSION, Role};
use essregistry_testbed::images::Copy;
use essregistry_testbed::registry::{Registry, RegistryConfig};
use essregistry_testbed::scenario::{ESS, Mirrored, Scenario};
use serde_json::json;

pub const USER: &str = "ess-admin";
/// With `&` and `<`, which Go's JSON escapes: the pull secret must still equal kubectl's.
pub const PASSWORD: &str = "s3cret&<pass>";

pub struct World {
    pub scenario: Scenario,
    pub api: ApiServer,
    pub plugin: Plugin,
}

impl World {
    pub fn new(mirrored: &[Mirrored]) -> World {
        let config =
            RegistryConfig { tls: true, basic_auth: Some((USER.into(), PASSWORD.into())), ..RegistryConfig::default() };
        World::with_registry(config, mirrored)
    }

    pub fn with_registry(config: RegistryConfig, mirrored: &[Mirrored]) -> World {
        World {
            scenario: Scenario::seed(Registry::start(config), mirrored),
            api: ApiServer::start(),
            plugin: Plugin::new().env("ESSREGISTRY_USERNAME", USER).env("ESSREGISTRY_PASSWORD", PASSWORD),
        }
    }

    pub fn ready() -> World {
        World::new(&ready_images())
    }

    pub fn run(&self, command: &str, role: Role, extra: &[&str]) -> Run {
        let kubeconfig = self.api.kubeconfig(role);
        let mut args = self.scenario.args(command, &["--kubeconfig", kubeconfig.to_str().unwrap()]);
        args.extend(extra.iter().map(|s| s.to_string()));
        self.plugin.run(&args.iter().map(String::as_str).collect::<Vec<_>>())
    }

    pub fn status(&self, extra: &[&str]) -> Run {
        let kubeconfig = self.api.kubeconfig(Role::Admin);
        let mut args = vec!["status", "--kubeconfig", kubeconfig.to_str().unwrap()];
        let flags = self.scenario.registry_flags();
        args.extend(flags.iter().map(String::as_str));
        args.extend(extra);
        self.plugin.run(&args)
    }

    pub fn patches(&self) -> usize {
        self.api.requests().iter().filter(|r| r.method == "PATCH").count()
    }

    pub fn installer_config(&self, deployment: &str) {
        let config = self.plugin.home().join(".element-enterprise-server/config");
        std::fs::create_dir_all(&config).unwrap();
        std::fs::write(config.join("deployment.yml"), deployment).unwrap();
    }

    pub fn pod(&self, name: &str, image: &str, waiting: Option<&str>) {
        let mut pod = json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "namespace": "element-onprem"},
            "spec": {"containers": [{"name": "main", "image": image}]}});
        if let Some(reason) = waiting {
            pod["status"] = json!({"containerStatuses": [{"name": "main", "image": image, "imageID": "", "ready": false,
                "restartCount": 0, "state": {"waiting": {"reason": reason}}}]});
        }
        self.api.put(pod);
    }
}

pub fn ready_images() -> Vec<Mirrored> {
    ESS.into_iter().filter(|m| m.copy == Some(Copy::All)).collect()
}

pub const DEPLOYMENT: &str = "apiVersion: matrix.element.io/v1alpha1\nkind: ElementDeployment\nspec:\n  global:\n    k8s:\n      common:\n        dockerSecrets:\n        - name: ess-local-registry\n        imagesDigestsConfigMap: ess-images-digests\n";

impl World {
    /// A live ElementDeployment `ess` whose `spec.global.k8s.common` is `common`.
    pub fn element_deployment(&self, common: serde_json::Value) {
        self.api.put(json!({"apiVersion": format!("{ELEMENT_GROUP}/{ELEMENT_VERSION}"), "kind": "ElementDeployment",
            "metadata": {"name": "ess", "namespace": "element-onprem"},
            "spec": {"global": {"k8s": {"common": common}}}}));
    }
}
