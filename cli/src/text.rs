//! Server text made safe for a terminal: a job id, status or error stack can
//! hold escape sequences that clear the screen, retitle the window or
//! rewrite lines. Human output shows them escaped; `--json` stays exact.

use std::borrow::Cow;
use std::fmt::Write as _;

/// `text` with every control character (C0, DEL, C1) and bidirectional
/// override written as a visible escape (`\u{1b}`), newlines and tabs too.
pub fn terminal_safe(text: &str) -> Cow<'_, str> {
    if !text.chars().any(needs_escape) {
        return Cow::Borrowed(text);
    }
    let mut safe = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if needs_escape(c) {
            let _ = write!(safe, "{}", c.escape_unicode());
        } else {
            safe.push(c);
        }
    }
    Cow::Owned(safe)
}

/// [`terminal_safe`], keeping line breaks: for a whole human message that
/// may span lines and quote server or file text anywhere inside.
pub fn terminal_safe_lines(text: &str) -> String {
    text.split('\n')
        .map(terminal_safe)
        .collect::<Vec<_>>()
        .join("\n")
}

/// `println!`, the line made terminal-safe: for human output that quotes
/// text from a server or a file.
macro_rules! say {
    ($($arg:tt)*) => {
        println!("{}", $crate::text::terminal_safe_lines(&format!($($arg)*)))
    };
}

/// `eprintln!`, the line made terminal-safe.
macro_rules! say_err {
    ($($arg:tt)*) => {
        eprintln!("{}", $crate::text::terminal_safe_lines(&format!($($arg)*)))
    };
}

pub(crate) use {say, say_err};

fn needs_escape(c: char) -> bool {
    c.is_control() || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// At most `max` characters of `text` (made terminal-safe), with `…` when cut.
pub fn shorten(text: &str, max: usize) -> String {
    let safe = terminal_safe(text);
    if safe.chars().count() <= max {
        return safe.into_owned();
    }
    let mut short: String = safe.chars().take(max.saturating_sub(1)).collect();
    short.push('…');
    short
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_and_overrides_are_made_visible() {
        assert_eq!(terminal_safe("plain id"), "plain id");
        assert_eq!(
            terminal_safe("a\u{1b}]0;pwned\u{7}b\rc\u{202e}"),
            "a\\u{1b}]0;pwned\\u{7}b\\u{d}c\\u{202e}"
        );
    }

    #[test]
    fn whole_messages_keep_their_lines_and_lose_their_escapes() {
        assert_eq!(
            terminal_safe_lines("ok\nreason: \u{1b}]0;pwned\u{7}"),
            "ok\nreason: \\u{1b}]0;pwned\\u{7}"
        );
    }

    #[test]
    fn long_text_is_shortened_by_characters() {
        assert_eq!(shorten("héllo wörld", 6), "héllo…");
        assert_eq!(shorten("short", 60), "short");
    }
}
