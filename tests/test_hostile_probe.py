"""`--probe` against a hostile cluster, driven through the CLI inside a network namespace with only `lo`.

Every command here feeds the CLI addresses a cluster chose (metadata services, multicast, this machine), so it
runs in `unshare -rn` (tests/netns_run.py): not one packet can leave loopback. Listeners are on 127.0.0.1 only;
names are under `.invalid`.
"""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Optional

import pytest

from support import needs, outside_checkout

HERE = Path(__file__).resolve().parent
INJECTION = "/x\r\nHost: 169.254.169.254\r\nMetadata-Flavor: Google\r\n\r\nGET /computeMetadata/v1/ HTTP/1.1\r\nX: y"


def in_netns(scenario: dict, env: Optional[dict] = None) -> dict:
    """Run one scenario (tests/netns_run.py) in a network namespace with only `lo`; `env`: variables to add."""
    needs(shutil.which("unshare") is not None and shutil.which("ip") is not None, "needs unshare and ip (util-linux, iproute2)")
    probe = subprocess.run(["unshare", "-rn", "true"], capture_output=True)
    needs(probe.returncode == 0, f"cannot create a network namespace here: {probe.stderr.decode().strip()}")
    command = ["unshare", "-rn", "sh", "-c", f'ip link set lo up && exec "{sys.executable}" "{HERE / "netns_run.py"}"']
    out = subprocess.run(command, input=json.dumps(scenario), capture_output=True, text=True, timeout=120,
                         cwd=outside_checkout(), env={**os.environ, **(env or {})})
    assert out.returncode == 0, out.stderr[-3000:]
    return json.loads(out.stdout)


def service(name, type_="ClusterIP", **spec):
    return {"kind": "Service", "metadata": {"name": name},
            "spec": {"type": type_, "selector": {"app": name}, "ports": spec.pop("ports", [{"name": "http", "port": 80}]),
                     **spec}}


def node(name, address):
    return {"kind": "Node", "metadata": {"name": name},
            "status": {"addresses": [{"type": "ExternalIP", "address": address}],
                       "conditions": [{"type": "Ready", "status": "True"}]}}


def headers_of(raw: str):
    head, _, rest = raw.partition("\r\n\r\n")
    lines = head.split("\r\n")
    return lines[0], [line.split(":", 1)[0] for line in lines[1:]], rest


# --- request injection -------------------------------------------------------------------------------------

@pytest.mark.parametrize("source", ["ingress", "httproute", "route"])
def test_no_byte_a_cluster_controls_reaches_the_wire_unencoded(source):
    objects = [service("web"), {"kind": "IngressClass", "metadata": {"name": "nginx", "annotations": {
        "ingressclass.kubernetes.io/is-default-class": "true"}}, "spec": {"controller": "k8s.io/ingress-nginx"}}]
    if source == "ingress":
        objects.append({"kind": "Ingress", "metadata": {"name": "web"}, "spec": {"ingressClassName": "nginx", "rules": [
            {"host": "shop.invalid", "http": {"paths": [{"path": INJECTION, "pathType": "ImplementationSpecific",
                                                          "backend": {"service": {"name": "web", "port": {"number": 80}}}}]}}]},
            "status": {"loadBalancer": {"ingress": [{"ip": "127.0.0.1"}]}}})
    elif source == "route":  # OpenShift: the router's canonical name stands in for the host's missing DNS
        objects.append({"kind": "Route", "metadata": {"name": "web"}, "spec": {
            "host": "shop.invalid", "path": INJECTION, "to": {"kind": "Service", "name": "web", "weight": 100},
            "port": {"targetPort": 80}, "wildcardPolicy": "None"},
            "status": {"ingress": [{"host": "shop.invalid", "routerName": "default", "routerCanonicalHostname": "localhost",
                                    "conditions": [{"type": "Admitted", "status": "True"}]}]}})
    else:
        parent = {"name": "edge", "namespace": "default"}
        objects += [{"kind": "Gateway", "metadata": {"name": "edge"},
                     "spec": {"listeners": [{"name": "web", "protocol": "HTTP", "port": 80}]},
                     "status": {"addresses": [{"type": "IPAddress", "value": "127.0.0.1"}]}},
                    {"kind": "HTTPRoute", "metadata": {"name": "web"},
                     "spec": {"parentRefs": [parent], "hostnames": ["shop.invalid"],
                              "rules": [{"matches": [{"path": {"type": "RegularExpression", "value": INJECTION}}],
                                         "backendRefs": [{"name": "web", "port": 80}]}]},
                     "status": {"parents": [{"parentRef": parent,
                                             "conditions": [{"type": "Accepted", "status": "True"}]}]}}]
    result = in_netns({"listeners": {"rec": {"kind": "record", "port": 80}}, "objects": objects,
                       "args": [f"{source}/web", "--probe", "--probe-allow-local", "-o", "json"]})
    assert result["code"] == 0, result["err"]
    (raw,) = result["requests"]["rec"]  # one request: nothing smuggled after it
    request_line, names, rest = headers_of(raw)
    assert request_line == ("GET /x%0D%0AHost:%20169.254.169.254%0D%0AMetadata-Flavor:%20Google%0D%0A%0D%0AGET%20"
                            "/computeMetadata/v1/%20HTTP/1.1%0D%0AX:%20y HTTP/1.1")
    assert names == ["Host", "User-Agent", "Accept", "Connection"] and rest == ""
    assert "Host: shop.invalid\r\n" in raw
    (endpoint,) = json.loads(result["out"])["endpoints"]
    assert endpoint["probe"]["status"] == "ok"


