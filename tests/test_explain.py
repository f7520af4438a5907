"""`kubectl reach explain`, the pure part (explain.py): a healthy chain for every way in, then each hop in turn the
broken one, with real object shapes; and every fixture of the suite whose URL does not work is explained."""

import copy

import pytest

from builders import endpoint_slice, fixture_objects, ingress, ingress_class, node, pod, service
from kubectl_expose_ext.addresses import NodeTable
from kubectl_expose_ext.doors import DOORS
from kubectl_expose_ext.explain import (BROKEN_WAY, DEGRADED, HEALTHY, NOT_TRIED, UNKNOWN_WAY, Way, add_probes,
                                        explain_target)
from kubectl_expose_ext.probe import Probe
from kubectl_expose_ext.snapshot import Snapshot

NODES = [node("node-a", ("ExternalIP", "203.0.113.10")), node("node-b", ("ExternalIP", "203.0.113.11"))]
WEB_POD = pod("web-0", [{"name": "http", "containerPort": 8080}], labels={"app": "web"}, node="node-a")
LB = service("web", {"name": "http", "port": 80, "targetPort": "http", "nodePort": 30080}, type="LoadBalancer",
             selector={"app": "web"}, lb=[{"ip": "198.51.100.7"}])
SLICE = endpoint_slice("web", ("node-a", True))
INGRESS = ingress("web", ("web.example.com", [("/", "web", 80)]), address={"ip": "198.51.100.8"})
DENY_ALL = {"kind": "NetworkPolicy", "metadata": {"name": "deny-all", "namespace": "default"},
            "spec": {"podSelector": {}, "policyTypes": ["Ingress"]}}
FROM_OFFICE = {"kind": "NetworkPolicy", "metadata": {"name": "office", "namespace": "default"},
               "spec": {"podSelector": {"matchLabels": {"app": "web"}},
                        "ingress": [{"from": [{"ipBlock": {"cidr": "10.0.0.0/8"}}]}]}}
FROM_CONTROLLER = {"kind": "NetworkPolicy", "metadata": {"name": "from-ingress", "namespace": "default"},
                   "spec": {"podSelector": {}, "ingress": [{"from": [{"namespaceSelector": {"matchLabels": {
                       "kubernetes.io/metadata.name": "ingress-nginx"}}}]}]}}


def world(services=(LB,), pods=(WEB_POD,), slices=(SLICE,), ingresses=(INGRESS,), nodes=NODES, **extra):
    return Snapshot(nodes=NodeTable.complete(list(nodes)), services=list(services), pods=list(pods),
                    slices=None if slices is None else list(slices), ingresses=list(ingresses),
                    ingress_classes=[ingress_class("nginx")], **extra)


def explain(kind="Pod", obj=WEB_POD, pods=(WEB_POD,), snapshot=None, policies=()):
    return explain_target(kind, obj, None if pods is None else list(pods), snapshot or world(),
                          None if policies is None else list(policies))


def way(ways, method):
    return next(w for w in ways if w.method == method)


def test_a_healthy_chain_for_every_way_in():
    ways = explain()
    assert [(w.method, w.through, w.urls, w.verdict()) for w in ways] == [
        ("LoadBalancer", "svc/web port 80", ["http://198.51.100.7:80"], HEALTHY),
        ("NodePort", "svc/web port 80 (nodePort 30080)", ["http://203.0.113.10:30080", "http://203.0.113.11:30080"],
         HEALTHY),
        ("Ingress", "ingress/web", ["http://web.example.com/"], HEALTHY)]
    assert [h.name for h in way(ways, "Ingress").hops] == [
        "name resolution", "controller", "entry address", "backend", "service port", "endpoints", "container port",
        "network policy"]
    assert [h.name for h in way(ways, "LoadBalancer").hops] == [
        "load balancer", "service port", "endpoints", "container port", "network policy"]
    resolution = way(ways, "Ingress").hops[0]
    assert (resolution.vantage, resolution.detail) == ("this machine", "web.example.com" + NOT_TRIED)
    assert all(h.command.startswith(("kubectl get ", "getent hosts ")) for w in ways for h in w.hops)


