#!/usr/bin/env python3
"""Finds import cycles between the files of a crate's src/.

Usage: import_cycles.py SRC_DIR [SRC_DIR ...]

An edge A -> B means a file A names an item (through `use`, or a path in
its code) that is defined in file B; re-exports (`pub use`) are followed to
the file that defines the item, and module declarations are not edges.
Unit-test modules (`#[cfg(test)] mod tests`) are left out. Prints every
group of files that import each other (directly or around a circle) and
exits 1 if there is one.
"""
import os
import re
import sys

USE_RE = re.compile(r"^\s*(pub(\([^)]*\))?\s+)?use\s+([^;]+);", re.M)
PATH_RE = re.compile(r"\b((?:crate|super|self)(?:::[A-Za-z_][A-Za-z0-9_]*)+)")
MOD_RE = re.compile(r"^\s*(pub(\([^)]*\))?\s+)?mod\s+([a-z_][a-z0-9_]*)\s*;", re.M)
TEST_RE = re.compile(r"#\[cfg\(test\)\]\s*(pub(\([^)]*\))?\s+)?mod\s+[a-z_]+\s*\{")


def strip(text):
    text = re.sub(r"//[^\n]*", "", text)
    match = TEST_RE.search(text)
    return text[: match.start()] if match else text


def flatten(tree):
    """`a::{b, c::{d, e}}` -> [a::b, a::c::d, a::c::e]."""
    tree = re.sub(r"\s+", "", tree)
    if "{" not in tree:
        return [re.sub(r"\bas\b.*$", "", tree)]
    head, rest = tree.split("{", 1)
    inner = rest[: rest.rfind("}")]
    parts, depth, current = [], 0, ""
    for ch in inner:
        if ch == "," and depth == 0:
            parts.append(current)
            current = ""
            continue
        depth += ch == "{"
        depth -= ch == "}"
        current += ch
    if current:
        parts.append(current)
    out = []
    for part in parts:
        for path in flatten(part):
            out.append(head + path if path != "self" else head.rstrip(":"))
    return out


class Crate:
    def __init__(self, src):
        self.src = os.path.abspath(src)
        self.files = {}
        for root, _, names in os.walk(self.src):
            for name in names:
                if name.endswith(".rs"):
                    path = os.path.join(root, name)
                    with open(path, encoding="utf-8") as f:
                        self.files[path] = strip(f.read())
        self.root = os.path.join(self.src, "lib.rs")
        if self.root not in self.files:
            self.root = os.path.join(self.src, "main.rs")

    def module_dir(self, path):
        """Where a module file's children live."""
        base = os.path.basename(path)
        if base in ("mod.rs", "lib.rs", "main.rs"):
            return os.path.dirname(path)
        return path[:-3]

    def child(self, module, name):
        folder = self.module_dir(module)
        for candidate in (os.path.join(folder, name + ".rs"), os.path.join(folder, name, "mod.rs")):
            if candidate in self.files:
                return candidate
        return None

    def parent(self, module):
        if module == self.root:
            return None
        base = os.path.basename(module)
        folder = os.path.dirname(module)
        if base == "mod.rs":
            folder = os.path.dirname(folder)
        for candidate in (folder + ".rs", os.path.join(folder, "mod.rs"), os.path.join(folder, "lib.rs"), os.path.join(folder, "main.rs")):
            if candidate in self.files and candidate != module:
                return candidate
        return None

    def reexports(self, module):
        """name -> path it re-exports, for `pub use` in a module file."""
        found = {}
        for match in USE_RE.finditer(self.files[module]):
            if not match.group(1):
                continue
            for path in flatten(match.group(3)):
                name = path.split("::")[-1]
                if name == "*":
                    continue
                found[name] = path
        return found

    def resolve(self, module, path, depth=0):
        """The file that defines what `path`, seen from `module`, names."""
        if depth > 20:
            return None
        segments = path.split("::")
        current = module
        first = True
        for index, segment in enumerate(segments):
            if segment == "crate" and first:
                current = self.root
            elif segment == "super":
                current = self.parent(current) or current
            elif segment == "self":
                pass
            else:
                child = self.child(current, segment)
                if child:
                    current = child
                else:
                    exported = self.reexports(current).get(segment)
                    if exported and exported != path:
                        target = self.resolve(current, exported, depth + 1)
                        return target or current
                    return current if not first else None
            first = False
        return current

    def edges(self):
        graph = {path: set() for path in self.files}
        for path, text in self.files.items():
            paths = []
            for match in USE_RE.finditer(text):
                paths.extend(flatten(match.group(3)))
            paths.extend(PATH_RE.findall(USE_RE.sub("", text)))
            for used in paths:
                if not used.split("::")[0] in ("crate", "super", "self"):
                    # `use module::Item` of a child module declared here.
                    used = "self::" + used
                target = self.resolve(path, used.rstrip(":*").rstrip(":"))
                if target and target != path:
                    graph[path].add(target)
        return graph


def cycles(graph):
    index, low, on, stack, out = {}, {}, set(), [], []
    counter = [0]

    def visit(node):
        index[node] = low[node] = counter[0]
        counter[0] += 1
        stack.append(node)
        on.add(node)
        for nxt in graph[node]:
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                top = stack.pop()
                on.discard(top)
                group.append(top)
                if top == node:
                    break
            if len(group) > 1:
                out.append(sorted(group))

    sys.setrecursionlimit(10000)
    for node in graph:
        if node not in index:
            visit(node)
    return out


def main():
    status = 0
    for src in sys.argv[1:]:
        crate = Crate(src)
        graph = crate.edges()
        for group in cycles(graph):
            status = 1
            names = [os.path.relpath(p, crate.src) for p in group]
            print(f"{src}: files that import each other: {', '.join(names)}")
            for p in group:
                inside = sorted(os.path.relpath(t, crate.src) for t in graph[p] if t in group)
                print(f"    {os.path.relpath(p, crate.src)} -> {', '.join(inside)}")
    sys.exit(status)


if __name__ == "__main__":
    main()
