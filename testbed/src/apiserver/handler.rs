//! HTTP: authentication, routing, and the operations on stored objects.

use super::resources::{self, Resource};
use super::selector::Selector;
use super::ssa::{self, Conflict};
use super::{Logged, Role, State, validation};
use crate::timestamp;
use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::{Method, Request, Response, StatusCode};
use serde_json::{Value, json};
use std::sync::{Arc, Mutex};

type Reply = (StatusCode, Value);

/// Answers one request; `client` is who its connection's client certificate says it is.
pub async fn handle(
    state: Arc<Mutex<State>>,
    port: u16,
    client: Option<Role>,
    request: Request<Incoming>,
) -> Response<Full<Bytes>> {
    let method = request.method().clone();
    let uri = request.uri().to_string();
    let path = request.uri().path().to_owned();
    let query = request.uri().query().unwrap_or_default().to_owned();
    let content_type = request.headers().get("content-type").and_then(|v| v.to_str().ok()).map(str::to_owned);
    let aggregated = request
        .headers()
        .get("accept")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|accept| accept.contains("as=APIGroupDiscoveryList"));
    let token = request
        .headers()
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::to_owned);
    let impersonate = request.headers().get("impersonate-user").and_then(|v| v.to_str().ok()).map(str::to_owned);
    let body = request.into_body().collect().await.map(|b| b.to_bytes()).unwrap_or_default();

    if state.lock().expect("state").hang {
        std::future::pending::<()>().await;
    }
    let (status, value) = {
        let mut state = state.lock().expect("state");
        // As kube-apiserver's authenticators: the client certificate first, then the token.
        let role = client.or_else(|| token.and_then(|t| state.tokens.get(&t).copied()));
        match (role, impersonate.as_deref()) {
            (None, _) => status_error(StatusCode::UNAUTHORIZED, "Unauthorized", "Unauthorized", None),
            // As kube-apiserver: only who may impersonate (the admin here) acts as another user,
            // and then with that user's permissions; a user the server has no role for may do
            // nothing.
            (Some(role), Some(user)) if role != Role::Admin || Role::ALL.iter().all(|r| r.user() != user) => {
                let message = if role == Role::Admin {
                    format!("users \"{user}\" is forbidden: the user has no role")
                } else {
                    format!(
                        "users \"{user}\" is forbidden: User \"{}\" cannot impersonate resource \"users\" in API group \"\" at the cluster scope",
                        role.user()
                    )
                };
                status_error(StatusCode::FORBIDDEN, "Forbidden", &message, None)
            }
            (Some(_), _)
                if aggregated && !state.legacy_discovery && matches!(path.trim_end_matches('/'), "/api" | "/apis") =>
            {
                (StatusCode::OK, resources::aggregated(path.trim_end_matches('/') == "/api"))
            }
            (Some(role), impersonated) => {
                let role =
                    impersonated.and_then(|user| Role::ALL.into_iter().find(|r| r.user() == user)).unwrap_or(role);
                let call = Call {
                    role,
                    method: &method,
                    path: &path,
                    query: &query,
                    content_type: content_type.as_deref(),
                    body: &body,
                };
                route(&mut state, port, &call)
            }
        }
    };
    state.lock().expect("state").log.push(Logged {
        method: method.to_string(),
        uri,
        content_type,
        status: status.as_u16(),
    });
    let media_type = if value["kind"] == "APIGroupDiscoveryList" { resources::AGGREGATED } else { "application/json" };
    let mut response = Response::builder().status(status).header("content-type", media_type);
    if !matches!(method, Method::GET | Method::HEAD) {
        for text in &state.lock().expect("state").warnings {
            response = response.header("warning", warning(text));
        }
    }
    response.body(Full::new(Bytes::from(value.to_string()))).expect("response")
}

/// A `Warning` header as kube-apiserver writes it: code 299, no agent, the text quoted.
fn warning(text: &str) -> String {
    format!("299 - \"{}\"", text.replace('\\', "\\\\").replace('"', "\\\""))
}

