//! Socket addresses from raw `struct sockaddr` bytes.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

const AF_UNIX: u16 = 1;
const AF_INET: u16 = 2;
const AF_INET6: u16 = 10;

/// A decoded socket address.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SockAddr {
    Inet {
        ip: IpAddr,
        port: u16,
    },
    /// A unix socket path (abstract names start with `@`).
    Unix(String),
    Other {
        family: u16,
    },
}

/// Decodes a `sockaddr_in`, `sockaddr_in6` or `sockaddr_un`; `None` when
/// the bytes are too short for their family.
#[must_use]
pub fn parse_sockaddr(b: &[u8]) -> Option<SockAddr> {
    let family = u16::from_ne_bytes([*b.first()?, *b.get(1)?]);
    match family {
        AF_INET => {
            let port = u16::from_be_bytes([*b.get(2)?, *b.get(3)?]);
            let ip = Ipv4Addr::new(*b.get(4)?, *b.get(5)?, *b.get(6)?, *b.get(7)?);
            Some(SockAddr::Inet { ip: IpAddr::V4(ip), port })
        }
        AF_INET6 => {
            let port = u16::from_be_bytes([*b.get(2)?, *b.get(3)?]);
            let octets: [u8; 16] = b.get(8..24)?.try_into().ok()?;
            Some(SockAddr::Inet { ip: IpAddr::V6(Ipv6Addr::from(octets)), port })
        }
        AF_UNIX => {
            let path = b.get(2..)?;
            let text = if path.first() == Some(&0) {
                let name = &path[1..];
                let end = name.iter().position(|&c| c == 0).unwrap_or(name.len());
                format!("@{}", String::from_utf8_lossy(&name[..end]))
            } else {
                let end = path.iter().position(|&c| c == 0).unwrap_or(path.len());
                String::from_utf8_lossy(&path[..end]).into_owned()
            };
            Some(SockAddr::Unix(text))
        }
        other => Some(SockAddr::Other { family: other }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_families() {
        let mut v4 = vec![0u8; 16];
        v4[..2].copy_from_slice(&AF_INET.to_ne_bytes());
        v4[2..4].copy_from_slice(&8080u16.to_be_bytes());
        v4[4..8].copy_from_slice(&[127, 0, 0, 1]);
        assert_eq!(parse_sockaddr(&v4), Some(SockAddr::Inet { ip: "127.0.0.1".parse().unwrap(), port: 8080 }));
        let mut v6 = vec![0u8; 28];
        v6[..2].copy_from_slice(&AF_INET6.to_ne_bytes());
        v6[2..4].copy_from_slice(&443u16.to_be_bytes());
        v6[23] = 1;
        assert_eq!(parse_sockaddr(&v6), Some(SockAddr::Inet { ip: "::1".parse().unwrap(), port: 443 }));
        let mut un = AF_UNIX.to_ne_bytes().to_vec();
        un.extend_from_slice(b"/run/x.sock\0junk");
        assert_eq!(parse_sockaddr(&un), Some(SockAddr::Unix("/run/x.sock".into())));
        assert_eq!(parse_sockaddr(&v4[..5]), None);
        assert_eq!(parse_sockaddr(&[]), None);
    }
}
