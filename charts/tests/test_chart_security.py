"""Security events and detection rules: values -> agent environment, rules ConfigMap and mount."""

from __future__ import annotations

import helm_python as helm
import kubernetes_validate
import pytest
import yaml

from chart_render import VARIANTS, container, env, manifests, one, render

RULES_DIR = "/etc/sysotel/rules"
SHELL_RULE = """\
- rule: Shell in container
  desc: A shell ran in a container.
  condition: evt.type = execve and container.id != host and proc.name in (sh, bash)
  output: "shell %proc.name in %container.id"
  priority: WARNING
  tags: [container, mitre_execution]
"""


def daemonset(docs):
    return one(docs, "DaemonSet")


def config_volume(docs):
    spec = daemonset(docs)["spec"]["template"]["spec"]
    return next(v for v in spec["volumes"] if v["name"] == "config")


def projected(docs):
    """ConfigMap name -> [(key, path)] of the config volume's sources."""
    return {s["configMap"]["name"]: [(i["key"], i["path"]) for i in s["configMap"]["items"]]
            for s in config_volume(docs)["projected"]["sources"]}


def rules_configmap(docs):
    found = [d for d in docs if d["kind"] == "ConfigMap" and d["metadata"]["name"] == "sysotel-rules"]
    return found[0] if found else None


def annotations(docs):
    return daemonset(docs)["spec"]["template"]["metadata"]["annotations"]


def validate(docs):
    for doc in docs:
        kubernetes_validate.validate(doc, "1.37.0", strict=True)


# --- defaults --------------------------------------------------------------


def test_defaults_report_every_category_with_the_builtin_rules_only():
    docs = manifests()
    e = env(container(docs))
    assert e["SYSOTEL_SECURITY_EVENTS"] == "all"
    for absent in ("SYSOTEL_WATCH_PATHS", "SYSOTEL_RULES", "SYSOTEL_NO_DEFAULT_RULES"):
        assert absent not in e, absent
    assert rules_configmap(docs) is None
    assert projected(docs) == {"sysotel": [("config.yaml", "config.yaml")]}
    assert [m["mountPath"] for m in container(docs)["volumeMounts"]
            if m["mountPath"].startswith("/etc/sysotel")] == ["/etc/sysotel"]
    assert "checksum/rules" not in annotations(docs)


# --- security events ---------------------------------------------------------


@pytest.mark.parametrize(("events", "rendered"), [
    ("none", "none"),
    ("file,network", "file,network"),
    ("file, network ,ptrace", "file,network,ptrace"),
    (["privilege", "module"], "privilege,module"),
])
def test_security_events(events, rendered):
    e = env(container(manifests({"security": {"events": events}})))
    assert e["SYSOTEL_SECURITY_EVENTS"] == rendered


@pytest.mark.parametrize(("events", "message"), [
    ("file,procs", 'unknown category "procs"'),
    ("", "security.events is empty"),
    (" , ", "security.events is empty"),
    (3, "must be a string"),
])
def test_bad_security_events_fail(events, message):
    with pytest.raises(helm.HelmRenderError, match=message):
        render({"security": {"events": events}})


def test_watch_paths_are_joined_with_commas():
    paths = ["/srv/secrets/", "/etc/myapp/config.yaml", "/var/lib/vault/"]
    e = env(container(manifests({"security": {"watchPaths": paths}})))
    assert e["SYSOTEL_WATCH_PATHS"] == "/srv/secrets/,/etc/myapp/config.yaml,/var/lib/vault/"


@pytest.mark.parametrize(("path", "message"), [
    ("etc/shadow", "not an absolute path"),
    ("/srv/a,b", "contains a comma"),
    ("/" + "a" * 64, "longer than 64 bytes"),
])
def test_bad_watch_paths_fail(path, message):
    with pytest.raises(helm.HelmRenderError, match=message):
        render({"security": {"watchPaths": ["/ok/", path]}})


# --- rules ------------------------------------------------------------------


def test_default_rules_can_be_left_out():
    docs = manifests({"rules": {"defaultRules": False}})
    assert env(container(docs))["SYSOTEL_NO_DEFAULT_RULES"] == "true"
    assert "SYSOTEL_RULES" not in env(container(docs))
    assert "no detection rules run" in render({"rules": {"defaultRules": False}})["sysotel/templates/NOTES.txt"]
    assert "no detection rules run" not in render()["sysotel/templates/NOTES.txt"]


def test_default_rules_must_be_a_bool():
    with pytest.raises(helm.HelmRenderError, match="rules.defaultRules must be true or false"):
        render({"rules": {"defaultRules": "false"}})