/// What a path names.
enum Target {
    Document(Value),
    Collection { resource: Resource, namespace: String },
    Object { resource: Resource, namespace: String, name: String },
}

fn parse_path(path: &str, port: u16) -> Option<Target> {
    let parts: Vec<&str> = path.trim_matches('/').split('/').collect();
    let (group, version, rest) = match parts.as_slice() {
        ["version"] => return Some(Target::Document(resources::version())),
        ["api"] => return Some(Target::Document(resources::api_versions(&format!("127.0.0.1:{port}")))),
        ["apis"] => return Some(Target::Document(resources::api_group_list())),
        ["api", version] => return resources::resource_list("", version).map(Target::Document),
        ["apis", group, version] => return resources::resource_list(group, version).map(Target::Document),
        ["api", version, rest @ ..] => ("", *version, rest),
        ["apis", group, version, rest @ ..] => (*group, *version, rest),
        _ => return None,
    };
    let namespaces = resources::find("", "v1", "namespaces").expect("namespaces");
    Some(match rest {
        ["namespaces", namespace, plural] => {
            Target::Collection { resource: resources::find(group, version, plural)?, namespace: namespace.to_string() }
        }
        ["namespaces", namespace, plural, name] => Target::Object {
            resource: resources::find(group, version, plural)?,
            namespace: namespace.to_string(),
            name: name.to_string(),
        },
        ["namespaces", name] if group.is_empty() => {
            Target::Object { resource: namespaces, namespace: String::new(), name: name.to_string() }
        }
        [plural] => Target::Collection { resource: resources::find(group, version, plural)?, namespace: String::new() },
        [plural, name] => {
            let resource = resources::find(group, version, plural)?;
            if resource.namespaced {
                return None;
            }
            Target::Object { resource, namespace: String::new(), name: name.to_string() }
        }
        _ => return None,
    })
}

/// One authenticated request, as the operations read it.
struct Call<'a> {
    role: Role,
    method: &'a Method,
    path: &'a str,
    query: &'a str,
    content_type: Option<&'a str>,
    body: &'a [u8],
}

impl Call<'_> {
    fn param(&self, key: &str) -> Option<&str> {
        self.query.split('&').find_map(|p| p.strip_prefix(key)?.strip_prefix('='))
    }

    fn dry_run(&self) -> bool {
        self.param("dryRun") == Some("All")
    }
}

fn route(state: &mut State, port: u16, call: &Call) -> Reply {
    let (role, method) = (call.role, call.method);
    let Some(target) = parse_path(call.path, port) else {
        return status_error(
            StatusCode::NOT_FOUND,
            "NotFound",
            "the server could not find the requested resource",
            None,
        );
    };
    match target {
        Target::Document(document) => (StatusCode::OK, document),
        Target::Collection { resource, namespace } if method == Method::GET => {
            if let Some(denied) = authorize(role, "list", &resource, &namespace, None) {
                return denied;
            }
            match Selector::parse_query(call.param("labelSelector").unwrap_or_default()) {
                Ok(selector) => list(state, &resource, &namespace, &selector),
                Err(message) => bad_request(&message),
            }
        }
        Target::Object { resource, namespace, name } => {
            let verb = match *method {
                Method::GET => "get",
                Method::PATCH => "patch",
                Method::DELETE => "delete",
                _ => {
                    return status_error(
                        StatusCode::METHOD_NOT_ALLOWED,
                        "MethodNotAllowed",
                        "method not allowed",
                        None,
                    );
                }
            };
            if let Some(denied) = authorize(role, verb, &resource, &namespace, Some(&name)) {
                return denied;
            }
            let key = (resource.plural.to_owned(), namespace.clone(), name.clone());
            match verb {
                "get" => match state.objects.get(&key) {
                    Some(object) => (StatusCode::OK, object.clone()),
                    None => not_found(&resource, &name),
                },
                "delete" => {
                    let deleted =
                        if call.dry_run() { state.objects.get(&key).cloned() } else { state.objects.remove(&key) };
                    match deleted {
                        Some(object) => (
                            StatusCode::OK,
                            json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success",
                                   "details": {"name": name, "group": resource.group, "kind": resource.plural,
                                               "uid": object["metadata"]["uid"]}}),
                        ),
                        None => not_found(&resource, &name),
                    }
                }
                _ => patch(state, &resource, &namespace, &name, call),
            }
        }
        Target::Collection { .. } => {
            status_error(StatusCode::METHOD_NOT_ALLOWED, "MethodNotAllowed", "method not allowed", None)
        }
    }
}

