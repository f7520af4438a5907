"""The API server proxy vantage (kubectl_expose_ext/vantages.py): paths and verdicts (pure, table-driven), the RBAC
check first on both API servers, the proxied GET on the fake, and the real proxy inside a network namespace
(tests/vantages_netns_run.py: kube-apiserver refuses to proxy to loopback)."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from kubectl_expose_ext.kube import Connection, Kube
from kubectl_expose_ext.vantages import (APISERVER_PROXY, BODY_LIMIT, ProxyTarget, VantageResult, proxy_path,
                                         raw_command, through_apiserver, verdict_of)
from support import needs, outside_checkout

pytestmark = pytest.mark.both_backends
HERE = Path(__file__).resolve().parent
STATUS = "application/json"


def status_body(code: int, reason: str, message: str) -> bytes:
    return json.dumps({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                       "message": message, "reason": reason, "code": code}).encode()


# --- pure ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("target, path", [
    (ProxyTarget("shop", "web", 80), "/api/v1/namespaces/shop/services/web:80/proxy/"),
    (ProxyTarget("shop", "web", "https", scheme="https"), "/api/v1/namespaces/shop/services/https:web:https/proxy/"),
    (ProxyTarget("shop", "web-0", 8080, resource="pods"), "/api/v1/namespaces/shop/pods/web-0:8080/proxy/"),
    (ProxyTarget("shop", "web", 80, path="/a b/c?x=1"), "/api/v1/namespaces/shop/services/web:80/proxy/a%20b/c?x=1"),
    (ProxyTarget("shop", "web", 80, path="/x\r\nHost: evil"),
     "/api/v1/namespaces/shop/services/web:80/proxy/x%0D%0AHost:%20evil"),
    (ProxyTarget("shop", "web", 80, path="health"), "/api/v1/namespaces/shop/services/web:80/proxy/health"),
], ids=["service-http", "service-https-named-port", "pod", "path-encoded", "crlf-encoded", "relative-path"])
def test_proxy_path(target, path):
    assert proxy_path(target) == path
    assert raw_command(target).startswith("kubectl get --raw ")


@pytest.mark.parametrize("target", [
    ProxyTarget("shop", "web", "a:b"), ProxyTarget("shop", "web", ""), ProxyTarget("shop", "web", 80, scheme="tcp"),
    ProxyTarget("shop", "web", 80, resource="nodes"), ProxyTarget("shop", "web-0", "http", resource="pods"),
    ProxyTarget("shop", "web", "\uff18\uff10")], ids=["colon-port", "no-port", "tcp", "nodes", "pod-named-port",
                                                       "fullwidth-digits"])
def test_targets_the_proxy_cannot_take_are_refused(target):
    with pytest.raises(ValueError):
        proxy_path(target)


@pytest.mark.parametrize("status, content_type, body, verdict, detail", [
    (503, STATUS, status_body(503, "ServiceUnavailable", 'no endpoints available for service "web"'), "broken",
     "the API server's proxy answered 503: no endpoints available for service \"web\""),
    (503, STATUS, status_body(503, "ServiceUnavailable", "error trying to reach service: dial tcp 10.0.0.9:80: "
                                                         "connect: connection refused"), "broken",
     "the API server's proxy answered 503: error trying to reach service: dial tcp 10.0.0.9:80: connect: "
     "connection refused"),
    (404, STATUS, status_body(404, "NotFound", 'services "web" not found'), "broken",
     "the API server's proxy answered 404: services \"web\" not found"),
    (403, STATUS, status_body(403, "Forbidden", "nope"), "unknown",
     "not allowed to use services/proxy (the API server's proxy answered 403: nope)"),
    (503, "text/plain", b"Error trying to reach service: 'dial tcp 10.0.0.9:80: i/o timeout'", "broken",
     "the API server's proxy answered 503: Error trying to reach service: 'dial tcp 10.0.0.9:80: i/o timeout'"),
    (200, "text/html", b"<html>hello</html>", "ok", "the backend answered HTTP 200 (through the API server's proxy)"),
    (302, "text/html", b"", "ok", "the backend answered HTTP 302 (through the API server's proxy)"),
    (404, "text/html", b"not found", "ok", "the backend answered HTTP 404 (through the API server's proxy)"),
    (500, "text/html", b"oops", "warning", "the backend answered HTTP 500 (through the API server's proxy)"),
    (503, STATUS, status_body(503, "x", "y")[:BODY_LIMIT // 100], "warning",
     "the backend answered HTTP 503 (through the API server's proxy)"),  # cut short: not the API server's Status
    (200, STATUS, b'{"kind": "Status", "status": "Success"}', "ok",
     "the backend answered HTTP 200 (through the API server's proxy)"),
    (503, STATUS, status_body(503, "x", "\x1b]0;owned\x07 " + "z" * 500), "broken",
     "the API server's proxy answered 503: \\x1b]0;owned\\x07 " + "z" * 180 + "..."),  # 200 characters in all
], ids=["no-endpoints", "dial-refused", "no-service", "forbidden", "old-text-error", "backend-200", "backend-302",
        "backend-404", "backend-500", "cut-short-json", "success-status", "hostile-message"])
def test_verdict_of(status, content_type, body, verdict, detail):
    assert verdict_of("services", status, content_type, body) == (verdict, detail)


def test_result_to_dict():
    result = VantageResult(APISERVER_PROXY, "service a/b port 80 (http), path /", "ok", "fine", "kubectl x")
    assert result.to_dict() == {"vantage": "API server proxy (indirect)", "tried": "service a/b port 80 (http), path /",
                                "verdict": "ok", "detail": "fine", "command": "kubectl x"}


# --- both API servers: RBAC first -------------------------------------------------------------------------

def kube_of(api) -> Kube:
    return Kube(Connection.load(api.kubeconfig), timeout=10)


WEB = {"kind": "Service", "metadata": {"name": "web", "namespace": "default"},
       "spec": {"selector": {"app": "web"}, "ports": [{"name": "http", "port": 80, "targetPort": 8080}]}}


def test_not_allowed_to_proxy_is_unknown_and_nothing_is_proxied(api_factory):
    api = api_factory(objects=[WEB])
    api.forbid("get", "services/proxy")  # real server: user `nobody`, granted no proxy subresource
    since = len(api.log())
    kube = kube_of(api)
    results = through_apiserver(kube, [ProxyTarget("default", "web", 80), ProxyTarget("default", "web", "http")])
    assert [r.to_dict() for r in results] == [
        {"vantage": APISERVER_PROXY, "tried": f"service default/web port {port} (http), path /", "verdict": "unknown",
         "detail": "not allowed to use services/proxy in namespace default",
         "command": "kubectl auth can-i get services/proxy -n default"} for port in (80, "http")]
    sent = [(r.method, r.path) for r in api.log(since)]
    assert sent == [("POST", "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews")], sent
    assert kube.requests == 1


# --- the fake: the proxied GET ------------------------------------------------------------------------------

def slice_of(ready: bool) -> dict:
    return {"kind": "EndpointSlice", "apiVersion": "discovery.k8s.io/v1",
            "metadata": {"name": "web-1", "namespace": "default", "labels": {"kubernetes.io/service-name": "web"}},
            "addressType": "IPv4", "ports": [{"name": "http", "port": 8080}],
            "endpoints": [{"addresses": ["10.1.0.5"], "conditions": {"ready": ready}}]}


@pytest.mark.fake_only("the fake's proxy answers for the backend; the real proxy is tested in a network namespace")
@pytest.mark.parametrize("ready, verdict, detail", [
    (True, "ok", "the backend answered HTTP 200 (through the API server's proxy)"),
    (False, "broken", "the API server's proxy answered 503: no endpoints available for service \"web\""),
], ids=["ready", "no-ready-endpoint"])
def test_one_review_per_namespace_and_kind_then_one_get_per_target(api_factory, ready, verdict, detail):
    api = api_factory(objects=[WEB, slice_of(ready), {**WEB, "metadata": {"name": "web", "namespace": "shop"}}])
    kube = kube_of(api)
    targets = [ProxyTarget("default", "web", 80), ProxyTarget("default", "web", "http", path="/health"),
               ProxyTarget("shop", "web", 80)]
    results = through_apiserver(kube, targets)
    assert [(r.verdict, r.detail) for r in results[:2]] == [(verdict, detail)] * 2
    assert results[2].verdict == "broken"  # no slice in shop
    assert [(r.method, r.path) for r in api.log() if "proxy" in r.path or "review" in r.path] == [
        ("POST", "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews"),
        ("POST", "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews"),
        ("GET", "/api/v1/namespaces/default/services/web:80/proxy/"),
        ("GET", "/api/v1/namespaces/default/services/web:http/proxy/health"),
        ("GET", "/api/v1/namespaces/shop/services/web:80/proxy/")]
    reviews = [r.body["spec"]["resourceAttributes"] for r in api.log() if "review" in r.path]
    assert reviews == [{"namespace": ns, "verb": "get", "group": "", "resource": "services", "subresource": "proxy"}
                       for ns in ("default", "shop")]


@pytest.mark.fake_only("a hostile backend, played by the fake's proxy")
def test_a_hostile_backend_is_bounded_and_never_printed(api_factory):
    api = api_factory(objects=[WEB, slice_of(True)])
    secret = "token-that-must-not-leak"
    api.cluster.proxy_answer = lambda request: (
        503, "application/json", status_body(503, "x", "\x1b[2J" + secret)[:60] + b"\x1b" * (8 * 2 ** 20))
    results = through_apiserver(kube_of(api), [ProxyTarget("default", "web", 80)])
    assert [(r.verdict, r.detail) for r in results] == [
        ("warning", "the backend answered HTTP 503 (through the API server's proxy)")]
    assert secret not in json.dumps([r.to_dict() for r in results])


@pytest.mark.fake_only("a pod proxied by the fake")
def test_pods_are_reviewed_and_proxied_as_pods(api_factory):
    pod = {"kind": "Pod", "metadata": {"name": "web-0", "namespace": "default"},
           "spec": {"containers": [{"name": "web", "image": "web"}]}, "status": {"phase": "Running", "podIP": "10.1.0.5"}}
    api = api_factory(objects=[pod])
    results = through_apiserver(kube_of(api), [ProxyTarget("default", "web-0", 8080, resource="pods", scheme="https")])
    assert [(r.verdict, r.command) for r in results] == [
        ("ok", "kubectl get --raw /api/v1/namespaces/default/pods/https:web-0:8080/proxy/")]
    assert [r.body["spec"]["resourceAttributes"]["resource"] for r in api.log() if "review" in r.path] == ["pods"]


# --- the real proxy, in a network namespace ---------------------------------------------------------------

@pytest.mark.fake_only("starts its own real control plane, inside a network namespace")
def test_the_real_proxy_inside_a_network_namespace():
    from realcluster.controlplane import binaries

    needs(binaries() is not None, "no control plane binaries for the real-cluster tier")
    needs(shutil.which("unshare") is not None and shutil.which("ip") is not None, "needs unshare and ip")
    probe = subprocess.run(["unshare", "-rn", "true"], capture_output=True)
    needs(probe.returncode == 0, f"cannot create a network namespace here: {probe.stderr.decode().strip()}")
    script = HERE / "vantages_netns_run.py"
    command = ["unshare", "-rn", "sh", "-c", "ip link set lo up && ip addr add 10.255.0.1/32 dev lo && "
               f'exec "{sys.executable}" "{script}"']
    out = subprocess.run(command, capture_output=True, text=True, timeout=180, cwd=outside_checkout(),
                         env={**os.environ, "PYTHONPATH": str(HERE)})
    assert out.returncode == 0, out.stderr[-3000:]
    answer = json.loads(out.stdout)
    shown = [(r["verdict"], r["detail"].split(":")[0] if r["verdict"] == "broken" else r["detail"])
             for r in answer["results"]]
    assert shown == [
        ("ok", "the backend answered HTTP 200 (through the API server's proxy)"),  # services/web:80
        ("ok", "the backend answered HTTP 404 (through the API server's proxy)"),  # services/web:web, /missing
        ("broken", "the API server's proxy answered 404"),  # a Service without an Endpoints object
        ("broken", "the API server's proxy answered 503"),  # nothing listens at the endpoint
        ("broken", "the API server's proxy answered 404"),  # no such Service
        ("ok", "the backend answered HTTP 200 (through the API server's proxy)"),  # pods/backend:PORT
        ("broken", "the API server's proxy answered 503"),  # pods/backend:CLOSED
    ]
    assert "connection refused" in answer["results"][3]["detail"]
    assert all("\x1b" not in r["detail"] for r in answer["results"])
    assert [verb for verb, _ in answer["sent"]] == ["create", "create"] + ["get"] * 7  # one review per kind
    assert answer["requests"] == 9


# --- pure: a Service's proxy targets ---------------------------------------------------------------------------

@pytest.mark.parametrize("ports, targets", [
    ([{"name": "http", "port": 80}], [("http", 80)]),
    ([{"name": "web", "port": 8443}], [("https", 8443)]),
    ([{"name": "api", "port": 9000, "appProtocol": "https"}], [("https", 9000)]),
    ([{"name": "ws", "port": 9001, "appProtocol": "kubernetes.io/wss"}], [("https", 9001)]),
    ([{"name": "dns", "port": 53, "protocol": "UDP"}, {"name": "metrics", "port": 9100}], []),  # not HTTP
    ([{"name": "grpc", "port": 50051}, {"port": 80}, {"port": "80"}], [("http", 80)]),
], ids=["http-name", "https-number", "app-protocol", "wss", "not-http", "grpc-and-malformed"])
def test_service_targets(ports, targets):
    from kubectl_expose_ext.vantages import service_targets

    service = {"kind": "Service", "metadata": {"name": "web", "namespace": "shop"}, "spec": {"ports": ports}}
    assert [(t.scheme, t.port) for t in service_targets(service)] == targets
    assert all((t.namespace, t.name, t.resource) == ("shop", "web", "services") for t in service_targets(service))


def test_an_external_name_service_has_no_proxy_target():
    from kubectl_expose_ext.vantages import service_targets

    assert service_targets({"metadata": {"name": "x"}, "spec": {"type": "ExternalName", "externalName": "a.example",
                                                                 "ports": [{"port": 80}]}}) == []


@pytest.mark.fake_only("the demo cluster is the fake's")
def test_the_demo_clusters_services_answer_through_the_proxy(demo_api):
    from kubectl_expose_ext.vantages import service_targets

    services = [o for (resource, _, name), o in demo_api.cluster.objects.items()
                if resource == "services" and name != "kubernetes"]  # the API server's own: no EndpointSlice here
    targets = [t for s in services for t in service_targets(s)]
    results = through_apiserver(kube_of(demo_api), targets)
    assert len(results) >= 5 and {r.verdict for r in results} == {"ok"}, [r.to_dict() for r in results]
    assert {r.vantage for r in results} == {"API server proxy (indirect)"}
