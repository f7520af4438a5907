"""The whole path: CLI -> official client config -> HTTP -> fake API server -> computation -> output."""

import json
import re
from collections import Counter

import pytest
import yaml

from builders import many_nodes_cluster
from support import kubeconfig_file

pytestmark = pytest.mark.both_backends


def endpoints(outcome):
    assert outcome.code == 0, outcome.err
    return [(e["method"], e["url"], e["node"]) for e in json.loads(outcome.out)["endpoints"]]


# --- the answers ---------------------------------------------------------------------------------------

def test_demo_pod_json_contract(demo_api):
    out = demo_api.reach("pod/influxdb", "-o", "json")
    doc = json.loads(out.out)
    assert doc["target"] == {"kind": "Pod", "namespace": "default", "name": "influxdb"}
    assert doc["endpoints"][-1] == {
        "method": "NodePort", "url": "http://203.0.113.11:31086", "scheme": "http", "host": "203.0.113.11",
        "port": 31086, "node": "node-b", "service": "influxdb-lb", "servicePort": 8086, "ingress": None, "via": None,
        "path": None, "internal": None, "warnings": []}
    assert endpoints(out) == [  # best first (ranking.py)
        ("LoadBalancer", "http://198.51.100.20:8086", None), ("Ingress", "https://influxdb.example.com/", None),
        ("Gateway", "https://metrics.example.com/", None),
        ("Route", "https://influxdb-default.apps.demo.example.com/", None),
        ("IngressRoute", "https://influxdb.traefik.example.com/", None),
        ("VirtualService", "https://influxdb.istio.example.com/", None),
        ("ExternalIP", "http://203.0.113.50:8086", None),
        ("NodePort", "http://203.0.113.10:30000", "node-a"), ("NodePort", "http://203.0.113.11:30000", "node-b"),
        ("NodePort", "http://203.0.113.10:31086", "node-a"), ("NodePort", "http://203.0.113.11:31086", "node-b")]
    assert doc["warnings"] == ["service influxdb: NotReady node(s) skipped: node-c",
                               "service influxdb-lb: NotReady node(s) skipped: node-c"]


def test_demo_host_network_and_host_port(demo_api):
    assert endpoints(demo_api.reach("pod/influxdb-hostnetwork", "-o", "json")) == [
        ("hostNetwork", "http://203.0.113.11:8086", "node-b")]
    assert endpoints(demo_api.reach("pod", "influxdb-hostport", "-o", "json")) == [
        ("hostPort", "http://203.0.113.10:8086", "node-a")]


def test_table_output_with_warnings_on_stderr(demo_api):
    out = demo_api.reach("svc/influxdb")
    lines = out.out.splitlines()
    assert lines[0].split() == ["METHOD", "URL", "NODE", "BACKEND", "NOTES"]
    assert lines[1].split() == ["Ingress", "https://influxdb.example.com/", "influxdb:8086", "->", "8086", "ingress",
                                "influxdb"]
    assert lines[6].split() == ["NodePort", "http://203.0.113.10:30000", "node-a", "influxdb:8086", "->", "8086"]
    assert out.err == "Warning: service influxdb: NotReady node(s) skipped: node-c\n"


def test_aws_hostname_load_balancer_source_ranges_and_ipv6_nodes(realworld):
    doc = json.loads(realworld.reach("svc/web-aws", "-o", "json").out)
    lb = [e for e in doc["endpoints"] if e["method"] == "LoadBalancer"]
    host = "a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6-1234567890.us-east-1.elb.amazonaws.com"
    assert [e["url"] for e in lb] == [f"https://{host}:443", f"http://{host}:80"]  # https first (ranking.py)
    assert lb[1]["warnings"] == ["load balancer accepts only 203.0.113.0/24"]
    # the API server made web-aws a single-stack IPv4 Service: node-v6 has only an IPv6 address (and a Hostname,
    # which resolves to that IPv6 address): it does not serve it
    assert [e for e in doc["endpoints"] if e["node"] == "node-v6"] == []
    assert "service web-aws is IPv4 single-stack: 1 node(s) with no IPv4 address skipped" in doc["warnings"]
    internal = [e for e in doc["endpoints"] if e["node"] == "node-internal"][0]
    assert internal["warnings"] == ["node has no ExternalIP: its InternalIP may be reachable only from the node network"]
    assert "service web-aws: NotReady node(s) skipped: node-down" in doc["warnings"]


