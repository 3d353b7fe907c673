//! How the command line tells of an error: the whole cause chain on one line
//! (anyhow's `{:#}` style), and the request id only when the request may
//! have reached the server.

use std::error::Error as StdError;

use crate::text::terminal_safe;

/// `error`'s message followed by each cause's, `: `-separated; a cause whose
/// text the line already ends with is left out.
pub fn chain(error: &dyn StdError) -> String {
    let mut line = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let text = cause.to_string();
        if !text.is_empty() && !line.ends_with(&text) {
            line.push_str(": ");
            line.push_str(&text);
        }
        source = cause.source();
    }
    terminal_safe(&line).into_owned()
}

/// Prints `error` to stderr, with the request id to quote to Datasaur
/// support if the request may have reached it.
pub fn print(error: &datasaur::Error) {
    eprintln!("error: {}", chain(error));
    if let Some(request_id) = error.request_id() {
        eprintln!("request id (quote it to Datasaur support): {request_id}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, thiserror::Error)]
    #[error("outer")]
    struct Outer(#[source] Inner);

    #[derive(Debug, thiserror::Error)]
    #[error("connection refused")]
    struct Inner;

    #[test]
    fn the_chain_reads_outer_to_inner() {
        assert_eq!(chain(&Outer(Inner)), "outer: connection refused");
    }
}
