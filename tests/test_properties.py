"""Property-based tests: random but schema-valid Services, Pods, Nodes, Ingresses and EndpointSlices
(and the same with fields dropped or nulled), through every entry point of the computation."""

from urllib.parse import urlsplit

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from kubectl_expose_ext.addresses import NodeTable
from kubectl_expose_ext.endpoints import METHODS, PROXIED
from kubectl_expose_ext.reach import Snapshot, reach_target
from builders import reach_everything
from kubectl_expose_ext.render import render_json, render_table, render_urls
from kubectl_expose_ext.urls import url_problem

pytestmark = pytest.mark.slow  # hundreds of generated cases: `pytest -m "not slow"` leaves them out
SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
NAMES = st.sampled_from(["web", "api", "db", "a", "b-2"])
LABELS = st.dictionaries(st.sampled_from(["app", "tier", "x"]), st.sampled_from(["web", "api", "1"]), max_size=2)
PORT = st.integers(min_value=1, max_value=65535)
ODD_PORT = st.one_of(PORT, PORT, PORT, st.just(0), st.integers(min_value=65536, max_value=99999), st.just("http"), st.none())
IPV4 = st.tuples(*[st.integers(0, 255)] * 4).map(lambda t: ".".join(map(str, t)))
IPV6 = st.lists(st.sampled_from(["2001", "db8", "0", "ff", "a"]), min_size=3, max_size=3).map(lambda p: ":".join(p) + "::1")
DNS = st.lists(st.sampled_from(["a", "b", "example", "com", "x-1"]), min_size=1, max_size=3).map(".".join)
HOST = st.one_of(IPV4, IPV6, DNS)
WILDCARD = DNS.map(lambda d: "*." + d)


def maybe_broken(strategy):
    """Mostly the value, sometimes the field nulled: real objects are often partial."""
    return st.one_of(strategy, strategy, strategy, strategy, strategy, st.none())


@st.composite
def nodes(draw):
    addresses = draw(st.lists(st.fixed_dictionaries({
        "type": st.sampled_from(["ExternalIP", "InternalIP", "Hostname", "InternalDNS"]), "address": HOST}), min_size=1,
        max_size=3))
    ready = draw(st.sampled_from(["True", "True", "True", "True", "False", "Unknown", None]))
    status = {"addresses": draw(maybe_broken(st.just(addresses)))}
    if ready:
        status["conditions"] = [{"type": "Ready", "status": ready}]
    return {"metadata": {"name": draw(st.sampled_from(["n1", "n2", "n3"]))}, "status": draw(maybe_broken(st.just(status)))}


@st.composite
def service_ports(draw):
    port = {"port": draw(PORT), "protocol": draw(st.sampled_from(["TCP", "UDP", None]))}
    for key, strategy in (("name", st.sampled_from(["http", "https-x", "grpc", "metrics"])), ("nodePort", ODD_PORT),
                          ("targetPort", st.one_of(PORT, st.sampled_from(["http", "web"]))),
                          ("appProtocol", st.sampled_from(["http", "kubernetes.io/h2c", "weird proto", "mysql"]))):
        if draw(st.booleans()):
            port[key] = draw(strategy)
    return port


@st.composite
def services(draw):
    spec = {"type": draw(st.sampled_from(["ClusterIP", "NodePort", "LoadBalancer", "ExternalName", None])),
            "ports": draw(maybe_broken(st.lists(service_ports(), max_size=3))),
            "selector": draw(maybe_broken(LABELS)),
            "externalIPs": draw(maybe_broken(st.lists(HOST, max_size=2))),
            "externalTrafficPolicy": draw(st.sampled_from(["Cluster", "Local", None]))}
    lb = draw(st.lists(st.one_of(st.fixed_dictionaries({"ip": HOST}), st.fixed_dictionaries({"hostname": DNS}),
                                 st.just({})), max_size=2))
    return {"metadata": {"name": draw(NAMES), "namespace": "default"}, "spec": draw(maybe_broken(st.just(spec))),
            "status": {"loadBalancer": {"ingress": lb}}}