def test_deployment_over_two_nodes_local_policy_named_target_port_and_tls_ingress(realworld):
    out = realworld.reach("deploy/api", "-o", "json")
    assert endpoints(out) == [  # best first (ranking.py): virtual hosts, https first, a wildcard (unusable) last
        ("Ingress", "https://www.example.com/api", None),
        ("Ingress", "https://api.apps.example.com/", None),
        ("Ingress", "http://plain.example.com/", None),
        ("NodePort", "http://198.51.100.1:31080", "node-public"),
        ("Ingress", "http://*.preview.example.com/", None)]
    warnings = json.loads(out.out)["warnings"]
    assert warnings == [
        "service api is IPv4 single-stack: 1 node(s) with no IPv4 address skipped",  # node-v6: IPv6 only
        "service api: externalTrafficPolicy Local: NodePort answers only on the 1 node(s) hosting a ready endpoint "
        "(1 other node(s) skipped)",
        "pod api-7d4b9c8f6-k9m2z is not Ready: its Services do not send it traffic"]


def test_pending_lb_external_ips_and_hostless_ingress(realworld):
    out = realworld.reach("svc/pending-lb", "-o", "json")
    assert endpoints(out) == []
    assert "load balancer pending" in json.loads(out.out)["warnings"][0]
    assert endpoints(realworld.reach("svc/legacy", "-o", "json")) == [("ExternalIP", "https://192.0.2.50:8443", None)]
    out = realworld.reach("ingress/catchall", "-o", "json")
    assert endpoints(out) == [("Ingress", "http://192.0.2.80/mail", None), ("Ingress", "http://192.0.2.80/gone", None),
                              ("Ingress", "http://192.0.2.80/", None)]
    assert json.loads(out.out)["warnings"] == [
        "ingress catchall: IngressClass traefik not found: no controller may serve it",
        "ingress catchall routes to service removed, which does not exist"]


def test_unreachable_pod_exits_zero_with_fallbacks(realworld):
    out = realworld.reach("pod/lonely")
    assert out.code == 0 and out.out == ""
    assert out.err.splitlines() == [
        "Warning: no Service selects pod lonely (labels app=solo,topology.kubernetes.io/zone=us-east-1a)",
        "Warning: pod/lonely has no external endpoint",
        "Hint: from this machine only: kubectl port-forward -n shop pod/lonely 9000:9000",
        "Hint: to expose it: kubectl expose -n shop pod/lonely --type=NodePort --port=9000"]
    out = realworld.reach("svc/internal-only", "-o", "json")
    assert json.loads(out.out)["endpoints"] == []
    assert json.loads(out.out)["warnings"][-1] == "to expose it: kubectl reach convert -n shop svc/internal-only --to nodeport"


def test_address_type_flag(realworld):
    urls = realworld.reach("svc/mail", "--address-type", "InternalIP", "-o", "url").out.split()
    assert [u for u in urls if u.startswith("tcp:")][:2] == ["tcp://10.0.1.5:30025", "tcp://10.0.1.1:30025"]  # by node name
    # the API server made mail a single-stack IPv4 Service: node-v6 (IPv6 InternalIP only) does not serve it
    assert "Warning: service mail is IPv4 single-stack: 1 node(s) with no IPv4 InternalIP address skipped" in \
        realworld.reach("svc/mail", "--address-type", "InternalIP").err
    out = realworld.reach("svc/mail", "--address-type", "ExternalIP", "-o", "json")
    assert {e["node"] for e in json.loads(out.out)["endpoints"] if e["method"] == "NodePort"} == {"node-public"}
    assert "service mail: node(s) with no ExternalIP address skipped: node-internal, node-v6" in json.loads(out.out)["warnings"]


