"""Pure parts of convert: the Ingress to create, pod-template patches, and the diff."""

import json

import pytest

from kubectl_expose_ext.convert import UNDO_ANNOTATION
from kubectl_expose_ext.convert.diff import (ALLOCATED, dry_run_placeholders, mark_allocated, show_placeholder_urls,
                                             unified_diff, url_changes)
from kubectl_expose_ext.convert.ingress import (choose_class, ingress_for, routes_conflicting, ingress_port,
                                                validate_host, validate_path)
from kubectl_expose_ext.convert.workload import (host_network_patch, host_port_patch, parse_port, pod_security_warning,
                                                 undo_template_patch)
from kubectl_expose_ext.errors import UsageError
from kubectl_expose_ext.objects import merge_patch
from builders import ingress, ingress_class, service

WEB = service("web", {"name": "http", "port": 80, "targetPort": 8080}, selector={"app": "web"})


# --- Ingress ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("host", ["a.example.com", "*.apps.example.com", "x-1.b2.example.io", "intranet"])
def test_valid_hosts(host):
    assert validate_host(host) == host


@pytest.mark.parametrize("host", ["", "Example.com", "a..b", "-a.example.com", "a.example.com:443", "10.0.0.1",
                                  "2001:db8::1", "*.*.example.com", "*", "a" * 254 + ".com", "a\nb.example.com",
                                  "bank.example@evil.example", "a" * 64 + ".example.com", "example.123", "*.1"])
def test_invalid_hosts(host):
    with pytest.raises(UsageError):
        validate_host(host)


@pytest.mark.parametrize("path, path_type, ok", [("/", "Prefix", True), ("/api/v1", "Exact", True),
                                                 ("api", "Prefix", False), ("/a//b", "Prefix", False),
                                                 ("/a/..", "Prefix", False), ("/%2fx", "Prefix", False),
                                                 ("/anything(.*)", "ImplementationSpecific", True), ("/", "Regex", False),
                                                 # the API server: an ImplementationSpecific path is absolute too
                                                 ("anything(.*)", "ImplementationSpecific", False),
                                                 # beyond it (it stores them): no control character or space,
                                                 # and URL path characters only in a Prefix or Exact path
                                                 ("/a\nb", "Prefix", False), ("/a\nb", "ImplementationSpecific", False),
                                                 ("/a b", "Exact", False), ("/a?b", "Prefix", False),
                                                 ("/a\u202eb", "Prefix", False), ("/%zz", "Prefix", False),
                                                 ("/a%20b/~c@d:e", "Prefix", True), ("/a.", "Prefix", True),
                                                 ("/a/.", "Exact", False)])
def test_paths(path, path_type, ok):
    if ok:
        validate_path(path, path_type)
    else:
        with pytest.raises(UsageError):
            validate_path(path, path_type)


def test_ingress_object_routes_by_port_name_when_there_is_one():
    body = ingress_for(WEB, "web.example.com", class_name="nginx", tls_secret="web-tls")
    assert body["spec"]["ingressClassName"] == "nginx"
    assert body["spec"]["rules"][0]["http"]["paths"][0]["backend"] == {"service": {"name": "web", "port": {"name": "http"}}}
    assert body["spec"]["tls"] == [{"hosts": ["web.example.com"], "secretName": "web-tls"}]
    unnamed = service("raw", {"port": 9000})
    assert ingress_for(unnamed, "r.example.com")["spec"]["rules"][0]["http"]["paths"][0]["backend"]["service"]["port"] \
        == {"number": 9000}


def test_service_port_choice():
    two = service("two", {"name": "http", "port": 80}, {"name": "admin", "port": 9000})
    assert ingress_port(two, "admin")["port"] == 9000 and ingress_port(two, "80")["name"] == "http"
    with pytest.raises(UsageError, match="has 2 ports"):
        ingress_port(two, None)
    with pytest.raises(UsageError, match='no port "443"'):
        ingress_port(two, "443")


def test_class_choice():
    assert choose_class(None, [ingress_class("nginx", default=True)]) is None  # the server fills the default in
    assert choose_class("nginx", [ingress_class("nginx")]) == "nginx"
    assert choose_class("anything", None) == "anything"  # classes unreadable: trust the user
    assert choose_class(None, []) is None
    with pytest.raises(UsageError, match="no default IngressClass: choose one with --class \\(a, b\\)"):
        choose_class(None, [ingress_class("a"), ingress_class("b")])


def test_route_conflicts():
    existing = [ingress("shop", ("shop.example.com", [("/", "web", "http"), ("/api", "api", 80)]))]
    assert routes_conflicting(existing, "other.example.com", "/", "web", WEB["spec"]["ports"][0]) is None
    assert routes_conflicting(existing, "shop.example.com", "/v2", "web", WEB["spec"]["ports"][0]) is None
    assert "nothing to do" in routes_conflicting(existing, "shop.example.com", "/", "web", WEB["spec"]["ports"][0])
    with pytest.raises(UsageError, match="already routes shop.example.com/api to service api"):
        routes_conflicting(existing, "shop.example.com", "/api", "web", WEB["spec"]["ports"][0])


# --- pod templates ---------------------------------------------------------------------------------