def _pending(snapshot):
    snapshot.services[0]["status"] = {"loadBalancer": {}}


def _port_error(snapshot):
    snapshot.services[0]["status"]["loadBalancer"]["ingress"][0]["ports"] = [
        {"port": 80, "protocol": "TCP", "error": "CertificateNotFound"}]


def _internal(snapshot):
    snapshot.services[0]["metadata"]["annotations"] = {
        "service.beta.kubernetes.io/azure-load-balancer-internal": "true"}


def _source_ranges(snapshot):
    snapshot.services[0]["spec"]["loadBalancerSourceRanges"] = ["10.0.0.0/8"]


def _named_port_undeclared(snapshot):
    snapshot.pods[0]["spec"]["containers"][0]["ports"] = [{"name": "web", "containerPort": 8080}]


# (what breaks, the way, its verdict, the first hop that is not ok, a phrase of its detail)
CASES = [
    ("a pending load balancer", _pending, {}, "LoadBalancer", BROKEN_WAY, "load balancer", "pending"),
    ("a listener the cloud failed", _port_error, {}, "LoadBalancer", BROKEN_WAY, "load balancer", "CertificateNotFound"),
    ("an internal load balancer", _internal, {}, "LoadBalancer", DEGRADED, "load balancer", "internal"),
    ("source ranges", _source_ranges, {}, "LoadBalancer", DEGRADED, "load balancer", "accepts only 10.0.0.0/8"),
    ("no ready endpoint", None, {"slices": [endpoint_slice("web", ("node-a", False))]}, "LoadBalancer", BROKEN_WAY,
     "endpoints", "no ready endpoint (1 not ready)"),
    ("slices not readable", None, {"slices": None}, "LoadBalancer", UNKNOWN_WAY, "endpoints", "could not be read"),
    ("every node NotReady", None, {"nodes": [node("node-a", ("ExternalIP", "203.0.113.10"), ready="False")]},
     "NodePort", BROKEN_WAY, "node port", "NotReady"),
    ("nodes with internal addresses only", None, {"nodes": [node("node-a", ("InternalIP", "10.0.0.4"))]},
     "NodePort", DEGRADED, "node port", "no ExternalIP"),
    ("an IngressClass nobody implements", None, {"ingresses": [ingress("web", ("web.example.com", [("/", "web", 80)]),
                                                                       class_name="traefik")]},
     "Ingress", BROKEN_WAY, "controller", "traefik"),
    ("an Ingress not admitted yet", None, {"ingresses": [ingress("web", ("web.example.com", [("/", "web", 80)]))]},
     "Ingress", DEGRADED, "entry address", "not admitted"),
]


@pytest.mark.parametrize("case,change,world_args,method,verdict,hop_name,phrase", CASES, ids=[c[0] for c in CASES])
def test_each_hop_in_turn_is_the_broken_one(case, change, world_args, method, verdict, hop_name, phrase):
    snapshot = world(services=[copy.deepcopy(LB)], pods=[copy.deepcopy(WEB_POD)], **world_args)
    if change:
        change(snapshot)
    subject = snapshot.pods[0]
    chosen = way(explain(obj=subject, pods=[subject], snapshot=snapshot), method)
    assert chosen.verdict() == verdict
    first = next(h for h in chosen.hops if h.verdict != "ok" and h.vantage == "cluster state")
    assert first.name == hop_name and phrase in first.detail, first
    assert first.evidence and first.command.startswith("kubectl get ")
    if verdict == BROKEN_WAY:
        assert chosen.first_broken() == first
        assert chosen.to_dict()["firstBroken"] == hop_name


