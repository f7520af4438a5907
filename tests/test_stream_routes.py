"""TCPRoute and UDPRoute (Gateway API, experimental channel): added as two rows of kinds.py. Their URLs keep the
listener's port (`tcp://` and `udp://` have no default port) and use the Gateway's address: TCP and UDP listeners
match no hostname (the Gateway API's CRD refuses a hostname on them since v1.5: `hostname must not be specified for
protocols ['TCP', 'UDP']`; the rule is kept for older Gateways, tested in test_cluster_shapes)."""

import json

import pytest

pytestmark = pytest.mark.both_backends
NS = "db"
SERVICE = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "pg", "namespace": NS},
           "spec": {"selector": {"app": "pg"}, "ports": [{"name": "pg", "port": 5432, "targetPort": 5432},
                                                        {"name": "dns", "port": 53, "protocol": "UDP"}]}}
GATEWAY = {"apiVersion": "gateway.networking.k8s.io/v1", "kind": "Gateway", "metadata": {"name": "edge", "namespace": NS},
           "spec": {"gatewayClassName": "eg",
                    "listeners": [{"name": "pg", "protocol": "TCP", "port": 443},
                                  {"name": "dns", "protocol": "UDP", "port": 53},
                                  {"name": "web", "protocol": "HTTPS", "port": 443}]},
           "status": {"addresses": [{"type": "IPAddress", "value": "198.51.100.9"}]}}


def route(kind, name, section, port):
    parent = {"name": "edge", "sectionName": section}
    return {"apiVersion": "gateway.networking.k8s.io/v1alpha2", "kind": kind, "metadata": {"name": name, "namespace": NS},
            "spec": {"parentRefs": [parent], "rules": [{"backendRefs": [{"name": "pg", "port": port}]}]},
            "status": {"parents": [{"parentRef": parent, "controllerName": "gateway.envoyproxy.io/gatewayclass-controller",
                                    "conditions": [{"type": "Accepted", "status": "True", "reason": "Accepted", "message": "",
                                                 "lastTransitionTime": "2026-01-01T00:00:00Z"}]}]}}


@pytest.fixture
def db(api_factory):
    return api_factory(objects=[{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": NS}}, SERVICE, GATEWAY,
                                route("TCPRoute", "pg", "pg", 5432), route("UDPRoute", "dns", "dns", 53)], namespace=NS)


def test_tcp_and_udp_routes_as_targets(db):
    out = db.reach("tcproute/pg", "-o", "json")
    assert out.code == 0, out.err
    [endpoint] = json.loads(out.out)["endpoints"]
    # port 443 stays in the URL: a TCP listener on 443 is not https, and its hostname is not matched
    assert (endpoint["url"], endpoint["via"]) == ("tcp://198.51.100.9:443", "tcproute/pg on gateway db/edge")
    assert db.reach("udproute/dns", "-o", "url").out == "udp://198.51.100.9:53\n"


def test_the_service_shows_both_and_the_listing_lists_both(db):
    assert db.reach("svc/pg", "-o", "url").out.splitlines() == ["tcp://198.51.100.9:443", "udp://198.51.100.9:53"]
    listing = json.loads(db.reach("-o", "json").out)
    assert sorted(i["target"]["kind"] for i in listing["items"]) == ["TCPRoute", "UDPRoute"]
