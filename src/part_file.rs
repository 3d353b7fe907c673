//! Writing a file whole or not at all: a temporary file beside the target,
//! created exclusively under an unpredictable name, renamed into place only
//! when complete (then the directory is synced, so the name survives a
//! crash too), removed otherwise (error, cancelled future, panic). The one
//! way the workspace writes a file whole: downloads here, the CLI's
//! `schema pull` and `schema check --against URL`, and the compaction of
//! its `--state` journal ([`write_whole_blocking`]).

use std::path::{Path, PathBuf};

use tokio::io::AsyncWriteExt;

use crate::error::Error;

/// A temporary file beside the target; removed on drop unless committed,
/// so no partial file survives an error, a cancelled future or a panic.
pub struct PartFile {
    file: Option<tokio::fs::File>,
    temp: PathBuf,
    target: PathBuf,
    committed: bool,
}

impl PartFile {
    /// Creates the temporary file for `target`: beside it (so the final
    /// rename stays on one file system), named `.NAME.<64 random bits>.part`,
    /// and created exclusively, so a file or symlink planted at that name
    /// is never opened, let alone written through.
    pub async fn create(target: &Path) -> Result<Self, Error> {
        Self::create_removing_parts_older_than(target, STALE_AFTER).await
    }

    /// [`PartFile::create`], removing earlier temporary files of `target`
    /// unchanged for `stale_after` (instead of a day).
    pub async fn create_removing_parts_older_than(
        target: &Path,
        stale_after: std::time::Duration,
    ) -> Result<Self, Error> {
        let name = target
            .file_name()
            .map(|name| name.to_string_lossy().into_owned())
            .unwrap_or_else(|| "download".to_owned());
        remove_stale_parts(target, &name, stale_after).await;
        Self::create_at(temp_name(target), target).await
    }

    /// A scratch file in `dir`, named `.<64 random bits>.NAME` (so it keeps
    /// NAME's extension), created exclusively; removed when dropped.
    pub async fn scratch(dir: &Path, name: &str) -> Result<Self, Error> {
        let temp = dir.join(format!(".{:016x}.{name}", fastrand::u64(..)));
        let target = temp.clone();
        Self::create_at(temp, &target).await
    }

    async fn create_at(temp: PathBuf, target: &Path) -> Result<Self, Error> {
        let file = tokio::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&temp)
            .await
            .map_err(|source| io_error(&temp, source))?;
        Ok(PartFile {
            file: Some(file),
            temp,
            target: target.to_owned(),
            committed: false,
        })
    }

    /// Appends `bytes`.
    pub async fn write(&mut self, bytes: &[u8]) -> Result<(), Error> {
        let Some(file) = self.file.as_mut() else {
            return Err(io_error(&self.temp, std::io::ErrorKind::BrokenPipe.into()));
        };
        file.write_all(bytes)
            .await
            .map_err(|source| io_error(&self.temp, source))
    }

    /// Flushes to disk and moves into place: replacing the target only if
    /// `overwrite`, else failing if a file appeared there meanwhile.
    pub async fn commit(mut self, overwrite: bool) -> Result<(), Error> {
        if let Some(file) = self.file.take() {
            file.sync_all()
                .await
                .map_err(|source| io_error(&self.temp, source))?;
        }
        let (temp, target) = (self.temp.clone(), self.target.clone());
        let placed = tokio::task::spawn_blocking(move || place(&temp, &target, overwrite))
            .await
            .unwrap_or_else(|_| Err(std::io::Error::other("the file system task was lost")));
        match placed {
            Ok(()) => {
                self.committed = true;
                Ok(())
            }
            Err(source) if source.kind() == std::io::ErrorKind::AlreadyExists => {
                Err(Error::file_exists(self.target.clone()))
            }
            Err(source) => Err(io_error(&self.target, source)),
        }
    }
}

impl PartFile {
    /// Where the temporary file is: readable once [`PartFile::sync`] ran.
    pub fn path(&self) -> &Path {
        &self.temp
    }

    /// Flushes what was written to disk, keeping the file temporary.
    pub async fn sync(&mut self) -> Result<(), Error> {
        if let Some(file) = self.file.as_mut() {
            file.flush()
                .await
                .and(file.sync_all().await)
                .map_err(|source| io_error(&self.temp, source))?;
        }
        Ok(())
    }
}

