"""The front doors as plug-ins (doors/): every door's kinds reach fetching, watching and completion; a hypothetical
door is one module and one registry line; the new doors' URLs (Traefik, Istio, Contour, NGINX, ListenerSet) on
fixtures the real API server accepts with each project's real CRD (tests/realcluster/crds.py), end to end on both
servers; each door explains an object hop by hop."""

import json
import shutil
import subprocess
import sys

import pytest

from builders import fixture_objects
from kubectl_expose_ext.doors import DOORS, markdown
from kubectl_expose_ext.doors.base import VERDICTS, Hop
from kubectl_expose_ext.kinds import BY_RESOURCE, TARGETS, target_kind
from support import ROOT

NAMESPACE = "shop"


@pytest.fixture
def doors(api_factory):
    return api_factory("doors.yaml", namespace=NAMESPACE)


def urls(out) -> list:
    assert out.code == 0, out.err
    return sorted((e["method"], e["url"]) for e in json.loads(out.out)["endpoints"])


# --- the registry: nothing a door declares can be left out ---------------------------------------------------------

def test_every_door_kind_is_in_the_table_and_every_route_kind_a_target():
    for door in DOORS:
        assert door.kinds and door.route_kinds, door.name
        for kind in door.kinds:
            assert BY_RESOURCE[kind.resource] is kind or BY_RESOURCE[kind.resource].name == kind.name, kind
        for kind in door.route_kinds:
            assert target_kind(f"{kind.plural}.{kind.group}") is kind, kind
            assert any(t.short == kind.short for t in TARGETS), kind


@pytest.mark.fake_only("the request log of one listing")
def test_every_door_kind_is_fetched_watched_and_completed(doors):
    """A door whose kind is missing from fetching, watching or completion fails here: the listing reads every kind
    every door declares (doors.yaml has an object that needs each), the watches follow them, completion offers every
    route kind."""
    from kubectl_expose_ext.cli import cli
    from kubectl_expose_ext.completion import complete
    from kubectl_expose_ext.kube import Kube
    from kubectl_expose_ext.waiting import watched_by_listing

    before = len(doors.log())
    assert doors.reach("-A", "-o", "json").code == 0
    listed = {r.path.rsplit("/", 1)[1] + "@" + r.path.split("/")[2] for r in doors.log(before) if r.path.startswith("/apis/")}
    listed |= {r.path.rsplit("/", 1)[1] + "@" for r in doors.log(before) if r.path.startswith("/api/")}
    wanted = {f"{k.plural}@{k.group}" for door in DOORS for k in door.kinds}
    assert wanted - listed == set()

    kube = connect(doors)
    assert isinstance(kube, Kube)
    watched = {w.resource for w in watched_by_listing(kube, None)}
    assert {k.resource for door in DOORS for k in door.kinds} - watched == set()

    offered, _ = complete(["show", ""], cli)
    assert {f"{k.short}/" for door in DOORS for k in door.route_kinds} - set(offered) == set()


def connect(api):
    """A Kube on the test's server, as the CLI connects."""
    from kubectl_expose_ext.kubeflags import KubeFlags
    from kubectl_expose_ext.streams import Streams

    return KubeFlags(kubeconfig=api.kubeconfig).connect(Streams()).kube


