#!/usr/bin/env python3
"""Lists a crate's public API from its rustdoc JSON, one sorted line per item:
every public path, struct field, enum variant, method signature and trait
impl. CI compares the list with the reviewed copy in `api/`, so that every
change to the surface is seen in review.

Usage: public_api.py target/.../doc/datasaur.json > api/datasaur.txt
"""
import json
import sys


def main():
    doc = json.load(open(sys.argv[1]))
    index = doc["index"]
    item = lambda i: index.get(str(i))
    lines = set()

    def ty(t):
        if t is None:
            return "()"
        kind, value = next(iter(t.items()))
        if kind == "resolved_path":
            return value["path"] + args(value.get("args"))
        if kind == "generic":
            return value
        if kind == "primitive":
            return value
        if kind == "borrowed_ref":
            life = (value.get("lifetime") or "") + " " if value.get("lifetime") else ""
            mut = "mut " if value.get("is_mutable") else ""
            return "&" + life + mut + ty(value["type"])
        if kind == "tuple":
            return "(" + ", ".join(ty(x) for x in value) + ")"
        if kind == "slice":
            return "[" + ty(value) + "]"
        if kind == "array":
            return "[" + ty(value["type"]) + "; " + str(value["len"]) + "]"
        if kind == "impl_trait":
            return "impl " + " + ".join(bound(b) for b in value)
        if kind == "dyn_trait":
            return "dyn " + " + ".join(
                p["trait"]["path"] + args(p["trait"].get("args")) for p in value["traits"]
            )
        if kind == "qualified_path":
            return "<" + ty(value["self_type"]) + ">::" + value["name"]
        return kind

    def args(a):
        if not a:
            return ""
        if "angle_bracketed" in a:
            parts = []
            for x in a["angle_bracketed"]["args"]:
                if "type" in x:
                    parts.append(ty(x["type"]))
                elif "lifetime" in x:
                    parts.append(x["lifetime"])
                elif "const" in x:
                    parts.append(str(x["const"].get("expr")))
            for c in a["angle_bracketed"].get("constraints", []):
                binding = c.get("binding", {})
                if "equality" in binding and "type" in binding["equality"]:
                    parts.append(c["name"] + " = " + ty(binding["equality"]["type"]))
            return "<" + ", ".join(parts) + ">" if parts else ""
        return "(..)"

    def bound(b):
        if "trait_bound" in b:
            t = b["trait_bound"]["trait"]
            return t["path"] + args(t.get("args"))
        return str(b.get("outlives", "?"))

    def signature(name, f):
        sig = f["sig"]
        inputs = ", ".join(f"{n}: {ty(t)}" for n, t in sig["inputs"])
        header = f["header"]
        prefix = ("const " if header.get("is_const") else "") + (
            "async " if header.get("is_async") else ""
        )
        out = " -> " + ty(sig["output"]) if sig.get("output") else ""
        return f"{prefix}fn {name}({inputs}){out}"

    def attributes(it):
        shown = []
        for attr in it.get("attrs", []):
            text = attr if isinstance(attr, str) else json.dumps(attr)
            if "non_exhaustive" in text:
                shown.append("#[non_exhaustive] ")
        return "".join(shown)

    def impls(path, ids):
        for impl_id in ids:
            imp = item(impl_id)
            if not imp:
                continue
            inner = imp["inner"]["impl"]
            if inner.get("is_synthetic") or inner.get("blanket_impl"):
                continue
            if inner.get("trait"):
                lines.add(f"impl {inner['trait']['path']}{args(inner['trait'].get('args'))} for {path}")
                continue
            for method_id in inner["items"]:
                m = item(method_id)
                if not m or m.get("visibility") != "public":
                    continue
                kind, value = next(iter(m["inner"].items()))
                if kind == "function":
                    lines.add(f"{path}::{signature(m['name'], value)}")
                elif kind == "assoc_const":
                    lines.add(f"{path}::const {m['name']}: {ty(value['type'])}")

    seen = set()

    def walk(module_id, prefix):
        if (module_id, prefix) in seen:
            return
        seen.add((module_id, prefix))
        module = item(module_id)
        for child_id in module["inner"]["module"]["items"]:
            child = item(child_id)
            if not child or child.get("visibility") != "public" and "use" not in child["inner"]:
                continue
            visit(child, prefix)

    def visit(child, prefix, name=None):
        kind, value = next(iter(child["inner"].items()))
        name = name or child.get("name")
        path = f"{prefix}::{name}"
        if kind == "use":
            if child.get("visibility") != "public":
                return
            target = item(value.get("id")) if value.get("id") is not None else None
            if value.get("is_glob"):
                if target and "module" in target["inner"]:
                    walk(target["id"], prefix)
                return
            if target:
                visit(target, prefix, value["name"])
            else:
                lines.add(f"pub use {value['source']} as {path}")
            return
        if kind == "module":
            lines.add(f"mod {path}")
            walk(child["id"], path)
        elif kind == "struct":
            lines.add(f"{attributes(child)}struct {path}")
            struct_kind = value["kind"]
            fields = struct_kind.get("plain", {}).get("fields", []) if isinstance(struct_kind, dict) else []
            for field_id in fields:
                field = item(field_id)
                if field and field.get("visibility") == "public":
                    lines.add(f"{path}.{field['name']}: {ty(field['inner']['struct_field'])}")
            impls(path, value["impls"])
        elif kind == "enum":
            lines.add(f"{attributes(child)}enum {path}")
            for variant_id in value["variants"]:
                variant = item(variant_id)
                vk = variant["inner"]["variant"]["kind"]
                shape = ""
                if isinstance(vk, dict) and "struct" in vk:
                    shape = " { " + ", ".join(
                        f"{item(f)['name']}: {ty(item(f)['inner']['struct_field'])}"
                        for f in vk["struct"]["fields"] if item(f)
                    ) + " }"
                elif isinstance(vk, dict) and "tuple" in vk:
                    shape = "(" + ", ".join(
                        ty(item(f)["inner"]["struct_field"]) for f in vk["tuple"] if f is not None and item(f)
                    ) + ")"
                lines.add(f"{path}::{attributes(variant)}{variant['name']}{shape}")
            impls(path, value["impls"])
        elif kind == "trait":
            lines.add(f"trait {path}")
            for member_id in value["items"]:
                member = item(member_id)
                mk, mv = next(iter(member["inner"].items()))
                if mk == "function":
                    lines.add(f"{path}::{signature(member['name'], mv)}")
                else:
                    lines.add(f"{path}::{mk} {member['name']}")
        elif kind == "function":
            lines.add(f"{path}::{signature(name, value)}".replace(f"{path}::fn {name}", f"fn {path}"))
        elif kind == "constant":
            lines.add(f"const {path}: {ty(value['type'])}")
        elif kind == "type_alias":
            lines.add(f"type {path} = {ty(value['type'])}")
        else:
            lines.add(f"{kind} {path}")

    root = item(doc["root"])
    walk(root["id"], root["name"])
    print("\n".join(sorted(lines)))


if __name__ == "__main__":
    main()