@st.composite
def pods(draw):
    ports = st.lists(st.fixed_dictionaries({"containerPort": ODD_PORT},
                                           optional={"name": st.sampled_from(["http", "web"]), "hostPort": ODD_PORT,
                                                     "hostIP": st.one_of(HOST, st.just("0.0.0.0"))}), max_size=2)
    containers = draw(st.lists(st.fixed_dictionaries({"name": st.just("c")}, optional={"ports": maybe_broken(ports)}),
                               max_size=2))
    spec = {"containers": containers, "hostNetwork": draw(st.sampled_from([True, True, False, None])),
            "nodeName": draw(st.sampled_from(["n1", "n2", "n1", "gone", None]))}
    return {"metadata": {"name": draw(NAMES), "namespace": "default", "labels": draw(LABELS)},
            "spec": draw(maybe_broken(st.just(spec)))}


@st.composite
def ingresses(draw):
    def backend():
        return st.fixed_dictionaries({"service": st.fixed_dictionaries({"name": NAMES, "port": st.one_of(
            st.fixed_dictionaries({"number": ODD_PORT}), st.fixed_dictionaries({"name": st.just("http")}))})})
    paths = st.lists(st.fixed_dictionaries({"backend": backend()}, optional={"path": st.sampled_from(["/", "/api", "", "/a(.*)"])}),
                     max_size=2)
    rules = st.lists(st.fixed_dictionaries({}, optional={"host": st.one_of(DNS, WILDCARD),
                                                          "http": st.fixed_dictionaries({"paths": maybe_broken(paths)})}),
                     max_size=2)
    tls = st.lists(st.fixed_dictionaries({}, optional={"hosts": st.lists(st.one_of(DNS, WILDCARD), max_size=2)}), max_size=2)
    spec = {"rules": draw(maybe_broken(rules)), "tls": draw(maybe_broken(tls))}
    if draw(st.booleans()):
        spec["defaultBackend"] = draw(backend())
    status = {"loadBalancer": {"ingress": draw(st.lists(st.one_of(st.fixed_dictionaries({"ip": HOST}),
                                                                  st.fixed_dictionaries({"hostname": DNS})), max_size=2))}}
    return {"metadata": {"name": draw(NAMES), "namespace": "default"}, "spec": spec, "status": status}


@st.composite
def gateways(draw):
    listeners = st.lists(st.fixed_dictionaries(
        {"name": st.sampled_from(["http", "https", "tls"]), "protocol": st.sampled_from(["HTTP", "HTTPS", "TLS", "TCP", 7])},
        optional={"port": ODD_PORT, "hostname": st.one_of(DNS, WILDCARD)}), max_size=3)
    addresses = st.lists(st.fixed_dictionaries({"value": HOST}, optional={"type": st.just("IPAddress")}), max_size=2)
    return {"metadata": {"name": draw(st.sampled_from(["gw", "other"])), "namespace": "default"},
            "spec": {"listeners": draw(maybe_broken(listeners))}, "status": {"addresses": draw(maybe_broken(addresses))}}


@st.composite
def gateway_routes(draw):
    parent = st.fixed_dictionaries({"name": st.sampled_from(["gw", "other"])},
                                   optional={"sectionName": st.sampled_from(["http", "https", "tls"]),
                                             "kind": st.sampled_from(["Gateway", "Service"]), "port": ODD_PORT})
    parents = draw(st.lists(parent, max_size=2))
    accepted = st.sampled_from(["True", "True", "False", None])
    status = [{"parentRef": p, "conditions": [{"type": "Accepted", "status": draw(accepted)}]} for p in parents]
    backend = st.fixed_dictionaries({"name": NAMES}, optional={"port": ODD_PORT, "kind": st.sampled_from(["Service", "X"])})
    match = st.fixed_dictionaries({}, optional={"path": st.fixed_dictionaries(
        {}, optional={"type": st.sampled_from(["PathPrefix", "Exact", "RegularExpression"]),
                      "value": st.sampled_from(["/", "/api", "", "/a(.*)"])})})
    rules = st.lists(st.fixed_dictionaries({}, optional={"backendRefs": st.lists(backend, max_size=2),
                                                         "matches": st.lists(match, max_size=2)}), max_size=2)
    return {"kind": draw(st.sampled_from(["HTTPRoute", "GRPCRoute", "TLSRoute", None])),
            "metadata": {"name": draw(NAMES), "namespace": "default"},
            "spec": {"parentRefs": draw(maybe_broken(st.just(parents))), "rules": draw(maybe_broken(rules)),
                     "hostnames": draw(maybe_broken(st.lists(st.one_of(DNS, WILDCARD), max_size=2)))},
            "status": {"parents": draw(maybe_broken(st.just(status)))}}


