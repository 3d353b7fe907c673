//! `datasaur demo`: the whole story in a few seconds, offline.
//!
//! Starts the sandbox in process, starts a job with the documentation's
//! autoLabel mutation through the client, waits on it with a progress bar,
//! and prints the final job.

use datasaur::WaitOptions;
use datasaur::operations::auto_label_token_based_project as auto_label;
use datasaur_sandbox::{DOCUMENTED_JOB_ID, Sandbox, SandboxConfig};

use crate::exit::Exit;
use crate::{job, table};

pub async fn run() -> Exit {
    let sandbox = match Sandbox::start(SandboxConfig::default()).await {
        Ok(sandbox) => sandbox,
        Err(error) => {
            eprintln!("error: cannot start the sandbox: {error}");
            return Exit::Other;
        }
    };
    let client = match crate::connection::sandbox_client(&sandbox) {
        Ok(client) => client,
        Err(error) => {
            eprintln!("error: {error}");
            return Exit::Other;
        }
    };
    println!(
        "Sandbox: {} (a local Datasaur-compatible server)",
        sandbox.graphql_url()
    );

    println!("\n1. The documentation's job, with getJob:");
    match client.get_job(DOCUMENTED_JOB_ID).await {
        Ok(job) => print!("{}", table::render(&[(job.id.clone(), Some(job))])),
        Err(error) => return fail(&error),
    }

    println!(
        "\n2. Start auto-labeling with the documentation's mutation (autoLabelTokenBasedProject):"
    );
    let options = auto_label::AutoLabelProjectOptionsInput::new(0)
        .service_provider(auto_label::GqlAutoLabelServiceProvider::Custom);
    let input = auto_label::AutoLabelTokenBasedProjectInput::new(
        "demo@datasaur.ai",
        options,
        "HvdyIL2iwZn",
        auto_label::TargetApiInput::new("https://custom-model.api.com/predict", "secret"),
    );
    let started = match client.auto_label_token_based_project(input).await {
        Ok(job) => job,
        Err(error) => return fail(&error),
    };
    println!("   started {}", started.id());

    println!("\n3. Wait for it:");
    let (exit, finished) = job::wait(
        &client,
        vec![started.id().to_owned()],
        WaitOptions::default(),
        false,
    )
    .await;

    // The wait hands back the job as last polled: no extra request.
    println!("\n4. The final job:");
    for job in finished {
        print!("{}", table::render(&[(job.id.clone(), Some(job.clone()))]));
        println!("{}", serde_json::to_string_pretty(&job).unwrap_or_default());
    }
    let stats = sandbox.stats();
    println!(
        "\nThe sandbox saw {} GraphQL requests: {:?}",
        stats.graphql_requests, stats.operations
    );
    sandbox.shutdown().await;
    exit
}

fn fail(error: &datasaur::Error) -> Exit {
    crate::failure::print(error);
    Exit::Other
}
