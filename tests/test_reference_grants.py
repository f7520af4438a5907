"""Cross-namespace backendRefs (Gateway API): followed where a ReferenceGrant in the Service's namespace allows the
route's kind and namespace, warned about and not followed where none does. End to end, on both backends."""

import json

import pytest

pytestmark = pytest.mark.both_backends
GATEWAY_API = "gateway.networking.k8s.io"


def namespace(name):
    return {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}}


SERVICE = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "api", "namespace": "backend"},
           "spec": {"selector": {"app": "api"}, "ports": [{"name": "http", "port": 8080, "targetPort": 8080}]}}
GATEWAY = {"apiVersion": f"{GATEWAY_API}/v1", "kind": "Gateway", "metadata": {"name": "edge", "namespace": "frontend"},
           "spec": {"gatewayClassName": "eg", "listeners": [{"name": "http", "protocol": "HTTP", "port": 80}]},
           "status": {"addresses": [{"type": "IPAddress", "value": "198.51.100.60"}]}}
PARENT = {"name": "edge"}
ROUTE = {"apiVersion": f"{GATEWAY_API}/v1", "kind": "HTTPRoute", "metadata": {"name": "shop", "namespace": "frontend"},
         "spec": {"parentRefs": [PARENT], "hostnames": ["shop.example.com"],
                  "rules": [{"matches": [{"path": {"type": "PathPrefix", "value": "/api"}}],
                             "backendRefs": [{"name": "api", "namespace": "backend", "port": 8080}]}]},
         "status": {"parents": [{"parentRef": PARENT, "controllerName": "gateway.envoyproxy.io/gatewayclass-controller",
                                 "conditions": [{"type": "Accepted", "status": "True", "reason": "Accepted", "message": "",
                                                 "lastTransitionTime": "2026-01-01T00:00:00Z"}]}]}}
GRANT = {"apiVersion": f"{GATEWAY_API}/v1beta1", "kind": "ReferenceGrant",
         "metadata": {"name": "frontend-routes", "namespace": "backend"},
         "spec": {"from": [{"group": GATEWAY_API, "kind": "HTTPRoute", "namespace": "frontend"}],
                  "to": [{"group": "", "kind": "Service"}]}}
URL = "http://shop.example.com/api"


@pytest.fixture
def cluster(api_factory):
    def start(*extra):
        return api_factory(objects=[namespace("frontend"), namespace("backend"), SERVICE, GATEWAY, ROUTE, *extra],
                           namespace="frontend")
    return start


def test_a_granted_backend_is_followed_from_the_route_and_from_the_service(cluster):
    api = cluster(GRANT)
    out = api.reach("httproute/shop", "-o", "json")
    assert out.code == 0, out.err
    doc = json.loads(out.out)
    assert [e["url"] for e in doc["endpoints"]] == [URL] and doc["warnings"] == []
    # from the Service's side: its namespace's grants say which routes to read
    assert api.reach("svc/api", "-n", "backend", "-o", "url").out == URL + "\n"


def test_without_a_grant_the_backend_is_not_followed(cluster):
    api = cluster()
    out = api.reach("httproute/shop", "-o", "json")
    doc = json.loads(out.out)
    assert doc["endpoints"] == []
    assert "httproute/shop: backend backend/api is in another namespace and no ReferenceGrant in namespace backend " \
           "allows it: not followed" in doc["warnings"]
    assert api.reach("svc/api", "-n", "backend", "-o", "url").out == ""


def test_a_grant_for_another_kind_or_namespace_does_not_count(cluster):
    other = {**GRANT, "metadata": {"name": "grpc-only", "namespace": "backend"},
             "spec": {"from": [{"group": GATEWAY_API, "kind": "GRPCRoute", "namespace": "frontend"},
                               {"group": GATEWAY_API, "kind": "HTTPRoute", "namespace": "elsewhere"}],
                      "to": [{"group": "", "kind": "Service"}]}}
    api = cluster(other)
    assert json.loads(api.reach("httproute/shop", "-o", "json").out)["endpoints"] == []


def test_the_listing_of_the_route_namespace_lists_the_route(cluster):
    api = cluster(GRANT)
    listing = json.loads(api.reach("-o", "json").out)
    assert [(i["target"]["name"], [e["url"] for e in i["endpoints"]]) for i in listing["items"]] == [("shop", [URL])]
