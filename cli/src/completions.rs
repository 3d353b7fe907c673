//! `datasaur completions SHELL` and `datasaur man`: generated from the clap
//! definition, so they never drift from the real flags.

use std::io::Write;
use std::process::ExitCode;

use clap::Args;
use clap_complete::Shell;

use crate::exit::Exit;

pub const COMPLETIONS_HELP: &str = "\
Example (install for bash, zsh or fish):
  bash: datasaur completions bash > ~/.local/share/bash-completion/completions/datasaur
  zsh:  datasaur completions zsh > ~/.zfunc/_datasaur   (with fpath+=~/.zfunc)
  fish: datasaur completions fish > ~/.config/fish/completions/datasaur.fish";

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to complete for.
    #[arg(value_enum)]
    shell: Shell,
}

pub fn run(args: CompletionsArgs, command: &mut clap::Command) -> ExitCode {
    let mut out = Vec::new();
    clap_complete::generate(args.shell, command, "datasaur", &mut out);
    write_out(&out)
}

pub fn man(command: &clap::Command) -> ExitCode {
    let mut out = Vec::new();
    match clap_mangen::Man::new(command.clone()).render(&mut out) {
        Ok(()) => write_out(&out),
        Err(error) => {
            eprintln!("error: cannot render the man page: {error}");
            Exit::Other.into()
        }
    }
}

fn write_out(bytes: &[u8]) -> ExitCode {
    let mut stdout = std::io::stdout().lock();
    match stdout.write_all(bytes).and_then(|()| stdout.flush()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: cannot write: {error}");
            Exit::Other.into()
        }
    }
}
