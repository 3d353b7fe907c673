//! `datasaur upload FILE...`: files to Datasaur's upload proxy, several at
//! once, each one's object key printed as it lands (for the documents of a
//! `createProject` or `addDocumentsToProject` of your own).

use std::io::IsTerminal;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use clap::Args;
use datasaur::{UploadOptions, UploadSource};
use futures::StreamExt;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::connection::ConnectionArgs;
use crate::event::Event;
use crate::exit::Exit;
use crate::failure::chain;
use crate::text::terminal_safe;

#[derive(Debug, Args)]
pub struct UploadArgs {
    #[command(flatten)]
    connection: ConnectionArgs,
    /// The files to upload.
    #[arg(required = true, value_name = "FILE")]
    files: Vec<PathBuf>,
    /// How many files go at once.
    #[arg(long, default_value_t = 8, value_parser = clap::value_parser!(u16).range(1..=64))]
    concurrency: u16,
    /// The largest file sent, in bytes; a larger one is refused before sending.
    #[arg(long, value_name = "BYTES", default_value_t = UploadOptions::default().get_max_bytes())]
    max_bytes: u64,
    /// One JSON object per file (`uploaded` or `upload_failed`), then `upload_summary`.
    #[arg(long)]
    json: bool,
}

pub const UPLOAD_HELP: &str = "\
Example (against `datasaur sandbox`):
  datasaur upload --url http://127.0.0.1:4000 --token <TOKEN> reviews.csv contracts/*.pdf

Prints `<object key><TAB><file>` for each file uploaded, in the order given;
name the keys in your createProject documents. Files are streamed (never read
whole into memory) and retried after transient failures: a repeated upload
leaves at most an unused temporary object on the server.
Exit codes: 0 every file uploaded, 3 usage or credentials, 4 some file failed.";

pub async fn run(args: UploadArgs) -> Exit {
    let client = match args.connection.client() {
        Ok(client) => client,
        Err(message) => {
            eprintln!("error: {message}");
            return Exit::UsageOrAuth;
        }
    };
    let started = Instant::now();
    let sizes: Vec<u64> = args
        .files
        .iter()
        .map(|file| std::fs::metadata(file).map_or(0, |meta| meta.len()))
        .collect();
    let bar = progress_bar(!args.json, sizes.iter().sum());
    let options = UploadOptions::default().max_bytes(args.max_bytes);
    let uploads = args.files.iter().map(|file| {
        // Each file reports its own bytes; the bar shows their sum.
        let counted = Arc::new(AtomicU64::new(0));
        let options = match &bar {
            Some(bar) => {
                let (bar, counted) = (bar.clone(), counted.clone());
                options.clone().on_progress(move |progress| {
                    // A retry starts from 0 again: count only what is new.
                    let before = counted.swap(progress.sent, Ordering::Relaxed);
                    if progress.sent >= before {
                        bar.inc(progress.sent - before);
                    } else {
                        bar.set_position(bar.position().saturating_sub(before - progress.sent));
                    }
                })
            }
            None => options.clone(),
        };
        let client = client.clone();
        async move {
            let result = client.upload(UploadSource::path(file), options).await;
            (file, result)
        }
    });
    let mut results = futures::stream::iter(uploads).buffered(usize::from(args.concurrency));
    let (mut uploaded, mut failed, mut bytes, mut exit) = (0, 0, 0, Exit::Success);
    while let Some((file, result)) = results.next().await {
        let shown = terminal_safe(&file.to_string_lossy()).into_owned();
        match result {
            Ok(upload) => {
                uploaded += 1;
                bytes += upload.bytes;
                let line = if args.json {
                    Event::Uploaded {
                        file: &shown,
                        object_key: &upload.object_key,
                        bytes: upload.bytes,
                        attempts: upload.attempts,
                    }
                    .to_line()
                } else {
                    format!("{}\t{shown}", terminal_safe(&upload.object_key))
                };
                match &bar {
                    Some(bar) => bar.println(line),
                    None => println!("{line}"),
                }
            }
            Err(error) => {
                failed += 1;
                exit = exit.max(Exit::for_error(&error).max(Exit::Other));
                if args.json {
                    Event::UploadFailed {
                        file: &shown,
                        message: chain(&error),
                        request_id: error.request_id(),
                    }
                    .print();
                } else {
                    let line = format!("error: {shown}: {}", chain(&error));
                    match &bar {
                        Some(bar) => bar.suspend(|| eprintln!("{line}")),
                        None => eprintln!("{line}"),
                    }
                }
            }
        }
    }
    if let Some(bar) = &bar {
        bar.finish_and_clear();
    }
    let elapsed = started.elapsed();
    if args.json {
        Event::upload_summary(uploaded, failed, bytes, elapsed).print();
    } else {
        eprintln!(
            "uploaded {uploaded} of {} files ({bytes} bytes) in {}",
            uploaded + failed,
            datasaur::__workspace::HumanDuration(elapsed)
        );
    }
    exit
}

/// One bar for all the bytes, on a terminal only.
fn progress_bar(wanted: bool, total: u64) -> Option<ProgressBar> {
    if !wanted || !std::io::stderr().is_terminal() {
        return None;
    }
    let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
    let style = ProgressStyle::with_template(
        "uploading [{bar:30}] {binary_bytes}/{binary_total_bytes} {binary_bytes_per_sec} {eta}",
    )
    .unwrap_or_else(|_| ProgressStyle::default_bar())
    .progress_chars("=> ");
    bar.set_style(style);
    Some(bar)
}
