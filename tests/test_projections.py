"""The projections declared beside each reader (targets.slim_pod, targets.host_networked, targets.slim_node): what
is kept of a LIST's items answers exactly as the whole objects do, for every shape of pod an answer reads."""

import copy
import random

import pytest

from kubectl_expose_ext.addresses import NodeTable
from kubectl_expose_ext.reach import reach_target
from kubectl_expose_ext.snapshot import Snapshot
from kubectl_expose_ext.targets import host_networked, slim_node, slim_pod
from builders import endpoint_slice, node, service


def bench_pod(name, ns, labels, node_name, ip, port, host_port=False):
    """A pod as the API server returns it (bench/cluster.py's shape): probes, resources, volumes, status."""
    ports = [{"name": "http", "containerPort": port, "protocol": "TCP", **({"hostPort": port} if host_port else {})}]
    return {"kind": "Pod", "metadata": {"name": name, "namespace": ns, "labels": labels, "uid": "u",
                                        "annotations": {"kubectl.kubernetes.io/restartedAt": "2026-11-20T10:00:00Z"}},
            "spec": {"nodeName": node_name, "serviceAccountName": "default", "restartPolicy": "Always",
                     "containers": [{"name": "app", "image": "registry.example.com/app:v1.2.3", "ports": ports,
                                     "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}},
                                     "readinessProbe": {"httpGet": {"path": "/healthz", "port": port}},
                                     "volumeMounts": [{"name": "token", "mountPath": "/var/run/secrets"}]}],
                     "volumes": [{"name": "token", "projected": {"sources": [{"serviceAccountToken": {}}]}}]},
            "status": {"phase": "Running", "podIP": ip, "hostIP": "10.0.0.1",
                       "conditions": [{"type": "Ready", "status": "True"}, {"type": "ContainersReady", "status": "True"}]}}


def bench_node(i, rng):
    """A node as a kubelet reports it: addresses, conditions, images, nodeInfo, managedFields."""
    addresses = [("InternalIP", f"10.{i // 250}.{i % 250}.1"), ("InternalDNS", f"ip-{i}.ec2.internal"),
                 ("Hostname", f"ip-{i}.ec2.internal")] + ([("ExternalIP", f"198.51.{i // 250}.{i % 250}")] if i % 3 else [])
    obj = node(f"ip-{i}", *addresses, ready="True" if i % 7 else "False")
    obj["metadata"]["managedFields"] = [{"manager": "kubelet", "fieldsV1": {"f:status": {"f:images": {}}}}]
    obj["spec"] = {"unschedulable": i % 11 == 0, "providerID": f"aws:///i-{rng.getrandbits(64):016x}"}
    obj["status"]["images"] = [{"names": [f"registry.example.com/app-{j}"], "sizeBytes": rng.randrange(10**8)}
                               for j in range(5)]
    obj["status"]["nodeInfo"] = {"kubeletVersion": "v1.31.2"}
    return obj

NODES = NodeTable.complete([node(f"n{i}", ("InternalIP", f"10.0.0.{i}"), ("ExternalIP", f"203.0.113.{i}"))
                            for i in range(1, 4)])
LABELS = {"app": "web"}


def variants():
    """Pods as a workload has them: serving, host port, host network, a restartable init container's port, not
    Ready, terminating, ended, unscheduled, and partial objects."""
    base = bench_pod("web-0", "default", LABELS, "n1", "10.1.0.1", 8080)
    base["metadata"]["managedFields"] = [{"manager": "kubelet", "fieldsV1": {"f:status": {}}}]
    host_port = bench_pod("web-1", "default", LABELS, "n2", "10.1.0.2", 8080, host_port=True)
    host_network = bench_pod("web-2", "default", LABELS, "n3", "10.0.0.3", 9100)
    host_network["spec"]["hostNetwork"] = True
    sidecar = copy.deepcopy(base)
    sidecar["metadata"]["name"] = "web-3"
    sidecar["spec"]["initContainers"] = [{"name": "proxy", "restartPolicy": "Always",
                                          "ports": [{"name": "admin", "containerPort": 9901, "hostPort": 9901}]}]
    unready = copy.deepcopy(base)
    unready["status"]["conditions"] = [{"type": "Ready", "status": "False"}]
    terminating = copy.deepcopy(base)
    terminating["metadata"]["deletionTimestamp"] = "2026-12-01T00:00:00Z"
    ended = copy.deepcopy(base)
    ended["status"].update(phase="Failed", reason="Evicted")
    unscheduled = copy.deepcopy(base)
    del unscheduled["spec"]["nodeName"]
    unscheduled["status"] = {"phase": "Pending"}
    partial = {"metadata": {"name": "web-9", "namespace": "default", "labels": LABELS}, "spec": None}
    owned = copy.deepcopy(base)  # a Deployment's pod: hints name deploy/web from its owner and template hash
    owned["metadata"].update(name="web-5d9c7b6f8-x2", labels={**LABELS, "pod-template-hash": "5d9c7b6f8"},
                             ownerReferences=[{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "web-5d9c7b6f8",
                                               "uid": "u1", "controller": True, "blockOwnerDeletion": True}])
    return [[base], [host_port], [host_network], [sidecar], [unready], [terminating], [ended], [unscheduled],
            [partial], [owned], [base, host_port, host_network, sidecar]]


WORKLOAD = {"kind": "DaemonSet", "metadata": {"name": "web", "namespace": "default"},
            "spec": {"selector": {"matchLabels": LABELS}, "template": {"metadata": {"labels": LABELS}, "spec": {
                "containers": [{"name": "app", "ports": [{"name": "http", "containerPort": 8080}]}]}}}}