def test_output_formats(demo_api):
    assert demo_api.reach("svc/influxdb-lb", "-o", "url").out.splitlines() == [
        "http://198.51.100.20:8086", "http://203.0.113.10:31086", "http://203.0.113.11:31086"]
    doc = yaml.safe_load(demo_api.reach("svc/influxdb-lb", "-o", "yaml").out)
    assert doc["endpoints"][0]["method"] == "LoadBalancer"
    wide = demo_api.reach("svc/influxdb-lb", "-o", "wide").out.splitlines()
    assert wide[0].split() == ["METHOD", "URL", "SCHEME", "NODE", "BACKEND", "NOTES"]


def test_listing_a_namespace(realworld):
    doc = json.loads(realworld.reach("-o", "json").out)
    targets = [(i["target"]["kind"], i["target"]["name"]) for i in doc["items"]]
    assert targets == [("Service", "api"), ("Service", "legacy"), ("Service", "mail"), ("Service", "pending-lb"),
                       ("Service", "web-aws"), ("Ingress", "catchall"), ("Ingress", "shop"),
                       ("Pod", "node-exporter-7xq2m"), ("Pod", "node-exporter-k2v9p")]


def test_listing_all_namespaces(demo_api):
    out = demo_api.reach("-A")
    lines = out.out.splitlines()
    assert lines[0].split()[:3] == ["NAMESPACE", "TARGET", "METHOD"]
    methods = {line.split()[2] for line in lines[1:]}
    assert methods == {"hostNetwork", "hostPort", "NodePort", "LoadBalancer", "ExternalIP", "Ingress", "Gateway", "Route",
                       "IngressRoute", "VirtualService"}
    assert demo_api.reach("-n", "empty").err == "No externally reachable resources found in namespace empty.\n"


# --- resolution ----------------------------------------------------------------------------------------

def test_bare_name_tries_service_then_pod_then_deployment(realworld):
    out = realworld.reach("mail", "-o", "url")
    assert out.code == 0 and out.err.splitlines()[0] == "reach: mail is svc/mail"
    assert "Warning: service mail: NotReady node(s) skipped: node-down" in out.err  # stdout stays URLs only
    assert all(line.startswith(("http://", "tcp://")) for line in out.out.splitlines())
    assert realworld.reach("lonely", "-o", "json").err == "reach: lonely is pod/lonely\n"
    out = realworld.reach("api", "-o", "json")
    assert json.loads(out.out)["target"]["kind"] == "Service"
    realworld.delete("Service", "api", "shop")
    out = realworld.reach("api", "-o", "json")
    assert out.err == "reach: api is deploy/api\n" and json.loads(out.out)["target"]["kind"] == "Deployment"


def test_namespace_from_context_and_flag(realworld):
    assert realworld.reach("svc/mail", "-o", "url").code == 0           # context namespace: shop
    out = realworld.reach("svc/mail", "-n", "default")
    assert (out.code, out.err) == (1, 'error: services "mail" not found\n')


# --- errors: one line, exit 1, no traceback ---------------------------------------------------------

