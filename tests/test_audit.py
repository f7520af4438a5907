"""The exposure audit: pure checks on real-shaped objects, then `kubectl reach audit` over HTTP."""

import json

import pytest

from kubectl_expose_ext.addresses import NodeTable, is_public
from kubectl_expose_ext.audit import audit, at_or_above
from kubectl_expose_ext.reach import Snapshot
from builders import endpoint_slice, fixture_objects, ingress, node, pod, service

OBJECTS = fixture_objects("gateway.yaml")
pytestmark = pytest.mark.both_backends  # the tests that take a cluster run on the fake and the real API server

NODES = NodeTable.complete([node("pub", ("InternalIP", "10.0.0.1"), ("ExternalIP", "203.0.113.7")),
                            node("priv", ("InternalIP", "10.0.0.2"), ("ExternalIP", "192.168.1.9"))])
HTTP = {"name": "http", "port": 80, "targetPort": 8080, "nodePort": 30080}


def findings(snapshot):
    return {e.answer.ref: [(f.severity, f.check) for f in e.findings] for e in audit(snapshot)}


@pytest.mark.parametrize("address, public", [
    ("203.0.113.7", True), ("34.120.1.1", True), ("2600:1f18::1", True), ("10.1.2.3", False), ("172.20.0.1", False),
    ("192.168.0.1", False), ("100.64.0.1", False), ("fd00::1", False), ("fe80::1", False), ("node-a", False), (None, False),
])
def test_public_addresses(address, public):
    assert is_public(address) is public


def test_load_balancers_open_internal_and_restricted():
    open_lb = service("open", HTTP, type="LoadBalancer", lb=[{"ip": "198.51.100.1"}])
    internal = service("internal", HTTP, type="LoadBalancer", lb=[{"ip": "10.0.5.5"}])
    internal["metadata"]["annotations"] = {"service.beta.kubernetes.io/aws-load-balancer-scheme": "internal"}
    restricted = service("restricted", {"port": 80}, type="LoadBalancer", lb=[{"ip": "198.51.100.2"}],
                         loadBalancerSourceRanges=["203.0.113.0/24"], allocateLoadBalancerNodePorts=False)
    # source ranges restrict the load balancer, not the node ports behind it
    restricted_with_node_port = service("restricted-np", HTTP, type="LoadBalancer", lb=[{"ip": "198.51.100.4"}],
                                        loadBalancerSourceRanges=["203.0.113.0/24"])
    anywhere = service("anywhere", {"port": 443}, type="LoadBalancer", lb=[{"ip": "198.51.100.3"}],
                       loadBalancerSourceRanges=["0.0.0.0/0"], allocateLoadBalancerNodePorts=False)
    result = audit(Snapshot(nodes=NODES, services=[open_lb, internal, restricted, anywhere, restricted_with_node_port]))
    by_ref = {e.answer.ref: e for e in result}
    assert [(f.severity, f.check) for f in by_ref["svc/open"].findings] == [("high", "open-lb"), ("medium", "public-node-port")]
    assert by_ref["svc/open"].findings[0].message == "load balancer open to the internet (no loadBalancerSourceRanges)"
    assert by_ref["svc/open"].findings[1].message == "nodePort 30080 open on every node; 1 with public addresses (203.0.113.7)"
    assert [f.check for f in by_ref["svc/internal"].findings] == ["public-node-port"]  # internal LB, nodes still public
    assert by_ref["svc/restricted"].findings == []
    assert [f.check for f in by_ref["svc/restricted-np"].findings] == ["public-node-port"]
    assert by_ref["svc/anywhere"].findings[0].message == \
        "load balancer open to the internet (loadBalancerSourceRanges allows 0.0.0.0/0)"
    assert [e.answer.ref for e in result][:2] == ["svc/open", "svc/anywhere"]  # riskiest first


def test_node_ports_on_private_nodes_only_are_fine():
    private = NodeTable.complete([node("priv", ("InternalIP", "10.0.0.2"))])
    assert findings(Snapshot(nodes=private, services=[service("np", HTTP, type="NodePort")])) == {"svc/np": []}


def test_host_network_host_port_external_ips_and_readiness():
    pods = [pod("agent", [{"containerPort": 9100}], node="pub", host_network=True),
            pod("proxy", [{"containerPort": 80, "hostPort": 80}, {"containerPort": 443, "hostPort": 443}], node="pub")]
    ext = service("ext", {"port": 80}, externalIPs=["192.0.2.10"], selector={"app": "x"})
    snapshot = Snapshot(nodes=NODES, services=[ext], pods=pods, slices=[endpoint_slice("ext", ("pub", False))])
    result = {e.answer.ref: e.findings for e in audit(snapshot)}
    assert [(f.severity, f.check, f.message) for f in result["pod/agent"]] == [
        ("high", "host-network", "shares the network of node pub: its ports bypass Services and NetworkPolicy")]
    assert result["pod/proxy"][0].message == "hostPort 80, 443 open on node pub"
    assert [(f.check, f.message) for f in result["svc/ext"]] == [
        ("external-ips", "externalIPs 192.0.2.10: every node captures traffic for these addresses (CVE-2020-8554)"),
        ("no-ready-pods", "selects no ready pod (app=x)")]


