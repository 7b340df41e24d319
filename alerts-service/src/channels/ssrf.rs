//! The SSRF guard (DESIGN §12): a channel may not make this service call into its own network.
//! URLs whose host resolves to loopback, link-local (cloud metadata lives at 169.254.169.254),
//! private, CGNAT, unspecified, multicast or reserved addresses — also when written as
//! IPv4-mapped or NAT64 IPv6 — are refused unless the operator lists the host in
//! `CHANNEL_ALLOWED_HOSTS` (self-hosters run ntfy on their LAN).
//!
//! The check runs twice: when a channel is saved (a clear 422) and inside the HTTP client's
//! DNS resolver on every send ([`GuardedResolver`]), so a name that resolved to a public
//! address yesterday and to 10.0.0.1 today (DNS rebinding) is still refused, and the address
//! checked is the address connected to.

use std::collections::HashSet;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

/// Why an address is off limits, or `None` when it is a public unicast address.
pub fn forbidden(ip: IpAddr) -> Option<&'static str> {
    match ip {
        IpAddr::V4(v4) => forbidden_v4(v4),
        IpAddr::V6(v6) => forbidden_v6(v6),
    }
}

fn forbidden_v4(ip: Ipv4Addr) -> Option<&'static str> {
    let [a, b, c, _] = ip.octets();
    Some(match (a, b) {
        _ if ip == Ipv4Addr::new(169, 254, 169, 254) => "a cloud metadata address",
        (0, _) => "an unspecified address",
        (127, _) => "a loopback address",
        (10, _) | (192, 168) => "a private address",
        (172, b) if (16..=31).contains(&b) => "a private address",
        (169, 254) => "a link-local address",
        (100, b) if (64..=127).contains(&b) => "a shared (CGNAT) address",
        (192, 0) if c == 0 => "a reserved (IETF protocol) address",
        (198, 18 | 19) => "a benchmarking address",
        (a, _) if (224..=239).contains(&a) => "a multicast address",
        (a, _) if a >= 240 => "a reserved or broadcast address",
        _ => return None,
    })
}

fn forbidden_v6(ip: Ipv6Addr) -> Option<&'static str> {
    if let Some(v4) = ip.to_ipv4_mapped() {
        return forbidden_v4(v4);
    }
    let s = ip.segments();
    // NAT64 (64:ff9b::/96) reaches the embedded IPv4 address.
    if s[0] == 0x64 && s[1] == 0xff9b && s[2..6] == [0, 0, 0, 0] {
        let [a, b] = s[6].to_be_bytes();
        let [c, d] = s[7].to_be_bytes();
        return forbidden_v4(Ipv4Addr::new(a, b, c, d));
    }
    Some(match s[0] {
        _ if ip.is_unspecified() => "an unspecified address",
        _ if ip.is_loopback() => "a loopback address",
        // The deprecated IPv4-compatible form (::a.b.c.d).
        0 if s[1..6] == [0, 0, 0, 0, 0] => "a reserved address",
        x if x & 0xffc0 == 0xfe80 => "a link-local address",
        x if x & 0xffc0 == 0xfec0 => "a site-local address",
        // fc00::/7 also holds AWS's metadata service (fd00:ec2::254).
        x if x & 0xfe00 == 0xfc00 => "a private (unique local) address",
        x if x & 0xff00 == 0xff00 => "a multicast address",
        _ => return None,
    })
}

/// Hosts the operator allows despite the rules (`CHANNEL_ALLOWED_HOSTS`, comma-separated host
/// names or IP addresses, compared case-insensitively), plus the configured cloud bases.
#[derive(Debug, Clone, Default)]
pub struct AllowedHosts(HashSet<String>);

impl AllowedHosts {
    /// Parses the comma-separated list; an entry with a scheme, path or port is refused so a
    /// typo does not silently allow nothing.
    pub fn parse(list: &str) -> Result<Self, String> {
        let mut hosts = HashSet::new();
        for entry in list.split(',').map(str::trim).filter(|e| !e.is_empty()) {
            if entry.contains('/') || (entry.contains(':') && entry.parse::<IpAddr>().is_err()) {
                return Err(format!(
                    "CHANNEL_ALLOWED_HOSTS lists host names or IP addresses only (got {entry:?})"
                ));
            }
            hosts.insert(normalise(entry));
        }
        Ok(Self(hosts))
    }

    /// Adds a host (the cloud service bases are trusted: the operator configured them).
    pub fn insert(&mut self, host: &str) {
        self.0.insert(normalise(host));
    }

    /// Whether `host` is allowed whatever it resolves to.
    pub fn contains(&self, host: &str) -> bool {
        self.0.contains(&normalise(host))
    }
}

fn normalise(host: &str) -> String {
    host.trim_matches(['[', ']'])
        .trim_end_matches('.')
        .to_ascii_lowercase()
}

/// Why a host may not be called.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refused {
    /// It resolves to a forbidden address.
    #[error(
        "{host} resolves to {ip}, {reason}; the operator can allow it with CHANNEL_ALLOWED_HOSTS"
    )]
    Forbidden {
        /// The host.
        host: String,
        /// The address.
        ip: IpAddr,
        /// Why.
        reason: &'static str,
    },
    /// It does not resolve at all.
    #[error("{host} does not resolve: {reason}")]
    Unresolvable {
        /// The host.
        host: String,
        /// Why.
        reason: String,
    },
}