def test_user_errors(realworld, tmp_path):
    cases = {
        ("svc/nope",): 'error: services "nope" not found',
        ("deploy/nope",): 'error: deployments.apps "nope" not found',
        ("nope",): 'error: no service, pod or deployment named "nope" in namespace "shop"',
        ("foo/bar",): 'error: unknown resource type "foo" (use one of: pod, svc, deploy, sts, ds, ingress, httproute, '
                      'grpcroute, tlsroute, tcproute, udproute, route, ingressroute, ingressroutetcp, ingressrouteudp, '
                      'virtualservice, httpproxy, virtualserver, virtualserverroute)',
        ("pod/",): 'error: invalid target "pod/": arguments in resource/name form must have a single resource and name',
        ("svc/mail", "-o", "xml"): 'error: unable to match a printer suitable for the output format "xml", '
                                   "allowed formats are: custom-columns,custom-columns-file,headlamp,json,jsonpath,jsonpath-file,name,table,url,wide,yaml",
        ("svc/mail", "-A"): "error: a resource cannot be retrieved by name across all namespaces",
        ("svc/mail", "--context", "nope"): 'error: context "nope" does not exist',
    }
    for args, message in cases.items():
        out = realworld.reach(*args)
        assert (out.code, out.err.strip(), out.out) == (1, message, ""), args
    out = realworld.reach("svc/mail", "--bogus")  # click's own wording varies between releases
    assert out.code == 1 and out.err.startswith("error: No such option") and "--bogus" in out.err


def test_usage_errors_send_no_request(realworld):
    before = len(realworld.log())
    for args in (("pod/",), ("svc/x", "-o", "nope"), ("svc/x", "--address-type", "x"), ("svc/x", "--request-timeout", "x")):
        assert realworld.reach(*args).code == 1
    assert len(realworld.log()) == before


def test_forbidden_unreachable_and_bad_kubeconfig(realworld, tmp_path, capsys):
    from kubectl_expose_ext.cli import run

    realworld.forbid("get", "services")
    out = realworld.reach("svc/mail")
    assert out.code == 1 and out.err.startswith('error: services "mail" is forbidden: User ')
    realworld.allow_all()
    realworld.forbid("list", "nodes")
    out = realworld.reach("svc/mail", "-o", "json")
    assert out.code == 0 and "node list unavailable (forbidden: nodes is forbidden" in json.loads(out.out)["warnings"][0]

    dead = tmp_path / "dead"
    dead.write_text(open(realworld.kubeconfig).read().replace(realworld.url, "https://127.0.0.1:9"))
    capsys.readouterr()
    assert run(["svc/mail", "--kubeconfig", str(dead)]) == 1
    err = capsys.readouterr().err
    assert err == ("error: the connection to the server https://127.0.0.1:9 was refused - "
                   "did you specify the right host or port?\n")
    assert run(["svc/mail", "--kubeconfig", str(tmp_path / "missing")]) == 1
    assert capsys.readouterr().err == f'error: kubeconfig "{tmp_path / "missing"}" not found\n'
    garbage = tmp_path / "garbage"
    garbage.write_text("apiVersion: v1\nkind: Config\nclusters: []\n")
    assert run(["svc/mail", "--kubeconfig", str(garbage)]) == 1
    assert capsys.readouterr().err == "error: no current context in the kubeconfig: use --context\n"


def test_request_timeout_on_a_silent_server(tmp_path, capsys):
    import socket

    from kubectl_expose_ext.cli import run

    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(1)  # accepts the connection, never answers
    config = kubeconfig_file(tmp_path / "kubeconfig", f"{{server: 'http://127.0.0.1:{silent.getsockname()[1]}'}}")
    try:
        assert run(["svc/x", "--kubeconfig", config, "--request-timeout", "300ms"]) == 1
        assert "did not answer within 0.3s" in capsys.readouterr().err
    finally:
        silent.close()


# --- requests: constant, narrow, paged --------------------------------------------------------------

def requests_for(api, *args):
    before = len(api.log())
    assert api.reach(*args).code == 0
    return [(r.method, r.path, r.query.get("labelSelector")) for r in api.log(before)]


