//! Connection flags given before the subcommand (`datasaur --token T job get
//! ID`, as kubectl and gh allow) are moved to just after it, where clap
//! reads them: they belong to the commands that connect, not to `datasaur`.

use std::ffi::OsString;

/// The flags of `ConnectionArgs`, each taking a value.
const CONNECTION_FLAGS: [&str; 5] = [
    "--url",
    "--token",
    "--client-id",
    "--client-secret",
    "--upload-url",
];

/// `args` (program name first) with leading connection flags moved after
/// the subcommand that takes them; unchanged when there is none, or when
/// the subcommand does not connect (clap then refuses the flag, as before).
pub fn hoist_connection_flags(args: Vec<OsString>) -> Vec<OsString> {
    let mut kept = Vec::new();
    let mut moved = Vec::new();
    let mut rest = args.iter().enumerate().skip(1);
    let mut subcommand_at = None;
    while let Some((index, arg)) = rest.next() {
        let text = arg.to_string_lossy();
        if !text.starts_with('-') || text == "--" {
            subcommand_at = Some(index);
            break;
        }
        match connection_flag(&text) {
            Some(Takes::NextArgument) => {
                moved.push(arg.clone());
                if let Some((_, value)) = rest.next() {
                    moved.push(value.clone());
                }
            }
            Some(Takes::Inline) => moved.push(arg.clone()),
            None => kept.push(arg.clone()),
        }
    }
    let Some(at) = subcommand_at else {
        return args;
    };
    // The command level whose flags include the connection flags.
    let depth = match args[at].to_str() {
        Some("job" | "export" | "upload") => 1,
        Some("schema")
            if matches!(
                args.get(at + 1).and_then(|next| next.to_str()),
                Some("pull" | "check")
            ) =>
        {
            2
        }
        _ => return args,
    };
    if moved.is_empty() {
        return args;
    }
    let mut out = Vec::with_capacity(args.len());
    out.push(args[0].clone());
    out.extend(kept);
    out.extend(args[at..at + depth].iter().cloned());
    out.extend(moved);
    out.extend(args[at + depth..].iter().cloned());
    out
}

enum Takes {
    NextArgument,
    Inline,
}

fn connection_flag(text: &str) -> Option<Takes> {
    CONNECTION_FLAGS.iter().find_map(|flag| {
        if text == *flag {
            Some(Takes::NextArgument)
        } else if text
            .strip_prefix(flag)
            .is_some_and(|tail| tail.starts_with('='))
        {
            Some(Takes::Inline)
        } else {
            None
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hoisted(line: &str) -> String {
        let args = line.split(' ').map(OsString::from).collect();
        let out: Vec<String> = hoist_connection_flags(args)
            .into_iter()
            .map(|arg| arg.into_string().unwrap())
            .collect();
        out.join(" ")
    }

    #[test]
    fn leading_connection_flags_follow_the_command_that_connects() {
        assert_eq!(
            hoisted("datasaur --token T job get ID"),
            "datasaur job --token T get ID"
        );
        assert_eq!(
            hoisted("datasaur -v --url=http://x --token T export project P --format JSON"),
            "datasaur -v export --url=http://x --token T project P --format JSON"
        );
        assert_eq!(
            hoisted("datasaur --client-id I --client-secret S schema pull --out f"),
            "datasaur schema pull --client-id I --client-secret S --out f"
        );
    }

    #[test]
    fn anything_else_is_left_for_clap_to_judge() {
        for line in [
            "datasaur job get --token T ID",
            "datasaur -q job get ID",
            "datasaur --token T sandbox",
            "datasaur --token T schema diff a b",
            "datasaur --token T schema --help",
            "datasaur --token T",
            "datasaur --tokenish job get",
        ] {
            assert_eq!(hoisted(line), line);
        }
    }
}
