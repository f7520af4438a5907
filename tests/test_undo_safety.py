"""`undo` reads an annotation anyone with edit rights can write: it is validated, its dangers are shown, and the
write it sends can be interrupted honestly. Through the CLI, against the fake and the real API server."""

import json
import os
import signal
import subprocess
import sys
import threading

import pytest

from kubectl_expose_ext.convert import UNDO_ANNOTATION
from support import on_terminal, outside_checkout

pytestmark = pytest.mark.both_backends
CLUSTERIP = {"kind": "Service", "metadata": {"name": "db"},
             "spec": {"type": "ClusterIP", "selector": {"app": "db"}, "ports": [{"name": "pg", "port": 5432}]}}


def forged(api_factory, record):
    service = json.loads(json.dumps(CLUSTERIP))
    service["metadata"]["annotations"] = {UNDO_ANNOTATION: json.dumps(record) if not isinstance(record, str) else record}
    return api_factory(objects=[service, {"kind": "Node", "metadata": {"name": "n1"}, "status": {
        "addresses": [{"type": "ExternalIP", "address": "203.0.113.1"}]}}])


def writes(api):
    return [r for r in api.log() if r.mutating]


@pytest.mark.parametrize("record, why", [
    ({"type": "Evil"}, "type has an invalid value"),
    ({"type": "NodePort", "node_ports": {"5432/TCP": "x"}}, "node_ports has an invalid value"),
    ({"type": "NodePort", "node_ports": {"5432/TCP": 99999}}, "node_ports has an invalid value"),
    ({"type": "NodePort", "node_ports": ["5432/TCP"]}, "node_ports has an invalid value"),
    ({"type": "LoadBalancer", "source_ranges": "0.0.0.0/0"}, "source_ranges has an invalid value"),
    ({"type": "LoadBalancer", "load_balancer_ip": "not-an-ip"}, "load_balancer_ip has an invalid value"),
    ({"type": "LoadBalancer", "allocate_load_balancer_node_ports": "yes"}, "allocate_load_balancer_node_ports"),
    ({"type": "NodePort", "selector": {"app": "x"}}, "unknown keys selector"),
    ({"type": "NodePort", "uid": "someone-elses"}, "it was written for another object (uid differs)"),
    (["NodePort"], "not a JSON object"),
    ("{", "not JSON"),
    ({"node_ports": {}}, "no type"),
])
def test_a_forged_or_broken_record_is_one_clear_error_and_no_write(api_factory, record, why):
    api = forged(api_factory, record)
    out = api.reach("undo", "svc/db", "--yes")
    assert out.code == 1 and len(out.err.splitlines()) == 1, out.err
    assert out.err.startswith(f"error: the {UNDO_ANNOTATION} annotation of svc/db is not valid (") and why in out.err
    assert "internal error" not in out.err and writes(api) == []


def test_undo_shows_what_a_record_would_open(api_factory):
    api = forged(api_factory, {"type": "LoadBalancer", "load_balancer_ip": "203.0.113.99",
                               "external_traffic_policy": "Cluster"})
    out = api.reach("undo", "svc/db", "--dry-run")
    assert out.code == 0, out.err
    assert "Warning: undo makes svc/db a LoadBalancer open to the internet (no loadBalancerSourceRanges)" in out.err
    assert "Warning: undo makes svc/db a load balancer at the requested address 203.0.113.99" in out.err
    assert "Warning: undo opens nodePorts on every node for svc/db" in out.err
    assert [w.dry_run for w in writes(api)] == [True]


def test_the_prompt_names_the_dangerous_part(api_factory):
    api = forged(api_factory, {"type": "LoadBalancer", "external_traffic_policy": "Cluster"})
    code, text = on_terminal(api, ["undo", "svc/db"], b"n\n")
    assert code == 1 and "cancelled: nothing was changed" in text
    assert ("Apply this change to svc/db? It opens a LoadBalancer open to the internet (no loadBalancerSourceRanges); "
            "nodePorts on every node. [y/N]") in " ".join(text.split())
    assert api.get("Service", "db")["spec"]["type"] == "ClusterIP"


def test_a_workload_record_is_validated_and_its_dangers_shown(api_factory):
    deployment = {"kind": "Deployment", "metadata": {"name": "api"}, "spec": {
        "selector": {"matchLabels": {"app": "api"}},
        "template": {"metadata": {"labels": {"app": "api"}},
                     "spec": {"containers": [{"name": "c", "image": "nginx", "ports": [{"containerPort": 80}]}]}}}}
    bad = json.loads(json.dumps(deployment))
    bad["metadata"]["name"] = "bad"
    deployment["metadata"]["annotations"] = {UNDO_ANNOTATION: json.dumps(
        {"hostNetwork": True, "ports": {"c": [{"containerPort": 22, "hostPort": 22, "protocol": "TCP"}]}})}
    bad["metadata"]["annotations"] = {UNDO_ANNOTATION: json.dumps({"hostNetwork": "yes", "ports": {"c": None}})}
    api = api_factory(objects=[deployment, bad])
    out = api.reach("undo", "deploy/api", "--dry-run")
    assert out.code == 0, out.err
    assert "Warning: undo puts deploy/api on the host network (its ports bypass Services and NetworkPolicy)" in out.err
    assert "Warning: undo opens hostPort 22 on its nodes for deploy/api" in out.err
    out = api.reach("undo", "deploy/bad", "--yes")
    assert out.code == 1 and "hostNetwork or dnsPolicy has an invalid value" in out.err and "internal" not in out.err


def test_convert_binds_its_record_to_the_object(demo_api):
    assert demo_api.reach("convert", "svc/influxdb", "--to", "clusterip", "--yes").code == 0
    live = demo_api.get("Service", "influxdb")
    record = json.loads(live["metadata"]["annotations"][UNDO_ANNOTATION])
    assert record["uid"] == live["metadata"]["uid"] and record["type"] == "NodePort"


@pytest.mark.fake_only("the write is held back by the fake server, so that Ctrl-C lands while it is in flight")
def test_ctrl_c_during_the_real_write_says_it_may_have_been_applied(demo_api):
    release = threading.Event()  # the real write is held at the server until the command has been interrupted
    write = demo_api.cluster.inject(method="PATCH", path="/services/influxdb", unless="dryRun", hold=release)
    process = subprocess.Popen([sys.executable, "-m", "kubectl_expose_ext", "convert", "svc/influxdb", "--to",
                                "clusterip", "--yes", "--kubeconfig", demo_api.kubeconfig],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=outside_checkout())
    try:
        assert write.arrived.wait(60), "the real write never reached the server"
        os.kill(process.pid, signal.SIGINT)
        out, err = process.communicate(timeout=60)
    finally:
        release.set()
    assert process.returncode == 130, err
    assert err.splitlines()[-1] == ("error: interrupted while the change to svc/influxdb was being sent: it may have "
                                    "been applied; check with `kubectl get svc/influxdb -o yaml` (and `kubectl reach "
                                    "svc/influxdb`) before running the command again")
