"""The UI integrations: the k9s plugin entries (integrations/k9s-plugins.yaml), parsed and checked against k9s's
plugin schema (derailed/k9s internal/config/json/schemas/plugins.json: shortCut, description, scopes and command
required; args strings), their command lines run the way k9s runs them (its variables in the environment and
substituted in the arguments) against the demo: the first opens the demo's best URL; and `-o headlamp`, the JSON a
Headlamp plugin reads."""

import json
import re
import shutil

import yaml

from kubectl_expose_ext.options import kind_by_name
from support import ROOT, needs, requires_kubectl, run_installed

SNIPPET = ROOT / "integrations" / "k9s-plugins.yaml"
K9S_KEYS = {"shortCut": str, "override": bool, "description": str, "confirm": bool, "dangerous": bool, "scopes": list,
            "command": str, "background": bool, "overwriteOutput": bool, "args": list, "inputs": list}


def plugins() -> dict:
    return yaml.safe_load(SNIPPET.read_text())["plugins"]


def test_the_snippet_is_a_k9s_plugins_file():
    document = yaml.safe_load(SNIPPET.read_text())
    assert set(document) == {"plugins"}
    for name, plugin in document["plugins"].items():
        assert {"shortCut", "description", "scopes", "command"} <= set(plugin), name
        assert all(isinstance(plugin[key], K9S_KEYS[key]) for key in plugin), name
        assert all(isinstance(arg, str) for arg in plugin.get("args", [])), name
        for scope in plugin["scopes"]:  # every view it is offered in is a kind kubectl reach takes
            assert kind_by_name(scope).resource == scope
    docs = (ROOT / "docs" / "integrations.md").read_text()
    assert SNIPPET.read_text().split("plugins:", 1)[1] in docs  # the page shows the file as it is


def k9s_run(plugin: dict, variables: dict, env: dict):
    """As k9s runs a plugin: its variables in the environment and `$VAR` in the arguments replaced by their values."""
    args = [re.sub(r"\$([A-Z_]+)", lambda m: variables.get(m.group(1), m.group(0)), arg) for arg in plugin["args"]]
    return run_installed([plugin["command"], *args], {**env, **variables})


@requires_kubectl
def test_the_k9s_entry_opens_the_demos_best_url(demo_api, tmp_path):
    seen = tmp_path / "opened"
    browser = tmp_path / "browser"
    browser.write_text(f"#!/bin/sh\necho \"$1\" >> {seen}\n")
    browser.chmod(0o755)
    env = {**demo_api.env(), "BROWSER": str(browser)}
    best = run_installed(["kubectl-reach", "svc/influxdb-lb", "-o", "url"], env).stdout.splitlines()[0]
    assert best == "http://198.51.100.20:8086"  # the load balancer
    for resource, name in (("services", "influxdb-lb"), ("pods", "influxdb")):
        done = k9s_run(plugins()["reach-open"], {"RESOURCE_NAME": resource, "NAME": name, "NAMESPACE": "default",
                                                 "CONTEXT": "fake"}, env)  # through kubectl's plugin mechanism
        assert done.returncode == 0, done.stderr
    assert seen.read_text().splitlines() == [best, best]  # the pod's best way in is the same load balancer


@requires_kubectl
def test_the_k9s_ways_in_entry_shows_the_table(demo_api):
    needs(shutil.which("less") is not None, "no less (k9s's pager in this entry)")
    done = k9s_run(plugins()["reach-urls"], {"RESOURCE_NAME": "ingresses", "NAME": "influxdb", "NAMESPACE": "default",
                                             "CONTEXT": "fake"}, demo_api.env())
    assert done.returncode == 0
    assert done.stdout.splitlines()[:2] == [
        "METHOD    URL                            NODE    BACKEND                NOTES",
        "Ingress   https://influxdb.example.com/          influxdb:8086 -> 8086  ingress influxdb"]


def test_the_headlamp_document(demo_api):
    done = run_installed(["kubectl-reach", "-o", "headlamp"], demo_api.env())
    assert done.returncode == 0 and done.stderr == ""
    document = json.loads(done.stdout)
    assert (document["apiVersion"], document["kind"]) == ("kubectl-reach.io/v1", "ExternalLinks")
    items = {(i["apiVersion"], i["kind"], i["name"]): i for i in document["items"]}
    lb = items[("v1", "Service", "influxdb-lb")]
    assert lb["cluster"] == "fake" and lb["namespace"] == "default"
    assert lb["links"][0] == {"title": "LoadBalancer", "url": "http://198.51.100.20:8086", "public": True,
                              "primary": False, "declared": False}
    assert items[("networking.k8s.io/v1", "Ingress", "influxdb")]["links"][0]["url"] == "https://influxdb.example.com/"
    assert ("gateway.networking.k8s.io/v1", "HTTPRoute", "influxdb") in items
    assert all(link["url"].startswith(("http://", "https://", "tcp://", "udp://", "tls://", "grpc://"))
               for i in document["items"] for link in i["links"])
    one = json.loads(run_installed(["kubectl-reach", "svc/influxdb", "-o", "headlamp"], demo_api.env()).stdout)
    assert [i["name"] for i in one["items"]] == ["influxdb"]
