"""Round 2 of the hostile-input review (issue 24), one test per attack: URLs whose authority is not their host,
completion against silent servers and forged names, JSONPath templates that backtracked, endless pagers, convert's
lists and values. The krew cache is in test_krew_cache.py, the watches in test_watch_bounds.py.

Whatever feeds the CLI cluster-chosen addresses runs in a network namespace with only `lo` (in_netns).
"""

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from test_hostile_probe import in_netns, node, service

# Hosts a hostile server or cluster supplies where the API server validates nothing (node addresses, Gateway
# addresses of a custom type), each making a URL whose host is not the one shown.
HOSTILE_HOSTS = ["bank.invalid@evil.invalid", "evil.invalid#.bank.invalid", "evil.invalid?.bank.invalid",
                 "evil.invalid/.bank.invalid", "evil.invalid\\.bank.invalid", "evil .invalid", "evil%2einvalid",
                 "2130706433", "0x7f.1"]


def hostile_cluster():
    """A NodePort Service on one good node (127.0.0.1) and a node per hostile host; a Gateway whose custom-type
    address is hostile; an Ingress whose path, not starting with `/`, would extend its host."""
    objects = [node("good", "127.0.0.1"), *(node(f"n{i}", host) for i, host in enumerate(HOSTILE_HOSTS)),
               service("web", "NodePort", ports=[{"name": "http", "port": 80, "nodePort": "{port:rec}"}])]
    objects[-1]["spec"].pop("selector")
    parent = {"name": "edge", "namespace": "default"}
    objects += [
        {"kind": "Gateway", "metadata": {"name": "edge"},
         "spec": {"listeners": [{"name": "web", "protocol": "HTTPS", "port": 443}]},
         "status": {"addresses": [{"type": "example.com/custom", "value": "bank.invalid@evil.invalid"}]}},
        {"kind": "HTTPRoute", "metadata": {"name": "web"},
         "spec": {"parentRefs": [parent], "rules": [{"backendRefs": [{"name": "web", "port": 80}]}]},
         "status": {"parents": [{"parentRef": parent, "conditions": [{"type": "Accepted", "status": "True"}]}]}},
        {"kind": "IngressClass", "metadata": {"name": "nginx", "annotations": {
            "ingressclass.kubernetes.io/is-default-class": "true"}}, "spec": {"controller": "k8s.io/ingress-nginx"}},
        {"kind": "Ingress", "metadata": {"name": "web"}, "spec": {"ingressClassName": "nginx", "rules": [
            {"host": "bank.invalid", "http": {"paths": [{"path": "@evil.invalid", "pathType": "ImplementationSpecific",
                                                         "backend": {"service": {"name": "web", "port": {"number": 80}}}}]}}]},
         "status": {"loadBalancer": {"ingress": [{"ip": "127.0.0.1"}]}}}]
    return objects


def test_urls_whose_authority_is_not_their_host_are_never_handed_on(tmp_path):
    opened, browser = tmp_path / "opened", tmp_path / "browser"
    browser.write_text(f"#!/bin/sh\nprintf '%s\\n' \"$1\" >> {opened}\n")
    browser.chmod(0o755)
    scenario = {"listeners": {"rec": {"kind": "record"}}, "objects": hostile_cluster()}
    listed = in_netns({**scenario, "args": ["svc/web", "-o", "url", "--open"]}, env={"BROWSER": str(browser)})
    assert listed["code"] == 0, listed["err"]
    good = f"http://127.0.0.1:{listed['ports']['rec']}"
    assert listed["out"].splitlines() == [good]  # the one URL whose host is what the table shows
    refused = [line for line in listed["err"].splitlines() if line.startswith("Warning: URL not printed")]
    assert len(refused) == len(HOSTILE_HOSTS) + 2  # every node, the Gateway's address, the Ingress's path
    assert "Warning: URL not printed: http://bank.invalid@evil.invalid: its authority is not exactly its host and " \
           "port" in listed["err"].replace("<masked>", "bank.invalid")  # (the Ingress; the warning masks userinfo)
    assert "its host ends in a number but is no IP address (a browser would read it as one)" in listed["err"]
    # --open: the good http URL, not the https ones (preferred, but refused), and the line says it exactly
    assert f"Opening {good} in the browser" in listed["err"].splitlines()
    assert opened.read_text() == good + "\n"
    probed = in_netns({**scenario, "args": ["svc/web", "--probe", "--probe-allow-local", "-o", "json"]})
    probes = {e["url"]: e["probe"] for e in json.loads(probed["out"])["endpoints"]}
    good = f"http://127.0.0.1:{probed['ports']['rec']}"
    assert probes[good]["status"] == "ok" and len(probed["requests"]["rec"]) == 1  # nothing else was dialled
    for url, probe in probes.items():
        if url != good:
            assert probe["status"] == "error" and probe["detail"].startswith("not probed: its "), (url, probe)
    waited = in_netns({"objects": [node(f"n{i}", h) for i, h in enumerate(HOSTILE_HOSTS)]
                       + [service("web", "NodePort", ports=[{"name": "http", "port": 80, "nodePort": 30080}])],
                       "args": ["svc/web", "--wait=1s", "-o", "url"]})
    assert waited["code"] == 1 and waited["out"] == ""  # not one of them counts as reachable
    assert "no external URL that can work yet" in waited["err"]


