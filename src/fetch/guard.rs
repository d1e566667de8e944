//! The address guard: no request from feedsieve reaches a private network.
//!
//! Feeds are untrusted input. A feed's item link, a redirect, or a DNS name
//! that resolves to `169.254.169.254` must never make the daemon fetch a
//! cloud metadata service or a router's admin page (SSRF). This module owns
//! the rule and the three places it is enforced:
//!
//! - [`AddressPolicy::check_url`] on every URL before a request and on every
//!   redirect hop (the fetcher follows redirects itself, checking each):
//!   scheme, and hosts written as IP literals (which never reach a resolver:
//!   hyper connects to them directly);
//! - [`GuardedResolver`], reqwest's DNS resolver, on every name: addresses
//!   that are not public are dropped before a connection is attempted, so a
//!   name that points (or re-points, "DNS rebinding") at a private address
//!   cannot be reached, whatever the path that led to it.
//!
//! Checking the connected socket's peer address after the fact would be too
//! late: the request has already been sent. The client must not use a proxy
//! (`ClientBuilder::no_proxy`), since a proxy resolves names itself.
//!
//! In: the `fetch.allow_private_networks` switch and the
//! `fetch.allow_private_origins` list. Out: `Ok` or a [`Refused`] naming the
//! URL and the reason. No I/O except the DNS lookup in the resolver.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;

use ipnet::IpNet;
use url::{Host, Url};

/// Why an address may not be contacted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AddressClass {
    Unspecified,
    Loopback,
    /// RFC 1918 (IPv4) or unique-local fc00::/7 (IPv6).
    Private,
    /// 169.254.0.0/16 (where cloud metadata services live) or fe80::/10.
    LinkLocal,
    /// 100.64.0.0/10, carrier-grade NAT (RFC 6598): the ISP's network.
    SharedCgnat,
    Multicast,
    Broadcast,
    /// Documentation, benchmarking, "this network", IETF protocol, future-use
    /// and discard ranges: nothing a public feed can live on.
    Reserved,
    /// Teredo (2001::/32): a tunnel to an IPv4 host the address hides.
    Tunnel,
}

impl fmt::Display for AddressClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            AddressClass::Unspecified => "unspecified",
            AddressClass::Loopback => "loopback",
            AddressClass::Private => "private",
            AddressClass::LinkLocal => "link-local",
            AddressClass::SharedCgnat => "carrier-grade NAT",
            AddressClass::Multicast => "multicast",
            AddressClass::Broadcast => "broadcast",
            AddressClass::Reserved => "reserved",
            AddressClass::Tunnel => "tunnel",
        })
    }
}

/// The reason a URL was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RefusalReason {
    /// Only `http` and `https` are fetched; `file:`, `gopher:`, `ftp:` … are
    /// classic SSRF vectors.
    Scheme(String),
    NoHost,
    /// The URL names, or its host resolves only to, a non-public address.
    Address {
        ip: IpAddr,
        class: AddressClass,
    },
    /// The host is an exempted origin, but on another port.
    OtherPortOfExemptOrigin {
        port: u16,
    },
}

impl fmt::Display for RefusalReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RefusalReason::Scheme(scheme) => write!(f, "scheme {scheme:?} is not http or https"),
            RefusalReason::NoHost => f.write_str("no host"),
            RefusalReason::Address { ip, class } => {
                write!(
                    f,
                    "{ip} is a {class} address (fetch.allow_private_origins can exempt it)"
                )
            }
            RefusalReason::OtherPortOfExemptOrigin { port } => {
                write!(f, "port {port} is not the exempted port of this origin")
            }
        }
    }
}

/// A URL or name the guard would not let through.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("address guard refused {target}: {reason}")]
pub struct Refused {
    /// The URL, or the host name when the refusal came from DNS.
    pub target: String,
    pub reason: RefusalReason,
}

/// A `fetch.allow_private_origins` entry that does not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "fetch.allow_private_origins: {entry:?} is not an origin (\"127.0.0.1:8765\", \
     \"[::1]:8080\", \"intranet.example:80\", \"http://10.0.0.5:8080\") or a network \
     (\"10.1.2.0/24\", \"10.1.2.3\")"
)]
pub struct BadExemption {
    pub entry: String,
}

/// An origin exempted from the guard: a host exactly as the URL spells it
/// (lower-case name or IP) and a port.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Origin {
    host: Host<String>,
    port: u16,
}