impl Drop for PartFile {
    fn drop(&mut self) {
        if !self.committed {
            drop(self.file.take());
            let _ = std::fs::remove_file(&self.temp);
        }
    }
}

fn io_error(path: &Path, source: std::io::Error) -> Error {
    Error::io(path.to_owned(), source)
}

/// Writes `bytes` to `path` whole or not at all; replaces an existing file
/// only if `overwrite`.
pub async fn write_whole(path: &Path, bytes: &[u8], overwrite: bool) -> Result<(), Error> {
    let mut part = PartFile::create(path).await?;
    part.write(bytes).await?;
    part.commit(overwrite).await
}

/// [`write_whole`] for code that does not run on tokio (the CLI's state
/// file): the same temporary name, the same exclusive creation, the same
/// move into place (with the directory synced). Leaves no temporary file
/// on any error.
pub fn write_whole_blocking(path: &Path, bytes: &[u8], overwrite: bool) -> Result<(), Error> {
    use std::io::Write;
    let temp = temp_name(path);
    let written = (|| -> std::io::Result<()> {
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&temp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        drop(file);
        place(&temp, path, overwrite)
    })();
    written.map_err(|source| {
        let _ = std::fs::remove_file(&temp);
        if source.kind() == std::io::ErrorKind::AlreadyExists {
            Error::file_exists(path.to_owned())
        } else {
            io_error(path, source)
        }
    })
}

/// The temporary file of `target`: `.NAME.<64 random bits>.part` beside it.
fn temp_name(target: &Path) -> PathBuf {
    let name = target
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_else(|| "download".to_owned());
    target.with_file_name(format!(".{name}.{:016x}.part", fastrand::u64(..)))
}

/// Moves a whole, synced temporary file to `target` (replacing it only if
/// `overwrite`: a hard link never replaces), then syncs the directory, so
/// the new name survives a crash too. The one rule, for every caller.
fn place(temp: &Path, target: &Path, overwrite: bool) -> std::io::Result<()> {
    if overwrite {
        std::fs::rename(temp, target)?;
    } else {
        std::fs::hard_link(temp, target)?;
        let _ = std::fs::remove_file(temp);
    }
    let dir = match target.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    // Directories cannot be opened for syncing on every platform: best
    // effort there, as the rename itself has happened.
    if let Ok(dir) = std::fs::File::open(dir) {
        let _ = dir.sync_all();
    }
    Ok(())
}

/// A temporary file untouched this long was left by a process killed
/// outright: a live download writes far more often (its stall limit).
pub(crate) const STALE_AFTER: std::time::Duration = std::time::Duration::from_secs(24 * 60 * 60);

/// Removes, best effort, the temporary files of earlier downloads to
/// `target` that were killed before their guard could run: regular files
/// (never symlinks) named `.NAME.<16 hex digits>.part`, unchanged for
/// `stale_after` ([`STALE_AFTER`] unless the caller knows better).
async fn remove_stale_parts(target: &Path, _name: &str, stale_after: std::time::Duration) {
    let target = target.to_owned();
    let _ = tokio::task::spawn_blocking(move || remove_stale_parts_blocking(&target, stale_after))
        .await;
}