SERVICES = [service("web", {"name": "http", "port": 80, "targetPort": "http", "nodePort": 30080}, type="NodePort",
                    selector=LABELS),
            service("local", {"port": 81, "targetPort": 8080, "nodePort": 30081}, type="NodePort", selector=LABELS,
                    externalTrafficPolicy="Local")]
SLICES = [endpoint_slice("local", ("n1", True), ("n2", False))]


@pytest.mark.parametrize("pods", variants())
def test_a_workload_answers_the_same_from_slim_pods(pods):
    def answer(kept):
        snapshot = Snapshot(nodes=NODES, services=SERVICES, pods=kept, slices=SLICES)
        return reach_target("DaemonSet", WORKLOAD, kept, snapshot).to_dict()

    assert answer([slim_pod(p) for p in pods]) == answer(pods)
    for pod in pods:  # a pod target too
        snapshot = Snapshot(nodes=NODES, services=SERVICES, pods=[pod], slices=SLICES)
        whole = reach_target("Pod", pod, [], snapshot).to_dict()
        slim = reach_target("Pod", slim_pod(pod), [], Snapshot(nodes=NODES, services=SERVICES, pods=[slim_pod(pod)],
                                                                slices=SLICES)).to_dict()
        assert slim == whole


def test_slim_pods_keep_only_what_is_read():
    pod = variants()[0][0]
    slim = slim_pod(pod)
    assert "managedFields" not in slim["metadata"] and "volumes" not in slim["spec"]
    assert slim["spec"]["containers"] == [{"name": "app", "ports": pod["spec"]["containers"][0]["ports"]}]
    assert len(repr(slim)) < len(repr(pod)) / 2
    # the Ready condition's status only (objects.condition_true), no IPs (no answer reads them)
    assert slim["status"] == {"phase": "Running", "conditions": [{"type": "Ready", "status": "True"}]}
    owned = variants()[-2][0]
    assert slim_pod(owned)["metadata"]["ownerReferences"] == [{"kind": "ReplicaSet", "name": "web-5d9c7b6f8"}]
    # what a watch compares is what is kept: a change to anything else wakes no one (waiting.pod_fields)
    from kubectl_expose_ext.waiting import pod_fields

    changed = copy.deepcopy(pod)
    changed["status"].update(podIP="10.9.9.9", conditions=[{"type": "Ready", "status": "True",
                                                            "lastTransitionTime": "2026-12-07T00:00:00Z"}])
    assert pod_fields(changed) == pod_fields(pod)
    changed["status"]["conditions"][0]["status"] = "False"
    assert pod_fields(changed) != pod_fields(pod)


@pytest.mark.parametrize("pods", variants())
def test_the_listing_keeps_host_networked_pods_slim_with_their_annotations(pods):
    from kubectl_expose_ext.endpoints.hostports import uses_host_network

    for pod in pods:
        kept = host_networked(pod)
        assert (kept is not None) is uses_host_network(pod)
        if kept is not None:
            assert kept["metadata"].get("annotations") == pod["metadata"].get("annotations")


def test_slim_nodes_make_the_same_node_table():
    rng = random.Random(7)
    nodes = [bench_node(i, rng) for i in range(60)]

    def table(objects):
        t = NodeTable.complete(objects)
        return t.addresses, t.by_family, t.not_ready, t.without_address, t.public, t.cordoned, t.usable()

    assert table([slim_node(n) for n in nodes]) == table(nodes)


def test_two_targets_read_the_nodes_once_and_keep_the_table_not_the_rows(api_factory):
    web = service("web", {"port": 80, "targetPort": 8080, "nodePort": 30080}, type="NodePort", selector=LABELS)
    other = service("other", {"port": 81, "targetPort": 8080, "nodePort": 30081}, type="NodePort", selector=LABELS)
    api = api_factory(objects=[{"kind": "Node", **node("n1", ("ExternalIP", "203.0.113.1"))},
                               {**web, "kind": "Service"}, {**other, "kind": "Service"}])
    out = api.reach("svc/web", "svc/other", "-o", "url")
    assert out.out.split() == ["http://203.0.113.1:30080", "tcp://203.0.113.1:30081"]
    assert len([r for r in api.log() if r.path == "/api/v1/nodes"]) == 1


def test_endpoints_carry_no_dict_and_each_its_own_warnings():
    from kubectl_expose_ext.endpoints import Endpoint

    first, second = Endpoint("NodePort", "http", "203.0.113.1", 30080), Endpoint("NodePort", "http", "h", 1)
    first.warnings.append("x")
    assert not hasattr(first, "__dict__") and second.warnings == [] and second.node is None


def test_the_listing_keeps_services_without_their_bookkeeping():
    from kubectl_expose_ext.targets import LAST_APPLIED, without_bookkeeping

    web = service("web", {"port": 80, "targetPort": 8080, "nodePort": 30080}, type="NodePort", selector=LABELS)
    web["metadata"].update(managedFields=[{"manager": "kubectl"}], annotations={LAST_APPLIED: "{}", "team": "a"})
    kept = without_bookkeeping(web)
    assert "managedFields" not in kept["metadata"] and kept["metadata"]["annotations"] == {"team": "a"}
    assert kept["spec"] is web["spec"] and "managedFields" in web["metadata"]  # the object itself is left as sent
    plain = service("plain", {"port": 80})
    assert without_bookkeeping(plain) is plain