fn authorize(role: Role, verb: &str, resource: &Resource, namespace: &str, name: Option<&str>) -> Option<Reply> {
    let allowed = match role {
        Role::Admin => true,
        Role::ReadOnly => matches!(verb, "get" | "list"),
        Role::NoSecretWrites => resource.plural != "secrets" || matches!(verb, "get" | "list"),
    };
    if allowed {
        return None;
    }
    let subject = match name {
        Some(name) => format!("{} \"{name}\"", resource.plural),
        None => resource.plural.to_owned(),
    };
    let scope = if namespace.is_empty() { String::new() } else { format!(" in the namespace \"{namespace}\"") };
    let message = format!(
        "{subject} is forbidden: User \"{}\" cannot {verb} resource \"{}\" in API group \"{}\"{scope}",
        role.user(),
        resource.plural,
        resource.group
    );
    Some(status_error(StatusCode::FORBIDDEN, "Forbidden", &message, Some((resource, name.unwrap_or_default()))))
}

fn list(state: &State, resource: &Resource, namespace: &str, selector: &Selector) -> Reply {
    let items: Vec<Value> = state
        .objects
        .iter()
        .filter(|((plural, ns, _), _)| plural == resource.plural && (namespace.is_empty() || ns == namespace))
        .filter(|(_, object)| selector.matches(&object["metadata"]["labels"]))
        .map(|(_, object)| object.clone())
        .collect();
    (
        StatusCode::OK,
        json!({"kind": format!("{}List", resource.kind), "apiVersion": resource.api_version(),
               "metadata": {"resourceVersion": state.resource_version.to_string()}, "items": items}),
    )
}

fn patch(state: &mut State, resource: &Resource, namespace: &str, name: &str, call: &Call) -> Reply {
    let (body, manager, dry_run) = (call.body, call.param("fieldManager"), call.dry_run());
    let key = (resource.plural.to_owned(), namespace.to_owned(), name.to_owned());
    let live = state.objects.get(&key).cloned();
    let now = timestamp::now();
    let content_type = call.content_type.unwrap_or_default();
    let result = if content_type.starts_with("application/apply-patch+yaml") {
        let Some(manager) = manager else {
            return bad_request("PATCH, application/apply-patch+yaml requires fieldManager to be set");
        };
        let Ok(applied) = serde_yaml::from_slice::<Value>(body) else {
            return bad_request("the body of an apply patch is not YAML");
        };
        if applied["metadata"]["name"].as_str() != Some(name) {
            return bad_request("the name of the object does not match the name in the URL");
        }
        if applied["kind"].as_str() != Some(resource.kind)
            || applied["apiVersion"].as_str() != Some(&resource.api_version())
        {
            return bad_request("apiVersion and kind must match the resource of the URL");
        }
        if live.is_none()
            && resource.namespaced
            && !state.objects.contains_key(&("namespaces".into(), String::new(), namespace.to_owned()))
        {
            return status_error(
                StatusCode::NOT_FOUND,
                "NotFound",
                &format!("namespaces \"{namespace}\" not found"),
                None,
            );
        }
        let base = json!({"apiVersion": resource.api_version(), "kind": resource.kind,
                          "metadata": {"name": name, "namespace": namespace}});
        match ssa::apply(live.as_ref(), base, &applied, manager, call.param("force") == Some("true"), &now) {
            Ok(result) => result,
            Err(conflicts) => return conflict(resource, name, &conflicts),
        }
    } else if content_type.starts_with("application/merge-patch+json")
        || content_type.starts_with("application/strategic-merge-patch+json")
    {
        let Some(live) = &live else {
            return not_found(resource, name);
        };
        let Ok(patch) = serde_json::from_slice::<Value>(body) else {
            return bad_request("the patch is not JSON");
        };
        ssa::merge_patch(live, &patch, manager.unwrap_or("kubectl-patch"), &now)
    } else {
        return status_error(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "UnsupportedMediaType",
            "unsupported patch type",
            None,
        );
    };
    let mut result = result;
    if live.is_none() && resource.kind == "Secret" && result["type"].is_null() {
        // As kube-apiserver defaults it.
        result["type"] = json!("Opaque");
    }
    let errors = validation::check(resource, live.as_ref(), &result);
    if !errors.is_empty() {
        return (StatusCode::UNPROCESSABLE_ENTITY, validation::invalid(resource, name, &errors));
    }
    if live.as_ref() == Some(&result) {
        return (StatusCode::OK, result);
    }
    let created = live.is_none();
    let stamped = if dry_run { result } else { stamp(state, result, namespace, live.as_ref()) };
    if !dry_run {
        state.objects.insert(key, stamped.clone());
    }
    (if created { StatusCode::CREATED } else { StatusCode::OK }, stamped)
}

