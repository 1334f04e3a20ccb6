//! Which proxy a request goes through, as kubectl, docker and skopeo decide it: Go's
//! `net/http/httpproxy` rules. `HTTPS_PROXY` for https URLs, `HTTP_PROXY` for http URLs
//! (upper case first, then lower case), never for `localhost` or a loopback address, and not for
//! hosts `NO_PROXY` names: `*`, IP addresses, CIDR ranges, and domain names, which match
//! themselves and their subdomains (a leading `.` or `*.`: subdomains only), each with an
//! optional `:PORT`. The kubeconfig's `proxy-url` is applied by the cluster client before these.

use ipnet::IpNet;
use reqwest::Url;
use std::fmt;
use std::net::IpAddr;

/// A proxy and the setting it came from, so a failure can name both.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Proxy {
    pub url: Url,
    /// `HTTPS_PROXY`, `http_proxy`, `the kubeconfig's proxy-url`
    pub source: String,
}

impl fmt::Display for Proxy {
    /// The URL without any user or password in it, and where it came from.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut shown = self.url.clone();
        let _ = shown.set_username("");
        let _ = shown.set_password(None);
        write!(f, "the proxy {} (from {})", shown.as_str().trim_end_matches('/'), self.source)
    }
}

impl Proxy {
    /// Parses a proxy setting as Go does: a value without a scheme is an http:// proxy.
    /// Schemes: http, https, socks5 (and socks5h).
    pub fn parse(value: &str, source: &str) -> Result<Proxy, String> {
        let value = value.trim();
        let url = match Url::parse(value) {
            Ok(url) if matches!(url.scheme(), "http" | "https" | "socks5" | "socks5h") => url,
            _ => Url::parse(&format!("http://{value}")).map_err(|_| format!("{source} is not a proxy URL"))?,
        };
        if url.host_str().is_none_or(str::is_empty) {
            return Err(format!("{source} names no proxy host"));
        }
        Ok(Proxy { url, source: source.to_owned() })
    }
}

/// The proxy settings of the environment.
#[derive(Debug, Clone, Default)]
pub struct ProxyRules {
    https: Option<Result<Proxy, String>>,
    http: Option<Result<Proxy, String>>,
    no_proxy: Vec<Exception>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Exception {
    Everything,
    Ip {
        ip: IpAddr,
        port: Option<u16>,
    },
    Cidr(IpNet),
    /// `.example.com`; `exact` also matches `example.com` itself.
    Domain {
        suffix: String,
        exact: bool,
        port: Option<u16>,
    },
}

impl ProxyRules {
    /// Reads `HTTPS_PROXY`, `HTTP_PROXY` and `NO_PROXY`, each in upper then lower case.
    pub fn from_env(env: &impl Fn(&str) -> Option<String>) -> Self {
        let first = |names: [&'static str; 2]| {
            names.into_iter().find_map(|name| env(name).filter(|v| !v.trim().is_empty()).map(|v| (name, v)))
        };
        Self {
            https: first(["HTTPS_PROXY", "https_proxy"]).map(|(name, value)| Proxy::parse(&value, name)),
            http: first(["HTTP_PROXY", "http_proxy"]).map(|(name, value)| Proxy::parse(&value, name)),
            no_proxy: first(["NO_PROXY", "no_proxy"]).map(|(_, value)| parse_no_proxy(&value)).unwrap_or_default(),
        }
    }

    /// The proxy for a URL, None to go direct. An unparsable proxy setting is an error only
    /// when a request would use it.
    pub fn route(&self, url: &Url) -> Result<Option<Proxy>, String> {
        let setting = match url.scheme() {
            "https" => &self.https,
            "http" => &self.http,
            _ => &None,
        };
        let Some(setting) = setting else { return Ok(None) };
        let host = url.host_str().unwrap_or_default().trim_start_matches('[').trim_end_matches(']');
        let port = url.port_or_known_default().unwrap_or_default();
        if !self.use_proxy(&host.to_ascii_lowercase(), port) {
            return Ok(None);
        }
        setting.clone().map(Some)
    }

