//! Who the client is. Directly connected, it is the TCP peer. Behind a
//! reverse proxy every request comes from the proxy, so the client is what
//! the proxy says in `X-Forwarded-For` (or, failing that, `Forwarded`), but
//! only when the peer is one of `NEWSROOM_TRUSTED_PROXIES`: anyone else could
//! write those headers, so from anyone else they are ignored.
//!
//! Each proxy appends the address it received the request from, so the
//! header reads client, proxy 1, proxy 2, … and only its right end was
//! written by proxies we trust. The client is therefore the rightmost hop
//! that is not itself a trusted proxy; a hop that is not an address (`unknown`,
//! an obfuscated name) ends the walk at the last address we could trust.

use std::net::IpAddr;

use actix_web::HttpRequest;
use actix_web::http::header::{HeaderMap, HeaderName};
use ipnet::IpNet;

const FORWARDED: HeaderName = HeaderName::from_static("forwarded");
const X_FORWARDED_FOR: HeaderName = HeaderName::from_static("x-forwarded-for");

/// The peers whose forwarding headers are believed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies(Vec<IpNet>);

impl TrustedProxies {
    /// Parses a comma-separated list of addresses and CIDR networks
    /// (`10.0.0.0/8, 192.0.2.7, ::1`); an empty list trusts no one.
    pub fn parse(list: &str) -> Result<Self, String> {
        list.split(',')
            .map(str::trim)
            .filter(|item| !item.is_empty())
            .map(|item| {
                item.parse::<IpNet>()
                    .or_else(|_| item.parse::<IpAddr>().map(IpNet::from))
                    .map(|net| net.trunc())
                    .map_err(|_| format!("`{item}` is neither an IP address nor a CIDR network such as 10.0.0.0/8"))
            })
            .collect::<Result<_, _>>()
            .map(Self)
    }

    fn trusts(&self, address: IpAddr) -> bool {
        self.0.iter().any(|net| net.contains(&address))
    }

    /// The client of a request that arrived from `peer` with `headers`.
    pub fn client(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        let peer = peer.to_canonical();
        if !self.trusts(peer) {
            return peer;
        }
        let hops = if headers.contains_key(X_FORWARDED_FOR) { forwarded_for(headers) } else { forwarded(headers) };
        let mut client = peer;
        for hop in hops.iter().rev() {
            let Some(address) = parse_hop(hop) else { break };
            client = address;
            if !self.trusts(address) {
                break;
            }
        }
        client
    }
}

/// The client of `request` as the configured proxies report it, or its TCP
/// peer; `None` only for requests without a peer (in-process tests).
pub fn client_address(request: &HttpRequest) -> Option<IpAddr> {
    let peer = request.peer_addr()?.ip();
    Some(match request.app_data::<TrustedProxies>() {
        Some(proxies) => proxies.client(peer, request.headers()),
        None => peer.to_canonical(),
    })
}

/// Every `X-Forwarded-For` hop, in order, across repeated header lines.
fn forwarded_for(headers: &HeaderMap) -> Vec<String> {
    headers
        .get_all(X_FORWARDED_FOR)
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .map(|hop| hop.trim().to_owned())
        .collect()
}

/// The `for=` of every element of `Forwarded` (RFC 7239), in order.
fn forwarded(headers: &HeaderMap) -> Vec<String> {
    headers
        .get_all(FORWARDED)
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .map(|element| {
            element
                .split(';')
                .filter_map(|pair| pair.split_once('='))
                .find(|(name, _)| name.trim().eq_ignore_ascii_case("for"))
                .map(|(_, value)| value.trim().trim_matches('"').to_owned())
                // An element without `for=` is a hop we know nothing about.
                .unwrap_or_default()
        })
        .collect()
}

