//! Exports the app has started and not yet collected, kept on disk, so that
//! a redeploy in the middle of an hour-long export picks it up again rather
//! than losing it (or starting it twice). One small file per export, the
//! library's saved form, written whole (a temporary file, then a rename).
//!
//! A name becomes a file name one-to-one (`a/b` and `a_b` are two files),
//! and a file that cannot be read back never stops the app from starting:
//! it is reported beside the exports that could be resumed.

use std::io;
use std::path::PathBuf;

use datasaur::{Client, Export, SavedExport};

/// The longest file name written (most file systems take 255 bytes).
const MAX_FILE_NAME: usize = 240;

/// A directory of saved exports, by a name the app chooses (a project id).
pub struct PendingExports {
    dir: PathBuf,
}

/// What [`PendingExports::resume_all`] found.
#[derive(Debug, Default)]
pub struct Resumed {
    /// Every readable export, by name, in name order.
    pub exports: Vec<(String, Export)>,
    /// Files that are not a saved export of this store, each with why; left
    /// where they are for someone to look at.
    pub unreadable: Vec<(PathBuf, String)>,
}

impl PendingExports {
    /// The store in `dir` (made if missing).
    pub fn open(dir: impl Into<PathBuf>) -> io::Result<Self> {
        let dir = dir.into();
        std::fs::create_dir_all(&dir)?;
        Ok(PendingExports { dir })
    }

    /// Records `export` under `name`: call it as soon as the export is
    /// started, before waiting on it. An empty name, or one too long to be
    /// a file name, is refused before anything is written.
    pub fn record(&self, name: &str, export: &Export) -> io::Result<()> {
        let path = self.path(name)?;
        let text = serde_json::to_vec(export).map_err(io::Error::other)?;
        let temp = path.with_extension("json.tmp");
        std::fs::write(&temp, text)?;
        std::fs::File::open(&temp)?.sync_all()?;
        std::fs::rename(&temp, &path)
    }

    /// Every recorded export, by name, resumed on `client` (at startup). A
    /// file that cannot be read back is listed in [`Resumed::unreadable`],
    /// never a reason to resume none.
    pub fn resume_all(&self, client: &Client) -> io::Result<Resumed> {
        let mut resumed = Resumed::default();
        for entry in std::fs::read_dir(&self.dir)? {
            let path = entry?.path();
            if path.extension().is_none_or(|ext| ext != "json") {
                continue;
            }
            match read_one(&path) {
                Ok((name, saved)) => resumed.exports.push((name, client.resume_export(saved))),
                Err(why) => resumed.unreadable.push((path, why)),
            }
        }
        resumed.exports.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(resumed)
    }

    /// Forgets `name` once its file is collected.
    pub fn done(&self, name: &str) -> io::Result<()> {
        match std::fs::remove_file(self.path(name)?) {
            Err(error) if error.kind() != io::ErrorKind::NotFound => Err(error),
            _ => Ok(()),
        }
    }

    /// `name` as a file here: letters, digits, `-` and `_` kept, every other
    /// byte as `%XX`, so that two names are never one file.
    fn path(&self, name: &str) -> io::Result<PathBuf> {
        let stem = encode(name);
        if name.is_empty() || stem.len() + ".json.tmp".len() > MAX_FILE_NAME {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!(
                    "a pending export's name must be 1 to about {} characters",
                    MAX_FILE_NAME / 3
                ),
            ));
        }
        Ok(self.dir.join(format!("{stem}.json")))
    }
}

fn read_one(path: &std::path::Path) -> Result<(String, SavedExport), String> {
    let name = path
        .file_stem()
        .and_then(|stem| stem.to_str())
        .and_then(decode)
        .ok_or("not a name this store writes")?;
    let text = std::fs::read(path).map_err(|e| e.to_string())?;
    let saved = serde_json::from_slice(&text).map_err(|e| e.to_string())?;
    Ok((name, saved))
}

fn encode(name: &str) -> String {
    let mut stem = String::with_capacity(name.len());
    for byte in name.bytes() {
        if byte.is_ascii_alphanumeric() || byte == b'-' || byte == b'_' {
            stem.push(char::from(byte));
        } else {
            stem.push_str(&format!("%{byte:02X}"));
        }
    }
    stem
}

fn decode(stem: &str) -> Option<String> {
    let bytes = stem.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = stem.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_files_one_to_one_and_back() {
        for name in ["a/b", "a_b", "a%2Fb", "../x", "proj-1", "é"] {
            assert_eq!(decode(&encode(name)).as_deref(), Some(name));
        }
        assert_ne!(encode("a/b"), encode("a_b"));
        assert_ne!(encode("a/b"), encode("a%2Fb"));
    }

    #[test]
    fn an_empty_or_endless_name_is_refused() {
        let store = PendingExports {
            dir: PathBuf::from("unused"),
        };
        assert!(store.path("").is_err());
        assert!(store.path(&"x".repeat(500)).is_err());
        assert!(store.path("proj-1").is_ok());
    }
}