def sent_after(sent, before, counted):
    """`counted`: the requests sent, each as often as listed, in no fixed order (a target's GET, what is read beside
    it, the front doors, the EndpointSlices and the nodes: Kube.together); `before`: pairs (a, b) of requests
    where b needs a's answer, so a was sent first."""
    assert Counter(sent) == Counter(counted), sent
    for first, then in before:
        assert sent.index(first) < sent.index(then), (first, then, sent)
    return True


def test_service_target_makes_a_constant_number_of_narrow_requests(realworld):
    target = ("GET", "/api/v1/namespaces/shop/services/web-aws", None)
    nodes = ("GET", "/api/v1/nodes", None)
    counted = [
        target,
        ("GET", "/apis/networking.k8s.io/v1/namespaces/shop/ingresses", None),
        ("GET", "/apis/networking.k8s.io/v1/ingressclasses", None),
        ("GET", "/apis", None),  # discovery: Gateway API served, OpenShift Routes and the other doors not
        ("GET", "/apis/gateway.networking.k8s.io/v1/gateways", None),  # none: no route is read
        ("GET", "/apis/discovery.k8s.io/v1/namespaces/shop/endpointslices", "kubernetes.io/service-name=web-aws"),
        nodes,  # as a Table: node-v6 prints only an IPv6 address, and web-aws is IPv4,
        nodes,  # so the objects are read too (a hidden second InternalIP may be IPv4)
    ]
    assert sent_after(requests_for(realworld, "svc/web-aws"), [(target, nodes)], counted)
    for i in range(300):  # a bigger cluster: more nodes and services, same requests
        realworld.add({"kind": "Node", "metadata": {"name": f"extra-{i:03}"},
                               "status": {"addresses": [{"type": "ExternalIP", "address": f"192.0.2.{i % 250}"}]}})
        realworld.add({"kind": "Service", "metadata": {"name": f"svc-{i}", "namespace": "shop"},
                               "spec": {"type": "NodePort", "ports": [{"port": 80, "nodePort": 32000 + i}]}})
    assert sent_after(requests_for(realworld, "svc/web-aws"), [(target, nodes)], counted)


def test_pod_and_workload_targets_use_selectors(realworld):
    target = ("GET", "/apis/apps/v1/namespaces/shop/deployments/api", None)
    pods = ("GET", "/api/v1/namespaces/shop/pods", "app=api,tier in (backend)")
    services = ("GET", "/api/v1/namespaces/shop/services", None)
    ingresses = ("GET", "/apis/networking.k8s.io/v1/namespaces/shop/ingresses", None)
    assert sent_after(requests_for(realworld, "deploy/api"), [(target, pods), (pods, ingresses), (services, ingresses)], [
        target, pods, services,  # the Services beside the target's GET, its pods once it has answered
        ingresses,
        ("GET", "/apis/networking.k8s.io/v1/ingressclasses", None),
        ("GET", "/apis", None),
        ("GET", "/apis/gateway.networking.k8s.io/v1/gateways", None),
        ("GET", "/apis/discovery.k8s.io/v1/namespaces/shop/endpointslices", "kubernetes.io/service-name=api"),
        ("GET", "/api/v1/nodes", None),  # the Table, then the objects: node-v6 prints only IPv6, api is IPv4
        ("GET", "/api/v1/nodes", None),
    ])
    # no Service selects it: nothing else is worth fetching
    assert sent_after(requests_for(realworld, "pod/lonely"), [], [
        ("GET", "/api/v1/namespaces/shop/pods/lonely", None), ("GET", "/api/v1/namespaces/shop/services", None)])


def test_host_network_pod_gets_only_its_node(demo_api):
    pod = ("GET", "/api/v1/namespaces/default/pods/influxdb-hostnetwork", None)
    node = ("GET", "/api/v1/nodes/node-b", None)
    assert sent_after(requests_for(demo_api, "pod/influxdb-hostnetwork"), [(pod, node)], [
        pod, ("GET", "/api/v1/namespaces/default/services", None), node])


