"""values.yaml documentation, the README values table, and yamllint."""

from __future__ import annotations

import os

import pytest
import yaml
from yamllint import config as yamllint_config
from yamllint import linter

import chart_values_doc as doc
from chart_render import CHART_DIR, VARIANTS, render

VALUES = CHART_DIR / "values.yaml"
README = CHART_DIR / "README.md"

# Files we write by hand: yamllint's defaults, minus the `---` requirement.
AUTHORED = yamllint_config.YamlLintConfig("""
extends: default
rules:
  document-start: disable
  line-length: {max: 120}
  comments: {min-spaces-from-content: 1}
  truthy: {check-keys: false}
""")
# Helm output: `toYaml` does not indent sequences, and empty documents are normal.
RENDERED = yamllint_config.YamlLintConfig("""
extends: default
rules:
  document-start: disable
  document-end: disable
  line-length: disable
  indentation: {indent-sequences: whatever}
  empty-lines: {max-end: 2}
  trailing-spaces: enable
  truthy: {check-keys: false}
""")


def problems(text, conf):
    return [f"{p.line}:{p.column} {p.message} ({p.rule})" for p in linter.run(text, conf)]


@pytest.mark.parametrize("name", ["values.yaml", "Chart.yaml"])
def test_authored_yaml_passes_yamllint(name):
    assert problems((CHART_DIR / name).read_text(), AUTHORED) == []


def test_rendered_manifests_pass_yamllint(variant):
    _, values = variant
    for path, text in render(values).items():
        if path.endswith(".yaml"):
            assert problems(text, RENDERED) == [], path


def test_every_value_is_documented():
    values = yaml.safe_load(VALUES.read_text())
    documented = doc.documented_keys(VALUES)
    undocumented = [
        leaf for leaf in doc.leaf_paths(values)
        if not any(leaf == d or leaf.startswith(d + ".") for d in documented)
    ]
    assert undocumented == [], "add a `# --` comment above these keys in values.yaml"


def test_documented_keys_exist():
    values = yaml.safe_load(VALUES.read_text())
    for key in doc.documented_keys(VALUES):
        doc.lookup(values, key)


def test_readme_values_table_is_current():
    """SYSOTEL_BLESS=1 rewrites the table from values.yaml instead of failing."""
    readme = README.read_text()
    current = doc.with_table(readme, VALUES)
    if os.environ.get("SYSOTEL_BLESS") == "1":
        README.write_text(current)
        return
    assert readme == current, "README values table is stale: rerun with SYSOTEL_BLESS=1"


def test_readme_covers_the_variants():
    readme = README.read_text()
    for needle in ("helm install", "otlp.endpoint", "collectorSidecar.enabled", "privileged"):
        assert needle in readme
    assert set(VARIANTS) >= {"default", "sidecar", "privileged"}
