//! `datasaur sandbox`: serve a local Datasaur-compatible API until Ctrl-C.

use std::net::{SocketAddr, ToSocketAddrs};
use std::process::ExitCode;
use std::time::Duration;

use clap::Args;
use datasaur_sandbox::{Sandbox, SandboxConfig};

#[derive(Debug, Args)]
pub struct SandboxArgs {
    /// Address to listen on, HOST:PORT (loopback unless --allow-remote).
    #[arg(long, default_value = "127.0.0.1:4000", value_parser = parse_addr)]
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
    /// Export files appear this long after their export is delivered (a
    /// late object store, e.g. 2s); until then their URL answers 404.
    #[arg(long, value_name = "DURATION", default_value = "0s", value_parser = crate::bounded::duration)]
    file_ready_after: Duration,
    /// Also serve every operation of this schema (introspection JSON as `.json`, e.g.
    /// from `datasaur schema pull`, or SDL) with generated values; fields of
    /// type Job start real jobs, of type ExportRequestResult real exports.
    #[arg(long, value_name = "FILE")]
    schema: Option<std::path::PathBuf>,
    /// The seed of the values generated for --schema.
    #[arg(long, value_name = "N", default_value_t = 0, requires = "schema")]
    seed: u64,
}

/// `HOST:PORT`, the host an IP address or a name (`localhost:4005`). A name
/// is resolved here, its IPv4 address preferred: `localhost` often resolves
/// to `::1` first, while clients pasted from the printed URL use 127.0.0.1.
fn parse_addr(text: &str) -> Result<SocketAddr, String> {
    if let Ok(addr) = text.parse() {
        return Ok(addr);
    }
    if !text.contains(':') {
        return Err(format!(
            "`{text}` has no port: write HOST:PORT, e.g. 127.0.0.1:4000"
        ));
    }
    let resolved: Vec<SocketAddr> = text
        .to_socket_addrs()
        .map_err(|error| format!("cannot resolve `{text}`: {error}"))?
        .collect();
    resolved
        .iter()
        .find(|addr| addr.is_ipv4())
        .or_else(|| resolved.first())
        .copied()
        .ok_or_else(|| format!("`{text}` resolves to no address"))
}

pub async fn run(args: SandboxArgs) -> ExitCode {
    let mut config = SandboxConfig::default()
        .addr(args.addr)
        .allow_remote(args.allow_remote)
        .token_ttl(Duration::from_secs(args.token_ttl))
        .file_ready_after(args.file_ready_after);
    if let (Some(id), Some(secret)) = (args.client_id, args.client_secret) {
        config = config.client_credentials(id, secret);
    }
    for token in args.access_token {
        config = config.access_token(token);
    }
    if let Some(path) = &args.schema {
        match crate::schema::model::read_sdl(path) {
            Ok(sdl) => config = config.schema(sdl).mock_seed(args.seed),
            Err(error) => {
                eprintln!("error: --schema: {error}");
                return ExitCode::from(3);
            }
        }
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
    if let Some(path) = &args.schema {
        println!(
            "  also serving:  every operation of {} (generated values, seed {})",
            path.display(),
            args.seed
        );
    }
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

#[cfg(test)]
mod tests {
    use super::parse_addr;

    #[test]
    fn addresses_are_ips_or_names_with_a_port() {
        assert_eq!(parse_addr("127.0.0.1:4005").unwrap().port(), 4005);
        assert_eq!(parse_addr("[::1]:4005").unwrap().to_string(), "[::1]:4005");
        let named = parse_addr("localhost:4005").unwrap();
        assert!(named.ip().is_loopback() && named.port() == 4005, "{named}");
        assert!(parse_addr("localhost").unwrap_err().contains("no port"));
        assert!(parse_addr("localhost:notaport").is_err());
    }
}
