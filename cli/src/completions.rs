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

pub const MAN_HELP: &str = "\
Example:
  datasaur man > datasaur.1 && man ./datasaur.1
  datasaur man --dir man/ && man -M man datasaur-job-wait   (every page)";

#[derive(Debug, Args)]
pub struct ManArgs {
    /// Write every page (datasaur.1, datasaur-job.1, datasaur-job-wait.1, ...)
    /// into this folder, created if missing, instead of the top page to stdout.
    #[arg(long, value_name = "DIR")]
    dir: Option<std::path::PathBuf>,
}

pub async fn man(args: ManArgs, command: clap::Command) -> ExitCode {
    let mut command = command.disable_help_subcommand(true);
    command.build();
    let Some(dir) = args.dir else {
        return match render(&command) {
            Ok(page) => write_out(&page),
            Err(error) => {
                eprintln!("error: cannot render the man page: {error}");
                Exit::Other.into()
            }
        };
    };
    // The top page's SEE ALSO names a page per subcommand: write them all.
    let mut pages = Vec::new();
    if let Err(error) = collect_pages(&command, &mut pages) {
        eprintln!("error: cannot render the man pages: {error}");
        return Exit::Other.into();
    }
    if let Err(error) = tokio::fs::create_dir_all(&dir).await {
        eprintln!("error: cannot create {}: {error}", dir.display());
        return Exit::Other.into();
    }
    for (name, page) in &pages {
        let path = dir.join(name);
        if let Err(error) = datasaur::__workspace::write_whole(&path, page, true).await {
            eprintln!("error: cannot write {}: {error}", path.display());
            return Exit::Other.into();
        }
    }
    eprintln!("wrote {} man pages to {}", pages.len(), dir.display());
    ExitCode::SUCCESS
}

fn render(command: &clap::Command) -> std::io::Result<Vec<u8>> {
    let mut page = Vec::new();
    clap_mangen::Man::new(command.clone()).render(&mut page)?;
    Ok(page)
}

/// `(file name, page)` for `command` and every visible subcommand below it.
fn collect_pages(
    command: &clap::Command,
    pages: &mut Vec<(String, Vec<u8>)>,
) -> std::io::Result<()> {
    let name = clap_mangen::Man::new(command.clone()).get_filename();
    pages.push((name, render(command)?));
    for sub in command.get_subcommands().filter(|sub| !sub.is_hide_set()) {
        collect_pages(sub, pages)?;
    }
    Ok(())
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
