"""Faults from the API server, bad input and hostile contents: every case ends in a clear message or a right answer."""

import json

import pytest

from kubectl_expose_ext import kube


@pytest.fixture(autouse=True)
def no_real_sleeping(monkeypatch):
    """Retries wait (backoff, Retry-After); the tests record the waits instead of sleeping them."""
    waits = []
    monkeypatch.setattr(kube.Kube, "sleep", staticmethod(waits.append))
    return waits


def one_error_line(outcome, *fragments):
    assert outcome.code == 1 and outcome.out == ""
    lines = outcome.err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), outcome.err
    for fragment in fragments:
        assert fragment in lines[0], lines[0]
    assert "Traceback" not in outcome.err


# --- faults ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("status", [500, 502, 503, 504, 429])
def test_reads_are_retried_then_answer(demo_api, status, no_real_sleeping):
    demo_api.cluster.inject(method="GET", path="/services/influxdb", status=status, times=2)
    out = demo_api.reach("svc/influxdb", "-o", "url")
    assert out.code == 0 and "http://203.0.113.10:30000" in out.out
    assert no_real_sleeping == [0.25, 0.5]  # exponential backoff


def test_retry_after_is_honoured_and_capped(demo_api, no_real_sleeping):
    demo_api.cluster.inject(method="GET", path="/api/v1/nodes", status=429, retry_after="3")
    demo_api.cluster.inject(method="GET", path="/api/v1/nodes", status=503, retry_after="86400")
    assert demo_api.reach("svc/influxdb", "-o", "url").code == 0
    assert no_real_sleeping == [3.0, 10.0]


def test_retries_are_bounded(demo_api, no_real_sleeping):
    demo_api.cluster.inject(method="GET", path="/services/influxdb", status=503, times=100)
    one_error_line(demo_api.reach("svc/influxdb"), "injected fault: ServiceUnavailable")
    assert len(demo_api.cluster.requests("GET", "/services/influxdb")) == 4
    assert no_real_sleeping == [0.25, 0.5, 1.0]


def test_writes_are_never_retried(demo_api, no_real_sleeping):
    demo_api.cluster.inject(method="PATCH", path="/services/influxdb", status=503, times=100)
    one_error_line(demo_api.reach("convert", "svc/influxdb", "--to", "clusterip", "--dry-run"), "injected fault")
    assert len(demo_api.cluster.requests("PATCH")) == 1 and no_real_sleeping == []


@pytest.mark.parametrize("fault, message", [
    ({"reset": True, "times": 10}, "broke before the answer was complete"),
    ({"truncate": True, "times": 10}, "broke before the answer was complete"),
    ({"body": b"<html>502 Bad Gateway</html>", "times": 10}, "invalid response to GET /api/v1/namespaces/default/services/influxdb (not a JSON object)"),
    ({"body": b"[1, 2, 3]", "times": 10}, "not a JSON object"),
])
def test_broken_transport_and_bodies(demo_api, fault, message):
    demo_api.cluster.inject(method="GET", path="/services/influxdb", **fault)
    one_error_line(demo_api.reach("svc/influxdb"), message)


def test_a_broken_connection_recovers_on_retry(demo_api):
    demo_api.cluster.inject(method="GET", path="/services/influxdb", reset=True)
    assert demo_api.reach("svc/influxdb", "-o", "url").code == 0


def test_slow_server_and_request_timeout(demo_api):
    demo_api.cluster.inject(method="GET", path="/services/influxdb", delay=2.0, times=10)
    out = demo_api.reach("svc/influxdb", "--request-timeout", "200ms")
    one_error_line(out, "did not answer within 0.2s (use --request-timeout to wait longer)")


def test_expired_continue_token_restarts_the_list(api_factory):
    from builders import many_nodes_cluster

    cluster = many_nodes_cluster(1200)
    cluster.add({"kind": "Node", "metadata": {"name": "node-named"},  # only a Hostname: the objects are read, paged
                 "status": {"addresses": [{"type": "Hostname", "address": "node-named.example.internal"}]}})
    api = api_factory(cluster=cluster)
    cluster.inject(method="GET", path="/api/v1/nodes", query="continue", status=410)
    out = api.reach("svc/web", "-o", "url")
    assert out.code == 0 and len(out.out.split()) == 1201  # no node lost, none twice
    lists = [r for r in cluster.log if r.path == "/api/v1/nodes" and "includeObject" not in r.query]
    assert [("limit" in r.query, "continue" in r.query, r.status) for r in lists] == [
        (True, False, 200), (True, True, 410), (False, False, 200)]


def test_connection_refused_is_not_retried(tmp_path, capsys, no_real_sleeping):
    from kubectl_expose_ext.cli import run

    config = tmp_path / "config"
    config.write_text("apiVersion: v1\nkind: Config\ncurrent-context: c\nclusters: [{name: c, cluster: {server: "
                      "'http://127.0.0.1:9'}}]\nusers: [{name: c, user: {}}]\ncontexts: [{name: c, context: "
                      "{cluster: c, user: c}}]\n")
    assert run(["svc/x", "--kubeconfig", str(config)]) == 1
    assert "was refused" in capsys.readouterr().err and no_real_sleeping == []


def test_convert_writes_once_and_reads_nothing_after(demo_api):
    """A change is one write; everything shown after it was read before it, so nothing can fail half-way."""
    assert demo_api.reach("convert", "svc/influxdb", "--to", "loadbalancer", "--yes").code == 0
    assert demo_api.cluster.log[-1].method == "PATCH" and not demo_api.cluster.log[-1].dry_run
    assert demo_api.reach("convert", "svc/influxdb", "--to", "ingress", "--host", "n.example.com",
                          "--ingress-name", "n", "--yes").code == 0
    assert demo_api.cluster.log[-1].method == "POST" and not demo_api.cluster.log[-1].dry_run


