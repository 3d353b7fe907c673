#!/usr/bin/env python3
"""Checks every relative link of the repository's Markdown files: the file
(or folder) it names must exist. Web links are not followed (CI is
offline); anchors are not checked.

Usage: links.py [ROOT]
"""
import os
import re
import subprocess
import sys

LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")
FENCE = re.compile(r"^(```|~~~).*?^\1", re.M | re.S)


def markdown_files(root):
    listed = subprocess.run(
        ["git", "ls-files", "*.md"], cwd=root, capture_output=True, text=True, check=True
    ).stdout.split()
    return [os.path.join(root, path) for path in listed]


def broken(path):
    text = FENCE.sub("", open(path, encoding="utf-8").read())
    for target in LINK.findall(text):
        if re.match(r"^[a-z][a-z0-9+.-]*:", target) or target.startswith("#"):
            continue
        local = target.split("#", 1)[0]
        if not local:
            continue
        if not os.path.exists(os.path.join(os.path.dirname(path), local)):
            yield target


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else "."
    failures = [
        f"{os.path.relpath(path, root)}: {target}"
        for path in markdown_files(root)
        for target in broken(path)
    ]
    for failure in failures:
        print(f"broken link: {failure}")
    if failures:
        sys.exit(1)


if __name__ == "__main__":
    main()