# --- where a probe may connect -----------------------------------------------------------------------------

POLICY_NODES = {"meta": "169.254.169.254", "unspecified": "0.0.0.0", "multicast": "224.0.0.1",
                "broadcast": "255.255.255.255", "linklocal6": "fe80::1", "mapped": "::ffff:169.254.169.254",
                "loop": "127.0.0.1"}


def policy_scenario(*flags):
    objects = [node(name, address) for name, address in POLICY_NODES.items()]
    objects.append(service("web", "LoadBalancer", ipFamilies=["IPv4", "IPv6"], ipFamilyPolicy="RequireDualStack",
                           ports=[{"name": "http", "port": "{port:rec}", "nodePort": "{port:rec}"}]))
    objects[-1]["status"] = {"loadBalancer": {"ingress": [{"hostname": "localhost"}]}}
    return {"listeners": {"rec": {"kind": "record", "port": 30080}}, "objects": objects,
            "args": ["svc/web", "--probe", "-o", "json", *flags]}


def probes_by_host(result):
    return {(e["host"], e["method"]): e["probe"] for e in json.loads(result["out"])["endpoints"]}


def test_cluster_chosen_addresses_are_refused_after_resolution_and_nothing_is_sent():
    result = in_netns(policy_scenario())
    assert result["code"] == 3, result["err"]  # nothing answered: everything was refused
    probes = probes_by_host(result)
    reasons = {host: p["detail"] for (host, _), p in probes.items()}
    assert {p["status"] for p in probes.values()} == {"skipped"}
    assert "link-local address (cloud metadata services live there)" in reasons["169.254.169.254"]
    assert "link-local" in reasons["::ffff:169.254.169.254"] and "link-local" in reasons["fe80::1"]
    assert "unspecified address" in reasons["0.0.0.0"]
    assert "multicast or broadcast" in reasons["224.0.0.1"] and "multicast or broadcast" in reasons["255.255.255.255"]
    assert "loopback or this machine's own address (allow with --probe-allow-local)" in reasons["127.0.0.1"]
    # a name is checked after DNS: localhost resolves to loopback
    assert reasons["localhost"].startswith("not probed: 127.0.0.1: loopback")
    assert result["requests"]["rec"] == []


def test_allow_local_opens_loopback_only():
    result = in_netns(policy_scenario("--probe-allow-local"))
    assert result["code"] == 0, result["err"]
    probes = probes_by_host(result)
    assert probes[("127.0.0.1", "NodePort")]["status"] == "ok" and probes[("localhost", "LoadBalancer")]["status"] == "ok"
    others = {host for (host, _), p in probes.items() if p["status"] == "skipped"}
    assert others == set(POLICY_NODES.values()) - {"127.0.0.1"}  # metadata, multicast... still never
    assert len(result["requests"]["rec"]) == 2


