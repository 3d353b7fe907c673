//! A GraphQL server on loopback that gives one answer to everything, for
//! answers the sandbox will not give (hostile, huge), and the binary pointed
//! at it.

use std::io::{Read, Write};
use std::process::{Command, Output};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

/// A server on loopback that answers every request with `body`, and counts them.
pub fn fixed_server(body: impl Into<String>) -> (String, Arc<AtomicUsize>) {
    fixed_server_with_status("200 OK", body)
}

/// [`fixed_server`] answering with an HTTP status of its own (`"401 Unauthorized"`).
pub fn fixed_server_with_status(
    status: &'static str,
    body: impl Into<String>,
) -> (String, Arc<AtomicUsize>) {
    let body: Arc<str> = body.into().into();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let count = Arc::new(AtomicUsize::new(0));
    let counter = count.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            counter.fetch_add(1, Ordering::SeqCst);
            let mut buffer = [0u8; 65536];
            let _ = stream.read(&mut buffer);
            let head = format!(
                "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            );
            let _ = stream.write_all(head.as_bytes());
            let _ = stream.write_all(body.as_bytes());
        }
    });
    (format!("http://{addr}"), count)
}

/// Runs `datasaur <args>` against `url` with a token.
pub fn datasaur_at(url: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_datasaur"))
        .args(args)
        .env("DATASAUR_URL", url)
        .env("DATASAUR_ACCESS_TOKEN", "t")
        .env_remove("RUST_LOG")
        .output()
        .expect("the binary runs")
}
