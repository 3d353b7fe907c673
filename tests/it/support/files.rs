//! Scratch directories for the tests' downloads.

use std::path::PathBuf;

/// A fresh, empty directory `name` under the target's temporary directory
/// (name it after the test module and the test, so none shares one).
pub fn scratch(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}
