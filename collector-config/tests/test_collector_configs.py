"""Static checks of collector-config/*.yaml and the chart's sidecar config."""

from __future__ import annotations

import re

import pytest
import yaml
from yamllint import config as yamllint_config
from yamllint import linter

from collector_model import (
    CONFIG_DIR, KINDS, KNOWN, RENAMED, SIGNALS, TOP_LEVEL, VALID_ENV,
    component_type, configs, defined, env_references, expand_defaults, pipelines, used,
)

CONFIGS = configs()
FILES = ["agent.yaml", "gateway.yaml", "dev.yaml"]


@pytest.fixture(params=list(CONFIGS))
def config(request):
    return CONFIGS[request.param]


def test_the_three_configurations_exist():
    assert sorted(p.name for p in CONFIG_DIR.glob("*.yaml")) == sorted(FILES)


@pytest.mark.parametrize("name", FILES)
def test_yamllint(name):
    conf = yamllint_config.YamlLintConfig(
        "extends: default\nrules:\n  document-start: disable\n  line-length: {max: 120}\n")
    text = (CONFIG_DIR / name).read_text()
    assert [f"{p.line}: {p.message}" for p in linter.run(text, conf)] == []


def test_top_level_sections(config):
    assert set(config) <= TOP_LEVEL
    assert set(config["service"]) <= {"extensions", "pipelines", "telemetry"}


def test_pipelines_reference_only_defined_components(config):
    for name, pipeline in pipelines(config).items():
        assert component_type(name) in SIGNALS, name
        assert set(pipeline) <= {"receivers", "processors", "exporters"}, name
        assert pipeline.get("receivers") and pipeline.get("exporters"), name
        for kind in ("receivers", "processors", "exporters"):
            missing = set(pipeline.get(kind, [])) - defined(config, kind)
            assert not missing, f"pipeline {name} uses undefined {kind}: {missing}"
    assert set(config["service"].get("extensions", [])) <= defined(config, "extensions")


def test_every_defined_component_is_used(config):
    for kind in KINDS:
        unused = defined(config, kind) - used(config, kind)
        assert not unused, f"unused {kind}: {unused}"


def test_component_names_are_current(config):
    for kind in KINDS:
        for component in defined(config, kind):
            kind_type = component_type(component)
            renamed = RENAMED.get(kind, {})
            assert kind_type not in renamed, f"{kind} `{kind_type}` is now `{renamed.get(kind_type)}`"
            assert kind_type in KNOWN[kind], f"unexpected {kind} type `{kind_type}`"


def test_memory_limiter_first_batch_last(config):
    for name, pipeline in pipelines(config).items():
        processors = [component_type(p) for p in pipeline.get("processors", [])]
        assert processors and processors[0] == "memory_limiter", name
        if "batch" in processors:
            assert processors[-1] == "batch", name
        if "k8s_attributes" in processors:
            assert "groupbyattrs" in processors, name
            assert processors.index("groupbyattrs") < processors.index("k8s_attributes"), name


def test_memory_limiter_settings(config):
    for component, settings in (config.get("processors") or {}).items():
        if component_type(component) == "memory_limiter":
            assert settings == {"check_interval": "5s", "limit_percentage": 80, "spike_limit_percentage": 25}


def test_groupbyattrs_hoists_pod_and_container(config):
    for component, settings in (config.get("processors") or {}).items():
        if component_type(component) == "groupbyattrs":
            assert settings["keys"] == ["k8s.pod.uid", "container.id"]


def test_k8s_attributes_associates_by_pod_uid_and_container_id(config):
    for component, settings in (config.get("processors") or {}).items():
        if component_type(component) != "k8s_attributes":
            continue
        sources = [s for rule in settings["pod_association"] for s in rule["sources"]]
        assert all(s["from"] == "resource_attribute" for s in sources), "never associate by connection"
        assert [s["name"] for s in sources] == ["k8s.pod.uid", "container.id"]
        assert settings["filter"] == {"node_from_env_var": "K8S_NODE_NAME"}


def test_env_references_use_the_env_scheme(config):
    for ref in env_references(config):
        assert VALID_ENV.match(ref), f"${{{ref}}} is not an ${{env:NAME}} or ${{env:NAME:-default}} reference"