/// Which addresses feedsieve may connect to. Comparable, so a reload can
/// tell whether the fetch settings changed.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AddressPolicy {
    allow_private_networks: bool,
    origins: Vec<Origin>,
    networks: Vec<IpNet>,
}

impl AddressPolicy {
    /// The policy from `fetch.allow_private_networks` and
    /// `fetch.allow_private_origins`. Entries are origins (`host:port`, or a
    /// URL whose scheme and path are ignored) or networks (`10.1.2.0/24`, or
    /// a bare IP meaning that one address on every port). Every bad entry is
    /// reported, not just the first.
    pub fn new(
        allow_private_networks: bool,
        allow_private_origins: &[String],
    ) -> Result<Self, Vec<BadExemption>> {
        let mut policy = AddressPolicy {
            allow_private_networks,
            ..AddressPolicy::default()
        };
        let mut errors = Vec::new();
        for entry in allow_private_origins {
            match parse_exemption(entry) {
                Some(Exemption::Origin(origin)) => policy.origins.push(origin),
                Some(Exemption::Network(network)) => policy.networks.push(network),
                None => errors.push(BadExemption {
                    entry: entry.clone(),
                }),
            }
        }
        if errors.is_empty() {
            Ok(policy)
        } else {
            Err(errors)
        }
    }

    /// Checks a URL before it is requested or followed as a redirect: the
    /// scheme, an IP-literal host, and the port of an exempted name. Names
    /// are checked again, by address, in [`GuardedResolver`].
    pub fn check_url(&self, url: &Url) -> Result<(), Refused> {
        let refuse = |reason| {
            Err(Refused {
                target: url.to_string(),
                reason,
            })
        };
        if !matches!(url.scheme(), "http" | "https") {
            return refuse(RefusalReason::Scheme(url.scheme().to_owned()));
        }
        let Some(host) = url.host() else {
            return refuse(RefusalReason::NoHost);
        };
        if self.allow_private_networks {
            return Ok(());
        }
        // `port_or_known_default` is always `Some` for http and https.
        let port = url.port_or_known_default().unwrap_or(80);
        let ip = match host {
            Host::Ipv4(ip) => IpAddr::V4(ip),
            Host::Ipv6(ip) => IpAddr::V6(ip),
            Host::Domain(name) => {
                // The url crate turns every IPv4 spelling of http(s) URLs
                // (2130706433, 0x7f.1, 0177.0.0.1, 127.1) into Host::Ipv4,
                // so a name that still reads as an IP would be a url crate
                // change: check it as the address it is.
                if let Some(ip) = ip_from_name(name) {
                    ip
                } else {
                    let exempt_ports: Vec<u16> = self
                        .origins
                        .iter()
                        .filter(
                            |o| matches!(&o.host, Host::Domain(d) if d.eq_ignore_ascii_case(name)),
                        )
                        .map(|o| o.port)
                        .collect();
                    if !exempt_ports.is_empty() && !exempt_ports.contains(&port) {
                        // The resolver lets every address of an exempt name
                        // through (it cannot see ports), so the port is held
                        // to the exemption here.
                        return refuse(RefusalReason::OtherPortOfExemptOrigin { port });
                    }
                    return Ok(());
                }
            }
        };
        match self.refusal_for_ip(ip, Some(port)) {
            Some(reason) => refuse(reason),
            None => Ok(()),
        }
    }

    /// The addresses of `name` that may be contacted (on any port: DNS
    /// resolution does not know the port, see [`AddressPolicy::check_url`]).
    /// An error when none may.
    pub fn filter_resolved(
        &self,
        name: &str,
        addresses: Vec<SocketAddr>,
    ) -> Result<Vec<SocketAddr>, Refused> {
        if self.allow_private_networks || self.is_exempt_name(name) {
            return Ok(addresses);
        }
        let mut first_refusal = None;
        let allowed: Vec<SocketAddr> = addresses
            .into_iter()
            .filter(|address| match self.refusal_for_ip(address.ip(), None) {
                None => true,
                Some(reason) => {
                    first_refusal.get_or_insert(reason);
                    false
                }
            })
            .collect();
        match (allowed.is_empty(), first_refusal) {
            (false, _) => Ok(allowed),
            (true, Some(reason)) => Err(Refused {
                target: name.to_owned(),
                reason,
            }),
            // No addresses at all: let the connector report "no addresses".
            (true, None) => Ok(allowed),
        }
    }

