"""What the DaemonSet and RBAC must and must not grant."""

from __future__ import annotations

import helm_python as helm
import pytest
import yaml

from chart_render import CHART_DIR, GATEWAY, VARIANTS, container, env, manifests, one, render

CAPABILITIES = {"BPF", "PERFMON", "SYS_RESOURCE", "SYS_PTRACE", "DAC_READ_SEARCH"}
HOST_MOUNTS = {  # host path -> mount path in the agent container
    "/proc": "/host/proc",
    "/sys/kernel/btf": "/sys/kernel/btf",
    "/sys/fs/cgroup": "/sys/fs/cgroup",
    "/sys/kernel/tracing": "/sys/kernel/tracing",
}
READ = ["get", "list", "watch"]


def pod_spec(values=None):
    return one(manifests(values), "DaemonSet")["spec"]["template"]["spec"]


def all_containers(spec):
    return spec.get("containers", []) + spec.get("initContainers", [])


def test_host_pid(variant):
    _, values = variant
    assert pod_spec(values)["hostPID"] is True


def test_least_privilege_by_default():
    sc = container(manifests())["securityContext"]
    assert sc["privileged"] is False
    assert sc["allowPrivilegeEscalation"] is False
    assert sc["readOnlyRootFilesystem"] is True
    assert set(sc["capabilities"]["add"]) == CAPABILITIES
    assert len(sc["capabilities"]["add"]) == len(CAPABILITIES)
    assert sc["capabilities"]["drop"] == ["ALL"]


@pytest.mark.parametrize("name", ["default", "sidecar", "everything"])
def test_nothing_is_privileged_unless_asked(name):
    spec = pod_spec(VARIANTS[name])
    assert "hostNetwork" not in spec
    for c in all_containers(spec):
        sc = c.get("securityContext", {})
        assert sc.get("privileged", False) is False, c["name"]
        assert "SYS_ADMIN" not in sc.get("capabilities", {}).get("add", []), c["name"]


def test_privileged_switch():
    sc = container(manifests(VARIANTS["privileged"]))["securityContext"]
    assert sc["privileged"] is True
    # The API rejects privileged: true together with allowPrivilegeEscalation: false.
    assert sc["allowPrivilegeEscalation"] is True
    assert "capabilities" not in sc
    # securityContext.privileged has the same effect as the top-level switch.
    sc = container(manifests({"securityContext": {"privileged": True}}))["securityContext"]
    assert sc["privileged"] is True and sc["allowPrivilegeEscalation"] is True


def test_collector_sidecar_is_unprivileged():
    sc = container(manifests(VARIANTS["sidecar"]), "otel-collector")["securityContext"]
    assert sc["runAsNonRoot"] is True
    assert sc["capabilities"] == {"drop": ["ALL"]}