def test_a_door_is_one_module_and_one_registry_line(tmp_path):
    """On a copy of the package: a hypothetical door (doors/example.py) and its registry line make its kind a target,
    fetched, watched and completed, with nothing else changed."""
    copy = tmp_path / "kubectl_expose_ext"
    shutil.copytree(ROOT / "kubectl_expose_ext", copy, ignore=shutil.ignore_patterns("__pycache__"))
    (copy / "doors" / "example.py").write_text('''"""A hypothetical door: Example (example.com/v1)."""
from ..endpoints import Endpoint, Found
from ..kind import Kind
from .base import FrontDoor

EXAMPLE = Kind("Example", "examples", "example", "example.com", ("v1",), role="example-route", optional=True)


class ExampleDoor(FrontDoor):
    name, role, method, kinds, title = "example", "example-route", "Ingress", (EXAMPLE,), "Example"

    def endpoints(self, obj, resolve, snapshot):
        return Found([Endpoint("Ingress", "https", obj["spec"]["host"], 443)])

    def hops(self, obj, resolve, snapshot):
        return []


DOOR = ExampleDoor()
''')
    registry = copy / "doors" / "__init__.py"
    text = registry.read_text()
    registry.write_text(text.replace("from . import contour,", "from . import contour, example,")
                        .replace("    nginx.DOOR,\n", "    nginx.DOOR,\n    example.DOOR,\n"))
    probe = """
import sys
from kubectl_expose_ext.kinds import TARGETS, target_kind, BY_RESOURCE
from kubectl_expose_ext.kube import OPTIONAL_APIS
from kubectl_expose_ext.waiting import _around
from kubectl_expose_ext.completion import complete
from kubectl_expose_ext.cli import cli
from kubectl_expose_ext.snapshot import Snapshot
from kubectl_expose_ext.reach import exposing_objects
assert target_kind("example").resource == "examples" and "examples" in OPTIONAL_APIS
assert any(w.resource == "examples" for w in _around("ns", {"examples": "v1"}))
assert "example/" in complete(["show", ""], cli)[0]
obj = {"kind": "Example", "metadata": {"name": "x", "namespace": "ns"}, "spec": {"host": "x.example.com"}}
answers = [a for _, a, _ in exposing_objects(Snapshot(extra={"examples": [obj]}))]
assert [e.url for a in answers for e in a.found.endpoints] == ["https://x.example.com"], answers
print("ok")
"""
    done = subprocess.run([sys.executable, "-c", probe], cwd=tmp_path, capture_output=True, text=True, timeout=120,
                          env={"PYTHONPATH": str(tmp_path), "PATH": "/usr/bin:/bin"})
    assert done.stdout.strip() == "ok", done.stderr
    changed = subprocess.run(["diff", "-rq", str(ROOT / "kubectl_expose_ext"), str(copy), "-x", "__pycache__"],
                             capture_output=True, text=True).stdout.splitlines()
    assert len(changed) == 2, changed  # the new module and the registry


def test_the_docs_table_of_doors_is_generated():
    table = markdown()
    assert all(f"| {door.title} |" in table for door in DOORS)
    assert table in (ROOT / "docs" / "rules.md").read_text(), "docs/rules.md: regenerate the table of doors " \
        "(python -c 'from kubectl_expose_ext.doors import markdown; print(markdown())')"


# --- the new doors, end to end, on the fake and on kube-apiserver with the real CRDs --------------------------------

pytestmark = pytest.mark.both_backends


def test_a_service_reached_through_every_door(doors):
    assert urls(doors.reach("svc/api", "-o", "json")) == sorted([
        ("Ingress", "https://app.example.com/"),                       # Traefik router annotations
        ("Gateway", "https://store.example.com/"),                     # a ListenerSet's listener
        ("IngressRoute", "https://api.example.com/v1"),                # Host && PathPrefix on websecure
        ("IngressRoute", "http://legacy.example.com/"),                # traefik.containo.us, on web
        ("IngressRoute", "http://old.example.com/"),                   # the other alternative of its rule
        ("VirtualService", "https://api.shop.example.com/v1"),         # HTTPS SIMPLE server
        ("VirtualService", "http://api.shop.example.com/v1"),          # HTTP server with httpsRedirect
        ("HTTPProxy", "https://www.example.com/"),                     # the root
        ("HTTPProxy", "https://www.example.com/blog/posts"),           # the proxy it includes at /blog
        ("HTTPProxy", "http://www.example.com/blog/posts"),            # permitInsecure
        ("VirtualServer", "https://cafe.example.com/tea"),             # tls.redirect: no http
        ("VirtualServer", "https://cafe.example.com/coffee"),          # the VirtualServerRoute it delegates to
    ])