def test_a_named_target_port_no_container_declares():
    """Seen from the Service, the container port hop is broken; seen from the pod, no port of the Service targets it
    (FindPort: a name must be declared, with its protocol)."""
    snapshot = world(services=[copy.deepcopy(LB)], pods=[copy.deepcopy(WEB_POD)])
    _named_port_undeclared(snapshot)
    chosen = way(explain("Service", LB, snapshot.pods, snapshot), "Ingress")
    assert chosen.first_broken().name == "container port"
    assert "targetPort http is a name no container of web-0 declares for TCP" in chosen.first_broken().detail
    from_pod = explain(obj=snapshot.pods[0], pods=snapshot.pods, snapshot=snapshot)
    assert [(w.method, w.first_broken().name) for w in from_pod] == [("none", "service port")]
    assert "targets http; the pod declares web=8080" in from_pod[0].first_broken().detail


@pytest.mark.parametrize("policies,method,verdict,phrase", [
    ([DENY_ALL], "LoadBalancer", "broken", "networkpolicy/deny-all isolate pod web-0 and no ingress rule admits a "
                                           "client outside the cluster on port 8080/TCP (static prediction)"),
    ([FROM_OFFICE], "LoadBalancer", "broken", "no ingress rule admits a client outside the cluster"),
    ([FROM_CONTROLLER], "Ingress", "unknown", "depends on labels that were not read"),
    ([FROM_CONTROLLER, {**FROM_OFFICE, "spec": {**FROM_OFFICE["spec"], "ingress": [{}]}}], "Ingress", "ok",
     "admits every source"),
    (None, "LoadBalancer", "unknown", "NetworkPolicies could not be read"),
])
def test_network_policies_are_a_static_prediction(policies, method, verdict, phrase):
    chosen = way(explain(policies=policies), method)
    hop = chosen.hops[-1]
    assert (hop.name, hop.verdict) == ("network policy", verdict) and phrase in hop.detail


def test_a_host_network_pod_is_beyond_network_policy():
    host = pod("agent", [{"containerPort": 9100}], node="node-b", labels={"app": "agent"}, host_network=True)
    ways = explain(obj=host, pods=[host], policies=[DENY_ALL])
    assert [(w.method, w.urls, w.verdict()) for w in ways] == [("hostNetwork", ["tcp://203.0.113.11:9100"], HEALTHY)]
    assert "NetworkPolicy does not apply" in ways[0].hops[-1].detail


@pytest.mark.parametrize("kind,subject,pods,snapshot,hop_name,phrase", [
    ("Pod", pod("lonely", [{"containerPort": 80}], labels={"app": "other"}, node="node-a"), None, None, "service",
     "no Service selects pod lonely (labels app=other)"),
    ("Pod", pod("pending", [{"containerPort": 80}], labels={"app": "web"}), None, None, "pod",
     "not scheduled to a node"),
    ("Pod", pod("web-1", [{"name": "http", "containerPort": 8080}], labels={"app": "web"}, node="node-a", ready=False),
     None, None,
     "pod ready", "is not Ready"),
    ("Service", service("internal", {"port": 80}, selector={"app": "web"}), [WEB_POD], None, "service type",
     "type ClusterIP and no front door routes to it"),
    ("Service", LB, [], None, "endpoints", "its selector app=web matches no pod"),
    ("Deployment", {"metadata": {"name": "api", "namespace": "default"},
                    "spec": {"selector": {"matchLabels": {"app": "api"}}}}, [], None, "pods", "no pods"),
    ("Pod", pod("web-2", [{"name": "metrics", "containerPort": 9090}], labels={"app": "web"}, node="node-a"), None,
     None, "service port", "none of its ports targets a port the pod declares"),
])
def test_the_why_no_url_cases_are_hops(kind, subject, pods, snapshot, hop_name, phrase):
    ways = explain(kind, subject, [subject] if pods is None else pods, snapshot)
    broken = [w.first_broken() for w in ways if w.verdict() == BROKEN_WAY]
    assert any(h is not None and h.name == hop_name and phrase in h.detail for h in broken), ways


