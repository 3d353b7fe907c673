//! A pseudo-terminal, for tests that judge what a person at a terminal
//! sees: progress bars and the summary on stderr.

use std::fs::File;
use std::io::Read;
use std::os::fd::OwnedFd;
use std::process::{Command, ExitStatus, Stdio};

pub struct TerminalRun {
    pub status: ExitStatus,
    /// Everything written to the terminal, escape sequences removed.
    pub screen: String,
}

/// Runs `command` with stdin and stderr on a new 40x160 terminal; stdout
/// there too unless `stdout` is given (a file: `job wait > log.txt`).
pub fn run_on_terminal(mut command: Command, stdout: Option<File>) -> TerminalRun {
    use rustix::pty::{OpenptFlags, grantpt, openpt, ptsname, unlockpt};
    let master = openpt(OpenptFlags::RDWR | OpenptFlags::NOCTTY).expect("a pseudo-terminal");
    grantpt(&master).unwrap();
    unlockpt(&master).unwrap();
    let size = rustix::termios::Winsize {
        ws_row: 40,
        ws_col: 160,
        ws_xpixel: 0,
        ws_ypixel: 0,
    };
    rustix::termios::tcsetwinsize(&master, size).unwrap();
    let far_end = ptsname(&master, Vec::new()).unwrap();
    let slave = OwnedFd::from(
        std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .open(far_end.to_str().unwrap())
            .unwrap(),
    );
    let out = match stdout {
        Some(file) => Stdio::from(file),
        None => Stdio::from(slave.try_clone().unwrap()),
    };
    command
        .stdin(Stdio::from(slave.try_clone().unwrap()))
        .stdout(out)
        .stderr(Stdio::from(slave))
        .env("TERM", "xterm-256color")
        .env_remove("NO_COLOR");
    let mut child = command.spawn().expect("the binary starts");
    // The parent's copies of the terminal's far end must close, or reading
    // never sees the end.
    drop(command);
    let reader = std::thread::spawn(move || {
        let mut master = File::from(master);
        let mut bytes = Vec::new();
        let mut buffer = [0u8; 8192];
        // Linux answers EIO once every holder of the far end has closed it.
        while let Ok(read @ 1..) = master.read(&mut buffer) {
            bytes.extend_from_slice(&buffer[..read]);
        }
        bytes
    });
    let status = child.wait().unwrap();
    let bytes = reader.join().unwrap();
    TerminalRun {
        status,
        screen: without_escapes(&String::from_utf8_lossy(&bytes)),
    }
}

/// `text` without escape sequences; those that move the cursor become line ends.
fn without_escapes(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\u{1b}' {
            out.push(c);
            continue;
        }
        if chars.next_if_eq(&'[').is_some() {
            // Colours (`m`) vanish; cursor moves and erases end a line.
            if let Some(end) = chars.by_ref().find(char::is_ascii_alphabetic)
                && end != 'm'
            {
                out.push('\n');
            }
        } else {
            chars.next();
        }
    }
    out
}

impl TerminalRun {
    /// The last thing drawn on a row that mentions `needle`: a bar's final
    /// state. Rows are told apart by line ends, or by the run of spaces that
    /// pads a row to the terminal's width (indicatif lets them wrap).
    pub fn last_line_with(&self, needle: &str) -> String {
        self.screen
            .split(['\n', '\r'])
            .flat_map(|line| line.split("        "))
            .filter(|row| row.contains(needle))
            .last()
            .unwrap_or_default()
            .trim()
            .to_owned()
    }
}
