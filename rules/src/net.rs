//! IP networks for the `fd.*net` fields: `10.0.0.0/8`, `fd00::/8`, or one
//! address (a network of one).

use std::net::IpAddr;

/// A parsed network: its address bits and prefix length. IPv4 networks and
/// addresses are kept as IPv4, and IPv4-mapped IPv6 addresses (`::ffff:a.b.c.d`)
/// are treated as the IPv4 address they map.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Cidr {
    addr: IpAddr,
    prefix: u8,
}

impl Cidr {
    /// `ADDR/LEN` or `ADDR`. Host bits set below the prefix are allowed and
    /// ignored (`127.0.0.1/8` is `127.0.0.0/8`), as Falco's own file writes it.
    pub fn parse(s: &str) -> Option<Self> {
        let (addr, prefix) = match s.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (s, None),
        };
        let raw: IpAddr = addr.trim().parse().ok()?;
        let prefix = match prefix {
            None => None,
            Some(p) if !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()) => Some(p.parse::<u8>().ok()?),
            Some(_) => return None,
        };
        if prefix.is_some_and(|p| p > max_prefix(raw)) {
            return None;
        }
        let addr = canonical(raw);
        let prefix = match (raw, prefix) {
            (_, None) => max_prefix(addr),
            // `::ffff:10.0.0.0/104` is `10.0.0.0/8`; a shorter prefix reaches
            // beyond the mapped range and stays IPv6.
            (IpAddr::V6(_), Some(p)) if addr.is_ipv4() => match p.checked_sub(96) {
                Some(p4) => p4,
                None => return Some(Self { addr: raw, prefix: p }),
            },
            (_, Some(p)) => p,
        };
        Some(Self { addr, prefix })
    }

    /// Whether `ip` lies in this network.
    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = canonical(ip);
        let (net, ip, bits) = match (self.addr, ip) {
            (IpAddr::V4(n), IpAddr::V4(a)) => (u128::from(u32::from(n)), u128::from(u32::from(a)), 32),
            (IpAddr::V6(n), IpAddr::V6(a)) => (u128::from(n), u128::from(a), 128),
            _ => return false,
        };
        let shift = bits - u32::from(self.prefix);
        shift >= bits || (net >> shift) == (ip >> shift)
    }
}

fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

fn max_prefix(ip: IpAddr) -> u8 {
    if ip.is_ipv4() { 32 } else { 128 }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn ipv4_networks() {
        let n = Cidr::parse("172.16.0.0/12").unwrap();
        assert!(n.contains(ip("172.16.0.1")));
        assert!(n.contains(ip("172.31.255.255")));
        assert!(!n.contains(ip("172.32.0.0")));
        assert!(!n.contains(ip("10.0.0.1")));
        // Host bits are ignored, as in Falco's `127.0.0.1/8`.
        assert!(Cidr::parse("127.0.0.1/8").unwrap().contains(ip("127.9.9.9")));
        assert!(Cidr::parse("0.0.0.0/0").unwrap().contains(ip("8.8.8.8")));
    }

    #[test]
    fn single_addresses_and_ipv6() {
        let one = Cidr::parse("169.254.169.254").unwrap();
        assert!(one.contains(ip("169.254.169.254")));
        assert!(!one.contains(ip("169.254.169.253")));
        let v6 = Cidr::parse("fd00::/8").unwrap();
        assert!(v6.contains(ip("fd12::1")));
        assert!(!v6.contains(ip("fe80::1")));
        assert!(!v6.contains(ip("10.0.0.1")));
        assert!(Cidr::parse("::/0").unwrap().contains(ip("2001:db8::1")));
    }

    #[test]
    fn mapped_ipv4_matches_ipv4_networks() {
        let n = Cidr::parse("10.0.0.0/8").unwrap();
        assert!(n.contains(ip("::ffff:10.1.2.3")));
        assert!(Cidr::parse("::ffff:10.0.0.0/104").unwrap().contains(ip("10.1.2.3")));
        assert!(!Cidr::parse("::ffff:10.0.0.0/104").unwrap().contains(ip("11.1.2.3")));
        assert!(Cidr::parse("::ffff:10.0.0.1").unwrap().contains(ip("10.0.0.1")));
    }

    #[test]
    fn rejects_malformed_networks() {
        for bad in ["", "10.0.0.0/33", "10.0.0.0/", "10.0.0.0/x", "10.0.0/8", "::/129", "host", "10.0.0.0/+8"] {
            assert!(Cidr::parse(bad).is_none(), "{bad}");
        }
    }
}
