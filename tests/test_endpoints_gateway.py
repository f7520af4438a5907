"""Gateway API and OpenShift Route endpoints: pure functions on real-shaped objects (tests/fixtures/gateway.yaml)."""


import pytest

from kubectl_expose_ext.doors.gateway import hostname_intersection, suffix_match
from kubectl_expose_ext.endpoints import BackendRef
from kubectl_expose_ext.endpoints.openshift import admitted_ingresses


def service_port_for(ports, target_port):
    """The Service port an OpenShift Route's spec.port.targetPort designates."""
    return BackendRef("svc", target_port, by_target=True).port_in(ports)
from kubectl_expose_ext.reach import Snapshot, reach_target
from builders import reach_everything

from builders import fixture_objects

OBJECTS = fixture_objects("gateway.yaml")


def world(*drop: str) -> Snapshot:
    def of(*kinds):
        return [o for o in OBJECTS if o["kind"] in kinds and o["metadata"]["name"] not in drop]
    return Snapshot(services=of("Service"), pods=of("Pod"), slices=of("EndpointSlice"),
                    gateway_routes=of("HTTPRoute", "GRPCRoute", "TLSRoute"), gateways=of("Gateway"),
                    openshift_routes=of("Route"))


def find(kind, name):
    return next(o for o in OBJECTS if o["kind"] == kind and o["metadata"]["name"] == name)


def urls(result):
    return [e.url for e in result.found.endpoints]


@pytest.mark.parametrize("pattern, host, expected", [
    ("*.example.com", "a.example.com", True), ("*.example.com", "a.b.example.com", True),  # suffix, unlike Ingress
    ("*.example.com", "example.com", False), ("a.example.com", "A.example.com.", True), ("a.example.com", "b.example.com", False),
])
def test_gateway_wildcards_are_suffix_matches(pattern, host, expected):
    assert suffix_match(pattern, host) is expected


def test_hostname_intersection_keeps_the_more_specific_name():
    assert hostname_intersection("www.shop.example.com", "*.shop.example.com") == "www.shop.example.com"
    assert hostname_intersection("*.example.com", "api.example.com") == "api.example.com"
    assert hostname_intersection("*.a.example.com", "*.example.com") == "*.a.example.com"
    assert hostname_intersection("x.example.org", "*.example.com") is None
    assert hostname_intersection("x.example.org", None) == "x.example.org"


def test_route_without_section_attaches_to_every_matching_listener():
    result = reach_target("HTTPRoute", find("HTTPRoute", "web"), [], world())
    assert urls(result) == ["http://www.shop.example.com/", "http://www.shop.example.com/healthz",
                            "https://www.shop.example.com/", "https://www.shop.example.com/healthz"]
    endpoint = result.found.endpoints[2]
    assert (endpoint.method, endpoint.port, endpoint.service, endpoint.service_port, endpoint.target_port) == \
           ("Gateway", 443, "web", 80, 8080)
    assert endpoint.via == "httproute/web on gateway gateway-system/public"
    assert endpoint.address.endswith(".elb.us-east-1.amazonaws.com")  # what a probe falls back to
    assert result.found.warnings == []


def test_listener_protocol_decides_scheme_and_non_default_ports_show():
    grpc = reach_target("GRPCRoute", find("GRPCRoute", "web-grpc"), [], world())
    assert urls(grpc) == ["https://grpc.shop.example.com:8443"]  # the listener's hostname, no HTTP path
    tls = reach_target("TLSRoute", find("TLSRoute", "secure"), [], world())
    assert urls(tls) == ["tls://secure.shop.example.com"]  # passthrough: TLS, whatever runs inside


def test_only_accepted_routes_count_and_the_controller_says_why():
    result = reach_target("HTTPRoute", find("HTTPRoute", "web-legacy"), [], world())
    assert urls(result) == []
    assert result.found.warnings[0] == (
        "httproute/web-legacy is not accepted by gateway gateway-system/public: There were no hostname intersections "
        "between the HTTPRoute and this parent ref's Listener(s).")
    assert result.found.hints == []  # port-forward to a route makes no sense


def test_route_without_status_and_missing_gateway():
    route = find("HTTPRoute", "web")
    unreported = {**route, "status": {}}
    assert reach_target("HTTPRoute", unreported, [], world()).found.warnings[0].endswith("no status from its controller yet")
    no_gateway = reach_target("HTTPRoute", route, [], world("public"))
    assert urls(no_gateway) == []
    assert no_gateway.found.warnings[0] == "httproute/web: gateway gateway-system/public not found (or not readable)"


