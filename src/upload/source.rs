//! [`UploadSource`]: what an upload sends (a file by path, bytes in memory,
//! or any reader), read in chunks so that no file is ever whole in memory.

use std::path::PathBuf;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use bytes::{Bytes, BytesMut};
use futures::stream::{self, BoxStream, StreamExt};
use tokio::io::{AsyncRead, AsyncReadExt};

use crate::error::Error;
use crate::sync::lock;

/// How much of a file one read takes: large enough to keep a fast link
/// busy, small enough that memory stays flat whatever the file's size.
const CHUNK: usize = 256 * 1024;

/// What to upload, and the file name Datasaur is told.
///
/// A path is opened anew for each attempt, and bytes are shared, so both
/// are retried after a transient failure; a reader can be read only once,
/// so an upload from one is never retried.
///
/// ```
/// use datasaur::UploadSource;
///
/// let from_disk = UploadSource::path("data/reviews.csv");
/// assert_eq!(from_disk.name(), "reviews.csv");
/// let in_memory = UploadSource::bytes("notes.txt", "one line\n");
/// let renamed = UploadSource::path("/tmp/x1").with_name("contract.pdf");
/// assert_eq!(renamed.name(), "contract.pdf");
/// # let _ = in_memory;
/// ```
pub struct UploadSource {
    name: String,
    content: Content,
}

enum Content {
    Path(PathBuf),
    Bytes(Bytes),
    Reader {
        reader: Mutex<Option<Box<dyn AsyncRead + Send + Unpin>>>,
        len: Option<u64>,
    },
}

impl UploadSource {
    /// A file on disk, named as its last path component.
    pub fn path(path: impl Into<PathBuf>) -> Self {
        let path = path.into();
        let name = path.file_name().map_or_else(
            || "file".to_owned(),
            |name| name.to_string_lossy().into_owned(),
        );
        UploadSource {
            name,
            content: Content::Path(path),
        }
    }

    /// Bytes already in memory (shared, not copied, on each attempt).
    pub fn bytes(name: impl Into<String>, bytes: impl Into<Bytes>) -> Self {
        UploadSource {
            name: name.into(),
            content: Content::Bytes(bytes.into()),
        }
    }

    /// Any reader, `len` bytes long if known (then a longer one is refused
    /// before sending when over the limit). Read once: never retried.
    ///
    /// ```
    /// # async fn run(client: datasaur::Client) -> Result<(), Box<dyn std::error::Error>> {
    /// let file = tokio::fs::File::open("big.jsonl").await?;
    /// let upload = client
    ///     .upload(datasaur::UploadSource::reader("big.jsonl", file, None), None)
    ///     .await?;
    /// println!("{}", upload.object_key);
    /// # Ok(()) }
    /// ```
    pub fn reader(
        name: impl Into<String>,
        reader: impl AsyncRead + Send + Unpin + 'static,
        len: Option<u64>,
    ) -> Self {
        UploadSource {
            name: name.into(),
            content: Content::Reader {
                reader: Mutex::new(Some(Box::new(reader))),
                len,
            },
        }
    }

    /// The same content under another file name.
    #[must_use]
    pub fn with_name(mut self, name: impl Into<String>) -> Self {
        self.name = name.into();
        self
    }

    /// The file name Datasaur is told.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// What an upload can know before reading: the size, and whether a
    /// second attempt can send the same content again. A regular file has
    /// its size and can be read anew; a path that is not one (a FIFO,
    /// `/dev/stdin`, a process substitution) has no size worth believing
    /// (it says 0) and reads once, like a reader; bytes are both.
    pub(crate) async fn inspect(&self) -> Result<Inspected, Error> {
        Ok(match &self.content {
            Content::Path(path) => {
                let meta = tokio::fs::metadata(path)
                    .await
                    .map_err(|e| Error::io_reading(path.clone(), e))?;
                let regular = meta.is_file();
                Inspected {
                    size: regular.then_some(meta.len()),
                    replayable: regular,
                }
            }
            Content::Bytes(bytes) => Inspected {
                size: Some(bytes.len() as u64),
                replayable: true,
            },
            Content::Reader { len, .. } => Inspected {
                size: *len,
                replayable: false,
            },
        })
    }

