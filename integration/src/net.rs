//! Loopback ports: picking free ones and checking that a server listens.

use std::io;
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::time::Duration;

use crate::poll::poll_until;

/// How long one connection attempt of [`is_listening`] may take.
const CONNECT_TIMEOUT: Duration = Duration::from_millis(200);

/// `N` distinct ports that were free on 127.0.0.1 a moment ago.
///
/// The listeners are closed before returning, so another process could take a
/// port in between; tests accept that small race.
///
/// # Errors
/// When binding an ephemeral port fails.
pub fn free_ports<const N: usize>() -> io::Result<[u16; N]> {
    let listeners = (0..N).map(|_| TcpListener::bind((Ipv4Addr::LOCALHOST, 0))).collect::<io::Result<Vec<_>>>()?;
    let mut ports = [0; N];
    for (port, listener) in ports.iter_mut().zip(&listeners) {
        *port = listener.local_addr()?.port();
    }
    Ok(ports)
}

/// Whether a TCP connection to `addr` succeeds now.
#[must_use]
pub fn is_listening(addr: SocketAddr) -> bool {
    TcpStream::connect_timeout(&addr, CONNECT_TIMEOUT).is_ok()
}

/// Whether `addr` accepts a TCP connection within `timeout`.
#[must_use]
pub fn wait_for_tcp(addr: SocketAddr, timeout: Duration) -> bool {
    poll_until(timeout, || is_listening(addr).then_some(())).is_some()
}

/// `addr` for `port` on 127.0.0.1.
#[must_use]
pub fn loopback(port: u16) -> SocketAddr {
    SocketAddr::from((Ipv4Addr::LOCALHOST, port))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ports_are_distinct_and_connectable_once_bound() {
        let [a, b] = free_ports::<2>().expect("free ports");
        assert_ne!(a, b);
        assert!(!is_listening(loopback(a)), "nothing listens on {a} yet");
        let _listener = TcpListener::bind(loopback(a)).expect("bind");
        assert!(wait_for_tcp(loopback(a), Duration::from_secs(1)));
    }
}