def test_targets_of_each_door(doors):
    assert urls(doors.reach("ingressroute/api", "-o", "json")) == [("IngressRoute", "https://api.example.com/v1")]
    assert doors.reach("ingressroute/api-legacy", "-o", "url").out == \
        "http://legacy.example.com/\nhttp://old.example.com/\n"  # the legacy group, found by name
    assert doors.reach("ingressroutetcp/db", "-o", "url").out == "tls://db.example.com\n"
    assert doors.reach("ingressrouteudp/dns", "-o", "url").out == "udp://203.0.113.10:53\n"
    assert urls(doors.reach("virtualservice/api", "-o", "json")) == [
        ("VirtualService", "http://api.shop.example.com/v1"), ("VirtualService", "https://api.shop.example.com/v1")]
    assert urls(doors.reach("httpproxy/blog", "-o", "json")) == [
        ("HTTPProxy", "http://www.example.com/blog/posts"), ("HTTPProxy", "https://www.example.com/blog/posts")]
    assert urls(doors.reach("virtualserver/cafe", "-o", "json")) == [("VirtualServer", "https://cafe.example.com/tea")]
    assert doors.reach("vsr/coffee", "-o", "url").out == "https://cafe.example.com/coffee\n"


def test_why_a_door_gives_no_url(doors):
    out = doors.reach("httpproxy/broken", "-o", "json")
    assert out.code == 0 and json.loads(out.out)["endpoints"] == []
    assert "httpproxy broken is invalid: Service [api:8080] is invalid or missing: Contour does not serve it" in \
        json.loads(out.out)["warnings"]
    warnings = json.loads(doors.reach("ingressroute/api", "-o", "json").out)["warnings"]
    assert any("HostRegexp" in w and "no URL" in w for w in warnings)
    mesh = json.loads(doors.reach("virtualservice/api-mesh", "-o", "json").out)
    assert mesh["endpoints"] == [] and any("mesh only" in w for w in mesh["warnings"])


def test_the_entry_address_is_the_controllers_service(doors):
    """The Traefik and Istio URLs carry their controller Service's load balancer address (probes fall back to it);
    the listing shows each door's own objects, the mesh-only VirtualService left out."""
    endpoints = json.loads(doors.reach("svc/api", "-o", "json").out)["endpoints"]
    via = {e["url"]: e["via"] for e in endpoints}
    assert via["https://api.example.com/v1"] == "ingressroute/api on entry point websecure of svc kube-system/traefik"
    assert via["https://api.shop.example.com/v1"] == \
        "virtualservice/api on gateway istio-system/public (svc istio-system/istio-ingressgateway)"
    listing = json.loads(doors.reach("-o", "json").out)
    listed = {(d["target"]["kind"], d["target"]["name"]) for d in listing["items"]}
    assert ("VirtualService", "api") in listed and ("VirtualService", "api-mesh") not in listed
    assert ("IngressRouteUDP", "dns") in listed and ("HTTPProxy", "blog") in listed


def test_clusters_without_the_doors_apis_pay_nothing(api_factory):
    api = api_factory("doors.yaml", namespace=NAMESPACE, absent={"traefik.io", "traefik.containo.us",
                                                                 "networking.istio.io", "projectcontour.io",
                                                                 "k8s.nginx.org"})
    before = len(api.log())
    assert urls(api.reach("svc/api", "-o", "json")) == [("Gateway", "https://store.example.com/"),
                                                       ("Ingress", "https://app.example.com/")]  # core: still there
    paths = [r.path for r in api.log(before)]
    assert not any(group in p for p in paths for group in ("traefik", "istio", "contour", "nginx"))


def test_a_forbidden_door_degrades_with_a_warning(doors):
    doors.forbid("list", "virtualservices")
    out = doors.reach("svc/api", "-o", "json")
    assert out.code == 0 and "VirtualService" not in {m for m, _ in urls(out)}
    assert "Warning: cannot list virtualservices.networking.istio.io in namespace shop" in out.err


def test_forbidden_gateway_routes_degrade_with_a_warning_too(doors):
    """The doors that were there before issue 27 degrade as the new ones do: the answer, and a line saying what is
    left out (they used to be left out silently)."""
    doors.forbid("list", "httproutes")
    out = doors.reach("svc/api", "-o", "json")
    assert out.code == 0 and "Gateway" not in {m for m, _ in urls(out)}
    assert "Warning: cannot list httproutes.gateway.networking.k8s.io in namespace shop" in out.err
    assert ("Ingress", "https://app.example.com/") in urls(out)