/// The addresses of `host:port` that may be called: every address, when the host is allowed;
/// otherwise all of them must be public (one forbidden address refuses the host, so a name
/// cannot mix a public and an internal address and win a race).
pub async fn resolve_checked(
    host: &str,
    port: u16,
    allowed: &AllowedHosts,
) -> Result<Vec<SocketAddr>, Refused> {
    let addrs: Vec<SocketAddr> = match host.trim_matches(['[', ']']).parse::<IpAddr>() {
        Ok(ip) => vec![SocketAddr::new(ip, port)],
        Err(_) => tokio::net::lookup_host((host, port))
            .await
            .map_err(|e| Refused::Unresolvable {
                host: host.to_owned(),
                reason: e.to_string(),
            })?
            .collect(),
    };
    if addrs.is_empty() {
        return Err(Refused::Unresolvable {
            host: host.to_owned(),
            reason: "no addresses".into(),
        });
    }
    if allowed.contains(host) {
        return Ok(addrs);
    }
    for addr in &addrs {
        if let Some(reason) = forbidden(addr.ip()) {
            return Err(Refused::Forbidden {
                host: host.to_owned(),
                ip: addr.ip(),
                reason,
            });
        }
    }
    Ok(addrs)
}

/// reqwest's DNS resolver with the guard built in: every connection the channel client opens
/// goes to an address checked at that moment.
pub struct GuardedResolver {
    /// Hosts allowed whatever they resolve to.
    pub allowed: std::sync::Arc<AllowedHosts>,
}

impl reqwest::dns::Resolve for GuardedResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let allowed = self.allowed.clone();
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let addrs = resolve_checked(&host, 0, &allowed).await?;
            let addrs: reqwest::dns::Addrs = Box::new(addrs.into_iter());
            Ok(addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn internal_addresses_are_forbidden_and_public_ones_are_not() {
        let cases: [(&str, Option<&str>); 30] = [
            ("127.0.0.1", Some("loopback")),
            ("127.8.9.10", Some("loopback")),
            ("0.0.0.0", Some("unspecified")),
            ("10.1.2.3", Some("private")),
            ("172.16.0.1", Some("private")),
            ("172.31.255.255", Some("private")),
            ("192.168.1.10", Some("private")),
            ("169.254.169.254", Some("metadata")),
            ("169.254.3.4", Some("link-local")),
            ("100.64.0.1", Some("CGNAT")),
            ("100.127.255.254", Some("CGNAT")),
            ("224.0.0.1", Some("multicast")),
            ("255.255.255.255", Some("broadcast")),
            ("198.18.0.1", Some("benchmarking")),
            ("::1", Some("loopback")),
            ("::", Some("unspecified")),
            ("fe80::1", Some("link-local")),
            ("febf::1", Some("link-local")),
            ("fd00:ec2::254", Some("unique local")),
            ("fc00::1", Some("unique local")),
            ("ff02::1", Some("multicast")),
            ("::ffff:127.0.0.1", Some("loopback")),
            ("::ffff:169.254.169.254", Some("metadata")),
            ("::ffff:10.0.0.1", Some("private")),
            ("64:ff9b::10.0.0.1", Some("private")),
            ("172.32.0.1", None),
            ("100.128.0.1", None),
            ("93.184.215.14", None),
            ("2606:4700:4700::1111", None),
            ("::ffff:8.8.8.8", None),
        ];
        for (ip, expected) in cases {
            let got = forbidden(ip.parse().unwrap());
            match expected {
                Some(word) => assert!(
                    got.is_some_and(|r| r.contains(word)),
                    "{ip}: expected {word}, got {got:?}"
                ),
                None => assert_eq!(got, None, "{ip}"),
            }
        }
    }

    #[tokio::test]
    async fn a_loopback_host_is_refused_unless_the_operator_allows_it() {
        let none = AllowedHosts::default();
        let refused = resolve_checked("127.0.0.1", 80, &none).await.unwrap_err();
        assert!(
            refused.to_string().contains("CHANNEL_ALLOWED_HOSTS"),
            "{refused}"
        );
        let refused = resolve_checked("localhost", 80, &none).await.unwrap_err();
        assert!(matches!(refused, Refused::Forbidden { .. }), "{refused}");
        let refused = resolve_checked("[::ffff:127.0.0.1]", 80, &none)
            .await
            .unwrap_err();
        assert!(matches!(refused, Refused::Forbidden { .. }), "{refused}");

        let allowed = AllowedHosts::parse("LocalHost, 127.0.0.1").unwrap();
        assert_eq!(
            resolve_checked("127.0.0.1", 80, &allowed).await.unwrap(),
            vec!["127.0.0.1:80".parse().unwrap()]
        );
        assert!(resolve_checked("LOCALHOST", 80, &allowed).await.is_ok());
    }

    #[test]
    fn allowed_hosts_refuse_entries_that_are_not_hosts() {
        for bad in ["http://ntfy.lan", "ntfy.lan:8080", "10.0.0.0/8"] {
            assert!(AllowedHosts::parse(bad).is_err(), "{bad}");
        }
        let ok = AllowedHosts::parse(" ntfy.lan ,, ::1 ,10.0.0.5").unwrap();
        assert!(ok.contains("NTFY.LAN"));
        assert!(ok.contains("[::1]"));
        assert!(ok.contains("10.0.0.5"));
        assert!(!ok.contains("10.0.0.6"));
    }
}
