//! `datasaur sandbox` as a child process, for tests of the command line.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Output, Stdio};

/// A running `datasaur sandbox`; killed when dropped.
pub struct SandboxProcess {
    pub child: Child,
    pub base_url: String,
    pub graphql_url: String,
    pub token: String,
}

impl Drop for SandboxProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn start(extra: &[&str]) -> SandboxProcess {
    start_at("127.0.0.1:0", extra)
}

/// [`start`] listening on `addr` (`HOST:PORT`).
pub fn start_at(addr: &str, extra: &[&str]) -> SandboxProcess {
    let mut child = Command::new(env!("CARGO_BIN_EXE_datasaur"))
        .args(["sandbox", "--addr", addr])
        .args(extra)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("the binary starts");
    let stdout = child.stdout.take().expect("piped stdout");
    let mut graphql_url = None;
    let mut token = None;
    for line in BufReader::new(stdout).lines() {
        let line = line.expect("readable output");
        let line = line.trim();
        if let Some(rest) = line.strip_prefix("GraphQL:") {
            graphql_url = Some(rest.trim().to_owned());
        }
        if let Some(rest) = line.strip_prefix("access token:") {
            token = Some(rest.trim().to_owned());
        }
        if line.starts_with("Press Ctrl-C") {
            break;
        }
    }
    let graphql_url = graphql_url.expect("a GraphQL URL line");
    let base_url = graphql_url.trim_end_matches("/graphql").to_owned();
    SandboxProcess {
        child,
        base_url,
        graphql_url,
        token: token.expect("an access token line"),
    }
}

impl SandboxProcess {
    /// Runs `datasaur <args>` pointed at this sandbox through the environment.
    pub fn run(&self, args: &[&str]) -> Output {
        self.command(args).output().expect("the binary runs")
    }

    /// Creates a job with a script through the HTTP control API; returns its id.
    pub fn create_job(&self, script: serde_json::Value) -> String {
        let url = format!("{}/_sandbox/jobs", self.base_url);
        let answer = post_json(reqwest::Client::new().post(url).json(&script));
        answer["id"].as_str().expect("a job id").to_owned()
    }

    /// Arms a fault through the HTTP control API, e.g. `{"kind": "status", "status": 503}`.
    pub fn arm_fault(&self, fault: serde_json::Value) {
        let url = format!("{}/_sandbox/faults", self.base_url);
        let request = reqwest::Client::new().post(url).json(&fault);
        let status = block_on(async { request.send().await.unwrap().status() });
        assert!(status.is_success(), "arming {fault}: {status}");
    }

    /// Sends a raw GraphQL body with `token`, as curl would; returns the JSON answer.
    pub fn graphql(&self, token: &str, body: &str) -> serde_json::Value {
        let request = reqwest::Client::new()
            .post(&self.graphql_url)
            .header("Authorization", format!("Bearer {token}"))
            .header("Content-Type", "application/json")
            .body(body.to_owned());
        post_json(request)
    }
}

/// Runs `future` to its end from synchronous test code.
fn block_on<F: std::future::Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(future)
}

/// Sends a request from synchronous test code and decodes the JSON answer.
fn post_json(request: reqwest::RequestBuilder) -> serde_json::Value {
    block_on(async { request.send().await.unwrap().json().await.unwrap() })
}

impl SandboxProcess {
    /// The objects uploads created, through the HTTP control API.
    pub fn uploads(&self) -> serde_json::Value {
        self.control_get("uploads")
    }

    /// The request counters, through the HTTP control API.
    pub fn stats(&self) -> serde_json::Value {
        self.control_get("stats")
    }

    /// `GET /_sandbox/<path>`, its JSON answer.
    fn control_get(&self, path: &str) -> serde_json::Value {
        let url = format!("{}/_sandbox/{path}", self.base_url);
        block_on(async { reqwest::get(url).await.unwrap().json().await.unwrap() })
    }

    /// A `datasaur <args>` command pointed at this sandbox through the
    /// environment, not yet run.
    pub fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_datasaur"));
        command
            .args(args)
            .env("DATASAUR_URL", &self.base_url)
            .env("DATASAUR_ACCESS_TOKEN", &self.token)
            .env_remove("RUST_LOG");
        command
    }

    /// The bytes at `url` (an export's file), fetched afresh.
    pub fn fetch(&self, url: &str) -> Vec<u8> {
        block_on(async {
            let answer = reqwest::get(url).await.unwrap();
            assert!(answer.status().is_success(), "{url}: {}", answer.status());
            answer.bytes().await.unwrap().to_vec()
        })
    }
}
