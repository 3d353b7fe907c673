//! Export a project and download the file: one call from "export" to "file
//! on disk", done carefully (the 404 window, cut connections, no partial
//! file, no credentials to the file host).
//!
//! Against Datasaur: `DATASAUR_ACCESS_TOKEN=... cargo run --example export_project -- <PROJECT_ID> [FORMAT]`
//! (set `DATASAUR_URL` for a self-hosted server). Without a token it runs
//! against the sandbox.

use datasaur::operations::export_text_project::{ExportTextProjectInput, GqlExportMethod};
use datasaur::{Client, DownloadOptions};
use datasaur_sandbox::{Sandbox, SandboxConfig};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let project = args.next().unwrap_or_else(|| "HvdyIL2iwZn".to_owned());
    let format = args.next().unwrap_or_else(|| "JSON".to_owned());
    let (client, _sandbox) = match std::env::var("DATASAUR_ACCESS_TOKEN") {
        Ok(token) => {
            let url = std::env::var("DATASAUR_URL")
                .unwrap_or_else(|_| datasaur::DEFAULT_BASE_URL.to_owned());
            (
                Client::builder()
                    .base_url(url)
                    .access_token(token)
                    .build()?,
                None,
            )
        }
        Err(_) => {
            let sandbox = Sandbox::start(SandboxConfig::default()).await?;
            let client = Client::builder()
                .base_url(sandbox.base_url())
                .access_token(sandbox.token())
                .build()?;
            (client, Some(sandbox))
        }
    };

    let input = ExportTextProjectInput::new(
        &project,
        format,
        GqlExportMethod::FileStorage,
        [project.clone()],
    );
    let export = client.export_project(input).await?;
    println!(
        "export {} started; file URL {:?}",
        export.id(),
        export.file_url().map(|url| url.host_str())
    );

    let path = std::env::temp_dir().join(format!("{project}.zip"));
    let file = export
        .wait_and_download_to(&path, None, DownloadOptions::default().overwrite(true))
        .await?;
    println!(
        "{} bytes in {} ({} tries), sha256 {}",
        file.bytes,
        file.path.display(),
        file.attempts,
        file.sha256
    );
    Ok(())
}
