//! The guide's "Start a project" (`docs/guide/start.md`) is the text of `examples/starter/`, which
//! CI builds and tests: users copy what is known to work. The one difference
//! allowed: the starter's dependencies on this workspace carry a `path`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Each `<!-- starter: PATH -->` of the README and the fenced block after it.
fn readme_files(readme: &str) -> BTreeMap<String, String> {
    let mut files = BTreeMap::new();
    let mut lines = readme.lines();
    while let Some(line) = lines.next() {
        let Some(path) = line
            .strip_prefix("<!-- starter: ")
            .and_then(|rest| rest.strip_suffix(" -->"))
        else {
            continue;
        };
        let fence = lines.next().unwrap_or_default();
        assert!(
            fence.starts_with("```"),
            "a block follows the marker of {path}"
        );
        let mut text = String::new();
        for line in lines.by_ref().take_while(|line| *line != "```") {
            text.push_str(line);
            text.push('\n');
        }
        files.insert(path.to_owned(), text);
    }
    files
}

/// `{ path = "../..", version = "0.1" }` as a user writes it: `"0.1"`.
fn without_workspace_paths(manifest: &str) -> String {
    manifest
        .lines()
        .map(
            |line| match (line.find("{ path = \""), line.find("version = \"")) {
                (Some(open), Some(version)) if line.ends_with("\" }") => {
                    let value = &line[version + "version = ".len()..line.len() - " }".len()];
                    format!("{}{value}\n", &line[..open])
                }
                _ => format!("{line}\n"),
            },
        )
        .collect()
}

fn files_under(dir: &Path, base: &Path, out: &mut Vec<String>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files_under(&path, base, out);
        } else {
            out.push(
                path.strip_prefix(base)
                    .unwrap()
                    .to_string_lossy()
                    .replace('\\', "/"),
            );
        }
    }
}

#[test]
fn the_readme_starter_is_the_starter_crate() {
    let readme = std::fs::read_to_string(root().join("docs/guide/start.md")).unwrap();
    let shown = readme_files(&readme);
    let starter = root().join("examples/starter");
    let mut on_disk = Vec::new();
    files_under(&starter, &starter, &mut on_disk);
    on_disk.sort();
    assert_eq!(
        shown.keys().cloned().collect::<Vec<_>>(),
        on_disk,
        "every file of the starter is in the README, and nothing else"
    );
    for (path, text) in &shown {
        let mut file = std::fs::read_to_string(starter.join(path)).unwrap();
        if path == "Cargo.toml" {
            assert!(
                file.contains("path = "),
                "the starter builds against this workspace"
            );
            file = without_workspace_paths(&file);
        }
        assert_eq!(
            text, &file,
            "README block for {path} differs from examples/starter/{path}"
        );
    }
}

#[test]
fn workspace_paths_are_the_only_difference_allowed() {
    assert_eq!(
        without_workspace_paths("a = { path = \"../..\", version = \"0.1\" }\nb = \"1\"\n"),
        "a = \"0.1\"\nb = \"1\"\n"
    );
    assert_eq!(
        without_workspace_paths("t = { version = \"1\", features = [\"x\"] }\n"),
        "t = { version = \"1\", features = [\"x\"] }\n"
    );
}
