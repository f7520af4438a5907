"""The fake API server against the real one, on the same requests: where they differ, the real server is right.

Each case sends the same raw requests to a fake server and to the real control plane (loaded with the same objects)
and reduces both answers to what the CLI relies on; the reductions must be equal. Allocated values (nodePorts,
clusterIPs, uids) are compared by shape, never by value: the real allocators pick at random.
"""

import pytest

from kubectl_expose_ext.demo.apiserver import FakeAPIServer, FakeCluster
from realcluster.loader import Client

SERVICES = "/api/v1/namespaces/default/services"
MERGE = "application/merge-patch+json"
TABLE = "application/json;as=Table;v=v1;g=meta.k8s.io"
NODE = {"kind": "Node", "metadata": {"name": "n1", "labels": {"topology.kubernetes.io/zone": "z1"}},
        "status": {"addresses": [{"type": "ExternalIP", "address": "203.0.113.1"}],
                   "conditions": [{"type": "Ready", "status": "True"}]}}


def service(name, type_="NodePort", **spec):
    ports = spec.pop("ports", [{"name": "http", "port": 80, "targetPort": 8080}])
    return {"apiVersion": "v1", "kind": "Service", "metadata": {"name": name},
            "spec": {"type": type_, "selector": {"app": name}, "ports": ports, **spec}}


def node_port_shape(svc):
    return [("nodePort" in p, 30000 <= p.get("nodePort", 0) <= 32767) for p in svc["spec"]["ports"]]


def create_defaults(client):
    status, svc = client.request("POST", SERVICES, service("web", clusterIP=None))
    spec = svc["spec"]
    return (status, sorted(spec), node_port_shape(svc), spec["ipFamilies"], spec["ipFamilyPolicy"],
            len(spec["clusterIPs"]), svc["status"])


def shared_node_port_for_one_port_number(client):
    ports = [{"name": "dns", "port": 53, "protocol": "UDP"}, {"name": "dns-tcp", "port": 53, "protocol": "TCP"}]
    status, svc = client.request("POST", SERVICES, service("dns", ports=ports))
    node_ports = [p["nodePort"] for p in svc["spec"]["ports"]]
    return status, len(set(node_ports)), node_port_shape(svc)


def health_check_node_port_with_local_policy(client):
    status, svc = client.request("POST", SERVICES, service("lb", "LoadBalancer", externalTrafficPolicy="Local"))
    return status, 30000 <= svc["spec"].get("healthCheckNodePort", 0) <= 32767, svc["spec"]["allocateLoadBalancerNodePorts"]


def leaving_node_port_wipes_what_is_unchanged(client):
    client.request("POST", SERVICES, service("web", externalTrafficPolicy="Cluster"))
    status, svc = client.request("PATCH", f"{SERVICES}/web", {"spec": {"type": "ClusterIP"}}, MERGE)
    return status, [p.get("nodePort") for p in svc["spec"]["ports"]], svc["spec"].get("externalTrafficPolicy")


def leaving_load_balancer_clears_its_status(client):
    _, svc = client.request("POST", SERVICES, service("lb", "LoadBalancer"))
    svc["status"] = {"loadBalancer": {"ingress": [{"ip": "198.51.100.7"}]}}
    client.request("PUT", f"{SERVICES}/lb/status", svc)
    status, svc = client.request("PATCH", f"{SERVICES}/lb", {"spec": {"type": "NodePort",
                                                                      "allocateLoadBalancerNodePorts": None}}, MERGE)
    return status, svc["status"], node_port_shape(svc)


def taken_cluster_ip_and_node_port(client):
    client.request("POST", SERVICES, service("a", clusterIP="10.96.50.50", ports=[
        {"port": 80, "nodePort": 30500}]))
    ip = client.request("POST", SERVICES, service("b", clusterIP="10.96.50.50"))
    port = client.request("POST", SERVICES, service("c", ports=[{"port": 80, "nodePort": 30500}]))
    return [(status, body.get("reason"), body.get("message")) for status, body in (ip, port)]


def dry_run_of_a_delete_with_options(client):
    """The bug the real server found: with a DeleteOptions body, `?dryRun=All` is ignored."""
    for name in ("q", "b"):
        client.request("POST", SERVICES, service(name, "ClusterIP"))
    options = {"kind": "DeleteOptions", "apiVersion": "v1"}
    query_only = client.request("DELETE", f"{SERVICES}/q?dryRun=All", options)[0]
    in_body = client.request("DELETE", f"{SERVICES}/b", {**options, "dryRun": ["All"]})[0]
    return query_only, client.request("GET", f"{SERVICES}/q")[0], in_body, client.request("GET", f"{SERVICES}/b")[0]


def unserved_group(client):
    status, body = client.request("GET", "/apis/nope.example.com/v1/namespaces/default/things")
    return status, body.get("raw", "").strip(), client.headers.get("content-type", "").split(";")[0]


def field_selectors_on_services(client):
    client.request("POST", SERVICES, service("np"))
    client.request("POST", SERVICES, service("cip", "ClusterIP"))
    _, listing = client.request("GET", f"{SERVICES}?fieldSelector=spec.type%3DNodePort")
    bad = client.request("GET", f"{SERVICES}?fieldSelector=spec.selector%3Dx")
    return [i["metadata"]["name"] for i in listing["items"]], bad[0], bad[1].get("message")