def test_gateway_without_address_and_route_without_hostnames():
    gateway = find("Gateway", "public")
    pending = {**gateway, "status": {"conditions": [{"type": "Programmed", "status": "False"}]}}
    route = find("HTTPRoute", "web")
    bare = {**route, "spec": {**route["spec"], "hostnames": []}}
    snapshot = Snapshot(services=[find("Service", "web")], gateway_routes=[bare], gateways=[pending])
    result = reach_target("HTTPRoute", bare, [], snapshot)
    # no route hostname: the listener's wildcard stands in, flagged
    assert urls(result)[0] == "http://*.shop.example.com/"
    assert result.found.endpoints[0].warnings == ["wildcard host: use any name under shop.example.com"]
    assert "gateway gateway-system/public has no address yet: its controller has not programmed it" in result.found.warnings


def test_broken_backends_are_flagged():
    result = reach_target("HTTPRoute", find("HTTPRoute", "broken"), [], world())
    assert result.found.warnings == ["httproute broken routes to port 8080 of service web, which has no such port",
                                     "httproute broken routes to service gone, which does not exist"]


def test_a_service_sees_the_routes_that_reach_it_and_only_those():
    result = reach_target("Service", find("Service", "web"), [], world())
    methods = {(e.method, e.url) for e in result.found.endpoints}
    assert ("Gateway", "https://www.shop.example.com/") in methods
    assert ("Gateway", "https://grpc.shop.example.com:8443") in methods
    assert ("Route", "http://web-shop.apps.ocp.example.com/") in methods
    assert not any("secure" in url for _, url in methods)
    assert not any("broken" in url for _, url in methods)  # routes to port 8080, which web does not have
    secure = reach_target("Service", find("Service", "secure"), [], world())
    assert urls(secure) == ["tls://secure.shop.example.com", "https://secure-shop.apps.ocp.example.com/"]


def test_pod_reaches_routes_through_its_service():
    pod = find("Pod", "web-5d8f7c9b4-abcde")
    result = reach_target("Pod", pod, [], world())
    assert "https://www.shop.example.com/" in urls(result)
    assert "https://grpc.shop.example.com:8443" in urls(result)


def test_openshift_edge_allow_serves_both_schemes_passthrough_only_https():
    result = reach_target("Route", find("Route", "web"), [], world())
    assert urls(result) == ["https://web-shop.apps.ocp.example.com/", "http://web-shop.apps.ocp.example.com/"]
    assert result.found.endpoints[0].address == "router-default.apps.ocp.example.com"
    assert result.found.endpoints[0].via == "route/web on router default"
    redirect = find("Route", "web")
    redirect = {**redirect, "spec": {**redirect["spec"], "tls": {"termination": "edge",
                                                                  "insecureEdgeTerminationPolicy": "Redirect"}}}
    only = reach_target("Route", redirect, [], world())
    assert urls(only) == ["https://web-shop.apps.ocp.example.com/"]
    assert only.found.endpoints[0].warnings == ["http:// redirects to https://"]
    plain = {**redirect, "spec": {k: v for k, v in redirect["spec"].items() if k != "tls"}}
    assert urls(reach_target("Route", plain, [], world())) == ["http://web-shop.apps.ocp.example.com/"]


def test_openshift_unadmitted_route_and_generated_host():
    copy = reach_target("Route", find("Route", "web-copy"), [], world())
    assert urls(copy) == []
    assert copy.found.warnings[0] == ("route web-copy is not admitted by any router: route web already exposes "
                                      "web-shop.apps.ocp.example.com and is older")
    generated = find("Route", "secure")
    generated = {**generated, "spec": {k: v for k, v in generated["spec"].items() if k != "host"}}
    assert urls(reach_target("Route", generated, [], world())) == ["https://secure-shop.apps.ocp.example.com/"]


