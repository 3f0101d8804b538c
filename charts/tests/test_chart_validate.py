"""helm lint and Kubernetes schema validation of every rendered manifest."""

from __future__ import annotations

import helm_python as helm
import kubernetes_validate
import pytest

from chart_render import CHART_DIR, NAMESPACE, VARIANTS, manifests, render

# Validate against this Kubernetes release's OpenAPI schema (strict: unknown
# fields are errors). kubernetes-validate 1.37.0 ships schemas up to 1.37.
KUBE_VERSION = "1.37.0"
# The oldest release the chart supports (Chart.yaml kubeVersion: appArmorProfile).
MIN_KUBE_VERSION = "1.30.0"

WARNING = 2  # helm lint severities: 1 info, 2 warning, 3 error


@pytest.mark.parametrize("kube", [MIN_KUBE_VERSION, KUBE_VERSION])
def test_helm_lint_is_clean(variant, kube):
    _, values = variant
    report = helm.lint(CHART_DIR, values, strict=True, namespace=NAMESPACE, kube_version=f"v{kube}")
    problems = [m for m in report["messages"] if m["severity"] >= WARNING]
    assert report["total_charts_linted"] == 1
    assert not report["errors"], report["errors"]
    assert not problems, problems


@pytest.mark.parametrize("kube", [MIN_KUBE_VERSION, KUBE_VERSION])
def test_every_manifest_matches_the_kubernetes_schema(variant, kube):
    _, values = variant
    docs = manifests(values)
    assert docs
    for doc in docs:
        try:
            kubernetes_validate.validate(doc, kube, strict=True)
        except kubernetes_validate.ValidationError as e:
            path = ".".join(str(p) for p in e.path)
            pytest.fail(f"{doc['kind']}/{doc['metadata']['name']} at {path}: {e.message}")


def test_default_renders_exactly_the_agent_objects():
    kinds = sorted(d["kind"] for d in manifests())
    assert kinds == ["ClusterRole", "ClusterRoleBinding", "ConfigMap", "DaemonSet", "ServiceAccount"]


def test_sidecar_adds_only_its_configmap():
    kinds = sorted(d["kind"] for d in manifests(VARIANTS["sidecar"]))
    assert kinds == ["ClusterRole", "ClusterRoleBinding", "ConfigMap", "ConfigMap", "DaemonSet",
                     "ServiceAccount"]


def test_namespaced_objects_use_the_release_namespace(variant):
    _, values = variant
    for doc in manifests(values):
        if doc["kind"] in ("ClusterRole", "ClusterRoleBinding"):
            assert "namespace" not in doc["metadata"]
        else:
            assert doc["metadata"]["namespace"] == NAMESPACE, doc["kind"]


def test_notes_render_for_every_variant(variant):
    name, values = variant
    notes = render(values)["sysotel/templates/NOTES.txt"]
    assert "rollout status daemonset/sysotel" in notes
    assert ("WARNING: otlp.endpoint is empty" in notes) == (name == "default")
    assert ("runs privileged" in notes) == (name == "privileged")
