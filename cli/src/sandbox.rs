//! `datasaur sandbox`: serve a local Datasaur-compatible API until Ctrl-C.

use std::net::{SocketAddr, ToSocketAddrs};
use std::process::ExitCode;
use std::time::Duration;

use clap::Args;
use datasaur_sandbox::{
    JobOutcome, JobScript, Sandbox, SandboxConfig, ScriptRule, ScriptedJobError,
};

#[derive(Debug, Args)]
#[command(after_help = "Examples:
  # Every job runs 30 minutes, so a test can stop its client mid-wait and resume:
  datasaur sandbox --job-duration 30m
  # Every job fails:
  datasaur sandbox --job-outcome 'failed:model timed out'
  # Only auto-labeling fails, after 200 ms (the script is the control API's JSON;
  # OPERATION is the field, or the request's operation name; OPERATION@VALUE
  # only for calls whose input holds VALUE, e.g. a project id):
  datasaur sandbox --script-for 'AutoLabelTokenBasedProject={\"queuedFor\":0,\"runningFor\":200,\"outcome\":{\"status\":\"FAILED\",\"errors\":[{\"id\":\"e1\",\"stack\":\"model timed out\"}]}}'")]
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
    /// How long every job and export runs (none of it queued), e.g. 30m
    /// (default: jobs 1s queued and 3s running, exports 1s and 2s).
    #[arg(long, value_name = "DURATION", value_parser = crate::bounded::duration)]
    job_duration: Option<Duration>,
    /// How every job and export ends: `delivered`, or `failed:MESSAGE`.
    #[arg(long, value_name = "OUTCOME", value_parser = parse_outcome)]
    job_outcome: Option<JobOutcome>,
    /// Projects on one page of getProjects (a test crosses pages with a small one).
    #[arg(long, value_name = "N", default_value_t = 100, value_parser = clap::value_parser!(u32).range(1..=10_000))]
    page_size: u32,
    /// The script of the jobs one operation starts, OPERATION=SCRIPT or
    /// OPERATION@VALUE=SCRIPT (repeatable; later wins; see the examples).
    #[arg(long, value_name = "OPERATION=SCRIPT", value_parser = parse_script_for)]
    script_for: Vec<ScriptRule>,
}

/// `delivered`, or `failed:MESSAGE`.
fn parse_outcome(text: &str) -> Result<JobOutcome, String> {
    if text == "delivered" {
        return Ok(JobOutcome::Delivered {
            result_id: None,
            result: None,
        });
    }
    match text.strip_prefix("failed:") {
        Some(message) if !message.trim().is_empty() => Ok(JobOutcome::Failed {
            errors: vec![ScriptedJobError {
                id: "error-1".into(),
                stack: message.to_owned(),
                args: None,
            }],
        }),
        _ => Err(format!(
            "`{text}`: write `delivered`, or `failed:MESSAGE` (e.g. 'failed:model timed out')"
        )),
    }
}

/// `OPERATION=SCRIPT` or `OPERATION@VALUE=SCRIPT`, SCRIPT the control API's JSON.
fn parse_script_for(text: &str) -> Result<ScriptRule, String> {
    let (target, script) = text
        .split_once('=')
        .ok_or_else(|| format!("`{text}`: write OPERATION=SCRIPT, SCRIPT a job script in JSON"))?;
    let (operation, subject) = match target.split_once('@') {
        Some((operation, subject)) => (operation, Some(subject)),
        None => (target, None),
    };
    if operation.trim().is_empty() || subject.is_some_and(|s| s.trim().is_empty()) {
        return Err(format!(
            "`{target}`: name an operation (and a value after @)"
        ));
    }
    let script: JobScript =
        serde_json::from_str(script).map_err(|e| format!("the script of {operation}: {e}"))?;
    let rule = ScriptRule::new(operation.trim(), script);
    Ok(match subject {
        Some(subject) => rule.subject(subject.trim()),
        None => rule,
    })
}

/// `script` with the flags' duration and outcome.
fn adjusted(
    mut script: JobScript,
    duration: Option<Duration>,
    outcome: Option<&JobOutcome>,
) -> JobScript {
    if let Some(duration) = duration {
        script.queued_for = Duration::ZERO;
        script.running_for = duration;
    }
    if let Some(outcome) = outcome {
        script.outcome = outcome.clone();
    }
    script
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
    let jobs = adjusted(
        config.default_script.clone(),
        args.job_duration,
        args.job_outcome.as_ref(),
    );
    let exports = adjusted(
        config.export_script.clone(),
        args.job_duration,
        args.job_outcome.as_ref(),
    );
    config = config
        .default_script(jobs)
        .export_script(exports)
        .page_size(args.page_size as usize);
    for rule in args.script_for {
        config = config.script_for(rule);
    }
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
    fn outcomes_and_scripts_parse_or_say_what_to_write() {
        assert!(!super::parse_outcome("delivered").unwrap().is_failed());
        assert!(
            super::parse_outcome("failed:model timed out")
                .unwrap()
                .is_failed()
        );
        assert!(
            super::parse_outcome("failed:")
                .unwrap_err()
                .contains("failed:MESSAGE")
        );
        assert!(super::parse_outcome("done").is_err());
        let rule = super::parse_script_for(
            r#"AutoLabelTokenBasedProject@p-7={"runningFor":200,"outcome":{"status":"FAILED","errors":[]}}"#,
        )
        .unwrap();
        assert_eq!(rule.operation, "AutoLabelTokenBasedProject");
        assert_eq!(rule.subject.as_deref(), Some("p-7"));
        assert_eq!(
            rule.script.running_for,
            std::time::Duration::from_millis(200)
        );
        assert!(rule.script.outcome.is_failed());
        assert!(
            super::parse_script_for("NoScript")
                .unwrap_err()
                .contains("OPERATION=SCRIPT")
        );
        assert!(super::parse_script_for("=[]").is_err());
        assert!(
            super::parse_script_for("Op={not json")
                .unwrap_err()
                .contains("Op")
        );
    }

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
