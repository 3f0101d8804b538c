"""Static model of an OpenTelemetry Collector configuration.

No collector binary is available to run `otelcol validate`, so the checks
here cover what a wrong configuration most often gets wrong: references,
component names, processor order.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

CONFIG_DIR = Path(__file__).resolve().parent.parent
REPO = CONFIG_DIR.parent
CHART_VALUES = REPO / "charts" / "sysotel" / "values.yaml"

KINDS = ("receivers", "processors", "exporters", "connectors", "extensions")
TOP_LEVEL = set(KINDS) | {"service"}
SIGNALS = ("traces", "metrics", "logs")

# Component types these configurations may use, by kind (current names).
KNOWN = {
    "receivers": {"otlp"},
    "processors": {"memory_limiter", "groupbyattrs", "k8s_attributes", "batch"},
    "exporters": {"otlp_grpc", "otlp_http", "debug"},
    "extensions": {"health_check"},
    "connectors": set(),
}
# Names replaced by a newer one: kind -> old type -> new type.
RENAMED = {
    "exporters": {"otlp": "otlp_grpc", "otlphttp": "otlp_http", "logging": "debug"},
    "processors": {"k8sattributes": "k8s_attributes"},
}

ENV_REF = re.compile(r"\$\{(?P<body>[^}]*)\}")
VALID_ENV = re.compile(r"^env:[A-Za-z_][A-Za-z0-9_]*(?::-[^}]*)?$")


def component_type(component_id: str) -> str:
    """`otlp_grpc/tempo` -> `otlp_grpc`."""
    return component_id.split("/", 1)[0]


def configs() -> dict[str, dict[str, Any]]:
    """Every collector configuration: the files here and the chart's sidecar config."""
    out = {p.name: yaml.safe_load(p.read_text()) for p in sorted(CONFIG_DIR.glob("*.yaml"))}
    values = yaml.safe_load(CHART_VALUES.read_text())
    out["charts/sysotel collectorSidecar.config"] = values["collectorSidecar"]["config"]
    return out


def pipelines(config: dict[str, Any]) -> dict[str, dict[str, list[str]]]:
    return config["service"]["pipelines"]


def defined(config: dict[str, Any], kind: str) -> set[str]:
    return set(config.get(kind) or {})


def used(config: dict[str, Any], kind: str) -> set[str]:
    if kind == "extensions":
        return set(config["service"].get("extensions", []))
    names: set[str] = set()
    for pipeline in pipelines(config).values():
        names.update(pipeline.get(kind, []))
    return names


def env_references(node: Any) -> list[str]:
    """The body of every `${...}` in the string values of the tree."""
    if isinstance(node, dict):
        return [r for v in node.values() for r in env_references(v)]
    if isinstance(node, list):
        return [r for v in node for r in env_references(v)]
    if isinstance(node, str):
        return [m["body"] for m in ENV_REF.finditer(node)]
    return []


def expand_defaults(value: str) -> str:
    """`${env:X:-default}` -> `default` (what the collector uses when X is unset)."""
    return ENV_REF.sub(lambda m: m["body"].split(":-", 1)[1] if ":-" in m["body"] else "", value)