/// An address as proxies write it: `192.0.2.1`, `192.0.2.1:4711`, `2001:db8::1`,
/// `[2001:db8::1]:4711`.
fn parse_hop(hop: &str) -> Option<IpAddr> {
    if let Ok(address) = hop.parse::<IpAddr>() {
        return Some(address.to_canonical());
    }
    if let Some(bracketed) = hop.strip_prefix('[') {
        return bracketed.split_once(']')?.0.parse::<IpAddr>().ok().map(|a| a.to_canonical());
    }
    let (host, port) = hop.rsplit_once(':')?;
    port.parse::<u16>().ok()?;
    host.parse::<std::net::Ipv4Addr>().ok().map(IpAddr::V4)
}

#[cfg(test)]
mod tests {
    use actix_web::http::header::HeaderValue;

    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(HeaderName::from_static(name), HeaderValue::from_static(value));
        }
        map
    }

    fn proxies(list: &str) -> TrustedProxies {
        TrustedProxies::parse(list).unwrap()
    }

    #[test]
    fn an_untrusted_peer_is_the_client_whatever_it_forwards() {
        let forged = headers(&[("x-forwarded-for", "198.51.100.9"), ("forwarded", "for=198.51.100.9")]);
        assert_eq!(proxies("").client(ip("203.0.113.5"), &forged), ip("203.0.113.5"));
        assert_eq!(proxies("10.0.0.0/8").client(ip("203.0.113.5"), &forged), ip("203.0.113.5"));
    }

    #[test]
    fn behind_trusted_proxies_the_client_is_the_rightmost_untrusted_hop() {
        let trusted = proxies("10.0.0.0/8, 192.0.2.7");
        // The client forged the first hop; the proxies appended the rest.
        let chain = headers(&[("x-forwarded-for", "1.1.1.1, 198.51.100.9"), ("x-forwarded-for", "192.0.2.7")]);
        assert_eq!(trusted.client(ip("10.1.2.3"), &chain), ip("198.51.100.9"));
        let only_proxies = headers(&[("x-forwarded-for", "10.0.0.2, 192.0.2.7")]);
        assert_eq!(trusted.client(ip("10.1.2.3"), &only_proxies), ip("10.0.0.2"));
        assert_eq!(trusted.client(ip("10.1.2.3"), &HeaderMap::new()), ip("10.1.2.3"));
    }

    #[test]
    fn forwarded_is_read_when_there_is_no_x_forwarded_for() {
        let trusted = proxies("::1");
        let chain = headers(&[("forwarded", r#"for="[2001:db8::7]:4711";proto=https, for=192.0.2.60:80"#)]);
        assert_eq!(trusted.client(ip("::1"), &chain), ip("192.0.2.60"));
        let trusted = proxies("::1, 192.0.2.60");
        assert_eq!(trusted.client(ip("::1"), &chain), ip("2001:db8::7"));
    }

    #[test]
    fn a_hop_that_is_not_an_address_ends_the_walk() {
        let trusted = proxies("10.0.0.0/8");
        let chain = headers(&[("x-forwarded-for", "198.51.100.9, unknown, 10.0.0.5")]);
        assert_eq!(trusted.client(ip("10.0.0.1"), &chain), ip("10.0.0.5"));
        let obfuscated = headers(&[("forwarded", "for=_hidden")]);
        assert_eq!(trusted.client(ip("10.0.0.1"), &obfuscated), ip("10.0.0.1"));
    }

    #[test]
    fn ipv4_mapped_peers_match_ipv4_networks() {
        let chain = headers(&[("x-forwarded-for", "198.51.100.9")]);
        assert_eq!(proxies("127.0.0.1").client(ip("::ffff:127.0.0.1"), &chain), ip("198.51.100.9"));
    }

    #[test]
    fn the_list_accepts_addresses_and_networks_and_names_what_it_refuses() {
        assert_eq!(proxies(" 10.0.0.1 ,, fd00::/8 ").0.len(), 2);
        let error = TrustedProxies::parse("10.0.0.0/8, proxy.internal").unwrap_err();
        assert!(error.contains("proxy.internal"), "{error}");
        assert!(TrustedProxies::parse("10.0.0.0/33").is_err());
    }
}