@pytest.mark.parametrize("host, why", [
    ("bank.invalid@evil.invalid", "not a DNS name"), ("a" * 64 + ".invalid", "not a DNS name"),
    ("shop.invalid.", "not a DNS name"), ("-shop.invalid", "not a DNS name"), ("b\u00fccher.invalid", "not a DNS name"),
    ("1.2.3", "ends in a number"), ("010.0.0.1", "ends in a number"), ("[::1]", "not a DNS name"),
    ("fe80::1%eth0", "not a DNS name"), ("", "not a DNS name"),
])
def test_the_host_rule(host, why):
    from kubectl_expose_ext.urls import host_problem

    assert why in (host_problem(host) or "")


@pytest.mark.parametrize("host", ["shop.example.com", "NODE-1.example", "10.0.0.1", "2001:db8::1", "::ffff:1.2.3.4",
                                  "xn--bcher-kva.example", "a" * 63 + ".example"])
def test_hosts_that_pass_the_rule(host):
    from kubectl_expose_ext.urls import host_problem, url_problem

    shown = f"[{host}]" if ":" in host else host
    assert host_problem(host) is None
    assert url_problem(f"https://{shown}:8443/x?y#z", host, 8443) is None
    assert url_problem(f"https://{shown}/x", host, 443) is None
    assert "authority" in url_problem(f"https://{shown}:8443@evil.example/", host, 8443)


def _urlsplit_rule(url, host, port):
    """url_problem's authority test as it was, with urllib's urlsplit: the referee of the one-regex version."""
    from urllib.parse import urlsplit

    shown = f"[{host}]" if ":" in host else host
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return parts.username is None and parts.netloc in (shown, f"{shown}:{port}")


@settings(max_examples=500, deadline=None)
@given(st.sampled_from(["shop.example.com", "10.0.0.1", "2001:db8::1", "a-1.example"]),
       st.sampled_from(["https", "http", "tcp", "grpc+tls", "h", "1x", ""]),
       st.lists(st.sampled_from(["://", "//", "/", ":", "8443", "443", "@", "evil.example", "?", "#", "[", "]", "%40",
                                 "x", "\\", ".", "\t", " ", "\n"]), max_size=6),
       st.sampled_from([8443, 443]))
def test_the_authority_rule_agrees_with_urlsplit(host, scheme, tail, port):
    """The same verdicts as urlsplit's netloc, but stricter where urlsplit forgives: it drops tabs and newlines and
    strips leading spaces and controls, and Python 3.9's takes a scheme starting with a digit; the one-regex version
    takes neither (RFC 3986, 3.1: a scheme starts with a letter)."""
    from kubectl_expose_ext.urls import url_problem

    shown = f"[{host}]" if ":" in host else host
    for url in (f"{scheme}://{shown}{''.join(tail)}", f"{scheme}://{''.join(tail)}", f"{scheme}:{shown}:{port}/"):
        accepted = url_problem(url, host, port) is None
        if accepted:
            assert _urlsplit_rule(url, host, port), url
        elif not any(c in url for c in "\t\n ") and scheme[:1].isalpha():
            assert not _urlsplit_rule(url, host, port), url


# --- an endless pager (issue 24, from round 1) ----------------------------------------------------------------

TRACED = """
import sys, tracemalloc
tracemalloc.start()
from kubectl_expose_ext.cli import run
code = run(["svc/web"])
sys.stderr.write(f"peak {tracemalloc.get_traced_memory()[1]}\\n")
sys.exit(code)
"""