    fn is_exempt_name(&self, name: &str) -> bool {
        self.origins
            .iter()
            .any(|o| matches!(&o.host, Host::Domain(d) if d.eq_ignore_ascii_case(name)))
    }

    /// `None` when `ip` may be contacted (on `port`, when known).
    fn refusal_for_ip(&self, ip: IpAddr, port: Option<u16>) -> Option<RefusalReason> {
        let class = classify(ip)?;
        if self.networks.iter().any(|n| n.contains(&ip)) {
            return None;
        }
        let exempt_origin = port.is_some_and(|port| {
            self.origins.iter().any(|o| {
                o.port == port
                    && match (&o.host, ip) {
                        (Host::Ipv4(a), IpAddr::V4(b)) => *a == b,
                        (Host::Ipv6(a), IpAddr::V6(b)) => *a == b,
                        _ => false,
                    }
            })
        });
        if exempt_origin {
            None
        } else {
            Some(RefusalReason::Address { ip, class })
        }
    }
}

enum Exemption {
    Origin(Origin),
    Network(IpNet),
}

fn parse_exemption(entry: &str) -> Option<Exemption> {
    let entry = entry.trim();
    if let Ok(network) = entry.parse::<IpNet>() {
        return Some(Exemption::Network(network.trunc()));
    }
    if let Ok(ip) = entry.parse::<IpAddr>() {
        return Some(Exemption::Network(IpNet::from(ip)));
    }
    // "host:port" is parsed as the authority of an http URL, so that the
    // host is normalised exactly as request URLs are (case, IDNA, IPv4
    // spellings) and compares equal to them.
    let url = if entry.contains("://") {
        Url::parse(entry).ok()?
    } else {
        Url::parse(&format!("http://{entry}/")).ok()?
    };
    if !matches!(url.scheme(), "http" | "https") {
        return None;
    }
    // An origin needs its port written out: "intranet.example" alone would
    // silently mean port 80 only.
    // (`Url::port` is `None` for a written default port, so look at the text.)
    let after_host = entry.rsplit(']').next().unwrap_or(entry);
    let explicit_port = entry.contains("://")
        || after_host
            .rsplit_once(':')
            .is_some_and(|(_, port)| !port.is_empty() && port.bytes().all(|b| b.is_ascii_digit()));
    if !explicit_port {
        return None;
    }
    let port = url.port_or_known_default()?;
    let host = url.host()?.to_owned();
    Some(Exemption::Origin(Origin { host, port }))
}

fn ip_from_name(name: &str) -> Option<IpAddr> {
    name.trim_start_matches('[')
        .trim_end_matches(']')
        .parse()
        .ok()
}

/// The class of a non-public address, `None` for a public one.
///
/// IPv6 forms that carry an IPv4 address (IPv4-mapped `::ffff:a.b.c.d`,
/// IPv4-compatible `::a.b.c.d`, NAT64 `64:ff9b::/96`, 6to4 `2002::/16`) are
/// judged by that IPv4 address: `[::ffff:127.0.0.1]` is loopback.
pub fn classify(ip: IpAddr) -> Option<AddressClass> {
    match ip {
        IpAddr::V4(v4) => classify_v4(v4),
        IpAddr::V6(v6) => classify_v6(v6),
    }
}

fn classify_v4(ip: Ipv4Addr) -> Option<AddressClass> {
    let [a, b, c, _] = ip.octets();
    let class = match (a, b, c) {
        _ if ip.is_unspecified() => AddressClass::Unspecified,
        _ if ip.is_broadcast() => AddressClass::Broadcast,
        (0, _, _) => AddressClass::Reserved, // "this network", RFC 791
        (127, _, _) => AddressClass::Loopback,
        (10, _, _) | (172, 16..=31, _) | (192, 168, _) => AddressClass::Private,
        (169, 254, _) => AddressClass::LinkLocal,
        (100, 64..=127, _) => AddressClass::SharedCgnat,
        (224..=239, _, _) => AddressClass::Multicast,
        (240..=255, _, _) => AddressClass::Reserved, // RFC 1112 future use
        (192, 0, 0) => AddressClass::Reserved,       // IETF protocol assignments, RFC 6890
        (192, 0, 2) | (198, 51, 100) | (203, 0, 113) => AddressClass::Reserved, // RFC 5737
        (198, 18..=19, _) => AddressClass::Reserved, // benchmarking, RFC 2544
        (192, 88, 99) => AddressClass::Reserved,     // deprecated 6to4 relay, RFC 7526
        _ => return None,
    };
    Some(class)
}