@st.composite
def openshift_routes(draw):
    tls = st.fixed_dictionaries({}, optional={"termination": st.sampled_from(["edge", "passthrough", "reencrypt"]),
                                              "insecureEdgeTerminationPolicy": st.sampled_from(["Allow", "Redirect", "None"])})
    spec = st.fixed_dictionaries({"to": st.fixed_dictionaries({"name": NAMES}, optional={"kind": st.just("Service")})},
                                 optional={"host": DNS, "path": st.sampled_from(["/", "/api"]), "tls": tls,
                                           "port": st.fixed_dictionaries({"targetPort": st.one_of(PORT, st.just("http"))})})
    ingress = st.fixed_dictionaries({}, optional={"host": DNS, "routerCanonicalHostname": DNS, "conditions": st.lists(
        st.fixed_dictionaries({"type": st.just("Admitted"), "status": st.sampled_from(["True", "False"])}), max_size=1)})
    return {"metadata": {"name": draw(NAMES), "namespace": "default"}, "spec": draw(maybe_broken(spec)),
            "status": {"ingress": draw(maybe_broken(st.lists(ingress, max_size=2)))}}


@st.composite
def slices(draw):
    endpoints = draw(st.lists(st.fixed_dictionaries({"nodeName": st.sampled_from(["n1", "n2"])},
                                                    optional={"conditions": st.fixed_dictionaries(
                                                        {}, optional={"ready": st.sampled_from([True, False, None])})}),
                              max_size=3))
    return {"metadata": {"namespace": "default", "labels": {"kubernetes.io/service-name": draw(NAMES)}},
            "endpoints": draw(maybe_broken(st.just(endpoints)))}


@st.composite
def healthy_node(draw):
    kind = draw(st.sampled_from(["ExternalIP", "InternalIP"]))
    return {"metadata": {"name": draw(st.sampled_from(["n1", "n2"]))},
            "status": {"addresses": [{"type": kind, "address": draw(HOST)}], "conditions": [{"type": "Ready", "status": "True"}]}}


@st.composite
def healthy_service(draw):
    ports = draw(st.lists(st.fixed_dictionaries({"port": PORT, "nodePort": st.integers(30000, 32767),
                                                 "targetPort": PORT}), min_size=1, max_size=2))
    return {"metadata": {"name": draw(NAMES), "namespace": "default"},
            "spec": {"type": draw(st.sampled_from(["NodePort", "LoadBalancer"])), "ports": ports,
                     "selector": draw(LABELS), "externalTrafficPolicy": draw(st.sampled_from(["Cluster", "Local"]))},
            "status": {"loadBalancer": {"ingress": [draw(st.one_of(st.fixed_dictionaries({"ip": HOST}),
                                                                   st.fixed_dictionaries({"hostname": DNS})))]}}}


@st.composite
def healthy_pod(draw):
    host_network = draw(st.booleans())
    ports = [{"containerPort": draw(PORT), **({} if host_network else {"hostPort": draw(PORT)})}]
    return {"metadata": {"name": draw(NAMES), "namespace": "default", "labels": draw(LABELS)},
            "spec": {"hostNetwork": host_network, "nodeName": draw(st.sampled_from(["n1", "n2"])),
                     "containers": [{"name": "c", "ports": ports}]}}


