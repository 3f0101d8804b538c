//! Connection spans end to end: a loopback TCP connection made by this test
//! process arrives as a client span (`connect`) and a server span (`accept`)
//! with the peer addresses and the bytes each side moved.

use std::{
    io::{Read as _, Write as _},
    net::{TcpListener, TcpStream},
    time::Duration,
};

use sysotel_integration::gate::require_integration;
use sysotel_integration::stack::Stack;

const TIMEOUT: Duration = Duration::from_secs(20);

#[test]
fn loopback_tcp_connection_becomes_client_and_server_spans() {
    if !require_integration() {
        return;
    }
    let stack = Stack::start(&[("OTEL_BSP_SCHEDULE_DELAY", "200")]);
    let receiver = &stack.receiver;

    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let server = std::thread::spawn(move || {
        let (mut s, peer) = listener.accept().expect("accept");
        let mut buf = [0u8; 100];
        s.read_exact(&mut buf).expect("server read");
        s.write_all(b"thanks!").expect("server write");
        peer.port()
    });
    let mut client = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    client.write_all(&[7u8; 100]).expect("client write");
    let mut reply = [0u8; 7];
    client.read_exact(&mut reply).expect("client read");
    drop(client);
    let client_port = server.join().expect("server thread");

    let me = i64::from(std::process::id());
    let connect = receiver
        .wait_for_span(|s| s.name == "connect" && s.attributes.int("server.port") == Some(i64::from(port)), TIMEOUT)
        .unwrap_or_else(|| panic!("no connect span to port {port}: {:#?}", receiver.span_entries()));
    assert_eq!(connect.kind, 3, "client span: {connect:#?}");
    assert_eq!(connect.attributes.str("network.peer.address"), Some("127.0.0.1"));
    assert_eq!(connect.attributes.str("network.type"), Some("ipv4"));
    assert_eq!(connect.attributes.int("process.pid"), Some(me));
    assert_eq!(connect.attributes.int("sysotel.connection.sent_bytes"), Some(100), "{connect:#?}");
    assert_eq!(connect.attributes.int("sysotel.connection.received_bytes"), Some(7), "{connect:#?}");

    let accept = receiver
        .wait_for_span(
            |s| s.name == "accept" && s.attributes.int("client.port") == Some(i64::from(client_port)),
            TIMEOUT,
        )
        .unwrap_or_else(|| panic!("no accept span from port {client_port}"));
    assert_eq!(accept.kind, 2, "server span: {accept:#?}");
    assert_eq!(accept.attributes.int("sysotel.connection.received_bytes"), Some(100), "{accept:#?}");
    assert_eq!(accept.attributes.int("sysotel.connection.sent_bytes"), Some(7), "{accept:#?}");
}
