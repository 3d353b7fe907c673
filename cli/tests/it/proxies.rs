//! Proxies from the environment: a loopback target (the sandbox) is reached
//! directly, so the bearer token, allowed over plain http only because it
//! stays on this machine, never reaches an `HTTP_PROXY` in clear.

use std::io::Read;
use std::net::TcpListener;
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::support::command::text;

/// A proxy that records what each connection sends, and answers nothing.
fn recording_proxy() -> (String, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("a free port");
    let address = listener.local_addr().expect("bound");
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    std::thread::spawn(move || {
        for mut socket in listener.incoming().flatten() {
            let _ = socket.set_read_timeout(Some(Duration::from_secs(2)));
            let mut buffer = vec![0u8; 16 * 1024];
            let read = socket.read(&mut buffer).unwrap_or(0);
            log.lock()
                .expect("log")
                .push(String::from_utf8_lossy(&buffer[..read]).into_owned());
        }
    });
    (format!("http://{address}"), seen)
}

#[test]
fn the_token_to_a_loopback_server_never_goes_through_a_proxy() {
    let sandbox = crate::support::sandbox_process::start(&[]);
    let (proxy, seen) = recording_proxy();
    for variable in ["HTTP_PROXY", "http_proxy", "ALL_PROXY"] {
        let output = Command::new(env!("CARGO_BIN_EXE_datasaur"))
            .args(["job", "get", datasaur_sandbox::DOCUMENTED_JOB_ID])
            .env("DATASAUR_URL", &sandbox.base_url)
            .env("DATASAUR_ACCESS_TOKEN", &sandbox.token)
            .env(variable, &proxy)
            .env_remove("NO_PROXY")
            .env_remove("no_proxy")
            .env_remove("RUST_LOG")
            .output()
            .expect("the binary runs");
        assert!(output.status.success(), "{variable}: {}", text(&output));
    }
    let seen = seen.lock().expect("log");
    assert!(seen.is_empty(), "the proxy received: {seen:?}");
}