def healthy_front_doors(services):
    """An accepted HTTPRoute on a programmed Gateway and an admitted OpenShift Route, both to the first port
    of a drawn service: else those methods would hardly ever be generated (several objects must agree)."""
    pairs = [(svc["metadata"]["name"], p["port"]) for svc in services if isinstance(svc.get("spec"), dict)
             for p in svc["spec"].get("ports") or [] if isinstance(p, dict) and p.get("port")]
    svc, port = pairs[0] if pairs else (None, None)
    if port is None:
        return [], [], []
    parent = {"name": "gw", "sectionName": "web"}
    route = {"kind": "HTTPRoute", "metadata": {"name": "r", "namespace": "default"},
             "spec": {"parentRefs": [parent], "rules": [{"backendRefs": [{"name": svc, "port": port}]}]},
             "status": {"parents": [{"parentRef": parent, "conditions": [{"type": "Accepted", "status": "True"}]}]}}
    gateway = {"metadata": {"name": "gw", "namespace": "default"},
               "spec": {"listeners": [{"name": "web", "protocol": "HTTPS", "port": 443}]},
               "status": {"addresses": [{"value": "198.51.100.9"}]}}
    openshift = {"metadata": {"name": "o", "namespace": "default"},
                 "spec": {"host": "o.apps.example.com", "to": {"kind": "Service", "name": svc}},
                 "status": {"ingress": [{"conditions": [{"type": "Admitted", "status": "True"}]}]}}
    return [route], [gateway], [openshift]


@st.composite
def worlds(draw):
    drawn = draw(st.lists(st.one_of(services(), healthy_service()), min_size=1, max_size=3))
    routes, gateways_, openshift = healthy_front_doors(drawn) if draw(st.booleans()) else ([], [], [])
    return Snapshot(nodes=NodeTable.complete(draw(st.lists(st.one_of(nodes(), healthy_node()), min_size=1, max_size=4)),
                                             draw(st.sampled_from(["auto", "auto", "ExternalIP", "InternalIP", "Hostname"]))),
                    services=drawn,
                    ingresses=draw(st.lists(ingresses(), max_size=2)),
                    pods=draw(st.lists(st.one_of(pods(), healthy_pod()), min_size=1, max_size=3)), slices=draw(maybe_broken(st.lists(slices(), max_size=3))),
                    ingress_classes=draw(maybe_broken(st.just([]))),
                    gateway_routes=draw(st.lists(gateway_routes(), max_size=2)) + routes,
                    gateways=draw(st.lists(gateways(), max_size=2)) + gateways_,
                    openshift_routes=draw(st.lists(openshift_routes(), max_size=2)) + openshift)


def hosts_in(world: Snapshot) -> set:
    """Every string the objects contain: a computed host must be one of them."""
    found = set()

    def walk(value):
        if isinstance(value, dict):
            for v in value.values():
                walk(v)
        elif isinstance(value, list):
            for v in value:
                walk(v)
        elif isinstance(value, str):
            found.add(value)
    for obj in world.services + world.ingresses + world.pods + world.gateway_routes + world.gateways + \
            world.openshift_routes:
        walk(obj)
    found.update(a.host for a in world.nodes.addresses.values())
    return found


def check(results, world):
    known = hosts_in(world)
    for result in results:
        for endpoint in result.found.endpoints:
            assert 1 <= endpoint.port <= 65535
            assert endpoint.host in known
            if url_problem(endpoint.url, endpoint.host, endpoint.port):  # a hostile host ("0#"): refused, never
                assert endpoint.url not in render_urls(results).splitlines()  # handed on (urls.py)
                continue
            parts = urlsplit(endpoint.url)
            assert parts.scheme == endpoint.scheme and parts.hostname is not None
            if endpoint.method not in PROXIED:
                assert parts.port == endpoint.port
            else:
                assert parts.port in (endpoint.port, None)
            assert ("[" in endpoint.url) == (":" in endpoint.host)
        assert all(isinstance(w, str) and w for w in result.found.warnings)
    render_table(results), render_table(results, wide=True, listing=True), render_json(results, listing=True)
    render_urls(results)


@SETTINGS
@given(worlds())
def test_everything_listing_invariants(world):
    check(reach_everything(world), world)


@SETTINGS
@given(worlds(), st.data())
def test_single_target_invariants(world, data):
    kinds = [("Service", s) for s in world.services] + [("Pod", p) for p in world.pods] + \
            [("Ingress", i) for i in world.ingresses] + [("HTTPRoute", r) for r in world.gateway_routes] + \
            [("Route", r) for r in world.openshift_routes]
    if not kinds:
        return
    kind, obj = data.draw(st.sampled_from(kinds))
    check([reach_target(kind, obj, [], world)], world)
    deployment = {"metadata": {"name": "d", "namespace": "default"}, "spec": {"selector": {"matchLabels": {"app": "web"}}}}
    check([reach_target("Deployment", deployment, world.pods, world)], world)