def test_a_route_not_accepted_and_a_stale_status():
    route = {"apiVersion": "gateway.networking.k8s.io/v1", "kind": "HTTPRoute",
             "metadata": {"name": "web", "namespace": "default", "generation": 3},
             "spec": {"parentRefs": [{"name": "eg", "namespace": "infra"}], "hostnames": ["web.example.com"],
                      "rules": [{"backendRefs": [{"name": "web", "port": 80}]}]},
             "status": {"parents": [{"parentRef": {"name": "eg", "namespace": "infra"}, "controllerName": "x",
                                     "conditions": [{"type": "Accepted", "status": "False", "reason": "NotAllowedByListeners",
                                                     "message": "", "observedGeneration": 3}]}]}}
    gateway = {"apiVersion": "gateway.networking.k8s.io/v1", "kind": "Gateway",
               "metadata": {"name": "eg", "namespace": "infra"},
               "spec": {"gatewayClassName": "eg", "listeners": [{"name": "http", "port": 80, "protocol": "HTTP",
                                                                  "allowedRoutes": {"namespaces": {"from": "All"}}}]},
               "status": {"addresses": [{"value": "198.51.100.9"}]}}
    snapshot = world(ingresses=(), gateways=[gateway], gateway_routes=[route])
    gw = way(explain(snapshot=snapshot), "Gateway")
    assert gw.verdict() == BROKEN_WAY and gw.first_broken().name == "accepted by Gateway infra/eg"
    assert "NotAllowedByListeners" in gw.first_broken().detail
    accepted = copy.deepcopy(route)
    accepted["status"]["parents"][0]["conditions"] = [{"type": "Accepted", "status": "True", "reason": "Accepted",
                                                       "message": "", "observedGeneration": 2}]
    stale = way(explain(snapshot=world(ingresses=(), gateways=[gateway], gateway_routes=[accepted])), "Gateway")
    hop = next(h for h in stale.hops if h.name.startswith("accepted"))
    assert (hop.verdict, stale.verdict()) == ("warning", DEGRADED)
    assert "observedGeneration 2 < generation 3" in hop.detail


def test_probes_are_this_machines_hops_apart_from_the_cluster_state():
    ways = explain()
    ingress_way, lb = way(ways, "Ingress"), way(ways, "LoadBalancer")
    probes = {ingress_way.endpoints[0].key(): Probe("error", None, "web.example.com does not resolve (Name or "
                                                                   "service not known)"),
              lb.endpoints[0].key(): Probe("refused", 0.4, "connection refused: nothing listens there")}
    add_probes(ways, probes)
    assert ingress_way.verdict() == HEALTHY and ingress_way.verdict("this machine") == BROKEN_WAY
    assert ingress_way.hops[0].verdict == "broken" and "does not resolve" in ingress_way.hops[0].detail
    assert lb.verdict() == HEALTHY and lb.verdict("this machine") == BROKEN_WAY
    assert lb.hops[-1].name == "probe http://198.51.100.7:80" and lb.hops[-1].vantage == "this machine"
    document = lb.to_dict()
    assert document["verdict"] == "healthy" and document["vantages"] == {"this machine": "broken"}


def test_a_door_target_is_explained_whatever_it_leads_to():
    ways = explain("Ingress", INGRESS, [WEB_POD])
    assert [(w.method, w.verdict()) for w in ways] == [("Ingress", HEALTHY)]
    orphan = ingress("old", ("old.example.com", [("/", "gone", 80)]), address={"ip": "198.51.100.8"})
    ways = explain("Ingress", orphan, [WEB_POD])
    assert ways[0].first_broken().name == "backend"


# --- every fixture whose URL does not work is explained --------------------------------------------------------------

FIXTURES = ["realworld.yaml", "loadbalancers.yaml", "doors.yaml", "gateway.yaml"]