def test_large_lists_are_paged(api_factory):
    cluster = many_nodes_cluster(1234)
    # a node with only a Hostname: the printed Table (read whole from the watch cache) cannot show it, so the
    # objects are read too, page by page and consistent
    cluster.add({"kind": "Node", "metadata": {"name": "node-named"},
                 "status": {"addresses": [{"type": "Hostname", "address": "node-named.example.internal"}],
                            "conditions": [{"type": "Ready", "status": "True"}]}})
    api = api_factory(cluster=cluster)
    out = api.reach("svc/web", "-o", "url")
    assert len(out.out.split()) == 1235
    lists = [r for r in api.log() if r.path == "/api/v1/nodes"]
    assert [(r.query.get("includeObject"), r.query.get("resourceVersion"), r.query.get("limit"), "continue" in r.query)
            for r in lists] == [("None", "0", "500", False),
                                (None, None, "500", False), (None, None, "500", True), (None, None, "500", True)]


def test_daemonset_on_the_host_network(realworld):
    before = len(realworld.log())
    out = realworld.reach("ds/node-exporter", "-o", "json")
    assert endpoints(out) == [("hostNetwork", "tcp://198.51.100.1:9100", "node-public"),
                              ("hostNetwork", "tcp://[2001:db8::10]:9100", "node-v6")]
    requests = [(r.method, r.path, r.query.get("labelSelector")) for r in realworld.log(before)]
    target = ("GET", "/apis/apps/v1/namespaces/shop/daemonsets/node-exporter", None)
    pods = ("GET", "/api/v1/namespaces/shop/pods", "app.kubernetes.io/name=node-exporter")
    nodes = ("GET", "/api/v1/nodes", None)  # two nodes involved: one LIST, not one GET per node
    assert sent_after(requests, [(target, pods), (pods, nodes)], [
        target, pods, ("GET", "/api/v1/namespaces/shop/services", None), nodes])


# --- kubectl's habits -----------------------------------------------------------------------------------------

@pytest.mark.fake_only("no request is involved")
def test_typos_of_commands_are_caught_before_any_request(demo_api):
    for typed, near in (("audti", "audit"), ("covert", "convert"), ("dmeo", "demo"), ("vresion", "version")):
        out = demo_api.reach(typed, "svc/x")
        assert (out.code, out.err) == (1, f'error: unknown command "{typed}" for "kubectl reach"; did you mean '
                                          f'"{near}"? (a service named so is svc/{typed})\n')
    assert demo_api.cluster.log == []
    assert demo_api.reach("influxdb", "-o", "url").code == 0  # a bare name far from any command is a target
    assert "did you mean" not in demo_api.reach("shop").err  # nor is `show`, the default, ever suggested


def test_version_shows_the_server_as_kubectl_version_does(demo_api):
    """`version` asks GET /version, as `kubectl version` does (kubectl's `Server Version:` line, its -o json shape);
    --client asks nothing."""
    import json

    from kubectl_expose_ext import __version__

    before = len(demo_api.log())
    out = demo_api.reach("version")
    lines = out.out.splitlines()
    assert out.code == 0 and lines[0] == f"kubectl reach v{__version__}", out.err
    assert re.fullmatch(r"Server Version: v1\.\d+\.\d+\S*", lines[1]), lines
    document = json.loads(demo_api.reach("version", "-o", "json").out)
    assert document["clientVersion"] == {"gitVersion": f"v{__version__}"}
    assert document["serverVersion"]["gitVersion"] == lines[1].split(": ")[1]
    assert [r.path for r in demo_api.log(before)] == ["/version", "/version"]
    assert demo_api.reach("version", "--client").out == f"kubectl reach v{__version__}\n"
    assert len(demo_api.log(before)) == 2


