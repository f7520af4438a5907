"""The one order of URLs (ranking.py), a case per rule, then through the CLI: the table, `-o url | head -1` and --open
give a LoadBalancer Service's load balancer first."""

import types

import pytest

from kubectl_expose_ext.endpoints import Endpoint
from kubectl_expose_ext.ranking import ranked
from support import run_installed

LB = Endpoint("LoadBalancer", "http", "198.51.100.20", 80)
LB_INTERNAL = Endpoint("LoadBalancer", "http", "10.0.4.7", 80)
LB_INTERNAL_NAME = Endpoint("LoadBalancer", "http", "internal-web.elb.amazonaws.com", 80,
                            internal="the AWS Load Balancer Controller's default scheme")
INGRESS_HTTPS = Endpoint("Ingress", "https", "web.example.com", 443, path="/")
INGRESS_HTTP = Endpoint("Ingress", "http", "web.example.com", 80, path="/")
GATEWAY_TLS = Endpoint("Gateway", "tls", "tls.example.com", 443)
EXTERNAL_IP = Endpoint("ExternalIP", "http", "203.0.113.50", 80)
NODE_A = Endpoint("NodePort", "http", "203.0.113.10", 30080, node="node-a")
NODE_B = Endpoint("NodePort", "http", "203.0.113.11", 30080, node="node-b")
NODE_PRIVATE = Endpoint("NodePort", "http", "192.168.1.10", 30080, node="node-p")
HOST_PORT = Endpoint("hostPort", "http", "203.0.113.12", 8080, node="node-c")
DEAD = Endpoint("Ingress", "https", "dead.example.com", 443, path="/", dead="its IngressClass is missing")
WILDCARD = Endpoint("Ingress", "https", "*.preview.example.com", 443, path="/")


def probes(**answered):
    return {e.key(): types.SimpleNamespace(answered=a) for e, a in answered.values()}


CASES = [  # (rule, given in this order, expected order, probes or None)
    ("a load balancer first, then a virtual host, an external IP, a node's address",
     [NODE_A, EXTERNAL_IP, INGRESS_HTTPS, LB], [LB, INGRESS_HTTPS, EXTERNAL_IP, NODE_A], None),
    ("hostPort and hostNetwork rank with node ports", [HOST_PORT, EXTERNAL_IP], [EXTERNAL_IP, HOST_PORT], None),
    ("https before http, then other schemes", [GATEWAY_TLS, INGRESS_HTTP, INGRESS_HTTPS],
     [INGRESS_HTTPS, INGRESS_HTTP, GATEWAY_TLS], None),
    ("public before internal: a private address", [LB_INTERNAL, NODE_A], [NODE_A, LB_INTERNAL], None),
    ("public before internal: an internal load balancer's name", [LB_INTERNAL_NAME, NODE_A], [NODE_A, LB_INTERNAL_NAME],
     None),
    ("public before internal, among node ports", [NODE_PRIVATE, NODE_A], [NODE_A, NODE_PRIVATE], None),
    ("one that can work before one that cannot", [DEAD, WILDCARD, NODE_A], [NODE_A, DEAD, WILDCARD], None),
    ("with --probe, answering first", [LB, NODE_A], [NODE_A, LB], {"a": (LB, False), "b": (NODE_A, True)}),
    ("the computed order otherwise (best node first)", [NODE_B, NODE_A], [NODE_B, NODE_A], None),
]


@pytest.mark.parametrize("rule, given, expected, answered", CASES, ids=[c[0] for c in CASES])
def test_ranking_rule(rule, given, expected, answered):
    assert [e.url for e in ranked(given, probes(**answered) if answered else None)] == [e.url for e in expected]


def test_a_load_balancer_service_gives_its_load_balancer_first(demo_api, tmp_path):
    """The table, `-o url | head -1` and --open agree: the load balancer (it used to come third, after NodePorts)."""
    table = demo_api.reach("svc/influxdb-lb").out.splitlines()
    assert table[1].split()[:2] == ["LoadBalancer", "http://198.51.100.20:8086"]
    seen, browser = tmp_path / "opened", tmp_path / "browser"
    browser.write_text(f"#!/bin/sh\necho \"$1\" >> {seen}\n")
    browser.chmod(0o755)
    done = run_installed(["kubectl-reach", "svc/influxdb-lb", "-o", "url", "--open"],
                         {**demo_api.env(), "BROWSER": str(browser)})
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[0] == "http://198.51.100.20:8086"
    assert seen.read_text() == "http://198.51.100.20:8086\n"


def test_the_audit_url_column_shows_the_best_way_in(demo_api):
    row = next(line for line in demo_api.reach("audit").out.splitlines() if line.startswith("svc/influxdb-lb"))
    assert "http://198.51.100.20:8086 (+" in row
