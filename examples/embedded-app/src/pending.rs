//! Exports the app has started and not yet collected, kept on disk, so that
//! a redeploy in the middle of an hour-long export picks it up again rather
//! than losing it (or starting it twice). One small file per export, the
//! library's saved form, written whole (a temporary file, then a rename).

use std::io;
use std::path::{Path, PathBuf};

use datasaur::{Client, Export, SavedExport};

/// A directory of saved exports, by a name the app chooses (a project id).
pub struct PendingExports {
    dir: PathBuf,
}

impl PendingExports {
    /// The store in `dir` (made if missing).
    pub fn open(dir: impl Into<PathBuf>) -> io::Result<Self> {
        let dir = dir.into();
        std::fs::create_dir_all(&dir)?;
        Ok(PendingExports { dir })
    }

    /// Records `export` under `name`: call it as soon as the export is
    /// started, before waiting on it.
    pub fn record(&self, name: &str, export: &Export) -> io::Result<()> {
        let text = serde_json::to_vec(export).map_err(io::Error::other)?;
        let path = self.path(name);
        let temp = path.with_extension("json.tmp");
        std::fs::write(&temp, text)?;
        std::fs::File::open(&temp)?.sync_all()?;
        std::fs::rename(&temp, &path)
    }

    /// Every recorded export, by name, resumed on `client` (at startup).
    /// A file that is not a saved export is an error naming it.
    pub fn resume_all(&self, client: &Client) -> io::Result<Vec<(String, Export)>> {
        let mut exports = Vec::new();
        for entry in std::fs::read_dir(&self.dir)? {
            let path = entry?.path();
            if path.extension().is_none_or(|ext| ext != "json") {
                continue;
            }
            let text = std::fs::read(&path)?;
            let saved: SavedExport = serde_json::from_slice(&text).map_err(|e| {
                io::Error::new(
                    io::ErrorKind::InvalidData,
                    format!("{}: {e}", path.display()),
                )
            })?;
            let name = path
                .file_stem()
                .map(|stem| stem.to_string_lossy().into_owned())
                .unwrap_or_default();
            exports.push((name, client.resume_export(saved)));
        }
        exports.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(exports)
    }

    /// Forgets `name` once its file is collected.
    pub fn done(&self, name: &str) -> io::Result<()> {
        match std::fs::remove_file(self.path(name)) {
            Err(error) if error.kind() != io::ErrorKind::NotFound => Err(error),
            _ => Ok(()),
        }
    }

    /// `name` as a file here: letters, digits, `-` and `_` kept, the rest `_`.
    fn path(&self, name: &str) -> PathBuf {
        let stem: String = name
            .chars()
            .take(100)
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        self.dir.join(Path::new(&format!("{stem}.json")))
    }
}
