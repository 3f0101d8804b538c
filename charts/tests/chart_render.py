"""Renders charts/sysotel offline with the Helm v4 engine (helm-python-sdk).

A uniquely named module (not conftest.py) so that the tests import it
unambiguously when several suites run in one pytest session.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import helm_python as helm  # pip install -r charts/tests/requirements.txt
import pytest
import yaml

CHART_DIR = Path(__file__).resolve().parent.parent / "sysotel"
RELEASE = "sysotel"
NAMESPACE = "observability"
GATEWAY = "http://otel-gateway.observability.svc:4317"

# The variants every manifest-level check runs on.
VARIANTS: dict[str, dict[str, Any]] = {
    "default": {},
    "sidecar": {"collectorSidecar": {"enabled": True}, "otlp": {"endpoint": GATEWAY}},
    "privileged": {"privileged": True, "otlp": {"endpoint": GATEWAY, "protocol": "http/protobuf"}},
    "everything": {
        "otlp": {"endpoint": "http://collector.observability.svc:4317"},
        "image": {"digest": "sha256:" + "a" * 64},
        "config": {"queue_capacity": 4096, "report_interval_secs": 30},
        "security": {"events": "file,network,privilege", "watchPaths": ["/srv/secrets/", "/etc/myapp/"]},
        "rules": {
            "defaultRules": False,
            "custom": {"shells.yaml": "- rule: Shell\n  condition: proc.name = sh\n", "net.yaml": [{"list": "ports"}]},
            "existingConfigMap": "team-rules",
            "existingConfigMapKeys": ["team.yaml"],
        },
        "resourceAttributes": {"k8s.cluster.name": "eu-1", "deployment.environment.name": "prod"},
        "clusterRole": {"clusterUid": True, "rules": [
            {"apiGroups": [""], "resources": ["nodes"], "verbs": ["get"]}]},
        "priorityClassName": "system-node-critical",
        "extraEnvs": [{"name": "RUST_LOG", "value": "debug"}],
        "extraVolumes": [{"name": "bpffs", "hostPath": {"path": "/sys/fs/bpf", "type": "Directory"}}],
        "extraVolumeMounts": [{"name": "bpffs", "mountPath": "/sys/fs/bpf", "readOnly": True}],
        "podAnnotations": {"example.com/team": "platform"},
        "podLabels": {"team": "platform"},
        "additionalLabels": {"cost-center": "obs"},
        "imagePullSecrets": [{"name": "regcred"}],
        "affinity": {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {
            "nodeSelectorTerms": [{"matchExpressions": [
                {"key": "kubernetes.io/arch", "operator": "In", "values": ["amd64", "arm64"]}]}]}}},
        "collectorSidecar": {"enabled": True},
    },
}


def render(values: dict[str, Any] | None = None) -> dict[str, str]:
    """Template path -> rendered text."""
    with helm.Chart.load(CHART_DIR) as chart:
        return chart.render(copy.deepcopy(values or {}), name=RELEASE, namespace=NAMESPACE,
                            is_install=True)


def manifests(values: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """Every rendered Kubernetes object (NOTES.txt and empty documents dropped)."""
    docs = []
    for path, text in sorted(render(values).items()):
        if path.endswith("NOTES.txt"):
            continue
        docs.extend(d for d in yaml.safe_load_all(text) if d)
    return docs


def one(docs: list[dict[str, Any]], kind: str) -> dict[str, Any]:
    found = [d for d in docs if d["kind"] == kind]
    assert len(found) == 1, f"expected one {kind}, got {len(found)}"
    return found[0]


def container(docs: list[dict[str, Any]], name: str = "sysotel") -> dict[str, Any]:
    spec = one(docs, "DaemonSet")["spec"]["template"]["spec"]
    every = spec.get("containers", []) + spec.get("initContainers", [])
    return next(c for c in every if c["name"] == name)


def env(c: dict[str, Any]) -> dict[str, Any]:
    """Env var name -> value (or valueFrom)."""
    return {e["name"]: e.get("value", e.get("valueFrom")) for e in c.get("env", [])}


@pytest.fixture(params=list(VARIANTS), scope="module")
def variant(request: pytest.FixtureRequest) -> tuple[str, dict[str, Any]]:
    return request.param, VARIANTS[request.param]
