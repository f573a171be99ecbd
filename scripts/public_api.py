#!/usr/bin/env python3
"""The public API of petition-core from rustdoc's JSON output: every item an embedder can name,
by the path it is reachable at (re-exports followed), with its inherent methods, its public
fields and variants, and its traits' items. One line each, `kind path`, sorted; a summary line
last counts the items (modules, types, functions, constants, traits) and the rest."""
import collections
import json
import sys

doc = json.load(open(sys.argv[1]))
index = doc["index"]


def kind(it):
    return next(iter(it["inner"]))


items = {}    # id -> (path, kind): what a `use` can name
members = {}  # id -> (path, kind): methods, fields, variants, trait items


def walk(id_, prefix):
    it = index.get(str(id_))
    if it is None:
        return
    if kind(it) == "use":
        u = it["inner"]["use"]
        target = index.get(str(u.get("id")))
        if target is None:
            return
        if u["is_glob"]:
            if kind(target) == "module":
                for c in target["inner"]["module"]["items"]:
                    walk(c, prefix)
            return
        named(u["id"], prefix + "::" + u["name"])
        return
    if it["visibility"] == "public":
        named(id_, prefix + "::" + it["name"])


def named(id_, path):
    if id_ in items:
        return
    it = index[str(id_)]
    k = kind(it)
    items[id_] = (path, k)
    inner = it["inner"][k]
    if k == "module":
        for c in inner["items"]:
            walk(c, path)
        return
    if k == "struct":
        fields = inner["kind"].get("plain", {}).get("fields", []) if isinstance(inner["kind"], dict) else []
        for f in fields:
            fi = index[str(f)]
            if fi["visibility"] == "public":
                members[f] = (path + "::" + fi["name"], "field")
    if k == "enum":
        for v in inner["variants"]:
            members[v] = (path + "::" + index[str(v)]["name"], "variant")
    if k in ("struct", "enum"):
        for im in inner["impls"]:
            i = index[str(im)]["inner"]["impl"]
            if i["trait"] is not None or i.get("is_synthetic") or i.get("blanket_impl"):
                continue
            for c in i["items"]:
                ci = index[str(c)]
                if ci["visibility"] == "public":
                    members[c] = (path + "::" + ci["name"], kind(ci))
    if k == "trait":
        for c in inner["items"]:
            ci = index[str(c)]
            members[c] = (path + "::" + ci["name"], "trait " + kind(ci))


root = index[str(doc["root"])]
for c in root["inner"]["module"]["items"]:
    walk(c, "petition_core")
for path, k in sorted(list(items.values()) + list(members.values()), key=lambda x: (x[0], x[1])):
    print(k, path)
counts = collections.Counter(k for _, k in items.values())
print(
    f"# {len(items)} items ("
    + ", ".join(f"{n} {k}" for k, n in sorted(counts.items()))
    + f"); {sum(1 for _, k in members.values() if k in ('function', 'trait function', 'constant', 'trait assoc_const'))} methods and associated items;"
    + f" {sum(1 for _, k in members.values() if k == 'field')} fields; {sum(1 for _, k in members.values() if k == 'variant')} variants"
)
