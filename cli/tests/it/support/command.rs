//! Helpers the command-line tests share: running the binary, reading what
//! it said, a scratch directory.

use std::path::PathBuf;
use std::process::{Command, Output};

/// Runs `datasaur <args>` with no credentials or log settings from the
/// environment.
pub fn datasaur(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_datasaur"))
        .args(args)
        .env_remove("DATASAUR_ACCESS_TOKEN")
        .env_remove("DATASAUR_CLIENT_ID")
        .env_remove("DATASAUR_CLIENT_SECRET")
        .env_remove("RUST_LOG")
        .output()
        .expect("the binary runs")
}

/// Everything the command printed, stdout then stderr.
pub fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// A fresh, empty directory under the target's temporary directory.
pub fn scratch(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}
