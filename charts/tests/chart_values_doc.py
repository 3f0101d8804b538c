"""A helm-docs style values table, generated from `# --` comments.

helm-docs (a Go binary) is not installable here, so this module reads
values.yaml the same way: a `# -- text` comment (continued by following `#`
comment lines) documents the key right below it. The table lists every
documented key with its type and default.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

START = "<!-- values-table:start -->"
END = "<!-- values-table:end -->"

_KEY = re.compile(r'^(?P<indent> *)(?P<key>[A-Za-z0-9_.\-/]+|"[^"]+"):(?:\s|$)')
_DOC = re.compile(r"^\s*# -- ?(?P<text>.*)$")
_MORE = re.compile(r"^\s*#(?: (?P<text>.*))?$")
_MAX_DEFAULT = 100


@dataclass
class Entry:
    key: str
    kind: str
    default: str
    description: str


def documented_keys(values_path: Path) -> dict[str, str]:
    """Dotted key path -> description, in file order."""
    docs: dict[str, str] = {}
    stack: list[tuple[int, str]] = []
    pending: list[str] | None = None
    for line in values_path.read_text().splitlines():
        if m := _DOC.match(line):
            pending = [m["text"].strip()]
            continue
        if pending is not None and (m := _MORE.match(line)):
            pending.append((m["text"] or "").strip())
            continue
        m = _KEY.match(line)
        if m is None:
            if not line.strip():
                pending = None
            continue
        indent, key = len(m["indent"]), m["key"].strip('"')
        while stack and stack[-1][0] >= indent:
            stack.pop()
        stack.append((indent, key))
        if pending is not None:
            docs[".".join(k for _, k in stack)] = " ".join(t for t in pending if t)
            pending = None
    return docs


def lookup(values: Any, dotted: str) -> Any:
    node = values
    for part in _split(dotted, values):
        node = node[part]
    return node


def _split(dotted: str, values: Any) -> list[str]:
    """Split a dotted path, keeping keys that contain dots (kubernetes.io/os)."""
    parts, node, rest = [], values, dotted
    while rest:
        if not isinstance(node, dict):
            raise KeyError(dotted)
        match = next((k for k in sorted(node, key=len, reverse=True)
                      if rest == k or rest.startswith(k + ".")), None)
        if match is None:
            raise KeyError(dotted)
        parts.append(match)
        node = node[match]
        rest = rest[len(match) + 1:]
    return parts


def kind_of(value: Any) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "float"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "list"
    return "object"


def entries(values_path: Path) -> list[Entry]:
    values = yaml.safe_load(values_path.read_text())
    out = []
    for key, text in documented_keys(values_path).items():
        value = lookup(values, key)
        default = json.dumps(value, separators=(",", ":"))
        if len(default) > _MAX_DEFAULT:
            default = "see values.yaml"
        else:
            default = f"`{default}`"
        out.append(Entry(key, kind_of(value), default, text))
    return out


def table(values_path: Path) -> str:
    rows = ["| Key | Type | Default | Description |", "|-----|------|---------|-------------|"]
    for e in entries(values_path):
        description = e.description.replace("|", "\\|")
        default = e.default.replace("|", "\\|")
        rows.append(f"| `{e.key}` | {e.kind} | {default} | {description} |")
    return "\n".join(rows) + "\n"


def leaf_paths(node: Any, prefix: str = "") -> list[str]:
    """Dotted paths of every leaf of the mapping tree (lists are leaves)."""
    if not isinstance(node, dict) or not node:
        return [prefix] if prefix else []
    out = []
    for key, value in node.items():
        out.extend(leaf_paths(value, f"{prefix}.{key}" if prefix else str(key)))
    return out


def with_table(readme: str, values_path: Path) -> str:
    """README text with the table between the markers replaced."""
    start, end = readme.index(START) + len(START), readme.index(END)
    return readme[:start] + "\n" + table(values_path) + readme[end:]