def test_ingress_plain_http_broken_backends_and_unready_backends():
    web = service("web", {"name": "http", "port": 80}, selector={"app": "web"})
    ing = ingress("shop", ("shop.example.com", [("/", "web", 80), ("/api", "gone", 80)]),
                  ("secure.example.com", [("/", "web", 80)]), tls=[{"hosts": ["secure.example.com"]}],
                  address={"ip": "198.51.100.9"})
    snapshot = Snapshot(nodes=NODES, services=[web], ingresses=[ing], slices=[endpoint_slice("web", ("pub", False))])
    (exposure,) = audit(snapshot)
    assert [(f.severity, f.check, f.message) for f in exposure.findings] == [
        ("medium", "plain-http", "shop.example.com served over plain http (no spec.tls entry covers it)"),
        ("low", "broken-backend", "ingress shop routes to service gone, which does not exist"),
        ("low", "no-ready-pods", "backend service web selects no ready pod (app=web)")]
    assert exposure.risk == "medium"


def test_gateway_and_openshift_routes():
    def of(*kinds):
        return [o for o in OBJECTS if o["kind"] in kinds]
    snapshot = Snapshot(nodes=NODES, services=of("Service"), slices=of("EndpointSlice"), gateways=of("Gateway"),
                        gateway_routes=of("HTTPRoute", "GRPCRoute", "TLSRoute"), openshift_routes=of("Route"))
    result = findings(snapshot)
    assert result["httproute/web"] == [("medium", "plain-http")]  # the http listener serves it too
    assert result["httproute/web-legacy"] == [("low", "not-accepted")]
    assert result["httproute/broken"] == [("medium", "plain-http"), ("low", "broken-backend"), ("low", "broken-backend")]
    assert result["route/web"] == [("medium", "plain-http")]  # insecureEdgeTerminationPolicy: Allow
    assert result["route/web-copy"] == [("low", "not-accepted")]
    assert result["grpcroute/web-grpc"] == []
    # the fixture has no EndpointSlice for service secure: nothing ready behind either route
    assert result["tlsroute/secure"] == result["route/secure"] == [("low", "no-ready-pods")]


def test_severity_thresholds():
    assert at_or_above("high", "medium") and at_or_above("medium", "medium") and not at_or_above("low", "medium")


# --- through the CLI ---------------------------------------------------------------------------------------

def test_audit_command_on_the_demo(demo_api):
    out = demo_api.reach("audit")
    assert out.code == 0
    lines = out.out.splitlines()
    assert lines[0].split() == ["TARGET", "METHODS", "URL", "RISK", "FINDING"]
    assert lines[1].split()[:5] == ["svc/influxdb-lb", "LoadBalancer,NodePort", "http://198.51.100.20:8086", "(+1)", "high"]
    assert lines[2].split()[:2] == ["medium", "public-node-port:"]  # the same object's next finding
    assert [line.split()[0] for line in lines[3:]] == ["pod/influxdb-hostnetwork", "svc/influxdb", "svc/influxdb-ext",
                                                       "pod/influxdb-hostport", "ingress/influxdb", "httproute/influxdb",
                                                       "route/influxdb", "ingressroute/influxdb", "virtualservice/influxdb"]


def test_audit_json_and_fail_on(demo_api):
    out = demo_api.reach("audit", "-A", "-o", "json", "--fail-on", "high")
    assert out.code == 4
    doc = json.loads(out.out)
    # (the Traefik and Istio controllers' load balancers: open to the internet, with public node ports)
    assert doc["summary"] == {"exposed": 12, "public": 12, "internal": 0, "high": 4, "medium": 6, "low": 0}
    first = doc["items"][0]
    assert first["target"] == {"kind": "Service", "namespace": "default", "name": "influxdb-lb"}
    assert first["methods"] == ["LoadBalancer", "NodePort"] and first["risk"] == "high"  # best way in first
    assert first["findings"][0] == {"severity": "high", "check": "open-lb",
                                    "message": "load balancer open to the internet (no loadBalancerSourceRanges)"}
    assert demo_api.reach("audit", "--fail-on", "low", "-o", "yaml").code == 4
    assert demo_api.reach("audit", "-n", "infra", "--fail-on", "low").code == 0  # nothing exposed there


def test_audit_requests_are_constant_and_read_readiness(realworld):
    before = len(realworld.log())
    assert realworld.reach("audit", "-A").code == 0
    requests = [(r.path, r.query.get("includeObject")) for r in realworld.log(before)]
    assert ("/apis/discovery.k8s.io/v1/endpointslices", None) in requests
    assert len(requests) == len(set(requests)) <= 11  # nodes: as a Table, then (node-v6 prints only IPv6) the objects


def test_audit_usage_errors(demo_api):
    assert demo_api.reach("audit", "--fail-on", "critical").err == \
        'error: invalid --fail-on "critical": use one of high, medium, low\n'
    assert demo_api.reach("audit", "-o", "wide").code == 1


def test_the_listing_carries_the_findings(demo_api):
    out = demo_api.reach("-o", "json")
    items = {f"{i['target']['kind']}/{i['target']['name']}": i for i in json.loads(out.out)["items"]}
    assert [f["check"] for f in items["Service/influxdb-lb"]["findings"]] == ["open-lb", "public-node-port"]
    assert items["Ingress/influxdb"]["findings"] == []
    table = demo_api.reach()
    assert table.err.splitlines()[-1] == "Hint: 2 high, 4 medium risk finding(s): kubectl reach audit -n default lists them"
    assert "findings" not in json.loads(demo_api.reach("svc/influxdb-lb", "-o", "json").out)  # single targets: not