/// Removes, best effort, the temporary files of earlier writes to `target`
/// left by a process killed outright: regular files (never symlinks) named
/// `.NAME.<16 hex digits>.part`, unchanged for `stale_after` (zero: every
/// one, for a caller that holds a lock on `target`).
pub fn remove_stale_parts_blocking(target: &Path, stale_after: std::time::Duration) {
    let name = target
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_else(|| "download".to_owned());
    let dir = match target.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.to_owned(),
        _ => PathBuf::from("."),
    };
    let prefix = format!(".{name}.");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return;
    };
    for entry in entries.flatten() {
        let file_name = entry.file_name();
        let Some(file_name) = file_name.to_str() else {
            continue;
        };
        let is_part = file_name
            .strip_prefix(&prefix)
            .and_then(|rest| rest.strip_suffix(".part"))
            .is_some_and(|hex| hex.len() == 16 && hex.bytes().all(|b| b.is_ascii_hexdigit()));
        if !is_part {
            continue;
        }
        // symlink_metadata: a planted link is judged as a link, and kept.
        let stale = std::fs::symlink_metadata(entry.path())
            .ok()
            .filter(|meta| meta.file_type().is_file())
            .and_then(|meta| meta.modified().ok())
            .is_some_and(|modified| {
                modified.elapsed().is_ok_and(|age| age >= stale_after) || stale_after.is_zero()
            });
        if stale {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    /// A directory removed when the test ends.
    fn scratch(name: &str) -> tempfile::TempDir {
        tempfile::Builder::new()
            .prefix(&format!("datasaur-part-{name}-"))
            .tempdir()
            .unwrap()
    }

    #[tokio::test]
    async fn parts_left_by_a_killed_download_are_removed_by_the_next_one() {
        let scratch = scratch("stale");
        let dir = scratch.path();
        let old = std::time::SystemTime::now() - STALE_AFTER - std::time::Duration::from_secs(60);
        let place = |name: &str, modified: Option<std::time::SystemTime>| {
            let file = std::fs::File::create(dir.join(name)).unwrap();
            if let Some(modified) = modified {
                file.set_modified(modified).unwrap();
            }
        };
        place(".x.zip.0123456789abcdef.part", Some(old));
        place(".x.zip.fedcba9876543210.part", None);
        place(".x.zip.notahexnumber00.part", Some(old));
        place(".y.zip.0123456789abcdef.part", Some(old));
        let part = PartFile::create(&dir.join("x.zip")).await.unwrap();
        let mut left: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|name| *name != part.path().file_name().unwrap().to_string_lossy())
            .collect();
        left.sort();
        assert_eq!(
            left,
            [
                ".x.zip.fedcba9876543210.part",
                ".x.zip.notahexnumber00.part",
                ".y.zip.0123456789abcdef.part"
            ],
            "only the stale part of this target goes"
        );
        drop(part);
        // A caller that owns its outputs removes a fresh part too.
        let part = PartFile::create_removing_parts_older_than(&dir.join("x.zip"), Duration::ZERO)
            .await
            .unwrap();
        let fresh_left = std::fs::read_dir(dir)
            .unwrap()
            .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
            .any(|name| name == ".x.zip.fedcba9876543210.part");
        assert!(!fresh_left, "a fresh part goes when asked");
        drop(part);
    }

    #[cfg(unix)]
    #[tokio::test]
    async fn a_symlink_planted_at_the_temporary_name_is_never_written_through() {
        let scratch = scratch("symlink");
        let dir = scratch.path();
        let victim = dir.join("victim");
        std::fs::write(&victim, "precious").unwrap();
        let planted = dir.join(".out.json.0000000000000000.part");
        std::os::unix::fs::symlink(&victim, &planted).unwrap();
        let refused = PartFile::create_at(planted.clone(), &dir.join("out.json")).await;
        assert!(refused.is_err());
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious");
        assert!(
            std::fs::symlink_metadata(&planted).is_ok(),
            "the symlink is left alone"
        );
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[tokio::test]
    async fn a_file_is_written_whole_and_nothing_else_is_left() {
        let scratch = scratch("whole");
        let dir = scratch.path();
        let target = dir.join("schema.json");
        write_whole(&target, b"{}", false).await.unwrap();
        assert_eq!(std::fs::read(&target).unwrap(), b"{}");
        let refused = write_whole(&target, b"[]", false).await.unwrap_err();
        assert!(refused.to_string().contains("exists"), "{refused}");
        write_whole(&target, b"[]", true).await.unwrap();
        assert_eq!(std::fs::read(&target).unwrap(), b"[]");
        let names: Vec<_> = std::fs::read_dir(dir)
            .unwrap()
            .flatten()
            .map(|e| e.file_name())
            .collect();
        assert_eq!(names, ["schema.json"], "no temporary file is left");
        {
            let mut part = PartFile::create(&dir.join("dropped")).await.unwrap();
            part.write(b"half").await.unwrap();
        }
        assert!(!dir.join("dropped").exists());
        assert_eq!(std::fs::read_dir(dir).unwrap().count(), 1);
        std::fs::remove_dir_all(dir).unwrap();
    }
}