@pytest.mark.parametrize("method", sorted(set(METHODS) - {"IngressRoute", "VirtualService", "HTTPProxy", "VirtualServer"}))
def test_generated_worlds_exercise_every_method(method):
    """Guards the property tests above against vacuity: the generated worlds reach every exposure method (the worlds
    hold Ingresses, Gateway routes and OpenShift Routes; the other doors' rules: tests/test_doors.py). Searched for
    one method at a time (hypothesis.find): a fixed sample of worlds depended on what ran before it."""
    from hypothesis import find

    def reaches(world):
        return any(e.method == method for result in reach_everything(world) for e in result.found.endpoints)

    find(worlds(), reaches, settings=settings(max_examples=2000, deadline=None, derandomize=True, database=None,
                                              phases=[Phase.generate], suppress_health_check=list(HealthCheck)))


# --- fields of the wrong JSON type ---------------------------------------------------------------------------

WRONG = st.one_of(st.lists(st.sampled_from(["a", "web", "1"]), max_size=2), st.integers(-5, 70000), st.text(max_size=4),
                  st.dictionaries(st.sampled_from(["a", "name"]), st.integers(0, 3), max_size=2), st.booleans(),
                  st.floats(allow_nan=False, allow_infinity=False, width=16))


def _slots(value, found):
    """Every (container, key) pair of an object: the places a wrong type can be put."""
    if isinstance(value, dict):
        for key in list(value):
            found.append((value, key))
            _slots(value[key], found)
    elif isinstance(value, list):
        for i, item in enumerate(value):
            found.append((value, i))
            _slots(item, found)
    return found


@st.composite
def wrongly_typed(draw, strategy, resource):
    """An object of `strategy` with a few of its fields replaced by values of another JSON type, then checked as
    kube.py checks what arrives (shapes.conform)."""
    from kubectl_expose_ext.shapes import conform

    obj = draw(strategy)
    slots = _slots(obj, [])
    for _ in range(draw(st.integers(1, 4)) if slots else 0):
        container, key = draw(st.sampled_from(slots))
        container[key] = draw(WRONG)
        slots = _slots(obj, [])  # the replaced value may have removed nested slots
        if not slots:
            break
    conform(resource, obj)
    return obj


@st.composite
def wrong_worlds(draw):
    raw_nodes = draw(st.lists(wrongly_typed(st.one_of(nodes(), healthy_node()), "nodes"), min_size=1, max_size=3))
    return Snapshot(nodes=NodeTable.complete(raw_nodes), services=draw(st.lists(
        wrongly_typed(st.one_of(services(), healthy_service()), "services"), min_size=1, max_size=3)),
        ingresses=draw(st.lists(wrongly_typed(ingresses(), "ingresses"), max_size=2)),
        pods=draw(st.lists(wrongly_typed(st.one_of(pods(), healthy_pod()), "pods"), max_size=3)),
        slices=draw(st.lists(wrongly_typed(slices(), "endpointslices"), max_size=2)),
        gateway_routes=draw(st.lists(wrongly_typed(gateway_routes(), "httproutes"), max_size=2)),
        gateways=draw(st.lists(wrongly_typed(gateways(), "gateways"), max_size=2)),
        openshift_routes=draw(st.lists(wrongly_typed(openshift_routes(), "routes"), max_size=2)))


@SETTINGS
@given(wrong_worlds(), st.data())
def test_fields_of_the_wrong_type_are_ignored_not_crashed_on(world, data):
    check(reach_everything(world), world)
    from kubectl_expose_ext.audit import assess

    assess(world)
    kinds = [("Service", s) for s in world.services] + [("Pod", p) for p in world.pods] + \
            [("Ingress", i) for i in world.ingresses] + [("HTTPRoute", r) for r in world.gateway_routes] + \
            [("Route", r) for r in world.openshift_routes]
    kind, obj = data.draw(st.sampled_from(kinds))
    check([reach_target(kind, obj, [], world)], world)