    fn use_proxy(&self, host: &str, port: u16) -> bool {
        let ip = host.parse::<IpAddr>().ok();
        if host == "localhost" || ip.is_some_and(|ip| ip.is_loopback()) {
            return false;
        }
        !self.no_proxy.iter().any(|exception| match exception {
            Exception::Everything => true,
            Exception::Ip { ip: wanted, port: p } => ip == Some(*wanted) && p.is_none_or(|p| p == port),
            Exception::Cidr(net) => ip.is_some_and(|ip| net.contains(&ip)),
            Exception::Domain { suffix, exact, port: p } => {
                (host.ends_with(suffix.as_str()) || (*exact && host == &suffix[1..])) && p.is_none_or(|p| p == port)
            }
        })
    }
}

fn parse_no_proxy(value: &str) -> Vec<Exception> {
    let mut exceptions = Vec::new();
    for entry in value.split(',').map(|e| e.trim().to_ascii_lowercase()).filter(|e| !e.is_empty()) {
        if entry == "*" {
            return vec![Exception::Everything];
        }
        if let Ok(net) = entry.parse::<IpNet>() {
            exceptions.push(Exception::Cidr(net));
            continue;
        }
        let (host, port) = split_port(&entry);
        if let Ok(ip) = host.parse::<IpAddr>() {
            exceptions.push(Exception::Ip { ip, port });
            continue;
        }
        if host.is_empty() {
            continue;
        }
        let host = host.strip_prefix('*').filter(|h| h.starts_with('.')).unwrap_or(host);
        let exception = match host.strip_prefix('.') {
            Some(_) => Exception::Domain { suffix: host.to_owned(), exact: false, port },
            None => Exception::Domain { suffix: format!(".{host}"), exact: true, port },
        };
        exceptions.push(exception);
    }
    exceptions
}

/// `host:port`, `[v6]:port`, a bare IPv6 address or a bare host.
fn split_port(entry: &str) -> (&str, Option<u16>) {
    if let Some(rest) = entry.strip_prefix('[')
        && let Some((host, after)) = rest.split_once(']')
    {
        return (host, after.strip_prefix(':').and_then(|p| p.parse().ok()));
    }
    match entry.rsplit_once(':') {
        Some((host, port)) if !host.contains(':') => match port.parse() {
            Ok(port) => (host, Some(port)),
            Err(_) => (entry, None),
        },
        _ => (entry, None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules(pairs: &[(&str, &str)]) -> ProxyRules {
        let pairs: Vec<(String, String)> = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        ProxyRules::from_env(&|key: &str| pairs.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone()))
    }

    fn proxied(rules: &ProxyRules, url: &str) -> bool {
        rules.route(&Url::parse(url).unwrap()).unwrap().is_some()
    }

    const PROXY: (&str, &str) = ("HTTPS_PROXY", "http://proxy.corp:3128");

    #[test]
    fn https_and_http_urls_take_their_own_variable_upper_case_first() {
        let both =
            rules(&[("HTTPS_PROXY", "http://upper:1"), ("https_proxy", "http://lower:2"), ("http_proxy", "p:3")]);
        let https = both.route(&Url::parse("https://registry.example").unwrap()).unwrap().unwrap();
        assert_eq!((https.url.as_str(), https.source.as_str()), ("http://upper:1/", "HTTPS_PROXY"));
        let http = both.route(&Url::parse("http://registry.example").unwrap()).unwrap().unwrap();
        assert_eq!((http.url.as_str(), http.source.as_str()), ("http://p:3/", "http_proxy"));
        assert!(!proxied(&rules(&[("HTTP_PROXY", "http://p:3")]), "https://registry.example"));
        assert!(!proxied(&rules(&[]), "https://registry.example"));
    }

    #[test]
    fn loopback_and_localhost_are_never_proxied() {
        let rules = rules(&[PROXY]);
        for url in ["https://localhost:5000", "https://127.0.0.1", "https://127.3.2.1:6443", "https://[::1]:5000"] {
            assert!(!proxied(&rules, url), "{url}");
        }
        assert!(proxied(&rules, "https://10.0.0.1"));
        assert!(proxied(&rules, "https://localhost.corp"));
    }

    #[test]
    fn no_proxy_as_client_go_documents_it() {
        let rules = rules(&[
            PROXY,
            (
                "NO_PROXY",
                " Corp.Example, .svc.local, *.cluster.internal, 10.1.2.3, 192.168.0.0/16, [fd00::1]:6443, api.example:6443,,",
            ),
        ]);
        // A domain name matches itself and its subdomains, in any case.
        assert!(!proxied(&rules, "https://corp.example"));
        assert!(!proxied(&rules, "https://registry.CORP.example"));
        assert!(proxied(&rules, "https://notcorp.example"));
        // A leading dot or "*." matches subdomains only.
        assert!(proxied(&rules, "https://svc.local"));
        assert!(!proxied(&rules, "https://a.svc.local"));
        assert!(proxied(&rules, "https://cluster.internal"));
        assert!(!proxied(&rules, "https://x.cluster.internal"));
        // IP addresses and CIDR ranges.
        assert!(!proxied(&rules, "https://10.1.2.3:5000"));
        assert!(proxied(&rules, "https://10.1.2.4"));
        assert!(!proxied(&rules, "https://192.168.7.9"));
        // A port, when given, must match.
        assert!(!proxied(&rules, "https://[fd00::1]:6443"));
        assert!(proxied(&rules, "https://[fd00::1]:443"));
        assert!(!proxied(&rules, "https://api.example:6443"));
        assert!(proxied(&rules, "https://api.example"));
        // Lower case is read when upper case is not set.
        let lower = super::ProxyRules::from_env(&|key: &str| match key {
            "HTTPS_PROXY" => Some("http://p:1".into()),
            "no_proxy" => Some("registry.example".into()),
            _ => None,
        });
        assert!(!proxied(&lower, "https://registry.example:5000"));
    }

    #[test]
    fn a_star_turns_proxying_off() {
        assert!(!proxied(&rules(&[PROXY, ("NO_PROXY", "example.com,*")]), "https://anything.example"));
    }

    #[test]
    fn proxy_values_read_as_go_reads_them() {
        let bare = Proxy::parse("proxy.corp:3128", "HTTPS_PROXY").unwrap();
        assert_eq!(bare.url.as_str(), "http://proxy.corp:3128/");
        assert_eq!(Proxy::parse("socks5://127.0.0.1:1080", "x").unwrap().url.scheme(), "socks5");
        assert!(Proxy::parse("::::", "HTTPS_PROXY").unwrap_err().contains("HTTPS_PROXY"));
        let broken = rules(&[("HTTPS_PROXY", "::::")]);
        assert!(broken.route(&Url::parse("https://registry.example").unwrap()).is_err());
        assert!(broken.route(&Url::parse("https://127.0.0.1").unwrap()).unwrap().is_none());
        let secret = Proxy::parse("http://user:s3cret@proxy.corp:3128", "HTTPS_PROXY").unwrap();
        assert_eq!(secret.to_string(), "the proxy http://proxy.corp:3128 (from HTTPS_PROXY)");
    }
}