fn classify_v6(ip: Ipv6Addr) -> Option<AddressClass> {
    if ip.is_unspecified() {
        return Some(AddressClass::Unspecified);
    }
    if ip.is_loopback() {
        return Some(AddressClass::Loopback);
    }
    if let Some(v4) = ip.to_ipv4_mapped() {
        return classify_v4(v4);
    }
    let segments = ip.segments();
    let embedded_v4 = |high: u16, low: u16| {
        let [a, b] = high.to_be_bytes();
        let [c, d] = low.to_be_bytes();
        Ipv4Addr::new(a, b, c, d)
    };
    match segments {
        // IPv4-compatible ::a.b.c.d (deprecated by RFC 4291 §2.5.5.1, still
        // routed to the IPv4 host by some stacks).
        [0, 0, 0, 0, 0, 0, high, low] => {
            return classify_v4(embedded_v4(high, low)).or(Some(AddressClass::Reserved));
        }
        // NAT64 well-known prefix 64:ff9b::/96 (RFC 6052) and local-use 64:ff9b:1::/48 (RFC 8215).
        [0x64, 0xff9b, 0, 0, 0, 0, high, low] => return classify_v4(embedded_v4(high, low)),
        [0x64, 0xff9b, 1, ..] => return Some(AddressClass::Reserved),
        // 6to4 2002:AABB:CCDD::/48 carries AA.BB.CC.DD (RFC 3056).
        [0x2002, high, low, ..] => return classify_v4(embedded_v4(high, low)),
        _ => {}
    }
    let first = segments[0];
    let class = match first {
        _ if first & 0xff00 == 0xff00 => AddressClass::Multicast,
        _ if first & 0xfe00 == 0xfc00 => AddressClass::Private, // unique local, RFC 4193
        _ if first & 0xffc0 == 0xfe80 => AddressClass::LinkLocal,
        _ if first & 0xffc0 == 0xfec0 => AddressClass::Private, // deprecated site-local
        0x2001 if segments[1] == 0x0db8 => AddressClass::Reserved, // documentation, RFC 3849
        0x2001 if segments[1] == 0 => AddressClass::Tunnel,     // Teredo, RFC 4380
        0x0100 if segments[1..4] == [0, 0, 0] => AddressClass::Reserved, // discard, RFC 6666
        _ if first & 0xe000 != 0x2000 => AddressClass::Reserved, // outside global unicast 2000::/3
        _ => return None,
    };
    Some(class)
}

/// reqwest's DNS resolver with the guard applied to every answer.
///
/// Install with `ClientBuilder::dns_resolver(Arc::new(GuardedResolver::new(policy)))`.
/// Resolution itself is the system's (`getaddrinfo` on a blocking thread,
/// like reqwest's default), so `/etc/hosts` and the system's DNS settings
/// keep working.
#[derive(Debug, Clone)]
pub struct GuardedResolver {
    policy: Arc<AddressPolicy>,
}

impl GuardedResolver {
    pub fn new(policy: Arc<AddressPolicy>) -> Self {
        Self { policy }
    }
}