def test_an_endless_pager_ends_in_one_error_within_bounds(api_factory):
    """A server whose continue tokens are new on every page, 50 KB each: one error after MAX_PAGES pages (it was
    10,000 pages, ~100 s and ~2.5 GB), counted in requests; the tokens are not kept (the CLI's own peak memory,
    traced in its process, stays far below the 50 MB that 1,000 of them make)."""
    import subprocess
    import sys

    from kubectl_expose_ext.kube import MAX_PAGES
    from support import outside_checkout

    api = api_factory(objects=[{"kind": "Service", "metadata": {"name": "web"},
                                "spec": {"type": "NodePort", "ports": [{"port": 80, "nodePort": 30080}]}}])
    for page in range(MAX_PAGES + 10):
        body = {"kind": "NodeList", "apiVersion": "v1", "metadata": {"continue": f"{page:06d}" + "t" * 50_000},
                "items": [{"metadata": {"name": f"n{page}"}}]}
        api.cluster.inject(path="/api/v1/nodes", body=json.dumps(body).encode())
    out = subprocess.run([sys.executable, "-c", TRACED], env=api.env(), capture_output=True, text=True, timeout=300,
                         cwd=outside_checkout())
    error, peak = out.stderr.splitlines()
    assert out.returncode == 1 and error == (f"error: the server's LIST of nodes did not end after {MAX_PAGES:,} pages "
                                             "of 500: narrow it with -n, -l or --field-selector, or the server's "
                                             "continue tokens never end"), out.stderr
    assert MAX_PAGES <= sum(f.hits for f in api.cluster.faults) <= MAX_PAGES + 2
    assert int(peak.split()[1]) < 25 * 2 ** 20, peak


# --- convert: its URL lists and its --host/--path (issue 24, from round 1) -------------------------------------

@pytest.mark.parametrize("flags, says", [
    (["--host", "shop.invalid", "--path", "/a\nb"], 'invalid --path "/a\\x0ab": a path holds no control character'),
    (["--host", "shop.invalid", "--path", "/a b", "--path-type", "Exact"], "a path holds no control character or space"),
    (["--host", "shop.invalid", "--path", "/a?b"], "a Prefix path holds URL path characters only"),
    (["--host", "shop.invalid", "--path", "api(.*)", "--path-type", "ImplementationSpecific"],
     "must be an absolute path"),
    (["--host", "shop.invalid\n", "--path", "/"], 'invalid --host "shop.invalid\\x0a"'),
    (["--host", "bank.invalid@evil.invalid"], "must be a lowercase DNS name"),
    (["--host", "shop.123"], "must be a lowercase DNS name"),
])
def test_convert_checks_host_and_path_as_the_api_server_does_before_any_request(api_factory, flags, says):
    api = api_factory(objects=[{"kind": "Service", "metadata": {"name": "web"},
                                "spec": {"type": "ClusterIP", "ports": [{"port": 80}]}}])
    before = len(api.log())
    out = api.reach("convert", "svc/web", "--to", "ingress", *flags, "--dry-run")
    assert out.code == 1 and out.err.count("\n") == 1 and out.err.startswith("error: ") and says in out.err, out.err
    assert api.log(before) == []  # nothing was sent


def test_convert_lists_each_url_on_one_escaped_line(api_factory):
    """A load balancer hostname (and a node address) holding a newline: "URLs removed" prints each URL on one
    line, escaped, not a forged second line."""
    service = {"kind": "Service", "metadata": {"name": "web"},
               "spec": {"type": "LoadBalancer", "ports": [{"port": 80, "nodePort": 30080}]},
               "status": {"loadBalancer": {"ingress": [{"hostname": "lb.invalid\n  + http://forged.invalid"}]}}}
    node = {"kind": "Node", "metadata": {"name": "n1"}, "status": {
        "conditions": [{"type": "Ready", "status": "True"}],
        "addresses": [{"type": "ExternalIP", "address": "n1.invalid\n  - http://forged.invalid"}]}}
    api = api_factory(objects=[node, service])
    out = api.reach("convert", "svc/web", "--to", "clusterip", "--dry-run")
    assert out.code == 0, out.err
    listed = out.out[out.out.index("URLs removed:"):].splitlines()
    assert listed == ["URLs removed:", "  - http://[n1.invalid\\x0a  - http://forged.invalid]:30080",
                      "  - http://[lb.invalid\\x0a  + http://forged.invalid]:80"]  # (a ":" in a host: bracketed)
