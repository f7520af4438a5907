"""The chain pod -> Service -> Ingress, its diagnostics and fallbacks, through the pure layer."""

from kubectl_expose_ext.addresses import NodeTable
from kubectl_expose_ext.hints import owner_ref
from kubectl_expose_ext.reach import Snapshot, ports_targeting, reach_target
from builders import reach_everything
from builders import endpoint_slice, ingress, ingress_class, node, pod, service

NODES = [node("node-a", ("ExternalIP", "203.0.113.1")), node("node-b", ("ExternalIP", "203.0.113.2"))]
DB = pod("influxdb", [{"name": "http", "containerPort": 8086}], labels={"app": "influxdb"}, node="node-a")
NODEPORT = service("influxdb", {"name": "http", "port": 8086, "targetPort": "http", "nodePort": 30000},
                   type="NodePort", selector={"app": "influxdb"})


def snapshot(*objs, nodes=NODES, slices=None, classes=None):
    kinds = {"services": [], "ingresses": [], "pods": []}
    for obj in objs:
        spec = obj.get("spec", {})
        key = "ingresses" if "rules" in spec or "defaultBackend" in spec else "pods" if "containers" in spec else "services"
        kinds[key].append(obj)
    return Snapshot(nodes=NodeTable.complete(nodes), slices=slices, ingress_classes=classes, **kinds)


def answer(kind, obj, snap, pods=()):
    return reach_target(kind, obj, list(pods), snap).to_dict()


def test_pod_through_nodeport_service_and_ingress():
    ing = ingress("influxdb", ("influxdb.example.com", [("/", "influxdb", 8086)]),
                  tls=[{"hosts": ["influxdb.example.com"]}], address={"ip": "198.51.100.30"})
    result = answer("Pod", DB, snapshot(NODEPORT, ing, classes=[ingress_class("nginx")]))
    assert result["target"] == {"kind": "Pod", "namespace": "default", "name": "influxdb"}
    assert [(e["method"], e["url"]) for e in result["endpoints"]] == [
        ("NodePort", "http://203.0.113.1:30000"), ("NodePort", "http://203.0.113.2:30000"),
        ("Ingress", "https://influxdb.example.com/")]
    assert result["warnings"] == []


def test_no_service_selects_the_pod_gives_fallbacks():
    lonely = pod("lonely", [{"containerPort": 80}], labels={"app": "x"}, node="node-a")
    result = answer("Pod", lonely, snapshot(NODEPORT))
    assert result["endpoints"] == []
    assert result["warnings"] == [
        "no Service selects pod lonely (labels app=x)",
        "pod/lonely has no external endpoint",
        "from this machine only: kubectl port-forward -n default pod/lonely 8080:80",
        "to expose it: kubectl expose -n default pod/lonely --type=NodePort --port=80"]


def test_service_selects_but_no_port_targets_the_pod():
    svc = service("influxdb", {"port": 8086, "targetPort": "api", "nodePort": 30000}, type="NodePort",
                  selector={"app": "influxdb"})
    result = answer("Pod", DB, snapshot(svc))
    assert result["endpoints"] == []
    assert result["warnings"][0] == ("service influxdb selects pod influxdb but no port targets it "
                                     "(targets api; the pod declares 8086)")


def test_numeric_target_port_counts_even_when_undeclared_but_is_flagged():
    svc = service("influxdb", {"port": 80, "targetPort": 9999, "nodePort": 30001}, type="NodePort",
                  selector={"app": "influxdb"})
    result = answer("Pod", DB, snapshot(svc))
    assert len(result["endpoints"]) == 2
    assert "targets 9999, which pod influxdb does not declare (it declares 8086)" in result["warnings"][0]


def test_target_port_defaults_to_port_and_names_match():
    svc = service("s", {"port": 8086}, {"port": 80, "targetPort": "http"}, {"port": 81, "targetPort": "nope"})
    assert [p["port"] for p in ports_targeting(svc, DB)] == [8086, 80]


def test_clusterip_service_suggests_convert():
    svc = service("influxdb", {"port": 8086, "targetPort": 8086}, selector={"app": "influxdb"})
    result = answer("Pod", DB, snapshot(svc))
    assert result["warnings"][-2:] == [
        "from this machine only: kubectl port-forward -n default pod/influxdb 8086:8086",
        "to expose it: kubectl reach convert -n default svc/influxdb --to nodeport"]


def test_not_ready_pod_is_flagged_when_services_route_to_it():
    sick = pod("influxdb", [{"name": "http", "containerPort": 8086}], labels={"app": "influxdb"}, node="node-a",
               ready=False)
    assert "pod influxdb is not Ready" in answer("Pod", sick, snapshot(NODEPORT))["warnings"][0]


