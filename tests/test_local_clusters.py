"""Local clusters (minikube, kind, k3d, Docker Desktop, Rancher Desktop): their node IPs are a VM's or a container
network's; each row on a node's address says so, and a hint gives the way in that works. Node shapes as each tool
creates them (`kubectl get node -o yaml`, trimmed)."""

import pytest

from kubectl_expose_ext.addresses import NodeTable
from kubectl_expose_ext.reach import reach_target
from kubectl_expose_ext.snapshot import Snapshot


def node(name, ip):
    return {"metadata": {"name": name}, "status": {
        "conditions": [{"type": "Ready", "status": "True"}],
        "addresses": [{"type": "InternalIP", "address": ip}, {"type": "Hostname", "address": name}]}}


SERVICE = {"kind": "Service", "metadata": {"name": "web", "namespace": "demo"},
           "spec": {"type": "NodePort", "selector": {"app": "web"}, "clusterIP": "10.96.0.20",
                    "ports": [{"name": "http", "port": 80, "targetPort": 8080, "nodePort": 31080, "protocol": "TCP"}]}}


@pytest.mark.parametrize("nodes, note, hint", [
    ([node("minikube", "192.168.49.2")], "minikube node", "minikube service web -n demo --url"),
    ([node("kind-control-plane", "172.18.0.2"), node("kind-worker", "172.18.0.3")], "kind node",
     "extraPortMappings: [{containerPort: 31080, hostPort: 31080}]"),
    ([node("k3d-dev-server-0", "172.19.0.2"), node("k3d-dev-agent-0", "172.19.0.3")], "k3d node",
     "k3d cluster create -p '31080:31080@server:0', or kubectl port-forward svc/web 80"),
    ([node("docker-desktop", "192.168.65.3")], "Docker Desktop node", "http://localhost:31080"),
    ([node("lima-rancher-desktop", "192.168.5.15")], "Rancher Desktop node", "http://localhost:31080"),
])
def test_a_local_cluster_says_so_and_how(nodes, note, hint):
    snapshot = Snapshot(nodes=NodeTable.complete(nodes), services=[SERVICE])
    answer = reach_target("Service", SERVICE, [], snapshot)
    assert answer.found.endpoints and all(any(w.startswith(note) for w in e.warnings) for e in answer.found.endpoints)
    assert any(hint in h for h in answer.found.hints), answer.found.hints
    assert len(answer.found.hints) == len(set(answer.found.hints))


def test_a_real_cluster_is_not_local():
    nodes = [node("ip-10-0-1-17.ec2.internal", "10.0.1.17"), node("kind-control-plane", "172.18.0.2")]
    answer = reach_target("Service", SERVICE, [], Snapshot(nodes=NodeTable.complete(nodes), services=[SERVICE]))
    assert answer.found.endpoints and answer.found.hints == []
    assert not any("kind node" in w for e in answer.found.endpoints for w in e.warnings)


def test_the_cli_shows_it_on_the_rows(api_factory):
    api = api_factory(objects=[{"kind": "Node", **node("kind-control-plane", "172.18.0.2")}, SERVICE], namespace="demo")
    out = api.reach("svc/web")
    assert "kind node: a container's IP" in out.out.splitlines()[1]
    assert "Hint: kind nodes are containers: publish the port to reach it" in out.err