def fixture_world(objects):
    by_kind = {}
    for obj in objects:
        by_kind.setdefault(obj["kind"], []).append(obj)
    extra = {}
    for door in DOORS:
        for kind in door.kinds:
            extra[kind.resource] = [o for o in objects if o["kind"] == kind.name
                                    and o.get("apiVersion", "").startswith(kind.group + "/")]
    services = by_kind.get("Service", [])
    extra["traefik/services"] = [s for s in services if s["metadata"]["name"] == "traefik"]
    extra["istio/services"] = [s for s in services if s["metadata"]["name"] == "istio-ingressgateway"]
    return Snapshot(nodes=NodeTable.complete(by_kind.get("Node", [])), services=services,
                    pods=by_kind.get("Pod", []), slices=by_kind.get("EndpointSlice"),
                    ingresses=by_kind.get("Ingress", []), ingress_classes=by_kind.get("IngressClass"),
                    gateways=[g for g in by_kind.get("Gateway", []) if "gateway.networking" in g.get("apiVersion", "")],
                    gateway_routes=[r for k in ("HTTPRoute", "GRPCRoute", "TLSRoute", "TCPRoute")
                                    for r in by_kind.get(k, [])],
                    openshift_routes=by_kind.get("Route", []), namespaces=by_kind.get("Namespace"), extra=extra)


def not_working(snapshot):
    """(kind, object) of every exposing object of the fixture with a URL that cannot work, or none at all."""
    from kubectl_expose_ext.reach import exposing_objects

    for obj, answer, _ in exposing_objects(snapshot):
        if answer.kind != "Pod" and (not answer.found.endpoints or any(e.dead for e in answer.found.endpoints)):
            yield answer.kind, obj


@pytest.mark.parametrize("file_name", FIXTURES)
def test_every_fixture_url_that_does_not_work_is_explained(file_name):
    snapshot = fixture_world(fixture_objects(file_name))
    explained = 0
    for kind, obj in not_working(snapshot):
        ns = obj["metadata"].get("namespace", "default")
        pods = [p for p in snapshot.pods if p["metadata"].get("namespace", "default") == ns]
        ways = explain_target(kind, obj, pods, snapshot, [])
        stopped = [h for w in ways if w.verdict() != HEALTHY for h in w.hops
                   if h.vantage == "cluster state" and h.verdict != "ok"]
        assert stopped, (file_name, kind, obj["metadata"]["name"], [w.to_dict() for w in ways])
        assert all(h.detail and h.evidence and h.command.startswith("kubectl get ") for h in stopped)
        explained += 1
    assert explained >= 1, file_name


def test_the_demo_cluster_is_healthy_through_every_way_in():
    from kubectl_expose_ext.demo import demo_cluster

    objects = [copy.deepcopy(o) for o in demo_cluster().objects.values()]
    snapshot = fixture_world(objects)
    target = next(o for o in objects if o["kind"] == "Pod" and o["metadata"]["name"] == "influxdb")
    ways = explain_target("Pod", target, [target], snapshot, [])
    assert len(ways) >= 9 and {w.verdict() for w in ways} == {HEALTHY}, [
        (w.method, w.first_broken()) for w in ways if w.verdict() != HEALTHY]
    assert isinstance(ways[0], Way)


def test_a_workloads_unready_pods_degrade_its_ways_and_break_them_when_none_is_ready():
    deployment = {"metadata": {"name": "web", "namespace": "default"},
                  "spec": {"selector": {"matchLabels": {"app": "web"}}}}
    ready = copy.deepcopy(WEB_POD)
    unready = pod("web-1", [{"name": "http", "containerPort": 8080}], labels={"app": "web"}, node="node-b",
                  ready=False)
    ways = explain("Deployment", deployment, [ready, unready], world(pods=[ready, unready]))
    assert {w.verdict() for w in ways} == {DEGRADED}
    hop = ways[0].hops[-1]
    assert (hop.name, hop.detail) == ("pods ready", "1 of 2 pod(s) not Ready (web-1): its Services send them no "
                                                    "traffic")
    ways = explain("Deployment", deployment, [unready], world(pods=[unready]))
    assert {(w.verdict(), w.first_broken().name) for w in ways} == {(BROKEN_WAY, "pods ready")}