# --- each door explains an object, hop by hop (kubectl reach explain, issue 29) -------------------------------------

@pytest.mark.fake_only("pure")
def test_every_door_explains_its_objects_hop_by_hop():
    from kubectl_expose_ext.reach import resolver_to
    from kubectl_expose_ext.snapshot import Snapshot

    objects = fixture_objects("doors.yaml") + fixture_objects("gateway.yaml")
    extra = {}
    for door in DOORS:
        for kind in door.kinds:
            extra[kind.resource] = [o for o in objects if o["kind"] == kind.name
                                    and o.get("apiVersion", "").startswith(kind.group + "/")]
    services = [o for o in objects if o["kind"] == "Service"]
    snapshot = Snapshot(services=services, ingresses=[o for o in objects if o["kind"] == "Ingress"],
                        ingress_classes=[o for o in objects if o["kind"] == "IngressClass"],
                        gateways=[o for o in objects if o["kind"] == "Gateway" and "gateway.networking" in
                                  o.get("apiVersion", "")],
                        gateway_routes=[o for o in objects if o["kind"] == "HTTPRoute"],
                        openshift_routes=[o for o in objects if o["kind"] == "Route"],
                        extra={**extra, "traefik/services": [s for s in services if s["metadata"]["name"] == "traefik"],
                               "istio/services": [s for s in services if s["metadata"]["name"] ==
                                                  "istio-ingressgateway"]})
    explained = 0
    for door in DOORS:
        for obj in door.objects(snapshot):
            ns = obj["metadata"].get("namespace", "default")
            ports = {s["metadata"]["name"]: s["spec"]["ports"] for s in snapshot.services_in(ns)}
            hops = door.hops(obj, resolver_to(ns, ports, snapshot), snapshot)
            assert hops and all(isinstance(h, Hop) and h.verdict in VERDICTS and h.command.startswith("kubectl get ")
                                for h in hops), (door.name, obj["metadata"]["name"], hops)
            explained += 1
    assert explained >= 15
    broken = next(o for o in snapshot.extra["httpproxies"] if o["metadata"]["name"] == "broken")
    door = next(d for d in DOORS if d.name == "contour")
    first = door.hops(broken, lambda ref: None, snapshot)[0]
    assert (first.verdict, first.detail) == ("broken", "httpproxy broken is invalid: Service [api:8080] is invalid "
                                                       "or missing")
    assert first.command == "kubectl get httpproxies.projectcontour.io broken -n shop -o jsonpath='{.status.currentStatus}'"


# --- --wait follows a door's own objects ----------------------------------------------------------------------------

def publish(api, address):
    """What NGINX Ingress Controller does once it has configured a VirtualServer: write its externalEndpoints."""
    status = {"state": "Valid", "reason": "AddedOrUpdated", "message": "added",
              "externalEndpoints": [{"ip": address, "ports": "[80,443]"}]}
    api.set_status("VirtualServer", "cafe", status, NAMESPACE)


def test_wait_follows_a_door_until_its_controller_publishes_an_address(api_factory):
    import threading
    import time

    objects = [o for o in fixture_objects("doors.yaml") if o["kind"] in ("Service", "VirtualServer")]
    for obj in objects:
        if obj["kind"] == "VirtualServer":
            obj.pop("status")
    api = api_factory(objects=objects, namespace=NAMESPACE)
    timer = threading.Timer(1.5, publish, (api, "203.0.113.31"))
    timer.start()
    started = time.monotonic()
    out = api.reach("virtualserver/cafe", "--wait=30s", "-o", "url")
    timer.join()
    assert out.code == 0, out.err
    assert out.out == "https://cafe.example.com/tea\n" and 1.4 < time.monotonic() - started < 15


# --- the rules, table-driven (pure) -----------------------------------------------------------------------------------