def test_workload_is_the_union_of_its_pods_deduplicated():
    pods = [pod(f"api-{i}", [{"containerPort": 8080, "hostPort": 8080}], labels={"app": "api"}, node=n)
            for i, n in enumerate(["node-a", "node-b", "node-a"])]
    svc = service("api", {"port": 80, "targetPort": 8080, "nodePort": 30080}, type="NodePort", selector={"app": "api"})
    deploy = {"metadata": {"name": "api", "namespace": "default"}, "spec": {"selector": {"matchLabels": {"app": "api"}}}}
    result = answer("Deployment", deploy, snapshot(svc, *pods), pods)
    assert [e["url"] for e in result["endpoints"]] == [
        "http://203.0.113.1:8080", "http://203.0.113.1:30080", "http://203.0.113.2:30080", "http://203.0.113.2:8080"]


def test_workload_without_pods():
    deploy = {"metadata": {"name": "api", "namespace": "ns"},
              "spec": {"selector": {"matchLabels": {"app": "api"}},
                       "template": {"spec": {"containers": [{"name": "a", "ports": [{"containerPort": 443}]}]}}}}
    result = answer("Deployment", deploy, snapshot())
    # no port-forward hint: it needs a running pod
    assert result["warnings"] == ["deployment api has no pods (selector app=api)", "deploy/api has no external endpoint",
                                  "to expose it: kubectl expose -n ns deploy/api --type=NodePort --port=443"]


def test_service_target_ready_endpoints_and_local_policy():
    svc = service("api", {"port": 80, "targetPort": 8080, "nodePort": 30080}, type="NodePort",
                  selector={"app": "api"}, externalTrafficPolicy="Local")
    result = answer("Service", svc, snapshot(svc, slices=[endpoint_slice("api", ("node-b", True), ("node-a", False))]))
    assert [e["url"] for e in result["endpoints"]] == ["http://203.0.113.2:30080"]
    result = answer("Service", svc, snapshot(svc, slices=[]))
    assert result["endpoints"] == []
    assert "has no ready endpoints: its selector (app=api) matches no ready pod" in result["warnings"][1]
    assert result["warnings"][-1] == "from this machine only: kubectl port-forward -n default svc/api 8080:80"


def test_slice_ready_condition_missing_means_ready():
    svc = service("api", {"port": 80, "nodePort": 30080}, type="NodePort", selector={"a": "b"},
                  externalTrafficPolicy="Local")
    result = answer("Service", svc, snapshot(svc, slices=[endpoint_slice("api", ("node-a", None))]))
    assert [e["node"] for e in result["endpoints"]] == ["node-a"]


def test_external_name_service():
    svc = service("db", type="ExternalName", externalName="db.example.com")
    assert "is ExternalName (an alias of db.example.com)" in answer("Service", svc, snapshot(svc))["warnings"][0]


def test_ingress_target_flags_missing_services_and_ports():
    ing = ingress("x", ("a.example.com", [("/", "web", 80), ("/gone", "gone", 80), ("/bad", "web", 81)]),
                  address={"ip": "192.0.2.1"})
    web = service("web", {"port": 80})
    result = answer("Ingress", ing, snapshot(web, ing))
    assert [e["url"] for e in result["endpoints"]] == [
        "http://a.example.com/", "http://a.example.com/gone", "http://a.example.com/bad"]
    assert result["warnings"] == ["ingress x routes to service gone, which does not exist",
                                  "ingress x routes to port 81 of service web, which has no such port"]


def test_ingress_for_pod_matches_port_by_name_or_number_only_for_the_right_port():
    svc = service("web", {"name": "http", "port": 80, "targetPort": 8086}, {"name": "admin", "port": 81, "targetPort": "x"},
                  selector={"app": "influxdb"})
    ing = ingress("i", ("a.example.com", [("/", "web", "http"), ("/admin", "web", 81)]), address={"ip": "192.0.2.1"})
    result = answer("Pod", DB, snapshot(svc, ing))
    assert [e["url"] for e in result["endpoints"]] == ["http://a.example.com/"]


def test_owner_ref():
    rs_pod = {"metadata": {"labels": {"pod-template-hash": "7d4b9c8f6"},
                           "ownerReferences": [{"kind": "ReplicaSet", "name": "api-7d4b9c8f6"}]}}
    assert owner_ref(rs_pod) == "deploy/api"
    assert owner_ref({"metadata": {"ownerReferences": [{"kind": "StatefulSet", "name": "db"}]}}) == "sts/db"
    assert owner_ref({"metadata": {}}) is None


def test_reach_everything_lists_each_exposing_object_once():
    ing = ingress("influxdb", ("influxdb.example.com", [("/", "influxdb", 8086)]), address={"ip": "198.51.100.30"})
    hostnet = pod("hn", [{"containerPort": 9100}], node="node-b", host_network=True)
    clusterip = service("internal", {"port": 80})
    results = reach_everything(snapshot(NODEPORT, clusterip, ing, DB, hostnet))
    assert [(r.kind, r.name, len(r.found.endpoints)) for r in results] == [
        ("Service", "influxdb", 1), ("Ingress", "influxdb", 1), ("Pod", "hn", 1)]
    # an inventory: one node per NodePort, the others counted
    assert results[0].found.endpoints[0].warnings == [
        "+1 more node(s): kubectl reach -n default svc/influxdb"]