def test_openshift_oldest_admission_wins_and_target_port_matching():
    route = {"status": {"ingress": [
        {"host": "new.example.com", "conditions": [{"type": "Admitted", "status": "True", "lastTransitionTime": "2026-05-01T00:00:00Z"}]},
        {"host": "old.example.com", "conditions": [{"type": "Admitted", "status": "True", "lastTransitionTime": "2026-01-01T00:00:00Z"}]},
        {"host": "no.example.com", "conditions": [{"type": "Admitted", "status": "False"}]}]}}
    assert [e["host"] for e in admitted_ingresses(route)] == ["old.example.com", "new.example.com"]
    ports = find("Service", "web")["spec"]["ports"]
    assert service_port_for(ports, 8080)["name"] == "http"    # a number is the pods' port (targetPort)
    assert service_port_for(ports, "grpc")["port"] == 9090    # a name is the service port's name
    assert service_port_for(ports, None)["port"] == 80        # none: the router uses the first port
    assert service_port_for(ports, 80) is None


def test_listing_has_one_answer_per_route():
    results = reach_everything(world())
    refs = [r.ref for r in results]
    assert refs == ["httproute/web", "httproute/web-legacy", "httproute/broken", "grpcroute/web-grpc",
                    "tlsroute/secure", "route/web", "route/web-copy", "route/secure"]


def test_listener_allowed_routes_are_honoured():
    gateway = find("Gateway", "public")
    same_only = {**gateway, "spec": {**gateway["spec"], "listeners": [
        {**listener, "allowedRoutes": {"namespaces": {"from": "Same"}}} for listener in gateway["spec"]["listeners"]]}}
    snapshot = Snapshot(services=[find("Service", "web")], gateways=[same_only])
    # the route lives in shop, the Gateway in gateway-system: a stale Accepted status does not make it reachable
    assert urls(reach_target("HTTPRoute", find("HTTPRoute", "web"), [], snapshot)) == []
    grpc_only = {**gateway, "spec": {**gateway["spec"], "listeners": [
        {**listener, "allowedRoutes": {"namespaces": {"from": "All"}, "kinds": [{"kind": "GRPCRoute"}]}}
        for listener in gateway["spec"]["listeners"]]}}
    snapshot = Snapshot(services=[find("Service", "web")], gateways=[grpc_only])
    assert urls(reach_target("HTTPRoute", find("HTTPRoute", "web"), [], snapshot)) == []
    assert urls(reach_target("GRPCRoute", find("GRPCRoute", "web-grpc"), [], snapshot)) == ["https://grpc.shop.example.com:8443"]


def test_ipv6_gateway_address_is_bracketed_in_the_url_only():
    gateway = {"metadata": {"name": "v6", "namespace": "shop"},
               "spec": {"listeners": [{"name": "web", "protocol": "HTTP", "port": 8080}]},
               "status": {"addresses": [{"type": "IPAddress", "value": "2001:db8::40"}]}}
    parent = {"name": "v6"}
    route = {"kind": "HTTPRoute", "metadata": {"name": "r", "namespace": "shop"},
             "spec": {"parentRefs": [parent], "rules": [{"backendRefs": [{"name": "web", "port": 80}]}]},
             "status": {"parents": [{"parentRef": parent, "conditions": [{"type": "Accepted", "status": "True"}]}]}}
    result = reach_target("HTTPRoute", route, [], Snapshot(services=[find("Service", "web")], gateways=[gateway]))
    assert [(e.url, e.host) for e in result.found.endpoints] == [("http://[2001:db8::40]:8080/", "2001:db8::40")]


def test_mesh_routes_are_not_entrances():
    """A GAMMA route's parent is a Service: east-west traffic, not a way in from outside."""
    parent = {"group": "", "kind": "Service", "name": "web"}
    mesh = {"kind": "HTTPRoute", "metadata": {"name": "canary", "namespace": "shop"},
            "spec": {"parentRefs": [parent], "rules": [{"backendRefs": [{"name": "web", "port": 80}]}]},
            "status": {"parents": [{"parentRef": parent, "conditions": [{"type": "Accepted", "status": "True"}]}]}}
    snapshot = Snapshot(services=[find("Service", "web")], gateway_routes=[mesh], gateways=of_kind("Gateway"))
    assert reach_everything(snapshot) == []
    result = reach_target("Service", find("Service", "web"), [], snapshot)
    assert [e.method for e in result.found.endpoints] == [] and not any("canary" in w for w in result.found.warnings)


def of_kind(kind):
    return [o for o in OBJECTS if o["kind"] == kind]


def test_openshift_host_is_the_one_the_router_serves():
    route = find("Route", "web")
    served = {**route, "status": {"ingress": [{**route["status"]["ingress"][0], "host": "web.router-shard.example.com"}]}}
    assert urls(reach_target("Route", served, [], world()))[0] == "https://web.router-shard.example.com/"