/// Server-owned metadata: uid and creationTimestamp once, a new resourceVersion on every write.
pub fn stamp(state: &mut State, mut object: Value, namespace: &str, live: Option<&Value>) -> Value {
    state.resource_version += 1;
    let metadata = &mut object["metadata"];
    match live {
        Some(live) => {
            metadata["uid"] = live["metadata"]["uid"].clone();
            metadata["creationTimestamp"] = live["metadata"]["creationTimestamp"].clone();
        }
        None => {
            state.uids += 1;
            metadata["uid"] = json!(format!("00000000-0000-4000-8000-{:012x}", state.uids));
            metadata["creationTimestamp"] = json!(timestamp::now());
        }
    }
    if !namespace.is_empty() {
        metadata["namespace"] = json!(namespace);
    }
    metadata["resourceVersion"] = json!(state.resource_version.to_string());
    object
}

fn conflict(resource: &Resource, name: &str, conflicts: &[Conflict]) -> Reply {
    let field = |c: &Conflict| format!(".{}", c.path.join("."));
    let message = format!(
        "Apply failed with {} conflict{}: {}",
        conflicts.len(),
        if conflicts.len() == 1 { "" } else { "s" },
        conflicts
            .iter()
            .map(|c| format!("conflict with \"{}\": {}", c.manager, field(c)))
            .collect::<Vec<_>>()
            .join("\n")
    );
    let causes: Vec<Value> = conflicts
        .iter()
        .map(|c| json!({"reason": "FieldManagerConflict", "message": format!("conflict with \"{}\"", c.manager), "field": field(c)}))
        .collect();
    let (status, mut value) = status_error(StatusCode::CONFLICT, "Conflict", &message, Some((resource, name)));
    value["details"]["causes"] = json!(causes);
    (status, value)
}

fn not_found(resource: &Resource, name: &str) -> Reply {
    status_error(
        StatusCode::NOT_FOUND,
        "NotFound",
        &format!("{} \"{name}\" not found", resource.plural),
        Some((resource, name)),
    )
}

fn bad_request(message: &str) -> Reply {
    status_error(StatusCode::BAD_REQUEST, "BadRequest", message, None)
}

fn status_error(code: StatusCode, reason: &str, message: &str, details: Option<(&Resource, &str)>) -> Reply {
    let mut status = json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                            "message": message, "reason": reason, "code": code.as_u16()});
    if let Some((resource, name)) = details {
        status["details"] = json!({"name": name, "group": resource.group, "kind": resource.plural});
    }
    (code, status)
}