def test_the_proxy_fallback_obeys_the_policy_too():
    objects = [service("web"), {"kind": "Ingress", "metadata": {"name": "web"}, "spec": {"rules": [
        {"host": "shop.invalid", "http": {"paths": [{"path": "/", "pathType": "Prefix",
                                                      "backend": {"service": {"name": "web", "port": {"number": 80}}}}]}}]},
        "status": {"loadBalancer": {"ingress": [{"ip": "169.254.169.254"}]}}}]
    result = in_netns({"objects": objects, "args": ["ingress/web", "--probe", "--probe-allow-local", "-o", "json"]})
    (endpoint,) = json.loads(result["out"])["endpoints"]
    assert endpoint["probe"]["status"] == "skipped"
    assert endpoint["probe"]["detail"] == "not probed: 169.254.169.254: link-local address (cloud metadata services live there)"


# --- deadlines and sizes -------------------------------------------------------------------------------------

@pytest.mark.parametrize("kind, status", [("trickle", "timeout"), ("flood", "ok")])
def test_the_timeout_bounds_the_whole_probe_and_reads_are_capped(kind, status):
    objects = [node("loop", "127.0.0.1"),
               service("web", "NodePort", ports=[{"name": "http", "port": 80, "nodePort": "{port:slow}"}])]
    result = in_netns({"listeners": {"slow": {"kind": kind}}, "objects": objects,
                       "args": ["svc/web", "--probe", "--probe-allow-local", "--timeout", "1s", "-o", "json"]})
    (endpoint,) = json.loads(result["out"])["endpoints"]
    assert endpoint["probe"]["status"] == status, endpoint["probe"]
    assert result["seconds"] < 4  # one 1 s deadline (plus the interpreter), not one per byte


# --- names that are not names --------------------------------------------------------------------------------

def test_hosts_that_cannot_be_encoded_are_a_per_url_error():
    rules = [{"host": host, "http": {"paths": [{"path": "/", "pathType": "Prefix",
                                                 "backend": {"service": {"name": "web", "port": {"number": 80}}}}]}}
             for host in ("a" * 64 + ".invalid", "b..invalid")]
    objects = [node("loop", "127.0.0.1"),
               service("web", "NodePort", ports=[{"name": "http", "port": 80, "nodePort": "{port:rec}"}]),
               {"kind": "Ingress", "metadata": {"name": "web"}, "spec": {"rules": rules},
                "status": {"loadBalancer": {"ingress": [{"ip": "127.0.0.1"}]}}}]
    result = in_netns({"listeners": {"rec": {"kind": "record"}}, "objects": objects,
                       "args": ["svc/web", "--probe", "--probe-allow-local", "-o", "json"]})
    assert result["code"] == 0 and "internal error" not in result["err"], result["err"]
    probes = {e["host"]: e["probe"] for e in json.loads(result["out"])["endpoints"]}
    assert probes["127.0.0.1"]["status"] == "ok"
    for host in ("a" * 64 + ".invalid", "b..invalid"):  # the one rule for hosts (urls.py), before any DNS query
        assert probes[host] == {"status": "error", "latency_ms": None,
                                "detail": "not probed: its host is not a DNS name (RFC 1123) nor an IP address"}


def test_wait_with_probe_waits_for_an_answer(tmp_path):
    """--wait --probe: until a URL answers; a NodePort nothing listens on times out saying so (loopback only)."""
    objects = [node("n1", "127.0.0.1"),
               service("web", "LoadBalancer", ports=[{"name": "http", "port": 80, "nodePort": "{port:web}"}],
                       externalTrafficPolicy="Cluster")]
    objects[1]["status"] = {"loadBalancer": {"ingress": [{"ip": "127.0.0.1"}]}}
    del objects[1]["spec"]["selector"]  # endpoints managed by hand: readiness is the probe's to tell
    answered = in_netns({"listeners": {"web": {"kind": "record"}}, "objects": objects,
                         "args": ["svc/web", "--wait=10s", "--probe", "--probe-allow-local", "-o", "url"]})
    assert answered["code"] == 0 and answered["seconds"] < 8, answered["err"]
    assert answered["out"].splitlines()[0].startswith("http://127.0.0.1:")
    silent = [node("n1", "127.0.0.1"), service("web", "NodePort", ports=[{"name": "http", "port": 80, "nodePort": 30999}])]
    del silent[1]["spec"]["selector"]
    timed_out = in_netns({"objects": silent, "args": ["svc/web", "--wait=2s", "--probe", "--probe-allow-local",
                                                      "-o", "url"]})
    assert timed_out["code"] == 1 and timed_out["out"] == ""
    assert timed_out["err"].splitlines()[-2:] == ["Warning: svc/web: no URL answers yet",
                                                  "error: timed out waiting for the condition on svc/web"]