impl reqwest::dns::Resolve for GuardedResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let policy = Arc::clone(&self.policy);
        let name = name.as_str().to_owned();
        Box::pin(async move {
            // Port 0: reqwest replaces it with the URL's port.
            let resolved: Vec<SocketAddr> =
                tokio::net::lookup_host((name.as_str(), 0)).await?.collect();
            let allowed = policy.filter_resolved(&name, resolved)?;
            let addresses: reqwest::dns::Addrs = Box::new(allowed.into_iter());
            Ok(addresses)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strict() -> AddressPolicy {
        AddressPolicy::new(false, &[]).expect("no entries")
    }

    fn with(entries: &[&str]) -> AddressPolicy {
        let entries: Vec<String> = entries.iter().map(|e| e.to_string()).collect();
        AddressPolicy::new(false, &entries).expect("valid entries")
    }

    fn url(text: &str) -> Url {
        Url::parse(text).expect("test URL parses")
    }

    fn reason(policy: &AddressPolicy, text: &str) -> Option<RefusalReason> {
        policy.check_url(&url(text)).err().map(|r| r.reason)
    }

    #[test]
    fn public_http_and_https_urls_pass() {
        let policy = strict();
        for text in [
            "https://kazpravda.kz/rss",
            "http://93.184.216.34/feed",
            "https://[2606:2800:220:1:248:1893:25c8:1946]/",
            "http://1.1.1.1:8080/x",
        ] {
            assert_eq!(reason(&policy, text), None, "{text}");
        }
    }

    #[test]
    fn private_loopback_link_local_cgnat_multicast_and_unspecified_literals_are_refused() {
        let policy = strict();
        let cases = [
            ("http://127.0.0.1/", AddressClass::Loopback),
            ("http://127.255.255.254:8080/", AddressClass::Loopback),
            ("http://10.0.0.1/", AddressClass::Private),
            ("http://172.16.0.1/", AddressClass::Private),
            ("http://172.31.255.255/", AddressClass::Private),
            ("http://192.168.1.1/", AddressClass::Private),
            (
                "http://169.254.169.254/latest/meta-data/",
                AddressClass::LinkLocal,
            ),
            ("http://100.64.0.1/", AddressClass::SharedCgnat),
            ("http://100.127.255.255/", AddressClass::SharedCgnat),
            ("http://224.0.0.1/", AddressClass::Multicast),
            ("http://0.0.0.0/", AddressClass::Unspecified),
            ("http://255.255.255.255/", AddressClass::Broadcast),
            ("http://0.1.2.3/", AddressClass::Reserved),
            ("http://240.0.0.1/", AddressClass::Reserved),
            ("http://[::1]/", AddressClass::Loopback),
            ("http://[::]/", AddressClass::Unspecified),
            ("http://[fe80::1]/", AddressClass::LinkLocal),
            ("http://[febf::1]/", AddressClass::LinkLocal),
            ("http://[fd00:ec2::254]/", AddressClass::Private),
            ("http://[fc00::1]/", AddressClass::Private),
            ("http://[ff02::1]/", AddressClass::Multicast),
            ("http://[2001:db8::1]/", AddressClass::Reserved),
            (
                "http://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/",
                AddressClass::Tunnel,
            ),
        ];
        for (text, class) in cases {
            match reason(&policy, text) {
                Some(RefusalReason::Address { class: got, .. }) => assert_eq!(got, class, "{text}"),
                other => panic!("{text}: expected {class:?}, got {other:?}"),
            }
        }
    }

    #[test]
    fn public_neighbours_of_private_ranges_pass() {
        let policy = strict();
        for text in [
            "http://172.15.255.255/",
            "http://172.32.0.0/",
            "http://100.63.255.255/",
            "http://100.128.0.0/",
            "http://169.253.255.255/",
            "http://11.0.0.0/",
            "http://192.169.0.0/",
            "http://[2a00:1450:4001::1]/",
        ] {
            assert_eq!(reason(&policy, text), None, "{text}");
        }
    }

    #[test]
    fn ipv4_mapped_compatible_nat64_and_6to4_forms_are_judged_by_their_ipv4() {
        let policy = strict();
        for (text, class) in [
            ("http://[::ffff:127.0.0.1]/", AddressClass::Loopback),
            ("http://[::ffff:7f00:1]/", AddressClass::Loopback),
            ("http://[::ffff:169.254.169.254]/", AddressClass::LinkLocal),
            ("http://[::ffff:10.0.0.1]/", AddressClass::Private),
            ("http://[::127.0.0.1]/", AddressClass::Loopback),
            ("http://[64:ff9b::a9fe:a9fe]/", AddressClass::LinkLocal),
            ("http://[2002:7f00:1::1]/", AddressClass::Loopback),
            ("http://[2002:c0a8:101::1]/", AddressClass::Private),
        ] {
            match reason(&policy, text) {
                Some(RefusalReason::Address { class: got, .. }) => assert_eq!(got, class, "{text}"),
                other => panic!("{text}: expected {class:?}, got {other:?}"),
            }
        }
        assert_eq!(reason(&policy, "http://[::ffff:93.184.216.34]/"), None);
        assert_eq!(reason(&policy, "http://[64:ff9b::5db8:d822]/"), None);
    }

    #[test]
    fn url_crate_normalises_odd_ipv4_spellings_and_the_guard_refuses_them() {
        // What the url crate (WHATWG URL parser) makes of each spelling: the
        // guard relies on it for http(s) URLs, so this pins the behaviour.
        let policy = strict();
        for text in [
            "http://2130706433/",
            "http://0x7f.1/",
            "http://0x7f000001/",
            "http://0177.0.0.1/",
            "http://0177.0000.0000.0001/",
            "http://127.1/",
            "http://127.0.1/",
            "http://0/",
            "http://017700000001/",
            "http://[0:0:0:0:0:ffff:127.0.0.1]/",
            "http://127.0.0.1./",
            "http://①②⑦.0.0.1/",
            "http://user:pass@127.0.0.1/",
            "http://evil.example@127.0.0.1/",
            "HTTP://LOCALHOST.:80@0x7F.1/",
            "http://0x7f.0x0.0x0.0x1/",
            "http://127.000.000.001/",
        ] {
            let parsed = url(text);
            assert!(
                matches!(parsed.host(), Some(Host::Ipv4(_) | Host::Ipv6(_))),
                "{text} -> {parsed}: the url crate left an IP spelling as a name"
            );
            assert!(
                policy.check_url(&parsed).is_err(),
                "{text} -> {parsed} passed the guard"
            );
        }
        // Userinfo tricks end up at the host after the last '@'.
        assert_eq!(
            url("http://169.254.169.254%2f@example.com/").host_str(),
            Some("example.com")
        );
        // IPv6 zone identifiers do not parse at all, so are never requested.
        assert!(Url::parse("http://[fe80::1%25eth0]/").is_err());
        assert_eq!(url("http://2130706433/").host_str(), Some("127.0.0.1"));
        assert_eq!(url("http://0x7f.1/").host_str(), Some("127.0.0.1"));
        assert_eq!(url("http://0177.0.0.1/").host_str(), Some("127.0.0.1"));
    }

    #[test]
    fn schemes_other_than_http_and_https_are_refused_even_when_private_networks_are_allowed() {
        let open = AddressPolicy::new(true, &[]).expect("valid");
        for text in [
            "file:///etc/passwd",
            "gopher://127.0.0.1:70/",
            "ftp://example.com/",
            "dict://127.0.0.1:11211/",
            "javascript:alert(1)",
            "data:text/html,hi",
        ] {
            assert!(
                matches!(reason(&open, text), Some(RefusalReason::Scheme(_))),
                "{text}"
            );
            assert!(matches!(
                reason(&strict(), text),
                Some(RefusalReason::Scheme(_))
            ));
        }
    }

    #[test]
    fn allow_private_networks_turns_the_address_checks_off() {
        let open = AddressPolicy::new(true, &[]).expect("valid");
        assert_eq!(reason(&open, "http://127.0.0.1:8080/"), None);
        assert_eq!(reason(&open, "http://169.254.169.254/"), None);
        let addresses = vec![SocketAddr::from(([127, 0, 0, 1], 0))];
        assert_eq!(
            open.filter_resolved("localhost", addresses.clone()),
            Ok(addresses)
        );
    }

    #[test]
    fn an_exempt_origin_exempts_exactly_that_host_and_port() {
        let policy = with(&["127.0.0.1:8765"]);
        assert_eq!(reason(&policy, "http://127.0.0.1:8765/feed.xml"), None);
        assert_eq!(reason(&policy, "https://127.0.0.1:8765/"), None);
        assert!(reason(&policy, "http://127.0.0.1:18999/").is_some());
        assert!(reason(&policy, "http://127.0.0.2:8765/").is_some());
        assert!(reason(&policy, "http://[::1]:8765/").is_some());
        // A name resolving to the exempt IP is not the exempt origin: DNS
        // rebinding to 127.0.0.1 stays refused.
        let loopback = vec![SocketAddr::from(([127, 0, 0, 1], 0))];
        assert!(policy.filter_resolved("evil.example", loopback).is_err());
    }

    #[test]
    fn an_exempt_network_exempts_every_address_and_port_in_it_and_nothing_else() {
        let policy = with(&["10.1.2.0/24"]);
        assert_eq!(reason(&policy, "http://10.1.2.3/"), None);
        assert_eq!(reason(&policy, "http://10.1.2.255:9000/"), None);
        assert!(reason(&policy, "http://10.1.3.1/").is_some());
        let inside = vec![SocketAddr::from(([10, 1, 2, 7], 0))];
        assert_eq!(
            policy.filter_resolved("intranet.example", inside.clone()),
            Ok(inside)
        );
        let outside = vec![SocketAddr::from(([10, 1, 3, 7], 0))];
        assert!(policy.filter_resolved("intranet.example", outside).is_err());
    }

    #[test]
    fn an_exempt_name_origin_lets_its_addresses_through_only_on_its_port() {
        let policy = with(&["Intranet.Example:8080"]);
        assert_eq!(reason(&policy, "http://intranet.example:8080/rss"), None);
        assert_eq!(
            reason(&policy, "http://intranet.example/rss"),
            Some(RefusalReason::OtherPortOfExemptOrigin { port: 80 })
        );
        let private = vec![SocketAddr::from(([192, 168, 0, 10], 0))];
        assert_eq!(
            policy.filter_resolved("intranet.example", private.clone()),
            Ok(private.clone())
        );
        assert!(policy.filter_resolved("other.example", private).is_err());
    }

    #[test]
    fn resolved_private_addresses_are_dropped_and_public_ones_kept() {
        let policy = strict();
        let mixed = vec![
            SocketAddr::from(([10, 0, 0, 1], 0)),
            SocketAddr::from(([93, 184, 216, 34], 0)),
            SocketAddr::from((Ipv6Addr::LOCALHOST, 0)),
        ];
        assert_eq!(
            policy.filter_resolved("example.com", mixed),
            Ok(vec![SocketAddr::from(([93, 184, 216, 34], 0))])
        );
        let refused = policy
            .filter_resolved(
                "metadata.example",
                vec![SocketAddr::from(([169, 254, 169, 254], 0))],
            )
            .expect_err("only a link-local address");
        assert_eq!(refused.target, "metadata.example");
        assert!(
            refused
                .to_string()
                .contains("169.254.169.254 is a link-local address"),
            "{refused}"
        );
    }

    #[test]
    fn exemption_entries_parse_and_bad_ones_are_all_reported() {
        assert!(
            AddressPolicy::new(
                false,
                &[
                    "127.0.0.1:8765".into(),
                    "[::1]:8080".into(),
                    "10.1.2.0/24".into(),
                    "10.9.9.9".into(),
                    "fd00::/8".into(),
                    "http://10.0.0.5:8080".into(),
                    "intranet.example:80".into(),
                ]
            )
            .is_ok()
        );
        let errors = AddressPolicy::new(
            false,
            &[
                "intranet.example".into(),
                "ftp://10.0.0.1:21".into(),
                "10.1.2.0/99".into(),
                "ok.example:81".into(),
            ],
        )
        .expect_err("three bad entries");
        let bad: Vec<&str> = errors.iter().map(|e| e.entry.as_str()).collect();
        assert_eq!(
            bad,
            ["intranet.example", "ftp://10.0.0.1:21", "10.1.2.0/99"]
        );
    }

    /// A loopback listener that counts the connections it accepts and
    /// answers none of them.
    async fn canary() -> (u16, Arc<std::sync::atomic::AtomicUsize>) {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind canary");
        let port = listener.local_addr().expect("bound").port();
        let hits = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let counter = Arc::clone(&hits);
        tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                drop(socket);
            }
        });
        (port, hits)
    }

    fn guarded_client(policy: AddressPolicy) -> reqwest::Client {
        reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .dns_resolver(Arc::new(GuardedResolver::new(Arc::new(policy))))
            .no_proxy()
            .timeout(std::time::Duration::from_secs(10))
            .build()
            .expect("client builds")
    }

    fn refusal_in(error: &reqwest::Error) -> Option<&Refused> {
        let mut source: Option<&(dyn std::error::Error + 'static)> = Some(error);
        while let Some(current) = source {
            if let Some(refused) = current.downcast_ref::<Refused>() {
                return Some(refused);
            }
            source = current.source();
        }
        None
    }

    #[tokio::test]
    async fn a_name_resolving_to_loopback_is_refused_before_connecting() {
        let (canary_port, hits) = canary().await;
        let client = guarded_client(strict());
        let error = client
            .get(format!("http://localhost:{canary_port}/"))
            .send()
            .await
            .expect_err("localhost resolves to loopback");
        let refused = refusal_in(&error).expect("the guard's refusal is the cause");
        assert_eq!(refused.target, "localhost");
        assert_eq!(hits.load(std::sync::atomic::Ordering::SeqCst), 0);
    }
}