def test_exporter_endpoints_come_from_the_environment():
    for name in ("agent.yaml", "gateway.yaml"):
        for exporter, settings in CONFIGS[name]["exporters"].items():
            assert settings["endpoint"].startswith("${env:"), f"{name}: {exporter}"


def test_agent_matches_the_chart_sidecar():
    assert CONFIGS["agent.yaml"] == CONFIGS["charts/sysotel collectorSidecar.config"]
    receiver = CONFIGS["agent.yaml"]["receivers"]["otlp"]["protocols"]
    assert receiver == {"grpc": {"endpoint": "localhost:4317"}}


def test_gateway_routes_each_signal_to_its_backends():
    gateway = CONFIGS["gateway.yaml"]
    routes = {name: pipeline["exporters"] for name, pipeline in pipelines(gateway).items()}
    assert routes == {
        "traces": ["otlp_grpc/tempo", "otlp_grpc/jaeger"],
        "logs": ["otlp_http/loki"],
        "metrics": ["otlp_http/prometheus"],
    }
    default = {e: expand_defaults(s["endpoint"]) for e, s in gateway["exporters"].items()}
    # otlp_http appends /v1/logs and /v1/metrics to these base URLs.
    assert default["otlp_http/loki"] == "http://loki:3100/otlp"
    assert default["otlp_http/prometheus"].endswith("/api/v1/otlp")
    assert all(default[e].endswith(":4317") for e in ("otlp_grpc/tempo", "otlp_grpc/jaeger"))


def test_dev_prints_everything_locally():
    dev = CONFIGS["dev.yaml"]
    assert dev["exporters"] == {"debug": {"verbosity": "detailed"}}
    assert set(pipelines(dev)) == set(SIGNALS)
    assert all(p["exporters"] == ["debug"] for p in pipelines(dev).values())
    for protocol in dev["receivers"]["otlp"]["protocols"].values():
        assert protocol["endpoint"].startswith("localhost:")


def test_configs_round_trip_through_yaml(config):
    assert yaml.safe_load(yaml.safe_dump(config)) == config


# --- README queries -------------------------------------------------------

README = (CONFIG_DIR / "README.md").read_text()
# Loki's default OTLP index labels (pkg/loghttp/push/otlp_config.go), underscored.
LOKI_INDEX_LABELS = {
    "service_name", "service_namespace", "service_instance_id", "deployment_environment",
    "deployment_environment_name", "cloud_region", "cloud_availability_zone", "k8s_cluster_name",
    "k8s_namespace_name", "k8s_pod_name", "k8s_container_name", "container_name",
    "k8s_replicaset_name", "k8s_deployment_name", "k8s_statefulset_name", "k8s_daemonset_name",
    "k8s_cronjob_name", "k8s_job_name",
}


def code_blocks(language):
    return re.findall(rf"```{language}\n(.*?)```", README, flags=re.S)


def test_logql_selectors_use_index_labels_only():
    blocks = code_blocks("logql")
    assert len(blocks) >= 3
    for block in blocks:
        selectors = re.findall(r"\{([^}]*)\}", block)
        assert selectors, block
        for selector in selectors:
            labels = set(re.findall(r"(\w+)\s*(?:=~|!~|!=|=)", selector))
            assert labels and labels <= LOKI_INDEX_LABELS, labels - LOKI_INDEX_LABELS
        assert "." not in "".join(re.findall(r"\|\s*([\w.]+)\s*(?:=~|!=|=)", block)), \
            "structured metadata names use underscores"


def test_traceql_attributes_are_scoped():
    blocks = code_blocks("traceql")
    assert len(blocks) >= 3
    for block in blocks:
        for name in re.findall(r"(?<![\w.:\"])([a-z_]+\.[a-z_.]+)", block):
            assert name.split(".")[0] in {"span", "resource"}, f"unscoped attribute {name}"
    assert any("span.sysotel.syscall.name" in b and "resource.k8s.namespace.name" in b for b in blocks)


# --- README queries against the sysotel conventions --------------------------