@pytest.mark.fake_only("pure")
@pytest.mark.parametrize("rule, tcp, expected", [
    ("Host(`a.example.com`)", False, [("a.example.com", "/")]),
    ("Host(`a.example.com`) && PathPrefix(`/v1`)", False, [("a.example.com", "/v1")]),
    ("Host(`a.example.com`) || Host(`b.example.com`)", False, [("a.example.com", "/"), ("b.example.com", "/")]),
    ("Host(`a.example.com`, `b.example.com`)", False, [("a.example.com", "/"), ("b.example.com", "/")]),  # v2
    ("(Host(`a.example.com`) || Host(`b.example.com`)) && Path(`/x`)", False,
     [("a.example.com", "/x"), ("b.example.com", "/x")]),
    ("PathPrefix(`/api`)", False, [(None, "/api")]),                       # every host: the entry address
    ("Host(`a.example.com`) && !PathPrefix(`/admin`)", False, [("a.example.com", "/")]),
    ("Host(`a.example.com`) && Method(`GET`)", False, [("a.example.com", "/")]),
    ("HostRegexp(`^.+\\.example\\.com$`)", False, []),                    # a pattern: no URL
    ("HostSNI(`db.example.com`)", True, [("db.example.com", None)]),
    ("HostSNI(`*`)", True, [(None, None)]),
    ("Host(`a.example.com`", False, []),                                  # does not parse
    ("Host(a.example.com)", False, []),
    ("x" * 5000, False, []),                                              # bounded
])
def test_traefik_rules(rule, tcp, expected):
    from kubectl_expose_ext.doors.traefik import targets_of

    found, _ = targets_of(rule, tcp)
    assert [(t.host, t.path) for t in found if not t.problem] == expected


@pytest.mark.fake_only("pure")
def test_traefik_rule_alternatives_are_bounded():
    from kubectl_expose_ext.doors.traefik import MAX_ALTERNATIVES, parse_rule

    rule = " && ".join(f"(Host(`a{i}.x`) || Host(`b{i}.x`))" for i in range(10))  # 2**10 alternatives
    alternatives, problem = parse_rule(rule)
    assert alternatives == [] and problem == f"more than {MAX_ALTERNATIVES} alternatives"


@pytest.mark.fake_only("pure")
@pytest.mark.parametrize("route_host, server_host, expected", [
    ("api.example.com", "api.example.com", "api.example.com"),
    ("api.example.com", "*.example.com", "api.example.com"),
    ("*.example.com", "api.example.com", "api.example.com"),
    ("api.example.com", "*", "api.example.com"),
    ("a.b.example.com", "*.example.com", "a.b.example.com"),
    ("api.example.com", "api.example.org", None),
])
def test_istio_hosts_intersect(route_host, server_host, expected):
    from kubectl_expose_ext.doors.istio import intersect

    assert intersect(route_host, server_host) == expected


@pytest.mark.fake_only("pure")
@pytest.mark.parametrize("host, expected", [
    ("web", ("shop", "web")), ("web.other", ("other", "web")), ("web.other.svc", ("other", "web")),
    ("web.other.svc.cluster.local", ("other", "web")), ("api.example.com", None),
])
def test_istio_destination_hosts(host, expected):
    from kubectl_expose_ext.doors.istio import service_of

    assert service_of(host, "shop") == expected


@pytest.mark.fake_only("pure")
def test_istio_server_hosts_are_scoped_by_namespace():
    from kubectl_expose_ext.doors.istio import server_hosts

    gateway = {"metadata": {"name": "g", "namespace": "istio-system"}}
    server = {"hosts": ["shop/a.example.com", "./b.example.com", "*/c.example.com", "d.example.com"]}
    assert server_hosts(server, gateway, "shop") == ["a.example.com", "c.example.com", "d.example.com"]
    assert server_hosts(server, gateway, "istio-system") == ["b.example.com", "c.example.com", "d.example.com"]


@pytest.mark.fake_only("pure")
@pytest.mark.parametrize("path, expected", [
    ("/tea", ("/tea", False)), ("=/tea", ("/tea", False)), ("^~/images/", ("/images/", False)),
    ("~ ^/tea/.*\\.jpg$", ("^/tea/.*\\.jpg$", True)), ("~*^/Bar", ("^/Bar", True)),
])
def test_nginx_paths(path, expected):
    from kubectl_expose_ext.doors.nginx import path_of

    assert path_of(path) == expected


