//! Reading local text (schemas, operations, id lists) with a bound: a path
//! may name `/dev/zero`, a FIFO or a symlink to either, and reading one
//! whole would take every byte of memory. Past the bound, an error that
//! says so.

use std::io::Read;
use std::path::Path;

/// The largest local text read: Datasaur's whole introspection schema is
/// about 1.2 MB, and a list of a million job ids about 60 MB.
pub const MAX_TEXT_BYTES: u64 = 64 * 1024 * 1024;

/// The text of `path`, at most [`MAX_TEXT_BYTES`].
pub fn read_text(path: &Path) -> std::io::Result<String> {
    read_bounded(std::fs::File::open(path)?)
}

/// The text of `reader` (standard input, say), at most [`MAX_TEXT_BYTES`].
pub fn read_bounded(reader: impl Read) -> std::io::Result<String> {
    let mut text = String::new();
    reader.take(MAX_TEXT_BYTES + 1).read_to_string(&mut text)?;
    if text.len() as u64 > MAX_TEXT_BYTES {
        return Err(std::io::Error::other(format!(
            "larger than {} MiB: not a text this command reads",
            MAX_TEXT_BYTES / (1024 * 1024)
        )));
    }
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    #[test]
    fn an_endless_file_is_refused_at_the_bound() {
        let error = read_text(Path::new("/dev/zero")).unwrap_err();
        assert!(error.to_string().contains("larger than 64 MiB"), "{error}");
    }

    #[test]
    fn a_short_text_is_read_whole() {
        assert_eq!(read_bounded(&b"a\nb"[..]).unwrap(), "a\nb");
    }
}