def test_convert_says_which_permission_is_missing(demo_api):
    demo_api.cluster.forbid("patch", "services")
    out = demo_api.reach("convert", "svc/influxdb", "--to", "clusterip", "--dry-run")
    one_error_line(out, 'services "influxdb" is forbidden: User "system:serviceaccount:default:reach" cannot patch '
                        'resource "services" in API group "" in the namespace "default"')


def test_verbose_log_masks_credentials(demo_api):
    """(Over https the token is logged as `Bearer <masked>`: tests/test_auth.py. The fake speaks http: not sent.)"""
    out = demo_api.reach("svc/influxdb", "-o", "url", "-v", "8", "--token", "fake-token")
    assert out.code == 0
    assert "GET http://127.0.0.1" in out.err and " 200 OK in " in out.err
    assert "Request Authorization" not in out.err and "fake-token" not in out.err


# --- bad input: one line, exit 1, nothing sent ------------------------------------------------------

BAD_INPUTS = [
    ["pod/"], ["/x"], ["foo/bar"], ["pod/a/b"], ["pod/Bad_Name"], ["pod/" + "x" * 300], ["pod/-x"], ["pod/x."],
    ["svc", "a", "pod/b"], ["pod", "svc/x"], ["svc/x", "-l", "app=x"], ["svc/x", "-o", "xml"], ["svc/x", "-o", "jsonpath={.x"], ["svc/x", "-o", "go-template={{.x}}"], ["svc/x", "--sort-by", "[x"], ["svc/x", "-A"],
    ["svc/x", "--address-type", "Public"], ["svc/x", "--request-timeout", "soon"], ["svc/x", "--request-timeout", "-1"],
    ["svc/x", "-v", "99"], ["svc/x", "--no-such-flag"], ["svc/x", "-n"],
    ["convert"], ["convert", "svc/x"], ["convert", "x", "--to", "nodeport"], ["convert", "svc/x", "--to", "bogus"],
    ["convert", "svc/x", "--to", "nodeport", "--node-port", "x"], ["convert", "svc/x", "--to", "nodeport", "--node-port", "0"],
    ["convert", "svc/x", "--to", "nodeport", "--node-port", "65536"], ["convert", "svc/x", "--to", "nodeport", "--node-port", "a=b"],
    ["convert", "svc/x", "--to", "ingress", "--host", "UPPER.example.com"], ["convert", "svc/x", "--to", "ingress", "--host", "a_b.com"],
    ["convert", "svc/x", "--to", "ingress", "--host", "a.example.com:80"], ["convert", "svc/x", "--to", "ingress", "--host", "-a.com"],
    ["convert", "svc/x", "--to", "ingress", "--host", "a.com", "--path-type", "Regex"],
    ["convert", "svc/x", "--to", "ingress", "--host", "a.com", "--path", "/a/../b"],
    ["convert", "svc/x", "--to", "loadbalancer", "--source-range", "everywhere"],
    ["convert", "svc/x", "--to", "nodeport", "--external-traffic-policy", "local"],
    ["convert", "deploy/x", "--to", "hostport", "--port", "http"], ["convert", "deploy/x", "--to", "hostport", "--port", "80=0"],
    ["convert", "deploy/x", "--to", "clusterip"], ["convert", "ingress/x", "--to", "nodeport"],
    ["convert", "svc/x", "--to", "nodeport", "--host", "a.com"], ["convert", "svc/x", "--undo", "--to", "nodeport"],
    ["convert", "svc/x", "--to", "nodeport", "-o", "table"], ["undo"], ["undo", "x"], ["completion", "tcsh"],
]


@pytest.mark.parametrize("args", BAD_INPUTS, ids=lambda a: " ".join(a)[:60])
def test_bad_input_is_one_error_line_and_sends_nothing(demo_api, args):
    one_error_line(demo_api.reach(*args))
    assert demo_api.cluster.log == []


# --- hostile contents --------------------------------------------------------------------------------

def test_escape_sequences_from_the_cluster_never_reach_the_terminal(api_factory):
    evil = "\x1b]0;owned\x07\x1b[2J\r"
    api = api_factory(objects=[
        {"kind": "Node", "metadata": {"name": "n1"}, "status": {"addresses": [{"type": "ExternalIP", "address": "203.0.113.1"}]}},
        {"kind": "Service", "metadata": {"name": "web"}, "spec": {
            "type": "LoadBalancer", "ports": [{"name": f"http{evil}", "port": 80, "nodePort": 30080}],
            "loadBalancerSourceRanges": [f"10.0.0.0/8{evil}"]},
         "status": {"loadBalancer": {"ingress": [{"hostname": f"lb{evil}.example.com"}]}}},
        {"kind": "Ingress", "metadata": {"name": "i"}, "spec": {"ingressClassName": f"x{evil}", "rules": [
            {"host": f"a{evil}.example.com", "http": {"paths": [{"path": f"/{evil}", "pathType": "Prefix",
                                                                 "backend": {"service": {"name": "web", "port": {"number": 80}}}}]}}]}}])
    for args in (["svc/web"], ["svc/web", "-o", "wide"], ["-A"], ["ingress/i"]):
        out = api.reach(*args)
        assert out.code == 0
        for stream in (out.out, out.err):
            assert "\x1b" not in stream and "\x07" not in stream and "\r" not in stream
    assert "\\x1b]0;owned\\x07" in api.reach("svc/web").out
    doc = json.loads(api.reach("svc/web", "-o", "json").out)  # JSON stays exact (and escaped by json itself)
    assert any(e["host"] == f"lb{evil}.example.com" for e in doc["endpoints"])