# semconv/docs/reference.md is generated from semconv/model: the events and
# attributes sysotel emits.
REFERENCE = (CONFIG_DIR.parent / "semconv" / "docs" / "reference.md").read_text()
# Log record fields Loki stores as structured metadata (pkg/loghttp/push/otlp.go;
# event_name since grafana/loki#21229).
LOKI_RECORD_FIELDS = {
    "event_name", "severity_number", "severity_text", "trace_id", "span_id", "flags",
    "observed_timestamp", "dropped_attributes_count", "scope_name", "scope_version",
}
# Map-valued attributes: Loki flattens them to `<name>_<key>`.
MAP_ATTRIBUTES = {"sysotel_syscall_args"}
_OPERATOR = r"(?:=~|!~|!=|>=|<=|==|=|>|<)"


def reference_events():
    events = REFERENCE[REFERENCE.index("\n## Events"):REFERENCE.index("\n## Metrics")]
    return set(re.findall(r"^### `([a-z0-9_.]+)`", events, flags=re.M))


def reference_fields():
    """Every attribute named in the reference, as Loki spells it."""
    names = re.findall(r"`([a-z][a-z0-9_]*(?:\.[a-z0-9_]+)+)`", REFERENCE)
    return {n.replace(".", "_") for n in names}


def fields_used(block):
    """Structured metadata and label names a LogQL block filters on, keeps or groups by."""
    body = re.sub(r"\{[^}]*\}", "", block)
    body = re.sub(r'"[^"]*"|`[^`]*`', '""', body)
    names = set(re.findall(rf"\b([a-z_][a-z0-9_]*)\s*{_OPERATOR}", body))
    for group in re.findall(r"\bkeep\s+([\w, ]+)", body) + re.findall(r"\bby\s*\(([^)]*)\)", body):
        names.update(n.strip() for n in group.split(",") if n.strip())
    return names


def test_reference_lists_the_security_events():
    events = reference_events()
    assert "sysotel.security.finding" in events
    categories = ["file", "network", "privilege", "isolation", "module", "bpf", "ptrace", "evasion", "signal"]
    assert {f"sysotel.security.{c}" for c in categories} <= events


def test_logql_event_names_are_sysotel_events():
    events = reference_events()
    for block in code_blocks("logql"):
        for name in re.findall(r'event_name\s*!?=\s*"([^"]*)"', block):
            assert name in events, f"{name} is not an event of semconv/docs/reference.md"
        for pattern in re.findall(r"event_name\s*[=!]~\s*`([^`]*)`", block):
            assert any(re.fullmatch(pattern, e) for e in events), f"`{pattern}` matches no event"


def test_logql_fields_are_emitted_by_sysotel():
    known = LOKI_INDEX_LABELS | LOKI_RECORD_FIELDS | reference_fields()
    for block in code_blocks("logql"):
        for name in fields_used(block):
            if any(name.startswith(m + "_") for m in MAP_ATTRIBUTES):
                continue
            assert name in known, f"`{name}` is neither a Loki field nor a sysotel attribute:\n{block}"


def test_logql_severity_uses_the_number():
    # sysotel sets SeverityNumber only (the event conventions define no SeverityText).
    blocks = code_blocks("logql")
    assert not [b for b in blocks if "severity_text" in b]
    assert any(re.search(r"severity_number\s*>=\s*13\b", b) for b in blocks)


def test_logql_covers_findings_and_security_events():
    blocks = code_blocks("logql")
    finding = [b for b in blocks if 'event_name = "sysotel.security.finding"' in b]
    assert len(finding) >= 3
    assert any(re.search(rf"security_rule_name\s*{_OPERATOR}", b) for b in blocks)
    assert any("trace_id" in fields_used(b) for b in finding), "a finding query must keep trace_id"
    assert any(re.search(r'\|\s*trace_id\s*=\s*"<trace_id>"', b) for b in blocks), "trace -> logs"
    categories = {c for b in blocks for c in re.findall(r'event_name = "sysotel\.security\.(\w+)"', b)}
    assert len(categories - {"finding"}) >= 3
    assert code_blocks("traceql") and any("trace:id" in b for b in code_blocks("traceql"))