@pytest.mark.fake_only("no request is involved")
def test_version_and_help_everywhere(demo_api):
    from kubectl_expose_ext import __version__

    for args in (["version", "--client"], ["--version"], ["audit", "--version"], ["convert", "svc/x", "--version"]):
        out = demo_api.reach(*args)
        assert (out.code, out.out) == (0, f"kubectl reach v{__version__}\n"), args
    assert demo_api.reach("help").out.startswith("Usage: kubectl reach [OPTIONS] [TARGET | COMMAND]")
    assert demo_api.reach("help", "convert").out.startswith("Usage: kubectl reach convert")
    assert demo_api.reach("convert", "-h").out.startswith("Usage: kubectl reach convert")
    assert demo_api.reach("help", "covert").err.endswith('did you mean "convert"?\n')
    assert demo_api.cluster.log == []


def test_kubectl_spellings_of_flags(demo_api):
    assert demo_api.reach("svc/influxdb", "-n=default", "-o=url").out.startswith("https://influxdb.example.com/")
    assert demo_api.reach("-A=false", "-o=json").code == 0
    listing = demo_api.reach("--all-namespaces=true")
    assert listing.code == 0 and listing.out.splitlines()[0].split()[0] == "NAMESPACE"
    out = demo_api.reach("convert", "svc/influxdb", "--to", "clusterip", "--dry-run=server")
    assert out.code == 0 and "Dry run: nothing was changed" in out.err
    assert all(r.dry_run for r in demo_api.log() if r.mutating)
    out = demo_api.reach("convert", "svc/influxdb", "--to", "clusterip", "--dry-run=client")
    assert out.code == 1 and out.err.startswith("error: --dry-run=client is not supported")
    out = demo_api.reach("svc/influxdb", "--probe=maybe")
    assert (out.code, out.err) == (1, 'error: invalid argument "maybe" for "--probe" flag: use "true" or "false"\n')
    out = demo_api.reach("audit", "--probe=false")  # another command's flag: refused, as kubectl refuses an unknown one
    assert out.code == 1 and out.err.startswith("error: No such option") and "--probe" in out.err  # (click's words)


def test_url_output_prints_only_urls_that_can_work(realworld):
    out = realworld.reach("svc/mail", "-o", "url")
    assert out.code == 0 and "192.0.2.80" not in out.out  # the catchall Ingress has no controller (traefik missing)
    assert "Warning: URL not printed: http://192.0.2.80/mail: its IngressClass is missing" in out.err
    out = realworld.reach("ingress/catchall", "-o", "url")
    assert (out.code, out.out) == (3, "")  # nothing left that can work: scripts can tell
    assert realworld.reach("ingress/catchall", "-o", "json").code == 0  # the document still has them, warned


def test_url_output_leaves_a_wildcard_host_out(realworld):
    """`-o url` is for `curl "$(... | head -1)"`: no client can ask for `*.preview.example.com` itself."""
    out = realworld.reach("deploy/api", "-n", "shop", "-o", "url")
    assert out.code == 0 and "*" not in out.out and "http://plain.example.com/" in out.out.splitlines()
    assert "Warning: URL not printed: http://*.preview.example.com/: a wildcard host (any name under it is served)" \
        in out.err.splitlines()


@pytest.mark.fake_only("no request is involved")
def test_the_top_level_help_lists_the_flags_of_the_default_command(demo_api):
    """`kubectl reach --help` shows what `kubectl reach TARGET` takes (issue 25: it showed no flag), and names the
    connection flags every command shares."""
    from support import run_installed

    text = " ".join(run_installed(["kubectl-reach", "--help"], {**demo_api.env(), "COLUMNS": "200"}).stdout.split(" "))
    section = text.split("Flags of the default command (kubectl reach [TARGET] [flags]):", 1)[1]
    for flag in ("-o, --output FORMAT", "--probe", "--wait DURATION", "-w, --watch", "--open", "-A, --all-namespaces"):
        assert flag in section, flag
    assert "--kubeconfig, --context, -n/--namespace" in section
