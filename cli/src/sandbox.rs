//! `datasaur sandbox`: serve a local Datasaur-compatible API until Ctrl-C.

use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::Duration;

use clap::Args;
use datasaur_sandbox::{Sandbox, SandboxConfig};

#[derive(Debug, Args)]
pub struct SandboxArgs {
    /// Address to listen on (loopback unless --allow-remote).
    #[arg(long, default_value = "127.0.0.1:4000")]
    addr: SocketAddr,
    /// Allow an address other than loopback. Anyone who reaches it can get
    /// tokens; the control endpoints then need the printed control token.
    #[arg(long)]
    allow_remote: bool,
    /// OAuth client id the token endpoint accepts.
    #[arg(long, value_name = "ID", requires = "client_secret")]
    client_id: Option<String>,
    /// OAuth client secret the token endpoint accepts.
    #[arg(long, value_name = "SECRET", requires = "client_id")]
    client_secret: Option<String>,
    /// A fixed access token that never expires (repeatable).
    #[arg(long, value_name = "TOKEN")]
    access_token: Vec<String>,
    /// Lifetime of issued tokens, in seconds.
    #[arg(long, value_name = "SECS", default_value_t = 3600)]
    token_ttl: u64,
}

pub async fn run(args: SandboxArgs) -> ExitCode {
    let mut config = SandboxConfig::default()
        .addr(args.addr)
        .allow_remote(args.allow_remote)
        .token_ttl(Duration::from_secs(args.token_ttl));
    if let (Some(id), Some(secret)) = (args.client_id, args.client_secret) {
        config = config.client_credentials(id, secret);
    }
    for token in args.access_token {
        config = config.access_token(token);
    }
    let sandbox = match Sandbox::start(config).await {
        Ok(sandbox) => sandbox,
        Err(error) => {
            eprintln!("error: {error}");
            if error.kind() == std::io::ErrorKind::AddrInUse {
                eprintln!(
                    "hint: another process uses that port; pick another with --addr 127.0.0.1:PORT"
                );
            }
            return ExitCode::from(3);
        }
    };
    if !sandbox.addr().ip().is_loopback() {
        eprintln!(
            "warning: listening on {}, beyond this machine: anyone who reaches it can get a token. \
             The control endpoints need the header {}: {}",
            sandbox.addr(),
            datasaur_sandbox::CONTROL_TOKEN_HEADER,
            sandbox.control_token().unwrap_or_default()
        );
    }
    // These are the sandbox's own throwaway credentials, printed so users can paste them.
    println!("Datasaur sandbox listening on {}", sandbox.addr());
    println!("  GraphQL:       {}", sandbox.graphql_url());
    println!("  OAuth token:   {}/api/oauth/token", sandbox.base_url());
    println!("  client id:     {}", sandbox.client_id());
    println!("  client secret: {}", sandbox.client_secret());
    println!("  access token:  {}", sandbox.token());
    println!(
        "  control:       {}/_sandbox/ (jobs, faults, stats, tokens)",
        sandbox.base_url()
    );
    println!();
    println!(
        "export DATASAUR_URL={} DATASAUR_ACCESS_TOKEN={}",
        sandbox.base_url(),
        sandbox.token()
    );
    println!("Press Ctrl-C to stop.");
    crate::interrupt::stop_signal().await;
    eprintln!("stopping");
    sandbox.shutdown().await;
    ExitCode::SUCCESS
}