    /// The content as a stream of chunks, counted into `sent` and cut with
    /// an error as soon as it passes `limit` (`over_limit` then says why),
    /// or as soon as it disagrees with the size `declared` to the server (a
    /// file that grew or shrank meanwhile): the server never gets a body
    /// other than the one announced.
    pub(crate) async fn open(
        &self,
        sent: Arc<AtomicU64>,
        over_limit: Arc<AtomicBool>,
        limit: u64,
        declared: Option<u64>,
        on_chunk: impl Fn(u64) + Send + Sync + 'static,
    ) -> Result<BoxStream<'static, std::io::Result<Bytes>>, Error> {
        let chunks: BoxStream<'static, std::io::Result<Bytes>> = match &self.content {
            Content::Path(path) => {
                let file = tokio::fs::File::open(path)
                    .await
                    .map_err(|e| Error::io_reading(path.clone(), e))?;
                read_chunks(Box::pin(file))
            }
            Content::Bytes(bytes) => {
                let bytes = bytes.clone();
                let starts = (0..bytes.len()).step_by(CHUNK);
                stream::iter(
                    starts
                        .map(move |start| Ok(bytes.slice(start..(start + CHUNK).min(bytes.len())))),
                )
                .boxed()
            }
            Content::Reader { reader, .. } => match lock(reader).take() {
                Some(reader) => read_chunks(Box::into_pin(reader)),
                None => {
                    return Err(Error::config(format!(
                        "the reader of {} was already read; a reader uploads once",
                        self.name
                    )));
                }
            },
        };
        let counted = sent.clone();
        let counted = chunks.map(move |chunk| {
            let chunk = chunk?;
            let total =
                counted.fetch_add(chunk.len() as u64, Ordering::Relaxed) + chunk.len() as u64;
            if total > limit {
                over_limit.store(true, Ordering::Relaxed);
                return Err(std::io::Error::other("over the upload limit"));
            }
            if declared.is_some_and(|declared| total > declared) {
                return Err(std::io::Error::other(
                    "the file grew while it was being uploaded",
                ));
            }
            on_chunk(total);
            Ok(chunk)
        });
        // At the end, a file that shrank: an error, not a short body.
        let end = stream::once(async move {
            match declared {
                Some(declared) if sent.load(Ordering::Relaxed) < declared => Some(Err(
                    std::io::Error::other("the file shrank while it was being uploaded"),
                )),
                _ => None,
            }
        })
        .filter_map(futures::future::ready);
        Ok(counted.chain(end).boxed())
    }
}

/// What [`UploadSource::inspect`] finds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Inspected {
    /// The size to declare (`Content-Length`), if known; else the upload
    /// is sent chunked.
    pub(crate) size: Option<u64>,
    /// Whether a second attempt can send the same content again.
    pub(crate) replayable: bool,
}

/// A reader's content, `CHUNK` bytes at a time.
fn read_chunks(
    reader: Pin<Box<dyn AsyncRead + Send>>,
) -> BoxStream<'static, std::io::Result<Bytes>> {
    stream::try_unfold(reader, |mut reader| async move {
        let mut buffer = BytesMut::with_capacity(CHUNK);
        while buffer.len() < CHUNK {
            if reader.read_buf(&mut buffer).await? == 0 {
                break;
            }
        }
        if buffer.is_empty() {
            return Ok(None);
        }
        Ok(Some((buffer.freeze(), reader)))
    })
    .boxed()
}

impl std::fmt::Debug for UploadSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let content = match &self.content {
            Content::Path(path) => format!("path {}", path.display()),
            Content::Bytes(bytes) => format!("{} bytes in memory", bytes.len()),
            Content::Reader { len, .. } => match len {
                Some(len) => format!("a reader of {len} bytes"),
                None => "a reader".to_owned(),
            },
        };
        f.debug_struct("UploadSource")
            .field("name", &self.name)
            .field("content", &content)
            .finish()
    }
}