def deployment(ports, host_network=None, dns_policy=None, containers=1):
    spec = {"containers": [{"name": f"c{i}", "image": "x", **({"ports": ports} if i == 0 and ports is not None else {})}
                           for i in range(containers)]}
    if host_network is not None:
        spec["hostNetwork"] = host_network
    if dns_policy:
        spec["dnsPolicy"] = dns_policy
    return {"metadata": {"name": "d", "resourceVersion": "7", "uid": "u"},
            "spec": {"selector": {"matchLabels": {"a": "b"}}, "template": {"spec": spec}}}


def test_host_port_defaults_to_the_only_declared_port_and_undo_restores():
    live = deployment([{"containerPort": 8086, "protocol": "TCP"}])
    patch = host_port_patch(live, *parse_port(None))
    assert patch["metadata"]["resourceVersion"] == "7"
    after = merge_patch(live, patch)
    assert after["spec"]["template"]["spec"]["containers"][0]["ports"] == [
        {"containerPort": 8086, "protocol": "TCP", "hostPort": 8086}]
    assert host_port_patch(after, *parse_port("8086")) is None  # already so
    restored = merge_patch(after, undo_template_patch(after))
    assert restored["spec"] == live["spec"]


def test_host_port_needs_a_choice_or_declares_the_port():
    with pytest.raises(UsageError, match="declared ports: 80, 443"):
        host_port_patch(deployment([{"containerPort": 80}, {"containerPort": 443}]), *parse_port(None))
    after = merge_patch(deployment(None), host_port_patch(deployment(None), *parse_port("9000=19000")))
    assert after["spec"]["template"]["spec"]["containers"][0]["ports"] == [
        {"containerPort": 9000, "protocol": "TCP", "hostPort": 19000}]
    restored = merge_patch(after, undo_template_patch(after))
    assert "ports" not in restored["spec"]["template"]["spec"]["containers"][0]
    with pytest.raises(UsageError, match="no container of d declares port 9000"):
        host_port_patch(deployment(None, containers=2), *parse_port("9000"))


def test_host_network_sets_cluster_dns_and_refuses_mismatched_host_ports():
    after = merge_patch(deployment([{"containerPort": 80}]), host_network_patch(deployment([{"containerPort": 80}])))
    assert (after["spec"]["template"]["spec"]["hostNetwork"], after["spec"]["template"]["spec"]["dnsPolicy"]) == (
        True, "ClusterFirstWithHostNet")
    custom = deployment([], dns_policy="None")
    assert merge_patch(custom, host_network_patch(custom))["spec"]["template"]["spec"]["dnsPolicy"] == "None"
    assert host_network_patch(deployment([], host_network=True)) is None
    with pytest.raises(UsageError, match="must be equal"):
        host_network_patch(deployment([{"containerPort": 80, "hostPort": 8080}]))
    restored = merge_patch(after, undo_template_patch(after))
    assert restored["spec"] == deployment([{"containerPort": 80}])["spec"]
    assert json.loads(after["metadata"]["annotations"][UNDO_ANNOTATION])["hostNetwork"] is None


def test_pod_security_levels():
    def namespace(level):
        return {"metadata": {"name": "ns", "labels": {"pod-security.kubernetes.io/enforce": level}}}
    assert "forbids hostPort" in pod_security_warning(namespace("baseline"), "hostport")
    assert "host namespaces" in pod_security_warning(namespace("restricted"), "hostnetwork")
    assert pod_security_warning(namespace("privileged"), "hostport") is None
    assert pod_security_warning(None, "hostport") is None


# --- diff -------------------------------------------------------------------------------------------

def test_placeholders_are_only_ports_the_dry_run_invented():
    live = service("s", {"port": 80, "nodePort": 30080}, {"port": 81}, type="NodePort")
    patch = {"spec": {"ports": [{"port": 80, "nodePort": 30080}, {"port": 81}, {"port": 82, "nodePort": 30082}]}}
    after = service("s", {"port": 80, "nodePort": 30080}, {"port": 81, "nodePort": 32769},
                    {"port": 82, "nodePort": 30082}, type="NodePort")
    assert dry_run_placeholders(live, patch, after) == {32769}
    marked = mark_allocated(after, {32769})
    assert [p["nodePort"] for p in marked["spec"]["ports"]] == [30080, ALLOCATED, 30082]
    assert show_placeholder_urls(["http://h:32769", "http://h:30080"], {32769}) == [f"http://h:{ALLOCATED}",
                                                                                  "http://h:30080"]


def test_unified_diff_ignores_server_bookkeeping():
    before = {"metadata": {"name": "x", "resourceVersion": "1", "managedFields": [{"manager": "k"}]}, "spec": {"a": 1}}
    after = {"metadata": {"name": "x", "resourceVersion": "2", "generation": 3}, "spec": {"a": 2}}
    lines = unified_diff(before, after, "svc/x")
    assert lines[0] == "--- svc/x (live)\n" and "-  a: 1\n" in lines and "+  a: 2\n" in lines
    assert not any("resourceVersion" in line or "managedFields" in line for line in lines)
    assert unified_diff(before, before, "svc/x") == []


def test_url_changes_keep_order():
    assert url_changes(["a", "b", "c"], ["c", "d", "a"]) == (["b"], ["d"])