def node_table_columns(client):
    client.request("POST", "/api/v1/nodes", NODE)
    status, table = client.request("GET", "/api/v1/nodes?includeObject=None", accept=TABLE)
    return status, table.get("kind"), [c["name"] for c in table.get("columnDefinitions", [])], \
        [len(r["cells"]) for r in table.get("rows", [])]


def node_table_status_column(client):
    """printNode's STATUS: Ready, NotReady for False and Unknown alike, Unknown without a Ready condition, and
    SchedulingDisabled for a cordoned node; the IP columns show the first address of each type."""
    for name, ready, cordoned in (("r", "True", False), ("f", "False", False), ("u", "Unknown", False),
                                  ("none", None, False), ("c", "True", True)):
        conditions = [{"type": "Ready", "status": ready}] if ready else []
        node = {"kind": "Node", "metadata": {"name": name}, "spec": {"unschedulable": cordoned},
                "status": {"addresses": [{"type": "InternalIP", "address": "10.0.0.1"},
                                         {"type": "InternalIP", "address": "fd00::1"}], "conditions": conditions}}
        client.request("POST", "/api/v1/nodes", node)
        if ready:  # the status subresource holds conditions on the real server
            _, live = client.request("GET", f"/api/v1/nodes/{name}")
            live["status"] = node["status"]
            client.request("PUT", f"/api/v1/nodes/{name}/status", live)
    _, table = client.request("GET", "/api/v1/nodes?includeObject=None", accept=TABLE)
    columns = [c["name"] for c in table["columnDefinitions"]]
    return sorted((r["cells"][0], r["cells"][columns.index("Status")], r["cells"][columns.index("Internal-IP")])
                  for r in table["rows"] if r["cells"][0] in ("r", "f", "u", "none", "c"))


def pod_security_refuses_a_host_network_pod(client):
    client.request("POST", "/api/v1/namespaces", {"apiVersion": "v1", "kind": "Namespace", "metadata": {
        "name": "secure", "labels": {"pod-security.kubernetes.io/enforce": "baseline"}}})
    client.request("POST", "/api/v1/namespaces/secure/serviceaccounts",
                   {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "default"}})
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"},
           "spec": {"hostNetwork": True, "containers": [{"name": "c", "image": "nginx"}]}}
    status, body = client.request("POST", "/api/v1/namespaces/secure/pods", pod)
    return status, body.get("reason"), body.get("message")


def deprecated_external_ips_warn(client):
    client.request("POST", SERVICES, service("web", "ClusterIP", externalIPs=["192.0.2.1"]))
    return client.warnings


def graceful_pod_deletion_without_a_kubelet(client):
    pods = "/api/v1/namespaces/default/pods"
    client.request("POST", "/api/v1/namespaces/default/serviceaccounts",
                   {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "default"}})
    client.request("POST", "/api/v1/nodes", NODE)
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"},
           "spec": {"nodeName": "n1", "containers": [{"name": "c", "image": "nginx"}]}}
    client.request("POST", pods, pod)
    graceful = client.request("DELETE", f"{pods}/p")[0]
    _, still = client.request("GET", f"{pods}/p")
    forced = client.request("DELETE", f"{pods}/p?gracePeriodSeconds=0")[0]
    gone = client.request("GET", f"{pods}/p")[0]
    return graceful, bool(still["metadata"].get("deletionTimestamp")), still["metadata"].get(
        "deletionGracePeriodSeconds"), forced, gone


def merge_patch_of_annotations_and_lists(client):
    """RFC 7386 on a real object: null deletes a key, a list is replaced whole, a nested map merges."""
    ports = [{"name": "a", "port": 80}, {"name": "b", "port": 81}]
    client.request("POST", SERVICES, service("web", "ClusterIP", ports=ports))
    client.request("PATCH", f"{SERVICES}/web", {"metadata": {"annotations": {"x": "1", "y": "2"}}}, MERGE)
    patch = {"metadata": {"annotations": {"x": None, "z": "3"}}, "spec": {"ports": [{"name": "c", "port": 82}]}}
    status, svc = client.request("PATCH", f"{SERVICES}/web", patch, MERGE)
    return status, svc["metadata"]["annotations"], [(p["name"], p["port"]) for p in svc["spec"]["ports"]]


CASES = [merge_patch_of_annotations_and_lists, graceful_pod_deletion_without_a_kubelet, deprecated_external_ips_warn, create_defaults, shared_node_port_for_one_port_number, health_check_node_port_with_local_policy,
         leaving_node_port_wipes_what_is_unchanged, leaving_load_balancer_clears_its_status,
         taken_cluster_ip_and_node_port, dry_run_of_a_delete_with_options, unserved_group,
         field_selectors_on_services, node_table_columns, node_table_status_column,
         pod_security_refuses_a_host_network_pod]


@pytest.mark.parametrize("case", CASES, ids=[c.__name__ for c in CASES])
def test_the_fake_answers_as_the_real_server(case, control_plane):
    plane, loader = control_plane
    loader.clear()
    loader.serve(set())
    real = case(Client.of(plane, "admin"))
    with FakeAPIServer(FakeCluster()) as fake_server:
        fake = case(Client(fake_server.url, token="fake-token"))
    assert fake == real
