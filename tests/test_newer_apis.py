"""Gateway API and OpenShift Routes end to end: CLI -> discovery -> the fake API server, and back."""

import json
import subprocess

import pytest

from support import requires_kubectl

pytestmark = pytest.mark.both_backends
GATEWAY = "/apis/gateway.networking.k8s.io"


@pytest.fixture
def shop(api_factory):
    return api_factory("gateway.yaml", namespace="shop")


def paths(api, since=0):
    return [r.path for r in api.log(since)]


def test_service_shows_gateway_and_route_urls(shop):
    out = shop.reach("svc/web", "-o", "json")
    assert out.code == 0
    doc = json.loads(out.out)
    gateway = [e for e in doc["endpoints"] if e["method"] == "Gateway"]
    assert next(e for e in gateway if e["url"] == "http://www.shop.example.com/") == {
                          "method": "Gateway", "url": "http://www.shop.example.com/", "scheme": "http",
                          "host": "www.shop.example.com", "port": 80, "node": None, "service": "web", "servicePort": 80,
                          "ingress": None, "via": "httproute/web on gateway gateway-system/public", "path": "/",
                          "internal": None, "warnings": []}
    assert [e["url"] for e in doc["endpoints"] if e["method"] == "Route"] == [
        "https://web-shop.apps.ocp.example.com/", "http://web-shop.apps.ocp.example.com/"]
    assert any("web-legacy is not accepted" in w for w in doc["warnings"])


def test_aggregated_discovery_is_one_request_and_gateways_come_first(shop):
    assert shop.reach("svc/web").code == 0
    requested = paths(shop)
    assert requested.count("/apis") == 1 and not any(p.startswith(GATEWAY + "/v1") and p.count("/") == 3 for p in requested)
    assert requested.index(GATEWAY + "/v1/gateways") < requested.index(GATEWAY + "/v1/namespaces/shop/httproutes")
    # TLSRoute at the version served: v1alpha2 on the fake, v1 with the Gateway API v1.5 CRDs of the real tier
    assert [p for p in requested if p.endswith("/namespaces/shop/tlsroutes")] == [
        GATEWAY + ("/v1" if shop.backend == "real" else "/v1alpha2") + "/namespaces/shop/tlsroutes"]
    assert "/apis/route.openshift.io/v1/namespaces/shop/routes" in requested


@pytest.mark.fake_only("a server without aggregated discovery (before 1.26)")
def test_classic_discovery_reads_only_the_groups_it_needs(shop):
    shop.cluster.aggregated_discovery = False
    before = len(shop.log())
    out = shop.reach("svc/web", "-o", "url")
    assert "tls://" not in out.out and "https://www.shop.example.com/" in out.out
    discovery = [p for p in paths(shop, before) if p.count("/") <= 3 and p.startswith("/apis")]
    # one resource list per served version of the kinds used (ReferenceGrant is v1beta1; Application: links.py; the
    # other front doors' groups, which this server serves too)
    assert sorted(discovery) == sorted(["/apis", "/apis/app.k8s.io/v1beta1", GATEWAY + "/v1", GATEWAY + "/v1alpha2",
                                        GATEWAY + "/v1beta1", "/apis/route.openshift.io/v1",
                                        "/apis/k8s.nginx.org/v1", "/apis/networking.istio.io/v1",
                                        "/apis/projectcontour.io/v1", "/apis/traefik.containo.us/v1alpha1",
                                        "/apis/traefik.io/v1alpha1"])
    assert shop.reach("tlsroute/secure", "-o", "url").out == "tls://secure.shop.example.com\n"


def test_clusters_without_the_apis_pay_nothing_and_see_no_errors(api_factory):
    shop = api_factory("gateway.yaml", namespace="shop",
                       absent=("gateway.networking.k8s.io", "route.openshift.io"))
    before = len(shop.log())
    out = shop.reach("svc/web")
    assert out.code == 0
    assert not any(p.startswith(GATEWAY) or "openshift" in p for p in paths(shop, before))
    assert "Gateway" not in out.out and "Route" not in out.out
    assert "error" not in out.err
    missing = shop.reach("httproute/web")
    assert (missing.code, missing.err) == (1, 'error: the server doesn\'t have a resource type "httproutes"\n')


def test_a_cluster_without_gateways_does_not_read_routes(api_factory):
    api = api_factory("gateway.yaml", namespace="shop")
    api.delete("Gateway", "public", "gateway-system")
    before = len(api.log())
    assert api.reach("svc/web").code == 0
    assert not any("routes" in p and p.startswith(GATEWAY) for p in paths(api, before))


def test_gateways_not_readable_cluster_wide(shop):
    shop.forbid("list", "gateways")
    out = shop.reach("svc/web", "-o", "json")
    assert out.code == 0
    doc = json.loads(out.out)
    assert not [e for e in doc["endpoints"] if e["method"] == "Gateway"]
    assert "httproute/web: gateway gateway-system/public not found (or not readable)" in doc["warnings"]
    # the Gateways were then asked for in the one namespace the routes point to
    assert GATEWAY + "/v1/namespaces/gateway-system/gateways" in paths(shop)


def test_route_targets_and_listing(shop):
    out = shop.reach("route/web")
    assert [line.split()[:2] for line in out.out.splitlines()] == [
        ["METHOD", "URL"], ["Route", "https://web-shop.apps.ocp.example.com/"], ["Route", "http://web-shop.apps.ocp.example.com/"]]
    assert shop.reach("httproute.gateway.networking.k8s.io/web", "-o", "url").out.splitlines()[0] == \
        "https://www.shop.example.com/"
    rejected = shop.reach("httproute/web-legacy")
    assert rejected.code == 0 and rejected.out == ""
    assert "Warning: httproute/web-legacy is not accepted by gateway gateway-system/public" in rejected.err
    listing = json.loads(shop.reach("-o", "json").out)
    kinds = {i["target"]["kind"] for i in listing["items"]}
    assert kinds == {"HTTPRoute", "GRPCRoute", "TLSRoute", "Route"}
    assert shop.reach("convert", "route/web", "--to", "nodeport").err.startswith(
        "error: route/web cannot be converted")


@requires_kubectl
def test_real_kubectl_discovers_the_same_apis(shop, tmp_path):
    def kubectl(*args):  # a fresh discovery cache each time: kubectl caches discovery per server
        cache = tmp_path / f"cache-{len(list(tmp_path.iterdir()))}"
        return subprocess.run(["kubectl", f"--cache-dir={cache}", *args], env=shop.env(), capture_output=True,
                              text=True, timeout=60)
    assert kubectl("get", "httproutes,tlsroutes,routes", "-n", "shop", "-o", "name").stdout.split() == [
        "httproute.gateway.networking.k8s.io/broken", "httproute.gateway.networking.k8s.io/web",
        "httproute.gateway.networking.k8s.io/web-legacy", "tlsroute.gateway.networking.k8s.io/secure",
        "route.route.openshift.io/secure", "route.route.openshift.io/web", "route.route.openshift.io/web-copy"]


@requires_kubectl
def test_real_kubectl_without_the_route_api(api_factory, tmp_path):
    api = api_factory(namespace="shop", absent=("route.openshift.io",))
    out = subprocess.run(["kubectl", f"--cache-dir={tmp_path}", "get", "routes", "-n", "shop"], env=api.env(),
                         capture_output=True, text=True, timeout=60)
    assert "the server doesn't have a resource type" in out.stderr