def test_probes_hit_the_health_port(variant):
    _, values = variant
    c = container(manifests(values))
    ports = {p["name"]: p["containerPort"] for p in c["ports"]}
    assert ports == {"health": 8686}
    assert c["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "health"}
    assert c["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "health"}
    assert env(c)["SYSOTEL_HEALTH_ADDR"] == "0.0.0.0:8686"


def test_health_port_is_configurable():
    c = container(manifests({"ports": {"health": {"containerPort": 9000}}}))
    assert c["ports"][0] == {"name": "health", "containerPort": 9000, "protocol": "TCP"}
    assert env(c)["SYSOTEL_HEALTH_ADDR"] == "0.0.0.0:9000"


def test_agent_environment(variant):
    _, values = variant
    e = env(container(manifests(values)))
    assert e["K8S_NODE_NAME"] == {"fieldRef": {"fieldPath": "spec.nodeName"}}
    assert e["SYSOTEL_PROC_ROOT"] == "/host/proc"
    assert e["SYSOTEL_CONFIG"] == "/etc/sysotel/config.yaml"
    assert e["OTEL_SERVICE_NAME"] == "sysotel"
    assert e["OTEL_RESOURCE_ATTRIBUTES"].startswith("k8s.node.name=$(K8S_NODE_NAME)")


def test_command_is_sysotel_run():
    c = container(manifests({"command": {"extraArgs": ["--queue-capacity=100"]}}))
    assert c["command"] == ["sysotel"]
    assert c["args"] == ["run", "--queue-capacity=100"]


def test_otlp_destination():
    assert "OTEL_EXPORTER_OTLP_ENDPOINT" not in env(container(manifests()))
    e = env(container(manifests(VARIANTS["privileged"])))
    assert (e["OTEL_EXPORTER_OTLP_ENDPOINT"], e["OTEL_EXPORTER_OTLP_PROTOCOL"]) == (GATEWAY, "http/protobuf")
    e = env(container(manifests(VARIANTS["sidecar"])))
    assert (e["OTEL_EXPORTER_OTLP_ENDPOINT"], e["OTEL_EXPORTER_OTLP_PROTOCOL"]) == ("http://localhost:4317", "grpc")


def test_resource_attributes_are_rendered_in_key_order():
    e = env(container(manifests(VARIANTS["everything"])))
    assert e["OTEL_RESOURCE_ATTRIBUTES"] == (
        "k8s.node.name=$(K8S_NODE_NAME),deployment.environment.name=prod,k8s.cluster.name=eu-1")


def test_rbac_is_read_only_on_pods_and_replicasets():
    docs = manifests()
    rules = one(docs, "ClusterRole")["rules"]
    assert rules == [
        {"apiGroups": [""], "resources": ["pods"], "verbs": READ},
        {"apiGroups": ["apps"], "resources": ["replicasets"], "verbs": READ},
    ]
    binding = one(docs, "ClusterRoleBinding")
    account = one(docs, "ServiceAccount")
    assert binding["roleRef"] == {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole",
                                  "name": one(docs, "ClusterRole")["metadata"]["name"]}
    assert binding["subjects"] == [{"kind": "ServiceAccount", "name": account["metadata"]["name"],
                                    "namespace": account["metadata"]["namespace"]}]
    assert pod_spec()["serviceAccountName"] == account["metadata"]["name"]


def test_cluster_uid_adds_only_get_on_kube_system():
    rules = one(manifests({"clusterRole": {"clusterUid": True}}), "ClusterRole")["rules"]
    assert rules[2:] == [{"apiGroups": [""], "resources": ["namespaces"],
                          "resourceNames": ["kube-system"], "verbs": ["get"]}]


def test_no_wildcards_or_writes_in_rbac(variant):
    _, values = variant
    for rule in one(manifests(values), "ClusterRole")["rules"]:
        for field in ("apiGroups", "resources", "verbs"):
            assert "*" not in rule[field]
        assert set(rule["verbs"]) <= set(READ)


def test_rbac_can_be_disabled():
    kinds = {d["kind"] for d in manifests({"clusterRole": {"create": False},
                                            "serviceAccount": {"create": False}})}
    assert kinds == {"ConfigMap", "DaemonSet"}
    assert pod_spec({"serviceAccount": {"create": False}})["serviceAccountName"] == "default"


def test_host_paths_are_mounted_read_only(variant):
    name, values = variant
    spec = pod_spec(values)
    host = {v["name"]: v["hostPath"]["path"] for v in spec["volumes"] if "hostPath" in v}
    if name == "everything":
        assert host.pop("bpffs") == "/sys/fs/bpf"
    assert set(host.values()) == set(HOST_MOUNTS)
    mounts = {m["name"]: m for m in container(manifests(values))["volumeMounts"]}
    for volume, path in host.items():
        assert mounts[volume]["mountPath"] == HOST_MOUNTS[path]
        assert mounts[volume]["readOnly"] is True, volume
    for c in all_containers(spec):
        assert all(m.get("readOnly") is True for m in c.get("volumeMounts", [])), c["name"]


def test_scheduling_defaults():
    ds = one(manifests(), "DaemonSet")
    spec = ds["spec"]["template"]["spec"]
    assert spec["tolerations"] == [{"operator": "Exists"}]
    assert ds["spec"]["updateStrategy"] == {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 1}}
    assert spec["nodeSelector"] == {"kubernetes.io/os": "linux"}
    assert "priorityClassName" not in spec and "affinity" not in spec


def test_pass_through_values():
    values = VARIANTS["everything"]
    ds = one(manifests(values), "DaemonSet")
    spec = ds["spec"]["template"]["spec"]
    meta = ds["spec"]["template"]["metadata"]
    assert spec["priorityClassName"] == "system-node-critical"
    assert spec["affinity"] == values["affinity"]
    assert spec["imagePullSecrets"] == [{"name": "regcred"}]
    assert meta["annotations"]["example.com/team"] == "platform"
    assert meta["labels"]["team"] == "platform"
    assert ds["metadata"]["labels"]["cost-center"] == "obs"
    assert "team" not in ds["spec"]["selector"]["matchLabels"]
    c = container(manifests(values))
    assert env(c)["RUST_LOG"] == "debug"
    assert c["image"] == "ghcr.io/sysotel/sysotel@sha256:" + "a" * 64


def test_image_tag_defaults_to_app_version():
    assert container(manifests())["image"] == "ghcr.io/sysotel/sysotel:0.1.0"
    assert container(manifests({"image": {"tag": "0.2.0"}}))["image"] == "ghcr.io/sysotel/sysotel:0.2.0"


def test_config_is_mounted():
    values = VARIANTS["everything"]
    docs = manifests(values)
    cm = next(d for d in docs if d["kind"] == "ConfigMap" and d["metadata"]["name"] == "sysotel")
    assert set(cm["data"]) == {"config.yaml"}
    assert yaml.safe_load(cm["data"]["config.yaml"]) == values["config"]
    spec = one(docs, "DaemonSet")["spec"]["template"]["spec"]
    volume = next(v for v in spec["volumes"] if v["name"] == "config")
    first = volume["projected"]["sources"][0]["configMap"]
    assert first == {"name": "sysotel", "items": [{"key": "config.yaml", "path": "config.yaml"}]}
    mount = next(m for m in container(docs)["volumeMounts"] if m["name"] == "config")
    assert mount == {"name": "config", "mountPath": "/etc/sysotel", "readOnly": True}


def test_empty_config_is_an_empty_mapping():
    cm = one(manifests(), "ConfigMap")
    assert yaml.safe_load(cm["data"]["config.yaml"]) == {}


def test_config_change_rolls_the_pods():
    def checksum(values):
        return one(manifests(values), "DaemonSet")["spec"]["template"]["metadata"]["annotations"]["checksum/config"]
    assert checksum({}) != checksum({"config": {"queue_capacity": 1}})


def test_sidecar_is_a_native_sidecar_fed_by_its_configmap():
    values = VARIANTS["sidecar"]
    docs = manifests(values)
    spec = one(docs, "DaemonSet")["spec"]["template"]["spec"]
    [sidecar] = spec["initContainers"]
    assert sidecar["restartPolicy"] == "Always"
    assert sidecar["image"].startswith("otel/opentelemetry-collector-contrib:")
    assert "startupProbe" in sidecar
    e = env(sidecar)
    assert e["OTLP_UPSTREAM_ENDPOINT"] == GATEWAY
    assert e["K8S_NODE_NAME"] == {"fieldRef": {"fieldPath": "spec.nodeName"}}
    cm = next(d for d in docs if d["metadata"]["name"].endswith("-collector"))
    volume = next(v for v in spec["volumes"] if v["name"] == "collector-config")
    assert volume["configMap"]["name"] == cm["metadata"]["name"]
    assert "--config=/conf/config.yaml" in sidecar["args"]
    config = yaml.safe_load(cm["data"]["config.yaml"])
    defaults = yaml.safe_load((CHART_DIR / "values.yaml").read_text())
    assert config == defaults["collectorSidecar"]["config"]
    assert config["receivers"]["otlp"]["protocols"]["grpc"]["endpoint"] == "localhost:4317"


def test_sidecar_needs_an_upstream():
    with pytest.raises(helm.HelmRenderError, match="needs otlp.endpoint"):
        render({"collectorSidecar": {"enabled": True}})