@pytest.mark.fake_only("pure")
@pytest.mark.parametrize("conditions, expected", [
    ([], ("", False)), ([{"prefix": "/"}], ("/", False)), ([{"prefix": "/blog"}], ("/blog", False)),
    ([{"prefix": "/blog"}, {"prefix": "/posts"}], ("/blog/posts", False)), ([{"exact": "/x"}], ("/x", True)),
])
def test_contour_prefixes(conditions, expected):
    from kubectl_expose_ext.doors.contour import prefix_of

    assert prefix_of(conditions) == expected


@pytest.mark.fake_only("pure")
@pytest.mark.parametrize("allowed, listener_ns, why", [
    (None, "shop", "it allows no ListenerSet (spec.allowedListeners.namespaces.from is None, the default)"),
    ({"from": "Same"}, "shop", "it allows ListenerSets of namespace infra only"),
    ({"from": "Same"}, "infra", None),
    ({"from": "All"}, "shop", None),
])
def test_a_gateway_must_allow_a_listener_set(allowed, listener_ns, why):
    from kubectl_expose_ext.doors.gateway import listeners_allowed

    gateway = {"metadata": {"name": "shared", "namespace": "infra"},
               "spec": {"allowedListeners": {"namespaces": allowed}} if allowed else {}}
    assert listeners_allowed(gateway, {"metadata": {"name": "s", "namespace": listener_ns}}, None) == why


def test_diff_shows_what_a_door_change_does(doors, tmp_path):
    manifest = tmp_path / "ingressroute.yaml"
    manifest.write_text("""apiVersion: traefik.io/v1alpha1
kind: IngressRoute
metadata: {name: api, namespace: shop}
spec:
  entryPoints: [websecure]
  routes:
  - kind: Rule
    match: Host(`api2.example.com`) && PathPrefix(`/v2`)
    services: [{name: api, port: 80}]
  tls: {}
""")
    out = doors.reach("diff", "-f", str(manifest), "-o", "json")
    assert out.code == 1, out.err  # kubectl diff's 1: something changes
    [change] = json.loads(out.out)["changes"]
    assert change["target"] == {"kind": "IngressRoute", "namespace": "shop", "name": "api"}
    assert (change["urls"]["added"], change["urls"]["removed"]) == (["https://api2.example.com/v2"],
                                                                    ["https://api.example.com/v1"])


def accept_route(api):
    """What a Gateway controller does: write the route's Accepted condition for its parent."""
    status = {"parents": [{"parentRef": {"group": "gateway.networking.k8s.io", "kind": "ListenerSet", "name": "store"},
                           "controllerName": "gateway.envoyproxy.io/gatewayclass-controller",
                           "conditions": [{"type": "Accepted", "status": "True", "reason": "Accepted",
                                           "message": "Route is accepted",
                                           "lastTransitionTime": "2026-01-01T00:00:00Z"}]}]}
    api.set_status("HTTPRoute", "store", status, NAMESPACE)


def test_wait_on_a_service_ends_when_the_route_before_it_is_accepted(api_factory):
    """`--wait svc/x` behind an HTTPRoute: the route's acceptance ends the wait (not its deadline)."""
    import threading
    import time

    objects = [o for o in fixture_objects("doors.yaml") if o["kind"] in ("Gateway", "ListenerSet", "HTTPRoute")
               and "gateway.networking" in o["apiVersion"] or (o["kind"] == "Service" and o["metadata"]["name"] == "api")]
    for obj in objects:
        if obj["kind"] == "HTTPRoute":
            obj.pop("status")
    api = api_factory(objects=objects, namespace=NAMESPACE)
    timer = threading.Timer(1.5, accept_route, (api,))
    timer.start()
    started = time.monotonic()
    out = api.reach("svc/api", "--wait=30s", "-o", "url")
    timer.join()
    assert out.code == 0, out.err
    assert out.out == "https://store.example.com/\n" and 1.4 < time.monotonic() - started < 15