def test_custom_rules_become_a_configmap_mounted_under_etc_sysotel_rules():
    custom = {"shells.yaml": SHELL_RULE, "lists.yaml": [{"list": "shells", "items": ["sh", "bash"]}]}
    docs = manifests({"rules": {"custom": custom}})
    validate(docs)
    cm = rules_configmap(docs)
    assert cm["metadata"]["namespace"] == "observability"
    assert set(cm["data"]) == {"lists.yaml", "shells.yaml"}
    assert cm["data"]["shells.yaml"] == SHELL_RULE
    assert yaml.safe_load(cm["data"]["lists.yaml"]) == custom["lists.yaml"]
    assert projected(docs) == {
        "sysotel": [("config.yaml", "config.yaml")],
        "sysotel-rules": [("lists.yaml", "rules/lists.yaml"), ("shells.yaml", "rules/shells.yaml")],
    }
    mount = next(m for m in container(docs)["volumeMounts"] if m["name"] == "config")
    assert mount == {"name": "config", "mountPath": "/etc/sysotel", "readOnly": True}
    e = env(container(docs))
    # Files load in file name order, after the built-in rules (still loaded).
    assert e["SYSOTEL_RULES"] == f"{RULES_DIR}/lists.yaml,{RULES_DIR}/shells.yaml"
    assert "SYSOTEL_NO_DEFAULT_RULES" not in e


def test_existing_configmap_is_mounted_with_its_listed_keys_in_order():
    values = {"rules": {"existingConfigMap": "team-rules", "existingConfigMapKeys": ["z.yaml", "a.yaml"]}}
    docs = manifests(values)
    validate(docs)
    assert rules_configmap(docs) is None
    assert projected(docs) == {
        "sysotel": [("config.yaml", "config.yaml")],
        "team-rules": [("z.yaml", "rules/z.yaml"), ("a.yaml", "rules/a.yaml")],
    }
    assert env(container(docs))["SYSOTEL_RULES"] == f"{RULES_DIR}/z.yaml,{RULES_DIR}/a.yaml"
    assert "checksum/rules" in annotations(docs)


def test_existing_configmap_files_load_before_custom_ones():
    values = VARIANTS["everything"]
    docs = manifests(values)
    e = env(container(docs))
    assert e["SYSOTEL_RULES"] == ",".join(
        f"{RULES_DIR}/{f}" for f in ("team.yaml", "net.yaml", "shells.yaml"))
    assert e["SYSOTEL_NO_DEFAULT_RULES"] == "true"
    assert e["SYSOTEL_SECURITY_EVENTS"] == "file,network,privilege"
    assert e["SYSOTEL_WATCH_PATHS"] == "/srv/secrets/,/etc/myapp/"
    assert list(projected(docs)) == ["sysotel", "team-rules", "sysotel-rules"]
    # The variables come before extraEnvs, so extraEnvs can still override them.
    names = [x["name"] for x in container(docs)["env"]]
    assert names.index("SYSOTEL_RULES") < names.index("RUST_LOG")


@pytest.mark.parametrize(("rules", "message"), [
    ({"custom": {"../escape.yaml": "x"}}, "may only contain"),
    ({"custom": {"a b.yaml": "x"}}, "may only contain"),
    ({"custom": {"..yaml": "x"}}, "may not start with '..'"),
    ({"existingConfigMap": "team", "existingConfigMapKeys": ["x/y.yaml"]}, "may only contain"),
    ({"existingConfigMap": "team"}, "needs rules.existingConfigMapKeys"),
    ({"existingConfigMapKeys": ["a.yaml"]}, "rules.existingConfigMap is empty"),
    ({"existingConfigMap": "team", "existingConfigMapKeys": ["a.yaml", "a.yaml"]}, "listed twice"),
    ({"existingConfigMap": "team", "existingConfigMapKeys": ["a.yaml"], "custom": {"a.yaml": "x"}},
     "both in rules.custom and in rules.existingConfigMapKeys"),
    # The chart's first layout put rule files directly under `rules`.
    ({"shells.yaml": "x"}, r"rules.shells.yaml is not a rules setting .* rules.custom.shells.yaml"),
])
def test_bad_rules_values_fail(rules, message):
    with pytest.raises(helm.HelmRenderError, match=message):
        render({"rules": rules})


def test_rules_change_rolls_the_pods():
    def checksum(values):
        return annotations(manifests(values))["checksum/rules"]
    base = {"rules": {"custom": {"a.yaml": SHELL_RULE}}}
    assert checksum(base) == checksum(base)
    assert checksum(base) != checksum({"rules": {"custom": {"a.yaml": SHELL_RULE + "  enabled: false\n"}}})
    assert checksum(base) != checksum({"rules": {"custom": {"b.yaml": SHELL_RULE}}})
    existing = {"rules": {"existingConfigMap": "team", "existingConfigMapKeys": ["a.yaml"]}}
    assert checksum(existing) != checksum({"rules": {"existingConfigMap": "other", "existingConfigMapKeys": ["a.yaml"]}})
    assert checksum(existing) != checksum({"rules": {"existingConfigMap": "team", "existingConfigMapKeys": ["b.yaml"]}})
    # The agent configuration has its own checksum.
    assert "checksum/rules" not in annotations(manifests({"config": {"queue_capacity": 1}}))


def test_rule_text_is_kept_verbatim():
    text = "# team rules\n- macro: m\n  condition: >\n    proc.name = a\n\n- rule: r\n"
    cm = rules_configmap(manifests({"rules": {"custom": {"t.yaml": text}}}))
    assert cm["data"]["t.yaml"] == text.rstrip("\n") + "\n"
